import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";

import { getSqrtRatioAtTick, MAX_TICK, MIN_TICK, Q192 } from "../../src/market";
import { UniswapMathHarness__factory } from "../../typechain-types";

const MAX_UINT128 = (1n << 128n) - 1n;
/** PoolPrice is documented exact below this amount. */
const EXACT_BELOW = 1n << 128n;

/** floor(sqrtP^2 * amount / 2^192): token0 in, token1 out. */
const exactZeroIn = (sqrtP: bigint, amount: bigint) => (sqrtP * sqrtP * amount) / Q192;
/** floor(2^192 * amount / sqrtP^2): token1 in, token0 out. */
const exactOneIn = (sqrtP: bigint, amount: bigint) => (Q192 * amount) / (sqrtP * sqrtP);

async function harnessFixture() {
  const [deployer] = await ethers.getSigners();
  return new UniswapMathHarness__factory(deployer).deploy();
}

describe("PoolPrice", () => {
  const ticks = [MIN_TICK, MIN_TICK + 1, -443_637, -276_325, -1, 0, 1, 276_324, 443_636, MAX_TICK - 1, MAX_TICK];
  // Square roots on both sides of 2^128, where quote() switches from squaring at 2^192 scale to 2^128.
  const sqrtPrices = [...ticks.map(getSqrtRatioAtTick), MAX_UINT128 - 1n, MAX_UINT128, MAX_UINT128 + 1n];
  const amounts = [0n, 1n, 7n, 10n ** 6n, 10n ** 18n, 10n ** 36n, (1n << 120n) - 1n, EXACT_BELOW - 1n];

  it("equals floor(sqrtP^2 * amount / 2^192) and its inverse, from the minimum to the maximum tick", async () => {
    const harness = await loadFixture(harnessFixture);
    for (const sqrtP of sqrtPrices) {
      for (const amount of amounts) {
        expect(await harness.quote(sqrtP, amount, true), `zeroIn ${sqrtP} ${amount}`).to.equal(
          exactZeroIn(sqrtP, amount),
        );
        expect(await harness.quote(sqrtP, amount, false), `oneIn ${sqrtP} ${amount}`).to.equal(
          exactOneIn(sqrtP, amount),
        );
      }
    }
  });

  it("stays exact above a sqrt price of 2^128, where squaring at 2^128 scale would drop a unit", async () => {
    const harness = await loadFixture(harnessFixture);
    // Squaring as floor(sqrtP^2 / 2^64) and then multiplying comes out 1 short here.
    const sqrtP = getSqrtRatioAtTick(443_926);
    const amount = 10n ** 36n;
    expect((((sqrtP * sqrtP) >> 64n) * amount) >> 128n).to.equal(exactZeroIn(sqrtP, amount) - 1n);
    expect(await harness.quote(sqrtP, amount, true)).to.equal(exactZeroIn(sqrtP, amount));
    // Pseudo-random ticks across the whole range (a quarter above sqrt price 2^128), amounts below 2^128.
    let seed = 0x9e3779b97f4a7c15n;
    const next = (bits: bigint) => {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
      let x = 0n;
      for (let i = 0; i < 4; i++) {
        seed = (seed * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
        x = (x << 64n) | seed;
      }
      return x & ((1n << bits) - 1n);
    };
    for (let i = 0; i < 150; i++) {
      const tick = Number(next(32n) % BigInt(MAX_TICK - MIN_TICK + 1)) + MIN_TICK;
      const price = getSqrtRatioAtTick(tick);
      const amountIn = next(BigInt(1 + (i % 128)));
      expect(await harness.quote(price, amountIn, true), `zeroIn tick ${tick} ${amountIn}`).to.equal(
        exactZeroIn(price, amountIn),
      );
      expect(await harness.quote(price, amountIn, false), `oneIn tick ${tick} ${amountIn}`).to.equal(
        exactOneIn(price, amountIn),
      );
    }
  });

  it("keeps full precision where a WAD ratio keeps none: one raw unit at the extreme ticks", async () => {
    const harness = await loadFixture(harnessFixture);
    // At MIN_TICK one raw token1 is worth ~3.4e38 raw token0 and one raw token0 ~2.9e-39 raw token1.
    const minSqrt = getSqrtRatioAtTick(MIN_TICK);
    const maxSqrt = getSqrtRatioAtTick(MAX_TICK);
    expect(await harness.quote(minSqrt, 1n, false)).to.equal(exactOneIn(minSqrt, 1n));
    expect(exactOneIn(minSqrt, 1n)).to.be.greaterThan(10n ** 38n);
    expect(await harness.quote(maxSqrt, 1n, true)).to.equal(exactZeroIn(maxSqrt, 1n));
    expect(exactZeroIn(maxSqrt, 1n)).to.be.greaterThan(10n ** 38n);
    // The other way a raw unit is worth nothing, but 1e36 of them still quote 2-3 digits.
    expect(await harness.quote(minSqrt, 10n ** 36n, true)).to.equal(exactZeroIn(minSqrt, 10n ** 36n));
    expect(await harness.quote(maxSqrt, 10n ** 36n, false)).to.equal(exactOneIn(maxSqrt, 10n ** 36n));
  });

  it("is the reciprocal of itself at the same price, to the rounding", async () => {
    const harness = await loadFixture(harnessFixture);
    for (const tick of [-200_000, -12_345, 0, 54_321, 200_000]) {
      const sqrtP = getSqrtRatioAtTick(tick);
      const amount = 10n ** 30n;
      const there = await harness.quote(sqrtP, amount, true);
      const back = await harness.quote(sqrtP, there, false);
      // Two floors: the round trip never gains, and loses less than one unit of `there` in token0.
      expect(back).to.be.lessThanOrEqual(amount);
      expect(amount - back).to.be.lessThanOrEqual(exactOneIn(sqrtP, 1n) + 1n);
    }
  });

  it("quotes 0 at a zero price (an uninitialised pool)", async () => {
    const harness = await loadFixture(harnessFixture);
    expect(await harness.quote(0, 10n ** 18n, true)).to.equal(0n);
    expect(await harness.quote(0, 10n ** 18n, false)).to.equal(0n);
  });
});
