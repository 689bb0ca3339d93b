import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";

import { MockAggregatorV3__factory } from "../../typechain-types";
import type { MockAggregatorV3 } from "../../typechain-types";

const DECIMALS = 8;
const DESCRIPTION = "ETH / USD";
const INITIAL_ANSWER = 3000n * 10n ** 8n;
const PHASE_ID = 1n;
const UINT64_MAX = (1n << 64n) - 1n;

/** The proxy round id of aggregator round `n` in phase 1, as Chainlink's EACAggregatorProxy encodes it. */
function roundId(n: bigint): bigint {
  return (PHASE_ID << 64n) | n;
}

interface RoundData {
  roundId: bigint;
  answer: bigint;
  startedAt: bigint;
  updatedAt: bigint;
  answeredInRound: bigint;
}

function toRound(r: readonly [bigint, bigint, bigint, bigint, bigint]): RoundData {
  const [id, answer, startedAt, updatedAt, answeredInRound] = r;
  return { roundId: id, answer, startedAt, updatedAt, answeredInRound };
}

async function latestRound(feed: MockAggregatorV3): Promise<RoundData> {
  return toRound(await feed.latestRoundData());
}

async function getRound(feed: MockAggregatorV3, id: bigint): Promise<RoundData> {
  return toRound(await feed.getRoundData(id));
}

