/**
 * `npm run backtest`'s engine (the Hardhat task in tasks/backtest.ts only parses flags and prints):
 * builds a price path (generated or from CSV), runs every policy on that same path, sweeps bands
 * for a recommendation, and writes the reports (HTML with SVG charts, SVGs alone, JSON, CSV).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { loadCsvPath } from "./csv";
import { checkInteger, checkNumber, SimError } from "./errors";
import { correlationMatrix } from "./linalg";
import { MEASURED_GAS } from "./market";
import type { MarketModel, PoolModel } from "./market";
import { generatePath, YEAR_SECONDS } from "./paths";
import type { AssetModel, PathModel, PricePath } from "./paths";
import {
  DEFAULT_POLICIES,
  edgeBand,
  presetPolicy,
  RECOMMENDED_GATE,
  RECOMMENDED_MOVE_BREAKER,
  RECOMMENDED_REWARD,
} from "./policies";
import type { PolicySpec } from "./policies";
import { formatTable, frontierSvg, htmlReport, navSvg, TABLE_COLUMNS, tableRow } from "./report";
import type { FrontierPoint } from "./report";
import { RUNNING_COST_COLUMNS, runningCostRows } from "./runningCost";
import { simulate } from "./simulate";
import type { SimResult } from "./simulate";

/** Assets of generated paths, in order: the local market's tokens first, then other majors. */
export const ASSET_CATALOG: readonly AssetModel[] = [
  { symbol: "WETH", priceUsd: 3000, volatility: 0.7 },
  { symbol: "WBTC", priceUsd: 60000, volatility: 0.55 },
  { symbol: "LINK", priceUsd: 15, volatility: 0.9 },
  { symbol: "UNI", priceUsd: 8, volatility: 0.95 },
  { symbol: "AAVE", priceUsd: 150, volatility: 0.95 },
  { symbol: "CRV", priceUsd: 0.5, volatility: 1.1 },
  { symbol: "MKR", priceUsd: 1500, volatility: 0.85 },
  { symbol: "SOL", priceUsd: 150, volatility: 0.9 },
  { symbol: "ARB", priceUsd: 1, volatility: 1.0 },
  { symbol: "OP", priceUsd: 2, volatility: 1.0 },
  { symbol: "LDO", priceUsd: 2, volatility: 1.05 },
  { symbol: "SNX", priceUsd: 3, volatility: 1.1 },
  { symbol: "COMP", priceUsd: 50, volatility: 0.9 },
  { symbol: "GMX", priceUsd: 30, volatility: 0.95 },
  { symbol: "RPL", priceUsd: 20, volatility: 1.0 },
];

/** Price models of generated paths. */
export const PATH_MODELS = ["gbm", "jumps", "regimes", "jumps+regimes"] as const;
export type PathModelName = (typeof PATH_MODELS)[number];

export interface BacktestOptions {
  /** Number of assets besides the base (from ASSET_CATALOG) or their symbols; default 3. Ignored with `csv`. */
  assets?: number | readonly string[];
  /** Target weights, bps, base first; default 5% base and the rest split equally. */
  weightsBps?: readonly number[];
  years?: number;
  stepSeconds?: number;
  seed?: number | string;
  model?: PathModelName;
  /** Annualised volatility of every asset (overrides the catalog's). */
  volatility?: number;
  /** Correlation between every pair of assets; default 0.6. */
  correlation?: number;
  /** Historical prices instead of a generated path (format in src/sim/csv.ts). */
  csv?: string;
  /** A path already in memory (e.g. parsed from CSV text); takes precedence over `csv` and the generator. */
  path?: PricePath;
  /** Policy preset names (src/sim/policies.ts); default DEFAULT_POLICIES. */
  policies?: readonly string[];
  navUsd?: number;
  /** Fee tier of every pool, pips; default 3000. */
  feePips?: number;
  /** USD depth of every pool; default $20M. */
  depthUsd?: number;
  baseFeeGwei?: number;
  /** Turns the vault's cost-efficiency gate on (RECOMMENDED_COSTS). */
  gate?: boolean;
  /** The vault pays the keeper src/vault's recommended reward (gas + 20%, capped) instead of its bare gas. */
  reward?: boolean;
  /** The circuit breakers on (src/vault's RECOMMENDED_BREAKERS: a crash halts trading; their checks cost gas). */
  breakers?: boolean;
  /** Liquidity providers re-centre their ranges (default true). */
  recenter?: boolean;
  /**
   * Liquidity providers re-centre a pool's positions, at their value then, once its price has moved
   * this fraction from their centre (`npm start`'s: 0.1); see MarketModel.recenterThreshold.
   */
  recenterThreshold?: number;
  /** Pools of their own (fee tier and depth per pair); other pairs get `feePips` and `depthUsd`. */
  pools?: readonly PoolModel[];
  /** Routes to the base by asset symbol (`{ WBTC: ["WBTC", "WETH", "USDC"] }`); default direct. */
  routes?: Readonly<Record<string, readonly string[]>>;
  /** Weights of the initial holdings, bps, base first; default the targets. */
  initialWeightsBps?: readonly number[];
}

