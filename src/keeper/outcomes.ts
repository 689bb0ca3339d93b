/**
 * What a revert or a mined transaction means for a vault, logged and reported as a cycle result.
 * Pure but for the log lines: every input was read from the chain already.
 */
import { BallastRebalancer__factory, BallastVault__factory, IBallastBreakers__factory } from "../../typechain-types";
import { errorInterfaces } from "../shared/abis";
import { decodeRevertData, describeError, revertData } from "../shared/revert";
import { tripName } from "../vault/enums";

import type { KeeperLogger, LogFields, LogLevel } from "./logger";
import { statusName } from "./types";
import type { CycleResult, Receipt, RevertReason, TxKind } from "./types";

/** Where a revert was met: in the simulation, the gas estimate, the send, or the mined transaction. */
export type RevertStage = "simulation" | "estimate" | "send" | "mined";

/**
 * A revert as the keeper logs it, decoded with every Ballast ABI (a rebalance bubbles up what the
 * vault, the policy or the breakers refuse). Without revert data, the error's description.
 */
export function revertReason(error: unknown): RevertReason {
  const data = revertData(error);
  if (!data) return { name: "unknown", args: [describeError(error)] };
  const decoded = decodeRevertData(data, errorInterfaces());
  return { name: decoded.name, args: [...decoded.args], data };
}

/**
 * Logs a revert. `BallastRebalanceNotDue` is the expected answer when another keeper (or a
 * Chainlink upkeep) got there first: a clean no-op, logged at info. Anything else is an error.
 */
export function reportRevert(
  logger: KeeperLogger,
  vault: string,
  kind: TxKind,
  reason: RevertReason,
  stage: RevertStage,
  fields: LogFields = {},
): CycleResult {
  if (reason.name === "BallastRebalanceNotDue") {
    const status = statusName(reason.args[0] as bigint);
    logger.log("info", "rebalance_not_due", { ...fields, vault, kind, stage, status, driftBps: reason.args[1] });
    return { vault, action: "skipped", kind, reason: `not_due:${status}`, status };
  }
  const level: LogLevel = stage === "mined" ? "error" : "warn";
  logger.log(level, stage === "mined" ? "tx_reverted" : "simulation_reverted", {
    ...fields,
    vault,
    kind,
    stage,
    error: reason.name,
    args: reason.args,
    data: reason.data ?? null,
  });
  return { vault, action: stage === "mined" ? "failed" : "skipped", kind, reason: `reverted:${reason.name}` };
}

interface BallastEvent {
  name: string;
  args: readonly unknown[];
}

const VAULT_EVENTS = BallastVault__factory.createInterface();
const REBALANCER_EVENTS = BallastRebalancer__factory.createInterface();
const BREAKER_EVENTS = IBallastBreakers__factory.createInterface();

/**
 * The Ballast events of a receipt, each decoded with its emitter's ABI: the vault's (`Rebalanced`),
 * the rebalancer's that was called (`RebalanceSkipped`), and any other contract's with the
 * breakers' (`BreakerTripped`, `BreakerReset`), which tokens' and pools' events never match.
 */
function eventsOf(receipt: Receipt, vault: string, rebalancer: string): BallastEvent[] {
  const events: BallastEvent[] = [];
  for (const log of receipt.logs) {
    const emitter = log.address.toLowerCase();
    const iface =
      emitter === vault.toLowerCase()
        ? VAULT_EVENTS
        : emitter === rebalancer.toLowerCase()
          ? REBALANCER_EVENTS
          : BREAKER_EVENTS;
    try {
      const parsed = iface.parseLog(log);
      if (parsed) events.push({ name: parsed.name, args: parsed.args.toArray() });
    } catch {
      // Not a Ballast event (e.g. a token Transfer): ignore.
    }
  }
  return events;
}

/**
 * What a successful transaction did, from its events: a rebalance that traded, one the
 * rebalancer's gate skipped, one that traded nothing (a breaker's trip, recorded), or a
 * cancellation. `fields` (hash, nonce, gas) go on the outcome's log line; `base` is the result.
 */
export function minedOutcome(
  logger: KeeperLogger,
  receipt: Receipt,
  kind: TxKind,
  to: string,
  fields: LogFields & { vault: string },
  base: CycleResult,
): CycleResult {
  const { vault } = fields;
  const events = eventsOf(receipt, vault, to);
  const tripped = events.find((e) => e.name === "BreakerTripped");
  if (tripped) {
    logger.log("warn", "breaker_tripped", {
      vault,
      reason: tripName(tripped.args[1] as bigint),
      index: tripped.args[2],
    });
  }
  // The first rebalance past a lapsed trip clears it, when every condition is healthy.
  if (events.some((e) => e.name === "BreakerReset")) {
    logger.log("info", "breaker_reset", { vault, hash: receipt.hash });
  }
  if (kind === "cancel") {
    logger.log("info", "cancelled", fields);
    return { ...base, reason: "cancelled" };
  }
  const rebalanced = events.find((e) => e.name === "Rebalanced");
  if (rebalanced) {
    const [, navBefore, navAfter, driftBeforeBps, driftAfterBps, trades] = rebalanced.args;
    logger.log("info", "rebalanced", { ...fields, navBefore, navAfter, driftBeforeBps, driftAfterBps, trades });
    return { ...base, reason: "rebalanced" };
  }
  const skipped = events.find((e) => e.name === "RebalanceSkipped");
  if (skipped) {
    logger.log("warn", "rebalance_skipped_on_chain", { ...fields, cost: skipped.args[1], benefit: skipped.args[2] });
    return { ...base, reason: "skipped_on_chain" };
  }
  logger.log("warn", "rebalance_no_trade", fields);
  return { ...base, reason: tripped ? "breaker_tripped" : "no_trade" };
}
