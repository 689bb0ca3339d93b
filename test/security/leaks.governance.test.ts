import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { AbiCoder, parseUnits } from "ethers";
import { ethers } from "hardhat";

import { MockReentrantERC20__factory } from "../../typechain-types";
import { Parameter } from "../../src/vault/enums";
import { hookFixture, investedAdminFixture } from "../shared/fixtures";
import type { VaultFixture } from "../shared/fixtures";
import { BASKET, refreshFeeds } from "../shared/security";
import { depositUsdc } from "../shared/vault";

/*
 * The review's medium and low findings that need no pool push: a scheduled instant weight switch
 * (M3), views read mid-exit by a token hook (L8), and a management fee that depended on how often
 * anyone accrued it (I9). Each test failed on 3b35fea.
 */

const DAY = 86_400;
const YEAR = 365 * DAY;

describe("leaks: governance and views", () => {
  describe("M3: a scheduled instant weight switch", () => {
    it("leaves every function working until it takes effect, then switches at once", async () => {
      const { vault, rebalancer, market } = await loadFixture(investedAdminFixture);
      const [, alice] = await ethers.getSigners();
      const before = (await vault.basketState()).targets;
      const at = (await time.latest()) + 30 * DAY;
      await vault.setTargetWeights([500, 3_000, 4_500, 2_000], at, at);
      // Before the switch: the old weights, and nothing panics (it divided by end - start = 0).
      expect((await vault.basketState()).targets).to.deep.equal(before);
      expect(await vault.totalAssets()).to.be.greaterThan(0n);
      await rebalancer.rebalanceStatus();
      await rebalancer.checkUpkeep("0x");
      expect(await vault.maxWithdraw(alice)).to.be.greaterThan(0n);
      expect(await vault.convertToAssets(10n ** 18n)).to.be.greaterThan(0n);
      await depositUsdc(market, vault, alice, 1_000);
      await vault.connect(alice).redeem(10n ** 18n, alice.address, alice.address);
      // A rebalance records the prices and values the basket before it finds nothing due: no panic.
      await expect(rebalancer.rebalance()).to.be.revertedWithCustomError(rebalancer, "BallastRebalanceNotDue");
      // At the switch: the new weights.
      await time.increaseTo(at);
      expect((await vault.basketState()).targets).to.deep.equal([500n, 3_000n, 4_500n, 2_000n]);
    });

    it("refuses a start more than 90 days ahead with BallastParameterOutOfRange(RampStart)", async () => {
      const { vault } = await loadFixture(investedAdminFixture);
      const now = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(now);
      const start = now + 90n * BigInt(DAY) + 1n;
      await expect(vault.setTargetWeights([500, 3_000, 4_500, 2_000], start, start))
        .to.be.revertedWithCustomError(vault, "BallastParameterOutOfRange")
        .withArgs(Parameter.RampStart, start, now, now + 90n * BigInt(DAY));
    });

    it("lets governance cancel a scheduled ramp by setting the weights in force, now", async () => {
      const { vault } = await loadFixture(investedAdminFixture);
      const before = (await vault.basketState()).targets;
      const at = (await time.latest()) + 10 * DAY;
      await vault.setTargetWeights([500, 3_000, 4_500, 2_000], at, at + DAY);
      const now = (await time.latest()) + 1;
      await time.setNextBlockTimestamp(now);
      await expect(
        vault.setTargetWeights(
          before.map((w) => Number(w)),
          now,
          now,
        ),
      ).to.emit(vault, "TargetWeightsSet");
      await time.increaseTo(at + 2 * DAY);
      expect((await vault.basketState()).targets).to.deep.equal(before);
    });
  });

  describe("L8: views read by a token hook during an in-kind exit", () => {
    /** Arms HOOK to call the vault with `data` on its next transfer, then exits half the supply in kind. */
    async function readMidExit(f: VaultFixture, data: string): Promise<{ ok: boolean; result: string }> {
      const [, alice] = await ethers.getSigners();
      const hook = MockReentrantERC20__factory.connect(f.market.token("HOOK").address, f.market.deployer);
      await (await hook.arm(await f.vault.getAddress(), data)).wait();
      const shares = (await f.vault.balanceOf(alice)) / 2n;
      const receipt = await (await f.vault.connect(alice).redeemInKind(shares, alice.address, alice.address)).wait();
      const called = receipt!.logs
        .map((log) => {
          try {
            return hook.interface.parseLog(log);
          } catch {
            return null;
          }
        })
        .find((parsed) => parsed?.name === "HookCalled");
      if (!called) throw new Error("the hook was not called");
      return { ok: called.args.success as boolean, result: called.args.result as string };
    }

    it("pricing views revert with ReentrancyGuardReentrantCall instead of a share price +50% off", async () => {
      const f = await loadFixture(hookFixture);
      // The exit pays HOOK, whose transfer calls the hook.
      expect(await f.market.token("HOOK").contract.balanceOf(f.vault)).to.be.greaterThan(0n);
      const selector = f.vault.interface.getError("ReentrancyGuardReentrantCall")!.selector;
      const calls = [
        f.vault.interface.encodeFunctionData("convertToAssets", [10n ** 18n]),
        f.vault.interface.encodeFunctionData("convertToShares", [parseUnits("1", 6)]),
        f.vault.interface.encodeFunctionData("totalAssets"),
        f.vault.interface.encodeFunctionData("previewRedeem", [10n ** 18n]),
        f.vault.interface.encodeFunctionData("previewDeposit", [parseUnits("1", 6)]),
        f.vault.interface.encodeFunctionData("previewMint", [10n ** 18n]),
        f.vault.interface.encodeFunctionData("previewWithdraw", [parseUnits("1", 6)]),
        f.vault.interface.encodeFunctionData("previewRedeemInKind", [10n ** 18n]),
      ];
      for (const data of calls) {
        const { ok, result } = await readMidExit(f, data);
        expect(ok, data.slice(0, 10)).to.equal(false);
        expect(result).to.equal(selector);
      }
    });

    it("max* views answer 0 mid-exit: nothing can enter or leave until the call ends", async () => {
      const f = await loadFixture(hookFixture);
      const [, alice] = await ethers.getSigners();
      const zero = AbiCoder.defaultAbiCoder().encode(["uint256"], [0n]);
      for (const data of [
        f.vault.interface.encodeFunctionData("maxDeposit", [alice.address]),
        f.vault.interface.encodeFunctionData("maxMint", [alice.address]),
        f.vault.interface.encodeFunctionData("maxWithdraw", [alice.address]),
        f.vault.interface.encodeFunctionData("maxRedeem", [alice.address]),
      ]) {
        expect(await readMidExit(f, data)).to.deep.equal({ ok: true, result: zero });
      }
      // Outside a call they answer as usual.
      expect(await f.vault.maxRedeem(alice)).to.be.greaterThan(0n);
    });
  });

  describe("I9: the management fee and how often it accrues", () => {
    async function feeFixture(): Promise<VaultFixture & { recipient: string }> {
      const f = await investedAdminFixture();
      const [, , , recipient] = await ethers.getSigners();
      await f.vault.setFeeParams({ managementFeeBps: 500, entryFeeBps: 0, exitFeeBps: 0, recipient });
      return { ...f, recipient: recipient.address };
    }

    /** The recipient's share of the supply (WAD) a year on, with an accrual every `step` seconds. */
    async function shareAfterAYear(step: number): Promise<bigint> {
      const { vault, market, recipient } = await loadFixture(feeFixture);
      const [, alice] = await ethers.getSigners();
      const start = await time.latest();
      // 1,000 base units for the accruing deposits.
      await market.fund(alice.address, "USDC", 1_000n);
      await market.token("USDC").contract.connect(alice).approve(vault, 1_000n);
      // A real entry accrues (a zero one no longer does); the feeds report again first, as they do
      // at least daily (a stale feed refuses entries).
      const accrueAt = async (t: number) => {
        await time.setNextBlockTimestamp(t - 60);
        await refreshFeeds(market, BASKET);
        await time.setNextBlockTimestamp(t);
        await vault.connect(alice).deposit(1n, alice.address);
      };
      for (let t = start + step; t < start + YEAR; t += step) await accrueAt(t);
      await accrueAt(start + YEAR);
      return ((await vault.balanceOf(recipient)) * 10n ** 18n) / (await vault.totalSupply());
    }

    it("gives the recipient 5% a year at 500 bps whether it accrues once or every week (within 0.01 pp)", async function () {
      this.timeout(300_000);
      const yearly = await shareAfterAYear(YEAR);
      const weekly = await shareAfterAYear(7 * DAY);
      // 5% of the supply at the start, less dilution by the 1-unit deposits (negligible).
      expect(Number(yearly) / 1e18).to.be.closeTo(0.05, 0.0001);
      expect(Number(weekly) / 1e18).to.be.closeTo(Number(yearly) / 1e18, 0.0001);
    });

    it("does not accrue on a zero-share call: redeemInKind(0) mints nothing and moves no clock", async () => {
      const { vault, market } = await loadFixture(feeFixture);
      const [, alice] = await ethers.getSigners();
      await time.increase(7 * DAY);
      await refreshFeeds(market, BASKET);
      const pending = await vault.pendingFeeShares();
      expect(pending).to.be.greaterThan(0n);
      await expect(vault.connect(alice).redeemInKind(0n, alice.address, alice.address)).to.not.emit(
        vault,
        "ManagementFeeAccrued",
      );
      await expect(vault.connect(alice).redeem(0n, alice.address, alice.address)).to.not.emit(
        vault,
        "ManagementFeeAccrued",
      );
      expect(await vault.pendingFeeShares()).to.be.greaterThanOrEqual(pending);
    });
  });
});