/** Progress of a run: which policy (or sweep run), how many, and the fraction of the current one. */
export type Progress = (label: string, index: number, total: number, fraction: number) => void;

export interface BacktestRun {
  path: PricePath;
  targetsBps: number[];
  market: MarketModel;
  navUsd: number;
  policies: PolicySpec[];
  results: SimResult[];
  /** Parameters of the path (for reports). */
  description: [string, string][];
}

/** Equal weights after a 5% base (remainder bps to the first asset). */
export function defaultWeights(assets: number): number[] {
  const each = Math.floor(9_500 / assets);
  const weights = [500, ...new Array<number>(assets).fill(each)];
  weights[1] += 9_500 - each * assets;
  return weights;
}

function pathModel(o: BacktestOptions): PathModel {
  const spec = o.assets ?? 3;
  let assets: AssetModel[];
  if (typeof spec === "number") {
    checkInteger("assets", spec, 1, ASSET_CATALOG.length);
    assets = ASSET_CATALOG.slice(0, spec).map((a) => ({ ...a }));
  } else {
    assets = spec.map((symbol) => {
      const known = ASSET_CATALOG.find((a) => a.symbol === symbol);
      if (!known)
        throw new SimError(
          `asset ${symbol}: not in the catalog (${ASSET_CATALOG.map((a) => a.symbol).join(", ")}); use --csv for others`,
        );
      return { ...known };
    });
  }
  if (o.volatility !== undefined) {
    checkNumber("volatility", o.volatility, 0, 10);
    for (const a of assets) a.volatility = o.volatility;
  }
  const model = o.model ?? "gbm";
  if (!PATH_MODELS.includes(model)) throw new SimError(`model ${model}: expected one of ${PATH_MODELS.join(", ")}`);
  const m: PathModel = {
    assets,
    correlation: o.correlation ?? 0.6,
    years: o.years ?? 1,
    stepSeconds: o.stepSeconds ?? 60,
  };
  // Crypto-like defaults: about ten 1-2% jumps a year per asset, and a stressed regime a couple of
  // times a year lasting about a month, with 2.5x the volatility, a -50% drift and correlation 0.9.
  if (model.includes("jumps")) m.jumps = { intensityPerYear: 10, meanLog: -0.01, volLog: 0.05 };
  if (model.includes("regimes")) {
    m.regimes = {
      toStressedPerYear: 2,
      toCalmPerYear: 12,
      stressedVolMultiplier: 2.5,
      stressedDriftShift: -0.5,
      stressedCorrelation: 0.9,
    };
  }
  return m;
}

/** The backtest's price path: from the CSV when given, else generated. */
export function buildPath(o: BacktestOptions): PricePath {
  if (o.path) return o.path;
  if (o.csv) return loadCsvPath(o.csv);
  return generatePath(pathModel(o), o.seed ?? 1);
}

function marketOf(o: BacktestOptions): MarketModel {
  return {
    feePips: o.feePips ?? 3_000,
    depthUsd: o.depthUsd ?? 20e6,
    recenter: o.recenter ?? true,
    ...(o.recenterThreshold !== undefined ? { recenterThreshold: o.recenterThreshold } : {}),
    gas: { baseFeeGwei: o.baseFeeGwei ?? 20 },
    ...(o.pools ? { pools: o.pools } : {}),
    ...(o.routes ? { routes: o.routes } : {}),
  };
}

