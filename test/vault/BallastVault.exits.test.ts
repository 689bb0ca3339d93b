import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";

import type { BallastVault } from "../../typechain-types";
import { vaultFixture } from "../shared/fixtures";
import type { VaultFixture } from "../shared/fixtures";
import { flowValuation, redeemValue } from "../shared/flow";
import { depositUsdc, rebalanceUntilSettled } from "../shared/vault";

/** $600k from alice and $400k from bob, invested at target (USDC 5%, WETH 40%, WBTC 35%, LINK 20%). */
async function investedFixture(): Promise<VaultFixture> {
  const f = await vaultFixture();
  const [, alice, bob] = await ethers.getSigners();
  await depositUsdc(f.market, f.vault, alice, 600_000);
  await depositUsdc(f.market, f.vault, bob, 400_000);
  await rebalanceUntilSettled(f.market, f.vault);
  return f;
}

/** NAV per share, scaled by 1e18: what remaining holders own. */
async function sharePrice(vault: BallastVault): Promise<bigint> {
  return ((await vault.totalAssets()) * 10n ** 18n) / (await vault.totalSupply());
}

async function swapCount(vault: BallastVault, hash: string): Promise<number> {
  const receipt = await ethers.provider.getTransactionReceipt(hash);
  const address = await vault.getAddress();
  return receipt!.logs
    .filter((log) => log.address === address)
    .filter((log) => vault.interface.parseLog(log)?.name === "Swapped").length;
}

