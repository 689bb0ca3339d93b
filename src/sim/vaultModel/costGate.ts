/**
 * BallastPolicy's cost-efficiency gate (`assessCost`: an in-range constant-product estimate per hop,
 * gas at the base fee, a linear benefit, the ratio rule) and BallastRebalancer's keeper reward.
 */
import { BPS, bps, min, mulDiv, WAD } from "./math";
import type { Plan } from "./planner";

const Q96 = 1n << 96n;

/** IBallastPolicy.CostParams, with the gas token's price standing for its oracle (undefined: none). */
export interface CostParams {
  benefitPerBpWad: bigint;
  maxCostRatioBps: bigint;
  gasBase: bigint;
  gasPerHop: bigint;
  gasTokenPriceWad?: bigint;
}

export const COSTS_OFF: CostParams = { benefitPerBpWad: 0n, maxCostRatioBps: 0n, gasBase: 0n, gasPerHop: 0n };

/** IBallastRebalancer.RewardParams: what a successful rebalance pays its caller. */
export interface RewardParams {
  premiumBps: bigint;
  maxRewardBps: bigint;
  /** Base-asset units. */
  maxReward: bigint;
}

export const REWARD_OFF: RewardParams = { premiumBps: 0n, maxRewardBps: 0n, maxReward: 0n };

/** What gas is priced at: the block's base fee, and the base asset's price (WAD per `baseUnit`). */
export interface GasPricing {
  basefeeWei: bigint;
  basePriceWad: bigint;
  baseUnit: bigint;
}

/**
 * GasValue.inBase: `gasUnits` at the base fee in base units, through the gas token's price (WAD per
 * 1e18 wei); rounded down for a payment, up (`ceil`) for a cost.
 */
export function gasValueInBase(gasUnits: bigint, gasTokenPriceWad: bigint, g: GasPricing, ceil = false): bigint {
  return mulDiv(gasUnits * g.basefeeWei, gasTokenPriceWad * g.baseUnit, WAD * g.basePriceWad, ceil);
}

/**
 * BallastRebalancer._rewardFor: `gasUnits` valued through the gas token's price, times 1 + premium,
 * at most `maxRewardBps` of NAV and `maxReward`; rounded down. 0 when the reward is off or the gas
 * token has no price.
 */
export function rewardFor(
  r: RewardParams,
  gasUnits: bigint,
  gasTokenPriceWad: bigint | undefined,
  nav: bigint,
  g: GasPricing,
): bigint {
  if (r.maxRewardBps === 0n || r.maxReward === 0n || gasTokenPriceWad === undefined || gasTokenPriceWad === 0n) {
    return 0n;
  }
  const gasValue = gasValueInBase(gasUnits, gasTokenPriceWad, g);
  const reward = mulDiv(gasValue, BPS + r.premiumBps, BPS);
  return min(reward, min(bps(nav, r.maxRewardBps), r.maxReward));
}

/** What BallastPolicy._estimateOut reads of one hop's pool. */
export interface HopState {
  sqrtPriceX96: bigint;
  liquidity: bigint;
  feePips: number;
  /** tokenIn < tokenOut: the input is the pool's token0. */
  zeroForOne: boolean;
}

/** IBallastPolicy.Trade, with each hop's pool state in place of the route bytes. */
export interface CostTrade {
  hops: readonly HopState[];
  amountIn: bigint;
  valueIn: bigint;
  fairOut: bigint;
}

/** BallastPolicy._estimateOut: fee then a constant product on the in-range virtual reserves, per hop. */
export function estimateOut(hops: readonly HopState[], amountIn: bigint): bigint {
  let amount = amountIn;
  for (const h of hops) {
    if (h.liquidity === 0n || h.sqrtPriceX96 === 0n) return 0n;
    const x = mulDiv(h.liquidity, Q96, h.sqrtPriceX96);
    const y = mulDiv(h.liquidity, h.sqrtPriceX96, Q96);
    const [reserveIn, reserveOut] = h.zeroForOne ? [x, y] : [y, x];
    const netIn = mulDiv(amount, 1_000_000n - BigInt(h.feePips), 1_000_000n);
    amount = mulDiv(reserveOut, netIn, reserveIn + netIn);
  }
  return amount;
}

