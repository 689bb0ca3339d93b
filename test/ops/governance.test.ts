import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { id, Interface, ZeroHash } from "ethers";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ethers } from "hardhat";

import {
  governanceContext,
  OpsInputError,
  pendingOperations,
  prepareProposal,
  safeBatchChecksum,
  TX_BUILDER_VERSION,
} from "../../src/ops";
import type { ExecuteResult, PendingOperation, ProposeResult, SafeBatchFile } from "../../src/ops";
import {
  DEFAULT_BASKET,
  DEFAULT_TIMELOCK_DELAY,
  DEFAULT_TRIGGERS,
  defaultParams,
  deployVault,
  RECOMMENDED_BREAKERS,
} from "../../src/vault";
import { BallastPolicy__factory, BallastRebalancer__factory, TimelockController__factory } from "../../typechain-types";

import { emptyFixture, expectTaskError, runTask } from "./helpers";
import type { OpsFixture } from "./helpers";

const DELAY = BigInt(DEFAULT_TIMELOCK_DELAY);
const PARAMS = defaultParams(6);
/** The new execution bounds proposed in these tests, as --args. */
const NEW_PARAMS = { ...PARAMS, slippageBps: 30, maxTradeBps: 2_000, minTradeValue: "10000000" };
const NEW_PARAMS_ARGS = JSON.stringify([NEW_PARAMS]);
const NEW_TRIGGERS = { ...DEFAULT_TRIGGERS, triggerBandBps: 300, cooldown: 3_600 };
const TIMELOCK = new Interface(TimelockController__factory.abi);

function tuple(p: {
  slippageBps: unknown;
  maxTradeBps: unknown;
  maxLossBps: unknown;
  minTradeValue: unknown;
}): bigint[] {
  return [p.slippageBps, p.maxTradeBps, p.maxLossBps, p.minTradeValue].map((v) => BigInt(v as bigint));
}

function tempFile(name: string): string {
  return path.join(mkdtempSync(path.join(tmpdir(), "ballast-ops-")), name);
}

function readSafeFile(file: string): SafeBatchFile {
  return JSON.parse(readFileSync(file, "utf8")) as SafeBatchFile;
}

/** Proposes NEW_PARAMS for the vault through the task (the deployer is the proposer). */
async function proposeParams(f: OpsFixture, extra: Record<string, unknown> = {}) {
  return runTask<ProposeResult>("gov:propose", {
    vault: f.vaultAddress,
    target: "vault",
    function: "setRebalanceParams",
    args: NEW_PARAMS_ARGS,
    ...extra,
  });
}

