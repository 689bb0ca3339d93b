/**
 * Sends the permissionless rebalance through the vault's rebalancer when its policy says one is due,
 * else says why not and until when: the `rebalance` task as a script. For a bot that keeps doing
 * it (simulated, gas-capped, stuck transactions replaced), see scripts/keeper.ts.
 *
 *   BALLAST_VAULT=0x.. [FROM=1] npx hardhat run scripts/rebalance.ts --network localhost
 *
 * Same as `npx hardhat rebalance --vault 0x..`.
 */
import hardhat from "hardhat";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { rebalanceCommand } from "../src/cli/ops";
import type { RebalanceArgs } from "../src/cli/ops";
import { runScript, taskArgsFromEnv } from "../src/cli/script";
import type { Env } from "../src/cli/script";

const TASK = "rebalance";

export async function main(hre: HardhatRuntimeEnvironment, env: Env = process.env) {
  return rebalanceCommand(hre, taskArgsFromEnv<RebalanceArgs>(hre, TASK, env));
}

if (require.main === module) runScript(hardhat, main, [TASK]);
