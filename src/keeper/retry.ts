/**
 * Retries for RPC calls that failed in transport (timeouts, resets, 5xx, rate limits), with
 * exponential backoff. A revert is an answer, not a failure: it is never retried.
 */
import { describeError, isRevert, revertData } from "../shared/revert";

import type { RetryPolicy } from "./config";
import { KeeperRpcError, KeeperStoppedError } from "./errors";
import type { KeeperLogger, LogFields } from "./logger";

/** Resolves after `ms`, or rejects with {@link KeeperStoppedError} as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new KeeperStoppedError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new KeeperStoppedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

// The project's one revert decoder (src/shared/revert.ts), which the keeper's callers import from here.
export { isRevert, revertData };

const TRANSIENT_CODES = new Set(["SERVER_ERROR", "TIMEOUT", "NETWORK_ERROR", "BAD_DATA"]);
const TRANSIENT_SYSTEM_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);
/** Messages of overloaded or lagging nodes, which often come back as generic JSON-RPC errors. */
const TRANSIENT_MESSAGE =
  /timeout|timed out|rate limit|too many requests|429|502|503|504|socket hang up|fetch failed|header not found|temporarily unavailable|connection/i;

/** Whether retrying `error` could succeed: transport trouble, not a revert or a refused transaction. */
export function isTransientRpcError(error: unknown): boolean {
  if (error instanceof KeeperStoppedError || isRevert(error)) return false;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") {
    if (TRANSIENT_CODES.has(code) || TRANSIENT_SYSTEM_CODES.has(code)) return true;
    // Refusals the node means: retrying the same request gets the same answer.
    if (code !== "UNKNOWN_ERROR") return false;
  }
  return TRANSIENT_MESSAGE.test(describeError(error));
}

/** The delay before retry number `attempt` (1-based). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const raw = Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** (attempt - 1));
  return Math.round(policy.jitter ? raw * (0.5 + random() / 2) : raw);
}

export interface RetryContext {
  policy: RetryPolicy;
  logger: KeeperLogger;
  signal?: AbortSignal;
  /** Fields added to every retry log (e.g. the vault). */
  fields?: LogFields;
}

/**
 * Runs `fn`, retrying transient RPC errors with backoff; anything else is thrown at once. After the
 * last attempt throws {@link KeeperRpcError}.
 */
export async function withRetry<T>(label: string, fn: () => Promise<T>, context: RetryContext): Promise<T> {
  const { policy, logger, signal, fields } = context;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw new KeeperStoppedError();
    try {
      return await fn();
    } catch (error) {
      if (!isTransientRpcError(error)) throw error;
      if (attempt > policy.retries) throw new KeeperRpcError(label, attempt, error);
      const delayMs = backoffDelay(policy, attempt);
      logger.log("warn", "rpc_retry", { ...fields, call: label, attempt, delayMs, error: describeError(error) });
      await sleep(delayMs, signal);
    }
  }
}
