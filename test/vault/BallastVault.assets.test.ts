import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { expect } from "chai";
import { parseUnits, solidityPacked, ZeroAddress, ZeroHash } from "ethers";
import { ethers } from "hardhat";

import { DEFAULT_FEED_DEVIATION_BPS, FEED_DEVIATION_BPS } from "../../src/market";
import type { LocalMarket } from "../../src/market";
import { allRoutes, assetRoutes, deployVault, encodeRoute, reverseRoute } from "../../src/vault";
import type { RouteSpec } from "../../src/vault";
import { ChainlinkOracle__factory, MockBallastOracle__factory, MockERC20__factory } from "../../typechain-types";
import type { BallastVault, ChainlinkOracle, MockBallastOracle } from "../../typechain-types";
import type { IBallastVault } from "../../typechain-types/artifacts/contracts/BallastVault";
import { Parameter } from "../../src/vault/enums";
import { BREAKERS, poolChecksOf } from "../shared/breakers";
import { investedAdminFixture } from "../shared/fixtures";
import type { VaultFixture } from "../shared/fixtures";
import { entryCharge, flowValuation } from "../shared/flow";
import { depositUsdc, rebalanceUntilSettled, Status, swapsOf } from "../shared/vault";
import { deployLocalMarket } from "../shared/market";

const DAY = 86_400;
const HOUR = 3_600;
/** BasketAdmin.MAX_ASSETS */
const MAX_ASSETS = 16n;
/** UNI's direct route to the base asset (the UNI/USDC 0.3% pool). */
const UNI_ROUTE: RouteSpec = ["UNI", 3000, "USDC"];
/** Every token the tests price, so that their feeds can be kept fresh across long waits. */
const FEEDS = ["USDC", "WETH", "WBTC", "LINK", "UNI"] as const;
/** IBallastBreakers.Trip.SpotTwapDivergence */
const SPOT_TWAP_DIVERGENCE = 2n;

/** A ChainlinkOracle over the market's feed of `symbol`. */
async function feedOracle(market: LocalMarket, symbol: string, heartbeat = DAY): Promise<ChainlinkOracle> {
  const oracle = await new ChainlinkOracle__factory(market.deployer).deploy(
    market.token(symbol).feed,
    heartbeat,
    FEED_DEVIATION_BPS[symbol] ?? DEFAULT_FEED_DEVIATION_BPS,
    ZeroAddress,
    0,
  );
  await oracle.waitForDeployment();
  return oracle;
}

/** An addAsset entry for a market token at weight 0, routed along `route` and back. */
async function assetConfig(
  market: LocalMarket,
  symbol: string,
  oracle: ChainlinkOracle | MockBallastOracle,
  route: RouteSpec = [symbol, 3000, "USDC"],
): Promise<IBallastVault.AssetConfigStruct> {
  return {
    token: market.token(symbol).address,
    oracle: await oracle.getAddress(),
    targetWeightBps: 0,
    sellRoute: encodeRoute(market, route),
    buyRoute: encodeRoute(market, reverseRoute(route)),
  };
}

/** Every feed reports its current answer again, in a round dated now (keeps them fresh). */
async function refreshFeeds(market: LocalMarket): Promise<void> {
  for (const symbol of FEEDS) await market.setFeedPrice(symbol, await market.feedPrice(symbol));
}

/** Starts a ramp to `weights` in the next block, lasting `duration` seconds; returns its start and end. */
async function rampTo(vault: BallastVault, weights: number[], duration: number): Promise<[number, number]> {
  const start = (await time.latest()) + 1;
  await time.setNextBlockTimestamp(start);
  await vault.setTargetWeights(weights, start, start + duration);
  return [start, start + duration];
}

/** Keeps the feeds fresh and realigns the pools to them, as oracles and arbitrageurs do between keeper runs. */
async function freshen(market: LocalMarket): Promise<void> {
  await refreshFeeds(market);
  await market.alignAllPools();
}

/** Waits until `timestamp`, then {@link freshen}s the market. */
async function waitUntil(market: LocalMarket, timestamp: number): Promise<void> {
  if ((await time.latest()) < timestamp) await time.increaseTo(timestamp);
  await freshen(market);
}

/** A MockERC20 outside the market with a (bare) pool against USDC at 0.3%. */
async function extraToken(market: LocalMarket, symbol: string, decimals: number): Promise<string> {
  const token = await new MockERC20__factory(market.deployer).deploy(`Extra ${symbol}`, symbol, decimals);
  await token.waitForDeployment();
  const address = await token.getAddress();
  await (await market.factory.connect(market.deployer).createPool(address, market.token("USDC").address, 3000)).wait();
  return address;
}

/** An addAsset entry for a token outside the market, routed through its USDC pool at 0.3%. */
function rawConfig(market: LocalMarket, token: string, oracle: string): IBallastVault.AssetConfigStruct {
  const usdc = market.token("USDC").address;
  return {
    token,
    oracle,
    targetWeightBps: 0,
    sellRoute: solidityPacked(["address", "uint24", "address"], [token, 3000, usdc]),
    buyRoute: solidityPacked(["address", "uint24", "address"], [usdc, 3000, token]),
  };
}

