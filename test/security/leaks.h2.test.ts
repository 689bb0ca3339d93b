import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseEther, parseUnits } from "ethers";
import { ethers } from "hardhat";

import { localConfig } from "../../deploy/config/local";
import { resolveDeployment } from "../../deploy/resolve";
import type { LocalMarket } from "../../src/market";
import { deployVault, RECOMMENDED_BREAKERS } from "../../src/vault";
import type { BasketEntry, VaultOptions } from "../../src/vault";
import { STATUS_NAMES } from "../../src/vault/enums";
import { BallastPolicy__factory } from "../../typechain-types";
import type { VaultFixture } from "../shared/fixtures";
import { deployLocalMarket } from "../shared/market";
import {
  attempt,
  Attacker,
  inOneBlock,
  printTable,
  quotedCost,
  sqrtPriceAt,
  stateValue,
  usd,
  vaultState,
} from "../shared/pnl";
import { refreshFeeds } from "../shared/security";
import { depositUsdc, rebalanceUntilSettled } from "../shared/vault";
import type { SwappedEvent } from "../shared/vault";

/*
 * H2: a forced rebalance, sandwiched. A 5% USDC / 95% WETH basket holding $10M. The attacker
 * deposits $500k: the base is now overweight and the vault, not due before, is due to buy WETH. It
 * pushes WETH/USDC-0.05% up (WETH dearer) in its own transaction, calls rebalance(), and unwinds.
 * After the cooldown it redeems everything (paid from the cash buffer its deposit refilled): the
 * base is now underweight, and it sandwiches the forced sale the same way, pushing WETH down.
 *
 * Measured at the final oracle prices: the attacker's P&L (its deposit, exit, and both sandwiches'
 * trades), and what Alice's shares (the rest of the vault) lost. Property: the attacker nets <= 0,
 * and the holders lose at most the two rebalances' own cost as QuoterV2 quotes the same legs on the
 * pools before the push (fees and impact), plus 5 bps of the value traded.
 *
 * Configurations: the default execution bounds with the recommended breakers, and the live
 * (mainnet) configuration from deploy/config/networks.ts, resolved as the deployment does.
 */

const WETH_HEAVY: readonly BasketEntry[] = [
  { symbol: "USDC", weightBps: 500 },
  { symbol: "WETH", weightBps: 9_500 },
];
const SYMBOLS = ["USDC", "WETH"];
const NAV = 10_000_000;
const ENTRY = parseUnits("500000", 6);
const PUSHES_BPS = [3, 5, 10, 25, 50, 75, 100];
const GWEI = 10n ** 9n;

/** The $10M 5/95 vault, filled and settled, its last cooldown over; Alice holds it all. */
async function wethHeavyVault(options: (market: LocalMarket) => Promise<Partial<VaultOptions>>): Promise<VaultFixture> {
  const market = await deployLocalMarket();
  const [admin, alice] = await ethers.getSigners();
  await market.advanceTime(3_600); // the breakers' TWAP window needs pool history
  await refreshFeeds(market, SYMBOLS);
  const deployed = await deployVault(market, {
    basket: WETH_HEAVY,
    ...(await options(market)),
    governance: { admin: admin.address },
  });
  await depositUsdc(market, deployed.vault, alice, NAV);
  await rebalanceUntilSettled(market, deployed.vault, 30);
  await time.increase(await cooldown({ market, ...deployed }));
  await refreshFeeds(market, SYMBOLS);
  return { market, ...deployed };
}

async function cooldown(f: VaultFixture): Promise<bigint> {
  const policy = BallastPolicy__factory.connect(await f.rebalancer.policy(), ethers.provider);
  return (await policy.triggerParams()).cooldown;
}

/** deployVault's defaults (execution bounds, triggers, fees) with the recommended breakers. */
async function recommendedFixture(): Promise<VaultFixture> {
  return wethHeavyVault(async () => ({ breakers: RECOMMENDED_BREAKERS }));
}

