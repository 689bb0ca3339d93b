import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseUnits } from "ethers";
import { ethers } from "hardhat";

import { deployVault } from "../../src/vault";
import type { BasketEntry } from "../../src/vault";
import type { BallastVault } from "../../typechain-types";
import { FOUR_ASSET_BASKET, vaultFixture } from "../shared/fixtures";
import { pullLiquidity } from "../shared/pnl";
import { legUnfitOf } from "../shared/security";
import type { VaultFixture } from "../shared/fixtures";
import { depositUsdc, oracleNav, rebalancerOf, rebalanceUntilSettled, Status, swapsOf } from "../shared/vault";

const BPS = 10_000n;

/** Two depositors ($600k and $400k) in the four-asset vault, not yet invested. */
async function depositedFixture(): Promise<VaultFixture> {
  const f = await vaultFixture();
  const [, alice, bob] = await ethers.getSigners();
  await depositUsdc(f.market, f.vault, alice, 600_000);
  await depositUsdc(f.market, f.vault, bob, 400_000);
  return f;
}

/** The same, invested at target weights. */
async function investedFixture(): Promise<VaultFixture> {
  const f = await depositedFixture();
  await rebalanceUntilSettled(f.market, f.vault);
  return f;
}

async function weightsWithin(vault: BallastVault, toleranceBps: bigint): Promise<void> {
  const current = await (await rebalancerOf(vault)).currentWeights();
  const target = (await vault.basketState()).targets;
  current.forEach((w, i) => {
    const gap = w > target[i] ? w - target[i] : target[i] - w;
    expect(gap, `asset ${i}: ${w} vs ${target[i]}`).to.be.lessThanOrEqual(toleranceBps);
  });
}

