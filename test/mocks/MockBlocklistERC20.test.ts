import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";

import { MockBlocklistERC20__factory } from "../../typechain-types";

describe("MockBlocklistERC20", () => {
  async function blocklistFixture() {
    const [owner, alice, bob, pool] = await ethers.getSigners();
    const token = await new MockBlocklistERC20__factory(owner).deploy("Block", "BLOCK", 18);
    await token.mint(alice.address, 1_000n);
    await token.mint(pool.address, 1_000n);
    return { token, owner, alice, bob, pool };
  }

  it("moves tokens like a plain ERC-20 while nobody is blocked", async () => {
    const { token, alice, bob } = await loadFixture(blocklistFixture);
    await expect(token.connect(alice).transfer(bob.address, 400n)).to.changeTokenBalances(
      token,
      [alice, bob],
      [-400n, 400n],
    );
  });

  it("reverts every transfer to or from a blocked account, and behaves again once unblocked", async () => {
    const { token, alice, pool } = await loadFixture(blocklistFixture);
    await expect(token.setBlocked(pool.address, true)).to.emit(token, "BlockedSet").withArgs(pool.address, true);
    await expect(token.connect(alice).transfer(pool.address, 1n))
      .to.be.revertedWithCustomError(token, "MockBlocklistAccountBlocked")
      .withArgs(pool.address);
    await expect(token.connect(pool).transfer(alice.address, 1n))
      .to.be.revertedWithCustomError(token, "MockBlocklistAccountBlocked")
      .withArgs(pool.address);
    await token.setBlocked(pool.address, false);
    await expect(token.connect(pool).transfer(alice.address, 1n)).to.changeTokenBalance(token, alice, 1n);
  });

  it("lets only the owner block, and refuses an unchanged state", async () => {
    const { token, alice, pool } = await loadFixture(blocklistFixture);
    await expect(token.connect(alice).setBlocked(pool.address, true))
      .to.be.revertedWithCustomError(token, "OwnableUnauthorizedAccount")
      .withArgs(alice.address);
    await expect(token.setBlocked(pool.address, false))
      .to.be.revertedWithCustomError(token, "MockBlocklistUnchanged")
      .withArgs(pool.address, false);
  });
});
