/**
 * BallastRebalancer on its own: construction, its breakers, who may call what, the views it answers
 * for the vault, and the records the policy keeps under its address.
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import type { AddressLike, Interface } from "ethers";
import { ethers } from "hardhat";

import { RECOMMENDED_BREAKERS } from "../src/vault";
import { BallastBreakers__factory, BallastRebalancer__factory } from "../typechain-types";
import { investedAdminFixture } from "./shared/fixtures";
import { refreshFeeds, Trip } from "./shared/security";
import { Status } from "./shared/vault";

describe("BallastRebalancer", () => {
  describe("construction", () => {
    it("refuses a zero vault or admin, a vault without code, and a zero or code-less policy, breakers or planner", async () => {
      const { vault, policy, breakers, rebalancer } = await loadFixture(investedAdminFixture);
      const [deployer, someone] = await ethers.getSigners();
      const factory = new BallastRebalancer__factory(deployer);
      const planner = await rebalancer.planner();
      const admin = deployer.address;
      const { ZeroAddress } = ethers;
      type Args = [AddressLike, AddressLike, AddressLike, AddressLike, AddressLike];
      const deploy = ([v, p, b, pl, a]: Args) => factory.deploy(v, p, b, pl, a);
      for (const args of [
        [ZeroAddress, policy, breakers, planner, admin],
        [vault, policy, breakers, planner, ZeroAddress],
        [vault, ZeroAddress, breakers, planner, admin],
        [vault, policy, ZeroAddress, planner, admin],
        [vault, policy, breakers, ZeroAddress, admin],
      ] satisfies Args[]) {
        await expect(deploy(args)).to.be.revertedWithCustomError(factory, "BallastZeroAddress");
      }
      for (const args of [
        [someone.address, policy, breakers, planner, admin],
        [vault, someone.address, breakers, planner, admin],
        [vault, policy, someone.address, planner, admin],
        [vault, policy, breakers, someone.address, admin],
      ] satisfies Args[]) {
        await expect(deploy(args))
          .to.be.revertedWithCustomError(factory, "BallastNotAContract")
          .withArgs(someone.address);
      }
    });

    it("serves its vault, with its policy and breakers, governed by its admin", async () => {
      const { vault, policy, breakers, rebalancer } = await loadFixture(investedAdminFixture);
      const [admin] = await ethers.getSigners();
      expect(await rebalancer.vault()).to.equal(await vault.getAddress());
      expect(await rebalancer.policy()).to.equal(await policy.getAddress());
      expect(await rebalancer.breakers()).to.equal(await breakers.getAddress());
      expect(await vault.rebalancer()).to.equal(await rebalancer.getAddress());
      expect(await ethers.provider.getCode(await rebalancer.planner())).to.not.equal("0x");
      expect(await rebalancer.hasRole(await rebalancer.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
      expect(await rebalancer.oracles()).to.deep.equal(await vault.oracles());
    });

    it("has no poke: no transaction exists only to maintain state (issue 17)", async () => {
      const { rebalancer } = await loadFixture(investedAdminFixture);
      const [caller] = await ethers.getSigners();
      // Through the untyped Interface: the typed one does not even accept the name.
      expect((rebalancer.interface as Interface).getFunction("poke")).to.equal(null);
      // Nor does the deployed code answer its selector (no fallback takes it either).
      const selector = ethers.id("poke()").slice(0, 10);
      await expect(caller.sendTransaction({ to: await rebalancer.getAddress(), data: selector })).to.be.reverted;
    });
  });

  describe("setBreakers", () => {
    it("is governance's: a stranger is refused, zero, code-less and unchanged breakers too", async () => {
      const { breakers, rebalancer } = await loadFixture(investedAdminFixture);
      const [, stranger] = await ethers.getSigners();
      const next = await new BallastBreakers__factory(stranger).deploy(stranger.address);
      await expect(rebalancer.connect(stranger).setBreakers(next))
        .to.be.revertedWithCustomError(rebalancer, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, ethers.ZeroHash);
      await expect(rebalancer.setBreakers(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        rebalancer,
        "BallastZeroAddress",
      );
      await expect(rebalancer.setBreakers(stranger.address))
        .to.be.revertedWithCustomError(rebalancer, "BallastNotAContract")
        .withArgs(stranger.address);
      await expect(rebalancer.setBreakers(breakers)).to.be.revertedWithCustomError(
        rebalancer,
        "BallastParameterUnchanged",
      );
    });

    it("points the rebalancer at other breakers, emitting BreakersSet(old, new); a trip recorded by the old ones stays there", async () => {
      const { market, vault, breakers, rebalancer } = await loadFixture(investedAdminFixture);
      const [admin] = await ethers.getSigners();
      // A rebalance due (WETH +10%), and the old breakers latch a trip at it: the pools are younger
      // than a day-long TWAP window.
      await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
      await market.alignAllPools();
      await time.increase(600);
      await refreshFeeds(market, ["USDC", "WETH", "WBTC", "LINK"]);
      await breakers.setBreakerParams({ ...RECOMMENDED_BREAKERS, twapWindow: 86_400, tripOnInvalidPrice: false });
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      await expect(rebalancer.rebalance())
        .to.emit(breakers, "BreakerTripped")
        .withArgs(await rebalancer.getAddress(), Trip.TwapUnavailable, 1n);
      expect((await breakers.breaker(rebalancer))[0]).to.equal(Trip.TwapUnavailable);
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.BreakerTripped);

      const next = await new BallastBreakers__factory(admin).deploy(admin.address);
      await expect(rebalancer.setBreakers(next))
        .to.emit(rebalancer, "BreakersSet")
        .withArgs(await breakers.getAddress(), await next.getAddress());
      expect(await rebalancer.breakers()).to.equal(await next.getAddress());
      // The new breakers have no record of this rebalancer, and check nothing until governance sets them.
      expect(await next.breaker(rebalancer)).to.deep.equal([0n, 0n, 0n]);
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      const tx = rebalancer.rebalance();
      await expect(tx).to.emit(vault, "Rebalanced");
      await expect(tx).to.not.emit(next, "BreakerTripped");
      expect((await breakers.breaker(rebalancer))[0]).to.equal(Trip.TwapUnavailable);
    });
  });

  describe("who may call what", () => {
    it("takes basket changes from its vault alone (BallastNotVault)", async () => {
      const { vault, rebalancer } = await loadFixture(investedAdminFixture);
      const [, outsider] = await ethers.getSigners();
      await expect(rebalancer.connect(outsider).basketChanged())
        .to.be.revertedWithCustomError(rebalancer, "BallastNotVault")
        .withArgs(outsider.address, await vault.getAddress());
    });

    it("lets anyone rebalance when due, and reports the keeper to the vault's Rebalanced event", async () => {
      const { market, vault, rebalancer } = await loadFixture(investedAdminFixture);
      const [, , , keeper] = await ethers.getSigners();
      await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
      await market.alignAllPools();
      await refreshFeeds(market, ["USDC", "WETH", "WBTC", "LINK"]);
      await time.increase(600);
      await refreshFeeds(market, ["USDC", "WETH", "WBTC", "LINK"]);
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      await expect(rebalancer.connect(keeper).rebalance())
        .to.emit(vault, "Rebalanced")
        .withArgs(
          keeper.address,
          (x: bigint) => x > 0n,
          (x: bigint) => x > 0n,
          (x: bigint) => x >= 200n,
          (x: bigint) => x < 200n,
          (x: bigint) => x > 0n,
        );
    });
  });

  describe("the policy's records are the rebalancer's", () => {
    it("records the last rebalance under the rebalancer's address, not the vault's", async () => {
      const { vault, policy, rebalancer } = await loadFixture(investedAdminFixture);
      expect(await policy.lastRebalance(rebalancer)).to.be.greaterThan(0n);
      expect(await policy.lastRebalance(vault)).to.equal(0n);
    });

    it("a new rebalancer starts with no cooldown: the policy has no record of it", async () => {
      const { market, vault, policy, rebalancer } = await loadFixture(investedAdminFixture);
      const [admin] = await ethers.getSigners();
      await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
      await market.alignAllPools();
      await (await rebalancer.rebalance()).wait();
      expect((await rebalancer.rebalanceStatus())[0]).to.be.oneOf([Status.Cooldown, Status.NotDue]);
      const next = await new BallastRebalancer__factory(admin).deploy(
        vault,
        policy,
        rebalancer.breakers(),
        rebalancer.planner(),
        admin.address,
      );
      await (await vault.setRebalancer(next)).wait();
      expect(await policy.lastRebalance(next)).to.equal(0n);
      const [status] = await next.rebalanceStatus();
      expect(status).to.not.equal(Status.Cooldown);
      // The old rebalancer can no longer trade, nor record prices.
      await expect(rebalancer.rebalance())
        .to.be.revertedWithCustomError(vault, "BallastNotRebalancer")
        .withArgs(await rebalancer.getAddress());
    });
  });

  describe("views", () => {
    it("answers weights and drift from the vault's oracle valuation", async () => {
      const { vault, rebalancer } = await loadFixture(investedAdminFixture);
      // By position: an ethers Result's own `values` is Array.prototype.values.
      const [, , , , values, targets, nav] = await vault.basketState();
      const weights = [...(await rebalancer.currentWeights())];
      expect(weights).to.deep.equal(values.map((value) => (value * 10_000n) / nav));
      let drift = 0n;
      for (const [i, w] of weights.entries()) {
        const d = w > targets[i] ? w - targets[i] : targets[i] - w;
        if (d > drift) drift = d;
      }
      expect(await rebalancer.maxDrift()).to.equal(drift);
    });

    it("refuses weights and drift while a price is invalid, and reports PriceUnavailable", async () => {
      const { market, rebalancer } = await loadFixture(investedAdminFixture);
      await time.increase(2 * 24 * 3600);
      await refreshFeeds(market, ["USDC", "WBTC", "LINK"]);
      const weth = market.token("WETH").address;
      await expect(rebalancer.currentWeights())
        .to.be.revertedWithCustomError(rebalancer, "BallastPriceUnavailable")
        .withArgs(weth);
      await expect(rebalancer.maxDrift())
        .to.be.revertedWithCustomError(rebalancer, "BallastPriceUnavailable")
        .withArgs(weth);
      await expect(rebalancer.rebalanceCost())
        .to.be.revertedWithCustomError(rebalancer, "BallastPriceUnavailable")
        .withArgs(weth);
      expect(await rebalancer.rebalanceStatus()).to.deep.equal([Status.PriceUnavailable, 0n, 0n]);
      const [needed] = await rebalancer.checkUpkeep("0x");
      expect(needed).to.equal(false);
      await expect(rebalancer.rebalance())
        .to.be.revertedWithCustomError(rebalancer, "BallastPriceUnavailable")
        .withArgs(weth);
    });

    it("checkUpkeep says due exactly when the status is Due, and performUpkeep rebalances", async () => {
      const { market, vault, rebalancer } = await loadFixture(investedAdminFixture);
      const [needed] = await rebalancer.checkUpkeep("0x");
      expect(needed).to.equal(false);
      await time.increase(600);
      await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
      await market.alignAllPools();
      await refreshFeeds(market, ["USDC", "WETH", "WBTC", "LINK"]);
      const [due, performData] = await rebalancer.checkUpkeep("0x");
      expect(due).to.equal(true);
      await expect(rebalancer.performUpkeep(performData)).to.emit(vault, "Rebalanced");
    });

    it("refuses to trade while the vault is paused (EnforcedPause) and reports Paused", async () => {
      const { market, vault, rebalancer } = await loadFixture(investedAdminFixture);
      await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
      await market.alignAllPools();
      await (await vault.pause()).wait();
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Paused);
      await expect(rebalancer.rebalance()).to.be.revertedWithCustomError(rebalancer, "EnforcedPause");
    });
  });
});
