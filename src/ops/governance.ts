/**
 * Governance through the timelock (./timelock.ts): a proposal of calls (./calls.ts) checked and
 * scheduled, the operations pending listed, a ready one executed, and the same as Safe
 * Transaction Builder files for a multisig.
 */
import { id as keccakText, Interface, isHexString, ZeroHash } from "ethers";
import type { Signer } from "ethers";

import { TimelockController__factory } from "../../typechain-types";
import { errorInterfaces } from "../shared/abis";
import { describeError } from "../shared/revert";

import { decodeCall, encodeCalls } from "./calls";
import type { CallSpec, TimelockCall } from "./calls";
import { OpsInputError } from "./errors";
import { safeBatchFile, safeTransaction } from "./safe";
import type { SafeBatchFile } from "./safe";
import { sendAndWait } from "./send";
import { operationState, requireRole } from "./timelock";
import type { GovernanceContext } from "./timelock";
import { formatDuration, formatTime } from "./units";

export interface TimelockOperation {
  id: string;
  calls: TimelockCall[];
  predecessor: string;
  salt: string;
  /** `scheduleBatch`/`executeBatch` (several calls) rather than `schedule`/`execute`. */
  batch: boolean;
}

/** The timelock's ABI as a plain Interface: the function is chosen at run time (single or batch). */
const TIMELOCK_ABI: Interface = Interface.from(TimelockController__factory.abi);

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

/** A call to the timelock itself: the function, its arguments, the calldata and the wei it carries. */
interface TimelockStep {
  fn: "schedule" | "scheduleBatch" | "execute" | "executeBatch";
  args: unknown[];
  data: string;
  value: bigint;
}

/** The timelock call that schedules `op` to be ready after `delay`. */
function scheduleStep(op: TimelockOperation, delay: bigint): TimelockStep {
  const fn = op.batch ? "scheduleBatch" : "schedule";
  const args = scheduleArgs(op, delay);
  return { fn, args, data: TIMELOCK_ABI.encodeFunctionData(fn, args), value: 0n };
}

/** The timelock call that executes `op`, paying each call's value. */
function executeStep(op: TimelockOperation): TimelockStep {
  const fn = op.batch ? "executeBatch" : "execute";
  const args = scheduleArgs(op, 0n).slice(0, 5);
  const value = op.calls.reduce((sum, c) => sum + c.value, 0n);
  return { fn, args, data: TIMELOCK_ABI.encodeFunctionData(fn, args), value };
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
  return {
    operation,
    delay,
    minDelay,
    scheduleData: scheduleStep(operation, delay).data,
    executeData: executeStep(operation).data,
  };
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
  const { fn } = scheduleStep(operation, proposal.delay);
  const data = proposal.scheduleData;
  const receipt = await sendAndWait(fn, () => signer.sendTransaction({ to: ctx.timelockAddress, data }));
  return {
    id: operation.id,
    calls: operation.calls,
    delay: proposal.delay,
    readyAt: Number(await ctx.timelock.getTimestamp(operation.id)),
    tx: receipt.hash,
  };
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
  const { fn, data, value } = executeStep(op);
  const receipt = await sendAndWait(fn, () => signer.sendTransaction({ to: ctx.timelockAddress, data, value }));
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

type SafeBatchOptions = { safeAddress?: string; note?: string; createdAt?: number };

/** A Safe batch of one timelock call about `op`, described for the signers who review it. */
function safeTimelockBatch(
  ctx: GovernanceContext,
  op: TimelockOperation,
  step: TimelockStep,
  verb: "schedule" | "execute",
  detail: string,
  options: SafeBatchOptions,
): SafeBatchFile {
  const { fn, args, data, value } = step;
  return safeBatchFile({
    chainId: ctx.chainId,
    name: `Ballast: ${verb} ${op.calls.map((c) => c.function).join(", ")}`,
    description: describeOperation(op, [detail, ...(options.note ? [options.note] : [])]),
    safeAddress: options.safeAddress,
    createdAt: options.createdAt,
    transactions: [safeTransaction(TimelockController__factory.abi, ctx.timelockAddress, fn, args, data, value)],
  });
}

/** The Safe batch that schedules the proposal: one call to the timelock's schedule/scheduleBatch. */
export function safeScheduleBatch(
  ctx: GovernanceContext,
  proposal: Proposal,
  options: SafeBatchOptions = {},
): SafeBatchFile {
  const { operation: op, delay } = proposal;
  const detail = `delay ${delay}s (${formatDuration(Number(delay))}) on timelock ${ctx.timelockAddress}`;
  return safeTimelockBatch(ctx, op, scheduleStep(op, delay), "schedule", detail, options);
}

/** The Safe batch that executes the operation once ready: one call to execute/executeBatch. */
export function safeExecuteBatch(
  ctx: GovernanceContext,
  op: TimelockOperation,
  options: SafeBatchOptions = {},
): SafeBatchFile {
  const detail = `on timelock ${ctx.timelockAddress}; fails until the delay has passed`;
  return safeTimelockBatch(ctx, op, executeStep(op), "execute", detail, options);
}
