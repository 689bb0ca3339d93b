/**
 * The simulation loop: one policy over one price path, with the metrics the backtest compares.
 *
 * Speed: a path of a year of one-minute steps has half a million rows, so the loop never allocates
 * per step and works on Float64Arrays. The vault's decisions, however, must be the contract's to
 * the unit, which needs bigint arithmetic; bigint is ~100x slower than floats, so each step first
 * computes the drift in floating point, and only when it is within 1.5 bps of the trigger band (or
 * the calendar is due) asks the exact model (src/sim/vaultModel.ts) what the contract would do.
 * The margin is safe: the contract's drift floors each weight to a whole bp, so it can exceed the
 * real-valued drift by less than 1 bp, and float error is ~1e-12 bp. Trades change the balances
 * the exact model holds (raw token units, bigint); the float copy is refreshed from them.
 */
import { checkInteger, checkNumber, SimError } from "./errors";
import { SimMarket } from "./market";
import type { MarketModel, RebalanceParts } from "./market";
import { YEAR_SECONDS } from "./paths";
import type { PricePath } from "./paths";
import type { AmmSpec, IdealBandSpec, PolicySpec, VaultPolicySpec } from "./policies";
import type { RunningCost } from "./runningCost";
import { ASSET_FEED, BASE_FEED, publishRounds, roundReads, roundsAt, samplesSince } from "./feeds";
import { MoveBreaker } from "./breakers";
import * as vm from "./vaultModel";

/** Costs of a run, in USD. */
export interface CostBreakdown {
  /** Pool fees paid (an AMM's: minus the fees arbitrageurs paid it). */
  feesUsd: number;
  /** Price impact: value lost beyond the fees against the path's prices. */
  impactUsd: number;
  /** Gas the vault paid: the keeper's gas, or the keeper reward where the policy has one. */
  gasUsd: number;
  /** An AMM's loss to arbitrageurs at market prices before fees (loss-versus-rebalancing). */
  lvrUsd: number;
  totalUsd: number;
}

export interface SimResult {
  policy: string;
  kind: PolicySpec["kind"];
  source: string;
  years: number;
  steps: number;
  assets: number;
  navStartUsd: number;
  navEndUsd: number;
  /** What the initial holdings would be worth untouched. */
  buyHoldEndUsd: number;
  totalReturn: number;
  /** ln(NAV_T / NAV_0) per year. */
  growthRate: number;
  /** ln(NAV_T / buy-and-hold_T) per year: the rebalancing premium, net of every cost. */
  excessGrowth: number;
  /**
   * (ln(NAV_T / NAV_0) - sum_i w_i ln(P_iT / P_i0)) per year: growth beyond the target-weighted
   * mean log return of the assets (prices in the base asset); for a constant mix it is
   * 1/2 (sum_i w_i sigma_i^2 - w' Sigma w), the excess growth rate.
   */
  diversificationReturn: number;
  /** RMS over time (time-weighted) and over the non-base assets of weight - target, bps. */
  trackingErrorBps: number;
  /** Time average of the mean squared weight deviation (fraction^2): trackingErrorBps^2 / 1e8. */
  trackingVariance: number;
  /** Value traded in non-base assets (each sell and buy once) over NAV, per year. */
  turnoverPerYear: number;
  /** Value traded in non-base assets over the run, USD. */
  tradedUsd: number;
  costs: CostBreakdown;
  /** Total cost over mean NAV, per year, bps. */
  costBpsPerYear: number;
  /** The run's running cost, split (src/sim/runningCost.ts). */
  runningCost: RunningCost;
  /** Rebalances that traded (AMM: steps in which arbitrageurs traded). */
  rebalances: number;
  swaps: number;
  /** Rebalances that would have reverted (slippage or loss bound): the keeper's simulation fails. */
  revertedAttempts: number;
  /** Keeper checks the cost gate answered Uneconomic. */
  uneconomicChecks: number;
  /** Trips the circuit breaker recorded (each a keeper transaction that traded nothing). */
  breakerTrips: number;
  maxDrawdown: number;
  /** With volatility scaling: how closely the policy's estimate followed realised volatility. */
  volatilityTracking?: VolatilityTrackingResult;
  /** NAV over time and what the initial holdings would be worth untouched, decimated to about `seriesPoints` points. */
  series: { times: Float64Array; navUsd: Float64Array; holdUsd: Float64Array };
  elapsedMs: number;
}

