import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Wallet } from "ethers";
import { ethers } from "hardhat";

import { IUniswapV3Pool__factory, RawReadHarness__factory } from "../../typechain-types";
import { marketFixture } from "../shared/fixtures";

async function harnessFixture() {
  const market = await loadFixture(marketFixture);
  const [deployer, holder] = await ethers.getSigners();
  return { market, holder, harness: await new RawReadHarness__factory(deployer).deploy() };
}

// PoolState and TokenBalance read one word of a getter's answer without decoding or allocating:
// they must answer what the typed call answers, and fail where it fails.
describe("PoolState and TokenBalance", () => {
  it("read every pool's price and liquidity as slot0() and liquidity() report them", async () => {
    const { market, harness } = await loadFixture(harnessFixture);
    for (const p of market.pools) {
      const pool = IUniswapV3Pool__factory.connect(p.address, ethers.provider);
      expect(await harness.readSqrtPrice(p.address), p.key).to.equal((await pool.slot0()).sqrtPriceX96);
      expect(await harness.readLiquidity(p.address), p.key).to.equal(await pool.liquidity());
    }
  });

  it("read a holder's balance as balanceOf reports it, for 6, 8 and 18 decimals", async () => {
    const { market, harness, holder } = await loadFixture(harnessFixture);
    for (const symbol of ["USDC", "WBTC", "WETH"]) {
      const token = market.token(symbol);
      await market.fund(holder.address, symbol, 12_345n);
      const typed = await token.contract.balanceOf(holder.address);
      expect(typed, symbol).to.be.greaterThan(0n);
      expect(await harness.readBalance(token.address, holder.address), symbol).to.equal(typed);
    }
  });

  it("pass a failing getter's revert on unchanged", async () => {
    const { harness } = await loadFixture(harnessFixture);
    const self = await harness.getAddress();
    await expect(harness.readSqrtPrice(self)).to.be.revertedWithCustomError(harness, "RawReadRefused").withArgs(1n);
    await expect(harness.readLiquidity(self)).to.be.revertedWithCustomError(harness, "RawReadRefused").withArgs(2n);
    await expect(harness.readBalance(self, self)).to.be.revertedWithCustomError(harness, "RawReadRefused").withArgs(3n);
  });

  it("revert without data on a short answer and on an address without code, as a typed call does", async () => {
    const { harness } = await loadFixture(harnessFixture);
    const self = await harness.getAddress();
    await harness.setShort(true);
    await expect(harness.readSqrtPrice(self)).to.be.revertedWithoutReason();
    await expect(harness.readLiquidity(self)).to.be.revertedWithoutReason();
    await expect(harness.readBalance(self, self)).to.be.revertedWithoutReason();
    const nobody = Wallet.createRandom().address;
    await expect(harness.readSqrtPrice(nobody)).to.be.revertedWithoutReason();
    await expect(harness.readLiquidity(nobody)).to.be.revertedWithoutReason();
    await expect(harness.readBalance(nobody, self)).to.be.revertedWithoutReason();
  });
});