/** The mainnet configuration (execution bounds, triggers, breakers, volatility, cost gate, fees). */
async function liveFixture(): Promise<VaultFixture> {
  return wethHeavyVault(async (market) => {
    const [admin] = await ethers.getSigners();
    const config = {
      ...(await localConfig(market, "hardhat", 31_337)),
      basket: [
        { symbol: "USDC", weightBps: 500 },
        { symbol: "WETH", weightBps: 9_500, route: ["WETH", 500, "USDC"] },
      ],
    };
    const live = resolveDeployment(config, admin.address);
    return {
      params: live.params,
      triggers: live.triggers,
      breakers: live.breakers,
      volatility: live.volatility,
      costs: { ...live.costs, gasTokenOracle: config.basket[live.gasTokenIndex].symbol },
      fees: live.fees,
    };
  });
}

interface Sandwich {
  refused?: string;
  /** The legs' cost as QuoterV2 quotes them on the unmanipulated pools, and their traded value. */
  cost: bigint;
  traded: bigint;
  trades: number;
}

/** The vault's Swapped events of one transaction. */
async function swapsIn(f: VaultFixture, hash: string): Promise<SwappedEvent[]> {
  const receipt = await ethers.provider.getTransactionReceipt(hash);
  if (!receipt || receipt.status !== 1) return [];
  const events = await f.vault.queryFilter(f.vault.filters.Swapped, receipt.blockNumber, receipt.blockNumber);
  return events
    .filter((e) => e.transactionHash === hash)
    .map(({ args }) => ({
      tokenIn: args.tokenIn,
      tokenOut: args.tokenOut,
      amountIn: args.amountIn,
      amountOut: args.amountOut,
      minAmountOut: args.minAmountOut,
    }));
}

/**
 * The attacker pushes WETH/USDC-0.05% `pushBps` up (`direction` 1) or down (-1) from the feed, calls
 * rebalance(), and trades the pool back to the feed: three transactions, in three blocks or in one.
 */
async function sandwichRebalance(
  f: VaultFixture,
  attacker: Attacker,
  pushBps: number,
  direction: 1 | -1,
  sameBlock: boolean,
): Promise<Sandwich> {
  const { market } = f;
  const pool = market.pool("WETH", "USDC", 500);
  const unmanipulated = await ethers.provider.getBlockNumber();
  const pushed = await sqrtPriceAt(pool, { WETH: 1 + (direction * pushBps) / 10_000 });
  const rebalancer = f.rebalancer.connect(attacker.signer);
  let refused: string | undefined;
  let hash = "";
  if (!sameBlock) {
    await (await attacker.pushTx(pool, pushed)).wait();
    refused = await attempt(async () => {
      const tx = await rebalancer.rebalance();
      hash = tx.hash;
      await tx.wait();
    });
  } else {
    const zeroForOne = pushed < (await pool.contract.slot0())[0];
    const back = await sqrtPriceAt(pool);
    const fees = (priority: bigint) => ({ maxFeePerGas: 100n * GWEI, maxPriorityFeePerGas: priority * GWEI });
    const sent = await inOneBlock(async () => [
      await attacker.pushTx(pool, pushed, { zeroForOne, gasLimit: 1_000_000n, ...fees(3n) }),
      await rebalancer.rebalance({ gasLimit: 8_000_000n, ...fees(2n) }),
      await attacker.pushTx(pool, back, { zeroForOne: !zeroForOne, gasLimit: 1_000_000n, ...fees(1n) }),
    ]);
    const receipts = await Promise.all(sent.map((tx) => ethers.provider.getTransactionReceipt(tx.hash)));
    const [block] = new Set(receipts.map((r) => r!.blockNumber));
    expect(receipts.every((r) => r!.blockNumber === block)).to.equal(true, "the three transactions share a block");
    expect(receipts.map((r) => r!.index)).to.deep.equal([0, 1, 2].map((i) => receipts[0]!.index + i));
    hash = sent[1].hash;
    if (receipts[1]!.status !== 1) refused = "reverted (same block)";
  }
  // The unwind, or what is left of it (a same-block unwind whose direction no longer applied).
  await attacker.push(pool);
  const swaps = refused ? [] : await swapsIn(f, hash);
  const { cost, traded } = await quotedCost(market, f.vault, swaps, unmanipulated);
  return { refused, cost, traded, trades: swaps.length };
}

