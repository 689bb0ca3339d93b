import { parseUnits } from "ethers";

import { TICK_SPACINGS } from "./uniswapMath";

/** Decimals of every USD price in the local market: Chainlink's USD feeds answer with 8. */
export const USD_FEED_DECIMALS = 8;

/** Real-world decimals of well-known tokens: a spec that contradicts them is refused. */
export const KNOWN_DECIMALS: Readonly<Record<string, number>> = {
  USDC: 6,
  USDT: 6,
  DAI: 18,
  WETH: 18,
  WBTC: 8,
  LINK: 18,
  UNI: 18,
  AAVE: 18,
  CRV: 18,
  MKR: 18,
};

/**
 * The deviation thresholds (bps) the local feeds stand for: those of Chainlink's mainnet USD feeds
 * of the same assets (a feed answers again once the market has moved this far). A vault prices
 * entries as if each feed had already moved by its threshold (`IBallastOracle.deviationBps`).
 */
export const FEED_DEVIATION_BPS: Readonly<Record<string, number>> = {
  USDC: 25,
  USDT: 25,
  DAI: 25,
  WETH: 50,
  WBTC: 50,
  LINK: 100,
  UNI: 100,
  AAVE: 100,
  CRV: 100,
  MKR: 100,
};

/** The threshold of a local feed not listed in {@link FEED_DEVIATION_BPS}: 1%, as most of Chainlink's. */
export const DEFAULT_FEED_DEVIATION_BPS = 100;

export interface TokenSpec {
  /** Ticker, unique in the market. `WETH` is deployed from canonical-weth's WETH9. */
  symbol: string;
  /** ERC-20 decimals (0..36); must match the real token's for the symbols in KNOWN_DECIMALS. */
  decimals: number;
  /** USD price of one whole token; its feed answers it with 8 decimals. */
  priceUsd: number | string;
  /** ERC-20 name; defaults to "Ballast Test <symbol>". */
  name?: string;
  /**
   * Makes it a fee-on-transfer token burning this many basis points of every transfer (the market's
   * liquidity provider and arbitrageur are exempt, so its pools can be funded and aligned).
   */
  transferFeeBps?: number;
  /** Makes it a token with an armable transfer hook (MockReentrantERC20), for reentrancy tests. */
  reentrant?: boolean;
  /**
   * Makes it a token with a switchable transfer fault (MockBlocklistERC20): transfers from or to an
   * account its owner blocks revert, as USDC's and USDT's blocklists do.
   */
  blocklist?: boolean;
  /** Makes it a rebasing token (MockRebasingERC20): balances follow an index its owner sets. */
  rebasing?: boolean;
}

/** One liquidity position placed when a pool is created. */
export interface PositionSpec {
  /** USD value deposited in the position at the feed prices. */
  valueUsd: number;
  /**
   * Half-width of the price range in basis points around the initial price: 1_000 places liquidity
   * between -10% and +10%; `"full"` spans every usable tick.
   */
  rangeBps: number | "full";
}

export interface PoolSpec {
  /** The two tokens by symbol, in any order (the pool sorts them by address). */
  tokenA: string;
  tokenB: string;
  /** Fee tier in hundredths of a basis point: 100, 500, 3000 or 10000. */
  fee: number;
  /** Liquidity positions; defaults to DEFAULT_POSITIONS scaled to `depthUsd`. */
  positions?: PositionSpec[];
  /** Total USD value of the default positions, when `positions` is not given. */
  depthUsd?: number;
}

export interface LocalMarketOptions {
  /** Tokens to deploy; defaults to DEFAULT_TOKENS. The first must be the base asset (USD-like). */
  tokens?: TokenSpec[];
  /** Pools to create and fund; defaults to DEFAULT_POOLS. */
  pools?: PoolSpec[];
  /** Oracle observations each pool can hold, so TWAPs over long windows work (Uniswap max 65535). */
  observationCardinality?: number;
}

/** Tokens of the default market: the base asset first, then a basket of up to seven assets. */
export const DEFAULT_TOKENS: readonly TokenSpec[] = [
  { symbol: "USDC", decimals: 6, priceUsd: 1, name: "USD Coin" },
  { symbol: "WETH", decimals: 18, priceUsd: 3000, name: "Wrapped Ether" },
  { symbol: "WBTC", decimals: 8, priceUsd: 60000, name: "Wrapped BTC" },
  { symbol: "LINK", decimals: 18, priceUsd: 15, name: "ChainLink Token" },
  { symbol: "UNI", decimals: 18, priceUsd: 8, name: "Uniswap" },
  { symbol: "AAVE", decimals: 18, priceUsd: 150, name: "Aave Token" },
  { symbol: "CRV", decimals: 18, priceUsd: 0.5, name: "Curve DAO Token" },
  { symbol: "MKR", decimals: 18, priceUsd: 1500, name: "Maker" },
];

