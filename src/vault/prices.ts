/**
 * The vault's rule for an oracle adapter's answer (`BasketAdmin.tryPrice`): usable when it says valid,
 * is not zero and fits 128 bits (3.4e20 USD a token; past it an answer is garbage, and the vault's
 * record of last prices keeps two to a slot). Off-chain readers apply the same rule, so that they
 * fall back to the last recorded price exactly when the vault does.
 */
export const MAX_PRICE_WAD = 2n ** 128n - 1n;

/** Whether the vault would use the answer `(valid, priceWad)` of an oracle adapter's `tryPrice`. */
export function isUsablePrice(valid: boolean, priceWad: bigint): boolean {
  return valid && priceWad > 0n && priceWad <= MAX_PRICE_WAD;
}
