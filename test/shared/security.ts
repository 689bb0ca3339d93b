import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { Signer } from "ethers";

import type { LocalMarket } from "../../src/market";
import { TRIP_NAMES } from "../../src/vault/enums";
import type { BallastVault } from "../../typechain-types";

import { bigintValues } from "./enums";
import { investedAdminFixture } from "./fixtures";
import type { VaultFixture } from "./fixtures";
import { basketSymbols } from "./pnl";
import { depositUsdc, rebalanceUntilSettled, rebalancerOf } from "./vault";

/** IBallastBreakers.Trip as the breakers return it. */
export const Trip = bigintValues(TRIP_NAMES);

/** Every listed feed reports its current answer again, in a round dated now (keeps them fresh). */
export async function refreshFeeds(market: LocalMarket, symbols: readonly string[]): Promise<void> {
  for (const symbol of symbols) await market.setFeedPrice(symbol, await market.feedPrice(symbol));
}

/** The vault's raw balance of each basket token, in basket order. */
export async function vaultBalances(vault: BallastVault): Promise<bigint[]> {
  const tokens = await vault.basketTokens();
  return Promise.all(tokens.map(async (t) => (await ethers.getContractAt("IERC20", t)).balanceOf(vault)));
}

/**
 * `holder` redeems `shares` in kind: asserts the RedeemedInKind event with exactly the preview's
 * amounts, that each amount reached the holder, and that every basket token paid something.
 */
export async function expectInKindExit(vault: BallastVault, holder: Signer, shares: bigint): Promise<bigint[]> {
  const address = await holder.getAddress();
  const expected = await vault.previewRedeemInKind(shares);
  const tokens = await Promise.all((await vault.basketTokens()).map((t) => ethers.getContractAt("IERC20", t)));
  const before = await Promise.all(tokens.map((t) => t.balanceOf(address)));
  await expect(vault.connect(holder).redeemInKind(shares, address, address))
    .to.emit(vault, "RedeemedInKind")
    .withArgs(address, address, address, shares, expected);
  for (const [i, token] of tokens.entries()) {
    expect(expected[i], `asset ${i} paid in kind`).to.be.greaterThan(0n);
    expect(await token.balanceOf(address)).to.equal(before[i] + expected[i]);
  }
  return [...expected];
}

/** The four basket symbols of {@link investedAdminFixture}. */
export const BASKET = ["USDC", "WETH", "WBTC", "LINK"] as const;

/**
 * The invested four-asset vault (direct admin, $500k by the second signer) after WETH rose 10%:
 * the next rebalance sells ~$45k of WETH into the WETH/USDC 0.05% pool and buys the others.
 */
export async function dueAdminFixture(): Promise<VaultFixture> {
  const f = await investedAdminFixture();
  await time.increase(600);
  await f.market.setFeedPrice("WETH", (await f.market.feedPrice("WETH")) * 1.1);
  await f.market.alignAllPools();
  await refreshFeeds(f.market, BASKET);
  return f;
}

/** The arguments of IBallastErrors.BallastLegUnfit. */
export interface LegUnfit {
  token: string;
  sell: boolean;
  spotOut: bigint;
  spotFloor: bigint;
  estimatedOut: bigint;
  minOut: bigint;
}

/**
 * The rebalancer's `rebalance()` as the keeper would send it, expected to revert with
 * BallastLegUnfit: asserts that it does, for `token`'s leg (a sale into the base when `sell`, else a
 * purchase with it), and returns the error's arguments.
 */
export async function legUnfitOf(vault: BallastVault, token: string, sell: boolean): Promise<LegUnfit> {
  const leg: LegUnfit = { token, sell, spotOut: 0n, spotFloor: 0n, estimatedOut: 0n, minOut: 0n };
  const capture =
    (key: "spotOut" | "spotFloor" | "estimatedOut" | "minOut") =>
    (x: bigint): boolean => {
      leg[key] = x;
      return true;
    };
  const base = await vault.asset();
  const [tokenIn, tokenOut] = sell ? [token, base] : [base, token];
  await expect((await rebalancerOf(vault)).rebalance())
    .to.be.revertedWithCustomError(vault, "BallastLegUnfit")
    .withArgs(tokenIn, tokenOut, capture("spotOut"), capture("spotFloor"), capture("estimatedOut"), capture("minOut"));
  return leg;
}

/** The invested fixture with a second holder (Bob, $1M) whose shares a round-tripper's moves dilute. */
export async function twoHoldersFixture(): Promise<VaultFixture> {
  const f = await investedAdminFixture();
  const [, , bob] = await ethers.getSigners();
  await depositUsdc(f.market, f.vault, bob, 1_000_000);
  await rebalanceUntilSettled(f.market, f.vault);
  await time.increase(600);
  await refreshFeeds(f.market, await basketSymbols(f.market, f.vault));
  return f;
}
