import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Signature } from "ethers";
import { ethers } from "hardhat";

import { MockERC20Permit__factory } from "../../typechain-types";

describe("MockERC20Permit", function () {
  async function deployTokenFixture() {
    const [owner, alice, bob] = await ethers.getSigners();
    const usdc = await new MockERC20Permit__factory(owner).deploy("USD Coin", "USDC", 6);
    return { usdc, owner, alice, bob };
  }

  it("has the real token's name, symbol and decimals, and only its owner mints", async function () {
    const { usdc, alice } = await loadFixture(deployTokenFixture);
    expect([await usdc.name(), await usdc.symbol(), await usdc.decimals()]).to.deep.equal(["USD Coin", "USDC", 6n]);
    await usdc.mint(alice, 5n);
    expect(await usdc.balanceOf(alice)).to.equal(5n);
    await expect(usdc.connect(alice).mint(alice, 1n))
      .to.be.revertedWithCustomError(usdc, "OwnableUnauthorizedAccount")
      .withArgs(alice.address);
  });

  it("takes an EIP-2612 permit signed over its EIP-712 domain (name, version 1), once", async function () {
    const { usdc, alice, bob } = await loadFixture(deployTokenFixture);
    const deadline = (await time.latest()) + 3_600;
    const { chainId } = await ethers.provider.getNetwork();
    const domain = { name: "USD Coin", version: "1", chainId, verifyingContract: await usdc.getAddress() };
    const types = {
      Permit: [
        { name: "owner", type: "address" },
        { name: "spender", type: "address" },
        { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    };
    const message = { owner: alice.address, spender: bob.address, value: 7n, nonce: 0n, deadline };
    const { v, r, s } = Signature.from(await alice.signTypedData(domain, types, message));
    await expect(usdc.connect(bob).permit(alice, bob, 7n, deadline, v, r, s))
      .to.emit(usdc, "Approval")
      .withArgs(alice.address, bob.address, 7n);
    expect(await usdc.nonces(alice)).to.equal(1n);
    await expect(usdc.connect(bob).permit(alice, bob, 7n, deadline, v, r, s)).to.be.revertedWithCustomError(
      usdc,
      "ERC2612InvalidSigner",
    );
  });
});
