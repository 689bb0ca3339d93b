/**
 * The policies the simulator compares on the same price paths.
 *
 * - `vault`: the vault's own rules (src/sim/vaultModel, the contract mirrored exactly): trigger
 *   band, target band (band-edge when > 0, full rebalance at 0), cooldown, calendar, volatility
 *   scaling, cost gate, `maxTradeBps` cap and dust. Threshold, calendar and volatility-adjusted
 *   policies are all parameterisations of it, since that is what governance can actually set.
 * - `idealBand`: the textbook band policy the theory describes (each asset traded back to the edge
 *   of +-bandBps the moment it leaves it, in floating point, no cooldown, cap or dust): the limit
 *   the vault's hysteresis approaches, used to check the simulator against closed forms.
 * - `buyAndHold`: never trades; the benchmark of the rebalancing premium.
 * - `amm`: a constant-mix weighted pool (Balancer-style) holding the basket at its target weights,
 *   rebalanced only by arbitrageurs trading it back to market prices; its cost is what it loses to
 *   them (loss-versus-rebalancing), net of the fees they pay.
 */
import type { BreakerSpec } from "./breakers";
import { checkInteger, checkNumber, SimError } from "./errors";

/** A vault policy, in the contract's units (bps, seconds, raw base units for minTradeValue). */
export interface VaultPolicySpec {
  kind: "vault";
  name: string;
  triggerBandBps: number;
  /** Target band; the vault caps it at effectiveTriggerBand / (2 (n - 1)). */
  targetBandBps: number;
  cooldown?: number;
  calendarInterval?: number;
  /** Volatility scaling of the trigger band (IBallastPolicy.VolatilityParams); off when absent. */
  volatility?: {
    referenceVolBps: number;
    minBandBps: number;
    maxBandBps: number;
    averagingTime: number;
    minObservationInterval: number;
  };
  /** Execution bounds; missing ones take the vault defaults (src/vault defaultParams). */
  slippageBps?: number;
  maxTradeBps?: number;
  maxLossBps?: number;
  /** Dust floor in whole base tokens (default 10). */
  minTradeValueTokens?: number;
  /** Cost-efficiency gate (IBallastPolicy.CostParams); off when absent, as in deployVault. */
  costs?: { benefitPerBpWad: bigint; maxCostRatioBps: number };
  /**
   * The keeper reward (IBallastRebalancer.RewardParams, the cap in whole base tokens): the vault pays
   * the keeper its gas times 1 + premium, capped, and the gate counts the premium. Absent: the vault
   * pays the keeper's gas as it is (no premium, no cap).
   */
  reward?: { premiumBps: number; maxRewardBps: number; maxRewardTokens: number };
  /** How often a keeper checks `rebalanceStatus()`; default every step. */
  keeperIntervalSec?: number;
  /**
   * The circuit breakers (src/sim/breakers.ts): a move past `maxMoveBps` within `moveWindow` halts
   * trading, as BallastBreakers' Dislocation does, and their checks cost gas; off when absent.
   */
  breakers?: BreakerSpec;
}

export interface IdealBandSpec {
  kind: "idealBand";
  name: string;
  bandBps: number;
}

export interface BuyAndHoldSpec {
  kind: "buyAndHold";
  name: string;
}

export interface AmmSpec {
  kind: "amm";
  name: string;
  /** Swap fee, pips (3000 = 0.3%); any value in [0, 100000). */
  feePips: number;
  /** Arbitrageurs trade only for at least this profit (their gas); default 0. */
  minProfitUsd?: number;
}

export type PolicySpec = VaultPolicySpec | IdealBandSpec | BuyAndHoldSpec | AmmSpec;

/** Context a preset name is resolved in. */
export interface PresetContext {
  /** Assets in the basket, base included. */
  assets: number;
  /** Reference volatility for vol-adjusted presets, bps a year (the basket's average). */
  referenceVolBps: number;
  /** Cost gate for vault presets (RECOMMENDED_COSTS when the backtest's --gate is set). */
  costs?: { benefitPerBpWad: bigint; maxCostRatioBps: number };
  /** Keeper reward for vault presets (src/vault's recommendedReward when the backtest's --reward is set). */
  reward?: VaultPolicySpec["reward"];
  /** Circuit breakers for vault presets (src/vault's RECOMMENDED_BREAKERS when --breakers is set). */
  breakers?: BreakerSpec;
}

const DAY = 86_400;
/** src/vault DEFAULT_TRIGGERS' cooldown: ten minutes. */
export const DEFAULT_COOLDOWN = 600;
/** The gate src/vault calls RECOMMENDED_COSTS: a bp of drift worth 1e-6 of NAV, cost at most that. */
export const RECOMMENDED_GATE = { benefitPerBpWad: 10n ** 12n, maxCostRatioBps: 10_000 } as const;
/**
 * The keeper reward src/vault calls `recommendedReward` (`npm start`'s vault pays it): the gas plus
 * 20%, at most 1 bp of NAV and 100 base tokens a rebalance.
 */
