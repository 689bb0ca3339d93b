/**
 * The simulation: one policy over one price path, with the metrics the backtest compares. Each
 * policy's loop is its own module: the vault's (src/sim/vaultRun.ts) and those it is measured
 * against (src/sim/theoryPolicies.ts); what they record as they go is src/sim/tracking.ts.
 *
 * Speed: a path of a year of one-minute steps has half a million rows, so the loops never allocate
 * per step and work on Float64Arrays.
 */
import type { Flow } from "./csv";
import { checkNumber, SimError } from "./errors";
import { FlowSchedule } from "./flows";
import type { FlowTotals } from "./flows";
import { SimMarket } from "./market";
import type { MarketModel } from "./market";
import { YEAR_SECONDS } from "./paths";
import type { PricePath } from "./paths";
import type { PolicySpec } from "./policies";
import type { RunningCost } from "./runningCost";
import { runAmm, runHold, runIdealBand } from "./theoryPolicies";
import { newRunState, Tracker } from "./tracking";
import type { PolicyRun, VolatilityTrackingResult } from "./tracking";
import { runVault } from "./vaultRun";

export type { VolatilityTrackingResult } from "./tracking";
export { priceWad } from "./vaultRun";

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
  /** With depositors' flows: what they paid in, took out and were charged. */
  flows?: FlowTotals;
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
  /**
   * Depositors' entries and exits (src/sim/flows.ts), vault policies only. Returns, growth and the
   * premium are then per share (the lab prices its own shares), as the chain's are.
   */
  flows?: readonly Flow[];
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

/** Runs one policy over a path. */
export function simulate(config: SimConfig): SimResult {
  const started = Date.now();
  const { path } = config;
  const targets = checkTargets(config.targetsBps, path.width);
  checkNumber("navUsd", config.navUsd, 1, 1e13);
  const market = new SimMarket(config.market ?? {}, path);
  const state = newRunState(config.onRebalance);
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

  if (config.flows?.length && config.policy.kind !== "vault") {
    throw new SimError(
      `flows: only the vault's policies take depositors' flows, not ${config.policy.name} (pick vault policies with --policies)`,
    );
  }
  const flows = config.flows && config.flows.length > 0 ? new FlowSchedule(config.flows, path) : undefined;
  const run: PolicyRun = { config, path, market, targets, initial, tracker, state, tick, flows };
  let finalValues: Float64Array;
  const policy = config.policy;
  switch (policy.kind) {
    case "vault":
      finalValues = runVault(run, policy);
      break;
    case "idealBand":
      finalValues = runIdealBand(run, policy);
      break;
    case "buyAndHold":
      finalValues = runHold(run);
      break;
    case "amm":
      finalValues = runAmm(run, policy);
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
  // Per share: the NAV a share of the start's supply holds (the NAV itself without flows).
  // (Flows that took every share out leave no share to price: the NAV then.)
  const shareEnd = flows && flows.supply > 0 ? navEnd / flows.supply : navEnd;
  const baseMove = Math.log(p[last] / p[0]); // growth measured in the base asset
  const costs = state.costs;
  costs.totalUsd = costs.feesUsd + costs.impactUsd + costs.gasUsd + costs.lvrUsd;
  const meanNav = tracker.meanNav(navStart);
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
    totalReturn: shareEnd / navStart - 1,
    growthRate: Math.log(shareEnd / navStart) / years,
    excessGrowth: Math.log(shareEnd / holdEnd) / years,
    diversificationReturn: (Math.log(shareEnd / navStart) - baseMove - meanLog) / years,
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
      premiumPerYear: Math.log(shareEnd / holdEnd) / years,
    },
    rebalances: state.rebalances,
    swaps: state.swaps,
    revertedAttempts: state.revertedAttempts,
    uneconomicChecks: state.uneconomicChecks,
    breakerTrips: state.breakerTrips,
    maxDrawdown: tracker.maxDrawdown,
    ...(state.volatilityTracking ? { volatilityTracking: state.volatilityTracking } : {}),
    ...(flows ? { flows: flows.totals } : {}),
    series: tracker.series(),
    elapsedMs: Date.now() - started,
  };
}
