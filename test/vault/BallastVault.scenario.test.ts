import { expect } from "chai";
import { ethers } from "hardhat";

import { deployVault } from "../../src/vault";
import { FOUR_ASSET_BASKET } from "../shared/fixtures";
import { depositUsdc, rebalanceUntilSettled } from "../shared/vault";
import { deployLocalMarket } from "../shared/market";

/** The acceptance walk-through, as a new user would try it on the local market. */
describe("BallastVault: a new user's walk-through", () => {
  it("deploys, takes two deposits, rebalances after price moves, and pays out in USDC and in kind", async () => {
    const market = await deployLocalMarket();
    const { vault, rebalancer } = await deployVault(market, { basket: FOUR_ASSET_BASKET });
    const [, alice, bob] = await ethers.getSigners();
    const usdc = market.token("USDC").contract;

    // Two depositors; the keeper invests them at target weights.
    await depositUsdc(market, vault, alice, 250_000);
    await depositUsdc(market, vault, bob, 150_000);
    await rebalanceUntilSettled(market, vault, 12);
    expect(await rebalancer.maxDrift()).to.be.lessThan(200n);

    // A market move: ETH rallies, BTC slips, LINK rallies harder.
    await market.setFeedPrice("WETH", 3_390);
    await market.setFeedPrice("WBTC", 55_800);
    await market.setFeedPrice("LINK", 16.8);
    await market.alignAllPools();
    expect(await rebalancer.maxDrift()).to.be.greaterThanOrEqual(200n);
    await rebalanceUntilSettled(market, vault);
    const weights = await rebalancer.currentWeights();
    const targets = (await vault.basketState()).targets;
    weights.forEach((w, i) => expect(Number(w)).to.be.closeTo(Number(targets[i]), 50));

    // Bob leaves in USDC, Alice in kind.
    const bobShares = await vault.balanceOf(bob);
    const preview = await vault.previewRedeem(bobShares);
    const before = await usdc.balanceOf(bob);
    await vault.connect(bob).redeem(bobShares, bob.address, bob.address);
    expect((await usdc.balanceOf(bob)) - before).to.be.greaterThanOrEqual(preview);

    const aliceShares = await vault.balanceOf(alice);
    const inKind = await vault.previewRedeemInKind(aliceShares);
    await vault.connect(alice).redeemInKind(aliceShares, alice.address, alice.address);
    for (const [i, address] of (await vault.basketTokens()).entries()) {
      const token = await ethers.getContractAt("IERC20", address);
      expect(await token.balanceOf(alice)).to.equal(inKind[i]);
      // Only the virtual shares' dust stays in the vault.
      expect(await token.balanceOf(vault)).to.be.lessThan(inKind[i] / 10n ** 6n + 1n);
    }
    expect(await vault.totalSupply()).to.equal(0n);
  });
});
