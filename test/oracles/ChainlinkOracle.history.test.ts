/**
 * ChainlinkOracle.samplesSince: the rounds of a feed's history the policy's volatility estimate
 * reads, against the lab's mirror (src/sim/feeds.ts) on the same rounds.
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import { Rng, samplesSince } from "../../src/sim";
import type { RoundHistory } from "../../src/sim";
import { ChainlinkOracle__factory, MockAggregatorV3__factory } from "../../typechain-types";

const WAD = 10n ** 18n;
const E8 = 10n ** 8n;

/** An 8-decimal feed and its oracle. */
async function feedFixture() {
  const [owner] = await ethers.getSigners();
  const feed = await new MockAggregatorV3__factory(owner).deploy(8, "ETH / USD", 3_000n * E8);
  const oracle = await new ChainlinkOracle__factory(owner).deploy(feed, 3_600, 50, ZeroAddress, 0);
  return { feed, oracle };
}

/** The fixture, and a mirror of its feed's rounds (one so far) that {@link publish} extends. */
async function load() {
  const { feed, oracle } = await loadFixture(feedFixture);
  const [, answer, , updatedAt] = await feed.latestRoundData();
  const history: RoundHistory = { updatedAt: [updatedAt], answers: [answer] };
  return { feed, oracle, history };
}

type Fixture = Awaited<ReturnType<typeof load>>;

/** Publishes `answer` (8 decimals) after `seconds`, in the feed and the mirror. */
async function publish(f: Fixture, answer: bigint, seconds: number): Promise<void> {
  await time.increase(seconds);
  await f.feed.setAnswer(answer);
  const [, , , updatedAt] = await f.feed.latestRoundData();
  f.history.updatedAt.push(updatedAt);
  f.history.answers.push(answer);
}

/** The mock feed's phase (1): its round ids are `PHASE | n`. */
const PHASE = 1n << 64n;

/**
 * The chain's answer and the mirror's from round `from` (within the phase; 0 for none), prices scaled
 * to WAD and rounds to ids within the phase for the comparison.
 */
async function both(f: Fixture, since: number, maxSamples: number, from = 0) {
  const [valid, latest, times, prices] = await f.oracle.samplesSince(from && PHASE | BigInt(from), since, maxSamples);
  const model = samplesSince(f.history, f.history.answers.length, from, BigInt(since), maxSamples);
  return {
    chain: { valid, latest: latest - PHASE, times: [...times], prices: [...prices] },
    model: {
      valid: model.valid,
      latest: BigInt(model.latestRound),
      times: model.times,
      prices: model.answers.map((a) => a * 10n ** 10n),
    },
  };
}

