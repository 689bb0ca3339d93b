/**
 * `npm start`'s run replayed in the strategy lab (`npm run backtest`): the prices its feeds published
 * as a CSV in the lab's format, the backtest options (and command line) of the same vault on the
 * same market, and the lab's figures on that path, which the report prints next to the chain's
 * (issue 17: the same path gives the same running cost in both). Pure TypeScript: no chain.
 *
 * The depositors' flows go to the lab as a flows CSV (`--flows`): when each came, what it paid in
 * or took out, and what the vault charged it (src/sim/flows.ts applies them as the vault does).
 * What the lab does not have: the adversaries (compare a run with `--adversaries off`) and the
 * keeper bot's own plan (`--keeper-plan on`; the lab plans as the rebalancer does on chain). See
 * docs/simulator.md for the comparison.
 */
import path from "node:path";

import { DEFAULT_POOLS } from "../market/config";
import { runBacktest } from "../sim/backtest";
import type { BacktestOptions } from "../sim/backtest";
import { flowsToCsv, parseCsvPath, parseFlowsCsv } from "../sim/csv";
import type { Flow } from "../sim/csv";
import type { PoolModel } from "../sim/market";

import { basketOf, RECENTER_THRESHOLD } from "./scenarios";
import type { LabReplay, ScenarioReport } from "./types";

/** The prices the run's feeds published at each step (USD, 8 decimals), in the lab's CSV format. */
export function scenarioPricesCsv(report: ScenarioReport): string {
  const start = report.meta.startTime ?? 0;
  const stepSeconds = report.meta.options.stepHours * 3_600;
  const lines = [
    `# npm start --scenario ${report.meta.scenario} --seed ${report.meta.options.seed}: the feeds' prices at each step`,
    ["timestamp", ...report.basket.map((asset) => asset.symbol)].join(","),
  ];
  report.snapshots.forEach((snapshot, step) => {
    lines.push([String(start + step * stepSeconds), ...snapshot.prices.map(String)].join(","));
  });
  return `${lines.join("\n")}\n`;
}

/**
 * The run's depositors' flows after hour 0 (the opening deposits are the start's NAV), those the
 * vault refused left out, in the lab's terms: USDC amounts (the base, $1 in the scenario), the
 * shares' oracle value and what the vault charged.
 */
export function scenarioFlows(report: ScenarioReport): Flow[] {
  const start = report.meta.startTime ?? 0;
  return report.flows
    .filter((f) => f.hour >= 0 && f.error === undefined)
    .map((f) => ({
      time: Math.round(start + f.hour * 3_600),
      kind: f.kind,
      account: f.account,
      shares: f.shares,
      assets: f.usd,
      value: f.valueUsd,
      charge: f.chargeUsd,
    }));
}

/** {@link scenarioFlows} as the lab's flows CSV (`npm run backtest -- --flows`). */
export function scenarioFlowsCsv(report: ScenarioReport): string {
  return flowsToCsv(scenarioFlows(report), [
    `npm start --scenario ${report.meta.scenario} --seed ${report.meta.options.seed}: the depositors' flows after hour 0`,
    "amounts in USDC (assets: paid in or out, in kind the oracle value taken; value: the shares' worth at the",
    "oracle NAV before the flow; charge: what the vault kept, its entry/exit flow cost and fee); shares in shares",
  ]);
}

/**
 * The pools the scenario vault's routes trade through (the local market's, src/market/config.ts
 * DEFAULT_POOLS: fee tier and depth), and its multi-hop routes, as the lab's market takes them. An
 * asset without a route trades in the deepest of its pools against the base, as deployVault picks.
 */
export function scenarioMarket(assets: number): { pools: PoolModel[]; routes: Record<string, string[]> } {
  const basket = basketOf(assets);
  const base = basket[0].symbol;
  const pools = new Map<string, PoolModel>();
  const routes: Record<string, string[]> = {};
  const pairOf = (a: string, b: string) => [a, b].sort().join("/");
  for (const entry of basket.slice(1)) {
    let hops: [string, number, string][];
    if (entry.route) {
      hops = [];
      for (let k = 0; k + 2 < entry.route.length; k += 2) {
        hops.push([String(entry.route[k]), Number(entry.route[k + 1]), String(entry.route[k + 2])]);
      }
      routes[entry.symbol] = entry.route.filter((_, k) => k % 2 === 0).map(String);
    } else {
      const direct = DEFAULT_POOLS.filter((p) => pairOf(p.tokenA, p.tokenB) === pairOf(entry.symbol, base));
      const deepest = direct.reduce((best, p) => ((p.depthUsd ?? 0) > (best.depthUsd ?? 0) ? p : best));
      hops = [[entry.symbol, deepest.fee, base]];
    }
    for (const [a, fee, b] of hops) {
      const spec = DEFAULT_POOLS.find((p) => pairOf(p.tokenA, p.tokenB) === pairOf(a, b) && p.fee === fee);
      if (!spec) throw new Error(`no ${a}/${b} pool at fee ${fee} in the local market`);
      const known = pools.get(pairOf(a, b));
      if (known && known.feePips !== fee) throw new Error(`the lab holds one pool per pair: ${a}/${b} at two fees`);
      pools.set(pairOf(a, b), { tokenA: spec.tokenA, tokenB: spec.tokenB, feePips: fee, depthUsd: spec.depthUsd ?? 0 });
    }
  }
  return { pools: [...pools.values()], routes };
}