/**
 * Default liquidity shape, as on mainnet's major pools: half the value concentrated within +-10% of
 * the price, 30% within +-50%, and 20% over the full range, so that a move of any size still finds
 * liquidity while the price impact near the price stays realistic.
 */
export const DEFAULT_POSITIONS: readonly PositionSpec[] = [
  { valueUsd: 0.5, rangeBps: 1_000 },
  { valueUsd: 0.3, rangeBps: 5_000 },
  { valueUsd: 0.2, rangeBps: "full" },
];

/** The usual mainnet tiers: every asset against USDC, and WETH hubs for multi-hop routes. */
export const DEFAULT_POOLS: readonly PoolSpec[] = [
  { tokenA: "WETH", tokenB: "USDC", fee: 500, depthUsd: 60_000_000 },
  { tokenA: "WETH", tokenB: "USDC", fee: 3000, depthUsd: 15_000_000 },
  { tokenA: "WBTC", tokenB: "USDC", fee: 3000, depthUsd: 20_000_000 },
  { tokenA: "WBTC", tokenB: "WETH", fee: 500, depthUsd: 40_000_000 },
  { tokenA: "LINK", tokenB: "USDC", fee: 3000, depthUsd: 10_000_000 },
  { tokenA: "LINK", tokenB: "WETH", fee: 3000, depthUsd: 20_000_000 },
  { tokenA: "UNI", tokenB: "USDC", fee: 3000, depthUsd: 8_000_000 },
  { tokenA: "UNI", tokenB: "WETH", fee: 3000, depthUsd: 15_000_000 },
  { tokenA: "AAVE", tokenB: "USDC", fee: 3000, depthUsd: 8_000_000 },
  { tokenA: "AAVE", tokenB: "WETH", fee: 3000, depthUsd: 15_000_000 },
  { tokenA: "CRV", tokenB: "USDC", fee: 3000, depthUsd: 6_000_000 },
  { tokenA: "CRV", tokenB: "WETH", fee: 10000, depthUsd: 10_000_000 },
  { tokenA: "MKR", tokenB: "USDC", fee: 3000, depthUsd: 8_000_000 },
  { tokenA: "MKR", tokenB: "WETH", fee: 3000, depthUsd: 15_000_000 },
];

const DEFAULT_DEPTH_USD = 5_000_000;
export const DEFAULT_OBSERVATION_CARDINALITY = 720;

/** A local market option that cannot describe a real market. */
export class MarketConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MarketConfigError";
  }
}

/** A positive decimal number as a fixed-point integer with `decimals` decimals. */
export function toFixedPoint(value: number | string, decimals: number, what: string): bigint {
  const text = typeof value === "number" ? (Number.isFinite(value) ? value.toFixed(decimals) : "") : value;
  let fixed: bigint;
  try {
    fixed = parseUnits(text.trim(), decimals);
  } catch {
    throw new MarketConfigError(`${what}: price ${String(value)} is not a decimal number`);
  }
  if (fixed <= 0n) {
    throw new MarketConfigError(`${what}: price ${String(value)} must be positive (at least 1e-${decimals})`);
  }
  return fixed;
}

/** A USD price as an 8-decimal feed answer; refuses anything that is not a positive number. */
export function toFeedAnswer(priceUsd: number | string, what: string): bigint {
  return toFixedPoint(priceUsd, USD_FEED_DECIMALS, what);
}

export interface ResolvedToken extends Required<
  Omit<TokenSpec, "transferFeeBps" | "reentrant" | "blocklist" | "rebasing">
> {
  answer: bigint;
  transferFeeBps?: number;
  reentrant: boolean;
  blocklist: boolean;
  rebasing: boolean;
}

export interface ResolvedPool {
  tokenA: string;
  tokenB: string;
  fee: number;
  tickSpacing: number;
  positions: PositionSpec[];
}

export interface ResolvedOptions {
  tokens: ResolvedToken[];
  pools: ResolvedPool[];
  observationCardinality: number;
}

