import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroHash } from "ethers";
import { ethers } from "hardhat";

import { governanceContext, pendingOperations } from "../../src/ops";
import type { ExecuteResult, PendingOperation, ProposeResult } from "../../src/ops";
import { defaultParams } from "../../src/vault";
import { main as governance, TASKS } from "../../scripts/governance";
import { emptyFixture } from "../ops/helpers";

import { expectScriptError, runScript } from "./helpers";

const PARAMS = defaultParams(6);
const NEW_PARAMS = { ...PARAMS, slippageBps: 30, maxTradeBps: 2_000, minTradeValue: "10000000" };

function tuple(p: { slippageBps: unknown; maxTradeBps: unknown; maxLossBps: unknown; minTradeValue: unknown }) {
  return [p.slippageBps, p.maxTradeBps, p.maxLossBps, p.minTradeValue].map((v) => BigInt(v as bigint));
}

/**
 * scripts/governance.ts, with the assertions of the first governance task test
 * (test/ops/governance.test.ts): propose, list, execute too early, execute when ready.
 */
describe("scripts/governance.ts", function () {
  it("ACTION=propose schedules a change through the vault's timelock, pending lists it, execute runs it when ready", async function () {
    const { vault, timelock, vaultAddress } = await loadFixture(emptyFixture);
    const data = vault.interface.encodeFunctionData("setRebalanceParams", [NEW_PARAMS]);

    // The script's result depends on ACTION: each call below knows which it asked for.
    const proposed = await runScript(governance, {
      ACTION: "propose",
      BALLAST_VAULT: vaultAddress,
      TARGET: "vault",
      FUNCTION: "setRebalanceParams",
      ARGS: JSON.stringify([NEW_PARAMS]),
    });
    const result = proposed.result as ProposeResult;
    const output = proposed.output;
    expect(result.id).to.equal(await timelock.hashOperation(vaultAddress, 0, data, ZeroHash, ZeroHash));
    expect(result.calls[0]).to.include({ target: vaultAddress, label: "vault", function: "vault.setRebalanceParams" });
    expect(result.calls[0].summary).to.equal("vault.setRebalanceParams((30, 2000, 100, 10000000, 5))");
    expect(await timelock.getOperationState(result.id)).to.equal(1n); // Waiting
    expect(output).to.contain(`scheduled operation ${result.id} on timelock ${await timelock.getAddress()}`);

    const listing = await runScript(governance, { ACTION: "pending", BALLAST_VAULT: vaultAddress });
    const pending = listing.result as PendingOperation[];
    const listed = listing.output;
    expect(pending).to.have.length(1);
    expect(pending[0]).to.include({ id: result.id, state: "Waiting", readyAt: result.readyAt, batch: false });
    expect(listed).to.contain("vault.setRebalanceParams((30, 2000, 100, 10000000, 5))");

    const execute = { ACTION: "execute", BALLAST_VAULT: vaultAddress, ID: result.id };
    await expectScriptError(governance, execute, /is not ready: executable from .* \(in 2d\)/);
    expect(tuple((await vault.basketState()).params)).to.deep.equal(tuple(PARAMS));

    await time.increaseTo(result.readyAt);
    const ready = await runScript(governance, {
      ACTION: "pending",
      TIMELOCK: await timelock.getAddress(),
      JSON: "true",
    });
    const [readyOp] = ready.result as PendingOperation[];
    expect(readyOp.state).to.equal("Ready");
    expect(readyOp.calls[0].function).to.equal(`${vaultAddress}.setRebalanceParams`);
    expect((JSON.parse(ready.output) as { id: string }[])[0].id).to.equal(result.id);

    const run = await runScript(governance, execute);
    const executed = run.result as ExecuteResult;
    const done = run.output;
    expect(executed.id).to.equal(result.id);
    expect(tuple((await vault.basketState()).params)).to.deep.equal(tuple(NEW_PARAMS));
    expect(done).to.contain(`executed operation ${result.id}`);
    expect(await pendingOperations(await governanceContext(ethers.provider, { vault: vaultAddress }))).to.deep.equal(
      [],
    );
    await expectScriptError(governance, execute, /was already executed/);
  });

  it("refuses no ACTION or an unknown one, and names the variables of the flags a message names", async function () {
    const { vaultAddress } = await loadFixture(emptyFixture);
    await expectScriptError(governance, {}, /^set ACTION to propose, pending or execute$/);
    await expectScriptError(governance, { ACTION: "vote" }, /^set ACTION to propose, pending or execute, not "vote"$/);
    const printed = await expectScriptError(
      governance,
      { ACTION: "propose", BALLAST_VAULT: vaultAddress, TARGET: "vault" },
      /give --target and --function \(with --args\), or --batch <file.json>/,
      Object.values(TASKS),
    );
    expect(printed).to.contain(
      "(--target is TARGET, --function is FUNCTION, --args is ARGS, --batch is BATCH for this script)",
    );
    await expectScriptError(
      governance,
      { ACTION: "pending", BALLAST_VAULT: vaultAddress, FROM_BLOCK: "soon" },
      /Invalid value soon for argument FROM_BLOCK of type int/,
    );
  });
});
