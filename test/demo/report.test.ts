import { expect } from "chai";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { renderChartSvg } from "../../src/demo/chart";
import { escapeXml, niceTicks } from "../../src/sim/svg";
import { resolveScenarioOptions } from "../../src/demo/options";
import { signed, when } from "../../src/demo/format";
import { dailySnapshots, formatTable, printReport, writeReportFiles } from "../../src/demo/report";
import type { ScenarioReport, Snapshot } from "../../src/demo/types";
import { parseCsvPath } from "../../src/sim/csv";

/** A small report as `npm start` writes it: two assets, a day, a rebalance and a breaker trip. */
function sampleReport(): ScenarioReport {
  const snapshots: Snapshot[] = Array.from({ length: 25 }, (_, hour) => ({
    hour,
    prices: [1, 3_000 * (1 + hour / 100)],
    nav: 1_000_000 + hour * 1_000,
    supply: 1_000_000,
    sharePrice: 1 + hour / 1_000,
    holdPerShare: 1 + hour / 1_100,
    weightsBps: [500 + hour, 9_500 - hour],
    maxDriftBps: hour,
    status: "NotDue",
    breakerTripped: hour >= 10 && hour < 12,
  }));
  return {
    meta: {
      name: "sample",
      scenario: "crash",
      description: "a <test> & scenario",
      options: resolveScenarioOptions({
        days: 1,
        assets: 1,
        stepHours: 1,
        outDir: os.tmpdir(),
        name: "sample",
        keeperPlan: "on",
      }),
      network: "hardhat",
      wallTimeSeconds: 1,
      createdAt: "2025-01-01T00:00:00.000Z",
      crashHour: 10,
      crashReturnsPct: [-35],
    },
    settings: {
      triggerBandBps: 200,
      targetBandBps: 0,
      cooldownSeconds: 600,
      maxTradeBps: 1_000,
      slippageBps: 100,
      breakerMaxMoveBps: 2_000,
      breakerOracleTwapBps: 300,
      breakerSpotTwapTicks: 200,
      breakerTwapWindowSeconds: 1_800,
      breakerCooldownSeconds: 3_600,
      costGateMaxRatioBps: 10_000,
      costGateBenefitPerBp: 1e-6,
    },
    contracts: { vault: "0x0000000000000000000000000000000000000001" },
    basket: [
      { symbol: "USDC", decimals: 6, targetBps: 500 },
      { symbol: "WETH", decimals: 18, targetBps: 9_500 },
    ],
    benchmark: { description: "held", unitsPerShare: [0.05, 0.95 / 3_000] },
    snapshots,
    rebalances: [
      {
        hour: 12.5,
        phase: "scenario",
        reason: "Due",
        trades: [
          {
            sell: "USDC",
            buy: "WETH",
            amountIn: 30_000,
            amountOut: 9.9,
            valueInUsd: 30_000,
            valueOutUsd: 29_985,
            slippageBps: 5,
          },
        ],
        navBeforeUsd: 1_012_000,
        navAfterUsd: 1_011_985,
        costUsd: 15,
        feesUsd: 9,
        costBps: 0.15,
        driftBeforeBps: 250,
        driftAfterBps: 1,
        gasUsed: 900_000,
        gasCostUsd: 27,
        rewardUsd: 32.4,
        keeper: "keeper bot (own plan)",
        call: "rebalancePlan",
      },
    ],
    skipped: [{ hour: 5, costUsd: 50, benefitUsd: 10, gasUsed: 200_000 }],
    breakerEvents: [
      { hour: 10.5, kind: "trip", reason: "Dislocation", asset: "WETH" },
      { hour: 11.5, kind: "reset" },
    ],
    flows: [
      {
        hour: 3,
        account: "alice",
        kind: "deposit",
        usd: 10_000,
        shares: 9_990,
        valueUsd: 9_990,
        chargeUsd: 10,
        swaps: 0,
        gasUsed: 90_000,
      },
    ],
    summary: {
      startSharePrice: 1,
      endSharePrice: 1.024,
      vaultReturnPct: 2.4,
      holdReturnPct: 2.18,
      excessReturnPct: 0.22,
      startNav: 1_000_000,
      endNav: 1_024_000,
      maxDrawdownPct: 0,
      holdMaxDrawdownPct: 0,
      rewardsUsd: 32.4,
      rebalances: 1,
      trades: 1,
      skipped: 1,
      tradingCostUsd: 15,
      tradingCostPct: 0.0015,
      keeperGas: 1_500_000,
      keeperGasCostUsd: 45,
      liquidityRecenters: 0,
      breakerTrips: 1,
      breakerResets: 1,
      hoursHalted: 1,
      deposits: 1,
      redemptions: 0,
      flowChargesUsd: 10,
      netFlowsUsd: 10_000,
      endMaxDriftBps: 24,
      meanMaxDriftBps: 12,
      trackingErrorBps: 14.5,
      legsPerRebalance: 1,
      keeperPlans: 1,
      keepers: [
        {
          keeper: "keeper bot (own plan)",
          address: "0x0000000000000000000000000000000000000002",
          rebalances: 1,
          plans: 1,
          trades: 1,
          gasUsed: 1_500_000,
          gasCostUsd: 45,
          rewardsUsd: 32.4,
          netUsd: -12.6,
        },
      ],
      runningCost: {
        years: 1 / 365,
        meanNavUsd: 1_000_000,
        rebalanceGasUsd: 27,
        otherGasUsd: 18,
        paidByVaultUsd: 32.4,
        feesUsd: 9,
        impactUsd: 6,
        premiumPerYear: 0.8,
      },
    },
  };
}

