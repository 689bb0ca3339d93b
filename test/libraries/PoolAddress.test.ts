import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Wallet } from "ethers";
import { ethers } from "hardhat";

import { MockERC20__factory, UniswapMathHarness__factory } from "../../typechain-types";
import { marketFixture } from "../shared/fixtures";

async function harnessFixture() {
  const market = await loadFixture(marketFixture);
  const [deployer] = await ethers.getSigners();
  return { market, harness: await new UniswapMathHarness__factory(deployer).deploy() };
}

// The vault computes pool addresses rather than asking the factory (BasketAdmin.validateRoute
// checks the two agree when a route is listed): they must agree for the real Uniswap factory.
describe("PoolAddress", () => {
  it("is where the real Uniswap V3 factory put every pool of the local market, in either token order", async () => {
    const { market, harness } = await loadFixture(harnessFixture);
    const factory = await market.factory.getAddress();
    expect(market.pools.length).to.be.greaterThan(10);
    for (const pool of market.pools) {
      const [a, b] = [pool.token0.address, pool.token1.address];
      expect(await harness.poolAddress(factory, a, b, pool.fee), pool.key).to.equal(pool.address);
      expect(await harness.poolAddress(factory, b, a, pool.fee), pool.key).to.equal(pool.address);
    }
  });

  it("is where the factory will create a pool that does not exist yet, and differs by fee and by factory", async () => {
    const { market, harness } = await loadFixture(harnessFixture);
    const factory = await market.factory.getAddress();
    const token = await new MockERC20__factory(market.deployer).deploy("New", "NEW", 8);
    const usdc = market.token("USDC").address;
    const expected = await harness.poolAddress(factory, token, usdc, 10_000);
    expect(await ethers.provider.getCode(expected)).to.equal("0x");
    await (await market.factory.createPool(token, usdc, 10_000)).wait();
    expect(await market.factory.getPool(token, usdc, 10_000)).to.equal(expected);
    expect(await harness.poolAddress(factory, token, usdc, 3_000)).to.not.equal(expected);
    expect(await harness.poolAddress(Wallet.createRandom().address, token, usdc, 10_000)).to.not.equal(expected);
  });
});
