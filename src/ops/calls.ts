/**
 * The calls a governance proposal is made of: encoded by function name against the contracts'
 * ABIs (`vault.setRebalancer`, `rebalancer.setPolicy`, `policy.setTriggerParams`,
 * `breakers.setBreakerParams`, `breakers.resetBreaker`, ...) from the command line or a batch file,
 * each mistake named, and decoded back when read from the timelock.
 */
import { getAddress, Interface, isAddress, Result } from "ethers";
import type { FunctionFragment } from "ethers";

import { readOrFail, readTextFile } from "../shared/input";
import { errorMessage } from "../shared/revert";

import { knownInterfaces, VAULT_TARGETS } from "./context";
import { OpsInputError } from "./errors";
import type { GovernanceContext } from "./timelock";

/** A call as the operator writes it: `{target: "vault", function: "setRebalanceParams", args: [...]}`. */
export interface CallSpec {
  /** `vault`, `rebalancer`, `policy`, `breakers`, `timelock` or an address. */
  target: string;
  /** A function name (`setRebalanceParams`) or, for overloads and unknown targets, a signature (`f(uint256)`). */
  function: string;
  /** The arguments, JSON-style: structs as objects or arrays, big integers as strings. */
  args?: unknown[];
  /** Wei sent with the call (default 0). */
  value?: string | number;
}

/** A call as the timelock runs it, with a readable form. */
export interface TimelockCall {
  target: string;
  /** `vault`, `rebalancer`, `policy`, `timelock`, or the address for others. */
  label: string;
  value: bigint;
  data: string;
  /** `vault.setRebalanceParams`, or `0x12345678` when no known ABI has the selector. */
  function: string;
  /** `vault.setRebalanceParams((30, 2000, 100, 10000000))`. */
  summary: string;
}

/** Arguments, results and structs as compact text: `(30, 2000, 100, 10000000)`. */
function formatValue(value: unknown): string {
  if (value instanceof Result || Array.isArray(value)) {
    const items = Array.from(value as ArrayLike<unknown>, formatValue);
    return `${value instanceof Result ? "(" : "["}${items.join(", ")}${value instanceof Result ? ")" : "]"}`;
  }
  if (typeof value === "string") return value;
  return String(value);
}

function stateChanging(fragment: FunctionFragment): boolean {
  return fragment.stateMutability !== "view" && fragment.stateMutability !== "pure";
}

