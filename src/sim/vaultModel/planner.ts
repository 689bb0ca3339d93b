/**
 * BallastPlanner (contracts/BallastPlanner.sol): `plan` (band-edge sizing, the `maxTradeBps` cap,
 * `minTradeValue` dust, retiring assets, buys scaled to the base available, its trades),
 * `_driftRemoved`; PlanReview's `sellAmount` and `fairOut`; VaultLogic._executeLegs' buy scaling on
 * the base actually received.
 */
import { absDiff, bps, max, min, mulDiv, weightBps } from "./math";
import { sliceFloor, toAmount, toValue } from "./valuation";
import type { Valuation } from "./valuation";

/** IBallastVault.RebalanceParams. */
export interface RebalanceParams {
  slippageBps: bigint;
  maxTradeBps: bigint;
  maxLossBps: bigint;
  minTradeValue: bigint;
  /** Not modelled here: the simulated pools follow the oracles (see LegCheck.check). */
  maxPoolGapBps: bigint;
}

/** One trade of BallastPlanner.plan: `amountIn` of asset `from` into asset `to` (0: the base). */
export interface PlannedTrade {
  from: number;
  to: number;
  amountIn: bigint;
  /** Oracle value of the input, base units (as the contract counts it). */
  valueIn: bigint;
  /** Oracle-fair output, raw units of `to`. */
  fairOut: bigint;
}

/**
 * BallastPlanner's plan: sells and buys in base-asset value (entry 0 unused), as traded (a leftover
 * too small to trade taken out), and the trades that carry them out, in the contract's order.
 */
export interface Plan {
  sells: bigint[];
  buys: bigint[];
  driftRemovedBps: bigint;
  trades: PlannedTrade[];
}

/**
 * Whether asset `i`'s sell route and asset `o`'s buy route meet before the base (BallastPlanner's
 * `_shortcut` is not empty): then the sale and the purchase trade together, along the shortcut.
 */
export type Meets = (i: number, o: number) => boolean;

/**
 * BallastPlanner.plan (see the contract for the reasoning of each rule): the sizes at `band`, the
 * trades along the routes (`meets` says where two routes meet before the base; nowhere by default),
 * and the drift they remove.
 */
export function plan(v: Valuation, p: RebalanceParams, band: bigint, meets: Meets = () => false): Plan {
  const pl = sizes(v, p, band);
  pl.trades = planTrades(v, pl, max(p.minTradeValue, 1n), meets);
  pl.driftRemovedBps = driftRemoved(v, pl);
  return pl;
}

/**
 * BallastPlanner._trades and _sell: each sale paired with the purchases its route meets, as far as
 * both go (a pair under `minTrade` stays apart), then its leftover into the base; then each
 * purchase's leftover from the base. A leftover under `minTrade` is not traded (and taken out of
 * `pl`), unless it ends the sale of a whole balance.
 */
export function planTrades(v: Valuation, pl: Plan, minTrade: bigint, meets: Meets): PlannedTrade[] {
  const n = pl.sells.length;
  const trades: PlannedTrade[] = [];
  const buysLeft = [...pl.buys];
  for (let i = 1; i < n; i++) {
    if (pl.sells[i] === 0n) continue;
    let valueLeft = pl.sells[i];
    let amountLeft = sellAmount(v, i, valueLeft);
    for (let o = 1; o < n && valueLeft !== 0n; o++) {
      const value = min(valueLeft, buysLeft[o]);
      if (value < minTrade || !meets(i, o)) continue;
      const amountIn = value === valueLeft ? amountLeft : toAmount(v, i, value);
      trades.push({ from: i, to: o, amountIn, valueIn: value, fairOut: fairOut(v, i, o, amountIn) });
      valueLeft -= value;
      amountLeft -= amountIn;
      buysLeft[o] -= value;
    }
    if (valueLeft >= minTrade || (amountLeft !== 0n && pl.sells[i] >= v.values[i])) {
      trades.push({ from: i, to: 0, amountIn: amountLeft, valueIn: valueLeft, fairOut: toValue(v, i, amountLeft) });
    } else {
      pl.sells[i] -= valueLeft;
    }
  }
  for (let o = 1; o < n; o++) {
    const spend = buysLeft[o];
    if (spend >= minTrade)
      trades.push({ from: 0, to: o, amountIn: spend, valueIn: spend, fairOut: toAmount(v, o, spend) });
    else pl.buys[o] -= spend;
  }
  return trades;
}

/**
 * BallastPlanner._shortcut on decoded routes: the hops of `sell` (an asset's route into the base) up
 * to the first token `buy` (another's route from the base) also crosses, then those of `buy` from
 * it on; undefined where the two meet only at the base.
 */
