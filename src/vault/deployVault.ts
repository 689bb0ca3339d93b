import { ethers, solidityPacked } from "ethers";
import type { Signer } from "ethers";

import {
  BallastBreakers__factory,
  BallastPlanner__factory,
  BallastPolicy__factory,
  BallastRebalancer__factory,
  BallastRouter__factory,
  BallastVault__factory,
  BasketAdmin__factory,
  ChainlinkOracle__factory,
  FeeMath__factory,
  TimelockController__factory,
  VaultLogic__factory,
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
export type RouteSpec = readonly (string | number)[];

export interface BasketEntry {
  /** Token symbol in the market. The first entry is the base asset. */
  symbol: string;
  /** Target weight in basis points; all entries sum to 10_000. */
  weightBps: number;
  /** Route from this asset to the base asset; defaults to the asset/base pool of the deepest tier. */
  route?: RouteSpec;
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
  /** The Uniswap router the vault trades through: the original SwapRouter (default) or SwapRouter02. */
  router?: "SwapRouter" | "SwapRouter02";
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
}

/** Default trigger rules: a 2% drift band, full rebalances, a 10-minute cooldown, no calendar. */
export const DEFAULT_TRIGGERS: IBallastPolicy.TriggerParamsStruct = {
  triggerBandBps: 200,
  targetBandBps: 0,
  cooldown: 600,
  calendarInterval: 0,
};

/**
 * Breaker bounds for live networks and the demo, once every watched pool has `twapWindow` of
 * history: a 30-minute TWAP; trading halts when an oracle and its pool's TWAP disagree by over 3%,
 * when a pool's spot is 2% off its TWAP (a manipulation in progress), or when a price moves 20%
 * within an hour, and for an hour after an oracle failed (read from its own rounds); a trip lasts
 * at least an hour.
 */
export const RECOMMENDED_BREAKERS: IBallastBreakers.BreakerParamsStruct = {
  twapWindow: 1_800,
  maxOracleTwapDeviationBps: 300,
  maxSpotTwapTicks: 200,
  maxMoveBps: 2_000,
  moveWindow: 3_600,
  cooldown: 3_600,
  sequencerFeed: ethers.ZeroAddress,
  sequencerGracePeriod: 0,
  tripOnInvalidPrice: true,
};

/**
 * A cost gate for live networks and the demo: removing one basis point of total drift is worth a
 * millionth of NAV, and a rebalance may cost at most that; gas as measured by the benchmarks.
 */
export const RECOMMENDED_COSTS = {
  benefitPerBpWad: 10n ** 12n,
  maxCostRatioBps: 10_000,
  gasBase: 150_000,
  gasPerHop: 100_000,
} as const;

/**
 * A keeper reward for live networks and the demo: the gas plus 20%, at most 1 bp of NAV and 100
 * base tokens (`baseDecimals` places) a rebalance.
 */
export function recommendedReward(baseDecimals: number): IBallastRebalancer.RewardParamsStruct {
  return { premiumBps: 2_000, maxRewardBps: 1, maxReward: 100n * 10n ** BigInt(baseDecimals) };
}

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

/**
 * A BallastVault factory linked to freshly deployed BasketAdmin, VaultLogic and FeeMath libraries
 * (the vault's basket administration, valuation, trade sizing and fee dilution run there, outside
 * the vault's 24 KB).
 */
export async function vaultFactory(deployer: Signer): Promise<BallastVault__factory> {
  const basketAdmin = await new BasketAdmin__factory(deployer).deploy();
  const vaultLogic = await new VaultLogic__factory(deployer).deploy();
  const feeMath = await new FeeMath__factory(deployer).deploy();
  await Promise.all([basketAdmin.waitForDeployment(), vaultLogic.waitForDeployment(), feeMath.waitForDeployment()]);
  return new BallastVault__factory(
    {
      "contracts/libraries/BasketAdmin.sol:BasketAdmin": await basketAdmin.getAddress(),
      "contracts/libraries/FeeMath.sol:FeeMath": await feeMath.getAddress(),
      "contracts/libraries/VaultLogic.sol:VaultLogic": await vaultLogic.getAddress(),
    },
    deployer,
  );
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

/**
 * Deploys a Chainlink oracle adapter per basket token (over the market's feeds) and a BallastVault
 * trading through the market's SwapRouter.
 */
export async function deployVault(
  market: LocalMarket,
  options: VaultOptions,
  deployer?: Signer,
): Promise<DeployedVault> {
  const owner = deployer ?? market.deployer;
  const [base] = options.basket;
  if (!base) throw new MarketConfigError("basket: the base asset is required");
  const baseToken = market.token(base.symbol);

  const oracles: ChainlinkOracle[] = [];
  const basket: IBallastVault.AssetConfigStruct[] = [];
  for (const [i, entry] of options.basket.entries()) {
    const token = market.token(entry.symbol);
    const oracle = await new ChainlinkOracle__factory(owner).deploy(
      token.feed,
      entry.heartbeat ?? DAY,
      entry.deviationBps ?? FEED_DEVIATION_BPS[entry.symbol] ?? DEFAULT_FEED_DEVIATION_BPS,
      options.sequencer?.feed ?? ethers.ZeroAddress,
      options.sequencer?.gracePeriod ?? 0,
    );
    await oracle.waitForDeployment();
    oracles.push(oracle);
    const route = i === 0 ? undefined : (entry.route ?? (await defaultRoute(market, entry.symbol, base.symbol)));
    basket.push({
      token: token.address,
      oracle: await oracle.getAddress(),
      targetWeightBps: entry.weightBps,
      sellRoute: route ? encodeRoute(market, route) : "0x",
      buyRoute: route ? encodeRoute(market, reverseRoute(route)) : "0x",
    });
  }
  const deployerAddress = await owner.getAddress();
  let timelock: TimelockController | undefined;
  let admin = options.governance?.admin;
  if (!admin) {
    timelock = await new TimelockController__factory(owner).deploy(
      options.governance?.timelockDelay ?? DEFAULT_TIMELOCK_DELAY,
      [deployerAddress],
      [deployerAddress],
      ethers.ZeroAddress, // the timelock administers itself: no bypass
    );
    await timelock.waitForDeployment();
    admin = await timelock.getAddress();
  }
  const guardian = options.governance?.guardian ?? deployerAddress;

  // Deployed under the deployer's control while it applies the options and links the vault to its
  // rebalancer, then handed to `admin`.
  const policy = await new BallastPolicy__factory(owner).deploy(deployerAddress, {
    ...DEFAULT_TRIGGERS,
    ...options.triggers,
  });
  await policy.waitForDeployment();
  const breakers = await new BallastBreakers__factory(owner).deploy(deployerAddress);
  await breakers.waitForDeployment();
  const params = { ...defaultParams(baseToken.decimals), ...options.params };
  const vault = await (
    await vaultFactory(owner)
  ).deploy(
    options.name ?? "Ballast Basket",
    options.symbol ?? "BLST",
    options.router === "SwapRouter02" ? market.router02 : market.router,
    basket,
    params,
    deployerAddress,
    guardian,
  );
  await vault.waitForDeployment();
  const planner = await deployPlanner(owner);
  const rebalancer = await new BallastRebalancer__factory(owner).deploy(
    vault,
    policy,
    breakers,
    planner,
    deployerAddress,
  );
  await rebalancer.waitForDeployment();
  await (await vault.setRebalancer(rebalancer)).wait();
  if (options.breakers) await (await breakers.setBreakerParams(options.breakers)).wait();
  if (options.volatility) await (await policy.setVolatilityParams(options.volatility)).wait();
  if (options.costs) {
    const symbol = options.costs.gasTokenOracle;
    const index = symbol ? options.basket.findIndex((entry) => entry.symbol === symbol) : -1;
    if (symbol && index < 0) throw new MarketConfigError(`costs.gasTokenOracle: ${symbol} is not in the basket`);
    const gasTokenOracle = index >= 0 ? await oracles[index].getAddress() : ethers.ZeroAddress;
    await (await policy.setCostParams({ ...options.costs, gasTokenOracle })).wait();
  }
  if (options.fees) await (await vault.setFeeParams(options.fees)).wait();
  if (options.reward) await (await rebalancer.setRewardParams(options.reward)).wait();
  if (options.plan) await (await rebalancer.setPlanParams(options.plan)).wait();
  if (admin !== deployerAddress) {
    for (const governed of [policy, breakers, vault, rebalancer]) {
      const role = await governed.DEFAULT_ADMIN_ROLE();
      await (await governed.grantRole(role, admin)).wait();
      await (await governed.renounceRole(role, deployerAddress)).wait();
    }
  }
  return { vault, oracles, policy, breakers, rebalancer, planner, timelock };
}

/** Deploys a BallastPlanner: stateless, so one serves every rebalancer on a chain. */
export async function deployPlanner(deployer: Signer): Promise<BallastPlanner> {
  const planner = await new BallastPlanner__factory(deployer).deploy();
  await planner.waitForDeployment();
  return planner;
}

/**
 * Deploys the BallastRouter: slippage and deadline bounds for any ERC-4626 vault's entries and
 * exits (a vault is an argument of every call), so one serves every vault on a chain.
 */
export async function deployRouter(deployer: Signer): Promise<BallastRouter> {
  const router = await new BallastRouter__factory(deployer).deploy();
  await router.waitForDeployment();
  return router;
}
