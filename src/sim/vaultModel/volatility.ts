/**
 * BallastPolicy's volatility scaling: `observe` (the feeds' realised variance since the last
 * observation, folded into a time-weighted EWMA; src/sim/feeds.ts reads the rounds as
 * ChainlinkOracle does) and `effectiveTriggerBand` (cube-root scaling, floor and cap).
 */
import { SimError } from "../errors";
import type { Samples } from "../feeds";
import { absDiff, max, min, mulDiv, WAD, YEAR } from "./math";
import type { TriggerParams } from "./triggers";

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
