import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { MaxUint256, parseUnits, Wallet, ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import { ChainlinkOracle__factory, MockAggregatorV3__factory } from "../../typechain-types";
import type { ChainlinkOracle, MockAggregatorV3 } from "../../typechain-types";
import { Parameter } from "../../src/vault/enums";
import { FAR_RESTART_CODE, ONE_WORD_CODE } from "../shared/bytecode";

const MAX_SEQUENCER_GRACE = 86_400n;
const GRACE = 3_600;
const MIN_HEARTBEAT = 60n;
const MAX_HEARTBEAT = 604_800n;
const HEARTBEAT = 3_600n;
const WAD = 10n ** 18n;
const INT256_MAX = (1n << 255n) - 1n;
const INT256_MIN = -(1n << 255n);

/** Runtime code that reverts with empty data on every call: PUSH1 0, PUSH1 0, REVERT. */
const REVERTING_CODE = "0x60006000fd";
/** Runtime code that executes INVALID on every call, consuming all the gas it is given. */
const INVALID_CODE = "0xfe";

describe("ChainlinkOracle", function () {
  async function oracleFixture() {
    const [owner, stranger] = await ethers.getSigners();
    const feedFactory = new MockAggregatorV3__factory(owner);
    const oracleFactory = new ChainlinkOracle__factory(owner);

    const feed8 = await feedFactory.deploy(8, "ETH / USD", 3000n * 10n ** 8n);
    const feed18 = await feedFactory.deploy(18, "LINK / USD", parseUnits("1234.5", 18));
    const feed6 = await feedFactory.deploy(6, "USDC / USD", 999_876n);
    const feed0 = await feedFactory.deploy(0, "BTC / USD", 60_000n);

    const oracle8 = await oracleFactory.deploy(feed8, HEARTBEAT, 50, ZeroAddress, 0);
    const oracle18 = await oracleFactory.deploy(feed18, HEARTBEAT, 50, ZeroAddress, 0);
    const oracle6 = await oracleFactory.deploy(feed6, HEARTBEAT, 50, ZeroAddress, 0);
    const oracle0 = await oracleFactory.deploy(feed0, HEARTBEAT, 50, ZeroAddress, 0);

    return {
      owner,
      stranger,
      feedFactory,
      oracleFactory,
      feed8,
      feed18,
      feed6,
      feed0,
      oracle8,
      oracle18,
      oracle6,
      oracle0,
    };
  }

  async function expectInvalid(oracle: ChainlinkOracle): Promise<void> {
    const [valid, price] = await oracle.tryPrice();
    expect(valid).to.equal(false);
    expect(price).to.equal(0n);
  }

  async function expectValid(oracle: ChainlinkOracle, expected: bigint): Promise<void> {
    expect(await oracle.price()).to.equal(expected);
    const [valid, price] = await oracle.tryPrice();
    expect(valid).to.equal(true);
    expect(price).to.equal(expected);
  }

  /** Reports `answer` in a round updated at exactly `updatedAt`, mined in a block at that timestamp. */
  async function roundMinedAt(feed: MockAggregatorV3, answer: bigint, updatedAt: number): Promise<void> {
    await time.setNextBlockTimestamp(updatedAt);
    await feed.setRound(answer, updatedAt, updatedAt);
    expect(await time.latest()).to.equal(updatedAt);
  }

  describe("constructor", function () {
    it("stores the feed, heartbeat and the feed's decimals", async function () {
      const { feed8, feed18, feed6, feed0, oracle8, oracle18, oracle6, oracle0 } = await loadFixture(oracleFixture);
      const cases: [ChainlinkOracle, MockAggregatorV3, bigint][] = [
        [oracle8, feed8, 8n],
        [oracle18, feed18, 18n],
        [oracle6, feed6, 6n],
        [oracle0, feed0, 0n],
      ];
      for (const [oracle, feed, decimals] of cases) {
        expect(await oracle.feed()).to.equal(await feed.getAddress());
        expect(await oracle.heartbeat()).to.equal(HEARTBEAT);
        expect(await oracle.feedDecimals()).to.equal(decimals);
      }
    });

    it("exposes the heartbeat bounds: one minute to seven days", async function () {
      const { oracle8 } = await loadFixture(oracleFixture);
      expect(await oracle8.MIN_HEARTBEAT()).to.equal(MIN_HEARTBEAT);
      expect(await oracle8.MAX_HEARTBEAT()).to.equal(MAX_HEARTBEAT);
    });

    it("accepts a heartbeat at either bound", async function () {
      const { oracleFactory, feed8 } = await loadFixture(oracleFixture);
      const atMin = await oracleFactory.deploy(feed8, MIN_HEARTBEAT, 50, ZeroAddress, 0);
      const atMax = await oracleFactory.deploy(feed8, MAX_HEARTBEAT, 50, ZeroAddress, 0);
      expect(await atMin.heartbeat()).to.equal(MIN_HEARTBEAT);
      expect(await atMax.heartbeat()).to.equal(MAX_HEARTBEAT);
    });

    it("reverts with BallastZeroAddress for a zero feed", async function () {
      const { oracleFactory } = await loadFixture(oracleFixture);
      await expect(oracleFactory.deploy(ZeroAddress, HEARTBEAT, 50, ZeroAddress, 0))
        .to.be.revertedWithCustomError(oracleFactory, "BallastZeroAddress")
        .withArgs();
    });

    for (const heartbeat of [0n, MIN_HEARTBEAT - 1n, MAX_HEARTBEAT + 1n, MaxUint256]) {
      it(`reverts with BallastParameterOutOfRange(Heartbeat) for a heartbeat of ${heartbeat}`, async function () {
        const { oracleFactory, feed8 } = await loadFixture(oracleFixture);
        await expect(oracleFactory.deploy(feed8, heartbeat, 50, ZeroAddress, 0))
          .to.be.revertedWithCustomError(oracleFactory, "BallastParameterOutOfRange")
          .withArgs(Parameter.Heartbeat, heartbeat, MIN_HEARTBEAT, MAX_HEARTBEAT);
      });
    }

    it("reverts with BallastFeedDecimals for a feed with more than 18 decimals", async function () {
      const { feedFactory, oracleFactory } = await loadFixture(oracleFixture);
      for (const decimals of [19, 36, 255]) {
        const feed = await feedFactory.deploy(decimals, "WIDE / USD", 1n);
        await expect(oracleFactory.deploy(feed, HEARTBEAT, 50, ZeroAddress, 0))
          .to.be.revertedWithCustomError(oracleFactory, "BallastFeedDecimals")
          .withArgs(await feed.getAddress(), decimals);
      }
    });

    it("reverts when the feed is not a contract (decimals() returns nothing)", async function () {
      const { oracleFactory } = await loadFixture(oracleFixture);
      await expect(
        oracleFactory.deploy(Wallet.createRandom().address, HEARTBEAT, 50, ZeroAddress, 0),
      ).to.be.revertedWithoutReason();
    });
  });

  describe("price", function () {
    it("normalises an 8-decimal answer to 18 decimals", async function () {
      const { oracle8 } = await loadFixture(oracleFixture);
      await expectValid(oracle8, 3000n * WAD);
    });

    it("normalises 18-, 6- and 0-decimal answers to 18 decimals", async function () {
      const { oracle18, oracle6, oracle0 } = await loadFixture(oracleFixture);
      await expectValid(oracle18, parseUnits("1234.5", 18));
      await expectValid(oracle6, parseUnits("0.999876", 18));
      await expectValid(oracle0, 60_000n * WAD);
    });

    it("scales the smallest positive answer exactly", async function () {
      const { feed8, feed18, feed6, feed0, oracle8, oracle18, oracle6, oracle0 } = await loadFixture(oracleFixture);
      for (const feed of [feed8, feed18, feed6, feed0]) await feed.setAnswer(1n);
      await expectValid(oracle8, 10n ** 10n);
      await expectValid(oracle18, 1n);
      await expectValid(oracle6, 10n ** 12n);
      await expectValid(oracle0, WAD);
    });

    it("follows the feed's latest round", async function () {
      const { feed8, oracle8 } = await loadFixture(oracleFixture);
      await feed8.setAnswer(2_500_12345678n);
      await expectValid(oracle8, 2_500_12345678n * 10n ** 10n);
    });

    it("returns the largest answer an 18-decimal feed can give unscaled", async function () {
      const { feed18, oracle18 } = await loadFixture(oracleFixture);
      await feed18.setAnswer(INT256_MAX);
      await expectValid(oracle18, INT256_MAX);
    });

    it("returns the largest 8-decimal answer whose WAD value fits 256 bits, and refuses one above it", async function () {
      const { feed8, oracle8 } = await loadFixture(oracleFixture);
      const largest = MaxUint256 / 10n ** 10n;
      await feed8.setAnswer(largest);
      await expectValid(oracle8, largest * 10n ** 10n);

      // An int256 times 10**10 can overflow: the adapter refuses it by name, never wraps it.
      for (const answer of [largest + 1n, INT256_MAX]) {
        await feed8.setAnswer(answer);
        await expect(oracle8.price())
          .to.be.revertedWithCustomError(oracle8, "BallastFeedAnswer")
          .withArgs(await feed8.getAddress(), answer);
        await expectInvalid(oracle8);
      }
    });

    for (const answer of [0n, -1n, -3000n * 10n ** 8n, INT256_MIN]) {
      it(`reverts with BallastFeedAnswer for an answer of ${answer}`, async function () {
        const { feed8, oracle8 } = await loadFixture(oracleFixture);
        await feed8.setAnswer(answer);
        await expect(oracle8.price())
          .to.be.revertedWithCustomError(oracle8, "BallastFeedAnswer")
          .withArgs(await feed8.getAddress(), answer);
        await expectInvalid(oracle8);
      });
    }

    it("reverts with BallastFeedTimestamp for an incomplete round (updatedAt == 0)", async function () {
      const { feed8, oracle8 } = await loadFixture(oracleFixture);
      await feed8.setRound(3000n * 10n ** 8n, 0, 0);
      await expect(oracle8.price())
        .to.be.revertedWithCustomError(oracle8, "BallastFeedTimestamp")
        .withArgs(await feed8.getAddress(), 0);
      await expectInvalid(oracle8);
    });

    it("reverts with BallastFeedTimestamp for a round updated in the future", async function () {
      const { feed8, oracle8 } = await loadFixture(oracleFixture);
      const now = await time.latest();
      // The next block (the one mining setRound) is at now + 1: one second later is still the future.
      const future = now + 2;
      await feed8.setRound(3000n * 10n ** 8n, future, future);
      expect(await time.latest()).to.be.lessThan(future);
      await expect(oracle8.price())
        .to.be.revertedWithCustomError(oracle8, "BallastFeedTimestamp")
        .withArgs(await feed8.getAddress(), future);
      await expectInvalid(oracle8);

      // Once the chain reaches the round's timestamp it is a fresh, valid answer.
      await time.increaseTo(future);
      await expectValid(oracle8, 3000n * WAD);
    });

    it("reverts with BallastFeedTimestamp for a far-future round", async function () {
      const { feed8, oracle8 } = await loadFixture(oracleFixture);
      const farFuture = (1n << 64n) - 1n;
      await feed8.setRound(1n, farFuture, farFuture);
      await expect(oracle8.price())
        .to.be.revertedWithCustomError(oracle8, "BallastFeedTimestamp")
        .withArgs(await feed8.getAddress(), farFuture);
      await expectInvalid(oracle8);
    });

    it("accepts an answer updated in the current block", async function () {
      const { feed8, oracle8 } = await loadFixture(oracleFixture);
      const updatedAt = (await time.latest()) + 10;
      await roundMinedAt(feed8, 4_000n * 10n ** 8n, updatedAt);
      await expectValid(oracle8, 4_000n * WAD);
    });

    it("is valid at exactly the heartbeat and stale one second past it", async function () {
      const { feed8, oracle8 } = await loadFixture(oracleFixture);
      const updatedAt = (await time.latest()) + 10;
      await roundMinedAt(feed8, 3100n * 10n ** 8n, updatedAt);

      await time.increaseTo(updatedAt + Number(HEARTBEAT) - 1);
      await expectValid(oracle8, 3100n * WAD);
      await time.increase(1);
      expect(await time.latest()).to.equal(updatedAt + Number(HEARTBEAT));
      await expectValid(oracle8, 3100n * WAD);

      await time.increase(1);
      await expect(oracle8.price())
        .to.be.revertedWithCustomError(oracle8, "BallastFeedStale")
        .withArgs(await feed8.getAddress(), updatedAt, HEARTBEAT);
      await expectInvalid(oracle8);

      // A fresh round makes it valid again.
      await feed8.setAnswer(3200n * 10n ** 8n);
      await expectValid(oracle8, 3200n * WAD);
    });

    it("reverts with BallastFeedStale for a round dated long ago", async function () {
      const { feed18, oracle18 } = await loadFixture(oracleFixture);
      const now = await time.latest();
      const updatedAt = now - 10 * Number(HEARTBEAT);
      await feed18.setRound(WAD, updatedAt, updatedAt);
      await expect(oracle18.price())
        .to.be.revertedWithCustomError(oracle18, "BallastFeedStale")
        .withArgs(await feed18.getAddress(), updatedAt, HEARTBEAT);
      await expectInvalid(oracle18);
    });

    it("measures staleness against its own heartbeat", async function () {
      const { oracleFactory, feed8 } = await loadFixture(oracleFixture);
      const daily = await oracleFactory.deploy(feed8, 86_400, 50, ZeroAddress, 0);
      const hourly = await oracleFactory.deploy(feed8, HEARTBEAT, 50, ZeroAddress, 0);
      const updatedAt = (await time.latest()) + 10;
      await roundMinedAt(feed8, 3000n * 10n ** 8n, updatedAt);

      await time.increaseTo(updatedAt + Number(HEARTBEAT) + 1);
      await expectValid(daily, 3000n * WAD);
      await expect(hourly.price())
        .to.be.revertedWithCustomError(hourly, "BallastFeedStale")
        .withArgs(await feed8.getAddress(), updatedAt, HEARTBEAT);

      await time.increaseTo(updatedAt + 86_400 + 1);
      await expect(daily.price())
        .to.be.revertedWithCustomError(daily, "BallastFeedStale")
        .withArgs(await feed8.getAddress(), updatedAt, 86_400);
    });

    it("reverts with BallastFeedDecimalsChanged when the feed's decimals change", async function () {
      const { feed8, oracle8 } = await loadFixture(oracleFixture);
      const feed = await feed8.getAddress();

      await feed8.setDecimals(6);
      await expect(oracle8.price())
        .to.be.revertedWithCustomError(oracle8, "BallastFeedDecimalsChanged")
        .withArgs(feed, 8, 6);
      await expectInvalid(oracle8);

      await feed8.setDecimals(19);
      await expect(oracle8.price())
        .to.be.revertedWithCustomError(oracle8, "BallastFeedDecimalsChanged")
        .withArgs(feed, 8, 19);
      await expectInvalid(oracle8);

      // Restoring the decimals it was deployed with restores the price.
      await feed8.setDecimals(8);
      await expectValid(oracle8, 3000n * WAD);
    });

    it("reverts with BallastFeedDecimalsChanged for a 0-decimal feed that gains decimals", async function () {
      const { feed0, oracle0 } = await loadFixture(oracleFixture);
      await feed0.setDecimals(8);
      await expect(oracle0.price())
        .to.be.revertedWithCustomError(oracle0, "BallastFeedDecimalsChanged")
        .withArgs(await feed0.getAddress(), 0, 8);
      await expectInvalid(oracle0);
    });
  });

  describe("tryPrice", function () {
    it("returns [true, price] for every valid feed", async function () {
      const { oracle8, oracle18, oracle6, oracle0 } = await loadFixture(oracleFixture);
      expect(await oracle8.tryPrice()).to.deep.equal([true, 3000n * WAD]);
      expect(await oracle18.tryPrice()).to.deep.equal([true, parseUnits("1234.5", 18)]);
      expect(await oracle6.tryPrice()).to.deep.equal([true, parseUnits("0.999876", 18)]);
      expect(await oracle0.tryPrice()).to.deep.equal([true, 60_000n * WAD]);
    });

    it("returns [false, 0] for a zero answer, an incomplete round, a stale round and changed decimals", async function () {
      const { feed8, oracle8 } = await loadFixture(oracleFixture);
      await feed8.setAnswer(0n);
      expect(await oracle8.tryPrice()).to.deep.equal([false, 0n]);

      await feed8.setRound(3000n * 10n ** 8n, 0, 0);
      expect(await oracle8.tryPrice()).to.deep.equal([false, 0n]);

      const stale = (await time.latest()) - Number(HEARTBEAT) - 1;
      await feed8.setRound(3000n * 10n ** 8n, stale, stale);
      expect(await oracle8.tryPrice()).to.deep.equal([false, 0n]);

      await feed8.setAnswer(3000n * 10n ** 8n);
      expect(await oracle8.tryPrice()).to.deep.equal([true, 3000n * WAD]);
      await feed8.setDecimals(18);
      expect(await oracle8.tryPrice()).to.deep.equal([false, 0n]);
    });

    it("returns [false, 0] instead of reverting when the feed has no code", async function () {
      const { feed8, oracle8 } = await loadFixture(oracleFixture);
      await ethers.provider.send("hardhat_setCode", [await feed8.getAddress(), "0x"]);
      await expect(oracle8.price()).to.be.reverted;
      await expectInvalid(oracle8);
    });

    it("returns [false, 0] instead of reverting when the feed reverts", async function () {
      const { feed6, oracle6 } = await loadFixture(oracleFixture);
      await ethers.provider.send("hardhat_setCode", [await feed6.getAddress(), REVERTING_CODE]);
      await expect(oracle6.price()).to.be.revertedWithoutReason();
      await expectInvalid(oracle6);
    });

    it("returns [false, 0] instead of reverting when the feed consumes all the gas it is given", async function () {
      const { feed18, oracle18 } = await loadFixture(oracleFixture);
      await ethers.provider.send("hardhat_setCode", [await feed18.getAddress(), INVALID_CODE]);
      await expect(oracle18.price()).to.be.reverted;
      await expectInvalid(oracle18);
    });

    it("is callable by anyone and does not change with the caller", async function () {
      const { stranger, oracle8 } = await loadFixture(oracleFixture);
      expect(await oracle8.connect(stranger).tryPrice()).to.deep.equal([true, 3000n * WAD]);
      expect(await oracle8.connect(stranger).price()).to.equal(3000n * WAD);
    });
  });

  describe("on an L2: the sequencer uptime feed", function () {
    async function sequencerFixture() {
      const base = await oracleFixture();
      const sequencer = await base.feedFactory.deploy(0, "L2 Sequencer Uptime Status Feed", 0);
      const upSince = (await time.latest()) - 2 * GRACE;
      await sequencer.setRound(0, upSince, upSince);
      const guarded = await base.oracleFactory.deploy(base.feed8, HEARTBEAT, 50, sequencer, GRACE);
      return { ...base, sequencer, guarded, upSince };
    }

    it("keeps the sequencer feed and grace period", async function () {
      const { sequencer, guarded, oracle8 } = await loadFixture(sequencerFixture);
      expect(await guarded.sequencerFeed()).to.equal(await sequencer.getAddress());
      expect(await guarded.sequencerGracePeriod()).to.equal(GRACE);
      expect(await oracle8.sequencerFeed()).to.equal(ZeroAddress);
      expect(await oracle8.sequencerGracePeriod()).to.equal(0n);
    });

    it("accepts a grace period up to one day, and none at all", async function () {
      const { oracleFactory, feed8, sequencer } = await loadFixture(sequencerFixture);
      for (const grace of [0n, MAX_SEQUENCER_GRACE]) {
        const oracle = await oracleFactory.deploy(feed8, HEARTBEAT, 50, sequencer, grace);
        expect(await oracle.sequencerGracePeriod()).to.equal(grace);
      }
    });

    it("reverts with BallastParameterOutOfRange(SequencerGracePeriod) beyond a day, or with no sequencer feed", async function () {
      const { oracleFactory, feed8, sequencer } = await loadFixture(sequencerFixture);
      await expect(oracleFactory.deploy(feed8, HEARTBEAT, 50, sequencer, MAX_SEQUENCER_GRACE + 1n))
        .to.be.revertedWithCustomError(oracleFactory, "BallastParameterOutOfRange")
        .withArgs(Parameter.SequencerGracePeriod, MAX_SEQUENCER_GRACE + 1n, 0n, MAX_SEQUENCER_GRACE);
      await expect(oracleFactory.deploy(feed8, HEARTBEAT, 50, ZeroAddress, 1))
        .to.be.revertedWithCustomError(oracleFactory, "BallastParameterOutOfRange")
        .withArgs(Parameter.SequencerGracePeriod, 1n, 0n, 0n);
    });

    it("prices while the sequencer has been up for the grace period or longer", async function () {
      const { guarded } = await loadFixture(sequencerFixture);
      await expectValid(guarded, 3000n * WAD);
    });

    it("has no price while the sequencer is down: BallastSequencerDown", async function () {
      const { guarded, sequencer } = await loadFixture(sequencerFixture);
      await sequencer.setAnswer(1);
      await expect(guarded.price())
        .to.be.revertedWithCustomError(guarded, "BallastSequencerDown")
        .withArgs(await sequencer.getAddress());
      await expectInvalid(guarded);
    });

    it("has no price when the uptime feed has no round yet (startedAt 0): BallastSequencerDown", async function () {
      const { guarded, sequencer } = await loadFixture(sequencerFixture);
      await sequencer.setRound(0, 0, 0);
      await expect(guarded.price())
        .to.be.revertedWithCustomError(guarded, "BallastSequencerDown")
        .withArgs(await sequencer.getAddress());
      await expectInvalid(guarded);
    });

    it("has no price within the grace period after a restart, and prices from its last second on", async function () {
      const { guarded, sequencer, feed8 } = await loadFixture(sequencerFixture);
      const restart = (await time.latest()) + 1;
      await time.setNextBlockTimestamp(restart);
      await sequencer.setRound(0, restart, restart);
      await expect(guarded.price())
        .to.be.revertedWithCustomError(guarded, "BallastSequencerGracePeriod")
        .withArgs(await sequencer.getAddress(), restart, GRACE);
      await expectInvalid(guarded);

      await time.setNextBlockTimestamp(restart + GRACE - 1);
      await feed8.setAnswer(3000n * 10n ** 8n);
      await expectInvalid(guarded);
      await time.setNextBlockTimestamp(restart + GRACE);
      await feed8.setAnswer(3000n * 10n ** 8n);
      await expectValid(guarded, 3000n * WAD);
    });

    it("treats a restart time in the future as a restart within its grace period", async function () {
      const { guarded, sequencer } = await loadFixture(sequencerFixture);
      const future = (await time.latest()) + 10 * GRACE;
      await sequencer.setRound(0, future, future);
      await expect(guarded.price())
        .to.be.revertedWithCustomError(guarded, "BallastSequencerGracePeriod")
        .withArgs(await sequencer.getAddress(), future, GRACE);
      await expectInvalid(guarded);
    });

    it("has no price when the uptime feed reverts, has no code or answers short data: BallastSequencerDown, and tryPrice never reverts", async function () {
      const { guarded, sequencer } = await loadFixture(sequencerFixture);
      for (const code of [REVERTING_CODE, "0x", ONE_WORD_CODE]) {
        await ethers.provider.send("hardhat_setCode", [await sequencer.getAddress(), code]);
        await expect(guarded.price())
          .to.be.revertedWithCustomError(guarded, "BallastSequencerDown")
          .withArgs(await sequencer.getAddress());
        await expectInvalid(guarded);
      }
    });

    it("treats the latest possible restart time as a restart within its grace period (no overflow)", async function () {
      const { guarded, sequencer } = await loadFixture(sequencerFixture);
      await ethers.provider.send("hardhat_setCode", [await sequencer.getAddress(), FAR_RESTART_CODE]);
      await expect(guarded.price())
        .to.be.revertedWithCustomError(guarded, "BallastSequencerGracePeriod")
        .withArgs(await sequencer.getAddress(), MaxUint256, GRACE);
      await expectInvalid(guarded);
    });
  });
  describe("priceAt (round history)", function () {
    /** An 8-decimal feed whose rounds answer 1, 2, 3, ... dollars, one every `spacing` seconds. */
    async function historyFixture(rounds: number, spacing: number) {
      const { feedFactory, oracleFactory } = await loadFixture(oracleFixture);
      const feed = await feedFactory.deploy(8, "ETH / USD", 1n * 10n ** 8n);
      const times = [await time.latest()];
      for (let i = 2; i <= rounds; i++) {
        await time.increase(spacing - 1);
        await feed.setAnswer(BigInt(i) * 10n ** 8n);
        times.push(await time.latest());
      }
      const oracle = await oracleFactory.deploy(feed, HEARTBEAT, 50, ZeroAddress, 0);
      return { feed, oracle, times };
    }

    it("answers the round in force at a past time, through many rounds (gallop, then bisection)", async function () {
      const { oracle, times } = await historyFixture(40, 60);
      for (const i of [0, 1, 2, 7, 19, 31, 38, 39]) {
        expect(await oracle.priceAt(times[i]), `at round ${i + 1}`).to.deep.equal([true, BigInt(i + 1) * WAD]);
        // Just before the next round: still this one.
        if (i < 39) expect(await oracle.priceAt(times[i + 1] - 1)).to.deep.equal([true, BigInt(i + 1) * WAD]);
      }
      // Now, and after the last round: the latest answer.
      expect(await oracle.priceAt(await time.latest())).to.deep.equal([true, 40n * WAD]);
    });

    it("answers nothing before the feed's first round (of its current phase)", async function () {
      const { oracle, times } = await historyFixture(5, 60);
      expect(await oracle.priceAt(times[0] - 1)).to.deep.equal([false, 0n]);
      expect(await oracle.priceAt(0)).to.deep.equal([false, 0n]);
    });

    it("answers nothing when the round in force then was already stale, or was not a price", async function () {
      const { feedFactory, oracleFactory } = await loadFixture(oracleFixture);
      const feed = await feedFactory.deploy(8, "ETH / USD", 3000n * 10n ** 8n);
      const oracle = await oracleFactory.deploy(feed, HEARTBEAT, 50, ZeroAddress, 0);
      const first = Number((await feed.latestRoundData())[3]);
      // The first round, an hour old at `first + HEARTBEAT`: valid exactly then, stale a second later.
      await time.increase(2n * HEARTBEAT);
      expect(await oracle.priceAt(first + Number(HEARTBEAT))).to.deep.equal([true, 3000n * WAD]);
      expect(await oracle.priceAt(first + Number(HEARTBEAT) + 1)).to.deep.equal([false, 0n]);
      // A zero answer, then a negative one: not prices, at their time or later.
      await feed.setAnswer(0);
      const zero = await time.latest();
      await time.increase(10);
      await feed.setAnswer(-1);
      expect(await oracle.priceAt(zero)).to.deep.equal([false, 0n]);
      expect(await oracle.priceAt(await time.latest())).to.deep.equal([false, 0n]);
      // An incomplete round (updatedAt 0) in force: not a price either.
      await feed.setRound(3000n * 10n ** 8n, 0, 0);
      expect(await oracle.priceAt(await time.latest())).to.deep.equal([false, 0n]);
    });

    it("answers nothing once the feed's decimals changed (its history is in other units)", async function () {
      const { oracle8, feed8 } = await loadFixture(oracleFixture);
      const now = await time.latest();
      expect(await oracle8.priceAt(now)).to.deep.equal([true, 3000n * WAD]);
      await feed8.setDecimals(18);
      expect(await oracle8.priceAt(now)).to.deep.equal([false, 0n]);
    });

    it("reverts when the feed reverts (the breakers read it as no history)", async function () {
      const { oracle8, feed8 } = await loadFixture(oracleFixture);
      await ethers.provider.send("hardhat_setCode", [await feed8.getAddress(), REVERTING_CODE]);
      await expect(oracle8.priceAt(0)).to.be.reverted;
    });
  });
});