/** The pools line of a backtest's description. */
function poolsLine(market: MarketModel): string {
  const listed = (market.pools ?? []).map(
    (p) => `${p.tokenA}/${p.tokenB} ${p.feePips / 10_000}% $${(p.depthUsd / 1e6).toFixed(1)}M`,
  );
  const routes = Object.values(market.routes ?? {}).map((r) => r.join(" -> "));
  return [
    ...listed,
    `others fee ${(market.feePips ?? 3000) / 10_000}%, depth $${((market.depthUsd ?? 20e6) / 1e6).toFixed(1)}M each`,
    "shape +-10%/+-50%/full",
    market.recenterThreshold !== undefined
      ? `LPs re-centre at the value they hold past a ${(market.recenterThreshold * 100).toFixed(0)}% move`
      : market.recenter === false
        ? "LPs never re-centre"
        : "LPs re-centre at full depth before each rebalance",
    ...(routes.length > 0 ? [`routes ${routes.join(", ")}`] : []),
  ].join("; ");
}

/** Mean annualised volatility of the path's assets in the base, bps (the vol-adjusted presets' reference). */
function meanVolBps(p: PricePath): number {
  let total = 0;
  for (let i = 1; i < p.width; i++) {
    let sum = 0;
    for (let t = 1; t < p.steps; t++) {
      const r = Math.log(
        p.prices[t * p.width + i] /
          p.prices[t * p.width] /
          (p.prices[(t - 1) * p.width + i] / p.prices[(t - 1) * p.width]),
      );
      sum += r * r;
    }
    total += Math.sqrt(sum / ((p.times[p.steps - 1] - p.times[0]) / YEAR_SECONDS));
  }
  return Math.max(100, Math.min(50_000, (total / (p.width - 1)) * 10_000));
}

/**
 * The simulation loop's own speed, for reports: `runs` simulations totalling `steps` path rows took
 * `ms`. Path generation and report writing are excluded, so the figure is the simulator's alone,
 * comparable with bench/sim.ts's "simulation" time.
 */
function speedLine(runs: number, steps: number, ms: number): string {
  const rate = ms > 0 ? `${Math.round(steps / (ms / 1000)).toLocaleString("en-US")} steps/s` : "under 1 ms";
  return `${steps.toLocaleString("en-US")} steps simulated (${runs} runs) in ${(ms / 1000).toFixed(2)} s: ${rate}`;
}

/** Runs every policy of `o` on one path. */
export function runBacktest(o: BacktestOptions, progress?: Progress): BacktestRun {
  const path = buildPath(o);
  const targetsBps = [...(o.weightsBps ?? defaultWeights(path.width - 1))];
  const navUsd = checkNumber("nav", o.navUsd ?? 1_000_000, 1, 1e13);
  const market = marketOf(o);
  const ctx = {
    assets: path.width,
    referenceVolBps: meanVolBps(path),
    costs: o.gate
      ? { benefitPerBpWad: RECOMMENDED_GATE.benefitPerBpWad, maxCostRatioBps: RECOMMENDED_GATE.maxCostRatioBps }
      : undefined,
    reward: o.reward ? { ...RECOMMENDED_REWARD } : undefined,
    breakers: o.breakers ? { ...RECOMMENDED_MOVE_BREAKER } : undefined,
  };
  const names = o.policies ?? DEFAULT_POLICIES;
  if (names.length === 0) throw new SimError("policies: at least one");
  const policies = names.map((name) => presetPolicy(name, ctx));
  const results = policies.map((policy, k) =>
    simulate({
      path,
      targetsBps,
      navUsd,
      market,
      policy,
      ...(o.initialWeightsBps ? { initialWeightsBps: o.initialWeightsBps } : {}),
      onProgress: progress && ((f) => progress(policy.name, k, policies.length, f)),
    }),
  );
  const years = (path.times[path.steps - 1] - path.times[0]) / YEAR_SECONDS;
  const description: [string, string][] = [
    ["prices", o.csv || o.path ? `CSV ${path.source}` : `${path.source}, correlation ${o.correlation ?? 0.6}`],
    ["assets", path.symbols.map((s, i) => `${s} ${(targetsBps[i] / 100).toFixed(2)}%`).join(", ")],
    ["span", `${years.toFixed(2)} years, ${path.steps.toLocaleString("en-US")} steps`],
    ["NAV", `$${navUsd.toLocaleString("en-US")}`],
    ["pools", poolsLine(market)],
    [
      "gas",
      `${market.gas?.baseFeeGwei ?? 20} gwei, the contracts' gas as the bench measured it: ` +
        `${(MEASURED_GAS.fixed / 1e3).toFixed(0)}k + ${(MEASURED_GAS.perAsset / 1e3).toFixed(0)}k per asset + ` +
        `${(MEASURED_GAS.perLeg / 1e3).toFixed(0)}k per leg + ${(MEASURED_GAS.perHop / 1e3).toFixed(0)}k per hop`,
    ],
    ["cost gate", o.gate ? "on (RECOMMENDED_COSTS)" : "off"],
    ["keeper", o.reward ? "paid the recommended reward (gas + 20%, capped)" : "paid its gas"],
    ["breakers", o.breakers ? "on (RECOMMENDED_BREAKERS: a 20% move within an hour halts trading)" : "off"],
    ["vol reference", `${(ctx.referenceVolBps / 100).toFixed(1)}% (vol-T presets)`],
    [
      "speed",
      speedLine(
        results.length,
        results.reduce((sum, r) => sum + r.steps, 0),
        results.reduce((sum, r) => sum + r.elapsedMs, 0),
      ),
    ],
  ];
  return { path, targetsBps, market, navUsd, policies, results, description };
}

