import { expect } from "chai";
import os from "node:os";

import { printReport, resolveScenarioOptions, runScenario } from "../../src/demo";
import type { AdversarySummary, ScenarioReport } from "../../src/demo";

/**
 * `npm start`'s adversaries on a short scenario (a day in 3-hour steps), played twice from the
 * same seed: with the adversaries and without. Each adversary plays, is refused by name where the
 * vault refuses, and is measured; the report shows it all next to the holders' costs.
 */
describe("npm start: the adversaries", function () {
  // Two short scenarios, ~20-40 s each on two idle cores.
  this.timeout(300_000);

  const base = { days: 1, scenario: "chop", seed: 3, stepHours: 3, outDir: os.tmpdir(), name: "adversaries" };
  let played: ScenarioReport;
  let quiet: ScenarioReport;
  const lines: string[] = [];

  before(async () => {
    played = await runScenario(resolveScenarioOptions(base), { log: () => undefined });
    quiet = await runScenario(resolveScenarioOptions({ ...base, adversaries: "off" }), { log: () => undefined });
    printReport(played, (line) => lines.push(line));
  });

  const summary = (name: AdversarySummary["adversary"]): AdversarySummary => {
    const found = played.adversaries!.summaries.find((s) => s.adversary === name);
    expect(found, name).to.not.be.undefined;
    return found!;
  };

  it("are on by default and off with --adversaries off", () => {
    expect(played.meta.options.adversaries).to.be.true;
    expect(played.adversaries).to.not.be.undefined;
    expect(quiet.adversaries).to.be.undefined;
  });

  it("the front-runner plays the steps it foresees, both ways and both exits", () => {
    const front = summary("front-runner");
    expect(front.attempts).to.be.greaterThan(0);
    const plays = played.adversaries!.attempts.filter((a) => a.adversary === "front-runner");
    for (const play of plays) {
      expect(Math.abs(play.edgeBps)).to.be.at.least(played.meta.options.frontRunMinBps);
      expect(play.sizeUsd).to.be.greaterThan(0);
      expect(play.play.startsWith(play.edgeBps > 0 ? "up:" : "down:")).to.be.true;
    }
    expect(plays.some((p) => p.play.includes("redeemInKind"))).to.be.true;
    expect(plays.some((p) => /-> redeem$|: redeem ->/.test(p.play))).to.be.true;
  });

  it("the sandwicher loses overall; a tolerated push takes at most the pool gap of a leg, a big one is refused by name", () => {
    const sandwich = summary("sandwicher");
    expect(sandwich.attempts).to.be.greaterThan(0);
    expect(sandwich.pnlUsd).to.be.at.most(0);
    // A leg is at most maxTradeBps (10%) of NAV, and a push the vault tolerates is at most
    // maxPoolGapBps (5 bps) against it: what one sandwich can take, when the vault's own impact on
    // the pool exceeds twice the pool's fee (docs/threat-model.md).
    const nav = Math.max(...played.snapshots.map((snap) => snap.nav));
    const plays = played.adversaries!.attempts.filter((a) => a.adversary === "sandwicher");
    for (const play of plays) {
      expect(play.pnlUsd).to.be.at.most(nav * 0.1 * 0.0005);
      if (play.edgeBps >= 40) expect(play.refused).to.match(/^BallastLegUnfit\(0x[0-9a-fA-F]{40}, /);
    }
    expect(sandwich.refusals).to.equal(plays.filter((p) => p.refused !== undefined).length);
  });

  it("the sandwicher's P&L is <= 0", () => {
    expect(summary("sandwicher").pnlUsd).to.be.at.most(0);
  });

  it("the front-runner's P&L is <= 0", () => {
    expect(summary("front-runner").pnlUsd).to.be.at.most(0);
  });

  it("the holders end no worse than without the adversaries", () => {
    const last = (r: ScenarioReport) => r.snapshots[r.snapshots.length - 1];
    // The same prices: the share price compares directly (1 bp of slack for the different path of rebalances).
    expect(last(played).prices).to.deep.equal(last(quiet).prices);
    expect(last(played).sharePrice).to.be.at.least(last(quiet).sharePrice * (1 - 1e-4));
  });

  it("the report shows their plays, refusals and P&L next to the holders' costs", () => {
    const text = lines.join("\n");
    expect(text).to.include("Adversaries (P&L at the oracle prices");
    expect(text).to.match(/^front-runner +\d+ /m);
    expect(text).to.match(/^sandwicher +\d+ /m);
    expect(text).to.match(/Next to the holders' costs \(trading \$[\d,.]+, keeper gas \$[\d,.]+\)/);
  });
});

/**
 * The front-runner on a bull run, playing every step it foresees (1 bp and more): the update it
 * sees coming is at most each feed's deviation threshold, and an entry is priced as if every feed
 * had already moved that far (docs/threat-model.md, H1 foresight). Before that pricing, its in-kind
 * up plays gained (+$3,015 on a $280k deposit before a +251 bp step, with foresight of whole steps).
 */
describe("npm start: a front-runner that plays every update it foresees", function () {
  this.timeout(300_000);

  it("loses on every deposit -> redeemInKind + sell", async () => {
    const options = { scenario: "bull", days: 4, seed: 7, frontRunMinBps: 1, outDir: os.tmpdir(), name: "foresight" };
    const report = await runScenario(resolveScenarioOptions(options), { log: () => undefined });
    const inKindUps = report.adversaries!.attempts.filter((a) => a.play === "up: deposit -> redeemInKind + sell");
    expect(inKindUps.length).to.be.greaterThan(0);
    for (const play of inKindUps) expect(play.pnlUsd, `${play.edgeBps.toFixed(0)} bp`).to.be.at.most(0);
  });
});
