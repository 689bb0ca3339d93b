/**
 * What entering and leaving cost, and the bounds sent to the router. The vault prices flows
 * against the caller (swing pricing: each asset at the worse of pool and oracle, an entry as if
 * every feed had moved by its deviation threshold, plus the flow's rebalancing cost); the
 * ERC-4626 `convertTo*` views are at plain oracle prices. The gap between the two is the charge.
 * Pure bigint maths: unit-tested in test/app/charge.test.ts.
 */

export const BPS = 10_000n;

export interface Charge {
  /** What the flow gets if it paid nothing (the oracle NAV conversion). */
  fair: bigint;
  /** What the flow gets (the preview). */
  quoted: bigint;
  /** fair - quoted, never negative (a preview better than fair costs nothing). */
  shortfall: bigint;
  /** The shortfall in hundredths of a basis point of `fair` (81 bps -> 8100n), rounded up. */
  centiBps: bigint;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return a === 0n ? 0n : (a - 1n) / b + 1n;
}

/**
 * The charge of a flow from what it gets (`quoted`, a preview) and what it would get at the oracle
 * NAV (`fair`, `convertToShares` for an entry, `convertToAssets` for an exit). Rounded against
 * the app: never shown smaller than it is.
 */
export function flowCharge(quoted: bigint, fair: bigint): Charge {
  const shortfall = fair > quoted ? fair - quoted : 0n;
  const centiBps = fair === 0n ? 0n : ceilDiv(shortfall * BPS * 100n, fair);
  return { fair, quoted, shortfall, centiBps };
}

/** The charge in the base asset: `assets` times the charge's share of fair value, rounded up. */
export function chargeInAssets(assets: bigint, charge: Charge): bigint {
  return charge.fair === 0n ? 0n : ceilDiv(assets * charge.shortfall, charge.fair);
}

/** A minimum out: `amount` less `toleranceBps`, rounded down (the router's `min*` arguments). */
export function minWithTolerance(amount: bigint, toleranceBps: number): bigint {
  return (amount * (BPS - BigInt(toleranceBps))) / BPS;
}

/** A maximum in: `amount` plus `toleranceBps`, rounded up (the router's `max*` arguments). */
export function maxWithTolerance(amount: bigint, toleranceBps: number): bigint {
  return ceilDiv(amount * (BPS + BigInt(toleranceBps)), BPS);
}

/** Tolerances a depositor may pick: 0.01% to 5% (beyond it a "protection" protects nothing). */
export function checkTolerance(bps: number): string | undefined {
  if (!Number.isInteger(bps) || bps < 1 || bps > 500) return "Slippage tolerance must be 0.01% to 5%";
  return undefined;
}

/** The router's deadline: `minutes` after the chain's latest block time. */
export function deadlineAfter(blockTimestamp: number | bigint, minutes: number): bigint {
  return BigInt(blockTimestamp) + BigInt(Math.round(minutes * 60));
}

/** `redeemInKindExcept`'s mask: bit i set leaves basket token i in the vault. */
export function forfeitMask(indices: readonly number[]): bigint {
  return indices.reduce((mask, i) => mask | (1n << BigInt(i)), 0n);
}

/** Minimums for each in-kind amount (0 for a token left behind). */
export function inKindMinimums(amounts: readonly bigint[], toleranceBps: number, forfeited: readonly number[] = []) {
  return amounts.map((amount, i) => (forfeited.includes(i) ? 0n : minWithTolerance(amount, toleranceBps)));
}

/** Each token's value share of the basket in basis points, from its value in the base asset. */
export function weightsBps(values: readonly bigint[]): bigint[] {
  const total = values.reduce((sum, v) => sum + v, 0n);
  return values.map((v) => (total === 0n ? 0n : (v * BPS) / total));
}

/** The allowance still needed before spending `amount` (exact approval: no more than asked). */
export function approvalNeeded(allowance: bigint, amount: bigint): bigint {
  return allowance >= amount ? 0n : amount;
}
