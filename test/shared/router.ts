import { expect } from "chai";
import { MaxUint256, parseUnits } from "ethers";
import type { Signer } from "ethers";
import { ethers } from "hardhat";

import type { LocalMarket } from "../../src/market";
import { deployVault } from "../../src/vault";
import type { BallastRouter, BallastVault, IERC20 } from "../../typechain-types";
import { IERC20__factory } from "../../typechain-types";

import { investedAdminFixture, type VaultFixture } from "./fixtures";
import { deployLocalMarket } from "./market";
import { rebalanceUntilSettled } from "./vault";

/** A vault fixture; its `router` is the BallastRouter deployed with the vault. */
export interface RouterFixture extends VaultFixture {
  /** Market symbol of the vault's base asset. */
  base: string;
}

/** {@link investedAdminFixture} (USDC base, 6 decimals, $500k invested by alice) and its router. */
export async function usdcRouterFixture(): Promise<RouterFixture> {
  const deployed = await investedAdminFixture();
  return { ...deployed, base: "USDC" };
}

/**
 * A vault over `base` (half) and `other` (half) on a three-token market (USDC, WETH, WBTC), alice
 * having deposited `whole` base tokens and the vault invested them, and its router.
 */
async function twoAssetRouterFixture(base: string, other: string, whole: string): Promise<RouterFixture> {
  const market = await deployLocalMarket({
    tokens: [
      { symbol: "USDC", decimals: 6, priceUsd: 1 },
      { symbol: "WETH", decimals: 18, priceUsd: 3000 },
      { symbol: "WBTC", decimals: 8, priceUsd: 60000 },
    ],
  });
  const decimals = market.token(base).decimals;
  const [admin, alice] = await ethers.getSigners();
  const deployed = await deployVault(market, {
    basket: [
      { symbol: base, weightBps: 5_000 },
      { symbol: other, weightBps: 5_000 },
    ],
    params: { maxTradeBps: 5_000, minTradeValue: 10n ** BigInt(decimals - 3) },
    governance: { admin: admin.address },
  });
  await deposit(market, deployed.vault, alice, base, parseUnits(whole, decimals));
  await rebalanceUntilSettled(market, deployed.vault);
  return { market, ...deployed, base };
}

/** A WETH-based vault (18 decimals, no decimals offset), half in USDC, 10 WETH invested. */
export async function wethRouterFixture(): Promise<RouterFixture> {
  return twoAssetRouterFixture("WETH", "USDC", "10");
}

/** A WBTC-based vault (8 decimals, offset 10), half in USDC, 0.5 WBTC invested. */
export async function wbtcRouterFixture(): Promise<RouterFixture> {
  return twoAssetRouterFixture("WBTC", "USDC", "0.5");
}

/** Funds `user` with `amount` raw units of `symbol` and deposits them directly into `vault`. */
async function deposit(
  market: LocalMarket,
  vault: BallastVault,
  user: Signer,
  symbol: string,
  amount: bigint,
): Promise<void> {
  const address = await user.getAddress();
  await market.fund(address, symbol, amount);
  await (await market.token(symbol).contract.connect(user).approve(vault, MaxUint256)).wait();
  await (await vault.connect(user).deposit(amount, address)).wait();
}

/** The vault's basket tokens, as ERC-20 contracts, in basket order. */
export async function basketOf(vault: BallastVault): Promise<IERC20[]> {
  return (await vault.basketTokens()).map((address) => IERC20__factory.connect(address, ethers.provider));
}

/** Raw balances of `account` in each of `tokens`, in order. */
export async function balancesOf(tokens: readonly IERC20[], account: string): Promise<bigint[]> {
  return Promise.all(tokens.map((token) => token.balanceOf(account)));
}

/** The router holds nothing between calls: no basket token, no share, no allowance to the vault. */
export async function expectRouterEmpty(router: BallastRouter, vault: BallastVault): Promise<void> {
  for (const token of await basketOf(vault)) {
    expect(await token.balanceOf(router), `router's ${await token.getAddress()}`).to.equal(0n);
    expect(await token.allowance(router, vault), "router's allowance to the vault").to.equal(0n);
  }
  expect(await vault.balanceOf(router), "router's shares").to.equal(0n);
}
