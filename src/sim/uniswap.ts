/**
 * Uniswap V3 swap costs over concentrated liquidity.
 *
 * Two implementations of the same math:
 *
 * - {@link ConcentratedPool}, in floating point over whole-token amounts: the simulator's cost model.
 *   Within a range of constant liquidity L the pool is the constant product of its virtual reserves
 *   (x = L / sqrtP, y = L sqrtP), so an exact-input swap moves sqrtP to L sqrtP / (L + dx sqrtP)
 *   (token0 in) or sqrtP + dy / L (token1 in); crossing a range boundary changes L and the walk
 *   goes on. That is the pool's own algebra without the integer rounding: exact math, not a
 *   square-root or linear impact guess.
 * - {@link exactInputSingle}, a bigint port of UniswapV3Pool.swap (SwapMath.computeSwapStep,
 *   SqrtPriceMath, the tick bitmap's word-bounded steps) over a list of initialised ticks: the very
 *   integers a pool returns, which tests compare with QuoterV2 on the local market and with the
 *   floating-point model.
 *
 * Fees are charged as the pool does, on the input: `feePips` hundredths of a basis point (500 = 0.05%).
 */
import {
  getSqrtRatioAtTick,
  getTickAtSqrtRatio,
  MAX_SQRT_RATIO,
  MAX_TICK,
  MIN_SQRT_RATIO,
  MIN_TICK,
  TICK_SPACINGS,
} from "../market/uniswapMath";

import { checkNumber, SimError } from "./errors";
import { mulDiv } from "./vaultModel/math";

/** One position of a pool's liquidity shape: a share of the pool's USD depth over +-rangeBps. */
export interface RangeShare {
  /** Fraction of the pool's depth (the shares of a shape sum to 1). */
  share: number;
  /** Half-width in basis points around the price at placement (1_000 = +-10%), or the full range. */
  rangeBps: number | "full";
}

/**
 * The local market's shape (src/market DEFAULT_POSITIONS): half the value within +-10%, 30% within
 * +-50%, 20% over the full range, as on mainnet's major pools.
 */
export const LOCAL_MARKET_SHAPE: readonly RangeShare[] = [
  { share: 0.5, rangeBps: 1_000 },
  { share: 0.3, rangeBps: 5_000 },
  { share: 0.2, rangeBps: "full" },
];

/** Validates a fee tier (pips). */
export function checkFeeTier(feePips: number): number {
  if (TICK_SPACINGS[feePips] === undefined) {
    throw new SimError(`fee ${feePips} is not a Uniswap V3 tier (100, 500, 3000, 10000 pips)`);
  }
  return feePips;
}

/** Validates a liquidity shape. */
export function checkShape(shape: readonly RangeShare[]): readonly RangeShare[] {
  if (shape.length === 0) throw new SimError("liquidity shape: at least one position");
  let total = 0;
  for (const r of shape) {
    checkNumber("liquidity shape share", r.share, 0, 1);
    if (r.rangeBps !== "full") checkNumber("liquidity shape rangeBps", r.rangeBps, 1, 9_999);
    total += r.share;
  }
  if (Math.abs(total - 1) > 1e-9) throw new SimError(`liquidity shape: shares sum to ${total}, not 1`);
  return shape;
}

/** Result of a floating-point swap. */
export interface FloatSwap {
  /** Output, whole tokens. */
  amountOut: number;
  /** Fee taken, in whole input tokens. */
  fee: number;
  /** Square root of the price (token1 per token0) after the swap. */
  sqrtPriceAfter: number;
  /** Ranges crossed. */
  crossed: number;
}

/** A liquidity position: sqrt-price bounds, its liquidity, and its half-width when placed (to re-place it). */
export interface Position {
  lo: number;
  hi: number;
  l: number;
  rangeBps: number | "full";
}

