/**
 * The two entry points of every command: its Hardhat task (`npx hardhat <task> --flag ...`) and its
 * script (`FLAG=... npx hardhat run scripts/<name>.ts`), both calling the one function in src/cli/.
 * A test written once against `Entry` runs for both: `for (const entry of ENTRIES) describe(entry.name, ...)`.
 */
import { expect } from "chai";
import hre from "hardhat";

import { failureText, scriptParams } from "../../src/cli/script";
import type { Env, ScriptMain } from "../../src/cli/script";
import { PLUGIN } from "../../src/cli/errors";
import { main as deploy } from "../../scripts/deploy";
import { main as deposit } from "../../scripts/deposit";
import { main as keeper } from "../../scripts/keeper";
import { main as rebalance } from "../../scripts/rebalance";
import { main as redeem } from "../../scripts/redeem";
import { main as redeemInKind } from "../../scripts/redeem-in-kind";
import { main as status } from "../../scripts/status";

/** The commands with both a task and a script, by task name. */
const SCRIPTS = {
  status,
  deposit,
  redeem,
  "redeem-in-kind": redeemInKind,
  rebalance,
  keeper,
  "ballast:deploy": deploy,
} satisfies Record<string, ScriptMain>;

export type Command = keyof typeof SCRIPTS;

/** A command's arguments as the task takes them: `{ minShares: "1", once: true }`. */
export type Args = Readonly<Record<string, string | boolean | undefined>>;

export interface Entry {
  /** How the tests of this entry point are named: "task" or "script". */
  name: string;
  /** Runs `command` with `args`, capturing what it prints (console.log and stdout). */
  run<T>(command: Command, args: Args): Promise<{ result: T; output: string }>;
  /**
   * Expects `command` to refuse `args` with a message matching `pattern`, as an input error (a
   * Ballast plugin error, printed without a stack trace); returns what the user would see.
   */
  expectError(command: Command, args: Args, pattern: RegExp): Promise<string>;
}

/** Runs `action` with console.log and process.stdout captured: its result and what it printed. */
async function capture<T>(action: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const log = console.log;
  const write = process.stdout.write.bind(process.stdout);
  console.log = (...parts: unknown[]) => {
    chunks.push(`${parts.map(String).join(" ")}\n`);
  };
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    const result = await action();
    return { result, output: chunks.join("").replace(/\n$/, "") };
  } finally {
    console.log = log;
    process.stdout.write = write;
  }
}

/** Runs `run` expecting it to fail with a Ballast input error matching `pattern`. */
async function inputError(run: () => Promise<unknown>, what: string, pattern: RegExp): Promise<Error> {
  let failure: unknown;
  try {
    await run();
  } catch (error) {
    failure = error;
  }
  expect(failure, `should have failed: ${what}`).to.be.instanceOf(Error);
  const error = failure as Error & { pluginName?: string };
  expect(error.message).to.match(pattern);
  expect(error.pluginName, `${what}: ${error.message}`).to.equal(PLUGIN);
  return error;
}

/** The task, run as Hardhat's CLI runs it after parsing the flags. */
export const TASK: Entry = {
  name: "task",
  run: <T>(command: Command, args: Args) => capture(async () => (await hre.run(command, args)) as T),
  async expectError(command, args, pattern) {
    const error = await inputError(() => this.run(command, args), `${command} ${JSON.stringify(args)}`, pattern);
    return `Error: ${error.message}`;
  },
};

/**
 * The environment a script reads for the task's `args`: each parameter under its variable
 * (`minShares` as MIN_SHARES, `vault` as BALLAST_VAULT), a switch as "true".
 */
export function scriptEnv(command: Command, args: Args): Env {
  const params = new Map(scriptParams(hre, command).map((p) => [p.name, p.env]));
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(args)) {
    if (value === undefined) continue;
    const variable = params.get(name);
    if (variable === undefined) throw new Error(`${command} has no parameter ${name} a script can read`);
    env[variable] = String(value);
  }
  return env;
}

/** The script's main, in-process, with the variables of `args` as its whole environment. */
export const SCRIPT: Entry = {
  name: "script",
  run: <T>(command: Command, args: Args) =>
    capture(async () => (await SCRIPTS[command](hre, scriptEnv(command, args))) as T),
  async expectError(command, args, pattern) {
    const error = await inputError(() => this.run(command, args), `${command} ${JSON.stringify(args)}`, pattern);
    const printed = failureText(error, scriptParams(hre, command));
    expect(printed, "an input error prints no stack trace").not.to.match(/\n\s+at /);
    return printed;
  },
};

export const ENTRIES: readonly Entry[] = [TASK, SCRIPT];
