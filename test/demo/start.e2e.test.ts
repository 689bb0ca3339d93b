import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";

import { runStart } from "../../src/demo";
import type { ReportFiles, ScenarioReport } from "../../src/demo";

/**
 * `npm start` end to end on the in-process chain, short: 3 days in 3-hour steps, the crash on day 1,
 * a fixed seed. The report it returns (and writes) is checked, not the console text alone. The
 * adversaries are off here: this is the vault's own behaviour (test/demo/adversaries.test.ts
 * plays them).
 */
describe("npm start: a short crash scenario end to end", function () {
  // Deploying the market and playing 24 steps takes ~15 s on two idle cores; leave room for a busy CI.
  this.timeout(240_000);

  let report: ScenarioReport;
  let files: ReportFiles;
  const lines: string[] = [];

  before(async () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), "ballast-start-"));
    ({ report, files } = await runStart(
      { days: 3, crashDay: 1, seed: 11, stepHours: 3, outDir, name: "e2e", adversaries: "off" },
      (line) => lines.push(line),
    ));
  });

  it("invests the opening deposits and keeps a positive NAV and share price throughout", () => {
    expect(report.basket.map((a) => a.symbol)).to.deep.equal(["USDC", "WETH", "WBTC", "LINK", "UNI"]);
    expect(report.snapshots).to.have.length(25); // hour 0 and 24 steps
    for (const s of report.snapshots) {
      expect(s.nav).to.be.greaterThan(0);
      expect(s.sharePrice).to.be.greaterThan(0);
      // ERC-4626 share price and NAV per share agree (the virtual shares are negligible at this size).
      expect(s.sharePrice).to.be.closeTo(s.nav / s.supply, 1e-6);
    }
    const invest = report.rebalances.filter((r) => r.phase === "invest");
    expect(invest.length).to.be.at.least(2);
    expect(report.snapshots[0].maxDriftBps).to.be.below(report.settings.triggerBandBps);
  });

  it("records rebalances with their trades, costs and gas", () => {
    const traded = report.rebalances.filter((r) => r.trades.length > 0);
    expect(traded.length).to.be.at.least(1);
    for (const r of traded) {
      expect(r.gasUsed).to.be.greaterThan(100_000);
      expect(r.gasCostUsd).to.be.greaterThan(0);
      expect(r.costUsd).to.be.at.least(0);
      // A rebalance costs fees and impact, not percent of NAV.
      expect(r.costBps).to.be.below(20);
      expect(r.driftAfterBps).to.be.below(r.driftBeforeBps);
      for (const t of r.trades) {
        expect(t.amountIn).to.be.greaterThan(0);
        expect(t.amountOut).to.be.greaterThan(0);
        // Every swap stays within the vault's oracle-derived slippage bound.
        expect(t.slippageBps).to.be.below(report.settings.slippageBps);
      }
    }
  });

  it("trips the breaker at the crash; past its cooldown the next rebalance resets it and rebalances into the crash", () => {
    const crashHour = report.meta.crashHour!;
    expect(crashHour).to.equal(24);
    const [trip, reset] = report.breakerEvents;
    // The keeper sends only rebalances: the status says Due for the rebalance that first sees the
    // move, which records the trip and trades nothing.
    expect(trip).to.include({ kind: "trip", reason: "Dislocation" });
    expect(trip.hour).to.be.within(crashHour, crashHour + 3);
    // Nothing else resets it: the trip lapses after its cooldown, and the next rebalance finds the
    // market healthy, clears the breaker and trades, in one transaction.
    expect(reset).to.include({ kind: "reset" });
    expect(reset.hour - trip.hour).to.be.at.least(report.settings.breakerCooldownSeconds / 3_600);
    expect(report.summary).to.include({ breakerTrips: 1, breakerResets: 1 });
    // While tripped the vault did not trade; the rebalance that reset it bought the dip back to
    // target (its hour is taken as it is sent, the reset's as it is recorded: a minute apart at most).
    const minute = 1 / 60;
    const during = report.rebalances.filter((r) => r.hour > trip.hour && r.hour < reset.hour - minute);
    expect(during).to.deep.equal([]);
    const after = report.rebalances.filter((r) => r.hour >= reset.hour - minute && r.hour <= reset.hour + 3);
    expect(after.length).to.be.at.least(1);
    expect(after[0].trades.some((t) => t.sell === "USDC")).to.be.true;
    expect(report.snapshots.some((s) => s.breakerTripped)).to.be.true;
    expect(report.snapshots[report.snapshots.length - 1].breakerTripped).to.be.false;
  });

  it("ends with every weight near its target", () => {
    const last = report.snapshots[report.snapshots.length - 1];
    expect(last.maxDriftBps).to.be.below(report.settings.triggerBandBps);
    last.weightsBps.forEach((w, i) => expect(w).to.be.closeTo(report.basket[i].targetBps, 200));
  });

  it("compares the vault with buy-and-hold at the same prices", () => {
    const [first] = report.snapshots;
    // At hour 0 the benchmark is the vault's own basket: the same value per share.
    expect(first.holdPerShare).to.be.closeTo(first.sharePrice, first.sharePrice * 1e-4);
    const { summary } = report;
    expect(summary.holdReturnPct).to.be.below(-20); // the crash
    expect(summary.excessReturnPct).to.be.closeTo(summary.vaultReturnPct - summary.holdReturnPct, 1e-9);
    // Rebalancing can beat or trail holding, but not by much over three days.
    expect(Math.abs(summary.excessReturnPct)).to.be.below(3);
    expect(report.benchmark.unitsPerShare).to.have.length(report.basket.length);
  });

  it("writes the report files and prints the report", () => {
    for (const file of [files.json, files.svg, files.html]) expect(existsSync(file), file).to.be.true;
    expect(JSON.parse(readFileSync(files.json, "utf8")).summary).to.deep.equal(report.summary);
    expect(readFileSync(files.svg, "utf8")).to.include("Share price vs buy-and-hold");
    const text = lines.join("\n");
    expect(text).to.match(/^day 1\/3 /m);
    expect(text).to.include("breaker TRIPPED (Dislocation");
    expect(text).to.include("Vault vs buy-and-hold (per share)");
    expect(text).to.include(`Report: ${files.json}`);
    expect(text).to.include("Adversaries: off (--adversaries off).");
    expect(report.adversaries).to.be.undefined;
  });
});