/**
 * BallastPolicy.minLegValue: the smallest trade worth its own leg's gas to the cost gate (0 when the
 * gate is off, values no drift or the gas has no price), base units, rounded up.
 */
export function minLegValue(cp: CostParams, g: GasPricing): bigint {
  if (cp.maxCostRatioBps === 0n || cp.benefitPerBpWad === 0n || !cp.gasTokenPriceWad) return 0n;
  const legGas = gasValueInBase(cp.gasPerHop, cp.gasTokenPriceWad, g, true);
  return mulDiv(legGas, WAD, 2n * cp.benefitPerBpWad * cp.maxCostRatioBps, true);
}

/**
 * What the cost gate weighs (IBallastPolicy.assessCost's arguments): the trades of a plan and the
 * drift they remove, at a NAV, with gas at the block's base fee.
 */
export interface CostQuestion extends GasPricing {
  nav: bigint;
  driftRemovedBps: bigint;
  trades: readonly CostTrade[];
}

export interface CostVerdict {
  cost: bigint;
  benefit: bigint;
  worthIt: boolean;
}

/**
 * BallastRebalancer._assess: the policy's verdict ({@link assessCost}) with the premium of the
 * reward a rebalance of `trades` (one leg each, each counted as one hop) would pay counted as a
 * cost; never worth it without a trade.
 */
export function assessWithReward(cp: CostParams, reward: RewardParams, q: CostQuestion): CostVerdict {
  const verdict = assessCost(cp, q);
  const gasUnits = cp.gasBase + cp.gasPerHop * BigInt(q.trades.length);
  const paid = rewardFor(reward, gasUnits, cp.gasTokenPriceWad, q.nav, q);
  let { cost, worthIt } = verdict;
  if (paid !== 0n) {
    cost += mulDiv(paid, reward.premiumBps, BPS + reward.premiumBps, true);
    worthIt = cp.maxCostRatioBps === 0n || cost * BPS <= verdict.benefit * cp.maxCostRatioBps;
  }
  // A plan with no trade is never worth it: it would only start the cooldown.
  if (q.trades.length === 0) worthIt = false;
  return { cost, benefit: verdict.benefit, worthIt };
}

/** BallastPolicy.assessCost. */
export function assessCost(cp: CostParams, q: CostQuestion): CostVerdict {
  let cost = 0n;
  let hops = 0n;
  for (const t of q.trades) {
    hops += BigInt(t.hops.length);
    const out = estimateOut(t.hops, t.amountIn);
    if (out < t.fairOut) cost += mulDiv(t.valueIn, t.fairOut - out, t.fairOut, true);
  }
  if (cp.gasTokenPriceWad !== undefined) {
    const gasUnits = cp.gasBase + cp.gasPerHop * hops;
    cost += gasValueInBase(gasUnits, cp.gasTokenPriceWad, q, true);
  }
  const benefit = mulDiv(q.nav, q.driftRemovedBps * cp.benefitPerBpWad, WAD);
  const worthIt = cp.maxCostRatioBps === 0n || cost * BPS <= benefit * cp.maxCostRatioBps;
  return { cost, benefit, worthIt };
}

/**
 * BallastPlanner.plan's trades as the cost model sees them: `hops(i, sell)` gives the pool state of
 * asset i's sell (true) or buy route, `shortcut(i, o)` that of the shortcut from asset i to asset o.
 */
export function quoteTrades(
  pl: Plan,
  hops: (i: number, sell: boolean) => readonly HopState[],
  shortcut: (i: number, o: number) => readonly HopState[] = () => [],
): CostTrade[] {
  return pl.trades.map((t) => ({
    hops: t.to === 0 ? hops(t.from, true) : t.from === 0 ? hops(t.to, false) : shortcut(t.from, t.to),
    amountIn: t.amountIn,
    valueIn: t.valueIn,
    fairOut: t.fairOut,
  }));
}
