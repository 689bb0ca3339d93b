import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseUnits } from "ethers";
import { ethers } from "hardhat";

import { IBallastOracle__factory } from "../../typechain-types";
import { investedAdminFixture } from "../shared/fixtures";
import type { VaultFixture } from "../shared/fixtures";
import { attempt, Attacker, basketSymbols, moveMarket, printTable, stateValue, usd, vaultState } from "../shared/pnl";
import { twoHoldersFixture } from "../shared/security";

/*
 * H1, foresight: the entrant knows an update is coming before the pools or the feeds show it (it
 * sees the market move elsewhere first, and orders its deposit before the arbitrage that moves the
 * pools, in the same block). Entry at the old prices, then the market steps (every pool, then the
 * feed), then a full exit: a base redeem, or in kind with every leg sold at the market. The steps
 * are the feeds' own deviation thresholds as the vault's oracles state them
 * (`IBallastOracle.deviationBps`), the largest step a feed shows at once; a base-asset step moves
 * every other asset against it. Measured as in leaks.h1: the attacker's P&L at the final oracle
 * prices, and what the existing holders' shares lost of their gain from the step.
 */

const USDC = (whole: number) => parseUnits(String(whole), 6);
/** Entries against the invested $500k vault: small, comparable, four times its size. */
const ENTRIES = [20_000, 200_000, 2_000_000];

type Exit = "redeem" | "redeemInKind";

/** A step of the market: each listed asset's price (pools and feed) times its factor. */
type Step = Record<string, number>;

/** Every basket asset's deviation threshold, by symbol, from its oracle. */
async function thresholds(f: VaultFixture): Promise<Map<string, number>> {
  const symbols = await basketSymbols(f.market, f.vault);
  const oracles = await f.vault.oracles();
  const bps = new Map<string, number>();
  for (const [i, symbol] of symbols.entries()) {
    bps.set(symbol, Number(await IBallastOracle__factory.connect(oracles[i], ethers.provider).deviationBps()));
  }
  return bps;
}

/** The steps played, up (`sign` 1) or down (-1), each at the thresholds of the assets it moves. */
async function steps(f: VaultFixture, sign: 1 | -1): Promise<[string, Step][]> {
  const bps = await thresholds(f);
  const factor = (symbol: string) => 1 + (sign * bps.get(symbol)!) / 10_000;
  const risky = [...bps.keys()].slice(1);
  return [
    ["WETH", { WETH: factor("WETH") }],
    ["LINK", { LINK: factor("LINK") }],
    // The base steps the other way: every other asset moves `sign`-wards against it.
    ["USDC", { USDC: 1 - (sign * bps.get("USDC")!) / 10_000 }],
    [
      "every feed",
      { ...Object.fromEntries(risky.map((s) => [s, factor(s)])), USDC: 1 - (sign * bps.get("USDC")!) / 10_000 },
    ],
  ];
}

/** The market steps: every pool among the basket first (the arbitrage), then each feed. */
async function marketSteps(f: VaultFixture, step: Step): Promise<void> {
  const symbols = await basketSymbols(f.market, f.vault);
  const prices = new Map<string, number>();
  for (const symbol of Object.keys(step)) prices.set(symbol, (await f.market.feedPrice(symbol)) * step[symbol]);
  await moveMarket(f.market, symbols, step);
  for (const [symbol, price] of prices) await f.market.setFeedPrice(symbol, price);
}

interface Measured {
  pnl: bigint;
  /** The holders' gain from the step, without the attacker (their claim before, at old vs new prices). */
  gain: bigint;
  /** What the holders' shares lost to the attacker, at the final prices. */
  loss: bigint;
  refused?: string;
}

/** Deposit `entry` USDC, the market steps, full exit; see the file's comment. */
async function foresight(step: Step, entry: number, exit: Exit): Promise<Measured> {
  const f = await loadFixture(investedAdminFixture);
  const { market, vault } = f;
  const [, alice, , mallory] = await ethers.getSigners();
  const symbols = await basketSymbols(market, vault);
  const attacker = await Attacker.create(market, mallory, symbols, { USDC: USDC(entry) }, [vault]);
  const holders = await vault.balanceOf(alice);
  const pre = await vaultState(market, vault);
  const before = await stateValue(market, pre, holders);

  let refused = await attempt(async () => (await vault.connect(mallory).deposit(USDC(entry), mallory)).wait());
  await marketSteps(f, step);
  const shares = await vault.balanceOf(mallory);
  if (!refused && exit === "redeem") {
    refused = await attempt(async () => (await vault.connect(mallory).redeem(shares, mallory, mallory)).wait());
  } else if (!refused) {
    refused = await attempt(async () => (await vault.connect(mallory).redeemInKind(shares, mallory, mallory)).wait());
    if (!refused) await attacker.sellAtMarket(vault, symbols.slice(1));
  }
  const untouched = await stateValue(market, pre, holders);
  return {
    pnl: await attacker.pnl(vault),
    gain: untouched - before,
    loss: untouched - (await stateValue(market, await vaultState(market, vault), holders)),
    refused,
  };
}

