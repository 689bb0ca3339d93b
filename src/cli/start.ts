/**
 * `npm start` (the `ballast:start` task, scripts/start.ts): plays a market scenario against a Ballast
 * vault on the current chain and writes a report (src/demo). Flags win over the environment
 * variables (DAYS, ASSETS, SEED, ...; src/demo/options.ts names them), which a script, taking
 * no flags, reads alone.
 *
 * Safe to load with the config: the scenario, which needs typechain-types, is imported after compiling.
 */
import { TASK_COMPILE } from "hardhat/builtin-tasks/task-names";
import { HardhatPluginError } from "hardhat/plugins";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { OPTION_SPELLINGS, optionsFromEnv, resolveScenarioOptions, ScenarioOptionsError } from "../demo/options";
import type { RawScenarioOptions } from "../demo/options";
import type { ReportFiles, ScenarioReport } from "../demo";

export interface StartArgs {
  days?: string;
  assets?: string;
  seed?: string;
  scenario?: string;
  crashDay?: string;
  stepHours?: string;
  deposit?: string;
  flowsPerDay?: string;
  gasGwei?: string;
  out?: string;
  name?: string;
  adversaries?: string;
  keeperPlan?: string;
  triggerBandBps?: string;
  targetBandBps?: string;
  frontRunPct?: string;
  frontRunMinBps?: string;
  sandwichBps?: string;
}

/** What the scenario played: its report, and the files written. */
export interface StartOutcome {
  report: ScenarioReport;
  files: ReportFiles;
}

/** Every environment variable the command reads, one per flag. */
export const START_VARIABLES: readonly string[] = Object.values(OPTION_SPELLINGS).map((o) => o.env);

export async function startCommand(
  hre: HardhatRuntimeEnvironment,
  args: StartArgs,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<StartOutcome> {
  const flags: RawScenarioOptions = {
    days: args.days,
    assets: args.assets,
    seed: args.seed,
    scenario: args.scenario,
    crashDay: args.crashDay,
    stepHours: args.stepHours,
    deposit: args.deposit,
    flowsPerDay: args.flowsPerDay,
    gasGwei: args.gasGwei,
    outDir: args.out,
    name: args.name,
    adversaries: args.adversaries,
    keeperPlan: args.keeperPlan,
    triggerBandBps: args.triggerBandBps,
    targetBandBps: args.targetBandBps,
    frontRunPct: args.frontRunPct,
    frontRunMinBps: args.frontRunMinBps,
    sandwichBps: args.sandwichBps,
  };
  const raw = { ...optionsFromEnv(env) };
  for (const [key, value] of Object.entries(flags) as [keyof RawScenarioOptions, string | undefined][]) {
    if (value !== undefined) raw[key] = value;
  }
  try {
    // Checked before compiling and deploying: a typo fails at once.
    resolveScenarioOptions(raw);
  } catch (error) {
    if (error instanceof ScenarioOptionsError) throw new HardhatPluginError("ballast:start", error.message);
    throw error;
  }
  await hre.run(TASK_COMPILE, { quiet: true });
  const { runStart } = await import("../demo");
  return runStart(raw);
}
