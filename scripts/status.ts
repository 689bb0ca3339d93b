/**
 * A vault's NAV, share price, weights vs targets, rebalance trigger, breaker, cost/benefit and fees:
 * the `status` task as a script.
 *
 *   BALLAST_VAULT=0x.. [JSON=true] npx hardhat run scripts/status.ts --network localhost
 *
 * Same as `npx hardhat status --vault 0x.. [--json]`.
 */
import hardhat from "hardhat";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { statusCommand } from "../src/cli/ops";
import type { StatusArgs } from "../src/cli/ops";
import { runScript, taskArgsFromEnv } from "../src/cli/script";
import type { Env } from "../src/cli/script";

const TASK = "status";

export async function main(hre: HardhatRuntimeEnvironment, env: Env = process.env) {
  return statusCommand(hre, taskArgsFromEnv<StatusArgs>(hre, TASK, env));
}

if (require.main === module) runScript(hardhat, main, [TASK]);
