import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";

import { deployLocalMarket } from "../../src/market";
import { deployVault } from "../../src/vault";
import type { VaultFixture } from "../shared/fixtures";
import { depositUsdc } from "../shared/vault";

/** USDC and a token that burns 2% of every transfer, 50/50, with $100k deposited. */
async function feeOnTransferFixture(): Promise<VaultFixture> {
  const market = await deployLocalMarket({
    tokens: [
      { symbol: "USDC", decimals: 6, priceUsd: 1 },
      { symbol: "TAX", decimals: 18, priceUsd: 2, transferFeeBps: 200 },
    ],
    pools: [{ tokenA: "TAX", tokenB: "USDC", fee: 3000, depthUsd: 10_000_000 }],
  });
  const deployed = await deployVault(market, {
    basket: [
      { symbol: "USDC", weightBps: 5_000 },
      { symbol: "TAX", weightBps: 5_000 },
    ],
    params: { maxTradeBps: 5_000 },
  });
  const [, alice] = await ethers.getSigners();
  await depositUsdc(market, deployed.vault, alice, 100_000);
  return { market, ...deployed };
}

describe("BallastVault with odd tokens", () => {
  it("refuses a swap whose token delivers less than the oracle minimum (fee on transfer)", async () => {
    const { vault, market } = await loadFixture(feeOnTransferFixture);
    const tax = market.token("TAX");
    // The pool sends enough to pass the router's check; 2% burns on the way to the vault.
    await expect(vault.rebalance())
      .to.be.revertedWithCustomError(vault, "BallastSlippageExceeded")
      .withArgs(
        tax.address,
        (minOut: bigint) => minOut > 0n,
        (received: bigint) => received > 0n,
      );
    expect(await tax.contract.balanceOf(vault)).to.equal(0n);
  });

  it("keeps the in-kind exit open for holders of a vault that cannot trade", async () => {
    const { vault, market } = await loadFixture(feeOnTransferFixture);
    const [, alice] = await ethers.getSigners();
    const shares = await vault.balanceOf(alice);
    const usdc = market.token("USDC").contract;
    const expected = await vault.previewRedeemInKind(shares);
    await expect(vault.connect(alice).redeemInKind(shares, alice.address, alice.address)).to.changeTokenBalance(
      usdc,
      alice,
      expected[0],
    );
  });
});
