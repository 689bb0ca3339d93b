/**
 * Governance through the TimelockController that administers vault, rebalancer, policy and
 * breakers: encode parameter changes by function name against the contracts' ABIs
 * (`vault.setRebalancer`, `rebalancer.setPolicy`, `policy.setTriggerParams`,
 * `breakers.setBreakerParams`, `breakers.resetBreaker`, ...), schedule them, list what is pending,
 * execute what is ready, and write the same calls as Safe Transaction Builder files for a multisig.
 */
import { readFileSync } from "node:fs";

import { getAddress, id as keccakText, Interface, isAddress, isHexString, Result, ZeroAddress, ZeroHash } from "ethers";
import type { ContractRunner, FunctionFragment, Provider, Signer, TransactionReceipt } from "ethers";

import {
  BallastBreakers__factory,
  BallastPolicy__factory,
  BallastRebalancer__factory,
  BallastVault__factory,
  TimelockController__factory,
} from "../../typechain-types";
import type { TimelockController } from "../../typechain-types";

import { errorInterfaces } from "../shared/abis";
import { describeError, errorMessage } from "../shared/revert";

import { connectVault, knownInterfaces } from "./context";
import { OpsInputError } from "./errors";
import { safeBatchFile, safeTransaction } from "./safe";
import type { SafeBatchFile } from "./safe";
import { formatDuration, formatTime, parseAddress } from "./units";

/** `TimelockController.OperationState`. */
export const OPERATION_STATES = ["Unset", "Waiting", "Ready", "Done"] as const;
export type OperationState = (typeof OPERATION_STATES)[number];

/** The `--target` keywords: the vault's contracts, found from the vault. */
const VAULT_TARGETS = ["vault", "rebalancer", "policy", "breakers"] as const;

interface KnownContract {
  label: (typeof VAULT_TARGETS)[number] | "timelock";
  address: string;
  iface: Interface;
}

export interface GovernanceContext {
  runner: ContractRunner;
  provider: Provider;
  chainId: bigint;
  timelock: TimelockController;
  timelockAddress: string;
  /**
   * Vault, its rebalancer and the rebalancer's policy and breakers (when a vault was given) and
   * timelock: `--target` keywords and decoding.
   */
  known: KnownContract[];
  /** First block searched for events (RoleGranted, CallScheduled). */
  fromBlock: number;
}

export interface GovernanceOptions {
  /** The vault (enables the `vault`, `rebalancer`, `policy` and `breakers` targets and timelock discovery). */
  vault?: string;
  /** The TimelockController; discovered from the vault's admin when absent. */
  timelock?: string;
  /** First block to search for events (default 0; set it on live nodes that limit log ranges). */
  fromBlock?: number;
}

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

export interface TimelockOperation {
  id: string;
  calls: TimelockCall[];
  predecessor: string;
  salt: string;
  /** `scheduleBatch`/`executeBatch` (several calls) rather than `schedule`/`execute`. */
  batch: boolean;
}

const DEFAULT_ADMIN_ROLE = ZeroHash;

/** The timelock's ABI as a plain Interface: the function is chosen at run time (single or batch). */
const TIMELOCK_ABI: Interface = Interface.from(TimelockController__factory.abi);

async function hasCode(provider: Provider, address: string): Promise<boolean> {
  return (await provider.getCode(address)) !== "0x";
}

/** Whether `address` answers as a TimelockController. */
async function isTimelock(runner: ContractRunner, address: string): Promise<boolean> {
  try {
    await TimelockController__factory.connect(address, runner).getMinDelay();
    await TimelockController__factory.connect(address, runner).PROPOSER_ROLE();
    return true;
  } catch {
    return false;
  }
}

/**
 * The timelock that administers the vault: AccessControl cannot enumerate role members, so the
 * vault's `RoleGranted(DEFAULT_ADMIN_ROLE)` events give the candidates; those still holding the role
 * that answer as a TimelockController qualify. Exactly one must.
 */