/** Whole bps summing to 10 000 (the largest remainders rounded up), from any positive values. */
function toBps(values: readonly number[]): number[] {
  const total = values.reduce((sum, v) => sum + v, 0);
  const exact = values.map((v) => (v / total) * 10_000);
  const bps = exact.map(Math.floor);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  let missing = 10_000 - bps.reduce((sum, w) => sum + w, 0);
  for (const [, i] of order) {
    if (missing-- <= 0) break;
    bps[i]++;
  }
  return bps;
}

/**
 * The backtest options of the run's vault on its market and path: the basket's targets, the
 * holdings and NAV at hour 0 (after investing), the trigger and target bands, the route pools, the
 * gas price, the cost gate and the keeper reward `npm start`'s vault has (src/vault's
 * RECOMMENDED_COSTS and recommendedReward); the flows CSV when the run had flows.
 */
export function labOptions(
  report: ScenarioReport,
  csvFile: string,
  flowsFile?: string,
): BacktestOptions & { policies: string[] } {
  const { settings, basket } = report;
  const first = report.snapshots[0];
  const held = report.benchmark.unitsPerShare.map((units, i) => units * first.prices[i]);
  return {
    csv: csvFile,
    ...(flowsFile !== undefined && scenarioFlows(report).length > 0 ? { flowsCsv: flowsFile } : {}),
    weightsBps: basket.map((asset) => asset.targetBps),
    initialWeightsBps: held.every((v) => v >= 0) && held.some((v) => v > 0) ? toBps(held) : undefined,
    navUsd: Math.round(first.nav * 100) / 100,
    policies: [`vault-${settings.triggerBandBps}-${settings.targetBandBps}`],
    ...scenarioMarket(report.meta.options.assets),
    recenterThreshold: RECENTER_THRESHOLD,
    baseFeeGwei: report.meta.options.gasGwei,
    gate: settings.costGateMaxRatioBps !== 0,
    reward: true,
    breakers: settings.breakerMaxMoveBps !== 0,
  };
}

/** A file as the command line names it: relative to the working directory when within it. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === "" ? "." : relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

/** `options` as the `npm run backtest` command line that runs them. */
export function labCommand(options: BacktestOptions & { policies: string[] }, outDir?: string): string {
  const flags: string[] = [`--csv ${shown(options.csv ?? "")}`];
  if (options.flowsCsv !== undefined) flags.push(`--flows ${shown(options.flowsCsv)}`);
  if (options.weightsBps) flags.push(`--weights ${options.weightsBps.join(",")}`);
  if (options.initialWeightsBps) flags.push(`--initial-weights ${options.initialWeightsBps.join(",")}`);
  if (options.navUsd !== undefined) flags.push(`--nav ${options.navUsd}`);
  flags.push(`--policies ${options.policies.join(",")}`);
  if (options.pools) {
    flags.push(`--pools ${options.pools.map((p) => `${p.tokenA}/${p.tokenB}:${p.feePips}:${p.depthUsd}`).join(",")}`);
  }
  const routes = Object.values(options.routes ?? {});
  if (routes.length > 0) flags.push(`--routes ${routes.map((r) => r.join("/")).join(",")}`);
  if (options.recenterThreshold !== undefined) flags.push(`--recenter-threshold ${options.recenterThreshold}`);
  if (options.baseFeeGwei !== undefined) flags.push(`--gwei ${options.baseFeeGwei}`);
  if (options.gate) flags.push("--gate");
  if (options.reward) flags.push("--reward");
  if (options.breakers) flags.push("--breakers");
  if (outDir !== undefined) flags.push(`--out ${shown(outDir)}`);
  return `npm run backtest -- ${flags.join(" ")}`;
}

/** The prices CSV's file for a report written to `dir`: `<name>.prices.csv`. */
export function pricesCsvFile(report: ScenarioReport, dir: string = report.meta.options.outDir): string {
  return path.join(dir, `${report.meta.name}.prices.csv`);
}

/** The flows CSV's file for a report written to `dir`: `<name>.flows.csv`. */
export function flowsCsvFile(report: ScenarioReport, dir: string = report.meta.options.outDir): string {
  return path.join(dir, `${report.meta.name}.flows.csv`);
}

/**
 * Runs the lab on the run's own path and flows (the CSV texts {@link scenarioPricesCsv} and
 * {@link scenarioFlowsCsv} write, parsed as `--csv` and `--flows` parse the files) with
 * {@link labOptions}: the same engine as `npm run backtest`.
 */
export function replayInLab(
  report: ScenarioReport,
  csvFile: string = pricesCsvFile(report),
  flowsFile: string = flowsCsvFile(report, path.dirname(csvFile)),
): LabReplay {
  const options = labOptions(report, csvFile, flowsFile);
  const lab = runBacktest({
    ...options,
    path: parseCsvPath(scenarioPricesCsv(report), { source: path.basename(csvFile) }),
    ...(options.flowsCsv !== undefined ? { flows: parseFlowsCsv(scenarioFlowsCsv(report)) } : {}),
  });
  const [result] = lab.results;
  return {
    command: labCommand(options, path.join(path.dirname(csvFile), `${report.meta.name}-lab`)),
    csv: csvFile,
    ...(options.flowsCsv !== undefined ? { flows: options.flowsCsv } : {}),
    policy: result.policy,
    rebalances: result.rebalances,
    trades: result.swaps,
    revertedAttempts: result.revertedAttempts,
    uneconomicChecks: result.uneconomicChecks,
    runningCost: result.runningCost,
  };
}
