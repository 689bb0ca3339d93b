import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";

import { MockRebasingERC20__factory } from "../../typechain-types";

const WAD = 10n ** 18n;

describe("MockRebasingERC20", () => {
  async function rebasingFixture() {
    const [owner, alice, bob] = await ethers.getSigners();
    const token = await new MockRebasingERC20__factory(owner).deploy("Rebasing", "REB", 18);
    await token.mint(alice.address, 1_000n * WAD);
    await token.mint(bob.address, 3_000n * WAD);
    return { token, owner, alice, bob };
  }

  it("rescales every balance and the supply on a rebase, without a transfer", async () => {
    const { token, alice, bob } = await loadFixture(rebasingFixture);
    await expect(token.rebase((WAD * 11n) / 10n))
      .to.emit(token, "Rebased")
      .withArgs(WAD, (WAD * 11n) / 10n)
      .and.not.to.emit(token, "Transfer");
    expect(await token.balanceOf(alice)).to.equal(1_100n * WAD);
    expect(await token.balanceOf(bob)).to.equal(3_300n * WAD);
    expect(await token.totalSupply()).to.equal(4_400n * WAD);
    await token.rebase((WAD * 9n) / 10n);
    expect(await token.balanceOf(alice)).to.equal(900n * WAD);
    expect(await token.sharesOf(alice)).to.equal(1_000n * WAD);
  });

  it("credits the recipient at least the amount sent and reports it in Transfer; both within one share's worth of it", async () => {
    const { token, alice, bob } = await loadFixture(rebasingFixture);
    await token.rebase(3n * WAD - 1n); // an index that makes share amounts round
    const [a0, b0] = [await token.balanceOf(alice), await token.balanceOf(bob)];
    await expect(token.connect(alice).transfer(bob.address, 1_000n))
      .to.emit(token, "Transfer")
      .withArgs(alice.address, bob.address, 1_000n);
    // A share is worth ~3 units here: rounding the shares up moves at most 3 units more, plus one.
    expect((await token.balanceOf(bob)) - b0).to.be.within(1_000n, 1_004n);
    expect(a0 - (await token.balanceOf(alice))).to.be.within(1_000n, 1_004n);
  });

  it("refuses a transfer beyond the balance, an index of zero or unchanged, and a rebase by anyone but the owner", async () => {
    const { token, alice, bob } = await loadFixture(rebasingFixture);
    await expect(token.connect(alice).transfer(bob.address, 1_000n * WAD + 1n))
      .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
      .withArgs(alice.address, 1_000n * WAD, 1_000n * WAD + 1n);
    await expect(token.rebase(0)).to.be.revertedWithCustomError(token, "MockRebasingInvalidIndex").withArgs(0);
    await expect(token.rebase(WAD)).to.be.revertedWithCustomError(token, "MockRebasingInvalidIndex").withArgs(WAD);
    await expect(token.connect(alice).rebase(2n * WAD))
      .to.be.revertedWithCustomError(token, "OwnableUnauthorizedAccount")
      .withArgs(alice.address);
  });

  it("burns the shares an amount is worth", async () => {
    const { token, alice } = await loadFixture(rebasingFixture);
    await token.rebase(2n * WAD);
    await token.burn(alice.address, 500n * WAD);
    expect(await token.balanceOf(alice)).to.equal(1_500n * WAD);
    expect(await token.totalSupply()).to.equal(7_500n * WAD);
  });
});
