import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { expect } from "chai";
import { ZeroAddress, ZeroHash } from "ethers";
import { ethers } from "hardhat";

import { BallastPolicy__factory, MockBallastOracle__factory, MockPolicyVault__factory } from "../typechain-types";
import type { BallastPolicy } from "../typechain-types";
import type { IBallastPolicy } from "../typechain-types/artifacts/contracts/BallastPolicy";
import { Parameter } from "../src/vault/enums";
import { Status } from "./shared/vault";

type TriggerParams = IBallastPolicy.TriggerParamsStruct;

const DAY = 86_400;
const MAX_TRIGGER_BAND_BPS = 5_000;
const MAX_COOLDOWN = 30 * DAY;
const MAX_CALENDAR_INTERVAL = 365 * DAY;

/** A 3% trigger band, trades to within 1% of the target, a 10-minute cooldown, no calendar. */
const PARAMS = { triggerBandBps: 300, targetBandBps: 100, cooldown: 600, calendarInterval: 0 } as const;
/** The same with a daily calendar. */
const CALENDAR = { ...PARAMS, calendarInterval: DAY } as const;

/** A struct as the event and getter return it: a tuple in declaration order. */
function tuple(p: TriggerParams): bigint[] {
  return [p.triggerBandBps, p.targetBandBps, p.cooldown, p.calendarInterval].map((x) => BigInt(x));
}

interface Fixture {
  policy: BallastPolicy;
  factory: BallastPolicy__factory;
  admin: HardhatEthersSigner;
  /** Accounts acting as rebalancers, whose records the policy keeps per caller: they call `recordRebalance()`. */
  rebalancerA: HardhatEthersSigner;
  rebalancerB: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
}

async function deploy(params: TriggerParams): Promise<Fixture> {
  const [admin, rebalancerA, rebalancerB, stranger] = await ethers.getSigners();
  const factory = new BallastPolicy__factory(admin);
  const policy = await factory.deploy(admin.address, params);
  await policy.waitForDeployment();
  return { policy, factory, admin, rebalancerA, rebalancerB, stranger };
}

async function policyFixture(): Promise<Fixture> {
  return deploy(PARAMS);
}

async function calendarFixture(): Promise<Fixture> {
  return deploy(CALENDAR);
}

/** Records a rebalance of `rebalancer` and returns the timestamp of the block that recorded it. */
async function record(policy: BallastPolicy, rebalancer: HardhatEthersSigner): Promise<number> {
  const receipt = await (await policy.connect(rebalancer).recordRebalance()).wait();
  const block = await ethers.provider.getBlock(receipt!.blockNumber);
  return block!.timestamp;
}

/** The status `evaluate` reports for `rebalancer` at the latest block (view calls run at its timestamp). */
async function statusOf(policy: BallastPolicy, rebalancer: string, drift: number | bigint): Promise<bigint> {
  const [status] = await policy.evaluate(rebalancer, drift);
  return status;
}

interface BoundCase {
  label: string;
  params: TriggerParams;
  error: [number, number | bigint, number | bigint, number | bigint];
}

/** Every bound violated just below (where its type allows) and just above. */
const OUT_OF_RANGE: BoundCase[] = [
  {
    label: "triggerBandBps 0 (below 1)",
    params: { ...PARAMS, triggerBandBps: 0, targetBandBps: 0 },
    error: [Parameter.TriggerBandBps, 0, 1, MAX_TRIGGER_BAND_BPS],
  },
  {
    label: "triggerBandBps 5001 (above 5000)",
    params: { ...PARAMS, triggerBandBps: MAX_TRIGGER_BAND_BPS + 1 },
    error: [Parameter.TriggerBandBps, MAX_TRIGGER_BAND_BPS + 1, 1, MAX_TRIGGER_BAND_BPS],
  },
  {
    label: "targetBandBps equal to triggerBandBps (above triggerBand - 1)",
    params: { ...PARAMS, targetBandBps: 300 },
    error: [Parameter.TargetBandBps, 300, 0, 299],
  },
  {
    label: "targetBandBps above triggerBandBps",
    params: { ...PARAMS, triggerBandBps: 1, targetBandBps: 5_000 },
    error: [Parameter.TargetBandBps, 5_000, 0, 0],
  },
  {
    label: "cooldown 30 days + 1 (above 30 days)",
    params: { ...PARAMS, cooldown: MAX_COOLDOWN + 1 },
    error: [Parameter.Cooldown, MAX_COOLDOWN + 1, 0, MAX_COOLDOWN],
  },
  {
    label: "calendarInterval cooldown - 1 (below the cooldown)",
    params: { ...PARAMS, cooldown: 600, calendarInterval: 599 },
    error: [Parameter.CalendarInterval, 599, 600, MAX_CALENDAR_INTERVAL],
  },
  {
    label: "calendarInterval 1 with a 30-day cooldown",
    params: { ...PARAMS, cooldown: MAX_COOLDOWN, calendarInterval: 1 },
    error: [Parameter.CalendarInterval, 1, MAX_COOLDOWN, MAX_CALENDAR_INTERVAL],
  },
  {
    label: "calendarInterval 365 days + 1 (above 365 days)",
    params: { ...PARAMS, calendarInterval: MAX_CALENDAR_INTERVAL + 1 },
    error: [Parameter.CalendarInterval, MAX_CALENDAR_INTERVAL + 1, 600, MAX_CALENDAR_INTERVAL],
  },
];

