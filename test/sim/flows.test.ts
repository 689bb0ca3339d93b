/**
 * Depositors' flows in the lab (src/sim/flows.ts): the flows CSV read and written by one module
 * (src/sim/csv.ts), and each kind applied to the vault's balances as BallastVault applies it, at
 * the row after whose prices it came, on a flat path where nothing else moves.
 */
import { expect } from "chai";

import { flowsToCsv, parseCsvPath, parseFlowsCsv, runSweep, SimError, simulate } from "../../src/sim";
import type { Flow, PricePath, SimResult, VaultPolicySpec } from "../../src/sim";

const START = 1_700_000_000;
const HOUR = 3_600;

/** 11 hourly rows of constant prices: USDC $1, WETH $2000, LINK $10. */
function flatPath(): PricePath {
  const rows = Array.from({ length: 11 }, (_, k) => `${START + k * HOUR},2000,10`);
  return parseCsvPath(["timestamp,WETH,LINK", ...rows].join("\n"));
}

/** A vault whose trigger band nothing here reaches: the flows alone change the balances. */
const STILL: VaultPolicySpec = { kind: "vault", name: "still", triggerBandBps: 4_000, targetBandBps: 0 };
const TARGETS = [500, 4_750, 4_750];

function flow(hours: number, kind: Flow["kind"], value: number, charge = 0): Flow {
  return { time: START + hours * HOUR, kind, account: "alice", shares: value, assets: value, value, charge };
}

function run(flows: Flow[], policy: VaultPolicySpec = STILL): SimResult {
  return simulate({ path: flatPath(), targetsBps: TARGETS, navUsd: 1_000_000, policy, flows });
}

describe("depositors' flows in the lab", () => {
  it("reads the flows CSV it writes, and refuses malformed ones with the line", () => {
    const flows = [flow(1, "deposit", 10_000.5, 100.25), flow(2, "redeem", 5_000, 7), flow(2, "redeemInKind", 1, 0)];
    const text = flowsToCsv(flows, ["a comment"]);
    expect(text.startsWith("# a comment\ntimestamp,kind,account,shares,assets,value,charge\n")).to.be.true;
    expect(parseFlowsCsv(text)).to.deep.equal(flows);
    const header = "timestamp,kind,account,shares,assets,value,charge";
    expect(() => parseFlowsCsv(`${header}\n${START},swap,a,1,1,1,0`)).to.throw(SimError, /line 2: kind "swap"/);
    expect(() => parseFlowsCsv(`${header}\n${START + 5},deposit,a,1,1,1,0\n${START},deposit,a,1,1,1,0`)).to.throw(
      SimError,
      /line 3: .* before the previous/,
    );
    expect(() => parseFlowsCsv(`${header}\n${START},deposit,a,1,1,-1,0`)).to.throw(SimError, /column value/);
    expect(() => parseFlowsCsv("timestamp,kind,value\n")).to.throw(SimError, /no "account" column/);
  });

  it("adds a deposit's payment to the NAV from the row after whose prices it came", () => {
    // At 5.5 h: applied at row 5 (5 h), so the NAV is 1.1M over 5 of the 10 hours.
    const r = run([flow(5.5, "deposit", 99_000, 1_000)]);
    expect(r.navEndUsd).to.be.closeTo(1_100_000, 0.01);
    expect(r.runningCost.meanNavUsd).to.be.closeTo(1_050_000, 0.01);
    expect(r.flows).to.deep.equal({ count: 1, inUsd: 100_000, outUsd: 0, chargesUsd: 1_000 });
    // Per share: the charge stays with the holders, the only return on a flat path.
    expect(r.totalReturn).to.be.closeTo(1_000 / 1_099_000, 1e-9);
    expect(r.rebalances).to.equal(0);
  });

  it("pays a base exit from the base balance, and beyond it from pro-rata slices of the others", () => {
    const within = run([flow(0, "redeem", 20_000, 20)]);
    expect(within.navEndUsd).to.be.closeTo(980_020, 0.01);
    // Weights of WETH and LINK: 950 / 980.02 each, against targets of 47.5%.
    expect(within.trackingErrorBps).to.be.closeTo((950_000 / 980_020 / 2 - 0.475) * 10_000, 1e-3);
    // 80k: the 50k of base, then 15k of each of WETH and LINK, which stay equal (50% each).
    const beyond = run([flow(0, "redeem", 80_000)]);
    expect(beyond.navEndUsd).to.be.closeTo(920_000, 0.01);
    expect(beyond.trackingErrorBps).to.be.closeTo(250, 1e-3);
  });

  it("takes an exit in kind pro rata, leaving the weights where they were", () => {
    const r = run([flow(0, "redeemInKind", 100_000)]);
    expect(r.navEndUsd).to.be.closeTo(900_000, 0.01);
    expect(r.trackingErrorBps).to.be.below(1e-3);
    expect(r.totalReturn).to.be.closeTo(0, 1e-9);
  });

  it("lets a deposit trigger the vault's rebalance, and the sweep replay the flows on every band", () => {
    const policy: VaultPolicySpec = { kind: "vault", name: "vault-200-0", triggerBandBps: 200, targetBandBps: 0 };
    expect(run([], policy).rebalances).to.equal(0);
    // 100k of cash in 1.1M: the base weight goes from 5% to 13.6%, past the 2% band.
    expect(run([flow(2, "deposit", 100_000)], policy).rebalances).to.be.at.least(1);
    const sweep = runSweep({
      path: flatPath(),
      weightsBps: TARGETS,
      flows: [flow(2, "deposit", 100_000)],
      bandsBps: [200, 1_000],
      targetBandsBps: [50],
    });
    const names = sweep.rows.map((r) => `${r.mode}-${r.triggerBps}-${r.targetBps}`);
    expect(names).to.have.members([
      "edge-200-50",
      "edge-1000-250",
      "full-200-0",
      "full-1000-0",
      "band-200-50",
      "band-1000-50",
    ]);
    const full200 = sweep.rows.find((r) => r.mode === "full" && r.triggerBps === 200)!;
    expect(full200.running.runBps).to.be.above(0);
    expect(full200.running.runBps).to.be.closeTo(
      full200.running.feesBps + full200.running.impactBps + full200.running.gasBps,
      1e-9,
    );
    // 100k of cash never reaches a 10% band: nothing traded.
    expect(sweep.rows.find((r) => r.mode === "full" && r.triggerBps === 1_000)!.running.runBps).to.equal(0);
  });

  it("refuses flows for policies other than the vault's", () => {
    expect(() =>
      simulate({
        path: flatPath(),
        targetsBps: TARGETS,
        navUsd: 1_000_000,
        policy: { kind: "buyAndHold", name: "hold" },
        flows: [flow(1, "deposit", 1)],
      }),
    ).to.throw(SimError, /only the vault's policies/);
  });
});
