/** What the keeper's parts pass each other and report: cycle results, transactions, reverts. */
import type { TransactionReceipt } from "ethers";

import type { BallastRebalancer, BallastVault } from "../../typechain-types";
import { STATUS_NAMES, statusName } from "../vault/enums";
import type { StatusName } from "../vault/enums";

import type { Fees } from "./fees";

export { STATUS_NAMES, statusName };
export type { StatusName };

/** What a transaction is for: a rebalance, or a cancellation (of a stuck one). */
export type TxKind = "rebalance" | "cancel";

/** What one cycle did for one vault. */
export type CycleAction =
  | "idle" // nothing to do
  | "skipped" // something was due but not worth or not possible to send (see reason)
  | "waiting" // something is due and waits for a condition (fee cap, foreign pending transactions)
  | "would_send" // dry run: would have sent
  | "sent"
  | "pending" // a transaction in flight, not yet mined (or not yet confirmed)
  | "replaced"
  | "confirmed"
  | "failed";

export interface CycleResult {
  vault: string;
  action: CycleAction;
  kind?: TxKind;
  reason?: string;
  status?: string;
  hash?: string;
  nonce?: number;
}

/** A decoded revert: the custom error (or Error(string)/Panic) and its arguments. */
export interface RevertReason {
  name: string;
  args: unknown[];
  data?: string;
}

/** In-flight transaction of a vault, as reported by `Keeper.inFlight`. */
export interface InFlightInfo {
  vault: string;
  nonce: number;
  kind: TxKind;
  hashes: (string | undefined)[];
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** The chain as one cycle sees it. */
export interface CycleContext {
  block: { number: number; baseFee: bigint; timestamp: number };
  /** The injected clock's time when the cycle started. */
  now: number;
  /** The priority fee, read once per cycle when first needed. */
  tip?: bigint;
}

/** A transaction to send: what, where, and at what gas and fees. */
export interface TxRequest {
  kind: TxKind;
  to: string;
  data: string;
  gasLimit: bigint;
  fees: Fees;
}

/** What the keeper reads of a receipt. */
export type Receipt = Pick<TransactionReceipt, "hash" | "blockNumber" | "gasUsed" | "gasPrice" | "status" | "logs">;

/** One vault as the keeper knows it between cycles. */
export interface VaultState {
  address: string;
  vault: BallastVault;
  /** The vault's rebalancer as last read (`vault.rebalancer()`): what the keeper calls and simulates. */
  rebalancer: BallastRebalancer;
  rebalancerAddress: string;
  baseDecimals: number;
  gasTokenIndex: number | undefined;
  lastStatus: string | undefined;
  gasUnpricedLogged: boolean;
}

/** Runs an RPC call with the keeper's retries; `vault` tags its retry logs. */
export type Rpc = <T>(label: string, fn: () => Promise<T>, vault?: string) => Promise<T>;
