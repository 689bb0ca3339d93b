import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseUnits } from "ethers";
import { ethers } from "hardhat";

import type { RouterFixture } from "../shared/router";
import {
  balancesOf,
  basketOf,
  expectRouterEmpty,
  usdcRouterFixture,
  wbtcRouterFixture,
  wethRouterFixture,
} from "../shared/router";

/** A deadline an hour ahead of the chain's clock. */
async function inAnHour(): Promise<number> {
  return (await time.latest()) + 3_600;
}

/** Ten thousand dollars' worth of the base asset, funded to alice, who approves the router for it. */
async function fundAlice(f: RouterFixture, usd = 10_000): Promise<bigint> {
  const [, alice] = await ethers.getSigners();
  const token = f.market.token(f.base);
  const price = await f.market.feedPrice(f.base);
  const amount = parseUnits((usd / price).toFixed(token.decimals), token.decimals);
  await f.market.fund(alice.address, f.base, amount);
  await token.contract.connect(alice).approve(f.router, amount);
  return amount;
}

// The same checks on a vault whose base asset has 6 (USDC), 8 (WBTC) and 18 (WETH) decimals: every
// bound is the vault's own preview, met exactly, and one unit tighter reverts.
for (const [label, fixture] of [
  ["USDC base (6 decimals)", usdcRouterFixture],
  ["WBTC base (8 decimals)", wbtcRouterFixture],
  ["WETH base (18 decimals)", wethRouterFixture],
] as const) {
  describe(`BallastRouter, ${label}`, function () {
    describe("depositMin", function () {
      it("deposits the sender's assets for the receiver, bounded by the preview", async function () {
        const f = await loadFixture(fixture);
        const { vault, router } = f;
        const [, alice, bob] = await ethers.getSigners();
        const assets = await fundAlice(f);
        const asset = f.market.token(f.base).contract;
        const shares = await vault.previewDeposit(assets);
        const [vaultBefore, bobShares] = [await asset.balanceOf(vault), await vault.balanceOf(bob)];
        const aliceShares = await vault.balanceOf(alice);

        await expect(router.connect(alice).depositMin(vault, assets, bob, shares, await inAnHour()))
          .to.emit(router, "RoutedDeposit")
          .withArgs(await vault.getAddress(), alice.address, bob.address, assets, shares)
          .and.to.emit(vault, "Deposit")
          .withArgs(await router.getAddress(), bob.address, assets, shares);
        expect(await asset.balanceOf(alice)).to.equal(0n);
        expect(await asset.balanceOf(vault)).to.equal(vaultBefore + assets);
        expect(await vault.balanceOf(bob)).to.equal(bobShares + shares);
        expect(await vault.balanceOf(alice)).to.equal(aliceShares);
        await expectRouterEmpty(router, vault);
      });

      it("reverts BallastRouterTooFewShares when the deposit mints one share fewer than asked", async function () {
        const f = await loadFixture(fixture);
        const [, alice] = await ethers.getSigners();
        const assets = await fundAlice(f);
        const shares = await f.vault.previewDeposit(assets);
        await expect(f.router.connect(alice).depositMin(f.vault, assets, alice, shares + 1n, await inAnHour()))
          .to.be.revertedWithCustomError(f.router, "BallastRouterTooFewShares")
          .withArgs(shares, shares + 1n);
      });
    });

    describe("mintMax", function () {
      it("mints the shares for the receiver at the preview's cost, pulling no more", async function () {
        const f = await loadFixture(fixture);
        const { vault, router } = f;
        const [, alice, bob] = await ethers.getSigners();
        const budget = await fundAlice(f);
        const shares = (await vault.previewDeposit(budget)) / 2n;
        const assets = await vault.previewMint(shares);
        const asset = f.market.token(f.base).contract;

        await expect(router.connect(alice).mintMax(vault, shares, bob, assets, await inAnHour()))
          .to.emit(router, "RoutedDeposit")
          .withArgs(await vault.getAddress(), alice.address, bob.address, assets, shares)
          .and.to.emit(vault, "Deposit")
          .withArgs(await router.getAddress(), bob.address, assets, shares);
        expect(await asset.balanceOf(alice)).to.equal(budget - assets);
        expect(await asset.allowance(alice, router)).to.equal(budget - assets);
        expect(await vault.balanceOf(bob)).to.equal(shares);
        await expectRouterEmpty(router, vault);
      });

      it("reverts BallastRouterTooManyAssets when the mint costs one unit more than allowed", async function () {
        const f = await loadFixture(fixture);
        const [, alice] = await ethers.getSigners();
        const shares = (await f.vault.previewDeposit(await fundAlice(f))) / 2n;
        const assets = await f.vault.previewMint(shares);
        await expect(f.router.connect(alice).mintMax(f.vault, shares, alice, assets - 1n, await inAnHour()))
          .to.be.revertedWithCustomError(f.router, "BallastRouterTooManyAssets")
          .withArgs(assets, assets - 1n);
      });
    });

    describe("withdrawMax and redeemMin", function () {
      it("withdraws to the receiver, burning the sender's shares within the preview", async function () {
        const { vault, router, market, base } = await loadFixture(fixture);
        const [, alice, bob] = await ethers.getSigners();
        const asset = market.token(base).contract;
        // A withdrawal the base balance covers: no swap, so the preview is exact.
        const assets = (await asset.balanceOf(vault)) / 10n;
        const shares = await vault.previewWithdraw(assets);
        await vault.connect(alice).approve(router, shares);
        const aliceShares = await vault.balanceOf(alice);

        await expect(router.connect(alice).withdrawMax(vault, assets, bob, shares, await inAnHour()))
          .to.emit(router, "RoutedWithdraw")
          .withArgs(await vault.getAddress(), alice.address, bob.address, assets, shares)
          .and.to.emit(vault, "Withdraw")
          .withArgs(await router.getAddress(), bob.address, alice.address, assets, shares);
        expect(await asset.balanceOf(bob)).to.equal(assets);
        expect(await vault.balanceOf(alice)).to.equal(aliceShares - shares);
        expect(await vault.allowance(alice, router)).to.equal(0n);
        await expectRouterEmpty(router, vault);
      });

      it("reverts BallastRouterTooManyShares when the withdrawal burns one share more than allowed", async function () {
        const { vault, router, market, base } = await loadFixture(fixture);
        const [, alice] = await ethers.getSigners();
        const assets = (await market.token(base).contract.balanceOf(vault)) / 10n;
        const shares = await vault.previewWithdraw(assets);
        await vault.connect(alice).approve(router, shares);
        await expect(router.connect(alice).withdrawMax(vault, assets, alice, shares - 1n, await inAnHour()))
          .to.be.revertedWithCustomError(router, "BallastRouterTooManyShares")
          .withArgs(shares, shares - 1n);
      });

      it("redeems the sender's shares to the receiver, paying at least the preview", async function () {
        const { vault, router, market, base } = await loadFixture(fixture);
        const [, alice, bob] = await ethers.getSigners();
        const asset = market.token(base).contract;
        const shares = (await vault.balanceOf(alice)) / 50n;
        const assets = await vault.previewRedeem(shares);
        await vault.connect(alice).approve(router, shares);

        await expect(router.connect(alice).redeemMin(vault, shares, bob, assets, await inAnHour()))
          .to.emit(router, "RoutedWithdraw")
          .withArgs(await vault.getAddress(), alice.address, bob.address, assets, shares)
          .and.to.emit(vault, "Withdraw")
          .withArgs(await router.getAddress(), bob.address, alice.address, assets, shares);
        expect(await asset.balanceOf(bob)).to.equal(assets);
        await expectRouterEmpty(router, vault);
      });

      it("reverts BallastRouterTooFewAssets when the redemption pays one unit less than asked", async function () {
        const { vault, router } = await loadFixture(fixture);
        const [, alice] = await ethers.getSigners();
        const shares = (await vault.balanceOf(alice)) / 50n;
        const assets = await vault.previewRedeem(shares);
        await vault.connect(alice).approve(router, shares);
        await expect(router.connect(alice).redeemMin(vault, shares, alice, assets + 1n, await inAnHour()))
          .to.be.revertedWithCustomError(router, "BallastRouterTooFewAssets")
          .withArgs(assets, assets + 1n);
      });
    });

    describe("redeemInKindMin and redeemInKindExceptMin", function () {
      it("pays the receiver a slice of every basket token, each at least its minimum", async function () {
        const { vault, router } = await loadFixture(fixture);
        const [, alice, bob] = await ethers.getSigners();
        const tokens = await basketOf(vault);
        const shares = (await vault.balanceOf(alice)) / 3n;
        const amounts = await vault.previewRedeemInKind(shares);
        expect(amounts.every((amount) => amount > 0n)).to.be.true;
        await vault.connect(alice).approve(router, shares);
        const vaultBefore = await balancesOf(tokens, await vault.getAddress());

        await expect(router.connect(alice).redeemInKindMin(vault, shares, bob, [...amounts], await inAnHour()))
          .to.emit(router, "RoutedRedeemInKind")
          .withArgs(await vault.getAddress(), alice.address, bob.address, shares, 0n, [...amounts])
          .and.to.emit(vault, "RedeemedInKind")
          .withArgs(await router.getAddress(), bob.address, alice.address, shares, [...amounts]);
        expect(await balancesOf(tokens, bob.address)).to.deep.equal([...amounts]);
        expect(await balancesOf(tokens, await vault.getAddress())).to.deep.equal(
          vaultBefore.map((balance, i) => balance - amounts[i]),
        );
        await expectRouterEmpty(router, vault);
      });

      it("reverts BallastRouterTooLittleOut naming the token paid one unit less than its minimum", async function () {
        const { vault, router } = await loadFixture(fixture);
        const [, alice] = await ethers.getSigners();
        const tokens = await vault.basketTokens();
        const shares = (await vault.balanceOf(alice)) / 3n;
        const amounts = await vault.previewRedeemInKind(shares);
        await vault.connect(alice).approve(router, shares);
        const last = tokens.length - 1;
        const minAmounts = amounts.map((amount, i) => (i === last ? amount + 1n : amount));
        await expect(router.connect(alice).redeemInKindMin(vault, shares, alice, minAmounts, await inAnHour()))
          .to.be.revertedWithCustomError(router, "BallastRouterTooLittleOut")
          .withArgs(tokens[last], amounts[last], amounts[last] + 1n);
      });

      it("leaves the forfeited token in the vault and bounds the others", async function () {
        const { vault, router } = await loadFixture(fixture);
        const [, alice, bob] = await ethers.getSigners();
        const tokens = await basketOf(vault);
        const shares = (await vault.balanceOf(alice)) / 3n;
        const preview = await vault.previewRedeemInKind(shares);
        const forfeited = 1n << BigInt(tokens.length - 1);
        const amounts = preview.map((amount, i) => (i === tokens.length - 1 ? 0n : amount));
        await vault.connect(alice).approve(router, shares);

        const call = router
          .connect(alice)
          .redeemInKindExceptMin(vault, shares, bob, forfeited, amounts, await inAnHour());
        await expect(call)
          .to.emit(router, "RoutedRedeemInKind")
          .withArgs(await vault.getAddress(), alice.address, bob.address, shares, forfeited, amounts)
          .and.to.emit(vault, "ForfeitedInKind")
          .withArgs(alice.address, await tokens[tokens.length - 1].getAddress(), preview[tokens.length - 1]);
        expect(await balancesOf(tokens, bob.address)).to.deep.equal(amounts);
        await expectRouterEmpty(router, vault);
      });

      it("reverts BallastRouterTooLittleOut for a minimum on a forfeited token", async function () {
        const { vault, router } = await loadFixture(fixture);
        const [, alice] = await ethers.getSigners();
        const tokens = await vault.basketTokens();
        const shares = (await vault.balanceOf(alice)) / 3n;
        const preview = await vault.previewRedeemInKind(shares);
        await vault.connect(alice).approve(router, shares);
        await expect(
          router.connect(alice).redeemInKindExceptMin(vault, shares, alice, 1n, [...preview], await inAnHour()),
        )
          .to.be.revertedWithCustomError(router, "BallastRouterTooLittleOut")
          .withArgs(tokens[0], 0n, preview[0]);
      });
    });
  });
}

