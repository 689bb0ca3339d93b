import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { id, MaxUint256, parseUnits, toBeHex, ZeroAddress, ZeroHash, zeroPadValue } from "ethers";
import type { ContractTransactionResponse } from "ethers";
import { ethers } from "hardhat";

import type { LocalMarket } from "../../src/market";
import { DEFAULT_TIMELOCK_DELAY, DEFAULT_TRIGGERS, defaultParams, deployVault } from "../../src/vault";
import type { DeployedVault } from "../../src/vault";
import { BallastPolicy__factory, BallastRebalancer__factory, IERC20__factory } from "../../typechain-types";
import type { BallastPolicy, BallastRebalancer, BallastVault, TimelockController } from "../../typechain-types";
import type { IBallastPolicy } from "../../typechain-types/artifacts/contracts/BallastPolicy";
import type { IBallastVault } from "../../typechain-types/artifacts/contracts/BallastVault";
import { Parameter } from "../../src/vault/enums";
import { FOUR_ASSET_BASKET } from "../shared/fixtures";
import { depositUsdc, rebalanceUntilSettled, Status } from "../shared/vault";
import { deployLocalMarket } from "../shared/market";

type RebalanceParams = IBallastVault.RebalanceParamsStruct;
type TriggerParams = IBallastPolicy.TriggerParamsStruct;

const DAY = 24 * 60 * 60;
const BPS = 10_000n;
const USDC_UNIT = 10n ** 6n;
/** The default execution bounds of a USDC-based vault (minTradeValue 10 USDC). */
const PARAMS = defaultParams(6);
/** The default policy's cooldown, in seconds. */
const COOLDOWN = Number(DEFAULT_TRIGGERS.cooldown);
/** `TimelockController._encodeStateBitmap(OperationState.Ready)`. */
const READY_STATE = zeroPadValue(toBeHex(1n << 2n), 32);

/** A struct as the event arguments and return values present it (field order of the struct). */
function tuple(p: RebalanceParams): bigint[] {
  return [p.slippageBps, p.maxTradeBps, p.maxLossBps, p.minTradeValue, p.maxPoolGapBps].map((v) => BigInt(v));
}

function triggerTuple(t: TriggerParams): bigint[] {
  return [t.triggerBandBps, t.targetBandBps, t.cooldown, t.calendarInterval].map((v) => BigInt(v));
}

interface Actors {
  deployer: HardhatEthersSigner;
  admin: HardhatEthersSigner;
  guardian: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
}

interface Fixture extends DeployedVault, Actors {
  market: LocalMarket;
}

async function actors(): Promise<Actors> {
  const [deployer, admin, guardian, stranger, alice, bob] = await ethers.getSigners();
  return { deployer, admin, guardian, stranger, alice, bob };
}

/** The four-asset vault governed directly by an `admin` signer, with a separate `guardian`; empty. */
async function directFixture(): Promise<Fixture> {
  const a = await actors();
  const market = await deployLocalMarket();
  const deployed = await deployVault(market, {
    basket: FOUR_ASSET_BASKET,
    governance: { admin: a.admin.address, guardian: a.guardian.address },
  });
  return { market, ...deployed, ...a };
}

/** The same with $600k from alice and $400k from bob, not yet invested (a rebalance is due). */
async function depositedFixture(): Promise<Fixture> {
  const f = await directFixture();
  await depositUsdc(f.market, f.vault, f.alice, 600_000);
  await depositUsdc(f.market, f.vault, f.bob, 400_000);
  return f;
}

/** The same, invested at target weights (the last rebalance's cooldown is running). */
async function investedFixture(): Promise<Fixture> {
  const f = await depositedFixture();
  await rebalanceUntilSettled(f.market, f.vault);
  return f;
}

/** The invested vault, then paused by its guardian. */
async function pausedFixture(): Promise<Fixture> {
  const f = await investedFixture();
  await (await f.vault.connect(f.guardian).pause()).wait();
  return f;
}

/** The default deployment: a TimelockController (2-day delay, the deployer proposing) governs. */
async function timelockFixture(): Promise<Fixture & { timelock: TimelockController }> {
  const a = await actors();
  const market = await deployLocalMarket();
  const deployed = await deployVault(market, { basket: FOUR_ASSET_BASKET });
  const { timelock } = deployed;
  if (!timelock) throw new Error("the default deployment has a timelock");
  return { market, ...deployed, timelock, ...a };
}

/** Moves WETH +15% and LINK -8% on the feeds and in the pools, after the cooldown: a rebalance is due. */
async function drift(f: Fixture): Promise<bigint> {
  await time.increase(COOLDOWN);
  await f.market.setFeedPrice("WETH", 3_450);
  await f.market.setFeedPrice("LINK", 13.8);
  await f.market.alignAllPools();
  const driftBps = await f.rebalancer.maxDrift();
  expect(driftBps).to.be.greaterThanOrEqual(200n);
  expect(driftBps).to.be.lessThan(5_000n);
  return driftBps;
}

/** The Swapped events of a transaction, by amount in. */
async function swappedAmounts(vault: BallastVault, tx: ContractTransactionResponse): Promise<bigint[]> {
  const receipt = await tx.wait();
  if (!receipt) throw new Error("no receipt");
  const vaultAddress = await vault.getAddress();
  return receipt.logs
    .filter((log) => log.address === vaultAddress)
    .map((log) => vault.interface.parseLog(log))
    .filter((parsed) => parsed?.name === "Swapped")
    .map((parsed) => parsed!.args.amountIn as bigint);
}