export async function discoverTimelock(runner: ContractRunner, vaultAddress: string, fromBlock = 0): Promise<string> {
  const vault = BallastVault__factory.connect(vaultAddress, runner);
  const grants = await vault.queryFilter(vault.filters.RoleGranted(DEFAULT_ADMIN_ROLE), fromBlock);
  const admins = [...new Set(grants.map((event) => getAddress(event.args.account)))];
  const current: string[] = [];
  for (const admin of admins) if (await vault.hasRole(DEFAULT_ADMIN_ROLE, admin)) current.push(admin);
  const timelocks: string[] = [];
  for (const admin of current) if (await isTimelock(runner, admin)) timelocks.push(admin);
  if (timelocks.length === 1) return timelocks[0];
  if (timelocks.length === 0) {
    throw new OpsInputError(
      `no TimelockController holds the vault's DEFAULT_ADMIN_ROLE (admins found from block ${fromBlock}: ` +
        `${current.join(", ") || "none"}): pass --timelock <address>`,
    );
  }
  throw new OpsInputError(`several timelocks administer the vault (${timelocks.join(", ")}): pass --timelock`);
}

/** Connects to the timelock (given, or discovered from the vault) and the contracts it governs. */
export async function governanceContext(
  runner: ContractRunner,
  options: GovernanceOptions,
): Promise<GovernanceContext> {
  const provider = runner.provider;
  if (!provider) throw new OpsInputError("the signer has no provider: connect it to a network");
  const fromBlock = options.fromBlock ?? 0;
  const known: KnownContract[] = [];
  if (options.vault !== undefined) {
    const ctx = await connectVault(runner, options.vault);
    known.push({ label: "vault", address: ctx.address, iface: BallastVault__factory.createInterface() });
    known.push({
      label: "rebalancer",
      address: getAddress(await ctx.rebalancer.getAddress()),
      iface: BallastRebalancer__factory.createInterface(),
    });
    known.push({
      label: "policy",
      address: getAddress(await ctx.policy.getAddress()),
      iface: BallastPolicy__factory.createInterface(),
    });
    known.push({
      label: "breakers",
      address: getAddress(await ctx.breakers.getAddress()),
      iface: BallastBreakers__factory.createInterface(),
    });
  }
  let timelockAddress: string;
  if (options.timelock !== undefined) {
    timelockAddress = parseAddress(options.timelock, "--timelock");
    if (!(await hasCode(provider, timelockAddress)))
      throw new OpsInputError(`no contract at --timelock ${timelockAddress}`);
    if (!(await isTimelock(runner, timelockAddress))) {
      throw new OpsInputError(`--timelock ${timelockAddress} is not a TimelockController (getMinDelay() failed)`);
    }
  } else if (known.length > 0) {
    timelockAddress = await discoverTimelock(runner, known[0].address, fromBlock);
  } else {
    throw new OpsInputError("pass --timelock <address>, or --vault (or BALLAST_VAULT) to find the vault's timelock");
  }
  known.push({ label: "timelock", address: timelockAddress, iface: TimelockController__factory.createInterface() });
  return {
    runner,
    provider,
    chainId: (await provider.getNetwork()).chainId,
    timelock: TimelockController__factory.connect(timelockAddress, runner),
    timelockAddress,
    known,
    fromBlock,
  };
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
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new OpsInputError(
      `--args is not valid JSON (${(error as Error).message}): give a JSON array, e.g. '[[30, 2000, 100, "10000000"]]'`,
    );
  }
  if (!Array.isArray(parsed)) throw new OpsInputError("--args must be a JSON array of the function's arguments");
  return parsed;
}

/**
 * Reads a batch file: a JSON array of calls, or `{"calls": [...]}`, each
 * `{"target": "vault" | "rebalancer" | "policy" | "breakers" | "timelock" | "0x…", "function": "name", "args": [...], "value": "0"}`.
 */