/**
 * A position worth `valueUsd` over +-`rangeBps` around `price` (token1 per token0; or the full
 * range) at the two tokens' USD prices, as the local market's liquidity provider places one.
 */
export function placePosition(
  valueUsd: number,
  rangeBps: number | "full",
  price: number,
  price0Usd: number,
  price1Usd: number,
): Position {
  const s = Math.sqrt(price);
  const [lo, hi] =
    rangeBps === "full" ? [0, Infinity] : [s * Math.sqrt(1 - rangeBps / 10_000), s * Math.sqrt(1 + rangeBps / 10_000)];
  // Amounts per unit of liquidity at sqrtP = s in [lo, hi]: x = 1/s - 1/hi, y = s - lo.
  const x = 1 / s - (hi === Infinity ? 0 : 1 / hi);
  const y = s - lo;
  const valuePerL = x * price0Usd + y * price1Usd;
  return { lo, hi, l: valuePerL > 0 ? valueUsd / valuePerL : 0, rangeBps };
}

/** What `position` holds at sqrt price `sqrtPrice`, in USD at the two tokens' prices. */
export function positionValueUsd(position: Position, sqrtPrice: number, price0Usd: number, price1Usd: number): number {
  const s = Math.min(Math.max(sqrtPrice, position.lo), position.hi);
  const x = position.l * (1 / s - (position.hi === Infinity ? 0 : 1 / position.hi));
  const y = position.l * (s - position.lo);
  return x * price0Usd + y * price1Usd;
}

/**
 * A concentrated-liquidity pool in floating point: token0 ("x") priced in token1 ("y"), whole
 * tokens. Liquidity is piecewise constant in sqrtP over `bounds` (ascending, from 0 to Infinity for
 * full-range liquidity); `liquidity[k]` holds on [bounds[k], bounds[k+1]].
 */
export class ConcentratedPool {
  private constructor(
    readonly feePips: number,
    private readonly bounds: Float64Array,
    private readonly liquidity: Float64Array,
    /** Current sqrt(price), price in token1 per token0. */
    public sqrtPrice: number,
  ) {}

  /**
   * Places `depthUsd` of liquidity in `shape` around `price` (token1 per token0), each position
   * worth its share at the given USD prices of the two tokens, as the local market's liquidity
   * provider does (src/market LocalMarket.addLiquidity, without snapping to ticks).
   */
  static fromShape(
    feePips: number,
    price: number,
    price0Usd: number,
    price1Usd: number,
    depthUsd: number,
    shape: readonly RangeShare[] = LOCAL_MARKET_SHAPE,
  ): ConcentratedPool {
    checkFeeTier(feePips);
    checkNumber("pool price", price, 1e-30, 1e30);
    checkNumber("pool depthUsd", depthUsd, 0, 1e15);
    const s = Math.sqrt(price);
    const positions = shape.map((r) => placePosition(r.share * depthUsd, r.rangeBps, price, price0Usd, price1Usd));
    return ConcentratedPool.fromPositions(feePips, s, positions);
  }

  /** A pool from explicit positions (sqrt-price bounds and liquidity), at sqrt price `sqrtPrice`. */
  static fromPositions(
    feePips: number,
    sqrtPrice: number,
    positions: readonly { lo: number; hi: number; l: number }[],
  ): ConcentratedPool {
    const edges = [...new Set(positions.flatMap((p) => [p.lo, p.hi]).concat([0, Infinity]))].sort((a, b) => a - b);
    const bounds = Float64Array.from(edges);
    const liquidity = new Float64Array(edges.length - 1);
    for (let k = 0; k < liquidity.length; k++) {
      const mid = edges[k + 1] === Infinity ? edges[k] * 2 + 1 : (edges[k] + edges[k + 1]) / 2;
      for (const p of positions) if (p.lo <= mid && mid < p.hi) liquidity[k] += p.l;
    }
    return new ConcentratedPool(feePips, bounds, liquidity, sqrtPrice);
  }

