import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";

import type { LocalMarket } from "../../src/market";
import { deployVault } from "../../src/vault";
import type { BallastVault } from "../../typechain-types";
import type { IBallastPolicy } from "../../typechain-types/artifacts/contracts/BallastPolicy";
import { FOUR_ASSET_BASKET } from "../shared/fixtures";
import type { VaultFixture } from "../shared/fixtures";
import { depositUsdc, rebalanceUntilSettled, rebalancerOf, Status, swapsOf } from "../shared/vault";
import { deployLocalMarket } from "../shared/market";

const DAY = 86_400;
/** Rounding and fees may leave a traded weight this far from the band edge it aims at. */
const EDGE_TOLERANCE_BPS = 3n;

/** Hysteresis: due at a 4% drift, trades stop 0.5% from the target (below the vault's cap of 400/6). */
const BANDED: IBallastPolicy.TriggerParamsStruct = {
  triggerBandBps: 400,
  targetBandBps: 50,
  cooldown: 600,
  calendarInterval: 0,
};

/** The vault's balance of every basket token, in basket order. */
async function balancesOf(market: LocalMarket, vault: BallastVault): Promise<bigint[]> {
  return Promise.all(FOUR_ASSET_BASKET.map(({ symbol }) => market.token(symbol).contract.balanceOf(vault)));
}

/** Every basket feed reports its current answer again, in a round dated now (keeps them fresh). */
async function refreshFeeds(market: LocalMarket): Promise<void> {
  for (const { symbol } of FOUR_ASSET_BASKET) await market.setFeedPrice(symbol, await market.feedPrice(symbol));
}

/** Signed drift of every asset, current weight less target, in basis points. */
async function driftsOf(vault: BallastVault): Promise<bigint[]> {
  const current = await (await rebalancerOf(vault)).currentWeights();
  const target = (await vault.basketState()).targets;
  return current.map((w, i) => w - target[i]);
}

/**
 * The four-asset vault (USDC 5%, WETH 40%, WBTC 35% via WETH, LINK 20%) with the deployer as its
 * direct admin (no timelock), $1M deposited and invested at target under the default triggers (2%
 * trigger band, full rebalances, 10-minute cooldown, no calendar), past its last cooldown.
 */
async function investedFixture(): Promise<VaultFixture> {
  const market = await deployLocalMarket();
  const [deployer, alice, bob] = await ethers.getSigners();
  const deployed = await deployVault(market, {
    basket: FOUR_ASSET_BASKET,
    governance: { admin: deployer.address },
  });
  await depositUsdc(market, deployed.vault, alice, 600_000);
  await depositUsdc(market, deployed.vault, bob, 400_000);
  await rebalanceUntilSettled(market, deployed.vault);
  return { market, ...deployed };
}

/** WETH +12% and WBTC -12%: WETH drifts ~+450 bps, WBTC ~-440 bps, LINK and USDC barely move. */
async function shockWethUpWbtcDown(market: LocalMarket): Promise<void> {
  await market.setFeedPrice("WETH", 3_360);
  await market.setFeedPrice("WBTC", 52_800);
  await market.alignAllPools();
}

