import { ethers } from "hardhat";

import type { LocalMarket } from "../../src/market";
import { DEFAULT_BASKET, deployVault } from "../../src/vault";
import type { BasketEntry, DeployedVault } from "../../src/vault";

import { depositUsdc, rebalanceUntilSettled } from "./vault";
import { deployLocalMarket } from "./market";

/** The default local market (8 tokens, 14 pools), as `npm start` and the vault tests use it. */
export async function marketFixture(): Promise<LocalMarket> {
  return deployLocalMarket();
}

export interface VaultFixture extends DeployedVault {
  market: LocalMarket;
}

/** The default basket: USDC base (5% cash buffer) with WETH, WBTC (via WETH) and LINK. */
export const FOUR_ASSET_BASKET: readonly BasketEntry[] = DEFAULT_BASKET;

/** The four-asset vault on the default market, empty. */
export async function vaultFixture(): Promise<VaultFixture> {
  const market = await deployLocalMarket();
  return { market, ...(await deployVault(market, { basket: FOUR_ASSET_BASKET })) };
}

/** The four-asset vault with the first signer as its direct admin (no timelock), $500k invested. */
export async function investedAdminFixture(): Promise<VaultFixture> {
  const market = await deployLocalMarket();
  const [admin, alice] = await ethers.getSigners();
  const deployed = await deployVault(market, { basket: FOUR_ASSET_BASKET, governance: { admin: admin.address } });
  await depositUsdc(market, deployed.vault, alice, 500_000);
  await rebalanceUntilSettled(market, deployed.vault);
  return { market, ...deployed };
}

/** USDC and HOOK (a token with a transfer hook, as ERC-777 tokens have), $100k invested 50/50. */
export async function hookFixture(): Promise<VaultFixture> {
  const market = await deployLocalMarket({
    tokens: [
      { symbol: "USDC", decimals: 6, priceUsd: 1 },
      { symbol: "HOOK", decimals: 18, priceUsd: 10, reentrant: true },
    ],
    pools: [{ tokenA: "HOOK", tokenB: "USDC", fee: 3000, depthUsd: 20_000_000 }],
  });
  const deployed = await deployVault(market, {
    basket: [
      { symbol: "USDC", weightBps: 5_000 },
      { symbol: "HOOK", weightBps: 5_000 },
    ],
    params: { maxTradeBps: 5_000 },
  });
  const [, alice] = await ethers.getSigners();
  await depositUsdc(market, deployed.vault, alice, 100_000);
  await rebalanceUntilSettled(market, deployed.vault);
  return { market, ...deployed };
}
