import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroAddress } from "ethers";
import type { Signer } from "ethers";
import { ethers } from "hardhat";

import { getSqrtRatioAtTick, MAX_TICK, MIN_TICK, Q192 } from "../../src/market";
import {
  ChainlinkOracle__factory,
  MockAggregatorV3__factory,
  MockERC20__factory,
  UniswapTwapOracle__factory,
  UniswapV3Factory__factory,
  UniswapV3Pool__factory,
} from "../../typechain-types";
import type { ChainlinkOracle, UniswapTwapOracle, UniswapV3Factory } from "../../typechain-types";
import { Parameter } from "../../src/vault/enums";
import { marketFixture } from "../shared/fixtures";

const WAD = 10n ** 18n;
const WINDOW = 1_800;

/** A TWAP oracle for LINK (LINK/USDC 30 bp pool, USDC's Chainlink feed as quote), with history. */
async function twapFixture() {
  const market = await marketFixture();
  const usdcOracle = await new ChainlinkOracle__factory(market.deployer).deploy(
    market.token("USDC").feed,
    86_400,
    25,
    ZeroAddress,
    0,
  );
  const pool = market.pool("LINK", "USDC", 3000);
  const oracle = await new UniswapTwapOracle__factory(market.deployer).deploy(
    pool.address,
    market.token("LINK").address,
    usdcOracle,
    WINDOW,
    100,
  );
  return { market, usdcOracle, pool, oracle };
}

async function withHistory() {
  const f = await twapFixture();
  await f.market.advanceTime(WINDOW + 60);
  return f;
}

/** A bare Uniswap V3 factory (npm bytecode) and the deployer, for pools initialised at chosen ticks. */
async function bareFactoryFixture() {
  const [deployer] = await ethers.getSigners();
  const factory = await new UniswapV3Factory__factory(deployer).deploy();
  return { deployer, factory };
}

interface Quote {
  decimals: number;
  /** USD price of one whole quote token, 8-decimal feed answer. */
  answer: bigint;
}

interface TickCase {
  assetDecimals: number;
  quote: Quote;
  assetIsToken0: boolean;
  tick: number;
}

interface PricedCase extends TickCase {
  oracle: UniswapTwapOracle;
  quoteOracle: ChainlinkOracle;
}

/**
 * Deploys an asset and a quote token ordered as asked (deploying pairs until one sorts as wanted), a pool of the two initialised exactly at `tick` and an oracle on it. A
 * pool that is never traded has one observation, so its mean tick over any window after that is
 * `tick` itself.
 */
async function deployAtTick(deployer: Signer, factory: UniswapV3Factory, c: TickCase): Promise<PricedCase> {
  const tokens = new MockERC20__factory(deployer);
  const pair = async () => [
    await tokens.deploy("Asset", "AST", c.assetDecimals),
    await tokens.deploy("Quote", "QTE", c.quote.decimals),
  ];
  let [asset, quoteToken] = await pair();
  // Each fresh pair sorts either way with even odds.
  for (let i = 0; BigInt(await asset.getAddress()) < BigInt(await quoteToken.getAddress()) !== c.assetIsToken0; i++) {
    if (i === 64) throw new Error("no token pair sorted as wanted");
    [asset, quoteToken] = await pair();
  }
  await (await factory.createPool(asset, quoteToken, 3000)).wait();
  const pool = UniswapV3Pool__factory.connect(await factory.getPool(asset, quoteToken, 3000), deployer);
  await (await pool.initialize(getSqrtRatioAtTick(c.tick))).wait();
  expect(await pool.token0()).to.equal(c.assetIsToken0 ? await asset.getAddress() : await quoteToken.getAddress());
  const feed = await new MockAggregatorV3__factory(deployer).deploy(8, "QTE / USD", c.quote.answer);
  const quoteOracle = await new ChainlinkOracle__factory(deployer).deploy(feed, 86_400, 50, ZeroAddress, 0);
  const oracle = await new UniswapTwapOracle__factory(deployer).deploy(pool, asset, quoteOracle, WINDOW, 50);
  return { ...c, oracle, quoteOracle };
}

