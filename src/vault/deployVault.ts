/**
 * `deployVault`: a Ballast vault on a local market for tests, the demo and the benchmarks, deployed
 * by the one recipe `npm run deploy` runs (the Ignition module in deploy/modules/Ballast.ts, through
 * deploy/deployBallast.ts). Its options are translated into the module's input here; what it returns
 * is typechain contracts at the addresses deployed.
 */
import { ethers, getAddress, solidityPacked } from "ethers";
import type { Signer } from "ethers";
import hre from "hardhat";

import type { BasketAssetConfig, Route } from "../../deploy/config/types";
import { deployBallast } from "../../deploy/deployBallast";
import type { ResolvedAsset, ResolvedDeployment } from "../../deploy/modules/Ballast";
import {
  BallastBreakers__factory,
  BallastPlanner__factory,
  BallastPolicy__factory,
  BallastRebalancer__factory,
  BallastRouter__factory,
  BallastVault__factory,
  ChainlinkOracle__factory,
  TimelockController__factory,
} from "../../typechain-types";
import type {
  BallastBreakers,
  BallastPlanner,
  BallastPolicy,
  BallastRebalancer,
  BallastRouter,
  BallastVault,
  ChainlinkOracle,
  TimelockController,
} from "../../typechain-types";
import type { IBallastVault } from "../../typechain-types/artifacts/contracts/BallastVault";
import type { IBallastBreakers } from "../../typechain-types/artifacts/contracts/BallastBreakers";
import type { IBallastPolicy } from "../../typechain-types/artifacts/contracts/BallastPolicy";
import type { IBallastRebalancer } from "../../typechain-types/artifacts/contracts/BallastRebalancer";
import { DEFAULT_FEED_DEVIATION_BPS, FEED_DEVIATION_BPS, MarketConfigError } from "../market";
import type { LocalMarket } from "../market";

/** A hop sequence from an asset to the base asset: `["WBTC", 500, "WETH", 500, "USDC"]`. */
export type RouteSpec = Route;

/**
 * A basket asset as a network's configuration names it; its route defaults to the asset/base pool
 * of the deepest tier.
 */
export interface BasketEntry extends BasketAssetConfig {
  /** Seconds the feed may go without an update (default one day, Chainlink's longest heartbeat). */
  heartbeat?: number;
  /** The feed's deviation threshold in bps (default: the local feeds' {@link FEED_DEVIATION_BPS}). */
  deviationBps?: number;
}

export interface VaultOptions {
  name?: string;
  symbol?: string;
  basket: readonly BasketEntry[];
  /** Execution bounds; missing ones take {@link defaultParams}. */
  params?: Partial<IBallastVault.RebalanceParamsStruct>;
  /** Trigger rules; missing ones take {@link DEFAULT_TRIGGERS}. */
  triggers?: Partial<IBallastPolicy.TriggerParamsStruct>;
  /** Circuit breakers; off unless given ({@link RECOMMENDED_BREAKERS} once pools have TWAP history). */
  breakers?: IBallastBreakers.BreakerParamsStruct;
  /** Volatility scaling of the trigger band; off unless given. */
  volatility?: IBallastPolicy.VolatilityParamsStruct;
  /**
   * Cost-efficiency gate; off unless given. `gasTokenOracle: "WETH"` (a basket symbol) uses that
   * asset's oracle for the gas token's price.
   */
  costs?: Omit<IBallastPolicy.CostParamsStruct, "gasTokenOracle"> & { gasTokenOracle?: string };
  /** Fees; all zero unless given (entries and exits pay their flow cost regardless). */
  fees?: IBallastVault.FeeParamsStruct;
  /** The keeper reward; none unless given ({@link recommendedReward}; needs `costs.gasTokenOracle`). */
  reward?: IBallastRebalancer.RewardParamsStruct;
  /** How keepers' plans are held to account; the rebalancer's defaults (2,500 / 10 bps) unless given. */
  plan?: IBallastRebalancer.PlanParamsStruct;
  /**
   * Who governs. By default a new TimelockController (delay `timelockDelay`, the deployer proposing
   * and executing) is the admin of the vault, its rebalancer, the policy and the breakers, and the
   * deployer is the guardian.
   * `admin` skips the timelock and makes that address the admin directly (for tests of setters).
   */
  governance?: { admin?: string; guardian?: string; timelockDelay?: number };
  /**
   * An L2's sequencer uptime feed, which every oracle consults: no price while the sequencer is
   * down or within `gracePeriod` seconds of its restart. None by default (an L1).
   */
  sequencer?: { feed: string; gracePeriod: number };
}

