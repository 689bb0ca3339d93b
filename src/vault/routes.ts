import type { BallastVault } from "../../typechain-types";

/** What {@link assetRoutes} reads of a vault. */
export type RouteSource = Pick<BallastVault, "basketTokens" | "basketRoutes">;

/**
 * A basket asset's Uniswap V3 routes, `[sellRoute, buyRoute]` (`token -> base` and
 * `base -> token`; both `"0x"` for the base asset), from the vault's masked `basketRoutes` (only
 * that asset's pair is read). Throws for a token outside the basket.
 */
export async function assetRoutes(vault: RouteSource, token: string): Promise<[string, string]> {
  const tokens = await vault.basketTokens();
  const i = tokens.findIndex((t) => t.toLowerCase() === token.toLowerCase());
  if (i < 0) throw new Error(`${token} is not in the vault's basket`);
  const mask = 1n << BigInt(i);
  const [sellRoutes, buyRoutes] = await vault.basketRoutes(mask, mask);
  return [sellRoutes[i], buyRoutes[i]];
}

/** Every basket asset's routes, index-aligned with `basketTokens()`: `[sellRoutes, buyRoutes]`. */
export async function allRoutes(vault: RouteSource): Promise<[string[], string[]]> {
  const n = (await vault.basketTokens()).length;
  const all = (1n << BigInt(n)) - 1n;
  const [sellRoutes, buyRoutes] = await vault.basketRoutes(all, all);
  return [[...sellRoutes], [...buyRoutes]];
}
