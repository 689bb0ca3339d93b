/**
 * The keeper's loops, thin on purpose: when to run a cycle (a new block, polled or subscribed, or
 * an idle tick) and how long to wait for transactions to settle, measured on the injected clock.
 * What a cycle does is the keeper's (./Keeper.ts).
 */
import type { Provider } from "ethers";

import { describeError } from "../shared/revert";

import type { Clock } from "./clock";
import type { KeeperConfig } from "./config";
import { KeeperRpcError, KeeperStoppedError } from "./errors";
import type { KeeperLogger } from "./logger";
import { sleep } from "./retry";
import type { CycleResult, InFlightInfo } from "./types";

/** Without new blocks (a quiet local node) the keeper still runs a cycle this often. */
const IDLE_TICK_MS = 60_000;

/** What the loops drive: the keeper, seen from outside. */
export interface LoopHost {
  readonly config: KeeperConfig;
  readonly logger: KeeperLogger;
  readonly clock: Clock;
  readonly provider: Provider;
  /** Aborts every wait when the keeper stops. */
  readonly signal: AbortSignal;
  stopped(): boolean;
  init(): Promise<void>;
  tick(options?: { settleOnly?: boolean }): Promise<CycleResult[]>;
  blockNumber(): Promise<number>;
  inFlight(): InFlightInfo[];
}

/** Sleeps `ms`; false when the keeper stopped meanwhile. */
async function pause(host: LoopHost, ms: number): Promise<boolean> {
  try {
    await sleep(ms, host.signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Polls until no transaction is in flight, running settling cycles (their results to `settled`),
 * for at most `onceTimeoutMs`: `runOnce`'s wait.
 */
export async function settle(host: LoopHost, settled: (results: CycleResult[]) => void): Promise<void> {
  const { config, clock } = host;
  const deadline = clock() + config.onceTimeoutMs;
  // The polls' own time bounds the wait as well: a clock that stands still (a simulation's, whose
  // time is the chain's) would otherwise never reach the deadline.
  let polled = 0;
  while (host.inFlight().length > 0 && !host.stopped()) {
    if (clock() >= deadline || polled >= config.onceTimeoutMs) {
      host.logger.log("warn", "pending_at_exit", { inFlight: host.inFlight() });
      break;
    }
    if (!(await pause(host, config.pollIntervalMs))) break;
    polled += config.pollIntervalMs;
    settled(await host.tick({ settleOnly: true }));
  }
}

/** Runs until the keeper stops: initialises (through RPC outages), then a cycle on every new block. */
export async function runLoop(host: LoopHost): Promise<void> {
  const { config, logger } = host;
  try {
    // A long-running keeper outlives RPC outages, including one at boot; a bad option stays fatal.
    for (;;) {
      try {
        await host.init();
        break;
      } catch (error) {
        // Stopped while the node was still unreachable: that is a clean stop, not a failure.
        if (error instanceof KeeperStoppedError || host.stopped()) return;
        if (!(error instanceof KeeperRpcError)) throw error;
        logger.log("error", "init_failed", { error: describeError(error) });
        if (!(await pause(host, Math.max(config.pollIntervalMs, 5_000)))) return;
      }
    }
    logger.log("info", "keeper_running", { trigger: config.trigger });
    if (config.trigger === "block") await loopOnBlocks(host);
    else await loopPolling(host);
  } finally {
    logger.log("info", "keeper_stopped", { inFlight: host.inFlight() });
  }
}

async function loopPolling(host: LoopHost): Promise<void> {
  const { config, clock } = host;
  let lastBlock = -1;
  let lastTickAt = -Infinity;
  while (!host.stopped()) {
    try {
      const number = await host.blockNumber();
      const idle = clock() - lastTickAt >= Math.max(config.pollIntervalMs, IDLE_TICK_MS);
      if (number !== lastBlock || idle) {
        lastBlock = number;
        lastTickAt = clock();
        await host.tick();
      }
    } catch (error) {
      if (error instanceof KeeperStoppedError) break;
      host.logger.log("error", "poll_failed", { error: describeError(error) });
    }
    if (!(await pause(host, config.pollIntervalMs))) break;
  }
}

async function loopOnBlocks(host: LoopHost): Promise<void> {
  let again = false;
  let busy = false;
  // Blocks that arrive during a cycle collapse into one more cycle, not a queue of them.
  const onBlock = (): void => {
    if (host.stopped()) return;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    void (async () => {
      do {
        again = false;
        await host
          .tick()
          .catch((error: unknown) => host.logger.log("error", "cycle_failed", { error: describeError(error) }));
      } while (again && !host.stopped());
      busy = false;
    })();
  };
  await host.provider.on("block", onBlock);
  try {
    onBlock();
    while (!host.stopped() && (await pause(host, Math.max(host.config.pollIntervalMs, IDLE_TICK_MS)))) onBlock();
  } finally {
    await host.provider.off("block", onBlock);
  }
}