export interface DeployedVault {
  vault: BallastVault;
  oracles: ChainlinkOracle[];
  policy: BallastPolicy;
  /** The circuit breakers: whether trading is safe now (a trip is kept under the rebalancer's address). */
  breakers: BallastBreakers;
  /**
   * The vault's rebalancer, which consults `policy` and `breakers` (both keep their records under its
   * address).
   */
  rebalancer: BallastRebalancer;
  /** The stateless planner of the rebalancer's on-chain plan. */
  planner: BallastPlanner;
  /** The admin timelock; undefined when `governance.admin` was given. */
  timelock?: TimelockController;
  /** The chain's BallastRouter (depositors' slippage and deadline bounds), deployed with the vault. */
  router: BallastRouter;
}

/** Default trigger rules: a 2% drift band, full rebalances, a 10-minute cooldown, no calendar. */
export const DEFAULT_TRIGGERS: IBallastPolicy.TriggerParamsStruct = {
  triggerBandBps: 200,
  targetBandBps: 0,
  cooldown: 600,
  calendarInterval: 0,
};

export { RECOMMENDED_BREAKERS, RECOMMENDED_COSTS, recommendedReward } from "../../deploy/config/recommended";

/** Default timelock delay of governance: two days. */
export const DEFAULT_TIMELOCK_DELAY = 2 * 24 * 60 * 60;

const DAY = 24 * 60 * 60;

/** USDC base (5% cash buffer) with WETH, WBTC (routed WBTC -> WETH -> USDC) and LINK. */
export const DEFAULT_BASKET: readonly BasketEntry[] = [
  { symbol: "USDC", weightBps: 500 },
  { symbol: "WETH", weightBps: 4_000 },
  { symbol: "WBTC", weightBps: 3_500, route: ["WBTC", 500, "WETH", 500, "USDC"] },
  { symbol: "LINK", weightBps: 2_000 },
];

/**
 * Default execution bounds, with `minTradeValue` of 10 whole base tokens; a rebalance refuses a leg
 * whose pools are priced over 5 bps worse than its oracles (a push against the vault).
 */
export function defaultParams(baseDecimals: number): IBallastVault.RebalanceParamsStruct {
  return {
    slippageBps: 100,
    maxTradeBps: 1_000,
    maxLossBps: 100,
    minTradeValue: 10n * 10n ** BigInt(baseDecimals),
    maxPoolGapBps: 5,
  };
}

/** Encodes a route given by symbols and fee tiers as a Uniswap V3 path. */
export function encodeRoute(market: LocalMarket, route: RouteSpec): string {
  if (route.length < 3 || route.length % 2 === 0) {
    throw new MarketConfigError(`route ${route.join(" ")} must alternate token, fee, token, ...`);
  }
  const types: string[] = [];
  const values: (string | number)[] = [];
  route.forEach((hop, i) => {
    if (i % 2 === 0) {
      if (typeof hop !== "string") throw new MarketConfigError(`route ${route.join(" ")}: expected a token at ${i}`);
      types.push("address");
      values.push(market.token(hop).address);
    } else {
      if (typeof hop !== "number") throw new MarketConfigError(`route ${route.join(" ")}: expected a fee at ${i}`);
      types.push("uint24");
      values.push(hop);
    }
  });
  return solidityPacked(types, values);
}

/** The reverse of a route spec: the buy route of an asset whose sell route is `route`. */
export function reverseRoute(route: RouteSpec): RouteSpec {
  return [...route].reverse();
}

/** The sell route through the asset/base pool with the most in-range liquidity. */
async function defaultRoute(market: LocalMarket, symbol: string, base: string): Promise<RouteSpec> {
  let best: { fee: number; liquidity: bigint } | undefined;
  for (const pool of market.pools) {
    const symbols = [pool.token0.symbol, pool.token1.symbol];
    if (!symbols.includes(symbol) || !symbols.includes(base)) continue;
    const liquidity = await pool.contract.liquidity();
    if (!best || liquidity > best.liquidity) best = { fee: pool.fee, liquidity };
  }
  if (!best) throw new MarketConfigError(`no ${symbol}/${base} pool: give ${symbol} a route`);
  return [symbol, best.fee, base];
}

