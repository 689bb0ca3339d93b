import { MaxUint256 } from "ethers";
import type { ContractTransactionResponse, Signer } from "ethers";
import { network } from "hardhat";

import { sqrtPriceX96FromPrices } from "../../src/market";
import type { LocalMarket, MarketPool } from "../../src/market";
import { assetRoutes } from "../../src/vault";
import type { BallastVault } from "../../typechain-types";

import type { SwappedEvent } from "./vault";

/*
 * Profit-and-loss accounting for attack tests: what an attacker put in and took out (every token,
 * valued at the oracle prices of the moment, in base-asset units), what the vault's other holders'
 * shares are worth before and after (at the same prices), and the attacker's own pool trades.
 */

/** Oracle (feed) value of `amount` raw units of `symbol`, in USDC units; `amount` may be negative. */
export async function oracleValue(market: LocalMarket, symbol: string, amount: bigint): Promise<bigint> {
  const token = market.token(symbol);
  const usdc = market.token("USDC");
  const [, answer] = await token.feed.latestRoundData();
  const [, base] = await usdc.feed.latestRoundData();
  return (amount * answer * 10n ** BigInt(usdc.decimals)) / (10n ** BigInt(token.decimals) * base);
}

/** The market symbols of a vault's basket, in basket order. */
export async function basketSymbols(market: LocalMarket, vault: BallastVault): Promise<string[]> {
  const tokens = await vault.basketTokens();
  return tokens.map((address) => {
    const token = market.tokens.find((t) => t.address === address);
    if (!token) throw new Error(`basket token ${address} is not in the market`);
    return token.symbol;
  });
}

/** What a vault holds and the shares that claim it: enough to value any shares at any prices. */
export interface VaultState {
  balances: Map<string, bigint>;
  /** Minted shares plus the management fee's pending ones. */
  supply: bigint;
}

export async function vaultState(market: LocalMarket, vault: BallastVault): Promise<VaultState> {
  const balances = new Map<string, bigint>();
  for (const symbol of await basketSymbols(market, vault)) {
    balances.set(symbol, await market.token(symbol).contract.balanceOf(vault));
  }
  return { balances, supply: (await vault.totalSupply()) + (await vault.pendingFeeShares()) };
}

/** Value now (USDC units) of `shares`' pro-rata claim on every balance of `state`, each asset at its oracle price times its factor in `factors` (1 where absent: a market off the feeds). */
export async function stateValue(
  market: LocalMarket,
  state: VaultState,
  shares: bigint,
  factors: Readonly<Record<string, number>> = {},
): Promise<bigint> {
  if (state.supply === 0n) return 0n;
  let total = 0n;
  for (const [symbol, balance] of state.balances) {
    const value = await oracleValue(market, symbol, balance);
    total += factors[symbol] === undefined ? value : (value * scaled(factors[symbol])) / 10n ** 9n;
  }
  return (total * shares) / state.supply;
}

/** A price factor as a 1e9 fixed-point integer. */
function scaled(factor: number): bigint {
  if (!(factor > 0) || !Number.isFinite(factor)) throw new Error(`price factor ${factor} must be positive`);
  return BigInt(Math.round(factor * 1e9));
}

/**
 * The square-root price at which `pool` prices each token at its feed answer times its factor in
 * `factors` (1 where absent): `{ WETH: 1.005 }` is WETH 0.5% above its feed.
 */
export async function sqrtPriceAt(pool: MarketPool, factors: Readonly<Record<string, number>> = {}): Promise<bigint> {
  const [, answer0] = await pool.token0.feed.latestRoundData();
  const [, answer1] = await pool.token1.feed.latestRoundData();
  return sqrtPriceX96FromPrices(
    answer0 * scaled(factors[pool.token0.symbol] ?? 1),
    pool.token0.decimals,
    answer1 * scaled(factors[pool.token1.symbol] ?? 1),
    pool.token1.decimals,
  );
}

/** The market's pools between two of `symbols`. */
export function poolsAmong(market: LocalMarket, symbols: readonly string[]): MarketPool[] {
  return market.pools.filter((p) => symbols.includes(p.token0.symbol) && symbols.includes(p.token1.symbol));
}

/**
 * The market (its arbitrageur, not the attacker) trades every pool between two of `symbols` to the
 * feeds times `factors`: `{ WETH: 1.005 }` puts WETH 0.5% above its feed in every pool, the
 * others at their feeds (no arbitrage left between the pools).
 */
export async function moveMarket(
  market: LocalMarket,
  symbols: readonly string[],
  factors: Readonly<Record<string, number>>,
): Promise<void> {
  for (const pool of poolsAmong(market, symbols)) {
    const f0 = factors[pool.token0.symbol] ?? 1;
    const f1 = factors[pool.token1.symbol] ?? 1;
    const [, a0] = await pool.token0.feed.latestRoundData();
    const [, a1] = await pool.token1.feed.latestRoundData();
    // A number: movePoolPrice writes it with 18 decimals (a 15-digit string of a price below 1e-3
    // would need more).
    const price = (Number(a0) * f0) / (Number(a1) * f1);
    await market.movePoolPrice(pool, pool.token0.symbol, price);
  }
}