// --- Sweep ------------------------------------------------------------------------------------

export interface SweepOptions extends BacktestOptions {
  /** Trigger bands to try, bps; default 25 .. 1200. */
  bandsBps?: readonly number[];
  /** Independent paths averaged per band; default 3 (1 with a CSV, whose every "path" is the same file). */
  seeds?: number;
  /**
   * What a year of 1% RMS tracking error is worth avoiding, in bps of NAV (default 10): the
   * objective is cost + teCostBps x (TE / 1%)^2, a quadratic penalty as in mean-variance tracking.
   */
  teCostBps?: number;
}

export interface SweepRow {
  mode: "edge" | "full";
  triggerBps: number;
  targetBps: number;
  trackingErrorBps: number;
  costBpsPerYear: number;
  turnoverPerYear: number;
  rebalancesPerYear: number;
  /** cost + teCostBps (TE / 100 bps)^2, bps a year. */
  objectiveBps: number;
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
  const seeds = checkInteger("seeds", o.seeds ?? (o.csv ? 1 : 3), 1, 100);
  const teCostBps = checkNumber("teCostBps", o.teCostBps ?? 10, 0, 1e6);
  const navUsd = checkNumber("nav", o.navUsd ?? 1_000_000, 1, 1e13);
  const market = marketOf(o);
  const model = o.csv ? undefined : pathModel({ ...o, stepSeconds: o.stepSeconds ?? 300 });
  const total = seeds * bands.length * 2;
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
    for (const mode of ["edge", "full"] as const) {
      for (const trigger of bands) {
        const target = mode === "full" ? 0 : Math.min(edgeBand(trigger, path.width), trigger - 1);
        const policy: PolicySpec = {
          kind: "vault",
          name: `${mode}-${trigger}`,
          triggerBandBps: trigger,
          targetBandBps: target,
          cooldown: 600,
          ...(o.gate ? { costs: { ...RECOMMENDED_GATE } } : {}),
        };
        const r = simulate({
          path,
          targetsBps,
          navUsd,
          market,
          policy,
          onProgress: progress && ((f) => progress(policy.name, done, total, f)),
        });
        done++;
        simulatedSteps += r.steps;
        simulateMs += r.elapsedMs;
        // Theory prices proportional costs only: gas, a fixed cost per rebalance, is left out of c.
        costSum += r.costs.feesUsd + r.costs.impactUsd;
        tradedSum += r.tradedUsd;
        const key = `${mode}-${trigger}`;
        const row = acc.get(key) ?? {
          mode,
          triggerBps: trigger,
          targetBps: target,
          trackingErrorBps: 0,
          costBpsPerYear: 0,
          turnoverPerYear: 0,
          rebalancesPerYear: 0,
          objectiveBps: 0,
        };
        row.trackingErrorBps += r.trackingVariance / seeds; // averaged as a variance, rooted below
        row.costBpsPerYear += r.costBpsPerYear / seeds;
        row.turnoverPerYear += r.turnoverPerYear / seeds;
        row.rebalancesPerYear += r.rebalances / r.years / seeds;
        acc.set(key, row);
      }
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

export const SWEEP_COLUMNS = [
  "band",
  "trigger",
  "target",
  "TE bps",
  "cost bps/yr",
  "turnover/yr",
  "rebal/yr",
  "objective",
] as const;

export function sweepTableRows(s: SweepResult): string[][] {
  return s.rows.map((r) => [
    `${r.mode}-${r.triggerBps}${r === s.recommended ? " *" : ""}`,
    String(r.triggerBps),
    String(r.targetBps),
    r.trackingErrorBps.toFixed(1),
    r.costBpsPerYear.toFixed(1),
    `${r.turnoverPerYear.toFixed(2)}x`,
    r.rebalancesPerYear.toFixed(0),
    r.objectiveBps.toFixed(1),
  ]);
}

export function sweepSummary(s: SweepResult): string {
  const r = s.recommended;
  const t = s.theory;
  return [
    `recommended: ${r.mode}-${r.triggerBps} (triggerBandBps ${r.triggerBps}, targetBandBps ${r.targetBps}): ` +
      `TE ${r.trackingErrorBps.toFixed(0)} bps, cost ${r.costBpsPerYear.toFixed(1)} bps/yr, objective ${r.objectiveBps.toFixed(1)} bps/yr`,
    `theory (continuous, proportional cost (fees + impact) c = ${(t.costPerTurnover * 10_000).toFixed(1)} bps per unit turnover, weight vol sqrt(sum s_i^2) = ${(t.weightVolatility * 100).toFixed(1)}%): ` +
      `T* = ${Number.isFinite(t.edgeTriggerBps) ? t.edgeTriggerBps.toFixed(0) : "n/a"} bps band-edge, ${Number.isFinite(t.fullTriggerBps) ? t.fullTriggerBps.toFixed(0) : "n/a"} bps full`,
  ].join("\n");
}

/** Writes `backtest.html`, the three SVGs (frontier, NAV, NAV relative to buy-and-hold), `backtest.json` and `backtest.csv` to `outDir`; returns the files. */
export function writeBacktestReport(run: BacktestRun, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const points: FrontierPoint[] = run.results.map((r) => ({
    label: r.policy,
    trackingErrorBps: r.trackingErrorBps,
    costBpsPerYear: r.costBpsPerYear,
  }));
  const frontier = frontierSvg(points);
  const nav = navSvg(run.results);
  const relative = navSvg(run.results, true);
  const files = {
    "backtest.html": htmlReport(
      "Ballast backtest",
      run.description,
      [
        {
          caption: "Results (costs in USD over the run; cost bps/yr of mean NAV)",
          header: TABLE_COLUMNS,
          rows: run.results.map(tableRow),
        },
        {
          caption: "Running cost (bp of mean NAV a year; the premium against buy-and-hold net of costs)",
          header: RUNNING_COST_COLUMNS,
          rows: runningCostRows(
            run.results.map((r) => [r.policy, r.runningCost] as const),
            "year",
          ),
        },
      ],
      [frontier, nav, relative],
      [
        "excess/yr: ln(NAV / buy-and-hold NAV) per year, the rebalancing premium net of costs. TE: RMS deviation of the non-base weights from target. " +
          "Turnover: value traded in non-base assets over NAV, per year. An AMM's fees are income (negative) and its LVR is its loss to arbitrageurs before fees.",
      ],
    ),
    "frontier.svg": frontier,
    "nav.svg": nav,
    "nav-vs-hold.svg": relative,
    "backtest.json": JSON.stringify(
      {
        description: Object.fromEntries(run.description),
        results: run.results.map(({ series: _series, ...r }) => r),
      },
      null,
      2,
    ),
    "backtest.csv":
      [
        TABLE_COLUMNS.join(","),
        ...run.results.map((r) =>
          tableRow(r)
            .map((c) => c.replace(/,/g, ""))
            .join(","),
        ),
      ].join("\n") + "\n",
  };
  return Object.entries(files).map(([name, text]) => {
    const file = path.join(outDir, name);
    writeFileSync(file, text);
    return file;
  });
}

/** Writes `sweep.html`, `sweep.svg` and `sweep.json` to `outDir`; returns the files. */
export function writeSweepReport(s: SweepResult, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const svg = frontierSvg(
    s.rows.map((r) => ({
      label: `${r.mode}-${r.triggerBps}`,
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
