/**
 * BallastBreakers on its own: construction, every setter's bounds and revert paths, governance's
 * reset, and the checks called directly (the record is the caller's). How the vault's rebalancer
 * runs them: test/vault/BallastVault.breakers.test.ts; the invalid-price window and the status:
 * test/BallastBreakers.status.test.ts.
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroAddress, ZeroHash } from "ethers";
import { ethers } from "hardhat";

import { Parameter } from "../src/vault/enums";
import type { ParameterName } from "../src/vault/enums";
import { BallastBreakers__factory } from "../typechain-types";
import type { IBallastBreakers } from "../typechain-types/artifacts/contracts/BallastBreakers";
import { BREAKERS, breakersFixture, HOUR } from "./shared/breakers";
import { Trip } from "./shared/security";

const WAD = 10n ** 18n;

describe("BallastBreakers", () => {
  describe("construction", () => {
    it("refuses a zero admin, and starts with every check off, no pool requirement and its admin", async () => {
      const [deployer] = await ethers.getSigners();
      const factory = new BallastBreakers__factory(deployer);
      await expect(factory.deploy(ZeroAddress)).to.be.revertedWithCustomError(factory, "BallastZeroAddress");
      const breakers = await factory.deploy(deployer.address);
      expect(await breakers.hasRole(ZeroHash, deployer.address)).to.equal(true);
      expect(await breakers.breakerParams()).to.deep.equal([0n, 0n, 0n, 0n, 0n, 0n, ZeroAddress, 0n, false]);
      expect(await breakers.minObservations()).to.equal(0n);
      expect(await breakers.breaker(deployer.address)).to.deep.equal([0n, 0n, 0n]);
      expect(await breakers.holds(deployer.address)).to.equal(false);
    });

    it("states its bounds", async () => {
      const { breakers } = await loadFixture(breakersFixture);
      expect(await breakers.MIN_TWAP_WINDOW()).to.equal(300n);
      expect(await breakers.MAX_TWAP_WINDOW()).to.equal(86_400n);
      expect(await breakers.MAX_DEVIATION_BPS()).to.equal(5_000n);
      expect(await breakers.MAX_SPOT_TWAP_TICKS()).to.equal(5_000n);
      expect(await breakers.MIN_MOVE_WINDOW()).to.equal(60n);
      expect(await breakers.MAX_MOVE_WINDOW()).to.equal(7n * 86_400n);
      expect(await breakers.MAX_BREAKER_COOLDOWN()).to.equal(7n * 86_400n);
      expect(await breakers.MAX_SEQUENCER_GRACE()).to.equal(86_400n);
    });
  });

  describe("setBreakerParams", () => {
    /** Each bound, one step past it: [field, value, parameter, min, max]. */
    const PAST_BOUNDS: [keyof IBallastBreakers.BreakerParamsStruct, number, ParameterName, number, number][] = [
      ["twapWindow", 1, "TwapWindow", 300, 86_400],
      ["twapWindow", 299, "TwapWindow", 300, 86_400],
      ["twapWindow", 86_401, "TwapWindow", 300, 86_400],
      ["maxOracleTwapDeviationBps", 5_001, "MaxOracleTwapDeviationBps", 0, 5_000],
      ["maxSpotTwapTicks", 5_001, "MaxSpotTwapTicks", 0, 5_000],
      ["maxMoveBps", 5_001, "MaxMoveBps", 0, 5_000],
      ["moveWindow", 59, "MoveWindow", 60, 7 * 86_400],
      ["moveWindow", 0, "MoveWindow", 60, 7 * 86_400],
      ["moveWindow", 7 * 86_400 + 1, "MoveWindow", 60, 7 * 86_400],
      ["cooldown", 7 * 86_400 + 1, "BreakerCooldown", 0, 7 * 86_400],
      ["sequencerGracePeriod", 86_401, "SequencerGracePeriod", 0, 86_400],
    ];
    for (const [field, value, parameter, min, max] of PAST_BOUNDS) {
      it(`refuses ${field} = ${value} with BallastParameterOutOfRange(${parameter}, ${min}, ${max})`, async () => {
        const { breakers } = await loadFixture(breakersFixture);
        await expect(breakers.setBreakerParams({ ...BREAKERS, [field]: value }))
          .to.be.revertedWithCustomError(breakers, "BallastParameterOutOfRange")
          .withArgs(Parameter[parameter], value, min, max);
      });
    }

    it("takes every bound itself, and 0 where 0 turns a check off (no TWAP, no move, no cooldown)", async () => {
      const { breakers } = await loadFixture(breakersFixture);
      const edges: IBallastBreakers.BreakerParamsStruct[] = [
        { ...BREAKERS, twapWindow: 300, maxOracleTwapDeviationBps: 5_000, maxSpotTwapTicks: 5_000 },
        { ...BREAKERS, twapWindow: 86_400, maxMoveBps: 5_000, moveWindow: 60 },
        { ...BREAKERS, moveWindow: 7 * 86_400, cooldown: 7 * 86_400, sequencerGracePeriod: 86_400 },
        { ...BREAKERS, twapWindow: 0, maxMoveBps: 0, moveWindow: 0, cooldown: 0 },
      ];
      for (const params of edges) await expect(breakers.setBreakerParams(params)).to.emit(breakers, "BreakerParamsSet");
    });

    it("is governance's, refuses unchanged parameters, and emits BreakerParamsSet(old, new)", async () => {
      const { breakers } = await loadFixture(breakersFixture);
      const [, , stranger] = await ethers.getSigners();
      await expect(breakers.setBreakerParams(BREAKERS)).to.be.revertedWithCustomError(
        breakers,
        "BallastParameterUnchanged",
      );
      const next = { ...BREAKERS, maxSpotTwapTicks: 300, tripOnInvalidPrice: true };
      await expect(breakers.connect(stranger).setBreakerParams(next))
        .to.be.revertedWithCustomError(breakers, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, ZeroHash);
      const asTuple = (p: IBallastBreakers.BreakerParamsStruct) => [
        p.twapWindow,
        p.maxOracleTwapDeviationBps,
        p.maxSpotTwapTicks,
        p.maxMoveBps,
        p.moveWindow,
        p.cooldown,
        p.sequencerFeed,
        p.sequencerGracePeriod,
        p.tripOnInvalidPrice,
      ];
      await expect(breakers.setBreakerParams(next))
        .to.emit(breakers, "BreakerParamsSet")
        .withArgs(asTuple(BREAKERS), asTuple(next));
      const params = await breakers.breakerParams();
      expect(params.maxSpotTwapTicks).to.equal(300n);
      expect(params.tripOnInvalidPrice).to.equal(true);
      expect(params.cooldown).to.equal(BigInt(HOUR));
    });
  });

  describe("setMinObservations", () => {
    it("is governance's, takes up to a pool's 65,535, refuses unchanged, and emits MinObservationsSet(old, new)", async () => {
      const { breakers } = await loadFixture(breakersFixture);
      const [, , stranger] = await ethers.getSigners();
      await expect(breakers.connect(stranger).setMinObservations(300))
        .to.be.revertedWithCustomError(breakers, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, ZeroHash);
      await expect(breakers.setMinObservations(0)).to.be.revertedWithCustomError(breakers, "BallastParameterUnchanged");
      await expect(breakers.setMinObservations(300)).to.emit(breakers, "MinObservationsSet").withArgs(0n, 300n);
      expect(await breakers.minObservations()).to.equal(300n);
      await expect(breakers.setMinObservations(300)).to.be.revertedWithCustomError(
        breakers,
        "BallastParameterUnchanged",
      );
      await expect(breakers.setMinObservations(65_535)).to.emit(breakers, "MinObservationsSet").withArgs(300n, 65_535n);
      await expect(breakers.setMinObservations(0)).to.emit(breakers, "MinObservationsSet").withArgs(65_535n, 0n);
    });
  });

  describe("checks called directly: the record is the caller's", () => {
    /** A pool the caller values at nothing: no ratio to divide by, a divergence over the full window (latches). */
    async function zeroQuote() {
      const f = await loadFixture(breakersFixture);
      const pool = f.market.pool("WETH", "USDC", 500);
      const check = { pool: pool.address, assetIsToken0: true, amount: 10n ** 36n, fairQuote: 0n };
      return { ...f, check, prices: [WAD, 300n * WAD] };
    }

    it("an account listing no oracles has no move measured nor history read, and a healthy check records nothing", async () => {
      const { breakers } = await loadFixture(breakersFixture);
      const [, , stranger] = await ethers.getSigners();
      await breakers.setBreakerParams({ ...BREAKERS, tripOnInvalidPrice: true });
      // A 90% fall by the caller's own prices: with no oracle history to read, no move is measured.
      const prices = [WAD, 300n * WAD];
      expect(await breakers.connect(stranger).checkBreakers.staticCall(prices, [])).to.equal(false);
      expect(await breakers.refusal(stranger.address, prices, [])).to.deep.equal([Trip.None, 0n, false]);
      await expect(breakers.connect(stranger).checkBreakers(prices, [])).to.not.emit(breakers, "BreakerTripped");
    });

    it("latches the caller's record only; refusal says records until it is recorded, holds while it lasts, and the view answers for any vault", async () => {
      const { breakers, rebalancer, check, prices } = await zeroQuote();
      const [, , stranger] = await ethers.getSigners();
      expect(await breakers.refusal(stranger.address, prices, [check, check])).to.deep.equal([
        Trip.OracleTwapDivergence,
        0n,
        true,
      ]);
      await expect(breakers.connect(stranger).checkBreakers(prices, [check, check]))
        .to.emit(breakers, "BreakerTripped")
        .withArgs(stranger.address, Trip.OracleTwapDivergence, 0n);
      const [, , trippedAt] = await breakers.breaker(stranger.address);
      expect(await breakers.holds(stranger.address)).to.equal(true);
      // Found again: refused, recorded once (no new event, no new time).
      expect(await breakers.refusal(stranger.address, prices, [check])).to.deep.equal([
        Trip.OracleTwapDivergence,
        0n,
        false,
      ]);
      await expect(breakers.connect(stranger).checkBreakers(prices, [check])).to.not.emit(breakers, "BreakerTripped");
      expect((await breakers.breaker(stranger.address))[2]).to.equal(trippedAt);
      // Healthy within the cooldown: the trip holds, and the view names it.
      expect(await breakers.refusal(stranger.address, prices, [])).to.deep.equal([
        Trip.OracleTwapDivergence,
        0n,
        false,
      ]);
      expect(await breakers.connect(stranger).checkBreakers.staticCall(prices, [])).to.equal(true);
      // Nobody else's record moved.
      expect(await breakers.breaker(rebalancer)).to.deep.equal([0n, 0n, 0n]);
      expect(await breakers.holds(rebalancer)).to.equal(false);
    });

    it("past the cooldown the trip lapses by itself (holds no more) and the first healthy check clears it", async () => {
      const { breakers, check, prices } = await zeroQuote();
      const [, , stranger] = await ethers.getSigners();
      await breakers.connect(stranger).checkBreakers(prices, [check]);
      await time.increase(HOUR);
      expect(await breakers.holds(stranger.address)).to.equal(false);
      expect(await breakers.refusal(stranger.address, prices, [])).to.deep.equal([Trip.None, 0n, false]);
      // Still recorded until a check clears it; a latching condition found again refuses, records nothing new.
      expect((await breakers.breaker(stranger.address))[0]).to.equal(Trip.OracleTwapDivergence);
      expect(await breakers.refusal(stranger.address, prices, [check])).to.deep.equal([
        Trip.OracleTwapDivergence,
        0n,
        false,
      ]);
      await expect(breakers.connect(stranger).checkBreakers(prices, []))
        .to.emit(breakers, "BreakerReset")
        .withArgs(stranger.address, false);
      expect(await breakers.breaker(stranger.address)).to.deep.equal([0n, 0n, 0n]);
    });

    it("a refusal records nothing: TradingRefused, and the next check judges afresh", async () => {
      const { breakers, market } = await loadFixture(breakersFixture);
      const [, , stranger] = await ethers.getSigners();
      // WETH/USDC pushed now: its spot far from its TWAP. WETH is the pool's token0 or token1; the
      // quote at the pool's own TWAP is fair, so only the spot gap fails.
      const pool = market.pool("WETH", "USDC", 500);
      const weth = market.token("WETH").address;
      const usdc = market.token("USDC").address;
      const fairQuote = BigInt(Math.round((await market.poolPrice(pool, "WETH")) * 1e6)) * 10n ** 18n;
      const check = { pool: pool.address, assetIsToken0: BigInt(weth) < BigInt(usdc), amount: 10n ** 36n, fairQuote };
      await market.movePoolPrice(pool, "WETH", (await market.poolPrice(pool, "WETH")) * 1.05);
      const prices = [WAD, WAD];
      expect(await breakers.refusal(stranger.address, prices, [check])).to.deep.equal([
        Trip.SpotTwapDivergence,
        0n,
        false,
      ]);
      await expect(breakers.connect(stranger).checkBreakers(prices, [check]))
        .to.emit(breakers, "TradingRefused")
        .withArgs(stranger.address, Trip.SpotTwapDivergence, 0n);
      expect(await breakers.breaker(stranger.address)).to.deep.equal([0n, 0n, 0n]);
      expect(await breakers.holds(stranger.address)).to.equal(false);
    });
  });

  describe("resetBreaker", () => {
    it("is governance's, refuses an untripped breaker, and clears a trip (BreakerReset by governance)", async () => {
      const { breakers, market } = await loadFixture(breakersFixture);
      const [, , stranger] = await ethers.getSigners();
      await expect(breakers.resetBreaker(stranger.address))
        .to.be.revertedWithCustomError(breakers, "BallastBreakerNotTripped")
        .withArgs(stranger.address);
      const pool = market.pool("WETH", "USDC", 500);
      const check = { pool: pool.address, assetIsToken0: true, amount: 10n ** 36n, fairQuote: 0n };
      await breakers.connect(stranger).checkBreakers([WAD, WAD], [check]);
      await expect(breakers.connect(stranger).resetBreaker(stranger.address))
        .to.be.revertedWithCustomError(breakers, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, ZeroHash);
      await expect(breakers.resetBreaker(stranger.address))
        .to.emit(breakers, "BreakerReset")
        .withArgs(stranger.address, true);
      expect(await breakers.breaker(stranger.address)).to.deep.equal([0n, 0n, 0n]);
      expect(await breakers.holds(stranger.address)).to.equal(false);
    });
  });
});
