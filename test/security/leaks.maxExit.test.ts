import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";

import type { LocalMarket } from "../../src/market";
import { investedAdminFixture } from "../shared/fixtures";
import { basketSymbols, moveMarket, poolsAmong, printTable, pullLiquidity, usd } from "../shared/pnl";

/*
 * Issue 20: `maxWithdraw`/`maxRedeem` must not promise an exit the pools cannot fill. On 3b35fea,
 * with 99.999% of the pools' liquidity pulled, `withdraw(maxWithdraw(owner))` reverted "Too little
 * received": maxWithdraw said the whole position while the cash buffer held a quarter of it.
 * Property: whatever the pools' depth (deep, thin, pulled) and however far they are pushed from
 * the feeds, a base exit of maxWithdraw or maxRedeem succeeds, and the in-kind exit takes the rest.
 */

/** Removes `fractionBps` of every position in every pool among the basket's tokens. */
async function thin(market: LocalMarket, symbols: readonly string[], fractionBps: number): Promise<void> {
  if (fractionBps === 0) return;
  for (const pool of poolsAmong(market, symbols)) await pullLiquidity(market, pool, fractionBps);
}

interface Exit {
  state: string;
  maxWithdraw: bigint;
  maxRedeem: bigint;
  shares: bigint;
}

/**
 * The invested $500k vault (the holder owns all of it, $25k of cash buffer) with its pools thinned
 * by `pulledBps` and pushed by `pushBps` from the feeds; checks both max exits and the in-kind rest.
 */
async function exitAtMax(pulledBps: number, pushBps: number): Promise<Exit> {
  const { market, vault } = await loadFixture(investedAdminFixture);
  const [, alice] = await ethers.getSigners();
  const symbols = await basketSymbols(market, vault);
  await thin(market, symbols, pulledBps);
  if (pushBps !== 0) {
    const factor = 1 + pushBps / 10_000;
    await moveMarket(market, symbols, Object.fromEntries(symbols.slice(1).map((s) => [s, factor])));
  }
  const shares = await vault.balanceOf(alice);
  const maxWithdraw = await vault.maxWithdraw(alice);
  const maxRedeem = await vault.maxRedeem(alice);
  expect(maxRedeem).to.be.lessThanOrEqual(shares);
  const state = `${pulledBps / 100}% pulled, pools ${pushBps >= 0 ? "+" : ""}${pushBps / 100}%`;

  // The withdraw, from this state.
  const snapshot = await ethers.provider.send("evm_snapshot", []);
  if (maxWithdraw > 0n) await (await vault.connect(alice).withdraw(maxWithdraw, alice, alice)).wait();
  const left = await vault.balanceOf(alice);
  if (left > 0n) await (await vault.connect(alice).redeemInKind(left, alice, alice)).wait();
  expect(await vault.balanceOf(alice)).to.equal(0n);
  await ethers.provider.send("evm_revert", [snapshot]);

  // The redeem, from the same state.
  if (maxRedeem > 0n) await (await vault.connect(alice).redeem(maxRedeem, alice, alice)).wait();
  const rest = await vault.balanceOf(alice);
  if (rest > 0n) await (await vault.connect(alice).redeemInKind(rest, alice, alice)).wait();
  expect(await vault.balanceOf(alice)).to.equal(0n);
  return { state, maxWithdraw, maxRedeem, shares };
}

describe("leaks: max exits the pools can fill (issue 20)", function () {
  this.timeout(20 * 60 * 1000);
  const rows: Record<string, unknown>[] = [];
  after(() => printTable("withdraw(maxWithdraw) and redeem(maxRedeem), then the rest in kind ($500k holder)", rows));

  const record = (exit: Exit) =>
    rows.push({
      state: exit.state,
      maxWithdraw: usd(exit.maxWithdraw),
      "maxRedeem / shares": `${(Number((exit.maxRedeem * 10_000n) / (exit.shares || 1n)) / 100).toFixed(2)}%`,
    });

  for (const [pulledBps, pushBps] of [
    [0, 0],
    [9_000, 0],
    [9_999, 0],
    [10_000, 0],
    [0, 50],
    [0, -50],
    [9_900, 50],
    [9_900, -50],
  ] as const) {
    it(`succeeds with ${pulledBps / 100}% of the liquidity pulled and the pools ${pushBps / 100}% off the feeds`, async () => {
      record(await exitAtMax(pulledBps, pushBps));
    });
  }

  it("promises the whole position while the pools are deep, the cash buffer alone when they are empty", async () => {
    const deep = await exitAtMax(0, 0);
    expect(deep.maxRedeem).to.equal(deep.shares);
    const empty = await exitAtMax(10_000, 0);
    // Nothing can be sold: the buffer ($25k of $500k) is the limit.
    expect(empty.maxWithdraw).to.be.lessThan(30_000n * 10n ** 6n);
    expect(empty.maxRedeem).to.be.lessThan(empty.shares / 10n);
  });

  it("property: over pool depths and pushes, both max exits succeed", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: -50, max: 50 }), async (pulled, push) => {
        record(await exitAtMax(pulled, push));
      }),
      { numRuns: 12, seed: 20 },
    );
  });
});
