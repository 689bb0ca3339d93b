/**
 * executeRebalance: the vault's own bounds on whatever legs its rebalancer sends. The rebalancer is
 * impersonated here so that the legs are any a faulty or hostile rebalancer could send: the vault
 * must refuse or keep the loss within its bounds by itself.
 */
import {
  impersonateAccount,
  loadFixture,
  setBalance,
  stopImpersonatingAccount,
  takeSnapshot,
} from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseUnits, ZeroAddress, ZeroHash } from "ethers";
import type { Signer } from "ethers";
import { ethers } from "hardhat";

import { encodeRoute } from "../../src/vault";
import type { RouteSpec } from "../../src/vault";
import { MockBallastOracle__factory, RecordThenExecute__factory } from "../../typechain-types";
import type { IBallastVault } from "../../typechain-types/artifacts/contracts/BallastVault";
import { investedAdminFixture } from "../shared/fixtures";
import type { VaultFixture } from "../shared/fixtures";
import { pullLiquidity } from "../shared/pnl";
import { oracleNav, swapsOf } from "../shared/vault";

const BPS = 10_000n;

/** The fixture, with a signer that sends as its rebalancer. */
async function asRebalancer(f: VaultFixture): Promise<Signer> {
  const address = await f.rebalancer.getAddress();
  await impersonateAccount(address);
  await setBalance(address, 10n ** 20n);
  return ethers.getSigner(address);
}

/** `amount` of `symbolIn`'s oracle value in `symbolOut`'s raw units, rounded down (the vault's fair output). */
async function fairOut(f: VaultFixture, symbolIn: string, symbolOut: string, amount: bigint): Promise<bigint> {
  const [tokenIn, tokenOut] = [f.market.token(symbolIn), f.market.token(symbolOut)];
  const [[, priceIn], [, priceOut]] = await Promise.all([
    tokenIn.feed.latestRoundData(),
    tokenOut.feed.latestRoundData(),
  ]);
  return (amount * priceIn * 10n ** BigInt(tokenOut.decimals)) / (10n ** BigInt(tokenIn.decimals) * priceOut);
}

function leg(f: VaultFixture, route: RouteSpec, amountIn: bigint): IBallastVault.LegStruct {
  return { path: encodeRoute(f.market, route), amountIn };
}

