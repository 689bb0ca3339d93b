/**
 * `npm run backtest -- --sweep`: tries trigger bands (band-edge and full) on generated paths or on
 * one CSV path (with its depositors' flows, if any), recommends the band of least cost plus
 * priced tracking error, and writes the sweep's reports. The paths, market and options are
 * src/sim/backtest.ts's.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { buildFlows, buildPath, defaultWeights, marketOf, pathModel, simulateOn, speedLine } from "./backtest";
import type { BacktestOptions, Progress } from "./backtest";
import { checkInteger, checkNumber } from "./errors";
import { correlationMatrix } from "./linalg";
import { generatePath } from "./paths";
import { DEFAULT_COOLDOWN, edgeBand, RECOMMENDED_GATE, RECOMMENDED_MOVE_BREAKER, RECOMMENDED_REWARD } from "./policies";
import type { PolicySpec } from "./policies";
import { formatTable, frontierSvg, htmlReport } from "./report";
import { totals } from "./runningCost";

export interface SweepOptions extends BacktestOptions {
  /** Trigger bands to try, bps; default 25 .. 1200. */
  bandsBps?: readonly number[];
  /**
   * Target bands to try with each trigger band besides band-edge and full (the vault's
   * `vault-T-B`), bps; those not below the trigger are skipped. Default none.
   */
  targetBandsBps?: readonly number[];
  /** Independent paths averaged per band; default 3 (1 with a CSV, whose every "path" is the same file). */
  seeds?: number;
  /**
   * What a year of 1% RMS tracking error is worth avoiding, in bps of NAV (default 10): the
   * objective is cost + teCostBps x (TE / 1%)^2, a quadratic penalty as in mean-variance tracking.
   */
  teCostBps?: number;
}

export interface SweepRow {
  /** Band-edge (the widest target band), full (target 0), or a target band of its own. */
  mode: "edge" | "full" | "band";
  triggerBps: number;
  targetBps: number;
  trackingErrorBps: number;
  costBpsPerYear: number;
  turnoverPerYear: number;
  rebalancesPerYear: number;
  /** cost + teCostBps (TE / 100 bps)^2, bps a year. */
  objectiveBps: number;
  /**
   * The running cost (src/sim/runningCost.ts: the keeper's gas and the trading), and its parts, in
   * bp of the mean NAV over the run (not per year: a CSV's run is as long as its file), mean of
   * the paths; and the legs (swaps) per rebalance.
   */
  running: { runBps: number; feesBps: number; impactBps: number; gasBps: number; legs: number };
}

export interface SweepResult {
  rows: SweepRow[];
  recommended: SweepRow;
  teCostBps: number;
  /** The continuous-time optimum of the same objective: T* = (6 c s^2 / (kappa (1 + b)(1 + b^2)))^(1/3). */
  theory: { weightVolatility: number; costPerTurnover: number; edgeTriggerBps: number; fullTriggerBps: number };
  description: [string, string][];
}

export const DEFAULT_SWEEP_BANDS = [25, 50, 75, 100, 150, 200, 300, 400, 600, 800, 1200] as const;

/**
 * Tries each trigger band, band-edge (widest target band) and full, on `seeds` paths, and
 * recommends the one of least mean objective. See docs/simulator.md for the rule.
 */
