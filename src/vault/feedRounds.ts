/**
 * A vault's feeds' round histories read from the chain, for the lab's mirror of what
 * ChainlinkOracle samples and what that costs (src/sim/feeds.ts): each feed's rounds of its latest
 * phase, fetched once and extended as new rounds appear. The differential tests and the bench use it.
 */
import type { AddressLike } from "ethers";

import { roundReads, samplesSince, vaultModel as vm } from "../sim";
import type { RoundHistory } from "../sim";
import type { AggregatorV3Interface, IBallastPolicy } from "../../typechain-types";

export class FeedRounds {
  private readonly histories: RoundHistory[];

  /** `feeds` in the order of the vault's oracles, base first. */
  constructor(private readonly feeds: readonly AggregatorV3Interface[]) {
    this.histories = feeds.map(() => ({ updatedAt: [], answers: [] }));
  }

  /** Fetches the rounds published since the last call. */
  async refresh(): Promise<void> {
    for (const [i, feed] of this.feeds.entries()) {
      const h = this.histories[i];
      const [latest] = await feed.latestRoundData();
      const phase = latest & ~PHASE_MASK;
      for (let id = BigInt(h.answers.length) + 1n; id <= (latest & PHASE_MASK); id++) {
        const [, answer, , updatedAt] = await feed.getRoundData(phase | id);
        h.answers.push(answer);
        h.updatedAt.push(updatedAt);
      }
    }
  }

  /** What each oracle's `samplesSince(fromRound, since, HISTORY_SAMPLES)` answers over the rounds fetched. */
  reader(): vm.HistoryReader {
    return (i, fromRound, since) => {
      const h = this.histories[i];
      return samplesSince(h, h.answers.length, fromRound, since, vm.HISTORY_SAMPLES);
    };
  }

  /**
   * The rounds every feed's `samplesSince` reads, over the rounds fetched, for an observation that
   * starts at `start` ({@link vm.observationStart}).
   */
  reads(start: { since: bigint; rounds: readonly number[] }): number {
    return this.histories.reduce(
      (sum, h, i) => sum + roundReads(h, h.answers.length, start.rounds[i], start.since, vm.HISTORY_SAMPLES),
      0,
    );
  }
}

/**
 * A vault's volatility state as the policy stores it, in the lab's shape ({@link vm.VolatilityState}):
 * round ids within their phase, as {@link FeedRounds} numbers them.
 */
export async function volatilityState(
  policy: Pick<IBallastPolicy, "variances" | "observedRounds">,
  vault: AddressLike,
): Promise<vm.VolatilityState> {
  const [variances, updatedAt] = await policy.variances(vault);
  const rounds = await policy.observedRounds(vault);
  return { updatedAt, variances: [...variances], rounds: rounds.map((r) => Number(r & PHASE_MASK)) };
}

/** The round number within its phase of a proxy's round id (`phase << 64 | n`). */
const PHASE_MASK = (1n << 64n) - 1n;
