import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";

import { BallastPolicy__factory } from "../typechain-types";
import { depositUsdc } from "./shared/vault";
import { vaultFixture } from "./shared/fixtures";

const WAD = 10n ** 18n;
const YEAR = 365n * 24n * 3600n;
const TRIGGERS = { triggerBandBps: 300, targetBandBps: 50, cooldown: 0, calendarInterval: 0 };
// 60% a year is the reference: at that volatility the band is the configured 300 bp.
const VOL = {
  referenceVolBps: 6_000,
  minBandBps: 150,
  maxBandBps: 900,
  averagingTime: 86_400,
  minObservationInterval: 3_600,
};
const REFERENCE_VARIANCE = (6_000n * 10n ** 14n) ** 2n / WAD;
const Parameter = { ReferenceVolBps: 9, MinBandBps: 10, MaxBandBps: 11, AveragingTime: 12, MinObservationInterval: 13 };

/** A policy with volatility scaling on; signers play the rebalancers calling observe(). */
async function policyFixture() {
  const [admin, vault, other] = await ethers.getSigners();
  const policy = await new BallastPolicy__factory(admin).deploy(admin.address, TRIGGERS);
  await policy.setVolatilityParams(VOL);
  return { policy, admin, vault, other };
}

/** USD WAD prices for a base at $1 and one asset at `price`. */
const prices = (price: bigint) => [WAD, price * WAD];

/** Integer cube root, as the contract computes it. */
function cbrt(x: bigint): bigint {
  let lo = 0n;
  let hi = 1n << 100n;
  while (lo < hi) {
    const mid = (lo + hi + 1n) / 2n;
    if (mid * mid * mid <= x) lo = mid;
    else hi = mid - 1n;
  }
  return lo;
}

