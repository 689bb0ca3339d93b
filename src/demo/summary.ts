/**
 * What a scenario run records as it goes, and the ScenarioReport made of it: the summary (returns,
 * drawdowns, costs, tracking error, the breakers' halts, flows), the keeper's account and the
 * running cost split as the lab splits it.
 */
import type { RunningCost } from "../sim/runningCost";

import type { Adversaries } from "./adversaries";
import type { ScenarioOptions } from "./options";
import type { ScenarioSetup } from "./scenarios";
import type {
  BasketAsset,
  BreakerEvent,
  FlowRecord,
  KeeperSummary,
  RebalanceRecord,
  ScenarioReport,
  ScenarioSummary,
  SkippedRecord,
  Snapshot,
  VaultSettings,
} from "./types";

export class RunRecords {
  readonly snapshots: Snapshot[] = [];
  readonly rebalances: RebalanceRecord[] = [];
  readonly skipped: SkippedRecord[] = [];
  readonly breakerEvents: BreakerEvent[] = [];
  readonly flows: FlowRecord[] = [];
  /** Each step's weights (bps, base first) before the keeper's turn. */
  readonly weightsBeforeKeeper: number[][] = [];
  breakerTripped = false;
  keeperGas = 0;
  keeperGasCostUsd = 0;
  /** `keeperGasCostUsd` when the scenario began (after investing). */
  scenarioGasStart = 0;
}

/** Everything the report is made of. */
export interface ReportInput {
  options: ScenarioOptions;
  setup: ScenarioSetup;
  records: RunRecords;
  network: string;
  wallTimeSeconds: number;
  /** Chain time of hour 0. */
  t0: number;
  settings: VaultSettings;
  contracts: Record<string, string>;
  basket: BasketAsset[];
  /** The buy-and-hold benchmark: the basket of one share at hour 0, whole tokens. */
  unitsPerShare: number[];
  recenters: number;
  /** The keeper bot's name in the report, and its account. */
  keeper: { name: string; address: string };
  adversaries?: Adversaries;
}

export function buildReport(run: ReportInput): ScenarioReport {
  const { records, options, setup } = run;
  const scenario = records.rebalances.filter((r) => r.phase === "scenario");
  const first = records.snapshots[0];
  const last = records.snapshots[records.snapshots.length - 1];
  const drawdown = (series: number[]) => {
    let peak = -Infinity;
    let worst = 0;
    for (const value of series) {
      peak = Math.max(peak, value);
      worst = Math.max(worst, 1 - value / peak);
    }
    return worst * 100;
  };
  let hoursHalted = 0;
  let trippedAt: number | undefined;
  for (const event of records.breakerEvents) {
    if (event.kind === "trip") trippedAt = event.hour;
    else if (trippedAt !== undefined) {
      hoursHalted += event.hour - trippedAt;
      trippedAt = undefined;
    }
  }
  if (trippedAt !== undefined) hoursHalted += last.hour - trippedAt;
  const vaultReturnPct = (last.sharePrice / first.sharePrice - 1) * 100;
  const holdReturnPct = (last.holdPerShare / first.holdPerShare - 1) * 100;
  const done = records.flows.filter((f) => f.error === undefined);
  const summary: ScenarioSummary = {
    startSharePrice: first.sharePrice,
    endSharePrice: last.sharePrice,
    vaultReturnPct,
    holdReturnPct,
    excessReturnPct: vaultReturnPct - holdReturnPct,
    startNav: first.nav,
    endNav: last.nav,
    maxDrawdownPct: drawdown(records.snapshots.map((s) => s.sharePrice)),
    holdMaxDrawdownPct: drawdown(records.snapshots.map((s) => s.holdPerShare)),
    rebalances: scenario.length,
    trades: scenario.reduce((sum, r) => sum + r.trades.length, 0),
    skipped: records.skipped.length,
    tradingCostUsd: scenario.reduce((sum, r) => sum + r.costUsd, 0),
    tradingCostPct: scenario.reduce((sum, r) => sum + r.costBps, 0) / 100,
    keeperGas: records.keeperGas,
    liquidityRecenters: run.recenters,
    keeperGasCostUsd: records.keeperGasCostUsd,
    rewardsUsd: records.rebalances.reduce((sum, r) => sum + r.rewardUsd, 0),
    breakerTrips: records.breakerEvents.filter((e) => e.kind === "trip").length,
    breakerResets: records.breakerEvents.filter((e) => e.kind === "reset").length,
    hoursHalted,
    deposits: done.filter((f) => f.kind === "deposit" && f.hour >= 0).length,
    redemptions: done.filter((f) => f.kind !== "deposit").length,
    flowChargesUsd: done.filter((f) => f.hour >= 0).reduce((sum, f) => sum + f.chargeUsd, 0),
    netFlowsUsd: done.filter((f) => f.hour >= 0).reduce((sum, f) => sum + (f.kind === "deposit" ? f.usd : -f.usd), 0),
    endMaxDriftBps: last.maxDriftBps,
    meanMaxDriftBps: records.snapshots.reduce((sum, s) => sum + s.maxDriftBps, 0) / records.snapshots.length,
    trackingErrorBps: trackingErrorBps(records, run.basket),
    legsPerRebalance: scenario.length > 0 ? scenario.reduce((sum, r) => sum + r.trades.length, 0) / scenario.length : 0,
    keeperPlans: scenario.filter((r) => r.call === "rebalancePlan").length,
    keepers: [keeperSummary(records, run.keeper)],
    runningCost: runningCost(run, scenario, vaultReturnPct, holdReturnPct),
  };
  return {
    meta: {
      name: options.name,
      scenario: options.scenario,
      description: setup.definition.description,
      options: options,
      network: run.network,
      wallTimeSeconds: run.wallTimeSeconds,
      createdAt: new Date().toISOString(),
      startTime: run.t0,
      ...(setup.crashStep !== undefined
        ? {
            crashHour: setup.crashStep * options.stepHours,
            crashReturnsPct: setup.crashReturns!.map((r) => r * 100),
          }
        : {}),
    },
    settings: run.settings,
    contracts: run.contracts,
    basket: run.basket,
    benchmark: {
      description:
        "the vault's basket per share at hour 0 (after investing the opening deposits), held without trading, valued at the same feed prices",
      unitsPerShare: run.unitsPerShare,
    },
    snapshots: records.snapshots,
    rebalances: records.rebalances,
    skipped: records.skipped,
    breakerEvents: records.breakerEvents,
    flows: records.flows,
    summary,
    ...(run.adversaries ? { adversaries: run.adversaries.report() } : {}),
  };
}

