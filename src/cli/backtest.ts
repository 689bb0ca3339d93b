/**
 * `npm run backtest` (the `backtest` task, scripts/backtest.ts): the strategy lab's command line. Runs
 * policies on the same simulated or historical price path (with depositors' flows from a flows CSV,
 * `flows`) and prints a results table, writing HTML and SVG charts to the report folder; `sweep`
 * recommends a band for a volatility and fee tier, or for the CSV path and its flows, instead. See
 * docs/simulator.md.
 */
import path from "node:path";

import { HardhatPluginError } from "hardhat/plugins";

import * as sim from "../sim";
import type { BacktestOptions, BacktestRun, SweepResult } from "../sim";

export interface BacktestArgs {
  assets?: string;
  weights?: string;
  years?: string;
  step?: string;
  seed?: string;
  model?: string;
  vol?: string;
  corr?: string;
  csv?: string;
  flows?: string;
  policies?: string;
  nav?: string;
  fee?: string;
  depth?: string;
  gwei?: string;
  pools?: string;
  routes?: string;
  initialWeights?: string;
  recenterThreshold?: string;
  gate: boolean;
  reward: boolean;
  breakers: boolean;
  fixedLiquidity: boolean;
  sweep: boolean;
  bands?: string;
  targets?: string;
  seeds?: string;
  teCost?: string;
  out?: string;
}

/** What the command computed, and the report files it wrote. */
export type BacktestOutcome = { run: BacktestRun; files: string[] } | { sweep: SweepResult; files: string[] };

/** A flag's number, or undefined when absent; a clear error when it is not a number. */
function num(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (value.trim() === "" || !Number.isFinite(x))
    throw new HardhatPluginError("backtest", `--${flag}: "${value}" is not a number`);
  return x;
}

/** A comma-separated list of numbers. */
function nums(flag: string, value: string | undefined): number[] | undefined {
  return value?.split(",").map((v) => num(flag, v) as number);
}

/** A step length: seconds, or a number with s, m, h or d. */
function seconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)?$/.exec(value.trim());
  if (!m) throw new HardhatPluginError("backtest", `--step: "${value}" is not a duration (e.g. 60, 1m, 5m, 1h, 1d)`);
  return Number(m[1]) * { s: 1, m: 60, h: 3_600, d: 86_400 }[(m[2] ?? "s") as "s" | "m" | "h" | "d"];
}

/** A one-line progress bar on stderr, redrawn in place on a terminal (a line per item otherwise). */
function progressBar(): (label: string, index: number, total: number, fraction: number) => void {
  const tty = process.stderr.isTTY;
  let lastItem = -1;
  let lastDrawn = 0;
  return (label, index, total, fraction) => {
    const overall = (index + fraction) / total;
    if (!tty) {
      if (index !== lastItem) process.stderr.write(`[${index + 1}/${total}] ${label}\n`);
      lastItem = index;
      return;
    }
    const now = Date.now();
    if (now - lastDrawn < 50 && fraction < 1) return;
    lastDrawn = now;
    const width = 30;
    const full = Math.round(overall * width);
    process.stderr.write(
      `\r[${"#".repeat(full)}${".".repeat(width - full)}] ${(overall * 100).toFixed(0).padStart(3)}%  ${label} (${index + 1}/${total})\x1b[K`,
    );
    if (index === total - 1 && fraction >= 1) process.stderr.write("\n");
  };
}

export async function backtestCommand(args: BacktestArgs): Promise<BacktestOutcome> {
  const assetsArg = args.assets?.trim();
  const options: BacktestOptions = {
    assets:
      assetsArg === undefined
        ? undefined
        : /^\d+$/.test(assetsArg)
          ? Number(assetsArg)
          : assetsArg.split(",").map((s) => s.trim()),
    weightsBps: nums("weights", args.weights),
    years: num("years", args.years),
    stepSeconds: seconds(args.step),
    // A number when it reads as one: `--seed 1` must replay the default seed 1, not hash the string "1".
    seed: args.seed !== undefined && /^\d+$/.test(args.seed.trim()) ? Number(args.seed) : args.seed,
    model: args.model as (typeof sim.PATH_MODELS)[number] | undefined,
    volatility: num("vol", args.vol),
    correlation: num("corr", args.corr),
    csv: args.csv,
    flowsCsv: args.flows,
    policies: args.policies?.split(",").map((s) => s.trim()),
    navUsd: num("nav", args.nav),
    feePips: num("fee", args.fee),
    depthUsd: num("depth", args.depth),
    baseFeeGwei: num("gwei", args.gwei),
    gate: args.gate,
    reward: args.reward,
    breakers: args.breakers,
    recenter: !args.fixedLiquidity,
    recenterThreshold: num("recenter-threshold", args.recenterThreshold),
    initialWeightsBps: nums("initial-weights", args.initialWeights),
  };
  const out = path.resolve(args.out ?? "reports");
  const started = Date.now();
  let outcome: BacktestOutcome;
  try {
    // Parsed here, inside the try: a malformed pool or route is a message, not a stack trace.
    if (args.pools !== undefined) options.pools = sim.parsePools(args.pools);
    if (args.routes !== undefined) options.routes = sim.parseRoutes(args.routes);
    if (args.sweep) {
      const result = sim.runSweep(
        {
          ...options,
          bandsBps: nums("bands", args.bands),
          targetBandsBps: nums("targets", args.targets),
          seeds: num("seeds", args.seeds),
          teCostBps: num("teCost", args.teCost),
        },
        progressBar(),
      );
      for (const [k, v] of result.description) console.log(`${k.padEnd(14)}${v}`);
      console.log("");
      console.log(sim.sweepTable(result));
      console.log(sim.sweepSummary(result));
      const files = sim.writeSweepReport(result, out);
      for (const file of files) console.log(`wrote ${path.relative(process.cwd(), file)}`);
      outcome = { sweep: result, files };
    } else {
      const run = sim.runBacktest(options, progressBar());
      for (const [k, v] of run.description) console.log(`${k.padEnd(14)}${v}`);
      console.log("");
      console.log(sim.resultsTable(run.results));
      console.log(
        "\nRunning cost, bp of mean NAV a year (running: all gas and trading; holders': what the vault paid)",
      );
      console.log(
        sim.runningCostTable(
          run.results.map((r) => [r.policy, r.runningCost] as const),
          "year",
        ),
      );
      const files = sim.writeBacktestReport(run, out);
      for (const file of files) console.log(`wrote ${path.relative(process.cwd(), file)}`);
      outcome = { run, files };
    }
  } catch (error) {
    // Bad input is reported as a message, not a stack trace.
    if (error instanceof sim.SimError) throw new HardhatPluginError("backtest", error.message, error);
    throw error;
  }
  // Wall time of the whole command (paths, simulation, reports); the "speed" line above is the loop's.
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return outcome;
}
