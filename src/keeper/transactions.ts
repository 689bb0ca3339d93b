/**
 * The keeper's transactions: sending under a nonce it reserves, following each to confirmation,
 * replacing a stuck one with bumped fees (or cancelling it when no rebalance is due any more), and
 * reporting what the mined one did.
 *
 * Safety rests on two rules. One transaction per vault at a time: a vault with a transaction in
 * flight gets no other until that nonce is mined (by it or by a replacement). And every send or
 * replacement reuses a nonce reserved here, so retries and replacements can never land twice.
 *
 * It needs of the chain only nonces, receipts and calls, and of the signer only sending or
 * signing: a fake of each is enough to test it (test/keeper/transactions.test.ts).
 */
import { formatUnits, isError, Transaction } from "ethers";
import type { TransactionRequest } from "ethers";

import { describeError, isRevert } from "../shared/revert";

import type { KeeperConfig } from "./config";
import { KeeperConfigError, KeeperRpcError, KeeperStoppedError } from "./errors";
import { bumpFees } from "./fees";
import type { Fees } from "./fees";
import type { EpisodeLog, KeeperLogger, LogFields } from "./logger";
import { minedOutcome, reportRevert, revertReason } from "./outcomes";
import type { CycleContext, CycleResult, InFlightInfo, Receipt, RevertReason, Rpc, TxKind, TxRequest } from "./types";

/** A plain value transfer to oneself: the cheapest transaction that consumes a nonce. */
export const CANCEL_GAS = 21_000n;
const CANNOT_SIGN = "the signer cannot sign raw transactions, which a private RPC needs: use a private-key signer";

/** The chain as the transaction manager uses it (an ethers `Provider` is one). */
export interface TxChain {
  getTransactionCount(address: string, blockTag: "latest" | "pending"): Promise<number>;
  getTransactionReceipt(hash: string): Promise<Receipt | null>;
  call(request: TransactionRequest): Promise<string>;
}

/** What signs and sends (an ethers `Signer` is one). */
export interface TxSigner {
  sendTransaction(request: TransactionRequest): Promise<{ hash: string }>;
  signTransaction(request: TransactionRequest): Promise<string>;
}

/** A private RPC that takes signed transactions (an ethers `Provider` is one). */
export interface TxBroadcaster {
  broadcastTransaction(signed: string): Promise<unknown>;
}

export interface Attempt extends TxRequest {
  /** Undefined when a send may have reached the node but its hash is unknown (e.g. the reply timed out). */
  hash: string | undefined;
}

export interface InFlight {
  nonce: number;
  purpose: TxKind;
  attempts: Attempt[];
  sentBlock: number;
  sentAt: number;
  replacementCapped: boolean;
}

/** What a stuck rebalance should be now, decided again at the replacement's fees; undefined: nothing due, cancel. */
export type PrepareReplacement = (fees: Fees) => Promise<Pick<TxRequest, "to" | "data" | "gasLimit"> | undefined>;

export interface TxManagerDeps {
  chain: TxChain;
  signer: TxSigner | undefined;
  sendProvider: TxBroadcaster | undefined;
  chainId: bigint;
  from: string;
  config: Pick<KeeperConfig, "confirmations" | "replaceAfterBlocks" | "replaceAfterMs" | "feeBumpBps" | "maxFeePerGas">;
  logger: KeeperLogger;
  episodes: EpisodeLog;
  rpc: Rpc;
  /** The priority fee now (read once a cycle). */
  tip: (ctx: CycleContext) => Promise<bigint>;
  /** Whether the keeper is stopping: no replacement then. */
  stopping: () => boolean;
}

/**
 * The nonce of a new transaction: the next after the keeper's own in flight (`own`), else the
 * account's next. `foreign`: someone else (another process with this key, or this keeper before a
 * restart) has transactions pending, and sending now could race them for nonces or repeat what
 * they do.
 */
export function nextNonce(
  latest: number,
  pending: number,
  own: readonly number[],
): { nonce: number; foreign: boolean } {
  const ours = own.filter((nonce) => nonce >= latest);
  const nonce = ours.length > 0 ? Math.max(...ours) + 1 : latest;
  return { nonce, foreign: pending > nonce };
}

/** Whether a transaction has waited long enough to replace: in blocks, or by the clock. */
export function isStuck(
  flight: Pick<InFlight, "sentBlock" | "sentAt">,
  ctx: CycleContext,
  config: Pick<KeeperConfig, "replaceAfterBlocks" | "replaceAfterMs">,
): boolean {
  return (
    ctx.block.number - flight.sentBlock >= config.replaceAfterBlocks ||
    (config.replaceAfterMs > 0 && ctx.now - flight.sentAt >= config.replaceAfterMs)
  );
}

