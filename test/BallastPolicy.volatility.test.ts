import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";

import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";

import { Rng, vaultModel as vm } from "../src/sim";
import {
  AggregatorV3Interface__factory,
  BallastPolicy__factory,
  ChainlinkOracle__factory,
  MockAggregatorV3__factory,
  MockBallastOracle__factory,
  MockPolicyVault__factory,
} from "../typechain-types";
import { FeedRounds, volatilityState } from "../src/vault";
import { Parameter } from "../src/vault/enums";
import { depositUsdc, Status } from "./shared/vault";
import { vaultFixture } from "./shared/fixtures";

const WAD = 10n ** 18n;
const YEAR = 365n * 24n * 3600n;
const TRIGGERS = { triggerBandBps: 300, targetBandBps: 50, cooldown: 0, calendarInterval: 0 };
// 60% a year is the reference: at that volatility the band is the configured 300 bp.
const VOL = {
  referenceVolBps: 6_000,
  minBandBps: 150,
  maxBandBps: 900,
  averagingTime: 86_400,
  minObservationInterval: 3_600,
};
const REFERENCE_VARIANCE = (6_000n * 10n ** 14n) ** 2n / WAD;

const DAY = 86_400;

/** A policy with volatility scaling on, and a vault (base USDC, one asset ETH) whose feeds the test moves. */
async function policyFixture() {
  const [admin, other] = await ethers.getSigners();
  const policy = await new BallastPolicy__factory(admin).deploy(admin.address, TRIGGERS);
  await policy.setVolatilityParams(VOL);
  const feeds = new MockAggregatorV3__factory(admin);
  const usdc = await feeds.deploy(8, "USDC / USD", 10n ** 8n);
  const eth = await feeds.deploy(8, "ETH / USD", 3_000n * 10n ** 8n);
  const oracles = new ChainlinkOracle__factory(admin);
  const usdcOracle = await oracles.deploy(usdc, DAY, 25, ethers.ZeroAddress, 0);
  const ethOracle = await oracles.deploy(eth, DAY, 50, ethers.ZeroAddress, 0);
  const vault = await new MockPolicyVault__factory(admin).deploy(policy, [usdcOracle, ethOracle]);
  const rounds = new FeedRounds(
    await Promise.all(
      [usdc, eth].map(async (feed) => AggregatorV3Interface__factory.connect(await feed.getAddress(), admin)),
    ),
  );
  return { policy, admin, other, usdc, eth, usdcOracle, ethOracle, vault, rounds };
}

type Fixture = Awaited<ReturnType<typeof policyFixture>>;

/** ETH's feed reports `usd` in a new round at `at` (seconds). */
async function report(f: Fixture, usd: number, at: number): Promise<void> {
  await time.setNextBlockTimestamp(at);
  await f.eth.setAnswer(BigInt(Math.round(usd * 1e8)));
}

/** The lab's mirror of an observation at `now` over the feeds' rounds (src/sim). */
async function mirrored(f: Fixture, state: vm.VolatilityState, now: number, n = 2): Promise<vm.VolatilityState> {
  await f.rounds.refresh();
  const next = { updatedAt: state.updatedAt, variances: [...state.variances], rounds: [...state.rounds] };
  vm.observe(next, VOL_MODEL, n, f.rounds.reader(), BigInt(now));
  return next;
}

const VOL_MODEL: vm.VolatilityParams = {
  referenceVolBps: BigInt(VOL.referenceVolBps),
  minBandBps: BigInt(VOL.minBandBps),
  maxBandBps: BigInt(VOL.maxBandBps),
  averagingTime: BigInt(VOL.averagingTime),
  minObservationInterval: BigInt(VOL.minObservationInterval),
};

/** Integer cube root, as the contract computes it. */
function cbrt(x: bigint): bigint {
  let lo = 0n;
  let hi = 1n << 100n;
  while (lo < hi) {
    const mid = (lo + hi + 1n) / 2n;
    if (mid * mid * mid <= x) lo = mid;
    else hi = mid - 1n;
  }
  return lo;
}

/** The squared change from `a` to `b`, WAD, rounded as the policy rounds it. */
const squared = (a: bigint, b: bigint) => {
  const r = ((b > a ? b - a : a - b) * WAD) / a;
  return (r * r) / WAD;
};