  /** Index of the range holding the current price (the upper one at a boundary when moving up). */
  private segment(up: boolean): number {
    const b = this.bounds;
    const s = this.sqrtPrice;
    let k = 0;
    while (k < b.length - 2 && (up ? b[k + 1] <= s : b[k + 1] < s)) k++;
    return k;
  }

  /** Liquidity in range at the current price (what BallastPolicy's cost estimate reads). */
  inRangeLiquidity(): number {
    return this.liquidity[this.segment(true)];
  }

  /** Price of token0 in token1. */
  get price(): number {
    return this.sqrtPrice * this.sqrtPrice;
  }

  /** Moves the price without trading (arbitrageurs realigning the pool to the market). */
  setPrice(price: number): void {
    this.sqrtPrice = Math.sqrt(price);
  }

  /** Exact-input swap of `amountIn` whole tokens of token0 (`zeroForOne`) or token1; updates the price. */
  swap(zeroForOne: boolean, amountIn: number): FloatSwap {
    if (!(amountIn >= 0) || !Number.isFinite(amountIn))
      throw new SimError(`swap amount ${amountIn} is not a finite amount`);
    const fee = (amountIn * this.feePips) / 1e6;
    let remaining = amountIn - fee;
    let out = 0;
    let crossed = 0;
    let s = this.sqrtPrice;
    const b = this.bounds;
    if (zeroForOne) {
      let k = this.segment(false);
      while (remaining > 0) {
        const l = this.liquidity[k];
        const lo = b[k];
        if (l > 0) {
          // Token0 needed to reach the range's lower edge: L (1/lo - 1/s).
          const toEdge = lo > 0 ? l * (1 / lo - 1 / s) : Infinity;
          if (remaining < toEdge) {
            const next = (l * s) / (l + remaining * s);
            out += l * (s - next);
            s = next;
            break;
          }
          out += l * (s - lo);
          remaining -= toEdge;
        }
        if (k === 0) break; // no liquidity below: the rest is not swapped (a pool out of range)
        s = lo;
        k--;
        crossed++;
      }
    } else {
      let k = this.segment(true);
      while (remaining > 0) {
        const l = this.liquidity[k];
        const hi = b[k + 1];
        if (l > 0) {
          // Token1 needed to reach the range's upper edge: L (hi - s).
          const toEdge = hi === Infinity ? Infinity : l * (hi - s);
          if (remaining < toEdge) {
            const next = s + remaining / l;
            out += l * (1 / s - 1 / next);
            s = next;
            break;
          }
          out += l * (1 / s - 1 / hi);
          remaining -= toEdge;
        }
        if (k === this.liquidity.length - 1) break;
        s = hi;
        k++;
        crossed++;
      }
    }
    this.sqrtPrice = s;
    return { amountOut: out, fee, sqrtPriceAfter: s, crossed };
  }
}

// --- Exact (bigint) port of the pool's swap --------------------------------------------------

const MAX_UINT256 = (1n << 256n) - 1n;
const MAX_UINT160 = (1n << 160n) - 1n;
const Q96 = 1n << 96n;

function mulDivRoundingUp(a: bigint, b: bigint, d: bigint): bigint {
  return mulDiv(a, b, d, true);
}
function divRoundingUp(a: bigint, d: bigint): bigint {
  return a / d + (a % d === 0n ? 0n : 1n);
}

/** SqrtPriceMath.getAmount0Delta. */
export function getAmount0Delta(sqrtA: bigint, sqrtB: bigint, liquidity: bigint, roundUp: boolean): bigint {
  const [a, b] = sqrtA > sqrtB ? [sqrtB, sqrtA] : [sqrtA, sqrtB];
  const n1 = liquidity << 96n;
  const n2 = b - a;
  return roundUp ? divRoundingUp(mulDivRoundingUp(n1, n2, b), a) : mulDiv(n1, n2, b) / a;
}

