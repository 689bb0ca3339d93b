/**
 * `npm start -- [--days N] [--assets N] [--seed N] [--scenario NAME] ...` (`hardhat ballast:start`):
 * the demo (src/demo). Environment variables (DAYS, ASSETS, SEED, SCENARIO, ...)
 * fill in flags not given. The command is src/cli/start.ts, which scripts/start.ts runs too.
 *
 * Loaded with the config (tasks/index.ts), when typechain-types may not exist yet: everything
 * beyond hardhat/config is imported inside the action.
 */
import { task, types } from "hardhat/config";

import type { StartArgs } from "../src/cli/start";

// Every flag is taken as a string and validated by the shared parser, so flags and environment
// variables get the same checks and the same messages. Typed by StartArgs: a flag the command
// reads and this table lacks (or the reverse) does not compile.
const FLAGS: Record<keyof StartArgs, string> = {
  days: "Simulated days, 1-365 (default 30; env DAYS)",
  assets:
    "Risky assets besides USDC, 1-7, taken in order WETH, WBTC, LINK, UNI, AAVE, MKR, CRV (default 4; env ASSETS)",
  seed: "Random seed of prices and depositors (default 7; env SEED)",
  scenario: "crash | calm | bull | bear | chop (default crash; env SCENARIO)",
  crashDay: "Day of the crash, fractions allowed; crash scenario only (default a third of the way in; env CRASH_DAY)",
  stepHours: "Hours between price moves and keeper checks: 1, 2, 3, 4, 6, 8, 12 or 24 (default 3; env STEP_HOURS)",
  deposit: "Opening deposits in USD (default 1000000; env DEPOSIT)",
  flowsPerDay: "Mean deposits and redemptions a day (default 2; env FLOWS_PER_DAY)",
  gasGwei: "Base fee of the keeper's rebalances, and the gas price of the report (default 10; env GAS_GWEI)",
  out: "Folder of the report files (default reports; env REPORT_DIR)",
  name: "Base name of the report files (default from scenario, days, assets, seed; env REPORT_NAME)",
  adversaries:
    "on | off: an oracle front-runner and a rebalance sandwicher play against the vault (default on; env ADVERSARIES)",
  keeperPlan:
    "on | off: the keeper bot plans each rebalance itself (QuoterV2, rebalancePlan) with rebalance() as fallback (default off; env KEEPER_PLAN)",
  triggerBandBps:
    "The policy's trigger band, bps, 10-5000: a rebalance is due when an asset is this far off target (default 200; env TRIGGER_BAND_BPS)",
  targetBandBps:
    "The policy's target band, bps, below the trigger band: a rebalance moves only assets further than this off target, to this distance (default 0; env TARGET_BAND_BPS)",
  frontRunPct:
    "The front-runner's deposit before a step up, and its standing holding, % of NAV, 1-100 (default 20; env FRONT_RUN_PCT)",
  frontRunMinBps: "The smallest basket step the front-runner plays, bps, 1-10000 (default 10; env FRONT_RUN_MIN_BPS)",
  sandwichBps:
    "The sandwicher's small push, bps, 1-100; every other play pushes ten times as far (default 4; env SANDWICH_BPS)",
};

const start = task(
  "ballast:start",
  "Plays a market scenario against a Ballast vault on the local chain and writes a report",
);
for (const [name, description] of Object.entries(FLAGS))
  start.addOptionalParam(name, description, undefined, types.string);
start.setAction(async (args: StartArgs, hre) => {
  const { startCommand } = await import("../src/cli/start");
  return startCommand(hre, args);
});
