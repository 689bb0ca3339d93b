/**
 * The vault's rebalancing rules, mirrored from the contracts in bigint so that the simulator decides
 * and sizes exactly what the chain would:
 *
 * - VaultLogic (contracts/libraries/VaultLogic.sol): `valuationAt`, `maxDrift`, `minValueOut`, and
 *   `_executeLegs`' buy scaling on the base actually received.
 * - BallastPlanner (contracts/BallastPlanner.sol): `plan` (band-edge sizing, `maxTradeBps` cap,
 *   `minTradeValue` dust, retiring assets, buys scaled to the base available, its trades),
 *   `_driftRemoved`; PlanReview (contracts/libraries/PlanReview.sol): `sellAmount`.
 * - BallastRebalancer: `rebalanceStatus`, `_usableBand` (target band capped at
 *   effectiveTriggerBand / (2 (n - 1))).
 * - BallastPolicy: `evaluate`, `observe` (the feeds' realised variance since the last observation,
 *   folded into a time-weighted EWMA; src/sim/feeds.ts reads the rounds as ChainlinkOracle does),
 *   `effectiveTriggerBand` (cube-root scaling, floor and cap), `assessCost` (in-range constant
 *   product estimate, gas at the base fee, linear benefit, the ratio rule).
 *
 * Every multiplication-then-division is OpenZeppelin's `Math.mulDiv` with the contract's rounding
 * direction; `test/sim/differential.test.ts` holds the two to the same numbers on random states.
 * Units: weights and bands in bps, prices USD WAD per whole token, values in raw base-asset units,
 * balances in each token's raw units, times in seconds.
 */
import { Status } from "../vault/enums";
import type { StatusCode } from "../vault/enums";
import { SimError } from "./errors";
import type { Samples } from "./feeds";

export const BPS = 10_000n;
export const WAD = 10n ** 18n;
/** BallastPolicy's YEAR: 365 days. */
export const YEAR = 365n * 86_400n;
const Q96 = 1n << 96n;

export { Status } from "../vault/enums";
export type { StatusCode } from "../vault/enums";

/** OpenZeppelin Math.mulDiv: a * b / d, rounded down or (with `ceil`) up. */
export function mulDiv(a: bigint, b: bigint, d: bigint, ceil = false): bigint {
  if (d === 0n) throw new SimError("mulDiv: division by zero (the contract would revert)");
  const p = a * b;
  const q = p / d;
  return ceil && q * d !== p ? q + 1n : q;
}

/** BasketMath.weightBps: floor(value * 10_000 / total), 0 when total is 0. */
export function weightBps(value: bigint, total: bigint): bigint {
  return total === 0n ? 0n : (value * BPS) / total;
}

/** BasketMath.bps. */
export function bps(x: bigint, b: bigint, ceil = false): bigint {
  return mulDiv(x, b, BPS, ceil);
}

/** BasketMath.lessBpsDown. */
export function lessBpsDown(x: bigint, b: bigint): bigint {
  return (x * (BPS - b)) / BPS;
}

function absDiff(a: bigint, b: bigint): bigint {
  return a > b ? a - b : b - a;
}
function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

// --- VaultLogic -------------------------------------------------------------------------------

/** VaultLogic.Valuation: the basket at one set of prices, base first. */
export interface Valuation {
  balances: bigint[];
  prices: bigint[];
  units: bigint[];
  values: bigint[];
  targets: bigint[];
  nav: bigint;
  navCeil: bigint;
  valid: boolean;
}