export const RECOMMENDED_REWARD = { premiumBps: 2_000, maxRewardBps: 1, maxRewardTokens: 100 } as const;
/**
 * The move window of the breakers src/vault calls RECOMMENDED_BREAKERS (`npm start`'s vault has
 * them): a price moving 20% within an hour halts trading, for an hour at least.
 */
export const RECOMMENDED_MOVE_BREAKER: BreakerSpec = { maxMoveBps: 2_000, moveWindow: 3_600, cooldown: 3_600 };

/** The widest target band the vault allows with `triggerBps` and `assets` (base included). */
export function edgeBand(triggerBps: number, assets: number): number {
  return Math.floor(triggerBps / (2 * (assets - 1)));
}

/**
 * Resolves a preset name:
 *
 * | name          | policy                                                                           |
 * | ------------- | -------------------------------------------------------------------------------- |
 * | `edge-T`      | vault, trigger T bps, target band the widest allowed (T / (2 (n-1))): band-edge |
 * | `full-T`      | vault, trigger T bps, target band 0: full rebalance to target                    |
 * | `vault-T-B`   | vault, trigger T bps, target band B bps (B < T; the vault caps it as for edge-T) |
 * | `daily`, `weekly`, `monthly` | vault calendar (1, 7, 30 days), trigger band 5000 (off), target band 0 |
 * | `vol-T`       | `edge-T` with volatility scaling (reference = context, band T/2 .. 4T)           |
 * | `ideal-T`     | ideal band +-T bps, traded to the edge at once (theory)                          |
 * | `hold`        | buy and hold                                                                     |
 * | `amm`, `amm-F`| constant-mix weighted pool, fee F bps (default 30)                               |
 */
export function presetPolicy(name: string, ctx: PresetContext): PolicySpec {
  const m = /^(edge|full|vol|ideal|amm)-(\d+(?:\.\d+)?)$/.exec(name);
  const gate = {
    ...(ctx.costs ? { costs: ctx.costs } : {}),
    ...(ctx.reward ? { reward: ctx.reward } : {}),
    ...(ctx.breakers ? { breakers: ctx.breakers } : {}),
  };
  const bands = /^vault-(\d+)-(\d+)$/.exec(name);
  if (bands) {
    const trigger = checkInteger(`${name} trigger band bps`, Number(bands[1]), 1, 5_000);
    return {
      kind: "vault",
      name,
      triggerBandBps: trigger,
      targetBandBps: checkInteger(`${name} target band bps`, Number(bands[2]), 0, trigger - 1),
      cooldown: DEFAULT_COOLDOWN,
      calendarInterval: 0,
      ...gate,
    };
  }
  if (name === "hold") return { kind: "buyAndHold", name };
  if (name === "amm") return { kind: "amm", name, feePips: 3_000 };
  const calendar: Record<string, number> = { daily: DAY, weekly: 7 * DAY, monthly: 30 * DAY };
  if (calendar[name] !== undefined) {
    return {
      kind: "vault",
      name,
      triggerBandBps: 5_000,
      targetBandBps: 0,
      cooldown: 0,
      calendarInterval: calendar[name],
      ...gate,
    };
  }
  if (!m) {
    throw new SimError(
      `policy "${name}": expected edge-T, full-T, vol-T, ideal-T, vault-T-B (T, B in bps), daily, weekly, monthly, hold, amm or amm-F (F in bps)`,
    );
  }
  const x = Number(m[2]);
  if (m[1] === "amm")
    return { kind: "amm", name, feePips: Math.round(checkNumber(`${name} fee bps`, x, 0, 9_999) * 100) };
  const t = checkInteger(`${name} band bps`, x, 1, 5_000);
  if (m[1] === "ideal") return { kind: "idealBand", name, bandBps: t };
  const base: VaultPolicySpec = {
    kind: "vault",
    name,
    triggerBandBps: t,
    targetBandBps: m[1] === "full" ? 0 : Math.min(edgeBand(t, ctx.assets), t - 1),
    cooldown: DEFAULT_COOLDOWN,
    calendarInterval: 0,
    ...gate,
  };
  if (m[1] !== "vol") return base;
  return {
    ...base,
    volatility: {
      referenceVolBps: checkInteger("reference volatility bps", Math.round(ctx.referenceVolBps), 100, 50_000),
      minBandBps: Math.max(1, Math.floor(t / 2)),
      maxBandBps: Math.min(5_000, 4 * t),
      averagingTime: 3 * DAY,
      minObservationInterval: 3_600,
    },
  };
}

/** The default comparison of `npm run backtest`. */
export const DEFAULT_POLICIES = [
  "edge-100",
  "edge-200",
  "edge-400",
  "full-200",
  "daily",
  "weekly",
  "monthly",
  "vol-200",
  "hold",
  "amm",
] as const;
