import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { MaxUint256 } from "ethers";
import { ethers } from "hardhat";

import { FeeMathHarness__factory, FeeMath__factory } from "../../typechain-types";
import type { FeeMathHarness } from "../../typechain-types";

const WAD = 10n ** 18n;
const YEAR = 365n * 86_400n;
const LN2_WAD = 693_147_180_559_945_309n;

// An independent reference at 40 decimals: -ln(1 - r) by Mercator's series (sum of r^k / k) rather
// than the contract's atanh form, e^x - 1 by Taylor's series; errors below 1e-38.
const P = 10n ** 40n;
function decayRateRef(rateBps: bigint): bigint {
  const r = rateBps * 10n ** 36n;
  let sum = 0n;
  for (let power = r, k = 1n; power !== 0n; k++, power = (power * r) / P) sum += power / k;
  return sum;
}
function expm1Ref(x: bigint): bigint {
  let sum = 0n;
  for (let term = x, k = 2n; term !== 0n; k++) {
    sum += term;
    term = (term * x) / (k * P);
  }
  return sum;
}
/** supply * ((1 - rate)^(-elapsed / year) - 1) at 40 decimals (the shares before rounding, times P). */
function feeSharesRefScaled(supply: bigint, rateBps: bigint, elapsed: bigint): bigint {
  return supply * expm1Ref((decayRateRef(rateBps) * elapsed) / YEAR);
}

async function harnessFixture() {
  const [deployer] = await ethers.getSigners();
  // feeShares is public: the vault links FeeMath, and so does the harness.
  const feeMath = await new FeeMath__factory(deployer).deploy();
  return new FeeMathHarness__factory(
    { "contracts/libraries/FeeMath.sol:FeeMath": await feeMath.getAddress() },
    deployer,
  ).deploy();
}

/** Accrues over consecutive `intervals` from `supply`, as the vault would; returns the final supply. */
async function accrue(harness: FeeMathHarness, supply: bigint, rateBps: bigint, intervals: bigint[]): Promise<bigint> {
  let total = supply;
  for (const dt of intervals) total += await harness.feeShares(total, rateBps, dt);
  return total;
}

/** `YEAR` cut into `n` consecutive integer intervals that differ by at most a second. */
function yearIn(n: number): bigint[] {
  const count = BigInt(n);
  return Array.from({ length: n }, (_, i) => ((BigInt(i) + 1n) * YEAR) / count - (BigInt(i) * YEAR) / count);
}

/** The recipient's fraction of the final supply, as a float (exact to ~1e-16). */
const recipientShare = (start: bigint, end: bigint) => Number(((end - start) * 10n ** 30n) / end) / 1e30;

