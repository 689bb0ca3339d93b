import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { expect } from "chai";
import { parseUnits } from "ethers";
import hre, { ethers } from "hardhat";

import type { LocalMarket } from "../../src/market";
import { DEFAULT_BASKET, deployVault, RECOMMENDED_BREAKERS, RECOMMENDED_COSTS } from "../../src/vault";
import type { DeployedVault } from "../../src/vault";
import type { TimelockController } from "../../typechain-types";
import { depositUsdc, rebalanceUntilSettled } from "../shared/vault";
import { deployLocalMarket } from "../shared/market";

export interface OpsFixture extends DeployedVault {
  market: LocalMarket;
  timelock: TimelockController;
  vaultAddress: string;
  deployer: HardhatEthersSigner;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
}

/**
 * The default deployment (`deployVault(market, { basket: DEFAULT_BASKET })`): a TimelockController
 * with a two-day delay administers vault and policy, the deployer proposes and executes. Alice
 * holds 100k USDC, nobody has deposited.
 */
export async function emptyFixture(): Promise<OpsFixture> {
  const [deployer, alice, bob, stranger] = await ethers.getSigners();
  const market = await deployLocalMarket();
  const deployed = await deployVault(market, { basket: DEFAULT_BASKET });
  if (!deployed.timelock) throw new Error("the default deployment has a timelock");
  await market.fund(alice.address, "USDC", parseUnits("100000", 6));
  return {
    market,
    ...deployed,
    timelock: deployed.timelock,
    vaultAddress: await deployed.vault.getAddress(),
    deployer,
    alice,
    bob,
    stranger,
  };
}

/** The same with $500k from bob, not yet invested: a rebalance is due. */
export async function depositedFixture(): Promise<OpsFixture> {
  const f = await emptyFixture();
  await depositUsdc(f.market, f.vault, f.bob, 500_000);
  return f;
}

/** The same, invested at target weights (the last rebalance's cooldown is running). */
export async function investedFixture(): Promise<OpsFixture> {
  const f = await depositedFixture();
  await rebalanceUntilSettled(f.market, f.vault);
  return f;
}

/**
 * A vault with the recommended breakers and cost gate on a market too young for their 30-minute
 * TWAP window, with bob's $500k deposited: the due rebalance trips the breaker (TwapUnavailable).
 */
export async function guardedFixture(): Promise<OpsFixture> {
  const [deployer, alice, bob, stranger] = await ethers.getSigners();
  const market = await deployLocalMarket();
  const deployed = await deployVault(market, {
    basket: DEFAULT_BASKET,
    breakers: RECOMMENDED_BREAKERS,
    costs: { ...RECOMMENDED_COSTS, gasTokenOracle: "WETH" },
  });
  if (!deployed.timelock) throw new Error("the default deployment has a timelock");
  await depositUsdc(market, deployed.vault, bob, 500_000);
  return {
    market,
    ...deployed,
    timelock: deployed.timelock,
    vaultAddress: await deployed.vault.getAddress(),
    deployer,
    alice,
    bob,
    stranger,
  };
}

/** Runs a task with console.log captured: what it returns and what it printed. */
export async function runTask<T>(name: string, args: Record<string, unknown>): Promise<{ result: T; output: string }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...parts: unknown[]) => {
    lines.push(parts.map(String).join(" "));
  };
  try {
    const result = (await hre.run(name, args)) as T;
    return { result, output: lines.join("\n") };
  } finally {
    console.log = original;
  }
}

/**
 * Expects a task to refuse with a message matching `pattern`, reported as a Hardhat plugin error
 * (printed without a stack trace), and to print nothing.
 */
export async function expectTaskError(name: string, args: Record<string, unknown>, pattern: RegExp): Promise<void> {
  let failure: unknown;
  try {
    await runTask(name, args);
  } catch (error) {
    failure = error;
  }
  expect(failure, `${name} should have failed`).to.be.instanceOf(Error);
  const error = failure as Error & { pluginName?: string };
  expect(error.message).to.match(pattern);
  expect(error.pluginName, `${name}: ${error.message}`).to.equal("ballast");
}