describe("MockAggregatorV3", function () {
  async function deployFeedFixture() {
    const [owner, stranger] = await ethers.getSigners();
    const factory = new MockAggregatorV3__factory(owner);
    const feed = await factory.deploy(DECIMALS, DESCRIPTION, INITIAL_ANSWER);
    const deployTx = feed.deploymentTransaction();
    if (deployTx === null) throw new Error("no deployment transaction");
    const receipt = await deployTx.wait();
    if (receipt === null) throw new Error("no deployment receipt");
    const block = await ethers.provider.getBlock(receipt.blockNumber);
    if (block === null) throw new Error("no deployment block");
    return { feed, factory, owner, stranger, deployedAt: BigInt(block.timestamp) };
  }

  describe("constructor", function () {
    it("reports the decimals, description and version", async function () {
      const { feed } = await loadFixture(deployFeedFixture);
      expect(await feed.decimals()).to.equal(DECIMALS);
      expect(await feed.description()).to.equal(DESCRIPTION);
      expect(await feed.version()).to.equal(4n);
    });

    it("sets the deployer as owner", async function () {
      const { feed, owner } = await loadFixture(deployFeedFixture);
      expect(await feed.owner()).to.equal(owner.address);
    });

    it("opens round 1 of phase 1 with the initial answer, updated at deployment", async function () {
      const { feed, deployedAt } = await loadFixture(deployFeedFixture);
      const expected: RoundData = {
        roundId: roundId(1n),
        answer: INITIAL_ANSWER,
        startedAt: deployedAt,
        updatedAt: deployedAt,
        answeredInRound: roundId(1n),
      };
      expect(await latestRound(feed)).to.deep.equal(expected);
      expect(await getRound(feed, roundId(1n))).to.deep.equal(expected);
    });

    it("emits NewRound and AnswerUpdated for the initial round", async function () {
      const { factory, owner } = await loadFixture(deployFeedFixture);
      const feed = await factory.deploy(DECIMALS, DESCRIPTION, -5n);
      const deployTx = feed.deploymentTransaction();
      if (deployTx === null) throw new Error("no deployment transaction");
      const receipt = await deployTx.wait();
      if (receipt === null) throw new Error("no deployment receipt");
      const block = await ethers.provider.getBlock(receipt.blockNumber);
      if (block === null) throw new Error("no deployment block");
      await expect(deployTx).to.emit(feed, "NewRound").withArgs(roundId(1n), owner.address, block.timestamp);
      await expect(deployTx).to.emit(feed, "AnswerUpdated").withArgs(-5n, roundId(1n), block.timestamp);
    });
  });

  describe("round ids", function () {
    it("carry phase 1 in the top 16 bits and the aggregator round in the low 64 bits", async function () {
      const { feed } = await loadFixture(deployFeedFixture);
      await feed.setAnswer(1n);
      await feed.setAnswer(2n);
      const { roundId: id, answeredInRound } = await latestRound(feed);
      expect(id).to.equal((1n << 64n) | 3n);
      expect(id >> 64n).to.equal(PHASE_ID);
      expect(id & UINT64_MAX).to.equal(3n);
      expect(answeredInRound).to.equal(id);
    });
  });

  describe("setAnswer", function () {
    it("opens a new round updated at the block timestamp", async function () {
      const { feed } = await loadFixture(deployFeedFixture);
      const ts = BigInt(await time.latest()) + 100n;
      await time.setNextBlockTimestamp(ts);
      await feed.setAnswer(3100n * 10n ** 8n);
      expect(await latestRound(feed)).to.deep.equal({
        roundId: roundId(2n),
        answer: 3100n * 10n ** 8n,
        startedAt: ts,
        updatedAt: ts,
        answeredInRound: roundId(2n),
      });
    });

    it("emits NewRound and AnswerUpdated with the round id, sender and timestamp", async function () {
      const { feed, owner } = await loadFixture(deployFeedFixture);
      const ts = BigInt(await time.latest()) + 50n;
      await time.setNextBlockTimestamp(ts);
      const tx = feed.setAnswer(2900n * 10n ** 8n);
      await expect(tx).to.emit(feed, "NewRound").withArgs(roundId(2n), owner.address, ts);
      await expect(tx)
        .to.emit(feed, "AnswerUpdated")
        .withArgs(2900n * 10n ** 8n, roundId(2n), ts);
    });

    it("keeps past rounds readable through getRoundData", async function () {
      const { feed, deployedAt } = await loadFixture(deployFeedFixture);
      const t2 = deployedAt + 10n;
      const t3 = deployedAt + 25n;
      await time.setNextBlockTimestamp(t2);
      await feed.setAnswer(111n);
      await time.setNextBlockTimestamp(t3);
      await feed.setAnswer(222n);

      expect(await getRound(feed, roundId(1n))).to.deep.equal({
        roundId: roundId(1n),
        answer: INITIAL_ANSWER,
        startedAt: deployedAt,
        updatedAt: deployedAt,
        answeredInRound: roundId(1n),
      });
      expect(await getRound(feed, roundId(2n))).to.deep.equal({
        roundId: roundId(2n),
        answer: 111n,
        startedAt: t2,
        updatedAt: t2,
        answeredInRound: roundId(2n),
      });
      expect(await getRound(feed, roundId(3n))).to.deep.equal({
        roundId: roundId(3n),
        answer: 222n,
        startedAt: t3,
        updatedAt: t3,
        answeredInRound: roundId(3n),
      });
      expect(await latestRound(feed)).to.deep.equal(await getRound(feed, roundId(3n)));
    });
  });

  describe("getRoundData", function () {
    it("reverts MockAggregatorNoDataPresent for aggregator round 0", async function () {
      const { feed } = await loadFixture(deployFeedFixture);
      await expect(feed.getRoundData(roundId(0n)))
        .to.be.revertedWithCustomError(feed, "MockAggregatorNoDataPresent")
        .withArgs(roundId(0n));
      await expect(feed.getRoundData(0n))
        .to.be.revertedWithCustomError(feed, "MockAggregatorNoDataPresent")
        .withArgs(0n);
    });

    it("reverts MockAggregatorNoDataPresent for a round that has not happened yet", async function () {
      const { feed } = await loadFixture(deployFeedFixture);
      await expect(feed.getRoundData(roundId(2n)))
        .to.be.revertedWithCustomError(feed, "MockAggregatorNoDataPresent")
        .withArgs(roundId(2n));
      await feed.setAnswer(7n);
      expect((await getRound(feed, roundId(2n))).answer).to.equal(7n);
      await expect(feed.getRoundData(roundId(3n)))
        .to.be.revertedWithCustomError(feed, "MockAggregatorNoDataPresent")
        .withArgs(roundId(3n));
      await expect(feed.getRoundData(roundId(UINT64_MAX)))
        .to.be.revertedWithCustomError(feed, "MockAggregatorNoDataPresent")
        .withArgs(roundId(UINT64_MAX));
    });

    it("reverts MockAggregatorNoDataPresent for an existing aggregator round in the wrong phase", async function () {
      const { feed } = await loadFixture(deployFeedFixture);
      for (const id of [1n, (2n << 64n) | 1n, (0xffffn << 64n) | 1n]) {
        await expect(feed.getRoundData(id))
          .to.be.revertedWithCustomError(feed, "MockAggregatorNoDataPresent")
          .withArgs(id);
      }
    });
  });

  describe("setRound", function () {
    it("reports a stale round (updatedAt in the past) as set", async function () {
      const { feed, owner } = await loadFixture(deployFeedFixture);
      const now = BigInt(await time.latest());
      const startedAt = now - 7200n;
      const updatedAt = now - 3600n;
      const tx = feed.setRound(2950n * 10n ** 8n, startedAt, updatedAt);
      await expect(tx).to.emit(feed, "NewRound").withArgs(roundId(2n), owner.address, startedAt);
      await expect(tx)
        .to.emit(feed, "AnswerUpdated")
        .withArgs(2950n * 10n ** 8n, roundId(2n), updatedAt);
      expect(await latestRound(feed)).to.deep.equal({
        roundId: roundId(2n),
        answer: 2950n * 10n ** 8n,
        startedAt,
        updatedAt,
        answeredInRound: roundId(2n),
      });
    });

    it("reports an incomplete round (zero updatedAt) as set, even after a nonzero startedAt", async function () {
      const { feed } = await loadFixture(deployFeedFixture);
      const now = BigInt(await time.latest());
      await feed.setRound(42n, now, 0n);
      expect(await latestRound(feed)).to.deep.equal({
        roundId: roundId(2n),
        answer: 42n,
        startedAt: now,
        updatedAt: 0n,
        answeredInRound: roundId(2n),
      });
    });

    it("reports zero and negative answers as set", async function () {
      const { feed } = await loadFixture(deployFeedFixture);
      const now = BigInt(await time.latest());
      await feed.setRound(0n, now, now);
      expect((await latestRound(feed)).answer).to.equal(0n);
      await feed.setRound(-1n, now, now);
      expect((await latestRound(feed)).answer).to.equal(-1n);
      const minInt256 = -(1n << 255n);
      await expect(feed.setRound(minInt256, now, now))
        .to.emit(feed, "AnswerUpdated")
        .withArgs(minInt256, roundId(4n), now);
      expect((await latestRound(feed)).answer).to.equal(minInt256);
      expect((await getRound(feed, roundId(2n))).answer).to.equal(0n);
      expect((await getRound(feed, roundId(3n))).answer).to.equal(-1n);
    });

    it("accepts equal timestamps, zero timestamps and the largest uint64 timestamp", async function () {
      const { feed } = await loadFixture(deployFeedFixture);
      await feed.setRound(1n, 0n, 0n);
      expect(await latestRound(feed)).to.include({ startedAt: 0n, updatedAt: 0n });
      await feed.setRound(2n, UINT64_MAX, UINT64_MAX);
      expect(await latestRound(feed)).to.include({ startedAt: UINT64_MAX, updatedAt: UINT64_MAX });
    });

    it("reverts MockAggregatorInvalidTimestamps when updatedAt is before a nonzero startedAt", async function () {
      const { feed } = await loadFixture(deployFeedFixture);
      const now = BigInt(await time.latest());
      await expect(feed.setRound(1n, now, now - 1n))
        .to.be.revertedWithCustomError(feed, "MockAggregatorInvalidTimestamps")
        .withArgs(now, now - 1n);
      await expect(feed.setRound(1n, 2n, 1n))
        .to.be.revertedWithCustomError(feed, "MockAggregatorInvalidTimestamps")
        .withArgs(2n, 1n);
      expect((await latestRound(feed)).roundId).to.equal(roundId(1n));
    });

    it("reverts MockAggregatorInvalidTimestamps when a timestamp exceeds uint64", async function () {
      const { feed } = await loadFixture(deployFeedFixture);
      const over = UINT64_MAX + 1n;
      const cases: [bigint, bigint][] = [
        [0n, over],
        [1n, over],
        [over, over],
        [over, 0n],
        [ethers.MaxUint256, ethers.MaxUint256],
      ];
      for (const [startedAt, updatedAt] of cases) {
        await expect(feed.setRound(1n, startedAt, updatedAt))
          .to.be.revertedWithCustomError(feed, "MockAggregatorInvalidTimestamps")
          .withArgs(startedAt, updatedAt);
      }
      expect((await latestRound(feed)).roundId).to.equal(roundId(1n));
    });
  });

  describe("setDecimals", function () {
    it("changes the reported decimals and emits DecimalsUpdated", async function () {
      const { feed } = await loadFixture(deployFeedFixture);
      await expect(feed.setDecimals(18)).to.emit(feed, "DecimalsUpdated").withArgs(DECIMALS, 18);
      expect(await feed.decimals()).to.equal(18);
      await expect(feed.setDecimals(0)).to.emit(feed, "DecimalsUpdated").withArgs(18, 0);
      expect(await feed.decimals()).to.equal(0);
    });

    it("reverts MockAggregatorDecimalsUnchanged for the current value", async function () {
      const { feed } = await loadFixture(deployFeedFixture);
      await expect(feed.setDecimals(DECIMALS))
        .to.be.revertedWithCustomError(feed, "MockAggregatorDecimalsUnchanged")
        .withArgs(DECIMALS);
    });
  });

  describe("access control", function () {
    it("reverts OwnableUnauthorizedAccount for every owner-only function called by a non-owner", async function () {
      const { feed, stranger } = await loadFixture(deployFeedFixture);
      const asStranger = feed.connect(stranger);
      const now = BigInt(await time.latest());
      const calls = [
        () => asStranger.setAnswer(1n),
        () => asStranger.setRound(1n, now, now),
        () => asStranger.setDecimals(18),
        () => asStranger.transferOwnership(stranger.address),
        () => asStranger.renounceOwnership(),
      ];
      for (const call of calls) {
        await expect(call())
          .to.be.revertedWithCustomError(feed, "OwnableUnauthorizedAccount")
          .withArgs(stranger.address);
      }
      expect((await latestRound(feed)).roundId).to.equal(roundId(1n));
      expect(await feed.decimals()).to.equal(DECIMALS);
      expect(await feed.owner()).not.to.equal(stranger.address);
    });

    it("lets a new owner update the feed after a transfer", async function () {
      const { feed, owner, stranger } = await loadFixture(deployFeedFixture);
      await feed.transferOwnership(stranger.address);
      const ts = BigInt(await time.latest()) + 5n;
      await time.setNextBlockTimestamp(ts);
      await expect(feed.connect(stranger).setAnswer(5n))
        .to.emit(feed, "NewRound")
        .withArgs(roundId(2n), stranger.address, ts);
      await expect(feed.setAnswer(6n))
        .to.be.revertedWithCustomError(feed, "OwnableUnauthorizedAccount")
        .withArgs(owner.address);
    });
  });
});
