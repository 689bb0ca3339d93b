/**
 * Bad input to a command is reported as a Hardhat plugin error: Hardhat's CLI, and the scripts'
 * runner (src/cli/script.ts), print its message without a stack trace, since the user mistyped and
 * the code did not fail. No typechain import here: tasks/ may load this with the config.
 */
import { HardhatPluginError } from "hardhat/plugins";

import { OpsInputError } from "../ops/errors";

/** The plugin name of every input error of the operator and governance commands (tests check it). */
export const PLUGIN = "ballast";

/** Runs `action`, turning the operator functions' input errors into plugin errors. */
export async function reportInputErrors<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof OpsInputError) throw new HardhatPluginError(PLUGIN, error.message, error);
    throw error;
  }
}