export function readBatchFile(path: string): CallSpec[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new OpsInputError(`cannot read --batch ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new OpsInputError(`--batch ${path} is not valid JSON: ${(error as Error).message}`);
  }
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

/** A bytes32 from `--salt`/`--predecessor`: 32-byte hex as is; any other text is hashed (keccak256). */
export function parseBytes32(text: string | undefined, what: string, hashText: boolean): string {
  if (text === undefined || text === "") return ZeroHash;
  if (isHexString(text, 32)) return text.toLowerCase();
  if (!hashText) throw new OpsInputError(`${what} "${text}" is not a 32-byte hex value (an operation id)`);
  return keccakText(text);
}

/** The operation the timelock would know these calls by. */
export async function buildOperation(
  ctx: GovernanceContext,
  calls: TimelockCall[],
  options: { salt?: string; predecessor?: string; batch?: boolean } = {},
): Promise<TimelockOperation> {
  const salt = parseBytes32(options.salt, "--salt", true);
  const predecessor = parseBytes32(options.predecessor, "--predecessor", false);
  const batch = options.batch ?? calls.length > 1;
  const { timelock } = ctx;
  const id = batch
    ? await timelock.hashOperationBatch(
        calls.map((c) => c.target),
        calls.map((c) => c.value),
        calls.map((c) => c.data),
        predecessor,
        salt,
      )
    : await timelock.hashOperation(calls[0].target, calls[0].value, calls[0].data, predecessor, salt);
  return { id, calls, predecessor, salt, batch };
}

async function operationState(ctx: GovernanceContext, id: string): Promise<OperationState> {
  return OPERATION_STATES[Number(await ctx.timelock.getOperationState(id))];
}

/**
 * Runs each call as an `eth_call` from the timelock, the caller it will have: a value out of range
 * or a no-op fails now rather than after the delay. A call that depends on an earlier call of the
 * same batch can fail here alone; skip the check for it.
 */
export async function simulateCalls(ctx: GovernanceContext, calls: TimelockCall[]): Promise<void> {
  for (const [i, call] of calls.entries()) {
    try {
      await ctx.provider.call({ from: ctx.timelockAddress, to: call.target, data: call.data, value: call.value });
    } catch (error) {
      throw new OpsInputError(
        `${calls.length > 1 ? `call ${i + 1}, ` : ""}${call.summary} would revert if executed now: ` +
          `${describeError(error, errorInterfaces())} (--skip-simulation if it depends on an earlier call of the batch)`,
      );
    }
  }
}

export interface Proposal {
  operation: TimelockOperation;
  delay: bigint;
  minDelay: bigint;
  /** Calldata of the timelock's `schedule`/`scheduleBatch` (what a proposer sends). */
  scheduleData: string;
  /** Calldata of `execute`/`executeBatch` (what an executor sends once ready). */
  executeData: string;
}

function scheduleArgs(op: TimelockOperation, delay: bigint): unknown[] {
  const c = op.calls;
  return op.batch
    ? [c.map((x) => x.target), c.map((x) => x.value), c.map((x) => x.data), op.predecessor, op.salt, delay]
    : [c[0].target, c[0].value, c[0].data, op.predecessor, op.salt, delay];
}

function executeArgs(op: TimelockOperation): unknown[] {
  return scheduleArgs(op, 0n).slice(0, 5);
}

function scheduleFunction(op: TimelockOperation): "schedule" | "scheduleBatch" {
  return op.batch ? "scheduleBatch" : "schedule";
}

function executeFunction(op: TimelockOperation): "execute" | "executeBatch" {
  return op.batch ? "executeBatch" : "execute";
}

/**
 * Everything checked before a proposal is sent or written: the delay (default the timelock's
 * minimum, never less), an operation id not already used (same calls and salt: change `--salt`),
 * a known predecessor, and the calls' simulation from the timelock.
 */
export async function prepareProposal(
  ctx: GovernanceContext,
  specs: CallSpec[],
  options: { delay?: string | number; salt?: string; predecessor?: string; simulate?: boolean } = {},
): Promise<Proposal> {
  const calls = encodeCalls(ctx, specs);
  const operation = await buildOperation(ctx, calls, options);
  const minDelay = await ctx.timelock.getMinDelay();
  let delay = minDelay;
  if (options.delay !== undefined) {
    if (!/^\d+$/.test(String(options.delay)))
      throw new OpsInputError(`--delay "${options.delay}" is not a number of seconds`);
    delay = BigInt(options.delay);
    if (delay < minDelay) {
      throw new OpsInputError(
        `--delay ${delay}s is below the timelock's minimum of ${minDelay}s (${formatDuration(Number(minDelay))})`,
      );
    }
  }
  const state = await operationState(ctx, operation.id);
  if (state !== "Unset") {
    throw new OpsInputError(
      `operation ${operation.id} (the same calls and salt) is already ${state}: pass another --salt to schedule it again`,
    );
  }
  if (operation.predecessor !== ZeroHash && !(await ctx.timelock.isOperation(operation.predecessor))) {
    throw new OpsInputError(`--predecessor ${operation.predecessor} is not an operation of this timelock`);
  }
  if (options.simulate ?? true) await simulateCalls(ctx, calls);
  const iface = TIMELOCK_ABI;
  return {
    operation,
    delay,
    minDelay,
    scheduleData: iface.encodeFunctionData(scheduleFunction(operation), scheduleArgs(operation, delay)),
    executeData: iface.encodeFunctionData(executeFunction(operation), executeArgs(operation)),
  };
}