describe("BallastVault.executeRebalance: the vault's bounds on any rebalancer's legs", () => {
  let f: VaultFixture;
  let rebalancer: Signer;
  let keeper: string;

  beforeEach(async () => {
    f = await loadFixture(investedAdminFixture);
    rebalancer = await asRebalancer(f);
    keeper = (await ethers.getSigners())[5].address;
  });

  afterEach(async () => {
    await stopImpersonatingAccount(await f.rebalancer.getAddress());
  });

  it("trades a direct pair (WBTC -> WETH), asking the oracle-fair output less the slippage bound", async () => {
    const amountIn = 10n ** 7n; // 0.1 WBTC
    const minOut = ((await fairOut(f, "WBTC", "WETH", amountIn)) * (BPS - 100n)) / BPS;
    const swaps = await swapsOf(
      f.vault,
      f.vault.connect(rebalancer).executeRebalance([leg(f, ["WBTC", 500, "WETH"], amountIn)], keeper),
    );
    expect(swaps).to.have.length(1);
    expect(swaps[0].tokenIn).to.equal(f.market.token("WBTC").address);
    expect(swaps[0].tokenOut).to.equal(f.market.token("WETH").address);
    expect(swaps[0].amountIn).to.equal(amountIn);
    expect(swaps[0].minAmountOut).to.equal(minOut);
    expect(swaps[0].amountOut).to.be.at.least(minOut);
  });

  it("emits Rebalanced for the keeper it is told, with the NAV before and after at the call's prices", async () => {
    const navBefore = await oracleNav(f.market, f.vault);
    const receipt = await (
      await f.vault.connect(rebalancer).executeRebalance([leg(f, ["WETH", 500, "USDC"], 10n ** 18n)], keeper)
    ).wait();
    const [event] = await f.vault.queryFilter(f.vault.filters.Rebalanced, receipt?.blockNumber, receipt?.blockNumber);
    expect(event.args.caller).to.equal(keeper);
    expect(event.args.navBefore).to.equal(navBefore);
    expect(event.args.navAfter).to.equal(await oracleNav(f.market, f.vault));
    expect(event.args.trades).to.equal(1n);
  });

  it("refuses a path that is not a Uniswap V3 path (BallastLegPath), losing nothing", async () => {
    const bad = { path: "0x1234", amountIn: 1n };
    await expect(f.vault.connect(rebalancer).executeRebalance([bad], keeper))
      .to.be.revertedWithCustomError(f.vault, "BallastLegPath")
      .withArgs("0x1234");
  });

  it("refuses a leg that ends outside the basket (UNI is not listed)", async () => {
    const outside = leg(f, ["WETH", 3000, "UNI"], 10n ** 17n);
    await expect(f.vault.connect(rebalancer).executeRebalance([outside], keeper))
      .to.be.revertedWithCustomError(f.vault, "BallastLegPath")
      .withArgs(outside.path);
  });

  it("refuses a leg that starts and ends at the same asset (a round trip only pays fees)", async () => {
    const roundTrip = leg(f, ["WETH", 500, "USDC", 3000, "WETH"], 10n ** 17n);
    await expect(f.vault.connect(rebalancer).executeRebalance([roundTrip], keeper))
      .to.be.revertedWithCustomError(f.vault, "BallastLegPath")
      .withArgs(roundTrip.path);
  });

  it("refuses a leg worth more than maxTradeBps of NAV (BallastLegTooLarge)", async () => {
    const nav = await f.vault.totalAssets();
    const cap = (nav * 1_000n) / BPS;
    const weth = await f.market.token("WETH").contract.balanceOf(f.vault);
    await expect(f.vault.connect(rebalancer).executeRebalance([leg(f, ["WETH", 500, "USDC"], weth)], keeper))
      .to.be.revertedWithCustomError(f.vault, "BallastLegTooLarge")
      .withArgs(f.market.token("WETH").address, (value: bigint) => value > cap, cap);
  });

  it("refuses a leg whose pool was pushed against the vault (BallastLegUnfit), before any swap", async () => {
    const pool = f.market.pools.find((p) => p.key.includes("WETH") && p.key.includes("USDC") && p.fee === 500);
    if (!pool) throw new Error("no WETH/USDC 0.05% pool");
    await f.market.movePoolPrice(pool, "WETH", (await f.market.feedPrice("WETH")) * 0.995);
    const legs = [leg(f, ["LINK", 3000, "USDC"], 10n ** 20n), leg(f, ["WETH", 500, "USDC"], 10n ** 18n)];
    const before = await f.market.token("LINK").contract.balanceOf(f.vault);
    await expect(f.vault.connect(rebalancer).executeRebalance(legs, keeper)).to.be.revertedWithCustomError(
      f.vault,
      "BallastLegUnfit",
    );
    expect(await f.market.token("LINK").contract.balanceOf(f.vault)).to.equal(before);
  });

  describe("a leg larger than its pools can fill within the slippage bound", () => {
    /** WETH worth $40k (under the 10% trade cap on $500k), and the WETH/USDC 0.05% pool thinned 99.5%. */
    async function thinPool(): Promise<bigint> {
      await pullLiquidity(f.market, f.market.pool("WETH", "USDC", 500), 9_950);
      return fairOut(f, "USDC", "WETH", 40_000n * 10n ** 6n);
    }

    it("trades the part they can fill, at its oracle minimum, within the loss bound", async () => {
      const asked = await thinPool();
      const [slippageBps, , maxLossBps] = (await f.vault.basketState()).params;
      const navBefore = await oracleNav(f.market, f.vault);
      const swaps = await swapsOf(
        f.vault,
        f.vault.connect(rebalancer).executeRebalance([leg(f, ["WETH", 500, "USDC"], asked)], keeper),
      );
      expect(swaps).to.have.length(1);
      // A part, not nothing and not all of it.
      expect(swaps[0].amountIn)
        .to.be.above(0n)
        .and.below(asked / 2n);
      const minOut = ((await fairOut(f, "WETH", "USDC", swaps[0].amountIn)) * (BPS - slippageBps)) / BPS;
      expect(swaps[0].minAmountOut).to.equal(minOut);
      expect(swaps[0].amountOut).to.be.at.least(minOut);
      expect(await oracleNav(f.market, f.vault)).to.be.at.least((navBefore * (BPS - maxLossBps)) / BPS);
    });

    it("splits every leg that crosses the shrunk pool by the legs crossing it", async () => {
      const asked = await thinPool();
      const snapshot = await takeSnapshot();
      const [alone] = await swapsOf(
        f.vault,
        f.vault.connect(rebalancer).executeRebalance([leg(f, ["WETH", 500, "USDC"], asked)], keeper),
      );
      await snapshot.restore();
      // WBTC sold through WETH into USDC crosses the same pool.
      const wbtc = await fairOut(f, "USDC", "WBTC", 20_000n * 10n ** 6n);
      const legs = [leg(f, ["WETH", 500, "USDC"], asked), leg(f, ["WBTC", 500, "WETH", 500, "USDC"], wbtc)];
      const swaps = await swapsOf(f.vault, f.vault.connect(rebalancer).executeRebalance(legs, keeper));
      expect(swaps).to.have.length(2);
      expect(swaps[0].amountIn).to.be.at.most(alone.amountIn / 2n);
      expect(swaps[1].amountIn).to.be.below(wbtc / 2n + 1n);
      for (const swap of swaps) expect(swap.amountOut).to.be.at.least(swap.minAmountOut);
    });

    it("refuses (BallastLegUnfit) when no part fits: nothing in range", async () => {
      await pullLiquidity(f.market, f.market.pool("WETH", "USDC", 500), 10_000);
      const weth = await f.market.token("WETH").contract.balanceOf(f.vault);
      await expect(
        f.vault.connect(rebalancer).executeRebalance([leg(f, ["WETH", 500, "USDC"], 10n ** 18n)], keeper),
      ).to.be.revertedWithCustomError(f.vault, "BallastLegUnfit");
      expect(await f.market.token("WETH").contract.balanceOf(f.vault)).to.equal(weth);
    });

    it("trades legs that fit as asked, unsplit, though they cross one pool", async () => {
      const legs = [leg(f, ["WETH", 500, "USDC"], 10n ** 18n), leg(f, ["WBTC", 500, "WETH", 500, "USDC"], 10n ** 6n)];
      const swaps = await swapsOf(f.vault, f.vault.connect(rebalancer).executeRebalance(legs, keeper));
      expect(swaps.map((s) => s.amountIn)).to.deep.equal([10n ** 18n, 10n ** 6n]);
    });
  });

  it("bounds a wasteful plan's loss: legs that trade back and forth revert at maxLossBps", async () => {
    const [slippageBps, maxTradeBps, , minTradeValue, maxPoolGapBps] = (await f.vault.basketState()).params;
    const params = { slippageBps, maxTradeBps, maxLossBps: 1, minTradeValue, maxPoolGapBps };
    await (await f.vault.setRebalanceParams(params)).wait();
    const weth = 5n * 10n ** 18n;
    const usdc = (await fairOut(f, "WETH", "USDC", weth)) * 2n;
    // WETH into USDC, then the USDC back (and more) into WETH: only fees and impact change hands.
    const legs = [leg(f, ["WETH", 3000, "USDC"], weth), leg(f, ["USDC", 3000, "WETH"], usdc)];
    await expect(f.vault.connect(rebalancer).executeRebalance(legs, keeper)).to.be.revertedWithCustomError(
      f.vault,
      "BallastRebalanceLoss",
    );
  });

  it("spends only the base above its target: a purchase larger than that is scaled down to it", async () => {
    const nav = await f.vault.totalAssets();
    const base = await f.market.token("USDC").contract.balanceOf(f.vault);
    const target = (nav * 500n + BPS - 1n) / BPS;
    const available = base > target ? base - target : 0n;
    const asked = 20_000n * 10n ** 6n;
    expect(available).to.be.below(asked);
    const swaps = await swapsOf(
      f.vault,
      f.vault.connect(rebalancer).executeRebalance([leg(f, ["USDC", 500, "WETH"], asked)], keeper),
    );
    // Scaled to the base above target, and skipped below minTradeValue (10 USDC).
    if (available < 10n * 10n ** 6n) expect(swaps).to.have.length(0);
    else expect(swaps.map((s) => s.amountIn)).to.deep.equal([available]);
  });

  it("reads every oracle itself when no valid prices were recorded in the same transaction (BallastPriceUnavailable)", async () => {
    // A call of its own: the prices recordPrices read in an earlier transaction are not this one's.
    const weth = f.market.token("WETH");
    const [, answer] = await weth.feed.latestRoundData();
    await (await weth.feed.setRound(answer, 1, 1)).wait();
    await expect(f.vault.connect(rebalancer).executeRebalance([leg(f, ["WBTC", 500, "WETH"], 10n ** 6n)], keeper))
      .to.be.revertedWithCustomError(f.vault, "BallastPriceUnavailable")
      .withArgs(weth.address);
  });

  it("reads the oracles again when one changed after the prices were recorded in the same transaction", async () => {
    const [admin] = await ethers.getSigners();
    // A rebalancer that is also the admin: record, change an oracle, execute, in one transaction.
    const probe = await new RecordThenExecute__factory(admin).deploy(f.vault);
    await (await f.vault.connect(admin).setRebalancer(probe)).wait();
    await (await f.vault.connect(admin).grantRole(ZeroHash, probe)).wait();
    const weth = f.market.token("WETH");
    const legs = [leg(f, ["WETH", 500, "USDC"], 10n ** 17n)];
    await expect(probe.run(legs, ZeroAddress, ZeroAddress)).to.emit(f.vault, "Rebalanced");
    // WETH's new oracle says twice the price no pool shows: the leg is vetted at it, and refused.
    const doubled = parseUnits(((await f.market.feedPrice("WETH")) * 2).toFixed(6), 18);
    const oracle = await new MockBallastOracle__factory(admin).deploy(doubled, 50);
    await expect(probe.run(legs, weth.address, oracle)).to.be.revertedWithCustomError(f.vault, "BallastLegUnfit");
  });

  it("refuses while paused (EnforcedPause)", async () => {
    await (await f.vault.pause()).wait();
    await expect(
      f.vault.connect(rebalancer).executeRebalance([leg(f, ["WETH", 500, "USDC"], 10n ** 17n)], keeper),
    ).to.be.revertedWithCustomError(f.vault, "EnforcedPause");
  });

  it("refuses every caller but the rebalancer (BallastNotRebalancer)", async () => {
    const [, outsider] = await ethers.getSigners();
    await expect(f.vault.connect(outsider).executeRebalance([], keeper))
      .to.be.revertedWithCustomError(f.vault, "BallastNotRebalancer")
      .withArgs(outsider.address);
    await expect(f.vault.connect(outsider).recordPrices())
      .to.be.revertedWithCustomError(f.vault, "BallastNotRebalancer")
      .withArgs(outsider.address);
  });

  it("answers basketState and recordPrices with the canonical ABI encoding of the same state", async () => {
    // Both return what VaultLogic encoded, forwarded as it is: it must be exactly what a caller's
    // decoder expects and re-encodes to.
    const vault = await f.vault.getAddress();
    const view = await ethers.provider.call({ to: vault, data: f.vault.interface.encodeFunctionData("basketState") });
    const recorded = await ethers.provider.call({
      from: await rebalancer.getAddress(),
      to: vault,
      data: f.vault.interface.encodeFunctionData("recordPrices"),
    });
    const iface = f.vault.interface;
    expect(iface.encodeFunctionResult("basketState", iface.decodeFunctionResult("basketState", view))).to.equal(view);
    expect(iface.encodeFunctionResult("recordPrices", iface.decodeFunctionResult("recordPrices", recorded))).to.equal(
      recorded,
    );
    expect(recorded).to.equal(view);
    const [state] = f.vault.interface.decodeFunctionResult("basketState", view);
    expect(state.tokens).to.deep.equal(await f.vault.basketTokens());
    expect(state.valid).to.equal(true);
  });
});