describe("BallastVault rebalance", () => {
  it("invests fresh deposits toward the targets, each trade capped at maxTradeBps of NAV", async () => {
    const { vault, rebalancer, market } = await loadFixture(depositedFixture);
    const [keeper] = await ethers.getSigners();
    const nav = await vault.totalAssets();
    expect(await rebalancer.maxDrift()).to.equal(9_500n); // all in USDC, whose target is 5%
    const cap = (nav * 1_000n) / BPS;

    const tx = rebalancer.connect(keeper).rebalance();
    await expect(tx).to.emit(vault, "Rebalanced");
    const swaps = await swapsOf(vault, tx);
    const usdc = market.token("USDC").address;
    expect(swaps.map((s) => s.tokenOut)).to.deep.equal(
      ["WETH", "WBTC", "LINK"].map((symbol) => market.token(symbol).address),
    );
    // Every buy is capped at 10% of NAV.
    expect(swaps.map((s) => s.amountIn)).to.deep.equal([cap, cap, cap]);
    for (const swap of swaps) {
      expect(swap.tokenIn).to.equal(usdc);
      expect(swap.amountOut).to.be.greaterThanOrEqual(swap.minAmountOut);
    }
    // The vault keeps no allowance to the router after its swaps (exact approvals).
    expect(await market.token("USDC").contract.allowance(vault, market.router)).to.equal(0n);
  });

  it("reads each oracle once a rebalance: the trades are valued at the prices recorded in the same transaction", async () => {
    const { vault, rebalancer, oracles } = await loadFixture(depositedFixture);
    const hash = (await rebalancer.rebalance()).hash;
    const { structLogs } = (await ethers.provider.send("debug_traceTransaction", [
      hash,
      { disableMemory: true, disableStorage: true },
    ])) as { structLogs: { op: string; stack?: string[] }[] };
    // A STATICCALL's target is the second word from the top of the stack.
    const called = (target: string) =>
      structLogs.filter(
        (l) =>
          l.op === "STATICCALL" &&
          l.stack &&
          BigInt(`0x${l.stack[l.stack.length - 2].replace(/^0x/, "")}`) === BigInt(target),
      ).length;
    expect((await vault.queryFilter(vault.filters.Rebalanced())).length).to.equal(1);
    for (const oracle of oracles) expect(called(await oracle.getAddress())).to.equal(1);
  });

  it("reports NAV and drift before and after, and loses no more than the loss bound", async () => {
    const { vault, rebalancer, market } = await loadFixture(depositedFixture);
    const [keeper] = await ethers.getSigners();
    const navBefore = await vault.totalAssets();
    const receipt = await (await rebalancer.connect(keeper).rebalance()).wait();
    const event = receipt!.logs
      .map((log) => vault.interface.parseLog(log))
      .find((parsed) => parsed?.name === "Rebalanced");
    const [caller, before, after, driftBefore, driftAfter, trades] = event!.args;
    expect(caller).to.equal(keeper.address);
    expect(before).to.equal(navBefore);
    // NAV after is valued at the same oracle prices: it is what totalAssets says now.
    expect(after).to.equal(await vault.totalAssets());
    expect(after).to.equal(await oracleNav(market, vault));
    expect(after).to.be.lessThan(before); // fees and price impact are real
    expect(after).to.be.greaterThanOrEqual((before * 9_900n) / BPS);
    expect(driftBefore).to.equal(9_500n);
    expect(driftAfter).to.equal(await rebalancer.maxDrift());
    expect(trades).to.equal(3n);
  });

  it("brings every weight within tolerance over several calls, keeping the cash buffer", async () => {
    const { vault, rebalancer, market } = await loadFixture(depositedFixture);
    const calls = await rebalanceUntilSettled(market, vault);
    expect(calls).to.be.within(3, 6);
    await weightsWithin(vault, 50n);
    expect((await rebalancer.currentWeights())[0]).to.be.closeTo(500n, 50n);
  });

  it("trades in parts what a thin pool cannot fill within the slippage bound, until in band (never stuck)", async () => {
    const { vault, rebalancer, market } = await loadFixture(depositedFixture);
    await pullLiquidity(market, market.pool("WETH", "USDC", 500), 9_500);
    const cap = ((await vault.totalAssets()) * 1_000n) / BPS;
    // The capped WETH purchase (and the WBTC one, through the same pool) is more than the thinned
    // pool fills within 1%: the vault buys a part, and settles over more calls than deep pools take.
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
    const swaps = await swapsOf(vault, rebalancer.rebalance());
    const weth = swaps.find((s) => s.tokenOut === market.token("WETH").address);
    expect(weth?.amountIn).to.be.above(0n).and.below(cap);
    for (const swap of swaps) expect(swap.amountOut).to.be.at.least(swap.minAmountOut);
    await market.alignAllPools();
    expect(await rebalanceUntilSettled(market, vault, 20)).to.be.above(3);
    await weightsWithin(vault, 200n);
  });

  it("refuses to trade while the drift is below the threshold", async () => {
    const { rebalancer } = await loadFixture(investedFixture);
    await time.increase(600); // past the cooldown
    const drift = await rebalancer.maxDrift();
    expect(drift).to.be.lessThan(200n);
    await expect(rebalancer.rebalance())
      .to.be.revertedWithCustomError(rebalancer, "BallastRebalanceNotDue")
      .withArgs(Status.NotDue, drift);
  });

  it("refuses a second rebalance within the cooldown, even when due (a second keeper's call)", async () => {
    const { vault, rebalancer, market } = await loadFixture(depositedFixture);
    await rebalancer.rebalance();
    await market.alignAllPools();
    const drift = await rebalancer.maxDrift();
    expect(drift).to.be.greaterThanOrEqual(200n);
    await expect(rebalancer.rebalance())
      .to.be.revertedWithCustomError(rebalancer, "BallastRebalanceNotDue")
      .withArgs(Status.Cooldown, drift);
    await time.increase(600);
    await expect(rebalancer.rebalance()).to.emit(vault, "Rebalanced");
  });

  it("sells the winner and buys the laggards after a price move, back within tolerance", async () => {
    const { vault, rebalancer, market } = await loadFixture(investedFixture);
    await market.setFeedPrice("WETH", 3_450); // +15%
    await market.setFeedPrice("LINK", 13.8); // -8%
    await market.alignAllPools();
    expect(await rebalancer.maxDrift()).to.be.greaterThanOrEqual(200n);

    const swaps = await swapsOf(vault, rebalancer.rebalance());
    const usdc = market.token("USDC").address;
    const weth = market.token("WETH").address;
    // The winner first: WETH into WBTC along the shortcut of WBTC's route, the rest into USDC...
    expect(swaps[0]).to.include({ tokenIn: weth, tokenOut: market.token("WBTC").address });
    expect(swaps[1]).to.include({ tokenIn: weth, tokenOut: usdc });
    // ...then the laggards bought with USDC.
    expect(swaps.slice(2).every((s) => s.tokenIn === usdc)).to.be.true;
    expect(swaps.map((s) => s.tokenOut)).to.include(market.token("LINK").address);
    await weightsWithin(vault, 50n);
  });

  it("routes WBTC through WETH (multi-hop) and never touches the WBTC/USDC pool", async () => {
    const { vault, rebalancer, market } = await loadFixture(depositedFixture);
    const wbtc = market.token("WBTC");
    const direct = market.pool("WBTC", "USDC", 3000);
    const hub = market.pool("WBTC", "WETH", 500);
    const directBefore = await wbtc.contract.balanceOf(direct.address);
    const hubBefore = await wbtc.contract.balanceOf(hub.address);
    const swaps = await swapsOf(vault, rebalancer.rebalance());
    const bought = swaps.find((s) => s.tokenOut === wbtc.address)!;
    expect(await wbtc.contract.balanceOf(vault)).to.equal(bought.amountOut);
    expect(await wbtc.contract.balanceOf(hub.address)).to.equal(hubBefore - bought.amountOut);
    expect(await wbtc.contract.balanceOf(direct.address)).to.equal(directBefore);
  });

  it("sets each swap's minimum from the oracle less the slippage bound, never from the pool", async () => {
    const { vault, rebalancer, market } = await loadFixture(depositedFixture);
    const swaps = await swapsOf(vault, rebalancer.rebalance());
    const weth = swaps.find((s) => s.tokenOut === market.token("WETH").address)!;
    // $100k at $3000/WETH (feeds) less 100 bps, in wei, rounded down twice.
    const atOracle = (weth.amountIn * 10n ** 12n * 1n) / 3_000n;
    expect(weth.minAmountOut).to.equal((atOracle * 9_900n) / BPS);
  });

  it("refuses, before any trade, a leg whose pool was pushed beyond the pool-gap bound (BallastLegUnfit)", async () => {
    const { vault, rebalancer, market } = await loadFixture(investedFixture);
    await market.setFeedPrice("WETH", 3_600);
    await market.alignAllPools();
    // An attacker pushes WETH 3% below the feed in the pool the vault sells into.
    const pool = market.pool("WETH", "USDC", 500);
    await market.movePoolPrice(pool, "WETH", 3_600 * 0.97);
    const navBefore = await vault.totalAssets();
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.LegUnfit);
    const { spotOut, spotFloor, estimatedOut, minOut } = await legUnfitOf(vault, market.token("WETH").address, true);
    // The sale's spot output is ~3% short of its oracle-fair output, whose floor is 5 bps under it;
    // the estimate (fee and impact at the pushed price) misses the 1% slippage minimum too.
    const fair = (spotFloor * BPS) / 9_995n;
    expect(spotOut).to.be.lessThan(spotFloor);
    expect(spotOut * BPS).to.be.closeTo(fair * 9_700n, fair * 5n);
    expect(minOut).to.be.closeTo((fair * 9_900n) / BPS, 1n);
    expect(estimatedOut).to.be.lessThan(minOut);
    expect(await vault.totalAssets()).to.equal(navBefore);
    // Once the pool is back in line, the same rebalance goes through.
    await market.alignPoolToFeeds(pool);
    await expect(rebalancer.rebalance()).to.emit(vault, "Rebalanced");
  });

  it("reverts when the trades together would lose more NAV than the loss bound", async () => {
    const market = (await loadFixture(vaultFixture)).market;
    const { vault, rebalancer } = await deployVault(market, { basket: FOUR_ASSET_BASKET, params: { maxLossBps: 5 } });
    const [, alice] = await ethers.getSigners();
    await depositUsdc(market, vault, alice, 1_000_000);
    const nav = await vault.totalAssets();
    // Each swap is inside its 1% slippage bound, but $950k of buys cost more than 5 bp in total.
    await expect(rebalancer.rebalance())
      .to.be.revertedWithCustomError(vault, "BallastRebalanceLoss")
      .withArgs(nav, (navAfter: bigint) => navAfter < (nav * 9_995n) / BPS, 5n);
  });

  it("skips trades worth less than minTradeValue", async () => {
    const market = (await loadFixture(vaultFixture)).market;
    const { vault, rebalancer } = await deployVault(market, {
      basket: FOUR_ASSET_BASKET,
      params: { minTradeValue: parseUnits("250000", 6) },
    });
    const [keeper, alice] = await ethers.getSigners();
    await depositUsdc(market, vault, alice, 900_000);
    const nav = parseUnits("900000", 6);
    // Every buy is capped at 10% of NAV ($90k), below the $250k dust floor.
    await expect(rebalancer.connect(keeper).rebalance())
      .to.emit(vault, "Rebalanced")
      .withArgs(keeper.address, nav, nav, 9_500n, 9_500n, 0n)
      .and.not.to.emit(vault, "Swapped");
  });

  const baskets: [string, BasketEntry[]][] = [
    [
      "2 assets (USDC 6 / WETH 18 decimals)",
      [
        { symbol: "USDC", weightBps: 0 },
        { symbol: "WETH", weightBps: 10_000 },
      ],
    ],
    [
      "8 assets (6, 8 and 18 decimals, hub routes)",
      [
        { symbol: "USDC", weightBps: 1_000 },
        { symbol: "WETH", weightBps: 2_000 },
        { symbol: "WBTC", weightBps: 2_000, route: ["WBTC", 500, "WETH", 500, "USDC"] },
        { symbol: "LINK", weightBps: 1_000, route: ["LINK", 3000, "WETH", 500, "USDC"] },
        { symbol: "UNI", weightBps: 1_000 },
        { symbol: "AAVE", weightBps: 1_000 },
        { symbol: "CRV", weightBps: 1_000 },
        { symbol: "MKR", weightBps: 1_000, route: ["MKR", 3000, "WETH", 500, "USDC"] },
      ],
    ],
  ];
  for (const [label, basket] of baskets) {
    it(`settles a basket of ${label} within tolerance, before and after a shock`, async () => {
      const market = (await loadFixture(vaultFixture)).market;
      const { vault } = await deployVault(market, { basket });
      const [, alice, bob] = await ethers.getSigners();
      await depositUsdc(market, vault, alice, 300_000);
      await depositUsdc(market, vault, bob, 200_000);
      // Investing 90-100% of NAV at 10% per trade takes up to ten calls.
      await rebalanceUntilSettled(market, vault, 12);
      await weightsWithin(vault, 50n);
      for (const { symbol } of basket.slice(1)) {
        await market.setFeedPrice(symbol, (await market.feedPrice(symbol)) * (symbol === "WETH" ? 0.8 : 1.12));
      }
      await market.alignAllPools();
      await rebalanceUntilSettled(market, vault);
      await weightsWithin(vault, 50n);
      expect(await vault.totalAssets()).to.equal(await oracleNav(market, vault));
    });
  }
});
