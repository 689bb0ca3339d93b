import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import { ChainlinkOracle__factory, MockAggregatorV3__factory } from "../../typechain-types";
import type { MockAggregatorV3 } from "../../typechain-types";

const HEARTBEAT = 3_600;
const PRICE = 3_000n * 10n ** 8n;
/** Runtime code that reverts with empty data on every call: PUSH1 0, PUSH1 0, REVERT. */
const REVERTING_CODE = "0x60006000fd";

/**
 * `validSince(t)`: whether the feed's price was valid at every moment from `t` to now by its own
 * rounds (the invalid-price breaker's sliding window, which needs nothing recorded to see an outage).
 */
describe("ChainlinkOracle.validSince (round history)", function () {
  async function feedFixture() {
    const [owner] = await ethers.getSigners();
    const feed = await new MockAggregatorV3__factory(owner).deploy(8, "ETH / USD", PRICE);
    const oracle = await new ChainlinkOracle__factory(owner).deploy(feed, HEARTBEAT, 50, ZeroAddress, 0);
    // When the feed's first round was updated.
    const first = Number((await feed.latestRoundData())[3]);
    return { feed, oracle, first };
  }

  /** Reports `answer` in a round updated at exactly `at`, mined in a block at that timestamp. */
  async function roundAt(feed: MockAggregatorV3, answer: bigint, at: number): Promise<void> {
    await time.setNextBlockTimestamp(at);
    await feed.setRound(answer, at, at);
  }

  it("reads at most 32 rounds", async function () {
    const { oracle } = await loadFixture(feedFixture);
    expect(await oracle.MAX_VALIDITY_ROUNDS()).to.equal(32n);
  });

  it("is true for a feed that updated within its heartbeat throughout, back to its first round and before it", async function () {
    const { feed, oracle, first } = await loadFixture(feedFixture);
    // Rounds exactly a heartbeat apart: never stale.
    for (let i = 1; i <= 5; i++) await roundAt(feed, PRICE + BigInt(i), first + i * HEARTBEAT);
    const now = await time.latest();
    for (const since of [now, now - 1, first + HEARTBEAT / 2, first, first - 1, 0]) {
      expect(await oracle.validSince(since), `since ${since}`).to.equal(true);
    }
    // A timestamp ahead of the clock asks about the latest round only.
    expect(await oracle.validSince(now + 1_000)).to.equal(true);
  });

  it("is false while the latest round is stale, whatever the window", async function () {
    const { oracle, first } = await loadFixture(feedFixture);
    await time.increaseTo(first + HEARTBEAT);
    expect(await oracle.validSince(await time.latest())).to.equal(true);
    await time.increase(1);
    const now = await time.latest();
    expect(await oracle.validSince(now)).to.equal(false);
    expect(await oracle.validSince(now + 1_000)).to.equal(false);
  });

  it("sees a past stale gap until the round that ended it is older than the window: exactly, to the second", async function () {
    const { feed, oracle, first } = await loadFixture(feedFixture);
    // The feed went quiet for two heartbeats, then answered again at `recovered`.
    const recovered = first + 2 * HEARTBEAT;
    await roundAt(feed, PRICE, recovered);
    await roundAt(feed, PRICE, recovered + 600);
    await time.increase(600);
    // Any window that includes the moment before `recovered` sees the stale price.
    for (const since of [first, first + HEARTBEAT + 1, recovered - 1]) {
      expect(await oracle.validSince(since), `since ${since}`).to.equal(false);
    }
    // From `recovered` on, every moment had a fresh price.
    expect(await oracle.validSince(recovered)).to.equal(true);
    expect(await oracle.validSince(recovered + 1)).to.equal(true);
  });

  it("takes a gap of exactly the heartbeat as fresh, and one second more as stale", async function () {
    const { feed, oracle, first } = await loadFixture(feedFixture);
    await roundAt(feed, PRICE, first + HEARTBEAT);
    await roundAt(feed, PRICE, first + 2 * HEARTBEAT + 1);
    expect(await oracle.validSince(first + HEARTBEAT)).to.equal(false);
    expect(await oracle.validSince(first + 2 * HEARTBEAT)).to.equal(false);
    expect(await oracle.validSince(first + 2 * HEARTBEAT + 1)).to.equal(true);
    expect(await oracle.validSince(first)).to.equal(false);
  });

  for (const [name, answer] of [
    ["zero", 0n],
    ["negative", -1n],
  ] as const) {
    it(`sees a ${name} answer in force within the window, until the valid round after it is older than the window`, async function () {
      const { feed, oracle, first } = await loadFixture(feedFixture);
      const bad = first + 60;
      const recovered = first + 660;
      await roundAt(feed, answer, bad);
      await roundAt(feed, PRICE, recovered);
      await time.increase(300);
      // The window starts before the bad round, inside it (the bad round is the one in force), or at its end.
      expect(await oracle.validSince(first)).to.equal(false);
      expect(await oracle.validSince(bad + 100)).to.equal(false);
      expect(await oracle.validSince(recovered - 1)).to.equal(false);
      expect(await oracle.validSince(recovered)).to.equal(true);
    });
  }

  it("sees an answer too large for a WAD price, and an incomplete round (updatedAt 0), as invalid", async function () {
    const { feed, oracle, first } = await loadFixture(feedFixture);
    await roundAt(feed, (1n << 255n) - 1n, first + 60);
    await roundAt(feed, PRICE, first + 120);
    expect(await oracle.validSince(first + 90)).to.equal(false);
    expect(await oracle.validSince(first + 120)).to.equal(true);
    // An incomplete round, then a complete one: never a price, so the window that holds it is not valid.
    await time.setNextBlockTimestamp(first + 180);
    await feed.setRound(PRICE, 0, 0);
    await roundAt(feed, PRICE, first + 240);
    expect(await oracle.validSince(first + 200)).to.equal(false);
    expect(await oracle.validSince(first + 240)).to.equal(true);
  });

  it("is false once the feed's decimals changed (its history is in other units)", async function () {
    const { feed, oracle } = await loadFixture(feedFixture);
    expect(await oracle.validSince(await time.latest())).to.equal(true);
    await feed.setDecimals(18);
    expect(await oracle.validSince(await time.latest())).to.equal(false);
  });

  /** A feed whose round 2 is not a price, followed by `rounds - 2` valid rounds a minute apart. */
  async function outageThenRounds(rounds: number) {
    const fixture = await loadFixture(feedFixture);
    await roundAt(fixture.feed, -1n, fixture.first + 60);
    for (let i = 3; i <= rounds; i++) await roundAt(fixture.feed, PRICE, fixture.first + 60 * (i - 1));
    return fixture;
  }

  it("reads back 32 rounds: an invalid round among the latest 32 is seen, one round further is not", async function () {
    const { feed, oracle, first } = await outageThenRounds(33);
    // Rounds 33 down to 2: the negative answer is the 32nd read.
    expect(await oracle.validSince(first)).to.equal(false);
    // One round more pushes it out of reach: what came before the latest 32 rounds is left unchecked.
    await roundAt(feed, PRICE, first + 60 * 33);
    expect(await oracle.validSince(first)).to.equal(true);
  });

  it("leaves an outage before the latest 32 rounds unseen, however far back the window reaches", async function () {
    const { oracle, first } = await outageThenRounds(40);
    // Rounds 40 down to 9 are read; round 2 is not, for any window that starts before round 9.
    for (const since of [first + 60 * 8 - 1, first + 60, first, 0]) {
      expect(await oracle.validSince(since), `since ${since}`).to.equal(true);
    }
  });

  it("reverts when the feed reverts (the breakers leave such a source out)", async function () {
    const { feed, oracle } = await loadFixture(feedFixture);
    await ethers.provider.send("hardhat_setCode", [await feed.getAddress(), REVERTING_CODE]);
    await expect(oracle.validSince(0)).to.be.reverted;
  });
});
