/**
 * The scenario's arbitrageur: trades each pool of the market (every pair and fee tier, not only
 * the vault's routes: a keeper's own plan may trade any of them) back to the price its two feeds
 * imply, from its own balances, as LocalMarket.alignPoolToFeeds does, but cheaply enough to run
 * thousands of times. The market's helper checks and tops up balances, checks approvals and
 * estimates gas on every call; this one is funded and approved once, knows the feed answers it
 * published, and sends one swap with a fixed gas limit: a quarter of the RPC work, which is what
 * keeps the default `npm start` under two minutes on two cores.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { MaxUint256 } from "ethers";

import { sqrtPriceX96FromPrices, USD_FEED_DECIMALS } from "../market";
import type { LocalMarket, MarketPool } from "../market";

/** What the arbitrageur holds of each token: far beyond any pool's reserves, so it never runs dry. */
const BUDGET = 1n << 100n;
/** The most a single alignment may spend (the router takes only what reaching the price needs). */
const MAX_IN = 1n << 96n;
/** Enough for a swap crossing every initialised tick the market's few positions create. */
const SWAP_GAS_LIMIT = 3_000_000n;
/** Far-future deadline: the chain's clock is the simulation's. */
const DEADLINE = MaxUint256;

/** Enough for MockAggregatorV3.setAnswer (a new round: a few storage writes and two events). */
const FEED_GAS_LIMIT = 300_000n;

/** A feed answer (8 decimals) from a USD price, as LocalMarket.setFeedPrice encodes it. */
export function feedAnswer(priceUsd: number): bigint {
  const answer = BigInt(Math.round(priceUsd * 10 ** USD_FEED_DECIMALS));
  if (answer <= 0n) throw new RangeError(`price ${priceUsd} rounds to a feed answer of ${answer}`);
  return answer;
}

/**
 * Publishes a new round on a token's feed, as LocalMarket.setFeedPrice does (same signer, same
 * encoding) but with a fixed gas limit: no gas estimate, which halves the cost of the thousands of
 * rounds a scenario publishes. `priceUsd` should already be rounded to 8 decimals.
 */
export async function publishFeedPrice(market: LocalMarket, symbol: string, priceUsd: number): Promise<void> {
  const feed = market.token(symbol).feed.connect(market.deployer);
  await (await feed.setAnswer(feedAnswer(priceUsd), { gasLimit: FEED_GAS_LIMIT })).wait();
}

export class Arbitrageur {
  private constructor(
    private readonly market: LocalMarket,
    private readonly signer: HardhatEthersSigner,
  ) {}

  /** Funds `signer` with every token of `pools` and approves the router once. */
  static async create(
    market: LocalMarket,
    signer: HardhatEthersSigner,
    pools: readonly MarketPool[],
  ): Promise<Arbitrageur> {
    const router = await market.router.getAddress();
    const symbols = new Set(pools.flatMap((pool) => [pool.token0.symbol, pool.token1.symbol]));
    for (const symbol of symbols) {
      const token = market.token(symbol);
      await market.fund(signer.address, symbol, BUDGET);
      await (await token.contract.connect(signer).approve(router, MaxUint256)).wait();
    }
    return new Arbitrageur(market, signer);
  }

  /**
   * Trades `pool` to the price implied by the USD prices its tokens' feeds answer (`priceOf`),
   * with that price as the swap's limit. Returns whether it traded.
   */
  async align(pool: MarketPool, priceOf: (symbol: string) => number): Promise<boolean> {
    return (await this.trade(pool, priceOf)) > 0n;
  }

  /**
   * {@link align}, returning the gas the swap used (0 when the pool was already there): the
   * adversaries push pools with it, to the feeds' prices times a factor, and back.
   */
  async trade(pool: MarketPool, priceOf: (symbol: string) => number): Promise<bigint> {
    const target = sqrtPriceX96FromPrices(
      feedAnswer(priceOf(pool.token0.symbol)),
      pool.token0.decimals,
      feedAnswer(priceOf(pool.token1.symbol)),
      pool.token1.decimals,
    );
    const [current] = await pool.contract.slot0();
    if (target === current) return 0n;
    // Selling token0 lowers the price (token1 per token0); selling token1 raises it.
    const zeroForOne = target < current;
    const [tokenIn, tokenOut] = zeroForOne ? [pool.token0, pool.token1] : [pool.token1, pool.token0];
    const tx = await this.market.router.connect(this.signer).exactInputSingle(
      {
        tokenIn: tokenIn.address,
        tokenOut: tokenOut.address,
        fee: pool.fee,
        recipient: this.signer.address,
        deadline: DEADLINE,
        amountIn: MAX_IN,
        amountOutMinimum: 0,
        sqrtPriceLimitX96: target,
      },
      { gasLimit: SWAP_GAS_LIMIT },
    );
    const receipt = await tx.wait();
    return receipt?.gasUsed ?? 0n;
  }
}
