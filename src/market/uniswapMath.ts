/**
 * Exact Uniswap V3 price math in bigint, ported from v3-core's TickMath and v3-periphery's
 * LiquidityAmounts so that off-chain code computes the very numbers the pools do (the Solidity
 * libraries are <0.8.0 and cannot be imported into the vault).
 */

export const Q96 = 1n << 96n;
export const Q192 = 1n << 192n;
export const MIN_TICK = -887272;
export const MAX_TICK = 887272;
export const MIN_SQRT_RATIO = 4295128739n;
export const MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342n;

/** Fee tiers (hundredths of a bip) and their tick spacing, as enabled on mainnet's factory. */
export const TICK_SPACINGS: Readonly<Record<number, number>> = { 100: 1, 500: 10, 3000: 60, 10000: 200 };

const MAX_UINT256 = (1n << 256n) - 1n;
// TickMath.getSqrtRatioAtTick's factors: 1/sqrt(1.0001)^(2^i) in Q128.128, for bit i of |tick|.
const TICK_FACTORS: readonly bigint[] = [
  0xfffcb933bd6fad37aa2d162d1a594001n,
  0xfff97272373d413259a46990580e213an,
  0xfff2e50f5f656932ef12357cf3c7fdccn,
  0xffe5caca7e10e4e61c3624eaa0941cd0n,
  0xffcb9843d60f6159c9db58835c926644n,
  0xff973b41fa98c081472e6896dfb254c0n,
  0xff2ea16466c96a3843ec78b326b52861n,
  0xfe5dee046a99a2a811c461f1969c3053n,
  0xfcbe86c7900a88aedcffc83b479aa3a4n,
  0xf987a7253ac413176f2b074cf7815e54n,
  0xf3392b0822b70005940c7a398e4b70f3n,
  0xe7159475a2c29b7443b29c7fa6e889d9n,
  0xd097f3bdfd2022b8845ad8f792aa5825n,
  0xa9f746462d870fdf8a65dc1f90e061e5n,
  0x70d869a156d2a1b890bb3df62baf32f7n,
  0x31be135f97d08fd981231505542fcfa6n,
  0x9aa508b5b7a84e1c677de54f3e99bc9n,
  0x5d6af8dedb81196699c329225ee604n,
  0x2216e584f5fa1ea926041bedfe98n,
  0x48a170391f7dc42444e8fa2n,
];

/** TickMath.getSqrtRatioAtTick: sqrt(1.0001^tick) as a Q64.96, rounded up as the pool does. */
export function getSqrtRatioAtTick(tick: number): bigint {
  if (!Number.isInteger(tick) || tick < MIN_TICK || tick > MAX_TICK) {
    throw new RangeError(`tick ${tick} is not an integer in [${MIN_TICK}, ${MAX_TICK}]`);
  }
  const absTick = Math.abs(tick);
  let ratio = absTick & 1 ? TICK_FACTORS[0] : 1n << 128n;
  for (let i = 1; i < TICK_FACTORS.length; i++) {
    if (absTick & (1 << i)) ratio = (ratio * TICK_FACTORS[i]) >> 128n;
  }
  if (tick > 0) ratio = MAX_UINT256 / ratio;
  return (ratio >> 32n) + (ratio % (1n << 32n) === 0n ? 0n : 1n);
}

