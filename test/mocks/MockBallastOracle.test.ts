import { expect } from "chai";
import { parseUnits } from "ethers";
import { ethers } from "hardhat";

import { MockBallastOracle__factory, MockUniswapFactory__factory } from "../../typechain-types";

describe("MockBallastOracle", () => {
  it("answers the price and deviation threshold it was built with; a zero price is invalid", async () => {
    const [deployer] = await ethers.getSigners();
    const oracle = await new MockBallastOracle__factory(deployer).deploy(parseUnits("8", 18), 10_001);
    expect(await oracle.price()).to.equal(parseUnits("8", 18));
    expect(await oracle.tryPrice()).to.deep.equal([true, parseUnits("8", 18)]);
    expect(await oracle.deviationBps()).to.equal(10_001n);
    const zero = await new MockBallastOracle__factory(deployer).deploy(0, 50);
    expect(await zero.tryPrice()).to.deep.equal([false, 0n]);
  });
});

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
