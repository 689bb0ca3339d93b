import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { MaxUint256, ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import type { LocalMarket } from "../../src/market";
import { RECOMMENDED_BREAKERS, RECOMMENDED_COSTS } from "../../src/vault";
import { investedAdminFixture } from "../shared/fixtures";
import type { VaultFixture } from "../shared/fixtures";
import { Trip } from "../shared/security";
import { depositUsdc, oracleNav, Status } from "../shared/vault";

/*
 * Attacks as tests: each measures what the attacker made (the tokens its swaps took in and paid
 * out, valued at the oracle prices) and what the vault's holders lost (NAV at the same prices). The
 * attacker is the market's arbitrageur, which moves pools by real swaps through SwapRouter.
 */

const BASKET = ["USDC", "WETH", "WBTC", "LINK"];

/** Oracle value of `amount` of `symbol`, in USDC units. */
async function value(market: LocalMarket, symbol: string, amount: bigint): Promise<bigint> {
  const token = market.token(symbol);
  const [, answer] = await token.feed.latestRoundData();
  const [, usdc] = await market.token("USDC").feed.latestRoundData();
  return (amount * answer * 10n ** 6n) / (10n ** BigInt(token.decimals) * usdc);
}

/**
 * Runs `victim` between a front-run that sells WETH into the WETH/USDC 0.05% pool down to `factor`
 * of the feed price and a back-run that buys it back to the feed price. Returns the attacker's
 * profit at oracle prices (USDC units) and whether the victim's call reverted.
 */
async function sandwich(
  market: LocalMarket,
  factor: number,
  victim: () => Promise<unknown>,
): Promise<{ profit: bigint; reverted: string | undefined }> {
  const pool = market.pool("WETH", "USDC", 500);
  const front = await market.movePoolPrice(pool, "WETH", (await market.feedPrice("WETH")) * factor);
  let reverted: string | undefined;
  try {
    await victim();
  } catch (error) {
    reverted = (error as Error).message;
  }
  const back = await market.alignPoolToFeeds(pool);
  // Front: WETH in, USDC out. Back: USDC in, WETH out.
  const profit =
    front.amountOut -
    back.amountIn +
    (await value(market, "WETH", back.amountOut)) -
    (await value(market, "WETH", front.amountIn));
  return { profit, reverted };
}

async function refreshFeeds(market: LocalMarket): Promise<void> {
  for (const symbol of BASKET) await market.setFeedPrice(symbol, await market.feedPrice(symbol));
}

/** The invested vault after WETH rose 10%: the next rebalance sells ~$45k of WETH into WETH/USDC. */
async function dueFixture(): Promise<VaultFixture> {
  const f = await investedAdminFixture();
  await time.increase(600);
  await f.market.setFeedPrice("WETH", (await f.market.feedPrice("WETH")) * 1.1);
  await f.market.alignAllPools();
  await refreshFeeds(f.market);
  return f;
}

/** The same, with the recommended breakers on over an hour of pool history. */
async function guardedFixture(): Promise<VaultFixture> {
  const f = await investedAdminFixture();
  await f.market.advanceTime(3_600);
  await refreshFeeds(f.market);
  await f.breakers.setBreakerParams(RECOMMENDED_BREAKERS);
  await f.market.setFeedPrice("WETH", (await f.market.feedPrice("WETH")) * 1.1);
  await f.market.alignAllPools();
  await f.market.advanceTime(1_800); // the pool's TWAP catches up with the move
  await refreshFeeds(f.market);
  return f;
}

describe("attacks", () => {
  describe("sandwiching rebalance()", () => {
    for (const pushBps of [100, 200, 500, 1_000, 2_500, 5_000]) {
      it(`a ${pushBps / 100}% push of the pool the vault sells into: the rebalance refuses, the attacker pays`, async () => {
        const { market, vault, rebalancer } = await loadFixture(dueFixture);
        const nav = await vault.totalAssets();
        const { profit, reverted } = await sandwich(market, 1 - pushBps / 10_000, async () =>
          (await rebalancer.rebalance()).wait(),
        );
        // The vault vets each leg before any trade: the pushed pool's spot price is beyond the
        // pool-gap bound (5 bps), and the leg is refused by name.
        expect(reverted).to.include("BallastLegUnfit");
        expect(profit).to.be.lessThan(0n); // fees and impact, paid both ways
        expect(await vault.totalAssets()).to.equal(nav); // nothing traded
      });
    }

    it("a push under the slippage bound but beyond the pool-gap bound (25 bps): refused too, the attacker pays", async () => {
      const { market, vault, rebalancer } = await loadFixture(dueFixture);
      const nav = await vault.totalAssets();
      const { profit, reverted } = await sandwich(market, 0.9975, async () => (await rebalancer.rebalance()).wait());
      expect(reverted).to.include("BallastLegUnfit");
      expect(profit).to.be.lessThan(0n);
      expect(await vault.totalAssets()).to.equal(nav);
    });

    it("a push within the pool-gap bound (3 bps): the vault loses at most the bound on what it trades, the attacker gains less", async () => {
      const { market, vault, rebalancer } = await loadFixture(dueFixture);
      const nav = await vault.totalAssets();
      let block = 0;
      const { profit, reverted } = await sandwich(market, 0.9997, async () => {
        block = (await (await rebalancer.rebalance()).wait())!.blockNumber;
      });
      expect(reverted).to.equal(undefined);
      const [event] = await vault.queryFilter(vault.filters.Rebalanced, block, block);
      const swaps = await vault.queryFilter(vault.filters.Swapped, block, block);
      const usdc = market.token("USDC").address;
      // Every leg's oracle value in base units: sells' proceeds and buys' spend.
      const traded = swaps.reduce((sum, e) => sum + (e.args.tokenIn === usdc ? e.args.amountIn : e.args.amountOut), 0n);
      const loss = nav - (await vault.totalAssets());
      expect(event.args.navBefore - event.args.navAfter).to.equal(loss);
      // Each leg is bounded by slippageBps (1%) of its value.
      expect(loss).to.be.lessThanOrEqual(traded / 100n);
      // Whatever the attacker made came out of the vault's loss, less what both paid the LPs.
      expect(profit).to.be.lessThan(loss);
    });

    it("with the breakers on, a push refuses the rebalance (nothing trades, nothing latches); held over the TWAP window it trips them", async () => {
      const { market, vault, breakers, rebalancer } = await loadFixture(guardedFixture);
      const pool = market.pool("WETH", "USDC", 500);
      const nav = await vault.totalAssets();
      await market.movePoolPrice(pool, "WETH", (await market.feedPrice("WETH")) * 0.95);
      // Spot far from the TWAP: this rebalance is refused; a push can be unwound, so nothing latches.
      const refused = rebalancer.rebalance();
      await expect(refused).to.emit(breakers, "TradingRefused");
      await expect(refused).to.not.emit(breakers, "BreakerTripped");
      expect(await vault.totalAssets()).to.equal(nav);
      // The status sees the push too: the breakers would refuse the rebalance, recording nothing.
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.BreakerTripped);
      // Held for the TWAP window (paying arbitrageurs all along), the pool's TWAP leaves the oracle.
      await market.advanceTime(1_800);
      await refreshFeeds(market);
      await expect(rebalancer.rebalance()).to.emit(breakers, "BreakerTripped");
      expect(await vault.totalAssets()).to.equal(nav);
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.BreakerTripped);
      // Exits stay open: in kind always.
      const [, alice] = await ethers.getSigners();
      await expect(vault.connect(alice).redeemInKind(10n ** 18n, alice.address, alice.address)).to.emit(
        vault,
        "RedeemedInKind",
      );
    });
  });

  describe("manipulating a pool around an entry or exit", () => {
    for (const [direction, factor] of [
      ["down", 0.5],
      ["up", 2],
    ] as const) {
      it(`a pool pushed ${direction} never mints a deposit more shares, nor moves the NAV (oracle-priced)`, async () => {
        const { market, vault } = await loadFixture(dueFixture);
        const [, , bob] = await ethers.getSigners();
        const amount = 100_000n * 10n ** 6n;
        const clean = await vault.previewDeposit(amount);
        const nav = await vault.totalAssets();
        await market.movePoolPrice(market.pool("WETH", "USDC", 500), "WETH", (await market.feedPrice("WETH")) * factor);
        await market.movePoolPrice(
          market.pool("WBTC", "WETH", 500),
          "WBTC",
          (await market.poolPrice(market.pool("WBTC", "WETH", 500), "WBTC")) / factor,
        );
        expect(await vault.totalAssets()).to.equal(nav);
        // Entries count each asset at the higher of its feed and its pools, and pay the flow cost
        // of the pools as they are: a push only ever costs the entrant.
        const pushed = await vault.previewDeposit(amount);
        expect(pushed).to.be.lessThanOrEqual(clean);
        if (direction === "up") expect(pushed).to.be.lessThan((clean * 9_000n) / 10_000n);
        await market.fund(bob.address, "USDC", amount);
        await market.token("USDC").contract.connect(bob).approve(vault, MaxUint256);
        await expect(vault.connect(bob).deposit(amount, bob.address))
          .to.emit(vault, "Deposit")
          .withArgs(bob.address, bob.address, amount, pushed);
        // The holders did not pay for the push: the NAV per share did not fall.
        const supply = await vault.totalSupply();
        expect(((await vault.totalAssets()) * 10n ** 18n) / supply).to.be.greaterThanOrEqual(
          (nav * 10n ** 18n) / (supply - pushed),
        );
      });
    }

    it("a redemption into a pushed pool is priced at the pushed price: the leaver bears it, the holders lose nothing, a shareless attacker pays", async () => {
      const { market, vault } = await loadFixture(dueFixture);
      const [, alice] = await ethers.getSigners();
      const shares = (await vault.balanceOf(alice)) / 2n;
      const clean = await vault.previewRedeem(shares);
      const usdc = market.token("USDC").contract;
      const before = await usdc.balanceOf(alice);
      const priceBefore = ((await vault.totalAssets()) * 10n ** 18n) / (await vault.totalSupply());
      let pushed = 0n;
      const { profit, reverted } = await sandwich(market, 0.9, async () => {
        pushed = await vault.previewRedeem(shares);
        await (await vault.connect(alice).redeem(shares, alice.address, alice.address)).wait();
      });
      expect(reverted).to.equal(undefined);
      const got = (await usdc.balanceOf(alice)) - before;
      // Exits count WETH (and WBTC, priced through the WETH pool) at the pool's 10% discount: the
      // preview says so before the call, and the redeem pays at least that. A leaver who wants the
      // oracle's price checks the preview (or a minimum through a router) or exits in kind.
      expect(pushed).to.be.lessThan((clean * 95n) / 100n);
      expect(got).to.be.greaterThanOrEqual(pushed);
      expect(got).to.be.lessThan(clean);
      // The holders who stay lose nothing (what the leaver left behind is theirs) and the attacker,
      // who holds no shares, pays the pools' fees both ways.
      const priceAfter = ((await vault.totalAssets()) * 10n ** 18n) / (await vault.totalSupply());
      expect(priceAfter).to.be.greaterThan(priceBefore);
      expect(profit).to.be.lessThan(0n);
      // The holder still has the in-kind exit, at no price at all.
      await expect(vault.connect(alice).redeemInKind(shares, alice.address, alice.address)).to.emit(
        vault,
        "RedeemedInKind",
      );
    });
  });

  describe("deposit just before, redeem just after a rebalance", () => {
    it("earns the attacker nothing in the base asset, and costs the other holders no more than their share of the rebalance's cost", async () => {
      const { market, vault, rebalancer } = await loadFixture(dueFixture);
      const [, alice, , mallory] = await ethers.getSigners();
      const aliceShares = await vault.balanceOf(alice);
      const aliceBefore = await vault.convertToAssets(aliceShares);
      const deposited = await depositUsdc(market, vault, mallory, 1_000_000);
      const receipt = await (await rebalancer.rebalance()).wait();
      const [rebalanced] = await vault.queryFilter(
        vault.filters.Rebalanced,
        receipt!.blockNumber,
        receipt!.blockNumber,
      );
      // The trades' fees and impact fall on every holder pro rata, the attacker included; how much
      // the rebalance trades depends on the fixture's volatility estimate, hence on its timing.
      const tradingCost = rebalanced.args.navBefore - rebalanced.args.navAfter;
      const aliceCostShare = (tradingCost * aliceShares) / (await vault.totalSupply()) + 1n;
      expect(aliceCostShare).to.be.lessThan(aliceBefore / 200n); // under 0.5%: a real rebalance, not a drain
      await market.alignAllPools();
      await time.increase(600);
      await refreshFeeds(market);
      const usdc = market.token("USDC").contract;
      const start = await usdc.balanceOf(mallory);
      await vault.connect(mallory).redeem(await vault.balanceOf(mallory), mallory.address, mallory.address);
      const got = (await usdc.balanceOf(mallory)) - start;
      expect(got).to.be.lessThan(deposited);
      // Nothing beyond that share: the attacker's entry and exit moved no value from Alice (a
      // thousandth of a basis point of slack for rounding).
      const aliceAfter = await vault.convertToAssets(aliceShares);
      expect(aliceAfter).to.be.at.least(aliceBefore - aliceCostShare - aliceBefore / 10_000_000n);
      expect(await vault.totalAssets()).to.equal(await oracleNav(market, vault));
    });
  });

  describe("griefing", () => {
    it("calling rebalance() over and over only costs the caller: a clean revert, no state change", async () => {
      const { market, policy, rebalancer } = await loadFixture(dueFixture);
      await rebalancer.rebalance();
      await market.alignAllPools();
      const last = await policy.lastRebalance(rebalancer);
      expect(last).to.be.greaterThan(0n);
      for (let i = 0; i < 3; i++) {
        await expect(rebalancer.rebalance()).to.be.revertedWithCustomError(rebalancer, "BallastRebalanceNotDue");
      }
      expect(await policy.lastRebalance(rebalancer)).to.equal(last);
    });

    it("calling a due rebalance over and over cannot steer the volatility estimate inside its observation interval", async () => {
      const { policy, rebalancer } = await loadFixture(dueFixture);
      // Capped below the drift (~230 bp), so that the rebalance stays due whatever the estimate.
      await policy.setVolatilityParams({
        referenceVolBps: 6_000,
        minBandBps: 100,
        maxBandBps: 200,
        averagingTime: 7 * 86_400,
        minObservationInterval: 3_600,
      });
      // A gate that skips every plan: each call observes and starts no cooldown, so it can be repeated
      // (as can one the breakers refuse). Only a due rebalance observes at all.
      await policy.setCostParams({ ...RECOMMENDED_COSTS, benefitPerBpWad: 0, gasTokenOracle: ZeroAddress });
      await expect(rebalancer.rebalance()).to.emit(rebalancer, "RebalanceSkipped");
      const [variances, updatedAt] = await policy.variances(rebalancer);
      expect(updatedAt).to.be.greaterThan(0n);
      for (let i = 0; i < 3; i++) await expect(rebalancer.rebalance()).to.emit(rebalancer, "RebalanceSkipped");
      expect(await policy.variances(rebalancer)).to.deep.equal([variances, updatedAt]);
    });

    it("a dust trade cannot trip the breakers: they compare oracles with time-weighted prices", async () => {
      const { market, vault, breakers, rebalancer } = await loadFixture(guardedFixture);
      const pool = market.pool("WETH", "USDC", 500);
      // A trade of a few dollars moves the spot by far less than a tick range: the due rebalance trades.
      await market.movePoolPrice(pool, "WETH", (await market.poolPrice(pool, "WETH")) * 0.99999);
      const tx = rebalancer.rebalance();
      await expect(tx).to.not.emit(breakers, "BreakerTripped");
      await expect(tx).to.not.emit(breakers, "TradingRefused");
      await expect(tx).to.emit(vault, "Rebalanced");
      expect((await breakers.breaker(rebalancer))[0]).to.equal(Trip.None);
    });
  });
});