/**
 * Tracking error, time-weighted: over each step, the mean of the squared deviation (weight -
 * target, each risky asset) where the last step's keeper left it and where this step's move and
 * flows took it before the keeper acts, i.e. the interval's average for a deviation that drifts
 * diffusively (its expected square grows linearly in time). Sampling after the keeper alone would
 * count a full rebalance's zero deviation for the whole step.
 */
function trackingErrorBps(records: RunRecords, basket: readonly BasketAsset[]): number {
  const risky = basket.slice(1);
  const steps = records.weightsBeforeKeeper.length;
  if (risky.length === 0 || steps === 0) return 0;
  const squared = (weights: readonly number[]) =>
    risky.reduce((sum, asset, i) => sum + (weights[i + 1] - asset.targetBps) ** 2, 0);
  let sum = 0;
  for (let k = 0; k < steps; k++) {
    // snapshots[k] was taken after the previous step's keeper (snapshots[0]: after investing).
    sum += (squared(records.snapshots[k].weightsBps) + squared(records.weightsBeforeKeeper[k])) / 2;
  }
  return Math.sqrt(sum / (steps * risky.length));
}

/** The keeper bot's account over the run: every rebalance it sent (it sends nothing else). */
function keeperSummary(records: RunRecords, keeper: { name: string; address: string }): KeeperSummary {
  const mine = records.rebalances.filter((r) => r.keeper === keeper.name);
  const rewardsUsd = mine.reduce((sum, r) => sum + r.rewardUsd, 0);
  return {
    keeper: keeper.name,
    address: keeper.address,
    rebalances: mine.length,
    plans: mine.filter((r) => r.call === "rebalancePlan").length,
    trades: mine.reduce((sum, r) => sum + r.trades.length, 0),
    // Every keeper transaction of the run is this keeper's.
    gasUsed: records.keeperGas,
    gasCostUsd: records.keeperGasCostUsd,
    rewardsUsd,
    netUsd: rewardsUsd - records.keeperGasCostUsd,
  };
}

/** The scenario's running cost (after investing), split as the lab splits it. */
function runningCost(
  run: ReportInput,
  scenario: readonly RebalanceRecord[],
  vaultReturnPct: number,
  holdReturnPct: number,
): RunningCost {
  const { records } = run;
  const years = (run.setup.steps * run.options.stepHours) / (365 * 24);
  const rebalanceGasUsd = scenario.reduce((sum, r) => sum + r.gasCostUsd, 0);
  const feesUsd = scenario.reduce((sum, r) => sum + r.feesUsd, 0);
  return {
    years,
    meanNavUsd: records.snapshots.reduce((sum, s) => sum + s.nav, 0) / records.snapshots.length,
    rebalanceGasUsd,
    // Skipped and no-trade calls: a difference of two float sums, so never below 0 but by rounding.
    otherGasUsd: Math.max(0, records.keeperGasCostUsd - records.scenarioGasStart - rebalanceGasUsd),
    paidByVaultUsd: scenario.reduce((sum, r) => sum + r.rewardUsd, 0),
    feesUsd,
    impactUsd: scenario.reduce((sum, r) => sum + r.costUsd, 0) - feesUsd,
    premiumPerYear: years > 0 ? Math.log((1 + vaultReturnPct / 100) / (1 + holdReturnPct / 100)) / years : 0,
  };
}
