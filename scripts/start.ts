/**
 * The demo: a market scenario (a month with a crash by default) played against a 4-asset vault on
 * the local chain, with the keeper bot, depositors and adversaries, then a report printed and
 * written to reports/. The `ballast:start` task (`npm start`) as a script.
 *
 *   [DAYS=30] [ASSETS=4] [SEED=7] [SCENARIO=crash] [ADVERSARIES=on] [KEEPER_PLAN=off] ... \
 *     npx hardhat run scripts/start.ts [--network localhost]
 *
 * Same as `npm start -- --days 30 ...`, which reads these same variables for the flags it is not
 * given (README lists them all).
 */
import hardhat from "hardhat";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { runScript } from "../src/cli/script";
import type { Env } from "../src/cli/script";
import { startCommand } from "../src/cli/start";

export async function main(hre: HardhatRuntimeEnvironment, env: Env = process.env) {
  // No flags: `npm start` already takes every option from the environment when its flag is absent.
  return startCommand(hre, {}, env);
}

if (require.main === module) runScript(hardhat, main);