/** Token balance of the vault. */
async function held(market: LocalMarket, vault: BallastVault, symbol: string): Promise<bigint> {
  return market.token(symbol).contract.balanceOf(vault);
}

/** The invested four-asset vault with UNI listed as a fifth asset at weight 0. */
async function uniListedFixture(): Promise<VaultFixture> {
  const fixture = await investedAdminFixture();
  const uniOracle = await feedOracle(fixture.market, "UNI");
  await fixture.vault.addAsset(await assetConfig(fixture.market, "UNI", uniOracle, UNI_ROUTE));
  return fixture;
}

/** UNI ramped in over two days to 1_000 bps taken from WETH, and the vault rebalanced onto it. */
async function uniHeldFixture(): Promise<VaultFixture> {
  const fixture = await uniListedFixture();
  const [, end] = await rampTo(fixture.vault, [500, 3_000, 3_500, 2_000, 1_000], 2 * DAY);
  await waitUntil(fixture.market, end);
  await rebalanceUntilSettled(fixture.market, fixture.vault);
  return fixture;
}

describe("BallastVault asset listing and removal", () => {
  describe("lifecycle", () => {
    it("lists a new asset at weight 0, extending every view", async () => {
      const { vault, rebalancer, market, oracles } = await loadFixture(investedAdminFixture);
      const uni = market.token("UNI").address;
      const uniOracle = await feedOracle(market, "UNI");
      const config = await assetConfig(market, "UNI", uniOracle, UNI_ROUTE);
      const pricesBefore = await vault.lastPrices();
      await expect(vault.addAsset(config))
        .to.emit(vault, "AssetListed")
        .withArgs(4n, uni, await uniOracle.getAddress(), 0n, config.sellRoute, config.buyRoute);

      const tokens = ["USDC", "WETH", "WBTC", "LINK", "UNI"].map((s) => market.token(s).address);
      expect(await vault.basketTokens()).to.deep.equal(tokens);
      expect((await vault.basketState()).targets).to.deep.equal([500n, 4_000n, 3_500n, 2_000n, 0n]);
      const sources = await Promise.all(oracles.map((o) => o.getAddress()));
      expect(await vault.oracles()).to.deep.equal([...sources, await uniOracle.getAddress()]);
      // Its price is recorded at once; the others' records are untouched.
      expect(await vault.lastPrices()).to.deep.equal([...pricesBefore, parseUnits("8", 18)]);
      expect(await assetRoutes(vault, uni)).to.deep.equal([config.sellRoute, config.buyRoute]);
      // Nothing held yet: the NAV and the current weights simply gain a zero entry.
      const weights = await rebalancer.currentWeights();
      expect(weights).to.have.length(5);
      expect(weights[4]).to.equal(0n);
      expect(await vault.previewRedeemInKind(10n ** 18n)).to.have.length(5);
      const [status] = await rebalancer.rebalanceStatus();
      expect(status).to.equal(Status.NotDue);
    });

    it("lists an asset during a ramp: the others keep ramping (each entry carries its ramp), the new one holds 0", async () => {
      const { vault, market } = await loadFixture(investedAdminFixture);
      const [start, end] = await rampTo(vault, [500, 3_000, 3_500, 3_000], 10 * DAY);
      // Within a unit of the interpolation: the feeds' refresh moves the clock a few seconds on.
      const near = async (expected: bigint[]) => {
        const { targets } = await vault.basketState();
        expect(targets).to.have.length(expected.length);
        targets.forEach((t, i) => expect(t).to.be.closeTo(expected[i], 1n));
      };
      await waitUntil(market, start + 5 * DAY);
      await near([500n, 3_500n, 3_500n, 2_500n]);
      const uniOracle = await feedOracle(market, "UNI");
      await vault.addAsset(await assetConfig(market, "UNI", uniOracle, UNI_ROUTE));
      await near([500n, 3_500n, 3_500n, 2_500n, 0n]);
      await waitUntil(market, start + 8 * DAY);
      await near([500n, 3_200n, 3_500n, 2_800n, 0n]);
      await waitUntil(market, end);
      expect((await vault.basketState()).targets).to.deep.equal([500n, 3_000n, 3_500n, 3_000n, 0n]);
    });

    it("ramps the new asset in from WETH: rebalances buy it up to its target", async () => {
      const { vault, rebalancer, market } = await loadFixture(uniListedFixture);
      const [start, end] = await rampTo(vault, [500, 3_000, 3_500, 2_000, 1_000], 2 * DAY);
      expect((await vault.basketState()).targets).to.deep.equal([500n, 4_000n, 3_500n, 2_000n, 0n]);
      // Halfway, UNI's target is 500 bps: the rebalance buys it up to there only.
      await time.increaseTo(start + DAY);
      expect((await vault.basketState()).targets).to.deep.equal([500n, 3_500n, 3_500n, 2_000n, 500n]);
      await freshen(market);
      const swaps = await swapsOf(vault, rebalancer.rebalance());
      expect(swaps.some((s) => s.tokenOut === market.token("UNI").address)).to.be.true;
      expect((await rebalancer.currentWeights())[4]).to.be.closeTo(500n, 15n);

      await waitUntil(market, end);
      expect((await vault.basketState()).targets).to.deep.equal([500n, 3_000n, 3_500n, 2_000n, 1_000n]);
      await rebalanceUntilSettled(market, vault);
      const weights = await rebalancer.currentWeights();
      expect(weights[4]).to.be.closeTo(1_000n, 20n);
      expect(weights[1]).to.be.closeTo(3_000n, 20n);
      expect(await rebalancer.maxDrift()).to.be.lessThan(200n);
    });

    it("ramps it back out: rebalances sell its whole balance, then removeAsset shrinks every view", async () => {
      const { vault, rebalancer, market, oracles } = await loadFixture(uniHeldFixture);
      const uni = market.token("UNI").address;
      const [alice, bob] = (await ethers.getSigners()).slice(1);
      const [start, end] = await rampTo(vault, [500, 4_000, 3_500, 2_000, 0], DAY);

      // A quarter of the way, the weight in force is 750 bps (rounded up while falling).
      await time.setNextBlockTimestamp(start + DAY / 4);
      await expect(vault.removeAsset(uni))
        .to.be.revertedWithCustomError(vault, "BallastAssetWeight")
        .withArgs(uni, 750n);

      // Halfway a rebalance trims UNI to 500 bps only: it is not retiring yet.
      await waitUntil(market, start + DAY / 2);
      await rebalanceUntilSettled(market, vault);
      expect((await rebalancer.currentWeights())[4]).to.be.closeTo(500n, 15n);
      const halfway = await held(market, vault, "UNI");
      expect(halfway).to.be.greaterThan(0n);

      // At the end its target is 0, but it still holds value: while its oracle fails nothing can be
      // sold at a checked price, and the removal is refused.
      await waitUntil(market, end);
      expect((await vault.basketState()).targets).to.deep.equal([500n, 4_000n, 3_500n, 2_000n, 0n]);
      const balance = await held(market, vault, "UNI");
      const uniPrice = await market.feedPrice("UNI");
      await market.token("UNI").feed.connect(market.deployer).setAnswer(0);
      await expect(vault.removeAsset(uni))
        .to.be.revertedWithCustomError(vault, "BallastAssetNotEmpty")
        .withArgs(uni, balance);
      await market.setFeedPrice("UNI", uniPrice);

      // The rebalance sells all of it, whatever the band.
      const swaps = await swapsOf(vault, rebalancer.rebalance());
      const sale = swaps.find((s) => s.tokenIn === uni);
      expect(sale?.amountIn).to.equal(balance);
      expect(await held(market, vault, "UNI")).to.equal(0n);
      await market.alignAllPools();
      await rebalanceUntilSettled(market, vault);

      const prices = await vault.lastPrices();
      const usdc = market.token("USDC").address;
      await expect(vault.removeAsset(uni)).to.emit(vault, "AssetRemoved").withArgs(4n, uni, 0n);
      const tokens = ["USDC", "WETH", "WBTC", "LINK"].map((s) => market.token(s).address);
      expect(await vault.basketTokens()).to.deep.equal(tokens);
      expect((await vault.basketState()).targets).to.deep.equal([500n, 4_000n, 3_500n, 2_000n]);
      expect(await vault.oracles()).to.deep.equal(await Promise.all(oracles.map((o) => o.getAddress())));
      expect(await vault.lastPrices()).to.deep.equal(prices.slice(0, 4));
      expect(await assetRoutes(vault, usdc)).to.deep.equal(["0x", "0x"]);

      // Entries, exits and rebalances carry on over the four remaining assets.
      const entry = await flowValuation(vault, "entry");
      const nav = await vault.totalAssets();
      const deposited = await depositUsdc(market, vault, bob, 20_000);
      // Worth the deposit less its entry charge (over the four assets' feeds and pools), of which Bob
      // keeps his ~4% part as a holder.
      const value = await vault.convertToAssets(await vault.balanceOf(bob));
      const charge = entryCharge(entry, deposited, nav);
      expect(value).to.be.lessThan(deposited);
      expect(value).to.be.within(deposited - charge - deposited / 10_000n, deposited - charge + charge / 20n);
      const shares = (await vault.balanceOf(alice)) / 4n;
      await expect(vault.connect(alice).redeem(shares, alice.address, alice.address)).to.emit(vault, "Withdraw");
      const inKind = await vault.previewRedeemInKind(shares);
      expect(inKind).to.have.length(4);
      await expect(vault.connect(alice).redeemInKind(shares, alice.address, alice.address))
        .to.emit(vault, "RedeemedInKind")
        .withArgs(alice.address, alice.address, alice.address, shares, inKind);
      await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.15);
      await market.alignAllPools();
      expect(await rebalanceUntilSettled(market, vault)).to.be.greaterThan(0);
      expect(await rebalancer.maxDrift()).to.be.lessThan(200n);
      // The rebalances recorded the four prices, WETH's new one included.
      expect(await vault.lastPrices()).to.deep.equal([...(await vault.basketState()).prices]);
      expect((await vault.lastPrices())[1]).to.not.equal(prices[1]);
    });
  });

  describe("addAsset", () => {
    it("refuses a non-zero weight, zero addresses, listed tokens, bad routes and strangers, changing nothing", async () => {
      const { vault, market } = await loadFixture(investedAdminFixture);
      const [uni, usdc, weth] = ["UNI", "USDC", "WETH"].map((s) => market.token(s).address);
      const oracle = await feedOracle(market, "UNI");
      const good = await assetConfig(market, "UNI", oracle, UNI_ROUTE);
      const sell = encodeRoute(market, UNI_ROUTE);
      const tokensBefore = await vault.basketTokens();
      const pricesBefore = await vault.lastPrices();

      await expect(vault.addAsset({ ...good, targetWeightBps: 1_000 }))
        .to.be.revertedWithCustomError(vault, "BallastAssetWeight")
        .withArgs(uni, 1_000n);
      await expect(vault.addAsset({ ...good, token: ZeroAddress })).to.be.revertedWithCustomError(
        vault,
        "BallastZeroAddress",
      );
      await expect(vault.addAsset({ ...good, oracle: ZeroAddress })).to.be.revertedWithCustomError(
        vault,
        "BallastZeroAddress",
      );
      const wethConfig = await assetConfig(market, "WETH", oracle, ["WETH", 500, "USDC"]);
      await expect(vault.addAsset(wethConfig))
        .to.be.revertedWithCustomError(vault, "BallastDuplicateToken")
        .withArgs(weth);
      await expect(vault.addAsset({ ...good, token: usdc }))
        .to.be.revertedWithCustomError(vault, "BallastDuplicateToken")
        .withArgs(usdc);
      await expect(vault.addAsset({ ...good, sellRoute: "0x" }))
        .to.be.revertedWithCustomError(vault, "BallastEmptyRoute")
        .withArgs(uni);
      await expect(vault.addAsset({ ...good, buyRoute: "0x" }))
        .to.be.revertedWithCustomError(vault, "BallastEmptyRoute")
        .withArgs(uni);
      await expect(vault.addAsset({ ...good, sellRoute: `${sell}00` }))
        .to.be.revertedWithCustomError(vault, "BallastMalformedRoute")
        .withArgs(uni, 44n);
      await expect(vault.addAsset({ ...good, sellRoute: encodeRoute(market, ["UNI", 3000, "WETH"]) }))
        .to.be.revertedWithCustomError(vault, "BallastRouteEndpoints")
        .withArgs(uni, uni, uni, usdc, weth);
      await expect(vault.addAsset({ ...good, buyRoute: sell }))
        .to.be.revertedWithCustomError(vault, "BallastRouteEndpoints")
        .withArgs(uni, usdc, uni, uni, usdc);
      await expect(vault.addAsset({ ...good, sellRoute: encodeRoute(market, ["UNI", 500, "USDC"]) }))
        .to.be.revertedWithCustomError(vault, "BallastRoutePoolMissing")
        .withArgs(uni, usdc, 500n);
      await expect(vault.addAsset({ ...good, buyRoute: encodeRoute(market, ["USDC", 500, "WETH", 500, "UNI"]) }))
        .to.be.revertedWithCustomError(vault, "BallastRoutePoolMissing")
        .withArgs(weth, uni, 500n);
      const [, stranger] = await ethers.getSigners();
      await expect(vault.connect(stranger).addAsset(good))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, ZeroHash);

      expect(await vault.basketTokens()).to.deep.equal(tokensBefore);
      expect(await vault.lastPrices()).to.deep.equal(pricesBefore);
      expect((await vault.basketState()).targets).to.deep.equal([500n, 4_000n, 3_500n, 2_000n]);
      // A multi-hop route through the basket is fine.
      await expect(vault.addAsset(await assetConfig(market, "UNI", oracle, ["UNI", 3000, "WETH", 500, "USDC"])))
        .to.emit(vault, "AssetListed")
        .withArgs(4n, uni, await oracle.getAddress(), 0n, anyValue, anyValue);
    });

    it("refuses an asset its oracle cannot price now", async () => {
      const { vault, market } = await loadFixture(investedAdminFixture);
      const uni = market.token("UNI").address;
      const stale = await feedOracle(market, "UNI", 60);
      await time.increase(120);
      await expect(vault.addAsset(await assetConfig(market, "UNI", stale, UNI_ROUTE)))
        .to.be.revertedWithCustomError(vault, "BallastPriceUnavailable")
        .withArgs(uni);
      expect(await vault.basketTokens()).to.have.length(4);
      await market.setFeedPrice("UNI", 8);
      await expect(vault.addAsset(await assetConfig(market, "UNI", stale, UNI_ROUTE))).to.emit(vault, "AssetListed");
    });

    it("refuses an oracle that states no deviation threshold, or one above 100%, before listing anything", async () => {
      const { vault, market } = await loadFixture(investedAdminFixture);
      const uni = market.token("UNI").address;
      const price = parseUnits("8", 18);
      const wide = await new MockBallastOracle__factory(market.deployer).deploy(price, 10_001);
      await expect(vault.addAsset(await assetConfig(market, "UNI", wide, UNI_ROUTE)))
        .to.be.revertedWithCustomError(vault, "BallastParameterOutOfRange")
        .withArgs(Parameter.DeviationBps, 10_001n, 0n, 10_000n);
      // A source without deviationBps(): the feed itself (latestRoundData, no threshold).
      const feed = market.token("UNI").feed;
      await expect(
        vault.addAsset({ ...(await assetConfig(market, "UNI", wide, UNI_ROUTE)), oracle: await feed.getAddress() }),
      )
        .to.be.revertedWithCustomError(vault, "BallastPriceUnavailable")
        .withArgs(uni);
      await expect(vault.setOracle(market.token("WETH").address, wide))
        .to.be.revertedWithCustomError(vault, "BallastParameterOutOfRange")
        .withArgs(Parameter.DeviationBps, 10_001n, 0n, 10_000n);
      expect(await vault.basketTokens()).to.have.length(4);
      // At the bound, listed.
      const full = await new MockBallastOracle__factory(market.deployer).deploy(price, 10_000);
      await expect(vault.addAsset(await assetConfig(market, "UNI", full, UNI_ROUTE))).to.emit(vault, "AssetListed");
    });

    it("refuses a token with more than 18 decimals", async () => {
      const { vault, market } = await loadFixture(investedAdminFixture);
      const oracle = await feedOracle(market, "UNI");
      const wide = await extraToken(market, "WIDE", 19);
      await expect(vault.addAsset(rawConfig(market, wide, await oracle.getAddress())))
        .to.be.revertedWithCustomError(vault, "BallastUnsupportedDecimals")
        .withArgs(wide, 19n);
    });

    it("fills the basket up to 16 assets and refuses a 17th", async () => {
      const { vault, rebalancer, market } = await loadFixture(investedAdminFixture);
      for (const symbol of ["UNI", "AAVE", "CRV", "MKR"]) {
        await vault.addAsset(await assetConfig(market, symbol, await feedOracle(market, symbol)));
      }
      const oracle = await (await feedOracle(market, "UNI")).getAddress();
      for (let i = 0; i < 8; i++) {
        await vault.addAsset(rawConfig(market, await extraToken(market, `X${i}`, 18), oracle));
      }
      expect(await vault.basketTokens()).to.have.length(16);
      expect((await vault.basketState()).targets).to.have.length(16);
      expect(await vault.lastPrices()).to.have.length(16);
      const extra = await extraToken(market, "X8", 18);
      await expect(vault.addAsset(rawConfig(market, extra, oracle)))
        .to.be.revertedWithCustomError(vault, "BallastBasketSize")
        .withArgs(MAX_ASSETS + 1n, MAX_ASSETS);
      // The full basket still values, and a rebalance records its prices.
      expect(await rebalancer.currentWeights()).to.have.length(16);
      await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
      await market.alignAllPools();
      await time.increase(HOUR);
      await freshen(market);
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      const tx = rebalancer.rebalance();
      await expect(tx)
        .to.emit(vault, "PricesRecorded")
        .withArgs((prices: bigint[]) => prices.length === 16);
      await expect(tx).to.emit(vault, "Rebalanced");
    });
  });

  describe("removeAsset", () => {
    it("refuses unlisted tokens, the base asset, weighted assets and strangers", async () => {
      const { vault, market } = await loadFixture(uniListedFixture);
      const [uni, usdc, weth, aave] = ["UNI", "USDC", "WETH", "AAVE"].map((s) => market.token(s).address);
      await expect(vault.removeAsset(aave)).to.be.revertedWithCustomError(vault, "BallastUnknownToken").withArgs(aave);
      await expect(vault.removeAsset(usdc))
        .to.be.revertedWithCustomError(vault, "BallastAssetWeight")
        .withArgs(usdc, 500n);
      await expect(vault.removeAsset(weth))
        .to.be.revertedWithCustomError(vault, "BallastAssetWeight")
        .withArgs(weth, 4_000n);
      const [, stranger] = await ethers.getSigners();
      await expect(vault.connect(stranger).removeAsset(uni))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, ZeroHash);

      // A ramp in that has not started: nothing in force yet, but its target is no longer 0.
      const start = (await time.latest()) + HOUR;
      await vault.setTargetWeights([500, 3_000, 3_500, 2_000, 1_000], start, start + DAY);
      expect((await vault.basketState()).targets[4]).to.equal(0n);
      await expect(vault.removeAsset(uni))
        .to.be.revertedWithCustomError(vault, "BallastAssetWeight")
        .withArgs(uni, 1_000n);
      expect(await vault.basketTokens()).to.have.length(5);
    });

    it("sells a cent or more on removal, and refuses while the price fails: no sale is possible", async () => {
      const { vault, market } = await loadFixture(uniListedFixture);
      const uni = market.token("UNI").address;
      // A cent of UNI at $8: 1.25e15 raw units.
      const cent = 125n * 10n ** 13n;
      await market.fund(await vault.getAddress(), "UNI", cent);
      await market.token("UNI").feed.connect(market.deployer).setAnswer(0);
      await expect(vault.removeAsset(uni))
        .to.be.revertedWithCustomError(vault, "BallastAssetNotEmpty")
        .withArgs(uni, cent);
      await market.setFeedPrice("UNI", 8);
      const removal = vault.removeAsset(uni);
      const swaps = await swapsOf(vault, removal);
      expect(swaps.map((swap) => [swap.tokenIn, swap.amountIn])).to.deep.equal([[uni, cent]]);
      expect(swaps[0].amountOut).to.be.within(9_900n, 10_000n);
      await expect(removal).to.emit(vault, "AssetRemoved").withArgs(4n, uni, 0n);
      expect(await held(market, vault, "UNI")).to.equal(0n);
    });

    it("leaves less than a cent (at the last recorded prices) behind, uncounted", async () => {
      const { vault, rebalancer, market } = await loadFixture(uniListedFixture);
      const uni = market.token("UNI").address;
      const cent = 125n * 10n ** 13n;
      // UNI halves, but until a price is recorded the removal values it at $8: 2 cents would be
      // sold, so the new price is recorded first, by the next rebalance (WETH +10% makes one due; a
      // cent is below the smallest trade, so it keeps the UNI); then a cent's worth of raw units is
      // half a cent.
      await market.fund(await vault.getAddress(), "UNI", cent);
      await market.setFeedPrice("UNI", 4);
      await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
      await market.alignAllPools();
      await time.increase(HOUR);
      await freshen(market);
      await expect(rebalancer.rebalance()).to.emit(vault, "Rebalanced");
      expect(await held(market, vault, "UNI")).to.equal(cent);
      expect((await vault.lastPrices())[4]).to.equal(parseUnits("4", 18));
      const nav = await vault.totalAssets();
      const removal = vault.removeAsset(uni);
      await expect(removal).to.emit(vault, "AssetRemoved").withArgs(4n, uni, cent);
      await expect(removal).to.not.emit(vault, "Swapped");
      // Half a cent (5_000 raw USDC) stays in the vault, no longer counted.
      expect(await held(market, vault, "UNI")).to.equal(cent);
      expect(await vault.totalAssets()).to.equal(nav - 5_000n);
      expect(await vault.basketTokens()).to.have.length(4);
    });

    it("keeps the base asset and at least one other", async () => {
      const market = await deployLocalMarket();
      const [admin] = await ethers.getSigners();
      const { vault } = await deployVault(market, {
        basket: [
          { symbol: "USDC", weightBps: 5_000 },
          { symbol: "WETH", weightBps: 5_000 },
        ],
        governance: { admin: admin.address },
      });
      await rampTo(vault, [10_000, 0], 0);
      const [usdc, weth] = [market.token("USDC").address, market.token("WETH").address];
      await expect(vault.removeAsset(weth))
        .to.be.revertedWithCustomError(vault, "BallastBasketSize")
        .withArgs(1n, MAX_ASSETS);
      await expect(vault.removeAsset(usdc))
        .to.be.revertedWithCustomError(vault, "BallastAssetWeight")
        .withArgs(usdc, 10_000n);
    });
  });

  describe("stored routes", () => {
    // Storage keeps a route without its two ends (the asset and the base): one slot for one or two
    // hops, a long `bytes` beyond. The paths read back must be the validated ones whatever moves.
    it("reads back every validated path, one to three hops, after a removal shifts the basket and a re-listing", async () => {
      const { vault, market } = await loadFixture(investedAdminFixture);
      const token = (symbol: string) => market.token(symbol).address;
      const threeHops = {
        sell: encodeRoute(market, ["LINK", 3000, "WETH", 500, "WBTC", 3000, "USDC"]),
        buy: encodeRoute(market, ["USDC", 3000, "WBTC", 500, "WETH", 3000, "LINK"]),
      };
      await vault.setRoutes(token("LINK"), threeHops.sell, threeHops.buy);
      await expect(vault.setRoutes(token("LINK"), threeHops.sell, threeHops.buy)).to.be.revertedWithCustomError(
        vault,
        "BallastParameterUnchanged",
      );
      const [sells, buys] = await allRoutes(vault);
      expect([sells[3], buys[3]]).to.deep.equal([threeHops.sell.toLowerCase(), threeHops.buy.toLowerCase()]);
      expect([sells[0], buys[0]]).to.deep.equal(["0x", "0x"]);

      // WETH (index 1) leaves: WBTC's two-hop and LINK's three-hop routes shift down a slot each.
      const wethOracle = (await vault.oracles())[1];
      const start = (await time.latest()) + 1;
      await time.setNextBlockTimestamp(start);
      await vault.setTargetWeights([4_500, 0, 3_500, 2_000], start, start);
      await vault.removeAsset(token("WETH"));
      const [shiftedSells, shiftedBuys] = await allRoutes(vault);
      expect(shiftedSells).to.deep.equal([sells[0], sells[2], sells[3]]);
      expect(shiftedBuys).to.deep.equal([buys[0], buys[2], buys[3]]);

      // Re-listed with one hop each way, into the slot the three-hop entry left.
      const oneHop = {
        sell: encodeRoute(market, ["WETH", 500, "USDC"]),
        buy: encodeRoute(market, ["USDC", 500, "WETH"]),
      };
      await vault.addAsset({
        token: token("WETH"),
        oracle: wethOracle,
        targetWeightBps: 0,
        sellRoute: oneHop.sell,
        buyRoute: oneHop.buy,
      });
      const [relistedSells, relistedBuys] = await allRoutes(vault);
      expect(relistedSells).to.deep.equal([...shiftedSells, oneHop.sell.toLowerCase()]);
      expect(relistedBuys).to.deep.equal([...shiftedBuys, oneHop.buy.toLowerCase()]);

      // One side changed alone: the other keeps its three hops.
      const linkBuy = encodeRoute(market, ["USDC", 3000, "LINK"]);
      await expect(vault.setRoutes(token("LINK"), threeHops.sell, linkBuy))
        .to.emit(vault, "RoutesSet")
        .withArgs(token("LINK"), threeHops.sell, linkBuy);
      const changed = await allRoutes(vault);
      expect([changed[0][2], changed[1][2]]).to.deep.equal([threeHops.sell.toLowerCase(), linkBuy.toLowerCase()]);
    });
  });

  describe("retiring assets", () => {
    it("sells a zero-weight asset's whole balance, even below minTradeValue, but leaves less than a cent", async () => {
      const { vault, rebalancer, market } = await loadFixture(uniListedFixture);
      const uni = market.token("UNI").address;
      // $5 of UNI: half the $10 minimum trade.
      const five = parseUnits("0.625", 18);
      await market.fund(await vault.getAddress(), "UNI", five);
      // A WETH rally makes a rebalance due.
      await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
      await freshen(market);
      await time.increase(600);
      const swaps = await swapsOf(vault, rebalancer.rebalance());
      expect(swaps.find((s) => s.tokenIn === uni)?.amountIn).to.equal(five);
      expect(await held(market, vault, "UNI")).to.equal(0n);

      // 0.96 cent of UNI is below the floor of a sale.
      const dust = 12n * 10n ** 14n;
      await market.fund(await vault.getAddress(), "UNI", dust);
      await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 0.9);
      await freshen(market);
      await time.increase(600);
      const later = await swapsOf(vault, rebalancer.rebalance());
      expect(later.length).to.be.greaterThan(0);
      expect(later.some((s) => s.tokenIn === uni)).to.be.false;
      expect(await held(market, vault, "UNI")).to.equal(dust);
      await expect(vault.removeAsset(uni)).to.emit(vault, "AssetRemoved").withArgs(4n, uni, dust);
    });

    it("removes an asset in the middle of the basket, keeping later entries and the breakers' pools aligned", async () => {
      const { vault, rebalancer, market, oracles, breakers } = await loadFixture(investedAdminFixture);
      const [usdc, weth, wbtc, link] = ["USDC", "WETH", "WBTC", "LINK"].map((s) => market.token(s).address);
      // Retire WBTC into WETH, all at once.
      await rampTo(vault, [500, 7_500, 0, 2_000], 0);
      await freshen(market);
      await rebalanceUntilSettled(market, vault);
      expect(await held(market, vault, "WBTC")).to.equal(0n);
      // WETH now quotes LINK (index 3) in its first pool: its pool check must follow LINK down.
      const wethRoute: RouteSpec = ["WETH", 3000, "LINK", 3000, "USDC"];
      await vault.setRoutes(weth, encodeRoute(market, wethRoute), encodeRoute(market, reverseRoute(wethRoute)));
      const linkRoutes = await assetRoutes(vault, link);
      const wethRoutes = await assetRoutes(vault, weth);
      const prices = await vault.lastPrices();

      await expect(vault.removeAsset(wbtc)).to.emit(vault, "AssetRemoved").withArgs(2n, wbtc, 0n);
      expect(await vault.basketTokens()).to.deep.equal([usdc, weth, link]);
      expect((await vault.basketState()).targets).to.deep.equal([500n, 7_500n, 2_000n]);
      const sources = await Promise.all(oracles.map((o) => o.getAddress()));
      expect(await vault.oracles()).to.deep.equal([sources[0], sources[1], sources[3]]);
      expect(await vault.lastPrices()).to.deep.equal([prices[0], prices[1], prices[3]]);
      expect(await assetRoutes(vault, link)).to.deep.equal(linkRoutes);
      expect(await assetRoutes(vault, weth)).to.deep.equal(wethRoutes);
      const weights = await rebalancer.currentWeights();
      expect(weights[1]).to.be.closeTo(7_500n, 30n);
      expect(weights[2]).to.be.closeTo(2_000n, 30n);

      // The breakers check WETH/LINK against the oracles' WETH/LINK ratio, LINK/USDC against LINK's:
      // with WETH +15% and every pool caught up, a rebalance is due and passes them (it would trade).
      await breakers.setBreakerParams(BREAKERS);
      await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.15);
      await market.alignAllPools();
      await market.advanceTime(HOUR);
      await freshen(market);
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      expect(await rebalancer.rebalance.staticCall()).to.be.greaterThan(0n);
      const pool = market.pool("LINK", "USDC", 3000);
      await market.movePoolPrice(pool, "LINK", (await market.poolPrice(pool, "LINK")) * 1.05);
      await expect(rebalancer.rebalance())
        .to.emit(breakers, "TradingRefused")
        .withArgs(await rebalancer.getAddress(), SPOT_TWAP_DIVERGENCE, 2n);
    });

    it("drops the pool check of an asset whose first pool quotes the removed token", async () => {
      const { vault, rebalancer, market, breakers } = await loadFixture(uniListedFixture);
      const [weth, uni] = ["WETH", "UNI"].map((s) => market.token(s).address);
      // WETH sells through WETH/UNI first: while UNI is listed, the breakers watch that pool.
      const wethRoute: RouteSpec = ["WETH", 3000, "UNI", 3000, "USDC"];
      await vault.setRoutes(weth, encodeRoute(market, wethRoute), encodeRoute(market, reverseRoute(wethRoute)));
      // WETH +10%, every pool caught up and its TWAP too: a rebalance is due and passes the checks.
      await breakers.setBreakerParams(BREAKERS);
      await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
      await market.alignAllPools();
      await market.advanceTime(HOUR);
      await freshen(market);
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      expect(await rebalancer.rebalance.staticCall()).to.be.greaterThan(0n);
      const pool = market.pool("WETH", "UNI", 3000);
      await market.movePoolPrice(pool, "WETH", (await market.poolPrice(pool, "WETH")) * 1.05);
      await expect(rebalancer.rebalance())
        .to.emit(breakers, "TradingRefused")
        .withArgs(await rebalancer.getAddress(), SPOT_TWAP_DIVERGENCE, 1n);

      // UNI leaves the basket: WETH/UNI's quote is gone, and so is the check (the pool is still
      // pushed, in the favour of the WETH the rebalance sells through it); the others stay.
      await expect(vault.removeAsset(uni)).to.emit(vault, "AssetRemoved").withArgs(4n, uni, 0n);
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      expect(await rebalancer.rebalance.staticCall()).to.be.greaterThan(0n);
      const wbtcPool = market.pool("WBTC", "WETH", 500);
      await market.movePoolPrice(wbtcPool, "WBTC", (await market.poolPrice(wbtcPool, "WBTC")) * 1.05);
      await expect(rebalancer.rebalance())
        .to.emit(breakers, "TradingRefused")
        .withArgs(await rebalancer.getAddress(), SPOT_TWAP_DIVERGENCE, 2n);
    });
  });

  // Each of these states documented behaviour the contracts do not meet yet (see the notes); they are
  // skipped so that the suite stays green, and pass once the defect is fixed.
  describe("remainders and basket changes", () => {
    // A retiring asset is sold by due rebalances, each sale capped at maxTradeBps of NAV: the last
    // capped sale can leave a remainder (here ~2.4 LINK, ~$36) too small to make a rebalance due,
    // and anyone can send a cent of the token to delay a removal. The removal sells what is left.
    it("sells a retiring asset's remainder on removal, even when its last sale was capped", async () => {
      const { vault, market } = await loadFixture(investedAdminFixture);
      const link = market.token("LINK").address;
      // Retire LINK (2_000 bps) into WETH at once: two sales capped at 1_000 bps of NAV each.
      await rampTo(vault, [500, 6_000, 3_500, 0], 0);
      await freshen(market);
      await rebalanceUntilSettled(market, vault);
      const remainder = await market.token("LINK").contract.balanceOf(vault);
      expect(remainder).to.be.greaterThan(0n);
      const removal = vault.removeAsset(link);
      await expect(removal).to.emit(vault, "Swapped");
      await expect(removal).to.emit(vault, "AssetRemoved").withArgs(3n, link, 0n);
      expect(await market.token("LINK").contract.balanceOf(vault)).to.equal(0n);
    });

    // Removing one asset and adding another keeps the basket's length: a move kept by basket index
    // would measure LINK (now at index 2) against WBTC's price and trip the Dislocation breaker.
    // Moves are measured on each oracle's own history, so the reordering cannot mislead them.
    it("judges no move across an asset removed and another added before the next observation", async () => {
      const { vault, rebalancer, market, policy, breakers } = await loadFixture(investedAdminFixture);
      const wbtc = market.token("WBTC").address;
      await rampTo(vault, [500, 7_500, 0, 2_000], 0);
      await freshen(market);
      await rebalanceUntilSettled(market, vault);
      await market.advanceTime(HOUR);
      await freshen(market);
      await breakers.setBreakerParams(BREAKERS);
      // One governance batch: WBTC out, UNI in. Four entries again, in another order.
      await expect(vault.removeAsset(wbtc))
        .to.emit(policy, "ObservationsReset")
        .withArgs(await rebalancer.getAddress());
      await expect(vault.addAsset(await assetConfig(market, "UNI", await feedOracle(market, "UNI"), UNI_ROUTE)))
        .to.emit(policy, "ObservationsReset")
        .withArgs(await rebalancer.getAddress());
      // What the rebalancer's check would find now: nothing.
      const prices = [...(await vault.basketState()).prices];
      expect(await breakers.refusal(rebalancer, prices, await poolChecksOf(market, vault))).to.deep.equal([
        0n,
        0n,
        false,
      ]);
    });
  });
});
