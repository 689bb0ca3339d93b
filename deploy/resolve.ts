import { getAddress, isAddress, solidityPacked, ZeroAddress } from "ethers";

import type { LiveDeployment } from "./modules/Ballast";
import type { NetworkDeployConfig, Route } from "./config/types";

/** A deployment configuration or option that cannot work, named before anything is sent. */
export class DeployConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeployConfigError";
  }
}

const FEE_TIERS = new Set([100, 500, 3_000, 10_000]);

/** How many times the TWAP window's observations a watched pool's ring holds. */
export const OBSERVATION_MARGIN = 2;

/**
 * Observations a pool needs so that its ring spans `twapWindow` seconds at `blockTimeMs`, with
 * {@link OBSERVATION_MARGIN}; at most Uniswap's 65,535.
 */
export function requiredCardinality(twapWindow: number, blockTimeMs: number): number {
  if (twapWindow === 0) return 0;
  if (!(blockTimeMs > 0)) throw new DeployConfigError(`block time ${blockTimeMs} ms must be positive`);
  const needed = Math.ceil(((twapWindow * 1_000) / blockTimeMs) * OBSERVATION_MARGIN);
  if (needed > 65_535) {
    throw new DeployConfigError(`a ${twapWindow}s TWAP at ${blockTimeMs} ms blocks needs ${needed} observations`);
  }
  return needed;
}

/** Who governs: proposers and executors of the timelock, the guardian, the fee recipient. */
export interface GovernanceOptions {
  /** Proposers (and cancellers) of the timelock; default the deployer. */
  proposers?: readonly string[];
  /** Executors; default the proposers. */
  executors?: readonly string[];
  /** May pause at once (e.g. a Safe); default the deployer. */
  guardian?: string;
  /** Receives the management fee's shares; required when the configuration sets one. */
  feeRecipient?: string;
}

function address(value: string, what: string): string {
  if (!isAddress(value)) throw new DeployConfigError(`${what}: ${value} is not an address`);
  return getAddress(value);
}

/** Encodes a route given by symbols as a Uniswap V3 path, checking its tokens, tiers and ends. */
export function encodeRoute(config: NetworkDeployConfig, route: Route, from: string, to: string): string {
  if (route.length < 3 || route.length % 2 === 0) {
    throw new DeployConfigError(`route ${route.join(" ")}: must alternate token, fee, token, ...`);
  }
  if (route[0] !== from || route[route.length - 1] !== to) {
    throw new DeployConfigError(`route ${route.join(" ")}: must lead from ${from} to ${to}`);
  }
  const types: string[] = [];
  const values: (string | number)[] = [];
  route.forEach((hop, i) => {
    if (i % 2 === 0) {
      const token = typeof hop === "string" ? config.tokens[hop] : undefined;
      if (!token) throw new DeployConfigError(`route ${route.join(" ")}: ${hop} is not a configured token`);
      types.push("address");
      values.push(address(token.address, `${config.network} ${hop}`));
    } else {
      if (typeof hop !== "number" || !FEE_TIERS.has(hop)) {
        throw new DeployConfigError(`route ${route.join(" ")}: ${hop} is not a Uniswap V3 fee tier`);
      }
      types.push("uint24");
      values.push(hop);
    }
  });
  return solidityPacked(types, values);
}

/** A pool the breakers watch: `label` names it in checks (`WETH/USDC 500`). */
export interface WatchedPool {
  label: string;
  tokenA: string;
  tokenB: string;
  fee: number;
}

/**
 * The pools the breakers watch: each asset's first pool, when its other token is in the basket (as
 * the vault's `BasketAdmin.poolRef` picks them); none when they check no TWAP.
 */
export function watchedPools(config: NetworkDeployConfig): WatchedPool[] {
  return BigInt(config.breakers.twapWindow) === 0n ? [] : firstPools(config);
}

/** Each non-base asset's first pool (its route's first hop) when both its tokens are in the basket. */
export function firstPools(config: NetworkDeployConfig): WatchedPool[] {
  const symbols = new Set(config.basket.map((entry) => entry.symbol));
  const pools = new Map<string, WatchedPool>();
  for (const entry of config.basket.slice(1)) {
    if (!entry.route || entry.route.length < 3) continue;
    const [tokenA, fee, tokenB] = entry.route as readonly [string, number, string];
    if (!symbols.has(tokenB) || !config.tokens[tokenA] || !config.tokens[tokenB]) continue;
    const label = `${tokenA}/${tokenB} ${fee}`;
    pools.set([tokenA, tokenB].sort().join("/") + fee, {
      label,
      tokenA: address(config.tokens[tokenA].address, label),
      tokenB: address(config.tokens[tokenB].address, label),
      fee,
    });
  }
  return [...pools.values()];
}

/**
 * Settles a network's configuration into what the Ignition module deploys: addresses checksummed,
 * routes encoded both ways, whole-token amounts scaled, governance filled in. Throws
 * {@link DeployConfigError} for any inconsistency.
 */