/** TickMath.getTickAtSqrtRatio: the greatest tick whose sqrt ratio is <= `sqrtPriceX96`. */
export function getTickAtSqrtRatio(sqrtPriceX96: bigint): number {
  if (sqrtPriceX96 < MIN_SQRT_RATIO || sqrtPriceX96 >= MAX_SQRT_RATIO) {
    throw new RangeError(`sqrtPriceX96 ${sqrtPriceX96} is outside [MIN_SQRT_RATIO, MAX_SQRT_RATIO)`);
  }
  // getSqrtRatioAtTick is monotonic, so a binary search gives the same answer as the
  // log-based Solidity implementation.
  let lo = MIN_TICK;
  let hi = MAX_TICK;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (getSqrtRatioAtTick(mid) <= sqrtPriceX96) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Integer square root, rounded down. */
export function sqrtFloor(value: bigint): bigint {
  if (value < 0n) throw new RangeError("square root of a negative number");
  if (value < 2n) return value;
  // Newton's method converges monotonically downward from any overestimate; start just above the
  // float estimate so that only a few steps are needed.
  const estimate = Math.sqrt(Number(value));
  let x = Number.isFinite(estimate)
    ? BigInt(Math.ceil(estimate * (1 + 1e-9))) + 1n
    : 1n << BigInt((value.toString(2).length >> 1) + 1); // beyond a double's range: 2^ceil(bits/2)
  for (;;) {
    const y = (x + value / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  while (x * x > value) x--;
  while ((x + 1n) * (x + 1n) <= value) x++;
  return x;
}

/**
 * The pool's sqrtPriceX96 for two assets priced in a common unit (e.g. 8-decimal USD feed
 * answers): raw token1 per raw token0 = (price0 * 10^dec1) / (price1 * 10^dec0). Rounded down.
 */
export function sqrtPriceX96FromPrices(price0: bigint, decimals0: number, price1: bigint, decimals1: number): bigint {
  if (price0 <= 0n || price1 <= 0n) throw new RangeError("prices must be positive");
  const num = price0 * 10n ** BigInt(decimals1) * Q192;
  const den = price1 * 10n ** BigInt(decimals0);
  return sqrtFloor(num / den);
}

/** Human price of one whole token0 in whole token1 (a float, for display and tolerance checks). */
export function priceFromSqrtPriceX96(sqrtPriceX96: bigint, decimals0: number, decimals1: number): number {
  const ratio = Number(sqrtPriceX96) / Number(Q96);
  return ratio * ratio * 10 ** (decimals0 - decimals1);
}

/** Human price of one whole token0 in whole token1 at `tick`. */
export function priceAtTick(tick: number, decimals0: number, decimals1: number): number {
  return 1.0001 ** tick * 10 ** (decimals0 - decimals1);
}

/** LiquidityAmounts.getAmountsForLiquidity, rounded up (what a mint of `liquidity` pays). */
export function amountsForLiquidity(
  sqrtPriceX96: bigint,
  sqrtLowerX96: bigint,
  sqrtUpperX96: bigint,
  liquidity: bigint,
): { amount0: bigint; amount1: bigint } {
  if (sqrtLowerX96 >= sqrtUpperX96) throw new RangeError("lower sqrt price must be below upper");
  const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
  const amount0For = (a: bigint, b: bigint) => ceilDiv(ceilDiv(liquidity * Q96 * (b - a), b), a);
  const amount1For = (a: bigint, b: bigint) => ceilDiv(liquidity * (b - a), Q96);
  if (sqrtPriceX96 <= sqrtLowerX96) return { amount0: amount0For(sqrtLowerX96, sqrtUpperX96), amount1: 0n };
  if (sqrtPriceX96 >= sqrtUpperX96) return { amount0: 0n, amount1: amount1For(sqrtLowerX96, sqrtUpperX96) };
  return {
    amount0: amount0For(sqrtPriceX96, sqrtUpperX96),
    amount1: amount1For(sqrtLowerX96, sqrtPriceX96),
  };
}

/** OracleLibrary.consult's mean tick from two tick cumulatives, rounded toward negative infinity. */
export function meanTick(tickCumulativeStart: bigint, tickCumulativeEnd: bigint, seconds: number): number {
  if (!Number.isInteger(seconds) || seconds <= 0) throw new RangeError("seconds must be a positive integer");
  const delta = tickCumulativeEnd - tickCumulativeStart;
  const period = BigInt(seconds);
  let tick = delta / period;
  if (delta < 0n && delta % period !== 0n) tick -= 1n;
  return Number(tick);
}
