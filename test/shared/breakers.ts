import { dataSlice, getAddress, ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import type { LocalMarket } from "../../src/market";
import { deployVault } from "../../src/vault";
import type { BallastBreakers, BallastRebalancer, BallastVault } from "../../typechain-types";
import type { IBallastBreakers } from "../../typechain-types/artifacts/contracts/BallastBreakers";

import { FOUR_ASSET_BASKET } from "./fixtures";
import type { VaultFixture } from "./fixtures";
import { deployLocalMarket } from "./market";
import { depositUsdc, rebalanceUntilSettled } from "./vault";

export const HOUR = 3_600;

/** Basket index of WETH (FOUR_ASSET_BASKET order). */
export const WETH_INDEX = 1n;
/** Basket index of LINK (FOUR_ASSET_BASKET order). */
export const LINK_INDEX = 3n;

/** 30-minute TWAPs, 3% oracle/TWAP gap, 200 ticks spot/TWAP, 15% move per hour, 1-hour cooldown. */
export const BREAKERS: IBallastBreakers.BreakerParamsStruct = {
  twapWindow: 1_800,
  maxOracleTwapDeviationBps: 300,
  maxSpotTwapTicks: 200,
  maxMoveBps: 1_500,
  moveWindow: HOUR,
  cooldown: HOUR,
  sequencerFeed: ZeroAddress,
  sequencerGracePeriod: 0,
  tripOnInvalidPrice: false,
};

/** Every basket feed reports its current answer again, in a round dated now (keeps them fresh). */
export async function refreshBasketFeeds(market: LocalMarket): Promise<void> {
  for (const { symbol } of FOUR_ASSET_BASKET) await market.setFeedPrice(symbol, await market.feedPrice(symbol));
}

/** An attacker pushes the WETH/USDC 0.05% pool (WETH's first pool) `factor` away from its price. */
export async function pushWethPool(market: LocalMarket, factor: number): Promise<void> {
  const pool = market.pool("WETH", "USDC", 500);
  await market.movePoolPrice(pool, "WETH", (await market.poolPrice(pool, "WETH")) * factor);
}

/** `breakers.breaker(rebalancer)` as a plain tuple: reason, asset index, when it tripped. */
export async function breakerOf(
  breakers: BallastBreakers,
  rebalancer: BallastRebalancer,
): Promise<[bigint, bigint, bigint]> {
  const [reason, index, trippedAt] = await breakers.breaker(rebalancer);
  return [reason, index, trippedAt];
}

/**
 * The four-asset vault with the deployer as direct admin, $1M deposited and invested, an hour of
 * pool history behind it and the breakers on (BREAKERS).
 */
export async function breakersFixture(): Promise<VaultFixture> {
  const market = await deployLocalMarket();
  const [deployer, alice] = await ethers.getSigners();
  const deployed = await deployVault(market, {
    basket: FOUR_ASSET_BASKET,
    governance: { admin: deployer.address },
  });
  await depositUsdc(market, deployed.vault, alice, 1_000_000);
  await rebalanceUntilSettled(market, deployed.vault);
  await market.advanceTime(HOUR);
  await deployed.breakers.setBreakerParams(BREAKERS);
  return { market, ...deployed };
}

/**
 * What the rebalancer hands the breakers for `vault`'s pools (PlanReview.poolChecks): each asset's
 * first pool when its other token is in the basket, with the oracle value of a whole token times
 * 1e18 in that token's units; empty entries for the base and for a pool leading outside the basket.
 */
export async function poolChecksOf(
  market: LocalMarket,
  vault: BallastVault,
): Promise<IBallastBreakers.PoolCheckStruct[]> {
  const state = await vault.basketState();
  const n = state.tokens.length;
  const [sellRoutes] = await vault.basketRoutes(((1n << BigInt(n)) - 1n) & ~1n, 0n);
  const empty = { pool: ZeroAddress, assetIsToken0: false, amount: 0n, fairQuote: 0n };
  const checks: IBallastBreakers.PoolCheckStruct[] = [empty];
  for (let i = 1; i < n; i++) {
    const route = sellRoutes[i];
    const token = state.tokens[i];
    const fee = Number(dataSlice(route, 20, 23));
    const next = getAddress(dataSlice(route, 23, 43));
    const q = state.tokens.findIndex((t) => t === next);
    if (q < 0) {
      checks.push(empty);
      continue;
    }
    checks.push({
      pool: await market.factory.getPool(token, next, fee),
      assetIsToken0: BigInt(token) < BigInt(next),
      amount: state.units[i] * 10n ** 18n,
      fairQuote: (10n ** 18n * state.units[q] * state.prices[i]) / state.prices[q],
    });
  }
  return checks;
}
