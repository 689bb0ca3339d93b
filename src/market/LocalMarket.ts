import { setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import { keccak256, MaxUint256, toUtf8Bytes, Wallet } from "ethers";
import type { ContractTransactionResponse, Signer } from "ethers";
import hre, { ethers } from "hardhat";

import UniswapV3Local from "../../deploy/modules/UniswapV3Local";

import {
  MockAggregatorV3__factory,
  MockBlocklistERC20__factory,
  MockERC20__factory,
  MockFeeOnTransferERC20__factory,
  MockRebasingERC20__factory,
  MockReentrantERC20__factory,
  NFTDescriptor__factory,
  NonfungiblePositionManager__factory,
  NonfungibleTokenPositionDescriptor__factory,
  QuoterV2__factory,
  SwapRouter__factory,
  SwapRouter02__factory,
  UniswapV3Factory__factory,
  UniswapV3Pool__factory,
  WETH9__factory,
} from "../../typechain-types";
import type {
  MockAggregatorV3,
  MockERC20,
  NFTDescriptor,
  NonfungiblePositionManager,
  NonfungibleTokenPositionDescriptor,
  QuoterV2,
  SwapRouter,
  SwapRouter02,
  UniswapV3Factory,
  UniswapV3Pool,
  WETH9,
} from "../../typechain-types";

import { MarketConfigError, resolveOptions, toFeedAnswer, toFixedPoint, USD_FEED_DECIMALS } from "./config";
import type { LocalMarketOptions, PositionSpec, ResolvedToken } from "./config";
import {
  amountsForLiquidity,
  getSqrtRatioAtTick,
  MAX_TICK,
  meanTick,
  MIN_TICK,
  priceAtTick,
  priceFromSqrtPriceX96,
  sqrtPriceX96FromPrices,
} from "./uniswapMath";

export interface MarketToken {
  symbol: string;
  decimals: number;
  address: string;
  /** MockERC20 (or its fee-on-transfer variant) for every token but WETH, which is canonical WETH9. */
  contract: MockERC20 | WETH9;
  /** Its Chainlink-compatible `<symbol> / USD` feed (8 decimals). */
  feed: MockAggregatorV3;
}

export interface MarketPool {
  /** `TOKEN0/TOKEN1/fee`, token0 being the lower address as in the pool. */
  key: string;
  address: string;
  contract: UniswapV3Pool;
  token0: MarketToken;
  token1: MarketToken;
  fee: number;
  tickSpacing: number;
  /** NonfungiblePositionManager token ids of the positions this market placed and still holds. */
  positionIds: bigint[];
}

export interface PlacedPosition {
  tokenId: bigint;
  liquidity: bigint;
  amount0: bigint;
  amount1: bigint;
  tickLower: number;
  tickUpper: number;
}

const DEADLINE = MaxUint256;
/** What the arbitrageur brings to a price move: enough to push any pool to any price it can reach. */
const ARBITRAGE_BUDGET = 1n << 120n;
const LIQUIDITY_REFERENCE = 10n ** 18n;

async function mined(sent: Promise<ContractTransactionResponse>): Promise<void> {
  const tx = await sent;
  await tx.wait();
}

/** A deterministic local account, so that market actors never collide with test signers. */
function actor(label: string): Wallet {
  return new Wallet(keccak256(toUtf8Bytes(`ballast.local-market.${label}`)), ethers.provider);
}

/**
 * The local replica of mainnet that tests, the demo and users run against: Uniswap V3 deployed from
 * the official npm artifacts, canonical WETH9, test tokens with real decimals, Chainlink-shaped USD
 * feeds, and funded pools priced by those feeds. Create it with {@link deployLocalMarket}.
 */
export class LocalMarket {
  private constructor(
    /** Owns the tokens and feeds; mints and sets prices. */
    readonly deployer: Signer,
    /** Holds the liquidity positions. */
    readonly liquidityProvider: Wallet,
    /** Trades pools back to a target price, as an arbitrageur against the feeds would. */
    readonly arbitrageur: Wallet,
    readonly weth: WETH9,
    readonly factory: UniswapV3Factory,
    readonly router: SwapRouter,
    /** SwapRouter02, the router of Base, Sepolia and newer deployments, on the same pools. */
    readonly router02: SwapRouter02,
    readonly positionManager: NonfungiblePositionManager,
    /** Renders position NFTs; linked against the NFTDescriptor library. */
    readonly positionDescriptor: NonfungibleTokenPositionDescriptor,
    readonly nftDescriptorLibrary: NFTDescriptor,
    readonly quoter: QuoterV2,
    private readonly tokensBySymbol: Map<string, MarketToken>,
    private readonly poolsByKey: Map<string, MarketPool>,
    readonly observationCardinality: number,
  ) {}

  /** The range each position the market placed was given, by token id. */
  private readonly ranges = new Map<bigint, number | "full">();

  /** Deploys the whole market; see {@link deployLocalMarket}. */
  static async deploy(options: LocalMarketOptions = {}, deployer?: Signer): Promise<LocalMarket> {
    const resolved = resolveOptions(options);
    const owner = deployer ?? (await ethers.getSigners())[0];

    const uniswap = await hre.ignition.deploy(UniswapV3Local, {
      defaultSender: await owner.getAddress(),
      // In-process deployments are ephemeral; on `localhost` each market gets its own journal.
      ...(hre.network.name === "hardhat" ? {} : { deploymentId: `local-market-${Date.now()}` }),
    });
    const at = async (contract: { getAddress(): Promise<string> }) => contract.getAddress();
    const weth = WETH9__factory.connect(await at(uniswap.weth), owner);
    const factory = UniswapV3Factory__factory.connect(await at(uniswap.factory), owner);
    const router = SwapRouter__factory.connect(await at(uniswap.router), owner);
    const router02 = SwapRouter02__factory.connect(await at(uniswap.router02), owner);
    const nftDescriptor = NFTDescriptor__factory.connect(await at(uniswap.nftDescriptor), owner);
    const descriptor = NonfungibleTokenPositionDescriptor__factory.connect(await at(uniswap.positionDescriptor), owner);
    const positionManager = NonfungiblePositionManager__factory.connect(await at(uniswap.positionManager), owner);
    const quoter = QuoterV2__factory.connect(await at(uniswap.quoter), owner);

    const liquidityProvider = actor("liquidity-provider");
    const arbitrageur = actor("arbitrageur");
    const tokens = new Map<string, MarketToken>();
    for (const spec of resolved.tokens) {
      tokens.set(spec.symbol, await deployToken(owner, spec, weth, [liquidityProvider.address, arbitrageur.address]));
    }

    const market = new LocalMarket(
      owner,
      liquidityProvider,
      arbitrageur,
      weth,
      factory,
      router,
      router02,
      positionManager,
      descriptor,
      nftDescriptor,
      quoter,
      tokens,
      new Map(),
      resolved.observationCardinality,
    );
    for (const spec of resolved.pools) {
      const pool = await market.createPool(spec.tokenA, spec.tokenB, spec.fee, spec.tickSpacing);
      for (const position of spec.positions) await market.addLiquidity(pool, position);
    }
    return market;
  }

  /** Every token, in the order they were given. */
  get tokens(): MarketToken[] {
    return [...this.tokensBySymbol.values()];
  }

  /** Every pool, in the order they were created. */
  get pools(): MarketPool[] {
    return [...this.poolsByKey.values()];
  }

  token(symbol: string): MarketToken {
    const token = this.tokensBySymbol.get(symbol);
    if (!token) throw new MarketConfigError(`unknown token ${symbol}`);
    return token;
  }

  /** The pool of two tokens (any order) at a fee tier. */
  pool(symbolA: string, symbolB: string, fee: number): MarketPool {
    const [a, b] = [this.token(symbolA), this.token(symbolB)];
    const [t0, t1] = BigInt(a.address) < BigInt(b.address) ? [a, b] : [b, a];
    const pool = this.poolsByKey.get(`${t0.symbol}/${t1.symbol}/${fee}`);
    if (!pool) throw new MarketConfigError(`no pool ${symbolA}/${symbolB} at fee ${fee}`);
    return pool;
  }

  /** Reports a new USD price on a token's feed, in a new round updated now. */
  async setFeedPrice(symbol: string, priceUsd: number | string): Promise<void> {
    await mined(
      this.token(symbol)
        .feed.connect(this.deployer)
        .setAnswer(toFeedAnswer(priceUsd, `token ${symbol}`)),
    );
  }

  /** The feed's USD price of one whole token (float, for display and tolerances). */
  async feedPrice(symbol: string): Promise<number> {
    const [, answer] = await this.token(symbol).feed.latestRoundData();
    return Number(answer) / 10 ** USD_FEED_DECIMALS;
  }

  /** The pool's spot price of one whole `base` token in whole units of the pool's other token. */
  async poolPrice(pool: MarketPool, base: string): Promise<number> {
    const [sqrtPriceX96] = await pool.contract.slot0();
    const price0 = priceFromSqrtPriceX96(sqrtPriceX96, pool.token0.decimals, pool.token1.decimals);
    return this.orient(pool, base) === 0 ? price0 : 1 / price0;
  }

  /** Mean price of `base` over the last `seconds`, from the pool's `observe()` tick cumulatives. */
  async twapPrice(pool: MarketPool, base: string, seconds: number): Promise<number> {
    const tick = await this.twapTick(pool, seconds);
    const price0 = priceAtTick(tick, pool.token0.decimals, pool.token1.decimals);
    return this.orient(pool, base) === 0 ? price0 : 1 / price0;
  }

  /** OracleLibrary.consult's arithmetic mean tick over the last `seconds`. */
  async twapTick(pool: MarketPool, seconds: number): Promise<number> {
    const [cumulatives] = await pool.contract.observe([seconds, 0]);
    return meanTick(cumulatives[0], cumulatives[1], seconds);
  }

  /**
   * Moves a pool's price to `price` (whole `base` tokens in the other token) by a real swap through
   * SwapRouter with that price as the limit, as an arbitrageur would. Returns the amounts traded.
   */
  async movePoolPrice(
    pool: MarketPool,
    base: string,
    price: number | string,
  ): Promise<{ amountIn: bigint; amountOut: bigint }> {
    // 18 decimals keep small quotes (1 USDC in WBTC) exact enough for a tick-precise target.
    const fixed = toFixedPoint(price, 18, `pool ${pool.key} target`);
    const unit = 10n ** 18n;
    const target =
      this.orient(pool, base) === 0
        ? sqrtPriceX96FromPrices(fixed, pool.token0.decimals, unit, pool.token1.decimals)
        : sqrtPriceX96FromPrices(unit, pool.token0.decimals, fixed, pool.token1.decimals);
    return this.moveToSqrtPrice(pool, target);
  }

  /** Trades a pool back to the price implied by its two tokens' feeds. */
  async alignPoolToFeeds(pool: MarketPool): Promise<{ amountIn: bigint; amountOut: bigint }> {
    const [, answer0] = await pool.token0.feed.latestRoundData();
    const [, answer1] = await pool.token1.feed.latestRoundData();
    if (answer0 <= 0n || answer1 <= 0n) {
      throw new MarketConfigError(
        `pool ${pool.key}: a feed answers ${answer0 <= 0n ? answer0 : answer1}, nothing to align to`,
      );
    }
    return this.moveToSqrtPrice(
      pool,
      sqrtPriceX96FromPrices(answer0, pool.token0.decimals, answer1, pool.token1.decimals),
    );
  }

  /** Aligns every pool to the feeds. */
  async alignAllPools(): Promise<void> {
    for (const pool of this.pools) await this.alignPoolToFeeds(pool);
  }

  /**
   * Places a position worth `valueUsd` (at feed prices) around the pool's current price, owned by
   * the market's liquidity provider, and returns what was minted.
   */
  async addLiquidity(pool: MarketPool, position: PositionSpec): Promise<PlacedPosition> {
    if (!(position.valueUsd > 0) || !Number.isFinite(position.valueUsd)) {
      throw new MarketConfigError(`pool ${pool.key}: position value ${position.valueUsd} must be a positive number`);
    }
    const [sqrtPriceX96, tick] = await pool.contract.slot0();
    const [tickLower, tickUpper] = positionTicks(Number(tick), pool.tickSpacing, position.rangeBps, pool.key);
    const sqrtLower = getSqrtRatioAtTick(tickLower);
    const sqrtUpper = getSqrtRatioAtTick(tickUpper);

    // Value a reference amount of liquidity at the feeds, then scale it to the requested value.
    const [, answer0] = await pool.token0.feed.latestRoundData();
    const [, answer1] = await pool.token1.feed.latestRoundData();
    const reference = amountsForLiquidity(sqrtPriceX96, sqrtLower, sqrtUpper, LIQUIDITY_REFERENCE);
    const referenceValue =
      (reference.amount0 * answer0 * 10n ** 18n) / 10n ** BigInt(pool.token0.decimals) +
      (reference.amount1 * answer1 * 10n ** 18n) / 10n ** BigInt(pool.token1.decimals);
    const targetValue = BigInt(Math.round(position.valueUsd * 10 ** USD_FEED_DECIMALS)) * 10n ** 18n;
    const liquidity = (LIQUIDITY_REFERENCE * targetValue) / referenceValue;
    const { amount0, amount1 } = amountsForLiquidity(sqrtPriceX96, sqrtLower, sqrtUpper, liquidity);

    const lp = this.liquidityProvider;
    await this.topUp(lp.address, pool.token0, amount0);
    await this.topUp(lp.address, pool.token1, amount1);
    await this.approveOnce(lp, pool.token0, await this.positionManager.getAddress());
    await this.approveOnce(lp, pool.token1, await this.positionManager.getAddress());
    const tx = await this.positionManager.connect(lp).mint({
      token0: pool.token0.address,
      token1: pool.token1.address,
      fee: pool.fee,
      tickLower,
      tickUpper,
      amount0Desired: amount0,
      amount1Desired: amount1,
      amount0Min: 0,
      amount1Min: 0,
      recipient: lp.address,
      deadline: DEADLINE,
    });
    const receipt = await tx.wait();
    const manager = await this.positionManager.getAddress();
    const event = receipt?.logs
      .filter((log) => log.address === manager)
      .map((log) => this.positionManager.interface.parseLog(log))
      .find((parsed) => parsed?.name === "IncreaseLiquidity");
    if (!event) throw new Error(`pool ${pool.key}: mint emitted no IncreaseLiquidity`);
    const placed: PlacedPosition = {
      tokenId: event.args.tokenId as bigint,
      liquidity: event.args.liquidity as bigint,
      amount0: event.args.amount0 as bigint,
      amount1: event.args.amount1 as bigint,
      tickLower,
      tickUpper,
    };
    pool.positionIds.push(placed.tokenId);
    this.ranges.set(placed.tokenId, position.rangeBps);
    return placed;
  }

  /**
   * Moves the pool's concentrated positions back around the current price, as active LPs do after
   * the market moves: each is withdrawn and placed again, with the same range width and the same
   * value at feed prices. Full-range positions stay. Returns how many positions moved.
   */
  async recenterLiquidity(pool: MarketPool): Promise<number> {
    let moved = 0;
    for (const tokenId of [...pool.positionIds]) {
      const rangeBps = this.ranges.get(tokenId);
      if (rangeBps === undefined || rangeBps === "full") continue;
      const { amount0, amount1 } = await this.removeLiquidity(pool, tokenId);
      const [, answer0] = await pool.token0.feed.latestRoundData();
      const [, answer1] = await pool.token1.feed.latestRoundData();
      const value =
        (Number(amount0) / 10 ** pool.token0.decimals) * (Number(answer0) / 10 ** USD_FEED_DECIMALS) +
        (Number(amount1) / 10 ** pool.token1.decimals) * (Number(answer1) / 10 ** USD_FEED_DECIMALS);
      await this.addLiquidity(pool, { valueUsd: value, rangeBps });
      moved++;
    }
    return moved;
  }

  /** Re-centres every pool's concentrated liquidity (see {@link recenterLiquidity}). */
  async recenterAllLiquidity(): Promise<void> {
    for (const pool of this.pools) await this.recenterLiquidity(pool);
  }

  /**
   * Withdraws `fractionBps` of a position's liquidity (10_000: all of it, as an LP pulling out) and
   * collects the tokens and fees to the liquidity provider. Returns the tokens collected.
   */
  async removeLiquidity(
    pool: MarketPool,
    tokenId: bigint,
    fractionBps = 10_000,
  ): Promise<{ amount0: bigint; amount1: bigint }> {
    if (!Number.isInteger(fractionBps) || fractionBps <= 0 || fractionBps > 10_000) {
      throw new MarketConfigError(`fractionBps ${fractionBps} must be an integer in (0, 10000]`);
    }
    if (!pool.positionIds.includes(tokenId))
      throw new MarketConfigError(`pool ${pool.key} holds no position ${tokenId}`);
    const lp = this.liquidityProvider;
    const npm = this.positionManager.connect(lp);
    const { liquidity } = await npm.positions(tokenId);
    const amount = (liquidity * BigInt(fractionBps)) / 10_000n;
    if (amount > 0n) {
      await mined(
        npm.decreaseLiquidity({ tokenId, liquidity: amount, amount0Min: 0, amount1Min: 0, deadline: DEADLINE }),
      );
    }
    const collectParams = { tokenId, recipient: lp.address, amount0Max: 2n ** 128n - 1n, amount1Max: 2n ** 128n - 1n };
    const collected = await npm.collect.staticCall(collectParams);
    await mined(npm.collect(collectParams));
    if (amount === liquidity) {
      pool.positionIds.splice(pool.positionIds.indexOf(tokenId), 1);
      this.ranges.delete(tokenId);
    }
    return { amount0: collected.amount0, amount1: collected.amount1 };
  }

  /** Gives `account` `amount` raw units of a token: minted for test tokens, wrapped ETH for WETH. */
  async fund(account: string, symbol: string, amount: bigint): Promise<void> {
    if (amount < 0n) throw new MarketConfigError(`fund: amount ${amount} is negative`);
    if (amount === 0n) return;
    const token = this.token(symbol);
    if (symbol === "WETH") {
      const owner = await this.deployer.getAddress();
      const balance = await ethers.provider.getBalance(owner);
      await setBalance(owner, balance + amount);
      await mined(this.weth.connect(this.deployer).deposit({ value: amount }));
      await mined(this.weth.connect(this.deployer).transfer(account, amount));
    } else {
      await mined((token.contract as MockERC20).connect(this.deployer).mint(account, amount));
    }
  }

  /** Funds `account` with what it lacks of `amount` raw units of `token`. */
  private async topUp(account: string, token: MarketToken, amount: bigint): Promise<void> {
    const balance = await token.contract.balanceOf(account);
    if (balance < amount) await this.fund(account, token.symbol, amount - balance);
  }

  /** Moves the chain's clock forward and mines a block. */
  async advanceTime(seconds: number): Promise<void> {
    if (!Number.isInteger(seconds) || seconds <= 0)
      throw new MarketConfigError(`advanceTime: ${seconds} is not a positive integer`);
    await time.increase(seconds);
  }

  private orient(pool: MarketPool, base: string): 0 | 1 {
    if (base === pool.token0.symbol) return 0;
    if (base === pool.token1.symbol) return 1;
    throw new MarketConfigError(`pool ${pool.key} does not hold ${base}`);
  }

  private async createPool(symbolA: string, symbolB: string, fee: number, tickSpacing: number): Promise<MarketPool> {
    const [a, b] = [this.token(symbolA), this.token(symbolB)];
    const [token0, token1] = BigInt(a.address) < BigInt(b.address) ? [a, b] : [b, a];
    const [, answer0] = await token0.feed.latestRoundData();
    const [, answer1] = await token1.feed.latestRoundData();
    const sqrtPriceX96 = sqrtPriceX96FromPrices(answer0, token0.decimals, answer1, token1.decimals);
    await mined(
      this.positionManager
        .connect(this.deployer)
        .createAndInitializePoolIfNecessary(token0.address, token1.address, fee, sqrtPriceX96),
    );
    const address = await this.factory.getPool(token0.address, token1.address, fee);
    const contract = UniswapV3Pool__factory.connect(address, this.deployer);
    await mined(contract.increaseObservationCardinalityNext(this.observationCardinality));
    const pool: MarketPool = {
      key: `${token0.symbol}/${token1.symbol}/${fee}`,
      address,
      contract,
      token0,
      token1,
      fee,
      tickSpacing,
      positionIds: [],
    };
    this.poolsByKey.set(pool.key, pool);
    return pool;
  }

  private async moveToSqrtPrice(pool: MarketPool, target: bigint): Promise<{ amountIn: bigint; amountOut: bigint }> {
    const [current] = await pool.contract.slot0();
    if (target === current) return { amountIn: 0n, amountOut: 0n };
    const zeroForOne = target < current;
    const [tokenIn, tokenOut] = zeroForOne ? [pool.token0, pool.token1] : [pool.token1, pool.token0];
    const arb = this.arbitrageur;
    const inContract = tokenIn.contract.connect(arb);
    const outContract = tokenOut.contract.connect(arb);
    const inBefore = await inContract.balanceOf(arb.address);
    const outBefore = await outContract.balanceOf(arb.address);
    if (inBefore < ARBITRAGE_BUDGET) await this.fund(arb.address, tokenIn.symbol, ARBITRAGE_BUDGET - inBefore);
    // What it holds now, top-up included: the swap's input is what leaves this balance.
    const inStart = await inContract.balanceOf(arb.address);
    await this.approveOnce(arb, tokenIn, await this.router.getAddress());
    await mined(
      this.router.connect(arb).exactInputSingle({
        tokenIn: tokenIn.address,
        tokenOut: tokenOut.address,
        fee: pool.fee,
        recipient: arb.address,
        deadline: DEADLINE,
        amountIn: ARBITRAGE_BUDGET,
        amountOutMinimum: 0,
        sqrtPriceLimitX96: target,
      }),
    );
    const inAfter = await inContract.balanceOf(arb.address);
    return {
      amountIn: inStart - inAfter,
      amountOut: (await outContract.balanceOf(arb.address)) - outBefore,
    };
  }

  private async approveOnce(owner: Wallet, token: MarketToken, spender: string): Promise<void> {
    await this.ensureGas(owner.address);
    const contract = token.contract.connect(owner);
    if ((await contract.allowance(owner.address, spender)) < ARBITRAGE_BUDGET) {
      await mined(contract.approve(spender, MaxUint256));
    }
  }

  private async ensureGas(account: string): Promise<void> {
    const floor = 10n ** 21n;
    if ((await ethers.provider.getBalance(account)) < floor) await setBalance(account, floor * 10n);
  }
}

async function deployToken(owner: Signer, spec: ResolvedToken, weth: WETH9, feeExempt: string[]): Promise<MarketToken> {
  const feed = await new MockAggregatorV3__factory(owner).deploy(
    USD_FEED_DECIMALS,
    `${spec.symbol} / USD`,
    spec.answer,
  );
  let contract: MockERC20 | WETH9;
  if (spec.symbol === "WETH") {
    contract = weth;
  } else if (spec.transferFeeBps !== undefined) {
    const taxed = await new MockFeeOnTransferERC20__factory(owner).deploy(
      spec.name,
      spec.symbol,
      spec.decimals,
      spec.transferFeeBps,
    );
    for (const account of feeExempt) await mined(taxed.setFeeExempt(account, true));
    contract = taxed;
  } else if (spec.reentrant) {
    contract = await new MockReentrantERC20__factory(owner).deploy(spec.name, spec.symbol, spec.decimals);
  } else if (spec.blocklist) {
    contract = await new MockBlocklistERC20__factory(owner).deploy(spec.name, spec.symbol, spec.decimals);
  } else if (spec.rebasing) {
    contract = await new MockRebasingERC20__factory(owner).deploy(spec.name, spec.symbol, spec.decimals);
  } else {
    contract = await new MockERC20__factory(owner).deploy(spec.name, spec.symbol, spec.decimals);
  }
  return { symbol: spec.symbol, decimals: spec.decimals, address: await contract.getAddress(), contract, feed };
}

/** The usable ticks bounding a position of half-width `rangeBps` around `tick` (or the full range). */
function positionTicks(tick: number, spacing: number, rangeBps: number | "full", label: string): [number, number] {
  const minUsable = Math.ceil(MIN_TICK / spacing) * spacing;
  const maxUsable = Math.floor(MAX_TICK / spacing) * spacing;
  if (rangeBps === "full") return [minUsable, maxUsable];
  if (!Number.isInteger(rangeBps) || rangeBps <= 0 || rangeBps >= 10_000) {
    throw new MarketConfigError(`pool ${label}: rangeBps ${rangeBps} must be "full" or an integer in (0, 10000)`);
  }
  const r = rangeBps / 10_000;
  // Round outward to usable ticks so that the range always contains the current price.
  const lower = Math.floor((tick + Math.log(1 - r) / Math.log(1.0001)) / spacing) * spacing;
  const upper = Math.ceil((tick + Math.log(1 + r) / Math.log(1.0001)) / spacing) * spacing;
  return [Math.max(lower, minUsable), Math.min(Math.max(upper, lower + spacing), maxUsable)];
}

/**
 * Deploys the local market on the connected Hardhat chain (in-process or `localhost`). With no
 * options it deploys eight tokens (USDC, WETH, WBTC, LINK, UNI, AAVE, CRV, MKR), their USD feeds, and
 * fourteen pools (each asset against USDC, and WETH hubs) at the usual fee tiers.
 * Throws {@link MarketConfigError} before sending any transaction if an option is invalid.
 */
export function deployLocalMarket(options: LocalMarketOptions = {}, deployer?: Signer): Promise<LocalMarket> {
  return LocalMarket.deploy(options, deployer);
}
