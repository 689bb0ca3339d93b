import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";

import { deployVault } from "../../src/vault";
import { MockRebasingERC20__factory } from "../../typechain-types";
import type { MockRebasingERC20 } from "../../typechain-types";
import type { VaultFixture } from "../shared/fixtures";
import { depositUsdc, oracleNav, rebalanceUntilSettled, Status, swapsOf } from "../shared/vault";
import { deployLocalMarket } from "../shared/market";

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
    const { vault, rebalancer, market } = await loadFixture(feeOnTransferFixture);
    const tax = market.token("TAX");
    // The pool sends enough to pass the router's check; 2% burns on the way to the vault.
    await expect(rebalancer.rebalance())
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

  describe("a rebasing token (balances follow an index, as stETH and AMPL)", () => {
    /** USDC and REB ($10, rebasing) 50/50, $100k invested by alice, with REB's contract. */
    async function rebasingFixture(): Promise<VaultFixture & { reb: MockRebasingERC20 }> {
      const market = await deployLocalMarket({
        tokens: [
          { symbol: "USDC", decimals: 6, priceUsd: 1 },
          { symbol: "REB", decimals: 18, priceUsd: 10, rebasing: true },
        ],
        pools: [{ tokenA: "REB", tokenB: "USDC", fee: 3000, depthUsd: 20_000_000 }],
      });
      const [admin, alice] = await ethers.getSigners();
      const deployed = await deployVault(market, {
        basket: [
          { symbol: "USDC", weightBps: 5_000 },
          { symbol: "REB", weightBps: 5_000 },
        ],
        params: { maxTradeBps: 5_000 },
        governance: { admin: admin.address },
      });
      await depositUsdc(market, deployed.vault, alice, 100_000);
      await rebalanceUntilSettled(market, deployed.vault);
      const reb = MockRebasingERC20__factory.connect(market.token("REB").address, market.deployer);
      return { market, ...deployed, reb };
    }

    const WAD = 10n ** 18n;

    it("is listed like any token: NAV reads balanceOf, so a +10% rebase raises NAV by its oracle value, pro rata to every holder", async () => {
      const { vault, market, reb } = await loadFixture(rebasingFixture);
      const [, alice] = await ethers.getSigners();
      const held = await reb.balanceOf(vault);
      const nav = await vault.totalAssets();
      const aliceValue = await vault.convertToAssets(await vault.balanceOf(alice));
      await expect(reb.rebase((WAD * 11n) / 10n))
        .to.emit(reb, "Rebased")
        .withArgs(WAD, (WAD * 11n) / 10n);
      const gained = (await reb.balanceOf(vault)) - held;
      expect(gained).to.be.closeTo(held / 10n, 1n);
      // $10 a token: the gain in USDC units (6 decimals) is gained / 1e12 * 10.
      const gainValue = (gained * 10n) / 10n ** 12n;
      expect(await vault.totalAssets()).to.be.closeTo(nav + gainValue, 1n);
      expect(await vault.totalAssets()).to.equal(await oracleNav(market, vault));
      // Alice holds every share: her claim rose by the gain, less the virtual shares' sliver.
      const aliceAfter = await vault.convertToAssets(await vault.balanceOf(alice));
      expect(aliceAfter - aliceValue).to.be.closeTo(gainValue, 2n);
    });

    it("a -20% rebase lowers NAV by its oracle value; the next rebalance buys REB back to target at the oracle bound", async () => {
      const { vault, rebalancer, market, reb } = await loadFixture(rebasingFixture);
      const held = await reb.balanceOf(vault);
      const nav = await vault.totalAssets();
      await reb.rebase((WAD * 8n) / 10n);
      expect(await reb.balanceOf(vault)).to.be.closeTo((held * 8n) / 10n, 1n);
      const lost = ((held - (await reb.balanceOf(vault))) * 10n) / 10n ** 12n;
      expect(await vault.totalAssets()).to.be.closeTo(nav - lost, 1n);
      expect(await vault.totalAssets()).to.equal(await oracleNav(market, vault));
      await market.advanceTime(600);
      await market.setFeedPrice("USDC", 1);
      await market.setFeedPrice("REB", 10);
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      const swaps = await swapsOf(vault, rebalancer.rebalance());
      expect(swaps).to.have.length(1);
      expect(swaps[0].tokenOut).to.equal(await reb.getAddress());
      expect(swaps[0].amountOut).to.be.greaterThanOrEqual(swaps[0].minAmountOut);
      const weights = await rebalancer.currentWeights();
      expect(weights[1]).to.be.closeTo(5_000n, 100n);
    });

    it("pays in kind the rebased balance, pro rata (the recipient gets at least the amount sent)", async () => {
      const { vault, reb } = await loadFixture(rebasingFixture);
      const [, alice] = await ethers.getSigners();
      await reb.rebase((WAD * 12n) / 10n);
      const shares = (await vault.balanceOf(alice)) / 2n;
      const expected = await vault.previewRedeemInKind(shares);
      const held = await reb.balanceOf(vault);
      expect(expected[1]).to.be.closeTo(held / 2n, held / 10n ** 9n);
      const before = await reb.balanceOf(alice);
      await expect(vault.connect(alice).redeemInKind(shares, alice.address, alice.address))
        .to.emit(vault, "RedeemedInKind")
        .withArgs(alice.address, alice.address, alice.address, shares, expected);
      // A transfer moves the shares the amount is worth rounded up: at most a share's worth (1.2
      // units) more, plus one for the balance's own rounding.
      expect((await reb.balanceOf(alice)) - before).to.be.within(expected[1], expected[1] + 2n);
    });
  });
});
