import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseUnits } from "ethers";
import { ethers } from "hardhat";

import { investedAdminFixture } from "../shared/fixtures";
import type { VaultFixture } from "../shared/fixtures";
import { attempt, Attacker, basketSymbols, moveMarket, printTable, stateValue, usd, vaultState } from "../shared/pnl";
import { refreshFeeds, twoHoldersFixture } from "../shared/security";

/*
 * H1: entries and exits priced at a lagging oracle. An outsider enters at the oracle price, the
 * largest asset's feed steps (its deviation threshold, or more), the outsider leaves at the new
 * price. Measured as P&L at the final oracle prices: the attacker's (every token in and out) and the
 * existing holders' (their shares' pro-rata value before and after the attack). A step the vault
 * refuses (a revert) is a legitimate outcome: the attacker keeps what it has, shares valued pro rata.
 *
 * Two orders of events: (a) the market leads: every WETH pool is already at the new price when the
 * attacker enters, and the feed catches up (the realistic case: the oracle lags the market); (b)
 * only the feed moves. Same state: nothing is realigned and no time passes between the attacker's
 * steps; the friendly variant realigns the pools and waits ten minutes before the exit.
 */

const USDC = (whole: number) => parseUnits(String(whole), 6);
/** The outsider's deposit: ten times the vault. */
const ENTRY = 5_000_000;
const STEPS_PCT = [0.5, 1, 2];

type Exit = "redeem" | "redeemInKind";

interface Measured {
  pnl: bigint;
  /** The holders' gain from the price step, without the attacker (their pre-attack claim, old vs new prices). */
  gain: bigint;
  /** What the holders' shares lost to the attack, at the final prices. */
  loss: bigint;
  refused?: string;
}

/** The attacker's full exit: a base redeem, or in kind with the legs in `sell` sold at the market. */
async function exitAll(f: VaultFixture, attacker: Attacker, exit: Exit, sell: readonly string[]) {
  const shares = await f.vault.balanceOf(attacker.address);
  if (shares === 0n) return undefined;
  const vault = f.vault.connect(attacker.signer);
  if (exit === "redeem")
    return attempt(async () => (await vault.redeem(shares, attacker.address, attacker.address)).wait());
  const refused = await attempt(async () =>
    (await vault.redeemInKind(shares, attacker.address, attacker.address)).wait(),
  );
  if (!refused) await attacker.sellAtMarket(f.vault, sell);
  return refused;
}

/** Deposit, WETH feed step, full exit; see the file's comment. */
async function aroundUpdate(stepPct: number, marketLeads: boolean, exit: Exit, friendly = false): Promise<Measured> {
  const f = await loadFixture(investedAdminFixture);
  const { market, vault } = f;
  const [, alice, , mallory] = await ethers.getSigners();
  const symbols = await basketSymbols(market, vault);
  const factor = 1 + stepPct / 100;
  const newPrice = (await market.feedPrice("WETH")) * factor;
  if (marketLeads) await moveMarket(market, symbols, { WETH: factor });
  const attacker = await Attacker.create(market, mallory, symbols, { USDC: USDC(ENTRY) }, [vault]);
  const holders = await vault.balanceOf(alice);
  const pre = await vaultState(market, vault);
  const holdersAtOldPrices = await stateValue(market, pre, holders);

  let refused = await attempt(async () => (await vault.connect(mallory).deposit(USDC(ENTRY), mallory)).wait());
  await market.setFeedPrice("WETH", newPrice);
  if (friendly) {
    await market.alignAllPools();
    await time.increase(600);
    await refreshFeeds(market, symbols);
  }
  refused ??= await exitAll(f, attacker, exit, ["WETH"]);

  const holdersUntouched = await stateValue(market, pre, holders);
  return {
    pnl: await attacker.pnl(vault),
    gain: holdersUntouched - holdersAtOldPrices,
    loss: holdersUntouched - (await stateValue(market, await vaultState(market, vault), holders)),
    refused,
  };
}

function row(label: string, m: Measured): Record<string, unknown> {
  return {
    case: label,
    "attacker P&L": usd(m.pnl),
    "holders' gain from the step": usd(m.gain),
    "holders' loss to the attacker": usd(m.loss),
    "share of the gain taken": m.gain > 0n ? `${((Number(m.loss) / Number(m.gain)) * 100).toFixed(1)}%` : "-",
    refused: m.refused ?? "",
  };
}

/** The property: no profit for the outsider, and the holders keep at least 95% of their gain. */
function expectNoLeak(m: Measured): void {
  expect(m.pnl, `attacker P&L ${usd(m.pnl)}`).to.be.lessThanOrEqual(0n);
  expect(m.loss * 20n, `holders lost ${usd(m.loss)} of a ${usd(m.gain)} gain`).to.be.lessThanOrEqual(
    m.gain > 0n ? m.gain : 0n,
  );
}

/**
 * Alice (a holder) leaves before WETH's feed steps down `stepPct`% and comes back with what she got
 * after it (the pools having moved first). Returns her gain versus staying put (her shares' value
 * at the final prices either way) and Bob's loss.
 */
