/**
 * Redeems vault shares for the base asset (the vault sells slices of the other assets at
 * oracle-bounded prices): the `redeem` task as a script.
 *
 *   BALLAST_VAULT=0x.. SHARES=12.5 (or ALL=true) [RECEIVER=0x..] [MIN_ASSETS=12] [FROM=1] \
 *     npx hardhat run scripts/redeem.ts --network localhost
 *
 * Same as `npx hardhat redeem --vault 0x.. --shares 12.5 ...`.
 */
import hardhat from "hardhat";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { redeemCommand } from "../src/cli/ops";
import type { RedeemArgs } from "../src/cli/ops";
import { runScript, taskArgsFromEnv } from "../src/cli/script";
import type { Env } from "../src/cli/script";

const TASK = "redeem";

export async function main(hre: HardhatRuntimeEnvironment, env: Env = process.env) {
  return redeemCommand(hre, taskArgsFromEnv<RedeemArgs>(hre, TASK, env));
}

if (require.main === module) runScript(hardhat, main, [TASK]);
