/**
 * The strategy lab's gas model, fitted to the bench's own figures (issue 17: one gas model, no
 * numbers typed twice). A rebalance transaction costs
 *
 *   fixed + perAsset x assets + sum over its legs of (perLeg + perHop x hops)
 *
 * where `fixed` includes the transaction's intrinsic 21,000 (the keeper pays it). The fit:
 * `perLeg`'s swap part and `perHop` by least squares on the raw SwapRouter legs; `perAsset` the
 * slope of the skipped rebalance (every read and check, no trade) over the basket sizes; then
 * `fixed` and the vault's own work per leg by least squares on what each basket's rebalance spent
 * beyond its raw legs and its per-asset part; each optional part by basket size, the observation's
 * feed rounds apart (a busy history against a quiet one). `npm run bench` (full mode) with
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

/** The model from a full-mode run (at least two basket sizes). */
export function fitGasModel(results: BenchResults): FittedGasModel {
  if (results.baskets.length < 2) throw new Error("the gas model needs the full mode's basket sizes");
  const [swapBase, perHop] = line(results.baskets.flatMap((b) => b.legs.map((l) => [l.hops, l.rawGas] as const)));
  const [, perAsset] = line(results.baskets.map((b) => [b.assets, b.gas.skippedRebalance] as const));
  const [fixed, vaultPerLeg] = line(
    results.baskets.map((b) => {
      const raw = b.legs.reduce((sum, l) => sum + l.rawGas, 0);
      return [b.legs.length, b.gas.rebalance - raw - perAsset * b.assets] as const;
    }),
  );
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
    perLeg: Math.round(swapBase + vaultPerLeg),
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
