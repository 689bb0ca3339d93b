/**
 * EIP-1559 fee arithmetic and the keeper's side of the cost gate, as pure functions of bigints so
 * that every rule is testable without a chain.
 */

const BPS = 10_000n;
const WAD = 10n ** 18n;

export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/**
 * Fees for a new transaction: `2 x baseFee + tip` (room for the base fee to rise 12.5% a block for
 * several blocks, as wallets do), never above `cap`. Undefined when the cap is below the base fee:
 * such a transaction could not be included now, so the keeper waits instead.
 */
export function initialFees(baseFee: bigint, tip: bigint, cap: bigint): Fees | undefined {
  if (cap < baseFee) return undefined;
  const maxFeePerGas = min(cap, 2n * baseFee + tip);
  return { maxFeePerGas, maxPriorityFeePerGas: min(tip, maxFeePerGas) };
}

/**
 * Fees for a same-nonce replacement: each at least `bumpBps` above the old one (nodes refuse less),
 * and at least what a new transaction would get now if the base fee moved more than that. Undefined
 * when the cap leaves no room for the required bump: the keeper keeps waiting rather than overpay.
 */
export function bumpFees(old: Fees, bumpBps: number, baseFee: bigint, tip: bigint, cap: bigint): Fees | undefined {
  const factor = BPS + BigInt(bumpBps);
  const minMax = ceilDiv(old.maxFeePerGas * factor, BPS);
  const minTip = ceilDiv(old.maxPriorityFeePerGas * factor, BPS);
  const maxFeePerGas = min(cap, max(minMax, 2n * baseFee + tip));
  const maxPriorityFeePerGas = min(maxFeePerGas, max(minTip, tip));
  if (maxFeePerGas < minMax || maxPriorityFeePerGas < minTip) return undefined;
  return { maxFeePerGas, maxPriorityFeePerGas };
}

/** What a transaction with `fees` pays per gas at `baseFee` (EIP-1559's effective gas price). */
export function effectiveGasPrice(fees: Fees, baseFee: bigint): bigint {
  return min(fees.maxFeePerGas, baseFee + fees.maxPriorityFeePerGas);
}

/** `gas` plus `marginBps` of it, rounded up: estimates run against a state that may move before inclusion. */
export function withMargin(gas: bigint, marginBps: number): bigint {
  return gas + ceilDiv(gas * BigInt(marginBps), BPS);
}

/**
 * `gasWei` of the gas token valued in base-asset units, from both USD prices (WAD) as the vault's
 * oracles give them, rounded up (a cost): `wei x gasUsd x 10^baseDecimals / (1e18 x baseUsd)`.
 */
export function gasValueInBase(
  gasWei: bigint,
  gasTokenUsdWad: bigint,
  baseUsdWad: bigint,
  baseDecimals: number,
): bigint {
  if (baseUsdWad === 0n) throw new RangeError("the base asset's price is 0");
  return ceilDiv(gasWei * gasTokenUsdWad * 10n ** BigInt(baseDecimals), WAD * baseUsdWad);
}

/**
 * The part of the keeper reward beyond the gas it pays back, which the rebalancer's cost gate
 * counts as a cost (BallastRebalancer's `_assess`): the reward is `gasCost x (1 + premiumBps)`, at
 * most `cap`, and its premium share `premiumBps / (10 000 + premiumBps)` of it, rounded up (a cost).
 */
export function rewardPremium(gasCost: bigint, premiumBps: bigint, cap: bigint): bigint {
  const reward = min((gasCost * (BPS + premiumBps)) / BPS, cap);
  return ceilDiv(reward * premiumBps, BPS + premiumBps);
}

/**
 * The policy's rule with the keeper's gas added: trade only if `(cost + gas) x 10 000 <=
 * benefit x maxCostRatioBps`; a ratio of 0 means the gate is off.
 */
export function passesCostGate(cost: bigint, gasCost: bigint, benefit: bigint, maxCostRatioBps: bigint): boolean {
  if (maxCostRatioBps === 0n) return true;
  return (cost + gasCost) * BPS <= benefit * maxCostRatioBps;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
