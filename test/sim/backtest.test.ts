/**
 * The simulation loop, the policy presets, the backtest and sweep engines and their reports, on
 * short runs (seconds of test time).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { expect } from "chai";

import {
  DEFAULT_POLICIES,
  efficientFrontier,
  generatePath,
  presetPolicy,
  resultsTable,
  runBacktest,
  runSweep,
  SimError,
  simulate,
  writeBacktestReport,
  writeSweepReport,
} from "../../src/sim";
import type { PricePath } from "../../src/sim";

const tmp = () => mkdtempSync(path.join(os.tmpdir(), "ballast-backtest-"));

describe("simulation and backtest", () => {
  let p: PricePath;
  before(() => {
    p = generatePath(
      {
        assets: [
          { symbol: "WETH", priceUsd: 3000, volatility: 0.8 },
          { symbol: "WBTC", priceUsd: 60000, volatility: 0.6 },
        ],
        correlation: 0.5,
        years: 0.25,
        stepSeconds: 300,
      },
      21,
    );
  });
  const targets = [1_000, 5_000, 4_000];

  describe("presets", () => {
    const ctx = { assets: 4, referenceVolBps: 7_000 };
    it("resolve to the vault's parameters", () => {
      expect(presetPolicy("edge-300", ctx)).to.deep.include({
        kind: "vault",
        triggerBandBps: 300,
        targetBandBps: 50,
        cooldown: 600,
      });
      expect(presetPolicy("full-300", ctx)).to.deep.include({ kind: "vault", triggerBandBps: 300, targetBandBps: 0 });
      expect(presetPolicy("weekly", ctx)).to.deep.include({
        kind: "vault",
        triggerBandBps: 5_000,
        calendarInterval: 7 * 86_400,
      });
      expect(presetPolicy("vol-200", ctx)).to.deep.nested.include({
        "volatility.referenceVolBps": 7_000,
        "volatility.minBandBps": 100,
        "volatility.maxBandBps": 800,
      });
      expect(presetPolicy("amm-25", ctx)).to.deep.include({ kind: "amm", feePips: 2_500 });
      expect(presetPolicy("ideal-50", ctx)).to.deep.include({ kind: "idealBand", bandBps: 50 });
      expect(presetPolicy("hold", ctx).kind).to.equal("buyAndHold");
      for (const name of DEFAULT_POLICIES) expect(presetPolicy(name, ctx).name).to.equal(name);
    });

    it("refuse unknown names and out-of-range bands with the accepted forms", () => {
      expect(() => presetPolicy("band-200", ctx)).to.throw(SimError, /expected edge-T, full-T/);
      expect(() => presetPolicy("edge-0", ctx)).to.throw(SimError, /integer in \[1, 5000\]/);
    });
  });

  describe("simulate", () => {
    it("buy and hold: no trades, no cost, no excess growth; tracking error grows with the drift", () => {
      const r = simulate({ path: p, targetsBps: targets, navUsd: 1e6, policy: { kind: "buyAndHold", name: "hold" } });
      expect(r.rebalances).to.equal(0);
      expect(r.costs.totalUsd).to.equal(0);
      expect(r.excessGrowth).to.be.closeTo(0, 1e-12);
      expect(r.navEndUsd).to.be.closeTo(r.buyHoldEndUsd, 1e-6);
      expect(r.trackingErrorBps).to.be.greaterThan(50);
    });

    it("the vault trades only when due, keeps drift near its band, and pays fees, impact and gas", () => {
      const r = simulate({
        path: p,
        targetsBps: targets,
        navUsd: 1e6,
        policy: presetPolicy("edge-200", { assets: 3, referenceVolBps: 7_000 }),
      });
      expect(r.rebalances).to.be.greaterThan(2);
      expect(r.costs.feesUsd).to.be.greaterThan(0);
      expect(r.costs.impactUsd).to.be.greaterThan(0);
      expect(r.costs.gasUsd).to.be.greaterThan(0);
      // Fees are the tier (0.3%) of what was traded, near enough: impact and gas are extra.
      expect(r.costs.feesUsd / (r.turnoverPerYear * r.years * 1e6)).to.be.closeTo(0.003, 0.0003);
      expect(r.trackingErrorBps).to.be.below(200);
      expect(r.revertedAttempts).to.equal(0);
      expect(r.series.navUsd.length).to.be.within(900, 1_001);
    });

    it("is deterministic: the same inputs give the same results", () => {
      const policy = presetPolicy("edge-100", { assets: 3, referenceVolBps: 7_000 });
      const a = simulate({ path: p, targetsBps: targets, navUsd: 1e6, policy });
      const b = simulate({ path: p, targetsBps: targets, navUsd: 1e6, policy });
      expect(a.navEndUsd).to.equal(b.navEndUsd);
      expect(a.costs).to.deep.equal(b.costs);
    });

    it("splits a big rebalance into maxTradeBps-sized calls spaced by the cooldown", () => {
      // From 100% base, the first rebalance must buy 90% of NAV in 10% slices.
      const flat = generatePath(
        { assets: [{ symbol: "WETH", priceUsd: 3000, volatility: 0 }], correlation: 0, years: 0.01, stepSeconds: 60 },
        1,
      );
      const r = simulate({
        path: flat,
        targetsBps: [1_000, 9_000],
        navUsd: 1e6,
        market: { frictionless: true },
        policy: {
          kind: "vault",
          name: "edge",
          triggerBandBps: 100,
          targetBandBps: 0,
          cooldown: 600,
          maxTradeBps: 1_000,
        },
      });
      // Invested at target from the start: nothing to do on a flat path.
      expect(r.rebalances).to.equal(0);
      const lopsided = simulate({
        path: flat,
        targetsBps: [1_000, 9_000],
        navUsd: 1e6,
        market: { frictionless: true },
        policy: {
          kind: "vault",
          name: "edge",
          triggerBandBps: 100,
          targetBandBps: 0,
          cooldown: 600,
          maxTradeBps: 1_000,
        },
        initialWeightsBps: [10_000, 0],
      });
      expect(lopsided.rebalances).to.equal(9);
      expect(lopsided.turnoverPerYear * lopsided.years).to.be.closeTo(0.9, 0.01);
    });

    it("the cost gate skips rebalances whose cost exceeds the drift they remove (small NAV, L1 gas)", () => {
      const policy = presetPolicy("edge-100", {
        assets: 3,
        referenceVolBps: 7_000,
        costs: { benefitPerBpWad: 10n ** 12n, maxCostRatioBps: 10_000 },
      });
      const gated = simulate({
        path: p,
        targetsBps: targets,
        navUsd: 20_000,
        market: { gas: { baseFeeGwei: 50 } },
        policy,
      });
      const open = simulate({
        path: p,
        targetsBps: targets,
        navUsd: 20_000,
        market: { gas: { baseFeeGwei: 50 } },
        policy: presetPolicy("edge-100", { assets: 3, referenceVolBps: 7_000 }),
      });
      expect(gated.uneconomicChecks).to.be.greaterThan(0);
      expect(gated.rebalances).to.be.below(open.rebalances);
      expect(gated.costs.gasUsd).to.be.below(open.costs.gasUsd);
    });

    it("pays the keeper reward as the rebalancer does: gas x (1 + premium), capped; the gate counts the premium", () => {
      const base = presetPolicy("edge-100", { assets: 3, referenceVolBps: 7_000 });
      const run = (policy: typeof base, navUsd = 1e6) =>
        simulate({ path: p, targetsBps: targets, navUsd, market: { gas: { baseFeeGwei: 20 } }, policy });
      if (base.kind !== "vault") throw new Error("a vault preset");
      // The reward at cost (its own pricing and payment in the gas), then at twice the gas, uncapped:
      // the vault pays twice as much a rebalance.
      const gas = run({ ...base, reward: { premiumBps: 0, maxRewardBps: 10, maxRewardTokens: 1e9 } });
      const doubled = run({ ...base, reward: { premiumBps: 10_000, maxRewardBps: 10, maxRewardTokens: 1e9 } });
      // (The base the reward takes moves the weights a little: a rebalance or two more or fewer.)
      expect(doubled.rebalances).to.be.closeTo(gas.rebalances, 3);
      expect(doubled.costs.gasUsd / doubled.rebalances / (gas.costs.gasUsd / gas.rebalances)).to.be.closeTo(2, 0.02);
      // Capped at one USDC a rebalance: the vault pays at most that.
      const capped = run({ ...base, reward: { premiumBps: 10_000, maxRewardBps: 10, maxRewardTokens: 1 } });
      expect(capped.costs.gasUsd).to.be.at.most(capped.rebalances * 1.0001);
      expect(capped.costs.gasUsd).to.be.greaterThan(0);
      // With the gate on, a premium turns marginal rebalances away (small NAV, where gas weighs).
      const costs = { benefitPerBpWad: 10n ** 12n, maxCostRatioBps: 10_000 };
      const gated = presetPolicy("edge-100", { assets: 3, referenceVolBps: 7_000, costs });
      if (gated.kind !== "vault") throw new Error("a vault preset");
      const plainGate = run(gated, 20_000);
      const premiumGate = run(
        { ...gated, reward: { premiumBps: 10_000, maxRewardBps: 10, maxRewardTokens: 1e9 } },
        20_000,
      );
      expect(premiumGate.uneconomicChecks).to.be.greaterThan(plainGate.uneconomicChecks);
      expect(() => run({ ...base, reward: { premiumBps: 10_001, maxRewardBps: 10, maxRewardTokens: 1 } })).to.throw(
        SimError,
        /reward.premiumBps: 10001 must be an integer in \[0, 10000\]/,
      );
    });

    it("refuses targets that do not fit the path or sum to 10000", () => {
      const policy = { kind: "buyAndHold", name: "hold" } as const;
      expect(() => simulate({ path: p, targetsBps: [5_000, 5_000], navUsd: 1e6, policy })).to.throw(
        SimError,
        /2 weights for 3 assets/,
      );
      expect(() => simulate({ path: p, targetsBps: [1_000, 5_000, 3_000], navUsd: 1e6, policy })).to.throw(
        SimError,
        /sum to 9000/,
      );
      expect(() =>
        simulate({
          path: p,
          targetsBps: targets,
          navUsd: 1e6,
          policy: { kind: "amm", name: "amm", feePips: 3_000 },
          market: { feePips: 250 },
        }),
      ).to.throw(SimError, /not a Uniswap V3 tier/);
    });
  });

  it("efficientFrontier keeps the points nothing beats on both cost and tracking error", () => {
    const pts = [
      { label: "a", trackingErrorBps: 10, costBpsPerYear: 100 },
      { label: "b", trackingErrorBps: 20, costBpsPerYear: 50 },
      { label: "c", trackingErrorBps: 30, costBpsPerYear: 60 },
      { label: "d", trackingErrorBps: 40, costBpsPerYear: 0 },
    ];
    expect(efficientFrontier(pts).map((x) => x.label)).to.deep.equal(["a", "b", "d"]);
  });

  describe("backtest and sweep engines", () => {
    it("runs every default policy on one path and writes HTML, SVG, JSON and CSV reports", () => {
      const run = runBacktest({ assets: 2, years: 0.05, stepSeconds: 300, seed: 3 });
      expect(run.results.map((r) => r.policy)).to.deep.equal([...DEFAULT_POLICIES]);
      for (const r of run.results) {
        expect(
          Number.isFinite(r.navEndUsd) && Number.isFinite(r.trackingErrorBps) && Number.isFinite(r.costBpsPerYear),
          r.policy,
        ).to.equal(true);
      }
      const table = resultsTable(run.results);
      expect(table.split("\n")).to.have.length(2 + DEFAULT_POLICIES.length);
      const dir = tmp();
      const files = writeBacktestReport(run, dir);
      expect(files.map((f) => path.basename(f))).to.deep.equal([
        "backtest.html",
        "frontier.svg",
        "nav.svg",
        "nav-vs-hold.svg",
        "backtest.json",
        "backtest.csv",
      ]);
      const html = readFileSync(path.join(dir, "backtest.html"), "utf8");
      expect(html).to.contain("<svg").and.to.contain("efficient frontier").and.to.contain("edge-200");
      expect(JSON.parse(readFileSync(path.join(dir, "backtest.json"), "utf8")).results).to.have.length(
        DEFAULT_POLICIES.length,
      );
    });

    it("backtests historical prices from a CSV file", () => {
      const dir = tmp();
      const file = path.join(dir, "prices.csv");
      const rows = ["timestamp,WETH,WBTC"];
      for (let h = 0; h < 24 * 30; h++)
        rows.push(
          `${1_704_067_200 + h * 3_600},${(3000 * Math.exp(0.05 * Math.sin(h / 20))).toFixed(2)},${(60000 * Math.exp(0.03 * Math.cos(h / 15))).toFixed(2)}`,
        );
      writeFileSync(file, rows.join("\n"));
      const run = runBacktest({ csv: file, policies: ["edge-100", "hold"] });
      expect(run.path.symbols).to.deep.equal(["USDC", "WETH", "WBTC"]);
      expect(run.results[0].rebalances).to.be.greaterThan(0);
      expect(run.results[0].years).to.be.closeTo((24 * 30 - 1) / 24 / 365, 1e-9);
    });

    it("sweeps bands and recommends the least objective (cost + teCost x (TE / 1%)^2), with the theory's band beside it", () => {
      const s = runSweep({
        assets: 2,
        volatility: 0.8,
        feePips: 3_000,
        years: 0.1,
        seeds: 1,
        bandsBps: [50, 200, 800],
      });
      expect(s.rows).to.have.length(6);
      for (const r of s.rows)
        expect(r.objectiveBps).to.be.closeTo(r.costBpsPerYear + 10 * (r.trackingErrorBps / 100) ** 2, 1e-9);
      expect(s.recommended.objectiveBps).to.equal(Math.min(...s.rows.map((r) => r.objectiveBps)));
      expect(s.theory.edgeTriggerBps).to.be.within(50, 1_000);
      const dir = tmp();
      writeSweepReport(s, dir);
      expect(existsSync(path.join(dir, "sweep.html"))).to.equal(true);
    });

    it("refuses unknown assets and models with the accepted values", () => {
      expect(() => runBacktest({ assets: ["DOGE"] })).to.throw(SimError, /not in the catalog/);
      expect(() => runBacktest({ model: "levy" as never })).to.throw(SimError, /gbm, jumps, regimes/);
      expect(() => runBacktest({ assets: 16 })).to.throw(SimError, /assets/);
    });
  });
});