describe("BallastVault triggers (policy-driven rebalances)", () => {
  it("starts from an invested vault at target, past its cooldown and not due", async () => {
    const { vault, policy, rebalancer } = await loadFixture(investedFixture);
    for (const drift of await driftsOf(vault)) expect(drift).to.be.within(-50n, 50n);
    const [status, drift, band] = await rebalancer.rebalanceStatus();
    expect(status).to.equal(Status.NotDue);
    expect(drift).to.equal(await rebalancer.maxDrift());
    expect(band).to.equal(0n);
    expect(await policy.lastRebalance(rebalancer)).to.be.greaterThan(0n);
  });

  describe("target band (hysteresis)", () => {
    it("trades drifting assets to exactly target +- targetBandBps, not to target, and leaves small drifts alone", async () => {
      const { vault, policy, rebalancer, market } = await loadFixture(investedFixture);
      await policy.setTriggerParams(BANDED);
      await shockWethUpWbtcDown(market);

      const before = await driftsOf(vault);
      const [, dWeth, dWbtc, dLink] = before;
      expect(dWeth).to.be.within(400n, 550n);
      expect(dWbtc).to.be.within(-500n, -300n);
      expect(dLink).to.be.within(-99n, 99n);
      const [status, drift, band] = await rebalancer.rebalanceStatus();
      expect([status, band]).to.deep.equal([Status.Due, 50n]);
      expect(drift).to.equal(dWeth);

      const linkBefore = await market.token("LINK").contract.balanceOf(vault);
      const swaps = await swapsOf(vault, rebalancer.rebalance());

      const usdc = market.token("USDC").address;
      const weth = market.token("WETH").address;
      const wbtc = market.token("WBTC").address;
      const link = market.token("LINK").address;
      // WETH into WBTC along the shortcut of WBTC's route (the purchase rides on the sale), then
      // what is left of the sale into USDC.
      expect(swaps.map((s) => [s.tokenIn, s.tokenOut])).to.deep.equal([
        [weth, wbtc],
        [weth, usdc],
      ]);
      expect(swaps.some((s) => s.tokenIn === link || s.tokenOut === link)).to.be.false;
      expect(await market.token("LINK").contract.balanceOf(vault)).to.equal(linkBefore);

      const weights = await rebalancer.currentWeights();
      // WETH sold down to 40.5%, WBTC bought up to 34.5%: the edges of the band, not the targets.
      expect(weights[1]).to.be.closeTo(4_050n, EDGE_TOLERANCE_BPS);
      expect(weights[2]).to.be.closeTo(3_450n, EDGE_TOLERANCE_BPS);
      // LINK's weight moved only through the NAV (fees), not through a trade.
      expect(weights[3]).to.be.closeTo(2_000n + dLink, EDGE_TOLERANCE_BPS);
      // Inside the trigger band now: the next call, past the cooldown, has nothing to do.
      await time.increase(BANDED.cooldown);
      const [after] = await rebalancer.rebalanceStatus();
      expect(after).to.equal(Status.NotDue);
    });

    it("trades every asset to its target with targetBandBps 0 (a full rebalance)", async () => {
      const { vault, policy, rebalancer, market } = await loadFixture(investedFixture);
      expect((await policy.triggerParams()).targetBandBps).to.equal(0n);
      await shockWethUpWbtcDown(market);
      const [status, , band] = await rebalancer.rebalanceStatus();
      expect([status, band]).to.deep.equal([Status.Due, 0n]);

      const swaps = await swapsOf(vault, rebalancer.rebalance());
      // LINK's small drift is traded too: nothing is left inside a band.
      expect(swaps.map((s) => s.tokenOut)).to.include(market.token("LINK").address);
      const weights = await rebalancer.currentWeights();
      const targets = (await vault.basketState()).targets;
      weights.forEach((w, i) => expect(w, `asset ${i}`).to.be.closeTo(targets[i], EDGE_TOLERANCE_BPS));
    });
  });

  it("caps the target band so that the base asset cannot be left drifting past the trigger", async () => {
    // 250/100 on four assets: three assets each stopping 100 bp short would leave USDC ~300 bp over,
    // due forever with nothing to trade. The vault caps the band at 250 / (2 * 3) = 41 bp.
    const market = await deployLocalMarket();
    const [deployer, alice] = await ethers.getSigners();
    const { vault, rebalancer } = await deployVault(market, {
      basket: FOUR_ASSET_BASKET,
      triggers: { triggerBandBps: 250, targetBandBps: 100 },
      governance: { admin: deployer.address },
    });
    await depositUsdc(market, vault, alice, 1_000_000);
    const [, , band] = await rebalancer.rebalanceStatus();
    expect(band).to.equal(41n);
    await rebalanceUntilSettled(market, vault, 12);
    await time.increase(600);
    const [status, drift] = await rebalancer.rebalanceStatus();
    expect(status).to.equal(Status.NotDue);
    expect(drift).to.be.lessThan(250n);
  });

  describe("calendar", () => {
    it("rebalances a drift between the bands only once calendarInterval has passed", async () => {
      const { vault, policy, rebalancer, market } = await loadFixture(investedFixture);
      await policy.setTriggerParams({ ...BANDED, calendarInterval: DAY });
      await market.setFeedPrice("WETH", 3_240); // +8%: WETH drifts ~+185 bps, WBTC ~-110, LINK ~-60
      await market.alignAllPools();
      const last = Number(await policy.lastRebalance(rebalancer));
      const drift = await rebalancer.maxDrift();
      expect(drift).to.be.within(101n, 299n);
      const [, , dWbtc, dLink] = await driftsOf(vault);
      expect(dWbtc).to.be.lessThan(-100n);
      expect(dLink).to.be.within(-99n, 99n);

      await expect(rebalancer.rebalance())
        .to.be.revertedWithCustomError(rebalancer, "BallastRebalanceNotDue")
        .withArgs(Status.NotDue, drift);

      // Nearly a day later (feeds kept fresh: their heartbeat is a day too), still not due.
      await time.increaseTo(last + DAY - 60);
      await refreshFeeds(market);
      expect(await rebalancer.maxDrift()).to.equal(drift);
      await expect(rebalancer.rebalance())
        .to.be.revertedWithCustomError(rebalancer, "BallastRebalanceNotDue")
        .withArgs(Status.NotDue, drift);
      await time.increaseTo(last + DAY - 1);
      expect(await rebalancer.rebalanceStatus()).to.deep.equal([Status.NotDue, drift, 50n]);
      expect((await rebalancer.checkUpkeep("0x"))[0]).to.be.false;

      await time.increaseTo(last + DAY);
      expect(await rebalancer.rebalanceStatus()).to.deep.equal([Status.DueByCalendar, drift, 50n]);
      expect((await rebalancer.checkUpkeep("0x"))[0]).to.be.true;
      const [keeper] = await ethers.getSigners();
      await expect(rebalancer.connect(keeper).rebalance())
        .to.emit(vault, "Rebalanced")
        .withArgs(
          keeper.address,
          (x: bigint) => x > 0n,
          (x: bigint) => x > 0n,
          drift,
          (x: bigint) => x < drift,
          3n,
        );
      // WETH sold, WBTC and LINK (~-60, beyond the 50 bp band) bought, each to its band's edge; the
      // calendar restarts now.
      const weights = await rebalancer.currentWeights();
      expect(dLink).to.be.lessThan(-50n);
      expect(weights[1]).to.be.closeTo(4_050n, EDGE_TOLERANCE_BPS);
      expect(weights[2]).to.be.closeTo(3_450n, EDGE_TOLERANCE_BPS);
      expect(weights[3]).to.be.closeTo(1_950n, EDGE_TOLERANCE_BPS);
      expect(await policy.lastRebalance(rebalancer)).to.equal(await time.latest());
    });

    it("does not fire for a drift within the target band, however long since the last rebalance", async () => {
      const { policy, rebalancer, market } = await loadFixture(investedFixture);
      await policy.setTriggerParams({ ...BANDED, calendarInterval: DAY });
      const last = Number(await policy.lastRebalance(rebalancer));
      await time.increaseTo(last + 2 * DAY);
      await refreshFeeds(market);
      const drift = await rebalancer.maxDrift();
      expect(drift).to.be.lessThanOrEqual(50n);
      expect(await rebalancer.rebalanceStatus()).to.deep.equal([Status.NotDue, drift, 50n]);
      await expect(rebalancer.rebalance())
        .to.be.revertedWithCustomError(rebalancer, "BallastRebalanceNotDue")
        .withArgs(Status.NotDue, drift);
    });
  });

  describe("cooldown", () => {
    it("refuses a second keeper within the cooldown without trading, then lets it through", async () => {
      const { vault, policy, rebalancer, market } = await loadFixture(investedFixture);
      const [, , , keeperA, keeperB] = await ethers.getSigners();
      const { cooldown } = await policy.triggerParams();
      await shockWethUpWbtcDown(market);
      // Both keepers see an upkeep; the first one's transaction lands first.
      expect((await rebalancer.connect(keeperA).checkUpkeep("0x"))[0]).to.be.true;
      expect((await rebalancer.connect(keeperB).checkUpkeep("0x"))[0]).to.be.true;
      await expect(rebalancer.connect(keeperA).rebalance()).to.emit(vault, "Rebalanced");
      const last = Number(await policy.lastRebalance(rebalancer));
      expect(last).to.equal(await time.latest());

      // The market moves again at once: the drift is above the trigger band, but the vault waits.
      await market.setFeedPrice("WETH", 3_000); // -10.7%
      await market.alignAllPools();
      const drift = await rebalancer.maxDrift();
      expect(drift).to.be.greaterThanOrEqual(200n);
      expect(await rebalancer.rebalanceStatus()).to.deep.equal([Status.Cooldown, drift, 0n]);
      expect((await rebalancer.checkUpkeep("0x"))[0]).to.be.false;

      const block = await ethers.provider.getBlockNumber();
      const balances = await balancesOf(market, vault);
      const nav = await vault.totalAssets();
      await expect(rebalancer.connect(keeperB).rebalance())
        .to.be.revertedWithCustomError(rebalancer, "BallastRebalanceNotDue")
        .withArgs(Status.Cooldown, drift);
      await expect(rebalancer.connect(keeperB).performUpkeep("0x"))
        .to.be.revertedWithCustomError(rebalancer, "BallastRebalanceNotDue")
        .withArgs(Status.Cooldown, drift);
      expect(await balancesOf(market, vault)).to.deep.equal(balances);
      expect(await vault.totalAssets()).to.equal(nav);
      expect(await policy.lastRebalance(rebalancer)).to.equal(last);
      expect(await vault.queryFilter(vault.filters.Swapped, block + 1)).to.be.empty;
      expect(await vault.queryFilter(vault.filters.Rebalanced, block + 1)).to.be.empty;

      // The last second of the cooldown, then its end.
      await time.increaseTo(last + Number(cooldown) - 1);
      expect((await rebalancer.checkUpkeep("0x"))[0]).to.be.false;
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Cooldown);
      await time.increaseTo(last + Number(cooldown));
      expect((await rebalancer.checkUpkeep("0x"))[0]).to.be.true;
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      await expect(rebalancer.connect(keeperB).performUpkeep("0x")).to.emit(vault, "Rebalanced");
      expect((await rebalancer.checkUpkeep("0x"))[0]).to.be.false;
    });

    it("reports no upkeep after the cooldown when the drift is below the trigger band", async () => {
      const { policy, rebalancer, market } = await loadFixture(investedFixture);
      await shockWethUpWbtcDown(market);
      await rebalancer.rebalance();
      const last = Number(await policy.lastRebalance(rebalancer));
      await time.increaseTo(last + 600);
      await mine();
      expect(await rebalancer.maxDrift()).to.be.lessThan(200n);
      expect((await rebalancer.checkUpkeep("0x"))[0]).to.be.false;
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.NotDue);
    });

    it("keeps the cooldown per rebalancer when two vaults' rebalancers share one policy", async () => {
      const { policy, rebalancer, market } = await loadFixture(investedFixture);
      const [deployer, alice] = await ethers.getSigners();
      const { vault: other, rebalancer: otherRebalancer } = await deployVault(market, {
        basket: FOUR_ASSET_BASKET,
        governance: { admin: deployer.address },
      });
      await otherRebalancer.setPolicy(policy);
      await depositUsdc(market, other, alice, 100_000);
      // The first vault rebalances after a shock; the other, never rebalanced, is still due.
      await shockWethUpWbtcDown(market);
      await rebalancer.rebalance();
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Cooldown);
      expect(await policy.lastRebalance(otherRebalancer)).to.equal(0n);
      // The first vault's trades moved the pools the other's legs would trade in: unfit until
      // arbitrage realigns them to the feeds; then due, whatever the first vault's cooldown.
      expect((await otherRebalancer.rebalanceStatus())[0]).to.equal(Status.LegUnfit);
      await market.alignAllPools();
      expect((await otherRebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      await expect(otherRebalancer.rebalance()).to.emit(other, "Rebalanced");
      expect(await policy.lastRebalance(otherRebalancer)).to.equal(await time.latest());
      expect((await otherRebalancer.rebalanceStatus())[0]).to.equal(Status.Cooldown);
    });
  });
});