describe("BallastVault governance", function () {
  describe("roles", function () {
    it("GUARDIAN_ROLE is keccak256('GUARDIAN_ROLE') and DEFAULT_ADMIN_ROLE is zero", async function () {
      const { vault } = await loadFixture(directFixture);
      expect(await vault.GUARDIAN_ROLE()).to.equal(id("GUARDIAN_ROLE"));
      expect(await vault.DEFAULT_ADMIN_ROLE()).to.equal(ZeroHash);
    });

    it("grants the admin and the guardian their roles, and nothing to anyone else", async function () {
      const { vault, policy, rebalancer, admin, guardian, deployer, stranger } = await loadFixture(directFixture);
      const guardianRole = await vault.GUARDIAN_ROLE();
      expect(await vault.hasRole(ZeroHash, admin.address)).to.be.true;
      expect(await vault.hasRole(guardianRole, guardian.address)).to.be.true;
      expect(await vault.hasRole(guardianRole, admin.address)).to.be.false;
      expect(await vault.hasRole(ZeroHash, guardian.address)).to.be.false;
      for (const other of [deployer, stranger]) {
        expect(await vault.hasRole(ZeroHash, other.address)).to.be.false;
        expect(await vault.hasRole(guardianRole, other.address)).to.be.false;
      }
      // The admin administers the guardian role too (OpenZeppelin's default role admin).
      expect(await vault.getRoleAdmin(guardianRole)).to.equal(ZeroHash);
      expect(await policy.hasRole(ZeroHash, admin.address)).to.be.true;
      expect(await policy.hasRole(ZeroHash, deployer.address)).to.be.false;
      expect(await rebalancer.hasRole(ZeroHash, admin.address)).to.be.true;
      expect(await rebalancer.hasRole(ZeroHash, deployer.address)).to.be.false;
      expect(await vault.rebalancer()).to.equal(await rebalancer.getAddress());
      expect(await rebalancer.vault()).to.equal(await vault.getAddress());
      expect(await rebalancer.policy()).to.equal(await policy.getAddress());
    });

    it("by default makes the timelock the admin of vault, policy and rebalancer, and the deployer the guardian", async function () {
      const { vault, policy, rebalancer, timelock, deployer, stranger } = await loadFixture(timelockFixture);
      const guardianRole = await vault.GUARDIAN_ROLE();
      for (const governed of [vault, policy, rebalancer]) {
        expect(await governed.hasRole(ZeroHash, timelock)).to.be.true;
        expect(await governed.hasRole(ZeroHash, deployer.address)).to.be.false;
      }
      expect(await vault.hasRole(guardianRole, deployer.address)).to.be.true;
      expect(await vault.hasRole(guardianRole, timelock)).to.be.false;

      expect(await timelock.getMinDelay()).to.equal(BigInt(DEFAULT_TIMELOCK_DELAY));
      expect(DEFAULT_TIMELOCK_DELAY).to.equal(2 * DAY);
      expect(await timelock.hasRole(await timelock.PROPOSER_ROLE(), deployer.address)).to.be.true;
      expect(await timelock.hasRole(await timelock.EXECUTOR_ROLE(), deployer.address)).to.be.true;
      expect(await timelock.hasRole(await timelock.CANCELLER_ROLE(), deployer.address)).to.be.true;
      // No bypass: the timelock alone administers itself.
      expect(await timelock.hasRole(ZeroHash, deployer.address)).to.be.false;
      expect(await timelock.hasRole(ZeroHash, timelock)).to.be.true;
      expect(await timelock.hasRole(await timelock.PROPOSER_ROLE(), stranger.address)).to.be.false;
      expect(await timelock.hasRole(await timelock.EXECUTOR_ROLE(), ZeroAddress)).to.be.false;
    });

    it("lets the admin rotate the guardian", async function () {
      const { vault, admin, guardian, stranger } = await loadFixture(directFixture);
      const guardianRole = await vault.GUARDIAN_ROLE();
      await vault.connect(admin).revokeRole(guardianRole, guardian.address);
      await vault.connect(admin).grantRole(guardianRole, stranger.address);
      await expect(vault.connect(guardian).pause())
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(guardian.address, guardianRole);
      await expect(vault.connect(stranger).pause()).to.emit(vault, "Paused").withArgs(stranger.address);
    });

    it("does not let the guardian grant roles", async function () {
      const { vault, guardian, stranger } = await loadFixture(directFixture);
      await expect(vault.connect(guardian).grantRole(await vault.GUARDIAN_ROLE(), stranger.address))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(guardian.address, ZeroHash);
    });
  });

  describe("pause and unpause", function () {
    it("pauses by the guardian, emitting Paused", async function () {
      const { vault, guardian } = await loadFixture(directFixture);
      expect(await vault.paused()).to.be.false;
      await expect(vault.connect(guardian).pause()).to.emit(vault, "Paused").withArgs(guardian.address);
      expect(await vault.paused()).to.be.true;
    });

    it("pauses by the admin", async function () {
      const { vault, admin } = await loadFixture(directFixture);
      await expect(vault.connect(admin).pause()).to.emit(vault, "Paused").withArgs(admin.address);
      expect(await vault.paused()).to.be.true;
    });

    it("refuses a pause by anyone else, naming GUARDIAN_ROLE", async function () {
      const { vault, stranger, deployer, alice } = await loadFixture(depositedFixture);
      for (const other of [stranger, deployer, alice]) {
        await expect(vault.connect(other).pause())
          .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
          .withArgs(other.address, await vault.GUARDIAN_ROLE());
      }
      expect(await vault.paused()).to.be.false;
    });

    it("refuses to pause twice (EnforcedPause) and to unpause while running (ExpectedPause)", async function () {
      const { vault, guardian, admin } = await loadFixture(directFixture);
      await expect(vault.connect(admin).unpause()).to.be.revertedWithCustomError(vault, "ExpectedPause");
      await vault.connect(guardian).pause();
      await expect(vault.connect(admin).pause()).to.be.revertedWithCustomError(vault, "EnforcedPause");
    });

    it("unpauses by the admin only, emitting Unpaused", async function () {
      const { vault, admin, guardian, stranger } = await loadFixture(pausedFixture);
      await expect(vault.connect(guardian).unpause())
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(guardian.address, ZeroHash);
      await expect(vault.connect(stranger).unpause())
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, ZeroHash);
      expect(await vault.paused()).to.be.true;
      await expect(vault.connect(admin).unpause()).to.emit(vault, "Unpaused").withArgs(admin.address);
      expect(await vault.paused()).to.be.false;
    });

    it("keeps the pause flag, the fees and the execution bounds apart, though they share a slot: each setter leaves the others", async function () {
      const { vault, admin, guardian, stranger } = await loadFixture(directFixture);
      const fees = { managementFeeBps: 100n, entryFeeBps: 10n, exitFeeBps: 20n, recipient: stranger.address };
      const asTuple = (f: typeof fees) => [f.managementFeeBps, f.entryFeeBps, f.exitFeeBps, f.recipient];
      const bounds = async () => tuple((await vault.basketState()).params);
      await vault.connect(admin).setFeeParams(fees);
      expect(await bounds()).to.deep.equal(tuple(PARAMS));
      await vault.connect(guardian).pause();
      expect(await vault.paused()).to.be.true;
      expect([...(await vault.feeParams())]).to.deep.equal(asTuple(fees));
      expect(await bounds()).to.deep.equal(tuple(PARAMS));
      // Every bound at its widest, the dust floor at its largest (1e6 base tokens, 128 bits).
      const params = {
        slippageBps: 500,
        maxTradeBps: 10_000,
        maxLossBps: 500,
        minTradeValue: 10n ** 12n,
        maxPoolGapBps: 500,
      };
      await vault.connect(admin).setRebalanceParams(params);
      expect(await vault.paused()).to.be.true;
      expect([...(await vault.feeParams())]).to.deep.equal(asTuple(fees));
      const next = { ...fees, entryFeeBps: 0n, managementFeeBps: 0n };
      await vault.connect(admin).setFeeParams(next);
      expect(await vault.paused()).to.be.true;
      expect(await bounds()).to.deep.equal(tuple(params));
      await vault.connect(admin).unpause();
      expect(await vault.paused()).to.be.false;
      expect([...(await vault.feeParams())]).to.deep.equal(asTuple(next));
      expect(await bounds()).to.deep.equal(tuple(params));
      await vault.connect(admin).setFeeParams(fees);
      expect(await vault.paused()).to.be.false;
      expect(await bounds()).to.deep.equal(tuple(params));
    });

    describe("while paused", function () {
      it("refuses deposit and mint with EnforcedPause, and maxDeposit/maxMint are 0", async function () {
        const { vault, market, alice, stranger } = await loadFixture(pausedFixture);
        const amount = parseUnits("1000", 6);
        await market.fund(stranger.address, "USDC", amount);
        await market.token("USDC").contract.connect(stranger).approve(vault, MaxUint256);
        await expect(vault.connect(stranger).deposit(amount, stranger.address)).to.be.revertedWithCustomError(
          vault,
          "EnforcedPause",
        );
        await expect(vault.connect(stranger).mint(10n ** 18n, stranger.address)).to.be.revertedWithCustomError(
          vault,
          "EnforcedPause",
        );
        for (const user of [alice, stranger]) {
          expect(await vault.maxDeposit(user.address)).to.equal(0n);
          expect(await vault.maxMint(user.address)).to.equal(0n);
        }
      });

      it("refuses rebalance and performUpkeep with EnforcedPause, even when one would be due", async function () {
        const f = await loadFixture(pausedFixture);
        await drift(f);
        await expect(f.rebalancer.rebalance()).to.be.revertedWithCustomError(f.rebalancer, "EnforcedPause");
        await expect(f.rebalancer.connect(f.stranger).performUpkeep("0x")).to.be.revertedWithCustomError(
          f.rebalancer,
          "EnforcedPause",
        );
      });

      it("reports Paused with the current drift in rebalanceStatus, and checkUpkeep says no", async function () {
        const f = await loadFixture(pausedFixture);
        const driftBps = await drift(f);
        const [status, statusDrift, band] = await f.rebalancer.rebalanceStatus();
        expect(status).to.equal(Status.Paused);
        expect(statusDrift).to.equal(driftBps);
        expect(band).to.equal(0n);
        expect(await f.rebalancer.checkUpkeep("0x")).to.deep.equal([false, "0x"]);
      });

      it("still lets holders withdraw in the base asset", async function () {
        const { vault, market, alice } = await loadFixture(pausedFixture);
        const usdc = market.token("USDC").contract;
        const amount = 10_000n * USDC_UNIT;
        const shares = await vault.previewWithdraw(amount);
        const before = await usdc.balanceOf(alice);
        await expect(vault.connect(alice).withdraw(amount, alice.address, alice.address))
          .to.emit(vault, "Withdraw")
          .withArgs(alice.address, alice.address, alice.address, amount, shares);
        expect((await usdc.balanceOf(alice)) - before).to.equal(amount);
      });

      it("still lets holders redeem in the base asset, selling basket assets through the pools", async function () {
        const { vault, market, bob } = await loadFixture(pausedFixture);
        const usdc = market.token("USDC").contract;
        const shares = await vault.balanceOf(bob);
        const least = await vault.previewRedeem(shares);
        // Bob's $400k is far beyond the ~$50k cash buffer: the exit must swap.
        expect(least).to.be.greaterThan(await usdc.balanceOf(vault));
        const before = await usdc.balanceOf(bob);
        await expect(vault.connect(bob).redeem(shares, bob.address, bob.address)).to.emit(vault, "Swapped");
        expect((await usdc.balanceOf(bob)) - before).to.be.greaterThanOrEqual(least);
        expect(await vault.balanceOf(bob)).to.equal(0n);
      });

      it("still lets holders redeem in kind", async function () {
        const { vault, alice } = await loadFixture(pausedFixture);
        const shares = (await vault.balanceOf(alice)) / 2n;
        const expected = await vault.previewRedeemInKind(shares);
        await expect(vault.connect(alice).redeemInKind(shares, alice.address, alice.address))
          .to.emit(vault, "RedeemedInKind")
          .withArgs(alice.address, alice.address, alice.address, shares, expected);
        const tokens = await vault.basketTokens();
        for (const [i, address] of tokens.entries()) {
          expect(await IERC20__factory.connect(address, alice).balanceOf(alice)).to.equal(expected[i]);
        }
      });

      it("resumes deposits and rebalances once the admin unpauses", async function () {
        const f = await loadFixture(pausedFixture);
        const driftBps = await drift(f);
        await f.vault.connect(f.admin).unpause();
        expect(await f.vault.maxDeposit(f.stranger.address)).to.equal(MaxUint256);
        expect(await f.rebalancer.rebalanceStatus()).to.deep.equal([Status.Due, driftBps, 0n]);
        await expect(f.rebalancer.rebalance()).to.emit(f.vault, "Rebalanced");
        await depositUsdc(f.market, f.vault, f.stranger, 1_000);
        expect(await f.vault.balanceOf(f.stranger)).to.be.greaterThan(0n);
      });
    });
  });

  describe("setRebalanceParams", function () {
    it("is for the admin only", async function () {
      const { vault, guardian, stranger, deployer } = await loadFixture(directFixture);
      const params = { ...PARAMS, slippageBps: 50 };
      for (const other of [guardian, stranger, deployer]) {
        await expect(vault.connect(other).setRebalanceParams(params))
          .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
          .withArgs(other.address, ZeroHash);
      }
      expect(tuple((await vault.basketState()).params)).to.deep.equal(tuple(PARAMS));
    });

    const cases: { field: keyof RebalanceParams; parameter: number; value: bigint; min: bigint; max: bigint }[] = [
      { field: "slippageBps", parameter: Parameter.SlippageBps, value: 0n, min: 1n, max: 500n },
      { field: "slippageBps", parameter: Parameter.SlippageBps, value: 501n, min: 1n, max: 500n },
      { field: "maxTradeBps", parameter: Parameter.MaxTradeBps, value: 99n, min: 100n, max: 10_000n },
      { field: "maxTradeBps", parameter: Parameter.MaxTradeBps, value: 10_001n, min: 100n, max: 10_000n },
      { field: "maxLossBps", parameter: Parameter.MaxLossBps, value: 0n, min: 1n, max: 500n },
      { field: "maxLossBps", parameter: Parameter.MaxLossBps, value: 501n, min: 1n, max: 500n },
      {
        field: "minTradeValue",
        parameter: Parameter.MinTradeValue,
        value: 1_000_000n * USDC_UNIT + 1n,
        min: 0n,
        max: 1_000_000n * USDC_UNIT,
      },
      {
        field: "minTradeValue",
        parameter: Parameter.MinTradeValue,
        value: (1n << 128n) - 1n,
        min: 0n,
        max: 1_000_000n * USDC_UNIT,
      },
    ];
    for (const c of cases) {
      it(`refuses ${c.field} = ${c.value} (outside [${c.min}, ${c.max}])`, async function () {
        const { vault, admin } = await loadFixture(directFixture);
        await expect(vault.connect(admin).setRebalanceParams({ ...PARAMS, [c.field]: c.value }))
          .to.be.revertedWithCustomError(vault, "BallastParameterOutOfRange")
          .withArgs(c.parameter, c.value, c.min, c.max);
        expect(tuple((await vault.basketState()).params)).to.deep.equal(tuple(PARAMS));
      });
    }

    it("accepts every bound at its minimum and at its maximum", async function () {
      const { vault, admin } = await loadFixture(directFixture);
      const lowest = { slippageBps: 1, maxTradeBps: 100, maxLossBps: 1, minTradeValue: 0n, maxPoolGapBps: 1 };
      const highest = {
        slippageBps: 500,
        maxTradeBps: 10_000,
        maxLossBps: 500,
        minTradeValue: 1_000_000n * USDC_UNIT,
        maxPoolGapBps: 500,
      };
      for (const params of [lowest, highest]) {
        await vault.connect(admin).setRebalanceParams(params);
        expect(tuple((await vault.basketState()).params)).to.deep.equal(tuple(params));
      }
    });

    it("refuses a no-op with BallastParameterUnchanged", async function () {
      const { vault, admin } = await loadFixture(directFixture);
      await expect(vault.connect(admin).setRebalanceParams(PARAMS)).to.be.revertedWithCustomError(
        vault,
        "BallastParameterUnchanged",
      );
    });

    it("checks the caller before the values", async function () {
      const { vault, stranger } = await loadFixture(directFixture);
      await expect(vault.connect(stranger).setRebalanceParams({ ...PARAMS, slippageBps: 0 }))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, ZeroHash);
      await expect(vault.connect(stranger).setRebalanceParams(PARAMS))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, ZeroHash);
    });

    it("sets new bounds, emitting RebalanceParamsSet(old, new)", async function () {
      const { vault, admin } = await loadFixture(directFixture);
      const next = {
        slippageBps: 30,
        maxTradeBps: 2_500,
        maxLossBps: 50,
        minTradeValue: 100n * USDC_UNIT,
        maxPoolGapBps: 10,
      };
      await expect(vault.connect(admin).setRebalanceParams(next))
        .to.emit(vault, "RebalanceParamsSet")
        .withArgs(tuple(PARAMS), tuple(next));
      expect(tuple((await vault.basketState()).params)).to.deep.equal(tuple(next));
      // A change of a single field is a change.
      const third = { ...next, minTradeValue: 100n * USDC_UNIT + 1n };
      await expect(vault.connect(admin).setRebalanceParams(third))
        .to.emit(vault, "RebalanceParamsSet")
        .withArgs(tuple(next), tuple(third));
      await expect(vault.connect(admin).setRebalanceParams(third)).to.be.revertedWithCustomError(
        vault,
        "BallastParameterUnchanged",
      );
    });

    it("works while paused", async function () {
      const { vault, admin } = await loadFixture(pausedFixture);
      const next = { ...PARAMS, maxLossBps: 20 };
      await expect(vault.connect(admin).setRebalanceParams(next)).to.emit(vault, "RebalanceParamsSet");
      expect(tuple((await vault.basketState()).params)).to.deep.equal(tuple(next));
    });

    it("governs the next rebalance: a lower maxTradeBps caps every trade lower", async function () {
      const { vault, rebalancer, admin } = await loadFixture(depositedFixture);
      await vault.connect(admin).setRebalanceParams({ ...PARAMS, maxTradeBps: 500 });
      const nav = await vault.totalAssets();
      const amounts = await swappedAmounts(vault, await rebalancer.rebalance());
      // Three buys (WETH, WBTC, LINK), each capped at 5% of NAV instead of the default 10%.
      const cap = (nav * 500n) / BPS;
      expect(amounts).to.deep.equal([cap, cap, cap]);
    });
  });

  describe("setRebalancer", function () {
    /** A second rebalancer for the fixture's vault, on the fixture's policy, administered by `admin`. */
    async function secondRebalancer(f: Fixture): Promise<BallastRebalancer> {
      const second = await new BallastRebalancer__factory(f.deployer).deploy(
        f.vault,
        f.policy,
        f.rebalancer.breakers(),
        f.rebalancer.planner(),
        f.admin.address,
      );
      await second.waitForDeployment();
      return second;
    }

    it("is for the admin only", async function () {
      const f = await loadFixture(directFixture);
      const second = await secondRebalancer(f);
      for (const other of [f.guardian, f.stranger, f.deployer]) {
        await expect(f.vault.connect(other).setRebalancer(second))
          .to.be.revertedWithCustomError(f.vault, "AccessControlUnauthorizedAccount")
          .withArgs(other.address, ZeroHash);
      }
      expect(await f.vault.rebalancer()).to.equal(await f.rebalancer.getAddress());
    });

    it("refuses the zero address with BallastZeroAddress", async function () {
      const { vault, admin } = await loadFixture(directFixture);
      await expect(vault.connect(admin).setRebalancer(ZeroAddress)).to.be.revertedWithCustomError(
        vault,
        "BallastZeroAddress",
      );
    });

    it("refuses an account without code with BallastNotAContract", async function () {
      const { vault, admin } = await loadFixture(directFixture);
      await expect(vault.connect(admin).setRebalancer(admin.address))
        .to.be.revertedWithCustomError(vault, "BallastNotAContract")
        .withArgs(admin.address);
    });

    it("refuses another vault's rebalancer with BallastRebalancerVault", async function () {
      const f = await loadFixture(directFixture);
      const other = await deployVault(f.market, {
        basket: FOUR_ASSET_BASKET,
        governance: { admin: f.admin.address, guardian: f.guardian.address },
      });
      await expect(f.vault.connect(f.admin).setRebalancer(other.rebalancer))
        .to.be.revertedWithCustomError(f.vault, "BallastRebalancerVault")
        .withArgs(await other.rebalancer.getAddress(), await f.vault.getAddress());
      expect(await f.vault.rebalancer()).to.equal(await f.rebalancer.getAddress());
    });

    it("refuses the rebalancer in force with BallastParameterUnchanged", async function () {
      const { vault, admin, rebalancer } = await loadFixture(directFixture);
      await expect(vault.connect(admin).setRebalancer(rebalancer)).to.be.revertedWithCustomError(
        vault,
        "BallastParameterUnchanged",
      );
    });

    it("hands the trading to a new rebalancer, emitting RebalancerSet(old, new)", async function () {
      const f = await loadFixture(directFixture);
      const second = await secondRebalancer(f);
      await expect(f.vault.connect(f.admin).setRebalancer(second))
        .to.emit(f.vault, "RebalancerSet")
        .withArgs(await f.rebalancer.getAddress(), await second.getAddress());
      expect(await f.vault.rebalancer()).to.equal(await second.getAddress());
      // And back.
      await expect(f.vault.connect(f.admin).setRebalancer(f.rebalancer))
        .to.emit(f.vault, "RebalancerSet")
        .withArgs(await second.getAddress(), await f.rebalancer.getAddress());
    });

    it("stops the old rebalancer trading (BallastNotRebalancer) and lets the new one trade", async function () {
      const f = await loadFixture(investedFixture);
      const driftBps = await drift(f);
      const second = await secondRebalancer(f);
      await f.vault.connect(f.admin).setRebalancer(second);
      const old = await f.rebalancer.getAddress();
      const oldRecord = await f.policy.lastRebalance(f.rebalancer);
      // Refused at its first call into the vault (recordPrices), before any trade.
      await expect(f.rebalancer.connect(f.stranger).rebalance())
        .to.be.revertedWithCustomError(f.vault, "BallastNotRebalancer")
        .withArgs(old);
      // The policy keeps a record per rebalancer: the new one has none, so no cooldown holds it.
      expect(await f.policy.lastRebalance(second)).to.equal(0n);
      expect(await second.rebalanceStatus()).to.deep.equal([Status.Due, driftBps, 0n]);
      await expect(second.connect(f.stranger).rebalance())
        .to.emit(f.vault, "Rebalanced")
        .withArgs(f.stranger.address, anyValue, anyValue, driftBps, anyValue, anyValue);
      expect(await f.policy.lastRebalance(second)).to.equal(BigInt(await time.latest()));
      expect(await f.policy.lastRebalance(f.rebalancer)).to.equal(oldRecord);
      expect(await second.maxDrift()).to.be.lessThan(200n);
    });
  });

  describe("recordPrices and executeRebalance", function () {
    it("refuse any caller but the rebalancer with BallastNotRebalancer(caller)", async function () {
      const { vault, admin, guardian, stranger } = await loadFixture(investedFixture);
      for (const caller of [stranger, admin, guardian]) {
        await expect(vault.connect(caller).recordPrices())
          .to.be.revertedWithCustomError(vault, "BallastNotRebalancer")
          .withArgs(caller.address);
        await expect(vault.connect(caller).executeRebalance([], stranger.address))
          .to.be.revertedWithCustomError(vault, "BallastNotRebalancer")
          .withArgs(caller.address);
      }
    });
  });

  describe("the rebalancer's setPolicy", function () {
    async function widePolicy(f: Fixture): Promise<BallastPolicy> {
      const wide = await new BallastPolicy__factory(f.deployer).deploy(f.admin.address, {
        ...DEFAULT_TRIGGERS,
        triggerBandBps: 5_000,
      });
      await wide.waitForDeployment();
      return wide;
    }

    it("is for the admin only", async function () {
      const f = await loadFixture(directFixture);
      const wide = await widePolicy(f);
      for (const other of [f.guardian, f.stranger, f.deployer]) {
        await expect(f.rebalancer.connect(other).setPolicy(wide))
          .to.be.revertedWithCustomError(f.rebalancer, "AccessControlUnauthorizedAccount")
          .withArgs(other.address, ZeroHash);
      }
      expect(await f.rebalancer.policy()).to.equal(await f.policy.getAddress());
    });

    it("refuses the zero address with BallastZeroAddress", async function () {
      const { rebalancer, admin } = await loadFixture(directFixture);
      await expect(rebalancer.connect(admin).setPolicy(ZeroAddress)).to.be.revertedWithCustomError(
        rebalancer,
        "BallastZeroAddress",
      );
    });

    it("refuses an account without code with BallastNotAContract", async function () {
      const { rebalancer, admin } = await loadFixture(directFixture);
      await expect(rebalancer.connect(admin).setPolicy(admin.address))
        .to.be.revertedWithCustomError(rebalancer, "BallastNotAContract")
        .withArgs(admin.address);
    });

    it("refuses the policy in force with BallastParameterUnchanged", async function () {
      const { rebalancer, admin, policy } = await loadFixture(directFixture);
      await expect(rebalancer.connect(admin).setPolicy(policy)).to.be.revertedWithCustomError(
        rebalancer,
        "BallastParameterUnchanged",
      );
    });

    it("points the rebalancer at a new policy, emitting PolicySet(old, new)", async function () {
      const f = await loadFixture(directFixture);
      const wide = await widePolicy(f);
      await expect(f.rebalancer.connect(f.admin).setPolicy(wide))
        .to.emit(f.rebalancer, "PolicySet")
        .withArgs(await f.policy.getAddress(), await wide.getAddress());
      expect(await f.rebalancer.policy()).to.equal(await wide.getAddress());
      // And back.
      await expect(f.rebalancer.connect(f.admin).setPolicy(f.policy))
        .to.emit(f.rebalancer, "PolicySet")
        .withArgs(await wide.getAddress(), await f.policy.getAddress());
    });

    it("follows the new policy's rules: a 50% trigger band makes a drifting vault NotDue", async function () {
      const f = await loadFixture(investedFixture);
      const driftBps = await drift(f);
      expect(await f.rebalancer.rebalanceStatus()).to.deep.equal([Status.Due, driftBps, 0n]);
      expect((await f.rebalancer.checkUpkeep("0x"))[0]).to.be.true;

      const wide = await widePolicy(f);
      await f.rebalancer.connect(f.admin).setPolicy(wide);
      expect(await f.rebalancer.rebalanceStatus()).to.deep.equal([Status.NotDue, driftBps, 0n]);
      expect(await f.rebalancer.checkUpkeep("0x")).to.deep.equal([false, "0x"]);
      await expect(f.rebalancer.rebalance())
        .to.be.revertedWithCustomError(f.rebalancer, "BallastRebalanceNotDue")
        .withArgs(Status.NotDue, driftBps);
    });

    it("records rebalances in the new policy and trades to its target band", async function () {
      const f = await loadFixture(investedFixture);
      const driftBps = await drift(f);
      // 50 bp is within the rebalancer's cap of 300 / (2 * 3 non-base assets).
      const banded = await new BallastPolicy__factory(f.deployer).deploy(f.admin.address, {
        ...DEFAULT_TRIGGERS,
        triggerBandBps: 300,
        targetBandBps: 50,
      });
      await f.rebalancer.connect(f.admin).setPolicy(banded);
      expect(await f.rebalancer.rebalanceStatus()).to.deep.equal([Status.Due, driftBps, 50n]);
      const oldRecord = await f.policy.lastRebalance(f.rebalancer);
      await expect(f.rebalancer.rebalance())
        .to.emit(banded, "RebalanceRecorded")
        .withArgs(await f.rebalancer.getAddress(), anyValue);
      expect(await banded.lastRebalance(f.rebalancer)).to.equal(BigInt(await time.latest()));
      expect(await f.policy.lastRebalance(f.rebalancer)).to.equal(oldRecord);
      expect((await f.rebalancer.rebalanceStatus())[0]).to.equal(Status.Cooldown);
    });
  });

  describe("keeper interface", function () {
    it("checkUpkeep returns (true, 0x) when a rebalance is due", async function () {
      const { rebalancer } = await loadFixture(depositedFixture);
      expect(await rebalancer.rebalanceStatus()).to.deep.equal([Status.Due, 9_500n, 0n]);
      expect(await rebalancer.checkUpkeep("0x")).to.deep.equal([true, "0x"]);
      // checkData is ignored.
      expect(await rebalancer.checkUpkeep("0x1234")).to.deep.equal([true, "0x"]);
    });

    it("checkUpkeep returns false in the cooldown, even with the drift above the trigger band", async function () {
      const { rebalancer, market } = await loadFixture(depositedFixture);
      await rebalancer.rebalance();
      await market.alignAllPools();
      const [status, driftBps] = await rebalancer.rebalanceStatus();
      expect(status).to.equal(Status.Cooldown);
      expect(driftBps).to.be.greaterThanOrEqual(200n);
      expect(await rebalancer.checkUpkeep("0x")).to.deep.equal([false, "0x"]);
      await time.increase(COOLDOWN);
      expect(await rebalancer.checkUpkeep("0x")).to.deep.equal([true, "0x"]);
    });

    it("checkUpkeep returns false below the trigger band", async function () {
      const { rebalancer } = await loadFixture(investedFixture);
      const [status, driftBps] = await rebalancer.rebalanceStatus();
      expect(status).to.equal(Status.NotDue);
      expect(driftBps).to.be.lessThan(200n);
      expect(await rebalancer.checkUpkeep("0x")).to.deep.equal([false, "0x"]);
    });

    it("performUpkeep runs a rebalance for any caller, whatever performData", async function () {
      const f = await loadFixture(investedFixture);
      const driftBps = await drift(f);
      await expect(f.rebalancer.connect(f.stranger).performUpkeep("0xdeadbeef"))
        .to.emit(f.vault, "Rebalanced")
        .withArgs(f.stranger.address, anyValue, anyValue, driftBps, anyValue, anyValue);
      expect(await f.policy.lastRebalance(f.rebalancer)).to.equal(BigInt(await time.latest()));
      expect((await f.rebalancer.rebalanceStatus())[0]).to.equal(Status.Cooldown);
      expect(await f.rebalancer.maxDrift()).to.be.lessThan(200n);
    });

    it("performUpkeep reverts with BallastRebalanceNotDue when none is due", async function () {
      const f = await loadFixture(investedFixture);
      const { rebalancer, stranger } = f;
      await drift(f);
      await rebalancer.connect(stranger).performUpkeep("0x");
      const cooling = await rebalancer.maxDrift();
      await expect(rebalancer.connect(stranger).performUpkeep("0x"))
        .to.be.revertedWithCustomError(rebalancer, "BallastRebalanceNotDue")
        .withArgs(Status.Cooldown, cooling);
      await time.increase(COOLDOWN);
      const driftBps = await rebalancer.maxDrift();
      expect(driftBps).to.be.lessThan(200n);
      await expect(rebalancer.connect(stranger).performUpkeep("0x"))
        .to.be.revertedWithCustomError(rebalancer, "BallastRebalanceNotDue")
        .withArgs(Status.NotDue, driftBps);
    });

    it("rebalanceStatus reports PriceUnavailable with zeros once the feeds are stale, and never reverts", async function () {
      const { rebalancer } = await loadFixture(investedFixture);
      await time.increase(DAY + 1);
      await expect(rebalancer.maxDrift()).to.be.revertedWithCustomError(rebalancer, "BallastPriceUnavailable");
      expect(await rebalancer.rebalanceStatus()).to.deep.equal([Status.PriceUnavailable, 0n, 0n]);
      expect(await rebalancer.checkUpkeep("0x")).to.deep.equal([false, "0x"]);
    });

    it("reports PriceUnavailable when a single feed is stale", async function () {
      const f = await loadFixture(investedFixture);
      await time.increase(DAY + 1);
      for (const symbol of ["USDC", "WETH", "WBTC"]) {
        await f.market.setFeedPrice(symbol, await f.market.feedPrice(symbol));
      }
      // LINK alone is past its heartbeat.
      expect(await f.rebalancer.rebalanceStatus()).to.deep.equal([Status.PriceUnavailable, 0n, 0n]);
      expect(await f.rebalancer.checkUpkeep("0x")).to.deep.equal([false, "0x"]);
      await f.market.setFeedPrice("LINK", await f.market.feedPrice("LINK"));
      expect((await f.rebalancer.rebalanceStatus())[0]).to.equal(Status.NotDue);
    });

    it("reports PriceUnavailable for an empty vault with stale feeds too", async function () {
      const { rebalancer } = await loadFixture(directFixture);
      await time.increase(DAY + 1);
      expect(await rebalancer.rebalanceStatus()).to.deep.equal([Status.PriceUnavailable, 0n, 0n]);
    });
  });

  describe("through the TimelockController (default deployment)", function () {
    const SALT = id("ballast.governance.test");

    it("refuses the proposer's direct calls: only the timelock is admin", async function () {
      const { vault, policy, rebalancer, deployer } = await loadFixture(timelockFixture);
      await expect(vault.connect(deployer).setRebalanceParams({ ...PARAMS, slippageBps: 50 }))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(deployer.address, ZeroHash);
      await expect(vault.connect(deployer).setRebalancer(rebalancer))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(deployer.address, ZeroHash);
      await expect(rebalancer.connect(deployer).setPolicy(policy))
        .to.be.revertedWithCustomError(rebalancer, "AccessControlUnauthorizedAccount")
        .withArgs(deployer.address, ZeroHash);
      await expect(vault.connect(deployer).unpause())
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(deployer.address, ZeroHash);
      await expect(policy.connect(deployer).setTriggerParams({ ...DEFAULT_TRIGGERS, triggerBandBps: 300 }))
        .to.be.revertedWithCustomError(policy, "AccessControlUnauthorizedAccount")
        .withArgs(deployer.address, ZeroHash);
    });

    it("applies setRebalanceParams only after the delay", async function () {
      const { vault, timelock, deployer } = await loadFixture(timelockFixture);
      const next = { ...PARAMS, slippageBps: 30, maxTradeBps: 2_000 };
      const data = vault.interface.encodeFunctionData("setRebalanceParams", [next]);
      const target = await vault.getAddress();
      const delay = await timelock.getMinDelay();
      const operation = await timelock.hashOperation(target, 0, data, ZeroHash, SALT);

      await expect(timelock.connect(deployer).schedule(target, 0, data, ZeroHash, SALT, delay))
        .to.emit(timelock, "CallScheduled")
        .withArgs(operation, 0, target, 0, data, ZeroHash, delay);
      expect(await timelock.isOperationPending(operation)).to.be.true;

      // Not yet: right away, nor a moment before the delay is up.
      await expect(timelock.connect(deployer).execute(target, 0, data, ZeroHash, SALT))
        .to.be.revertedWithCustomError(timelock, "TimelockUnexpectedOperationState")
        .withArgs(operation, READY_STATE);
      await time.increase(delay - 10n);
      await expect(timelock.connect(deployer).execute(target, 0, data, ZeroHash, SALT))
        .to.be.revertedWithCustomError(timelock, "TimelockUnexpectedOperationState")
        .withArgs(operation, READY_STATE);
      expect(tuple((await vault.basketState()).params)).to.deep.equal(tuple(PARAMS));

      await time.increase(delay);
      const tx = timelock.connect(deployer).execute(target, 0, data, ZeroHash, SALT);
      await expect(tx).to.emit(vault, "RebalanceParamsSet").withArgs(tuple(PARAMS), tuple(next));
      await expect(tx).to.emit(timelock, "CallExecuted").withArgs(operation, 0, target, 0, data);
      expect(tuple((await vault.basketState()).params)).to.deep.equal(tuple(next));
      expect(await timelock.isOperationDone(operation)).to.be.true;

      // An operation runs once.
      await expect(timelock.connect(deployer).execute(target, 0, data, ZeroHash, SALT))
        .to.be.revertedWithCustomError(timelock, "TimelockUnexpectedOperationState")
        .withArgs(operation, READY_STATE);
    });

    it("refuses to schedule with less than the minimum delay", async function () {
      const { vault, timelock, deployer } = await loadFixture(timelockFixture);
      const data = vault.interface.encodeFunctionData("setRebalanceParams", [{ ...PARAMS, slippageBps: 30 }]);
      const delay = await timelock.getMinDelay();
      for (const short of [0n, 1n, delay - 1n]) {
        await expect(timelock.connect(deployer).schedule(vault, 0, data, ZeroHash, SALT, short))
          .to.be.revertedWithCustomError(timelock, "TimelockInsufficientDelay")
          .withArgs(short, delay);
      }
    });

    it("lets only the proposer schedule and only the executor execute", async function () {
      const { vault, timelock, deployer, stranger } = await loadFixture(timelockFixture);
      const data = vault.interface.encodeFunctionData("setRebalanceParams", [{ ...PARAMS, slippageBps: 30 }]);
      const delay = await timelock.getMinDelay();
      await expect(timelock.connect(stranger).schedule(vault, 0, data, ZeroHash, SALT, delay))
        .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, await timelock.PROPOSER_ROLE());
      await timelock.connect(deployer).schedule(vault, 0, data, ZeroHash, SALT, delay);
      await time.increase(delay);
      await expect(timelock.connect(stranger).execute(vault, 0, data, ZeroHash, SALT))
        .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, await timelock.EXECUTOR_ROLE());
    });

    it("bubbles the vault's revert up through execute (out-of-range values)", async function () {
      const { vault, timelock, deployer } = await loadFixture(timelockFixture);
      const data = vault.interface.encodeFunctionData("setRebalanceParams", [{ ...PARAMS, slippageBps: 501 }]);
      const delay = await timelock.getMinDelay();
      await timelock.connect(deployer).schedule(vault, 0, data, ZeroHash, SALT, delay);
      await time.increase(delay);
      await expect(timelock.connect(deployer).execute(vault, 0, data, ZeroHash, SALT))
        .to.be.revertedWithCustomError(vault, "BallastParameterOutOfRange")
        .withArgs(Parameter.SlippageBps, 501, 1, 500);
    });

    it("applies the policy's setTriggerParams only after the delay", async function () {
      const { policy, timelock, deployer } = await loadFixture(timelockFixture);
      const next = { triggerBandBps: 300, targetBandBps: 50, cooldown: 3_600, calendarInterval: 7 * DAY };
      const data = policy.interface.encodeFunctionData("setTriggerParams", [next]);
      const target = await policy.getAddress();
      const delay = await timelock.getMinDelay();
      const operation = await timelock.hashOperation(target, 0, data, ZeroHash, SALT);

      await expect(timelock.connect(deployer).schedule(target, 0, data, ZeroHash, SALT, delay - 1n))
        .to.be.revertedWithCustomError(timelock, "TimelockInsufficientDelay")
        .withArgs(delay - 1n, delay);
      await timelock.connect(deployer).schedule(target, 0, data, ZeroHash, SALT, delay);
      await expect(timelock.connect(deployer).execute(target, 0, data, ZeroHash, SALT))
        .to.be.revertedWithCustomError(timelock, "TimelockUnexpectedOperationState")
        .withArgs(operation, READY_STATE);
      expect(triggerTuple(await policy.triggerParams())).to.deep.equal(triggerTuple(DEFAULT_TRIGGERS));

      await time.increase(delay);
      await expect(timelock.connect(deployer).execute(target, 0, data, ZeroHash, SALT))
        .to.emit(policy, "TriggerParamsSet")
        .withArgs(triggerTuple(DEFAULT_TRIGGERS), triggerTuple(next));
      expect(triggerTuple(await policy.triggerParams())).to.deep.equal(triggerTuple(next));
    });

    it("lets the guardian pause at once, while unpausing waits for the timelock", async function () {
      const { vault, timelock, deployer } = await loadFixture(timelockFixture);
      await expect(vault.connect(deployer).pause()).to.emit(vault, "Paused").withArgs(deployer.address);
      const data = vault.interface.encodeFunctionData("unpause");
      const delay = await timelock.getMinDelay();
      await timelock.connect(deployer).schedule(vault, 0, data, ZeroHash, SALT, delay);
      await time.increase(delay);
      await expect(timelock.connect(deployer).execute(vault, 0, data, ZeroHash, SALT))
        .to.emit(vault, "Unpaused")
        .withArgs(await timelock.getAddress());
      expect(await vault.paused()).to.be.false;
    });

    it("switches the rebalancer's policy through the timelock", async function () {
      const { rebalancer, policy, timelock, deployer } = await loadFixture(timelockFixture);
      const next = await new BallastPolicy__factory(deployer).deploy(timelock, {
        ...DEFAULT_TRIGGERS,
        triggerBandBps: 500,
      });
      const data = rebalancer.interface.encodeFunctionData("setPolicy", [await next.getAddress()]);
      const delay = await timelock.getMinDelay();
      await timelock.connect(deployer).schedule(rebalancer, 0, data, ZeroHash, SALT, delay);
      await time.increase(delay);
      await expect(timelock.connect(deployer).execute(rebalancer, 0, data, ZeroHash, SALT))
        .to.emit(rebalancer, "PolicySet")
        .withArgs(await policy.getAddress(), await next.getAddress());
      expect(await rebalancer.policy()).to.equal(await next.getAddress());
    });

    it("switches the vault's rebalancer through the timelock", async function () {
      const { vault, policy, rebalancer, timelock, deployer } = await loadFixture(timelockFixture);
      const next = await new BallastRebalancer__factory(deployer).deploy(
        vault,
        policy,
        rebalancer.breakers(),
        rebalancer.planner(),
        timelock,
      );
      const data = vault.interface.encodeFunctionData("setRebalancer", [await next.getAddress()]);
      const delay = await timelock.getMinDelay();
      await timelock.connect(deployer).schedule(vault, 0, data, ZeroHash, SALT, delay);
      await time.increase(delay);
      await expect(timelock.connect(deployer).execute(vault, 0, data, ZeroHash, SALT))
        .to.emit(vault, "RebalancerSet")
        .withArgs(await rebalancer.getAddress(), await next.getAddress());
      expect(await vault.rebalancer()).to.equal(await next.getAddress());
    });
  });
});