describe("BallastPolicy volatility scaling", () => {
  it("is off by default: observe keeps nothing and the band is the trigger band", async () => {
    const f = await loadFixture(policyFixture);
    const policy = await new BallastPolicy__factory(f.admin).deploy(f.admin.address, TRIGGERS);
    const vault = await new MockPolicyVault__factory(f.admin).deploy(policy, [f.usdcOracle, f.ethOracle]);
    await report(f, 3_300, (await time.latest()) + DAY);
    await expect(vault.observe()).not.to.emit(policy, "Observed");
    expect(await policy.effectiveTriggerBand(vault)).to.equal(300n);
    expect(await policy.variances(vault)).to.deep.equal([[], 0n]);
  });

  it("starts from one averaging time of the feeds' history: the squared changes a year, up to now", async () => {
    const f = await loadFixture(policyFixture);
    const t0 = (await time.latest()) + 10;
    await report(f, 3_000, t0);
    await report(f, 3_150, t0 + DAY / 2); // +5% in half a day
    await time.setNextBlockTimestamp(t0 + DAY + 10);
    // Over the seconds from the round in force a day ago to now, not to the last round.
    const sample = (squared(3_000n, 3_150n) * YEAR) / BigInt(DAY + 10);
    // The base's feed has one round in the window: no change, nothing added.
    await expect(f.vault.observe())
      .to.emit(f.policy, "Observed")
      .withArgs(f.vault, t0 + DAY + 10, [0n, sample]);
    const ratio = (sample * WAD) / REFERENCE_VARIANCE;
    expect(await f.policy.effectiveTriggerBand(f.vault)).to.equal((300n * cbrt(ratio * WAD * WAD)) / WAD);
    // Another vault has no estimate, and an account without oracles none to read.
    expect(await f.policy.effectiveTriggerBand(f.other.address)).to.equal(300n);
  });

  it("then folds each change its feed published with weight dt / (dt + averagingTime)", async () => {
    const f = await loadFixture(policyFixture);
    const t0 = (await time.latest()) + 10;
    await report(f, 3_000, t0);
    await report(f, 3_150, t0 + DAY / 2);
    await time.setNextBlockTimestamp(t0 + DAY);
    await f.vault.observe();
    const [[, start]] = await f.policy.variances(f.vault);
    await report(f, 3_213, t0 + DAY + 7_200); // +2% two hours after the last round observed
    await report(f, 3_213, t0 + DAY + 9_000); // flat for half an hour
    await time.setNextBlockTimestamp(t0 + DAY + 3 * 3_600);
    await f.vault.observe();
    const tau = BigInt(VOL.averagingTime);
    const fold = (v: bigint, sample: bigint, dt: bigint) =>
      sample > v ? v + ((sample - v) * dt) / (dt + tau) : v - ((v - sample) * dt) / (dt + tau);
    const dt1 = BigInt(DAY / 2 + 7_200); // from the round at t0 + DAY / 2
    let expected = fold(start, (squared(3_150n, 3_213n) * YEAR) / dt1, dt1);
    expected = fold(expected, 0n, 1_800n);
    const [variances, updatedAt] = await f.policy.variances(f.vault);
    expect(variances).to.deep.equal([0n, expected]);
    expect(updatedAt).to.equal(BigInt(t0 + DAY + 3 * 3_600));
  });

  it("agrees with the lab's mirror on random histories, base moving too, past HISTORY_SAMPLES rounds", async () => {
    const f = await loadFixture(policyFixture);
    expect(await f.policy.HISTORY_SAMPLES()).to.equal(BigInt(vm.HISTORY_SAMPLES));
    const rng = new Rng("policy volatility history");
    let state = vm.emptyVolatilityState();
    let eth = 3_000;
    for (let observation = 0; observation < 6; observation++) {
      // 3 to 40 rounds (more than HISTORY_SAMPLES changes, some), the base's feed moving too.
      const rounds = 3 + Math.floor(rng.uniform() * 38);
      for (let k = 0; k < rounds; k++) {
        eth *= Math.exp(0.02 * rng.normal());
        await time.increase(60 + Math.floor(rng.uniform() * 3_600));
        if (rng.uniform() < 0.2) await f.usdc.setAnswer(BigInt(Math.round((1 + 0.002 * rng.normal()) * 1e8)));
        else await f.eth.setAnswer(BigInt(Math.round(eth * 1e8)));
      }
      await time.increase(VOL.minObservationInterval);
      const receipt = await (await f.vault.observe()).wait();
      const block = await ethers.provider.getBlock(receipt!.blockNumber);
      state = await mirrored(f, state, block!.timestamp);
      const stored = await volatilityState(f.policy, f.vault);
      expect(stored.variances, `observation ${observation}`).to.deep.equal(state.variances);
      expect(stored.rounds).to.deep.equal(state.rounds);
      expect(stored.updatedAt).to.equal(state.updatedAt);
    }
  });

  it("counts a round its feed published in the same block after an observation (continues from the rounds it read)", async () => {
    const f = await loadFixture(policyFixture);
    const t0 = (await time.latest()) + 10;
    await report(f, 3_000, t0);
    await time.setNextBlockTimestamp(t0 + DAY);
    await f.vault.observe();
    const [usdcRound] = await f.usdc.latestRoundData();
    const [ethRound] = await f.eth.latestRoundData();
    expect(await f.policy.observedRounds(f.vault)).to.deep.equal([usdcRound, ethRound]);
    const [[, start]] = await f.policy.variances(f.vault);
    // Someone orders a 10% round right after the next observation, in its block.
    await time.increase(VOL.minObservationInterval);
    await ethers.provider.send("evm_setAutomine", [false]);
    try {
      await f.vault.observe();
      await f.eth.setAnswer(3_300n * 10n ** 8n);
      await ethers.provider.send("evm_mine", []);
    } finally {
      await ethers.provider.send("evm_setAutomine", [true]);
    }
    const [, jumpAt] = await f.policy.variances(f.vault);
    const [, , , roundAt] = await f.eth.latestRoundData();
    expect(roundAt).to.equal(jumpAt);
    // The next observation folds the change from the round it read to the one after it.
    await time.setNextBlockTimestamp(Number(jumpAt) + VOL.minObservationInterval);
    await f.vault.observe();
    const [[, after]] = await f.policy.variances(f.vault);
    const tau = BigInt(VOL.averagingTime);
    const dt = jumpAt - BigInt(t0);
    // The observation before the round folded nothing (no round since the first); this one folds
    // the change at the round's own time, dt after the round in force before it. A search by the
    // last observation's time would have started at the new round and folded nothing.
    const sample = (squared(3_000n, 3_300n) * YEAR) / dt;
    expect(after).to.equal(start + ((sample - start) * dt) / (dt + tau));
    expect(after).to.be.greaterThan(start);
  });

  it("judges by the history without any transaction: the band view folds what an observation would", async () => {
    const f = await loadFixture(policyFixture);
    const t0 = (await time.latest()) + 10;
    await report(f, 3_000, t0);
    await time.setNextBlockTimestamp(t0 + DAY);
    await f.vault.observe();
    const calm = await f.policy.effectiveTriggerBand(f.vault);
    for (let k = 1; k <= 12; k++) await report(f, k % 2 === 0 ? 3_000 : 3_300, t0 + DAY + k * 1_800);
    await time.increase(3_600);
    // Nobody observed: the view already folds the twelve 10% swings and widens the band...
    const view = await f.policy.effectiveTriggerBand(f.vault);
    expect(view).to.be.greaterThan(calm);
    const [, before] = await f.policy.variances(f.vault);
    expect(before).to.equal(BigInt(t0 + DAY));
    // ...to what an observation in the same block stores (a view runs a second after the latest block).
    await time.setNextBlockTimestamp((await time.latest()) + 1);
    await f.vault.observe();
    expect(await f.policy.effectiveTriggerBand(f.vault)).to.equal(view);
  });

  it("decides on the estimate it observes in the same call: the band the view folded, then the stored one", async () => {
    const f = await loadFixture(policyFixture);
    const t0 = (await time.latest()) + 10;
    await report(f, 3_000, t0);
    await time.setNextBlockTimestamp(t0 + DAY);
    await f.vault.observe();
    for (let k = 1; k <= 12; k++) await report(f, k % 2 === 0 ? 3_000 : 3_300, t0 + DAY + k * 1_800);
    await time.increase(3_600);
    const view = await f.policy.effectiveTriggerBand(f.vault);
    expect(view).to.be.greaterThan(300n);
    /** The vault's decision at `drift` in the next block, and whether it observed. */
    const decide = async (drift: bigint) => {
      await time.setNextBlockTimestamp((await time.latest()) + 1);
      const receipt = (await (await f.vault.decide(drift, WAD, 10n ** 6n)).wait())!;
      const observed = receipt.logs.some((l) => f.policy.interface.parseLog(l)?.name === "Observed");
      const decided = receipt.logs.map((l) => f.vault.interface.parseLog(l)).find((l) => l?.name === "Decided")!;
      return { decision: decided.args[0], observed };
    };
    const first = await decide(view);
    expect(first.observed).to.equal(true);
    expect([first.decision.status, first.decision.triggerBandBps]).to.deep.equal([BigInt(Status.Due), view]);
    expect(await f.policy.effectiveTriggerBand(f.vault)).to.equal(view);
    // Within the observation interval: nothing stored, the same band, from the estimate kept.
    const second = await decide(view - 1n);
    expect(second.observed).to.equal(false);
    expect([second.decision.status, second.decision.triggerBandBps]).to.deep.equal([BigInt(Status.NotDue), view]);
  });

  it("widens the band in a volatile market up to its cap, and narrows it in a calm one down to its floor", async () => {
    const f = await loadFixture(policyFixture);
    let price = 3_000;
    let at = (await time.latest()) + 10;
    for (let hour = 0; hour < 48; hour++) {
      price = hour % 2 === 0 ? price * 1.1 : price / 1.1; // +-10% an hour
      at += 3_600;
      await report(f, price, at);
    }
    await f.vault.observe();
    expect(await f.policy.effectiveTriggerBand(f.vault)).to.equal(900n);
    for (let day = 0; day < 10; day++) {
      at += DAY;
      await report(f, price, at); // flat
    }
    await time.increase(3_600);
    await f.vault.observe();
    expect(await f.policy.effectiveTriggerBand(f.vault)).to.equal(150n);
  });

  it("caps the band, and reverts nothing, after a feed answers its minimum (1) and then a price again", async () => {
    const f = await loadFixture(policyFixture);
    const t0 = (await time.latest()) + 10;
    await report(f, 3_000, t0);
    await time.setNextBlockTimestamp(t0 + DAY);
    await f.vault.observe();
    await time.setNextBlockTimestamp(t0 + DAY + 60);
    await f.eth.setAnswer(1); // 1e-8 USD: Chainlink's minAnswer on many feeds
    await report(f, 3_000, t0 + DAY + 120);
    await time.setNextBlockTimestamp(t0 + DAY + 3_600);
    await expect(f.vault.observe()).to.emit(f.policy, "Observed");
    expect(await f.policy.effectiveTriggerBand(f.vault)).to.equal(BigInt(VOL.maxBandBps));
    // The change counted is at most MAX_CHANGE_WAD (1,000x), whatever the feed answered.
    const [[, variance]] = await f.policy.variances(f.vault);
    const cap = (await f.policy.MAX_CHANGE_WAD()) ** 2n / WAD;
    expect(variance).to.be.at.most((cap * YEAR) / 60n);
    // The lab's mirror agrees.
    const state = await mirrored(
      f,
      { updatedAt: BigInt(t0 + DAY), variances: [0n, 0n], rounds: [0, 0] },
      t0 + DAY + 3_600,
    );
    expect(state.variances[1]).to.be.greaterThan(0n);
  });

  it("reads the base's changes over the time to now: a burst of base rounds after a quiet spell is no storm", async () => {
    const f = await loadFixture(policyFixture);
    const t0 = (await time.latest()) + 10;
    await report(f, 3_000, t0);
    await time.setNextBlockTimestamp(t0 + DAY);
    await f.vault.observe();
    const [[, start]] = await f.policy.variances(f.vault);
    // The base wobbles 0.25% twelve seconds apart, then a quiet day; ETH publishes a flat round.
    await time.setNextBlockTimestamp(t0 + DAY + 100);
    await f.usdc.setAnswer(100_250_000n);
    await time.setNextBlockTimestamp(t0 + DAY + 112);
    await f.usdc.setAnswer(10n ** 8n);
    await report(f, 3_000, t0 + 2 * DAY);
    await time.setNextBlockTimestamp(t0 + 2 * DAY + 10);
    await f.vault.observe();
    // The base's rounds since: the one in force (deployment's), +0.25%, -0.25%: over the time to now.
    const [, , , deployed] = await f.usdc.getRoundData((1n << 64n) | 1n);
    const base =
      ((squared(10n ** 8n, 100_250_000n) + squared(100_250_000n, 10n ** 8n)) * YEAR) /
      (BigInt(t0 + 2 * DAY + 10) - deployed);
    const tau = BigInt(VOL.averagingTime);
    const dt = BigInt(2 * DAY); // ETH's change: flat, from its round at t0 to its round at t0 + 2 days
    const expected = start - ((start - base) * dt) / (dt + tau);
    const [[, variance]] = await f.policy.variances(f.vault);
    expect(variance).to.equal(expected);
  });

  it("keeps the reference for an asset whose oracle keeps no history", async () => {
    const f = await loadFixture(policyFixture);
    const plain = await new MockBallastOracle__factory(f.admin).deploy(3_000n * WAD, 50);
    const vault = await new MockPolicyVault__factory(f.admin).deploy(f.policy, [f.usdcOracle, plain]);
    await report(f, 3_300, (await time.latest()) + 3_600);
    await expect(vault.observe()).to.emit(f.policy, "Observed").withArgs(vault, anyValue, [0n, REFERENCE_VARIANCE]);
    expect(await f.policy.effectiveTriggerBand(vault)).to.equal(300n);
  });

  it("ignores observations within minObservationInterval, so repeated calls cannot steer it", async () => {
    const f = await loadFixture(policyFixture);
    const t0 = (await time.latest()) + 10;
    await report(f, 3_000, t0);
    await time.setNextBlockTimestamp(t0 + DAY);
    await f.vault.observe();
    const [stored] = await f.policy.variances(f.vault);
    await report(f, 4_000, t0 + DAY + 1_000);
    await time.setNextBlockTimestamp(t0 + DAY + 3_000);
    await expect(f.vault.observe()).not.to.emit(f.policy, "Observed");
    expect((await f.policy.variances(f.vault))[0]).to.deep.equal(stored);
    // Within the interval the view judges by the stored estimate, as a rebalance would.
    const ratio = (stored[1] * WAD) / REFERENCE_VARIANCE;
    const band = (300n * cbrt(ratio * WAD * WAD)) / WAD;
    expect(await f.policy.effectiveTriggerBand(f.vault)).to.equal(band < 150n ? 150n : band);
    await time.setNextBlockTimestamp(t0 + DAY + 3_600);
    await expect(f.vault.observe()).to.emit(f.policy, "Observed");
  });

  it("starts over when the basket changes size, and when the vault resets it, the last rebalance kept", async () => {
    const f = await loadFixture(policyFixture);
    const t0 = (await time.latest()) + 10;
    await report(f, 3_000, t0);
    await report(f, 3_300, t0 + 3_600);
    // The last rebalance shares the observation time's slot: neither write touches the other.
    await time.setNextBlockTimestamp(t0 + DAY - 60);
    await f.vault.recordRebalance();
    await time.setNextBlockTimestamp(t0 + DAY);
    await f.vault.observe();
    expect(await f.policy.lastRebalance(f.vault)).to.equal(t0 + DAY - 60);
    expect((await f.policy.variances(f.vault))[1]).to.equal(t0 + DAY);
    await f.vault.setOracles([f.usdcOracle, f.ethOracle, f.ethOracle]);
    await time.increase(3_600);
    await f.vault.observe();
    const [variances] = await f.policy.variances(f.vault);
    expect(variances).to.have.length(3);
    expect(variances[1]).to.equal(variances[2]);
    await expect(f.vault.resetObservations()).to.emit(f.policy, "ObservationsReset").withArgs(f.vault);
    expect(await f.policy.variances(f.vault)).to.deep.equal([[], 0n]);
    // The cooldown stands: a basket change is no rebalance to forget.
    expect(await f.policy.lastRebalance(f.vault)).to.equal(t0 + DAY - 60);
  });

  it("follows a deployed vault's feeds with no maintenance transaction: a calm week narrows the band to its floor", async () => {
    const f = await loadFixture(vaultFixture);
    const [, alice] = await ethers.getSigners();
    await depositUsdc(f.market, f.vault, alice, 100_000);
    const { policy, rebalancer } = f;
    expect(await policy.variances(rebalancer)).to.deep.equal([[], 0n]);
    const timelock = f.timelock!;
    const data = policy.interface.encodeFunctionData("setVolatilityParams", [VOL]);
    const salt = ethers.ZeroHash;
    const delay = await timelock.getMinDelay();
    await timelock.schedule(policy, 0, data, ethers.ZeroHash, salt, delay);
    await time.increase(delay);
    await timelock.execute(policy, 0, data, ethers.ZeroHash, salt);
    for (let day = 0; day < 7; day++) {
      await time.increase(DAY);
      for (const symbol of ["USDC", "WETH", "WBTC", "LINK"])
        await f.market.setFeedPrice(symbol, await f.market.feedPrice(symbol));
    }
    // Nothing was sent to the rebalancer or the policy: the feeds' own rounds say the market is calm.
    expect(await policy.variances(rebalancer)).to.deep.equal([[], 0n]);
    expect(await policy.effectiveTriggerBand(rebalancer)).to.equal(150n);
  });

  describe("setVolatilityParams", () => {
    it("is for governance only", async () => {
      const { policy, other } = await loadFixture(policyFixture);
      await expect(policy.connect(other).setVolatilityParams({ ...VOL, maxBandBps: 800 }))
        .to.be.revertedWithCustomError(policy, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, ethers.ZeroHash);
    });

    it("emits old and new values and refuses a no-op", async () => {
      const { policy } = await loadFixture(policyFixture);
      const next = { ...VOL, maxBandBps: 800 };
      await expect(policy.setVolatilityParams(next)).to.emit(policy, "VolatilityParamsSet");
      expect((await policy.volatilityParams()).maxBandBps).to.equal(800n);
      await expect(policy.setVolatilityParams(next)).to.be.revertedWithCustomError(policy, "BallastParameterUnchanged");
    });

    const cases: [string, typeof VOL, number, bigint, bigint, bigint][] = [
      ["reference vol below 1%", { ...VOL, referenceVolBps: 99 }, Parameter.ReferenceVolBps, 99n, 100n, 50_000n],
      [
        "reference vol above 500%",
        { ...VOL, referenceVolBps: 50_001 },
        Parameter.ReferenceVolBps,
        50_001n,
        100n,
        50_000n,
      ],
      ["a zero floor", { ...VOL, minBandBps: 0 }, Parameter.MinBandBps, 0n, 1n, 5_000n],
      ["a cap below the floor", { ...VOL, maxBandBps: 149 }, Parameter.MaxBandBps, 149n, 150n, 5_000n],
      ["a cap above 50%", { ...VOL, maxBandBps: 5_001 }, Parameter.MaxBandBps, 5_001n, 150n, 5_000n],
      [
        "averaging under an hour",
        { ...VOL, averagingTime: 3_599 },
        Parameter.AveragingTime,
        3_599n,
        3_600n,
        31_536_000n,
      ],
      [
        "averaging over a year",
        { ...VOL, averagingTime: 31_536_001 },
        Parameter.AveragingTime,
        31_536_001n,
        3_600n,
        31_536_000n,
      ],
      [
        "observations under a minute apart",
        { ...VOL, minObservationInterval: 59 },
        Parameter.MinObservationInterval,
        59n,
        60n,
        604_800n,
      ],
      [
        "observations over a week apart",
        { ...VOL, minObservationInterval: 604_801 },
        Parameter.MinObservationInterval,
        604_801n,
        60n,
        604_800n,
      ],
      ["a half-set configuration with scaling off", { ...VOL, referenceVolBps: 0 }, Parameter.MinBandBps, 150n, 0n, 0n],
    ];
    for (const [what, params, parameter, value, min, max] of cases) {
      it(`refuses ${what}`, async () => {
        const { policy } = await loadFixture(policyFixture);
        await expect(policy.setVolatilityParams(params))
          .to.be.revertedWithCustomError(policy, "BallastParameterOutOfRange")
          .withArgs(parameter, value, min, max);
      });
    }

    it("turns scaling off with all zeros", async () => {
      const { policy, vault } = await loadFixture(policyFixture);
      await vault.observe();
      await policy.setVolatilityParams({
        referenceVolBps: 0,
        minBandBps: 0,
        maxBandBps: 0,
        averagingTime: 0,
        minObservationInterval: 0,
      });
      expect(await policy.effectiveTriggerBand(vault)).to.equal(300n);
    });
  });
});
