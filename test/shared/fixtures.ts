import { deployLocalMarket } from "../../src/market";
import type { LocalMarket } from "../../src/market";
import { deployVault } from "../../src/vault";
import type { BasketEntry, DeployedVault } from "../../src/vault";

/** The default local market (8 tokens, 14 pools), as `npm start` and the vault tests use it. */
export async function marketFixture(): Promise<LocalMarket> {
  return deployLocalMarket();
}

export interface VaultFixture extends DeployedVault {
  market: LocalMarket;
}

/** USDC base (5% cash buffer) with WETH, WBTC (routed WBTC -> WETH -> USDC) and LINK. */
export const FOUR_ASSET_BASKET: readonly BasketEntry[] = [
  { symbol: "USDC", weightBps: 500 },
  { symbol: "WETH", weightBps: 4_000 },
  { symbol: "WBTC", weightBps: 3_500, route: ["WBTC", 500, "WETH", 500, "USDC"] },
  { symbol: "LINK", weightBps: 2_000 },
];

/** The four-asset vault on the default market, empty. */
export async function vaultFixture(): Promise<VaultFixture> {
  const market = await deployLocalMarket();
  return { market, ...(await deployVault(market, { basket: FOUR_ASSET_BASKET })) };
}
