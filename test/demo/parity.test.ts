import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";

import { runStart } from "../../src/demo";
import type { ReportFiles, ScenarioReport } from "../../src/demo";
import type { RawScenarioOptions } from "../../src/demo/options";
import { loadCsvPath, loadFlowsCsv, totals } from "../../src/sim";
import type { RunningCost } from "../../src/sim";

/** Running cost a year in bp of the mean NAV: every gas and trading cost (src/sim/runningCost.ts). */
function runningBpPerYear(c: RunningCost): number {
  return (totals(c).runningUsd / c.meanNavUsd / c.years) * 10_000;
}

/** `npm run backtest -- --a 1 --b-c x --flag` as the backtest task's arguments ({ a: "1", bC: "x", flag: true }). */
function taskArgs(command: string): Record<string, string | boolean> {
  const args: Record<string, string | boolean> = {};
  const words = command.replace(/^npm run backtest -- /, "").split(" ");
  for (let k = 0; k < words.length; k++) {
    const name = words[k].replace(/^--/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const value = words[k + 1];
    if (value === undefined || value.startsWith("--")) args[name] = true;
    else args[name] = words[++k];
  }
  return args;
}

/**
 * Issue 17: `npm start` and `npm run backtest` on the same path give the same running cost. A short
 * crash scenario on the chain (4 days in 3-hour steps, the crash on day 1, which trips the breaker),
 * without adversaries (the lab has none), through `runStart` as `npm start` runs it; then the lab on
 * the prices CSV (and flows CSV) it wrote, by the command line it printed. Both must count the same
 * rebalances and legs and agree on the running cost, each part of it, within 10%.
 *
 * Two runs: without depositors, on a 1% trigger band and a 0.2% target band so that the market
 * alone makes a few rebalances (measured: within 1%); and with `npm start`'s depositors (2 flows a
 * day, here 4 to have a dozen in 4 days) on its default bands, where the flows cause most of the
 * rebalances, which the lab must replay from the flows CSV (see docs/simulator.md).
 */
function parity(
  title: string,
  options: RawScenarioOptions & { triggerBandBps: number; targetBandBps: number },
  expectFlows: boolean,
): void {
  describe(title, function () {
    // The scenario deploys the market and plays 32 steps: ~30 s on two idle cores.
    this.timeout(600_000);

    let report: ScenarioReport;
    let files: ReportFiles;
    const lines: string[] = [];

    before(async () => {
      const outDir = mkdtempSync(path.join(os.tmpdir(), "ballast-parity-"));
      ({ report, files } = await runStart(
        { days: 4, crashDay: 1, seed: 7, stepHours: 3, adversaries: "off", outDir, name: "parity", ...options },
        (line) => lines.push(line),
      ));
    });

    it("writes the feeds' prices at every step as the lab's CSV", () => {
      expect(existsSync(files.csv)).to.be.true;
      const prices = loadCsvPath(files.csv);
      expect(prices.symbols).to.deep.equal(report.basket.map((a) => a.symbol));
      expect(prices.steps).to.equal(report.snapshots.length);
      expect(prices.times[1]).to.equal(3 * 3_600);
      report.snapshots.forEach((s, t) => {
        for (let i = 0; i < prices.width; i++) {
          if (prices.prices[t * prices.width + i] !== s.prices[i]) expect.fail(`row ${t}, ${prices.symbols[i]}`);
        }
      });
    });

    it("writes the depositors' flows after hour 0, with what the vault charged them, as the lab's flows CSV", () => {
      const flows = loadFlowsCsv(files.flows);
      const made = report.flows.filter((f) => f.hour >= 0 && f.error === undefined);
      expect(flows.length).to.equal(made.length);
      expect(flows.length > 0, "flows in this run").to.equal(expectFlows);
      const start = loadCsvPath(files.csv).startTime!;
      flows.forEach((f, k) => {
        expect(f.kind).to.equal(made[k].kind);
        expect(f.time - start).to.be.closeTo(made[k].hour * 3_600, 0.5);
        expect(f.value).to.equal(made[k].valueUsd);
        expect(f.charge).to.equal(made[k].chargeUsd);
      });
      if (!expectFlows) return;
      // The vault's entry and exit prices charge a deposit and a base exit a positive flow cost
      // (VaultLogic.flowCost, within the 1% slippage bound); a deposit also pays the entry price's
      // markup of each asset by its and the base's feed deviation thresholds (75-125 bp here, ~86 bp
      // of NAV at the targets); an exit in kind pays nothing (rounding aside).
      for (const f of flows) {
        const rate = f.charge / f.value;
        if (f.kind === "redeemInKind") expect(Math.abs(f.charge), "in kind").to.be.below(0.01);
        else if (f.kind === "deposit") expect(rate, "deposit").to.be.within(0.0086, 0.0186);
        else expect(rate, f.kind).to.be.within(1e-6, 0.01);
      }
      expect(report.summary.flowChargesUsd).to.be.closeTo(
        flows.reduce((sum, f) => sum + f.charge, 0),
        1e-6,
      );
    });

    it("makes the same rebalances in the lab as on the chain", () => {
      const lab = report.lab!;
      const { summary } = report;
      expect(summary.breakerTrips, "the crash trips the breaker").to.equal(1);
      expect(summary.rebalances, "a few rebalances to compare").to.be.at.least(2);
      expect(Math.abs(lab.rebalances - summary.rebalances), "rebalances").to.be.at.most(1);
      expect(Math.abs(lab.trades - summary.trades), "legs").to.be.at.most(2);
      expect(lab.revertedAttempts).to.equal(0);
    });

    it("reports the running cost within 10% of the chain's, each part of it too", () => {
      const chain = report.summary.runningCost;
      const lab = report.lab!.runningCost;
      expect(lab.years).to.be.closeTo(chain.years, 1e-9);
      expect(lab.meanNavUsd / chain.meanNavUsd - 1).to.be.within(-0.01, 0.01);
      expect(runningBpPerYear(lab) / runningBpPerYear(chain) - 1, "running cost").to.be.within(-0.1, 0.1);
      const ratio = (key: "rebalanceGasUsd" | "otherGasUsd" | "paidByVaultUsd" | "feesUsd" | "impactUsd") =>
        lab[key] / lab.meanNavUsd / (chain[key] / chain.meanNavUsd) - 1;
      for (const key of ["rebalanceGasUsd", "otherGasUsd", "paidByVaultUsd", "feesUsd", "impactUsd"] as const) {
        expect(ratio(key), key).to.be.within(-0.1, 0.1);
      }
      // The premium against buy-and-hold, per share: the same trades at the same prices, within 1% of NAV a year.
      expect(lab.premiumPerYear - chain.premiumPerYear).to.be.within(-0.01, 0.01);
    });

    it("prints the lab's running cost under the chain's, and the command that replays it", () => {
      const text = lines.join("\n");
      expect(text).to.match(/^the lab, a year +\d/m);
      expect(text).to.include(`Replay: ${report.lab!.command}`);
      expect(text).to.include(`Prices: ${files.csv}`);
      expect(text).to.include(`Flows:  ${files.flows}`);
      expect(report.lab!.command.includes(" --flows "), "--flows in the command").to.equal(expectFlows);
    });

    it("is what `npm run backtest` prints for the command line the report gives", async () => {
      const args = taskArgs(report.lab!.command);
      const out = args.out as string;
      const log = console.log;
      console.log = () => undefined;
      try {
        await hre.run("backtest", args);
      } finally {
        console.log = log;
      }
      const json = JSON.parse(readFileSync(path.join(out, "backtest.json"), "utf8")) as {
        results: { policy: string; rebalances: number; swaps: number; runningCost: RunningCost }[];
      };
      const [result] = json.results;
      expect(result.policy).to.equal(`vault-${options.triggerBandBps}-${options.targetBandBps}`);
      expect(result.rebalances).to.equal(report.lab!.rebalances);
      expect(result.swaps).to.equal(report.lab!.trades);
      expect(result.runningCost).to.deep.equal(report.lab!.runningCost);
    });
  });
}

describe("npm start and the lab on the same path (issue 17)", () => {
  parity("without depositors", { flowsPerDay: 0, triggerBandBps: 100, targetBandBps: 20 }, false);
  parity(
    "with npm start's depositors, on its default bands",
    { flowsPerDay: 4, triggerBandBps: 200, targetBandBps: 0 },
    true,
  );
});
