import { expect } from "chai";

import { fitGasModel, minimaxConstant, minimaxLine } from "../../bench/gasModel";
import type { BasketBench, BenchResults } from "../../bench/figures";

/** The largest of `|a + b x - y| / w` over `points`. */
function worst([a, b]: [number, number], points: [number, number, number][]): number {
  return Math.max(...points.map(([x, y, w]) => Math.abs(a + b * x - y) / w));
}

// The lab's gas model is fitted to the bench's figures (bench/gasModel.ts).
describe("the lab's gas model fit", function () {
  it("passes through two points, and through three on one line", function () {
    const [a, b] = minimaxLine([
      [1, 10, 1],
      [3, 16, 1],
    ]);
    expect(a).to.be.closeTo(7, 1e-9);
    expect(b).to.be.closeTo(3, 1e-9);
    const [c, d] = minimaxLine([
      [1, 10, 5],
      [3, 16, 7],
      [7, 28, 9],
    ]);
    expect(c).to.be.closeTo(7, 1e-9);
    expect(d).to.be.closeTo(3, 1e-9);
  });

  it("makes the largest weighted error least: equal on three points, alternating in sign", function () {
    const points: [number, number, number][] = [
      [1, 85_000, 330_000],
      [3, 60_000, 660_000],
      [7, 107_000, 1_270_000],
      [5, 80_000, 900_000],
    ];
    const fit = minimaxLine(points);
    const errors = points.map(([x, y, w]) => (fit[0] + fit[1] * x - y) / w);
    const largest = Math.max(...errors.map(Math.abs));
    // The three points that bound it (x = 1, 3, 7) share the largest error, in alternating signs.
    expect(Math.abs(errors[0])).to.be.closeTo(largest, 1e-12);
    expect(Math.abs(errors[1])).to.be.closeTo(largest, 1e-12);
    expect(Math.abs(errors[2])).to.be.closeTo(largest, 1e-12);
    expect(Math.sign(errors[0])).to.equal(-Math.sign(errors[1]));
    expect(Math.sign(errors[2])).to.equal(-Math.sign(errors[1]));
    // No line does better: nudging either coefficient makes some error larger.
    for (const [da, db] of [
      [100, 0],
      [-100, 0],
      [0, 10],
      [0, -10],
      [100, -10],
      [-100, 10],
    ]) {
      expect(worst([fit[0] + da, fit[1] + db], points)).to.be.greaterThan(largest);
    }
  });

  it("holds a leg's own work at 0 or more: the best constant then balances the largest errors above and below", function () {
    // Beyond its hops a leg costs less with more legs: the free line's slope is negative.
    const points: [number, number, number][] = [
      [1, 100_000, 300_000],
      [3, 96_000, 600_000],
      [7, 80_000, 1_200_000],
    ];
    expect(minimaxLine(points)[1]).to.be.lessThan(0);
    const a = minimaxConstant(points);
    const errors = points.map(([, y, w]) => (a - y) / w);
    const largest = Math.max(...errors.map(Math.abs));
    // The first point (above) and the last (below) share the largest error, in opposite signs.
    expect(errors[0]).to.be.closeTo(-largest, 1e-12);
    expect(errors[2]).to.be.closeTo(largest, 1e-12);
    for (const d of [100, -100]) expect(worst([a + d, 0], points)).to.be.greaterThan(largest);
  });

  it("fits a full run's baskets with the least largest relative error, which a least-squares line misses", function () {
    // Baskets of 2, 4 and 8 assets as the bench measures them (the figures of 2026-12-07): each
    // leg one hop but the 4-asset basket's second (two), the parts a rebalance leaves out set apart.
    const basket = (assets: number, hops: number[], rebalance: number, skipped: number): BasketBench => ({
      assets,
      gas: {
        rebalance,
        skippedRebalance: skipped,
        rebalanceGated: rebalance + 8_000 + 7_000 * assets,
        rebalanceRewarded: rebalance + 30_000 + 7_000 * assets,
        rebalanceObserved: rebalance + 40_000,
        rebalanceObservedBusy: rebalance + 40_000 + 39 * 8_300,
      },
      roundsRead: { quiet: 1, busy: 40 },
      legs: hops.map((h) => ({
        tokenIn: "",
        tokenOut: "",
        hops: h,
        vaultAmountIn: "0",
        rawGas: 10_000 + 73_000 * h,
        directGas: 0,
      })),
      ratios: [],
    });
    const run: BenchResults = {
      schema: 1,
      mode: "full",
      network: "hardhat",
      baselines: { plainDeposit: 0, plainRedeem: 0 },
      baskets: [
        basket(2, [1], 310_674, 200_833),
        basket(4, [1, 2, 1], 640_841, 327_924),
        basket(8, [1, 2, 1, 1, 1, 1, 1], 1_248_287, 580_791),
      ],
    };
    const model = fitGasModel(run);
    const errors = model.check.map((c) => c.predicted / c.measured - 1);
    const largest = Math.max(...errors.map(Math.abs));
    expect(largest).to.be.lessThan(0.025);
    // A least-squares line through the same points (what each rebalance spent beyond its hops and
    // assets, against its legs) weighs absolute errors, which the 8-asset basket dominates.
    const points = run.baskets.map((b) => {
      const hops = b.legs.reduce((sum, l) => sum + l.hops, 0);
      return [b.legs.length, b.gas.rebalance - model.perAsset * b.assets - model.perHop * hops] as const;
    });
    const mx = points.reduce((sum, [x]) => sum + x, 0) / points.length;
    const my = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
    const slope =
      points.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0) /
      points.reduce((sum, [x]) => sum + (x - mx) ** 2, 0);
    const leastSquares = points.map(
      ([x, y], i) => (my + slope * (x - mx) - y) / (run.baskets[i].gas.rebalance + 21_000),
    );
    expect(Math.max(...leastSquares.map(Math.abs))).to.be.greaterThan(1.5 * largest);
    expect(model.perHop).to.equal(73_000);
  });
});