export function resolveDeployment(
  config: NetworkDeployConfig,
  deployer: string,
  governance: GovernanceOptions = {},
): LiveDeployment {
  const [base] = config.basket;
  if (!base || base.route)
    throw new DeployConfigError(`${config.network}: the basket starts with the base asset, unrouted`);
  const weights = config.basket.reduce((sum, asset) => sum + asset.weightBps, 0);
  if (weights !== 10_000) throw new DeployConfigError(`${config.network}: basket weights sum to ${weights}, not 10000`);
  const seen = new Set<string>();
  const assets = config.basket.map((entry, i) => {
    const token = config.tokens[entry.symbol];
    if (!token) throw new DeployConfigError(`${config.network}: basket token ${entry.symbol} is not configured`);
    if (seen.has(entry.symbol)) throw new DeployConfigError(`${config.network}: ${entry.symbol} is listed twice`);
    seen.add(entry.symbol);
    if (i > 0 && !entry.route) throw new DeployConfigError(`${config.network}: ${entry.symbol} needs a route`);
    // The oracle's own bounds (ChainlinkOracle.MAX_DEVIATION_BPS), said before anything is deployed.
    if (!Number.isInteger(token.feedDeviationBps) || token.feedDeviationBps < 1 || token.feedDeviationBps > 1_000) {
      throw new DeployConfigError(
        `${config.network}: ${entry.symbol}'s feed deviation ${token.feedDeviationBps} bps is outside 1..1000`,
      );
    }
    const route = entry.route;
    return {
      symbol: entry.symbol,
      token: address(token.address, `${config.network} ${entry.symbol}`),
      feed: address(token.feed, `${config.network} ${entry.symbol} feed`),
      staleAfter: token.staleAfter,
      feedDeviationBps: token.feedDeviationBps,
      weightBps: entry.weightBps,
      sellRoute: route ? encodeRoute(config, route, entry.symbol, base.symbol) : "0x",
      buyRoute: route ? encodeRoute(config, [...route].reverse(), base.symbol, entry.symbol) : "0x",
    };
  });
  const gasTokenIndex = config.basket.findIndex((entry) => entry.symbol === config.costs.gasToken);
  if (gasTokenIndex < 0) {
    throw new DeployConfigError(`${config.network}: gas token ${config.costs.gasToken} is not in the basket`);
  }
  const feeRecipient = governance.feeRecipient ? address(governance.feeRecipient, "fee recipient") : ZeroAddress;
  if (BigInt(config.fees.managementFeeBps) !== 0n && feeRecipient === ZeroAddress) {
    throw new DeployConfigError(`${config.network}: a management fee needs a fee recipient`);
  }
  const proposers = (governance.proposers ?? [deployer]).map((a) => address(a, "proposer"));
  if (proposers.length === 0) throw new DeployConfigError("the timelock needs at least one proposer");
  const { benefitPerBpWad, maxCostRatioBps, gasBase, gasPerHop } = config.costs;
  const sequencerFeed = config.sequencerFeed ? address(config.sequencerFeed, "sequencer feed") : ZeroAddress;
  return {
    deployer: address(deployer, "deployer"),
    factory: address(config.uniswap.factory, `${config.network} factory`),
    watchedPools: watchedPools(config),
    observationCardinality: requiredCardinality(Number(config.breakers.twapWindow), config.blockTimeMs),
    assets,
    vault: config.vault,
    params: {
      slippageBps: config.params.slippageBps,
      maxTradeBps: config.params.maxTradeBps,
      maxLossBps: config.params.maxLossBps,
      minTradeValue: BigInt(config.params.minTradeValueWhole) * 10n ** BigInt(config.tokens[base.symbol].decimals),
      maxPoolGapBps: config.params.maxPoolGapBps,
    },
    triggers: config.triggers,
    // The oracles and the breakers consult the same sequencer feed.
    sequencer: {
      feed: sequencerFeed,
      gracePeriod: sequencerFeed === ZeroAddress ? 0 : Number(config.breakers.sequencerGracePeriod),
    },
    breakers: { ...config.breakers, sequencerFeed },
    volatility: config.volatility,
    costs: { benefitPerBpWad, maxCostRatioBps, gasBase, gasPerHop },
    gasTokenIndex,
    fees: { ...config.fees, recipient: feeRecipient },
    reward: {
      premiumBps: config.reward.premiumBps,
      maxRewardBps: config.reward.maxRewardBps,
      maxReward: BigInt(config.reward.maxRewardWhole) * 10n ** BigInt(config.tokens[base.symbol].decimals),
    },
    plan: config.plan,
    governance: {
      timelockDelay: config.timelockDelay,
      proposers,
      executors: (governance.executors ?? proposers).map((a) => address(a, "executor")),
      guardian: address(governance.guardian ?? deployer, "guardian"),
    },
  };
}