async function exitBeforeDownStep(stepPct: number, whole: boolean) {
  const f = await loadFixture(twoHoldersFixture);
  const { market, vault } = f;
  const [, alice, bob] = await ethers.getSigners();
  const symbols = await basketSymbols(market, vault);
  const factor = 1 - stepPct / 100;
  const newPrice = (await market.feedPrice("WETH")) * factor;
  await moveMarket(market, symbols, { WETH: factor });
  const pre = await vaultState(market, vault);
  const [held, bobShares] = [await vault.balanceOf(alice), await vault.balanceOf(bob)];
  // What the cash buffer pays without a swap (90% of it), or everything she holds.
  const buffer = pre.balances.get("USDC")!;
  const bufferShares = await vault.convertToShares((buffer * 9n) / 10n);
  const shares = whole || bufferShares > held ? held : bufferShares;
  const usdc = market.token("USDC").contract;
  const cash = await usdc.balanceOf(alice);
  let refused = await attempt(async () => (await vault.connect(alice).redeem(shares, alice, alice)).wait());
  await market.setFeedPrice("WETH", newPrice);
  const received = (await usdc.balanceOf(alice)) - cash;
  if (!refused && received > 0n) {
    await usdc.connect(alice).approve(vault, received);
    refused = await attempt(async () => (await vault.connect(alice).deposit(received, alice)).wait());
  }
  const post = await vaultState(market, vault);
  // Her position now: shares plus any cash she could not put back.
  const now = (await stateValue(market, post, await vault.balanceOf(alice))) + ((await usdc.balanceOf(alice)) - cash);
  const stayed = await stateValue(market, pre, held);
  return {
    gain: now - stayed,
    bobLoss: (await stateValue(market, pre, bobShares)) - (await stateValue(market, post, bobShares)),
    moved: await stateValue(market, pre, shares),
    refused,
  };
}

describe("leaks H1: entries and exits at a lagging oracle", function () {
  this.timeout(10 * 60 * 1000);
  const rows: Record<string, unknown>[] = [];
  after(() => printTable("H1: deposit $5M -> WETH feed step -> full exit (invested $500k vault)", rows));

  for (const marketLeads of [true, false]) {
    for (const exit of ["redeem", "redeemInKind"] as const) {
      for (const stepPct of STEPS_PCT) {
        const label = `${marketLeads ? "(a) market leads" : "(b) feed only"}, +${stepPct}%, ${exit === "redeem" ? "base redeem" : "in kind, WETH sold at the market"}`;
        it(`deposit -> WETH feed +${stepPct}% -> ${exit} (${marketLeads ? "pools already there" : "feed only"}, same state): no profit, holders keep >= 95% of their gain`, async () => {
          const m = await aroundUpdate(stepPct, marketLeads, exit);
          rows.push(row(label, m));
          expectNoLeak(m);
        });
      }
    }
  }

  it("deposit -> WETH feed +0.5% -> pools realigned, 10 minutes -> base redeem (friendly): no profit, holders keep >= 95% of their gain", async () => {
    const m = await aroundUpdate(0.5, false, "redeem", true);
    rows.push(row("(b) feed only, +0.5%, realigned + 10 min, base redeem", m));
    expectNoLeak(m);
  });

  it("no update at all: WETH pools 0.45% above the feed, deposit $400k -> redeemInKind -> WETH sold at the market: no profit", async () => {
    const f = await loadFixture(investedAdminFixture);
    const { market, vault } = f;
    const [, alice, , mallory] = await ethers.getSigners();
    const symbols = await basketSymbols(market, vault);
    await moveMarket(market, symbols, { WETH: 1.0045 });
    const attacker = await Attacker.create(market, mallory, symbols, { USDC: USDC(400_000) }, [vault]);
    const holders = await vault.balanceOf(alice);
    const pre = await vaultState(market, vault);
    let refused = await attempt(async () => (await vault.connect(mallory).deposit(USDC(400_000), mallory)).wait());
    refused ??= await exitAll(f, attacker, "redeemInKind", ["WETH"]);
    const m: Measured = {
      pnl: await attacker.pnl(vault),
      gain: 0n,
      loss:
        (await stateValue(market, pre, holders)) - (await stateValue(market, await vaultState(market, vault), holders)),
      refused,
    };
    rows.push(row("no update, pools +0.45%, $400k, in kind, WETH sold", m));
    expect(m.pnl, `attacker P&L ${usd(m.pnl)}`).to.be.lessThanOrEqual(0n);
  });

  describe("exit before a down-step, re-enter after it", () => {
    const trips: Record<string, unknown>[] = [];
    after(() =>
      printTable("H1 (symmetric): Alice exits before the WETH feed steps down, re-enters after (pools lead)", trips),
    );

    for (const whole of [false, true]) {
      for (const stepPct of STEPS_PCT) {
        it(`WETH -${stepPct}%, ${whole ? "all her shares (legs sold)" : "what the cash buffer pays"}: the round-tripper gains nothing versus staying`, async () => {
          const r = await exitBeforeDownStep(stepPct, whole);
          trips.push({
            case: `-${stepPct}%, ${whole ? "whole position" : "buffer-sized"}`,
            "round-tripped (value)": usd(r.moved),
            "gain vs staying": usd(r.gain),
            "Bob's loss": usd(r.bobLoss),
            refused: r.refused ?? "",
          });
          expect(r.gain, `round trip gained ${usd(r.gain)}`).to.be.lessThanOrEqual(0n);
        });
      }
    }
  });
});
