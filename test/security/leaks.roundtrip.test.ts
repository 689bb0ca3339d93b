import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { expect } from "chai";
import fc from "fast-check";
import { MaxUint256, parseUnits } from "ethers";
import { ethers } from "hardhat";

import { investedAdminFixture } from "../shared/fixtures";
import type { VaultFixture } from "../shared/fixtures";
import { attempt, basketSymbols, moveMarket, printTable, stateValue, usd, vaultState } from "../shared/pnl";

/*
 * ERC-4626 round trips with the pools off the feeds. The vault prices entries at the oracle but pays
 * an exit beyond its cash buffer with what its swaps fetch from the pools: when the pools trade
 * above the feeds, an exit followed by an entry (or the reverse) can end with more than it began.
 * Property: no round trip (deposit/mint then redeem/withdraw, or the reverse) yields more shares or
 * assets than it started with, for pool-vs-feed gaps of -0.5%..+0.5%. A step the vault refuses
 * (a revert) ends the round trip: the holder keeps what it has.
 *
 * Two measures, both must not be positive: the raw units (a complete round trip changes either
 * the holder's base units or its shares, by construction: that one must not grow), and the value
 * of the holder's whole position (base units plus all its shares, pro rata, at the market's prices:
 * the pools', where anyone can trade) after versus before, which also counts what the round trip
 * left in the vault for its other shares. At the oracle prices instead, a sale the vault makes at
 * the market above the oracle would count as a gain, although it is the market's price.
 * The holder is the vault's only one, as a large holder would be for most of the vault.
 */

const KINDS = [
  "redeem>deposit",
  "redeem>mint",
  "withdraw>deposit",
  "withdraw>mint",
  "deposit>redeem",
  "deposit>withdraw",
  "mint>redeem",
  "mint>withdraw",
] as const;
type Kind = (typeof KINDS)[number];

interface World {
  f: VaultFixture;
  /** The vault's only holder ($500k), funded with $5M USDC to re-enter. */
  alice: HardhatEthersSigner;
}

async function world(): Promise<World> {
  const f = await investedAdminFixture();
  const [, alice] = await ethers.getSigners();
  await f.market.fund(alice.address, "USDC", parseUnits("5000000", 6));
  await f.market.token("USDC").contract.connect(alice).approve(f.vault, MaxUint256);
  return { f, alice };
}

interface Trip {
  /** The position's value after less before, in USDC units (all its shares pro rata at the market's prices). */
  gain: bigint;
  /** Raw change of base units and of shares. */
  assets: bigint;
  shares: bigint;
  refused?: string;
}

/** One round trip of `kind` over about `amount` base units, with every asset's pools `gapBps` off its feed. */
async function roundTrip(kind: Kind, gapBps: number, amount: bigint): Promise<Trip> {
  const { f, alice } = await loadFixture(world);
  const { market, vault } = f;
  const symbols = await basketSymbols(market, vault);
  const factor = 1 + gapBps / 10_000;
  const factors = Object.fromEntries(symbols.slice(1).map((s) => [s, factor]));
  await moveMarket(market, symbols, factors);
  const usdc = market.token("USDC").contract;
  const v = vault.connect(alice);
  const [assets0, shares0] = [await usdc.balanceOf(alice), await vault.balanceOf(alice)];
  const before = await stateValue(market, await vaultState(market, vault), shares0, factors);
  const assetsNow = async () => (await usdc.balanceOf(alice)) - assets0;
  const sharesNow = async () => (await vault.balanceOf(alice)) - shares0;
  const send = (tx: () => Promise<{ wait(): Promise<unknown> }>) => attempt(async () => (await tx()).wait());

  const [first, second] = kind.split(">") as [string, string];
  let refused: string | undefined;
  // First leg: an exit of about `amount` (shares capped at what Alice holds), or an entry.
  const exitShares = await vault.convertToShares(amount).then((s) => (s < shares0 ? s : shares0));
  if (first === "redeem") refused = await send(() => v.redeem(exitShares, alice, alice));
  if (first === "withdraw") {
    const max = await vault.maxWithdraw(alice);
    refused = await send(() => v.withdraw(amount < max ? amount : max, alice, alice));
  }
  if (first === "deposit") refused = await send(() => v.deposit(amount, alice));
  if (first === "mint") refused = await send(async () => v.mint(await vault.convertToShares(amount), alice));
  // Second leg: undo the first in the other unit of account.
  if (!refused) {
    const [da, ds] = [await assetsNow(), await sharesNow()];
    if (second === "deposit") refused = await send(() => v.deposit(da, alice));
    if (second === "mint") refused = await send(() => v.mint(-ds, alice));
    if (second === "redeem") refused = await send(() => v.redeem(ds, alice, alice));
    if (second === "withdraw") refused = await send(() => v.withdraw(-da, alice, alice));
  }
  const [assets, shares] = [await assetsNow(), await sharesNow()];
  const after = await stateValue(market, await vaultState(market, vault), await vault.balanceOf(alice), factors);
  const gain = assets + after - before;
  return { gain, assets, shares, refused };
}