/** The function a name or signature designates in `iface`, or an error listing what there is. */
function findFunction(iface: Interface, label: string, key: string): FunctionFragment {
  let fragment: FunctionFragment | null;
  try {
    fragment = iface.getFunction(key);
  } catch {
    const overloads = iface.fragments
      .filter((f): f is FunctionFragment => f.type === "function" && (f as FunctionFragment).name === key)
      .map((f) => f.format("sighash"));
    throw new OpsInputError(`${label}.${key} is overloaded: give the signature, one of ${overloads.join(", ")}`);
  }
  if (!fragment) {
    const names = [
      ...new Set(
        iface.fragments
          .filter((f): f is FunctionFragment => f.type === "function" && stateChanging(f as FunctionFragment))
          .map((f) => f.name),
      ),
    ].sort();
    const near = names.filter((n) => n.toLowerCase().includes(key.replace(/\(.*$/, "").toLowerCase().slice(0, 6)));
    throw new OpsInputError(
      `${label} has no function "${key}"` +
        (near.length ? `; did you mean ${near.join(" or ")}?` : "") +
        ` Its state-changing functions: ${names.join(", ")}`,
    );
  }
  if (!stateChanging(fragment)) {
    throw new OpsInputError(`${label}.${fragment.name} is a ${fragment.stateMutability} function: nothing to schedule`);
  }
  return fragment;
}

/** The target of a call: a keyword for a known contract, or an address. */
function resolveTarget(ctx: GovernanceContext, target: string): { address: string; label: string; iface?: Interface } {
  const keyword = ctx.known.find((k) => k.label === target.toLowerCase());
  if (keyword) return { address: keyword.address, label: keyword.label, iface: keyword.iface };
  if ((VAULT_TARGETS as readonly string[]).includes(target.toLowerCase())) {
    throw new OpsInputError(`--target ${target} needs the vault: pass --vault <address> or set BALLAST_VAULT`);
  }
  if (!isAddress(target)) {
    throw new OpsInputError(
      `--target "${target}" is neither vault, rebalancer, policy, breakers, timelock nor an address`,
    );
  }
  const address = getAddress(target);
  const match = ctx.known.find((k) => k.address === address);
  return match ? { address, label: match.label, iface: match.iface } : { address, label: address };
}

/** Encodes one call against its target's ABI, each mistake named (`where` says which call). */
export function encodeCall(ctx: GovernanceContext, spec: CallSpec, where = "call"): TimelockCall {
  if (typeof spec.target !== "string" || typeof spec.function !== "string") {
    throw new OpsInputError(`${where}: give "target" and "function" as strings`);
  }
  const target = resolveTarget(ctx, spec.target);
  let iface = target.iface;
  if (!iface) {
    // An address outside the known contracts: only a full signature says what to encode.
    if (!spec.function.includes("(")) {
      throw new OpsInputError(
        `${where}: ${target.address} is not the vault, rebalancer, policy, breakers or timelock: give the full signature, e.g. "setFoo(uint256)"`,
      );
    }
    try {
      iface = new Interface([`function ${spec.function}`]);
    } catch {
      throw new OpsInputError(`${where}: "${spec.function}" is not a valid function signature`);
    }
  }
  const fragment = findFunction(iface, target.label, spec.function);
  const args = spec.args ?? [];
  if (!Array.isArray(args)) throw new OpsInputError(`${where}: the arguments must be a JSON array`);
  const expected = fragment.inputs.map((input) => input.format("full")).join(", ");
  if (args.length !== fragment.inputs.length) {
    throw new OpsInputError(
      `${where}: ${target.label}.${fragment.name} takes ${fragment.inputs.length} argument(s) (${expected}), got ${args.length}`,
    );
  }
  let data: string;
  try {
    data = iface.encodeFunctionData(fragment, args);
  } catch (error) {
    throw new OpsInputError(
      `${where}: bad arguments for ${target.label}.${fragment.name}(${expected}): ${errorMessage(error)}` +
        " (quote integers above 2^53 as strings)",
    );
  }
  let value: bigint;
  try {
    value = BigInt(spec.value ?? 0);
  } catch {
    throw new OpsInputError(`${where}: value "${String(spec.value)}" is not an integer number of wei`);
  }
  if (value < 0n) throw new OpsInputError(`${where}: value must not be negative`);
  const decoded = iface.decodeFunctionData(fragment, data);
  return {
    target: target.address,
    label: target.label,
    value,
    data,
    function: `${target.label}.${fragment.name}`,
    summary: `${target.label}.${fragment.name}${formatValue(decoded)}`,
  };
}

/** Reads `--args` (a JSON array). */
export function parseArgs(text: string | undefined): unknown[] {
  if (text === undefined || text.trim() === "") return [];
  const parsed = readOrFail(
    (): unknown => JSON.parse(text),
    (reason) =>
      new OpsInputError(
        `--args is not valid JSON (${reason}): give a JSON array, e.g. '[[30, 2000, 100, "10000000"]]'`,
      ),
  );
  if (!Array.isArray(parsed)) throw new OpsInputError("--args must be a JSON array of the function's arguments");
  return parsed;
}

/**
 * Reads a batch file: a JSON array of calls, or `{"calls": [...]}`, each
 * `{"target": "vault" | "rebalancer" | "policy" | "breakers" | "timelock" | "0x…", "function": "name", "args": [...], "value": "0"}`.
 */
export function readBatchFile(path: string): CallSpec[] {
  const text = readTextFile(path, (reason) => new OpsInputError(`cannot read --batch ${path}: ${reason}`));
  const parsed = readOrFail(
    (): unknown => JSON.parse(text),
    (reason) => new OpsInputError(`--batch ${path} is not valid JSON: ${reason}`),
  );
  const calls = Array.isArray(parsed) ? parsed : (parsed as { calls?: unknown } | null)?.calls;
  if (!Array.isArray(calls) || calls.length === 0) {
    throw new OpsInputError(`--batch ${path} must hold a non-empty array of calls (or {"calls": [...]})`);
  }
  return calls.map((call: unknown, i: number) => {
    if (call === null || typeof call !== "object")
      throw new OpsInputError(`--batch ${path}: call ${i + 1} is not an object`);
    return call as CallSpec;
  });
}

/** The calls from a batch file, or the one call given by --target/--function/--args. */
export function encodeCalls(ctx: GovernanceContext, specs: CallSpec[]): TimelockCall[] {
  if (specs.length === 0) throw new OpsInputError("no call given: pass --target, --function and --args, or --batch");
  return specs.map((spec, i) => encodeCall(ctx, spec, specs.length > 1 ? `call ${i + 1} (${spec.function})` : "call"));
}

/** Decodes a call the timelock holds, against the known ABIs (by target, else by selector). */
export function decodeCall(ctx: GovernanceContext, target: string, value: bigint, data: string): TimelockCall {
  const address = getAddress(target);
  const match = ctx.known.find((k) => k.address === address);
  // An unknown target (e.g. no --vault given) may still be a Ballast vault, rebalancer, policy or breakers: try their ABIs.
  const candidates = match ? [match.iface] : Object.values(knownInterfaces());
  for (const iface of candidates) {
    const parsed = iface.parseTransaction({ data, value });
    if (parsed) {
      const label = match ? match.label : address;
      return {
        target: address,
        label,
        value,
        data,
        function: `${label}.${parsed.name}`,
        summary: `${label}.${parsed.name}${formatValue(parsed.args)}`,
      };
    }
  }
  const label = match?.label ?? address;
  const selector = data.slice(0, 10);
  return { target: address, label, value, data, function: `${label}.${selector}`, summary: `${label}.${selector}(…)` };
}
