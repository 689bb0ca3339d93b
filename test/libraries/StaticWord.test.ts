import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Wallet, ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import {
  IUniswapV3Pool__factory,
  MockFaultyGetters__factory,
  UniswapMathHarness__factory,
} from "../../typechain-types";
import { marketFixture } from "../shared/fixtures";

async function harnessFixture() {
  const market = await loadFixture(marketFixture);
  const [deployer, holder] = await ethers.getSigners();
  const harness = await new UniswapMathHarness__factory(deployer).deploy();
  return { market, holder, harness, faulty: await new MockFaultyGetters__factory(deployer).deploy() };
}

// UniswapMathHarness.staticWord's reads.
const [PRICE, LIQUIDITY, BALANCE] = [0, 1, 2];

// StaticWord reads one word of a getter's answer without decoding or allocating: it must answer
// what the typed call answers, and fail where it fails.
describe("StaticWord", () => {
  it("reads every pool's price and liquidity as slot0() and liquidity() report them", async () => {
    const { market, harness } = await loadFixture(harnessFixture);
    for (const p of market.pools) {
      const pool = IUniswapV3Pool__factory.connect(p.address, ethers.provider);
      expect(await harness.staticWord(PRICE, p.address, ZeroAddress), p.key).to.equal(
        (await pool.slot0()).sqrtPriceX96,
      );
      expect(await harness.staticWord(LIQUIDITY, p.address, ZeroAddress), p.key).to.equal(await pool.liquidity());
    }
  });

  it("reads a holder's balance as balanceOf reports it, for 6, 8 and 18 decimals", async () => {
    const { market, harness, holder } = await loadFixture(harnessFixture);
    for (const symbol of ["USDC", "WBTC", "WETH"]) {
      const token = market.token(symbol);
      await market.fund(holder.address, symbol, 12_345n);
      const typed = await token.contract.balanceOf(holder.address);
      expect(typed, symbol).to.be.greaterThan(0n);
      expect(await harness.staticWord(BALANCE, token.address, holder.address), symbol).to.equal(typed);
    }
  });

  it("passes a failing getter's revert on unchanged", async () => {
    const { harness, faulty } = await loadFixture(harnessFixture);
    const bad = await faulty.getAddress();
    await expect(harness.staticWord(PRICE, bad, ZeroAddress))
      .to.be.revertedWithCustomError(faulty, "MockGetterRefused")
      .withArgs(1n);
    await expect(harness.staticWord(LIQUIDITY, bad, ZeroAddress))
      .to.be.revertedWithCustomError(faulty, "MockGetterRefused")
      .withArgs(2n);
    await expect(harness.staticWord(BALANCE, bad, bad))
      .to.be.revertedWithCustomError(faulty, "MockGetterRefused")
      .withArgs(3n);
  });

  it("reverts without data on a short answer and on an address without code, as a typed call does", async () => {
    const { harness, faulty } = await loadFixture(harnessFixture);
    const bad = await faulty.getAddress();
    await faulty.setShort(true);
    await expect(harness.staticWord(PRICE, bad, ZeroAddress)).to.be.revertedWithoutReason();
    await expect(harness.staticWord(LIQUIDITY, bad, ZeroAddress)).to.be.revertedWithoutReason();
    await expect(harness.staticWord(BALANCE, bad, bad)).to.be.revertedWithoutReason();
    const nobody = Wallet.createRandom().address;
    await expect(harness.staticWord(PRICE, nobody, ZeroAddress)).to.be.revertedWithoutReason();
    await expect(harness.staticWord(LIQUIDITY, nobody, ZeroAddress)).to.be.revertedWithoutReason();
    await expect(harness.staticWord(BALANCE, nobody, bad)).to.be.revertedWithoutReason();
  });
});