/** The exact USD WAD price per whole asset at the case's tick, as the fraction num / den. */
async function exactPrice(c: PricedCase): Promise<{ num: bigint; den: bigint }> {
  const sqrtP = getSqrtRatioAtTick(c.tick);
  const square = sqrtP * sqrtP;
  const quoteWad = await c.quoteOracle.price();
  const assetUnit = 10n ** BigInt(c.assetDecimals);
  const quoteUnit = 10n ** BigInt(c.quote.decimals);
  // Raw quote per raw asset is sqrtP^2 / 2^192 when the asset is token0, its inverse otherwise.
  return c.assetIsToken0
    ? { num: square * assetUnit * quoteWad, den: Q192 * quoteUnit }
    : { num: Q192 * assetUnit * quoteWad, den: square * quoteUnit };
}

/**
 * Checks the oracle's price against the exact one: never above it (rounded down), below it by less
 * than the documented 1 + quotePrice / 1e18 wei; returns the relative error.
 */
async function relativeError(c: PricedCase): Promise<number> {
  const { num, den } = await exactPrice(c);
  const price = await c.oracle.price();
  const label = `${c.assetDecimals}-dec asset, ${c.quote.decimals}-dec quote, tick ${c.tick}, token${c.assetIsToken0 ? 0 : 1}`;
  const shortfall = num - price * den; // (exact - price) * den
  expect(shortfall >= 0n, `${label}: above the exact price`).to.be.true;
  expect(shortfall, `${label}: error bound`).to.be.lessThan(den * (1n + (await c.quoteOracle.price()) / WAD));
  return Number((shortfall * 10n ** 30n) / num) / 1e30;
}

/** The tick nearest a USD price of `usd` per whole asset. */
function tickFor(usd: number, assetDecimals: number, quote: Quote, assetIsToken0: boolean): number {
  // ln(raw quote per raw asset) = ln(usd / quoteUsd) + (quoteDecimals - assetDecimals) ln 10.
  const lnRatio = Math.log(usd / (Number(quote.answer) / 1e8)) + (quote.decimals - assetDecimals) * Math.log(10);
  return Math.round((assetIsToken0 ? lnRatio : -lnRatio) / Math.log(1.0001));
}

const USDC: Quote = { decimals: 6, answer: 100_000_000n };
const WETH: Quote = { decimals: 18, answer: 300_000_000_000n };
const WBTC: Quote = { decimals: 8, answer: 6_000_000_000_000n };

