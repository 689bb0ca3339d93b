/**
 * The rebalance status and the breaker in words. The enum names come from src/vault/enums.ts
 * (the policy's and the breakers' enums, in ABI order, shared with the keeper and the operator tasks).
 * Pure: unit-tested in test/app/errors.test.ts.
 */
import { isUnknown, statusName, tripName } from "../../../src/vault/enums";
import type { StatusName, TripName, UnknownName } from "../../../src/vault/enums";

import { formatBps } from "./format";

export type Tone = "ok" | "info" | "warn" | "bad";

export interface StatusView {
  /** `NoRebalancer`: the vault has none set (`vault.rebalancer()` is zero), so nothing can say. */
  name: StatusName | UnknownName | "NoRebalancer";
  sentence: string;
  tone: Tone;
}

export interface BreakerView {
  tripped: boolean;
  reason: TripName | UnknownName;
  /** The basket token the trip is about (by index), when the reason names one. */
  asset?: string;
  sentence: string;
}

const TRIP_SENTENCES: Record<TripName, (asset: string) => string> = {
  None: () => "No breaker is tripped.",
  OracleTwapDivergence: (asset) => `${asset}'s oracle price left its pools' 30-minute average.`,
  SpotTwapDivergence: (asset) => `${asset}'s pool price jumped away from its own recent average.`,
  Dislocation: (asset) => `${asset} moved further than the breaker allows within its window.`,
  SequencerDown: () => "The L2 sequencer is down or just restarted.",
  TwapUnavailable: (asset) => `${asset}'s pool has too little price history for a TWAP.`,
  InvalidPrice: (asset) =>
    `${asset}'s price feed gave no valid answer lately: trading waits a cooldown after it recovers.`,
};

/** The breaker as `breakers.breaker(rebalancer)` returns it, with the basket's symbols. */
export function describeBreaker(
  reason: bigint | number,
  index: bigint | number,
  symbols: readonly string[],
): BreakerView {
  const name = tripName(reason);
  if (name === "None") return { tripped: false, reason: name, sentence: TRIP_SENTENCES.None("") };
  const asset = symbols[Number(index)] ?? `asset #${index}`;
  const sentence = isUnknown(name) ? `Breaker tripped (reason ${reason}).` : TRIP_SENTENCES[name](asset);
  return { tripped: true, reason: name, asset, sentence };
}

/** A vault without a rebalancer: its basket stays as it is, deposits and exits go on. */
export function describeNoRebalancer(): StatusView {
  return {
    name: "NoRebalancer",
    tone: "warn",
    sentence: "No rebalancer is set: the basket does not trade until governance sets one. Deposits and exits work.",
  };
}

/** The rebalancer's `rebalanceStatus()` in words, with the breaker when it is the reason. */
export function describeStatus(
  status: bigint | number,
  driftBps: bigint,
  bandBps: bigint,
  breaker?: BreakerView,
  locale?: string,
): StatusView {
  const name = statusName(status);
  const drift = formatBps(driftBps, locale);
  const band = formatBps(bandBps, locale);
  switch (name) {
    case "Due":
      return { name, tone: "info", sentence: `A rebalance is due: the basket drifted ${drift} from its targets.` };
    case "DueByCalendar":
      return { name, tone: "info", sentence: `A rebalance is due by the calendar (drift ${drift}).` };
    case "NotDue":
      return {
        name,
        tone: "ok",
        sentence:
          bandBps > 0n ? `On target: drift ${drift}, trades stop within ${band}.` : `On target: drift ${drift}.`,
      };
    case "Cooldown":
      return {
        name,
        tone: "ok",
        sentence: `Rebalanced recently; the next one waits for the cooldown (drift ${drift}).`,
      };
    case "Paused":
      return {
        name,
        tone: "warn",
        sentence: "The vault is paused: deposits and trading are halted. Exits stay open, in kind always.",
      };
    case "PriceUnavailable":
      return {
        name,
        tone: "bad",
        sentence: "A price feed is not answering: the vault cannot value its basket. Exits in kind still work.",
      };
    case "BreakerTripped":
      return {
        name,
        tone: "bad",
        // No trip recorded: the breakers refuse what they see now, which records nothing.
        sentence: breaker?.tripped
          ? `A circuit breaker tripped: ${breaker.reason} on ${breaker.asset}. ${breaker.sentence} Exits in kind still work.`
          : "The circuit breakers refuse trading now (a pool pushed away from its average, or a price feed that failed within their cooldown); it resumes by itself once every check is healthy. Exits in kind still work.",
      };
    case "Uneconomic":
      return { name, tone: "info", sentence: `A rebalance would cost more than it is worth now (drift ${drift}).` };
    case "LegUnfit":
      return {
        name,
        tone: "warn",
        sentence: "The pools are priced too far from the oracles to trade safely; it waits.",
      };
    default:
      return { name, tone: "warn", sentence: `Status ${status}.` };
  }
}
