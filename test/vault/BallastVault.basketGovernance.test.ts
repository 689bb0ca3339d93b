import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import { assetRoutes, encodeRoute } from "../../src/vault";
import { ChainlinkOracle__factory } from "../../typechain-types";
import { investedAdminFixture } from "../shared/fixtures";
import { swapsOf } from "../shared/vault";

describe("BallastVault basket governance", () => {
  describe("setOracle", () => {
    it("replaces a token's price source, emitting old and new", async () => {
      const { vault, market, oracles } = await loadFixture(investedAdminFixture);
      const link = market.token("LINK");
      // A fresh round: the one-hour source must price LINK now, however long ago the fixture was made.
      await market.setFeedPrice("LINK", await market.feedPrice("LINK"));
      const next = await new ChainlinkOracle__factory(market.deployer).deploy(link.feed, 3_600, 50, ZeroAddress, 0);
      await expect(vault.setOracle(link.address, next))
        .to.emit(vault, "OracleSet")
        .withArgs(link.address, await oracles[3].getAddress(), await next.getAddress());
      expect((await vault.oracles())[3]).to.equal(await next.getAddress());
      // The new source's one-hour heartbeat now governs LINK's validity.
      await time.increase(3_601);
      for (const symbol of ["USDC", "WETH", "WBTC"]) await market.setFeedPrice(symbol, await market.feedPrice(symbol));
      const [, alice] = await ethers.getSigners();
      await expect(vault.connect(alice).deposit(1n, alice.address))
        .to.be.revertedWithCustomError(vault, "BallastPriceUnavailable")
        .withArgs(link.address);
    });

    it("refuses a source that cannot price the token now, zero, unchanged, unknown tokens and strangers", async () => {
      const { vault, market, oracles } = await loadFixture(investedAdminFixture);
      const link = market.token("LINK");
      const stale = await new ChainlinkOracle__factory(market.deployer).deploy(
        market.token("UNI").feed,
        60,
        100,
        ZeroAddress,
        0,
      );
      await time.increase(120);
      await expect(vault.setOracle(link.address, stale))
        .to.be.revertedWithCustomError(vault, "BallastPriceUnavailable")
        .withArgs(link.address);
      await expect(vault.setOracle(link.address, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        vault,
        "BallastZeroAddress",
      );
      await expect(vault.setOracle(link.address, oracles[3])).to.be.revertedWithCustomError(
        vault,
        "BallastParameterUnchanged",
      );
      const uni = market.token("UNI").address;
      await expect(vault.setOracle(uni, oracles[3]))
        .to.be.revertedWithCustomError(vault, "BallastUnknownToken")
        .withArgs(uni);
      const [, stranger] = await ethers.getSigners();
      await expect(vault.connect(stranger).setOracle(link.address, oracles[0]))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, ethers.ZeroHash);
    });
  });

  describe("setRoutes", () => {
    it("reroutes a token, and the next trades follow the new route", async () => {
      const { vault, market, rebalancer } = await loadFixture(investedAdminFixture);
      const link = market.token("LINK");
      const sell = encodeRoute(market, ["LINK", 3000, "WETH", 500, "USDC"]);
      const buy = encodeRoute(market, ["USDC", 500, "WETH", 3000, "LINK"]);
      await expect(vault.setRoutes(link.address, sell, buy))
        .to.emit(vault, "RoutesSet")
        .withArgs(link.address, sell, buy);
      expect(await assetRoutes(vault, link.address)).to.deep.equal([sell, buy]);

      await market.setFeedPrice("LINK", 13); // LINK -13%: underweight beyond the band, the vault buys it
      await market.alignAllPools();
      await time.increase(600);
      const hub = market.pool("LINK", "WETH", 3000);
      const direct = market.pool("LINK", "USDC", 3000);
      const hubBefore = await link.contract.balanceOf(hub.address);
      const directBefore = await link.contract.balanceOf(direct.address);
      const swaps = await swapsOf(vault, rebalancer.rebalance());
      expect(swaps.some((s) => s.tokenOut === link.address)).to.be.true;
      expect(await link.contract.balanceOf(hub.address)).to.be.lessThan(hubBefore);
      expect(await link.contract.balanceOf(direct.address)).to.equal(directBefore);
    });

    it("validates routes as the constructor does and refuses the base, unchanged routes and strangers", async () => {
      const { vault, market } = await loadFixture(investedAdminFixture);
      const link = market.token("LINK").address;
      const [sell, buy] = await assetRoutes(vault, link);
      await expect(vault.setRoutes(link, sell, buy)).to.be.revertedWithCustomError(vault, "BallastParameterUnchanged");
      await expect(vault.setRoutes(link, "0x", buy))
        .to.be.revertedWithCustomError(vault, "BallastEmptyRoute")
        .withArgs(link);
      const wrongEnd = encodeRoute(market, ["LINK", 3000, "WETH"]);
      await expect(vault.setRoutes(link, wrongEnd, buy)).to.be.revertedWithCustomError(vault, "BallastRouteEndpoints");
      const noPool = encodeRoute(market, ["LINK", 500, "USDC"]);
      await expect(vault.setRoutes(link, noPool, buy)).to.be.revertedWithCustomError(vault, "BallastRoutePoolMissing");
      await expect(vault.setRoutes(market.token("USDC").address, sell, buy)).to.be.revertedWithCustomError(
        vault,
        "BallastBaseRoute",
      );
      const [, stranger] = await ethers.getSigners();
      await expect(vault.connect(stranger).setRoutes(link, buy, sell))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, ethers.ZeroHash);
    });
  });
});
