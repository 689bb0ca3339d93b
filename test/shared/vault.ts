import { time } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256, parseUnits } from "ethers";
import type { ContractTransactionResponse, Signer } from "ethers";

import type { LocalMarket } from "../../src/market";
import { STATUS_NAMES } from "../../src/vault/enums";
import {
  BallastPolicy__factory,
  BallastRebalancer__factory,
  BallastVault__factory,
  BasketAdmin__factory,
  FeeMath__factory,
  VaultLogic__factory,
} from "../../typechain-types";
import type { BallastRebalancer, BallastVault } from "../../typechain-types";

import { bigintValues } from "./enums";

/**
 * A BallastVault factory linked to freshly deployed BasketAdmin, VaultLogic and FeeMath libraries,
 * for tests of the constructor's refusals; a working vault comes from `deployVault` (the Ballast
 * Ignition module).
 */
export async function vaultFactory(deployer: Signer): Promise<BallastVault__factory> {
  const basketAdmin = await new BasketAdmin__factory(deployer).deploy();
  const vaultLogic = await new VaultLogic__factory(deployer).deploy();
  const feeMath = await new FeeMath__factory(deployer).deploy();
  return new BallastVault__factory(
    {
      "contracts/libraries/BasketAdmin.sol:BasketAdmin": await basketAdmin.getAddress(),
      "contracts/libraries/FeeMath.sol:FeeMath": await feeMath.getAddress(),
      "contracts/libraries/VaultLogic.sol:VaultLogic": await vaultLogic.getAddress(),
    },
    deployer,
  );
}

/** Funds `user` with `usd` whole USDC, approves the vault and deposits it all. */
export async function depositUsdc(
  market: LocalMarket,
  vault: BallastVault,
  user: Signer,
  usd: number,
): Promise<bigint> {
  const amount = parseUnits(String(usd), market.token("USDC").decimals);
  const address = await user.getAddress();
  await market.fund(address, "USDC", amount);
  await market.token("USDC").contract.connect(user).approve(vault, MaxUint256);
  await vault.connect(user).deposit(amount, address);
  return amount;
}

/** The vault's rebalancer, sending as the vault's runner does. */
export async function rebalancerOf(vault: BallastVault): Promise<BallastRebalancer> {
  return BallastRebalancer__factory.connect(await vault.rebalancer(), vault.runner);
}

/** Policy statuses (IBallastPolicy.Status) as the rebalancer returns them. */
export const Status = bigintValues(STATUS_NAMES);

/**
 * Calls the rebalancer's `rebalance()` while it says one is due, waiting out the cooldown as a keeper would
 * and with arbitrageurs realigning every pool to the feeds between calls (as they do on mainnet
 * within blocks). Returns the number of calls that traded.
 */
export async function rebalanceUntilSettled(market: LocalMarket, vault: BallastVault, maxCalls = 8): Promise<number> {
  const rebalancer = await rebalancerOf(vault);
  const policy = BallastPolicy__factory.connect(await rebalancer.policy(), vault.runner);
  for (let calls = 0; calls < maxCalls; calls++) {
    let [status] = await rebalancer.rebalanceStatus();
    if (status === Status.Cooldown) {
      await time.increase((await policy.triggerParams()).cooldown);
      [status] = await rebalancer.rebalanceStatus();
    }
    if (status !== Status.Due && status !== Status.DueByCalendar) return calls;
    await (await rebalancer.rebalance()).wait();
    await market.alignAllPools();
  }
  throw new Error(`still drifting after ${maxCalls} rebalances: ${await rebalancer.maxDrift()} bps`);
}

/** The vault's oracle NAV recomputed off-chain from feed answers (each asset rounded down). */
export async function oracleNav(market: LocalMarket, vault: BallastVault): Promise<bigint> {
  const tokens = await vault.basketTokens();
  const usdc = market.tokens.find((t) => t.address === tokens[0]);
  if (!usdc) throw new Error("base asset not in market");
  const [, basePrice] = await usdc.feed.latestRoundData();
  let nav = 0n;
  for (const address of tokens) {
    const token = market.tokens.find((t) => t.address === address);
    if (!token) throw new Error(`token ${address} not in market`);
    const balance = await token.contract.balanceOf(vault);
    if (token === usdc) {
      nav += balance;
      continue;
    }
    const [, price] = await token.feed.latestRoundData();
    nav += (balance * price * 10n ** BigInt(usdc.decimals)) / (10n ** BigInt(token.decimals) * basePrice);
  }
  return nav;
}

export interface SwappedEvent {
  tokenIn: string;
  tokenOut: string;
  amountIn: bigint;
  amountOut: bigint;
  minAmountOut: bigint;
}

/** The Swapped events of a mined vault transaction, in order. */
export async function swapsOf(
  vault: BallastVault,
  sent: Promise<ContractTransactionResponse>,
): Promise<SwappedEvent[]> {
  const receipt = await (await sent).wait();
  if (!receipt) throw new Error("transaction was not mined");
  const events = await vault.queryFilter(vault.filters.Swapped, receipt.blockNumber, receipt.blockNumber);
  return events
    .filter((event) => event.transactionHash === receipt.hash)
    .map(({ args }) => ({
      tokenIn: args.tokenIn,
      tokenOut: args.tokenOut,
      amountIn: args.amountIn,
      amountOut: args.amountOut,
      minAmountOut: args.minAmountOut,
    }));
}
