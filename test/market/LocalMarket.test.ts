import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { encodeBytes32String, keccak256, MaxUint256, parseUnits, toUtf8Bytes, ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import {
  DEFAULT_TOKENS,
  deployLocalMarket,
  getSqrtRatioAtTick,
  getTickAtSqrtRatio,
  MarketConfigError,
  sqrtPriceX96FromPrices,
} from "../../src/market";
import type { LocalMarket, LocalMarketOptions, MarketPool } from "../../src/market";
import { assertRuntimeMatches, npmArtifact } from "../shared/bytecode";
import { marketFixture } from "../shared/fixtures";

const CORE = "@uniswap/v3-core/artifacts/contracts";
const PERIPHERY = "@uniswap/v3-periphery/artifacts/contracts";

async function code(contract: { getAddress(): Promise<string> }): Promise<string> {
  return ethers.provider.getCode(await contract.getAddress());
}

function addressWord(address: string): bigint {
  return BigInt(address);
}

/** USD value of raw token amounts at the pool's feed prices (8-decimal feed answers). */
async function valueUsd(pool: MarketPool, amount0: bigint, amount1: bigint): Promise<number> {
  const [, answer0] = await pool.token0.feed.latestRoundData();
  const [, answer1] = await pool.token1.feed.latestRoundData();
  const v0 = Number(amount0 * answer0) / 10 ** (pool.token0.decimals + 8);
  const v1 = Number(amount1 * answer1) / 10 ** (pool.token1.decimals + 8);
  return v0 + v1;
}

describe("LocalMarket", () => {
  describe("real Uniswap V3 bytecode", () => {
    it("deploys the factory, router, position manager, quoter and descriptor from the npm artifacts", async () => {
      const m = await loadFixture(marketFixture);
      const factory = addressWord(await m.factory.getAddress());
      const weth = addressWord(await m.weth.getAddress());

      // NoDelegateCall keeps the factory's own address as an immutable.
      expect(
        assertRuntimeMatches(await code(m.factory), npmArtifact(`${CORE}/UniswapV3Factory.sol/UniswapV3Factory.json`), [
          factory,
        ]),
      ).to.be.greaterThan(0);
      expect(
        assertRuntimeMatches(await code(m.router), npmArtifact(`${PERIPHERY}/SwapRouter.sol/SwapRouter.json`), [
          factory,
          weth,
        ]),
      ).to.be.greaterThan(0);
      expect(
        assertRuntimeMatches(await code(m.quoter), npmArtifact(`${PERIPHERY}/lens/QuoterV2.sol/QuoterV2.json`), [
          factory,
          weth,
        ]),
      ).to.be.greaterThan(0);
      // SwapRouter02 (no V2 factory: that immutable stays zero) over the same V3 pools.
      expect(
        assertRuntimeMatches(
          await code(m.router02),
          npmArtifact("@uniswap/swap-router-contracts/artifacts/contracts/SwapRouter02.sol/SwapRouter02.json"),
          [factory, addressWord(await m.positionManager.getAddress()), weth],
        ),
      ).to.be.greaterThan(0);
      expect(await m.router02.factoryV2()).to.equal(ZeroAddress);
      expect(await m.router02.factory()).to.equal(await m.factory.getAddress());

      const descriptor = addressWord(await m.positionDescriptor.getAddress());
      expect(
        assertRuntimeMatches(
          await code(m.positionManager),
          npmArtifact(`${PERIPHERY}/NonfungiblePositionManager.sol/NonfungiblePositionManager.json`),
          [
            factory,
            weth,
            descriptor,
            BigInt(keccak256(toUtf8Bytes("Uniswap V3 Positions NFT-V1"))),
            BigInt(keccak256(toUtf8Bytes("1"))),
          ],
        ),
      ).to.be.greaterThan(0);
      expect(
        assertRuntimeMatches(
          await code(m.positionDescriptor),
          npmArtifact(`${PERIPHERY}/NonfungibleTokenPositionDescriptor.sol/NonfungibleTokenPositionDescriptor.json`),
          [weth, BigInt(encodeBytes32String("ETH"))],
          { "contracts/libraries/NFTDescriptor.sol:NFTDescriptor": await m.nftDescriptorLibrary.getAddress() },
        ),
      ).to.be.greaterThan(0);
      // A library's code starts with PUSH20 <its own address> (call protection), zero in the artifact.
      const library = (await m.nftDescriptorLibrary.getAddress()).toLowerCase().slice(2);
      const libraryCode = await code(m.nftDescriptorLibrary);
      expect(libraryCode.slice(0, 44)).to.equal(`0x73${library}`);
      assertRuntimeMatches(
        `0x73${"0".repeat(40)}${libraryCode.slice(44)}`,
        npmArtifact(`${PERIPHERY}/libraries/NFTDescriptor.sol/NFTDescriptor.json`),
        [],
      );
    });

    it("deploys WETH9 from canonical-weth", async () => {
      const m = await loadFixture(marketFixture);
      expect(
        assertRuntimeMatches(await code(m.weth), npmArtifact("canonical-weth/build/contracts/WETH9.json"), []),
      ).to.equal(0);
      expect(await m.weth.symbol()).to.equal("WETH");
      expect(await m.weth.decimals()).to.equal(18n);
    });

    it("creates every pool through the real factory, with the pool's own bytecode", async () => {
      const m = await loadFixture(marketFixture);
      const artifact = npmArtifact(`${CORE}/UniswapV3Pool.sol/UniswapV3Pool.json`);
      for (const pool of m.pools) {
        const immutables = [
          addressWord(await m.factory.getAddress()),
          addressWord(pool.token0.address),
          addressWord(pool.token1.address),
          BigInt(pool.fee),
          BigInt(pool.tickSpacing),
          await pool.contract.maxLiquidityPerTick(),
          addressWord(pool.address),
        ];
        expect(
          assertRuntimeMatches(await ethers.provider.getCode(pool.address), artifact, immutables),
        ).to.be.greaterThan(0);
        expect(await m.factory.getPool(pool.token0.address, pool.token1.address, pool.fee)).to.equal(pool.address);
      }
    });
  });

  describe("tokens, feeds and pools", () => {
    it("deploys tokens with real decimals (6, 8, 18) and 8-decimal USD feeds at their prices", async () => {
      const m = await loadFixture(marketFixture);
      expect(m.tokens.map((t) => t.symbol)).to.deep.equal(DEFAULT_TOKENS.map((t) => t.symbol));
      for (const spec of DEFAULT_TOKENS) {
        const token = m.token(spec.symbol);
        expect(await token.contract.decimals()).to.equal(BigInt(spec.decimals));
        expect(await token.contract.symbol()).to.equal(spec.symbol);
        expect(await token.feed.decimals()).to.equal(8n);
        expect(await token.feed.description()).to.equal(`${spec.symbol} / USD`);
        const [, answer] = await token.feed.latestRoundData();
        expect(answer).to.equal(parseUnits(String(spec.priceUsd), 8));
      }
      expect(m.token("USDC").decimals).to.equal(6);
      expect(m.token("WBTC").decimals).to.equal(8);
      expect(m.token("WETH").address).to.equal(await m.weth.getAddress());
    });

    it("initialises each pool at its feeds' price, with liquidity and raised observation cardinality", async () => {
      const m = await loadFixture(marketFixture);
      expect(m.pools).to.have.length(14);
      for (const pool of m.pools) {
        const [sqrtPriceX96, tick, , , cardinalityNext] = await pool.contract.slot0();
        const [, answer0] = await pool.token0.feed.latestRoundData();
        const [, answer1] = await pool.token1.feed.latestRoundData();
        const expected = sqrtPriceX96FromPrices(answer0, pool.token0.decimals, answer1, pool.token1.decimals);
        expect(sqrtPriceX96).to.equal(expected, pool.key);
        expect(Number(tick)).to.equal(getTickAtSqrtRatio(expected), pool.key);
        expect(cardinalityNext).to.equal(BigInt(m.observationCardinality));
        expect(await pool.contract.liquidity()).to.be.greaterThan(0n);
        expect(pool.positionIds).to.have.length(3);
      }
    });

    it("places positions worth their USD value, concentrated around the price", async () => {
      const m = await loadFixture(marketFixture);
      const pool = m.pool("WETH", "USDC", 500);
      const [tight, wide, full] = await Promise.all(pool.positionIds.map((id) => m.positionManager.positions(id)));
      const [, tick] = await pool.contract.slot0();
      expect(tight.tickLower).to.be.lessThan(tick);
      expect(tight.tickUpper).to.be.greaterThan(tick);
      // +-10% is about +-1000 ticks.
      expect(Number(tight.tickUpper - tight.tickLower)).to.be.within(1900, 2100);
      expect(wide.tickLower).to.be.lessThan(tight.tickLower);
      expect(wide.tickUpper).to.be.greaterThan(tight.tickUpper);
      expect(full.tickLower).to.equal(-887270n);
      expect(full.tickUpper).to.equal(887270n);
      const balance0 = await pool.token0.contract.balanceOf(pool.address);
      const balance1 = await pool.token1.contract.balanceOf(pool.address);
      // The default WETH/USDC 5 bp pool holds $60M.
      expect(await valueUsd(pool, balance0, balance1)).to.be.closeTo(60_000_000, 60_000);
    });
  });

  describe("swaps", () => {
    it("moves the pool price and charges the fee tier to the trader, paid to the LPs", async () => {
      const m = await loadFixture(marketFixture);
      const [, trader] = await ethers.getSigners();
      const pool = m.pool("WETH", "USDC", 500);
      const amountIn = parseUnits("1000000", 6); // $1M of USDC for WETH
      await m.fund(trader.address, "USDC", amountIn);
      await m.token("USDC").contract.connect(trader).approve(m.router, MaxUint256);
      const params = {
        tokenIn: m.token("USDC").address,
        tokenOut: m.token("WETH").address,
        fee: 500,
        recipient: trader.address,
        deadline: MaxUint256,
        amountIn,
        amountOutMinimum: 0,
        sqrtPriceLimitX96: 0,
      };
      const quoted = await m.quoter.quoteExactInputSingle.staticCall({
        tokenIn: params.tokenIn,
        tokenOut: params.tokenOut,
        amountIn,
        fee: 500,
        sqrtPriceLimitX96: 0,
      });
      const before = await m.poolPrice(pool, "WETH");

      await expect(m.router.connect(trader).exactInputSingle(params)).to.changeTokenBalances(
        m.token("USDC").contract,
        [trader.address, pool.address],
        [-amountIn, amountIn],
      );

      const received = await m.weth.balanceOf(trader.address);
      expect(received).to.equal(quoted.amountOut);
      const after = await m.poolPrice(pool, "WETH");
      expect(after).to.be.greaterThan(before);
      // $1M against $40M of concentrated liquidity: a real but small impact.
      expect(after / before - 1).to.be.within(0.0005, 0.01);
      const paidPerWeth = Number(amountIn) / 1e6 / (Number(received) / 1e18);
      expect(paidPerWeth).to.be.greaterThan(before * 1.0005); // at least the 5 bp fee
      expect(paidPerWeth).to.be.lessThan(after * 1.0006);

      // The LPs' collectable fees are 5 bp of the input, less at most one unit of rounding each.
      const lp = m.liquidityProvider.address;
      const usdcIs0 = pool.token0.symbol === "USDC";
      let fees = 0n;
      for (const tokenId of pool.positionIds) {
        const owed = await m.positionManager
          .connect(m.liquidityProvider)
          .collect.staticCall({ tokenId, recipient: lp, amount0Max: 2n ** 128n - 1n, amount1Max: 2n ** 128n - 1n });
        fees += usdcIs0 ? owed.amount0 : owed.amount1;
      }
      const expectedFee = (amountIn * 500n) / 1_000_000n;
      expect(fees).to.be.within(expectedFee - 2n, expectedFee);
    });

    it("gives a large trade a larger price impact than a small one", async () => {
      const m = await loadFixture(marketFixture);
      const pool = m.pool("LINK", "USDC", 3000);
      const usdc = m.token("USDC").address;
      const link = m.token("LINK").address;
      const quote = (usd: bigint) =>
        m.quoter.quoteExactInputSingle.staticCall({
          tokenIn: usdc,
          tokenOut: link,
          fee: pool.fee,
          amountIn: usd * 10n ** 6n,
          sqrtPriceLimitX96: 0,
        });
      const small = await quote(1_000n);
      const large = await quote(1_000_000n);
      const pricePaid = (usd: bigint, out: bigint) => Number(usd) / (Number(out) / 1e18);
      expect(pricePaid(1_000n, small.amountOut)).to.be.closeTo(15 * 1.003, 0.01);
      // $1M is a tenth of the pool's $10M: more than a percent of impact on top of the fee.
      expect(pricePaid(1_000_000n, large.amountOut)).to.be.greaterThan(pricePaid(1_000n, small.amountOut) * 1.01);
    });
  });

  describe("TWAP", () => {
    it("follows a price move over time through observe()", async () => {
      const m = await loadFixture(marketFixture);
      const pool = m.pool("WETH", "USDC", 500);
      const [, tickBefore] = await pool.contract.slot0();
      await m.advanceTime(600);
      await m.movePoolPrice(pool, "WETH", 3300);
      const movedAt = await time.latest();
      const [, tickAfter] = await pool.contract.slot0();
      expect(tickAfter).to.not.equal(tickBefore);

      // Right after the move the 10-minute TWAP still shows the old price.
      expect(Math.abs((await m.twapTick(pool, 600)) - Number(tickBefore))).to.be.lessThan(15);
      await m.advanceTime(1200);
      const now = await time.latest();
      const window = 1800;
      const sinceMove = now - movedAt;
      const expected = (Number(tickBefore) * (window - sinceMove) + Number(tickAfter) * sinceMove) / window;
      expect(Math.abs((await m.twapTick(pool, window)) - expected)).to.be.lessThan(2);
      expect(Math.abs((await m.twapTick(pool, 600)) - Number(tickAfter))).to.be.lessThan(2);
      expect(await m.twapPrice(pool, "WETH", 600)).to.be.closeTo(3300, 1);
    });
  });

  describe("helpers", () => {
    it("sets a feed price in a new round updated now", async () => {
      const m = await loadFixture(marketFixture);
      const feed = m.token("WBTC").feed;
      const [roundBefore] = await feed.latestRoundData();
      await m.setFeedPrice("WBTC", "58123.45");
      const [roundId, answer, , updatedAt] = await feed.latestRoundData();
      expect(roundId).to.equal(roundBefore + 1n);
      expect(answer).to.equal(5_812_345_000_000n);
      expect(updatedAt).to.equal(BigInt(await time.latest()));
      expect(await m.feedPrice("WBTC")).to.equal(58123.45);
    });

    it("moves a pool's price to a target by a real swap, in both directions and either orientation", async () => {
      const m = await loadFixture(marketFixture);
      const pool = m.pool("WBTC", "USDC", 3000);
      const down = await m.movePoolPrice(pool, "WBTC", 48_000);
      expect(down.amountIn).to.be.greaterThan(0n);
      expect(down.amountOut).to.be.greaterThan(0n);
      expect(await m.poolPrice(pool, "WBTC")).to.be.closeTo(48_000, 0.01);
      await m.movePoolPrice(pool, "USDC", 1 / 66_000);
      expect(await m.poolPrice(pool, "WBTC")).to.be.closeTo(66_000, 0.01);
      expect(await m.movePoolPrice(pool, "USDC", 1 / 66_000)).to.deep.equal({ amountIn: 0n, amountOut: 0n });
    });

    it("aligns pools to the feeds after a price change, as an arbitrageur would", async () => {
      const m = await loadFixture(marketFixture);
      await m.setFeedPrice("WETH", 2400);
      await m.alignAllPools();
      expect(await m.poolPrice(m.pool("WETH", "USDC", 500), "WETH")).to.be.closeTo(2400, 0.001);
      expect(await m.poolPrice(m.pool("WETH", "USDC", 3000), "WETH")).to.be.closeTo(2400, 0.001);
      expect(await m.poolPrice(m.pool("WBTC", "WETH", 500), "WBTC")).to.be.closeTo(25, 0.0001);
      expect(await m.poolPrice(m.pool("LINK", "WETH", 3000), "LINK")).to.be.closeTo(15 / 2400, 1e-9);
      // Unchanged pairs need no trade.
      expect(await m.alignPoolToFeeds(m.pool("LINK", "USDC", 3000))).to.deep.equal({ amountIn: 0n, amountOut: 0n });
    });

    it("refuses to align a pool to a feed answering zero or less", async () => {
      const m = await loadFixture(marketFixture);
      const now = await time.latest();
      await m.token("UNI").feed.setRound(0, now, now);
      await expect(m.alignPoolToFeeds(m.pool("UNI", "USDC", 3000))).to.be.rejectedWith(MarketConfigError, /answers 0/);
    });

    it("adds and removes liquidity, partly and wholly, returning the tokens", async () => {
      const m = await loadFixture(marketFixture);
      const pool = m.pool("AAVE", "USDC", 3000);
      const liquidityBefore = await pool.contract.liquidity();
      const placed = await m.addLiquidity(pool, { valueUsd: 1_000_000, rangeBps: 500 });
      expect(await valueUsd(pool, placed.amount0, placed.amount1)).to.be.closeTo(1_000_000, 1_000);
      expect(await pool.contract.liquidity()).to.equal(liquidityBefore + placed.liquidity);
      expect(await m.positionManager.ownerOf(placed.tokenId)).to.equal(m.liquidityProvider.address);

      const half = await m.removeLiquidity(pool, placed.tokenId, 5_000);
      expect(half.amount0).to.be.closeTo(placed.amount0 / 2n, placed.amount0 / 1000n + 1n);
      expect(pool.positionIds).to.include(placed.tokenId);
      const rest = await m.removeLiquidity(pool, placed.tokenId);
      expect(rest.amount0 + half.amount0).to.be.within(placed.amount0 - 2n, placed.amount0);
      expect(rest.amount1 + half.amount1).to.be.within(placed.amount1 - 2n, placed.amount1);
      expect(pool.positionIds).to.not.include(placed.tokenId);
      expect(await pool.contract.liquidity()).to.equal(liquidityBefore);
    });

    it("re-centres concentrated liquidity around a moved price, keeping its value", async () => {
      const m = await loadFixture(marketFixture);
      const pool = m.pool("WETH", "USDC", 500);
      const inRangeBefore = await pool.contract.liquidity();
      // ETH falls 25%: the +-10% position is now entirely out of range.
      await m.setFeedPrice("WETH", 2_250);
      await m.alignPoolToFeeds(pool);
      const outOfRange = await pool.contract.liquidity();
      expect(outOfRange).to.be.lessThan(inRangeBefore / 2n);
      const quote = () =>
        m.quoter.quoteExactInputSingle.staticCall({
          tokenIn: m.token("USDC").address,
          tokenOut: m.token("WETH").address,
          fee: 500,
          amountIn: 1_000_000n * 10n ** 6n,
          sqrtPriceLimitX96: 0,
        });
      const thin = await quote();
      const ids = [...pool.positionIds];

      expect(await m.recenterLiquidity(pool)).to.equal(2); // the +-10% and +-50% ones; full range stays
      expect(pool.positionIds).to.have.length(3);
      expect(pool.positionIds).to.include(ids[2]);
      const recentred = await pool.contract.liquidity();
      expect(recentred).to.be.greaterThan(outOfRange * 2n);
      // A $1M buy now gets more WETH: the depth is back around the price.
      expect((await quote()).amountOut).to.be.greaterThan(thin.amountOut);
      expect(await m.poolPrice(pool, "WETH")).to.be.closeTo(2_250, 0.01);
      const balance0 = await pool.token0.contract.balanceOf(pool.address);
      const balance1 = await pool.token1.contract.balanceOf(pool.address);
      // The LP's value is what it was at the new price (what the arbitrage left it), less rounding.
      expect(await valueUsd(pool, balance0, balance1)).to.be.within(40_000_000, 60_000_000);
    });

    it("pulls all liquidity from a pool, leaving it empty", async () => {
      const m = await loadFixture(marketFixture);
      const pool = m.pool("CRV", "WETH", 10000);
      for (const tokenId of [...pool.positionIds]) await m.removeLiquidity(pool, tokenId);
      expect(await pool.contract.liquidity()).to.equal(0n);
      expect(pool.positionIds).to.be.empty;
    });

    it("funds accounts with test tokens and with wrapped ether", async () => {
      const m = await loadFixture(marketFixture);
      const [, user] = await ethers.getSigners();
      await m.fund(user.address, "WBTC", 12n * 10n ** 8n);
      await m.fund(user.address, "WETH", 5n * 10n ** 18n);
      await m.fund(user.address, "USDC", 0n);
      expect(await m.token("WBTC").contract.balanceOf(user.address)).to.equal(12n * 10n ** 8n);
      expect(await m.weth.balanceOf(user.address)).to.equal(5n * 10n ** 18n);
      expect(await m.token("USDC").contract.balanceOf(user.address)).to.equal(0n);
    });

    it("advances time", async () => {
      const m = await loadFixture(marketFixture);
      const before = await time.latest();
      await m.advanceTime(3600);
      expect(await time.latest()).to.be.greaterThanOrEqual(before + 3600);
    });

    it("rejects bad helper arguments with a clear error", async () => {
      const m = await loadFixture(marketFixture);
      const pool = m.pool("WETH", "USDC", 500);
      expect(() => m.token("DOGE")).to.throw(MarketConfigError, "unknown token DOGE");
      expect(() => m.pool("WETH", "USDC", 100)).to.throw(MarketConfigError, "no pool WETH/USDC at fee 100");
      await expect(m.poolPrice(pool, "WBTC")).to.be.rejectedWith(MarketConfigError, "does not hold WBTC");
      await expect(m.setFeedPrice("WETH", 0)).to.be.rejectedWith(MarketConfigError, "must be positive");
      await expect(m.movePoolPrice(pool, "WETH", -5)).to.be.rejectedWith(MarketConfigError, "must be positive");
      await expect(m.addLiquidity(pool, { valueUsd: 0, rangeBps: 100 })).to.be.rejectedWith(MarketConfigError);
      await expect(m.addLiquidity(pool, { valueUsd: 10, rangeBps: 10_000 })).to.be.rejectedWith(MarketConfigError);
      await expect(m.removeLiquidity(pool, pool.positionIds[0], 0)).to.be.rejectedWith(MarketConfigError);
      await expect(m.removeLiquidity(pool, 999_999n)).to.be.rejectedWith(MarketConfigError, "holds no position");
      await expect(m.fund(await m.deployer.getAddress(), "USDC", -1n)).to.be.rejectedWith(
        MarketConfigError,
        "negative",
      );
      await expect(m.advanceTime(0)).to.be.rejectedWith(MarketConfigError);
    });
  });

  describe("options", () => {
    const small: LocalMarketOptions = {
      tokens: [
        { symbol: "USDC", decimals: 6, priceUsd: 1 },
        { symbol: "WBTC", decimals: 8, priceUsd: "64000.5" },
        { symbol: "ABC", decimals: 18, priceUsd: 0.02 },
      ],
      pools: [
        { tokenA: "WBTC", tokenB: "USDC", fee: 500, depthUsd: 1_000_000 },
        { tokenA: "ABC", tokenB: "USDC", fee: 100, positions: [{ valueUsd: 50_000, rangeBps: "full" }] },
      ],
      observationCardinality: 10,
    };

    async function smallMarket(): Promise<LocalMarket> {
      return deployLocalMarket(small);
    }

    it("deploys a custom market: tokens, prices, tiers (incl. 1 bp) and positions as given", async () => {
      const m = await loadFixture(smallMarket);
      expect(m.tokens.map((t) => t.symbol)).to.deep.equal(["USDC", "WBTC", "ABC"]);
      expect(m.pools.map((p) => p.fee)).to.deep.equal([500, 100]);
      expect(await m.poolPrice(m.pool("WBTC", "USDC", 500), "WBTC")).to.be.closeTo(64000.5, 0.01);
      const abc = m.pool("USDC", "ABC", 100);
      expect(await m.poolPrice(abc, "ABC")).to.be.closeTo(0.02, 1e-9);
      expect(abc.positionIds).to.have.length(1);
      const [, , , , cardinalityNext] = await abc.contract.slot0();
      expect(cardinalityNext).to.equal(10n);
    });

    const rejects: [string, LocalMarketOptions, RegExp][] = [
      ["an unknown token in a pool", { pools: [{ tokenA: "DOGE", tokenB: "USDC", fee: 3000 }] }, /unknown token DOGE/],
      ["a zero price", { tokens: [{ symbol: "USDC", decimals: 6, priceUsd: 0 }] }, /must be positive/],
      ["a negative price", { tokens: [{ symbol: "USDC", decimals: 6, priceUsd: -1 }] }, /must be positive/],
      ["a price below 1e-8", { tokens: [{ symbol: "USDC", decimals: 6, priceUsd: 1e-9 }] }, /must be positive/],
      ["a non-numeric price", { tokens: [{ symbol: "USDC", decimals: 6, priceUsd: "one" }] }, /not a decimal number/],
      ["a NaN price", { tokens: [{ symbol: "USDC", decimals: 6, priceUsd: Number.NaN }] }, /not a decimal number/],
      [
        "USDC with 18 decimals",
        { tokens: [{ symbol: "USDC", decimals: 18, priceUsd: 1 }] },
        /inconsistent with the real USDC \(6\)/,
      ],
      [
        "WETH with 8 decimals",
        { tokens: [{ symbol: "WETH", decimals: 8, priceUsd: 1 }] },
        /inconsistent with the real WETH \(18\)/,
      ],
      ["decimals above 36", { tokens: [{ symbol: "ABC", decimals: 37, priceUsd: 1 }] }, /decimals 37/],
      ["fractional decimals", { tokens: [{ symbol: "ABC", decimals: 6.5, priceUsd: 1 }] }, /decimals 6.5/],
      ["a duplicate token", { tokens: [DEFAULT_TOKENS[0], DEFAULT_TOKENS[0]] }, /listed twice/],
      ["a lower-case symbol", { tokens: [{ symbol: "usdc", decimals: 6, priceUsd: 1 }] }, /symbol/],
      ["no tokens", { tokens: [] }, /at least/],
      ["an unknown fee tier", { pools: [{ tokenA: "WETH", tokenB: "USDC", fee: 2500 }] }, /not a Uniswap V3 tier/],
      ["a pool of one token", { pools: [{ tokenA: "USDC", tokenB: "USDC", fee: 500 }] }, /two different tokens/],
      [
        "a duplicate pool",
        {
          pools: [
            { tokenA: "WETH", tokenB: "USDC", fee: 500 },
            { tokenA: "USDC", tokenB: "WETH", fee: 500 },
          ],
        },
        /listed twice/,
      ],
      ["a non-positive depth", { pools: [{ tokenA: "WETH", tokenB: "USDC", fee: 500, depthUsd: 0 }] }, /depthUsd/],
      [
        "a range of 100%",
        { pools: [{ tokenA: "WETH", tokenB: "USDC", fee: 500, positions: [{ valueUsd: 1, rangeBps: 10_000 }] }] },
        /rangeBps/,
      ],
      [
        "a zero-value position",
        { pools: [{ tokenA: "WETH", tokenB: "USDC", fee: 500, positions: [{ valueUsd: 0, rangeBps: 100 }] }] },
        /position value/,
      ],
      [
        "a transfer fee on WETH",
        { tokens: [{ symbol: "WETH", decimals: 18, priceUsd: 1, transferFeeBps: 10 }] },
        /transferFeeBps 10/,
      ],
      [
        "a transfer fee of 100%",
        { tokens: [{ symbol: "ABC", decimals: 18, priceUsd: 1, transferFeeBps: 10_000 }] },
        /transferFeeBps 10000/,
      ],
      [
        "a reentrant token with a transfer fee",
        { tokens: [{ symbol: "ABC", decimals: 18, priceUsd: 1, transferFeeBps: 10, reentrant: true }] },
        /reentrant/,
      ],
      ["an observation cardinality of 0", { observationCardinality: 0 }, /observationCardinality/],
      ["an observation cardinality above 65535", { observationCardinality: 65536 }, /observationCardinality/],
    ];
    for (const [what, options, message] of rejects) {
      it(`rejects ${what} before sending any transaction`, async () => {
        const block = await ethers.provider.getBlockNumber();
        await expect(deployLocalMarket(options)).to.be.rejectedWith(MarketConfigError, message);
        expect(await ethers.provider.getBlockNumber()).to.equal(block);
      });
    }
  });

  it("uses TickMath's exact ratios (cross-checked against a live pool)", async () => {
    const m = await loadFixture(marketFixture);
    const pool = m.pool("MKR", "USDC", 3000);
    const [sqrtPriceX96, tick] = await pool.contract.slot0();
    expect(getSqrtRatioAtTick(Number(tick))).to.be.lessThanOrEqual(sqrtPriceX96);
    expect(getSqrtRatioAtTick(Number(tick) + 1)).to.be.greaterThan(sqrtPriceX96);
  });
});
