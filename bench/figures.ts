/**
 * The benchmark's results and its committed snapshot: the shapes `npm run bench` (scripts/bench.ts)
 * writes to bench/results.json and bench/snapshot.json, and how a run is compared with the snapshot.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

export interface Ratio {
  name: string;
  value: number;
  target: string;
  met: boolean;
  detail: string;
}

export interface BasketBench {
  assets: number;
  gas: Record<string, number>;
  /** The feed rounds the observations of `rebalanceObserved` and `rebalanceObservedBusy` read. */
  roundsRead: { quiet: number; busy: number };
  /**
   * The legs the rebalance traded, each replayed on the pool state it saw: `rawGas` through
   * SwapRouter from an EOA (what the lab's gas model is fitted on), `directGas` directly on the pools
   * from a contract that holds the tokens (contracts/bench/DirectSwapper.sol), as the vault swaps.
   */
  legs: {
    tokenIn: string;
    tokenOut: string;
    hops: number;
    vaultAmountIn: string;
    rawGas: number;
    directGas: number;
  }[];
  ratios: Ratio[];
}

export interface BenchResults {
  schema: 1;
  mode: "full" | "fast";
  network: string;
  baselines: { plainDeposit: number; plainRedeem: number };
  baskets: BasketBench[];
}

/** One mode's committed figures: the baselines and, per basket size, each entry point's gas. */
export interface SnapshotFigures {
  baselines: { plainDeposit: number; plainRedeem: number };
  baskets: Record<string, Record<string, number>>;
}

/**
 * The committed gas figures a run is compared with, per mode: the fast mode's 4-asset basket
 * trades on a fresher market than the full mode's, so their figures differ slightly.
 */
export interface BenchSnapshot {
  schema: 1;
  modes: Partial<Record<BenchResults["mode"], SnapshotFigures>>;
}

export const BENCH_DIR = __dirname;
export const SNAPSHOT = path.join(BENCH_DIR, "snapshot.json");

export function readSnapshot(): BenchSnapshot {
  if (!existsSync(SNAPSHOT)) return { schema: 1, modes: {} };
  return JSON.parse(readFileSync(SNAPSHOT, "utf8")) as BenchSnapshot;
}

/** This run's figures, with the legs' totals (through SwapRouter, and direct) next to the rebalance. */
export function figuresOf(results: BenchResults): SnapshotFigures {
  const baskets: Record<string, Record<string, number>> = {};
  for (const b of results.baskets) {
    baskets[String(b.assets)] = {
      ...b.gas,
      rawLegs: b.legs.reduce((sum, leg) => sum + leg.rawGas, 0),
    };
  }
  return { baselines: results.baselines, baskets };
}

/** Largest change of a figure against the committed snapshot that a run accepts, percent. */
export const SNAPSHOT_TOLERANCE_PCT = 2;

/**
 * One row per figure: the committed value, this run's, the change (positive: more gas) and whether
 * it exceeds {@link SNAPSHOT_TOLERANCE_PCT} (a new figure never does).
 */
export function snapshotDiff(committed: SnapshotFigures, now: SnapshotFigures) {
  const rows: { figure: string; snapshot: number | string; now: number; change: string; beyond: boolean }[] = [];
  const row = (figure: string, was: number | undefined, is: number) => {
    const pct = was === undefined ? 0 : (100 * (is - was)) / was;
    const change =
      was === undefined ? "new" : is === was ? "=" : `${is > was ? "+" : ""}${is - was} (${pct.toFixed(1)}%)`;
    rows.push({ figure, snapshot: was ?? "-", now: is, change, beyond: Math.abs(pct) > SNAPSHOT_TOLERANCE_PCT });
  };
  for (const [name, gas] of Object.entries(now.baselines)) {
    row(`baseline ${name}`, committed.baselines[name as keyof SnapshotFigures["baselines"]], gas);
  }
  for (const [size, figures] of Object.entries(now.baskets)) {
    for (const [name, gas] of Object.entries(figures)) {
      row(`${size} assets ${name}`, committed.baskets[size]?.[name], gas);
    }
  }
  return rows;
}