describe("npm start: a vault too small for its gas", function () {
  this.timeout(240_000);

  it("is left uninvested by the keeper bot, whose cost gate counts the gas it estimated", async () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), "ballast-start-"));
    const { report } = await runStart(
      {
        days: 1,
        assets: 1,
        stepHours: 12,
        deposit: 5_000,
        gasGwei: 50,
        scenario: "calm",
        outDir,
        name: "small",
        adversaries: "off",
      },
      () => undefined,
    );
    // $5,000 at 50 gwei: the rebalance's gas alone is worth more than the drift it would remove.
    expect(report.rebalances).to.deep.equal([]);
    expect(report.skipped.length).to.be.at.least(2);
    for (const skip of report.skipped) {
      expect(skip.costUsd).to.be.greaterThan(skip.benefitUsd);
      expect(skip.benefitUsd).to.be.greaterThan(0);
      expect(skip.gasUsed).to.equal(0); // refused off chain: nothing sent
    }
    expect(report.snapshots[report.snapshots.length - 1].maxDriftBps).to.equal(9_500);
  });
});

/**
 * `--keeper-plan on`: the keeper bot plans each rebalance itself on the market's QuoterV2, which
 * quotes every pool of the market, and the arbitrageur keeps all of them on the feeds. (When it
 * kept only the vault's route pools, the plan's "costs" went negative on the default 30 days,
 * -$531k; these 3 days are too short to show that, see docs/keeper.md.)
 */
describe("npm start: the keeper bot's own plan", function () {
  this.timeout(240_000);

  it("sends rebalancePlan, pays no negative cost, and the report shows each keeper's reward", async () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), "ballast-start-"));
    const lines: string[] = [];
    const { report } = await runStart(
      { days: 3, crashDay: 1, seed: 11, outDir, name: "plan", adversaries: "off", keeperPlan: "on" },
      (line) => lines.push(line),
    );
    expect(report.meta.options.keeperPlan).to.be.true;
    const scenario = report.rebalances.filter((r) => r.phase === "scenario");
    expect(scenario.length).to.be.at.least(1);
    for (const r of report.rebalances) {
      expect(r.call).to.equal("rebalancePlan");
      // Fees and impact at the oracle prices: never a gain from a pool left off the feeds.
      expect(r.costUsd).to.be.at.least(0);
      for (const t of r.trades) expect(t.slippageBps).to.be.greaterThan(-1);
    }
    const { summary } = report;
    expect(summary.keeperPlans).to.equal(scenario.length);
    expect(summary.legsPerRebalance).to.equal(summary.trades / summary.rebalances);
    expect(summary.trackingErrorBps).to.be.greaterThan(0);
    expect(summary.keepers).to.have.length(1);
    const [keeper] = summary.keepers;
    expect(keeper.rebalances).to.equal(report.rebalances.length);
    expect(keeper.plans).to.equal(report.rebalances.length);
    expect(keeper.rewardsUsd).to.be.closeTo(summary.rewardsUsd, 1e-9);
    expect(keeper.rewardsUsd).to.be.greaterThan(0);
    const text = lines.join("\n");
    expect(text).to.include("Keepers (");
    expect(text).to.match(/^keeper bot \(own plan\) +0x[0-9a-fA-F]{40} +\d+ +\d+ /m);
  });
});

describe("ballast:start and ballast:node flags", () => {
  it("refuse bad values before deploying anything, naming the flag", async () => {
    let message = "";
    try {
      await hre.run("ballast:start", { days: "0" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).to.match(/--days \(DAYS\) must be from 1 to 365, got 0/);
    try {
      await hre.run("ballast:node", { assets: "four" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).to.match(/--assets must be a whole number, got "four"/);
    try {
      await hre.run("ballast:start", { adversaries: "maybe" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).to.match(/--adversaries \(ADVERSARIES\) must be on or off, got "maybe"/);
  });
});
