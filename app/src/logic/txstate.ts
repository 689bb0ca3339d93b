/**
 * A transaction's life as the depositor sees it: waiting for the wallet, then pending (sent, with
 * its hash) -> included (in a block) -> confirmed (a block on top), or declined / failed.
 * Pure: unit-tested in test/app/txstate.test.ts.
 */
import type { Explained } from "./errors";

export type TxPhase = "wallet" | "pending" | "included" | "confirmed" | "rejected" | "failed";

export interface TxState {
  /** "Approve USDC", "Deposit". */
  label: string;
  phase: TxPhase;
  hash?: string;
  block?: number;
  error?: Explained;
}

export type TxEvent =
  | { type: "sent"; hash: string }
  | { type: "included"; block: number }
  | { type: "confirmed" }
  | { type: "failed"; error: Explained };

/** Phases in order: an event never moves a transaction backwards, nor out of an end state. */
const ORDER: Record<TxPhase, number> = { wallet: 0, pending: 1, included: 2, confirmed: 3, rejected: 9, failed: 9 };

export function startTx(label: string): TxState {
  return { label, phase: "wallet" };
}

export function nextTx(state: TxState, event: TxEvent): TxState {
  if (ORDER[state.phase] >= 3) return state;
  switch (event.type) {
    case "sent":
      return state.phase === "wallet" ? { ...state, phase: "pending", hash: event.hash } : state;
    case "included":
      return ORDER[state.phase] < 2 ? { ...state, phase: "included", block: event.block } : state;
    case "confirmed":
      return { ...state, phase: "confirmed" };
    case "failed":
      return { ...state, phase: event.error.kind === "rejected" ? "rejected" : "failed", error: event.error };
  }
}

/** Whether the transaction is over (the form may be used again). */
export function isSettled(state: TxState): boolean {
  return ORDER[state.phase] >= 3;
}

export function phaseText(state: TxState): string {
  switch (state.phase) {
    case "wallet":
      return "Confirm in your wallet…";
    case "pending":
      return "Pending: sent, waiting for a block";
    case "included":
      return `Included in block ${state.block ?? "?"}, waiting for a confirmation`;
    case "confirmed":
      return "Confirmed";
    case "rejected":
      return state.error?.sentence ?? "Declined in the wallet";
    case "failed":
      return state.error ? `${state.error.title}: ${state.error.sentence}` : "Failed";
  }
}

export interface TxStep {
  label: string;
  done: boolean;
}

/**
 * The three steps a sent transaction goes through, each marked when reached: on a local chain
 * they follow each other within a frame, and the list still shows that each happened.
 */
export function txSteps(state: TxState): TxStep[] {
  if (!state.hash) return [];
  return [
    { label: "Pending", done: true },
    {
      label: state.block !== undefined ? `Included in block ${state.block}` : "Included",
      done: state.block !== undefined,
    },
    { label: "Confirmed", done: state.phase === "confirmed" },
  ];
}
