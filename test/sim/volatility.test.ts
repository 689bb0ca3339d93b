/**
 * The lab's measure of the volatility estimate (issue 17): how closely BallastPolicy's estimate, as
 * the lab mirrors it, follows realised volatility on generated paths.
 */
import { expect } from "chai";

import { buildPath, defaultWeights, presetPolicy, simulate } from "../../src/sim";

/** `vol-200` on a quarter-year path of `model`. */
function run(model: "gbm" | "regimes", seed = 1) {
  const path = buildPath({ model, seed, years: 0.25, stepSeconds: 300 });
  const policy = presetPolicy("vol-200", { assets: path.width, referenceVolBps: 6_000 });
  return simulate({ path, targetsBps: defaultWeights(path.width - 1), navUsd: 1e6, policy });
}

describe("volatility estimate tracking (lab)", () => {
  it("with no maintenance transaction, stays within 25% of realised volatility 90% of the time on GBM and regime-switching paths", () => {
    // The policy folds the feeds' round history (Chainlink-style: 0.5% deviation, 1-hour heartbeat)
    // at each decision, and stores it at rebalances: nobody pays for an observation.
    for (const model of ["gbm", "regimes"] as const) {
      for (const seed of [1, 2, 3]) {
        const tracking = run(model, seed).volatilityTracking!;
        expect(tracking.measuredSec, `${model} ${seed}`).to.be.greaterThan(0);
        expect(tracking.within25Share, `${model} ${seed}`).to.be.at.least(0.9);
        expect(tracking.meanAbsError, `${model} ${seed}`).to.be.below(0.12);
      }
    }
  });

  it("reports nothing for a policy without volatility scaling", () => {
    const path = buildPath({ model: "gbm", seed: 1, years: 0.05, stepSeconds: 600 });
    const policy = presetPolicy("edge-200", { assets: path.width, referenceVolBps: 6_000 });
    const r = simulate({ path, targetsBps: defaultWeights(path.width - 1), navUsd: 1e6, policy });
    expect(r.volatilityTracking).to.equal(undefined);
  });
});
