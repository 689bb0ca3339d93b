/**
 * The keeper bot: watches vaults and sends each due rebalance (simulated first, gas-capped, stuck
 * transactions replaced), logging JSON lines. The `keeper` task (`npm run keeper`) as a script; see
 * docs/keeper.md.
 *
 *   BALLAST_VAULT=0x..[,0x..] [ONCE=true] [DRY_RUN=true] [MAX_FEE_GWEI=50] [QUOTER=0x..] ... \
 *     npx hardhat run scripts/keeper.ts --network <net>
 *
 * Same as `npm run keeper -- --network <net> --vault 0x.. [--once] [--dry-run] ...`: each flag is a
 * variable in capitals (--max-fee-gwei is MAX_FEE_GWEI), --vault is BALLAST_VAULT. Without ONCE it
 * runs until interrupted, as the task does.
 */
import hardhat from "hardhat";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { runScript, taskArgsFromEnv } from "../src/cli/script";
import type { Env } from "../src/cli/script";
import { keeperTaskAction } from "../src/keeper/task";
import type { KeeperTaskArgsWithPositional } from "../src/keeper/task";

const TASK = "keeper";

export async function main(hre: HardhatRuntimeEnvironment, env: Env = process.env) {
  return keeperTaskAction(taskArgsFromEnv<KeeperTaskArgsWithPositional>(hre, TASK, env), hre);
}

if (require.main === module) runScript(hardhat, main, [TASK]);
