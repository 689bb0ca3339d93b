/**
 * Deposits the base asset for vault shares, approving exactly the amount if the allowance is short:
 * the `deposit` task as a script.
 *
 *   BALLAST_VAULT=0x.. AMOUNT=1000.5 [RECEIVER=0x..] [MIN_SHARES=999] [FROM=1] \
 *     npx hardhat run scripts/deposit.ts --network localhost
 *
 * Same as `npx hardhat deposit --vault 0x.. --amount 1000.5 ...`. AMOUNT is in whole tokens of the
 * base asset; FROM is an address or an index into the network's accounts.
 */
import hardhat from "hardhat";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { depositCommand } from "../src/cli/ops";
import type { DepositArgs } from "../src/cli/ops";
import { runScript, taskArgsFromEnv } from "../src/cli/script";
import type { Env } from "../src/cli/script";

const TASK = "deposit";

export async function main(hre: HardhatRuntimeEnvironment, env: Env = process.env) {
  return depositCommand(hre, taskArgsFromEnv<DepositArgs>(hre, TASK, env));
}

if (require.main === module) runScript(hardhat, main, [TASK]);
