import { expect } from "chai";
import { parseUnits } from "ethers";
import { ethers } from "hardhat";

import { MockBallastOracle__factory } from "../../typechain-types";

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
