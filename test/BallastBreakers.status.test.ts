/**
 * What the breakers decide with no transaction sent only to keep them: the invalid-price window
 * read from the oracles' own rounds (`tripOnInvalidPrice`), and a rebalancer status that agrees with
 * the breakers (BreakerTripped, and no upkeep, for a due rebalance they would refuse without
 * recording anything).
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseUnits } from "ethers";
import { ethers } from "hardhat";

import { MockBallastOracle__factory } from "../typechain-types";
import type { IBallastBreakers } from "../typechain-types/artifacts/contracts/BallastBreakers";
import {
  BREAKERS,
  breakerOf,
  breakersFixture,
  HOUR,
  LINK_INDEX,
  refreshBasketFeeds,
  WETH_INDEX,
} from "./shared/breakers";
import type { VaultFixture } from "./shared/fixtures";
import { Trip } from "./shared/security";
import { Status } from "./shared/vault";

/** Only the invalid-price window: no pool checks, no move bound; a one-hour cooldown. */
const INVALID_ONLY: IBallastBreakers.BreakerParamsStruct = {
  ...BREAKERS,
  twapWindow: 0,
  maxMoveBps: 0,
  moveWindow: 0,
  tripOnInvalidPrice: true,
};

const COOLDOWN = Number(INVALID_ONLY.cooldown);

/** The breakers fixture with INVALID_ONLY, and WETH +10% with the pools caught up: a rebalance is due. */
async function dueFixture(): Promise<VaultFixture> {
  const f = await breakersFixture();
  await f.breakers.setBreakerParams(INVALID_ONLY);
  await f.market.setFeedPrice("WETH", (await f.market.feedPrice("WETH")) * 1.1);
  await f.market.alignAllPools();
  await refreshBasketFeeds(f.market);
  return f;
}

/** LINK's feed answers -1 (not a price), then, `outage` seconds later, its price again: returns when. */
async function linkOutage(f: VaultFixture, outage: number): Promise<number> {
  const price = await f.market.feedPrice("LINK");
  await f.market.token("LINK").feed.connect(f.market.deployer).setAnswer(-1);
  await time.increase(outage);
  await f.market.setFeedPrice("LINK", price);
  return time.latest();
}

async function statusOf(f: VaultFixture): Promise<bigint> {
  return (await f.rebalancer.rebalanceStatus())[0];
}

async function upkeepOf(f: VaultFixture): Promise<boolean> {
  return (await f.rebalancer.checkUpkeep("0x"))[0];
}

async function pricesOf(f: VaultFixture): Promise<bigint[]> {
  return [...(await f.vault.basketState()).prices];
}