/** Checks every option before anything is deployed, so a bad option costs no transaction. */
export function resolveOptions(options: LocalMarketOptions = {}): ResolvedOptions {
  const tokenSpecs = options.tokens ?? DEFAULT_TOKENS;
  if (tokenSpecs.length === 0) throw new MarketConfigError("tokens: at least the base asset is required");
  const tokens: ResolvedToken[] = [];
  const seen = new Set<string>();
  for (const spec of tokenSpecs) {
    const { symbol, decimals } = spec;
    if (!/^[A-Z][A-Z0-9]{0,10}$/.test(symbol)) {
      throw new MarketConfigError(`token "${symbol}": symbol must be 1-11 upper-case letters or digits`);
    }
    if (seen.has(symbol)) throw new MarketConfigError(`token ${symbol}: listed twice`);
    seen.add(symbol);
    if (!Number.isInteger(decimals) || decimals < 0 || decimals > 36) {
      throw new MarketConfigError(`token ${symbol}: decimals ${decimals} must be an integer in [0, 36]`);
    }
    const known = KNOWN_DECIMALS[symbol];
    if (known !== undefined && known !== decimals) {
      throw new MarketConfigError(
        `token ${symbol}: decimals ${decimals} are inconsistent with the real ${symbol} (${known})`,
      );
    }
    const fee = spec.transferFeeBps;
    if (fee !== undefined && (!Number.isInteger(fee) || fee <= 0 || fee >= 10_000 || symbol === "WETH")) {
      throw new MarketConfigError(
        `token ${symbol}: transferFeeBps ${fee} must be an integer in (0, 10000), not on WETH`,
      );
    }
    if (spec.reentrant && (fee !== undefined || symbol === "WETH")) {
      throw new MarketConfigError(`token ${symbol}: a reentrant token cannot be WETH or take a transfer fee`);
    }
    const behaviours = [fee !== undefined, spec.reentrant, spec.blocklist, spec.rebasing].filter(Boolean).length;
    if ((spec.blocklist || spec.rebasing) && (behaviours > 1 || symbol === "WETH")) {
      throw new MarketConfigError(`token ${symbol}: a blocklist or rebasing token cannot be WETH or combined`);
    }
    tokens.push({
      transferFeeBps: fee,
      reentrant: spec.reentrant ?? false,
      blocklist: spec.blocklist ?? false,
      rebasing: spec.rebasing ?? false,
      symbol,
      decimals,
      priceUsd: spec.priceUsd,
      name: spec.name ?? `Ballast Test ${symbol}`,
      answer: toFeedAnswer(spec.priceUsd, `token ${symbol}`),
    });
  }

  const poolSpecs = options.pools ?? DEFAULT_POOLS.filter((p) => seen.has(p.tokenA) && seen.has(p.tokenB));
  const pools: ResolvedPool[] = [];
  const poolKeys = new Set<string>();
  for (const spec of poolSpecs) {
    const label = `pool ${spec.tokenA}/${spec.tokenB}/${spec.fee}`;
    for (const symbol of [spec.tokenA, spec.tokenB]) {
      if (!seen.has(symbol)) throw new MarketConfigError(`${label}: unknown token ${symbol}`);
    }
    if (spec.tokenA === spec.tokenB) throw new MarketConfigError(`${label}: a pool needs two different tokens`);
    const tickSpacing = TICK_SPACINGS[spec.fee];
    if (tickSpacing === undefined) {
      throw new MarketConfigError(`${label}: fee ${spec.fee} is not a Uniswap V3 tier (100, 500, 3000, 10000)`);
    }
    const key = [spec.tokenA, spec.tokenB].sort().join("/") + `/${spec.fee}`;
    if (poolKeys.has(key)) throw new MarketConfigError(`${label}: listed twice`);
    poolKeys.add(key);
    const depth = spec.depthUsd ?? DEFAULT_DEPTH_USD;
    if (!(depth > 0)) throw new MarketConfigError(`${label}: depthUsd ${depth} must be positive`);
    const positions = spec.positions ?? DEFAULT_POSITIONS.map((p) => ({ ...p, valueUsd: p.valueUsd * depth }));
    for (const position of positions) {
      if (!(position.valueUsd > 0) || !Number.isFinite(position.valueUsd)) {
        throw new MarketConfigError(`${label}: position value ${position.valueUsd} must be a positive number`);
      }
      const range = position.rangeBps;
      if (range !== "full" && (!Number.isInteger(range) || range <= 0 || range >= 10_000)) {
        throw new MarketConfigError(`${label}: rangeBps ${range} must be "full" or an integer in (0, 10000)`);
      }
    }
    pools.push({ tokenA: spec.tokenA, tokenB: spec.tokenB, fee: spec.fee, tickSpacing, positions });
  }

  const observationCardinality = options.observationCardinality ?? DEFAULT_OBSERVATION_CARDINALITY;
  if (!Number.isInteger(observationCardinality) || observationCardinality < 1 || observationCardinality > 65535) {
    throw new MarketConfigError(`observationCardinality ${observationCardinality} must be an integer in [1, 65535]`);
  }
  return { tokens, pools, observationCardinality };
}