function isAlreadyKnown(error: unknown): boolean {
  return /already known|known transaction|already imported|AlreadyKnown/i.test(describeError(error));
}

/** The node refuses the nonce: used already (mined), or held by a pending transaction with fees as high. */
function isNonceTaken(error: unknown): boolean {
  return (
    isError(error, "NONCE_EXPIRED") ||
    isError(error, "REPLACEMENT_UNDERPRICED") ||
    /nonce too low|nonce has already been used|replacement (transaction )?underpriced/i.test(describeError(error))
  );
}

export class TxManager {
  private readonly flights = new Map<string, InFlight>();

  constructor(private readonly deps: TxManagerDeps) {}

  /** Fails when a private RPC is configured and the signer cannot sign raw transactions (a JSON-RPC account). */
  async checkRawSigning(): Promise<void> {
    if (!this.deps.signer) return;
    try {
      await this.deps.signer.signTransaction({
        type: 2,
        chainId: this.deps.chainId,
        from: this.deps.from,
        to: this.deps.from,
        nonce: 0,
        gasLimit: CANCEL_GAS,
        maxFeePerGas: 1n,
        maxPriorityFeePerGas: 1n,
      });
    } catch (error) {
      throw new KeeperConfigError(CANNOT_SIGN, { cause: error });
    }
  }

  /** Whether `vault` has a transaction in flight. */
  busy(vault: string): boolean {
    return this.flights.has(vault);
  }

  /** The transactions in flight of `vaults`, in that order. */
  inFlight(vaults: readonly string[]): InFlightInfo[] {
    return vaults.flatMap((vault) => {
      const flight = this.flights.get(vault);
      if (!flight) return [];
      const last = flight.attempts[flight.attempts.length - 1];
      return [
        {
          vault,
          nonce: flight.nonce,
          kind: last.kind,
          hashes: flight.attempts.map((a) => a.hash),
          maxFeePerGas: last.fees.maxFeePerGas,
          maxPriorityFeePerGas: last.fees.maxPriorityFeePerGas,
        },
      ];
    });
  }

  private latestNonce(vault: string): Promise<number> {
    const { chain, from } = this.deps;
    return this.deps.rpc("getTransactionCount", () => chain.getTransactionCount(from, "latest"), vault);
  }

  /** Sends `tx` for `vault` under the next free nonce and keeps it in flight; `details` go on `tx_sent`. */
  async send(vault: string, ctx: CycleContext, tx: TxRequest, details: LogFields): Promise<CycleResult> {
    const { chain, from, rpc, logger } = this.deps;
    if (this.deps.stopping()) return { vault, action: "skipped", kind: tx.kind, reason: "stopping" };
    const latest = await this.latestNonce(vault);
    const pending = await rpc("getTransactionCount", () => chain.getTransactionCount(from, "pending"), vault);
    const own = [...this.flights.values()].map((flight) => flight.nonce);
    const { nonce, foreign } = nextNonce(latest, pending, own);
    if (foreign) {
      this.deps.episodes.note(vault, "warn", "foreign_pending_transactions", {
        latestNonce: latest,
        pendingNonce: pending,
        nonce,
      });
      return { vault, action: "waiting", kind: tx.kind, reason: "foreign_pending" };
    }
    let hash: string | undefined;
    try {
      hash = await this.broadcast(vault, tx, nonce);
    } catch (error) {
      return this.sendFailed(vault, tx, nonce, error);
    }
    this.flights.set(vault, {
      nonce,
      purpose: tx.kind,
      attempts: [{ ...tx, hash }],
      sentBlock: ctx.block.number,
      sentAt: ctx.now,
      replacementCapped: false,
    });
    this.deps.episodes.reset(vault);
    logger.log("info", "tx_sent", {
      ...details,
      hash: hash ?? null,
      nonce,
      privateRpc: this.deps.sendProvider !== undefined,
    });
    return { vault, action: "sent", kind: tx.kind, hash, nonce };
  }