describe("governance tasks", function () {
  describe("gov:propose, gov:pending, gov:execute", function () {
    it("schedules a change through the vault's timelock, lists it, refuses it early and executes it when ready", async function () {
      const f = await loadFixture(emptyFixture);
      const { vault, timelock, vaultAddress } = f;
      const data = vault.interface.encodeFunctionData("setRebalanceParams", [NEW_PARAMS]);

      // The timelock is found from the vault's RoleGranted events: no --timelock.
      const { result, output } = await proposeParams(f);
      expect(result.id).to.equal(await timelock.hashOperation(vaultAddress, 0, data, ZeroHash, ZeroHash));
      expect(result.calls).to.have.length(1);
      expect(result.calls[0]).to.include({
        target: vaultAddress,
        label: "vault",
        function: "vault.setRebalanceParams",
      });
      expect(result.calls[0].data).to.equal(data);
      expect(result.calls[0].summary).to.equal("vault.setRebalanceParams((30, 2000, 100, 10000000, 5))");
      expect(result.readyAt).to.equal((await time.latest()) + Number(DELAY));
      expect(await timelock.getOperationState(result.id)).to.equal(1n); // Waiting
      expect(output).to.contain(`scheduled operation ${result.id} on timelock ${await timelock.getAddress()}`);
      expect(output).to.contain("ready at");

      const { result: pending, output: listed } = await runTask<PendingOperation[]>("gov:pending", {
        vault: vaultAddress,
      });
      expect(pending).to.have.length(1);
      expect(pending[0]).to.include({ id: result.id, state: "Waiting", readyAt: result.readyAt, batch: false });
      expect(pending[0].calls[0].function).to.equal("vault.setRebalanceParams");
      expect(listed).to.contain(result.id);
      expect(listed).to.contain("vault.setRebalanceParams((30, 2000, 100, 10000000, 5))");

      await expectTaskError(
        "gov:execute",
        { vault: vaultAddress, id: result.id },
        /is not ready: executable from .* \(in 2d\)/,
      );
      await time.increaseTo(result.readyAt - 2);
      await expectTaskError(
        "gov:execute",
        { vault: vaultAddress, id: result.id },
        /is not ready: executable from .* \(in 2s\)/,
      );
      expect(tuple((await vault.basketState()).params)).to.deep.equal(tuple(PARAMS));

      await time.increaseTo(result.readyAt);
      const ready = await runTask<PendingOperation[]>("gov:pending", { timelock: await timelock.getAddress() });
      expect(ready.result[0].state).to.equal("Ready");
      // Without the vault, calls are decoded by selector against the known ABIs.
      expect(ready.result[0].calls[0].function).to.equal(`${vaultAddress}.setRebalanceParams`);

      const { result: executed, output: done } = await runTask<ExecuteResult>("gov:execute", {
        vault: vaultAddress,
        id: result.id,
      });
      expect(executed.id).to.equal(result.id);
      expect(tuple((await vault.basketState()).params)).to.deep.equal(tuple(NEW_PARAMS));
      expect(await timelock.isOperationDone(result.id)).to.be.true;
      expect(done).to.contain(`executed operation ${result.id}`);
      expect(await pendingOperations(await governanceContext(ethers.provider, { vault: vaultAddress }))).to.deep.equal(
        [],
      );
      await expectTaskError("gov:execute", { vault: vaultAddress, id: result.id }, /was already executed/);
    });

    it("schedules a batch file over vault and policy with a text salt, and executes it from the same inputs", async function () {
      const f = await loadFixture(emptyFixture);
      const { vault, policy, timelock, vaultAddress } = f;
      const batch = tempFile("batch.json");
      writeFileSync(
        batch,
        JSON.stringify({
          calls: [
            { target: "vault", function: "setRebalanceParams", args: [NEW_PARAMS] },
            {
              target: "policy",
              function: "setTriggerParams((uint16,uint16,uint32,uint32))",
              args: [[300, 0, 3_600, 0]],
            },
          ],
        }),
      );
      const { result } = await runTask<ProposeResult>("gov:propose", {
        vault: vaultAddress,
        batch,
        salt: "params-2025-01",
      });
      const targets = [vaultAddress, await policy.getAddress()];
      const payloads = [
        vault.interface.encodeFunctionData("setRebalanceParams", [NEW_PARAMS]),
        policy.interface.encodeFunctionData("setTriggerParams", [NEW_TRIGGERS]),
      ];
      expect(result.id).to.equal(
        await timelock.hashOperationBatch(targets, [0, 0], payloads, ZeroHash, id("params-2025-01")),
      );
      expect(result.calls.map((c) => c.function)).to.deep.equal([
        "vault.setRebalanceParams",
        "policy.setTriggerParams",
      ]);

      const [pending] = await pendingOperations(await governanceContext(ethers.provider, { vault: vaultAddress }));
      expect(pending).to.include({ id: result.id, batch: true, salt: id("params-2025-01") });

      await time.increase(DELAY);
      // By the same inputs as the proposal instead of the id.
      const { result: executed } = await runTask<ExecuteResult>("gov:execute", {
        vault: vaultAddress,
        batch,
        salt: "params-2025-01",
      });
      expect(executed.id).to.equal(result.id);
      expect(tuple((await vault.basketState()).params)).to.deep.equal(tuple(NEW_PARAMS));
      expect((await policy.triggerParams()).triggerBandBps).to.equal(300n);
    });

    it("targets the rebalancer's breakers: breakers.setBreakerParams encoded, listed and executed; breakers.resetBreaker simulated against them", async function () {
      const { breakers, rebalancer, vaultAddress } = await loadFixture(emptyFixture);
      const params = { ...RECOMMENDED_BREAKERS, cooldown: 1_800 };
      const batch = tempFile("breakers.json");
      writeFileSync(
        batch,
        JSON.stringify([{ target: "breakers", function: "setBreakerParams", args: [params] }], (_, v: unknown) =>
          typeof v === "bigint" ? v.toString() : v,
        ),
      );
      const { result } = await runTask<ProposeResult>("gov:propose", { vault: vaultAddress, batch });
      expect(result.calls.map((c) => [c.target, c.function])).to.deep.equal([
        [await breakers.getAddress(), "breakers.setBreakerParams"],
      ]);
      const [pending] = await pendingOperations(await governanceContext(ethers.provider, { vault: vaultAddress }));
      expect(pending.calls.map((c) => c.function)).to.deep.equal(["breakers.setBreakerParams"]);
      await time.increase(DELAY);
      await runTask<ExecuteResult>("gov:execute", { vault: vaultAddress, id: result.id });
      expect((await breakers.breakerParams()).cooldown).to.equal(1_800n);
      // resetBreaker is encoded against the breakers too; the simulation from the timelock says
      // why it would fail now (nothing is tripped).
      await expectTaskError(
        "gov:propose",
        {
          vault: vaultAddress,
          target: "breakers",
          function: "resetBreaker",
          args: JSON.stringify([await rebalancer.getAddress()]),
        },
        /BallastBreakerNotTripped/,
      );
    });

    it("targets the vault's rebalancer: rebalancer.setPolicy and vault.setRebalancer, encoded, listed and executed", async function () {
      const f = await loadFixture(emptyFixture);
      const { vault, rebalancer, timelock, deployer, vaultAddress } = f;
      const timelockAddress = await timelock.getAddress();
      const rebalancerAddress = await rebalancer.getAddress();
      const nextPolicy = await new BallastPolicy__factory(deployer).deploy(timelockAddress, DEFAULT_TRIGGERS);
      const nextRebalancer = await new BallastRebalancer__factory(deployer).deploy(
        vault,
        nextPolicy,
        rebalancer.breakers(),
        rebalancer.planner(),
        timelockAddress,
      );
      const [policyAddress, replacement] = await Promise.all([nextPolicy.getAddress(), nextRebalancer.getAddress()]);
      const batch = tempFile("rebalancer.json");
      writeFileSync(
        batch,
        JSON.stringify([
          { target: "rebalancer", function: "setPolicy", args: [policyAddress] },
          { target: "vault", function: "setRebalancer", args: [replacement] },
        ]),
      );
      const { result } = await runTask<ProposeResult>("gov:propose", { vault: vaultAddress, batch });
      const payloads = [
        rebalancer.interface.encodeFunctionData("setPolicy", [policyAddress]),
        vault.interface.encodeFunctionData("setRebalancer", [replacement]),
      ];
      expect(result.id).to.equal(
        await timelock.hashOperationBatch([rebalancerAddress, vaultAddress], [0, 0], payloads, ZeroHash, ZeroHash),
      );
      expect(result.calls.map((c) => [c.target, c.function, c.summary])).to.deep.equal([
        [rebalancerAddress, "rebalancer.setPolicy", `rebalancer.setPolicy(${policyAddress})`],
        [vaultAddress, "vault.setRebalancer", `vault.setRebalancer(${replacement})`],
      ]);

      // Listed by label with the vault, by selector against the known ABIs without it.
      const [pending] = await pendingOperations(await governanceContext(ethers.provider, { vault: vaultAddress }));
      expect(pending.calls.map((c) => c.function)).to.deep.equal(["rebalancer.setPolicy", "vault.setRebalancer"]);
      const [bare] = await pendingOperations(await governanceContext(ethers.provider, { timelock: timelockAddress }));
      expect(bare.calls.map((c) => c.function)).to.deep.equal([
        `${rebalancerAddress}.setPolicy`,
        `${vaultAddress}.setRebalancer`,
      ]);

      await time.increase(DELAY);
      await runTask<ExecuteResult>("gov:execute", { vault: vaultAddress, id: result.id });
      expect(await rebalancer.policy()).to.equal(policyAddress);
      expect(await vault.rebalancer()).to.equal(replacement);
      // The keyword follows the vault to its new rebalancer.
      const ctx = await governanceContext(ethers.provider, { vault: vaultAddress });
      expect(ctx.known.map((k) => [k.label, k.address])).to.deep.equal([
        ["vault", vaultAddress],
        ["rebalancer", replacement],
        ["policy", policyAddress],
        ["breakers", await rebalancer.breakers()],
        ["timelock", timelockAddress],
      ]);
      await expectTaskError(
        "gov:propose",
        { timelock: timelockAddress, target: "rebalancer", function: "setPolicy", args: "[]" },
        /--target rebalancer needs the vault/,
      );
    });

    it("refuses unknown functions, wrong argument counts, bad JSON, values the contract rejects and short delays", async function () {
      const f = await loadFixture(emptyFixture);
      const v = f.vaultAddress;
      const base = { vault: v, target: "vault", function: "setRebalanceParams" };
      await expectTaskError(
        "gov:propose",
        { ...base, function: "setRebalanceParam", args: NEW_PARAMS_ARGS },
        // The vault's setRebalancer shares the prefix.
        /vault has no function "setRebalanceParam"; did you mean setRebalanceParams or setRebalancer\?/,
      );
      await expectTaskError(
        "gov:propose",
        { ...base, args: JSON.stringify([NEW_PARAMS, 1]) },
        /vault.setRebalanceParams takes 1 argument\(s\) \(\(uint16 slippageBps, .*\) params\), got 2/,
      );
      await expectTaskError("gov:propose", { ...base, args: "[{slippageBps: 30}]" }, /--args is not valid JSON/);
      await expectTaskError("gov:propose", { ...base, args: '{"slippageBps": 30}' }, /--args must be a JSON array/);
      await expectTaskError(
        "gov:propose",
        { ...base, args: JSON.stringify([{ ...NEW_PARAMS, slippageBps: "lots" }]) },
        /bad arguments for vault.setRebalanceParams/,
      );
      // Encodable, but the vault would revert when the timelock runs it: caught now, not in two days.
      await expectTaskError(
        "gov:propose",
        { ...base, args: JSON.stringify([{ ...NEW_PARAMS, slippageBps: 501 }]) },
        /would revert if executed now: BallastParameterOutOfRange\(0, 501, 1, 500\)/,
      );
      await expectTaskError(
        "gov:propose",
        { ...base, args: JSON.stringify([{ ...PARAMS, minTradeValue: String(PARAMS.minTradeValue) }]) },
        /BallastParameterUnchanged\(\)/,
      );
      await expectTaskError(
        "gov:propose",
        { ...base, args: NEW_PARAMS_ARGS, delay: "3600" },
        /--delay 3600s is below the timelock's minimum of 172800s \(2d\)/,
      );
      await expectTaskError(
        "gov:propose",
        { ...base, function: "feeParams" },
        /is a view function: nothing to schedule/,
      );
      await expectTaskError("gov:propose", { ...base, target: "router", args: "[]" }, /--target "router" is neither/);
      await expectTaskError(
        "gov:propose",
        { ...base, target: f.stranger.address, args: "[]" },
        /is not the vault, rebalancer, policy, breakers or timelock: give the full signature/,
      );
      await expectTaskError("gov:propose", { vault: v, target: "vault" }, /give --target and --function/);
      await expectTaskError(
        "gov:propose",
        { ...base, args: NEW_PARAMS_ARGS, from: f.stranger.address },
        /lacks PROPOSER_ROLE on timelock .*--safe <file.json>/,
      );
      await expectTaskError(
        "gov:propose",
        { ...base, args: NEW_PARAMS_ARGS, timelock: v },
        /--timelock 0x[0-9a-fA-F]{40} is not a TimelockController/,
      );
      // The same calls and salt cannot be scheduled twice.
      await proposeParams(f);
      await expectTaskError(
        "gov:propose",
        { ...base, args: NEW_PARAMS_ARGS },
        /is already Waiting: pass another --salt/,
      );
      // Nothing else was scheduled by the refusals.
      const ctx = await governanceContext(ethers.provider, { vault: v });
      expect(await pendingOperations(ctx)).to.have.length(1);
    });

    it("refuses to execute an unknown operation, a non-executor, and a vault governed without a timelock", async function () {
      const f = await loadFixture(emptyFixture);
      const { result } = await proposeParams(f);
      await time.increase(DELAY);
      const unknown = id("never scheduled");
      await expectTaskError(
        "gov:execute",
        { vault: f.vaultAddress, id: unknown },
        /no operation 0x[0-9a-f]{64} was scheduled/,
      );
      await expectTaskError("gov:execute", { vault: f.vaultAddress, id: "42" }, /--id "42" is not a 32-byte hex value/);
      await expectTaskError(
        "gov:execute",
        { vault: f.vaultAddress, id: result.id, from: f.stranger.address },
        /lacks EXECUTOR_ROLE/,
      );
      await expectTaskError(
        "gov:execute",
        {
          vault: f.vaultAddress,
          target: "vault",
          function: "setRebalanceParams",
          args: NEW_PARAMS_ARGS,
          salt: "other",
        },
        /is not scheduled \(never was, or was cancelled\)/,
      );
      await expectTaskError(
        "gov:execute",
        { vault: f.vaultAddress, id: result.id, target: "vault" },
        /either --id or the proposed calls/,
      );
      await expect(
        prepareProposal(await governanceContext(ethers.provider, { vault: f.vaultAddress }), []),
      ).to.be.rejectedWith(OpsInputError, /no call given/);

      // A vault administered by an account, not a timelock: nothing to discover.
      const direct = await deployVault(f.market, { basket: DEFAULT_BASKET, governance: { admin: f.deployer.address } });
      await expectTaskError(
        "gov:pending",
        { vault: await direct.vault.getAddress() },
        /no TimelockController holds the vault's DEFAULT_ADMIN_ROLE \(admins found from block 0: 0x[0-9a-fA-F]{40}\): pass --timelock/,
      );
    });
  });

  describe("Safe Transaction Builder files", function () {
    it("writes the schedule and execute calls for a Safe proposer, field by field, and sends nothing", async function () {
      const f = await loadFixture(emptyFixture);
      const { vault, timelock, deployer, vaultAddress } = f;
      const timelockAddress = await timelock.getAddress();
      const scheduleFile = tempFile("schedule.json");
      const executeFile = tempFile("execute.json");
      const before = Date.now();
      const { output } = await proposeParams(f, {
        safe: scheduleFile,
        safeExecute: executeFile,
        safeAddress: deployer.address, // a proposer (the Safe, in production)
        salt: "safe-1",
      });
      const data = vault.interface.encodeFunctionData("setRebalanceParams", [NEW_PARAMS]);
      const opId = await timelock.hashOperation(vaultAddress, 0, data, ZeroHash, id("safe-1"));
      expect(output).to.contain(`wrote ${scheduleFile}: the Safe transaction scheduling operation ${opId}`);
      expect(output).to.contain("nothing was sent");
      expect(await timelock.getOperationState(opId)).to.equal(0n); // Unset: not scheduled

      const file = readSafeFile(scheduleFile);
      expect(Object.keys(file)).to.deep.equal(["version", "chainId", "createdAt", "meta", "transactions"]);
      expect(file.version).to.equal("1.0");
      expect(file.chainId).to.equal("31337");
      expect(file.createdAt).to.be.within(before, Date.now());
      expect(file.meta.name).to.equal("Ballast: schedule vault.setRebalanceParams");
      expect(file.meta.description).to.contain(`Timelock operation ${opId}`);
      expect(file.meta.description).to.contain("1. vault.setRebalanceParams((30, 2000, 100, 10000000, 5))");
      expect(file.meta.description).to.contain(`delay 172800s (2d) on timelock ${timelockAddress}`);
      expect(file.meta.txBuilderVersion).to.equal(TX_BUILDER_VERSION);
      expect(file.meta.createdFromSafeAddress).to.equal(deployer.address);
      expect(file.meta.createdFromOwnerAddress).to.equal("");
      expect(file.meta.checksum).to.equal(safeBatchChecksum(file));
      expect(file.transactions).to.have.length(1);
      const [tx] = file.transactions;
      expect(tx.to).to.equal(timelockAddress);
      expect(tx.value).to.equal("0");
      // The data is the timelock's schedule call, re-decodable with its ABI.
      const decoded = TIMELOCK.parseTransaction({ data: tx.data });
      expect(decoded?.name).to.equal("schedule");
      expect(decoded?.args.toArray()).to.deep.equal([vaultAddress, 0n, data, ZeroHash, id("safe-1"), DELAY]);
      expect(tx.contractMethod.name).to.equal("schedule");
      expect(tx.contractMethod.payable).to.be.false;
      expect(tx.contractMethod.inputs.map((i) => `${i.type} ${i.name}`)).to.deep.equal([
        "address target",
        "uint256 value",
        "bytes data",
        "bytes32 predecessor",
        "bytes32 salt",
        "uint256 delay",
      ]);
      expect(tx.contractInputsValues).to.deep.equal({
        target: vaultAddress,
        value: "0",
        data,
        predecessor: ZeroHash,
        salt: id("safe-1"),
        delay: DELAY.toString(),
      });

      const exec = readSafeFile(executeFile);
      expect(exec.meta.name).to.equal("Ballast: execute vault.setRebalanceParams");
      expect(exec.meta.checksum).to.equal(safeBatchChecksum(exec));
      const execDecoded = TIMELOCK.parseTransaction({ data: exec.transactions[0].data });
      expect(execDecoded?.name).to.equal("execute");
      expect(execDecoded?.args.toArray()).to.deep.equal([vaultAddress, 0n, data, ZeroHash, id("safe-1")]);

      // What the Safe would send does what it says: it schedules, then (after the delay) executes.
      await deployer.sendTransaction({ to: tx.to, data: tx.data, value: tx.value });
      expect(await timelock.getOperationState(opId)).to.equal(1n);
      await time.increase(DELAY);
      await deployer.sendTransaction({ to: exec.transactions[0].to, data: exec.transactions[0].data });
      expect(tuple((await vault.basketState()).params)).to.deep.equal(tuple(NEW_PARAMS));
    });

    it("writes a batch as scheduleBatch with array inputs, and an execute file for a pending operation", async function () {
      const f = await loadFixture(emptyFixture);
      const { vault, policy, timelock, vaultAddress } = f;
      const batch = tempFile("batch.json");
      writeFileSync(
        batch,
        JSON.stringify([
          { target: "vault", function: "setRebalanceParams", args: [NEW_PARAMS] },
          { target: "policy", function: "setTriggerParams", args: [NEW_TRIGGERS] },
        ]),
      );
      const scheduleFile = tempFile("schedule.json");
      await runTask("gov:propose", { vault: vaultAddress, batch, safe: scheduleFile });
      const [tx] = readSafeFile(scheduleFile).transactions;
      const decoded = TIMELOCK.parseTransaction({ data: tx.data });
      expect(decoded?.name).to.equal("scheduleBatch");
      const targets = [vaultAddress, await policy.getAddress()];
      expect(decoded?.args.targets).to.deep.equal(targets);
      expect(decoded?.args.payloads).to.deep.equal([
        vault.interface.encodeFunctionData("setRebalanceParams", [NEW_PARAMS]),
        policy.interface.encodeFunctionData("setTriggerParams", [NEW_TRIGGERS]),
      ]);
      expect(tx.contractInputsValues.targets).to.equal(JSON.stringify(targets));
      expect(tx.contractInputsValues.values).to.equal('["0","0"]');

      // Scheduled by the proposer as the file says, the operation can be written for the executors' Safe by id.
      await f.deployer.sendTransaction({ to: tx.to, data: tx.data });
      const [pending] = await pendingOperations(await governanceContext(ethers.provider, { vault: vaultAddress }));
      const executeFile = tempFile("execute.json");
      const { output } = await runTask("gov:execute", { vault: vaultAddress, id: pending.id, safe: executeFile });
      expect(output).to.contain(`the Safe transaction executing operation ${pending.id} (Waiting)`);
      const exec = readSafeFile(executeFile);
      expect(TIMELOCK.parseTransaction({ data: exec.transactions[0].data })?.name).to.equal("executeBatch");
      expect(await timelock.getOperationState(pending.id)).to.equal(1n);

      // A Safe that is not a proposer is refused before any file is written.
      await expectTaskError(
        "gov:propose",
        { vault: vaultAddress, batch, salt: "x", safe: tempFile("no.json"), safeAddress: f.stranger.address },
        /the Safe 0x[0-9a-fA-F]{40} lacks PROPOSER_ROLE/,
      );
      await expectTaskError(
        "gov:propose",
        { vault: vaultAddress, batch, safeExecute: executeFile },
        /--safe-execute goes with --safe/,
      );
    });

    it("computes the Transaction Builder's checksum (a batch downloaded from Transaction Builder 1.18.2)", function () {
      // Published in safe-global's safe-cli-nodejs docs as a Transaction Builder download: the checksum
      // is the builder's own, so matching it shows the files we write will not trigger its warning.
      const downloaded = {
        version: "1.0" as const,
        chainId: "1",
        createdAt: 1761326849944,
        meta: {
          name: "Transactions Batch",
          description: "",
          txBuilderVersion: "1.18.2",
          createdFromSafeAddress: "0xA77DE01e157f9f57C7c4A326eeE9C4874D0598b6",
          createdFromOwnerAddress: "",
          checksum: "0x8b5032f716845c8b08bab3d63dbd9ba92e056f3557793cd041e59b84e16aa989",
        },
        transactions: [
          {
            to: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
            value: "0",
            data: null as unknown as string,
            contractMethod: {
              inputs: [
                { internalType: "address", name: "spender", type: "address" },
                { internalType: "uint256", name: "value", type: "uint256" },
              ],
              name: "approve",
              payable: false,
            },
            contractInputsValues: { spender: "0x474e5Ded6b5D078163BFB8F6dBa355C3aA5478C8", value: "100000000000" },
          },
        ],
      };
      expect(safeBatchChecksum(downloaded)).to.equal(downloaded.meta.checksum);
      // The name is left out (renaming keeps the checksum); any other field is covered.
      expect(safeBatchChecksum({ ...downloaded, meta: { ...downloaded.meta, name: "renamed" } })).to.equal(
        downloaded.meta.checksum,
      );
      expect(safeBatchChecksum({ ...downloaded, chainId: "10" })).to.not.equal(downloaded.meta.checksum);
    });
  });
});