describe("FeeMath", () => {
  describe("decayRateWad and expm1Wad", () => {
    it("computes -ln(1 - r) for every rate from 0 to 500 bps, rounded down by a few wei at most", async () => {
      const harness = await loadFixture(harnessFixture);
      // -ln 0.95 = 0.051293294387550533...
      expect(await harness.decayRateWad(500)).to.equal(51_293_294_387_550_532n);
      for (let bps = 0n; bps <= 500n; bps++) {
        const exact = decayRateRef(bps); // at 40 decimals
        const got = (await harness.decayRateWad(bps)) * 10n ** 22n;
        expect(got, `${bps} bps`).to.be.lessThanOrEqual(exact);
        expect(exact - got, `${bps} bps`).to.be.lessThan(5n * 10n ** 22n);
      }
    });

    it("computes e^x - 1 from 0 to just below ln 2, rounded down by a few wei at most, and refuses ln 2", async () => {
      const harness = await loadFixture(harnessFixture);
      const xs = [0n, 1n, 10n ** 6n, 5_855_000_000_000n, 10n ** 15n, 10n ** 17n, WAD / 2n, LN2_WAD - 1n];
      for (const x of xs) {
        const exact = expm1Ref(x * 10n ** 22n);
        const got = (await harness.expm1Wad(x)) * 10n ** 22n;
        expect(got, `x ${x}`).to.be.lessThanOrEqual(exact);
        expect(exact - got, `x ${x}`).to.be.lessThan(10n * 10n ** 22n);
      }
      // e^(ln 2) - 1 = 1, to the rounding of LN2_WAD.
      expect(await harness.expm1Wad(LN2_WAD - 1n)).to.be.closeTo(WAD, 100n);
      await expect(harness.expm1Wad(LN2_WAD))
        .to.be.revertedWithCustomError(harness, "FeeMathExponentTooHigh")
        .withArgs(LN2_WAD, LN2_WAD);
      await expect(harness.decayRateWad(501))
        .to.be.revertedWithCustomError(harness, "FeeMathRateTooHigh")
        .withArgs(501, 500);
    });
  });

  describe("feeShares", () => {
    it("gives the recipient 5% of the supply after one yearly accrual at 500 bps", async () => {
      const harness = await loadFixture(harnessFixture);
      const supply = 10n ** 24n;
      const end = supply + (await harness.feeShares(supply, 500, YEAR));
      // Holders keep 95%: the recipient's fraction is 5% to 1e-15 (spec: 1e-6 relative).
      expect(Math.abs(recipientShare(supply, end) / 0.05 - 1)).to.be.lessThan(1e-15);
    });

    it("gives the same 5% after 52 weekly, 365 daily or 8760 hourly accruals, or uneven ones", async () => {
      const harness = await loadFixture(harnessFixture);
      const supply = 10n ** 24n;
      let seed = 12345;
      const uneven: bigint[] = [];
      for (let left = YEAR; left > 0n;) {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        const dt = BigInt(1 + (seed % 1_000_000)) < left ? BigInt(1 + (seed % 1_000_000)) : left;
        uneven.push(dt);
        left -= dt;
      }
      for (const [label, intervals] of [
        ["weekly", yearIn(52)],
        ["daily", yearIn(365)],
        ["hourly", yearIn(8760)],
        [`${uneven.length} uneven`, uneven],
      ] as const) {
        const share = recipientShare(supply, await accrue(harness, supply, 500n, intervals));
        // Spec: within 0.01 percentage point (1e-4). Measured: 1.7e-16 weekly, 4.3e-16 daily, 8.6e-15
        // hourly (the floors, a few wei of each accrual's exponent, add up), always short.
        expect(share, label).to.be.lessThanOrEqual(0.05);
        expect(0.05 - share, label).to.be.lessThan(2e-14);
      }
    });

    it("compounds to (1 - rate)^years at other rates and over several years", async () => {
      const harness = await loadFixture(harnessFixture);
      const supply = 10n ** 24n;
      for (const [rate, years] of [
        [1n, 1],
        [100n, 1],
        [250n, 3],
        [500n, 10],
      ] as const) {
        const intervals = Array.from({ length: years }, () => yearIn(52)).flat();
        const share = recipientShare(supply, await accrue(harness, supply, rate, intervals));
        const expected = 1 - (1 - Number(rate) / 10_000) ** years;
        expect(Math.abs(share / expected - 1), `${rate} bps, ${years} years`).to.be.lessThan(1e-12);
      }
    });

    it("is what the linear formula it replaces is not: frequency-independent (weekly linear accruals: 4.879%)", async () => {
      const harness = await loadFixture(harnessFixture);
      // The linear formula, m = supply * f / (1 - f) with f = rate * dt / year, rounded down.
      const linear = (s: bigint, dt: bigint) => (s * 500n * dt) / (10_000n * YEAR - 500n * dt);
      const supply = 10n ** 24n;
      let total = supply;
      for (const dt of yearIn(52)) total += linear(total, dt);
      const linearShare = recipientShare(supply, total);
      expect(linearShare).to.be.closeTo(0.04879, 0.00001);
      const ours = recipientShare(supply, await accrue(harness, supply, 500n, yearIn(52)));
      expect(ours - linearShare).to.be.greaterThan(0.001);
      // 52 accruals of 7 days (364 days): 1 - 0.95^(364/365).
      const weeks = recipientShare(supply, await accrue(harness, supply, 500n, Array(52).fill(7n * 86_400n)));
      expect(weeks).to.be.closeTo(1 - 0.95 ** (364 / 365), 1e-15);
    });

    it("matches the exact value, rounded down, over a grid of rates, gaps and supplies", async () => {
      const harness = await loadFixture(harnessFixture);
      for (const rate of [1n, 7n, 100n, 499n, 500n]) {
        for (const elapsed of [1n, 12n, 3_600n, 86_400n, YEAR, 10n * YEAR]) {
          for (const supply of [1n, 1_000n, 10n ** 18n, 10n ** 24n, 10n ** 36n]) {
            const scaled = feeSharesRefScaled(supply, rate, elapsed);
            const exact = scaled / P;
            const got = await harness.feeShares(supply, rate, elapsed);
            const label = `${supply} shares, ${rate} bps, ${elapsed} s`;
            expect(got, label).to.be.lessThanOrEqual(exact);
            // Short of the exact value by at most one share plus the WAD floors: a relative 5 wei
            // of -ln(1 - r) and 3 wei of the exponent x.
            const decay = decayRateRef(rate) / 10n ** 22n;
            const x = (decay * elapsed) / YEAR;
            expect(exact - got, label).to.be.lessThanOrEqual(1n + (exact * 5n) / decay + (exact * 3n) / x);
          }
        }
      }
    });

    it("is 0 for a zero rate, a zero gap or a zero supply, and refuses a rate above 500 bps", async () => {
      const harness = await loadFixture(harnessFixture);
      expect(await harness.feeShares(10n ** 24n, 0, YEAR)).to.equal(0n);
      expect(await harness.feeShares(10n ** 24n, 500, 0)).to.equal(0n);
      expect(await harness.feeShares(0, 500, YEAR)).to.equal(0n);
      for (const supply of [0n, 10n ** 24n]) {
        await expect(harness.feeShares(supply, 501, YEAR))
          .to.be.revertedWithCustomError(harness, "FeeMathRateTooHigh")
          .withArgs(501, 500);
      }
    });

    it("handles tiny supplies and huge ones (1e36, 2^256 - 1) without overflow", async () => {
      const harness = await loadFixture(harnessFixture);
      // A year at 5% mints 1/19 of the supply: exactly 1 share on 19, which the rounding down
      // (in favour of the holders) makes 0; 1 share on 20 (1.05).
      expect(await harness.feeShares(1, 500, YEAR)).to.equal(0n);
      expect(await harness.feeShares(19, 500, YEAR)).to.equal(0n);
      expect(await harness.feeShares(20, 500, YEAR)).to.equal(1n);
      expect(await harness.feeShares(1_900_000, 500, YEAR)).to.equal(99_999n);
      const huge = 10n ** 36n;
      const m = await harness.feeShares(huge, 500, YEAR);
      expect(Math.abs(recipientShare(huge, huge + m) / 0.05 - 1)).to.be.lessThan(1e-15);
      const max = await harness.feeShares(MaxUint256, 500, YEAR);
      expect(max).to.equal((MaxUint256 * (await harness.expm1Wad((51_293_294_387_550_532n * YEAR) / YEAR))) / WAD);
      expect(await harness.feeShares(MaxUint256, 500, 100n * YEAR)).to.equal(MaxUint256);
      expect(await harness.feeShares(1, 1, MaxUint256)).to.equal(1n);
    });

    it("caps one accrual at the supply (holders keep half): past 13.51 years at 500 bps, e.g. a 50-year gap", async () => {
      const harness = await loadFixture(harnessFixture);
      const supply = 10n ** 24n;
      expect(await harness.feeShares(supply, 500, 50n * YEAR)).to.equal(supply);
      expect(await harness.feeShares(supply, 500, MaxUint256)).to.equal(supply);
      // The cap binds where x = ln 2: ln 2 / -ln 0.95 = 13.513 years.
      const capAt = (LN2_WAD * YEAR + 51_293_294_387_550_532n - 1n) / 51_293_294_387_550_532n;
      expect(Number(capAt) / Number(YEAR)).to.be.closeTo(13.513, 0.001);
      expect(await harness.feeShares(supply, 500, capAt)).to.equal(supply);
      const below = await harness.feeShares(supply, 500, capAt - 1n);
      expect(below).to.be.lessThan(supply);
      expect(below).to.be.closeTo(supply, supply / 10n ** 7n); // continuous at the cap
      // Below the cap a long gap is charged in full: 50 years at 1 bp.
      const longLowRate = await harness.feeShares(supply, 1, 50n * YEAR);
      expect(Number(longLowRate) / Number(supply)).to.be.closeTo(0.9999 ** -50 - 1, 1e-12);
    });

    it("costs under 1,500 gas for a gap up to a day, under 3,000 at worst, beyond the call to the linked library", async () => {
      const harness = await loadFixture(harnessFixture);
      const supply = 10n ** 24n;
      const gas = async (rate: bigint, elapsed: bigint) => (await harness.feeSharesGas(supply, rate, elapsed))[1];
      // The call itself (a cold delegatecall to the linked library, its ABI, the harness's own code)
      // is measured in the same run: a zero gap, which returns at once. Measured beyond it (IR
      // pipeline): 790 (12 s), 934 (an hour), 1,078 (a day), 1,222 (a week), 1,798 (a year), 2,950 (13
      // years, just below the cap), 315 (capped), -20 (zero rate: it returns before the gap is read).
      const call = await gas(500n, 0n);
      for (const elapsed of [12n, 3_600n, 86_400n]) expect((await gas(500n, elapsed)) - call).to.be.lessThan(1_500n);
      for (const elapsed of [7n * 86_400n, YEAR, 13n * YEAR, 50n * YEAR]) {
        expect((await gas(500n, elapsed)) - call).to.be.lessThan(3_000n);
      }
      expect((await gas(0n, YEAR)) - call).to.be.lessThan(200n);
    });
  });
});
