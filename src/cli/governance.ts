/**
 * The governance commands (`gov:propose`, `gov:pending`, `gov:execute`): a parameter change goes
 * through the TimelockController that administers vault, rebalancer, policy and breakers. Run by the
 * Hardhat tasks (tasks/governance.ts) and by scripts/governance.ts alike.
 *
 * Imports typechain-types through `src/ops`: tasks load this module inside their actions.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import * as ops from "../ops";
import type {
  CallSpec,
  ExecuteResult,
  GovernanceContext,
  PendingOperation,
  Proposal,
  ProposeResult,
  SafeBatchFile,
  TimelockOperation,
} from "../ops";

import { reportInputErrors } from "./errors";

export interface GovArgs {
  vault?: string;
  timelock?: string;
  fromBlock?: number;
}

export interface CallArgs extends GovArgs {
  target?: string;
  function?: string;
  args?: string;
  batch?: string;
  salt?: string;
  predecessor?: string;
}

export interface ProposeArgs extends CallArgs {
  delay?: string;
  safe?: string;
  safeExecute?: string;
  safeAddress?: string;
  skipSimulation: boolean;
  from?: string;
}

export interface PendingArgs extends GovArgs {
  json: boolean;
}

export interface ExecuteArgs extends CallArgs {
  id?: string;
  safe?: string;
  safeAddress?: string;
  from?: string;
}

/** A proposal written for a Safe proposer instead of sent. */
export interface SafeProposal {
  proposal: Proposal;
  safe: SafeBatchFile;
}

/** An execution written for a Safe executor instead of sent. */
export interface SafeExecution {
  operation: TimelockOperation;
  safe: SafeBatchFile;
}

/**
 * A governance command: `run` against the timelock (and vault) the arguments name, its input errors
 * reported as such.
 */
function govCommand<A extends GovArgs, R>(
  run: (hre: HardhatRuntimeEnvironment, args: A, ctx: GovernanceContext) => Promise<R>,
): (hre: HardhatRuntimeEnvironment, args: A) => Promise<R> {
  return (hre, args) =>
    reportInputErrors(async () => {
      // The vault is optional here (a bare --timelock suffices), but BALLAST_VAULT still applies.
      const vault = args.vault ?? process.env[ops.VAULT_ENV];
      const ctx = await ops.governanceContext(hre.ethers.provider, {
        vault: vault === undefined ? undefined : ops.vaultAddress(vault),
        timelock: args.timelock,
        fromBlock: args.fromBlock,
      });
      return run(hre, args, ctx);
    });
}

/** The calls given on the command line: --batch, or --target with --function and --args. */
function callSpecs(args: CallArgs): CallSpec[] {
  if (args.batch !== undefined) {
    if (args.target !== undefined || args.function !== undefined || args.args !== undefined) {
      throw new ops.OpsInputError("give either --batch or --target/--function/--args, not both");
    }
    return ops.readBatchFile(args.batch);
  }
  if (args.target === undefined || args.function === undefined) {
    throw new ops.OpsInputError("give --target and --function (with --args), or --batch <file.json>");
  }
  return [{ target: args.target, function: args.function, args: ops.parseArgs(args.args) }];
}

const numbered = (op: TimelockOperation): string => op.calls.map((c, i) => `  ${i + 1}. ${c.summary}`).join("\n");

export const govProposeCommand = govCommand(
  async (hre, args: ProposeArgs, ctx): Promise<ProposeResult | SafeProposal> => {
    const specs = callSpecs(args);
    if (args.safeExecute !== undefined && args.safe === undefined) {
      throw new ops.OpsInputError("--safe-execute goes with --safe <file>");
    }
    const proposal = await ops.prepareProposal(ctx, specs, {
      delay: args.delay,
      salt: args.salt,
      predecessor: args.predecessor,
      simulate: !args.skipSimulation,
    });
    const op = proposal.operation;
    const calls = numbered(op);
    if (args.safe !== undefined) {
      if (args.safeAddress !== undefined) await ops.checkSafeRole(ctx, args.safeAddress, "PROPOSER_ROLE");
      const schedule = ops.safeScheduleBatch(ctx, proposal, { safeAddress: args.safeAddress });
      ops.writeSafeBatch(args.safe, schedule);
      console.log(`wrote ${args.safe}: the Safe transaction scheduling operation ${op.id}\n${calls}`);
      if (args.safeExecute !== undefined) {
        ops.writeSafeBatch(args.safeExecute, ops.safeExecuteBatch(ctx, op, { safeAddress: args.safeAddress }));
        console.log(`wrote ${args.safeExecute}: the Safe transaction executing it once the delay has passed`);
      }
      console.log("nothing was sent: load the file in the Safe's Transaction Builder, sign and execute it there");
      return { proposal, safe: schedule };
    }
    const signer = await ops.resolveSigner(hre, args.from);
    const result = await ops.propose(signer, ctx, proposal);
    const now = (await hre.ethers.provider.getBlock("latest"))?.timestamp ?? 0;
    console.log(`scheduled operation ${result.id} on timelock ${ctx.timelockAddress} (tx ${result.tx})\n${calls}`);
    console.log(`ready at ${ops.formatWhen(result.readyAt, now)}; then: npx hardhat gov:execute --id ${result.id}`);
    return result;
  },
);

export const govPendingCommand = govCommand(async (hre, args: PendingArgs, ctx): Promise<PendingOperation[]> => {
  const pending = await ops.pendingOperations(ctx);
  if (args.json) {
    console.log(ops.toJson(pending));
    return pending;
  }
  const now = (await hre.ethers.provider.getBlock("latest"))?.timestamp ?? 0;
  if (pending.length === 0) console.log(`no pending operation on timelock ${ctx.timelockAddress}`);
  for (const op of pending) {
    console.log(`${op.id}  ${op.state.padEnd(7)}  ready ${ops.formatWhen(op.readyAt, now)}`);
    for (const c of op.calls) console.log(`    ${c.summary}`);
  }
  return pending;
});

export const govExecuteCommand = govCommand(
  async (hre, args: ExecuteArgs, ctx): Promise<ExecuteResult | SafeExecution> => {
    let op: TimelockOperation;
    if (args.id !== undefined) {
      if (args.target !== undefined || args.batch !== undefined) {
        throw new ops.OpsInputError("give either --id or the proposed calls (--target/--function/--args or --batch)");
      }
      op = await ops.operationFromEvents(ctx, args.id);
    } else {
      const calls = ops.encodeCalls(ctx, callSpecs(args));
      op = await ops.buildOperation(ctx, calls, { salt: args.salt, predecessor: args.predecessor });
    }
    const calls = numbered(op);
    if (args.safe !== undefined) {
      // The Safe's signers may sign before the delay ends; only an operation that can never run is refused.
      const state = ops.OPERATION_STATES[Number(await ctx.timelock.getOperationState(op.id))];
      if (state === "Unset" || state === "Done") await ops.checkExecutable(ctx, op);
      if (args.safeAddress !== undefined) await ops.checkSafeRole(ctx, args.safeAddress, "EXECUTOR_ROLE");
      const file = ops.safeExecuteBatch(ctx, op, { safeAddress: args.safeAddress });
      ops.writeSafeBatch(args.safe, file);
      console.log(`wrote ${args.safe}: the Safe transaction executing operation ${op.id} (${state})\n${calls}`);
      return { operation: op, safe: file };
    }
    const signer = await ops.resolveSigner(hre, args.from);
    const result = await ops.execute(signer, ctx, op);
    console.log(`executed operation ${result.id} (tx ${result.tx})\n${calls}`);
    return result;
  },
);
