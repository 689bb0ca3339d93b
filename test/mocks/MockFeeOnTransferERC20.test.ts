import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";

import { MockFeeOnTransferERC20__factory } from "../../typechain-types";

describe("MockFeeOnTransferERC20", () => {
  async function taxFixture() {
    const [owner, alice, bob, exempt] = await ethers.getSigners();
    const token = await new MockFeeOnTransferERC20__factory(owner).deploy("Tax", "TAX", 18, 250);
    await token.mint(alice.address, 10_000n);
    await token.setFeeExempt(exempt.address, true);
    return { token, owner, alice, bob, exempt };
  }

  it("burns feeBps of a transfer between non-exempt accounts", async () => {
    const { token, alice, bob } = await loadFixture(taxFixture);
    await expect(token.connect(alice).transfer(bob.address, 10_000n)).to.changeTokenBalances(
      token,
      [alice, bob],
      [-10_000n, 9_750n],
    );
    expect(await token.totalSupply()).to.equal(9_750n);
  });

  it("charges nothing to or from an exempt account, nor on mint and burn", async () => {
    const { token, alice, exempt } = await loadFixture(taxFixture);
    await expect(token.connect(alice).transfer(exempt.address, 4_000n)).to.changeTokenBalance(token, exempt, 4_000n);
    await expect(token.connect(exempt).transfer(alice.address, 1_000n)).to.changeTokenBalance(token, alice, 1_000n);
    await token.burn(alice.address, 7_000n);
    expect(await token.totalSupply()).to.equal(3_000n);
  });

  it("sets exemptions with an event, refusing a no-op and a non-owner", async () => {
    const { token, alice, exempt } = await loadFixture(taxFixture);
    await expect(token.setFeeExempt(alice.address, true))
      .to.emit(token, "FeeExemptionSet")
      .withArgs(alice.address, true);
    await expect(token.setFeeExempt(exempt.address, true))
      .to.be.revertedWithCustomError(token, "MockFeeOnTransferExemptionUnchanged")
      .withArgs(exempt.address, true);
    await expect(token.connect(alice).setFeeExempt(alice.address, false))
      .to.be.revertedWithCustomError(token, "OwnableUnauthorizedAccount")
      .withArgs(alice.address);
  });

  it("rejects a fee of 0 or of 100%", async () => {
    const [owner] = await ethers.getSigners();
    const factory = new MockFeeOnTransferERC20__factory(owner);
    for (const fee of [0n, 10_000n]) {
      await expect(factory.deploy("Tax", "TAX", 18, fee))
        .to.be.revertedWithCustomError(factory, "MockFeeOnTransferInvalidFee")
        .withArgs(fee);
    }
  });
});
