import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";

import { Parameter } from "../../src/vault/enums";
import { investedAdminFixture } from "../shared/fixtures";

const DAY = 86_400;

/**
 * Pins the next block's timestamp and returns it. After loadFixture restores a snapshot the chain's
 * clock lags the wall clock, and the next block would land wherever the wall clock stands: a ramp
 * start computed from `time.latest()` could already be past on a slow run.
 */
async function pinNextBlock(): Promise<number> {
  const next = (await time.latest()) + 1;
  await time.setNextBlockTimestamp(next);
  return next;
}

describe("BallastVault target-weight ramps", () => {
  it("moves the targets linearly from the weights in force to the new ones, base taking the remainder", async () => {
    const { vault } = await loadFixture(investedAdminFixture);
    const start = (await pinNextBlock()) + 99;
    const end = start + 10 * DAY;
    await expect(vault.setTargetWeights([500, 3_000, 3_500, 3_000], start, end))
      .to.emit(vault, "TargetWeightsSet")
      .withArgs([500n, 4_000n, 3_500n, 2_000n], [500n, 3_000n, 3_500n, 3_000n], start, end);
    expect((await vault.basketState()).targets).to.deep.equal([500n, 4_000n, 3_500n, 2_000n]); // not started
    // Off the grid, a falling weight rounds up and a rising one down; the base takes the rest.
    await time.increaseTo(start + 3 * DAY + 4 * 3600); // 31.67% of the way
    expect((await vault.basketState()).targets).to.deep.equal([501n, 3_683n, 3_500n, 2_316n]);
    await time.increaseTo(start + 276_480); // 32%: WETH -320, LINK +320
    expect((await vault.basketState()).targets).to.deep.equal([500n, 3_680n, 3_500n, 2_320n]);
    await time.increaseTo(end);
    expect((await vault.basketState()).targets).to.deep.equal([500n, 3_000n, 3_500n, 3_000n]);
  });

  it("lets rebalances follow the ramp gradually, so there is no jump to front-run", async () => {
    const { vault, market, rebalancer } = await loadFixture(investedAdminFixture);
    const start = await pinNextBlock();
    await vault.setTargetWeights([500, 3_000, 3_500, 3_000], start, start + 10 * DAY);
    // A day in, targets moved 100 bp: below the 200 bp trigger, nothing to do yet.
    await time.increaseTo(start + DAY);
    for (const s of ["USDC", "WETH", "WBTC", "LINK"]) await market.setFeedPrice(s, await market.feedPrice(s));
    expect(await rebalancer.maxDrift()).to.be.within(99n, 101n);
    // Three days in, 300 bp: due; the rebalance trades only toward the interpolated targets.
    await time.increaseTo(start + 3 * DAY);
    for (const s of ["USDC", "WETH", "WBTC", "LINK"]) await market.setFeedPrice(s, await market.feedPrice(s));
    await expect(rebalancer.rebalance()).to.emit(vault, "Rebalanced");
    const weights = await rebalancer.currentWeights();
    expect(weights[1]).to.be.closeTo(3_700n, 10n);
    expect(weights[3]).to.be.closeTo(2_300n, 10n);
  });

  it("switches at once when start equals end, and chains a new ramp from the weights in force", async () => {
    const { vault } = await loadFixture(investedAdminFixture);
    const now = await pinNextBlock();
    await vault.setTargetWeights([1_000, 4_000, 3_000, 2_000], now, now);
    expect((await vault.basketState()).targets).to.deep.equal([1_000n, 4_000n, 3_000n, 2_000n]);
    const start = await pinNextBlock();
    await vault.setTargetWeights([1_000, 2_000, 3_000, 4_000], start, start + 100);
    await time.increaseTo(start + 50);
    expect((await vault.basketState()).targets).to.deep.equal([1_000n, 3_000n, 3_000n, 3_000n]);
    // Changing course mid-ramp starts from where the targets are now.
    const next = await pinNextBlock();
    await expect(vault.setTargetWeights([1_000, 4_000, 3_000, 2_000], next, next + 100))
      .to.emit(vault, "TargetWeightsSet")
      .withArgs([1_000n, 2_980n, 3_000n, 3_020n], [1_000n, 4_000n, 3_000n, 2_000n], next, next + 100);
  });

  it("refuses a wrong length, a wrong sum, a past or far start, a ramp over 90 days, no change, and strangers", async () => {
    const { vault } = await loadFixture(investedAdminFixture);
    // After a restored fixture, later blocks follow a clock that can run far ahead of latest() (over
    // an hour under coverage): mining at latest() + 1 pins it. An hour ahead covers the refusals.
    await time.increaseTo((await time.latest()) + 1);
    const now = (await time.latest()) + 3_600;
    await expect(vault.setTargetWeights([5_000, 5_000], now, now))
      .to.be.revertedWithCustomError(vault, "BallastBasketSize")
      .withArgs(2n, 4n);
    await expect(vault.setTargetWeights([500, 4_000, 3_500, 2_001], now, now))
      .to.be.revertedWithCustomError(vault, "BallastWeightsSum")
      .withArgs(10_001n);
    // A start in the past, or more than 90 days ahead: the start's own bound, from the block's time.
    const past = (await time.latest()) - 100;
    let at = await pinNextBlock();
    await expect(vault.setTargetWeights([500, 3_000, 3_500, 3_000], past, past + 100))
      .to.be.revertedWithCustomError(vault, "BallastParameterOutOfRange")
      .withArgs(Parameter.RampStart, BigInt(past), BigInt(at), BigInt(at + 90 * DAY));
    at = await pinNextBlock();
    const far = at + 90 * DAY + 1;
    await expect(vault.setTargetWeights([500, 3_000, 3_500, 3_000], far, far))
      .to.be.revertedWithCustomError(vault, "BallastParameterOutOfRange")
      .withArgs(Parameter.RampStart, BigInt(far), BigInt(at), BigInt(at + 90 * DAY));
    await expect(vault.setTargetWeights([500, 3_000, 3_500, 3_000], now, now + 90 * DAY + 1))
      .to.be.revertedWithCustomError(vault, "BallastParameterOutOfRange")
      .withArgs(Parameter.RampDuration, 90n * 86_400n + 1n, 0n, 90n * 86_400n);
    await expect(vault.setTargetWeights([500, 4_000, 3_500, 2_000], now, now)).to.be.revertedWithCustomError(
      vault,
      "BallastParameterUnchanged",
    );
    const [, stranger] = await ethers.getSigners();
    await expect(vault.connect(stranger).setTargetWeights([500, 3_000, 3_500, 3_000], now, now))
      .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
      .withArgs(stranger.address, ethers.ZeroHash);
    // Exactly 90 days ahead is accepted, and a scheduled switch leaves the weights in force until then.
    at = await pinNextBlock();
    await expect(vault.setTargetWeights([500, 3_000, 3_500, 3_000], at + 90 * DAY, at + 90 * DAY)).not.to.be.reverted;
    expect((await vault.basketState()).targets).to.deep.equal([500n, 4_000n, 3_500n, 2_000n]);
    await time.increaseTo(at + 90 * DAY);
    expect((await vault.basketState()).targets).to.deep.equal([500n, 3_000n, 3_500n, 3_000n]);
  });
});
