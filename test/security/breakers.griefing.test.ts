import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import type { LocalMarket, MarketPool } from "../../src/market";
import { deployVault, RECOMMENDED_BREAKERS } from "../../src/vault";
import { MockBreakerAttacker__factory } from "../../typechain-types";
import type { BallastBreakers, BallastRebalancer, MockBreakerAttacker } from "../../typechain-types";
import type { IBallastBreakers } from "../../typechain-types/artifacts/contracts/BallastBreakers";
import type { VaultFixture } from "../shared/fixtures";
import { BASKET, refreshFeeds, Trip } from "../shared/security";
import { depositUsdc, rebalanceUntilSettled, Status } from "../shared/vault";
import { deployLocalMarket } from "../shared/market";

/*
 * Breaker griefing as tests: an outsider trying to halt rebalancing by making a breaker latch
 * (which then holds for its cooldown, and can be re-armed at the same price). Each test measures
 * what the attack costs the attacker, and asserts that after it nothing is recorded and a due
 * rebalance runs once the attacker stops paying: nothing an outsider can show cheaply, or only
 * within one transaction, latches.
 */

const HOUR = 3_600;

/** The recommended breakers, with no invalid-price trip (the feeds here never fail). */
const BREAKERS: IBallastBreakers.BreakerParamsStruct = { ...RECOMMENDED_BREAKERS, tripOnInvalidPrice: false };

interface AttackFixture extends VaultFixture {
  attacker: MockBreakerAttacker;
  pool: MarketPool;
}

/** USD value (8-decimal feed units) of `account`'s holdings of the basket tokens, at the feeds. */
async function usdValue(market: LocalMarket, account: string): Promise<bigint> {
  let value = 0n;
  for (const symbol of BASKET) {
    const token = market.token(symbol);
    const [, answer] = await token.feed.latestRoundData();
    value += ((await token.contract.balanceOf(account)) * answer) / 10n ** BigInt(token.decimals);
  }
  return value;
}

/**
 * The invested four-asset vault with `breakers` on, a market whose pools keep `cardinality`
 * observations, and a rebalance due: WETH +10%, every pool caught up and its TWAP too. The attacker
 * contract holds $10M of USDC and of WETH; `pool` is WETH's first pool (WETH/USDC 0.05%), which the
 * breakers watch.
 */
