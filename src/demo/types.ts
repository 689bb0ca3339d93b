/**
 * The scenario report: everything a run recorded, in plain numbers (USD as floats, gas as integers)
 * so that it serialises to JSON as is and the chart and the console read the same object.
 * Times are hours since the scenario's start (step 0); the initial investment has negative hours.
 */
import type { RunningCost } from "../sim/runningCost";
import type { ScenarioOptions } from "./options";
import type { ScenarioName } from "./scenarios";

/** Where progress and report lines go (console.log by default; tests collect them). */
export type Logger = (line: string) => void;

export interface BasketAsset {
  symbol: string;
  decimals: number;
  targetBps: number;
}

/** The state after a step's keeper turn. */
export interface Snapshot {
  hour: number;
  /** USD feed price of every basket asset (base first). */
  prices: number[];
  /** totalAssets(), USD. */
  nav: number;
  /** Shares outstanding (whole shares). */
  supply: number;
  /** convertToAssets(1 share), USD. */
  sharePrice: number;
  /** What the buy-and-hold basket of one share is worth at the same prices, USD. */
  holdPerShare: number;
  weightsBps: number[];
  maxDriftBps: number;
  /** rebalanceStatus() after the keeper's turn, by name. */
  status: string;
  breakerTripped: boolean;
}

export interface TradeRecord {
  sell: string;
  buy: string;
  amountIn: number;
  amountOut: number;
  /** Oracle value of what was sold and bought, USD. */
  valueInUsd: number;
  valueOutUsd: number;
  /** What the trade gave up against the oracle, bps of its value (negative: better than the oracle). */
  slippageBps: number;
}

export interface RebalanceRecord {
  hour: number;
  /** "invest": putting the opening deposits to work before step 0; "scenario": during the run. */
  phase: "invest" | "scenario";
  /** The status that made the keeper call (Due or DueByCalendar). */
  reason: string;
  trades: TradeRecord[];
  navBeforeUsd: number;
  navAfterUsd: number;
  /** navBefore - navAfter at the call's oracle prices: fees, price impact, rounding. */
  costUsd: number;
  /** The pools' fees on the call's swaps (every hop's input times its fee tier), USD. */
  feesUsd: number;
  costBps: number;
  driftBeforeBps: number;
  driftAfterBps: number;
  gasUsed: number;
  gasCostUsd: number;
  /** What the vault paid the keeper for the call (RewardPaid), USD. */
  rewardUsd: number;
  /** The keeper that made the call (its name in the report's keeper table). */
  keeper: string;
  /** `rebalancePlan`: the keeper's own plan; `rebalance`: the rebalancer's on-chain plan. */
  call: "rebalance" | "rebalancePlan";
}

/** A due rebalance the cost gate refused (RebalanceSkipped): no trade, no cooldown. */
export interface SkippedRecord {
  hour: number;
  /** Cost including gas, as the gate that refused saw it. */
  costUsd: number;
  benefitUsd: number;
  /** Gas of the refused call: 0 when the keeper bot refused before sending. */
  gasUsed: number;
}

export interface BreakerEvent {
  hour: number;
  kind: "trip" | "reset";
  /** IBallastBreakers.Trip by name (for a trip). */
  reason?: string;
  /** The asset concerned (for a trip). */
  asset?: string;
}

export interface FlowRecord {
  hour: number;
  account: string;
  kind: "deposit" | "redeem" | "redeemInKind";
  /** USDC paid in or out, or the oracle value of the assets taken in kind, USD. */
  usd: number;
  shares: number;
  /** What the shares were worth at the oracle NAV just before the flow, USD. */
  valueUsd: number;
  /**
   * What the vault charged the flow, USD: for a deposit its payment less `valueUsd`; for an exit
   * `valueUsd` less what left the vault (at the oracle). The entry and exit prices' flow cost and
   * fee (BallastVault's swing pricing), left with the holders who stay; ~0 in kind.
   */
  chargeUsd: number;
  /** Swaps the vault made to pay a base-asset exit. */
  swaps: number;
  gasUsed: number;
  /** Why it failed, when it did (the vault refused it): the run goes on. */
  error?: string;
}

export interface ScenarioSummary {
  startSharePrice: number;
  endSharePrice: number;
  vaultReturnPct: number;
  holdReturnPct: number;
  /** Vault return minus buy-and-hold return, percentage points. */
  excessReturnPct: number;
  startNav: number;
  endNav: number;
  maxDrawdownPct: number;
  holdMaxDrawdownPct: number;
  rebalances: number;
  trades: number;
  skipped: number;
  /** Sum of rebalance costs (navBefore - navAfter) during the scenario, USD. */
  tradingCostUsd: number;
  /** The same costs as a drag on the share price: the sum of each rebalance's cost in % of NAV. */
  tradingCostPct: number;
  /** Keeper rewards the vault paid during the scenario, USD (part of the holders' costs). */
  rewardsUsd: number;
  /** Gas of every keeper transaction and its USD value at `gasGwei`. */
  keeperGas: number;
  keeperGasCostUsd: number;
  /** Times a pool's liquidity providers re-centred their ranges after a move. */
  liquidityRecenters: number;
  breakerTrips: number;
  breakerResets: number;
  /** Hours the breaker was tripped. */
  hoursHalted: number;
  deposits: number;
  redemptions: number;
  /** What the vault charged the flows after hour 0 (entry and exit prices), USD: the holders' income. */
  flowChargesUsd: number;
  netFlowsUsd: number;
  endMaxDriftBps: number;
  /** Mean of the largest drift over the snapshots, bps. */
  meanMaxDriftBps: number;
  /**
   * Tracking error: the RMS of weight - target over the non-base assets and over time, bps: each
   * step weighs where the last keeper's turn left the weights and where the step took them before the
   * next turn, equally (the step's average for a diffusive drift; src/sim's measure, at the steps).
   */
  trackingErrorBps: number;
  /** Trades (legs) per rebalance during the scenario. */
  legsPerRebalance: number;
  /** Rebalances during the scenario sent as the keeper's own plan (`rebalancePlan`). */
  keeperPlans: number;
  /** Each keeper: its calls, gas and rewards over the whole run (investing included). */
  keepers: KeeperSummary[];
  /** The scenario's running cost, split as the strategy lab splits it (src/sim/runningCost.ts). */
  runningCost: RunningCost;
}

