import { readFileSync } from "node:fs";
import path from "node:path";

interface NpmArtifact {
  deployedBytecode: string;
  deployedLinkReferences?: Record<string, Record<string, { start: number; length: number }[]>>;
}

/** Reads a compiled artifact exactly as the npm package ships it. */
export function npmArtifact(packagePath: string): NpmArtifact {
  const file = require.resolve(packagePath, { paths: [path.join(__dirname, "..", "..")] });
  return JSON.parse(readFileSync(file, "utf8")) as NpmArtifact;
}

const ZERO_WORD = "0".repeat(64);

/**
 * Compares deployed runtime code with an artifact's `deployedBytecode`. Solidity leaves a zero word
 * in `deployedBytecode` for each immutable and the constructor fills it in, so a 32-byte word may
 * differ only where the artifact holds zeros and the chain holds one of the expected immutable
 * values; linked library placeholders are filled with the given addresses.
 * Returns the number of immutable words found, or throws where the code differs.
 */
export function assertRuntimeMatches(
  runtime: string,
  artifact: NpmArtifact,
  immutables: readonly bigint[],
  libraries: Readonly<Record<string, string>> = {},
): number {
  let expected = artifact.deployedBytecode.toLowerCase().replace(/^0x/, "");
  for (const [file, byName] of Object.entries(artifact.deployedLinkReferences ?? {})) {
    for (const [name, refs] of Object.entries(byName)) {
      const address = libraries[`${file}:${name}`];
      if (!address) throw new Error(`no address given for linked library ${file}:${name}`);
      for (const { start, length } of refs) {
        expected =
          expected.slice(0, start * 2) +
          address.toLowerCase().replace(/^0x/, "") +
          expected.slice((start + length) * 2);
      }
    }
  }
  let actual = runtime.toLowerCase().replace(/^0x/, "");
  if (actual.length !== expected.length) {
    throw new Error(`runtime is ${actual.length / 2} bytes, artifact ${expected.length / 2}`);
  }
  let found = 0;
  for (const value of immutables) {
    const word = value.toString(16).padStart(64, "0");
    for (let at = actual.indexOf(word); at !== -1; at = actual.indexOf(word, at + 2)) {
      if (at % 2 === 0 && expected.slice(at, at + 64) === ZERO_WORD) {
        actual = actual.slice(0, at) + ZERO_WORD + actual.slice(at + 64);
        found++;
      }
    }
  }
  if (actual !== expected) {
    let at = 0;
    while (actual[at] === expected[at]) at++;
    throw new Error(`runtime differs from the artifact at byte ${Math.floor(at / 2)}`);
  }
  return found;
}

/** Runtime code that answers one zero word to every call: PUSH1 32, PUSH1 0, RETURN. */
export const ONE_WORD_CODE = "0x60206000f3";

/**
 * Runtime code that answers five words, all zero but the third (`startedAt`) at its maximum, which
 * no real feed reports: PUSH32 2**256-1, PUSH1 64, MSTORE, PUSH1 160, PUSH1 0, RETURN.
 */
export const FAR_RESTART_CODE = "0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff60405260a06000f3";
