/**
 * Governance tasks: a parameter change goes through the TimelockController that administers vault,
 * rebalancer, policy and breakers. `gov:propose` encodes calls by function name and schedules them (or writes them as a
 * Safe Transaction Builder file for a multisig proposer), `gov:pending` lists what waits, and
 * `gov:execute` runs an operation once its delay has passed.
 *
 * The commands live in `src/cli/governance.ts`, which scripts/governance.ts runs too. As in
 * tasks/ops.ts, that module (which imports typechain-types) is imported inside the actions.
 */
import { task, types } from "hardhat/config";

import type { ExecuteArgs, PendingArgs, ProposeArgs } from "../src/cli/governance";

import { FROM_PARAM, VAULT_PARAM } from "./ops";

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

const cli = () => import("../src/cli/governance");

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
  .setAction(async (args: ProposeArgs, hre) => (await cli()).govProposeCommand(hre, args));

task(
  "gov:pending",
  "Lists the timelock's scheduled operations not yet executed or cancelled, with their calls and ready times",
)
  .addOptionalParam("vault", VAULT_PARAM)
  .addOptionalParam("timelock", TIMELOCK_PARAM)
  .addOptionalParam("fromBlock", FROM_BLOCK_PARAM, undefined, types.int)
  .addFlag("json", "print the operations as JSON")
  .setAction(async (args: PendingArgs, hre) => (await cli()).govPendingCommand(hre, args));

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
  .setAction(async (args: ExecuteArgs, hre) => (await cli()).govExecuteCommand(hre, args));