export function runSweep(o: SweepOptions, progress?: Progress): SweepResult {
  const bands = [...(o.bandsBps ?? DEFAULT_SWEEP_BANDS)];
  for (const b of bands) checkInteger("sweep band", b, 2, 5_000);
  const seeds = checkInteger("seeds", o.seeds ?? (o.csv || o.path ? 1 : 3), 1, 100);
  const teCostBps = checkNumber("teCostBps", o.teCostBps ?? 10, 0, 1e6);
  const navUsd = checkNumber("nav", o.navUsd ?? 1_000_000, 1, 1e13);
  const market = marketOf(o);
  const model = o.csv || o.path ? undefined : pathModel({ ...o, stepSeconds: o.stepSeconds ?? 300 });
  const flows = buildFlows(o);
  const targetBands = [...(o.targetBandsBps ?? [])];
  for (const b of targetBands) checkInteger("sweep target band", b, 0, 4_999);
  // Each run's mode, trigger and target band: band-edge and full for every trigger, then the targets.
  const cells = (width: number): ["edge" | "full" | "band", number, number][] => [
    ...bands.map((t): ["edge", number, number] => ["edge", t, Math.min(edgeBand(t, width), t - 1)]),
    ...bands.map((t): ["full", number, number] => ["full", t, 0]),
    ...bands.flatMap((t) => targetBands.filter((b) => b < t).map((b): ["band", number, number] => ["band", t, b])),
  ];
  const total = seeds * bands.reduce((sum, t) => sum + 2 + targetBands.filter((b) => b < t).length, 0);
  const acc = new Map<string, SweepRow>();
  let done = 0;
  let simulatedSteps = 0;
  let simulateMs = 0;
  let costSum = 0;
  let tradedSum = 0;
  let width = 0;
  for (let s = 0; s < seeds; s++) {
    const path = model ? generatePath(model, `${o.seed ?? 1}/${s}`) : buildPath(o);
    width = path.width;
    const targetsBps = [...(o.weightsBps ?? defaultWeights(path.width - 1))];
    for (const [mode, trigger, target] of cells(path.width)) {
      const name = mode === "band" ? `vault-${trigger}-${target}` : `${mode}-${trigger}`;
      // The backtest's vault-T-B with the same options (src/sim/policies.ts presetPolicy).
      const policy: PolicySpec = {
        kind: "vault",
        name,
        triggerBandBps: trigger,
        targetBandBps: target,
        cooldown: DEFAULT_COOLDOWN,
        ...(o.gate ? { costs: { ...RECOMMENDED_GATE } } : {}),
        ...(o.reward ? { reward: { ...RECOMMENDED_REWARD } } : {}),
        ...(o.breakers ? { breakers: { ...RECOMMENDED_MOVE_BREAKER } } : {}),
      };
      const r = simulateOn(
        o,
        { path, targetsBps, navUsd, market, flows },
        policy,
        progress && ((f) => progress(policy.name, done, total, f)),
      );
      done++;
      simulatedSteps += r.steps;
      simulateMs += r.elapsedMs;
      // Theory prices proportional costs only: gas, a fixed cost per rebalance, is left out of c.
      costSum += r.costs.feesUsd + r.costs.impactUsd;
      tradedSum += r.tradedUsd;
      const row = acc.get(name) ?? {
        mode,
        triggerBps: trigger,
        targetBps: target,
        trackingErrorBps: 0,
        costBpsPerYear: 0,
        turnoverPerYear: 0,
        rebalancesPerYear: 0,
        objectiveBps: 0,
        running: { runBps: 0, feesBps: 0, impactBps: 0, gasBps: 0, legs: 0 },
      };
      const rc = r.runningCost;
      const bp = (usd: number) => (usd / rc.meanNavUsd / seeds) * 10_000;
      row.running.runBps += bp(totals(rc).runningUsd);
      row.running.feesBps += bp(rc.feesUsd);
      row.running.impactBps += bp(rc.impactUsd);
      row.running.gasBps += bp(rc.rebalanceGasUsd + rc.otherGasUsd);
      row.running.legs += (r.rebalances > 0 ? r.swaps / r.rebalances : 0) / seeds;
      row.trackingErrorBps += r.trackingVariance / seeds; // averaged as a variance, rooted below
      row.costBpsPerYear += r.costBpsPerYear / seeds;
      row.turnoverPerYear += r.turnoverPerYear / seeds;
      row.rebalancesPerYear += r.rebalances / r.years / seeds;
      acc.set(name, row);
    }
  }
  const rows = [...acc.values()].map((r) => {
    const te = Math.sqrt(r.trackingErrorBps) * 10_000;
    return { ...r, trackingErrorBps: te, objectiveBps: r.costBpsPerYear + teCostBps * (te / 100) ** 2 };
  });
  const recommended = rows.reduce((best, r) => (r.objectiveBps < best.objectiveBps ? r : best));

  // Theory: each asset's weight moves with volatility s_i = w_i sd(R_i - R_p) (the base is cash).
  // Turnover, hence cost, adds up over the assets while the band's tracking error does not depend
  // on s_i: the optimum follows the sum of the s_i^2, not their mean.
  const c = tradedSum > 0 ? costSum / tradedSum : 0;
  const weights = (o.weightsBps ?? defaultWeights(width - 1)).map((x) => x / 10_000);
  let s2 = 0;
  if (model) {
    const vols = model.assets.map((a) => a.volatility);
    const corr = correlationMatrix(model.correlation, vols.length);
    const cov = (i: number, j: number) => corr[i][j] * vols[i] * vols[j];
    let varP = 0;
    for (let i = 0; i < vols.length; i++)
      for (let j = 0; j < vols.length; j++) varP += weights[i + 1] * weights[j + 1] * cov(i, j);
    for (let i = 0; i < vols.length; i++) {
      let covIP = 0;
      for (let j = 0; j < vols.length; j++) covIP += weights[j + 1] * cov(i, j);
      s2 += weights[i + 1] ** 2 * (vols[i] ** 2 - 2 * covIP + varP);
    }
  }
  const kappa = 2 * teCostBps;
  const beta = 1 / (2 * (width - 1));
  const tStar = (b: number) =>
    kappa > 0 && s2 > 0 ? Math.cbrt((6 * c * s2) / (kappa * (1 + b) * (1 + b * b))) * 10_000 : NaN;
  const description: [string, string][] = [
    [
      "prices",
      o.csv
        ? `CSV ${o.csv}`
        : `${o.model ?? "gbm"}, ${seeds} paths of ${model?.years ?? 1} year${(model?.years ?? 1) === 1 ? "" : "s"} at ${model?.stepSeconds ?? 300} s steps`,
    ],
    ["volatility", o.volatility !== undefined ? `${(o.volatility * 100).toFixed(0)}% for every asset` : "catalog"],
    ["fee tier", `${(market.feePips ?? 3000) / 10_000}%`],
    ["TE price", `${teCostBps} bps a year for 1% RMS tracking error`],
    ["speed", speedLine(total, simulatedSteps, simulateMs)],
  ];
  return {
    rows,
    recommended,
    teCostBps,
    theory: {
      weightVolatility: Math.sqrt(s2),
      costPerTurnover: c,
      edgeTriggerBps: tStar(beta),
      fullTriggerBps: tStar(0),
    },
    description,
  };
}

