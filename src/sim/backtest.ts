/**
 * `npm run backtest`'s engine (the Hardhat task in tasks/backtest.ts only parses flags and prints):
 * builds a price path (generated or from CSV) and, with a flows CSV, its depositors' entries and
 * exits; runs every policy on that same path, and writes the reports (HTML with SVG charts, SVGs
 * alone, JSON, CSV). The band sweep is src/sim/sweep.ts.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { loadCsvPath, loadFlowsCsv } from "./csv";
import type { Flow } from "./csv";
import { checkInteger, checkNumber, SimError } from "./errors";
import { flowFloor } from "./flows";
import { MEASURED_GAS, SimMarket } from "./market";
import type { MarketModel, PoolModel } from "./market";
import { generatePath, YEAR_SECONDS } from "./paths";
import type { AssetModel, PathModel, PricePath } from "./paths";
import {
  DEFAULT_POLICIES,
  presetPolicy,
  RECOMMENDED_GATE,
  RECOMMENDED_MOVE_BREAKER,
  RECOMMENDED_REWARD,
} from "./policies";
import type { PolicySpec } from "./policies";
import { frontierSvg, htmlReport, navSvg, TABLE_COLUMNS, tableRow } from "./report";
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
  /** Depositors' flows CSV (format in src/sim/csv.ts), applied to the vault policies' balances. */
  flowsCsv?: string;
  /** Flows already in memory; take precedence over `flowsCsv`. */
  flows?: readonly Flow[];
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

export function pathModel(o: BacktestOptions): PathModel {
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

/** The backtest's depositors' flows: those given, or the flows CSV's, or none. */
export function buildFlows(o: BacktestOptions): readonly Flow[] | undefined {
  if (o.flows) return o.flows;
  return o.flowsCsv ? loadFlowsCsv(o.flowsCsv) : undefined;
}

/** The backtest's price path: from the CSV when given, else generated. */
export function buildPath(o: BacktestOptions): PricePath {
  if (o.path) return o.path;
  if (o.csv) return loadCsvPath(o.csv);
  return generatePath(pathModel(o), o.seed ?? 1);
}

export function marketOf(o: BacktestOptions): MarketModel {
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

/** The flows line of a backtest's description: how many, and the net in the base asset. */
function flowsLine(flows: readonly Flow[], file: string | undefined): string {
  const net = flows.reduce((sum, f) => sum + (f.kind === "deposit" || f.kind === "mint" ? 1 : -1) * f.value, 0);
  const charged = flows.reduce((sum, f) => sum + f.charge, 0);
  return (
    `${flows.length} depositors' flows${file ? ` from ${path.basename(file)}` : ""}, ` +
    `net ${net >= 0 ? "+" : "-"}${Math.abs(Math.round(net)).toLocaleString("en-US")} and charged ` +
    `${Math.round(charged).toLocaleString("en-US")} in the base asset`
  );
}

/** The floor line of a backtest's description: the pool cost of investing the net flow once (src/sim/flows.ts). */
function floorLine(
  flows: readonly Flow[],
  path: PricePath,
  market: MarketModel,
  targetsBps: readonly number[],
  meanNavUsd: number,
): string {
  // Split as the deposits came: one trade each, as a keeper could at best.
  const deposits = flows.filter((f) => f.kind === "deposit" || f.kind === "mint").length;
  const floor = flowFloor(flows, path, new SimMarket(market, path), targetsBps, deposits);
  const bp = (usd: number) => ((usd / meanNavUsd) * 10_000).toFixed(2);
  return (
    `investing the net base flow ($${Math.round(floor.netUsd).toLocaleString("en-US")}) at the targets costs ` +
    `fees ${bp(floor.feesUsd)} bp of the mean NAV over the run, impact ${bp(floor.impactOneTradeUsd)} bp in one trade, ` +
    `${bp(floor.impactSplitUsd)} bp in ${floor.pieces} (one a deposit)`
  );
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
export function speedLine(runs: number, steps: number, ms: number): string {
  const rate = ms > 0 ? `${Math.round(steps / (ms / 1000)).toLocaleString("en-US")} steps/s` : "under 1 ms";
  return `${steps.toLocaleString("en-US")} steps simulated (${runs} runs) in ${(ms / 1000).toFixed(2)} s: ${rate}`;
}

/** What every policy of a run shares: its path, targets, NAV, market and depositors' flows. */
export interface RunSetting {
  path: PricePath;
  targetsBps: readonly number[];
  navUsd: number;
  market: MarketModel;
  flows: readonly Flow[] | undefined;
}

/** `policy` simulated on `setting`, from the options' initial weights (the backtest's and the sweep's runs). */
export function simulateOn(
  o: BacktestOptions,
  setting: RunSetting,
  policy: PolicySpec,
  onProgress: ((fraction: number) => void) | undefined,
): SimResult {
  const { flows, ...shared } = setting;
  return simulate({
    ...shared,
    policy,
    ...(o.initialWeightsBps ? { initialWeightsBps: o.initialWeightsBps } : {}),
    ...(flows ? { flows } : {}),
    onProgress,
  });
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
  const flows = buildFlows(o);
  const results = policies.map((policy, k) =>
    simulateOn(
      o,
      { path, targetsBps, navUsd, market, flows },
      policy,
      progress && ((f) => progress(policy.name, k, policies.length, f)),
    ),
  );
  const years = (path.times[path.steps - 1] - path.times[0]) / YEAR_SECONDS;
  const description: [string, string][] = [
    ["prices", o.csv || o.path ? `CSV ${path.source}` : `${path.source}, correlation ${o.correlation ?? 0.6}`],
    ["assets", path.symbols.map((s, i) => `${s} ${(targetsBps[i] / 100).toFixed(2)}%`).join(", ")],
    ["span", `${years.toFixed(2)} years, ${path.steps.toLocaleString("en-US")} steps`],
    ...(flows
      ? [
          ["flows", flowsLine(flows, o.flowsCsv)] as [string, string],
          [
            "flows' floor",
            floorLine(flows, path, market, targetsBps, results[0]?.runningCost.meanNavUsd ?? navUsd),
          ] as [string, string],
        ]
      : []),
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
