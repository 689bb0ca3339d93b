/** BallastRebalancer.rebalanceStatus: the status, the plan a rebalance would execute, and the cost gate's verdict. */
import { Status } from "../../vault/enums";
import type { StatusCode } from "../../vault/enums";
import { assessWithReward, minLegValue, quoteTrades, REWARD_OFF } from "./costGate";
import type { CostParams, CostVerdict, HopState, RewardParams } from "./costGate";
import { plan } from "./planner";
import type { Plan, RebalanceParams } from "./planner";
import { evaluate, usableBand } from "./triggers";
import type { TriggerParams } from "./triggers";
import { maxDrift, valuationAt } from "./valuation";
import type { Valuation } from "./valuation";
import { effectiveTriggerBand } from "./volatility";
import type { VolatilityParams } from "./volatility";

/** Everything `rebalanceStatus()` reads, as plain values. */
export interface VaultSnapshot {
  balances: readonly bigint[];
  pricesWad: readonly bigint[];
  units: readonly bigint[];
  targets: readonly bigint[];
  params: RebalanceParams;
  triggers: TriggerParams;
  volatility: VolatilityParams;
  /** The policy's variance estimate for the vault (`variances(vault)`), base first. */
  variances: readonly bigint[];
  costs: CostParams;
  /** The rebalancer's keeper reward (default: off). */
  reward?: RewardParams;
  lastRebalance: bigint;
  now: bigint;
  paused?: boolean;
  basefeeWei?: bigint;
}

export interface StatusResult {
  status: StatusCode;
  driftBps: bigint;
  targetBandBps: bigint;
  effectiveTriggerBandBps: bigint;
  valuation: Valuation;
  /** The plan at the usable band (computed whenever the status is due or uneconomic). */
  plan?: Plan;
  cost?: CostVerdict;
}

/**
 * BallastRebalancer.rebalanceStatus, and the plan `rebalance()` would execute now. `hops` gives the
 * pool state of each asset's sell (true) or buy route, for the cost gate; `shortcut(i, o)` that of
 * the shortcut from asset i's sell route to asset o's buy route, undefined where they meet only at
 * the base (everywhere, by default).
 */
export function rebalanceStatus(
  s: VaultSnapshot,
  hops: (i: number, sell: boolean) => readonly HopState[] = () => [],
  shortcut?: (i: number, o: number) => readonly HopState[] | undefined,
): StatusResult {
  const v = valuationAt(s.balances, s.pricesWad, s.units, s.targets);
  const effective = effectiveTriggerBand(s.triggers, s.volatility, s.variances);
  if (!v.valid)
    return {
      status: Status.PriceUnavailable,
      driftBps: 0n,
      targetBandBps: 0n,
      effectiveTriggerBandBps: effective,
      valuation: v,
    };
  const driftBps = maxDrift(v);
  if (s.paused)
    return { status: Status.Paused, driftBps, targetBandBps: 0n, effectiveTriggerBandBps: effective, valuation: v };
  const e = evaluate(s.triggers, effective, s.lastRebalance, s.now, driftBps);
  const band = usableBand(e.targetBandBps, effective, s.units.length);
  const result: StatusResult = {
    status: e.status,
    driftBps,
    targetBandBps: band,
    effectiveTriggerBandBps: effective,
    valuation: v,
  };
  if (e.status === Status.Due || e.status === Status.DueByCalendar) {
    // BallastRebalancer._planAt: trades too small to pay for their leg left out.
    const gas = { basefeeWei: s.basefeeWei ?? 0n, basePriceWad: v.prices[0], baseUnit: v.units[0] };
    const legFloor = minLegValue(s.costs, gas);
    const params = legFloor > s.params.minTradeValue ? { ...s.params, minTradeValue: legFloor } : s.params;
    const pl = plan(v, params, band, (i, o) => shortcut?.(i, o) !== undefined);
    result.plan = pl;
    // IBallastPolicy.costGateActive: only an active gate is asked (and can refuse).
    const gateActive = s.costs.maxCostRatioBps !== 0n || s.costs.gasTokenPriceWad !== undefined;
    if (!gateActive) return result;
    result.cost = assessWithReward(s.costs, s.reward ?? REWARD_OFF, {
      ...gas,
      nav: v.nav,
      driftRemovedBps: pl.driftRemovedBps,
      trades: quoteTrades(pl, hops, (i, o) => shortcut?.(i, o) ?? []),
    });
    if (!result.cost.worthIt) result.status = Status.Uneconomic;
  }
  return result;
}