/** Options of a pool push sent without waiting (for several transactions in one block). */
export interface SendOptions {
  /** Direction of the swap; read from the pool's current price when absent. */
  zeroForOne?: boolean;
  gasLimit?: bigint;
  maxPriorityFeePerGas?: bigint;
  maxFeePerGas?: bigint;
}

/**
 * An attacker with its own account: it is funded up front, then everything it does (pool pushes
 * through SwapRouter, vault entries and exits, in-kind legs sold at the market) shows in its token
 * balances; {@link pnl} values the change since {@link start} at the oracle prices of the moment.
 */
export class Attacker {
  private readonly initial = new Map<string, bigint>();

  private constructor(
    readonly market: LocalMarket,
    readonly signer: Signer,
    readonly address: string,
    readonly symbols: readonly string[],
  ) {}

  /** Funds `signer` with `funding` (raw units), approves the router and `spenders`, then starts counting. */
  static async create(
    market: LocalMarket,
    signer: Signer,
    symbols: readonly string[],
    funding: Readonly<Record<string, bigint>>,
    spenders: readonly { getAddress(): Promise<string> }[] = [],
  ): Promise<Attacker> {
    const address = await signer.getAddress();
    const attacker = new Attacker(market, signer, address, symbols);
    const router = await market.router.getAddress();
    for (const symbol of symbols) {
      await market.fund(address, symbol, funding[symbol] ?? 0n);
      const token = market.token(symbol).contract.connect(signer);
      for (const spender of [router, ...(await Promise.all(spenders.map((s) => s.getAddress())))]) {
        await (await token.approve(spender, MaxUint256)).wait();
      }
    }
    await attacker.start();
    return attacker;
  }

  /** Starts (or restarts) the count from the current balances. */
  async start(): Promise<void> {
    for (const symbol of this.symbols) this.initial.set(symbol, await this.balance(symbol));
  }

  async balance(symbol: string): Promise<bigint> {
    return this.market.token(symbol).contract.balanceOf(this.address);
  }

  /** Raw change of each token balance since {@link start}. */
  async deltas(): Promise<Map<string, bigint>> {
    const deltas = new Map<string, bigint>();
    for (const symbol of this.symbols) deltas.set(symbol, (await this.balance(symbol)) - this.initial.get(symbol)!);
    return deltas;
  }

  /**
   * Profit at the oracle prices of the moment, in USDC units: the change of every token balance,
   * plus, when `vault` is given, the pro-rata oracle value of the vault shares it still holds (a
   * step the vault refused leaves the attacker with what it has).
   */
  async pnl(vault?: BallastVault): Promise<bigint> {
    let total = 0n;
    for (const [symbol, delta] of await this.deltas()) total += await oracleValue(this.market, symbol, delta);
    if (vault) {
      const shares = await vault.balanceOf(this.address);
      if (shares > 0n) total += await stateValue(this.market, await vaultState(this.market, vault), shares);
    }
    return total;
  }

  /**
   * Sends (does not wait for) a swap through `pool` that stops at `sqrtTarget`, paid from the
   * attacker's own balance. With automining on, await `.wait()` on the result.
   */
  async pushTx(pool: MarketPool, sqrtTarget: bigint, options: SendOptions = {}): Promise<ContractTransactionResponse> {
    const zeroForOne = options.zeroForOne ?? sqrtTarget < (await pool.contract.slot0())[0];
    const [tokenIn, tokenOut] = zeroForOne ? [pool.token0, pool.token1] : [pool.token1, pool.token0];
    const { gasLimit, maxPriorityFeePerGas, maxFeePerGas } = options;
    const overrides = Object.fromEntries(
      Object.entries({ gasLimit, maxPriorityFeePerGas, maxFeePerGas }).filter(([, v]) => v !== undefined),
    );
    return this.market.router.connect(this.signer).exactInputSingle(
      {
        tokenIn: tokenIn.address,
        tokenOut: tokenOut.address,
        fee: pool.fee,
        recipient: this.address,
        deadline: MaxUint256,
        // The pool takes only what reaching the limit costs.
        amountIn: await tokenIn.contract.balanceOf(this.address),
        amountOutMinimum: 0,
        sqrtPriceLimitX96: sqrtTarget,
      },
      overrides,
    );
  }

  /** Trades `pool` to its feeds times `factors` (to the feeds when `factors` is empty), in its own block. */
  async push(pool: MarketPool, factors: Readonly<Record<string, number>> = {}): Promise<void> {
    const target = await sqrtPriceAt(pool, factors);
    if (target === (await pool.contract.slot0())[0]) return;
    await (await this.pushTx(pool, target)).wait();
  }

