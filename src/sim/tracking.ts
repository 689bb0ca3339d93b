/**
 * What every policy's loop runs on (PolicyRun) and records as it goes: the running totals of trades
 * and costs, tracking error, drawdown, mean NAV and the NAV series (Tracker), and how a volatility
 * estimate followed realised volatility.
 */
import type { FlowSchedule } from "./flows";
import type { SimMarket } from "./market";
import { YEAR_SECONDS } from "./paths";
import type { PricePath } from "./paths";
import type { CostBreakdown, RebalanceEvent, SimConfig } from "./simulate";

/** One policy's run over a path: its inputs, and where it records. */
export interface PolicyRun {
  config: SimConfig;
  path: PricePath;
  market: SimMarket;
  /** Target weights, fractions, base first. */
  targets: Float64Array;
  /** Initial holdings, whole tokens. */
  initial: Float64Array;
  tracker: Tracker;
  state: RunState;
  tick: Tick;
  /** Depositors' flows by row, when the run has them (vault policies). */
  flows?: FlowSchedule;
}

/** A run's running totals, in USD where not said otherwise. */
export interface RunState {
  onRebalance?: (event: RebalanceEvent) => void;
  costs: CostBreakdown;
  /** The keeper's gas on rebalances, USD, whoever paid it (`costs.gasUsd` is what the vault paid). */
  keeperGasUsd: number;
  volatilityTracking?: VolatilityTrackingResult;
  /** Sum of traded value / NAV. */
  turnover: number;
  /** Sum of traded value, USD. */
  tradedUsd: number;
  rebalances: number;
  swaps: number;
  revertedAttempts: number;
  uneconomicChecks: number;
  /** The keeper's gas on transactions that traded nothing (a breaker's trip), USD. */
  otherGasUsd: number;
  breakerTrips: number;
}

export function newRunState(onRebalance?: (event: RebalanceEvent) => void): RunState {
  return {
    onRebalance,
    costs: { feesUsd: 0, impactUsd: 0, gasUsd: 0, lvrUsd: 0, totalUsd: 0 },
    keeperGasUsd: 0,
    turnover: 0,
    tradedUsd: 0,
    rebalances: 0,
    swaps: 0,
    revertedAttempts: 0,
    uneconomicChecks: 0,
    otherGasUsd: 0,
    breakerTrips: 0,
  };
}

/** Reports progress at row `t` (undefined: nobody listens). */
export type Tick = ((t: number) => unknown) | undefined;

/**
 * Fills `values` with each holding's USD value at the path row starting at `offset` (row x width)
 * and returns their sum, the NAV.
 */
export function markToMarket(
  holdings: ArrayLike<number>,
  prices: Float64Array,
  offset: number,
  values: Float64Array,
): number {
  let nav = 0;
  for (let i = 0; i < values.length; i++) {
    values[i] = holdings[i] * prices[offset + i];
    nav += values[i];
  }
  return nav;
}

/**
 * Per-step bookkeeping shared by every policy: tracking error, drawdown, mean NAV, the decimated NAV
 * series.
 */
export class Tracker {
  private teSum = 0;
  private time = 0;
  private peak = 0;
  /** Time integral of NAV, and the time it covers (for the mean NAV costs are measured against). */
  private navSum = 0;
  private navTime = 0;
  maxDrawdown = 0;
  private readonly every: number;
  private readonly seriesTimes: number[] = [];
  private readonly seriesNav: number[] = [];
  private readonly seriesHold: number[] = [];

  constructor(
    private readonly path: PricePath,
    private readonly targets: Float64Array,
    /** Initial holdings, whole tokens, for the buy-and-hold series. */
    private readonly initial: Float64Array,
    points: number,
  ) {
    this.every = Math.max(1, Math.ceil(path.steps / points));
  }