describe("BallastBreakers: the invalid-price window and the status", () => {
  describe("an invalid price, read from the oracle's own rounds", () => {
    it("an outage nobody recorded refuses a due rebalance for exactly the cooldown after the feed recovers, recording nothing", async () => {
      const f = await loadFixture(dueFixture);
      const { vault, rebalancer, breakers } = f;
      expect(await statusOf(f)).to.equal(Status.Due);
      const price = await f.market.feedPrice("LINK");
      await f.market.token("LINK").feed.connect(f.market.deployer).setAnswer(-1);
      // During the outage the price itself is missing; a rebalance then reverts whole, recording nothing.
      expect(await statusOf(f)).to.equal(Status.PriceUnavailable);
      await expect(rebalancer.rebalance())
        .to.be.revertedWithCustomError(rebalancer, "BallastPriceUnavailable")
        .withArgs(f.market.token("LINK").address);
      await time.increase(600);
      await f.market.setFeedPrice("LINK", price);
      const recovered = await time.latest();

      // Valid again, but the feed's rounds show the outage within the last hour: refused.
      expect(await statusOf(f)).to.equal(Status.BreakerTripped);
      expect(await upkeepOf(f)).to.equal(false);
      expect(await breakers.refusal(rebalancer, await pricesOf(f), [])).to.deep.equal([
        Trip.InvalidPrice,
        LINK_INDEX,
        false,
      ]);
      expect(await breakerOf(breakers, rebalancer)).to.deep.equal([0n, 0n, 0n]);
      // A rebalance sent anyway trades nothing and records nothing (the window needs no record).
      expect(await rebalancer.rebalance.staticCall()).to.equal(0n);
      const refused = rebalancer.rebalance();
      await expect(refused)
        .to.emit(breakers, "TradingRefused")
        .withArgs(await rebalancer.getAddress(), Trip.InvalidPrice, LINK_INDEX);
      await expect(refused).to.not.emit(breakers, "BreakerTripped");
      await expect(refused).to.not.emit(vault, "Rebalanced");
      expect(await breakerOf(breakers, rebalancer)).to.deep.equal([0n, 0n, 0n]);

      // One second before the cooldown has passed since the recovery: still refused.
      await time.increaseTo(recovered + COOLDOWN - 1);
      expect(await statusOf(f)).to.equal(Status.BreakerTripped);
      // From then on, by itself: nothing sent, no reset.
      await time.increaseTo(recovered + COOLDOWN);
      expect(await statusOf(f)).to.equal(Status.Due);
      expect(await upkeepOf(f)).to.equal(true);
      await expect(rebalancer.rebalance()).to.emit(vault, "Rebalanced");
    });

    it("a healthy feed refuses nothing: the due rebalance trades", async () => {
      const f = await loadFixture(dueFixture);
      expect(await f.breakers.refusal(f.rebalancer, await pricesOf(f), [])).to.deep.equal([Trip.None, 0n, false]);
      expect(await statusOf(f)).to.equal(Status.Due);
      await expect(f.rebalancer.rebalance()).to.emit(f.vault, "Rebalanced");
    });

    it("a stale gap counts as an outage, and the first oracle named is the base's when every feed went stale", async () => {
      const f = await loadFixture(dueFixture);
      // Two days without a round: every feed past its one-day heartbeat.
      await time.increase(2 * 86_400);
      expect(await statusOf(f)).to.equal(Status.PriceUnavailable);
      await refreshBasketFeeds(f.market);
      const recovered = await time.latest();
      expect(await statusOf(f)).to.equal(Status.BreakerTripped);
      expect(await f.breakers.refusal(f.rebalancer, await pricesOf(f), [])).to.deep.equal([
        Trip.InvalidPrice,
        0n,
        false,
      ]);
      await time.increaseTo(recovered + COOLDOWN);
      expect(await statusOf(f)).to.equal(Status.Due);
    });

    it("leaves out a source without a history (validSince fails): it refuses nothing", async () => {
      const f = await loadFixture(dueFixture);
      const { vault, market } = f;
      await linkOutage(f, 600);
      expect(await statusOf(f)).to.equal(Status.BreakerTripped);
      // LINK priced by a source that keeps no rounds: the outage of the feed it replaced is not its own.
      const [deployer] = await ethers.getSigners();
      const link = market.token("LINK");
      const source = await new MockBallastOracle__factory(deployer).deploy(
        parseUnits(String(await market.feedPrice("LINK")), 18),
        50,
      );
      await vault.setOracle(link.address, source);
      expect(await f.breakers.refusal(f.rebalancer, await pricesOf(f), [])).to.deep.equal([Trip.None, 0n, false]);
      expect(await statusOf(f)).to.not.equal(Status.BreakerTripped);
    });

    it("a feed whose decimals changed shows no valid history (its price is unavailable too)", async () => {
      const f = await loadFixture(dueFixture);
      const prices = await pricesOf(f);
      await f.market.token("LINK").feed.connect(f.market.deployer).setDecimals(18);
      expect(await statusOf(f)).to.equal(Status.PriceUnavailable);
      expect(await f.breakers.refusal(f.rebalancer, prices, [])).to.deep.equal([Trip.InvalidPrice, LINK_INDEX, false]);
    });

    it("reads back at most 32 rounds: an outage followed by more rounds than that within the cooldown is not seen", async () => {
      const f = await loadFixture(dueFixture);
      await linkOutage(f, 60);
      expect(await statusOf(f)).to.equal(Status.BreakerTripped);
      // A busy feed: 31 more rounds a minute apart (32 after the outage in all), within the hour.
      for (let i = 0; i < 31; i++) {
        await time.increase(60);
        await f.market.setFeedPrice("LINK", await f.market.feedPrice("LINK"));
      }
      expect(await statusOf(f)).to.equal(Status.Due);
    });
  });

  describe("the status agrees with the breakers", () => {
    /** Only moves: 20% within three hours; a one-hour cooldown, shorter than the window. */
    const MOVES: IBallastBreakers.BreakerParamsStruct = {
      ...BREAKERS,
      twapWindow: 0,
      maxMoveBps: 2_000,
      moveWindow: 3 * HOUR,
    };

    it("a latching condition: Due for the rebalance that records it, then BreakerTripped while the trip holds, and past the cooldown while the condition lasts; Due once it is over", async () => {
      const f = await loadFixture(breakersFixture);
      const { vault, rebalancer, breakers, market } = f;
      await breakers.setBreakerParams(MOVES);
      // Three hours of history first, then WETH -25% with the pools caught up.
      await time.increase(3 * HOUR);
      await refreshBasketFeeds(market);
      await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 0.75);
      await market.alignAllPools();
      expect(await statusOf(f)).to.equal(Status.Due);
      expect(await upkeepOf(f)).to.equal(true);
      const tx = rebalancer.rebalance();
      await expect(tx)
        .to.emit(breakers, "BreakerTripped")
        .withArgs(await rebalancer.getAddress(), Trip.Dislocation, WETH_INDEX);
      await expect(tx).to.not.emit(vault, "Rebalanced");

      // The trip holds: checkUpkeep's cheap exit, and a rebalance reverts as not due.
      expect(await statusOf(f)).to.equal(Status.BreakerTripped);
      expect(await upkeepOf(f)).to.equal(false);
      await expect(rebalancer.rebalance())
        .to.be.revertedWithCustomError(rebalancer, "BallastRebalanceNotDue")
        .withArgs(Status.BreakerTripped, (drift: bigint) => drift > 0n);

      // Past the cooldown the move is still within the window: the trip lapsed, the condition lasts.
      await time.increase(HOUR);
      await refreshBasketFeeds(market);
      expect(await breakers.holds(rebalancer)).to.equal(false);
      expect(await statusOf(f)).to.equal(Status.BreakerTripped);
      expect(await upkeepOf(f)).to.equal(false);
      const refused = rebalancer.rebalance();
      await expect(refused).to.not.emit(breakers, "BreakerTripped");
      await expect(refused).to.not.emit(vault, "Rebalanced");

      // Three hours after the move: healthy, due, and the rebalance clears the trip and trades.
      await time.increase(2 * HOUR);
      await refreshBasketFeeds(market);
      expect(await statusOf(f)).to.equal(Status.Due);
      expect(await upkeepOf(f)).to.equal(true);
      const resumed = rebalancer.rebalance();
      await expect(resumed).to.emit(breakers, "BreakerReset");
      await expect(resumed).to.emit(vault, "Rebalanced");
    });

    it("a healthy market with the breakers on: Due and checkUpkeep true, and the rebalance trades", async () => {
      const f = await loadFixture(dueFixture);
      await f.breakers.setBreakerParams({ ...MOVES, tripOnInvalidPrice: true });
      expect(await statusOf(f)).to.equal(Status.Due);
      expect(await upkeepOf(f)).to.equal(true);
      await expect(f.rebalancer.rebalance()).to.emit(f.vault, "Rebalanced");
    });
  });
});