/** VaultLogic.valuationAt: values rounded down; a zero price marks the valuation invalid. */
export function valuationAt(
  balances: readonly bigint[],
  pricesWad: readonly bigint[],
  units: readonly bigint[],
  targets: readonly bigint[],
): Valuation {
  const n = pricesWad.length;
  if (balances.length !== n || units.length !== n || targets.length !== n) {
    throw new SimError(
      `valuation: ${n} prices but ${balances.length} balances, ${units.length} units, ${targets.length} targets`,
    );
  }
  const v: Valuation = {
    balances: [...balances],
    prices: [...pricesWad],
    units: [...units],
    values: new Array<bigint>(n).fill(0n),
    targets: [...targets],
    nav: 0n,
    navCeil: 0n,
    valid: true,
  };
  for (let i = 0; i < n; i++) {
    if (pricesWad[i] === 0n || pricesWad[0] === 0n) {
      v.valid = false;
      if (i !== 0) continue;
    }
    v.values[i] = i === 0 ? balances[0] : toValue(v, i, balances[i]);
    v.nav += v.values[i];
    if (i !== 0 && balances[i] !== 0n) v.navCeil++;
  }
  v.navCeil += v.nav;
  return v;
}

/** VaultLogic.toValue: value in base units of `amount` of asset `i`. */
export function toValue(v: Valuation, i: number, amount: bigint, ceil = false): bigint {
  return mulDiv(amount, v.prices[i] * v.units[0], v.units[i] * v.prices[0], ceil);
}

/** VaultLogic.toAmount: amount of asset `i` worth `value` base units. */
export function toAmount(v: Valuation, i: number, value: bigint, ceil = false): bigint {
  return mulDiv(value, v.units[i] * v.prices[0], v.prices[i] * v.units[0], ceil);
}

/** VaultLogic.maxDrift: the largest |weight - target|, bps. */
export function maxDrift(v: Valuation): bigint {
  let drift = 0n;
  for (let i = 0; i < v.values.length; i++) {
    const d = absDiff(weightBps(v.values[i], v.nav), v.targets[i]);
    if (d > drift) drift = d;
  }
  return drift;
}

/** VaultLogic.sliceFloor: a hundredth of a base token. */
export function sliceFloor(v: Valuation): bigint {
  return v.units[0] / 100n;
}

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

/** VaultLogic.minValueOut: oracle value of `amount` less the slippage bound, both rounded down. */
export function minValueOut(v: Valuation, i: number, amount: bigint, slippageBps: bigint): bigint {
  return lessBpsDown(toValue(v, i, amount), slippageBps);
}

