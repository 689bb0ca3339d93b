/**
 * BallastPlanner: the on-chain plan. Each asset outside the band trades to the band's edge; a sale
 * and a purchase whose routes meet before the base trade together along the shortcut (the same
 * pools, without the round trip through the base); routes that meet only at the base stay apart.
 */
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import type { Result } from "ethers";
import { ethers } from "hardhat";

import { encodeRoute } from "../src/vault";
import type { IBallastVault } from "../typechain-types/artifacts/contracts/BallastPlanner";
import { BallastPlanner__factory } from "../typechain-types";
import { investedAdminFixture } from "./shared/fixtures";
import type { VaultFixture } from "./shared/fixtures";
import { refreshFeeds } from "./shared/security";
import { Status, swapsOf } from "./shared/vault";

const BASKET = ["USDC", "WETH", "WBTC", "LINK"];

/** The invested vault after the feeds moved by `moves` (symbol -> factor), pools realigned. */
async function movedBy(moves: Record<string, number>): Promise<VaultFixture> {
  const f = await investedAdminFixture();
  for (const [symbol, factor] of Object.entries(moves)) {
    await f.market.setFeedPrice(symbol, (await f.market.feedPrice(symbol)) * factor);
  }
  await f.market.alignAllPools();
  await refreshFeeds(f.market, BASKET);
  return f;
}

/** WETH up 10%: WETH above target; WBTC, LINK and USDC below. WBTC's buy route crosses WETH. */
const wethUp = () => movedBy({ WETH: 1.1 });
/** WBTC up 10%, WETH down 10%: WBTC above target, WETH below; WBTC's sell route crosses WETH. */
const wbtcUpWethDown = () => movedBy({ WBTC: 1.1, WETH: 0.9 });
/** LINK up 20%: LINK above target, the rest below; LINK's route meets the others at USDC alone. */
const linkUp = () => movedBy({ LINK: 1.2 });

/** The vault's state as a call argument (a decoded result is read-only). */
async function stateOf(f: VaultFixture): Promise<IBallastVault.BasketStateStruct> {
  const state: unknown = await f.vault.basketState();
  return (state as Result).toObject(true) as IBallastVault.BasketStateStruct;
}

/** The planner's plan for the vault as it is, at its rebalancer's band in force. */
async function planNow(f: VaultFixture, minLegValue = 0n): Promise<Trade[]> {
  const planner = BallastPlanner__factory.connect(await f.rebalancer.planner(), ethers.provider);
  const [, , band] = await f.rebalancer.rebalanceStatus();
  const [trades] = await planner.plan(f.vault, await stateOf(f), band, minLegValue);
  return trades.map(({ route, amountIn, valueIn, fairOut }) => ({ route, amountIn, valueIn, fairOut }));
}

/** IBallastPolicy.Trade, as plain values. */
interface Trade {
  route: string;
  amountIn: bigint;
  valueIn: bigint;
  fairOut: bigint;
}

