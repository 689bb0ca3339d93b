import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";

import { getSqrtRatioAtTick, MAX_TICK, meanTick, MIN_TICK } from "../../src/market";
import { UniswapMathHarness__factory } from "../../typechain-types";
import { marketFixture } from "../shared/fixtures";
import { deployLocalMarket } from "../shared/market";

async function harnessFixture() {
  const market = await marketFixture();
  const harness = await new UniswapMathHarness__factory(market.deployer).deploy();
  return { market, harness };
}

describe("TickMath and UniswapTwap (0.8 ports)", () => {
  it("maps ticks to the pools' exact sqrt prices, bounds included", async () => {
    const { harness } = await loadFixture(harnessFixture);
    const ticks = [MIN_TICK, MIN_TICK + 1, -500_000, -69_082, -1, 0, 1, 60, 75_000, 276_324, MAX_TICK - 1, MAX_TICK];
    for (let i = 0; i < 20; i++) ticks.push(Math.floor(Math.sin(i + 1) * MAX_TICK));
    for (const tick of ticks) {
      expect(await harness.sqrtRatioAtTick(tick), `tick ${tick}`).to.equal(getSqrtRatioAtTick(tick));
    }
  });

  it("refuses ticks out of range", async () => {
    const { harness } = await loadFixture(harnessFixture);
    for (const tick of [MIN_TICK - 1, MAX_TICK + 1]) {
      await expect(harness.sqrtRatioAtTick(tick))
        .to.be.revertedWithCustomError(harness, "TickMathTickOutOfRange")
        .withArgs(tick);
    }
  });

  it("agrees with a live pool: its tick's sqrt price brackets slot0's", async () => {
    const { market, harness } = await loadFixture(harnessFixture);
    for (const pool of market.pools.slice(0, 6)) {
      const [sqrtPriceX96, tick] = await pool.contract.slot0();
      expect(await harness.sqrtRatioAtTick(tick)).to.be.lessThanOrEqual(sqrtPriceX96);
      expect(await harness.sqrtRatioAtTick(tick + 1n)).to.be.greaterThan(sqrtPriceX96);
      expect(await harness.spotTick(pool.address)).to.equal(tick);
    }
  });

  it("prices ticks as raw token1 per 1e18 raw token0", async () => {
    const { harness } = await loadFixture(harnessFixture);
    expect(await harness.ratioAtTick(0)).to.equal(10n ** 18n);
    // 1.0001^6932 is about 2.
    expect(await harness.ratioAtTick(6932)).to.be.closeTo(2n * 10n ** 18n, 10n ** 15n);
    const sqrt = getSqrtRatioAtTick(-200_000);
    expect(await harness.ratioAtTick(-200_000)).to.equal((((sqrt * sqrt) >> 64n) * 10n ** 18n) >> 128n);
  });

  it("computes the mean tick as OracleLibrary.consult does, rounding toward negative infinity", async () => {
    const { market, harness } = await loadFixture(harnessFixture);
    const pool = market.pool("WETH", "USDC", 500);
    await market.advanceTime(600);
    await market.movePoolPrice(pool, "WETH", 3_300);
    await market.advanceTime(900);
    for (const window of [60, 600, 1_200]) {
      const [cumulatives] = await pool.contract.observe([window, 0]);
      expect(await harness.meanTick(pool.address, window)).to.equal(meanTick(cumulatives[0], cumulatives[1], window));
    }
    // Beyond the pool's history the pool itself refuses.
    await expect(harness.meanTick(pool.address, 10 * 24 * 3600)).to.be.revertedWith("OLD");
  });
  describe("reach: how far back a pool's observations go", () => {
    async function smallRingFixture() {
      const market = await deployLocalMarket({
        tokens: [
          { symbol: "USDC", decimals: 6, priceUsd: 1 },
          { symbol: "WETH", decimals: 18, priceUsd: 3000 },
        ],
        pools: [{ tokenA: "WETH", tokenB: "USDC", fee: 500, depthUsd: 1_000_000 }],
        observationCardinality: 3,
      });
      const harness = await new UniswapMathHarness__factory(market.deployer).deploy();
      return { market, harness };
    }

    it("a ring never written over: back to the pool's first observation, not wrapped", async () => {
      const { market, harness } = await loadFixture(harnessFixture);
      const pool = market.pool("WETH", "USDC", 500);
      await market.advanceTime(600);
      const [first] = await pool.contract.observations(0);
      const [age, wrapped] = await harness.reach(pool.address);
      expect(wrapped).to.equal(false);
      expect(age).to.be.closeTo(BigInt(await time.latest()) - first, 1n);
    });

    it("a ring written over: back to the observation after the latest, wrapped", async () => {
      const { market, harness } = await loadFixture(smallRingFixture);
      const pool = market.pool("WETH", "USDC", 500);
      // Four observations in four blocks ten seconds apart, in a ring of three.
      for (const price of [3_010, 3_020, 3_030, 3_040]) {
        await market.advanceTime(10);
        await market.movePoolPrice(pool, "WETH", price);
      }
      const [, , index, cardinality] = await pool.contract.slot0();
      expect(cardinality).to.equal(3n);
      const [oldest] = await pool.contract.observations((index + 1n) % cardinality);
      const [age, wrapped] = await harness.reach(pool.address);
      expect(wrapped).to.equal(true);
      expect(age).to.be.closeTo(BigInt(await time.latest()) - oldest, 1n);
      // The pool agrees: it reaches exactly that far, and no further.
      await expect(pool.contract.observe([age + 2n, 0])).to.be.revertedWith("OLD");
    });

    it("a pool not initialised: no observation at all", async () => {
      const { market, harness } = await loadFixture(smallRingFixture);
      const [usdc, weth] = [market.token("USDC").address, market.token("WETH").address];
      await market.factory.createPool(usdc, weth, 3000);
      const address = await market.factory.getPool(usdc, weth, 3000);
      expect(await harness.reach(address)).to.deep.equal([0n, false]);
    });
  });
});
