import { expect } from "chai";
import hre from "hardhat";

import { failureText, scriptParams } from "../../src/cli/script";
import type { Env } from "../../src/cli/script";

/** A script's exported entry point (scripts/<name>.ts). */
export type Main<T> = (runtime: typeof hre, env?: Env) => Promise<T>;

/**
 * Runs a script's main in-process on the Hardhat network, as `npx hardhat run` would with `env` as
 * its environment (and nothing else: the test's own variables must not leak in), capturing what it
 * prints.
 */
export async function runScript<T>(main: Main<T>, env: Env): Promise<{ result: T; output: string }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...parts: unknown[]) => {
    lines.push(parts.map(String).join(" "));
  };
  try {
    const result = await main(hre, env);
    return { result, output: lines.join("\n") };
  } finally {
    console.log = original;
  }
}

/**
 * Expects a script to refuse with a message matching `pattern`, as an input error (printed without
 * a stack trace), and returns what its runner would print, which names the variables behind the
 * flags in the message.
 */
export async function expectScriptError(
  main: Main<unknown>,
  env: Env,
  pattern: RegExp,
  tasks: readonly string[] = [],
): Promise<string> {
  let failure: unknown;
  try {
    await runScript(main, env);
  } catch (error) {
    failure = error;
  }
  expect(failure, `should have failed: ${JSON.stringify(env)}`).to.be.instanceOf(Error);
  const error = failure as Error & { pluginName?: string };
  expect(error.message).to.match(pattern);
  expect(error.pluginName, error.message).to.be.a("string");
  const printed = failureText(
    failure,
    tasks.flatMap((task) => scriptParams(hre, task)),
  );
  expect(printed, "an input error prints no stack trace").not.to.match(/\n\s+at /);
  return printed;
}
