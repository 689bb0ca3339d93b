/** The contracts' integer arithmetic in bigint: OpenZeppelin's mulDiv and BasketMath's basis points. */
import { SimError } from "../errors";

export const BPS = 10_000n;
export const WAD = 10n ** 18n;
/** BallastPolicy's YEAR: 365 days. */
export const YEAR = 365n * 86_400n;

/** OpenZeppelin Math.mulDiv: a * b / d, rounded down or (with `ceil`) up. */
export function mulDiv(a: bigint, b: bigint, d: bigint, ceil = false): bigint {
  if (d === 0n) throw new SimError("mulDiv: division by zero (the contract would revert)");
  const p = a * b;
  const q = p / d;
  return ceil && q * d !== p ? q + 1n : q;
}

/** BasketMath.weightBps: floor(value * 10_000 / total), 0 when total is 0. */
export function weightBps(value: bigint, total: bigint): bigint {
  return total === 0n ? 0n : (value * BPS) / total;
}

/** BasketMath.bps. */
export function bps(x: bigint, b: bigint, ceil = false): bigint {
  return mulDiv(x, b, BPS, ceil);
}

/** BasketMath.lessBpsDown. */
export function lessBpsDown(x: bigint, b: bigint): bigint {
  return (x * (BPS - b)) / BPS;
}

export function absDiff(a: bigint, b: bigint): bigint {
  return a > b ? a - b : b - a;
}
export function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
export function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
