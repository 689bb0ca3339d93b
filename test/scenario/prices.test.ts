import { expect } from "chai";

import {
  cholesky,
  logReturns,
  oneFactorCorrelation,
  PathModelError,
  sampleCorrelation,
  sampleStdDev,
  SECONDS_PER_YEAR,
  simulatePaths,
} from "../../src/scenario/prices";
import type { PathModel } from "../../src/scenario/prices";
import { Rng } from "../../src/scenario/random";

const HOUR_YEARS = 3_600 / SECONDS_PER_YEAR;

function multiply(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, x, k) => s + x * b[k][j], 0)));
}

describe("scenario price paths", () => {
  it("factors a correlation matrix (L L^T = C) and refuses one that is not positive definite", () => {
    const c = oneFactorCorrelation([0.92, 0.88, 0.8, 0.78]);
    const l = cholesky(c);
    const lt = l[0].map((_, j) => l.map((row) => row[j]));
    multiply(l, lt).forEach((row, i) => row.forEach((x, j) => expect(x).to.be.closeTo(c[i][j], 1e-12)));
    expect(() =>
      cholesky([
        [1, 0.9, -0.9],
        [0.9, 1, 0.9],
        [-0.9, 0.9, 1],
      ]),
    ).to.throw(PathModelError, /positive definite/);
    expect(() =>
      cholesky([
        [1, 0.5],
        [0.4, 1],
      ]),
    ).to.throw(PathModelError, /symmetric/);
    expect(() => oneFactorCorrelation([0.5, 1])).to.throw(PathModelError);
  });

  it("draws GBM paths whose log returns have the target correlation and volatility", () => {
    const model: PathModel = {
      assets: [
        { symbol: "A", price0: 3_000, annualVol: 0.65, annualDrift: 0 },
        { symbol: "B", price0: 60_000, annualVol: 0.55, annualDrift: 0 },
        { symbol: "C", price0: 15, annualVol: 0.85, annualDrift: 0 },
      ],
      correlation: oneFactorCorrelation([0.92, 0.88, 0.5]),
      steps: 20_000,
      stepYears: HOUR_YEARS,
    };
    const path = simulatePaths(model, new Rng(11));
    expect(path.length).to.equal(20_001);
    expect(path[0]).to.deep.equal([3_000, 60_000, 15]);
    const returns = [0, 1, 2].map((i) => logReturns(path, i));
    // 20 000 samples: the sample correlation's standard error is about (1 - rho^2) / sqrt(n) < 0.01.
    expect(sampleCorrelation(returns[0], returns[1])).to.be.closeTo(0.92 * 0.88, 0.02);
    expect(sampleCorrelation(returns[0], returns[2])).to.be.closeTo(0.92 * 0.5, 0.03);
    expect(sampleCorrelation(returns[1], returns[2])).to.be.closeTo(0.88 * 0.5, 0.03);
    model.assets.forEach((asset, i) => {
      const annualised = sampleStdDev(returns[i]) / Math.sqrt(HOUR_YEARS);
      expect(annualised).to.be.closeTo(asset.annualVol, asset.annualVol * 0.03);
    });
    // One assertion over the path: chai per price would take seconds.
    expect(path.every((row) => row.every((price) => price > 0 && Number.isFinite(price)))).to.be.true;
  });

  it("is deterministic per seed", () => {
    const model: PathModel = {
      assets: [{ symbol: "A", price0: 1, annualVol: 0.5, annualDrift: 0.1 }],
      correlation: [[1]],
      steps: 50,
      stepYears: HOUR_YEARS,
    };
    expect(simulatePaths(model, new Rng(5))).to.deep.equal(simulatePaths(model, new Rng(5)));
    expect(simulatePaths(model, new Rng(5))).to.not.deep.equal(simulatePaths(model, new Rng(6)));
  });

  it("applies a shock as a jump at its step, leaving the rest of the path's draws in place", () => {
    const base: PathModel = {
      assets: [
        { symbol: "A", price0: 100, annualVol: 0.6, annualDrift: 0 },
        { symbol: "B", price0: 10, annualVol: 0.8, annualDrift: 0 },
      ],
      correlation: oneFactorCorrelation([0.9, 0.8]),
      steps: 48,
      stepYears: HOUR_YEARS,
    };
    const calm = simulatePaths(base, new Rng(9));
    const shocked = simulatePaths({ ...base, shocks: [{ step: 24, returns: [-0.35, -0.4] }] }, new Rng(9));
    for (let step = 0; step < 24; step++) expect(shocked[step]).to.deep.equal(calm[step]);
    for (let step = 24; step <= 48; step++) {
      expect(shocked[step][0] / calm[step][0]).to.be.closeTo(0.65, 1e-9);
      expect(shocked[step][1] / calm[step][1]).to.be.closeTo(0.6, 1e-9);
    }
    expect(() => simulatePaths({ ...base, shocks: [{ step: 3, returns: [-1, 0] }] }, new Rng(1))).to.throw(
      PathModelError,
    );
  });

  it("follows its drift on average, and mean reversion pulls prices back to the start", () => {
    const trend: PathModel = {
      assets: [{ symbol: "A", price0: 100, annualVol: 0.3, annualDrift: 1 }],
      correlation: [[1]],
      steps: 24 * 365,
      stepYears: HOUR_YEARS,
    };
    // E[log(S_T / S_0)] = (mu - sigma^2 / 2) T = 0.955 over a year; its sd is 0.3.
    const endLogs = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) =>
      Math.log(simulatePaths(trend, new Rng(seed))[trend.steps][0] / 100),
    );
    expect(endLogs.reduce((s, x) => s + x, 0) / endLogs.length).to.be.closeTo(0.955, 0.3);

    const chop = { ...trend, assets: [{ symbol: "A", price0: 100, annualVol: 1, annualDrift: 0 }], meanReversion: 40 };
    const free = { ...chop, meanReversion: 0 };
    const spread = (model: PathModel) =>
      sampleStdDev(
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((seed) => Math.log(simulatePaths(model, new Rng(seed))[model.steps][0])),
      );
    expect(spread(chop)).to.be.below(spread(free) / 3);
  });
});
