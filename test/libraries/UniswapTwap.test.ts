import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";

import { getSqrtRatioAtTick, MAX_TICK, meanTick, MIN_TICK } from "../../src/market";
import { UniswapMathHarness__factory } from "../../typechain-types";
import { marketFixture } from "../shared/fixtures";

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
});