describe("scenario report", () => {
  it("formats tables with numbers right-aligned and times as day and hour", () => {
    expect(
      formatTable(
        ["a", "value"],
        [
          ["x", "$1.00"],
          ["yy", "$10.00"],
        ],
      ),
    ).to.deep.equal(["a   value", "--  ------", "x    $1.00", "yy  $10.00"]);
    expect(when(-1)).to.equal("open");
    expect([signed(1.234), signed(-0.001), signed(-0.4)]).to.deep.equal(["+1.23", "0.00", "-0.40"]);
    expect(when(27.5)).to.equal("d1 03:30");
    expect(niceTicks(0, 1, 5)).to.deep.equal([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.97, 1.23, 4)).to.deep.equal([1, 1.1, 1.2]);
    expect(escapeXml(`<a & "b">`)).to.equal("&lt;a &amp; &quot;b&quot;&gt;");
  });

  it("picks one snapshot a day and the last for the weights table", () => {
    const report = sampleReport();
    expect(dailySnapshots(report.snapshots).map((s) => s.hour)).to.deep.equal([0, 24]);
  });

  it("prints every section", () => {
    const lines: string[] = [];
    printReport(sampleReport(), (line) => lines.push(line));
    const text = lines.join("\n");
    for (const heading of [
      "Vault vs buy-and-hold",
      "Weights vs targets over time",
      "Rebalances (1,",
      "skipped (1)",
      "Circuit breaker (1 trips, 1 resets",
      "Depositors",
      "Costs during the scenario",
      "Running cost",
    ]) {
      expect(text).to.include(heading);
    }
    expect(text).to.include("30,000 USDC -> 9.9 WETH");
    // Each rebalance's keeper reward, and their total among the costs.
    expect(text).to.include("keeper reward");
    expect(text).to.include("the vault paid the keeper $32.40 in rewards");
    // How it was called, legs per rebalance, tracking error, and each keeper's reward.
    expect(text).to.include("own plan");
    expect(text).to.include("Legs per rebalance 1.00 (1 of 1 rebalances on the keeper's own plan)");
    expect(text).to.include("tracking error 14.5 bp");
    expect(text).to.include("Keepers (");
    // The running cost in bp of mean NAV, for the run and a year: (27 + 18 + 9 + 6) / 1M = 0.6 bp.
    expect(text).to.match(/^the run +0\.3 +0\.2 +0\.3 +0\.1 +0\.1 +0\.6 +0\.5 +8000\.0\/yr$/m);
    expect(text).to.match(/^a year +98\.5 +65\.7 +118\.3 +32\.9 +21\.9 +219\.0 +173\.0 +8000\.0\/yr$/m);
    expect(text).to.match(/^keeper bot \(own plan\) +0x0{39}2 +1 +1 +1 +1,500,000 +\$45\.00 +\$32\.40 +-\$12\.60$/m);
  });

  it("renders an SVG chart with every panel, the markers and escaped text", () => {
    const svg = renderChartSvg(sampleReport());
    expect(svg.startsWith("<svg xmlns=")).to.be.true;
    expect(svg.trimEnd().endsWith("</svg>")).to.be.true;
    for (const title of ["Share price vs buy-and-hold", "Weights (solid)", "Largest drift", "Feed prices"]) {
      expect(svg).to.include(title);
    }
    expect(svg.match(/<polyline/g)!.length).to.be.at.least(8);
    expect(svg).to.include("breaker tripped");
    expect(svg).to.include(">crash<");
    expect(svg).to.not.match(/NaN|Infinity|undefined/);
  });

  it("writes the JSON, SVG and HTML files, and the prices as the lab's CSV", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ballast-report-"));
    const files = writeReportFiles(sampleReport(), dir);
    expect(files.json).to.equal(path.join(dir, "sample.json"));
    expect(JSON.parse(readFileSync(files.json, "utf8"))).to.deep.equal(JSON.parse(JSON.stringify(sampleReport())));
    expect(readFileSync(files.svg, "utf8")).to.match(/^<svg /);
    const html = readFileSync(files.html, "utf8");
    expect(html).to.match(/^<!doctype html>/);
    expect(html).to.include("<svg ");
    expect(html).to.include("a &lt;test&gt; &amp; scenario");
    expect(html).to.include("<h2>Keepers</h2>");
    expect(html).to.include("<td>keeper bot (own plan)</td>");
    // Hourly steps here: the feeds' prices at each, from the chain time of hour 0 (0 when unknown).
    expect(files.csv).to.equal(path.join(dir, "sample.prices.csv"));
    const csv = parseCsvPath(readFileSync(files.csv, "utf8"));
    expect(csv.symbols).to.deep.equal(["USDC", "WETH"]);
    expect(csv.steps).to.equal(25);
    expect([...csv.prices.subarray(2, 4)]).to.deep.equal([1, 3_030]);
    expect(csv.times[24]).to.equal(24 * 3_600);
  });
});