  /**
   * Signs and sends with the given nonce, retrying transport errors: the nonce is fixed, so a retry
   * of a send that did reach the node is at worst refused, never mined twice. Returns the hash, or
   * undefined when the node may have the transaction but never told us (following the nonce then
   * finds it).
   */
  private async broadcast(vault: string, tx: TxRequest, nonce: number): Promise<string | undefined> {
    const { signer, sendProvider } = this.deps;
    if (!signer) throw new KeeperConfigError("no signer: cannot send");
    const request: TransactionRequest = {
      type: 2,
      chainId: this.deps.chainId,
      from: this.deps.from,
      to: tx.to,
      data: tx.data,
      value: 0n,
      nonce,
      gasLimit: tx.gasLimit,
      maxFeePerGas: tx.fees.maxFeePerGas,
      maxPriorityFeePerGas: tx.fees.maxPriorityFeePerGas,
    };
    let hash: string | undefined;
    let send: () => Promise<unknown>;
    if (sendProvider) {
      let signed: string;
      try {
        signed = await signer.signTransaction(request);
      } catch (error) {
        throw new KeeperConfigError(CANNOT_SIGN, { cause: error });
      }
      hash = Transaction.from(signed).hash ?? undefined;
      send = () => sendProvider.broadcastTransaction(signed);
    } else {
      send = async () => {
        hash = (await signer.sendTransaction(request)).hash;
      };
    }
    let tries = 0;
    try {
      await this.deps.rpc(
        "sendTransaction",
        () => {
          tries++;
          return send();
        },
        vault,
      );
      return hash;
    } catch (error) {
      // Transport trouble to the end, the node already has this very transaction, or a retry finds
      // the nonce taken (by the first try, whose reply was lost): it may be out there. Keep the
      // nonce reserved; following it will see it mined or replace it.
      if (error instanceof KeeperRpcError || isAlreadyKnown(error) || (tries > 1 && isNonceTaken(error))) {
        this.deps.logger.log("warn", "send_uncertain", {
          vault,
          nonce,
          hash: hash ?? null,
          error: describeError(error),
        });
        return hash;
      }
      throw error;
    }
  }

  /** A send that threw for a reason other than transport: a revert (Hardhat automine reports those at once), or a refusal. */
  private async sendFailed(vault: string, tx: TxRequest, nonce: number, error: unknown): Promise<CycleResult> {
    if (error instanceof KeeperConfigError || error instanceof KeeperStoppedError) throw error;
    if (isRevert(error)) {
      const mined = (await this.latestNonce(vault)) > nonce;
      const reason = revertReason(error);
      return { ...reportRevert(this.deps.logger, vault, tx.kind, reason, mined ? "mined" : "send"), nonce };
    }
    this.deps.logger.log("error", "send_failed", { vault, kind: tx.kind, nonce, error: describeError(error) });
    return { vault, action: "failed", kind: tx.kind, reason: describeError(error), nonce };
  }

  /**
   * Follows `vault`'s transaction in flight: reports it once mined and confirmed, notices its nonce
   * taken by a transaction it does not know, and replaces it when stuck (`prepareReplacement` decides what a
   * rebalance's replacement sends).
   */
  async follow(vault: string, ctx: CycleContext, prepareReplacement: PrepareReplacement): Promise<CycleResult> {
    const flight = this.flights.get(vault);
    if (!flight) throw new Error(`no transaction in flight for ${vault}`);
    // The nonce first, receipts second: a transaction mined between the two reads is then seen by
    // its receipt rather than mistaken for someone else's.
    const latestNonce = await this.latestNonce(vault);
    for (const attempt of [...flight.attempts].reverse()) {
      const hash = attempt.hash;
      if (hash === undefined) continue;
      const receipt = await this.deps.rpc(
        "getTransactionReceipt",
        () => this.deps.chain.getTransactionReceipt(hash),
        vault,
      );
      if (!receipt) continue;
      const confirmations = ctx.block.number - receipt.blockNumber + 1;
      if (confirmations < this.deps.config.confirmations) {
        this.deps.logger.log("debug", "awaiting_confirmations", { vault, hash, confirmations });
        return { vault, action: "pending", kind: attempt.kind, hash, nonce: flight.nonce, reason: "confirmations" };
      }
      return this.finalize(vault, flight, attempt, receipt);
    }
    if (latestNonce > flight.nonce) {
      // Mined, but not as any hash we know (a send whose reply was lost, or another holder of the key).
      this.flights.delete(vault);
      this.deps.logger.log("warn", "nonce_consumed", {
        vault,
        nonce: flight.nonce,
        hashes: flight.attempts.map((a) => a.hash ?? null),
      });
      return { vault, action: "confirmed", kind: flight.purpose, nonce: flight.nonce, reason: "nonce_consumed" };
    }
    const last = flight.attempts[flight.attempts.length - 1];
    if (isStuck(flight, ctx, this.deps.config) && !this.deps.stopping()) {
      return this.replace(vault, ctx, flight, last, prepareReplacement);
    }
    return { vault, action: "pending", kind: last.kind, hash: last.hash, nonce: flight.nonce };
  }