/** The module's input for `options` on `market`, deployed from `deployer`. */
export async function resolveVault(
  market: LocalMarket,
  options: VaultOptions,
  deployer: string,
): Promise<ResolvedDeployment> {
  const [base] = options.basket;
  if (!base) throw new MarketConfigError("basket: the base asset is required");
  const assets: ResolvedAsset[] = [];
  for (const [i, entry] of options.basket.entries()) {
    const token = market.token(entry.symbol);
    const route = i === 0 ? undefined : (entry.route ?? (await defaultRoute(market, entry.symbol, base.symbol)));
    assets.push({
      symbol: entry.symbol,
      token: token.address,
      feed: await token.feed.getAddress(),
      staleAfter: entry.heartbeat ?? DAY,
      feedDeviationBps: entry.deviationBps ?? FEED_DEVIATION_BPS[entry.symbol] ?? DEFAULT_FEED_DEVIATION_BPS,
      weightBps: entry.weightBps,
      sellRoute: route ? encodeRoute(market, route) : "0x",
      buyRoute: route ? encodeRoute(market, reverseRoute(route)) : "0x",
    });
  }
  const { admin, guardian = deployer, timelockDelay = DEFAULT_TIMELOCK_DELAY } = options.governance ?? {};
  return {
    deployer,
    factory: await market.factory.getAddress(),
    // No observation ring raised: the market's pools keep theirs (LocalMarketOptions).
    watchedPools: [],
    observationCardinality: 0,
    assets,
    ...(options.sequencer ? { sequencer: options.sequencer } : {}),
    vault: { name: options.name ?? "Ballast Basket", symbol: options.symbol ?? "BLST" },
    params: { ...defaultParams(market.token(base.symbol).decimals), ...options.params },
    triggers: { ...DEFAULT_TRIGGERS, ...options.triggers },
    ...(options.breakers
      ? { breakers: { ...options.breakers, sequencerFeed: await address(options.breakers.sequencerFeed) } }
      : {}),
    ...(options.volatility ? { volatility: options.volatility } : {}),
    ...costGate(options),
    ...(options.fees ? { fees: { ...options.fees, recipient: await address(options.fees.recipient) } } : {}),
    ...(options.reward ? { reward: options.reward } : {}),
    ...(options.plan ? { plan: options.plan } : {}),
    governance: admin
      ? { admin: getAddress(admin), guardian }
      : { timelockDelay, proposers: [deployer], executors: [deployer], guardian },
  };
}

/** The cost gate, and the basket index of the asset whose oracle prices gas (`costs.gasTokenOracle`). */
function costGate(options: VaultOptions): Pick<ResolvedDeployment, "costs" | "gasTokenIndex"> {
  if (!options.costs) return {};
  const { benefitPerBpWad, maxCostRatioBps, gasBase, gasPerHop, gasTokenOracle } = options.costs;
  const costs = { benefitPerBpWad, maxCostRatioBps, gasBase, gasPerHop };
  if (!gasTokenOracle) return { costs };
  const gasTokenIndex = options.basket.findIndex((entry) => entry.symbol === gasTokenOracle);
  if (gasTokenIndex < 0) throw new MarketConfigError(`costs.gasTokenOracle: ${gasTokenOracle} is not in the basket`);
  return { costs, gasTokenIndex };
}

/** An address however given (a contract, a signer, a promise of one). */
async function address(target: ethers.AddressLike): Promise<string> {
  return getAddress(await ethers.resolveAddress(target));
}

/**
 * Deploys a Chainlink oracle adapter per basket token (over the market's feeds) and a BallastVault
 * trading directly on the market's Uniswap V3 pools, with its policy, breakers, rebalancer,
 * the planner and a BallastRouter, through the Ballast Ignition module; see {@link VaultOptions}.
 * `deployer` (default the market's) must be an account of the node: Ignition sends from its
 * `defaultSender`, which it takes only among `eth_accounts` (not a `Wallet` of its own key).
 */
export async function deployVault(
  market: LocalMarket,
  options: VaultOptions,
  deployer?: Signer,
): Promise<DeployedVault> {
  const owner = deployer ?? market.deployer;
  const resolved = await resolveVault(market, options, getAddress(await owner.getAddress()));
  const deployed = await deployBallast(hre, resolved);
  return {
    vault: BallastVault__factory.connect(deployed.vault, owner),
    oracles: deployed.oracles.map((oracle) => ChainlinkOracle__factory.connect(oracle, owner)),
    policy: BallastPolicy__factory.connect(deployed.policy, owner),
    breakers: BallastBreakers__factory.connect(deployed.breakers, owner),
    rebalancer: BallastRebalancer__factory.connect(deployed.rebalancer, owner),
    planner: BallastPlanner__factory.connect(deployed.planner, owner),
    router: BallastRouter__factory.connect(deployed.router, owner),
    ...(deployed.timelock ? { timelock: TimelockController__factory.connect(deployed.timelock, owner) } : {}),
  };
}
