/**
 * The strategy lab's gas model, fitted to the bench's own figures (issue 17: one gas model, no
 * numbers typed twice). A rebalance transaction costs
 *
 *   fixed + perAsset x assets + sum over its legs of (perLeg + perHop x hops)
 *
 * where `fixed` includes the transaction's intrinsic 21,000 (the keeper pays it). The fit: `perHop`
 * by least squares on the raw SwapRouter legs (each leg's gas against its hops); `perAsset` the
 * slope of the skipped rebalance (every read and check, no trade) over the basket sizes; then
 * `fixed` and `perLeg` (a leg's swap and the vault's own work for it) by a minimax fit of the
 * relative error on what each basket's rebalance spent beyond its hops and its per-asset part;
 * each optional part by basket size, the observation's feed rounds apart (a busy history against a
 * quiet one). `npm run bench` (full mode) with
 * `BENCH_SNAPSHOT=update` rewrites src/sim/gasModel.json with it.
 */
import { rebalanceGasUnits } from "../src/sim/market";
import type { GasPart, GasUnits } from "../src/sim/market";

import type { BenchResults } from "./figures";

/** Intrinsic gas of a transaction: the bench's figures leave it out, a keeper pays it. */
const TX_BASE = 21_000;

export interface FittedGasModel extends GasUnits {
  /** What produced the figures. */
  source: string;
  /** Each basket's measured rebalance (with the intrinsic gas) and the model's prediction. */
  check: { assets: number; legs: number; hops: number; measured: number; predicted: number }[];
}

/** Least-squares line through `points`: [intercept, slope]. */
function line(points: readonly (readonly [number, number])[]): [number, number] {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return [my - slope * mx, slope];
}

/**
 * The line `[intercept, slope]` through `points` (`[x, y, w]`, distinct x) that makes the largest of
 * the errors `|intercept + slope x - y| / w` least (a minimax, Chebyshev fit). With two points it
 * passes through both. With more, the best line equioscillates on some three of them, alternating in
 * sign: each triple's such line is solved for, and the one whose largest error over all points is
 * least is kept (exact, and cheap for the bench's few basket sizes).
 */
export function minimaxLine(points: readonly (readonly [number, number, number])[]): [number, number] {
  if (points.length < 3) return line(points.map(([x, y]) => [x, y] as const));
  const sorted = [...points].sort((a, b) => a[0] - b[0]);
  const worst = ([a, b]: [number, number]) => Math.max(...sorted.map(([x, y, w]) => Math.abs(a + b * x - y) / w));
  let best: [number, number] | undefined;
  for (let i = 0; i < sorted.length; ++i) {
    for (let j = i + 1; j < sorted.length; ++j) {
      for (let k = j + 1; k < sorted.length; ++k) {
        const [[x1, y1, w1], [x2, y2, w2], [x3, y3, w3]] = [sorted[i], sorted[j], sorted[k]];
        // a + b x - y = e w at x1 and x3, -e w at x2: three equations in a, b, e.
        const s1 = (y2 - y1) / (x2 - x1);
        const s2 = (y3 - y2) / (x3 - x2);
        const t1 = (-w2 - w1) / (x2 - x1);
        const t2 = (w3 + w2) / (x3 - x2);
        const e = t1 === t2 ? 0 : (s2 - s1) / (t1 - t2);
        const b = s1 + e * t1;
        const candidate: [number, number] = [y1 + e * w1 - b * x1, b];
        if (!best || worst(candidate) < worst(best)) best = candidate;
      }
    }
  }
  return best!;
}

/**
 * The constant `a` that makes the largest of the errors `|a - y| / w` over `points` (`[x, y, w]`)
 * least: the minimax line held to slope 0. The best constant balances two points' errors, one
 * above and one below: each pair's balance is tried and the least worst kept.
 */
export function minimaxConstant(points: readonly (readonly [number, number, number])[]): number {
  const worst = (a: number) => Math.max(...points.map(([, y, w]) => Math.abs(a - y) / w));
  let best = points[0][1];
  for (const [, y1, w1] of points) {
    for (const [, y2, w2] of points) {
      const candidate = (y1 * w2 + y2 * w1) / (w1 + w2);
      if (worst(candidate) < worst(best)) best = candidate;
    }
  }
  return best;
}

/** The model from a full-mode run (at least two basket sizes). */
export function fitGasModel(results: BenchResults): FittedGasModel {
  if (results.baskets.length < 2) throw new Error("the gas model needs the full mode's basket sizes");
  const [, perHop] = line(results.baskets.flatMap((b) => b.legs.map((l) => [l.hops, l.rawGas] as const)));
  const [, perAsset] = line(results.baskets.map((b) => [b.assets, b.gas.skippedRebalance] as const));
  // The transaction's fixed part and the work per leg: the fit that makes the largest
  // relative error over the basket sizes least. (A least-squares line weighs absolute errors, which
  // the largest basket dominates: it left the 2-asset rebalance 8.9% under its receipt.)
  const legPoints = results.baskets.map((b) => {
    const hops = b.legs.reduce((sum, l) => sum + l.hops, 0);
    return [b.legs.length, b.gas.rebalance - perAsset * b.assets - perHop * hops, b.gas.rebalance + TX_BASE] as const;
  });
  let [fixed, perLeg] = minimaxLine(legPoints);
  // A leg's own work is never below nothing (the lab refuses a negative part): when the vault's
  // legs come out cheaper than the router's hops they are priced at their hops alone.
  if (perLeg < 0) [fixed, perLeg] = [minimaxConstant(legPoints), 0];
  const part = (gas: (b: BenchResults["baskets"][number]) => number): GasPart => {
    const [fixedPart, perAssetPart] = line(results.baskets.map((b) => [b.assets, gas(b)] as const));
    return { fixed: Math.round(fixedPart), perAsset: Math.round(perAssetPart) };
  };
  // Each round an observation reads: the busy observation against the quiet one, per round more.
  const perRoundRead =
    results.baskets.reduce(
      (sum, b) =>
        sum + (b.gas.rebalanceObservedBusy - b.gas.rebalanceObserved) / (b.roundsRead.busy - b.roundsRead.quiet),
      0,
    ) / results.baskets.length;
  const model = {
    source: `npm run bench (${results.mode} mode, baskets of ${results.baskets.map((b) => b.assets).join(", ")} assets)`,
    fixed: Math.round(fixed + TX_BASE),
    perAsset: Math.round(perAsset),
    perLeg: Math.round(perLeg),
    perHop: Math.round(perHop),
    gate: part((b) => b.gas.rebalanceGated - b.gas.rebalance),
    observation: part((b) => b.gas.rebalanceObserved - b.gas.rebalance - perRoundRead * b.roundsRead.quiet),
    perRoundRead: Math.round(perRoundRead),
    reward: part((b) => b.gas.rebalanceRewarded - b.gas.rebalanceGated),
  };
  return {
    ...model,
    check: results.baskets.map((b) => {
      const hops = b.legs.map((l) => l.hops);
      return {
        assets: b.assets,
        legs: hops.length,
        hops: hops.reduce((s, h) => s + h, 0),
        measured: b.gas.rebalance + TX_BASE,
        predicted: rebalanceGasUnits(
          model,
          b.assets,
          hops.length,
          hops.reduce((s, h) => s + h, 0),
        ),
      };
    }),
  };
}
