import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import { ChainlinkOracle__factory, UniswapTwapOracle__factory } from "../../typechain-types";
import { marketFixture } from "../shared/fixtures";

const WAD = 10n ** 18n;
const WINDOW = 1_800;

/** A TWAP oracle for LINK (LINK/USDC 30 bp pool, USDC's Chainlink feed as quote), with history. */
async function twapFixture() {
  const market = await marketFixture();
  const usdcOracle = await new ChainlinkOracle__factory(market.deployer).deploy(
    market.token("USDC").feed,
    86_400,
    ZeroAddress,
    0,
  );
  const pool = market.pool("LINK", "USDC", 3000);
  const oracle = await new UniswapTwapOracle__factory(market.deployer).deploy(
    pool.address,
    market.token("LINK").address,
    usdcOracle,
    WINDOW,
  );
  return { market, usdcOracle, pool, oracle };
}

async function withHistory() {
  const f = await twapFixture();
  await f.market.advanceTime(WINDOW + 60);
  return f;
}

describe("UniswapTwapOracle", () => {
  it("prices the asset at the pool's TWAP times the quote's USD price (18 decimals)", async () => {
    const { oracle } = await loadFixture(withHistory);
    // The pool sits at $15 (to a tick, 1 bp).
    expect(await oracle.price()).to.be.closeTo(15n * WAD, (15n * WAD) / 10_000n);
    const [valid, price] = await oracle.tryPrice();
    expect(valid).to.be.true;
    expect(price).to.equal(await oracle.price());
  });

  it("prices a token0 asset too (WETH against USDC, 18 vs 6 decimals)", async () => {
    const { market, usdcOracle } = await loadFixture(withHistory);
    const pool = market.pool("WETH", "USDC", 500);
    const oracle = await new UniswapTwapOracle__factory(market.deployer).deploy(
      pool.address,
      market.weth,
      usdcOracle,
      WINDOW,
    );
    expect(await oracle.price()).to.be.closeTo(3_000n * WAD, (3_000n * WAD) / 10_000n);
  });

  it("follows a lasting move, and resists a brief manipulation", async () => {
    const { market, pool, oracle } = await loadFixture(withHistory);
    // A manipulator pushes the pool up 20%; one minute later the 30-minute TWAP has barely moved.
    await market.movePoolPrice(pool, "LINK", 18);
    await time.increase(60);
    const afterPush = await oracle.price();
    expect(afterPush).to.be.lessThan((15n * WAD * 10_080n) / 10_000n); // < +0.8%
    // If the market really moved and stayed there a whole window, the TWAP reports it.
    await time.increase(WINDOW);
    expect(await oracle.price()).to.be.closeTo(18n * WAD, (18n * WAD) / 1_000n);
  });

  it("scales with the quote's own price", async () => {
    const { market, oracle } = await loadFixture(withHistory);
    await market.setFeedPrice("USDC", "0.98");
    expect(await oracle.price()).to.be.closeTo((15n * WAD * 98n) / 100n, (15n * WAD) / 10_000n);
  });

  it("is invalid while the pool's history is shorter than the window, or the quote's price fails", async () => {
    const { market, oracle } = await loadFixture(twapFixture);
    await expect(oracle.price()).to.be.revertedWith("OLD");
    expect(await oracle.tryPrice()).to.deep.equal([false, 0n]);
    await market.advanceTime(WINDOW + 60);
    expect((await oracle.tryPrice())[0]).to.be.true;
    const now = await time.latest();
    await market.token("USDC").feed.setRound(0, now, now);
    await expect(oracle.price()).to.be.revertedWithCustomError(oracle, "BallastFeedAnswer");
    expect(await oracle.tryPrice()).to.deep.equal([false, 0n]);
  });

  it("validates its construction", async () => {
    const { market, usdcOracle, pool } = await loadFixture(twapFixture);
    const factory = new UniswapTwapOracle__factory(market.deployer);
    const link = market.token("LINK").address;
    await expect(factory.deploy(ethers.ZeroAddress, link, usdcOracle, WINDOW)).to.be.revertedWithCustomError(
      factory,
      "BallastZeroAddress",
    );
    await expect(factory.deploy(pool.address, ethers.ZeroAddress, usdcOracle, WINDOW)).to.be.revertedWithCustomError(
      factory,
      "BallastZeroAddress",
    );
    await expect(factory.deploy(pool.address, link, ethers.ZeroAddress, WINDOW)).to.be.revertedWithCustomError(
      factory,
      "BallastZeroAddress",
    );
    for (const window of [299, 7 * 86_400 + 1]) {
      await expect(factory.deploy(pool.address, link, usdcOracle, window))
        .to.be.revertedWithCustomError(factory, "BallastParameterOutOfRange")
        .withArgs(14, window, 300, 7 * 86_400);
    }
    const wbtc = market.token("WBTC").address;
    await expect(factory.deploy(pool.address, wbtc, usdcOracle, WINDOW))
      .to.be.revertedWithCustomError(factory, "BallastPoolToken")
      .withArgs(pool.address, wbtc);
    const oracle = await factory.deploy(pool.address, link, usdcOracle, WINDOW);
    expect(await oracle.pool()).to.equal(pool.address);
    expect(await oracle.asset()).to.equal(link);
    expect(await oracle.quoteOracle()).to.equal(await usdcOracle.getAddress());
    expect(await oracle.window()).to.equal(BigInt(WINDOW));
  });
});