describe("BallastPlanner: the on-chain plan", () => {
  it("sells WETH for WBTC along the shortcut of WBTC's buy route (WETH -> WBTC), not through USDC and back", async () => {
    const f = await loadFixture(wethUp);
    const trades = await planNow(f);
    const shortcut = encodeRoute(f.market, ["WETH", 500, "WBTC"]);
    const paths = trades.map((t) => t.route);
    expect(paths).to.include(shortcut);
    // WBTC's whole purchase rides on the WETH sale: nothing buys WBTC from USDC.
    expect(paths).to.not.include(encodeRoute(f.market, ["USDC", 500, "WETH", 500, "WBTC"]));

    const [, , , keeper] = await ethers.getSigners();
    const swaps = await swapsOf(f.vault, f.rebalancer.connect(keeper).rebalance());
    const weth = f.market.token("WETH").address;
    const wbtc = f.market.token("WBTC").address;
    expect(swaps.some((s) => s.tokenIn === weth && s.tokenOut === wbtc)).to.equal(true);
    expect(swaps.some((s) => s.tokenOut === wbtc && s.tokenIn !== weth)).to.equal(false);
    // Three pools crossed, one fewer than through the base (WETH -> USDC, USDC -> WETH -> WBTC,
    // USDC -> LINK): WETH -> WBTC, the rest of the WETH into USDC, USDC -> LINK.
    const hops = trades.reduce((sum, t) => sum + ((t.route.length - 2) / 2 - 20) / 23, 0);
    expect(hops).to.equal(3);
    expect(swaps.length).to.equal(trades.length);
    const [status] = await f.rebalancer.rebalanceStatus();
    expect(status).to.not.equal(Status.Due); // the band was reached
  });

  it("sells WBTC for WETH along the shortcut of WBTC's sell route (WBTC -> WETH)", async () => {
    const f = await loadFixture(wbtcUpWethDown);
    const trades = await planNow(f);
    expect(trades.map((t) => t.route)).to.include(encodeRoute(f.market, ["WBTC", 500, "WETH"]));
    const [, , , keeper] = await ethers.getSigners();
    const swaps = await swapsOf(f.vault, f.rebalancer.connect(keeper).rebalance());
    const [weth, wbtc] = [f.market.token("WETH").address, f.market.token("WBTC").address];
    expect(swaps.some((s) => s.tokenIn === wbtc && s.tokenOut === weth)).to.equal(true);
  });

  it("keeps a sale and a purchase whose routes meet only at the base apart (LINK -> USDC -> WETH)", async () => {
    const f = await loadFixture(linkUp);
    const trades = await planNow(f);
    const usdc = f.market.token("USDC").address.toLowerCase().slice(2);
    for (const t of trades) {
      // Every trade starts or ends at the base.
      const path = t.route.toLowerCase();
      expect(path.startsWith(`0x${usdc}`) || path.endsWith(usdc), path).to.equal(true);
    }
  });

  it("sizes a shortcut at the oracle: its value is the smaller of the sale and the purchase, its minimum fair", async () => {
    const f = await loadFixture(wethUp);
    const trades = await planNow(f);
    const shortcut = trades.find((t) => t.route === encodeRoute(f.market, ["WETH", 500, "WBTC"]));
    expect(shortcut).to.not.equal(undefined);
    const [wethFeed, wbtcFeed, usdcFeed] = await Promise.all(
      ["WETH", "WBTC", "USDC"].map((s) => f.market.token(s).feed.latestRoundData()),
    );
    const { amountIn, valueIn, fairOut } = shortcut as Trade;
    // WETH (18 decimals) worth valueIn USDC (6), rounded down; its fair WBTC (8), rounded down.
    const weth8 = wethFeed[1];
    const expectedIn = (valueIn * usdcFeed[1] * 10n ** 18n) / (weth8 * 10n ** 6n);
    expect(amountIn).to.be.closeTo(expectedIn, 1n);
    expect(fairOut).to.equal((amountIn * weth8 * 10n ** 8n) / (10n ** 18n * wbtcFeed[1]));
  });

  it("leaves out a leftover too small to trade, and counts only what trades in the drift removed", async () => {
    const f = await loadFixture(wethUp);
    const planner = BallastPlanner__factory.connect(await f.rebalancer.planner(), ethers.provider);
    const [, , band] = await f.rebalancer.rebalanceStatus();
    const state = await stateOf(f);
    const [all, removedAll] = await planner.plan(f.vault, state, band, 0n);
    // A floor just above the smallest trade: that trade, or the leftover it was, goes.
    const smallest = all.reduce((m, t) => (t.valueIn < m ? t.valueIn : m), all[0].valueIn);
    const [fewer, removedFewer] = await planner.plan(f.vault, state, band, smallest + 1n);
    expect(fewer.length).to.be.lessThan(all.length);
    for (const t of fewer) expect(t.valueIn).to.be.greaterThan(smallest);
    expect(removedFewer).to.be.lessThan(removedAll);
  });

  it("fits: true for the plan at the pools as they are, false once a pool on it is pushed against the vault", async () => {
    const f = await loadFixture(wethUp);
    const planner = BallastPlanner__factory.connect(await f.rebalancer.planner(), ethers.provider);
    const trades = await planNow(f);
    const { maxPoolGapBps, slippageBps } = (await f.vault.basketState()).params;
    const fits = () => planner.fits(f.market.factory, trades, maxPoolGapBps, slippageBps);
    expect(await fits()).to.equal(true);
    // WETH -> WBTC sells WETH into the WBTC/WETH pool: push WBTC's price up there by 3%.
    const wbtcInWeth = (await f.market.feedPrice("WBTC")) / (await f.market.feedPrice("WETH"));
    await f.market.movePoolPrice(f.market.pool("WBTC", "WETH", 500), "WBTC", (wbtcInWeth * 1.03).toFixed(8));
    expect(await fits()).to.equal(false);
  });

  it("refuses a state whose arrays differ in length (BallastStateMisaligned), each array in turn and an empty one", async () => {
    const f = await loadFixture(wethUp);
    const planner = BallastPlanner__factory.connect(await f.rebalancer.planner(), ethers.provider);
    const [, , band] = await f.rebalancer.rebalanceStatus();
    const state = await stateOf(f);
    // The unchecked reads rely on this check: a short array would read the next word of memory.
    for (const field of ["balances", "prices", "units", "values", "targets"] as const) {
      const short = { ...state, [field]: state[field].slice(0, -1) };
      await expect(planner.plan(f.vault, short, band, 0n))
        .to.be.revertedWithCustomError(planner, "BallastStateMisaligned")
        .withArgs(BASKET.length);
    }
    const empty = { ...state, tokens: [], balances: [], prices: [], units: [], values: [], targets: [] };
    await expect(planner.plan(f.vault, empty, band, 0n))
      .to.be.revertedWithCustomError(planner, "BallastStateMisaligned")
      .withArgs(0);
    // The state as the vault gives it plans.
    expect((await planner.plan(f.vault, state, band, 0n))[0].length).to.be.greaterThan(0);
  });
});
