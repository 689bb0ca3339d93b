/**
 * Deploys Ballast (vault, rebalancer, policy, breakers, oracles, timelock) with the network's
 * reviewed configuration and checks it: the `ballast:deploy` task (`npm run deploy`) as a script.
 * See docs/deploy.md.
 *
 *   [CHECK_ONLY=true] [PROPOSERS=0x..,0x..] [EXECUTORS=..] [GUARDIAN=0x..] [FEE_RECIPIENT=0x..] \
 *     [DEPLOYMENT_ID=..] [VERIFY=true] npx hardhat run scripts/deploy.ts --network <net>
 *
 * Same as `npm run deploy -- --network <net> [--check-only] [--proposers ..] ...`.
 */
import hardhat from "hardhat";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { deployCommand } from "../src/cli/deploy";
import type { DeployArgs } from "../src/cli/deploy";
import { runScript, taskArgsFromEnv } from "../src/cli/script";
import type { Env } from "../src/cli/script";

const TASK = "ballast:deploy";

export async function main(hre: HardhatRuntimeEnvironment, env: Env = process.env) {
  return deployCommand(hre, taskArgsFromEnv<DeployArgs>(hre, TASK, env));
}

if (require.main === module) runScript(hardhat, main, [TASK]);