async function dueFixture(
  breakers: IBallastBreakers.BreakerParamsStruct,
  cardinality?: number,
): Promise<AttackFixture> {
  const market = await deployLocalMarket(cardinality ? { observationCardinality: cardinality } : {});
  const [deployer, alice] = await ethers.getSigners();
  const deployed = await deployVault(market, {
    basket: BASKET.map((symbol, i) => ({ symbol, weightBps: [500, 4_000, 3_500, 2_000][i] })).map((entry) =>
      entry.symbol === "WBTC" ? { ...entry, route: ["WBTC", 500, "WETH", 500, "USDC"] } : entry,
    ),
    governance: { admin: deployer.address },
  });
  await depositUsdc(market, deployed.vault, alice, 1_000_000);
  await rebalanceUntilSettled(market, deployed.vault);
  await market.advanceTime(HOUR);
  await deployed.breakers.setBreakerParams(breakers);
  await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
  await market.alignAllPools();
  await market.advanceTime(Number(breakers.twapWindow) + 60);
  await refreshFeeds(market, BASKET);
  expect((await deployed.rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);

  const attacker = await new MockBreakerAttacker__factory(deployer).deploy();
  const address = await attacker.getAddress();
  await market.fund(address, "USDC", 10_000_000n * 10n ** 6n);
  await market.fund(address, "WETH", 3_000n * 10n ** 18n);
  return { market, ...deployed, attacker, pool: market.pool("WETH", "USDC", 500) };
}

/**
 * Nothing latched: no trip recorded, none holding. (While a refusal lasts the status says
 * BreakerTripped, as the breakers would refuse a rebalance; it ends with its condition.)
 */
async function expectUntripped(breakers: BallastBreakers, rebalancer: BallastRebalancer): Promise<void> {
  const [reason] = await breakers.breaker(rebalancer);
  expect(reason).to.equal(Trip.None);
  expect(await breakers.holds(rebalancer)).to.equal(false);
}

describe("breaker griefing", () => {
  describe("push, rebalance, unwind in one transaction (L5)", () => {
    const fixture = () => dueFixture(BREAKERS);

    it("a pool pushed 250 ticks, a rebalance called and the push unwound: it trades and records nothing, nothing latches, the next rebalance runs; the attacker pays the pool's fees", async () => {
      const { market, vault, policy, breakers, rebalancer, attacker, pool } = await loadFixture(fixture);
      const attackerAddress = await attacker.getAddress();
      const before = await usdValue(market, attackerAddress);

      // 250 ticks down (maxSpotTwapTicks is 200): token0 in, down to sqrt(1.0001^-250) of the price.
      const [sqrtPriceX96] = await pool.contract.slot0();
      const limit = (sqrtPriceX96 * BigInt(Math.round(1.0001 ** -125 * 1e12))) / 10n ** 12n;
      const rebalance = rebalancer.interface.encodeFunctionData("rebalance");
      const tx = attacker.pushCallUnwind(pool.address, true, limit, await rebalancer.getAddress(), rebalance);
      const gas = (await (await tx).wait())!.gasUsed;
      const cost = before - (await usdValue(market, attackerAddress));
      // Nothing latched (before the fix: SpotTwapDivergence, for the breaker's hour-long cooldown).
      await expectUntripped(breakers, rebalancer);
      // Inside the transaction the check refused, as it must while the pool is off its TWAP...
      await expect(tx)
        .to.emit(breakers, "TradingRefused")
        .withArgs(await rebalancer.getAddress(), Trip.SpotTwapDivergence, 1n);
      // ...but records nothing that outlives it: no trip, no trade, no cooldown.
      await expect(tx).to.not.emit(breakers, "BreakerTripped");
      await expect(tx).to.not.emit(vault, "Swapped");
      await expect(tx).to.not.emit(policy, "RebalanceRecorded");
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      await expect(rebalancer.rebalance()).to.emit(vault, "Rebalanced");

      // What the attempt cost: the 0.05% fee each way on what moves a $60M pool 250 ticks, ~$2,230,
      // and well under 1M gas (the rebalance reads the basket through the vault), for no halt at
      // all. Before the fix the same transaction latched SpotTwapDivergence for the 1-hour cooldown:
      // ~$2,230 an hour of halted rebalancing.
      expect(cost).to.be.greaterThan(1_000n * 10n ** 8n);
      expect(cost).to.be.lessThan(5_000n * 10n ** 8n);
      expect(gas).to.be.lessThan(1_000_000n);
    });
  });

  describe("writing over a pool's observation ring (M4)", () => {
    /** Ten observations a pool, a 5-minute TWAP: the shape of 720 observations on a 0.25 s chain. */
    const CARDINALITY = 10;
    const fixture = () => dueFixture({ ...BREAKERS, twapWindow: 300 }, CARDINALITY);
    const longerWindow = () => dueFixture({ ...BREAKERS, twapWindow: 600 }, CARDINALITY);

    /** The attacker mints 1 unit of liquidity around the price in `blocks` consecutive blocks; returns the gas. */
    async function writeOver(attacker: MockBreakerAttacker, pool: MarketPool, blocks: number): Promise<bigint> {
      const [, tick] = await pool.contract.slot0();
      const lower = (tick / BigInt(pool.tickSpacing) - 1n) * BigInt(pool.tickSpacing);
      const upper = lower + 3n * BigInt(pool.tickSpacing);
      let gas = 0n;
      for (let i = 0; i < blocks; i++) {
        gas += (await (await attacker.mint(pool.address, lower, upper, 1n)).wait())!.gasUsed;
      }
      return gas;
    }

    it("ten one-unit mints in ten blocks leave no observation older than the window: the check refuses, nothing latches; the rebalance runs once the ring reaches back", async () => {
      const { market, vault, breakers, rebalancer, attacker, pool } = await loadFixture(fixture);
      const gas = await writeOver(attacker, pool, CARDINALITY);

      // The ring's oldest observation is seconds old: observe(300) reverts OLD.
      await expect(pool.contract.observe([300, 0])).to.be.revertedWith("OLD");

      const tx = rebalancer.rebalance();
      await (await tx).wait();
      // Before the fix: TwapUnavailable latched here, for the hour-long cooldown.
      await expectUntripped(breakers, rebalancer);
      await expect(tx)
        .to.emit(breakers, "TradingRefused")
        .withArgs(await rebalancer.getAddress(), Trip.TwapUnavailable, 1n);
      await expect(tx).to.not.emit(breakers, "BreakerTripped");
      await expect(tx).to.not.emit(vault, "Swapped");
      await expectUntripped(breakers, rebalancer);
      // The status agrees while the ring is short: no keeper spends gas on a rebalance it would refuse.
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.BreakerTripped);

      // Without more writes the ring ages back over the window: the rebalance runs. To hold trading
      // off the attacker must write the whole ring again every window (here ten mints, ~1.5M gas,
      // every 5 minutes); before the fix one ring (~1.5M gas) latched TwapUnavailable for the
      // hour's cooldown. A deployed pool's ring covers twice the window at the chain's block time,
      // which no one can write over within the window (one observation a block).
      expect(gas).to.be.lessThan(2_000_000n);
      await market.advanceTime(300);
      await refreshFeeds(market, BASKET);
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      await expect(rebalancer.rebalance()).to.emit(vault, "Rebalanced");
    });

    it("a ring written over, then grown by the attacker (slots anyone can add): still only a refusal", async () => {
      const { market, vault, breakers, rebalancer, attacker, pool } = await loadFixture(fixture);
      const [, , , outsider] = await ethers.getSigners();
      const start = await time.latest();
      // Write until slot 0 is the attacker's and the ring's last slot is next...
      let gas = 0n;
      for (;;) {
        const [, , index] = await pool.contract.slot0();
        const [first] = await pool.contract.observations(0);
        if (index === BigInt(CARDINALITY - 1) && first > BigInt(start)) break;
        gas += await writeOver(attacker, pool, 1);
      }
      // ...then add two slots and write once: the ring grows, the slot after the latest was never
      // written, and Uniswap's oldest observation is slot 0, seconds old.
      const grow = await pool.contract.connect(outsider).increaseObservationCardinalityNext(CARDINALITY + 2);
      gas += (await grow.wait())!.gasUsed;
      gas += await writeOver(attacker, pool, 1);
      const [, , index, cardinality] = await pool.contract.slot0();
      expect(cardinality).to.equal(BigInt(CARDINALITY + 2));
      expect((await pool.contract.observations((index + 1n) % cardinality)).initialized).to.equal(false);
      await expect(pool.contract.observe([300, 0])).to.be.revertedWith("OLD");

      const tx = rebalancer.rebalance();
      await (await tx).wait();
      // A latch here would be a halt for ~2M gas: it only refuses.
      await expectUntripped(breakers, rebalancer);
      await expect(tx)
        .to.emit(breakers, "TradingRefused")
        .withArgs(await rebalancer.getAddress(), Trip.TwapUnavailable, 1n);
      expect(gas).to.be.lessThan(4_000_000n);
      await market.advanceTime(300);
      await refreshFeeds(market, BASKET);
      await expect(rebalancer.rebalance()).to.emit(vault, "Rebalanced");
    });

    it("a ring that reaches back less than the window but at least 5 minutes: checked over what it reaches, refusing (never latching) a divergence there", async () => {
      const { market, breakers, rebalancer, attacker } = await loadFixture(longerWindow);
      // LINK's pool (LINK/USDC 0.3%): no other watched pool prices LINK.
      const pool = market.pool("LINK", "USDC", 3000);
      await market.fund(await attacker.getAddress(), "LINK", 10n ** 18n);
      await writeOver(attacker, pool, CARDINALITY);
      await market.advanceTime(400);
      await refreshFeeds(market, BASKET);
      await expect(pool.contract.observe([600, 0])).to.be.revertedWith("OLD");
      // ~410 s of history, healthy: the due rebalance would trade (before the fix: TwapUnavailable
      // latched), and nothing is recorded.
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      expect(await rebalancer.rebalance.staticCall()).to.be.greaterThan(0n);
      await expectUntripped(breakers, rebalancer);

      // The oracle leaves the pool (5% > 3%; down, so that WETH stays due): over the shortened window
      // this refuses the rebalance, it does not latch.
      await market.setFeedPrice("LINK", (await market.feedPrice("LINK")) * 0.95);
      const tx = rebalancer.rebalance();
      await expect(tx)
        .to.emit(breakers, "TradingRefused")
        .withArgs(await rebalancer.getAddress(), Trip.OracleTwapDivergence, 3n);
      await expect(tx).to.not.emit(breakers, "BreakerTripped");
      await expectUntripped(breakers, rebalancer);
    });
  });

  describe("a low-priced asset (L7)", () => {
    /** USDC base with WETH and TINY, an 18-decimal token at $0.0000001 traded against USDC. */
    async function tinyFixture(): Promise<VaultFixture> {
      const market = await deployLocalMarket({
        tokens: [
          { symbol: "USDC", decimals: 6, priceUsd: 1 },
          { symbol: "WETH", decimals: 18, priceUsd: 3000 },
          { symbol: "TINY", decimals: 18, priceUsd: "0.0000001" },
        ],
        pools: [
          { tokenA: "WETH", tokenB: "USDC", fee: 500, depthUsd: 20_000_000 },
          { tokenA: "TINY", tokenB: "USDC", fee: 3000, depthUsd: 5_000_000 },
        ],
      });
      const [deployer] = await ethers.getSigners();
      const deployed = await deployVault(market, {
        basket: [
          { symbol: "USDC", weightBps: 1_000 },
          { symbol: "WETH", weightBps: 6_000 },
          { symbol: "TINY", weightBps: 3_000 },
        ],
        governance: { admin: deployer.address },
        breakers: { ...BREAKERS, sequencerFeed: ZeroAddress },
      });
      await market.advanceTime(HOUR);
      return { market, ...deployed };
    }

    it("checks its pool at full precision: no false trip and no division by zero at the feed's price; a 10% gap trips", async () => {
      const { market, vault, breakers, rebalancer } = await loadFixture(tinyFixture);
      // A deposit makes the investing rebalance due. TINY's raw price is 1e-19 USDC units a unit: a
      // WAD ratio of raw units rounds it to 0 (before the fix the check reverted dividing by it).
      // Here the check passes, and the rebalance would trade.
      const [, alice] = await ethers.getSigners();
      await depositUsdc(market, vault, alice, 100_000);
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      expect(await rebalancer.rebalance.staticCall()).to.be.greaterThan(0n);
      await market.setFeedPrice("TINY", "0.00000011");
      await expect(rebalancer.rebalance())
        .to.emit(breakers, "BreakerTripped")
        .withArgs(await rebalancer.getAddress(), Trip.OracleTwapDivergence, 2n);
    });
  });
});
