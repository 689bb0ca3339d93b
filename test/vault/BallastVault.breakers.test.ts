import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroAddress, ZeroHash } from "ethers";
import { ethers } from "hardhat";

import type { LocalMarket } from "../../src/market";
import { deployVault, encodeRoute } from "../../src/vault";
import { ChainlinkOracle__factory, MockAggregatorV3__factory } from "../../typechain-types";
import type { BallastPolicy, BallastRebalancer } from "../../typechain-types";
import type { IBallastPolicy } from "../../typechain-types/artifacts/contracts/BallastPolicy";
import { FOUR_ASSET_BASKET } from "../shared/fixtures";
import type { VaultFixture } from "../shared/fixtures";
import { Trip } from "../shared/security";
import { depositUsdc, rebalanceUntilSettled, Status } from "../shared/vault";
import { deployLocalMarket } from "../shared/market";

const HOUR = 3_600;

/** IBallastPolicy.Status.BreakerTripped (not in the shared Status map). */
const BREAKER_TRIPPED = 6n;

/** IBallastErrors.Parameter entries used here. */
const Parameter = { TwapWindow: 14, MaxMoveBps: 17 } as const;

/** Basket indices (FOUR_ASSET_BASKET order). */
const WETH_INDEX = 1n;

/** 30-minute TWAPs, 3% oracle/TWAP gap, 200 ticks spot/TWAP, 15% move per hour, 1-hour cooldown. */
const BREAKERS: IBallastPolicy.BreakerParamsStruct = {
  twapWindow: 1_800,
  maxOracleTwapDeviationBps: 300,
  maxSpotTwapTicks: 200,
  maxMoveBps: 1_500,
  moveWindow: HOUR,
  cooldown: HOUR,
  sequencerFeed: ZeroAddress,
  sequencerGracePeriod: 0,
  tripOnInvalidPrice: false,
};

/** Every basket feed reports its current answer again, in a round dated now (keeps them fresh). */
async function refreshFeeds(market: LocalMarket): Promise<void> {
  for (const { symbol } of FOUR_ASSET_BASKET) await market.setFeedPrice(symbol, await market.feedPrice(symbol));
}

/** An attacker pushes the WETH/USDC 0.05% pool (WETH's first pool) `factor` away from its price. */
async function pushWethPool(market: LocalMarket, factor: number): Promise<void> {
  const pool = market.pool("WETH", "USDC", 500);
  await market.movePoolPrice(pool, "WETH", (await market.poolPrice(pool, "WETH")) * factor);
}

async function breakerOf(policy: BallastPolicy, rebalancer: BallastRebalancer): Promise<[bigint, bigint, bigint]> {
  const [reason, index, trippedAt] = await policy.breaker(rebalancer);
  return [reason, index, trippedAt];
}

/**
 * The four-asset vault with the deployer as direct admin, $1M deposited and invested, an hour of
 * pool history behind it, the breakers on (BREAKERS) and one poke to set the move anchors.
 */
async function breakersFixture(): Promise<VaultFixture> {
  const market = await deployLocalMarket();
  const [deployer, alice] = await ethers.getSigners();
  const deployed = await deployVault(market, {
    basket: FOUR_ASSET_BASKET,
    governance: { admin: deployer.address },
  });
  await depositUsdc(market, deployed.vault, alice, 1_000_000);
  await rebalanceUntilSettled(market, deployed.vault);
  await market.advanceTime(HOUR);
  await deployed.policy.setBreakerParams(BREAKERS);
  await deployed.rebalancer.poke();
  return { market, ...deployed };
}