export function shortcutHops<H extends { tokenIn: string; tokenOut: string }>(
  sell: readonly H[],
  buy: readonly H[],
): H[] | undefined {
  for (let a = 0; a < sell.length; a++) {
    const token = sell[a].tokenIn;
    const b = buy.findIndex((hop) => hop.tokenOut === token);
    if (b >= 0) return [...sell.slice(0, a), ...buy.slice(b + 1)];
  }
  return undefined;
}

/** PlanReview.fairOut: `amountIn` of asset `i` in asset `o` at the oracle prices, rounded down. */
export function fairOut(v: Valuation, i: number, o: number, amountIn: bigint): bigint {
  return mulDiv(amountIn, v.prices[i] * v.units[o], v.units[i] * v.prices[o]);
}

/** BallastPlanner._sizes. */
function sizes(v: Valuation, p: RebalanceParams, band: bigint): Plan {
  const n = v.values.length;
  const cap = bps(v.nav, p.maxTradeBps);
  const out: Plan = {
    sells: new Array<bigint>(n).fill(0n),
    buys: new Array<bigint>(n).fill(0n),
    driftRemovedBps: 0n,
    trades: [],
  };
  const dust = max(p.minTradeValue, 1n);
  let proceeds = 0n;
  for (let i = 1; i < n; i++) {
    const retiring = v.targets[i] === 0n;
    const keep = retiring ? 0n : bps(v.nav, v.targets[i] + band);
    if (v.values[i] <= keep) continue;
    const value = min(v.values[i] - keep, cap);
    if (value < (retiring ? max(sliceFloor(v), 1n) : dust)) continue;
    out.sells[i] = value;
    proceeds += value;
  }
  let wanted = 0n;
  for (let i = 1; i < n; i++) {
    const weight = v.targets[i];
    if (weight <= band) continue;
    const floorValue = bps(v.nav, weight - band);
    if (v.values[i] >= floorValue) continue;
    out.buys[i] = min(floorValue - v.values[i], cap);
    wanted += out.buys[i];
  }
  const baseTarget = bps(v.nav, v.targets[0], true);
  const funds = v.balances[0] + proceeds;
  const available = funds > baseTarget ? funds - baseTarget : 0n;
  for (let i = 1; i < n; i++) {
    const spend = scaled(out.buys[i], available, wanted);
    out.buys[i] = spend < dust ? 0n : spend;
  }
  return out;
}

/** VaultLogic._executeLegs' scaling: `amount * available / wanted` (floor) when short. */
export function scaled(amount: bigint, available: bigint, wanted: bigint): bigint {
  return wanted > available ? mulDiv(amount, available, wanted) : amount;
}

/** PlanReview.sellAmount: the whole balance for a sale of all of it, else the amount worth `value`. */
export function sellAmount(v: Valuation, i: number, value: bigint): bigint {
  return value >= v.values[i] ? v.balances[i] : toAmount(v, i, value);
}

/** BallastPlanner._driftRemoved: fall in total absolute drift at the valuation's prices, NAV unchanged. */
export function driftRemoved(v: Valuation, pl: Plan): bigint {
  const n = v.values.length;
  let before = 0n;
  let after = 0n;
  let base = v.values[0];
  for (let i = 1; i < n; i++) {
    const value = v.values[i] - pl.sells[i] + pl.buys[i];
    base += pl.sells[i];
    before += absDiff(weightBps(v.values[i], v.nav), v.targets[i]);
    after += absDiff(weightBps(value, v.nav), v.targets[i]);
  }
  for (let i = 1; i < n; i++) base = base > pl.buys[i] ? base - pl.buys[i] : 0n;
  before += absDiff(weightBps(v.values[0], v.nav), v.targets[0]);
  after += absDiff(weightBps(base, v.nav), v.targets[0]);
  return before > after ? before - after : 0n;
}

/**
 * VaultLogic._executeLegs' buys: once the sells are done, each planned buy is scaled by the base
 * actually held above its target (rounded down) and skipped below dust. `baseBalance` is the base
 * balance after the sells.
 */
export function executionSpends(v: Valuation, pl: Plan, p: RebalanceParams, baseBalance: bigint): bigint[] {
  // The purchases from the base: what a shortcut buys is paid by its sale, not from the base.
  const fromBase = new Array<bigint>(pl.buys.length).fill(0n);
  for (const t of pl.trades) if (t.from === 0) fromBase[t.to] = t.amountIn;
  let wanted = 0n;
  for (let i = 1; i < fromBase.length; i++) wanted += fromBase[i];
  const baseTarget = bps(v.nav, v.targets[0], true);
  const available = baseBalance > baseTarget ? baseBalance - baseTarget : 0n;
  return fromBase.map((b, i) => {
    if (i === 0) return 0n;
    const spend = scaled(b, available, wanted);
    return spend === 0n || spend < p.minTradeValue ? 0n : spend;
  });
}