describe("BallastPolicy volatility scaling", () => {
  it("is off by default: observe keeps nothing and the band is the trigger band", async () => {
    const [admin, vault] = await ethers.getSigners();
    const policy = await new BallastPolicy__factory(admin).deploy(admin.address, TRIGGERS);
    await expect(policy.connect(vault).observe(prices(3000n))).not.to.emit(policy, "Observed");
    expect(await policy.effectiveTriggerBand(vault.address)).to.equal(300n);
    const [variances, updatedAt] = await policy.variances(vault.address);
    expect(variances).to.deep.equal([]);
    expect(updatedAt).to.equal(0n);
  });

  it("starts each vault's estimate at the reference variance, so the band starts as configured", async () => {
    const { policy, vault, other } = await loadFixture(policyFixture);
    await expect(policy.connect(vault).observe(prices(3000n)))
      .to.emit(policy, "Observed")
      .withArgs(vault.address, await time.latest().then((t) => t + 1), [0n, REFERENCE_VARIANCE]);
    expect(await policy.effectiveTriggerBand(vault.address)).to.equal(300n);
    // Another vault has no estimate yet.
    expect(await policy.effectiveTriggerBand(other.address)).to.equal(300n);
  });

  it("folds an annualised squared return into the estimate with weight dt / (dt + averagingTime)", async () => {
    const { policy, vault } = await loadFixture(policyFixture);
    await policy.connect(vault).observe(prices(3000n));
    const start = BigInt(await time.latest());
    await time.setNextBlockTimestamp(start + 86_400n);
    await policy.connect(vault).observe(prices(3150n)); // +5% in a day
    const r = (150n * WAD) / 3000n;
    const sample = (((r * r) / WAD) * YEAR) / 86_400n;
    const expected = REFERENCE_VARIANCE + ((sample - REFERENCE_VARIANCE) * 86_400n) / (86_400n + 86_400n);
    const [variances] = await policy.variances(vault.address);
    expect(variances[1]).to.equal(expected);
    // The band follows the cube root of variance / reference.
    const ratio = (expected * WAD) / REFERENCE_VARIANCE;
    expect(await policy.effectiveTriggerBand(vault.address)).to.equal((300n * cbrt(ratio * WAD * WAD)) / WAD);
  });

  it("widens the band in a volatile market up to its cap, and narrows it in a calm one down to its floor", async () => {
    const { policy, vault } = await loadFixture(policyFixture);
    let price = 3000n;
    await policy.connect(vault).observe(prices(price));
    for (let day = 0; day < 10; day++) {
      await time.increase(86_400);
      price = day % 2 === 0 ? (price * 125n) / 100n : (price * 100n) / 125n; // +-25% a day
      await policy.connect(vault).observe(prices(price));
    }
    expect(await policy.effectiveTriggerBand(vault.address)).to.equal(900n);
    for (let day = 0; day < 30; day++) {
      await time.increase(86_400);
      await policy.connect(vault).observe(prices(price)); // flat
    }
    expect(await policy.effectiveTriggerBand(vault.address)).to.equal(150n);
  });

  it("ignores observations within minObservationInterval, so pokes cannot steer it", async () => {
    const { policy, vault } = await loadFixture(policyFixture);
    await policy.connect(vault).observe(prices(3000n));
    await time.increase(3_000);
    await expect(policy.connect(vault).observe(prices(4000n))).not.to.emit(policy, "Observed");
    const [variances] = await policy.variances(vault.address);
    expect(variances[1]).to.equal(REFERENCE_VARIANCE);
    await time.increase(600);
    await expect(policy.connect(vault).observe(prices(4000n))).to.emit(policy, "Observed");
  });

  it("starts over when the basket changes size", async () => {
    const { policy, vault } = await loadFixture(policyFixture);
    await policy.connect(vault).observe(prices(3000n));
    await time.increase(86_400);
    await policy.connect(vault).observe([WAD, 3300n * WAD, 60_000n * WAD]);
    const [variances] = await policy.variances(vault.address);
    expect(variances).to.deep.equal([0n, REFERENCE_VARIANCE, REFERENCE_VARIANCE]);
  });

  it("learns from the rebalancer's pokes: a calm month narrows the band to its floor", async () => {
    const f = await loadFixture(vaultFixture);
    const [, alice] = await ethers.getSigners();
    await depositUsdc(f.market, f.vault, alice, 100_000);
    // The deployment observes nothing: the estimate starts at the first poke, and a calm month of
    // pokes shrinks the band to its floor.
    const { policy, rebalancer } = f;
    expect(await policy.variances(rebalancer)).to.deep.equal([[], 0n]);
    const timelock = f.timelock!;
    const data = policy.interface.encodeFunctionData("setVolatilityParams", [VOL]);
    const salt = ethers.ZeroHash;
    const delay = await timelock.getMinDelay();
    await timelock.schedule(policy, 0, data, ethers.ZeroHash, salt, delay);
    await time.increase(delay);
    await timelock.execute(policy, 0, data, ethers.ZeroHash, salt);
    // The timelock's two days outlived the feeds' one-day heartbeat: only fresh prices are observed.
    await expect(rebalancer.poke()).not.to.emit(policy, "Observed");
    for (const symbol of ["USDC", "WETH", "WBTC", "LINK"])
      await f.market.setFeedPrice(symbol, await f.market.feedPrice(symbol));
    await expect(rebalancer.poke()).to.emit(policy, "Observed");
    expect(await policy.effectiveTriggerBand(rebalancer)).to.equal(200n); // default trigger band, reference vol
    for (let day = 0; day < 30; day++) {
      await time.increase(86_400);
      await f.market.setFeedPrice("USDC", 1); // keep feeds fresh
      for (const symbol of ["WETH", "WBTC", "LINK"])
        await f.market.setFeedPrice(symbol, await f.market.feedPrice(symbol));
      await rebalancer.poke();
    }
    expect(await policy.effectiveTriggerBand(rebalancer)).to.equal(150n);
  });

  describe("setVolatilityParams", () => {
    it("is for governance only", async () => {
      const { policy, other } = await loadFixture(policyFixture);
      await expect(policy.connect(other).setVolatilityParams({ ...VOL, maxBandBps: 800 }))
        .to.be.revertedWithCustomError(policy, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, ethers.ZeroHash);
    });

    it("emits old and new values and refuses a no-op", async () => {
      const { policy } = await loadFixture(policyFixture);
      const next = { ...VOL, maxBandBps: 800 };
      await expect(policy.setVolatilityParams(next)).to.emit(policy, "VolatilityParamsSet");
      expect((await policy.volatilityParams()).maxBandBps).to.equal(800n);
      await expect(policy.setVolatilityParams(next)).to.be.revertedWithCustomError(policy, "BallastParameterUnchanged");
    });

    const cases: [string, typeof VOL, number, bigint, bigint, bigint][] = [
      ["reference vol below 1%", { ...VOL, referenceVolBps: 99 }, Parameter.ReferenceVolBps, 99n, 100n, 50_000n],
      [
        "reference vol above 500%",
        { ...VOL, referenceVolBps: 50_001 },
        Parameter.ReferenceVolBps,
        50_001n,
        100n,
        50_000n,
      ],
      ["a zero floor", { ...VOL, minBandBps: 0 }, Parameter.MinBandBps, 0n, 1n, 5_000n],
      ["a cap below the floor", { ...VOL, maxBandBps: 149 }, Parameter.MaxBandBps, 149n, 150n, 5_000n],
      ["a cap above 50%", { ...VOL, maxBandBps: 5_001 }, Parameter.MaxBandBps, 5_001n, 150n, 5_000n],
      [
        "averaging under an hour",
        { ...VOL, averagingTime: 3_599 },
        Parameter.AveragingTime,
        3_599n,
        3_600n,
        31_536_000n,
      ],
      [
        "averaging over a year",
        { ...VOL, averagingTime: 31_536_001 },
        Parameter.AveragingTime,
        31_536_001n,
        3_600n,
        31_536_000n,
      ],
      [
        "observations under a minute apart",
        { ...VOL, minObservationInterval: 59 },
        Parameter.MinObservationInterval,
        59n,
        60n,
        604_800n,
      ],
      [
        "observations over a week apart",
        { ...VOL, minObservationInterval: 604_801 },
        Parameter.MinObservationInterval,
        604_801n,
        60n,
        604_800n,
      ],
      ["a half-set configuration with scaling off", { ...VOL, referenceVolBps: 0 }, Parameter.MinBandBps, 150n, 0n, 0n],
    ];
    for (const [what, params, parameter, value, min, max] of cases) {
      it(`refuses ${what}`, async () => {
        const { policy } = await loadFixture(policyFixture);
        await expect(policy.setVolatilityParams(params))
          .to.be.revertedWithCustomError(policy, "BallastParameterOutOfRange")
          .withArgs(parameter, value, min, max);
      });
    }

    it("turns scaling off with all zeros", async () => {
      const { policy, vault } = await loadFixture(policyFixture);
      await policy.connect(vault).observe(prices(3000n));
      await policy.setVolatilityParams({
        referenceVolBps: 0,
        minBandBps: 0,
        maxBandBps: 0,
        averagingTime: 0,
        minObservationInterval: 0,
      });
      expect(await policy.effectiveTriggerBand(vault.address)).to.equal(300n);
    });
  });
});
