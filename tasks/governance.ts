/**
 * Governance tasks: a parameter change goes through the TimelockController that administers vault,
 * rebalancer, policy and breakers. `gov:propose` encodes calls by function name and schedules them (or writes them as a
 * Safe Transaction Builder file for a multisig proposer), `gov:pending` lists what waits, and
 * `gov:execute` runs an operation once its delay has passed.
 *
 * As in tasks/ops.ts, `src/ops` (which imports typechain-types) is imported inside the actions.
 */
import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { FROM_PARAM, reportInputErrors, VAULT_PARAM } from "./ops";

const TIMELOCK_PARAM =
  "the TimelockController (default: the one holding the vault's DEFAULT_ADMIN_ROLE, found from its RoleGranted events)";
const FROM_BLOCK_PARAM = "first block searched for events (default 0; set it where the node limits log ranges)";
const TARGET_PARAM =
  "the contract called: vault, rebalancer (the vault's), policy or breakers (the rebalancer's), timelock, or an address (then --function needs the full signature)";
const FUNCTION_PARAM =
  'the function: a name ("setRebalanceParams") or a signature ("setRebalanceParams((uint16,uint16,uint16,uint128))")';
const ARGS_PARAM =
  'the arguments as a JSON array; structs as arrays or objects, big integers as strings, e.g. \'[{"slippageBps":30,"maxTradeBps":2000,"maxLossBps":100,"minTradeValue":"10000000"}]\'';
const BATCH_PARAM =
  'a JSON file of calls instead of --target/--function/--args: [{"target":"vault","function":"...","args":[...]}, ...]';
const SALT_PARAM = "the operation's salt: 32-byte hex, or any text (hashed); default zero";
const PREDECESSOR_PARAM = "an operation id that must be executed first (default: none)";

interface GovArgs {
  vault?: string;
  timelock?: string;
  fromBlock?: number;
}

interface CallArgs extends GovArgs {
  target?: string;
  function?: string;
  args?: string;
  batch?: string;
  salt?: string;
  predecessor?: string;
}

async function context(hre: HardhatRuntimeEnvironment, args: GovArgs) {
  const ops = await import("../src/ops");
  // The vault is optional here (a bare --timelock suffices), but BALLAST_VAULT still applies.
  const vault = args.vault ?? process.env[ops.VAULT_ENV];
  const ctx = await ops.governanceContext(hre.ethers.provider, {
    vault: vault === undefined ? undefined : ops.vaultAddress(vault),
    timelock: args.timelock,
    fromBlock: args.fromBlock,
  });
  return { ops, ctx };
}

/** The calls given on the command line: --batch, or --target with --function and --args. */
async function callSpecs(args: CallArgs) {
  const ops = await import("../src/ops");
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

interface ProposeArgs extends CallArgs {
  delay?: string;
  safe?: string;
  safeExecute?: string;
  safeAddress?: string;
  skipSimulation: boolean;
  from?: string;
}

task(
  "gov:propose",
  "Schedules parameter changes through the timelock, or writes them as a Safe Transaction Builder file",
)
  .addOptionalParam("target", TARGET_PARAM)
  .addOptionalParam("function", FUNCTION_PARAM)
  .addOptionalParam("args", ARGS_PARAM)
  .addOptionalParam("batch", BATCH_PARAM)
  .addOptionalParam("vault", VAULT_PARAM)
  .addOptionalParam("timelock", TIMELOCK_PARAM)
  .addOptionalParam("delay", "seconds before the operation may run (default and minimum: the timelock's getMinDelay())")
  .addOptionalParam("salt", SALT_PARAM)
  .addOptionalParam("predecessor", PREDECESSOR_PARAM)
  .addOptionalParam(
    "safe",
    "write the timelock's schedule call to this Safe Transaction Builder JSON file instead of sending it (for a Safe proposer)",
  )
  .addOptionalParam(
    "safeExecute",
    "with --safe: also write the later execute call to this Safe Transaction Builder JSON file",
  )
  .addOptionalParam("safeAddress", "the proposers' Safe (meta.createdFromSafeAddress; checked to hold PROPOSER_ROLE)")
  .addFlag(
    "skipSimulation",
    "do not eth_call each change from the timelock first (for calls that depend on an earlier one)",
  )
  .addOptionalParam("fromBlock", FROM_BLOCK_PARAM, undefined, types.int)
  .addOptionalParam("from", FROM_PARAM)
  .setAction(async (args: ProposeArgs, hre) =>
    reportInputErrors(async () => {
      const { ops, ctx } = await context(hre, args);
      const specs = await callSpecs(args);
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
      const calls = op.calls.map((c, i) => `  ${i + 1}. ${c.summary}`).join("\n");
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
    }),
  );

interface PendingArgs extends GovArgs {
  json: boolean;
}

task(
  "gov:pending",
  "Lists the timelock's scheduled operations not yet executed or cancelled, with their calls and ready times",
)
  .addOptionalParam("vault", VAULT_PARAM)
  .addOptionalParam("timelock", TIMELOCK_PARAM)
  .addOptionalParam("fromBlock", FROM_BLOCK_PARAM, undefined, types.int)
  .addFlag("json", "print the operations as JSON")
  .setAction(async (args: PendingArgs, hre) =>
    reportInputErrors(async () => {
      const { ops, ctx } = await context(hre, args);
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
    }),
  );

interface ExecuteArgs extends CallArgs {
  id?: string;
  safe?: string;
  safeAddress?: string;
  from?: string;
}

task(
  "gov:execute",
  "Executes a scheduled timelock operation once its delay has passed (by --id, or by the calls and salt proposed)",
)
  .addOptionalParam("id", "the operation id printed by gov:propose or gov:pending")
  .addOptionalParam("target", TARGET_PARAM)
  .addOptionalParam("function", FUNCTION_PARAM)
  .addOptionalParam("args", ARGS_PARAM)
  .addOptionalParam("batch", BATCH_PARAM)
  .addOptionalParam("salt", SALT_PARAM)
  .addOptionalParam("predecessor", PREDECESSOR_PARAM)
  .addOptionalParam("vault", VAULT_PARAM)
  .addOptionalParam("timelock", TIMELOCK_PARAM)
  .addOptionalParam("safe", "write the execute call to this Safe Transaction Builder JSON file instead of sending it")
  .addOptionalParam("safeAddress", "the executors' Safe (meta.createdFromSafeAddress; checked to hold EXECUTOR_ROLE)")
  .addOptionalParam("fromBlock", FROM_BLOCK_PARAM, undefined, types.int)
  .addOptionalParam("from", FROM_PARAM)
  .setAction(async (args: ExecuteArgs, hre) =>
    reportInputErrors(async () => {
      const { ops, ctx } = await context(hre, args);
      let op;
      if (args.id !== undefined) {
        if (args.target !== undefined || args.batch !== undefined) {
          throw new ops.OpsInputError("give either --id or the proposed calls (--target/--function/--args or --batch)");
        }
        op = await ops.operationFromEvents(ctx, args.id);
      } else {
        const calls = ops.encodeCalls(ctx, await callSpecs(args));
        op = await ops.buildOperation(ctx, calls, { salt: args.salt, predecessor: args.predecessor });
      }
      const calls = op.calls.map((c, i) => `  ${i + 1}. ${c.summary}`).join("\n");
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
    }),
  );
