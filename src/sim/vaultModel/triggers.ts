/**
 * BallastPolicy's triggers: when a rebalance is due (`evaluate`), the bounds its setters enforce, and
 * BallastRebalancer's usable band.
 */
import { Status } from "../../vault/enums";
import type { StatusCode } from "../../vault/enums";
import { SimError } from "../errors";
import { BPS, min, YEAR } from "./math";
import type { RebalanceParams } from "./planner";

/** IBallastPolicy.TriggerParams (seconds and bps). */
export interface TriggerParams {
  triggerBandBps: bigint;
  targetBandBps: bigint;
  cooldown: bigint;
  calendarInterval: bigint;
}

/** BallastPolicy._checkTriggers: the bounds setTriggerParams enforces. */
export function checkTriggers(t: TriggerParams): TriggerParams {
  if (t.triggerBandBps < 1n || t.triggerBandBps > 5_000n)
    throw new SimError(`triggerBandBps ${t.triggerBandBps} must be in [1, 5000]`);
  if (t.targetBandBps < 0n || t.targetBandBps >= t.triggerBandBps) {
    throw new SimError(
      `targetBandBps ${t.targetBandBps} must be in [0, triggerBandBps - 1 = ${t.triggerBandBps - 1n}]`,
    );
  }
  if (t.cooldown < 0n || t.cooldown > 30n * 86_400n)
    throw new SimError(`cooldown ${t.cooldown} must be in [0, 30 days]`);
  if (t.calendarInterval !== 0n && (t.calendarInterval < t.cooldown || t.calendarInterval > YEAR)) {
    throw new SimError(`calendarInterval ${t.calendarInterval} must be 0 or in [cooldown, 365 days]`);
  }
  return t;
}

/** BallastPolicy._checkRebalanceParams equivalent (BallastVault._setParams; minTradeValue unbounded here). */
export function checkRebalanceParams(p: RebalanceParams): RebalanceParams {
  if (p.slippageBps < 1n || p.slippageBps > 500n)
    throw new SimError(`slippageBps ${p.slippageBps} must be in [1, 500]`);
  if (p.maxTradeBps < 100n || p.maxTradeBps > BPS)
    throw new SimError(`maxTradeBps ${p.maxTradeBps} must be in [100, 10000]`);
  if (p.maxLossBps < 1n || p.maxLossBps > 500n) throw new SimError(`maxLossBps ${p.maxLossBps} must be in [1, 500]`);
  if (p.minTradeValue < 0n) throw new SimError(`minTradeValue ${p.minTradeValue} must not be negative`);
  return p;
}

/**
 * BallastPolicy.decision's status (as `evaluate`, without its shortcut past the band's bounds: the
 * drift against the effective trigger band); breakers are not modelled: a simulated market never
 * trips them.
 */
export function evaluate(
  t: TriggerParams,
  effectiveTrigger: bigint,
  lastRebalance: bigint,
  now: bigint,
  driftBps: bigint,
): { status: StatusCode; targetBandBps: bigint } {
  if (lastRebalance !== 0n && now < lastRebalance + t.cooldown)
    return { status: Status.Cooldown, targetBandBps: t.targetBandBps };
  if (driftBps >= effectiveTrigger) return { status: Status.Due, targetBandBps: t.targetBandBps };
  if (t.calendarInterval !== 0n && driftBps > t.targetBandBps && now >= lastRebalance + t.calendarInterval) {
    return { status: Status.DueByCalendar, targetBandBps: t.targetBandBps };
  }
  return { status: Status.NotDue, targetBandBps: t.targetBandBps };
}

/** BallastRebalancer._usableBand: the target band, capped at effectiveTriggerBand / (2 (n - 1)). */
export function usableBand(band: bigint, effectiveTrigger: bigint, assets: number): bigint {
  const cap = effectiveTrigger / (2n * BigInt(assets - 1));
  return min(band, cap);
}