async function requireRole(
  ctx: GovernanceContext,
  role: "PROPOSER_ROLE" | "EXECUTOR_ROLE",
  account: string,
): Promise<void> {
  const roleId = await ctx.timelock[role]();
  // An executor role granted to address(0) opens execution to anyone.
  if (await ctx.timelock.hasRole(roleId, account)) return;
  if (role === "EXECUTOR_ROLE" && (await ctx.timelock.hasRole(roleId, ZeroAddress))) return;
  throw new OpsInputError(
    `${account} lacks ${role} on timelock ${ctx.timelockAddress}: sign with a ${role === "PROPOSER_ROLE" ? "proposer" : "executor"} ` +
      "(--from), or write the transaction for the proposers' Safe with --safe <file.json>",
  );
}

/** Sends a timelock call; a revert (the timelock's or a target's) comes back named. */
async function sendToTimelock(
  what: string,
  signer: Signer,
  request: { to: string; data: string; value?: bigint },
): Promise<TransactionReceipt> {
  let receipt: TransactionReceipt | null;
  try {
    receipt = await (await signer.sendTransaction(request)).wait();
  } catch (error) {
    throw new Error(`${what} failed: ${describeError(error, errorInterfaces())}`, { cause: error });
  }
  if (!receipt) throw new Error(`${what}: the transaction was not mined`);
  return receipt;
}

export interface ProposeResult {
  id: string;
  calls: TimelockCall[];
  delay: bigint;
  /** When the operation becomes executable. */
  readyAt: number;
  tx: string;
}

/** Schedules a prepared proposal, signed by a proposer. */
export async function propose(signer: Signer, ctx: GovernanceContext, proposal: Proposal): Promise<ProposeResult> {
  await requireRole(ctx, "PROPOSER_ROLE", await signer.getAddress());
  const { operation } = proposal;
  const receipt = await sendToTimelock(scheduleFunction(operation), signer, {
    to: ctx.timelockAddress,
    data: proposal.scheduleData,
  });
  return {
    id: operation.id,
    calls: operation.calls,
    delay: proposal.delay,
    readyAt: Number(await ctx.timelock.getTimestamp(operation.id)),
    tx: receipt.hash,
  };
}