/** One keeper account over the run: what it spent on gas and what the vault paid it. */
export interface KeeperSummary {
  keeper: string;
  address: string;
  /** Rebalances it made (investing included), and how many of them were its own plan. */
  rebalances: number;
  plans: number;
  trades: number;
  /** Gas of all its transactions and its USD value at `gasGwei`. */
  gasUsed: number;
  gasCostUsd: number;
  /** What the vault paid it (RewardPaid), USD. */
  rewardsUsd: number;
  /** rewardsUsd - gasCostUsd. */
  netUsd: number;
}

export interface VaultSettings {
  triggerBandBps: number;
  targetBandBps: number;
  cooldownSeconds: number;
  maxTradeBps: number;
  slippageBps: number;
  breakerMaxMoveBps: number;
  breakerOracleTwapBps: number;
  breakerSpotTwapTicks: number;
  breakerTwapWindowSeconds: number;
  breakerCooldownSeconds: number;
  /** The cost gate: max cost / benefit ratio in bps (0: off) and the benefit of 1 bp of drift removed, fraction of NAV. */
  costGateMaxRatioBps: number;
  costGateBenefitPerBp: number;
}

/** One play of an adversary (src/demo/adversaries.ts). */
export interface AdversaryAttempt {
  hour: number;
  adversary: "front-runner" | "sandwicher";
  /** What it did: "up: deposit -> redeem", "down: redeemInKind + sell -> deposit", "push 4 bp", ... */
  play: string;
  /** The edge it played for: the basket step it foresaw (front-runner) or its push (sandwicher), bps. */
  edgeBps: number;
  /** USD it put at stake: its deposit or exit, or the value of its pushes. */
  sizeUsd: number;
  /** Its profit at the oracle prices at the end of the play, every token in and out (and shares, at NAV per share), before gas, USD. */
  pnlUsd: number;
  /** The vault's refusal of a step, decoded (custom error and arguments). */
  refused?: string;
  gasUsed: number;
}

export interface AdversarySummary {
  adversary: AdversaryAttempt["adversary"];
  attempts: number;
  refusals: number;
  /** Refusals by error name. */
  refusedBy: Record<string, number>;
  pnlUsd: number;
  /** The best single play, USD. */
  bestUsd: number;
  gasUsed: number;
  gasCostUsd: number;
}

export interface AdversaryReport {
  /** How they played: sizes and pushes (the options). */
  description: string;
  attempts: AdversaryAttempt[];
  summaries: AdversarySummary[];
}

export interface ScenarioReport {
  meta: {
    name: string;
    scenario: ScenarioName;
    description: string;
    options: ScenarioOptions;
    network: string;
    /** Wall-clock seconds the run took. */
    wallTimeSeconds: number;
    createdAt: string;
    /** Chain time (unix seconds) of hour 0, the first timestamp of the prices CSV. */
    startTime?: number;
    /** Step at which the crash happened, and the hour. */
    crashHour?: number;
    crashReturnsPct?: number[];
  };
  /** The vault's rules in force (read from the chain), for the reader of the report. */
  settings: VaultSettings;
  contracts: Record<string, string>;
  basket: BasketAsset[];
  benchmark: {
    description: string;
    /** Units of each basket asset held per share from hour 0 on. */
    unitsPerShare: number[];
  };
  snapshots: Snapshot[];
  rebalances: RebalanceRecord[];
  skipped: SkippedRecord[];
  breakerEvents: BreakerEvent[];
  flows: FlowRecord[];
  summary: ScenarioSummary;
  /** The adversaries' plays and P&L; absent when they were off (`--adversaries off`). */
  adversaries?: AdversaryReport;
  /** The strategy lab replaying the run's path (src/demo/labReplay.ts); absent until `runStart` adds it. */
  lab?: LabReplay;
}

/**
 * `npm run backtest` on the prices the run's feeds published, with the run's vault and market: the
 * command line and what it measured, next to the chain's figures.
 */
export interface LabReplay {
  /** The command that replays it (`npm run backtest -- --csv ...`). */
  command: string;
  /** The prices CSV it reads, written next to the report. */
  csv: string;
  /** The flows CSV it reads (`--flows`), when the run had depositors' flows. */
  flows?: string;
  /** The lab's policy name (`vault-T-B`). */
  policy: string;
  rebalances: number;
  /** Swaps (legs) over the rebalances. */
  trades: number;
  /** Rebalances the contract would have reverted (slippage or loss bound). */
  revertedAttempts: number;
  /** Keeper checks the cost gate refused. */
  uneconomicChecks: number;
  runningCost: RunningCost;
}