export interface SimConfig {
  path: PricePath;
  /** Target weights, bps, base first, summing to 10 000. */
  targetsBps: readonly number[];
  /** Initial investment, USD, at target weights. */
  navUsd: number;
  market?: MarketModel;
  policy: PolicySpec;
  /**
   * Weights of the initial holdings, bps, base first; default the targets (invested at target, as
   * after the deposit-then-rebalance of the tests' fixtures). E.g. [10000, 0, ...]: a deposit
   * still in cash.
   */
  initialWeightsBps?: readonly number[];
  /** Points of the NAV series kept for charts; default 1000. */
  seriesPoints?: number;
  /** Epoch seconds of the path's first row, for the contract clock; default 1.7e9. */
  startTime?: number;
  /** Called with the fraction done, about a hundred times a run. */
  onProgress?: (fraction: number) => void;
  /** Called after each rebalance of a vault policy (what it traded and paid), e.g. to compare with a chain. */
  onRebalance?: (event: RebalanceEvent) => void;
}

/** One rebalance of a vault policy, as {@link SimConfig.onRebalance} reports it. */
export interface RebalanceEvent {
  /** The path's row. */
  row: number;
  /** Its legs in order: asset indices (0: the base), USD values at the path's prices, pool fees, hops. */
  legs: { from: number; to: number; valueInUsd: number; valueOutUsd: number; feeUsd: number; hops: number }[];
  /** Gas units of the transaction, and their USD value (the keeper's). */
  gasUnits: number;
  gasUsd: number;
  /** What the vault paid for it: the reward, or the gas. */
  paidUsd: number;
}

/** Validates targets against the path and returns them as fractions. */
function checkTargets(targetsBps: readonly number[], width: number): Float64Array {
  if (targetsBps.length !== width)
    throw new SimError(`targets: ${targetsBps.length} weights for ${width} assets (base first)`);
  let sum = 0;
  for (const [i, w] of targetsBps.entries()) {
    if (!Number.isInteger(w) || w < 0 || w > 10_000)
      throw new SimError(`targets[${i}]: ${w} must be an integer bps in [0, 10000]`);
    sum += w;
  }
  if (sum !== 10_000) throw new SimError(`targets sum to ${sum} bps, not 10000`);
  return Float64Array.from(targetsBps, (w) => w / 10_000);
}

/**
 * Per-step bookkeeping shared by every policy: tracking error, drawdown, the decimated NAV series.
 */