/**
 * Alice, a holder, sees a step down coming: she leaves before it (all her shares, or what the cash
 * buffer pays), the market steps, she comes back with what she got. Her gain versus staying put,
 * and what Bob, who stays, loses to her.
 */
async function exitBeforeStepDown(step: Step, whole: boolean) {
  const f = await loadFixture(twoHoldersFixture);
  const { market, vault } = f;
  const [, alice, bob] = await ethers.getSigners();
  const pre = await vaultState(market, vault);
  const [held, bobShares] = [await vault.balanceOf(alice), await vault.balanceOf(bob)];
  const bufferShares = await vault.convertToShares((pre.balances.get("USDC")! * 9n) / 10n);
  const shares = whole || bufferShares > held ? held : bufferShares;
  const usdc = market.token("USDC").contract;
  const cash = await usdc.balanceOf(alice);
  let refused = await attempt(async () => (await vault.connect(alice).redeem(shares, alice, alice)).wait());
  await marketSteps(f, step);
  const received = (await usdc.balanceOf(alice)) - cash;
  if (!refused && received > 0n) {
    await (await usdc.connect(alice).approve(vault, received)).wait();
    refused = await attempt(async () => (await vault.connect(alice).deposit(received, alice)).wait());
  }
  const post = await vaultState(market, vault);
  const now = (await stateValue(market, post, await vault.balanceOf(alice))) + ((await usdc.balanceOf(alice)) - cash);
  return {
    gain: now - (await stateValue(market, pre, held)),
    bobLoss: (await stateValue(market, pre, bobShares)) - (await stateValue(market, post, bobShares)),
    moved: await stateValue(market, pre, shares),
    refused,
  };
}

describe("leaks H1, foresight: an entrant who knows the next update before the pools and the feeds", function () {
  this.timeout(10 * 60 * 1000);
  const rows: Record<string, unknown>[] = [];
  after(() => printTable("H1 foresight: deposit -> the market steps by a feed's threshold -> full exit", rows));

  it("the vault's oracles state the thresholds played (mainnet's: ETH, BTC 0.5%, LINK 1%, USDC 0.25%)", async () => {
    const bps = await thresholds(await loadFixture(investedAdminFixture));
    expect(Object.fromEntries(bps)).to.deep.equal({ USDC: 25, WETH: 50, WBTC: 50, LINK: 100 });
  });

  for (const exit of ["redeem", "redeemInKind"] as const) {
    for (const entry of ENTRIES) {
      it(`$${entry.toLocaleString("en-US")} in, each step up by its thresholds, ${exit === "redeem" ? "base redeem" : "in kind, legs sold"}: no profit, holders keep >= 95% of their gain`, async () => {
        for (const [name, step] of await steps(await loadFixture(investedAdminFixture), 1)) {
          const m = await foresight(step, entry, exit);
          rows.push({
            step: name,
            entry: usd(USDC(entry)),
            exit,
            "attacker P&L": usd(m.pnl),
            "holders' gain": usd(m.gain),
            "holders' loss": usd(m.loss),
            refused: m.refused ?? "",
          });
          expect(m.pnl, `${name}: attacker P&L ${usd(m.pnl)}`).to.be.lessThanOrEqual(0n);
          expect(m.loss * 20n, `${name}: holders lost ${usd(m.loss)} of ${usd(m.gain)}`).to.be.lessThanOrEqual(
            m.gain > 0n ? m.gain : 0n,
          );
        }
      });
    }
  }

  describe("a holder who leaves before a step down and comes back after it", () => {
    const trips: Record<string, unknown>[] = [];
    after(() => printTable("H1 foresight (symmetric): exit before the market steps down, re-enter after", trips));

    // What the cash buffer pays would come from the others; a whole position's slices are sold to
    // the pools before they move, which is trading ahead of the market, at the pools' expense: the
    // holders who stay must lose nothing either way.
    for (const whole of [false, true]) {
      it(`${whole ? "all her shares (slices sold)" : "what the cash buffer pays"}, each step down by its thresholds: ${whole ? "Bob loses nothing" : "she gains nothing versus staying, Bob loses nothing"}`, async () => {
        for (const [name, step] of await steps(await loadFixture(investedAdminFixture), -1)) {
          const r = await exitBeforeStepDown(step, whole);
          trips.push({
            step: name,
            "round-tripped": usd(r.moved),
            "gain vs staying": usd(r.gain),
            "Bob's loss": usd(r.bobLoss),
            refused: r.refused ?? "",
          });
          if (!whole) expect(r.gain, `${name}: the round trip gained ${usd(r.gain)}`).to.be.lessThanOrEqual(0n);
          expect(r.bobLoss, `${name}: Bob lost ${usd(r.bobLoss)}`).to.be.lessThanOrEqual(0n);
        }
      });
    }
  });
});
