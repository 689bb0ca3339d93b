import { expect } from "chai";
import { ethers } from "hardhat";

import { MockUniswapFactory__factory } from "../../typechain-types";

describe("MockUniswapFactory", () => {
  it("answers getPool from its table in either token order, and zero for what it was not told", async () => {
    const [deployer, a, b, pool] = await ethers.getSigners();
    const factory = await new MockUniswapFactory__factory(deployer).deploy();
    expect(await factory.getPool(a, b, 500)).to.equal(ethers.ZeroAddress);
    await factory.setPool(a, b, 500, pool);
    expect(await factory.getPool(a, b, 500)).to.equal(pool.address);
    expect(await factory.getPool(b, a, 500)).to.equal(pool.address);
    expect(await factory.getPool(a, b, 3000)).to.equal(ethers.ZeroAddress);
  });
});
