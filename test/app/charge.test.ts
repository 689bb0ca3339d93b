import { expect } from "chai";

import {
  approvalNeeded,
  chargeInAssets,
  checkTolerance,
  deadlineAfter,
  flowCharge,
  forfeitMask,
  inKindMinimums,
  maxWithTolerance,
  minWithTolerance,
  weightsBps,
} from "../../app/src/logic/charge";

describe("app: what entering and leaving cost (preview vs oracle NAV)", () => {
  it("measures the charge as the preview's gap below the oracle NAV conversion, rounded up", () => {
    // README: about 0.81% to enter the default basket.
    const fair = 1_000n * 10n ** 18n;
    const quoted = fair - (fair * 81n) / 10_000n;
    const charge = flowCharge(quoted, fair);
    expect(charge.shortfall).to.equal((fair * 81n) / 10_000n);
    expect(charge.centiBps).to.equal(8_100n);
    expect(flowCharge(999_999n, 1_000_000n).centiBps).to.equal(1n); // 0.01 bps, not 0
    expect(flowCharge(1_000_001n, 1_000_000n).shortfall).to.equal(0n); // better than fair costs nothing
    expect(flowCharge(0n, 0n).centiBps).to.equal(0n);
  });

  it("expresses the charge in the base asset", () => {
    const charge = flowCharge(99n * 10n ** 18n, 100n * 10n ** 18n); // 1%
    expect(chargeInAssets(1_000_000_000n, charge)).to.equal(10_000_000n); // 10 USDC of 1,000
  });

  it("sets the router's bounds from the preview and the tolerance", () => {
    expect(minWithTolerance(1_000_000n, 50)).to.equal(995_000n);
    expect(minWithTolerance(999n, 50)).to.equal(994n); // rounded down
    expect(maxWithTolerance(1_000_000n, 50)).to.equal(1_005_000n);
    expect(maxWithTolerance(999n, 50)).to.equal(1_004n); // rounded up
    expect(checkTolerance(50)).to.equal(undefined);
    expect(checkTolerance(0)).to.be.a("string");
    expect(checkTolerance(501)).to.be.a("string");
    expect(deadlineAfter(1_700_000_000, 20)).to.equal(1_700_001_200n);
  });

  it("builds redeemInKindExcept's mask and the in-kind minimums", () => {
    expect(forfeitMask([])).to.equal(0n);
    expect(forfeitMask([2])).to.equal(4n);
    expect(forfeitMask([0, 3])).to.equal(9n);
    expect(inKindMinimums([1_000n, 2_000n, 3_000n], 100, [1])).to.deep.equal([990n, 0n, 2_970n]);
  });

  it("asks for an exact approval only when the allowance is short", () => {
    expect(approvalNeeded(0n, 5n)).to.equal(5n);
    expect(approvalNeeded(5n, 5n)).to.equal(0n);
    expect(approvalNeeded(10n, 5n)).to.equal(0n);
  });

  it("computes value weights", () => {
    expect(weightsBps([1n, 1n, 2n])).to.deep.equal([2_500n, 2_500n, 5_000n]);
    expect(weightsBps([0n, 0n])).to.deep.equal([0n, 0n]);
  });
});