/** Parameters exactly at the bounds, all accepted. */
const AT_BOUNDS: [string, TriggerParams][] = [
  ["the smallest trigger band (1) with a 0 target band", { ...PARAMS, triggerBandBps: 1, targetBandBps: 0 }],
  ["the largest trigger band (5000)", { ...PARAMS, triggerBandBps: MAX_TRIGGER_BAND_BPS }],
  ["the largest target band (triggerBand - 1)", { ...PARAMS, targetBandBps: 299 }],
  ["no cooldown", { ...PARAMS, cooldown: 0 }],
  ["the longest cooldown (30 days)", { ...PARAMS, cooldown: MAX_COOLDOWN }],
  ["a calendar interval equal to the cooldown", { ...PARAMS, cooldown: 600, calendarInterval: 600 }],
  ["a 1-second calendar without cooldown", { ...PARAMS, cooldown: 0, calendarInterval: 1 }],
  ["the longest calendar interval (365 days)", { ...PARAMS, calendarInterval: MAX_CALENDAR_INTERVAL }],
  [
    "every bound at its maximum together",
    { triggerBandBps: 5_000, targetBandBps: 4_999, cooldown: MAX_COOLDOWN, calendarInterval: MAX_CALENDAR_INTERVAL },
  ],
];

describe("BallastPolicy", () => {
  describe("constructor", () => {
    it("reverts on a zero admin", async () => {
      const [deployer] = await ethers.getSigners();
      const factory = new BallastPolicy__factory(deployer);
      await expect(factory.deploy(ZeroAddress, PARAMS)).to.be.revertedWithCustomError(factory, "BallastZeroAddress");
    });

    it("makes the admin (only) DEFAULT_ADMIN_ROLE, which administers itself", async () => {
      const { policy, admin, stranger } = await loadFixture(policyFixture);
      expect(await policy.DEFAULT_ADMIN_ROLE()).to.equal(ZeroHash);
      expect(await policy.hasRole(ZeroHash, admin.address)).to.be.true;
      expect(await policy.hasRole(ZeroHash, stranger.address)).to.be.false;
      expect(await policy.getRoleAdmin(ZeroHash)).to.equal(ZeroHash);
    });

    it("emits TriggerParamsSet from all zeros to the initial parameters", async () => {
      const { policy } = await loadFixture(policyFixture);
      await expect(policy.deploymentTransaction())
        .to.emit(policy, "TriggerParamsSet")
        .withArgs([0n, 0n, 0n, 0n], tuple(PARAMS));
    });

    it("stores the parameters, starts every rebalancer at lastRebalance 0 and exposes the hard bounds", async () => {
      const { policy, rebalancerA } = await loadFixture(policyFixture);
      expect(await policy.triggerParams()).to.deep.equal(tuple(PARAMS));
      expect(await policy.lastRebalance(rebalancerA.address)).to.equal(0n);
      expect(await policy.MAX_TRIGGER_BAND_BPS()).to.equal(MAX_TRIGGER_BAND_BPS);
      expect(await policy.MAX_COOLDOWN()).to.equal(MAX_COOLDOWN);
      expect(await policy.MAX_CALENDAR_INTERVAL()).to.equal(MAX_CALENDAR_INTERVAL);
    });

    for (const [label, params] of AT_BOUNDS) {
      it(`accepts ${label}`, async () => {
        const { factory, admin } = await loadFixture(policyFixture);
        const policy = await factory.deploy(admin.address, params);
        expect(await policy.triggerParams()).to.deep.equal(tuple(params));
      });
    }

    for (const { label, params, error } of OUT_OF_RANGE) {
      it(`rejects ${label}`, async () => {
        const { factory, admin } = await loadFixture(policyFixture);
        await expect(factory.deploy(admin.address, params))
          .to.be.revertedWithCustomError(factory, "BallastParameterOutOfRange")
          .withArgs(...error);
      });
    }
  });

  describe("setTriggerParams", () => {
    const NEW = { triggerBandBps: 500, targetBandBps: 50, cooldown: 3_600, calendarInterval: 7 * DAY } as const;

    it("is restricted to DEFAULT_ADMIN_ROLE", async () => {
      const { policy, stranger, rebalancerA } = await loadFixture(policyFixture);
      for (const caller of [stranger, rebalancerA]) {
        await expect(policy.connect(caller).setTriggerParams(NEW))
          .to.be.revertedWithCustomError(policy, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, ZeroHash);
      }
      expect(await policy.triggerParams()).to.deep.equal(tuple(PARAMS));
    });

    it("reverts BallastParameterUnchanged when nothing would change", async () => {
      const { policy, admin } = await loadFixture(policyFixture);
      await expect(policy.connect(admin).setTriggerParams(PARAMS)).to.be.revertedWithCustomError(
        policy,
        "BallastParameterUnchanged",
      );
    });

    it("emits TriggerParamsSet(old, new) and triggerParams() reflects the change", async () => {
      const { policy, admin } = await loadFixture(policyFixture);
      await expect(policy.connect(admin).setTriggerParams(NEW))
        .to.emit(policy, "TriggerParamsSet")
        .withArgs(tuple(PARAMS), tuple(NEW));
      expect(await policy.triggerParams()).to.deep.equal(tuple(NEW));
      // And back: the old value of the next change is the one just set.
      await expect(policy.connect(admin).setTriggerParams(PARAMS))
        .to.emit(policy, "TriggerParamsSet")
        .withArgs(tuple(NEW), tuple(PARAMS));
      expect(await policy.triggerParams()).to.deep.equal(tuple(PARAMS));
    });

    const singleChanges: [string, TriggerParams][] = [
      ["triggerBandBps", { ...PARAMS, triggerBandBps: 301 }],
      ["targetBandBps", { ...PARAMS, targetBandBps: 99 }],
      ["cooldown", { ...PARAMS, cooldown: 601 }],
      ["calendarInterval", { ...PARAMS, calendarInterval: DAY }],
    ];
    for (const [field, params] of singleChanges) {
      it(`counts a change of ${field} alone as a change`, async () => {
        const { policy, admin } = await loadFixture(policyFixture);
        await expect(policy.connect(admin).setTriggerParams(params))
          .to.emit(policy, "TriggerParamsSet")
          .withArgs(tuple(PARAMS), tuple(params));
        expect(await policy.triggerParams()).to.deep.equal(tuple(params));
      });
    }

    for (const [label, params] of AT_BOUNDS) {
      it(`accepts ${label}`, async () => {
        const { policy, admin } = await loadFixture(policyFixture);
        await expect(policy.connect(admin).setTriggerParams(params)).to.emit(policy, "TriggerParamsSet");
        expect(await policy.triggerParams()).to.deep.equal(tuple(params));
      });
    }

    for (const { label, params, error } of OUT_OF_RANGE) {
      it(`rejects ${label} and keeps the parameters in force`, async () => {
        const { policy, admin } = await loadFixture(policyFixture);
        await expect(policy.connect(admin).setTriggerParams(params))
          .to.be.revertedWithCustomError(policy, "BallastParameterOutOfRange")
          .withArgs(...error);
        expect(await policy.triggerParams()).to.deep.equal(tuple(PARAMS));
      });
    }

    it("applies new parameters to the state already recorded (a longer cooldown extends a running one)", async () => {
      const { policy, admin, rebalancerA } = await loadFixture(policyFixture);
      const last = await record(policy, rebalancerA);
      await policy.connect(admin).setTriggerParams({ ...PARAMS, cooldown: 3_600 });
      await time.increaseTo(last + 600);
      expect(await statusOf(policy, rebalancerA.address, 300)).to.equal(Status.Cooldown);
      await time.increaseTo(last + 3_600);
      expect(await statusOf(policy, rebalancerA.address, 300)).to.equal(Status.Due);
    });
  });

  describe("recordRebalance and lastRebalance", () => {
    it("records the block timestamp for the calling rebalancer and emits RebalanceRecorded(rebalancer, timestamp)", async () => {
      const { policy, rebalancerA } = await loadFixture(policyFixture);
      const next = (await time.latest()) + 100;
      await time.setNextBlockTimestamp(next);
      await expect(policy.connect(rebalancerA).recordRebalance())
        .to.emit(policy, "RebalanceRecorded")
        .withArgs(rebalancerA.address, next);
      expect(await policy.lastRebalance(rebalancerA.address)).to.equal(next);
    });

    it("keeps state per rebalancer: one rebalancer's record leaves another at 0", async () => {
      const { policy, rebalancerA, rebalancerB } = await loadFixture(policyFixture);
      const lastA = await record(policy, rebalancerA);
      expect(await policy.lastRebalance(rebalancerA.address)).to.equal(lastA);
      expect(await policy.lastRebalance(rebalancerB.address)).to.equal(0n);
      const lastB = await record(policy, rebalancerB);
      expect(lastB).to.be.greaterThan(lastA);
      expect(await policy.lastRebalance(rebalancerA.address)).to.equal(lastA);
      expect(await policy.lastRebalance(rebalancerB.address)).to.equal(lastB);
    });

    it("overwrites the previous record of the same rebalancer", async () => {
      const { policy, rebalancerA } = await loadFixture(policyFixture);
      const first = await record(policy, rebalancerA);
      await time.increase(DAY);
      const second = await record(policy, rebalancerA);
      expect(second).to.be.greaterThan(first);
      expect(await policy.lastRebalance(rebalancerA.address)).to.equal(second);
    });
  });

  describe("evaluate: trigger band", () => {
    it("is NotDue at triggerBand - 1 and Due at triggerBand (and above), for a rebalancer that never rebalanced", async () => {
      const { policy, rebalancerA } = await loadFixture(policyFixture);
      expect(await policy.lastRebalance(rebalancerA.address)).to.equal(0n);
      expect(await policy.evaluate(rebalancerA.address, 0)).to.deep.equal([Status.NotDue, 100n]);
      expect(await policy.evaluate(rebalancerA.address, 299)).to.deep.equal([Status.NotDue, 100n]);
      expect(await policy.evaluate(rebalancerA.address, 300)).to.deep.equal([Status.Due, 100n]);
      expect(await policy.evaluate(rebalancerA.address, 301)).to.deep.equal([Status.Due, 100n]);
      expect(await policy.evaluate(rebalancerA.address, 10_000)).to.deep.equal([Status.Due, 100n]);
    });

    it("fires at a drift of 1 with the smallest trigger band", async () => {
      const { factory, admin, rebalancerA } = await loadFixture(policyFixture);
      const policy = await factory.deploy(admin.address, { ...PARAMS, triggerBandBps: 1, targetBandBps: 0 });
      expect(await policy.evaluate(rebalancerA.address, 0)).to.deep.equal([Status.NotDue, 0n]);
      expect(await policy.evaluate(rebalancerA.address, 1)).to.deep.equal([Status.Due, 0n]);
    });

    it("follows a new trigger band at once", async () => {
      const { policy, admin, rebalancerA } = await loadFixture(policyFixture);
      await policy.connect(admin).setTriggerParams({ ...PARAMS, triggerBandBps: 500, targetBandBps: 0 });
      expect(await policy.evaluate(rebalancerA.address, 499)).to.deep.equal([Status.NotDue, 0n]);
      expect(await policy.evaluate(rebalancerA.address, 500)).to.deep.equal([Status.Due, 0n]);
    });

    it("does not depend on who calls it", async () => {
      const { policy, rebalancerA, rebalancerB, stranger } = await loadFixture(policyFixture);
      await record(policy, rebalancerA);
      for (const caller of [rebalancerA, rebalancerB, stranger]) {
        expect(await policy.connect(caller).evaluate(rebalancerA.address, 300)).to.deep.equal([Status.Cooldown, 100n]);
        expect(await policy.connect(caller).evaluate(rebalancerB.address, 300)).to.deep.equal([Status.Due, 100n]);
      }
    });
  });

  describe("evaluate: cooldown", () => {
    it("is Cooldown right after recordRebalance, even with the largest drift", async () => {
      const { policy, rebalancerA } = await loadFixture(policyFixture);
      const last = await record(policy, rebalancerA);
      expect(await time.latest()).to.equal(last); // views run at the latest block's timestamp
      expect(await policy.evaluate(rebalancerA.address, 10_000)).to.deep.equal([Status.Cooldown, 100n]);
      expect(await policy.evaluate(rebalancerA.address, 0)).to.deep.equal([Status.Cooldown, 100n]);
    });

    it("is Cooldown at last + cooldown - 1 and Due at last + cooldown", async () => {
      const { policy, rebalancerA } = await loadFixture(policyFixture);
      const last = await record(policy, rebalancerA);
      await time.increaseTo(last + PARAMS.cooldown - 1);
      expect(await statusOf(policy, rebalancerA.address, 300)).to.equal(Status.Cooldown);
      await time.increaseTo(last + PARAMS.cooldown);
      expect(await statusOf(policy, rebalancerA.address, 300)).to.equal(Status.Due);
      expect(await statusOf(policy, rebalancerA.address, 299)).to.equal(Status.NotDue);
    });

    it("does not hold a rebalancer that never rebalanced (lastRebalance 0) in cooldown", async () => {
      const { factory, admin, rebalancerA } = await loadFixture(policyFixture);
      const policy = await factory.deploy(admin.address, { ...PARAMS, cooldown: MAX_COOLDOWN });
      expect(await policy.lastRebalance(rebalancerA.address)).to.equal(0n);
      expect(await statusOf(policy, rebalancerA.address, 300)).to.equal(Status.Due);
    });

    it("holds only the rebalancer that recorded: another rebalancer is still Due", async () => {
      const { policy, rebalancerA, rebalancerB } = await loadFixture(policyFixture);
      await record(policy, rebalancerA);
      expect(await statusOf(policy, rebalancerA.address, 300)).to.equal(Status.Cooldown);
      expect(await statusOf(policy, rebalancerB.address, 300)).to.equal(Status.Due);
      // The other rebalancer's later record starts its own cooldown, not a new one for the first.
      const lastA = Number(await policy.lastRebalance(rebalancerA.address));
      await time.increaseTo(lastA + 300);
      const lastB = await record(policy, rebalancerB);
      await time.increaseTo(lastA + PARAMS.cooldown);
      expect(await statusOf(policy, rebalancerA.address, 300)).to.equal(Status.Due);
      expect(await statusOf(policy, rebalancerB.address, 300)).to.equal(Status.Cooldown);
      await time.increaseTo(lastB + PARAMS.cooldown);
      expect(await statusOf(policy, rebalancerB.address, 300)).to.equal(Status.Due);
    });

    it("does not hold a rebalancer at all with a zero cooldown", async () => {
      const { factory, admin, rebalancerA } = await loadFixture(policyFixture);
      const policy = await factory.deploy(admin.address, { ...PARAMS, cooldown: 0 });
      await record(policy, rebalancerA);
      expect(await statusOf(policy, rebalancerA.address, 300)).to.equal(Status.Due);
      expect(await statusOf(policy, rebalancerA.address, 299)).to.equal(Status.NotDue);
    });
  });

  describe("evaluate: calendar", () => {
    // CALENDAR: trigger band 300, target band 100, cooldown 600, calendar one day.
    it("is NotDue before last + interval and DueByCalendar at and after it, between the two bands", async () => {
      const { policy, rebalancerA } = await loadFixture(calendarFixture);
      const last = await record(policy, rebalancerA);
      await time.increaseTo(last + CALENDAR.cooldown); // the cooldown is over
      expect(await policy.evaluate(rebalancerA.address, 101)).to.deep.equal([Status.NotDue, 100n]);
      expect(await policy.evaluate(rebalancerA.address, 299)).to.deep.equal([Status.NotDue, 100n]);
      await time.increaseTo(last + DAY - 1);
      expect(await statusOf(policy, rebalancerA.address, 101)).to.equal(Status.NotDue);
      expect(await statusOf(policy, rebalancerA.address, 299)).to.equal(Status.NotDue);
      await time.increaseTo(last + DAY);
      expect(await policy.evaluate(rebalancerA.address, 101)).to.deep.equal([Status.DueByCalendar, 100n]);
      expect(await policy.evaluate(rebalancerA.address, 299)).to.deep.equal([Status.DueByCalendar, 100n]);
      await time.increaseTo(last + 30 * DAY);
      expect(await statusOf(policy, rebalancerA.address, 200)).to.equal(Status.DueByCalendar);
    });

    it("never fires for drift within the target band (no dust trades), even long after the interval", async () => {
      const { policy, rebalancerA } = await loadFixture(calendarFixture);
      const last = await record(policy, rebalancerA);
      await time.increaseTo(last + DAY);
      expect(await statusOf(policy, rebalancerA.address, 0)).to.equal(Status.NotDue);
      expect(await statusOf(policy, rebalancerA.address, 100)).to.equal(Status.NotDue);
      expect(await statusOf(policy, rebalancerA.address, 101)).to.equal(Status.DueByCalendar);
      await time.increaseTo(last + 365 * DAY);
      expect(await statusOf(policy, rebalancerA.address, 100)).to.equal(Status.NotDue);
    });

    it("reports Due, not DueByCalendar, once the trigger band is reached", async () => {
      const { policy, rebalancerA } = await loadFixture(calendarFixture);
      const last = await record(policy, rebalancerA);
      await time.increaseTo(last + DAY);
      expect(await statusOf(policy, rebalancerA.address, 300)).to.equal(Status.Due);
    });

    it("never fires with calendarInterval 0, however long since the last rebalance", async () => {
      const { policy, rebalancerA } = await loadFixture(policyFixture);
      const last = await record(policy, rebalancerA);
      await time.increaseTo(last + 2 * MAX_CALENDAR_INTERVAL);
      expect(await statusOf(policy, rebalancerA.address, 101)).to.equal(Status.NotDue);
      expect(await statusOf(policy, rebalancerA.address, 299)).to.equal(Status.NotDue);
      expect(await statusOf(policy, rebalancerA.address, 300)).to.equal(Status.Due);
    });

    it("yields to the cooldown: with interval == cooldown it fires exactly when the cooldown ends", async () => {
      const { factory, admin, rebalancerA } = await loadFixture(policyFixture);
      const policy = await factory.deploy(admin.address, { ...PARAMS, cooldown: 600, calendarInterval: 600 });
      const last = await record(policy, rebalancerA);
      expect(await statusOf(policy, rebalancerA.address, 200)).to.equal(Status.Cooldown);
      await time.increaseTo(last + 599);
      expect(await statusOf(policy, rebalancerA.address, 200)).to.equal(Status.Cooldown);
      await time.increaseTo(last + 600);
      expect(await statusOf(policy, rebalancerA.address, 200)).to.equal(Status.DueByCalendar);
    });

    it("counts a rebalancer that never rebalanced (lastRebalance 0) as past its calendar", async () => {
      const { policy, rebalancerA } = await loadFixture(calendarFixture);
      expect(await policy.lastRebalance(rebalancerA.address)).to.equal(0n);
      expect(await statusOf(policy, rebalancerA.address, 101)).to.equal(Status.DueByCalendar);
      expect(await statusOf(policy, rebalancerA.address, 100)).to.equal(Status.NotDue);
    });

    it("runs per rebalancer: one rebalancer's record restarts only its own calendar", async () => {
      const { policy, rebalancerA, rebalancerB } = await loadFixture(calendarFixture);
      const lastA = await record(policy, rebalancerA);
      await time.increaseTo(lastA + DAY / 2);
      const lastB = await record(policy, rebalancerB);
      await time.increaseTo(lastA + DAY);
      expect(await statusOf(policy, rebalancerA.address, 200)).to.equal(Status.DueByCalendar);
      expect(await statusOf(policy, rebalancerB.address, 200)).to.equal(Status.NotDue);
      await time.increaseTo(lastB + DAY);
      expect(await statusOf(policy, rebalancerB.address, 200)).to.equal(Status.DueByCalendar);
    });
  });

  describe("decision and decide: the policy's whole say on a rebalance in one call", () => {
    const PRICE = 10n ** 18n;
    const UNIT = 10n ** 6n;

    /** `decision` for `who` at `drift`, checked against the four views it stands for; its status. */
    async function agrees(policy: BallastPolicy, who: string, drift: number): Promise<bigint> {
      const d = await policy.decision(who, drift, PRICE, UNIT);
      const [status, band] = await policy.evaluate(who, drift);
      expect([d.status, d.targetBandBps, d.triggerBandBps, d.minLegValue, d.costGateActive]).to.deep.equal([
        status,
        band,
        await policy.effectiveTriggerBand(who),
        await policy.minLegValue(PRICE, UNIT),
        await policy.costGateActive(),
      ]);
      return d.status;
    }

    it("answers as evaluate, effectiveTriggerBand, minLegValue and costGateActive, in every status", async () => {
      const { policy, rebalancerA } = await loadFixture(calendarFixture);
      const seen = new Set<bigint>();
      for (const drift of [0, 100, 101, 299, 300, 5_000]) seen.add(await agrees(policy, rebalancerA.address, drift));
      const last = await record(policy, rebalancerA);
      for (const drift of [0, 300, 5_000]) seen.add(await agrees(policy, rebalancerA.address, drift));
      await time.increaseTo(last + 600);
      for (const drift of [101, 299, 300]) seen.add(await agrees(policy, rebalancerA.address, drift));
      await time.increaseTo(last + DAY);
      for (const drift of [100, 101, 300]) seen.add(await agrees(policy, rebalancerA.address, drift));
      expect([...seen].sort()).to.deep.equal(
        [Status.Due, Status.DueByCalendar, Status.NotDue, Status.Cooldown].map(BigInt).sort(),
      );
    });

    it("carries the cost gate's state and leg floor", async () => {
      const { policy, admin, rebalancerA } = await loadFixture(policyFixture);
      expect((await policy.decision(rebalancerA.address, 300, PRICE, UNIT)).costGateActive).to.equal(false);
      const gasToken = await new MockBallastOracle__factory(admin).deploy(3_000n * 10n ** 18n, 50);
      await policy.setCostParams({
        benefitPerBpWad: 10n ** 12n,
        maxCostRatioBps: 10_000,
        gasBase: 200_000,
        gasPerHop: 100_000,
        gasTokenOracle: gasToken,
      });
      await agrees(policy, rebalancerA.address, 300);
      // In a transaction, at its block's base fee, the leg floor is worth something: a leg's gas
      // (gasPerHop) in base units, over what a unit traded is worth to the gate, rounded up.
      const vault = await new MockPolicyVault__factory(admin).deploy(policy, []);
      const receipt = (await (await vault.decide(300, PRICE, UNIT)).wait())!;
      const [decided] = vault.interface.parseLog(receipt.logs[0])!.args;
      const baseFee = (await ethers.provider.getBlock(receipt.blockNumber))!.baseFeePerGas!;
      const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
      const legGas = ceilDiv(100_000n * baseFee * 3_000n * 10n ** 18n * UNIT, 10n ** 18n * PRICE);
      const worth = 2n * 10n ** 12n * 10_000n;
      expect(decided.minLegValue).to.equal(ceilDiv(legGas * 10n ** 18n, worth));
      expect(decided.minLegValue).to.be.greaterThan(0n);
      expect(decided.costGateActive).to.equal(true);
    });

    it("decide answers as decision for its caller, and observes nothing while scaling is off", async () => {
      const { policy, rebalancerA } = await loadFixture(policyFixture);
      for (const drift of [0, 299, 300]) {
        expect(await policy.connect(rebalancerA).decide.staticCall(drift, PRICE, UNIT)).to.deep.equal(
          await policy.decision(rebalancerA.address, drift, PRICE, UNIT),
        );
      }
      await expect(policy.connect(rebalancerA).decide(300, PRICE, UNIT)).not.to.emit(policy, "Observed");
      expect(await policy.variances(rebalancerA.address)).to.deep.equal([[], 0n]);
    });
  });
});