/** Rounding slack on the position's value: one base unit. */
const DUST = 1n;

function noGain(trip: Trip): boolean {
  return trip.assets <= 0n && trip.shares <= 0n && trip.gain <= DUST;
}

function expectNoGain(kind: Kind, trip: Trip): void {
  expect(trip.assets, `${kind}: ${trip.assets} more base units`).to.be.lessThanOrEqual(0n);
  expect(trip.shares, `${kind}: ${trip.shares} more shares`).to.be.lessThanOrEqual(0n);
  expect(trip.gain, `${kind}: the position gained ${usd(trip.gain)}`).to.be.lessThanOrEqual(DUST);
}

function columns(trip: Trip): Record<string, unknown> {
  return {
    "position gain": usd(trip.gain),
    "base units (raw)": trip.assets,
    "shares (raw)": trip.shares,
    refused: trip.refused ?? "",
  };
}

describe("leaks: ERC-4626 round trips with the pools off the feeds", function () {
  this.timeout(20 * 60 * 1000);
  const rows: Record<string, unknown>[] = [];
  after(() => printTable("Round trips by the vault's holder (invested $500k vault, $25k cash buffer)", rows));

  for (const gapBps of [10, 25, 50]) {
    for (const kind of KINDS) {
      // Exits first: a small one (little impact) and a large one; entries first: the large one.
      for (const whole of kind.startsWith("re") || kind.startsWith("wi") ? [50_000, 200_000] : [200_000]) {
        it(`${kind} of $${whole / 1000}k with every pool ${gapBps / 100}% above its feed yields no more than it started with`, async () => {
          const trip = await roundTrip(kind, gapBps, parseUnits(String(whole), 6));
          rows.push({ kind, amount: `$${whole / 1000}k`, "pools vs feeds": `+${gapBps / 100}%`, ...columns(trip) });
          expectNoGain(kind, trip);
        });
      }
    }
  }

  it("property: no round trip gains, for gaps of -0.5%..+0.5% and amounts of $1k..$400k", async () => {
    const failures: Record<string, unknown>[] = [];
    await fc
      .assert(
        fc.asyncProperty(
          fc.constantFrom(...KINDS),
          fc.integer({ min: -50, max: 50 }),
          fc.bigInt({ min: 1_000_000_000n, max: 400_000_000_000n }),
          async (kind, gapBps, amount) => {
            const trip = await roundTrip(kind, gapBps, amount);
            if (!noGain(trip)) {
              failures.push({ kind, "gap (bps)": gapBps, amount: usd(amount), ...columns(trip) });
            }
            return noGain(trip);
          },
        ),
        { numRuns: Number(process.env.FUZZ_RUNS ?? 20), seed: 4626, endOnFailure: true },
      )
      .finally(() => failures.length > 0 && printTable("Round-trip property: first counterexample", failures));
  });
});
