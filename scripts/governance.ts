/**
 * Timelocked governance: ACTION=propose schedules parameter changes through the TimelockController
 * (or writes them as a Safe Transaction Builder file), ACTION=pending lists what waits, and
 * ACTION=execute runs an operation once its delay has passed. The `gov:propose`, `gov:pending` and
 * `gov:execute` tasks as one script.
 *
 *   ACTION=propose BALLAST_VAULT=0x.. TARGET=vault FUNCTION=setRebalanceParams ARGS='[{...}]' \
 *     npx hardhat run scripts/governance.ts --network <net>
 *   ACTION=pending BALLAST_VAULT=0x.. npx hardhat run scripts/governance.ts --network <net>
 *   ACTION=execute BALLAST_VAULT=0x.. ID=0x.. npx hardhat run scripts/governance.ts --network <net>
 *
 * Same as `npx hardhat gov:propose --vault 0x.. --target vault ...` and so on: each flag is a
 * variable in capitals (--safe-execute is SAFE_EXECUTE, --from-block is FROM_BLOCK).
 */
import hardhat from "hardhat";
import { HardhatPluginError } from "hardhat/plugins";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { PLUGIN } from "../src/cli/errors";
import { govExecuteCommand, govPendingCommand, govProposeCommand } from "../src/cli/governance";
import type { ExecuteArgs, PendingArgs, ProposeArgs } from "../src/cli/governance";
import { runScript, taskArgsFromEnv } from "../src/cli/script";
import type { Env } from "../src/cli/script";

export const TASKS = { propose: "gov:propose", pending: "gov:pending", execute: "gov:execute" } as const;

export async function main(hre: HardhatRuntimeEnvironment, env: Env = process.env) {
  switch (env.ACTION) {
    case "propose":
      return govProposeCommand(hre, taskArgsFromEnv<ProposeArgs>(hre, TASKS.propose, env));
    case "pending":
      return govPendingCommand(hre, taskArgsFromEnv<PendingArgs>(hre, TASKS.pending, env));
    case "execute":
      return govExecuteCommand(hre, taskArgsFromEnv<ExecuteArgs>(hre, TASKS.execute, env));
    default:
      throw new HardhatPluginError(
        PLUGIN,
        `set ACTION to propose, pending or execute${env.ACTION ? `, not "${env.ACTION}"` : ""}`,
      );
  }
}

if (require.main === module) runScript(hardhat, main, Object.values(TASKS));
