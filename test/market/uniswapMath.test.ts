import { expect } from "chai";

import {
  MAX_SQRT_RATIO,
  MAX_TICK,
  MIN_SQRT_RATIO,
  MIN_TICK,
  Q96,
  Q192,
  TICK_SPACINGS,
  amountsForLiquidity,
  getSqrtRatioAtTick,
  getTickAtSqrtRatio,
  meanTick,
  priceAtTick,
  priceFromSqrtPriceX96,
  sqrtFloor,
  sqrtPriceX96FromPrices,
} from "../../src/market/uniswapMath";

/** Deterministic 64-bit generator (splitmix64), so that "random" cases are reproducible. */
function makeRng(seed: bigint): () => bigint {
  const mask = (1n << 64n) - 1n;
  let state = seed & mask;
  return () => {
    state = (state + 0x9e3779b97f4a7c15n) & mask;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
    return z ^ (z >> 31n);
  };
}

/** A random bigint of exactly `bits` bits (top bit set). */
function randomBits(next: () => bigint, bits: number): bigint {
  let v = 0n;
  for (let have = 0; have < bits; have += 64) v = (v << 64n) | next();
  v &= (1n << BigInt(bits)) - 1n;
  return v | (1n << BigInt(bits - 1));
}

function expectClose(actual: number, expected: number, relTol: number): void {
  const rel = Math.abs(actual - expected) / Math.abs(expected);
  expect(rel, `${actual} vs ${expected} (relative error ${rel})`).to.be.at.most(relTol);
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

const SAMPLE_TICKS = [
  MIN_TICK + 1,
  -800000,
  -500000,
  -276325,
  -100000,
  -887,
  -60,
  -2,
  -1,
  0,
  1,
  2,
  60,
  887,
  100000,
  276324,
  500000,
  800000,
  MAX_TICK - 1,
];

describe("uniswapMath", function () {
  describe("constants", function () {
    it("match Uniswap's Q96, Q192 and tick bounds", function () {
      expect(Q96).to.equal(2n ** 96n);
      expect(Q192).to.equal(2n ** 192n);
      expect(MIN_TICK).to.equal(-887272);
      expect(MAX_TICK).to.equal(887272);
      expect(MIN_SQRT_RATIO).to.equal(4295128739n);
      expect(MAX_SQRT_RATIO).to.equal(1461446703485210103287273052203988822378723970342n);
      expect(TICK_SPACINGS).to.deep.equal({ 100: 1, 500: 10, 3000: 60, 10000: 200 });
    });
  });

  describe("getSqrtRatioAtTick", function () {
    it("returns MIN_SQRT_RATIO at MIN_TICK and MAX_SQRT_RATIO at MAX_TICK", function () {
      expect(getSqrtRatioAtTick(MIN_TICK)).to.equal(MIN_SQRT_RATIO);
      expect(getSqrtRatioAtTick(MAX_TICK)).to.equal(MAX_SQRT_RATIO);
    });

    it("returns 2^96 at tick 0", function () {
      expect(getSqrtRatioAtTick(0)).to.equal(2n ** 96n);
    });

    it("matches TickMath's values next to the bounds and at sample ticks", function () {
      // Values from v3-core's TickMath tests.
      expect(getSqrtRatioAtTick(MIN_TICK + 1)).to.equal(4295343490n);
      expect(getSqrtRatioAtTick(MAX_TICK - 1)).to.equal(1461373636630004318706518188784493106690254656249n);
      expect(getSqrtRatioAtTick(50)).to.equal(79426470787362580746886972461n);
      expect(getSqrtRatioAtTick(-50)).to.equal(79030349367926598376800521322n);
      expect(getSqrtRatioAtTick(100)).to.equal(79625275426524748796330556128n);
      expect(getSqrtRatioAtTick(250000)).to.equal(21246587762933397357449903968194344n);
    });

    it("agrees with sqrt(1.0001^tick) * 2^96 computed in floating point", function () {
      for (const tick of SAMPLE_TICKS) {
        const expected = Math.sqrt(1.0001 ** tick) * 2 ** 96;
        expectClose(Number(getSqrtRatioAtTick(tick)), expected, 1e-9);
      }
    });

    it("is strictly increasing", function () {
      let previous = getSqrtRatioAtTick(-1000);
      for (let tick = -999; tick <= 1000; tick++) {
        const current = getSqrtRatioAtTick(tick);
        expect(current > previous, `tick ${tick}`).to.be.true;
        previous = current;
      }
      expect(getSqrtRatioAtTick(MIN_TICK) < getSqrtRatioAtTick(MIN_TICK + 1)).to.be.true;
      expect(getSqrtRatioAtTick(MAX_TICK - 1) < getSqrtRatioAtTick(MAX_TICK)).to.be.true;
    });

    it("throws RangeError for ticks out of range", function () {
      expect(() => getSqrtRatioAtTick(MIN_TICK - 1)).to.throw(RangeError);
      expect(() => getSqrtRatioAtTick(MAX_TICK + 1)).to.throw(RangeError);
      expect(() => getSqrtRatioAtTick(Number.MAX_SAFE_INTEGER)).to.throw(RangeError);
      expect(() => getSqrtRatioAtTick(-Infinity)).to.throw(RangeError);
    });

    it("throws RangeError for non-integer ticks", function () {
      for (const tick of [0.5, -1.5, 100.000001, NaN, Infinity]) {
        expect(() => getSqrtRatioAtTick(tick), `tick ${tick}`).to.throw(RangeError);
      }
    });
  });

  describe("getTickAtSqrtRatio", function () {
    it("returns MIN_TICK at MIN_SQRT_RATIO and MAX_TICK - 1 just below MAX_SQRT_RATIO", function () {
      expect(getTickAtSqrtRatio(MIN_SQRT_RATIO)).to.equal(MIN_TICK);
      expect(getTickAtSqrtRatio(MAX_SQRT_RATIO - 1n)).to.equal(MAX_TICK - 1);
    });

    it("returns 0 at 2^96 and -1 just below it", function () {
      expect(getTickAtSqrtRatio(Q96)).to.equal(0);
      expect(getTickAtSqrtRatio(Q96 - 1n)).to.equal(-1);
      expect(getTickAtSqrtRatio(Q96 + 1n)).to.equal(0);
    });

    it("inverts getSqrtRatioAtTick: t at the tick's ratio, t - 1 one below it", function () {
      const next = makeRng(0x5eedn);
      const span = BigInt(MAX_TICK - MIN_TICK - 1);
      const randomTicks = Array.from({ length: 40 }, () => MIN_TICK + 1 + Number(next() % span));
      for (const tick of [...SAMPLE_TICKS, ...randomTicks]) {
        const ratio = getSqrtRatioAtTick(tick);
        expect(getTickAtSqrtRatio(ratio), `tick ${tick}`).to.equal(tick);
        expect(getTickAtSqrtRatio(ratio - 1n), `tick ${tick} - 1`).to.equal(tick - 1);
        expect(getTickAtSqrtRatio(ratio + 1n), `tick ${tick} + 1 wei`).to.equal(tick);
      }
    });

    it("returns the greatest tick whose ratio is <= the input, between two tick ratios", function () {
      for (const tick of [-100000, -1, 0, 12345]) {
        const lower = getSqrtRatioAtTick(tick);
        const upper = getSqrtRatioAtTick(tick + 1);
        expect(getTickAtSqrtRatio((lower + upper) / 2n)).to.equal(tick);
        expect(getTickAtSqrtRatio(upper - 1n)).to.equal(tick);
      }
    });

    it("throws RangeError outside [MIN_SQRT_RATIO, MAX_SQRT_RATIO)", function () {
      for (const ratio of [0n, -1n, MIN_SQRT_RATIO - 1n, MAX_SQRT_RATIO, MAX_SQRT_RATIO + 1n, 2n ** 160n]) {
        expect(() => getTickAtSqrtRatio(ratio), `ratio ${ratio}`).to.throw(RangeError);
      }
    });
  });

  describe("sqrtFloor", function () {
    it("handles the smallest values", function () {
      expect(sqrtFloor(0n)).to.equal(0n);
      expect(sqrtFloor(1n)).to.equal(1n);
      expect(sqrtFloor(2n)).to.equal(1n);
      expect(sqrtFloor(3n)).to.equal(1n);
      expect(sqrtFloor(4n)).to.equal(2n);
      expect(sqrtFloor(8n)).to.equal(2n);
      expect(sqrtFloor(9n)).to.equal(3n);
    });

    it("is exact on perfect squares of large numbers and one below them", function () {
      for (const root of [
        10n ** 30n + 7n,
        2n ** 64n - 1n,
        2n ** 96n,
        2n ** 128n + 1n,
        10n ** 100n + 3n,
        2n ** 500n - 1n,
      ]) {
        const square = root * root;
        expect(sqrtFloor(square), `${root}^2`).to.equal(root);
        expect(sqrtFloor(square - 1n), `${root}^2 - 1`).to.equal(root - 1n);
        expect(sqrtFloor(square + 1n), `${root}^2 + 1`).to.equal(root);
      }
    });

    it("is exact where floating point is not (around 2^53 and above)", function () {
      const root = 2n ** 53n + 1n;
      expect(sqrtFloor(root * root - 1n)).to.equal(root - 1n);
      expect(sqrtFloor(root * root)).to.equal(root);
    });

    it("satisfies r*r <= v < (r+1)*(r+1) for random values of up to 2000 bits", function () {
      const next = makeRng(0xba11a57n);
      for (let i = 0; i < 300; i++) {
        const v = randomBits(next, 1 + Number(next() % 2000n));
        const r = sqrtFloor(v);
        expect(r * r <= v && v < (r + 1n) * (r + 1n), `v = ${v}, r = ${r}`).to.be.true;
      }
    });

    it("is exact beyond a double's range (2^1024 and above)", function () {
      expect(sqrtFloor(1n << 1024n)).to.equal(1n << 512n);
      expect(sqrtFloor((1n << 1024n) - 1n)).to.equal((1n << 512n) - 1n);
      const v = 1n << 2001n;
      const r = sqrtFloor(v);
      expect(r * r <= v && v < (r + 1n) * (r + 1n)).to.be.true;
    });

    it("throws RangeError for negative values", function () {
      expect(() => sqrtFloor(-1n)).to.throw(RangeError);
      expect(() => sqrtFloor(-(10n ** 40n))).to.throw(RangeError);
    });
  });

  describe("sqrtPriceX96FromPrices", function () {
    it("gives 2^96 for equal prices and equal decimals", function () {
      expect(sqrtPriceX96FromPrices(10n ** 8n, 18, 10n ** 8n, 18)).to.equal(Q96);
      expect(sqrtPriceX96FromPrices(12345n, 6, 12345n, 6)).to.equal(Q96);
      expect(sqrtPriceX96FromPrices(1n, 0, 1n, 0)).to.equal(Q96);
    });

    it("scales by sqrt(10^(dec1 - dec0)) for equal prices and different decimals", function () {
      // USDC (6) / DAI (18) at $1 each: 10^12 raw DAI per raw USDC.
      expect(sqrtPriceX96FromPrices(10n ** 8n, 6, 10n ** 8n, 18)).to.equal(10n ** 6n * Q96);
      expect(sqrtPriceX96FromPrices(10n ** 8n, 18, 10n ** 8n, 6)).to.equal(Q96 / 10n ** 6n);
    });

    it("is consistent with priceFromSqrtPriceX96 for USDC (6) / WETH (18)", function () {
      const usd = 10n ** 8n; // 8-decimal feed answers
      const usdcPrice = 1n * usd;
      const wethPrice = 3000n * usd;
      const usdcWeth = sqrtPriceX96FromPrices(usdcPrice, 6, wethPrice, 18);
      expectClose(priceFromSqrtPriceX96(usdcWeth, 6, 18), 1 / 3000, 1e-9);
      const wethUsdc = sqrtPriceX96FromPrices(wethPrice, 18, usdcPrice, 6);
      expectClose(priceFromSqrtPriceX96(wethUsdc, 18, 6), 3000, 1e-9);
      // One orientation is the reciprocal of the other in Q96.
      expectClose(Number(usdcWeth) * Number(wethUsdc), 2 ** 192, 1e-9);
    });

    it("is consistent with the tick of the pool price", function () {
      const sqrtPrice = sqrtPriceX96FromPrices(10n ** 8n, 6, 3000n * 10n ** 8n, 18);
      const tick = getTickAtSqrtRatio(sqrtPrice);
      const price = 1 / 3000;
      expect(priceAtTick(tick, 6, 18)).to.be.at.most(price * (1 + 1e-12));
      expect(priceAtTick(tick + 1, 6, 18)).to.be.greaterThan(price);
    });

    it("rounds the square root down", function () {
      const price0 = 123456789n;
      const price1 = 987654321n;
      const sqrtPrice = sqrtPriceX96FromPrices(price0, 8, price1, 18);
      const ratioQ192 = (price0 * 10n ** 18n * Q192) / (price1 * 10n ** 8n);
      expect(sqrtPrice * sqrtPrice <= ratioQ192).to.be.true;
      expect((sqrtPrice + 1n) * (sqrtPrice + 1n) > ratioQ192).to.be.true;
    });

    it("throws RangeError for a non-positive price", function () {
      expect(() => sqrtPriceX96FromPrices(0n, 6, 1n, 18)).to.throw(RangeError);
      expect(() => sqrtPriceX96FromPrices(1n, 6, 0n, 18)).to.throw(RangeError);
      expect(() => sqrtPriceX96FromPrices(-1n, 6, 1n, 18)).to.throw(RangeError);
      expect(() => sqrtPriceX96FromPrices(1n, 6, -(10n ** 8n), 18)).to.throw(RangeError);
    });
  });

  describe("priceFromSqrtPriceX96 and priceAtTick", function () {
    it("give 1 at 2^96 / tick 0 with equal decimals and apply the decimal shift", function () {
      expect(priceFromSqrtPriceX96(Q96, 18, 18)).to.equal(1);
      expect(priceAtTick(0, 18, 18)).to.equal(1);
      expectClose(priceFromSqrtPriceX96(Q96, 18, 6), 1e12, 1e-12);
      expectClose(priceAtTick(0, 6, 18), 1e-12, 1e-12);
    });

    it("agree with each other at sample ticks", function () {
      for (const tick of [-200000, -60, 0, 60, 200000]) {
        expectClose(priceFromSqrtPriceX96(getSqrtRatioAtTick(tick), 8, 18), priceAtTick(tick, 8, 18), 1e-9);
      }
    });
  });

  describe("amountsForLiquidity", function () {
    const liquidity = 10n ** 18n;
    const sqrtLower = getSqrtRatioAtTick(-600);
    const sqrtUpper = getSqrtRatioAtTick(600);
    const amount0Exact = (a: bigint, b: bigint, l: bigint) => ceilDiv(ceilDiv(l * Q96 * (b - a), b), a);
    const amount1Exact = (a: bigint, b: bigint, l: bigint) => ceilDiv(l * (b - a), Q96);

    it("needs only token0 when the price is below the range (or at its lower bound)", function () {
      for (const price of [getSqrtRatioAtTick(-1200), MIN_SQRT_RATIO, sqrtLower]) {
        const { amount0, amount1 } = amountsForLiquidity(price, sqrtLower, sqrtUpper, liquidity);
        expect(amount0 > 0n).to.be.true;
        expect(amount1).to.equal(0n);
        expect(amount0).to.equal(amount0Exact(sqrtLower, sqrtUpper, liquidity));
      }
      // L * (1/sqrt(pa) - 1/sqrt(pb)), in floating point.
      const { amount0 } = amountsForLiquidity(MIN_SQRT_RATIO, sqrtLower, sqrtUpper, liquidity);
      const expected = 1e18 * (1 / Math.sqrt(1.0001 ** -600) - 1 / Math.sqrt(1.0001 ** 600));
      expectClose(Number(amount0), expected, 1e-9);
    });

    it("needs only token1 when the price is above the range (or at its upper bound)", function () {
      for (const price of [getSqrtRatioAtTick(1200), MAX_SQRT_RATIO - 1n, sqrtUpper]) {
        const { amount0, amount1 } = amountsForLiquidity(price, sqrtLower, sqrtUpper, liquidity);
        expect(amount0).to.equal(0n);
        expect(amount1 > 0n).to.be.true;
        expect(amount1).to.equal(amount1Exact(sqrtLower, sqrtUpper, liquidity));
      }
      // L * (sqrt(pb) - sqrt(pa)), in floating point.
      const { amount1 } = amountsForLiquidity(MAX_SQRT_RATIO - 1n, sqrtLower, sqrtUpper, liquidity);
      const expected = 1e18 * (Math.sqrt(1.0001 ** 600) - Math.sqrt(1.0001 ** -600));
      expectClose(Number(amount1), expected, 1e-9);
    });

    it("needs both tokens when the price is inside the range", function () {
      for (const tick of [-599, -300, 0, 1, 300, 599]) {
        const price = getSqrtRatioAtTick(tick);
        const { amount0, amount1 } = amountsForLiquidity(price, sqrtLower, sqrtUpper, liquidity);
        expect(amount0 > 0n, `tick ${tick}`).to.be.true;
        expect(amount1 > 0n, `tick ${tick}`).to.be.true;
        expect(amount0).to.equal(amount0Exact(price, sqrtUpper, liquidity));
        expect(amount1).to.equal(amount1Exact(sqrtLower, price, liquidity));
      }
    });

    it("splits a symmetric range around price 1 into (nearly) equal amounts", function () {
      const { amount0, amount1 } = amountsForLiquidity(Q96, sqrtLower, sqrtUpper, liquidity);
      expectClose(Number(amount0), Number(amount1), 1e-12);
      expectClose(Number(amount0), 1e18 * (1 - Math.sqrt(1.0001 ** -600)), 1e-9);
    });

    it("moves value from token0 to token1 as the price rises through the range", function () {
      let previous = amountsForLiquidity(sqrtLower, sqrtLower, sqrtUpper, liquidity);
      for (let tick = -540; tick <= 600; tick += 60) {
        const current = amountsForLiquidity(getSqrtRatioAtTick(tick), sqrtLower, sqrtUpper, liquidity);
        expect(current.amount0 < previous.amount0, `tick ${tick}`).to.be.true;
        expect(current.amount1 > previous.amount1, `tick ${tick}`).to.be.true;
        previous = current;
      }
    });

    it("rounds up, as a mint pays", function () {
      expect(amountsForLiquidity(Q96, sqrtLower, sqrtUpper, 1n)).to.deep.equal({ amount0: 1n, amount1: 1n });
      expect(amountsForLiquidity(Q96, sqrtLower, sqrtUpper, 0n)).to.deep.equal({ amount0: 0n, amount1: 0n });
    });

    it("throws RangeError when the lower sqrt price is not below the upper one", function () {
      expect(() => amountsForLiquidity(Q96, sqrtUpper, sqrtUpper, liquidity)).to.throw(RangeError);
      expect(() => amountsForLiquidity(Q96, sqrtUpper, sqrtLower, liquidity)).to.throw(RangeError);
    });
  });

  describe("meanTick", function () {
    it("divides the tick cumulative delta by the period", function () {
      expect(meanTick(0n, 600n, 60)).to.equal(10);
      expect(meanTick(1_000_000n, 1_000_000n, 1800)).to.equal(0);
      expect(meanTick(-500n, -1100n, 60)).to.equal(-10);
    });

    it("rounds toward negative infinity", function () {
      expect(meanTick(0n, -7n, 2)).to.equal(-4);
      expect(meanTick(0n, 7n, 2)).to.equal(3);
      expect(meanTick(100n, 93n, 2)).to.equal(-4);
      expect(meanTick(0n, -6n, 2)).to.equal(-3);
      expect(meanTick(0n, -1n, 1800)).to.equal(-1);
      expect(meanTick(0n, 1n, 1800)).to.equal(0);
    });

    it("handles cumulatives beyond Number's exact range", function () {
      const start = -(2n ** 60n);
      const seconds = 1800;
      const end = start + BigInt(-276325 * seconds) - 1n;
      expect(meanTick(start, end, seconds)).to.equal(-276326);
    });

    it("throws RangeError for a non-positive or non-integer number of seconds", function () {
      for (const seconds of [0, -1, -1800, 1.5, NaN]) {
        expect(() => meanTick(0n, 1n, seconds), `seconds ${seconds}`).to.throw(RangeError);
      }
    });
  });
});
