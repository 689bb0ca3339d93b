import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroAddress, ZeroHash } from "ethers";
import { ethers } from "hardhat";

import { encodeRoute } from "../../src/vault";
import { ChainlinkOracle__factory, MockAggregatorV3__factory } from "../../typechain-types";
import {
  BREAKERS,
  breakerOf,
  breakersFixture,
  HOUR,
  poolChecksOf,
  pushWethPool,
  refreshBasketFeeds as refreshFeeds,
  WETH_INDEX,
} from "../shared/breakers";
import { FOUR_ASSET_BASKET } from "../shared/fixtures";
import { Trip } from "../shared/security";
import { Status } from "../shared/vault";

/**
 * The breakers as the vault's rebalancer runs them (BallastBreakers' own bounds and calls:
 * test/BallastBreakers*.test.ts): what trips, what only refuses, what the status says, and that
 * exits stay open.
 */
describe("BallastVault circuit breakers", () => {
  it("stays untripped on healthy markets: the check finds nothing, and a due rebalance trades", async () => {
    const { vault, rebalancer, breakers, market } = await loadFixture(breakersFixture);
    const prices = [...(await vault.basketState()).prices];
    expect(await breakers.refusal(rebalancer, prices, await poolChecksOf(market, vault))).to.deep.equal([
      Trip.None,
      0n,
      false,
    ]);
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.NotDue);

    // WETH +10%, the pools caught up and their TWAPs too: the rebalance's own check passes.
    await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
    await market.alignAllPools();
    await market.advanceTime(31 * 60);
    await refreshFeeds(market);
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
    const tx = rebalancer.rebalance();
    await expect(tx).to.emit(vault, "Rebalanced");
    await expect(tx).to.not.emit(breakers, "BreakerTripped");
    await expect(tx).to.not.emit(breakers, "TradingRefused");
    expect(await breakerOf(breakers, rebalancer)).to.deep.equal([0n, 0n, 0n]);
  });

  it("refuses, without tripping, while a pool is pushed away from its TWAP (spot vs TWAP); exits stay open", async () => {
    const { vault, rebalancer, breakers, market } = await loadFixture(breakersFixture);
    const [, alice] = await ethers.getSigners();
    await pushWethPool(market, 1.05);

    // A spot price can be pushed and unwound within one transaction: it refuses, it never latches
    // (a rebalance into it: the next test).
    const prices = [...(await vault.basketState()).prices];
    expect(await breakers.refusal(rebalancer, prices, await poolChecksOf(market, vault))).to.deep.equal([
      Trip.SpotTwapDivergence,
      WETH_INDEX,
      false,
    ]);
    expect(await breakerOf(breakers, rebalancer)).to.deep.equal([0n, 0n, 0n]);
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

  it("a due rebalance into a pushed pool trades nothing and records nothing, and the status says so; once the push is gone it runs", async () => {
    const { vault, rebalancer, policy, breakers, market } = await loadFixture(breakersFixture);
    // WETH +10%, the pools caught up and their TWAPs too: a rebalance is due.
    await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
    await market.alignAllPools();
    await market.advanceTime(31 * 60);
    await refreshFeeds(market);
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);

    await pushWethPool(market, 1.05);
    // The status agrees with the breakers: a due rebalance they would refuse is not due for a keeper.
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.BreakerTripped);
    expect((await rebalancer.checkUpkeep("0x"))[0]).to.equal(false);
    const balances = await Promise.all(
      FOUR_ASSET_BASKET.map(({ symbol }) => market.token(symbol).contract.balanceOf(vault)),
    );
    expect(await rebalancer.rebalance.staticCall()).to.equal(0n);
    const tx = rebalancer.rebalance();
    await expect(tx)
      .to.emit(breakers, "TradingRefused")
      .withArgs(await rebalancer.getAddress(), Trip.SpotTwapDivergence, WETH_INDEX);
    await expect(tx).to.not.emit(breakers, "BreakerTripped");
    await expect(tx).to.not.emit(vault, "Swapped");
    await expect(tx).to.not.emit(policy, "RebalanceRecorded");
    for (const [i, { symbol }] of FOUR_ASSET_BASKET.entries()) {
      expect(await market.token(symbol).contract.balanceOf(vault)).to.equal(balances[i]);
    }
    // Nothing was recorded: the status still says what the breakers see now.
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.BreakerTripped);

    // The push unwound (arbitrage): the same rebalance goes through.
    await market.alignAllPools();
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
    await expect(rebalancer.rebalance()).to.emit(vault, "Rebalanced");
  });

  it("trips when the oracle leaves the pool's TWAP, and resets itself once healthy past the cooldown", async () => {
    const { vault, rebalancer, breakers, market } = await loadFixture(breakersFixture);
    // WETH +10% drifts the basket past the trigger band: the due rebalance checks, and trips.
    await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
    await market.advanceTime(31 * 60);
    await refreshFeeds(market);

    await expect(rebalancer.rebalance())
      .to.emit(breakers, "BreakerTripped")
      .withArgs(await rebalancer.getAddress(), Trip.OracleTwapDivergence, WETH_INDEX);
    const [status] = await rebalancer.rebalanceStatus();
    expect(status).to.equal(Status.BreakerTripped);

    // Arbitrage catches the pools up; still tripped within the cooldown: no rebalance.
    await market.alignAllPools();
    await expect(rebalancer.rebalance()).to.be.revertedWithCustomError(rebalancer, "BallastRebalanceNotDue");
    expect((await breakerOf(breakers, rebalancer))[0]).to.equal(Trip.OracleTwapDivergence);

    // A full TWAP window and the cooldown later, the first healthy check (the rebalance) resets it
    // and trades.
    await market.advanceTime(BREAKERS.cooldown as number);
    await refreshFeeds(market);
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
    const tx = rebalancer.rebalance();
    await expect(tx)
      .to.emit(breakers, "BreakerReset")
      .withArgs(await rebalancer.getAddress(), false);
    await expect(tx).to.emit(vault, "Rebalanced");
    expect(await breakerOf(breakers, rebalancer)).to.deep.equal([0n, 0n, 0n]);
  });

  it("lets a trip lapse after its cooldown by itself: past it the status says BreakerTripped and a rebalance refuses while the oracle still leaves the TWAP (no new cooldown), and trades once healthy", async () => {
    const { vault, rebalancer, policy, breakers, market } = await loadFixture(breakersFixture);
    const address = await rebalancer.getAddress();
    await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
    await market.advanceTime(31 * 60);
    await refreshFeeds(market);
    // A latching condition nobody recorded yet: the status says Due, as the rebalance that records
    // it is the call to make, and checkUpkeep agrees.
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
    expect((await rebalancer.checkUpkeep("0x"))[0]).to.equal(true);
    // That rebalance finds the oracle off the pool's TWAP: tripped, no trade.
    await expect(rebalancer.rebalance())
      .to.emit(breakers, "BreakerTripped")
      .withArgs(address, Trip.OracleTwapDivergence, WETH_INDEX);
    const tripped = await breakerOf(breakers, rebalancer);
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.BreakerTripped);
    await expect(rebalancer.rebalance()).to.be.revertedWithCustomError(rebalancer, "BallastRebalanceNotDue");

    // Past the cooldown, pools still behind the feed: the trip no longer holds, but the status says
    // what a rebalance would meet (the breakers' refusal, not a due rebalance: no keeper wastes gas
    // on it), and checkUpkeep says no upkeep. A rebalance sent anyway is refused by its own check,
    // without trading and without a new cooldown (a skew timed at each lapse buys nothing more).
    await market.advanceTime(BREAKERS.cooldown as number);
    await refreshFeeds(market);
    expect(await breakers.holds(rebalancer)).to.equal(false);
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.BreakerTripped);
    expect((await rebalancer.checkUpkeep("0x"))[0]).to.equal(false);
    const refused = rebalancer.rebalance();
    await expect(refused).to.not.emit(breakers, "BreakerTripped");
    await expect(refused).to.not.emit(vault, "Swapped");
    await expect(refused).to.not.emit(policy, "RebalanceRecorded");
    expect(await breakerOf(breakers, rebalancer)).to.deep.equal(tripped);

    // Arbitrage catches the pools up and the TWAP follows: the next rebalance resets the breaker and trades.
    await market.alignAllPools();
    await market.advanceTime(31 * 60);
    await refreshFeeds(market);
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
    expect((await rebalancer.checkUpkeep("0x"))[0]).to.equal(true);
    const resumed = rebalancer.rebalance();
    await expect(resumed).to.emit(breakers, "BreakerReset").withArgs(address, false);
    await expect(resumed).to.emit(vault, "Rebalanced");
    expect(await breakerOf(breakers, rebalancer)).to.deep.equal([0n, 0n, 0n]);
  });

  it("trips on a dislocation: a move beyond maxMoveBps within the move window, pools agreeing", async () => {
    const { rebalancer, breakers, market } = await loadFixture(breakersFixture);
    await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 0.8);
    await market.alignAllPools();
    // The TWAPs catch up (35 min > 30-min window), still inside the 1-hour move window.
    await market.advanceTime(35 * 60);
    await refreshFeeds(market);

    // WETH -20% drifts the basket: the due rebalance checks, and trips.
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
    await expect(rebalancer.rebalance())
      .to.emit(breakers, "BreakerTripped")
      .withArgs(await rebalancer.getAddress(), Trip.Dislocation, WETH_INDEX);
    const [reason, index] = await breakerOf(breakers, rebalancer);
    expect([reason, index]).to.deep.equal([Trip.Dislocation, WETH_INDEX]);
    const [status] = await rebalancer.rebalanceStatus();
    expect(status).to.equal(Status.BreakerTripped);
  });

  describe("the move window slides (each oracle's own round history)", () => {
    /** The review's bounds: 20% within an hour; pool checks off, so that only moves are judged. */
    const MOVES_ONLY = { ...BREAKERS, twapWindow: 0, maxMoveBps: 2_000, moveWindow: HOUR };

    it("a slow rise (+0.33% an hour for 72 hours, nobody checking) does not trip: no hour moved 20%", async () => {
      const { vault, rebalancer, breakers, market } = await loadFixture(breakersFixture);
      await breakers.setBreakerParams(MOVES_ONLY);
      const start = await market.feedPrice("WETH");
      for (let hour = 0; hour < 72; hour++) {
        await market.advanceTime(HOUR);
        await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.0033);
        if (hour % 12 === 0) await refreshFeeds(market);
      }
      await refreshFeeds(market);
      // +26.7% in all: measured from a 72-hour-old anchor (before the fix), it tripped. The drift
      // makes a rebalance due, whose check lets it trade.
      expect((await market.feedPrice("WETH")) / start).to.be.greaterThan(1.26);
      await market.alignAllPools();
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      const tx = rebalancer.rebalance();
      await expect(tx).to.not.emit(breakers, "BreakerTripped");
      await expect(tx).to.emit(vault, "Rebalanced");
      expect(await breakerOf(breakers, rebalancer)).to.deep.equal([0n, 0n, 0n]);
    });

    it("a fast fall (-34.4% within two minutes) split by a check halfway trips: measured from the price an hour before", async () => {
      const { vault, rebalancer, policy, breakers, market } = await loadFixture(breakersFixture);
      await breakers.setBreakerParams(MOVES_ONLY);
      // No policy cooldown, so that a rebalance halfway can be followed by another two minutes later.
      const t = await policy.triggerParams();
      await policy.setTriggerParams({
        triggerBandBps: t.triggerBandBps,
        targetBandBps: t.targetBandBps,
        cooldown: 0,
        calendarInterval: t.calendarInterval,
      });
      await market.advanceTime(HOUR - 60);
      await refreshFeeds(market);
      await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 0.82);
      await market.alignAllPools();
      await market.advanceTime(60);
      // -18% within the hour: under the bound; the due rebalance checks and trades.
      const halfway = rebalancer.rebalance();
      await expect(halfway).to.not.emit(breakers, "BreakerTripped");
      await expect(halfway).to.emit(vault, "Rebalanced");
      await market.advanceTime(60);
      await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 0.8);
      await market.alignAllPools();
      // -20% since that check, -34.4% within the hour: the next due rebalance trips.
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      await expect(rebalancer.rebalance())
        .to.emit(breakers, "BreakerTripped")
        .withArgs(await rebalancer.getAddress(), Trip.Dislocation, WETH_INDEX);
    });

    it("leaves out an asset whose oracle keeps no history that reaches back, and every asset when the base's does not", async () => {
      const { vault, rebalancer, breakers, market, oracles } = await loadFixture(breakersFixture);
      await breakers.setBreakerParams(MOVES_ONLY);
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
      /** What the rebalancer's check would find now (no pool checks: the TWAP window is 0). */
      const check = async () => breakers.refusal(rebalancer, [...(await vault.basketState()).prices], []);
      // WETH -40% by a new feed: its move cannot be measured, so it cannot trip.
      await vault.setOracle(market.token("WETH").address, await freshOracle("WETH"));
      expect(await check()).to.deep.equal([Trip.None, 0n, false]);

      // The base's oracle without history: no move can be measured against it.
      const usdc = market.token("USDC").address;
      await vault.setOracle(usdc, await freshOracle("USDC"));
      await market.setFeedPrice("WBTC", (await market.feedPrice("WBTC")) * 0.7);
      expect(await check()).to.deep.equal([Trip.None, 0n, false]);

      // The base's own oracle back: WBTC -30% within the hour trips, recorded by the due rebalance.
      await vault.setOracle(usdc, oracles[0]);
      expect(await check()).to.deep.equal([Trip.Dislocation, 2n, true]);
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      await expect(rebalancer.rebalance())
        .to.emit(breakers, "BreakerTripped")
        .withArgs(await rebalancer.getAddress(), Trip.Dislocation, 2n);
    });
  });

  it("a rebalance that trips the breaker returns without trading and keeps the trip recorded", async () => {
    const { vault, rebalancer, policy, breakers, market } = await loadFixture(breakersFixture);
    // WETH +10% (due) and the pool pushed there just now: the oracle far from the pool's TWAP. The
    // status says Due: the rebalance that records the trip is the call to make.
    await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
    await market.alignAllPools();
    const [status] = await rebalancer.rebalanceStatus();
    expect(status).to.equal(Status.Due);
    const [found, index, records] = await breakers.refusal(
      rebalancer,
      [...(await vault.basketState()).prices],
      await poolChecksOf(market, vault),
    );
    expect([found, index, records]).to.deep.equal([Trip.OracleTwapDivergence, WETH_INDEX, true]);

    const balances = await Promise.all(
      FOUR_ASSET_BASKET.map(({ symbol }) => market.token(symbol).contract.balanceOf(vault)),
    );
    expect(await rebalancer.rebalance.staticCall()).to.equal(0n);
    const tx = rebalancer.rebalance();
    await expect(tx).to.not.be.reverted;
    await expect(tx)
      .to.emit(breakers, "BreakerTripped")
      .withArgs(await rebalancer.getAddress(), Trip.OracleTwapDivergence, WETH_INDEX);
    await expect(tx).to.not.emit(vault, "Swapped");
    await expect(tx).to.not.emit(vault, "Rebalanced");
    await expect(tx).to.not.emit(policy, "RebalanceRecorded");

    expect((await breakerOf(breakers, rebalancer))[0]).to.equal(Trip.OracleTwapDivergence);
    for (const [i, { symbol }] of FOUR_ASSET_BASKET.entries()) {
      expect(await market.token(symbol).contract.balanceOf(vault)).to.equal(balances[i]);
    }
    const [after] = await rebalancer.rebalanceStatus();
    expect(after).to.equal(Status.BreakerTripped);
  });

  it("trips with TwapUnavailable when a pool younger than the TWAP window cannot answer for it", async () => {
    const { rebalancer, breakers, market } = await loadFixture(breakersFixture);
    // A day-long window: the pools are only hours old (their observations never wrapped).
    await breakers.setBreakerParams({ ...BREAKERS, twapWindow: 24 * HOUR });
    // WETH +10%, the pools caught up: the due rebalance is the check.
    await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
    await market.alignAllPools();
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
    await expect(rebalancer.rebalance())
      .to.emit(breakers, "BreakerTripped")
      .withArgs(await rebalancer.getAddress(), Trip.TwapUnavailable, WETH_INDEX);
    const [after] = await rebalancer.rebalanceStatus();
    expect(after).to.equal(Status.BreakerTripped);
  });

  it("governance resets a tripped breaker; strangers cannot, and an untripped one cannot be reset", async () => {
    const { rebalancer, breakers, market } = await loadFixture(breakersFixture);
    const [, , stranger] = await ethers.getSigners();
    const rebalancerAddress = await rebalancer.getAddress();

    await expect(breakers.resetBreaker(rebalancer))
      .to.be.revertedWithCustomError(breakers, "BallastBreakerNotTripped")
      .withArgs(rebalancerAddress);

    // WETH +10%, the pools behind: the due rebalance trips the breaker.
    await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
    await rebalancer.rebalance();
    expect((await breakerOf(breakers, rebalancer))[0]).to.equal(Trip.OracleTwapDivergence);

    await expect(breakers.connect(stranger).resetBreaker(rebalancer))
      .to.be.revertedWithCustomError(breakers, "AccessControlUnauthorizedAccount")
      .withArgs(stranger.address, ZeroHash);

    await expect(breakers.resetBreaker(rebalancer)).to.emit(breakers, "BreakerReset").withArgs(rebalancerAddress, true);
    expect(await breakerOf(breakers, rebalancer)).to.deep.equal([0n, 0n, 0n]);
    await expect(breakers.resetBreaker(rebalancer))
      .to.be.revertedWithCustomError(breakers, "BallastBreakerNotTripped")
      .withArgs(rebalancerAddress);
  });

  it("trips while the L2 sequencer is down and through its grace period, then resets", async () => {
    const { vault, rebalancer, breakers, market } = await loadFixture(breakersFixture);
    const [deployer] = await ethers.getSigners();
    // WETH +10%, the pools caught up and their TWAPs too: a rebalance is due, and its check is
    // healthy but for the sequencer.
    await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
    await market.alignAllPools();
    await market.advanceTime(31 * 60);
    await refreshFeeds(market);
    const sequencer = await new MockAggregatorV3__factory(deployer).deploy(0, "Sequencer Uptime", 0);
    // Up for two hours already: past its grace period.
    const upSince = (await time.latest()) - 2 * HOUR;
    await sequencer.setRound(0, upSince, upSince);
    await breakers.setBreakerParams({
      ...BREAKERS,
      sequencerFeed: await sequencer.getAddress(),
      sequencerGracePeriod: HOUR,
    });
    const check = async () =>
      breakers.refusal(rebalancer, [...(await vault.basketState()).prices], await poolChecksOf(market, vault));
    expect(await check()).to.deep.equal([Trip.None, 0n, false]);

    await sequencer.setAnswer(1);
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
    await expect(rebalancer.rebalance())
      .to.emit(breakers, "BreakerTripped")
      .withArgs(await rebalancer.getAddress(), Trip.SequencerDown, 0n);

    // Back up now: still within the grace period, so the check would refuse; the trip holds anyway
    // and no rebalance runs.
    const now = await time.latest();
    await sequencer.setRound(0, now, now);
    expect(await check()).to.deep.equal([Trip.SequencerDown, 0n, false]);
    await expect(rebalancer.rebalance()).to.be.revertedWithCustomError(rebalancer, "BallastRebalanceNotDue");
    expect((await breakerOf(breakers, rebalancer))[0]).to.equal(Trip.SequencerDown);
    const [status] = await rebalancer.rebalanceStatus();
    expect(status).to.equal(Status.BreakerTripped);

    // Past the grace period and the cooldown: the next rebalance resets the breaker and trades.
    await market.advanceTime(HOUR + 1);
    await refreshFeeds(market);
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
    const tx = rebalancer.rebalance();
    await expect(tx)
      .to.emit(breakers, "BreakerReset")
      .withArgs(await rebalancer.getAddress(), false);
    await expect(tx).to.emit(vault, "Rebalanced");
    expect(await breakerOf(breakers, rebalancer)).to.deep.equal([0n, 0n, 0n]);
  });

  it("leaves a failing oracle to PriceUnavailable alone while tripOnInvalidPrice is off: trading resumes at the first valid answer", async () => {
    const { vault, rebalancer, breakers, market } = await loadFixture(breakersFixture);
    const price = await market.feedPrice("LINK");
    await market.token("LINK").feed.connect(market.deployer).setAnswer(0);
    // A rebalance meeting the invalid price reverts whole: nothing runs its check, nothing is recorded.
    await expect(rebalancer.rebalance())
      .to.be.revertedWithCustomError(rebalancer, "BallastPriceUnavailable")
      .withArgs(market.token("LINK").address);
    expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.PriceUnavailable);
    await market.setFeedPrice("LINK", price);
    expect(await breakerOf(breakers, rebalancer)).to.deep.equal([0n, 0n, 0n]);
    const prices = [...(await vault.basketState()).prices];
    expect(await breakers.refusal(rebalancer, prices, [])).to.deep.equal([Trip.None, 0n, false]);
  });

  describe("minObservations: pools the breakers watch must hold the TWAP window", () => {
    it("addAsset and setRoutes refuse a watched pool that cannot hold them, until anyone raises it", async () => {
      const { vault, breakers, market } = await loadFixture(breakersFixture);
      const [deployer] = await ethers.getSigners();
      // The local market's pools hold 720 observations.
      await breakers.setMinObservations(721);
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
        .to.be.revertedWithCustomError(vault, "BallastPoolObservations")
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
        .to.be.revertedWithCustomError(vault, "BallastPoolObservations")
        .withArgs(uniPool, 720n, 721n);
      await raise(uniPool);
      await expect(vault.addAsset(config)).to.emit(vault, "AssetListed");

      // WETH through the 0.3% pool instead: watched from then on, so it must hold them too.
      const weth = market.token("WETH").address;
      const sell = encodeRoute(market, ["WETH", 3000, "USDC"]);
      const buy = encodeRoute(market, ["USDC", 3000, "WETH"]);
      const pool = market.pool("WETH", "USDC", 3000).address;
      await expect(vault.setRoutes(weth, sell, buy))
        .to.be.revertedWithCustomError(vault, "BallastPoolObservations")
        .withArgs(pool, 720n, 721n);
      await raise(pool);
      await expect(vault.setRoutes(weth, sell, buy)).to.emit(vault, "RoutesSet");
    });
  });
});
