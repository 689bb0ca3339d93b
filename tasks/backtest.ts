/**
 * `npx hardhat backtest` (`npm run backtest -- ...`): the strategy lab's command line. Runs policies
 * on the same simulated or historical price path and prints a results table, writing HTML and SVG
 * charts (cost vs tracking error with the efficient frontier, NAV over time) to --out; --sweep
 * recommends a band for a volatility and fee tier instead. See docs/simulator.md.
 */
import path from "node:path";

import { task } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";

// A type only: erased, so the simulator still loads inside the action alone.
import type { BacktestOptions } from "../src/sim";

interface BacktestArgs {
  assets?: string;
  weights?: string;
  years?: string;
  step?: string;
  seed?: string;
  model?: string;
  vol?: string;
  corr?: string;
  csv?: string;
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
  seeds?: string;
  teCost?: string;
  out?: string;
}

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

task(
  "backtest",
  "Simulates rebalancing policies (the vault's and others) on the same price paths; see docs/simulator.md",
)
  .addOptionalParam("assets", "Number of assets besides USDC (1-15), or symbols, comma-separated (default 3)")
  .addOptionalParam("weights", "Target weights in bps, base first, comma-separated (default 5% base, rest equal)")
  .addOptionalParam("years", "Years simulated (default 1)")
  .addOptionalParam("step", "Step: seconds or 30s, 1m, 5m, 1h, 1d (default 1m; sweep 5m)")
  .addOptionalParam("seed", "Seed of the price path (default 1)")
  .addOptionalParam("model", "Price model: gbm, jumps, regimes, jumps+regimes (default gbm)")
  .addOptionalParam("vol", "Annualised volatility of every asset, e.g. 0.8 (default: per asset)")
  .addOptionalParam("corr", "Correlation between assets (default 0.6)")
  .addOptionalParam("csv", "Historical prices: timestamp,SYM1,SYM2,... (format in docs/simulator.md)")
  .addOptionalParam(
    "policies",
    "Comma-separated: edge-T, full-T, vol-T, ideal-T, daily, weekly, monthly, hold, amm, amm-F",
  )
  .addOptionalParam("nav", "Initial NAV in USD (default 1000000)")
  .addOptionalParam("fee", "Uniswap V3 fee tier of every pool, pips: 100, 500, 3000, 10000 (default 3000)")
  .addOptionalParam("depth", "USD depth of every pool (default 20000000)")
  .addOptionalParam("gwei", "Base fee, gwei (default 20)")
  .addOptionalParam(
    "pools",
    "Pools of their own, A/B:fee:depthUsd comma-separated, e.g. WETH/USDC:500:60000000 (others: --fee, --depth)",
  )
  .addOptionalParam("routes", "Routes to the base, comma-separated, e.g. WBTC/WETH/USDC (default: direct)")
  .addOptionalParam("initialWeights", "Weights of the initial holdings in bps, base first (default: the targets)")
  .addFlag("gate", "Turn the vault's cost-efficiency gate on (RECOMMENDED_COSTS)")
  .addFlag("reward", "The vault pays the keeper the recommended reward (gas + 20%, capped), as npm start's vault")
  .addFlag("breakers", "The circuit breakers on (RECOMMENDED_BREAKERS): a 20% move within an hour halts trading")
  .addFlag("fixedLiquidity", "Leave LP ranges where placed at the start instead of re-centring them")
  .addOptionalParam(
    "recenterThreshold",
    "LPs re-centre a pool at the value they hold once its price moved this fraction, e.g. 0.1 (npm start's)",
  )
  .addFlag("sweep", "Sweep trigger bands (edge and full) and recommend one for --vol and --fee")
  .addOptionalParam("bands", "Sweep: trigger bands in bps, comma-separated (default 25..1200)")
  .addOptionalParam("seeds", "Sweep: paths averaged per band (default 3; 1 with --csv)")
  .addOptionalParam("teCost", "Sweep: bps a year worth paying to avoid 1% RMS tracking error (default 10)")
  .addOptionalParam("out", "Directory for the reports (default reports)")
  .setAction(async (args: BacktestArgs) => {
    // Loaded here, not at the top: hardhat.config.ts loads every task file on start, and the
    // simulator should cost nothing to tasks that do not use it.
    const sim = await import("../src/sim");
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
    try {
      // Parsed here, inside the try: a malformed pool or route is a message, not a stack trace.
      if (args.pools !== undefined) options.pools = sim.parsePools(args.pools);
      if (args.routes !== undefined) options.routes = sim.parseRoutes(args.routes);
      if (args.sweep) {
        const result = sim.runSweep(
          {
            ...options,
            bandsBps: nums("bands", args.bands),
            seeds: num("seeds", args.seeds),
            teCostBps: num("teCost", args.teCost),
          },
          progressBar(),
        );
        for (const [k, v] of result.description) console.log(`${k.padEnd(14)}${v}`);
        console.log("");
        console.log(sim.sweepTable(result));
        console.log(sim.sweepSummary(result));
        for (const file of sim.writeSweepReport(result, out))
          console.log(`wrote ${path.relative(process.cwd(), file)}`);
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
        for (const file of sim.writeBacktestReport(run, out))
          console.log(`wrote ${path.relative(process.cwd(), file)}`);
      }
    } catch (error) {
      // Bad input is reported as a message, not a stack trace.
      if (error instanceof sim.SimError) throw new HardhatPluginError("backtest", error.message, error);
      throw error;
    }
    // Wall time of the whole command (paths, simulation, reports); the "speed" line above is the loop's.
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