describe("BallastRouter, refusals", function () {
  it("reverts BallastRouterExpired in every function once the deadline has passed", async function () {
    const { vault, router, market } = await loadFixture(usdcRouterFixture);
    const [, alice] = await ethers.getSigners();
    const usdc = await market.token("USDC").contract.getAddress();
    const four = [0n, 0n, 0n, 0n];
    const calls = [
      (deadline: number) => router.connect(alice).depositMin(vault, 1n, alice, 0n, deadline),
      (deadline: number) => router.connect(alice).mintMax(vault, 1n, alice, 0n, deadline),
      (deadline: number) => router.connect(alice).withdrawMax(vault, 1n, alice, 0n, deadline),
      (deadline: number) => router.connect(alice).redeemMin(vault, 1n, alice, 0n, deadline),
      (deadline: number) => router.connect(alice).redeemInKindMin(vault, 1n, alice, four, deadline),
      (deadline: number) => router.connect(alice).redeemInKindExceptMin(vault, 1n, alice, 0n, four, deadline),
      (deadline: number) => router.connect(alice).selfPermit(usdc, 1n, deadline, 27, ethers.ZeroHash, ethers.ZeroHash),
    ];
    for (const call of calls) {
      const now = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(now);
      // A deadline is the last second a call may be mined in: one second later is too late.
      await expect(call(now - 1))
        .to.be.revertedWithCustomError(router, "BallastRouterExpired")
        .withArgs(now - 1, now);
    }
  });

  it("accepts a call mined in its deadline's very second", async function () {
    const { vault, router } = await loadFixture(usdcRouterFixture);
    const [, alice] = await ethers.getSigners();
    const shares = 10n ** 18n;
    await vault.connect(alice).approve(router, shares);
    const now = (await time.latest()) + 10;
    await time.setNextBlockTimestamp(now);
    await expect(router.connect(alice).redeemMin(vault, shares, alice, 0n, now)).to.emit(router, "RoutedWithdraw");
  });

  it("reverts BallastRouterLengthMismatch for minimums not one per basket token", async function () {
    const { vault, router } = await loadFixture(usdcRouterFixture);
    const [, alice] = await ethers.getSigners();
    await vault.connect(alice).approve(router, 10n ** 18n);
    const deadline = await inAnHour();
    await expect(router.connect(alice).redeemInKindMin(vault, 10n ** 18n, alice, [0n, 0n, 0n], deadline))
      .to.be.revertedWithCustomError(router, "BallastRouterLengthMismatch")
      .withArgs(3n, 4n);
    await expect(router.connect(alice).redeemInKindExceptMin(vault, 10n ** 18n, alice, 0n, Array(5).fill(0n), deadline))
      .to.be.revertedWithCustomError(router, "BallastRouterLengthMismatch")
      .withArgs(5n, 4n);
  });

  it("exits only with a share allowance from the sender: the vault's own error bubbles up", async function () {
    const { vault, router } = await loadFixture(usdcRouterFixture);
    const [, alice, bob] = await ethers.getSigners();
    const shares = 10n ** 18n;
    const assets = await vault.previewRedeem(shares);
    const deadline = await inAnHour();
    const four = [0n, 0n, 0n, 0n];
    const burnt = await vault.previewWithdraw(assets);
    for (const [call, needed] of [
      [() => router.connect(alice).withdrawMax(vault, assets, alice, shares, deadline), burnt],
      [() => router.connect(alice).redeemMin(vault, shares, alice, 0n, deadline), shares],
      [() => router.connect(alice).redeemInKindMin(vault, shares, alice, four, deadline), shares],
      [() => router.connect(alice).redeemInKindExceptMin(vault, shares, alice, 1n, four, deadline), shares],
    ] as const) {
      await expect(call())
        .to.be.revertedWithCustomError(vault, "ERC20InsufficientAllowance")
        .withArgs(await router.getAddress(), 0n, needed);
    }
    // An allowance alice gave the router serves alice alone: bob's calls burn bob's shares.
    await vault.connect(alice).approve(router, shares);
    await expect(router.connect(bob).redeemMin(vault, shares, bob, 0n, deadline))
      .to.be.revertedWithCustomError(vault, "ERC4626ExceededMaxRedeem")
      .withArgs(bob.address, shares, 0n);
  });

  it("enters only with the sender's own asset allowance: alice's serves alice alone", async function () {
    const f = await loadFixture(usdcRouterFixture);
    const [, alice, bob] = await ethers.getSigners();
    const assets = await fundAlice(f);
    await expect(f.router.connect(bob).depositMin(f.vault, assets, bob, 0n, await inAnHour()))
      .to.be.revertedWithCustomError(f.market.token("USDC").contract, "ERC20InsufficientAllowance")
      .withArgs(await f.router.getAddress(), 0n, assets);
    expect(await f.market.token("USDC").contract.balanceOf(alice)).to.equal(assets);
  });
});