interface Cycle {
  pnl: bigint;
  loss: bigint;
  allowed: bigint;
  row: Record<string, unknown>;
}

/** One deposit -> sandwiched buy -> cooldown -> redeem -> sandwiched sell cycle. */
async function cycle(fixture: () => Promise<VaultFixture>, pushBps: number, sameBlock: boolean): Promise<Cycle> {
  const f = await loadFixture(fixture);
  const { market, vault, rebalancer } = f;
  const [, alice, , mallory] = await ethers.getSigners();
  const attacker = await Attacker.create(
    market,
    mallory,
    SYMBOLS,
    { USDC: parseUnits("50000000", 6), WETH: parseEther("20000") },
    [vault],
  );
  const holders = await vault.balanceOf(alice);
  const pre = await vaultState(market, vault);
  const status = async () => STATUS_NAMES[Number((await rebalancer.rebalanceStatus())[0])];
  const before = await status();

  const entry = await attempt(async () => (await vault.connect(mallory).deposit(ENTRY, mallory)).wait());
  const afterEntry = await status();
  const buy = await sandwichRebalance(f, attacker, pushBps, 1, sameBlock);
  await time.increase(await cooldown(f));
  await refreshFeeds(market, SYMBOLS);
  const shares = await vault.balanceOf(mallory);
  const exit =
    shares > 0n
      ? await attempt(async () => (await vault.connect(mallory).redeem(shares, mallory, mallory)).wait())
      : undefined;
  const afterExit = await status();
  const sell = await sandwichRebalance(f, attacker, pushBps, -1, sameBlock);

  const pnl = await attacker.pnl(vault);
  const loss =
    (await stateValue(market, pre, holders)) - (await stateValue(market, await vaultState(market, vault), holders));
  const traded = buy.traded + sell.traded;
  const allowed = buy.cost + sell.cost + (traded * 5n) / 10_000n;
  return {
    pnl,
    loss,
    allowed,
    row: {
      push: `${pushBps / 100}%`,
      block: sameBlock ? "same" : "own",
      statuses: `${before} > ${afterEntry} > ${afterExit}`,
      "attacker P&L": usd(pnl),
      "holders' loss": usd(loss),
      "quoted cost + 5 bps": usd(allowed),
      traded: usd(traded),
      legs: `${buy.trades}+${sell.trades}`,
      refused: [entry, buy.refused, exit, sell.refused].filter(Boolean).join("; "),
    },
  };
}

function expectNoLeak(c: Cycle): void {
  expect(c.pnl, `attacker P&L ${usd(c.pnl)}`).to.be.lessThanOrEqual(0n);
  expect(
    c.loss,
    `holders lost ${usd(c.loss)}, the rebalances' quoted cost + 5 bps is ${usd(c.allowed)}`,
  ).to.be.lessThanOrEqual(c.allowed);
}

const CONFIGS: [string, () => Promise<VaultFixture>][] = [
  ["recommended breakers, default bounds", recommendedFixture],
  ["live (mainnet) configuration", liveFixture],
];

describe("leaks H2: forced rebalance + sandwich (5/95 USDC/WETH, $10M)", function () {
  this.timeout(20 * 60 * 1000);

  for (const [name, fixture] of CONFIGS) {
    describe(name, () => {
      const rows: Record<string, unknown>[] = [];
      after(() =>
        printTable(`H2, ${name}: deposit $500k -> sandwiched buy -> cooldown -> redeem -> sandwiched sell`, rows),
      );

      for (const pushBps of PUSHES_BPS) {
        it(`a ${pushBps / 100}% push, each transaction in its own block: the attacker nets <= 0, the holders lose at most the quoted cost + 5 bps`, async () => {
          const c = await cycle(fixture, pushBps, false);
          rows.push(c.row);
          expectNoLeak(c);
        });
      }
      for (const pushBps of [5, 10, 75]) {
        it(`a ${pushBps / 100}% push, push + rebalance() + unwind in one block: the attacker nets <= 0, the holders lose at most the quoted cost + 5 bps`, async () => {
          const c = await cycle(fixture, pushBps, true);
          rows.push(c.row);
          expectNoLeak(c);
        });
      }
    });
  }
});
