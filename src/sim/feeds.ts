/**
 * The lab's price feeds: the round history a Chainlink feed would have published along a price path
 * (a round when the price moves by the feed's deviation threshold from the last answer, or when its
 * heartbeat passes), and ChainlinkOracle's sampling of that history, `samplesSince`, mirrored so
 * that the lab's volatility estimate is the contracts' (test/sim/differential.test.ts
 * reads the chain's rounds into a {@link RoundHistory} and holds the two to the same numbers).
 */
import { SimError } from "./errors";
import type { PricePath } from "./paths";

/** How a feed publishes: Chainlink's deviation threshold (bps) and heartbeat (seconds). */
export interface FeedSpec {
  deviationBps: number;
  heartbeatSec: number;
}

/** A volatile asset's feed: 0.5% and one hour (ETH/USD, BTC/USD on mainnet). */
export const ASSET_FEED: FeedSpec = { deviationBps: 50, heartbeatSec: 3_600 };
/** A stablecoin base's feed: 0.25% and one day (USDC/USD on mainnet). */
export const BASE_FEED: FeedSpec = { deviationBps: 25, heartbeatSec: 86_400 };

/**
 * One feed's rounds of its latest phase, oldest first: round id `k` (1-based, as the proxy numbers
 * them within a phase) is index `k - 1`. Answers in any fixed unit (the chain's feed decimals, or
 * WAD in the lab): only their ratios are read.
 */
export interface RoundHistory {
  updatedAt: bigint[];
  answers: bigint[];
}

/** What ChainlinkOracle.samplesSince returns: rounds of a feed's history, oldest first. */
export interface Samples {
  valid: boolean;
  /** The feed's latest round (its index within the phase), to continue from next time. */
  latestRound: number;
  /** Each sampled round's update time, seconds. */
  times: bigint[];
  /** Each sampled round's answer, the history's unit. */
  answers: bigint[];
}

/**
 * The rounds a feed following `spec` publishes along column `column` of `path`, the path's rows
 * being the moments it looks (times `startTime + round(path time)`): the first row, then each row
 * whose price is `deviationBps` from the last answer or `heartbeatSec` after it.
 */
export function publishRounds(path: PricePath, column: number, startTime: number, spec: FeedSpec): RoundHistory {
  if (column < 0 || column >= path.width) throw new SimError(`feed column ${column} outside the path`);
  const history: RoundHistory = { updatedAt: [], answers: [] };
  const threshold = spec.deviationBps / 10_000;
  let last = 0;
  let lastAt = -Infinity;
  for (let t = 0; t < path.steps; t++) {
    const price = path.prices[t * path.width + column];
    const at = startTime + Math.round(path.times[t]);
    if (t > 0 && Math.abs(price / last - 1) < threshold && at - lastAt < spec.heartbeatSec) continue;
    history.updatedAt.push(BigInt(at));
    history.answers.push(BigInt(Math.round(price * 1e8)) * 10n ** 10n);
    last = price;
    lastAt = at;
  }
  return history;
}

/** The number of rounds published at or before `timestamp` (the latest round's id then). */
export function roundsAt(history: RoundHistory, timestamp: bigint): number {
  let lo = 0;
  let hi = history.updatedAt.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (history.updatedAt[mid] <= timestamp) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The first round ChainlinkOracle.samplesSince reads as of round `latest`: `fromRound` when it is a
 * round at or before the latest, else the round in force at `timestamp` (round 1 if the history
 * began after it).
 */
function firstRound(history: RoundHistory, latest: number, fromRound: number, timestamp: bigint): number {
  if (fromRound >= 1 && fromRound <= latest) return fromRound;
  return Math.max(1, Math.min(latest, roundsAt(history, timestamp)));
}

/**
 * ChainlinkOracle.samplesSince(fromRound, timestamp, maxSamples) as of the moment the feed's latest
 * round was round `latest`: the first round ({@link firstRound}), then at most `maxSamples` rounds
 * spread evenly from it to the latest (round `first + floor(j (latest - first) / m)`, the last being
 * the latest). Invalid where a sampled answer is not positive, or its update time is 0 or before the
 * previous sample's.
 */
export function samplesSince(
  history: RoundHistory,
  latest: number,
  fromRound: number,
  timestamp: bigint,
  maxSamples: number,
): Samples {
  if (latest < 1 || latest > history.answers.length)
    return { valid: false, latestRound: latest, times: [], answers: [] };
  const none: Samples = { valid: false, latestRound: latest, times: [], answers: [] };
  const first = firstRound(history, latest, fromRound, timestamp);
  const rounds = latest - first;
  const m = Math.min(maxSamples, rounds);
  const out: Samples = { valid: true, latestRound: latest, times: [], answers: [] };
  for (let j = 0; j <= m; j++) {
    const id = j === 0 ? first : first + Math.floor((rounds * j) / m);
    const answer = history.answers[id - 1];
    const at = history.updatedAt[id - 1];
    if (answer <= 0n || at === 0n || (j > 0 && at < out.times[j - 1])) return none;
    out.times.push(at);
    out.answers.push(answer);
  }
  return out;
}

/**
 * The feed rounds ChainlinkOracle.samplesSince reads (`getRoundData` calls) as of round `latest`:
 * from a known round none but the samples; else its search for the round in force at `timestamp`
 * (none when the latest is; else galloping back 1, 2, 4, ... rounds, then bisecting), then each
 * sampled round. The lab prices an observation's gas by it ({@link GasModel}'s `perRoundRead`).
 */
export function roundReads(
  history: RoundHistory,
  latest: number,
  fromRound: number,
  timestamp: bigint,
  maxSamples: number,
): number {
  if (latest < 1 || latest > history.updatedAt.length) return 0;
  if (fromRound >= 1 && fromRound <= latest) return Math.min(maxSamples, latest - fromRound) + 1;
  const at = (k: number) => history.updatedAt[k - 1];
  let reads = 0;
  let first = latest;
  if (at(latest) > timestamp) {
    let hi = latest;
    let index = 0;
    for (let step = 1; ; step *= 2) {
      if (hi <= 1) break;
      index = hi > step ? hi - step : 1;
      reads++;
      if (at(index) <= timestamp) break;
      hi = index;
    }
    if (index !== 0 && at(index) <= timestamp) {
      while (hi - index > 1) {
        const mid = Math.floor((index + hi) / 2);
        reads++;
        if (at(mid) <= timestamp) index = mid;
        else hi = mid;
      }
      first = index;
    } else first = 1;
  }
  return reads + Math.min(maxSamples, latest - first) + 1;
}
