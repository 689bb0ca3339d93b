/** VaultLogic (contracts/libraries/VaultLogic.sol): the basket valued at one set of prices, and the bounds priced from it. */
import { SimError } from "../errors";
import { absDiff, lessBpsDown, mulDiv, weightBps } from "./math";

/** VaultLogic.Valuation: the basket at one set of prices, base first. */
export interface Valuation {
  balances: bigint[];
  prices: bigint[];
  units: bigint[];
  values: bigint[];
  targets: bigint[];
  nav: bigint;
  navCeil: bigint;
  valid: boolean;
}

/** VaultLogic.valuationAt: values rounded down; a zero price marks the valuation invalid. */
export function valuationAt(
  balances: readonly bigint[],
  pricesWad: readonly bigint[],
  units: readonly bigint[],
  targets: readonly bigint[],
): Valuation {
  const n = pricesWad.length;
  if (balances.length !== n || units.length !== n || targets.length !== n) {
    throw new SimError(
      `valuation: ${n} prices but ${balances.length} balances, ${units.length} units, ${targets.length} targets`,
    );
  }
  const v: Valuation = {
    balances: [...balances],
    prices: [...pricesWad],
    units: [...units],
    values: new Array<bigint>(n).fill(0n),
    targets: [...targets],
    nav: 0n,
    navCeil: 0n,
    valid: true,
  };
  for (let i = 0; i < n; i++) {
    if (pricesWad[i] === 0n || pricesWad[0] === 0n) {
      v.valid = false;
      if (i !== 0) continue;
    }
    v.values[i] = i === 0 ? balances[0] : toValue(v, i, balances[i]);
    v.nav += v.values[i];
    if (i !== 0 && balances[i] !== 0n) v.navCeil++;
  }
  v.navCeil += v.nav;
  return v;
}

/** VaultLogic.toValue: value in base units of `amount` of asset `i`. */
export function toValue(v: Valuation, i: number, amount: bigint, ceil = false): bigint {
  return mulDiv(amount, v.prices[i] * v.units[0], v.units[i] * v.prices[0], ceil);
}

/** VaultLogic.toAmount: amount of asset `i` worth `value` base units. */
export function toAmount(v: Valuation, i: number, value: bigint, ceil = false): bigint {
  return mulDiv(value, v.units[i] * v.prices[0], v.prices[i] * v.units[0], ceil);
}

/** VaultLogic.maxDrift: the largest |weight - target|, bps. */
export function maxDrift(v: Valuation): bigint {
  let drift = 0n;
  for (let i = 0; i < v.values.length; i++) {
    const d = absDiff(weightBps(v.values[i], v.nav), v.targets[i]);
    if (d > drift) drift = d;
  }
  return drift;
}

/** VaultLogic.sliceFloor: a hundredth of a base token. */
export function sliceFloor(v: Valuation): bigint {
  return v.units[0] / 100n;
}

/** VaultLogic.minValueOut: oracle value of `amount` less the slippage bound, both rounded down. */
export function minValueOut(v: Valuation, i: number, amount: bigint, slippageBps: bigint): bigint {
  return lessBpsDown(toValue(v, i, amount), slippageBps);
}

/** The least a buy spending `spend` may receive (VaultLogic._executeLegs). */
export function minBuyOut(v: Valuation, i: number, spend: bigint, slippageBps: bigint): bigint {
  return lessBpsDown(toAmount(v, i, spend), slippageBps);
}
