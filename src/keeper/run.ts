/** Runs a keeper as a process: `--once` for cron and CI, or until SIGINT/SIGTERM. */
import type { KeeperOptions } from "./config";
import { KeeperRunError } from "./errors";
import { Keeper } from "./Keeper";
import { jsonLogger } from "./logger";
import type { CycleResult } from "./types";

/** What delivers termination signals: `process`, or any emitter in tests. */
export interface SignalSource {
  on(event: "SIGINT" | "SIGTERM", listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: "SIGINT" | "SIGTERM", listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface RunKeeperOptions extends KeeperOptions {
  /** One cycle, wait for its transactions, return; otherwise run until a signal. */
  once?: boolean;
  /** Defaults to `process`. */
  signals?: SignalSource;
  /** Called with the keeper once it exists, e.g. to stop it from elsewhere. */
  onKeeper?: (keeper: Keeper) => void;
}

const SIGNAL_EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Creates a {@link Keeper} and runs it. The first SIGINT/SIGTERM stops it cleanly (the cycle under
 * way finishes, nothing new is sent); a second one, from `process`, exits at once. With `once`,
 * resolves with each vault's result and rejects with {@link KeeperRunError} if a vault failed, so
 * that a cron job or CI step sees the failure.
 */
export async function runKeeper(options: RunKeeperOptions): Promise<CycleResult[]> {
  const logger = options.logger ?? jsonLogger({ clock: options.clock });
  const keeper = new Keeper({ ...options, logger });
  options.onKeeper?.(keeper);
  const source: SignalSource = options.signals ?? process;
  let received = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    received++;
    logger.log("info", "signal_received", { signal, count: received });
    if (received > 1 && source === process) {
      logger.log("warn", "forced_exit", { signal, inFlight: keeper.inFlight() });
      process.exit(SIGNAL_EXIT_CODES[signal] ?? 1);
    }
    void keeper.stop();
  };
  source.on("SIGINT", onSignal);
  source.on("SIGTERM", onSignal);
  try {
    if (!options.once) {
      await keeper.start();
      return [];
    }
    const results = await keeper.runOnce();
    const failed = results.filter((r) => r.action === "failed");
    if (failed.length > 0) {
      throw new KeeperRunError(
        `keeper cycle failed for ${failed.map((r) => `${r.vault} (${r.reason ?? "unknown"})`).join(", ")}`,
      );
    }
    return results;
  } finally {
    source.off("SIGINT", onSignal);
    source.off("SIGTERM", onSignal);
  }
}