describe("BallastVault circuit breakers", () => {
  it("stays untripped on healthy markets", async () => {
    const { rebalancer, policy } = await loadFixture(breakersFixture);
    await expect(rebalancer.poke()).to.not.emit(policy, "BreakerTripped");
    expect(await breakerOf(policy, rebalancer)).to.deep.equal([0n, 0n, 0n]);
    const [status] = await rebalancer.rebalanceStatus();
    expect(status).to.equal(Status.NotDue);
  });

  it("refuses, without tripping, while a pool is pushed away from its TWAP (spot vs TWAP); exits stay open", async () => {
    const { vault, rebalancer, policy, market } = await loadFixture(breakersFixture);
    const [, alice] = await ethers.getSigners();
    await pushWethPool(market, 1.05);

    // A spot price can be pushed and unwound within one transaction: it refuses, it never latches.
    const poke = rebalancer.poke();
    await expect(poke)
      .to.emit(policy, "TradingRefused")
      .withArgs(await rebalancer.getAddress(), Trip.SpotTwapDivergence, WETH_INDEX);
    await expect(poke).to.not.emit(policy, "BreakerTripped");
    expect(await breakerOf(policy, rebalancer)).to.deep.equal([0n, 0n, 0n]);
    const [status] = await rebalancer.rebalanceStatus();
    expect(status).to.equal(Status.NotDue);

    // Exits stay open: in kind always, and in USDC from the buffer while the oracles are valid.
    const shares = (await vault.balanceOf(alice)) / 10n;
    await expect(vault.connect(alice).redeemInKind(shares, alice.address, alice.address)).to.emit(
      vault,
      "RedeemedInKind",
    );
    const usdc = market.token("USDC").contract;
    const before = await usdc.balanceOf(alice);
    const amount = 1_000n * 10n ** 6n;
    await vault.connect(alice).withdraw(amount, alice.address, alice.address);
    expect((await usdc.balanceOf(alice)) - before).to.equal(amount);
  });

  it("a due rebalance into a pushed pool trades nothing and records nothing; once the push is gone it runs", async () => {
    const { vault, rebalancer, policy, market } = await loadFixture(breakersFixture);
    // WETH +10%, the pools caught up and their TWAPs too: a rebalance is due.
    await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
    await market.alignAllPools();
    await market.advanceTime(31 * 60);
    await refreshFeeds(market);
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);

    await pushWethPool(market, 1.05);
    const balances = await Promise.all(
      FOUR_ASSET_BASKET.map(({ symbol }) => market.token(symbol).contract.balanceOf(vault)),
    );
    expect(await rebalancer.rebalance.staticCall()).to.equal(0n);
    const tx = rebalancer.rebalance();
    await expect(tx)
      .to.emit(policy, "TradingRefused")
      .withArgs(await rebalancer.getAddress(), Trip.SpotTwapDivergence, WETH_INDEX);
    await expect(tx).to.not.emit(policy, "BreakerTripped");
    await expect(tx).to.not.emit(vault, "Swapped");
    await expect(tx).to.not.emit(policy, "RebalanceRecorded");
    for (const [i, { symbol }] of FOUR_ASSET_BASKET.entries()) {
      expect(await market.token(symbol).contract.balanceOf(vault)).to.equal(balances[i]);
    }
    // The status runs no breaker check (refusing is the rebalance's call): the plan's legs would fit,
    // since none crosses the pushed pool against the vault (WETH goes to WBTC along the shortcut,
    // and what is left of it into USDC, which the push favours).
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);

    // The push unwound (arbitrage): the same rebalance goes through.
    await market.alignAllPools();
    await expect(rebalancer.rebalance()).to.emit(vault, "Rebalanced");
  });

  it("trips when the oracle leaves the pool's TWAP, and resets itself once healthy past the cooldown", async () => {
    const { vault, rebalancer, policy, market } = await loadFixture(breakersFixture);
    await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
    await market.advanceTime(31 * 60);

    await expect(rebalancer.poke())
      .to.emit(policy, "BreakerTripped")
      .withArgs(await rebalancer.getAddress(), Trip.OracleTwapDivergence, WETH_INDEX);
    const [status] = await rebalancer.rebalanceStatus();
    expect(status).to.equal(BREAKER_TRIPPED);

    // Arbitrage catches the pools up; still tripped within the cooldown.
    await market.alignAllPools();
    await expect(rebalancer.poke()).to.not.emit(policy, "BreakerReset");
    expect((await breakerOf(policy, rebalancer))[0]).to.equal(Trip.OracleTwapDivergence);

    // A full TWAP window and the cooldown later, the first healthy check resets it.
    await market.advanceTime(BREAKERS.cooldown as number);
    await refreshFeeds(market);
    await expect(rebalancer.poke())
      .to.emit(policy, "BreakerReset")
      .withArgs(await rebalancer.getAddress(), false);
    expect(await breakerOf(policy, rebalancer)).to.deep.equal([0n, 0n, 0n]);

    // WETH +10% drifted the basket past the trigger band: the rebalance runs again.
    const [after] = await rebalancer.rebalanceStatus();
    expect(after).to.equal(Status.Due);
    await expect(rebalancer.rebalance()).to.emit(vault, "Rebalanced");
  });

  it("lets a trip lapse after its cooldown with no poke: past it a rebalance refuses while the oracle still leaves the TWAP (no new cooldown), and trades once healthy", async () => {
    const { vault, rebalancer, policy, market } = await loadFixture(breakersFixture);
    const address = await rebalancer.getAddress();
    await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
    await market.advanceTime(31 * 60);
    await refreshFeeds(market);
    // Someone's rebalance finds the oracle off the pool's TWAP: tripped, no trade.
    await expect(rebalancer.rebalance())
      .to.emit(policy, "BreakerTripped")
      .withArgs(address, Trip.OracleTwapDivergence, WETH_INDEX);
    const tripped = await breakerOf(policy, rebalancer);
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(BREAKER_TRIPPED);
    await expect(rebalancer.rebalance()).to.be.revertedWithCustomError(rebalancer, "BallastRebalanceNotDue");

    // Past the cooldown, pools still behind the feed: the status no longer reports the trip, and a
    // rebalance is refused by its own check, without trading and without a new cooldown (a skew
    // timed at each lapse buys nothing more than that call's refusal).
    await market.advanceTime(BREAKERS.cooldown as number);
    await refreshFeeds(market);
    // (The pools behind the feed make the plan's legs unfit: the status says so, not the trip.)
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.LegUnfit);
    const refused = rebalancer.rebalance();
    await expect(refused).to.not.emit(policy, "BreakerTripped");
    await expect(refused).to.not.emit(vault, "Swapped");
    await expect(refused).to.not.emit(policy, "RebalanceRecorded");
    expect(await breakerOf(policy, rebalancer)).to.deep.equal(tripped);

    // Arbitrage catches the pools up and the TWAP follows: the next rebalance resets the breaker and trades.
    await market.alignAllPools();
    await market.advanceTime(31 * 60);
    await refreshFeeds(market);
    const resumed = rebalancer.rebalance();
    await expect(resumed).to.emit(policy, "BreakerReset").withArgs(address, false);
    await expect(resumed).to.emit(vault, "Rebalanced");
    expect(await breakerOf(policy, rebalancer)).to.deep.equal([0n, 0n, 0n]);
  });

  it("trips on a dislocation: a move beyond maxMoveBps within the move window, pools agreeing", async () => {
    const { rebalancer, policy, market } = await loadFixture(breakersFixture);
    await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 0.8);
    await market.alignAllPools();
    // The TWAPs catch up (35 min > 30-min window), still inside the 1-hour move window.
    await market.advanceTime(35 * 60);

    await expect(rebalancer.poke())
      .to.emit(policy, "BreakerTripped")
      .withArgs(await rebalancer.getAddress(), Trip.Dislocation, WETH_INDEX);
    const [reason, index] = await breakerOf(policy, rebalancer);
    expect([reason, index]).to.deep.equal([Trip.Dislocation, WETH_INDEX]);
    const [status] = await rebalancer.rebalanceStatus();
    expect(status).to.equal(BREAKER_TRIPPED);
  });

  describe("the move window slides (each oracle's own round history)", () => {
    /** The review's bounds: 20% within an hour; pool checks off, so that only moves are judged. */
    const MOVES_ONLY = { ...BREAKERS, twapWindow: 0, maxMoveBps: 2_000, moveWindow: HOUR };

    it("a slow rise (+0.33% an hour for 72 hours, nobody checking) does not trip: no hour moved 20%", async () => {
      const { rebalancer, policy, market } = await loadFixture(breakersFixture);
      await policy.setBreakerParams(MOVES_ONLY);
      await rebalancer.poke();
      const start = await market.feedPrice("WETH");
      for (let hour = 0; hour < 72; hour++) {
        await market.advanceTime(HOUR);
        await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.0033);
        if (hour % 12 === 0) await refreshFeeds(market);
      }
      await refreshFeeds(market);
      // +26.7% in all: measured from a 72-hour-old anchor (before the fix), it tripped.
      expect((await market.feedPrice("WETH")) / start).to.be.greaterThan(1.26);
      await expect(rebalancer.poke()).to.not.emit(policy, "BreakerTripped");
      expect(await breakerOf(policy, rebalancer)).to.deep.equal([0n, 0n, 0n]);
    });

    it("a fast fall (-34.4% within two minutes) split by a check halfway trips: measured from the price an hour before", async () => {
      const { rebalancer, policy, market } = await loadFixture(breakersFixture);
      await policy.setBreakerParams(MOVES_ONLY);
      await rebalancer.poke(); // before the fix: the anchors, an hour before the check that moved them
      await market.advanceTime(HOUR - 60);
      await refreshFeeds(market);
      await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 0.82);
      await market.advanceTime(60);
      // -18% within the hour: under the bound.
      await expect(rebalancer.poke()).to.not.emit(policy, "BreakerTripped");
      await market.advanceTime(60);
      await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 0.8);
      // -20% since that check, -34.4% within the hour: trips.
      await expect(rebalancer.poke())
        .to.emit(policy, "BreakerTripped")
        .withArgs(await rebalancer.getAddress(), Trip.Dislocation, WETH_INDEX);
    });

    it("leaves out an asset whose oracle keeps no history that reaches back, and every asset when the base's does not", async () => {
      const { vault, rebalancer, policy, market, oracles } = await loadFixture(breakersFixture);
      await policy.setBreakerParams(MOVES_ONLY);
      const [deployer] = await ethers.getSigners();
      /** An oracle over a feed whose first round is now: no history before the window began. */
      const freshOracle = async (symbol: string) => {
        const feed = await new MockAggregatorV3__factory(deployer).deploy(
          8,
          `${symbol} / USD`,
          BigInt(Math.round((await market.feedPrice(symbol)) * 0.6 * 1e8)),
        );
        return new ChainlinkOracle__factory(deployer).deploy(feed, 86_400, 50, ZeroAddress, 0);
      };
      // WETH -40% by a new feed: its move cannot be measured, so it cannot trip.
      await vault.setOracle(market.token("WETH").address, await freshOracle("WETH"));
      await expect(rebalancer.poke()).to.not.emit(policy, "BreakerTripped");

      // The base's oracle without history: no move can be measured against it.
      const usdc = market.token("USDC").address;
      await vault.setOracle(usdc, await freshOracle("USDC"));
      await market.setFeedPrice("WBTC", (await market.feedPrice("WBTC")) * 0.7);
      await expect(rebalancer.poke()).to.not.emit(policy, "BreakerTripped");

      // The base's own oracle back: WBTC -30% within the hour trips.
      await vault.setOracle(usdc, oracles[0]);
      await expect(rebalancer.poke())
        .to.emit(policy, "BreakerTripped")
        .withArgs(await rebalancer.getAddress(), Trip.Dislocation, 2n);
    });
  });

  it("a rebalance that trips the breaker returns without trading and keeps the trip recorded", async () => {
    const { vault, rebalancer, policy, market } = await loadFixture(breakersFixture);
    // WETH +10% (due) and the pool pushed there just now: the oracle far from the pool's TWAP.
    await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
    await market.alignAllPools();
    const [status] = await rebalancer.rebalanceStatus();
    expect(status).to.equal(Status.Due);

    const balances = await Promise.all(
      FOUR_ASSET_BASKET.map(({ symbol }) => market.token(symbol).contract.balanceOf(vault)),
    );
    expect(await rebalancer.rebalance.staticCall()).to.equal(0n);
    const tx = rebalancer.rebalance();
    await expect(tx).to.not.be.reverted;
    await expect(tx)
      .to.emit(policy, "BreakerTripped")
      .withArgs(await rebalancer.getAddress(), Trip.OracleTwapDivergence, WETH_INDEX);
    await expect(tx).to.not.emit(vault, "Swapped");
    await expect(tx).to.not.emit(vault, "Rebalanced");
    await expect(tx).to.not.emit(policy, "RebalanceRecorded");

    expect((await breakerOf(policy, rebalancer))[0]).to.equal(Trip.OracleTwapDivergence);
    for (const [i, { symbol }] of FOUR_ASSET_BASKET.entries()) {
      expect(await market.token(symbol).contract.balanceOf(vault)).to.equal(balances[i]);
    }
    const [after] = await rebalancer.rebalanceStatus();
    expect(after).to.equal(BREAKER_TRIPPED);
  });

  it("trips with TwapUnavailable when a pool younger than the TWAP window cannot answer for it", async () => {
    const { rebalancer, policy } = await loadFixture(breakersFixture);
    // A day-long window: the pools are only hours old (their observations never wrapped).
    await policy.setBreakerParams({ ...BREAKERS, twapWindow: 24 * HOUR });
    await expect(rebalancer.poke())
      .to.emit(policy, "BreakerTripped")
      .withArgs(await rebalancer.getAddress(), Trip.TwapUnavailable, WETH_INDEX);
    const [after] = await rebalancer.rebalanceStatus();
    expect(after).to.equal(BREAKER_TRIPPED);
  });

  it("governance resets a tripped breaker; strangers cannot, and an untripped one cannot be reset", async () => {
    const { rebalancer, policy, market } = await loadFixture(breakersFixture);
    const [, , stranger] = await ethers.getSigners();
    const rebalancerAddress = await rebalancer.getAddress();

    await expect(policy.resetBreaker(rebalancer))
      .to.be.revertedWithCustomError(policy, "BallastBreakerNotTripped")
      .withArgs(rebalancerAddress);

    await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
    await rebalancer.poke();
    expect((await breakerOf(policy, rebalancer))[0]).to.equal(Trip.OracleTwapDivergence);

    await expect(policy.connect(stranger).resetBreaker(rebalancer))
      .to.be.revertedWithCustomError(policy, "AccessControlUnauthorizedAccount")
      .withArgs(stranger.address, ZeroHash);

    await expect(policy.resetBreaker(rebalancer)).to.emit(policy, "BreakerReset").withArgs(rebalancerAddress, true);
    expect(await breakerOf(policy, rebalancer)).to.deep.equal([0n, 0n, 0n]);
    await expect(policy.resetBreaker(rebalancer))
      .to.be.revertedWithCustomError(policy, "BallastBreakerNotTripped")
      .withArgs(rebalancerAddress);
  });

  it("trips while the L2 sequencer is down and through its grace period, then resets", async () => {
    const { rebalancer, policy, market } = await loadFixture(breakersFixture);
    const [deployer] = await ethers.getSigners();
    const sequencer = await new MockAggregatorV3__factory(deployer).deploy(0, "Sequencer Uptime", 0);
    // Up for two hours already: past its grace period.
    const upSince = (await time.latest()) - 2 * HOUR;
    await sequencer.setRound(0, upSince, upSince);
    await policy.setBreakerParams({
      ...BREAKERS,
      sequencerFeed: await sequencer.getAddress(),
      sequencerGracePeriod: HOUR,
    });
    await expect(rebalancer.poke()).to.not.emit(policy, "BreakerTripped");

    await sequencer.setAnswer(1);
    await expect(rebalancer.poke())
      .to.emit(policy, "BreakerTripped")
      .withArgs(await rebalancer.getAddress(), Trip.SequencerDown, 0n);

    // Back up now: still within the grace period.
    const now = await time.latest();
    await sequencer.setRound(0, now, now);
    const poke = rebalancer.poke();
    await expect(poke).to.not.emit(policy, "BreakerReset");
    await expect(poke).to.not.emit(policy, "BreakerTripped");
    expect((await breakerOf(policy, rebalancer))[0]).to.equal(Trip.SequencerDown);
    const [status] = await rebalancer.rebalanceStatus();
    expect(status).to.equal(BREAKER_TRIPPED);

    // Past the grace period and the cooldown.
    await market.advanceTime(HOUR + 1);
    await refreshFeeds(market);
    await expect(rebalancer.poke())
      .to.emit(policy, "BreakerReset")
      .withArgs(await rebalancer.getAddress(), false);
    expect(await breakerOf(policy, rebalancer)).to.deep.equal([0n, 0n, 0n]);
  });

  it("leaves a failing oracle to PriceUnavailable alone while tripOnInvalidPrice is off", async () => {
    const { rebalancer, policy, market } = await loadFixture(breakersFixture);
    const price = await market.feedPrice("LINK");
    await market.token("LINK").feed.connect(market.deployer).setAnswer(0);
    await expect(rebalancer.poke()).to.not.emit(policy, "BreakerTripped");
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.PriceUnavailable);
    await market.setFeedPrice("LINK", price);
    expect(await breakerOf(policy, rebalancer)).to.deep.equal([0n, 0n, 0n]);
  });

  it("trips on a failing oracle when told to, and resumes only a cooldown after prices are valid", async () => {
    const { rebalancer, policy, market } = await loadFixture(breakersFixture);
    await policy.setBreakerParams({ ...BREAKERS, tripOnInvalidPrice: true });
    const link = market.token("LINK");
    const price = await market.feedPrice("LINK");
    await link.feed.connect(market.deployer).setAnswer(-1);
    await expect(rebalancer.poke())
      .to.emit(policy, "BreakerTripped")
      .withArgs(await rebalancer.getAddress(), Trip.InvalidPrice, 3n);
    const [, , trippedAt] = await breakerOf(policy, rebalancer);
    // Still failing: the trip stays as it was recorded.
    await expect(rebalancer.poke()).to.not.emit(policy, "BreakerTripped");
    expect((await breakerOf(policy, rebalancer))[2]).to.equal(trippedAt);

    // The feed answers again: valid prices, but the breaker holds until its cooldown has passed.
    await market.setFeedPrice("LINK", price);
    await expect(rebalancer.poke()).to.not.emit(policy, "BreakerReset");
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(BREAKER_TRIPPED);
    await market.advanceTime(HOUR);
    await refreshFeeds(market);
    await expect(rebalancer.poke())
      .to.emit(policy, "BreakerReset")
      .withArgs(await rebalancer.getAddress(), false);
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.NotDue);
  });

  it("names the base asset when its own oracle fails", async () => {
    const { rebalancer, policy, market } = await loadFixture(breakersFixture);
    await policy.setBreakerParams({ ...BREAKERS, tripOnInvalidPrice: true });
    await market.advanceTime(2 * 86_400); // every feed is stale now
    await expect(rebalancer.poke())
      .to.emit(policy, "BreakerTripped")
      .withArgs(await rebalancer.getAddress(), Trip.InvalidPrice, 0n);
  });

  it("lets only the calling rebalancer's own record be tripped or reset", async () => {
    const { rebalancer, policy } = await loadFixture(breakersFixture);
    const [, stranger] = await ethers.getSigners();
    await policy.setBreakerParams({ ...BREAKERS, tripOnInvalidPrice: true });
    await expect(policy.connect(stranger).reportInvalidPrice(1))
      .to.emit(policy, "BreakerTripped")
      .withArgs(stranger.address, Trip.InvalidPrice, 1n);
    await expect(policy.connect(stranger).resetObservations())
      .to.emit(policy, "ObservationsReset")
      .withArgs(stranger.address);
    expect(await breakerOf(policy, rebalancer)).to.deep.equal([0n, 0n, 0n]);
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.NotDue);
  });

  describe("checkBreakers called directly", () => {
    it("judges only the caller: an account listing no oracles has no move measured, and an oracle value of 0 is a divergence", async () => {
      const { policy, market } = await loadFixture(breakersFixture);
      const [, , stranger] = await ethers.getSigners();
      const WAD = 10n ** 18n;
      // A 90% fall by the caller's own prices: with no oracle history to read, no move is measured.
      const prices = [WAD, 300n * WAD];
      expect(await policy.connect(stranger).checkBreakers.staticCall(prices, [])).to.equal(false);
      // A pool whose asset the caller values at nothing: no ratio to divide by, a divergence.
      const pool = market.pool("WETH", "USDC", 500);
      const check = { pool: pool.address, assetIsToken0: true, amount: 10n ** 36n, fairQuote: 0n };
      await expect(policy.connect(stranger).checkBreakers(prices, [check, check]))
        .to.emit(policy, "BreakerTripped")
        .withArgs(stranger.address, Trip.OracleTwapDivergence, 0n);
    });
  });

  describe("minObservations: pools the breakers watch must hold the TWAP window", () => {
    it("is set by governance only, bounded by its type, and refused unchanged", async () => {
      const { policy } = await loadFixture(breakersFixture);
      const [, , stranger] = await ethers.getSigners();
      expect(await policy.minObservations()).to.equal(0n);
      await expect(policy.connect(stranger).setMinObservations(300))
        .to.be.revertedWithCustomError(policy, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, ZeroHash);
      await expect(policy.setMinObservations(300)).to.emit(policy, "MinObservationsSet").withArgs(0n, 300n);
      expect(await policy.minObservations()).to.equal(300n);
      await expect(policy.setMinObservations(300)).to.be.revertedWithCustomError(policy, "BallastParameterUnchanged");
      await expect(policy.setMinObservations(65_535)).to.emit(policy, "MinObservationsSet").withArgs(300n, 65_535n);
    });

    it("addAsset and setRoutes refuse a watched pool that cannot hold them, until anyone raises it", async () => {
      const { vault, policy, market } = await loadFixture(breakersFixture);
      const [deployer] = await ethers.getSigners();
      // The local market's pools hold 720 observations.
      await policy.setMinObservations(721);
      const raise = async (pool: string) =>
        (await ethers.getContractAt("IUniswapV3Pool", pool)).increaseObservationCardinalityNext(721);

      // UNI through UNI/USDC 0.3%: the breakers would watch it, and every pool they watch already.
      const uni = market.token("UNI");
      const oracle = await new ChainlinkOracle__factory(deployer).deploy(uni.feed, 86_400, 50, ZeroAddress, 0);
      const config = {
        token: uni.address,
        oracle: await oracle.getAddress(),
        targetWeightBps: 0,
        sellRoute: encodeRoute(market, ["UNI", 3000, "USDC"]),
        buyRoute: encodeRoute(market, ["USDC", 3000, "UNI"]),
      };
      const wethPool = market.pool("WETH", "USDC", 500).address;
      await expect(vault.addAsset(config))
        .to.be.revertedWithCustomError(policy, "BallastPoolObservations")
        .withArgs(wethPool, 720n, 721n);
      for (const [a, b, fee] of [
        ["WETH", "USDC", 500],
        ["WBTC", "WETH", 500],
        ["LINK", "USDC", 3000],
      ] as const) {
        await raise(market.pool(a, b, fee).address);
      }
      const uniPool = market.pool("UNI", "USDC", 3000).address;
      await expect(vault.addAsset(config))
        .to.be.revertedWithCustomError(policy, "BallastPoolObservations")
        .withArgs(uniPool, 720n, 721n);
      await raise(uniPool);
      await expect(vault.addAsset(config)).to.emit(vault, "AssetListed");

      // WETH through the 0.3% pool instead: watched from then on, so it must hold them too.
      const weth = market.token("WETH").address;
      const sell = encodeRoute(market, ["WETH", 3000, "USDC"]);
      const buy = encodeRoute(market, ["USDC", 3000, "WETH"]);
      const pool = market.pool("WETH", "USDC", 3000).address;
      await expect(vault.setRoutes(weth, sell, buy))
        .to.be.revertedWithCustomError(policy, "BallastPoolObservations")
        .withArgs(pool, 720n, 721n);
      await raise(pool);
      await expect(vault.setRoutes(weth, sell, buy)).to.emit(vault, "RoutesSet");
    });
  });

  describe("setBreakerParams", () => {
    it("rejects a TWAP window below 5 minutes (0 turns the pool checks off)", async () => {
      const { policy } = await loadFixture(breakersFixture);
      for (const twapWindow of [1, 299]) {
        await expect(policy.setBreakerParams({ ...BREAKERS, twapWindow }))
          .to.be.revertedWithCustomError(policy, "BallastParameterOutOfRange")
          .withArgs(Parameter.TwapWindow, twapWindow, 300, 86_400);
      }
      await expect(policy.setBreakerParams({ ...BREAKERS, twapWindow: 86_401 }))
        .to.be.revertedWithCustomError(policy, "BallastParameterOutOfRange")
        .withArgs(Parameter.TwapWindow, 86_401, 300, 86_400);
      await expect(policy.setBreakerParams({ ...BREAKERS, twapWindow: 0 })).to.emit(policy, "BreakerParamsSet");
    });

    it("rejects maxMoveBps above 50%", async () => {
      const { policy } = await loadFixture(breakersFixture);
      await expect(policy.setBreakerParams({ ...BREAKERS, maxMoveBps: 5_001 }))
        .to.be.revertedWithCustomError(policy, "BallastParameterOutOfRange")
        .withArgs(Parameter.MaxMoveBps, 5_001, 0, 5_000);
    });

    it("rejects unchanged parameters and non-admins, and emits BreakerParamsSet on change", async () => {
      const { policy } = await loadFixture(breakersFixture);
      const [, , stranger] = await ethers.getSigners();
      await expect(policy.setBreakerParams(BREAKERS)).to.be.revertedWithCustomError(
        policy,
        "BallastParameterUnchanged",
      );
      const next = { ...BREAKERS, maxSpotTwapTicks: 300 };
      await expect(policy.connect(stranger).setBreakerParams(next))
        .to.be.revertedWithCustomError(policy, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, ZeroHash);

      await expect(policy.setBreakerParams(next)).to.emit(policy, "BreakerParamsSet");
      const params = await policy.breakerParams();
      expect(params.maxSpotTwapTicks).to.equal(300n);
      expect(params.twapWindow).to.equal(1_800n);
      expect(params.cooldown).to.equal(BigInt(HOUR));
    });
  });
});
