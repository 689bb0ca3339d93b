/**
 * Feeds' round histories read from the chain, for the lab's mirror of what ChainlinkOracle samples
 * (src/sim/feeds.ts): each feed's rounds of its latest phase, fetched once and extended as new
 * rounds appear.
 */
import type { AggregatorV3Interface } from "../../typechain-types";
import { samplesSince, vaultModel as vm } from "../../src/sim";
import type { RoundHistory } from "../../src/sim";

export class ChainRounds {
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
}
