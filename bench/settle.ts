import type { LocalMarket } from "../src/market";
import type { BallastVault } from "../typechain-types";

/** IBallastPolicy.Status values the loop below acts on. */
const DUE = 0n;
const COOLDOWN = 3n;

/**
 * Rebalances until the vault is no longer due, waiting out cooldowns and realigning the pools after
 * each call, as a keeper and arbitrageurs would: the state every benchmark starts from.
 */
export async function settle(market: LocalMarket, vault: BallastVault): Promise<void> {
  for (let i = 0; i < 12; i++) {
    const [status] = await vault.rebalanceStatus();
    if (status === COOLDOWN) {
      await market.advanceTime(600);
      continue;
    }
    if (status !== DUE) return;
    await (await vault.rebalance()).wait();
    await market.alignAllPools();
  }
}