describe("BallastVault exits", () => {
  describe("in the base asset", () => {
    it("pays from the base balance alone when it covers the exit, at the exit NAV less the flow cost", async () => {
      const { vault, market } = await loadFixture(investedFixture);
      const [, , bob] = await ethers.getSigners();
      const usdc = market.token("USDC").contract;
      const base = await usdc.balanceOf(vault);
      const shares = (await vault.balanceOf(bob)) / 10n; // ~$40k < the ~$50k cash buffer
      const exit = await flowValuation(vault, "exit");
      const value = redeemValue(exit, shares, await vault.totalSupply());
      expect(value).to.be.lessThan(base);
      expect(value).to.be.lessThan(await vault.convertToAssets(shares));
      expect(await vault.previewRedeem(shares)).to.equal(value);
      const priceBefore = await sharePrice(vault);

      const tx = await vault.connect(bob).redeem(shares, bob.address, bob.address);
      await expect(tx).to.changeTokenBalances(usdc, [bob, vault], [value, -value]);
      await expect(tx).to.emit(vault, "Withdraw").withArgs(bob.address, bob.address, bob.address, value, shares);
      expect(await swapCount(vault, tx.hash)).to.equal(0);
      expect(await sharePrice(vault)).to.be.greaterThanOrEqual(priceBefore);
    });

    it("sells pro-rata slices beyond the base balance; the exiting holder bears the swap cost", async () => {
      const { vault, market } = await loadFixture(investedFixture);
      const [, , bob] = await ethers.getSigners();
      const usdc = market.token("USDC").contract;
      const shares = await vault.balanceOf(bob); // ~$400k, far above the cash buffer
      const value = await vault.convertToAssets(shares);
      const preview = await vault.previewRedeem(shares);
      expect(preview).to.be.lessThan(value); // worst-case slippage on the slices is deducted
      expect(preview).to.be.greaterThan((value * 9_900n) / 10_000n);
      const balances = await Promise.all(
        ["WETH", "WBTC", "LINK"].map((s) => market.token(s).contract.balanceOf(vault)),
      );
      const priceBefore = await sharePrice(vault);

      const before = await usdc.balanceOf(bob);
      const tx = await vault.connect(bob).redeem(shares, bob.address, bob.address);
      const received = (await usdc.balanceOf(bob)) - before;
      expect(received).to.be.greaterThanOrEqual(preview);
      expect(received).to.be.lessThanOrEqual(value);
      expect(await swapCount(vault, tx.hash)).to.equal(3);
      // Each asset gave up the same fraction of its balance.
      const after = await Promise.all(["WETH", "WBTC", "LINK"].map((s) => market.token(s).contract.balanceOf(vault)));
      const fractions = after.map((a, i) => Number(balances[i] - a) / Number(balances[i]));
      for (const f of fractions) expect(f).to.be.closeTo(fractions[0], 1e-6);
      // Remaining holders lose nothing: the NAV per share does not fall.
      expect(await sharePrice(vault)).to.be.greaterThanOrEqual(priceBefore);
      expect(await vault.balanceOf(bob)).to.equal(0n);
    });

    it("withdraws an exact amount beyond the base balance, burning exactly previewWithdraw", async () => {
      const { vault, market } = await loadFixture(investedFixture);
      const [, alice] = await ethers.getSigners();
      const usdc = market.token("USDC").contract;
      const assets = ethers.parseUnits("150000", 6);
      expect(assets).to.be.greaterThan(await usdc.balanceOf(vault));
      const shares = await vault.previewWithdraw(assets);
      expect(shares).to.be.greaterThan(await vault.convertToShares(assets)); // grossed up for slippage
      const priceBefore = await sharePrice(vault);
      const sharesBefore = await vault.balanceOf(alice);

      const tx = await vault.connect(alice).withdraw(assets, alice.address, alice.address);
      await expect(tx).to.changeTokenBalance(usdc, alice, assets);
      await expect(tx).to.emit(vault, "Withdraw").withArgs(alice.address, alice.address, alice.address, assets, shares);
      expect(sharesBefore - (await vault.balanceOf(alice))).to.equal(shares);
      expect(await sharePrice(vault)).to.be.greaterThanOrEqual(priceBefore);
    });

    it("lets a holder withdraw up to maxWithdraw and no more", async () => {
      const { vault } = await loadFixture(investedFixture);
      const [, , bob] = await ethers.getSigners();
      const max = await vault.maxWithdraw(bob);
      await expect(vault.connect(bob).withdraw(max + 1n, bob.address, bob.address))
        .to.be.revertedWithCustomError(vault, "ERC4626ExceededMaxWithdraw")
        .withArgs(bob.address, max + 1n, max);
      await expect(vault.connect(bob).withdraw(max, bob.address, bob.address)).to.emit(vault, "Withdraw");
      expect(await vault.balanceOf(bob)).to.be.lessThan(10n ** 12n); // at most dust shares left
    });

    it("prices an exit at a pool pushed below its feed: the leaver, not the holders, bears the push", async () => {
      const { vault, market } = await loadFixture(investedFixture);
      const [, , bob] = await ethers.getSigners();
      const shares = await vault.balanceOf(bob);
      const fair = await vault.previewRedeem(shares);
      await market.movePoolPrice(market.pool("LINK", "USDC", 3000), "LINK", 15 * 0.95);
      // LINK (20% of the basket) counts at the pool's price, 5% under the feed: ~1% less for Bob.
      const preview = await vault.previewRedeem(shares);
      expect(preview).to.be.lessThan((fair * 9_920n) / 10_000n);
      expect(preview).to.be.greaterThan((fair * 9_850n) / 10_000n);
      const priceBefore = await sharePrice(vault);
      const snapshot = await ethers.provider.send("evm_snapshot", []);
      const usdc = market.token("USDC").contract;
      const before = await usdc.balanceOf(bob);
      await expect(vault.connect(bob).redeem(shares, bob.address, bob.address)).to.emit(vault, "Withdraw");
      expect((await usdc.balanceOf(bob)) - before).to.be.greaterThanOrEqual(preview);
      // The LINK sold into the pushed pool cost the holders nothing: the NAV per share did not fall.
      expect(await sharePrice(vault)).to.be.greaterThanOrEqual(priceBefore);
      await ethers.provider.send("evm_revert", [snapshot]);
      // The in-kind exit needs no pool and still works.
      await expect(vault.connect(bob).redeemInKind(shares, bob.address, bob.address)).to.emit(vault, "RedeemedInKind");
    });

    it("refuses base-asset exits while a price is unavailable; in kind still pays out", async () => {
      const { vault, market } = await loadFixture(investedFixture);
      const [, alice] = await ethers.getSigners();
      await time.increase(2 * 24 * 60 * 60); // every feed is now past its one-day heartbeat
      const shares = await vault.balanceOf(alice);
      expect(await vault.maxRedeem(alice)).to.equal(0n);
      expect(await vault.maxWithdraw(alice)).to.equal(0n);
      await expect(vault.connect(alice).redeem(shares, alice.address, alice.address))
        .to.be.revertedWithCustomError(vault, "BallastPriceUnavailable")
        .withArgs(market.token("USDC").address);
      const expected = await vault.previewRedeemInKind(shares);
      await expect(vault.connect(alice).redeemInKind(shares, alice.address, alice.address))
        .to.emit(vault, "RedeemedInKind")
        .withArgs(alice.address, alice.address, alice.address, shares, expected);
      const tokens = await vault.basketTokens();
      for (const [i, address] of tokens.entries()) {
        const token = await ethers.getContractAt("IERC20", address);
        expect(await token.balanceOf(alice)).to.equal(expected[i]);
      }
    });

    it("empties the vault to dust when every holder redeems in the base asset", async () => {
      const f = await loadFixture(vaultFixture);
      const [, alice, bob] = await ethers.getSigners();
      await depositUsdc(f.market, f.vault, alice, 60_000);
      await depositUsdc(f.market, f.vault, bob, 40_000);
      await rebalanceUntilSettled(f.market, f.vault, 12);
      for (const user of [bob, alice]) {
        await f.market.alignAllPools();
        await f.vault.connect(user).redeem(await f.vault.balanceOf(user), user.address, user.address);
      }
      expect(await f.vault.totalSupply()).to.equal(0n);
      // What is left is the virtual shares' claim and rounding: below a cent of value.
      expect(await f.vault.totalAssets()).to.be.lessThan(10_000n);
    });
  });
});