/** SqrtPriceMath.getAmount1Delta. */
export function getAmount1Delta(sqrtA: bigint, sqrtB: bigint, liquidity: bigint, roundUp: boolean): bigint {
  const [a, b] = sqrtA > sqrtB ? [sqrtB, sqrtA] : [sqrtA, sqrtB];
  return roundUp ? mulDivRoundingUp(liquidity, b - a, Q96) : mulDiv(liquidity, b - a, Q96);
}

/** SqrtPriceMath.getNextSqrtPriceFromInput (exact input only adds to the pool). */
export function getNextSqrtPriceFromInput(
  sqrtP: bigint,
  liquidity: bigint,
  amountIn: bigint,
  zeroForOne: boolean,
): bigint {
  if (zeroForOne) {
    if (amountIn === 0n) return sqrtP;
    const n1 = liquidity << 96n;
    const product = amountIn * sqrtP;
    // The Solidity code takes this path only when neither the product nor the sum overflows 256 bits.
    if (product <= MAX_UINT256 && n1 + product <= MAX_UINT256) return mulDivRoundingUp(n1, sqrtP, n1 + product);
    return divRoundingUp(n1, n1 / sqrtP + amountIn);
  }
  const quotient = amountIn <= MAX_UINT160 ? (amountIn << 96n) / liquidity : mulDiv(amountIn, Q96, liquidity);
  return sqrtP + quotient;
}

/** SwapMath.computeSwapStep for an exact input. */
export function computeSwapStep(
  sqrtCurrent: bigint,
  sqrtTarget: bigint,
  liquidity: bigint,
  amountRemaining: bigint,
  feePips: number,
): { sqrtNext: bigint; amountIn: bigint; amountOut: bigint; feeAmount: bigint } {
  const fee = BigInt(feePips);
  const zeroForOne = sqrtCurrent >= sqrtTarget;
  const lessFee = mulDiv(amountRemaining, 1_000_000n - fee, 1_000_000n);
  let amountIn = zeroForOne
    ? getAmount0Delta(sqrtTarget, sqrtCurrent, liquidity, true)
    : getAmount1Delta(sqrtCurrent, sqrtTarget, liquidity, true);
  const sqrtNext =
    lessFee >= amountIn ? sqrtTarget : getNextSqrtPriceFromInput(sqrtCurrent, liquidity, lessFee, zeroForOne);
  const max = sqrtTarget === sqrtNext;
  let amountOut: bigint;
  if (zeroForOne) {
    if (!max) amountIn = getAmount0Delta(sqrtNext, sqrtCurrent, liquidity, true);
    amountOut = getAmount1Delta(sqrtNext, sqrtCurrent, liquidity, false);
  } else {
    if (!max) amountIn = getAmount1Delta(sqrtCurrent, sqrtNext, liquidity, true);
    amountOut = getAmount0Delta(sqrtCurrent, sqrtNext, liquidity, false);
  }
  const feeAmount = !max ? amountRemaining - amountIn : mulDivRoundingUp(amountIn, fee, 1_000_000n - fee);
  return { sqrtNext, amountIn, amountOut, feeAmount };
}

/** A pool's state as the swap reads it: slot0, in-range liquidity and its initialised ticks. */
export interface ExactPoolState {
  sqrtPriceX96: bigint;
  tick: number;
  liquidity: bigint;
  feePips: number;
  tickSpacing: number;
  /** Initialised ticks and their liquidityNet, any order. */
  ticks: readonly { index: number; liquidityNet: bigint }[];
}

/** Result of an exact swap. */
export interface ExactSwap {
  amountOut: bigint;
  /** Input actually taken (all of it unless the pool ran out of liquidity). */
  amountIn: bigint;
  feeAmount: bigint;
  sqrtPriceX96After: bigint;
  tickAfter: number;
  liquidityAfter: bigint;
}

