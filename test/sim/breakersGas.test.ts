/**
 * The lab's gas for the circuit breakers (src/sim/breakersGas.json), measured on the contracts:
 * what RECOMMENDED_BREAKERS add to a due rebalance (each asset's pool against its TWAP, the oracles'
 * move window and invalid-price history read from their rounds), and what the rebalance that records
 * a trip costs, on the `npm start` baskets of 2, 4 and 6 assets in the state its keeper finds them
 * (the feeds answered at each 3-hour step, the keeper 31 minutes after). The bench (scripts/bench.ts)
 * runs its vaults without breakers, so the gas model it fits (src/sim/gasModel.json) leaves them out.
 *
 * Each figure is fitted as `fixed + perAsset x assets` and the committed file must predict every
 * measurement within 5%; `BREAKERS_GAS=update` rewrites it from the measurement.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";

import { expect } from "chai";
import { ethers } from "hardhat";
import type { ContractTransactionResponse } from "ethers";

import type { BallastVault } from "../../typechain-types";

import { basketOf } from "../../src/demo/scenarios";
import { DEFAULT_TOKENS } from "../../src/market";
import breakersGas from "../../src/sim/breakersGas.json";
import { deployVault, RECOMMENDED_BREAKERS } from "../../src/vault";
import { deployLocalMarket } from "../shared/market";
import { Trip } from "../shared/security";
import { depositUsdc, rebalanceUntilSettled } from "../shared/vault";

const FILE = path.join(__dirname, "..", "..", "src", "sim", "breakersGas.json");
const STEP = 3 * 3_600;
/** npm start's keeper looks a TWAP window and a minute after the step's move. */
const SETTLE = Number(RECOMMENDED_BREAKERS.twapWindow) + 60;

interface Measured {
  assets: number;
  /** Gas of the same due rebalance without breakers and with RECOMMENDED_BREAKERS. */
  plain: number;
  guarded: number;
  swaps: number;
  /** Gas of the rebalance that records a Dislocation trip (trades nothing). */
  trip: number;
}

/** The gas and the vault's swaps of a mined transaction. */
async function spent(vault: BallastVault, sent: Promise<ContractTransactionResponse>) {
  const receipt = await (await sent).wait();
  if (!receipt) throw new Error("not mined");
  const swaps = await vault.queryFilter(vault.filters.Swapped, receipt.blockNumber, receipt.blockNumber);
  return { gas: Number(receipt.gasUsed), swaps: swaps.length };
}

/** Least-squares line through `points`: { fixed: intercept, perAsset: slope }, rounded. */
function fit(points: readonly (readonly [number, number])[]): { fixed: number; perAsset: number } {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const slope = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx;
  return { fixed: Math.round(my - slope * mx), perAsset: Math.round(slope) };
}

async function measure(risky: number): Promise<Measured> {
  const basket = basketOf(risky);
  const symbols = basket.map((entry) => entry.symbol);
  const market = await deployLocalMarket({ tokens: DEFAULT_TOKENS.filter((t) => symbols.includes(t.symbol)) });
  const [admin, alice] = await ethers.getSigners();
  const { vault, rebalancer, breakers } = await deployVault(market, {
    basket,
    governance: { admin: admin.address },
    triggers: { triggerBandBps: 10, targetBandBps: 0 },
  });
  await depositUsdc(market, vault, alice, 1_000_000);
  await rebalanceUntilSettled(market, vault, 20);
  // A few scenario steps of history: every feed answers at each step, the pools follow.
  const move = async (factor: (k: number) => number) => {
    for (const [k, symbol] of symbols.entries()) {
      if (k === 0) await market.setFeedPrice(symbol, 1);
      else await market.setFeedPrice(symbol, (await market.feedPrice(symbol)) * factor(k));
    }
    await market.alignAllPools();
  };
  for (let step = 0; step < 4; step++) {
    await market.advanceTime(STEP);
    await move((k) => 1 + 0.01 * (((k + step) % 3) - 1));
  }
  await market.advanceTime(STEP);
  const beforeMove = (await ethers.provider.send("evm_snapshot", [])) as string;
  // Every risky asset moves 6%, by turns up and down: a rebalance of several legs is due.
  await move((k) => (k % 2 === 1 ? 1.06 : 0.94));
  await market.advanceTime(SETTLE);
  const moved = (await ethers.provider.send("evm_snapshot", [])) as string;
  const plain = await spent(vault, rebalancer.rebalance());
  expect(plain.swaps, "a rebalance of several legs").to.be.at.least(Math.min(2, risky));
  await ethers.provider.send("evm_revert", [moved]);
  await (await breakers.setBreakerParams(RECOMMENDED_BREAKERS)).wait();
  const guarded = await spent(vault, rebalancer.rebalance());
  expect(guarded.swaps, "the same legs").to.equal(plain.swaps);
  // A crash past the move window's 20%: the next due rebalance records the trip and trades nothing.
  await ethers.provider.send("evm_revert", [beforeMove]);
  await (await breakers.setBreakerParams(RECOMMENDED_BREAKERS)).wait();
  await move(() => 0.7);
  await market.advanceTime(SETTLE);
  const trip = await spent(vault, rebalancer.rebalance());
  expect((await breakers.breaker(rebalancer))[0], "tripped").to.not.equal(Trip.None);
  expect(trip.swaps, "a trip trades nothing").to.equal(0);
  return { assets: basket.length, plain: plain.gas, guarded: guarded.gas, swaps: plain.swaps, trip: trip.gas };
}

describe("the lab's breakers gas (src/sim/breakersGas.json) against the contracts", function () {
  // Three markets and vaults deployed and played: ~1 minute on two idle cores.
  this.timeout(600_000);

  it("predicts what the breakers add to a rebalance and what a trip costs, within 5%", async () => {
    const measured: Measured[] = [];
    for (const risky of [1, 3, 5]) measured.push(await measure(risky));
    const model = {
      breakers: fit(measured.map((m) => [m.assets, m.guarded - m.plain] as const)),
      trip: fit(measured.map((m) => [m.assets, m.trip] as const)),
    };
    const committed = process.env.BREAKERS_GAS === "update" ? model : breakersGas;
    const predict = (part: { fixed: number; perAsset: number }, assets: number) => part.fixed + part.perAsset * assets;
    const check = measured.map((m) => ({
      assets: m.assets,
      swaps: m.swaps,
      breakers: m.guarded - m.plain,
      breakersPredicted: predict(committed.breakers, m.assets),
      trip: m.trip,
      tripPredicted: predict(committed.trip, m.assets),
    }));
    if (process.env.BREAKERS_GAS === "update") {
      const source = "test/sim/breakersGas.test.ts (BREAKERS_GAS=update): RECOMMENDED_BREAKERS on npm start's baskets";
      writeFileSync(FILE, `${JSON.stringify({ source, ...model, check }, null, 2)}\n`);
    }
    for (const c of check) {
      expect(c.breakersPredicted / c.breakers - 1, `breakers, ${c.assets} assets`).to.be.within(-0.05, 0.05);
      expect(c.tripPredicted / c.trip - 1, `trip, ${c.assets} assets`).to.be.within(-0.05, 0.05);
    }
  });
});