  /** Records row `t` with the portfolio's USD `values` (per asset) and their sum `nav`. */
  record(t: number, values: Float64Array, nav: number): void {
    const n = values.length;
    const times = this.path.times;
    const dt = t + 1 < this.path.steps ? times[t + 1] - times[t] : 0;
    if (t + 1 < this.path.steps) {
      this.navSum += nav * dt;
      this.navTime += dt;
    }
    if (dt > 0 && n > 1) {
      let sq = 0;
      for (let i = 1; i < n; i++) {
        const d = values[i] / nav - this.targets[i];
        sq += d * d;
      }
      this.teSum += (sq / (n - 1)) * dt;
      this.time += dt;
    }
    if (nav > this.peak) this.peak = nav;
    else if (this.peak > 0 && 1 - nav / this.peak > this.maxDrawdown) this.maxDrawdown = 1 - nav / this.peak;
    if (t % this.every === 0 || t === this.path.steps - 1) {
      this.seriesTimes.push(times[t]);
      this.seriesNav.push(nav);
      let hold = 0;
      for (let i = 0; i < n; i++) hold += this.initial[i] * this.path.prices[t * n + i];
      this.seriesHold.push(hold);
    }
  }

  /** The time-weighted mean NAV, `otherwise` for a path of one row. */
  meanNav(otherwise: number): number {
    return this.navTime > 0 ? this.navSum / this.navTime : otherwise;
  }

  trackingVariance(): number {
    return this.time > 0 ? this.teSum / this.time : 0;
  }

  series(): { times: Float64Array; navUsd: Float64Array; holdUsd: Float64Array } {
    return {
      times: Float64Array.from(this.seriesTimes),
      navUsd: Float64Array.from(this.seriesNav),
      holdUsd: Float64Array.from(this.seriesHold),
    };
  }
}

/**
 * How the volatility estimate (BallastPolicy's EWMA, observed when the vault rebalances) compared
 * with realised volatility: the same time-weighted EWMA of squared returns, with the same averaging
 * time, taken over every row of the path (what an estimator observing continuously would hold).
 * Both are the mean over the non-base assets of the variance in the base asset; the error is of
 * volatility (the square root), time-weighted over the rows after two averaging times of warm-up.
 */
export interface VolatilityTrackingResult {
  /** Share of the measured time the estimate was within 25% of realised volatility. */
  within25Share: number;
  /** Time-weighted mean of |estimate / realised - 1|. */
  meanAbsError: number;
  /** Largest |estimate / realised - 1| seen. */
  maxAbsError: number;
  /** Seconds measured. */
  measuredSec: number;
}

/** Follows a run's volatility estimate against realised volatility (see {@link VolatilityTrackingResult}). */
export class VolatilityTracking {
  private readonly realised: Float64Array;
  private time = 0;
  private within = 0;
  private errorSum = 0;
  private maxError = 0;

  constructor(
    private readonly path: PricePath,
    private readonly tau: number,
    priorVariance: number,
  ) {
    this.realised = new Float64Array(path.width).fill(priorVariance);
  }

  /** Row `t`, with the estimate in force when the keeper looks at it (annualised, WAD per asset). */
  record(t: number, estimate: readonly bigint[]): void {
    if (t === 0) return;
    const { prices, times, width: w } = this.path;
    const dt = times[t] - times[t - 1];
    let realised = 0;
    for (let i = 1; i < w; i++) {
      const now = prices[t * w + i] / prices[t * w];
      const before = prices[(t - 1) * w + i] / prices[(t - 1) * w];
      const r = now / before - 1;
      const sample = (r * r * YEAR_SECONDS) / dt;
      this.realised[i] += ((sample - this.realised[i]) * dt) / (dt + this.tau);
      realised += this.realised[i];
    }
    if (times[t] < 2 * this.tau || estimate.length !== w) return;
    let estimated = 0;
    for (let i = 1; i < w; i++) estimated += Number(estimate[i]) / 1e18;
    const error = Math.abs(Math.sqrt(estimated / realised) - 1);
    this.time += dt;
    this.errorSum += error * dt;
    if (error <= 0.25) this.within += dt;
    if (error > this.maxError) this.maxError = error;
  }

  result(): VolatilityTrackingResult {
    return {
      within25Share: this.time > 0 ? this.within / this.time : 0,
      meanAbsError: this.time > 0 ? this.errorSum / this.time : 0,
      maxAbsError: this.maxError,
      measuredSec: this.time,
    };
  }
}
