import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroHash } from "ethers";
import { ethers } from "hardhat";

import type { DeployOutcome } from "../../deploy/run";
import { main as deploy } from "../../scripts/deploy";
import {
  BallastBreakers__factory,
  BallastPolicy__factory,
  BallastRebalancer__factory,
  BallastVault__factory,
  TimelockController__factory,
} from "../../typechain-types";

import { expectScriptError, runScript } from "./helpers";

/** The script's deployment, as a fixture: later fixtures revert to a chain without it. */
async function deployedByScript() {
  const [, guardian, proposer] = await ethers.getSigners();
  return runScript<DeployOutcome>(deploy, { GUARDIAN: guardian.address, PROPOSERS: proposer.address });
}

function failed(results: { check: string; ok: boolean }[]): string[] {
  return results.filter((r) => !r.ok).map((r) => r.check);
}

/**
 * scripts/deploy.ts on the Hardhat network, with the assertions of `npm run deploy`'s tests on the
 * local chain (test/deploy/deploy.test.ts).
 */
describe("scripts/deploy.ts", function () {
  it("deploys through Ignition, hands governance to the timelock, and passes every check", async function () {
    const [deployer, guardian, proposer] = await ethers.getSigners();
    const { result: outcome, output } = await loadFixture(deployedByScript);
    expect(failed(outcome.preChecks)).to.deep.equal([]);
    expect(failed(outcome.postChecks ?? [])).to.deep.equal([]);
    expect(outcome.postChecks?.length).to.be.greaterThan(25);
    expect(output).to.contain("Deployment check:");
    expect(output).not.to.contain("FAIL");

    const { vault: vaultAddress, policy, breakers, rebalancer, timelock: timelockAddress } = outcome.deployed!;
    const vault = BallastVault__factory.connect(vaultAddress, ethers.provider);
    const timelock = TimelockController__factory.connect(timelockAddress, ethers.provider);
    expect(await vault.rebalancer()).to.equal(rebalancer);
    for (const governed of [
      vault,
      BallastPolicy__factory.connect(policy, ethers.provider),
      BallastBreakers__factory.connect(breakers, ethers.provider),
      BallastRebalancer__factory.connect(rebalancer, ethers.provider),
    ]) {
      expect(await governed.hasRole(ZeroHash, timelockAddress)).to.equal(true);
      expect(await governed.hasRole(ZeroHash, deployer.address)).to.equal(false);
    }
    expect(await vault.hasRole(await vault.GUARDIAN_ROLE(), guardian.address)).to.equal(true);
    expect(await timelock.hasRole(await timelock.PROPOSER_ROLE(), proposer.address)).to.equal(true);
    expect(await timelock.hasRole(await timelock.PROPOSER_ROLE(), deployer.address)).to.equal(false);
    expect(await timelock.getMinDelay()).to.equal(2n * 86_400n);
  });

  it("checks only, deploying nothing, with CHECK_ONLY=true; refuses CHECK_ONLY=yes", async function () {
    const { result: outcome } = await runScript<DeployOutcome>(deploy, { CHECK_ONLY: "true" });
    expect(outcome.deployed).to.equal(undefined);
    expect(failed(outcome.preChecks)).to.deep.equal([]);
    await expectScriptError(deploy, { CHECK_ONLY: "yes" }, /Invalid value yes for argument CHECK_ONLY of type boolean/);
  });
});