/** The least a buy spending `spend` may receive (VaultLogic._executeLegs). */
export function minBuyOut(v: Valuation, i: number, spend: bigint, slippageBps: bigint): bigint {
  return lessBpsDown(toAmount(v, i, spend), slippageBps);
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

// --- BallastPolicy ----------------------------------------------------------------------------

/** IBallastPolicy.TriggerParams (seconds and bps). */
export interface TriggerParams {
  triggerBandBps: bigint;
  targetBandBps: bigint;
  cooldown: bigint;
  calendarInterval: bigint;
}

/** IBallastPolicy.VolatilityParams; `referenceVolBps = 0` turns scaling off. */
export interface VolatilityParams {
  referenceVolBps: bigint;
  minBandBps: bigint;
  maxBandBps: bigint;
  averagingTime: bigint;
  minObservationInterval: bigint;
}

export const VOLATILITY_OFF: VolatilityParams = {
  referenceVolBps: 0n,
  minBandBps: 0n,
  maxBandBps: 0n,
  averagingTime: 0n,
  minObservationInterval: 0n,
};

/**
 * BallastPolicy's per-vault volatility state: the estimate (annualised variance, WAD, base first),
 * the latest round of each feed folded into it (its `observedRounds`; 0 for none), and when it was taken.
 */
export interface VolatilityState {
  updatedAt: bigint;
  variances: bigint[];
  rounds: number[];
}

export function emptyVolatilityState(): VolatilityState {
  return { updatedAt: 0n, variances: [], rounds: [] };
}

/** BallastPolicy._checkTriggers: the bounds setTriggerParams enforces. */
export function checkTriggers(t: TriggerParams): TriggerParams {
  if (t.triggerBandBps < 1n || t.triggerBandBps > 5_000n)
    throw new SimError(`triggerBandBps ${t.triggerBandBps} must be in [1, 5000]`);
  if (t.targetBandBps < 0n || t.targetBandBps >= t.triggerBandBps) {
    throw new SimError(
      `targetBandBps ${t.targetBandBps} must be in [0, triggerBandBps - 1 = ${t.triggerBandBps - 1n}]`,
    );
  }
  if (t.cooldown < 0n || t.cooldown > 30n * 86_400n)
    throw new SimError(`cooldown ${t.cooldown} must be in [0, 30 days]`);
  if (t.calendarInterval !== 0n && (t.calendarInterval < t.cooldown || t.calendarInterval > YEAR)) {
    throw new SimError(`calendarInterval ${t.calendarInterval} must be 0 or in [cooldown, 365 days]`);
  }
  return t;
}

/** BallastPolicy._checkVolatility. */
export function checkVolatility(v: VolatilityParams): VolatilityParams {
  const range = (what: string, x: bigint, lo: bigint, hi: bigint) => {
    if (x < lo || x > hi) throw new SimError(`volatility ${what} ${x} must be in [${lo}, ${hi}]`);
  };
  if (v.referenceVolBps === 0n) {
    range("minBandBps", v.minBandBps, 0n, 0n);
    range("maxBandBps", v.maxBandBps, 0n, 0n);
    range("averagingTime", v.averagingTime, 0n, 0n);
    range("minObservationInterval", v.minObservationInterval, 0n, 0n);
    return v;
  }
  range("referenceVolBps", v.referenceVolBps, 100n, 50_000n);
  range("minBandBps", v.minBandBps, 1n, 5_000n);
  range("maxBandBps", v.maxBandBps, v.minBandBps, 5_000n);
  range("averagingTime", v.averagingTime, 3_600n, YEAR);
  range("minObservationInterval", v.minObservationInterval, 60n, 7n * 86_400n);
  return v;
}

/** BallastPolicy._checkRebalanceParams equivalent (BallastVault._setParams; minTradeValue unbounded here). */
export function checkRebalanceParams(p: RebalanceParams): RebalanceParams {
  if (p.slippageBps < 1n || p.slippageBps > 500n)
    throw new SimError(`slippageBps ${p.slippageBps} must be in [1, 500]`);
  if (p.maxTradeBps < 100n || p.maxTradeBps > BPS)
    throw new SimError(`maxTradeBps ${p.maxTradeBps} must be in [100, 10000]`);
  if (p.maxLossBps < 1n || p.maxLossBps > 500n) throw new SimError(`maxLossBps ${p.maxLossBps} must be in [1, 500]`);
  if (p.minTradeValue < 0n) throw new SimError(`minTradeValue ${p.minTradeValue} must not be negative`);
  return p;
}

/** BallastPolicy._referenceVariance: (referenceVolBps * 1e14)^2 / 1e18. */
export function referenceVariance(vol: VolatilityParams): bigint {
  const v = vol.referenceVolBps * 10n ** 14n;
  return (v * v) / WAD;
}

/** BallastPolicy._cbrt: integer cube root rounded down, by the contract's Newton iteration. */
export function cbrt(x: bigint): bigint {
  if (x === 0n) return 0n;
  const log2 = BigInt(x.toString(2).length - 1);
  let y = 1n << ((log2 + 3n) / 3n);
  let z = (2n * y + x / (y * y)) / 3n;
  while (z < y) {
    y = z;
    z = (2n * y + x / (y * y)) / 3n;
  }
  return y;
}

/** BallastPolicy.effectiveTriggerBand for a vault whose volatility state holds `variances`. */
export function effectiveTriggerBand(t: TriggerParams, vol: VolatilityParams, variances: readonly bigint[]): bigint {
  let band = t.triggerBandBps;
  const n = variances.length;
  if (vol.referenceVolBps === 0n || n < 2) return band;
  let sum = 0n;
  for (let i = 1; i < n; i++) sum += variances[i];
  const ratio = mulDiv(sum / BigInt(n - 1), WAD, referenceVariance(vol));
  band = mulDiv(band, cbrt(ratio * WAD * WAD), WAD);
  const floor = max(vol.minBandBps, t.targetBandBps + 1n);
  return min(max(band, floor), vol.maxBandBps);
}

/** BallastPolicy.HISTORY_SAMPLES: the most changes between rounds an observation reads from each feed. */
export const HISTORY_SAMPLES = 16;

/**
 * What oracle `i` answers to `samplesSince(fromRound, since, HISTORY_SAMPLES)` now (see
 * src/sim/feeds.ts); undefined for a source without round history (or one that reverts).
 */
export type HistoryReader = (i: number, fromRound: number, since: bigint) => Samples | undefined;

/** A feed's sampled history as the policy reads it: each change's annualised squared return and its seconds. */
interface Returns {
  /** Annualised variance of each change (squared relative change x YEAR / its seconds), WAD. */
  rates: bigint[];
  seconds: bigint[];
  /** The rate from the first round to now (sum of squared changes x YEAR / those seconds), WAD. */
  mean: bigint;
}

/** BallastPolicy.MAX_CHANGE_WAD: a change beyond 1,000x counts as 1,000x. */
const MAX_CHANGE_WAD = 1_000n * WAD;

/**
 * BallastPolicy._history, _squaredChange and _meanRate over the history `h` of a feed, at `now`:
 * undefined when it shows nothing (no source, invalid, no change).
 */
function historyReturns(h: Samples | undefined, now: bigint): Returns | undefined {
  if (h === undefined || !h.valid || h.times.length !== h.answers.length) return undefined;
  // BallastPolicy._history: a zero price or time running backwards is no usable history.
  for (let k = 0; k < h.times.length; k++) {
    if (h.answers[k] === 0n || (k > 0 && h.times[k] < h.times[k - 1])) return undefined;
  }
  if (h.times.length < 2) return undefined;
  const out: Returns = { rates: [], seconds: [], mean: 0n };
  let sum = 0n;
  for (let j = 1; j < h.times.length; j++) {
    const r = min(mulDiv(absDiff(h.answers[j], h.answers[j - 1]), WAD, h.answers[j - 1]), MAX_CHANGE_WAD);
    const sq = mulDiv(r, r, WAD);
    const dt = h.times[j] - h.times[j - 1];
    sum += sq;
    if (dt === 0n) continue;
    out.rates.push(mulDiv(sq, YEAR, dt));
    out.seconds.push(dt);
  }
  // The mean runs to now (a burst after a quiet spell is no volatile spell).
  if (now <= h.times[0]) return undefined;
  out.mean = mulDiv(sum, YEAR, now - h.times[0]);
  return out;
}

/** The time-weighted EWMA step: `v` moves `dt / (dt + tau)` of the way to `sample`. */
function ewma(v: bigint, sample: bigint, dt: bigint, tau: bigint): bigint {
  return sample > v ? v + mulDiv(sample - v, dt, dt + tau) : v - mulDiv(v - sample, dt, dt + tau);
}

/**
 * Where an observation at `now` starts reading each of `n` feeds (BallastPolicy._folded): from the
 * last round it folded, else (`rounds[i]` 0) from the time `since`: the last observation's, or one
 * averaging time ago for a fresh estimate (none yet, or the basket changed size).
 */
export function observationStart(
  state: VolatilityState,
  averagingTime: bigint,
  n: number,
  now: bigint,
): { fresh: boolean; since: bigint; rounds: number[] } {
  const fresh = state.updatedAt === 0n || state.variances.length !== n;
  const tau = averagingTime;
  const since = fresh ? (now > tau ? now - tau : 0n) : state.updatedAt;
  const rounds = fresh ? new Array<number>(n).fill(0) : [...state.rounds];
  return { fresh, since, rounds };
}

/** A volatility estimate an observation would store: each asset's variance and each feed's latest round read. */
export interface Observation {
  variances: bigint[];
  rounds: number[];
}

/**
 * BallastPolicy._folded: the estimate an observation of an `n`-asset basket would hold at `now`, or
 * undefined when none is taken (scaling off, or within `minObservationInterval` of the last). Each
 * feed's history since the last round folded is sampled ({@link HISTORY_SAMPLES} changes at most)
 * and each change folded in turn into the time-weighted EWMA, as if observed when the feed
 * published it; an asset's variance in the base adds the base feed's mean rate over the same
 * history. A fresh state starts from one averaging time of history, its mean rate (the reference
 * where a feed keeps none). Each feed's latest round is kept to continue from, also when its
 * history was unusable; a feed that did not answer keeps its round.
 */
export function foldVolatility(
  state: VolatilityState,
  vol: VolatilityParams,
  n: number,
  read: HistoryReader,
  now: bigint,
): Observation | undefined {
  if (vol.referenceVolBps === 0n) return undefined;
  const { fresh, since, rounds } = observationStart(state, vol.averagingTime, n, now);
  if (!fresh && now - state.updatedAt < vol.minObservationInterval) return undefined;
  const tau = vol.averagingTime;
  const vars = fresh ? new Array<bigint>(n).fill(0n) : [...state.variances];
  const sampled = (i: number): Samples | undefined => {
    const h = read(i, rounds[i], since);
    if (h !== undefined) rounds[i] = h.latestRound;
    return h;
  };
  const base = n > 0 ? (historyReturns(sampled(0), now)?.mean ?? 0n) : 0n;
  for (let i = 1; i < n; i++) {
    const h = historyReturns(sampled(i), now);
    if (h === undefined) {
      if (fresh) vars[i] = referenceVariance(vol);
      continue;
    }
    if (fresh) {
      vars[i] = h.mean + base;
      continue;
    }
    let v = vars[i];
    for (let j = 0; j < h.rates.length; j++) v = ewma(v, h.rates[j] + base, h.seconds[j], tau);
    vars[i] = v;
  }
  return { variances: vars, rounds };
}

/** The largest value BallastPolicy stores a variance as (uint128); no real estimate comes near it. */
const MAX_STORED = (1n << 128n) - 1n;

/** BallastPolicy.observe: stores {@link foldVolatility}'s estimate; returns whether one was taken. */
export function observe(
  state: VolatilityState,
  vol: VolatilityParams,
  n: number,
  read: HistoryReader,
  now: bigint,
): boolean {
  const next = foldVolatility(state, vol, n, read, now);
  if (next === undefined) return false;
  state.variances = next.variances.map((v) => min(v, MAX_STORED));
  state.rounds = next.rounds;
  state.updatedAt = now;
  return true;
}

/** The estimate the policy judges by at `now` (its `effectiveTriggerBand` view folds the history first). */
export function currentVariances(
  state: VolatilityState,
  vol: VolatilityParams,
  n: number,
  read: HistoryReader,
  now: bigint,
): readonly bigint[] {
  return foldVolatility(state, vol, n, read, now)?.variances ?? state.variances;
}

/** BallastPolicy.evaluate (breakers are not modelled: a simulated market never trips them). */
export function evaluate(
  t: TriggerParams,
  effectiveTrigger: bigint,
  lastRebalance: bigint,
  now: bigint,
  driftBps: bigint,
): { status: StatusCode; targetBandBps: bigint } {
  if (lastRebalance !== 0n && now < lastRebalance + t.cooldown)
    return { status: Status.Cooldown, targetBandBps: t.targetBandBps };
  if (driftBps >= effectiveTrigger) return { status: Status.Due, targetBandBps: t.targetBandBps };
  if (t.calendarInterval !== 0n && driftBps > t.targetBandBps && now >= lastRebalance + t.calendarInterval) {
    return { status: Status.DueByCalendar, targetBandBps: t.targetBandBps };
  }
  return { status: Status.NotDue, targetBandBps: t.targetBandBps };
}

/** BallastRebalancer._usableBand: the target band, capped at effectiveTriggerBand / (2 (n - 1)). */
export function usableBand(band: bigint, effectiveTrigger: bigint, assets: number): bigint {
  const cap = effectiveTrigger / (2n * BigInt(assets - 1));
  return min(band, cap);
}

// --- Cost-efficiency gate ---------------------------------------------------------------------

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

/**
 * BallastRebalancer._rewardFor: `gasUnits` at `basefeeWei` valued through the gas token's price,
 * times 1 + premium, at most `maxRewardBps` of NAV and `maxReward`; rounded down. 0 when the reward
 * is off or the gas token has no price.
 */
export function rewardFor(
  r: RewardParams,
  gasUnits: bigint,
  basefeeWei: bigint,
  gasTokenPriceWad: bigint | undefined,
  nav: bigint,
  basePriceWad: bigint,
  baseUnit: bigint,
): bigint {
  if (r.maxRewardBps === 0n || r.maxReward === 0n || gasTokenPriceWad === undefined || gasTokenPriceWad === 0n) {
    return 0n;
  }
  const gasValue = mulDiv(gasUnits * basefeeWei, gasTokenPriceWad * baseUnit, WAD * basePriceWad);
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
export function minLegValue(cp: CostParams, basefeeWei: bigint, basePriceWad: bigint, baseUnit: bigint): bigint {
  if (cp.maxCostRatioBps === 0n || cp.benefitPerBpWad === 0n || !cp.gasTokenPriceWad) return 0n;
  const legGas = mulDiv(cp.gasPerHop * basefeeWei, cp.gasTokenPriceWad * baseUnit, WAD * basePriceWad, true);
  return mulDiv(legGas, WAD, 2n * cp.benefitPerBpWad * cp.maxCostRatioBps, true);
}

/**
 * BallastRebalancer._assess: the policy's verdict ({@link assessCost}) with the premium of the
 * reward a rebalance of `trades` (one leg each, each counted as one hop) would pay counted as a
 * cost; never worth it without a trade.
 */
export function assessWithReward(
  cp: CostParams,
  reward: RewardParams,
  nav: bigint,
  driftRemovedBps: bigint,
  basePriceWad: bigint,
  baseUnit: bigint,
  trades: readonly CostTrade[],
  basefeeWei: bigint,
): { cost: bigint; benefit: bigint; worthIt: boolean } {
  const verdict = assessCost(cp, nav, driftRemovedBps, basePriceWad, baseUnit, trades, basefeeWei);
  const gasUnits = cp.gasBase + cp.gasPerHop * BigInt(trades.length);
  const paid = rewardFor(reward, gasUnits, basefeeWei, cp.gasTokenPriceWad, nav, basePriceWad, baseUnit);
  let { cost, worthIt } = verdict;
  if (paid !== 0n) {
    cost += mulDiv(paid, reward.premiumBps, BPS + reward.premiumBps, true);
    worthIt = cp.maxCostRatioBps === 0n || cost * BPS <= verdict.benefit * cp.maxCostRatioBps;
  }
  // A plan with no trade is never worth it: it would only start the cooldown.
  if (trades.length === 0) worthIt = false;
  return { cost, benefit: verdict.benefit, worthIt };
}

/** BallastPolicy.assessCost. `basefeeWei` is the block's base fee. */
export function assessCost(
  cp: CostParams,
  nav: bigint,
  driftRemovedBps: bigint,
  basePriceWad: bigint,
  baseUnit: bigint,
  trades: readonly CostTrade[],
  basefeeWei: bigint,
): { cost: bigint; benefit: bigint; worthIt: boolean } {
  let cost = 0n;
  let hops = 0n;
  for (const t of trades) {
    hops += BigInt(t.hops.length);
    const out = estimateOut(t.hops, t.amountIn);
    if (out < t.fairOut) cost += mulDiv(t.valueIn, t.fairOut - out, t.fairOut, true);
  }
  if (cp.gasTokenPriceWad !== undefined) {
    const gasUnits = cp.gasBase + cp.gasPerHop * hops;
    cost += mulDiv(gasUnits * basefeeWei, cp.gasTokenPriceWad * baseUnit, WAD * basePriceWad, true);
  }
  const benefit = mulDiv(nav, driftRemovedBps * cp.benefitPerBpWad, WAD);
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

// --- BallastRebalancer.rebalanceStatus----------------------------------------------------------

/** Everything `rebalanceStatus()` reads, as plain values. */
export interface VaultSnapshot {
  balances: readonly bigint[];
  pricesWad: readonly bigint[];
  units: readonly bigint[];
  targets: readonly bigint[];
  params: RebalanceParams;
  triggers: TriggerParams;
  volatility: VolatilityParams;
  /** The policy's variance estimate for the vault (`variances(vault)`), base first. */
  variances: readonly bigint[];
  costs: CostParams;
  /** The rebalancer's keeper reward (default: off). */
  reward?: RewardParams;
  lastRebalance: bigint;
  now: bigint;
  paused?: boolean;
  basefeeWei?: bigint;
}

export interface StatusResult {
  status: StatusCode;
  driftBps: bigint;
  targetBandBps: bigint;
  effectiveTriggerBandBps: bigint;
  valuation: Valuation;
  /** The plan at the usable band (computed whenever the status is due or uneconomic). */
  plan?: Plan;
  cost?: { cost: bigint; benefit: bigint; worthIt: boolean };
}

/**
 * BallastRebalancer.rebalanceStatus, and the plan `rebalance()` would execute now. `hops` gives the
 * pool state of each asset's sell (true) or buy route, for the cost gate; `shortcut(i, o)` that of
 * the shortcut from asset i's sell route to asset o's buy route, undefined where they meet only at
 * the base (everywhere, by default).
 */
export function rebalanceStatus(
  s: VaultSnapshot,
  hops: (i: number, sell: boolean) => readonly HopState[] = () => [],
  shortcut?: (i: number, o: number) => readonly HopState[] | undefined,
): StatusResult {
  const v = valuationAt(s.balances, s.pricesWad, s.units, s.targets);
  const effective = effectiveTriggerBand(s.triggers, s.volatility, s.variances);
  if (!v.valid)
    return {
      status: Status.PriceUnavailable,
      driftBps: 0n,
      targetBandBps: 0n,
      effectiveTriggerBandBps: effective,
      valuation: v,
    };
  const driftBps = maxDrift(v);
  if (s.paused)
    return { status: Status.Paused, driftBps, targetBandBps: 0n, effectiveTriggerBandBps: effective, valuation: v };
  const e = evaluate(s.triggers, effective, s.lastRebalance, s.now, driftBps);
  const band = usableBand(e.targetBandBps, effective, s.units.length);
  const result: StatusResult = {
    status: e.status,
    driftBps,
    targetBandBps: band,
    effectiveTriggerBandBps: effective,
    valuation: v,
  };
  if (e.status === Status.Due || e.status === Status.DueByCalendar) {
    // BallastRebalancer._planAt: trades too small to pay for their leg left out.
    const legFloor = minLegValue(s.costs, s.basefeeWei ?? 0n, v.prices[0], v.units[0]);
    const params = legFloor > s.params.minTradeValue ? { ...s.params, minTradeValue: legFloor } : s.params;
    const pl = plan(v, params, band, (i, o) => shortcut?.(i, o) !== undefined);
    result.plan = pl;
    // IBallastPolicy.costGateActive: only an active gate is asked (and can refuse).
    const gateActive = s.costs.maxCostRatioBps !== 0n || s.costs.gasTokenPriceWad !== undefined;
    if (!gateActive) return result;
    result.cost = assessWithReward(
      s.costs,
      s.reward ?? REWARD_OFF,
      v.nav,
      pl.driftRemovedBps,
      v.prices[0],
      v.units[0],
      quoteTrades(pl, hops, (i, o) => shortcut?.(i, o) ?? []),
      s.basefeeWei ?? 0n,
    );
    if (!result.cost.worthIt) result.status = Status.Uneconomic;
  }
  return result;
}
