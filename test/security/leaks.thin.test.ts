import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseUnits } from "ethers";
import { ethers } from "hardhat";

import { STATUS_NAMES } from "../../src/vault/enums";
import { investedAdminFixture } from "../shared/fixtures";
import type { VaultFixture } from "../shared/fixtures";
import { attempt, Attacker, basketSymbols, printTable, stateValue, usd, vaultState } from "../shared/pnl";
import { BASKET, refreshFeeds } from "../shared/security";
import { depositUsdc, Status } from "../shared/vault";

/*
 * Thin pools, atomic. After WETH moves 12-20% the market's concentrated positions (+-10% around
 * the old price) are out of range: the LPs have not re-centred them (LocalMarket places liquidity
 * once; re-centring is `recenterLiquidity`, not called here), so every WETH pool is left with its
 * wide and full-range positions only. The arbitrageurs have realigned the prices to the feeds.
 * In that state an outsider deposits, calls rebalance() and redeems, with nothing realigned between
 * (what one transaction of a contract could do): the rebalance's trades displace the thin pools and
 * the redeem sells the vault's slices into them.
 */

const MOVES_PCT = [12, 15, 20];
const DEPOSITS = [50_000, 100_000, 200_000, 300_000, 500_000, 2_000_000];

/** The invested vault after WETH rose `movePct`%, pools realigned but their liquidity not re-centred. */
function thinFixture(movePct: number): () => Promise<VaultFixture> {
  const fixture = async () => {
    const f = await investedAdminFixture();
    await time.increase(600);
    await f.market.setFeedPrice("WETH", (await f.market.feedPrice("WETH")) * (1 + movePct / 100));
    await f.market.alignAllPools();
    await refreshFeeds(f.market, BASKET);
    return f;
  };
  // loadFixture knows a fixture by its function: one per move, named for the report.
  Object.defineProperty(fixture, "name", { value: `thinFixture${movePct}` });
  return fixture;
}
const THIN = new Map(MOVES_PCT.map((m) => [m, thinFixture(m)]));

const isDue = (status: bigint) => status === Status.Due || status === Status.DueByCalendar;

describe("leaks: thin pools, atomic deposit -> rebalance -> redeem", function () {
  this.timeout(10 * 60 * 1000);
  const rows: Record<string, unknown>[] = [];
  after(() => printTable("Thin pools: deposit -> rebalance() -> base redeem (invested $500k vault)", rows));

  for (const [movePct, realign] of MOVES_PCT.flatMap((m) => [[m, false] as const, [m, true] as const])) {
    const sequence = realign
      ? "deposit -> rebalance() -> pools realigned -> redeem"
      : "deposit -> rebalance() -> redeem";
    it(`after WETH +${movePct}% (LP ranges not re-centred): ${sequence} yields no profit, for deposits of $50k..$2M`, async () => {
      const results: bigint[] = [];
      for (const whole of DEPOSITS) {
        const f = await loadFixture(THIN.get(movePct)!);
        const { market, vault, rebalancer } = f;
        const [, alice, , mallory] = await ethers.getSigners();
        const symbols = await basketSymbols(market, vault);
        const amount = parseUnits(String(whole), 6);
        const attacker = await Attacker.create(market, mallory, symbols, { USDC: amount }, [vault]);
        const holders = await vault.balanceOf(alice);
        const pre = await vaultState(market, vault);
        const [status] = await rebalancer.rebalanceStatus();

        const v = vault.connect(mallory);
        const deposit = await attempt(async () => (await v.deposit(amount, mallory)).wait());
        const rebalance = await attempt(async () => (await rebalancer.connect(mallory).rebalance()).wait());
        // The friendly variant: arbitrageurs undo the rebalance's displacement before the exit.
        if (realign) await market.alignAllPools();
        const shares = await vault.balanceOf(mallory);
        const redeem = shares > 0n ? await attempt(async () => (await v.redeem(shares, mallory, mallory)).wait()) : "";

        const pnl = await attacker.pnl(vault);
        const loss =
          (await stateValue(market, pre, holders)) -
          (await stateValue(market, await vaultState(market, vault), holders));
        rows.push({
          "WETH move": `+${movePct}%`,
          sequence: realign ? "realigned" : "same state",
          deposit: usd(amount),
          "status before": STATUS_NAMES[Number(status)],
          "attacker P&L": usd(pnl),
          "holders' loss": usd(loss),
          "deposit()": deposit ?? "ok",
          "rebalance()": rebalance ?? "ok",
          "redeem()": redeem ?? "ok",
        });
        results.push(pnl);
      }
      const best = results.reduce((a, b) => (a > b ? a : b));
      expect(best, `best attacker P&L ${usd(best)}`).to.be.lessThanOrEqual(0n);
    });
  }

  describe("a rebalance the vault says is due goes through", () => {
    const statuses: Record<string, unknown>[] = [];
    after(() => printTable("Thin pools: rebalanceStatus() versus rebalance()", statuses));

    for (const movePct of MOVES_PCT) {
      for (const whole of [0, 500_000, 2_000_000]) {
        const state = whole === 0 ? "as it is" : `after an outsider's $${whole / 1000}k deposit`;
        it(`after WETH +${movePct}% (thin pools), ${state}: if rebalanceStatus() says Due or DueByCalendar, rebalance() does not revert`, async () => {
          const { market, vault, rebalancer } = await loadFixture(THIN.get(movePct)!);
          if (whole > 0) {
            const [, , , mallory] = await ethers.getSigners();
            await depositUsdc(market, vault, mallory, whole);
          }
          const [status, drift] = await rebalancer.rebalanceStatus();
          const refused = await attempt(async () => (await rebalancer.rebalance()).wait());
          statuses.push({
            "WETH move": `+${movePct}%`,
            state,
            status: STATUS_NAMES[Number(status)],
            "drift (bps)": drift,
            "rebalance()": refused ?? "ok",
          });
          if (isDue(status)) expect(refused, "rebalance() reverted while due").to.equal(undefined);
        });
      }
    }
  });
});
