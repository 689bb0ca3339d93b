/**
 * The keepers' part of the report, shared by the console (report.ts) and the HTML page (chart.ts):
 * how each rebalance was called, and each keeper's calls, gas and rewards. Pure TypeScript.
 */
import { usd } from "./format";
import type { RebalanceRecord, ScenarioSummary } from "./types";

/** How a rebalance was called: the keeper's own plan, or the rebalancer's on-chain plan. */
export function callName(record: RebalanceRecord): string {
  return record.call === "rebalancePlan" ? "own plan" : "rebalance()";
}

/** The keeper table's rows: each keeper's calls, gas, rewards and net. */
export function keeperRows(summary: ScenarioSummary): string[][] {
  return summary.keepers.map((k) => [
    k.keeper,
    k.address,
    String(k.rebalances),
    String(k.plans),
    String(k.trades),
    k.gasUsed.toLocaleString("en-US"),
    usd(k.gasCostUsd, 2),
    usd(k.rewardsUsd, 2),
    usd(k.netUsd, 2),
  ]);
}

export const KEEPER_HEADERS = [
  "keeper",
  "address",
  "rebalances",
  "own plans",
  "trades",
  "gas",
  "gas $",
  "rewards",
  "rewards - gas",
] as const;
