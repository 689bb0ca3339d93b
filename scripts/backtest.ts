/**
 * The strategy lab: policies simulated on the same price path, a results table, HTML and SVG charts
 * in REPORT_DIR (default reports); SWEEP=true recommends a band instead. The `backtest` task
 * (`npm run backtest`) as a script; see docs/simulator.md for every parameter.
 *
 *   [ASSETS=3] [YEARS=1] [STEP=1m] [SEED=1] [POLICIES=edge-200,full-200,hold] [CSV=prices.csv] \
 *     [FLOWS=flows.csv] ... npx hardhat run scripts/backtest.ts
 *
 * Same as `npm run backtest -- --assets 3 --years 1 ...`: each flag is a variable in capitals
 * (--initial-weights is INITIAL_WEIGHTS, --te-cost is TE_COST), --out is REPORT_DIR.
 */
import hardhat from "hardhat";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { backtestCommand } from "../src/cli/backtest";
import type { BacktestArgs } from "../src/cli/backtest";
import { runScript, taskArgsFromEnv } from "../src/cli/script";
import type { Env } from "../src/cli/script";

const TASK = "backtest";

export async function main(hre: HardhatRuntimeEnvironment, env: Env = process.env) {
  return backtestCommand(taskArgsFromEnv<BacktestArgs>(hre, TASK, env));
}

if (require.main === module) runScript(hardhat, main, [TASK]);
