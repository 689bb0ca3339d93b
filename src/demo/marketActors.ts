/**
 * The market around the vault: the feeds publish each step's prices (the base asset's within its
 * heartbeat), an arbitrageur trades every pool of the market back to them, and liquidity providers
 * re-centre their ranges after big moves.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { formatUnits } from "ethers";
import type { TransactionReceipt } from "ethers";

import type { LocalMarket, MarketPool, MarketToken } from "../market";

import { Arbitrageur, publishFeedPrice } from "./arbitrage";
import { BASE_SYMBOL, RECENTER_THRESHOLD } from "./scenarios";

/** How often the base asset's feed answers again (half its one-day heartbeat). */
const BASE_FEED_REFRESH = 12 * 3_600;

export class MarketActors {
  /** USD price of every basket token now, by symbol (what the feeds answer). */
  private readonly prices = new Map<string, number>();
  /** token0/token1 price ratio each pool's liquidity was last centred at. */
  private readonly centres = new Map<string, number>();
  private baseFeedUpdatedAt = 0;
  /** Times liquidity providers re-centred a pool. */
  recenters = 0;

  /**
   * Every pool of the market: the ones the arbitrageur keeps on the feeds and the liquidity
   * providers re-centre. A keeper's own plan may trade any of them (a direct pair, another fee
   * tier), so a pool left off the feeds would be a free lunch no real market leaves standing.
   */
  readonly pools: readonly MarketPool[];

  private constructor(
    private readonly market: LocalMarket,
    private readonly arbitrageur: Arbitrageur,
    private readonly gasGwei: number,
  ) {
    this.pools = market.pools;
  }

  /** The market's actors, the feeds at `prices` (USD, basket order) and every pool centred there. */
  static async create(
    market: LocalMarket,
    tokens: readonly MarketToken[],
    prices: readonly number[],
    arbitrageur: HardhatEthersSigner,
    gasGwei: number,
  ): Promise<MarketActors> {
    const actors = new MarketActors(market, await Arbitrageur.create(market, arbitrageur, market.pools), gasGwei);
    tokens.forEach((token, i) => actors.prices.set(token.symbol, prices[i]));
    for (const pool of actors.pools) actors.centres.set(pool.key, actors.poolRatio(pool));
    return actors;
  }

  price(symbol: string): number {
    const price = this.prices.get(symbol);
    if (price === undefined) throw new Error(`no price for ${symbol}`);
    return price;
  }

  /** USD cost of `gasUsed` at the scenario's gas price, paid in ETH. */
  gasCostUsd(gasUsed: number): number {
    return gasUsed * this.gasGwei * 1e-9 * this.price("WETH");
  }

  /** Price of the pool's token0 in token1 at the current feed prices. */
  private poolRatio(pool: MarketPool): number {
    return this.price(pool.token0.symbol) / this.price(pool.token1.symbol);
  }

  /** The feeds publish the step's `prices` (USD by symbol); arbitrage and liquidity providers follow. */
  async move(prices: ReadonlyMap<string, number>): Promise<void> {
    // The base asset's price does not move, but its feed answers again within Chainlink's
    // heartbeat (a day, the oracle's staleness bound), as a real one does.
    const now = await time.latest();
    if (now - this.baseFeedUpdatedAt >= BASE_FEED_REFRESH) {
      await publishFeedPrice(this.market, BASE_SYMBOL, 1);
      this.baseFeedUpdatedAt = now;
    }
    await this.publishPrices(prices);
    await this.alignPools();
    for (const pool of this.pools) {
      const ratio = this.poolRatio(pool);
      const centre = this.centres.get(pool.key)!;
      if (Math.abs(ratio / centre - 1) > RECENTER_THRESHOLD) {
        await this.market.recenterLiquidity(pool);
        this.centres.set(pool.key, ratio);
        this.recenters++;
      }
    }
  }

  /** The feeds answer `prices` (USD by symbol). */
  async publishPrices(prices: ReadonlyMap<string, number>): Promise<void> {
    for (const [symbol, usd] of prices) {
      // Rounded to the feed's 8 decimals, so that the report's prices are exactly the feeds'.
      const price = Math.max(1e-8, Math.round(usd * 1e8) / 1e8);
      this.prices.set(symbol, price);
      await publishFeedPrice(this.market, symbol, price);
    }
  }

  /** The arbitrageur trades every pool of the market back to the feeds (a no-op read for those already there). */
  async alignPools(): Promise<void> {
    for (const pool of this.pools) await this.arbitrageur.align(pool, (symbol) => this.price(symbol));
  }

  /** The fees `receipt`'s swaps paid the market's pools: each hop's input times its fee tier, USD. */
  poolFeesUsd(receipt: TransactionReceipt): number {
    let fees = 0;
    for (const log of receipt.logs) {
      const pool = this.pools.find((p) => p.address === log.address);
      if (!pool) continue;
      const parsed = pool.contract.interface.parseLog(log);
      if (parsed?.name !== "Swap") continue;
      // The pool's input is the positive amount.
      const [amount0, amount1] = [parsed.args.amount0 as bigint, parsed.args.amount1 as bigint];
      const [token, amount] = amount0 > 0n ? [pool.token0, amount0] : [pool.token1, amount1];
      fees += Number(formatUnits(amount, token.decimals)) * this.price(token.symbol) * (pool.fee / 1e6);
    }
    return fees;
  }
}