  /**
   * Same nonce, fees bumped: what the transaction still should be is decided again (a rebalance
   * that is no longer due or worth it becomes a cancellation, so the nonce does not stay blocked).
   */
  private async replace(
    vault: string,
    ctx: CycleContext,
    flight: InFlight,
    last: Attempt,
    prepareReplacement: PrepareReplacement,
  ): Promise<CycleResult> {
    const { config, logger } = this.deps;
    const pending = { vault, action: "pending", kind: last.kind, hash: last.hash, nonce: flight.nonce } as const;
    const fees = bumpFees(
      last.fees,
      config.feeBumpBps,
      ctx.block.baseFee,
      await this.deps.tip(ctx),
      config.maxFeePerGas,
    );
    if (!fees) {
      if (!flight.replacementCapped) {
        logger.log("warn", "replacement_capped", {
          vault,
          nonce: flight.nonce,
          maxFeePerGas: last.fees.maxFeePerGas,
          capGwei: formatUnits(config.maxFeePerGas, "gwei"),
          baseFeeGwei: formatUnits(ctx.block.baseFee, "gwei"),
        });
        flight.replacementCapped = true;
      }
      return { ...pending, reason: "replacement_capped" };
    }
    let next: TxRequest = { kind: "cancel", to: this.deps.from, data: "0x", gasLimit: CANCEL_GAS, fees };
    // From the purpose, not the last attempt: that may be a cancellation, and a vault due again
    // (the other keeper's transaction dropped) gets its rebalance back.
    if (flight.purpose === "rebalance") {
      const replacement = await prepareReplacement(fees);
      if (replacement) {
        const gasLimit = replacement.gasLimit > last.gasLimit ? replacement.gasLimit : last.gasLimit;
        next = { kind: "rebalance", to: replacement.to, data: replacement.data, gasLimit, fees };
      }
    }
    let hash: string | undefined;
    try {
      hash = await this.broadcast(vault, next, flight.nonce);
    } catch (error) {
      if (error instanceof KeeperConfigError || error instanceof KeeperStoppedError) throw error;
      // Most often the original was mined meanwhile (nonce too low) or the node wants a larger
      // bump: the next check sees the receipt, or tries again with the fees then.
      logger.log("warn", "replacement_failed", {
        vault,
        nonce: flight.nonce,
        kind: next.kind,
        error: describeError(error),
      });
      return { ...pending, reason: "replacement_failed" };
    }
    flight.attempts.push({ ...next, hash });
    flight.sentBlock = ctx.block.number;
    flight.sentAt = ctx.now;
    logger.log("info", "tx_replaced", {
      vault,
      nonce: flight.nonce,
      kind: next.kind,
      replaces: last.hash ?? null,
      hash: hash ?? null,
      previousMaxFeePerGas: last.fees.maxFeePerGas,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      baseFeePerGas: ctx.block.baseFee,
    });
    return { vault, action: "replaced", kind: next.kind, hash, nonce: flight.nonce };
  }

  private async finalize(vault: string, flight: InFlight, attempt: Attempt, receipt: Receipt): Promise<CycleResult> {
    this.flights.delete(vault);
    const fields = {
      vault,
      kind: attempt.kind,
      hash: receipt.hash,
      nonce: flight.nonce,
      block: receipt.blockNumber,
      gasUsed: receipt.gasUsed,
      effectiveGasPrice: receipt.gasPrice,
      feeWei: receipt.gasUsed * receipt.gasPrice,
      replacements: flight.attempts.length - 1,
    };
    const base: CycleResult = {
      vault,
      action: "confirmed",
      kind: attempt.kind,
      hash: receipt.hash,
      nonce: flight.nonce,
    };
    if (receipt.status !== 1) {
      const reason = await this.replayRevert(attempt, receipt.blockNumber);
      const reported = reportRevert(this.deps.logger, vault, attempt.kind, reason, "mined", fields);
      return { ...reported, hash: receipt.hash, nonce: flight.nonce };
    }
    return minedOutcome(this.deps.logger, receipt, attempt.kind, attempt.to, fields, base);
  }

  /** Why a mined transaction reverted: replayed at the end of its block (exact when it reverted for state that block left). */
  private async replayRevert(attempt: Attempt, blockNumber: number): Promise<RevertReason> {
    const request = { from: this.deps.from, to: attempt.to, data: attempt.data, blockTag: blockNumber };
    try {
      await this.deps.rpc("call", () => this.deps.chain.call(request));
      return { name: "unknown", args: [] };
    } catch (error) {
      return isRevert(error) ? revertReason(error) : { name: "unknown", args: [describeError(error)] };
    }
  }
}