class Tracker {
  private teSum = 0;
  private time = 0;
  private peak = 0;
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

/** Runs one policy over a path. */
export function simulate(config: SimConfig): SimResult {
  const started = Date.now();
  const { path } = config;
  const targets = checkTargets(config.targetsBps, path.width);
  checkNumber("navUsd", config.navUsd, 1, 1e13);
  const market = new SimMarket(config.market ?? {}, path);
  const state: RunState = {
    onRebalance: config.onRebalance,
    costs: { feesUsd: 0, impactUsd: 0, gasUsd: 0, lvrUsd: 0, totalUsd: 0 },
    keeperGasUsd: 0,
    turnover: 0,
    tradedUsd: 0,
    navSum: 0,
    navTime: 0,
    rebalances: 0,
    swaps: 0,
    revertedAttempts: 0,
    uneconomicChecks: 0,
    otherGasUsd: 0,
    breakerTrips: 0,
  };
  const w = path.width;
  const p = path.prices;
  // Initial holdings, whole tokens (the vault's are raw units, rounded down).
  const start = config.initialWeightsBps ? checkTargets(config.initialWeightsBps, path.width) : targets;
  const initial = new Float64Array(w);
  for (let i = 0; i < w; i++) initial[i] = (config.navUsd * start[i]) / p[i];
  const tracker = new Tracker(path, targets, initial, config.seriesPoints ?? 1000);
  const progress = config.onProgress;
  const progressEvery = Math.max(1, Math.floor(path.steps / 100));
  const tick = progress ? (t: number) => t % progressEvery === 0 && progress(t / path.steps) : undefined;

  let finalValues: Float64Array;
  const policy = config.policy;
  switch (policy.kind) {
    case "vault":
      finalValues = runVault(config, policy, market, initial, tracker, state, tick);
      break;
    case "idealBand":
      finalValues = runIdealBand(config, policy, market, targets, initial, tracker, state, tick);
      break;
    case "buyAndHold":
      finalValues = runHold(path, initial, tracker, state, tick);
      break;
    case "amm":
      finalValues = runAmm(config, policy, targets, initial, tracker, state, tick);
      break;
    default:
      throw new SimError(`unknown policy kind ${(policy as { kind: string }).kind}`);
  }
  progress?.(1);

  const last = (path.steps - 1) * w;
  const years = (path.times[path.steps - 1] - path.times[0]) / YEAR_SECONDS;
  let navEnd = 0;
  let holdEnd = 0;
  let meanLog = 0;
  for (let i = 0; i < w; i++) {
    navEnd += finalValues[i];
    holdEnd += initial[i] * p[last + i];
    // Log return of asset i in the base asset, weighted by its target.
    meanLog += targets[i] * Math.log(p[last + i] / p[last] / (p[i] / p[0]));
  }
  const navStart = config.navUsd;
  const baseMove = Math.log(p[last] / p[0]); // growth measured in the base asset
  const costs = state.costs;
  costs.totalUsd = costs.feesUsd + costs.impactUsd + costs.gasUsd + costs.lvrUsd;
  const meanNav = state.navTime > 0 ? state.navSum / state.navTime : navStart;
  const teVar = tracker.trackingVariance();
  return {
    policy: policy.name,
    kind: policy.kind,
    source: path.source,
    years,
    steps: path.steps,
    assets: w,
    navStartUsd: navStart,
    navEndUsd: navEnd,
    buyHoldEndUsd: holdEnd,
    totalReturn: navEnd / navStart - 1,
    growthRate: Math.log(navEnd / navStart) / years,
    excessGrowth: Math.log(navEnd / holdEnd) / years,
    diversificationReturn: (Math.log(navEnd / navStart) - baseMove - meanLog) / years,
    trackingErrorBps: Math.sqrt(teVar) * 10_000,
    trackingVariance: teVar,
    turnoverPerYear: state.turnover / years,
    tradedUsd: state.tradedUsd,
    costs,
    costBpsPerYear: (costs.totalUsd / meanNav / years) * 10_000,
    runningCost: {
      years,
      meanNavUsd: meanNav,
      rebalanceGasUsd: state.keeperGasUsd,
      otherGasUsd: state.otherGasUsd,
      paidByVaultUsd: costs.gasUsd,
      feesUsd: costs.feesUsd,
      impactUsd: costs.impactUsd,
      premiumPerYear: Math.log(navEnd / holdEnd) / years,
    },
    rebalances: state.rebalances,
    swaps: state.swaps,
    revertedAttempts: state.revertedAttempts,
    uneconomicChecks: state.uneconomicChecks,
    breakerTrips: state.breakerTrips,
    maxDrawdown: tracker.maxDrawdown,
    ...(state.volatilityTracking ? { volatilityTracking: state.volatilityTracking } : {}),
    series: tracker.series(),
    elapsedMs: Date.now() - started,
  };
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
class VolatilityTracking {
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

interface RunState {
  onRebalance?: (event: RebalanceEvent) => void;
  costs: CostBreakdown;
  /** The keeper's gas on rebalances, USD, whoever paid it (`costs.gasUsd` is what the vault paid). */
  keeperGasUsd: number;
  volatilityTracking?: VolatilityTrackingResult;
  /** Sum of traded value / NAV. */
  turnover: number;
  /** Sum of traded value, USD. */
  tradedUsd: number;
  /** Time integral of NAV (for the mean NAV costs are measured against). */
  navSum: number;
  navTime: number;
  rebalances: number;
  swaps: number;
  revertedAttempts: number;
  uneconomicChecks: number;
  /** The keeper's gas on transactions that traded nothing (a breaker's trip), USD. */
  otherGasUsd: number;
  breakerTrips: number;
}

type Tick = ((t: number) => unknown) | undefined;

function accrueNav(state: RunState, path: PricePath, t: number, nav: number): void {
  if (t + 1 < path.steps) {
    const dt = path.times[t + 1] - path.times[t];
    state.navSum += nav * dt;
    state.navTime += dt;
  }
}

/** USD price as the vault's oracle reports it: an 8-decimal Chainlink answer scaled to WAD. */
export function priceWad(priceUsd: number): bigint {
  return BigInt(Math.round(priceUsd * 1e8)) * 10n ** 10n;
}

// --- Buy and hold -----------------------------------------------------------------------------

function runHold(path: PricePath, initial: Float64Array, tracker: Tracker, state: RunState, tick: Tick): Float64Array {
  const w = path.width;
  const values = new Float64Array(w);
  for (let t = 0; t < path.steps; t++) {
    tick?.(t);
    let nav = 0;
    for (let i = 0; i < w; i++) {
      values[i] = initial[i] * path.prices[t * w + i];
      nav += values[i];
    }
    tracker.record(t, values, nav);
    accrueNav(state, path, t, nav);
  }
  return values;
}

// --- The vault --------------------------------------------------------------------------------

function runVault(
  config: SimConfig,
  spec: VaultPolicySpec,
  market: SimMarket,
  initial: Float64Array,
  tracker: Tracker,
  state: RunState,
  tick: Tick,
): Float64Array {
  const path = config.path;
  const w = path.width;
  const p = path.prices;
  const baseUnits = 10 ** path.decimals[0];
  const triggers = vm.checkTriggers({
    triggerBandBps: BigInt(spec.triggerBandBps),
    targetBandBps: BigInt(spec.targetBandBps),
    cooldown: BigInt(spec.cooldown ?? 600),
    calendarInterval: BigInt(spec.calendarInterval ?? 0),
  });
  const volatility = vm.checkVolatility(
    spec.volatility
      ? {
          referenceVolBps: BigInt(spec.volatility.referenceVolBps),
          minBandBps: BigInt(spec.volatility.minBandBps),
          maxBandBps: BigInt(spec.volatility.maxBandBps),
          averagingTime: BigInt(spec.volatility.averagingTime),
          minObservationInterval: BigInt(spec.volatility.minObservationInterval),
        }
      : vm.VOLATILITY_OFF,
  );
  const params = vm.checkRebalanceParams({
    slippageBps: BigInt(spec.slippageBps ?? 100),
    maxTradeBps: BigInt(spec.maxTradeBps ?? 1_000),
    maxLossBps: BigInt(spec.maxLossBps ?? 100),
    minTradeValue: BigInt(Math.round((spec.minTradeValueTokens ?? 10) * baseUnits)),
    maxPoolGapBps: 5n,
  });
  const gas = market.gas;
  const costs: vm.CostParams = spec.costs
    ? {
        benefitPerBpWad: spec.costs.benefitPerBpWad,
        maxCostRatioBps: BigInt(spec.costs.maxCostRatioBps),
        // The gate's two-figure model (IBallastPolicy.CostParams) from the measured one: every asset's
        // part in the base, one hop a leg (as the policy counts trades).
        gasBase: BigInt(gas.fixed + gas.perAsset * w),
        gasPerHop: BigInt(gas.perLeg + gas.perHop),
        gasTokenPriceWad: market.frictionless ? undefined : 0n, // set per check from the path
      }
    : vm.COSTS_OFF;
  const gateOn = costs.maxCostRatioBps !== 0n;
  const basefeeWei = BigInt(Math.round(gas.baseFeeGwei * 1e9));
  // The bounds BallastRebalancer.setRewardParams enforces.
  const reward: vm.RewardParams | undefined = spec.reward && {
    premiumBps: BigInt(checkInteger("reward.premiumBps", spec.reward.premiumBps, 0, 10_000)),
    maxRewardBps: BigInt(checkInteger("reward.maxRewardBps", spec.reward.maxRewardBps, 0, 10)),
    maxReward: BigInt(
      Math.round(checkNumber("reward.maxRewardTokens", spec.reward.maxRewardTokens, 0, 1e12) * baseUnits),
    ),
  };
  const units = path.decimals.map((d) => 10n ** BigInt(d));
  const unitF = path.decimals.map((d) => 10 ** d);
  const targetsBig = config.targetsBps.map((x) => BigInt(x));
  const startTime = config.startTime ?? 1_700_000_000;
  const keeperEvery = spec.keeperIntervalSec ?? 0;
  checkNumber("keeperIntervalSec", keeperEvery, 0, YEAR_SECONDS);

  const raw: bigint[] = [];
  for (let i = 0; i < w; i++) raw.push(BigInt(Math.floor(initial[i] * unitF[i])));
  const bal = Float64Array.from(raw, (r, i) => Number(r) / unitF[i]);
  const values = new Float64Array(w);
  const targetBps = Float64Array.from(config.targetsBps);
  const volState = vm.emptyVolatilityState();
  const volOn = volatility.referenceVolBps !== 0n;
  // The feeds' round histories along the path, read as ChainlinkOracle reads them at `now`.
  const feeds =
    volOn || spec.breakers
      ? Array.from({ length: w }, (_, i) => publishRounds(path, i, startTime, i === 0 ? BASE_FEED : ASSET_FEED))
      : [];
  const breaker = spec.breakers && new MoveBreaker(spec.breakers, feeds);
  let now = 0n;
  const read: vm.HistoryReader = (i, fromRound, since) =>
    samplesSince(feeds[i], roundsAt(feeds[i], now), fromRound, since, vm.HISTORY_SAMPLES);
  let effective = vm.effectiveTriggerBand(triggers, volatility, volState.variances);
  const volTracking = volOn
    ? new VolatilityTracking(path, Number(volatility.averagingTime), (Number(volatility.referenceVolBps) / 1e4) ** 2)
    : undefined;
  // The vault starts invested, by a rebalance at the start (its cooldown runs from there), which
  // observed the feeds as every rebalance does.
  let lastRebalance = BigInt(startTime);
  if (volOn) {
    now = lastRebalance;
    vm.observe(volState, volatility, w, read, now);
  }
  let nextCheck = 0;
  const cooldown = Number(triggers.cooldown);
  const calendar = Number(triggers.calendarInterval);
  const targetBand = Number(triggers.targetBandBps);
  const pricesAt = (row: number): bigint[] => {
    const out: bigint[] = new Array<bigint>(w);
    for (let i = 0; i < w; i++) out[i] = priceWad(p[row * w + i]);
    return out;
  };

  for (let t = 0; t < path.steps; t++) {
    tick?.(t);
    // Liquidity providers who follow the price re-centre row by row (MarketModel.recenterThreshold).
    if (market.followsPrices) market.follow(t);
    const row = t * w;
    const time = path.times[t];
    const nowSec = startTime + Math.round(time);
    let nav = 0;
    for (let i = 0; i < w; i++) {
      values[i] = bal[i] * p[row + i];
      nav += values[i];
    }
    now = BigInt(nowSec);
    const checking = time >= nextCheck && nav > 0;
    // The estimate the policy judges by now: its view folds the feeds' history since the last
    // observation (the same fold a rebalance stores before it decides).
    const variances = volOn && (checking || volTracking) ? vm.currentVariances(volState, volatility, w, read, now) : [];
    volTracking?.record(t, variances);
    if (checking) {
      if (volOn) effective = vm.effectiveTriggerBand(triggers, volatility, variances);
      nextCheck = time + keeperEvery;
      const last = Number(lastRebalance);
      // A trip in force: the status says BreakerTripped, the keeper sends nothing.
      if (nowSec >= last + cooldown && !breaker?.holds(nowSec)) {
        let drift = 0;
        for (let i = 0; i < w; i++) {
          const d = Math.abs((values[i] / nav) * 10_000 - targetBps[i]);
          if (d > drift) drift = d;
        }
        const calendarDue = calendar !== 0 && nowSec >= last + calendar && drift > targetBand - 1.5;
        if (drift >= Number(effective) - 1.5 || calendarDue) {
          const prices = pricesAt(t);
          if (gateOn) market.align(t);
          if (costs.gasTokenPriceWad !== undefined) costs.gasTokenPriceWad = priceWad(market.gasTokenPriceUsd(t));
          const status = vm.rebalanceStatus(
            {
              balances: raw,
              pricesWad: prices,
              units,
              targets: targetsBig,
              params,
              triggers,
              volatility,
              variances,
              costs,
              ...(reward ? { reward } : {}),
              lastRebalance,
              now,
              basefeeWei,
            },
            (i, sell) => market.hopStates(i, sell),
            (i, o) => market.shortcutStates(i, o),
          );
          const due = status.status === vm.Status.Due || status.status === vm.Status.DueByCalendar;
          // The breakers judge a due call before the gate: one that records a trip trades nothing.
          const verdict =
            breaker && (due || status.status === vm.Status.Uneconomic) ? breaker.verdict(nowSec, prices, due) : "trade";
          if (verdict === "trip") {
            // The call observes (its opening) and records the trip; no cooldown, no reward: the keeper pays.
            if (volOn) vm.observe(volState, volatility, w, read, now);
            state.otherGasUsd += market.gasUnitsUsd(market.gas.trip.fixed + market.gas.trip.perAsset * w, t);
            state.breakerTrips++;
          } else if (status.status === vm.Status.Uneconomic) state.uneconomicChecks++;
          if (due && status.plan && verdict === "trade") {
            // rebalance(): the feeds' history is observed before the policy decides (the same fold
            // as `variances` above).
            const start = vm.observationStart(volState, volatility.averagingTime, w, now);
            const observed = volOn && vm.observe(volState, volatility, w, read, now);
            const roundsRead = observed
              ? feeds.reduce(
                  (sum, h, i) =>
                    sum + roundReads(h, roundsAt(h, now), start.rounds[i], start.since, vm.HISTORY_SAMPLES),
                  0,
                )
              : 0;
            const payment = reward && { reward, basefeeWei };
            const parts = {
              gate: gateOn,
              observation: observed,
              roundsRead,
              reward: reward !== undefined,
              breakers: breaker !== undefined,
            };
            if (executeRebalance(status.valuation, status.plan, params, market, t, raw, unitF, state, parts, payment)) {
              lastRebalance = now;
              nav = 0;
              for (let i = 0; i < w; i++) {
                bal[i] = Number(raw[i]) / unitF[i];
                values[i] = bal[i] * p[row + i];
                nav += values[i];
              }
            } else {
              state.revertedAttempts++;
            }
          }
        }
      }
    }
    tracker.record(t, values, nav);
    accrueNav(state, path, t, nav);
  }
  if (volTracking) state.volatilityTracking = volTracking.result();
  return values;
}

/**
 * The rebalance's execution after the plan (BallastVault.executeRebalance): sells (each with its oracle minimum), then buys
 * scaled to the base actually received, then the NAV loss bound. Returns false, changing nothing,
 * where the contract would revert. The keeper's gas is paid back from the base balance: as it is,
 * or, with `payment`, as the rebalancer's reward (gas x (1 + premium), capped, within what the loss
 * bound leaves).
 */
function executeRebalance(
  v: vm.Valuation,
  pl: vm.Plan,
  params: vm.RebalanceParams,
  market: SimMarket,
  row: number,
  raw: bigint[],
  unitF: readonly number[],
  state: RunState,
  parts: RebalanceParts,
  payment?: { reward: vm.RewardParams; basefeeWei: bigint },
): boolean {
  const n = raw.length;
  const next = [...raw];
  market.align(row);
  let fees = 0;
  let impact = 0;
  let traded = 0;
  let hops = 0;
  let swaps = 0;
  const navUsd = (Number(v.nav) / unitF[0]) * (Number(v.prices[0]) / 1e18);
  const legs: RebalanceEvent["legs"] = [];
  // The legs that sell an asset, in the plan's order: into the base, or along a shortcut into the
  // asset a purchase wants (BallastPlanner pairs them), each against its oracle-fair output.
  for (const trade of pl.trades) {
    const { from: i, to: o, amountIn } = trade;
    if (i === 0 || amountIn === 0n) continue;
    const r =
      o === 0
        ? market.swap(i, true, Number(amountIn) / unitF[i], row)
        : market.swapShortcut(i, o, Number(amountIn) / unitF[i], row);
    const out = BigInt(Math.floor(r.amountOut * unitF[o]));
    if (out < vm.lessBpsDown(vm.fairOut(v, i, o, amountIn), params.slippageBps)) return false;
    next[i] -= amountIn;
    next[o] += out;
    fees += r.feeUsd;
    impact += r.valueInUsd - r.valueOutUsd - r.feeUsd;
    // A shortcut trades a sale and a purchase at once: both count in the turnover, as through the base.
    traded += o === 0 ? r.valueInUsd : r.valueInUsd + r.valueOutUsd;
    hops += r.hops;
    swaps++;
    legs.push({ from: i, to: o, valueInUsd: r.valueInUsd, valueOutUsd: r.valueOutUsd, feeUsd: r.feeUsd, hops: r.hops });
  }
  const spends = vm.executionSpends(v, pl, params, next[0]);
  for (let i = 1; i < n; i++) {
    const spend = spends[i];
    if (spend === 0n) continue;
    const r = market.swap(i, false, Number(spend) / unitF[0], row);
    const out = BigInt(Math.floor(r.amountOut * unitF[i]));
    if (out < vm.minBuyOut(v, i, spend, params.slippageBps)) return false;
    next[0] -= spend;
    next[i] += out;
    fees += r.feeUsd;
    impact += r.valueInUsd - r.valueOutUsd - r.feeUsd;
    traded += r.valueOutUsd;
    hops += r.hops;
    swaps++;
    legs.push({ from: 0, to: i, valueInUsd: r.valueInUsd, valueOutUsd: r.valueOutUsd, feeUsd: r.feeUsd, hops: r.hops });
  }
  if (swaps === 0) return true; // a due rebalance with nothing to trade still records itself
  const after = vm.valuationAt(next, v.prices, v.units, v.targets);
  if (after.nav < vm.lessBpsDown(v.nav, params.maxLossBps)) return false;
  let gasUsd = market.gasUsd(swaps, hops, row, parts);
  const keeperGasUsd = gasUsd;
  let gasRaw = BigInt(Math.floor((gasUsd / (Number(v.prices[0]) / 1e18)) * unitF[0]));
  if (payment && !market.frictionless) {
    const gasUnits = BigInt(market.gasUnits(swaps, hops, parts));
    const gasPrice = priceWad(market.gasTokenPriceUsd(row));
    const paid = vm.rewardFor(payment.reward, gasUnits, payment.basefeeWei, gasPrice, v.nav, v.prices[0], v.units[0]);
    const budget = after.nav - vm.lessBpsDown(v.nav, params.maxLossBps);
    gasRaw = paid < budget ? paid : budget;
    gasUsd = (Number(gasRaw) / unitF[0]) * (Number(v.prices[0]) / 1e18);
  }
  next[0] = next[0] > gasRaw ? next[0] - gasRaw : 0n;
  for (let i = 0; i < n; i++) raw[i] = next[i];
  state.costs.feesUsd += fees;
  state.costs.impactUsd += impact;
  state.costs.gasUsd += gasUsd;
  state.keeperGasUsd += keeperGasUsd;
  state.turnover += traded / navUsd;
  state.tradedUsd += traded;
  state.rebalances++;
  state.swaps += swaps;
  state.onRebalance?.({
    row,
    legs,
    gasUnits: market.frictionless ? 0 : market.gasUnits(swaps, hops, parts),
    gasUsd: keeperGasUsd,
    paidUsd: gasUsd,
  });
  return true;
}

// --- The ideal band (theory) ------------------------------------------------------------------

function runIdealBand(
  config: SimConfig,
  spec: IdealBandSpec,
  market: SimMarket,
  targets: Float64Array,
  initial: Float64Array,
  tracker: Tracker,
  state: RunState,
  tick: Tick,
): Float64Array {
  const path = config.path;
  const w = path.width;
  const p = path.prices;
  const band = checkNumber(`${spec.name} bandBps`, spec.bandBps, 0.01, 5_000) / 10_000;
  const bal = Float64Array.from(initial);
  const values = new Float64Array(w);
  for (let t = 0; t < path.steps; t++) {
    tick?.(t);
    const row = t * w;
    let nav = 0;
    for (let i = 0; i < w; i++) {
      values[i] = bal[i] * p[row + i];
      nav += values[i];
    }
    let aligned = false;
    let legs = 0;
    let hops = 0;
    for (let i = 1; i < w; i++) {
      const d = values[i] / nav - targets[i];
      if (Math.abs(d) <= band) continue;
      if (!aligned) {
        market.align(t);
        aligned = true;
      }
      // Back to the nearest edge of the band, against the base.
      const valueUsd = (Math.abs(d) - band) * nav;
      const sell = d > 0;
      const r = market.swap(i, sell, sell ? valueUsd / p[row + i] : valueUsd / p[row], t);
      if (sell) {
        bal[i] -= valueUsd / p[row + i];
        bal[0] += r.amountOut;
      } else {
        bal[0] -= valueUsd / p[row];
        bal[i] += r.amountOut;
      }
      state.costs.feesUsd += r.feeUsd;
      state.costs.impactUsd += r.valueInUsd - r.valueOutUsd - r.feeUsd;
      hops += r.hops;
      state.turnover += valueUsd / nav;
      state.tradedUsd += valueUsd;
      state.swaps++;
      legs++;
    }
    if (legs > 0) {
      // One transaction per step's trades, priced as a rebalance of as many legs.
      const gasUsd = market.gasUsd(legs, hops, t);
      state.costs.gasUsd += gasUsd;
      state.keeperGasUsd += gasUsd;
      bal[0] -= gasUsd / p[row];
      state.rebalances++;
      nav = 0;
      for (let i = 0; i < w; i++) {
        values[i] = bal[i] * p[row + i];
        nav += values[i];
      }
    }
    tracker.record(t, values, nav);
    accrueNav(state, path, t, nav);
  }
  return values;
}

// --- Constant-mix AMM -------------------------------------------------------------------------

/**
 * A Balancer-style weighted pool holding the basket at the target weights (invariant
 * prod_i B_i^{w_i}), rebalanced only by arbitrageurs. At each step, for each asset against the
 * base, an arbitrageur trades while the pool's marginal price net of the fee beats the market:
 * exactly to the edge of the no-arbitrage band [m (1 - f), m / (1 - f)]. For a pair with weights
 * w_i, w_0 the trade is closed-form: selling asset i with net input A, the spot price moves by
 * (B_i / (B_i + A))^{(w_i + w_0) / w_0}. Fees stay in the pool. What the pool gives up against
 * market prices before fees is the LVR; the fees are its income.
 */
function runAmm(
  config: SimConfig,
  spec: AmmSpec,
  targets: Float64Array,
  initial: Float64Array,
  tracker: Tracker,
  state: RunState,
  tick: Tick,
): Float64Array {
  const path = config.path;
  const w = path.width;
  const p = path.prices;
  const f = checkNumber(`${spec.name} feePips`, spec.feePips, 0, 99_999) / 1e6;
  const minProfit = checkNumber(`${spec.name} minProfitUsd`, spec.minProfitUsd ?? 0, 0, 1e12);
  if (targets[0] <= 0)
    throw new SimError(`${spec.name}: a weighted pool arbitraged against the base needs a base weight > 0`);
  for (let i = 1; i < w; i++) {
    if (targets[i] <= 0)
      throw new SimError(`${spec.name}: every pool weight must be > 0 (asset ${path.symbols[i]} has 0)`);
  }
  const b = Float64Array.from(initial);
  const values = new Float64Array(w);
  const w0 = targets[0];
  for (let t = 0; t < path.steps; t++) {
    tick?.(t);
    const row = t * w;
    const p0 = p[row];
    let traded = false;
    for (let i = 1; i < w; i++) {
      const wi = targets[i];
      const m = p[row + i] / p0; // market price of asset i in the base
      const spot = b[0] / w0 / (b[i] / wi);
      if (spot * (1 - f) > m) {
        // Pool pays too much for asset i: the arbitrageur sells it asset i.
        const rho = Math.pow(m / ((1 - f) * spot), w0 / (wi + w0));
        const netIn = b[i] * (1 / rho - 1);
        const grossIn = netIn / (1 - f);
        const out = b[0] * (1 - Math.pow(rho, wi / w0));
        const profit = out * p0 - grossIn * p[row + i];
        if (profit < minProfit) continue;
        b[i] += grossIn;
        b[0] -= out;
        state.costs.lvrUsd += out * p0 - netIn * p[row + i];
        state.costs.feesUsd -= (grossIn - netIn) * p[row + i];
        state.turnover += (grossIn * p[row + i]) / navOf(b, p, row, w);
        state.tradedUsd += grossIn * p[row + i];
        state.swaps++;
        traded = true;
      } else if (spot < m * (1 - f)) {
        // Pool sells asset i too cheaply: the arbitrageur buys it with the base.
        const rho = Math.pow(spot / (m * (1 - f)), wi / (w0 + wi));
        const netIn = b[0] * (1 / rho - 1);
        const grossIn = netIn / (1 - f);
        const out = b[i] * (1 - Math.pow(rho, w0 / wi));
        const profit = out * p[row + i] - grossIn * p0;
        if (profit < minProfit) continue;
        b[0] += grossIn;
        b[i] -= out;
        state.costs.lvrUsd += out * p[row + i] - netIn * p0;
        state.costs.feesUsd -= (grossIn - netIn) * p0;
        state.turnover += (out * p[row + i]) / navOf(b, p, row, w);
        state.tradedUsd += out * p[row + i];
        state.swaps++;
        traded = true;
      }
    }
    if (traded) state.rebalances++;
    let nav = 0;
    for (let i = 0; i < w; i++) {
      values[i] = b[i] * p[row + i];
      nav += values[i];
    }
    tracker.record(t, values, nav);
    accrueNav(state, path, t, nav);
  }
  return values;
}

function navOf(b: Float64Array, p: Float64Array, row: number, w: number): number {
  let nav = 0;
  for (let i = 0; i < w; i++) nav += b[i] * p[row + i];
  return nav;
}
