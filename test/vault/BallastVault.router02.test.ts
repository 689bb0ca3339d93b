import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { expect } from "chai";
import { ethers } from "hardhat";

import { deployVault } from "../../src/vault";
import { FOUR_ASSET_BASKET } from "../shared/fixtures";
import { legUnfitOf } from "../shared/security";
import type { VaultFixture } from "../shared/fixtures";
import { depositUsdc, oracleNav, rebalanceUntilSettled, swapsOf } from "../shared/vault";
import { deployLocalMarket } from "../shared/market";

/** The four-asset vault trading through SwapRouter02 (Base, Sepolia), $500k deposited. */
async function router02Fixture(): Promise<VaultFixture> {
  const market = await deployLocalMarket();
  const [admin, alice] = await ethers.getSigners();
  const deployed = await deployVault(market, {
    basket: FOUR_ASSET_BASKET,
    router: "SwapRouter02",
    governance: { admin: admin.address },
  });
  await depositUsdc(market, deployed.vault, alice, 500_000);
  return { market, ...deployed };
}

describe("BallastVault on SwapRouter02", () => {
  it("invests, rebalances and pays base-asset exits through SwapRouter02's exactInput", async () => {
    const { market, vault, rebalancer } = await loadFixture(router02Fixture);
    expect(await vault.swapRouter()).to.equal(await market.router02.getAddress());
    const first = await swapsOf(vault, rebalancer.rebalance());
    expect(first.length).to.be.greaterThan(0);
    await market.alignAllPools();
    await rebalanceUntilSettled(market, vault);
    expect(await rebalancer.maxDrift()).to.be.lessThanOrEqual(5n);

    // The router's own allowance is spent exactly: nothing is left approved.
    const router = await market.router02.getAddress();
    for (const symbol of ["USDC", "WETH", "WBTC", "LINK"]) {
      expect(await market.token(symbol).contract.allowance(vault, router)).to.equal(0n);
    }

    // A redemption beyond the cash buffer sells slices through SwapRouter02 too.
    const [, alice] = await ethers.getSigners();
    const shares = (await vault.balanceOf(alice)) / 2n;
    const preview = await vault.previewRedeem(shares);
    const usdc = market.token("USDC").contract;
    const before = await usdc.balanceOf(alice);
    const swaps = await swapsOf(vault, vault.connect(alice).redeem(shares, alice.address, alice.address));
    expect(swaps.length).to.be.greaterThan(0);
    expect((await usdc.balanceOf(alice)) - before).to.be.greaterThanOrEqual(preview);
    expect(await vault.totalAssets()).to.equal(await oracleNav(market, vault));
  });

  it("refuses a leg into a pushed pool before trading, through SwapRouter02 as through SwapRouter", async () => {
    const { market, vault, rebalancer } = await loadFixture(router02Fixture);
    // WETH's pool pushed 5% under its feed: selling into it misses the 1% slippage bound.
    await rebalancer.rebalance();
    await market.alignAllPools();
    await rebalanceUntilSettled(market, vault);
    await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
    for (const s of ["USDC", "WBTC", "LINK"]) await market.setFeedPrice(s, await market.feedPrice(s));
    // Every other pool caught up (the WETH -> WBTC shortcut fits): only WETH/USDC is pushed.
    await market.alignAllPools();
    const pool = market.pool("WETH", "USDC", 500);
    await market.movePoolPrice(pool, "WETH", (await market.feedPrice("WETH")) * 0.95);
    const weth = market.token("WETH").address;
    await expect(rebalancer.rebalance())
      .to.be.revertedWithCustomError(vault, "BallastLegUnfit")
      .withArgs(weth, await vault.asset(), anyValue, anyValue, anyValue, anyValue);
    // With the pool-gap bound at its widest (5%) the leg is still refused: its estimated output, at
    // the pushed price, misses the 1% slippage minimum, which the router would enforce anyway.
    const params = (await vault.basketState()).params;
    await vault.setRebalanceParams({
      slippageBps: params.slippageBps,
      maxTradeBps: params.maxTradeBps,
      maxLossBps: params.maxLossBps,
      minTradeValue: params.minTradeValue,
      maxPoolGapBps: 500,
    });
    const { estimatedOut, minOut } = await legUnfitOf(vault, weth, true);
    expect(estimatedOut).to.be.lessThan(minOut);
  });
});