/**
 * UniswapV3Pool.swap for an exact input without a price limit (QuoterV2's quoteExactInputSingle
 * with `sqrtPriceLimitX96 = 0`). Steps stop at initialised ticks and at the bitmap's 256-tick-word
 * boundaries as in the pool, so every rounding matches.
 */
export function exactInputSingle(pool: ExactPoolState, zeroForOne: boolean, amountIn: bigint): ExactSwap {
  if (amountIn <= 0n) throw new SimError(`exactInputSingle: amountIn ${amountIn} must be positive`);
  const spacing = pool.tickSpacing;
  const net = new Map<number, bigint>();
  for (const t of pool.ticks) {
    if (t.index % spacing !== 0) throw new SimError(`tick ${t.index} is not a multiple of the spacing ${spacing}`);
    net.set(t.index / spacing, (net.get(t.index / spacing) ?? 0n) + t.liquidityNet);
  }
  const compressedTicks = [...net.keys()].filter((c) => net.get(c) !== 0n).sort((a, b) => a - b);
  const limit = zeroForOne ? MIN_SQRT_RATIO + 1n : MAX_SQRT_RATIO - 1n;
  let remaining = amountIn;
  let out = 0n;
  let fees = 0n;
  let sqrtP = pool.sqrtPriceX96;
  let tick = pool.tick;
  let liquidity = pool.liquidity;
  while (remaining !== 0n && sqrtP !== limit) {
    const start = sqrtP;
    const [nextRaw, initialized] = nextInitializedTickWithinOneWord(compressedTicks, tick, spacing, zeroForOne);
    const tickNext = Math.min(Math.max(nextRaw, MIN_TICK), MAX_TICK);
    const sqrtNextTick = getSqrtRatioAtTick(tickNext);
    const target = (zeroForOne ? sqrtNextTick < limit : sqrtNextTick > limit) ? limit : sqrtNextTick;
    const step = computeSwapStep(sqrtP, target, liquidity, remaining, pool.feePips);
    sqrtP = step.sqrtNext;
    remaining -= step.amountIn + step.feeAmount;
    out += step.amountOut;
    fees += step.feeAmount;
    if (sqrtP === sqrtNextTick) {
      if (initialized) {
        const ln = net.get(tickNext / spacing) ?? 0n;
        liquidity += zeroForOne ? -ln : ln;
      }
      tick = zeroForOne ? tickNext - 1 : tickNext;
    } else if (sqrtP !== start) {
      tick = getTickAtSqrtRatio(sqrtP);
    }
  }
  return {
    amountOut: out,
    amountIn: amountIn - remaining,
    feeAmount: fees,
    sqrtPriceX96After: sqrtP,
    tickAfter: tick,
    liquidityAfter: liquidity,
  };
}

/**
 * TickBitmap.nextInitializedTickWithinOneWord over a sorted list of initialised compressed ticks:
 * the next initialised tick in the swap's direction within the current 256-tick word, or the word's
 * edge (not initialised) when there is none.
 */
function nextInitializedTickWithinOneWord(
  sorted: readonly number[],
  tick: number,
  spacing: number,
  lte: boolean,
): [number, boolean] {
  let compressed = Math.trunc(tick / spacing);
  if (tick < 0 && tick % spacing !== 0) compressed--;
  if (lte) {
    const wordStart = compressed - (compressed & 255);
    for (let k = sorted.length - 1; k >= 0; k--) {
      if (sorted[k] <= compressed)
        return sorted[k] >= wordStart ? [sorted[k] * spacing, true] : [wordStart * spacing, false];
    }
    return [wordStart * spacing, false];
  }
  const c = compressed + 1;
  const wordEnd = c + (255 - (c & 255));
  for (const s of sorted) {
    if (s >= c) return s <= wordEnd ? [s * spacing, true] : [wordEnd * spacing, false];
  }
  return [wordEnd * spacing, false];
}