  /** Sells what it received (since {@link start}) of each of `symbols` at the market, along `vault`'s sell routes. */
  async sellAtMarket(vault: BallastVault, symbols: readonly string[]): Promise<void> {
    const deltas = await this.deltas();
    for (const symbol of symbols) {
      const [sellRoute] = await assetRoutes(vault, this.market.token(symbol).address);
      await this.sell(symbol, deltas.get(symbol) ?? 0n, sellRoute);
    }
  }

  /** Sells `amount` of `symbol` at the market along `path` (a Uniswap V3 path ending in USDC). */
  async sell(symbol: string, amount: bigint, path: string): Promise<void> {
    if (amount === 0n) return;
    if (symbol === "USDC") return;
    await (
      await this.market.router.connect(this.signer).exactInput({
        path,
        recipient: this.address,
        deadline: MaxUint256,
        amountIn: amount,
        amountOutMinimum: 0,
      })
    ).wait();
  }
}

/**
 * Runs `send` with automining off, then mines everything it sent in one block (in the order of
 * the priority fees given, highest first) and turns automining back on.
 */
export async function inOneBlock<T>(send: () => Promise<T>): Promise<T> {
  await network.provider.send("evm_setAutomine", [false]);
  try {
    const sent = await send();
    await network.provider.send("evm_mine", []);
    return sent;
  } finally {
    await network.provider.send("evm_setAutomine", [true]);
  }
}

/** Outcome of a step the fixed vault may refuse: the error's message, or undefined when it went through. */
export async function attempt(step: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await step();
    return undefined;
  } catch (error) {
    const message = (error as Error).message;
    // Only a revert is a legitimate refusal; anything else is a broken test.
    if (!/revert|Too little received|Too much requested|custom error/i.test(message)) throw error;
    return shortReason(message);
  }
}

/** The revert reason or custom error of an error message, shortened for a table. */
export function shortReason(message: string): string {
  const match = /reverted with (?:reason string |custom error )?'?([^']*)'?/.exec(message);
  return (match?.[1] ?? message).slice(0, 60);
}

/**
 * The cost of a rebalance's legs as Uniswap's QuoterV2 quotes them on the pools of block
 * `blockTag` (before any manipulation), at the vault's own routes: the oracle value of what each leg
 * puts in less that of what the quote says it would get. Also returns the legs' traded value.
 */
export async function quotedCost(
  market: LocalMarket,
  vault: BallastVault,
  swaps: readonly SwappedEvent[],
  blockTag: number,
): Promise<{ cost: bigint; traded: bigint }> {
  const base = market.token("USDC").address;
  const symbolOf = (address: string) => market.tokens.find((t) => t.address === address)!.symbol;
  let cost = 0n;
  let traded = 0n;
  for (const swap of swaps) {
    const buying = swap.tokenIn === base;
    const [sellRoute, buyRoute] = await assetRoutes(vault, buying ? swap.tokenOut : swap.tokenIn);
    const [quoted] = await market.quoter.quoteExactInput.staticCall(buying ? buyRoute : sellRoute, swap.amountIn, {
      blockTag,
    });
    const valueIn = await oracleValue(market, symbolOf(swap.tokenIn), swap.amountIn);
    cost += valueIn - (await oracleValue(market, symbolOf(swap.tokenOut), quoted));
    traded += valueIn;
  }
  return { cost, traded };
}

/** USDC units as dollars with cents, for tables. */
export function usd(amount: bigint): string {
  const sign = amount < 0n ? "-" : "";
  const abs = amount < 0n ? -amount : amount;
  return `${sign}$${(abs / 1_000_000n).toLocaleString("en-US")}.${(abs % 1_000_000n).toString().padStart(6, "0").slice(0, 2)}`;
}

/** Prints measured rows as a table under a title (the numbers quoted in the threat model). */
export function printTable(title: string, rows: readonly Record<string, unknown>[]): void {
  console.log(`\n    ${title}`);
  console.table(rows);
}

/**
 * The market's liquidity provider withdraws `fractionBps` of each of its positions in `pool`
 * through the NonfungiblePositionManager and collects the tokens. Positions are read from the
 * chain, not from the market object, which fixtures do not restore.
 */
export async function pullLiquidity(market: LocalMarket, pool: MarketPool, fractionBps: number): Promise<void> {
  const lp = market.liquidityProvider;
  const npm = market.positionManager.connect(lp);
  const count = await npm.balanceOf(lp.address);
  for (let i = 0n; i < count; i++) {
    const tokenId = await npm.tokenOfOwnerByIndex(lp.address, i);
    const position = await npm.positions(tokenId);
    if (position.token0 !== pool.token0.address || position.token1 !== pool.token1.address) continue;
    if (Number(position.fee) !== pool.fee) continue;
    const liquidity = (position.liquidity * BigInt(fractionBps)) / 10_000n;
    if (liquidity === 0n) continue;
    await (
      await npm.decreaseLiquidity({ tokenId, liquidity, amount0Min: 0, amount1Min: 0, deadline: MaxUint256 })
    ).wait();
    const max = 2n ** 128n - 1n;
    await (await npm.collect({ tokenId, recipient: lp.address, amount0Max: max, amount1Max: max })).wait();
  }
}
