/**
 * The floors `npm run bench` measures Ballast against, each a contract compiled for the benchmark
 * only (contracts/bench): the valuation ({ValuationFloor}), the legs swapped directly on the pools
 * ({DirectSwapper}, driven from scripts/bench.ts) and the work a rebalance that protects holders
 * must add to both, and a keeper's check of it ({RebalanceWorkFloor}); and the gas arithmetic every
 * measurement shares.
 */
import type { ContractTransactionResponse } from "ethers";
import { ethers } from "hardhat";
import { ZeroAddress } from "ethers";

import type { LocalMarket } from "../src/market";
import type { BasketEntry } from "../src/vault";
import { IBallastOracle__factory, RebalanceWorkFloor__factory, ValuationFloor__factory } from "../typechain-types";
import type { BallastVault } from "../typechain-types";

/** The intrinsic gas of a transaction. */
export const TX_BASE = 21_000n;

async function gasOf(sent: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await sent).wait();
  if (!receipt) throw new Error("transaction was not mined");
  return receipt.gasUsed;
}

/** What a transaction's calldata costs: 16 gas a non-zero byte, 4 a zero byte. */
export function calldataGas(data: string): number {
  const bytes = Buffer.from(data.slice(2), "hex");
  return bytes.reduce((sum, byte) => sum + (byte === 0 ? 4 : 16), 0);
}

/** Execution gas of a call inside a transaction: the receipt's less the intrinsic 21k. */
export async function callGas(sent: Promise<ContractTransactionResponse>): Promise<number> {
  return Number((await gasOf(sent)) - TX_BASE);
}

/**
 * The cold-state floors of valuing `vault`'s basket in one call: {ValuationFloor} over the vault's
 * oracles and tokens (token and oracle from storage, the price as the vault reads it, the balance)
 * less the same contract over an empty basket, which cancels the call's fixed costs; and what
 * reading each asset's first pool adds to that (its address computed from the fee and quote token
 * kept in the asset's slots, its price and liquidity): the floor of pricing entries and exits
 * against the market.
 */
export async function valuationFloors(
  market: LocalMarket,
  vault: BallastVault,
  basket: readonly BasketEntry[],
): Promise<{ valuation: number; pools: number }> {
  const { empty, full } = await floorContracts(market, vault, basket);
  const holder = await vault.getAddress();
  const valuation = (await callGas(full.value(holder))) - (await callGas(empty.value(holder)));
  return { valuation, pools: (await callGas(full.valueWithPools(holder))) - (await callGas(full.value(holder))) };
}

/** {ValuationFloor} over `vault`'s oracles, tokens and first pools (`full`) and over none (`empty`). */
export async function floorContracts(market: LocalMarket, vault: BallastVault, basket: readonly BasketEntry[]) {
  const factory = new ValuationFloor__factory(market.deployer);
  const symbols = basket.map((entry) => entry.symbol);
  // Each asset's first pool: the first hop of its route, against the basket token it leads to.
  const fees = basket.map(({ route }) => (route ? Number(route[1]) : 0));
  const quotes = basket.map(({ route }) => (route ? symbols.indexOf(String(route[2])) : -1));
  const empty = await factory.deploy([], [], ZeroAddress, [], []);
  const noPool = Number(await empty.NO_POOL());
  const full = await factory.deploy(
    [...(await vault.oracles())],
    [...(await vault.basketTokens())],
    await market.factory.getAddress(),
    fees,
    quotes.map((q) => (q < 0 ? noPool : q)),
  );
  return { empty, full };
}

/**
 * {RebalanceWorkFloor} as `vault` stands: {ValuationFloor} over its basket, the records as its last
 * prices, and one unit of every basket token held (as {DirectSwapper} does) plus each leg's input.
 */
async function workFloor(
  market: LocalMarket,
  vault: BallastVault,
  basket: readonly BasketEntry[],
  legs: readonly { tokenIn: string; amountIn: bigint }[],
) {
  const { full: floor } = await floorContracts(market, vault, basket);
  const work = await new RebalanceWorkFloor__factory(market.deployer).deploy(await market.factory.getAddress());
  const address = await work.getAddress();
  const symbolOf = (token: string) => market.tokens.find((t) => t.address === token)!.symbol;
  const tokens = [...(await vault.basketTokens())];
  for (const token of tokens) await market.fund(address, symbolOf(token), 1n);
  for (const leg of legs) await market.fund(address, symbolOf(leg.tokenIn), leg.amountIn);
  await (await work.prime([...(await vault.lastPrices())])).wait();
  return { floor, work, tokens };
}

/** `measure` on the chain as it is, which is left as found. */
async function onSnapshot<T>(measure: () => Promise<T>): Promise<T> {
  const snapshot = (await ethers.provider.send("evm_snapshot", [])) as string;
  try {
    return await measure();
  } finally {
    await ethers.provider.send("evm_revert", [snapshot]);
  }
}

/**
 * {RebalanceWorkFloor}'s rebalance, beyond nothing ({workFloor}): it values its holdings, then
 * `routes[k]` sells `amounts[k]` (the legs `vault` traded, in order, on the pool state they saw), with
 * the records as `vault`'s before (its last prices) and after (its oracles' prices now). Its calldata
 * is taken out. The chain is left as found.
 */
export async function rebalanceWorkFloor(
  market: LocalMarket,
  vault: BallastVault,
  basket: readonly BasketEntry[],
  routes: string[],
  legs: readonly { tokenIn: string; amountIn: bigint }[],
): Promise<number> {
  return onSnapshot(async () => {
    const { floor, work, tokens } = await workFloor(market, vault, basket, legs);
    const prices = await Promise.all(
      [...(await vault.oracles())].map(
        async (o) => (await IBallastOracle__factory.connect(o, ethers.provider).tryPrice())[1],
      ),
    );
    const sent = await work.rebalance(
      floor,
      tokens,
      routes,
      legs.map((leg) => leg.amountIn),
      legs.map(() => 1n),
      prices,
    );
    return (await callGas(Promise.resolve(sent))) - calldataGas(sent.data);
  });
}

/**
 * {RebalanceWorkFloor}'s check of the same rebalance, beyond nothing ({workFloor}): the valuation,
 * the records, and each leg's route and pools read (`routes[k]`, the legs `vault` traded). Its calldata
 * is taken out. The chain is left as found.
 */
export async function checkWorkFloor(
  market: LocalMarket,
  vault: BallastVault,
  basket: readonly BasketEntry[],
  routes: string[],
): Promise<number> {
  return onSnapshot(async () => {
    const { floor, work } = await workFloor(market, vault, basket, []);
    const sent = await work.check(floor, routes);
    return (await callGas(Promise.resolve(sent))) - calldataGas(sent.data);
  });
}
