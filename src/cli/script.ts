/**
 * What the scripts in scripts/ share. `npx hardhat run scripts/<name>.ts` passes a script no
 * arguments, so each script reads its task's parameters from environment variables: the flag's name
 * in capitals (`--min-shares` is MIN_SHARES), parsed by the flag's own Hardhat type. The names and
 * the checks therefore come from the task definitions themselves (tasks/, loaded with the config),
 * and a flag added to a task is a variable of its script at once.
 */
import { HardhatPluginError } from "hardhat/plugins";
import type { CLIArgumentType, HardhatRuntimeEnvironment, ParamDefinition } from "hardhat/types";

import { VAULT_ENV } from "../ops/context";

import { PLUGIN } from "./errors";

export type Env = Readonly<Record<string, string | undefined>>;

/** A script's entry point: what it does, given the runtime and the variables it reads. */
export type ScriptMain = (hre: HardhatRuntimeEnvironment, env?: Env) => Promise<unknown>;

/**
 * Parameters whose variable is not the flag's name in capitals, because users already set another
 * for the same thing: the tasks' default vault, and `npm start`'s report folder.
 */
const RENAMED: Readonly<Record<string, string>> = { vault: VAULT_ENV, out: "REPORT_DIR" };

export interface ScriptParam {
  /** The task's parameter, camel-cased: `minShares`. */
  name: string;
  /** As typed after the task: `--min-shares`. */
  flag: string;
  /** The script's variable: `MIN_SHARES`. */
  env: string;
  description: string;
  /** Without a default, the script refuses to run unless it is set. */
  required: boolean;
  /** A `true`/`false` switch. */
  isFlag: boolean;
}

function toParam(p: ParamDefinition<unknown>): ScriptParam {
  return {
    name: p.name,
    flag: `--${p.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
    env: RENAMED[p.name] ?? p.name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase(),
    description: p.description ?? "",
    required: !p.isOptional && p.defaultValue === undefined,
    isFlag: p.isFlag,
  };
}

function definitions(hre: HardhatRuntimeEnvironment, task: string): ParamDefinition<unknown>[] {
  const definition = hre.tasks[task];
  if (definition === undefined) throw new Error(`no task "${task}": hardhat.config.ts loads tasks/`);
  // Positional parameters (the keeper's extra vaults) have a named variable of their own already.
  return Object.values(definition.paramDefinitions);
}

/** The variables a script reads for `task`, one per flag, in the task's order. */
export function scriptParams(hre: HardhatRuntimeEnvironment, task: string): ScriptParam[] {
  return definitions(hre, task).map(toParam);
}

/**
 * The task's arguments from environment variables, as Hardhat would build them from flags: each
 * value parsed by the flag's type, defaults filled in, a required one missing refused by name. An
 * empty variable counts as unset, as `VAR= npx hardhat run ...` means to unset it.
 */
export function taskArgsFromEnv<T>(hre: HardhatRuntimeEnvironment, task: string, env: Env): T {
  const args: Record<string, unknown> = {};
  for (const definition of definitions(hre, task)) {
    const param = toParam(definition);
    const text = env[param.env];
    if (text === undefined || text === "") {
      if (param.required) throw new HardhatPluginError(PLUGIN, `set ${param.env}: ${param.description}`);
      if (definition.defaultValue !== undefined) args[param.name] = definition.defaultValue;
      continue;
    }
    const type = definition.type as Partial<CLIArgumentType<unknown>>;
    if (type.parse === undefined) throw new Error(`${task} ${param.flag} has no command-line type`);
    try {
      args[param.name] = type.parse(param.env, text);
    } catch (error) {
      throw new HardhatPluginError(PLUGIN, (error as Error).message, error as Error);
    }
  }
  return args as T;
}

/**
 * What a failed script prints: an input error's message (as Hardhat's CLI prints a task's), with
 * the variables behind the flags it names, since a script user set those and never saw the flags;
 * anything else in full, stack included.
 */
export function failureText(error: unknown, params: readonly ScriptParam[]): string {
  if (!HardhatPluginError.isHardhatPluginError(error)) {
    return error instanceof Error ? (error.stack ?? error.message) : String(error);
  }
  const named = params.filter((p) => new RegExp(`${p.flag}(?![\\w-])`).test(error.message));
  if (named.length === 0) return `Error: ${error.message}`;
  const unique = [...new Map(named.map((p) => [p.flag, p])).values()];
  return `Error: ${error.message}\n(${unique.map((p) => `${p.flag} is ${p.env}`).join(", ")} for this script)`;
}

/**
 * Runs a script's main as `npx hardhat run` executes the file: on the process's environment, a
 * failure printed (see failureText) and the exit code set to 1, which `hardhat run` passes on.
 */
export function runScript(hre: HardhatRuntimeEnvironment, main: ScriptMain, tasks: readonly string[] = []): void {
  main(hre, process.env).catch((error: unknown) => {
    console.error(
      failureText(
        error,
        tasks.flatMap((task) => scriptParams(hre, task)),
      ),
    );
    process.exitCode = 1;
  });
}
