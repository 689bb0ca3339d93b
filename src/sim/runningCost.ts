/**
 * The running cost of a run, one shape for the strategy lab (`npm run backtest`) and the demo
 * (`npm start`): gas (the keeper's on rebalances, on anything else, and what the vault paid the
 * keeper back) and trading (pool fees, price impact), in bp of the mean NAV over the run and per
 * year, next to the rebalancing premium against buy-and-hold.
 */
import { formatTable } from "./report";

export interface RunningCost {
  /** Span of the run, years. */
  years: number;
  /** Time-weighted mean NAV, USD. */
  meanNavUsd: number;
  /** Gas of the rebalances, USD (whoever paid it). */
  rebalanceGasUsd: number;
  /** Gas of every other keeper transaction (skipped and no-trade calls), USD. */
  otherGasUsd: number;
  /** What the vault paid for gas: the keeper reward, or the gas itself where no reward runs, USD. */
  paidByVaultUsd: number;
  feesUsd: number;
  impactUsd: number;
  /** ln(NAV / buy-and-hold) at the end, per year: the premium net of every cost the vault paid. */
  premiumPerYear: number;
}

export const RUNNING_COST_COLUMNS = [
  "",
  "gas: rebalances",
  "gas: other",
  "paid by the vault",
  "fees",
  "impact",
  "running cost",
  "holders' cost",
  "premium vs hold",
] as const;

/** Running cost (all gas and trading) and holders' cost (trading and what the vault paid), USD. */
export function totals(c: RunningCost): { runningUsd: number; holdersUsd: number } {
  const trading = c.feesUsd + c.impactUsd;
  return { runningUsd: c.rebalanceGasUsd + c.otherGasUsd + trading, holdersUsd: c.paidByVaultUsd + trading };
}

/**
 * A table of `rows` in bp of mean NAV, for the run (`per: "run"`) or per year: running cost is
 * every gas and trading cost, holders' cost what came out of the vault (trading and what it paid for
 * gas); the premium is always per year.
 */
export function runningCostRows(rows: readonly (readonly [string, RunningCost])[], per: "run" | "year"): string[][] {
  return rows.map(([label, c]) => {
    const scale = c.meanNavUsd > 0 ? 10_000 / c.meanNavUsd / (per === "year" && c.years > 0 ? c.years : 1) : 0;
    const bp = (usd: number) => (usd * scale).toFixed(1);
    const { runningUsd, holdersUsd } = totals(c);
    return [
      label,
      bp(c.rebalanceGasUsd),
      bp(c.otherGasUsd),
      bp(c.paidByVaultUsd),
      bp(c.feesUsd),
      bp(c.impactUsd),
      bp(runningUsd),
      bp(holdersUsd),
      `${(c.premiumPerYear * 10_000).toFixed(1)}/yr`,
    ];
  });
}

/** {@link runningCostRows} as a text table. */
export function runningCostTable(rows: readonly (readonly [string, RunningCost])[], per: "run" | "year"): string {
  return formatTable(RUNNING_COST_COLUMNS, runningCostRows(rows, per));
}