// --- Reports ----------------------------------------------------------------------------------

/** A sweep row's policy name, as `npm run backtest -- --policies` takes it. */
export function sweepRowName(r: SweepRow): string {
  return r.mode === "band" ? `vault-${r.triggerBps}-${r.targetBps}` : `${r.mode}-${r.triggerBps}`;
}

export const SWEEP_COLUMNS = [
  "band",
  "trigger",
  "target",
  "TE bps",
  "cost bps/yr",
  "turnover/yr",
  "rebal/yr",
  "objective",
  "running bp/run",
  "fees",
  "impact",
  "gas",
  "legs/rebal",
] as const;

export function sweepTableRows(s: SweepResult): string[][] {
  return s.rows.map((r) => [
    `${sweepRowName(r)}${r === s.recommended ? " *" : ""}`,
    String(r.triggerBps),
    String(r.targetBps),
    r.trackingErrorBps.toFixed(1),
    r.costBpsPerYear.toFixed(1),
    `${r.turnoverPerYear.toFixed(2)}x`,
    r.rebalancesPerYear.toFixed(0),
    r.objectiveBps.toFixed(1),
    r.running.runBps.toFixed(1),
    r.running.feesBps.toFixed(1),
    r.running.impactBps.toFixed(1),
    r.running.gasBps.toFixed(1),
    r.running.legs.toFixed(2),
  ]);
}

export function sweepSummary(s: SweepResult): string {
  const r = s.recommended;
  const t = s.theory;
  return [
    `recommended: ${sweepRowName(r)} (triggerBandBps ${r.triggerBps}, targetBandBps ${r.targetBps}): ` +
      `TE ${r.trackingErrorBps.toFixed(0)} bps, cost ${r.costBpsPerYear.toFixed(1)} bps/yr, objective ${r.objectiveBps.toFixed(1)} bps/yr`,
    `theory (continuous, proportional cost (fees + impact) c = ${(t.costPerTurnover * 10_000).toFixed(1)} bps per unit turnover, weight vol sqrt(sum s_i^2) = ${(t.weightVolatility * 100).toFixed(1)}%): ` +
      `T* = ${Number.isFinite(t.edgeTriggerBps) ? t.edgeTriggerBps.toFixed(0) : "n/a"} bps band-edge, ${Number.isFinite(t.fullTriggerBps) ? t.fullTriggerBps.toFixed(0) : "n/a"} bps full`,
  ].join("\n");
}

/** Writes `sweep.html`, `sweep.svg` and `sweep.json` to `outDir`; returns the files. */
export function writeSweepReport(s: SweepResult, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const svg = frontierSvg(
    s.rows.map((r) => ({
      label: sweepRowName(r),
      trackingErrorBps: r.trackingErrorBps,
      costBpsPerYear: r.costBpsPerYear,
      highlight: r === s.recommended,
    })),
    "Band sweep: cost vs tracking error (red: recommended)",
  );
  const files = {
    "sweep.html": htmlReport(
      "Ballast band sweep",
      s.description,
      [{ caption: "Bands (* recommended)", header: SWEEP_COLUMNS, rows: sweepTableRows(s) }],
      [svg],
      sweepSummary(s).split("\n"),
    ),
    "sweep.svg": svg,
    "sweep.json": JSON.stringify(s, null, 2),
  };
  return Object.entries(files).map(([name, text]) => {
    const file = path.join(outDir, name);
    writeFileSync(file, text);
    return file;
  });
}

/** The terminal table of a sweep. */
export function sweepTable(s: SweepResult): string {
  return formatTable(SWEEP_COLUMNS, sweepTableRows(s));
}
