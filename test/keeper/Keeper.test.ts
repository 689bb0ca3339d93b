import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import { gasValueInBase, isTransientRpcError, KeeperConfigError } from "../../src/keeper";
import type { Keeper, LogRecord } from "../../src/keeper";
import { BallastRebalancer__factory } from "../../typechain-types";
import type { VaultFixture } from "../shared/fixtures";
import { Status } from "../shared/vault";

import {
  driftedFixture,
  flakyProvider,
  GWEI,
  mineWithBaseFee,
  nonceOf,
  rebalancesSince,
  setAutomine,
  testKeeper,
} from "./helpers";

/** The keeper's numbers from its `uneconomic` or `dry_run` log, as bigints. */
function gateOf(record: LogRecord): { cost: bigint; gasCost: bigint; benefit: bigint; gasEstimate: bigint } {
  return {
    cost: BigInt(record.cost as string),
    gasCost: BigInt(record.gasCost as string),
    benefit: BigInt(record.benefit as string),
    gasEstimate: BigInt(record.gasEstimate as string),
  };
}

describe("Keeper against a local node", () => {
  afterEach(async () => {
    // A failed test must not leave the next one without automine.
    await setAutomine(true);
  });

  describe("a due rebalance", () => {
    it("is sent exactly once, confirmed and logged; the next cycle sees the cooldown and sends nothing", async () => {
      const { vault, rebalancer } = await loadFixture(driftedFixture);
      const [, , , keeperSigner] = await ethers.getSigners();
      const [status] = await rebalancer.rebalanceStatus();
      expect(status).to.equal(Status.Due);
      const from = await ethers.provider.getBlockNumber();
      const nonce = await nonceOf(keeperSigner);
      const { keeper, logger } = testKeeper(vault, keeperSigner);

      const [result] = await keeper.runOnce();
      expect(result).to.include({ action: "confirmed", kind: "rebalance", reason: "rebalanced" });
      expect(await rebalancesSince(vault, from)).to.equal(1);
      expect(await nonceOf(keeperSigner)).to.equal(nonce + 1);
      const [event] = await vault.queryFilter(vault.filters.Rebalanced, from);
      expect(event.args.caller).to.equal(keeperSigner.address);
      // Configured with the vault, the keeper calls the rebalancer the vault names.
      const sent = await ethers.provider.getTransaction(result.hash as string);
      expect(sent?.to).to.equal(await vault.rebalancer());
      expect(sent?.data).to.equal(rebalancer.interface.encodeFunctionData("rebalance"));

      expect(logger.events("keeper_started")[0].rebalancers).to.deep.equal([await rebalancer.getAddress()]);
      expect(logger.events("tx_sent")).to.have.length(1);
      const [rebalanced] = logger.events("rebalanced");
      expect(rebalanced).to.include({ vault: await vault.getAddress(), level: "info", hash: result.hash });
      expect(Number(rebalanced.driftAfterBps)).to.be.lessThan(Number(rebalanced.driftBeforeBps));
      expect(keeper.inFlight()).to.deep.equal([]);

      const [again] = await keeper.runOnce();
      expect(again).to.include({ action: "idle", status: "Cooldown" });
      expect(await nonceOf(keeperSigner)).to.equal(nonce + 1);
      expect(await rebalancesSince(vault, from)).to.equal(1);
    });

    it("in a dry run is simulated, priced and logged, and nothing is sent (with or without a signer)", async () => {
      const { vault } = await loadFixture(driftedFixture);
      const [, , , keeperSigner] = await ethers.getSigners();
      const from = await ethers.provider.getBlockNumber();
      const nonce = await nonceOf(keeperSigner);

      for (const signer of [keeperSigner, undefined]) {
        const { keeper, logger } = testKeeper(vault, signer, { dryRun: true });
        const [result] = await keeper.runOnce();
        expect(result).to.include({ action: "would_send", kind: "rebalance", status: "Due" });
        const [dryRun] = logger.events("dry_run");
        expect(dryRun).to.include({ kind: "rebalance", costGate: "off" });
        expect(BigInt(dryRun.gasEstimate as string)).to.be.greaterThan(100_000n);
        expect(BigInt(dryRun.gasLimit as string)).to.be.greaterThan(BigInt(dryRun.gasEstimate as string));
        expect(Number(dryRun.trades)).to.be.greaterThan(0);
        expect(logger.events("tx_sent")).to.deep.equal([]);
      }
      expect(await ethers.provider.getBlockNumber()).to.equal(from);
      expect(await nonceOf(keeperSigner)).to.equal(nonce);
    });
  });

  describe("the vault's rebalancer", () => {
    it("is followed when governance replaces it, without a restart: the next rebalance goes to the new one", async () => {
      const { vault, rebalancer, policy } = await loadFixture(driftedFixture);
      const [admin, , , keeperSigner] = await ethers.getSigners();
      const from = await ethers.provider.getBlockNumber();
      const { keeper, logger } = testKeeper(vault, keeperSigner);
      await keeper.init();

      const current = BallastRebalancer__factory.connect(await vault.rebalancer(), admin);
      const replacement = await new BallastRebalancer__factory(admin).deploy(
        vault,
        policy,
        await current.breakers(),
        await current.planner(),
        admin.address,
      );
      await vault.setRebalancer(replacement);
      const [result] = await keeper.runOnce();
      expect(result).to.include({ action: "confirmed", kind: "rebalance", reason: "rebalanced" });
      const [changed] = logger.events("rebalancer_changed");
      expect(changed).to.include({
        level: "warn",
        vault: await vault.getAddress(),
        previous: await rebalancer.getAddress(),
        rebalancer: await replacement.getAddress(),
      });
      expect((await ethers.provider.getTransaction(result.hash as string))?.to).to.equal(
        await replacement.getAddress(),
      );
      expect(logger.events("tx_sent")[0]).to.include({ rebalancer: await replacement.getAddress() });
      expect(await rebalancesSince(vault, from)).to.equal(1);
      // The policy keeps the record under the rebalancer that traded.
      expect(await policy.lastRebalance(replacement)).to.equal(BigInt(await time.latest()));
    });
  });

  describe("nothing due", () => {
    it("sends nothing in cooldown or while not due, and names the status", async () => {
      const { vault, rebalancer, policy } = await loadFixture(driftedFixture);
      const [, , , keeperSigner] = await ethers.getSigners();
      // Relative: other test files may have used this account before.
      const keeperSignerNonce = await nonceOf(keeperSigner);
      // Someone else (the admin here) rebalances the drift first.
      await rebalancer.rebalance();
      const { keeper, logger } = testKeeper(vault, keeperSigner);

      const [first] = await keeper.runOnce();
      expect(first).to.include({ action: "idle", status: "Cooldown" });
      await time.increase((await policy.triggerParams()).cooldown);
      const [second] = await keeper.runOnce();
      expect(second).to.include({ action: "idle", status: "NotDue" });

      expect(await nonceOf(keeperSigner)).to.equal(keeperSignerNonce);
      expect(logger.events("status_changed").map((r) => r.status)).to.deep.equal(["Cooldown", "NotDue"]);
      expect(logger.events("tx_sent")).to.deep.equal([]);
    });

    it("sends nothing while paused", async () => {
      const { vault } = await loadFixture(driftedFixture);
      const [, , , keeperSigner] = await ethers.getSigners();
      // Relative: other test files may have used this account before.
      const keeperSignerNonce = await nonceOf(keeperSigner);
      await vault.pause();
      const { keeper } = testKeeper(vault, keeperSigner);
      const [result] = await keeper.runOnce();
      expect(result).to.include({ action: "idle", status: "Paused" });
      expect(await nonceOf(keeperSigner)).to.equal(keeperSignerNonce);
    });
  });

  describe("cost gate with real gas", () => {
    /**
     * The gate on, with the policy valuing gas through the WETH oracle, and a benefit price set so
     * that the trades alone are worth 3x their cost (what `rebalanceStatus` sees at base fee 0).
     */
    async function gateOn(fixture: VaultFixture, gas = { gasBase: 150_000, gasPerHop: 100_000 }): Promise<void> {
      const { vault, rebalancer, policy } = fixture;
      const gasTokenOracle = (await vault.oracles())[1];
      const params = { maxCostRatioBps: 10_000, ...gas, gasTokenOracle };
      const probe = 10n ** 14n;
      await policy.setCostParams({ benefitPerBpWad: probe, ...params });
      const [cost, benefit] = await rebalancer.rebalanceCost();
      await policy.setCostParams({ benefitPerBpWad: (probe * 3n * cost) / benefit, ...params });
    }

    it("skips a rebalance whose gas at the real base fee makes it cost more than it is worth, sends it when gas is cheap", async () => {
      const fixture = await loadFixture(driftedFixture);
      await gateOn(fixture);
      const { vault, rebalancer } = fixture;
      const [, , , keeperSigner] = await ethers.getSigners();
      // Relative: other test files may have used this account before.
      const keeperSignerNonce = await nonceOf(keeperSigner);
      const [status] = await rebalancer.rebalanceStatus();
      expect(status).to.equal(Status.Due); // the view, at base fee 0, finds it worth it

      await mineWithBaseFee(60n * GWEI);
      const { keeper, logger } = testKeeper(vault, keeperSigner);
      const [skipped] = await keeper.runOnce();
      expect(skipped).to.include({ action: "skipped", reason: "uneconomic" });
      expect(await nonceOf(keeperSigner)).to.equal(keeperSignerNonce);
      const gate = gateOf(logger.events("uneconomic")[0]);
      expect(gate.cost).to.be.lessThan(gate.benefit);
      expect(gate.cost + gate.gasCost).to.be.greaterThan(gate.benefit);
      // Gas valued exactly as estimate x (baseFee + tip) at the WETH oracle's price, in USDC units.
      const [wethPrice, usdcPrice] = await Promise.all(
        [1, 0].map(async (i) => (await ethers.getContractAt("IBallastOracle", (await vault.oracles())[i])).price()),
      );
      expect(gate.gasCost).to.equal(gasValueInBase(gate.gasEstimate * (60n * GWEI + GWEI), wethPrice, usdcPrice, 6));

      // The same answer whichever way the gas token is priced: by basket symbol, index or fixed USD price.
      for (const gasToken of [
        { basketAsset: "WETH" },
        { basketAsset: 1 },
        { usdPrice: ethers.formatUnits(wethPrice, 18) },
      ]) {
        const other = testKeeper(vault, keeperSigner, { gasToken, dryRun: true });
        expect((await other.keeper.runOnce())[0]).to.include({ reason: "uneconomic" });
        expect(gateOf(other.logger.events("uneconomic")[0]).gasCost).to.be.closeTo(gate.gasCost, gate.gasCost / 100n);
      }

      await mineWithBaseFee(GWEI / 10n);
      const [sent] = await keeper.runOnce();
      expect(sent).to.include({ action: "confirmed", reason: "rebalanced" });
    });
  });

  describe("cost gate with the keeper reward", () => {
    it("counts the reward's premium as the rebalancer does: worth its gas, not its gas and premium, is skipped unsent", async () => {
      const fixture = await loadFixture(driftedFixture);
      const { vault, rebalancer, policy } = fixture;
      const gasTokenOracle = (await vault.oracles())[1];
      const params = { maxCostRatioBps: 10_000, gasBase: 150_000, gasPerHop: 100_000, gasTokenOracle };
      const probe = 10n ** 14n;
      await policy.setCostParams({ benefitPerBpWad: probe, ...params });
      const [cost, benefit] = await rebalancer.rebalanceCost();
      await policy.setCostParams({ benefitPerBpWad: (probe * 3n * cost) / benefit, ...params });
      const [, , , keeperSigner] = await ethers.getSigners();
      const gateAt = async (baseFee: bigint) => {
        await mineWithBaseFee(baseFee);
        const { keeper, logger } = testKeeper(vault, keeperSigner, { dryRun: true });
        const [result] = await keeper.runOnce();
        const record = logger.events(result.reason === "uneconomic" ? "uneconomic" : "dry_run")[0];
        return { result, gate: gateOf(record), premium: BigInt(record.rewardPremium as string) };
      };
      // The base fee at which the gas takes three quarters of what the trades leave of the benefit.
      const high = await gateAt(60n * GWEI);
      const room = high.gate.benefit - high.gate.cost;
      const baseFee = (((room * 3n) / 4n) * 61n * GWEI) / high.gate.gasCost - GWEI;
      const plain = await gateAt(baseFee);
      expect(plain.result).to.include({ action: "would_send" });
      expect(plain.premium).to.equal(0n);

      // A reward of twice the gas: its premium, as much again, tips the gate.
      await rebalancer.setRewardParams({ premiumBps: 10_000, maxRewardBps: 10, maxReward: 10n ** 12n });
      const rewarded = await gateAt(baseFee);
      expect(rewarded.result).to.include({ action: "skipped", reason: "uneconomic" });
      expect(rewarded.premium).to.be.closeTo(rewarded.gate.gasCost, 1n);
      expect(rewarded.gate.cost + rewarded.gate.gasCost).to.be.lessThan(rewarded.gate.benefit);
    });
  });

  describe("the gate on chain", () => {
    it("reports a rebalance the rebalancer's gate skipped when mined (its RebalanceSkipped, from the rebalancer's logs)", async () => {
      const { vault, rebalancer, policy } = await loadFixture(driftedFixture);
      const [admin, , , keeperSigner] = await ethers.getSigners();
      const from = await ethers.provider.getBlockNumber();
      const { keeper, logger } = testKeeper(vault, keeperSigner);
      await keeper.init();

      await setAutomine(false);
      const [sent] = await keeper.tick();
      expect(sent).to.include({ action: "sent", kind: "rebalance" });
      // Mined first in the same block (a higher tip): a gate that finds no benefit in any trade.
      await policy
        .connect(admin)
        .setCostParams(
          { benefitPerBpWad: 0, maxCostRatioBps: 10_000, gasBase: 0, gasPerHop: 0, gasTokenOracle: ZeroAddress },
          { maxPriorityFeePerGas: 10n * GWEI },
        );
      await ethers.provider.send("evm_mine", []);
      const [done] = await keeper.tick();
      await setAutomine(true);

      expect(done).to.include({ action: "confirmed", kind: "rebalance", reason: "skipped_on_chain", hash: sent.hash });
      const skips = await rebalancer.queryFilter(rebalancer.filters.RebalanceSkipped, from);
      expect(skips).to.have.length(1);
      expect(skips[0].transactionHash).to.equal(sent.hash);
      expect(skips[0].args.caller).to.equal(keeperSigner.address);
      expect(skips[0].args.benefit).to.equal(0n);
      expect(skips[0].args.cost).to.be.greaterThan(0n);
      const [logged] = logger.events("rebalance_skipped_on_chain");
      expect(logged).to.include({
        level: "warn",
        hash: sent.hash,
        cost: skips[0].args.cost.toString(),
        benefit: "0",
      });
      expect(await rebalancesSince(vault, from)).to.equal(0);
    });
  });

  describe("fee cap", () => {
    it("waits while the base fee is above the cap, then sends once it falls", async () => {
      const { vault } = await loadFixture(driftedFixture);
      const [, , , keeperSigner] = await ethers.getSigners();
      // Relative: other test files may have used this account before.
      const keeperSignerNonce = await nonceOf(keeperSigner);
      await mineWithBaseFee(80n * GWEI);
      const { keeper, logger } = testKeeper(vault, keeperSigner, { maxFeePerGasGwei: "50" });

      for (let i = 0; i < 2; i++) {
        const [waiting] = await keeper.runOnce();
        expect(waiting).to.include({ action: "waiting", reason: "fee_cap" });
      }
      expect(await nonceOf(keeperSigner)).to.equal(keeperSignerNonce);
      // One warning per episode, not one per block.
      const capped = logger.events("fee_cap_below_base_fee");
      expect(capped.map((r) => r.level)).to.deep.equal(["warn", "debug"]);
      expect(capped[0]).to.include({ baseFeeGwei: "80.0", maxFeePerGasGwei: "50.0" });

      await mineWithBaseFee(20n * GWEI);
      const [sent] = await keeper.runOnce();
      expect(sent).to.include({ action: "confirmed", reason: "rebalanced" });
      const [tx] = logger.events("tx_sent");
      expect(BigInt(tx.maxFeePerGas as string)).to.be.at.most(50n * GWEI);
    });
  });

  describe("RPC failures", () => {
    it("retries reads with exponential backoff, then sends once", async () => {
      const { vault } = await loadFixture(driftedFixture);
      const [, , , keeperSigner] = await ethers.getSigners();
      const from = await ethers.provider.getBlockNumber();
      const flaky = flakyProvider(ethers.provider, {
        failures: { getBlock: 1, call: 3, estimateGas: 1, getTransactionCount: 1, getTransactionReceipt: 2 },
      });
      const { keeper, logger } = testKeeper(vault, keeperSigner, { provider: flaky.provider });

      const [result] = await keeper.runOnce();
      expect(result).to.include({ action: "confirmed", reason: "rebalanced" });
      expect(await rebalancesSince(vault, from)).to.equal(1);
      expect(flaky.failed).to.deep.equal({
        getBlock: 1,
        call: 3,
        estimateGas: 1,
        getTransactionCount: 1,
        getTransactionReceipt: 2,
      });
      const retries = logger.events("rpc_retry");
      expect(retries).to.have.length(8);
      // The three failed calls of one read back off 5, 10, 20 ms (base 5, factor 2, no jitter).
      // The first read of the start is the vault's rebalancer().
      const calls = retries.filter((r) => r.call === "rebalancer");
      expect(calls.map((r) => [r.attempt, r.delayMs])).to.deep.equal([
        [1, 5],
        [2, 10],
        [3, 20],
      ]);
      expect(retries.every((r) => r.level === "warn" && String(r.error).includes("injected outage"))).to.be.true;
    });

    it("gives up a cycle after the last retry without sending, and recovers at the next", async () => {
      const { vault } = await loadFixture(driftedFixture);
      const [, , , keeperSigner] = await ethers.getSigners();
      // Relative: other test files may have used this account before.
      const keeperSignerNonce = await nonceOf(keeperSigner);
      const flaky = flakyProvider(ethers.provider, {});
      const { keeper, logger } = testKeeper(vault, keeperSigner, {
        provider: flaky.provider,
        retry: { retries: 2, baseDelayMs: 1, jitter: false },
      });
      await keeper.init();
      flaky.fail("call", 3);
      const [failed] = await keeper.tick();
      expect(failed.action).to.equal("failed");
      // Each cycle starts by following the vault to its current rebalancer.
      expect(failed.reason).to.match(/RPC rebalancer failed after 3 attempt/);
      expect(logger.events("cycle_failed")).to.have.length(1);
      expect(await nonceOf(keeperSigner)).to.equal(keeperSignerNonce);

      const [result] = await keeper.runOnce();
      expect(result).to.include({ action: "confirmed", reason: "rebalanced" });
    });

    it("never retries a revert, and decodes it with the rebalancer's errors", async () => {
      const { vault, rebalancer } = await loadFixture(driftedFixture);
      const [, , , keeperSigner] = await ethers.getSigners();
      await vault.pause();
      const flaky = flakyProvider(ethers.provider, {});
      const { keeper, logger } = testKeeper(vault, keeperSigner, { provider: flaky.provider });
      await keeper.init();
      let caught: unknown;
      try {
        await ethers.provider.call({
          to: await rebalancer.getAddress(),
          data: rebalancer.interface.encodeFunctionData("rebalance"),
        });
      } catch (error) {
        caught = error;
      }
      expect(isTransientRpcError(caught)).to.be.false;
      expect(keeper.decodeRevert(caught)).to.include({ name: "EnforcedPause" });
      expect(logger.events("rpc_retry")).to.deep.equal([]);
    });
  });

  describe("several keepers on one vault", () => {
    it("two keepers racing in one block: one rebalance, the other a clean revert (BallastRebalanceNotDue, Cooldown)", async () => {
      const { vault } = await loadFixture(driftedFixture);
      const [, , , keeperA, keeperB] = await ethers.getSigners();
      const from = await ethers.provider.getBlockNumber();
      const a = testKeeper(vault, keeperA);
      const b = testKeeper(vault, keeperB);
      await Promise.all([a.keeper.init(), b.keeper.init()]);

      await setAutomine(false);
      // Both see the vault due and both send before either is mined.
      const sent = await Promise.all([a.keeper.tick(), b.keeper.tick()]);
      expect(sent.map(([r]) => r.action)).to.deep.equal(["sent", "sent"]);
      await ethers.provider.send("evm_mine", []);
      const settled = await Promise.all([a.keeper.tick(), b.keeper.tick()]);
      await setAutomine(true);

      expect(await rebalancesSince(vault, from)).to.equal(1);
      const results = settled.map(([r]) => r);
      const winner = results.find((r) => r.reason === "rebalanced");
      const loser = results.find((r) => r !== winner);
      expect(winner).to.include({ action: "confirmed", kind: "rebalance" });
      expect(loser).to.include({ action: "skipped", reason: "not_due:Cooldown", status: "Cooldown" });
      const loserLogger = loser?.hash === results[0].hash ? a.logger : b.logger;
      const [notDue] = loserLogger.events("rebalance_not_due");
      expect(notDue).to.include({ level: "info", stage: "mined", status: "Cooldown" });
      expect(loserLogger.events("tx_reverted")).to.deep.equal([]);
      // Both locks are released and neither sends again.
      expect([...a.keeper.inFlight(), ...b.keeper.inFlight()]).to.deep.equal([]);
    });

    it("a keeper that reads Due and then finds another keeper's rebalance mined simulates a clean no-op and sends nothing", async () => {
      const { vault, rebalancer } = await loadFixture(driftedFixture);
      const [, , , keeperA, keeperB] = await ethers.getSigners();
      // Relative: other test files may have used this account before.
      const keeperANonce = await nonceOf(keeperA);
      const from = await ethers.provider.getBlockNumber();
      let raced = false;
      const rebalanceData = rebalancer.interface.encodeFunctionData("rebalance");
      // Keeper B lands its rebalance between keeper A's status read and its simulation.
      const flaky = flakyProvider(ethers.provider, {
        before: async (method, args) => {
          const tx = args[0] as { data?: string } | undefined;
          if (method === "call" && tx?.data === rebalanceData && !raced) {
            raced = true;
            const [resultB] = await testKeeper(vault, keeperB).keeper.runOnce();
            expect(resultB).to.include({ reason: "rebalanced" });
          }
        },
      });
      const { keeper, logger } = testKeeper(vault, keeperA, { provider: flaky.provider });
      const [result] = await keeper.runOnce();
      expect(raced).to.be.true;
      expect(result).to.include({ action: "skipped", reason: "not_due:Cooldown", status: "Due" });
      expect(logger.events("rebalance_not_due")[0]).to.include({ stage: "simulation", status: "Cooldown" });
      expect(await nonceOf(keeperA)).to.equal(keeperANonce);
      expect(await rebalancesSince(vault, from)).to.equal(1);
    });

    it("a second keeper after the first sees the cooldown and sends nothing", async () => {
      const { vault } = await loadFixture(driftedFixture);
      const [, , , keeperA, keeperB] = await ethers.getSigners();
      // Relative: other test files may have used this account before.
      const keeperBNonce = await nonceOf(keeperB);
      const keepers: Keeper[] = [testKeeper(vault, keeperA).keeper, testKeeper(vault, keeperB).keeper];
      const [[first], [second]] = [await keepers[0].runOnce(), await keepers[1].runOnce()];
      expect(first).to.include({ reason: "rebalanced" });
      expect(second).to.include({ action: "idle", status: "Cooldown" });
      expect(await nonceOf(keeperB)).to.equal(keeperBNonce);
    });
  });

  describe("bad input", () => {
    it("refuses an address without code, or a contract that is not a vault, before doing anything", async () => {
      const { vault, market } = await loadFixture(driftedFixture);
      const [, , , keeperSigner] = await ethers.getSigners();
      const empty = testKeeper(ethers.Wallet.createRandom().address, keeperSigner).keeper;
      await expect(empty.init()).to.be.rejectedWith(KeeperConfigError, /no contract at vault/);
      const token = testKeeper(market.token("USDC").address, keeperSigner).keeper;
      await expect(token.init()).to.be.rejectedWith(KeeperConfigError, /not a Ballast vault/);
      const gas = testKeeper(vault, keeperSigner, { gasToken: { basketAsset: "UNI" } }).keeper;
      await expect(gas.init()).to.be.rejectedWith(KeeperConfigError, /gas token UNI is not in vault/);
      const index = testKeeper(vault, keeperSigner, { gasToken: { basketAsset: 7 } }).keeper;
      await expect(index.init()).to.be.rejectedWith(KeeperConfigError, /outside vault .* basket of 4/);
    });
  });
});