describe("ChainlinkOracle samplesSince (round history)", function () {
  it("samples the round in force at `since`, then at most maxSamples rounds evenly to the latest", async function () {
    const f = await load();
    for (let k = 1; k <= 40; k++) await publish(f, (3_000n + BigInt(k)) * E8, 60);
    const t = f.history.updatedAt.map(Number);
    // Since round 5 (index 4): 36 rounds to the latest, 16 samples of them.
    const [valid, latest, times, prices] = await f.oracle.samplesSince(0, t[4] + 30, 16);
    expect(valid).to.equal(true);
    expect(latest).to.equal(PHASE | 41n);
    expect(times).to.have.length(17);
    expect(times[0]).to.equal(BigInt(t[4]));
    expect(prices[0]).to.equal(3_004n * WAD);
    expect(times[16]).to.equal(BigInt(t[40]));
    // Round first + floor(j * 36 / 16): round 5 + 2 = 7 (index 6) for j = 1.
    expect(times[1]).to.equal(BigInt(t[6]));
    // Fewer rounds since than maxSamples: every one.
    const [, , few] = await f.oracle.samplesSince(0, t[36], 16);
    expect(few.map(Number)).to.deep.equal(t.slice(36));
    // Nothing published since: the round in force alone.
    expect(await f.oracle.samplesSince(0, await time.latest(), 16)).to.deep.equal([
      true,
      PHASE | 41n,
      [BigInt(t[40])],
      [3_040n * WAD],
    ]);
    for (const since of [t[0], t[4] + 30, t[17], t[39] - 1]) {
      for (const maxSamples of [1, 3, 16, 64]) {
        const { chain, model } = await both(f, since, maxSamples);
        expect(chain, `since ${since}, ${maxSamples} samples`).to.deep.equal(model);
      }
    }
  });

  it("starts at the first round when the feed's history began after `since`", async function () {
    const f = await load();
    await publish(f, 3_100n * E8, 600);
    const [valid, , times] = await f.oracle.samplesSince(0, 0, 16);
    expect(valid).to.equal(true);
    expect(times).to.deep.equal(f.history.updatedAt);
    const { chain, model } = await both(f, 0, 16);
    expect(chain).to.deep.equal(model);
  });

  it("agrees with the lab's mirror on random histories", async function () {
    const f = await load();
    const rng = new Rng("chainlink history");
    let price = 3_000;
    for (let k = 0; k < 60; k++) {
      price *= Math.exp(0.01 * rng.normal());
      await publish(f, BigInt(Math.round(price * 1e8)), 1 + Math.floor(rng.uniform() * 7_200));
    }
    const first = Number(f.history.updatedAt[0]);
    const last = Number(f.history.updatedAt[f.history.updatedAt.length - 1]);
    for (let k = 0; k < 12; k++) {
      const since = first - 100 + Math.floor(rng.uniform() * (last - first + 200));
      const from = rng.uniform() < 0.5 ? 0 : 1 + Math.floor(rng.uniform() * f.history.answers.length);
      const { chain, model } = await both(f, since, 1 + Math.floor(rng.uniform() * 20), from);
      expect(chain, `since ${since}, from round ${from}`).to.deep.equal(model);
    }
  });

  it("is invalid where a sampled round is no price or no time, or out of order, and after a decimals change", async function () {
    for (const [what, answer, at] of [
      ["a zero answer", 0n, "now"],
      ["a negative answer", -1n, "now"],
      ["an incomplete round (no update time)", 3_000n * E8, "zero"],
      ["an update time before the previous round's", 3_000n * E8, "past"],
    ] as const) {
      const f = await load();
      await publish(f, 3_050n * E8, 60);
      const now = await time.latest();
      if (at === "now") await f.feed.setAnswer(answer);
      else await f.feed.setRound(answer, at === "zero" ? 0 : now - 600, at === "zero" ? 0 : now - 600);
      const [valid] = await f.oracle.samplesSince(0, now - 3_600, 16);
      expect(valid, what).to.equal(false);
    }
    const f = await load();
    await publish(f, 3_050n * E8, 60);
    await f.feed.setDecimals(18);
    expect(await f.oracle.samplesSince(0, 0, 16)).to.deep.equal([false, PHASE | 2n, [], []]);
  });

  it("continues from a known round, which counts a round published in the same second as the last read", async function () {
    const f = await load();
    for (let k = 1; k <= 10; k++) await publish(f, (3_000n + 10n * BigInt(k)) * E8, 60);
    // Round 11 is the latest; round 12 comes in the same second as a read of round 11 would.
    const at = Number(f.history.updatedAt[10]);
    await f.feed.setRound(3_500n * E8, at, at);
    f.history.updatedAt.push(BigInt(at));
    f.history.answers.push(3_500n * E8);
    await publish(f, 3_510n * E8, 60);
    // By time, the search lands on round 12 (the latest at `at`): the change 11 -> 12 is lost.
    const [, , byTime, byTimePrices] = await f.oracle.samplesSince(0, at, 16);
    expect(byTimePrices[0]).to.equal(3_500n * WAD);
    expect(byTime).to.have.length(2);
    // From round 11, the read continues where it left off.
    const [valid, latest, times, prices] = await f.oracle.samplesSince(PHASE | 11n, at, 16);
    expect(valid).to.equal(true);
    expect(latest).to.equal(PHASE | 13n);
    expect(times).to.deep.equal([BigInt(at), BigInt(at), f.history.updatedAt[12]]);
    expect(prices).to.deep.equal([3_100n * WAD, 3_500n * WAD, 3_510n * WAD]);
    const { chain, model } = await both(f, at, 16, 11);
    expect(chain).to.deep.equal(model);
  });

  it("searches by time from a round of another phase, past the latest, or 0", async function () {
    const f = await load();
    for (let k = 1; k <= 20; k++) await publish(f, (3_000n + BigInt(k)) * E8, 60);
    const since = Number(f.history.updatedAt[5]) + 1;
    const [, , expected] = await f.oracle.samplesSince(0, since, 16);
    for (const from of [(2n << 64n) | 3n, PHASE | 22n, PHASE, 3n]) {
      const [valid, latest, times] = await f.oracle.samplesSince(from, since, 16);
      expect(valid, `from ${from}`).to.equal(true);
      expect(latest).to.equal(PHASE | 21n);
      expect(times, `from ${from}`).to.deep.equal(expected);
    }
  });
});