describe("UniswapTwapOracle", () => {
  it("prices the asset at the pool's TWAP times the quote's USD price (18 decimals)", async () => {
    const { oracle } = await loadFixture(withHistory);
    // The pool sits at $15 (to a tick, 1 bp).
    expect(await oracle.price()).to.be.closeTo(15n * WAD, (15n * WAD) / 10_000n);
    const [valid, price] = await oracle.tryPrice();
    expect(valid).to.be.true;
    expect(price).to.equal(await oracle.price());
  });

  it("prices a token0 asset too (WETH against USDC, 18 vs 6 decimals)", async () => {
    const { market, usdcOracle } = await loadFixture(withHistory);
    const pool = market.pool("WETH", "USDC", 500);
    const oracle = await new UniswapTwapOracle__factory(market.deployer).deploy(
      pool.address,
      market.weth,
      usdcOracle,
      WINDOW,
      100,
    );
    expect(await oracle.price()).to.be.closeTo(3_000n * WAD, (3_000n * WAD) / 10_000n);
  });

  it("follows a lasting move, and resists a brief manipulation", async () => {
    const { market, pool, oracle } = await loadFixture(withHistory);
    // A manipulator pushes the pool up 20%; one minute later the 30-minute TWAP has barely moved.
    await market.movePoolPrice(pool, "LINK", 18);
    await time.increase(60);
    const afterPush = await oracle.price();
    expect(afterPush).to.be.lessThan((15n * WAD * 10_080n) / 10_000n); // < +0.8%
    // If the market really moved and stayed there a whole window, the TWAP reports it.
    await time.increase(WINDOW);
    expect(await oracle.price()).to.be.closeTo(18n * WAD, (18n * WAD) / 1_000n);
  });

  it("scales with the quote's own price", async () => {
    const { market, oracle } = await loadFixture(withHistory);
    await market.setFeedPrice("USDC", "0.98");
    expect(await oracle.price()).to.be.closeTo((15n * WAD * 98n) / 100n, (15n * WAD) / 10_000n);
  });

  it("is invalid while the pool's history is shorter than the window, or the quote's price fails", async () => {
    const { market, oracle } = await loadFixture(twapFixture);
    await expect(oracle.price()).to.be.revertedWith("OLD");
    expect(await oracle.tryPrice()).to.deep.equal([false, 0n]);
    await market.advanceTime(WINDOW + 60);
    expect((await oracle.tryPrice())[0]).to.be.true;
    const now = await time.latest();
    await market.token("USDC").feed.setRound(0, now, now);
    await expect(oracle.price()).to.be.revertedWithCustomError(oracle, "BallastFeedAnswer");
    expect(await oracle.tryPrice()).to.deep.equal([false, 0n]);
  });

  it("validates its construction", async () => {
    const { market, usdcOracle, pool } = await loadFixture(twapFixture);
    const factory = new UniswapTwapOracle__factory(market.deployer);
    const link = market.token("LINK").address;
    await expect(factory.deploy(ethers.ZeroAddress, link, usdcOracle, WINDOW, 50)).to.be.revertedWithCustomError(
      factory,
      "BallastZeroAddress",
    );
    await expect(
      factory.deploy(pool.address, ethers.ZeroAddress, usdcOracle, WINDOW, 50),
    ).to.be.revertedWithCustomError(factory, "BallastZeroAddress");
    await expect(factory.deploy(pool.address, link, ethers.ZeroAddress, WINDOW, 50)).to.be.revertedWithCustomError(
      factory,
      "BallastZeroAddress",
    );
    for (const window of [299, 7 * 86_400 + 1]) {
      await expect(factory.deploy(pool.address, link, usdcOracle, window, 50))
        .to.be.revertedWithCustomError(factory, "BallastParameterOutOfRange")
        .withArgs(Parameter.TwapWindow, window, 300, 7 * 86_400);
    }
    const wbtc = market.token("WBTC").address;
    await expect(factory.deploy(pool.address, wbtc, usdcOracle, WINDOW, 50))
      .to.be.revertedWithCustomError(factory, "BallastPoolToken")
      .withArgs(pool.address, wbtc);
    const oracle = await factory.deploy(pool.address, link, usdcOracle, WINDOW, 50);
    expect(await oracle.pool()).to.equal(pool.address);
    expect(await oracle.asset()).to.equal(link);
    expect(await oracle.quoteOracle()).to.equal(await usdcOracle.getAddress());
    expect(await oracle.window()).to.equal(BigInt(WINDOW));
  });

  describe("precision at the mean tick", () => {
    it("prices an 18-decimal asset at $0.00001 against a 6-decimal quote to the tick, as token0 and as token1", async () => {
      const { deployer, factory } = await loadFixture(bareFactoryFixture);
      for (const assetIsToken0 of [true, false]) {
        const tick = tickFor(0.00001, 18, USDC, assetIsToken0);
        const here = await deployAtTick(deployer, factory, { assetDecimals: 18, quote: USDC, assetIsToken0, tick });
        // One tick up the asset's price: the next tick when the asset is token0, the previous otherwise.
        const next = assetIsToken0 ? tick + 1 : tick - 1;
        const up = await deployAtTick(deployer, factory, { assetDecimals: 18, quote: USDC, assetIsToken0, tick: next });
        await time.increase(WINDOW + 60);
        // 1e13 wei: the last wei is 1e-13 of it (the old WAD ratio was off by up to 9.99%).
        for (const c of [here, up]) expect(await relativeError(c)).to.be.lessThan(1e-12);
        const [low, high] = [await here.oracle.price(), await up.oracle.price()];
        // $0.00001 to within half a tick, and adjacent ticks 1 bp apart (a WAD ratio of raw units
        // priced this asset in steps of about 10%, with both ticks on the same step).
        expect(low).to.be.closeTo(10n ** 13n, 10n ** 13n / 15_000n);
        expect((high * 10n ** 12n) / low).to.be.closeTo(1_000_100_000_000n, 1_000n);
      }
    });

    it("stays within 1e-10 of the exact price from $1e-8 to $1e8, 6/8/18-decimal assets, three quotes, both orientations", async () => {
      const { deployer, factory } = await loadFixture(bareFactoryFixture);
      const cases: PricedCase[] = [];
      for (const quote of [USDC, WETH, WBTC]) {
        // Every decade against USDC, every fourth against the others.
        const exponents =
          quote === USDC ? [-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8] : [-8, -4, 0, 4, 8];
        for (const assetDecimals of [6, 8, 18]) {
          for (const exponent of exponents) {
            for (const assetIsToken0 of [true, false]) {
              // 3.7 times the decade: a tick that is no power of ten's.
              const tick = tickFor(3.7 * 10 ** exponent, assetDecimals, quote, assetIsToken0);
              cases.push(await deployAtTick(deployer, factory, { assetDecimals, quote, assetIsToken0, tick }));
            }
          }
        }
      }
      await time.increase(WINDOW + 60);
      let worst = 0;
      for (const c of cases) {
        const usd = Number(await c.oracle.price()) / 1e18;
        const exponent = Math.round(Math.log10(usd / 3.7));
        // The tick nearest the target: within half a tick (0.005%) of it.
        expect(Math.abs(usd / (3.7 * 10 ** exponent) - 1)).to.be.lessThan(0.00005);
        worst = Math.max(worst, await relativeError(c));
      }
      // At worst the final floor's wei in 3.7e10 ($3.7e-8): 2.7e-11.
      expect(worst).to.be.lessThan(1e-10);
    });

    it("prices the extreme ticks without overflow, and reports a price below 1 wei as invalid", async () => {
      const { deployer, factory } = await loadFixture(bareFactoryFixture);
      // A pool initialises below the maximum tick's price (the maximum itself is excluded).
      const top = MAX_TICK - 1;
      // The asset at its dearest: ~3.4e38 raw quote per raw asset, times 1e12 for the decimals.
      const dearest = [
        await deployAtTick(deployer, factory, { assetDecimals: 18, quote: USDC, assetIsToken0: true, tick: top }),
        await deployAtTick(deployer, factory, { assetDecimals: 18, quote: USDC, assetIsToken0: false, tick: MIN_TICK }),
      ];
      // At its cheapest: ~2.9e-39 raw quote per raw asset, 2.9e-9 wei per whole asset.
      const cheapest = [
        await deployAtTick(deployer, factory, { assetDecimals: 18, quote: USDC, assetIsToken0: true, tick: MIN_TICK }),
        await deployAtTick(deployer, factory, { assetDecimals: 18, quote: USDC, assetIsToken0: false, tick: top }),
      ];
      await time.increase(WINDOW + 60);
      for (const c of dearest) {
        expect(await c.oracle.price()).to.be.greaterThan(10n ** 68n);
        expect(await relativeError(c)).to.be.lessThan(1e-30);
      }
      for (const c of cheapest) {
        expect(await c.oracle.price()).to.equal(0n);
        expect(await c.oracle.tryPrice()).to.deep.equal([false, 0n]);
      }
    });

    it("refuses an asset or quote token with more than 18 decimals", async () => {
      const { deployer, factory } = await loadFixture(bareFactoryFixture);
      const tokens = new MockERC20__factory(deployer);
      const [wide, usdc] = [await tokens.deploy("Wide", "WIDE", 19), await tokens.deploy("USD Coin", "USDC", 6)];
      await (await factory.createPool(wide, usdc, 3000)).wait();
      const pool = await factory.getPool(wide, usdc, 3000);
      const feed = await new MockAggregatorV3__factory(deployer).deploy(8, "X / USD", 100_000_000n);
      const quoteOracle = await new ChainlinkOracle__factory(deployer).deploy(feed, 86_400, 50, ZeroAddress, 0);
      const oracles = new UniswapTwapOracle__factory(deployer);
      for (const [asset, offender] of [
        [wide, wide],
        [usdc, wide],
      ]) {
        await expect(oracles.deploy(pool, asset, quoteOracle, WINDOW, 50))
          .to.be.revertedWithCustomError(oracles, "BallastUnsupportedDecimals")
          .withArgs(await offender.getAddress(), 19);
      }
    });
  });
});
