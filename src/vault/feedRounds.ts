/**
 * A vault's feeds' round histories read from the chain, for the lab's mirror of what
 * ChainlinkOracle samples and what that costs (src/sim/feeds.ts): each feed's rounds of its latest
 * phase, fetched once and extended as new rounds appear. The differential tests and the bench use it.
 */
import { roundReads, samplesSince, vaultModel as vm } from "../sim";
import type { RoundHistory } from "../sim";
import type { AggregatorV3Interface } from "../../typechain-types";

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
      const phase = (latest >> 64n) << 64n;
      for (let id = BigInt(h.answers.length) + 1n; id <= (latest & ((1n << 64n) - 1n)); id++) {
        const [, answer, , updatedAt] = await feed.getRoundData(phase | id);
        h.answers.push(answer);
        h.updatedAt.push(updatedAt);
      }
    }
  }

  /** What each oracle's `samplesSince(since, HISTORY_SAMPLES)` answers over the rounds fetched. */
  reader(): vm.HistoryReader {
    return (i, since) => {
      const h = this.histories[i];
      return samplesSince(h, h.answers.length, since, vm.HISTORY_SAMPLES);
    };
  }

  /** The rounds every feed's `samplesSince(since, HISTORY_SAMPLES)` reads, over the rounds fetched. */
  reads(since: bigint): number {
    return this.histories.reduce((sum, h) => sum + roundReads(h, h.answers.length, since, vm.HISTORY_SAMPLES), 0);
  }
}
