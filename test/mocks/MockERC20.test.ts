import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";

import { MockERC20__factory } from "../../typechain-types";

describe("MockERC20", function () {
  async function deployTokenFixture() {
    const [owner, alice, bob] = await ethers.getSigners();
    const factory = new MockERC20__factory(owner);
    const usdc = await factory.deploy("USD Coin", "USDC", 6);
    return { factory, usdc, owner, alice, bob };
  }

  describe("constructor", function () {
    it("sets name, symbol, owner and an empty supply", async function () {
      const { usdc, owner } = await loadFixture(deployTokenFixture);
      expect(await usdc.name()).to.equal("USD Coin");
      expect(await usdc.symbol()).to.equal("USDC");
      expect(await usdc.owner()).to.equal(owner.address);
      expect(await usdc.totalSupply()).to.equal(0n);
    });

    for (const decimals of [6, 8, 18]) {
      it(`reports ${decimals} decimals`, async function () {
        const { factory } = await loadFixture(deployTokenFixture);
        const token = await factory.deploy(`Token ${decimals}`, `T${decimals}`, decimals);
        expect(await token.decimals()).to.equal(decimals);
      });
    }

    it("accepts the bounds 0 and 36 decimals", async function () {
      const { factory } = await loadFixture(deployTokenFixture);
      expect(await (await factory.deploy("Zero", "Z0", 0)).decimals()).to.equal(0);
      expect(await (await factory.deploy("Max", "Z36", 36)).decimals()).to.equal(36);
    });

    it("reverts MockERC20InvalidDecimals above 36 decimals", async function () {
      const { factory } = await loadFixture(deployTokenFixture);
      for (const decimals of [37, 255]) {
        await expect(factory.deploy("Bad", "BAD", decimals))
          .to.be.revertedWithCustomError(factory, "MockERC20InvalidDecimals")
          .withArgs(decimals);
      }
    });
  });

  describe("mint", function () {
    it("credits the recipient, grows totalSupply and emits Transfer from the zero address", async function () {
      const { usdc, alice, bob } = await loadFixture(deployTokenFixture);
      await expect(usdc.mint(alice.address, 1_000_000n))
        .to.emit(usdc, "Transfer")
        .withArgs(ethers.ZeroAddress, alice.address, 1_000_000n);
      await expect(usdc.mint(bob.address, 250n)).to.changeTokenBalances(usdc, [alice, bob], [0n, 250n]);
      expect(await usdc.balanceOf(alice.address)).to.equal(1_000_000n);
      expect(await usdc.balanceOf(bob.address)).to.equal(250n);
      expect(await usdc.totalSupply()).to.equal(1_000_250n);
    });

    it("reverts OwnableUnauthorizedAccount for a non-owner", async function () {
      const { usdc, alice } = await loadFixture(deployTokenFixture);
      await expect(usdc.connect(alice).mint(alice.address, 1n))
        .to.be.revertedWithCustomError(usdc, "OwnableUnauthorizedAccount")
        .withArgs(alice.address);
      expect(await usdc.totalSupply()).to.equal(0n);
    });

    it("reverts ERC20InvalidReceiver when minting to the zero address", async function () {
      const { usdc } = await loadFixture(deployTokenFixture);
      await expect(usdc.mint(ethers.ZeroAddress, 1n))
        .to.be.revertedWithCustomError(usdc, "ERC20InvalidReceiver")
        .withArgs(ethers.ZeroAddress);
    });
  });

  describe("burn", function () {
    it("debits the holder, shrinks totalSupply and emits Transfer to the zero address", async function () {
      const { usdc, alice } = await loadFixture(deployTokenFixture);
      await usdc.mint(alice.address, 1_000n);
      await expect(usdc.burn(alice.address, 400n))
        .to.emit(usdc, "Transfer")
        .withArgs(alice.address, ethers.ZeroAddress, 400n);
      expect(await usdc.balanceOf(alice.address)).to.equal(600n);
      expect(await usdc.totalSupply()).to.equal(600n);
      await expect(usdc.burn(alice.address, 600n)).to.changeTokenBalance(usdc, alice, -600n);
      expect(await usdc.totalSupply()).to.equal(0n);
    });

    it("needs no allowance from the holder", async function () {
      const { usdc, owner, alice } = await loadFixture(deployTokenFixture);
      await usdc.mint(alice.address, 10n);
      expect(await usdc.allowance(alice.address, owner.address)).to.equal(0n);
      await expect(usdc.burn(alice.address, 10n)).not.to.be.reverted;
    });

    it("reverts OwnableUnauthorizedAccount for a non-owner, even burning its own tokens", async function () {
      const { usdc, alice } = await loadFixture(deployTokenFixture);
      await usdc.mint(alice.address, 10n);
      await expect(usdc.connect(alice).burn(alice.address, 1n))
        .to.be.revertedWithCustomError(usdc, "OwnableUnauthorizedAccount")
        .withArgs(alice.address);
      expect(await usdc.balanceOf(alice.address)).to.equal(10n);
    });

    it("reverts ERC20InsufficientBalance when burning more than the balance", async function () {
      const { usdc, alice, bob } = await loadFixture(deployTokenFixture);
      await usdc.mint(alice.address, 100n);
      await expect(usdc.burn(alice.address, 101n))
        .to.be.revertedWithCustomError(usdc, "ERC20InsufficientBalance")
        .withArgs(alice.address, 100n, 101n);
      await expect(usdc.burn(bob.address, 1n))
        .to.be.revertedWithCustomError(usdc, "ERC20InsufficientBalance")
        .withArgs(bob.address, 0n, 1n);
      expect(await usdc.totalSupply()).to.equal(100n);
    });
  });

  describe("ownership", function () {
    it("reverts OwnableUnauthorizedAccount for the inherited owner-only functions", async function () {
      const { usdc, alice } = await loadFixture(deployTokenFixture);
      await expect(usdc.connect(alice).transferOwnership(alice.address))
        .to.be.revertedWithCustomError(usdc, "OwnableUnauthorizedAccount")
        .withArgs(alice.address);
      await expect(usdc.connect(alice).renounceOwnership())
        .to.be.revertedWithCustomError(usdc, "OwnableUnauthorizedAccount")
        .withArgs(alice.address);
    });
  });

  describe("transfers", function () {
    it("moves balances between holders without changing totalSupply", async function () {
      const { usdc, alice, bob } = await loadFixture(deployTokenFixture);
      await usdc.mint(alice.address, 500n);
      await expect(usdc.connect(alice).transfer(bob.address, 200n)).to.changeTokenBalances(
        usdc,
        [alice, bob],
        [-200n, 200n],
      );
      expect(await usdc.totalSupply()).to.equal(500n);
    });
  });
});
