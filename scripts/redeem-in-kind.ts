/**
 * Redeems vault shares for a pro-rata slice of every basket token, with no oracle and no swap (the
 * exit that always works): the `redeem-in-kind` task as a script.
 *
 *   BALLAST_VAULT=0x.. SHARES=12.5 (or ALL=true) [FORFEIT=WBTC,LINK] [RECEIVER=0x..] [FROM=1] \
 *     npx hardhat run scripts/redeem-in-kind.ts --network localhost
 *
 * Same as `npx hardhat redeem-in-kind --vault 0x.. --shares 12.5 ...`.
 */
import hardhat from "hardhat";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { redeemInKindCommand } from "../src/cli/ops";
import type { InKindArgs } from "../src/cli/ops";
import { runScript, taskArgsFromEnv } from "../src/cli/script";
import type { Env } from "../src/cli/script";

const TASK = "redeem-in-kind";

export async function main(hre: HardhatRuntimeEnvironment, env: Env = process.env) {
  return redeemInKindCommand(hre, taskArgsFromEnv<InKindArgs>(hre, TASK, env));
}

if (require.main === module) runScript(hardhat, main, [TASK]);
