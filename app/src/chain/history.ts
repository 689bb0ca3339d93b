/**
 * The vault's past: its rebalances with their trades (the vault's events: it executes the trades
 * whoever decided them), the share price sampled from past blocks, and the breaker's trips,
 * refusals and resets (the breakers' events, which name the rebalancer they keep the record for).
 */
import { zeroPadValue } from "ethers";
import type { Log, Provider } from "ethers";

import { breakersInterface, vaultAt, vaultInterface } from "./contracts";
import type { SymbolOf } from "./vault";

/** How far back a live chain is searched: public nodes cap log ranges; a local chain has few blocks. */
const LOG_WINDOW = 50_000;

export interface Trade {
  tokenIn: string;
  tokenOut: string;
  amountIn: bigint;
  amountOut: bigint;
}

export interface RebalanceRecord {
  block: number;
  hash: string;
  navBefore: bigint;
  navAfter: bigint;
  driftBeforeBps: bigint;
  driftAfterBps: bigint;
  trades: Trade[];
}

export interface PricePoint {
  block: number;
  timestamp: number;
  /** Base-asset units per whole share. */
  price: bigint;
}

export interface BreakerEvent {
  block: number;
  hash: string;
  kind: "tripped" | "refused" | "reset";
  reason?: bigint;
  index?: bigint;
  byGovernance?: boolean;
}

function fromBlockOf(latest: number): number {
  return Math.max(0, latest - LOG_WINDOW);
}

export async function loadRebalances(provider: Provider, vault: string, latest: number): Promise<RebalanceRecord[]> {
  const rebalanced = vaultInterface.getEvent("Rebalanced");
  const swapped = vaultInterface.getEvent("Swapped");
  if (!rebalanced || !swapped) return [];
  const fromBlock = fromBlockOf(latest);
  const [rebalances, swaps] = await Promise.all([
    provider.getLogs({ address: vault, topics: [rebalanced.topicHash], fromBlock, toBlock: latest }),
    provider.getLogs({ address: vault, topics: [swapped.topicHash], fromBlock, toBlock: latest }),
  ]);
  const tradesByTx = new Map<string, Trade[]>();
  for (const log of swaps) {
    const parsed = vaultInterface.parseLog(log);
    if (!parsed) continue;
    const list = tradesByTx.get(log.transactionHash) ?? [];
    list.push({
      tokenIn: parsed.args.tokenIn as string,
      tokenOut: parsed.args.tokenOut as string,
      amountIn: parsed.args.amountIn as bigint,
      amountOut: parsed.args.amountOut as bigint,
    });
    tradesByTx.set(log.transactionHash, list);
  }
  return rebalances
    .map((log: Log) => {
      const args = vaultInterface.parseLog(log)?.args;
      return {
        block: log.blockNumber,
        hash: log.transactionHash,
        navBefore: args?.navBefore as bigint,
        navAfter: args?.navAfter as bigint,
        driftBeforeBps: args?.driftBeforeBps as bigint,
        driftAfterBps: args?.driftAfterBps as bigint,
        trades: tradesByTx.get(log.transactionHash) ?? [],
      };
    })
    .reverse()
    .slice(0, 10);
}

/**
 * The share price at `samples` blocks spread evenly up to `latest` (historical `eth_call`s; a node
 * that pruned old state answers fewer points, which the chart simply skips).
 */
export async function loadSharePrices(
  provider: Provider,
  vault: string,
  decimals: number,
  latest: number,
  samples = 16,
): Promise<PricePoint[]> {
  const contract = vaultAt(vault, provider);
  const first = fromBlockOf(latest);
  const step = Math.max(1, Math.floor((latest - first) / (samples - 1)));
  const blocks: number[] = [];
  for (let block = latest; block >= first && blocks.length < samples; block -= step) blocks.unshift(block);
  const points = await Promise.all(
    blocks.map(async (block): Promise<PricePoint | undefined> => {
      try {
        const [price, header] = await Promise.all([
          contract.convertToAssets(10n ** BigInt(decimals), { blockTag: block }),
          provider.getBlock(block),
        ]);
        return { block, timestamp: header?.timestamp ?? 0, price };
      } catch {
        return undefined; // not deployed yet at that block, or pruned
      }
    }),
  );
  return points.filter((p): p is PricePoint => p !== undefined);
}

/** The breaker's trips, refusals and resets that `breakers` recorded for `rebalancer`, newest first. */
export async function loadBreakerHistory(
  provider: Provider,
  breakers: string,
  rebalancer: string,
  latest: number,
): Promise<BreakerEvent[]> {
  const names = ["BreakerTripped", "TradingRefused", "BreakerReset"] as const;
  const topics = names.map((name) => breakersInterface.getEvent(name)?.topicHash ?? "");
  const rebalancerTopic = zeroPadValue(rebalancer, 32);
  const logs = await provider.getLogs({
    address: breakers,
    topics: [topics, rebalancerTopic],
    fromBlock: fromBlockOf(latest),
    toBlock: latest,
  });
  return logs
    .map((log): BreakerEvent | undefined => {
      const parsed = breakersInterface.parseLog(log);
      if (!parsed) return undefined;
      const base = { block: log.blockNumber, hash: log.transactionHash };
      if (parsed.name === "BreakerReset")
        return { ...base, kind: "reset", byGovernance: parsed.args.byGovernance as boolean };
      return {
        ...base,
        kind: parsed.name === "BreakerTripped" ? "tripped" : "refused",
        reason: parsed.args.reason as bigint,
        index: parsed.args.index as bigint,
      };
    })
    .filter((e): e is BreakerEvent => e !== undefined)
    .reverse();
}

/** A trade in words: "WETH 1.5 -> USDC 4,500". */
export function tradeSymbols(trade: Trade, symbolOf: SymbolOf): { from: string; to: string } {
  return { from: symbolOf(trade.tokenIn) ?? trade.tokenIn, to: symbolOf(trade.tokenOut) ?? trade.tokenOut };
}