/** Decodes a call the timelock holds, against the known ABIs (by target, else by selector). */
export function decodeCall(ctx: GovernanceContext, target: string, value: bigint, data: string): TimelockCall {
  const address = getAddress(target);
  const match = ctx.known.find((k) => k.address === address);
  // An unknown target (e.g. no --vault given) may still be a Ballast vault, rebalancer, policy or breakers: try their ABIs.
  const candidates = match ? [match.iface] : knownInterfaces();
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

export interface PendingOperation extends TimelockOperation {
  state: "Waiting" | "Ready";
  /** When it becomes (or became) executable. */
  readyAt: number;
  scheduledTx: string;
  scheduledBlock: number;
}

/**
 * The timelock's operations scheduled and neither executed nor cancelled, from its
 * `CallScheduled` events (and `CallSalt` for their salts), soonest first.
 */
export async function pendingOperations(ctx: GovernanceContext): Promise<PendingOperation[]> {
  const { timelock } = ctx;
  const scheduled = await timelock.queryFilter(timelock.filters.CallScheduled(), ctx.fromBlock);
  const ids = [...new Set(scheduled.map((e) => e.args.id))];
  const pending: PendingOperation[] = [];
  for (const id of ids) {
    const state = await operationState(ctx, id);
    if (state !== "Waiting" && state !== "Ready") continue;
    pending.push({
      ...(await operationFromEvents(ctx, id)),
      state,
      readyAt: Number(await timelock.getTimestamp(id)),
      ...(await scheduledIn(ctx, id)),
    });
  }
  return pending.sort((a, b) => a.readyAt - b.readyAt);
}

async function scheduledIn(
  ctx: GovernanceContext,
  id: string,
): Promise<{ scheduledTx: string; scheduledBlock: number }> {
  const events = await ctx.timelock.queryFilter(ctx.timelock.filters.CallScheduled(id), ctx.fromBlock);
  const last = events[events.length - 1];
  return { scheduledTx: last.transactionHash, scheduledBlock: last.blockNumber };
}

/**
 * Rebuilds an operation (calls, predecessor, salt) from the timelock's events, so that it can be
 * executed by id alone. An id scheduled again after a cancellation takes its latest scheduling.
 */
export async function operationFromEvents(ctx: GovernanceContext, id: string): Promise<TimelockOperation> {
  const opId = parseBytes32(id, "--id", false);
  const { timelock } = ctx;
  const events = await timelock.queryFilter(timelock.filters.CallScheduled(opId), ctx.fromBlock);
  if (events.length === 0) {
    throw new OpsInputError(
      `no operation ${opId} was scheduled on timelock ${ctx.timelockAddress} since block ${ctx.fromBlock}`,
    );
  }
  const lastTx = events[events.length - 1].transactionHash;
  const latest = events.filter((e) => e.transactionHash === lastTx).sort((a, b) => Number(a.args.index - b.args.index));
  const salts = await timelock.queryFilter(timelock.filters.CallSalt(opId), ctx.fromBlock);
  const salt = salts.find((e) => e.transactionHash === lastTx)?.args.salt ?? ZeroHash;
  const calls = latest.map((e) => decodeCall(ctx, e.args.target, e.args.value, e.args.data));
  const predecessor = latest[0].args.predecessor;
  // A one-call scheduleBatch emits what schedule emits: the id tells them apart.
  for (const batch of latest.length > 1 ? [true] : [false, true]) {
    const op = await buildOperation(ctx, calls, { salt, predecessor, batch });
    if (op.id === opId) return op;
  }
  throw new Error(`the events of ${opId} do not hash back to it`);
}

/** Refuses an operation that cannot be executed now, saying when it can. */
export async function checkExecutable(ctx: GovernanceContext, op: TimelockOperation): Promise<void> {
  const state = await operationState(ctx, op.id);
  if (state === "Unset") throw new OpsInputError(`operation ${op.id} is not scheduled (never was, or was cancelled)`);
  if (state === "Done") throw new OpsInputError(`operation ${op.id} was already executed`);
  if (state === "Waiting") {
    const readyAt = Number(await ctx.timelock.getTimestamp(op.id));
    const block = await ctx.provider.getBlock("latest");
    const now = block?.timestamp ?? 0;
    throw new OpsInputError(
      `operation ${op.id} is not ready: executable from ${formatTime(readyAt)} (in ${formatDuration(readyAt - now)})`,
    );
  }
  if (op.predecessor !== ZeroHash && !(await ctx.timelock.isOperationDone(op.predecessor))) {
    throw new OpsInputError(`operation ${op.id} waits for its predecessor ${op.predecessor} to be executed first`);
  }
}

export interface ExecuteResult {
  id: string;
  calls: TimelockCall[];
  tx: string;
}

/** Executes a ready operation, signed by an executor. */
export async function execute(signer: Signer, ctx: GovernanceContext, op: TimelockOperation): Promise<ExecuteResult> {
  await checkExecutable(ctx, op);
  await requireRole(ctx, "EXECUTOR_ROLE", await signer.getAddress());
  const data = TIMELOCK_ABI.encodeFunctionData(executeFunction(op), executeArgs(op));
  const value = op.calls.reduce((sum, c) => sum + c.value, 0n);
  const receipt = await sendToTimelock(executeFunction(op), signer, { to: ctx.timelockAddress, data, value });
  return { id: op.id, calls: op.calls, tx: receipt.hash };
}

function describeOperation(op: TimelockOperation, extra: string[]): string {
  return [
    `Timelock operation ${op.id}`,
    ...op.calls.map((c, i) => `${i + 1}. ${c.summary}${c.value === 0n ? "" : ` with ${c.value} wei`}`),
    `predecessor ${op.predecessor}, salt ${op.salt}`,
    ...extra,
  ].join("\n");
}

/** The Safe batch that schedules the proposal: one call to the timelock's schedule/scheduleBatch. */
export function safeScheduleBatch(
  ctx: GovernanceContext,
  proposal: Proposal,
  options: { safeAddress?: string; note?: string; createdAt?: number } = {},
): SafeBatchFile {
  const op = proposal.operation;
  const fn = scheduleFunction(op);
  return safeBatchFile({
    chainId: ctx.chainId,
    name: `Ballast: schedule ${op.calls.map((c) => c.function).join(", ")}`,
    description: describeOperation(op, [
      `delay ${proposal.delay}s (${formatDuration(Number(proposal.delay))}) on timelock ${ctx.timelockAddress}`,
      ...(options.note ? [options.note] : []),
    ]),
    safeAddress: options.safeAddress,
    createdAt: options.createdAt,
    transactions: [
      safeTransaction(
        TimelockController__factory.abi,
        ctx.timelockAddress,
        fn,
        scheduleArgs(op, proposal.delay),
        proposal.scheduleData,
      ),
    ],
  });
}

/** The Safe batch that executes the operation once ready: one call to execute/executeBatch. */
export function safeExecuteBatch(
  ctx: GovernanceContext,
  op: TimelockOperation,
  options: { safeAddress?: string; note?: string; createdAt?: number } = {},
): SafeBatchFile {
  const fn = executeFunction(op);
  const args = executeArgs(op);
  const value = op.calls.reduce((sum, c) => sum + c.value, 0n);
  return safeBatchFile({
    chainId: ctx.chainId,
    name: `Ballast: execute ${op.calls.map((c) => c.function).join(", ")}`,
    description: describeOperation(op, [
      `on timelock ${ctx.timelockAddress}; fails until the delay has passed`,
      ...(options.note ? [options.note] : []),
    ]),
    safeAddress: options.safeAddress,
    createdAt: options.createdAt,
    transactions: [
      safeTransaction(
        TimelockController__factory.abi,
        ctx.timelockAddress,
        fn,
        args,
        TIMELOCK_ABI.encodeFunctionData(fn, args),
        value,
      ),
    ],
  });
}

/** Checks that a Safe named as proposer (or executor) holds the role, before writing its file. */
export async function checkSafeRole(
  ctx: GovernanceContext,
  safeAddress: string,
  role: "PROPOSER_ROLE" | "EXECUTOR_ROLE",
): Promise<void> {
  await requireRole(ctx, role, parseAddress(safeAddress, "--safe-address")).catch((error: unknown) => {
    if (error instanceof OpsInputError) {
      throw new OpsInputError(`the Safe ${safeAddress} lacks ${role} on timelock ${ctx.timelockAddress}`);
    }
    throw error;
  });
}
