/**
 * Price paths: the seeded generator, correlated GBM, Merton jumps, regime switching and the CSV
 * loader. Statistical checks state the standard error their tolerance is measured against.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { expect } from "chai";

import {
  cholesky,
  generatePath,
  loadCsvPath,
  parseCsvPath,
  pathToCsv,
  realisedVolatility,
  Rng,
  SimError,
  YEAR_SECONDS,
} from "../../src/sim";
import type { PricePath } from "../../src/sim";

/** Log returns of column i in the base asset. */
function logReturns(p: PricePath, i: number, rows?: (t: number) => boolean): number[] {
  const out: number[] = [];
  for (let t = 1; t < p.steps; t++) {
    if (rows && !rows(t)) continue;
    out.push(Math.log(p.prices[t * p.width + i] / p.prices[(t - 1) * p.width + i]));
  }
  return out;
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
function correlation(a: number[], b: number[]): number {
  const [ma, mb] = [mean(a), mean(b)];
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let k = 0; k < a.length; k++) {
    sab += (a[k] - ma) * (b[k] - mb);
    saa += (a[k] - ma) ** 2;
    sbb += (b[k] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe("price paths", () => {
  describe("Rng", () => {
    it("replays from its seed; different seeds differ; strings are seeds too", () => {
      const a = new Rng(42);
      const b = new Rng(42);
      const c = new Rng(43);
      const xs = Array.from({ length: 5 }, () => a.uniform());
      expect(Array.from({ length: 5 }, () => b.uniform())).to.deep.equal(xs);
      expect(Array.from({ length: 5 }, () => c.uniform())).to.not.deep.equal(xs);
      expect(new Rng("x").nextUint32()).to.equal(new Rng("x").nextUint32());
      expect(() => new Rng(1.5)).to.throw(SimError, /seed/);
    });

    it("draws uniforms in [0, 1) and standard normals (200k draws: mean within 4 SE = 0.009, variance within 0.013)", () => {
      const rng = new Rng(7);
      const n = 200_000;
      let su = 0;
      let sn = 0;
      let sn2 = 0;
      const z = new Float64Array(n);
      rng.fillNormal(z);
      let inRange = true;
      for (let k = 0; k < n; k++) {
        const u = rng.uniform();
        inRange &&= u >= 0 && u < 1;
        su += u;
        sn += z[k];
        sn2 += z[k] * z[k];
      }
      expect(inRange).to.equal(true);
      expect(su / n).to.be.closeTo(0.5, 4 * Math.sqrt(1 / 12 / n));
      expect(sn / n).to.be.closeTo(0, 4 / Math.sqrt(n));
      expect(sn2 / n).to.be.closeTo(1, 4 * Math.sqrt(2 / n));
    });

    it("draws integers, picks, log-uniforms and ranges within their bounds", () => {
      const rng = new Rng(42);
      const ints = Array.from({ length: 5_000 }, () => rng.int(3, 6));
      expect(new Set(ints)).to.deep.equal(new Set([3, 4, 5, 6]));
      expect(new Set(Array.from({ length: 1_000 }, () => rng.pick(["a", "b", "c"])))).to.deep.equal(
        new Set(["a", "b", "c"]),
      );
      expect(() => rng.pick([])).to.throw(SimError, /empty/);
      const sizes = Array.from({ length: 10_000 }, () => rng.logUniform(10, 1_000));
      expect(Math.min(...sizes)).to.be.at.least(10);
      expect(Math.max(...sizes)).to.be.below(1_000);
      // Log-uniform: half the draws below the geometric mean, 100 (SE 0.005, tolerance 0.02).
      expect(sizes.filter((x) => x < 100).length / sizes.length).to.be.closeTo(0.5, 0.02);
      const xs = Array.from({ length: 1_000 }, () => rng.between(-2, 3));
      expect(Math.min(...xs)).to.be.at.least(-2);
      expect(Math.max(...xs)).to.be.below(3);
    });

    it("forks independent, reproducible streams by label (npm start's prices never move with its flows)", () => {
      const a = new Rng(7).fork("prices");
      const b = new Rng(7).fork("prices");
      const c = new Rng(7).fork("flows");
      const first = [a.uniform(), a.uniform()];
      expect([b.uniform(), b.uniform()]).to.deep.equal(first);
      expect([c.uniform(), c.uniform()]).to.not.deep.equal(first);
      expect(new Rng(8).fork("prices").uniform()).to.not.equal(first[0]);
      // A fork is the generator of the seed "seed/label": generatePath(model, "7/prices") draws it.
      expect(new Rng(7).fork("prices").seed).to.equal("7/prices");
    });
  });

  it("cholesky: L L' reproduces the matrix, and a matrix that is not positive definite is refused", () => {
    const a = [
      [1, 0.6, 0.3],
      [0.6, 1, 0.5],
      [0.3, 0.5, 1],
    ];
    const l = cholesky(a);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += l[i * 3 + k] * l[j * 3 + k];
        expect(s).to.be.closeTo(a[i][j], 1e-12);
      }
    }
    expect(() =>
      cholesky([
        [1, 0.9, -0.9],
        [0.9, 1, 0.9],
        [-0.9, 0.9, 1],
      ]),
    ).to.throw(SimError, /positive definite/);
  });

  describe("correlated GBM", () => {
    // One year of 5-minute steps: 105 120 returns per asset. The realised volatility's relative
    // standard error is 1 / sqrt(2n) = 0.22%, a correlation's (1 - rho^2) / sqrt(n) <= 0.3%.
    const p = generatePath(
      {
        assets: [
          { symbol: "WETH", priceUsd: 3000, volatility: 0.7 },
          { symbol: "WBTC", priceUsd: 60000, volatility: 0.5 },
          { symbol: "LINK", priceUsd: 15, volatility: 1.0 },
        ],
        correlation: [
          [1, 0.8, 0.5],
          [0.8, 1, 0.3],
          [0.5, 0.3, 1],
        ],
        years: 1,
        stepSeconds: 300,
      },
      "gbm",
    );

    it("lays out the path: base column at $1, times every step, initial prices, decimals", () => {
      expect(p.steps).to.equal(YEAR_SECONDS / 300 + 1);
      expect(p.width).to.equal(4);
      expect(p.symbols).to.deep.equal(["USDC", "WETH", "WBTC", "LINK"]);
      expect(p.decimals).to.deep.equal([6, 18, 8, 18]);
      expect([...p.prices.slice(0, 4)]).to.deep.equal([1, 3000, 60000, 15]);
      expect(p.times[1]).to.equal(300);
      for (let t = 0; t < p.steps; t += 997) expect(p.prices[t * 4]).to.equal(1);
    });

    it("has each asset's volatility (within 1.5%, 7 SE) and the correlations (within 0.02)", () => {
      for (const [i, vol] of [
        [1, 0.7],
        [2, 0.5],
        [3, 1.0],
      ]) {
        expect(realisedVolatility(p, i) / vol - 1).to.be.within(-0.015, 0.015);
      }
      const [a, b, c] = [logReturns(p, 1), logReturns(p, 2), logReturns(p, 3)];
      expect(correlation(a, b)).to.be.closeTo(0.8, 0.02);
      expect(correlation(a, c)).to.be.closeTo(0.5, 0.02);
      expect(correlation(b, c)).to.be.closeTo(0.3, 0.02);
    });

    it("has the log drift mu - sigma^2 / 2 (2 000 years of days: SE 0.011 a year, tolerance 0.05)", () => {
      const long = generatePath(
        {
          assets: [{ symbol: "X", priceUsd: 1, volatility: 0.5, drift: 0.3 }],
          correlation: 0,
          years: 2_000,
          stepSeconds: 86_400,
        },
        3,
      );
      const drift = Math.log(long.prices[(long.steps - 1) * 2 + 1]) / 2_000;
      expect(drift).to.be.closeTo(0.3 - 0.125, 0.05);
    });

    it("is reproducible from its seed", () => {
      const model = {
        assets: [{ symbol: "X", priceUsd: 1, volatility: 0.5 }],
        correlation: 0,
        years: 0.01,
        stepSeconds: 60,
      };
      const bytes = (seed: number) => Buffer.from(generatePath(model, seed).prices.buffer);
      expect(bytes(5).equals(bytes(5))).to.equal(true);
      expect(bytes(6).equals(bytes(5))).to.equal(false);
    });
  });

  it("Merton jumps: Poisson count, jump sizes, and a drift compensated so the expected return stays mu", () => {
    // No diffusion: every step moves by the compensated drift, jump steps by a jump on top.
    const jumps = { intensityPerYear: 50, meanLog: -0.05, volLog: 0.1 };
    const years = 40;
    const p = generatePath(
      {
        assets: [{ symbol: "X", priceUsd: 100, volatility: 0, drift: 0.1 }],
        correlation: 0,
        years,
        stepSeconds: 3_600,
        jumps,
      },
      9,
    );
    const kappa = Math.exp(jumps.meanLog + jumps.volLog ** 2 / 2) - 1;
    const dt = 3_600 / YEAR_SECONDS;
    const plain = (0.1 - jumps.intensityPerYear * kappa) * dt;
    const r = logReturns(p, 1);
    const jumpSizes = r.filter((x) => Math.abs(x - plain) > 1e-12).map((x) => x - plain);
    // 2 000 jumps expected: Poisson SE 45, tolerance 4 SE.
    expect(jumpSizes.length).to.be.closeTo(jumps.intensityPerYear * years, 180);
    // Mean jump: SE 0.1 / sqrt(2000) = 0.0022, tolerance 0.01.
    expect(mean(jumpSizes)).to.be.closeTo(jumps.meanLog, 0.01);
    expect(r.filter((x) => Math.abs(x - plain) <= 1e-12).length).to.be.greaterThan(r.length - 2_500);
  });

  it("regime switching: stressed a share q01 / (q01 + q10) of the time, with the stressed volatility", () => {
    const p = generatePath(
      {
        assets: [{ symbol: "X", priceUsd: 100, volatility: 0.4 }],
        correlation: 0,
        years: 50,
        stepSeconds: 3_600,
        regimes: { toStressedPerYear: 4, toCalmPerYear: 12, stressedVolMultiplier: 3 },
      },
      4,
    );
    const regimes = p.regimes as Uint8Array;
    let stressed = 0;
    for (let t = 1; t < p.steps; t++) stressed += regimes[t];
    // ~200 stressed spells of ~1 month: the share's SE is ~0.02 of 0.25.
    expect(stressed / (p.steps - 1)).to.be.closeTo(4 / 16, 0.05);
    const vol = (rows: (t: number) => boolean) => {
      const r = logReturns(p, 1, rows);
      return Math.sqrt(mean(r.map((x) => x * x)) / (3_600 / YEAR_SECONDS));
    };
    expect(vol((t) => regimes[t] === 1)).to.be.closeTo(1.2, 0.03);
    expect(vol((t) => regimes[t] === 0)).to.be.closeTo(0.4, 0.01);
  });

  describe("npm start's scenario shapes: mean reversion, shocks and volatility spells", () => {
    const hour = 3_600 / YEAR_SECONDS;
    const one = { symbol: "X", priceUsd: 100, volatility: 1 };

    it("mean reversion is the exact Ornstein-Uhlenbeck step: log prices settle at sd sigma / sqrt(2k) around the start", () => {
      // k = 40 a year (half-life 6 days), sigma = 100%: stationary sd 0.112. 20 years of hours hold
      // ~800 independent half-lives: the sample sd's SE is ~2.5%, tolerance 8%.
      const p = generatePath({ assets: [one], correlation: 0, years: 20, stepSeconds: 3_600, meanReversion: 40 }, 2);
      const logs: number[] = [];
      for (let t = 24 * 30; t < p.steps; t++) logs.push(Math.log(p.prices[t * 2 + 1] / 100));
      const sd = Math.sqrt(mean(logs.map((x) => x * x)) - mean(logs) ** 2);
      expect(sd / (1 / Math.sqrt(80)) - 1).to.be.within(-0.08, 0.08);
      // Around the start, less the Ito term's pull (mu - sigma^2 / 2) / k = -0.0125.
      expect(mean(logs)).to.be.closeTo(-0.0125, 0.02);
      // And within a step it moves like the diffusion: realised volatility 100% (SE 0.2%, tolerance 2%).
      expect(realisedVolatility(p, 1)).to.be.closeTo(1, 0.02);
    });

    it("a shock multiplies every later price by 1 + r and leaves the draws in place", () => {
      const model = {
        assets: [one, { symbol: "Y", priceUsd: 10, volatility: 0.8 }],
        correlation: 0.7,
        years: 48 * hour,
        stepSeconds: 3_600,
      };
      const calm = generatePath(model, 9);
      const shocked = generatePath({ ...model, shocks: [{ row: 24, returns: [-0.35, -0.4] }] }, 9);
      expect([...shocked.prices.slice(0, 24 * 3)]).to.deep.equal([...calm.prices.slice(0, 24 * 3)]);
      for (let t = 24; t < calm.steps; t++) {
        expect(shocked.prices[t * 3 + 1] / calm.prices[t * 3 + 1]).to.be.closeTo(0.65, 1e-9);
        expect(shocked.prices[t * 3 + 2] / calm.prices[t * 3 + 2]).to.be.closeTo(0.6, 1e-9);
      }
      expect(shocked.source).to.equal("gbm+shocks seed 9");
    });

    it("a volatility spell multiplies the volatility of its rows only (with the Ito term of the larger volatility)", () => {
      const model = { assets: [one], correlation: 0, years: 4_000 * hour, stepSeconds: 3_600 };
      const plain = generatePath(model, 5);
      const spell = generatePath({ ...model, volatilitySpells: [{ fromRow: 1_001, toRow: 3_000, multiplier: 2 }] }, 5);
      const r = logReturns(plain, 1);
      const s = logReturns(spell, 1);
      for (let k = 0; k < r.length; k++) {
        const row = k + 1;
        // Twice the noise, and the drift -sigma^2 dt s^2 / 2 = -2 dt instead of -dt / 2: 2 r - dt.
        const expected = row >= 1_001 && row <= 3_000 ? 2 * r[k] - hour : r[k];
        if (Math.abs(s[k] - expected) > 1e-12) expect.fail(`row ${row}: ${s[k]} vs ${expected}`);
      }
    });

    it("refuses a shock or spell outside the path, and a negative reversion", () => {
      const model = { assets: [one], correlation: 0, years: 10 * hour, stepSeconds: 3_600 };
      expect(() => generatePath({ ...model, shocks: [{ row: 11, returns: [-0.3] }] }, 1)).to.throw(SimError, /row/);
      expect(() => generatePath({ ...model, shocks: [{ row: 3, returns: [-1] }] }, 1)).to.throw(SimError, /return/);
      expect(() => generatePath({ ...model, shocks: [{ row: 3, returns: [0.1, 0.2] }] }, 1)).to.throw(
        SimError,
        /1 returns/,
      );
      expect(() => generatePath({ ...model, volatilitySpells: [{ fromRow: 5, toRow: 4, multiplier: 2 }] }, 1)).to.throw(
        SimError,
        /toRow/,
      );
      expect(() => generatePath({ ...model, meanReversion: -1 }, 1)).to.throw(SimError, /meanReversion/);
    });
  });

  it("refuses models that cannot be simulated, with the field in the message", () => {
    const asset = { symbol: "X", priceUsd: 1, volatility: 0.5 };
    expect(() => generatePath({ assets: [asset], correlation: 0, years: 1, stepSeconds: 0 }, 1)).to.throw(
      SimError,
      /stepSeconds/,
    );
    expect(() =>
      generatePath({ assets: [asset, { ...asset }], correlation: 0.5, years: 1, stepSeconds: 60 }, 1),
    ).to.throw(SimError, /listed twice/);
    expect(() =>
      generatePath({ assets: [asset, { ...asset, symbol: "Y" }], correlation: 1, years: 1, stepSeconds: 60 }, 1),
    ).to.throw(SimError, /correlation/);
    expect(() =>
      generatePath({ assets: [{ ...asset, priceUsd: -1 }], correlation: 0, years: 1, stepSeconds: 60 }, 1),
    ).to.throw(SimError, /priceUsd/);
    expect(() => generatePath({ assets: [asset], correlation: 0, years: 200, stepSeconds: 1 }, 1)).to.throw(
      SimError,
      /exceeds/,
    );
  });

  describe("CSV", () => {
    const csv = [
      "# ETH and BTC, hourly",
      "timestamp,WETH,WBTC",
      "2024-01-01T00:00:00Z,2281.5,42280",
      "2024-01-01T01:00:00Z,2290,42300.5",
      "",
      "1704074400,2279.25,42211",
      "2024-01-01 03:00,2300,42500",
    ].join("\r\n");

    it("reads timestamp,SYM1,SYM2,...: ISO 8601 (UTC without a zone) or unix seconds, comments and blank lines skipped", () => {
      const p = parseCsvPath(csv);
      expect(p.symbols).to.deep.equal(["USDC", "WETH", "WBTC"]);
      expect(p.decimals).to.deep.equal([6, 18, 8]);
      expect([...p.times]).to.deep.equal([0, 3_600, 7_200, 10_800]);
      expect([...p.prices.slice(3, 6)]).to.deep.equal([1, 2290, 42300.5]);
      expect(p.steps).to.equal(4);
    });

    it("takes the base's price from its column when there is one", () => {
      const p = parseCsvPath("timestamp,USDC,WETH\n0,0.999,3000\n60,1.001,3010\n");
      expect(p.symbols).to.deep.equal(["USDC", "WETH"]);
      expect([...p.prices]).to.deep.equal([0.999, 3000, 1.001, 3010]);
    });

    it("round-trips through pathToCsv and loads from a file", () => {
      const p = parseCsvPath(csv);
      const dir = mkdtempSync(path.join(os.tmpdir(), "ballast-sim-"));
      const file = path.join(dir, "prices.csv");
      writeFileSync(file, pathToCsv(p, 1_704_067_200));
      const q = loadCsvPath(file);
      expect([...q.prices]).to.deep.equal([...p.prices]);
      expect([...q.times]).to.deep.equal([...p.times]);
      expect(q.source).to.equal("prices.csv");
    });

    for (const [label, text, message] of [
      ["a wrong first column", "time,WETH\n0,1\n1,2\n", /first column must be "timestamp"/],
      ["timestamps out of order", "timestamp,WETH\n10,1\n5,2\n", /line 3: timestamp 5 is not after/],
      ["an empty cell", "timestamp,WETH,WBTC\n0,1,2\n60,,2\n", /line 3, column WETH: "" is not a positive price/],
      ["a negative price", "timestamp,WETH\n0,1\n60,-2\n", /not a positive price/],
      ["milliseconds", "timestamp,WETH\n1704067200000,1\n1704067260000,2\n", /milliseconds/],
      ["a short row", "timestamp,WETH,WBTC\n0,1,2\n60,1\n", /2 cells, the header has 3/],
      ["a bad date", "timestamp,WETH\n2024-13-45,1\n2024-01-02,2\n", /not a valid date/],
      ["a single row", "timestamp,WETH\n0,1\n", /at least two rows/],
      ["a duplicated column", "timestamp,WETH,WETH\n0,1,1\n60,1,1\n", /appears twice/],
    ] as const) {
      it(`refuses ${label} with the line and column`, () => {
        expect(() => parseCsvPath(text)).to.throw(SimError, message);
      });
    }
  });
});
