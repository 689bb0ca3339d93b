import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { MaxUint256, parseUnits, ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import { deployVault, RECOMMENDED_COSTS } from "../../src/vault";
import {
  ChainlinkOracle__factory,
  MockAggregatorV3__factory,
  MockBlocklistERC20__factory,
} from "../../typechain-types";
import type { IBallastBreakers } from "../../typechain-types/artifacts/contracts/BallastBreakers";
import { FAR_RESTART_CODE, ONE_WORD_CODE } from "../shared/bytecode";
import type { VaultFixture } from "../shared/fixtures";
import { pullLiquidity } from "../shared/pnl";
import {
  BASKET,
  dueAdminFixture,
  legUnfitOf,
  expectInKindExit,
  refreshFeeds,
  Trip,
  vaultBalances,
} from "../shared/security";
import { depositUsdc, oracleNav, rebalanceUntilSettled, Status, swapsOf } from "../shared/vault";
import { deployLocalMarket } from "../shared/market";

/*
 * Faults as tests: each injects a fault the vault must survive and asserts that no funds are lost
 * (the vault's balances and its oracle NAV are untouched by the refused calls), that holders can
 * still leave in kind, and that the refusal names the fault (a custom error or an event).
 */

const DAY = 86_400;
const HOUR = 3_600;

/** Breakers all off but the invalid-price window, so that a failing feed shows in the breakers' view. */
const TRIP_ON_INVALID: IBallastBreakers.BreakerParamsStruct = {
  twapWindow: 0,
  maxOracleTwapDeviationBps: 0,
  maxSpotTwapTicks: 0,
  maxMoveBps: 0,
  moveWindow: 0,
  cooldown: HOUR,
  sequencerFeed: ZeroAddress,
  sequencerGracePeriod: 0,
  tripOnInvalidPrice: true,
};

interface FeedFault {
  name: string;
  /** Breaks WETH's feed and returns the adapter's expected custom error and its arguments. */
  inject(f: VaultFixture): Promise<{ error: string; args: unknown[] }>;
}

const FEED_FAULTS: FeedFault[] = [
  {
    name: "gone stale (last update two days ago, heartbeat one day)",
    async inject({ market }) {
      const feed = market.token("WETH").feed;
      const [, answer] = await feed.latestRoundData();
      const updatedAt = (await time.latest()) - 2 * DAY;
      await feed.setRound(answer, updatedAt, updatedAt);
      return { error: "BallastFeedStale", args: [await feed.getAddress(), updatedAt, DAY] };
    },
  },
  {
    name: "answering zero",
    async inject({ market }) {
      const feed = market.token("WETH").feed;
      const now = await time.latest();
      await feed.setRound(0, now, now);
      return { error: "BallastFeedAnswer", args: [await feed.getAddress(), 0] };
    },
  },
  {
    name: "answering a negative price",
    async inject({ market }) {
      const feed = market.token("WETH").feed;
      const now = await time.latest();
      await feed.setRound(-3_000n * 10n ** 8n, now, now);
      return { error: "BallastFeedAnswer", args: [await feed.getAddress(), -3_000n * 10n ** 8n] };
    },
  },
  {
    name: "whose decimals changed (8 to 18, a migration)",
    async inject({ market }) {
      const feed = market.token("WETH").feed;
      await feed.setDecimals(18);
      return { error: "BallastFeedDecimalsChanged", args: [await feed.getAddress(), 8, 18] };
    },
  },
];

describe("faults", () => {
  describe("a failing price feed", () => {
    for (const fault of FEED_FAULTS) {
      it(`a WETH feed ${fault.name}: entries, base exits and rebalances refuse with BallastPriceUnavailable(WETH), nothing moves, in kind pays`, async () => {
        const f = await loadFixture(dueAdminFixture);
        const { market, vault, rebalancer, breakers, oracles } = f;
        const [, alice, bob] = await ethers.getSigners();
        const weth = market.token("WETH").address;
        await breakers.setBreakerParams(TRIP_ON_INVALID);
        // A rebalance records today's prices as the last valid ones, whatever its check decides.
        await rebalancer.rebalance();
        const nav = await vault.totalAssets();
        const balances = await vaultBalances(vault);
        const supply = await vault.totalSupply();

        const { error, args } = await fault.inject(f);
        // The adapter names the fault; the vault sees an invalid price.
        await expect(oracles[1].price())
          .to.be.revertedWithCustomError(oracles[1], error)
          .withArgs(...args);
        expect(await oracles[1].tryPrice()).to.deep.equal([false, 0n]);

        expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.PriceUnavailable);
        expect(await vault.maxDeposit(bob)).to.equal(0n);
        expect(await vault.maxMint(bob)).to.equal(0n);
        expect(await vault.maxRedeem(alice)).to.equal(0n);
        expect(await vault.maxWithdraw(alice)).to.equal(0n);
        const amount = parseUnits("10000", 6);
        await market.fund(bob.address, "USDC", amount);
        await market.token("USDC").contract.connect(bob).approve(vault, MaxUint256);
        const shares = (await vault.balanceOf(alice)) / 4n;
        const refusals = [
          () => vault.connect(bob).deposit(amount, bob.address),
          () => vault.connect(bob).mint(10n ** 18n, bob.address),
          () => vault.connect(alice).redeem(shares, alice.address, alice.address),
          () => vault.connect(alice).withdraw(1_000_000n, alice.address, alice.address),
        ];
        for (const call of refusals) {
          await expect(call()).to.be.revertedWithCustomError(vault, "BallastPriceUnavailable").withArgs(weth);
        }
        await expect(rebalancer.rebalance())
          .to.be.revertedWithCustomError(rebalancer, "BallastPriceUnavailable")
          .withArgs(weth);
        // The breakers read the failure from WETH's feed itself (tripOnInvalidPrice), basket index 1:
        // nothing has to be recorded (the window slides with the feed's rounds).
        const lastPrices = [...(await vault.lastPrices())];
        expect(await breakers.refusal(rebalancer, lastPrices, [])).to.deep.equal([Trip.InvalidPrice, 1n, false]);

        // No funds lost: WETH is still valued at its last valid price, never at zero.
        expect(await vaultBalances(vault)).to.deep.equal(balances);
        expect(await vault.totalAssets()).to.equal(nav);
        expect(await vault.totalSupply()).to.equal(supply);
        await expectInKindExit(vault, alice, shares);
      });
    }

    it("a feed whose decimals changed stays refused until governance adopts a reviewed adapter; then entries resume at the same NAV", async () => {
      const f = await loadFixture(dueAdminFixture);
      const { market, vault, oracles } = f;
      const [admin, , bob] = await ethers.getSigners();
      const feed = market.token("WETH").feed;
      const nav = await vault.totalAssets();
      const [, answer] = await feed.latestRoundData();
      // The migrated feed answers the same price with 18 decimals.
      await feed.setDecimals(18);
      await feed.setAnswer(answer * 10n ** 10n);
      await expect(oracles[1].price())
        .to.be.revertedWithCustomError(oracles[1], "BallastFeedDecimalsChanged")
        .withArgs(await feed.getAddress(), 8, 18);
      expect(await vault.maxDeposit(bob)).to.equal(0n);
      const reviewed = await new ChainlinkOracle__factory(admin).deploy(feed, DAY, 50, ZeroAddress, 0);
      await expect(vault.setOracle(market.token("WETH").address, reviewed))
        .to.emit(vault, "OracleSet")
        .withArgs(market.token("WETH").address, await oracles[1].getAddress(), await reviewed.getAddress());
      expect(await vault.totalAssets()).to.equal(nav);
      expect(await vault.maxDeposit(bob)).to.equal(MaxUint256);
      await depositUsdc(market, vault, bob, 10_000);
      expect(await vault.totalAssets()).to.equal(nav + parseUnits("10000", 6));
    });
  });

  describe("the L2 sequencer down", () => {
    async function withSequencer(f: VaultFixture) {
      const [admin] = await ethers.getSigners();
      const sequencer = await new MockAggregatorV3__factory(admin).deploy(0, "L2 Sequencer Uptime Status Feed", 0);
      const upSince = (await time.latest()) - 2 * HOUR;
      await sequencer.setRound(0, upSince, upSince);
      await f.breakers.setBreakerParams({
        ...TRIP_ON_INVALID,
        tripOnInvalidPrice: false,
        sequencerFeed: await sequencer.getAddress(),
        sequencerGracePeriod: HOUR,
      });
      return sequencer;
    }

    it("a due rebalance trips SequencerDown and trades nothing; the next is refused by name; in kind and covered base exits pay", async () => {
      const f = await loadFixture(dueAdminFixture);
      const { vault, rebalancer, breakers, market } = f;
      const sequencer = await withSequencer(f);
      const [, alice] = await ethers.getSigners();
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      const nav = await vault.totalAssets();
      const balances = await vaultBalances(vault);

      await sequencer.setAnswer(1); // down
      const tx = rebalancer.rebalance();
      await expect(tx)
        .to.emit(breakers, "BreakerTripped")
        .withArgs(await rebalancer.getAddress(), Trip.SequencerDown, 0n);
      await expect(tx).to.not.emit(vault, "Swapped");
      await expect(tx).to.not.emit(vault, "Rebalanced");
      const drift = await rebalancer.maxDrift();
      await expect(rebalancer.rebalance())
        .to.be.revertedWithCustomError(rebalancer, "BallastRebalanceNotDue")
        .withArgs(Status.BreakerTripped, drift);
      expect(await vaultBalances(vault)).to.deep.equal(balances);
      expect(await vault.totalAssets()).to.equal(nav);

      // Exits need no sequencer check: in kind, and in the base asset while the buffer covers it.
      await expectInKindExit(vault, alice, (await vault.balanceOf(alice)) / 4n);
      const small = await vault.convertToShares(parseUnits("1000", 6));
      const expected = await vault.previewRedeem(small);
      await expect(vault.connect(alice).redeem(small, alice.address, alice.address))
        .to.emit(vault, "Withdraw")
        .withArgs(alice.address, alice.address, alice.address, expected, small);

      // With oracles that do not consult the sequencer, entries stay open at the oracle prices: the
      // breakers' check guards trading only (deployments on L2s give the oracles the feed too, below).
      const [, , bob] = await ethers.getSigners();
      const amount = parseUnits("1000", 6);
      const minted = await vault.previewDeposit(amount);
      await market.fund(bob.address, "USDC", amount);
      await market.token("USDC").contract.connect(bob).approve(vault, amount);
      await expect(vault.connect(bob).deposit(amount, bob.address))
        .to.emit(vault, "Deposit")
        .withArgs(bob.address, bob.address, amount, minted);

      // Back up: still refused through the grace period, then trading resumes.
      const now = await time.latest();
      await sequencer.setRound(0, now, now);
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.BreakerTripped);
      await expect(rebalancer.rebalance()).to.be.revertedWithCustomError(rebalancer, "BallastRebalanceNotDue");
      await time.increase(HOUR + 1);
      await refreshFeeds(market, BASKET);
      // Past the grace period and the trip's cooldown, the next rebalance resets it and trades.
      const resumed = rebalancer.rebalance();
      await expect(resumed)
        .to.emit(breakers, "BreakerReset")
        .withArgs(await rebalancer.getAddress(), false);
      await expect(resumed).to.emit(vault, "Rebalanced");
    });

    it("with oracles that consult it (as deployed on L2s): entries and base exits refused by name while down and in the grace period; in kind pays; all reopen after", async () => {
      const f = await loadFixture(dueAdminFixture);
      const { vault, rebalancer, market } = f;
      const [admin, alice, bob] = await ethers.getSigners();
      const sequencer = await withSequencer(f);
      const usdc = market.token("USDC").address;
      for (const symbol of BASKET) {
        const { address, feed } = market.token(symbol);
        const guarded = await new ChainlinkOracle__factory(admin).deploy(feed, DAY, 50, sequencer, HOUR);
        await expect(vault.setOracle(address, guarded)).to.emit(vault, "OracleSet");
      }
      const guardedUsdc = (await vault.oracles())[0];
      const oracle = ChainlinkOracle__factory.connect(guardedUsdc, admin);
      // A rebalance records today's prices as the last valid ones, whatever its check decides.
      await rebalancer.rebalance();
      let nav = await vault.totalAssets();
      const amount = parseUnits("1000", 6);
      await market.fund(bob.address, "USDC", 10n * amount);
      await market.token("USDC").contract.connect(bob).approve(vault, MaxUint256);
      const shares = (await vault.balanceOf(alice)) / 10n;

      const expectClosed = async () => {
        const balances = await vaultBalances(vault);
        expect(await vault.maxDeposit(bob)).to.equal(0n);
        expect(await vault.maxMint(bob)).to.equal(0n);
        expect(await vault.maxRedeem(alice)).to.equal(0n);
        expect(await vault.maxWithdraw(alice)).to.equal(0n);
        expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.PriceUnavailable);
        for (const call of [
          () => vault.connect(bob).deposit(amount, bob.address),
          () => vault.connect(bob).mint(10n ** 18n, bob.address),
          () => vault.connect(alice).redeem(shares, alice.address, alice.address),
          () => vault.connect(alice).withdraw(amount, alice.address, alice.address),
        ]) {
          await expect(call()).to.be.revertedWithCustomError(vault, "BallastPriceUnavailable").withArgs(usdc);
        }
        await expect(rebalancer.rebalance())
          .to.be.revertedWithCustomError(rebalancer, "BallastPriceUnavailable")
          .withArgs(usdc);
        // No funds lost, valued at the last prices; the holder's exit in kind pays every asset.
        expect(await vaultBalances(vault)).to.deep.equal(balances);
        expect(await vault.totalAssets()).to.equal(nav);
        await expectInKindExit(vault, alice, shares);
        nav = await vault.totalAssets();
      };

      await sequencer.setAnswer(1); // down
      await expect(oracle.price())
        .to.be.revertedWithCustomError(oracle, "BallastSequencerDown")
        .withArgs(await sequencer.getAddress());
      await expectClosed();

      const restart = (await time.latest()) + 1;
      await time.setNextBlockTimestamp(restart);
      await sequencer.setRound(0, restart, restart); // back up: the grace period starts
      await expect(oracle.price())
        .to.be.revertedWithCustomError(oracle, "BallastSequencerGracePeriod")
        .withArgs(await sequencer.getAddress(), restart, HOUR);
      await expectClosed();

      await time.increase(HOUR);
      await refreshFeeds(market, BASKET);
      expect(await vault.maxDeposit(bob)).to.equal(MaxUint256);
      const minted = await vault.previewDeposit(amount);
      await expect(vault.connect(bob).deposit(amount, bob.address))
        .to.emit(vault, "Deposit")
        .withArgs(bob.address, bob.address, amount, minted);
      // previewRedeem is the least a redeem that swaps delivers.
      const least = await vault.previewRedeem(shares);
      const usdcToken = market.token("USDC").contract;
      const before = await usdcToken.balanceOf(alice);
      await expect(vault.connect(alice).redeem(shares, alice.address, alice.address)).to.emit(vault, "Withdraw");
      expect(await usdcToken.balanceOf(alice)).to.be.gte(before + least);
    });

    it("a sequencer feed that reverts, or reports no start time, counts as down: SequencerDown, nothing trades", async () => {
      const f = await loadFixture(dueAdminFixture);
      const { vault, rebalancer, breakers, market } = f;
      const sequencer = await withSequencer(f);
      const balances = await vaultBalances(vault);
      // An incomplete round (startedAt 0): no proof the sequencer is up.
      await sequencer.setRound(0, 0, 0);
      await expect(rebalancer.rebalance())
        .to.emit(breakers, "BreakerTripped")
        .withArgs(await rebalancer.getAddress(), Trip.SequencerDown, 0n);
      await breakers.resetBreaker(rebalancer);
      // A feed address that answers nothing (a token contract): its revert is caught, not bubbled.
      await breakers.setBreakerParams({
        ...TRIP_ON_INVALID,
        tripOnInvalidPrice: false,
        sequencerFeed: market.token("USDC").address,
        sequencerGracePeriod: HOUR,
      });
      await expect(rebalancer.rebalance())
        .to.emit(breakers, "BreakerTripped")
        .withArgs(await rebalancer.getAddress(), Trip.SequencerDown, 0n);
      expect(await vaultBalances(vault)).to.deep.equal(balances);
    });

    it("a sequencer feed that answers short data, or the latest possible restart time, counts as down instead of reverting the breakers", async () => {
      const f = await loadFixture(dueAdminFixture);
      const { vault, rebalancer, breakers } = f;
      const sequencer = await withSequencer(f);
      const balances = await vaultBalances(vault);
      // A restart "at the end of time": still in its grace period, with no overflow of start + grace.
      await ethers.provider.send("hardhat_setCode", [await sequencer.getAddress(), FAR_RESTART_CODE]);
      await expect(rebalancer.rebalance())
        .to.emit(breakers, "BreakerTripped")
        .withArgs(await rebalancer.getAddress(), Trip.SequencerDown, 0n);
      await breakers.resetBreaker(rebalancer);
      // One word back where latestRoundData answers five: no answer, not a failed decoding.
      await ethers.provider.send("hardhat_setCode", [await sequencer.getAddress(), ONE_WORD_CODE]);
      await expect(rebalancer.rebalance())
        .to.emit(breakers, "BreakerTripped")
        .withArgs(await rebalancer.getAddress(), Trip.SequencerDown, 0n);
      expect(await vaultBalances(vault)).to.deep.equal(balances);
    });
  });

  describe("the cost gate's gas-token feed failing", () => {
    it("a stale ETH/USD feed outside the basket: rebalances refuse with BallastPriceUnavailable(its oracle), the status says PriceUnavailable; entries and exits go on", async () => {
      const f = await loadFixture(dueAdminFixture);
      const { market, vault, rebalancer, policy } = f;
      const [admin, alice, bob] = await ethers.getSigners();
      const ethUsd = await new MockAggregatorV3__factory(admin).deploy(8, "ETH / USD", 3_300n * 10n ** 8n);
      const gasOracle = await new ChainlinkOracle__factory(admin).deploy(ethUsd, HOUR, 50, ZeroAddress, 0);
      await policy.setCostParams({ ...RECOMMENDED_COSTS, gasTokenOracle: await gasOracle.getAddress() });
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      await time.increase(HOUR + 1);
      await refreshFeeds(market, BASKET); // the basket's feeds stay fresh; ETH/USD goes stale
      const balances = await vaultBalances(vault);
      await expect(rebalancer.rebalance())
        .to.be.revertedWithCustomError(policy, "BallastPriceUnavailable")
        .withArgs(await gasOracle.getAddress());
      // The status view, which must not revert, reports the missing price; keepers stand by.
      const [status, drift] = await rebalancer.rebalanceStatus();
      expect(status).to.equal(Status.PriceUnavailable);
      expect(drift).to.equal(await rebalancer.maxDrift());
      expect((await rebalancer.checkUpkeep("0x"))[0]).to.equal(false);
      await expect(rebalancer.rebalanceCost())
        .to.be.revertedWithCustomError(policy, "BallastPriceUnavailable")
        .withArgs(await gasOracle.getAddress());
      expect(await vaultBalances(vault)).to.deep.equal(balances);
      await depositUsdc(market, vault, bob, 1_000);
      await expectInKindExit(vault, alice, (await vault.balanceOf(alice)) / 4n);
      // The feed answers again: the rebalance goes through.
      await ethUsd.setAnswer(3_300n * 10n ** 8n);
      await expect(rebalancer.rebalance()).to.emit(vault, "Rebalanced");
    });
  });

  describe("a pool whose liquidity is pulled", () => {
    /**
     * The liquidity provider withdraws `fractionBps` of each of its positions in the WETH/USDC 0.05%
     * pool (which WETH's sells and WBTC's buys route through) through the NonfungiblePositionManager
     * and collects the tokens. Positions are read from the chain: fixtures revert the chain only.
     */
    async function pullAll(f: VaultFixture, fractionBps = 10_000n): Promise<void> {
      await pullLiquidity(f.market, f.market.pool("WETH", "USDC", 500), Number(fractionBps));
    }

    it("all of it, under a pending rebalance: the rebalance refuses before any trade, nothing trades", async () => {
      const f = await loadFixture(dueAdminFixture);
      const { market, vault, rebalancer } = f;
      const pool = market.pool("WETH", "USDC", 500);
      const nav = await vault.totalAssets();
      const balances = await vaultBalances(vault);
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      await pullAll(f);
      expect(await pool.contract.liquidity()).to.equal(0n);
      // The pool's price is where it was, but nothing is in range: the WETH sale's estimated output
      // is 0, below its oracle minimum. The status says so, and the rebalance refuses by name
      // before any swap (with liquidity only thinned, the same check refuses; see below).
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.LegUnfit);
      const { spotOut, spotFloor, estimatedOut, minOut } = await legUnfitOf(vault, market.token("WETH").address, true);
      expect(estimatedOut).to.equal(0n);
      expect(minOut).to.be.greaterThan(0n);
      expect(spotOut).to.be.greaterThanOrEqual(spotFloor);
      expect(await vaultBalances(vault)).to.deep.equal(balances);
      expect(await vault.totalAssets()).to.equal(nav);
    });

    it("all of it, with the cost gate on: the gate, asked first, skips the rebalance (Uneconomic), nothing trades", async () => {
      const f = await loadFixture(dueAdminFixture);
      const { vault, rebalancer, policy } = f;
      const [keeper] = await ethers.getSigners();
      await policy.setCostParams({ ...RECOMMENDED_COSTS, gasTokenOracle: ZeroAddress });
      await pullAll(f);
      const balances = await vaultBalances(vault);
      // The gate would refuse too: the empty pool fetches nothing, the whole sale counts as cost.
      const [cost, benefit, worthIt] = await rebalancer.rebalanceCost();
      expect(worthIt).to.equal(false);
      expect(cost).to.be.greaterThan(benefit);
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Uneconomic);
      await expect(rebalancer.connect(keeper).rebalance())
        .to.emit(rebalancer, "RebalanceSkipped")
        .and.to.not.emit(vault, "Swapped");
      expect(await vaultBalances(vault)).to.deep.equal(balances);
    });

    it("99% of it, then the thin pool pushed 20% by an attacker: the rebalance still refuses, before any trade", async () => {
      const f = await loadFixture(dueAdminFixture);
      const { market, vault, rebalancer } = f;
      const pool = market.pool("WETH", "USDC", 500);
      await pullAll(f, 9_900n);
      // Thinned alone, the pool can still fill the sale within its minimum.
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      const nav = await vault.totalAssets();
      await market.movePoolPrice(pool, "WETH", (await market.feedPrice("WETH")) * 0.8);
      const { spotOut, spotFloor } = await legUnfitOf(vault, market.token("WETH").address, true);
      // The pushed pool's spot output is ~20% short of the oracle's.
      expect(spotOut * 100n).to.be.lessThan(spotFloor * 81n);
      expect(await vault.totalAssets()).to.equal(nav);
      expect(await vault.totalAssets()).to.equal(await oracleNav(market, vault));
    });

    it("exits: in kind always pays; base exits within the buffer pay; base exits that must sell into the empty pool refuse", async () => {
      const f = await loadFixture(dueAdminFixture);
      const { market, vault } = f;
      const [, alice] = await ethers.getSigners();
      await pullAll(f);
      const nav = await vault.totalAssets();
      await expectInKindExit(vault, alice, (await vault.balanceOf(alice)) / 4n);
      const small = await vault.convertToShares(parseUnits("1000", 6));
      const expected = await vault.previewRedeem(small);
      await expect(vault.connect(alice).redeem(small, alice.address, alice.address)).to.changeTokenBalance(
        market.token("USDC").contract,
        alice,
        expected,
      );
      const rest = await vault.balanceOf(alice);
      await expect(vault.connect(alice).redeem(rest, alice.address, alice.address))
        .to.be.revertedWithCustomError(vault, "BallastSwapFailed")
        .withArgs(market.token("WETH").address, market.token("USDC").address);
      expect(await vault.balanceOf(alice)).to.equal(rest);
      // Whatever left the vault left through the two exits, at NAV.
      expect(await vault.totalAssets()).to.be.greaterThan((nav * 74n) / 100n);
      expect(await vault.totalAssets()).to.equal(await oracleNav(market, vault));
    });

    it("once liquidity returns, the same rebalance goes through within its loss bound", async () => {
      const f = await loadFixture(dueAdminFixture);
      const { market, vault, rebalancer } = f;
      const pool = market.pool("WETH", "USDC", 500);
      await pullAll(f);
      await expect(rebalancer.rebalance()).to.be.revertedWithCustomError(vault, "BallastLegUnfit");
      await market.addLiquidity(pool, { valueUsd: 30_000_000, rangeBps: 1_000 });
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      const nav = await vault.totalAssets();
      const swaps = await swapsOf(vault, rebalancer.rebalance());
      expect(swaps.length).to.be.greaterThan(0);
      for (const s of swaps) expect(s.amountOut).to.be.greaterThanOrEqual(s.minAmountOut);
      expect(await vault.totalAssets()).to.be.greaterThanOrEqual((nav * 9_900n) / 10_000n);
    });
  });

  describe("a swap that reverts mid-rebalance", () => {
    /** USDC 10%, WETH 45%, BLOCK 45% (a token with a blocklist, as USDC and USDT have), invested. */
    async function blocklistFixture(): Promise<VaultFixture> {
      const market = await deployLocalMarket({
        tokens: [
          { symbol: "USDC", decimals: 6, priceUsd: 1 },
          { symbol: "WETH", decimals: 18, priceUsd: 3000 },
          { symbol: "BLOCK", decimals: 18, priceUsd: 10, blocklist: true },
        ],
        pools: [
          { tokenA: "WETH", tokenB: "USDC", fee: 500, depthUsd: 60_000_000 },
          { tokenA: "BLOCK", tokenB: "USDC", fee: 3000, depthUsd: 20_000_000 },
        ],
      });
      const [admin, alice] = await ethers.getSigners();
      const deployed = await deployVault(market, {
        basket: [
          { symbol: "USDC", weightBps: 1_000 },
          { symbol: "WETH", weightBps: 4_500 },
          { symbol: "BLOCK", weightBps: 4_500 },
        ],
        params: { maxTradeBps: 5_000 },
        governance: { admin: admin.address },
      });
      await depositUsdc(market, deployed.vault, alice, 100_000);
      await rebalanceUntilSettled(market, deployed.vault);
      // WETH rises 10%: the next rebalance sells WETH first, then buys BLOCK.
      await time.increase(600);
      await market.setFeedPrice("WETH", 3_300);
      await market.alignAllPools();
      await refreshFeeds(market, ["USDC", "WETH", "BLOCK"]);
      return { market, ...deployed };
    }

    async function block(f: VaultFixture, blocked: boolean): Promise<void> {
      const token = MockBlocklistERC20__factory.connect(f.market.token("BLOCK").address, f.market.deployer);
      await token.setBlocked(f.market.pool("BLOCK", "USDC", 3000).address, blocked);
    }

    it("the second leg's token refuses the pool: the whole rebalance reverts, the first leg's sale is undone", async () => {
      const f = await loadFixture(blocklistFixture);
      const { vault, rebalancer } = f;
      const nav = await vault.totalAssets();
      const balances = await vaultBalances(vault);
      // Unblocked, the rebalance would sell WETH and then buy BLOCK.
      const plan = await rebalancer.rebalance.staticCall();
      expect(plan).to.equal(2n);
      await block(f, true);
      // The pool's TransferHelper reports the failed payout as "TF".
      await expect(rebalancer.rebalance()).to.be.revertedWith("TF");
      expect(await vaultBalances(vault)).to.deep.equal(balances);
      expect(await vault.totalAssets()).to.equal(nav);
    });

    it("a token that blocks the vault itself: a full in-kind exit reverts with the token's error; forfeiting that token, the rest pays and the slice stays with the other holders", async () => {
      const f = await loadFixture(blocklistFixture);
      const { market, vault } = f;
      const [, alice] = await ethers.getSigners();
      const token = MockBlocklistERC20__factory.connect(market.token("BLOCK").address, market.deployer);
      await token.setBlocked(vault, true);
      const balances = await vaultBalances(vault);
      const shares = (await vault.balanceOf(alice)) / 4n;
      // redeemInKind pays every asset in one call: one token refusing to move stops the whole exit.
      await expect(vault.connect(alice).redeemInKind(shares, alice.address, alice.address))
        .to.be.revertedWithCustomError(token, "MockBlocklistAccountBlocked")
        .withArgs(await vault.getAddress());
      expect(await vaultBalances(vault)).to.deep.equal(balances);

      // Forfeiting BLOCK (basket index 2): USDC and WETH pay, the BLOCK slice stays in the vault.
      const expected = await vault.previewRedeemInKind(shares);
      const supply = await vault.totalSupply();
      const tx = vault.connect(alice).redeemInKindExcept(shares, alice.address, alice.address, 1n << 2n);
      await expect(tx)
        .to.emit(vault, "ForfeitedInKind")
        .withArgs(alice.address, await token.getAddress(), expected[2]);
      await expect(tx)
        .to.emit(vault, "RedeemedInKind")
        .withArgs(alice.address, alice.address, alice.address, shares, [expected[0], expected[1], 0n]);
      expect(await vaultBalances(vault)).to.deep.equal([
        balances[0] - expected[0],
        balances[1] - expected[1],
        balances[2],
      ]);
      expect(await vault.totalSupply()).to.equal(supply - shares);
      expect(await token.balanceOf(alice)).to.equal(0n);

      // The remaining shares own all of BLOCK: the same number of shares now takes more of it.
      await token.setBlocked(vault, false);
      const after = await expectInKindExit(vault, alice, shares);
      expect(after[2]).to.be.greaterThan(expected[2]);
    });

    it("meanwhile in kind pays every asset; a base exit that must sell the faulty token refuses (the token's own error, from the vault's payment to the pool); unblocked, trading resumes", async () => {
      const f = await loadFixture(blocklistFixture);
      const { market, vault, rebalancer } = f;
      const [, alice] = await ethers.getSigners();
      await block(f, true);
      await expectInKindExit(vault, alice, (await vault.balanceOf(alice)) / 4n);
      const rest = await vault.balanceOf(alice);
      // The vault cannot pay the blocked pool the BLOCK it sells: the token's refusal, bubbled by the pool.
      const token = MockBlocklistERC20__factory.connect(market.token("BLOCK").address, market.deployer);
      await expect(vault.connect(alice).redeem(rest / 2n, alice.address, alice.address))
        .to.be.revertedWithCustomError(token, "MockBlocklistAccountBlocked")
        .withArgs(market.pool("BLOCK", "USDC", 3000).address);
      await block(f, false);
      const swaps = await swapsOf(vault, rebalancer.rebalance());
      expect(swaps.map((s) => s.tokenIn)).to.deep.equal([market.token("WETH").address, market.token("USDC").address]);
      expect(await vault.totalAssets()).to.equal(await oracleNav(market, vault));
    });
  });
});
