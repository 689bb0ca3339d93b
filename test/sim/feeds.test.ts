/** The lab's feeds (src/sim/feeds.ts): when a Chainlink-style feed publishes along a path. */
import { expect } from "chai";

import { ASSET_FEED, publishRounds, roundReads, roundsAt, samplesSince, SimError } from "../../src/sim";
import type { PricePath } from "../../src/sim";

/** A two-column path (USDC at $1, ETH at `eth[t]`), one row every `step` seconds. */
function pathOf(eth: number[], step: number): PricePath {
  const prices = new Float64Array(eth.length * 2);
  eth.forEach((p, t) => {
    prices[t * 2] = 1;
    prices[t * 2 + 1] = p;
  });
  return {
    symbols: ["USDC", "WETH"],
    decimals: [6, 18],
    times: Float64Array.from(eth, (_, t) => t * step),
    prices,
    steps: eth.length,
    width: 2,
    source: "test",
  };
}

describe("lab feeds", () => {
  it("publish a round on a move of the deviation threshold or when the heartbeat passes, not otherwise", () => {
    // Five-minute rows: +0.3% (no round), +0.6% from the last answer (round), then flat for an hour.
    const eth = [3_000, 3_009, 3_018, ...new Array<number>(12).fill(3_018)];
    const h = publishRounds(pathOf(eth, 300), 1, 1_000, ASSET_FEED);
    expect(h.updatedAt).to.deep.equal([1_000n, 1_600n, 5_200n]);
    expect(h.answers).to.deep.equal([3_000n * 10n ** 18n, 3_018n * 10n ** 18n, 3_018n * 10n ** 18n]);
    expect(roundsAt(h, 1_599n)).to.equal(1);
    expect(roundsAt(h, 1_600n)).to.equal(2);
    expect(() => publishRounds(pathOf(eth, 300), 2, 0, ASSET_FEED)).to.throw(SimError, /column 2/);
  });

  it("read as ChainlinkOracle.samplesSince reads them: the round in force, then evenly spaced rounds", () => {
    const eth = Array.from({ length: 40 }, (_, t) => 3_000 * 1.01 ** t); // a round every row
    const h = publishRounds(pathOf(eth, 60), 1, 1_000, ASSET_FEED);
    expect(h.answers).to.have.length(40);
    const s = samplesSince(h, 40, 0, 1_000n + 4n * 60n + 30n, 16);
    expect(s.valid).to.equal(true);
    // Round 5 in force; 35 rounds to round 40, so round 5 + floor(35 j / 16).
    expect(s.times.map(Number)).to.deep.equal(
      [0, ...Array.from({ length: 16 }, (_, j) => Math.floor((35 * (j + 1)) / 16))].map((k) => 1_000 + (4 + k) * 60),
    );
    // As of an earlier latest round, and before the history began.
    expect(samplesSince(h, 10, 0, 0n, 16).times).to.have.length(10);
    expect(samplesSince(h, 0, 0, 0n, 16).valid).to.equal(false);
    expect(s.latestRound).to.equal(40);
  });

  it("continue from a known round without searching, and fall back to the time for an unknown one", () => {
    const eth = Array.from({ length: 40 }, (_, t) => 3_000 * 1.01 ** t);
    const h = publishRounds(pathOf(eth, 60), 1, 1_000, ASSET_FEED);
    // From round 30: rounds 30..40, however late `timestamp` says.
    const s = samplesSince(h, 40, 30, 1_000n + 39n * 60n, 16);
    expect(s.times.map(Number)).to.deep.equal(Array.from({ length: 11 }, (_, k) => 1_000 + (29 + k) * 60));
    expect(roundReads(h, 40, 30, 0n, 16)).to.equal(11);
    // A search by time costs its gallop and bisection on top of the samples.
    expect(roundReads(h, 40, 0, 1_000n + 29n * 60n, 16)).to.be.greaterThan(11);
    // A round past the latest (another feed's) is searched for by time.
    expect(samplesSince(h, 40, 41, 1_000n + 29n * 60n, 16)).to.deep.equal(
      samplesSince(h, 40, 0, 1_000n + 29n * 60n, 16),
    );
  });
});
