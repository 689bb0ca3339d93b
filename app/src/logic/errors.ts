/**
 * What the app says when something fails: a wallet rejection is a calm note, a revert is its
 * custom error's name (decoded from the contracts' ABIs by the project's one decoder,
 * src/shared/revert.ts) and a sentence. Pure: unit-tested in test/app/errors.test.ts, which also
 * checks that every name below is an error of the ABIs (no typo can silently fall through).
 */
import type { Interface } from "ethers";

import { decodeRevertData, errorMessage, isUserRejection, revertData } from "../../../src/shared/revert";
import type { DecodedRevert } from "../../../src/shared/revert";

export interface Explained {
  kind: "rejected" | "revert" | "other";
  /** `BallastPriceUnavailable(WETH)`, "Request declined", or the error's short message. */
  title: string;
  sentence: string;
}

/** Turns an address argument into a token symbol when it is one. */
export type SymbolOf = (address: string) => string | undefined;

type Sentence = (args: readonly string[]) => string;

/** One sentence per error a depositor can meet; `args` are already symbols where they were tokens. */
export const ERROR_SENTENCES: Readonly<Record<string, Sentence>> = {
  BallastPriceUnavailable: ([token]) => `${token}'s price feed is not answering; exits in kind still work.`,
  BallastRouterTooFewShares: () =>
    "The price moved beyond your slippage tolerance since the preview: the deposit would mint fewer shares than your minimum, so nothing was spent. Review the new preview and try again.",
  BallastRouterTooFewAssets: () =>
    "The price moved beyond your slippage tolerance since the preview; your shares were not redeemed.",
  BallastRouterTooManyShares: () =>
    "Withdrawing that amount would burn more shares than your tolerance allows; nothing was redeemed.",
  BallastRouterTooManyAssets: () => "Minting those shares would cost more than your tolerance allows.",
  BallastRouterTooLittleOut: ([token]) =>
    `The in-kind exit would pay less ${token} than your tolerance allows; nothing was redeemed.`,
  BallastRouterExpired: () => "The transaction was mined after its deadline; nothing happened. Send it again.",
  BallastRouterLengthMismatch: () => "The basket changed since the preview; reload and try again.",
  BallastSlippageExceeded: ([token]) => `A ${token} swap of the exit would fill below its oracle-based minimum.`,
  BallastSwapFailed: ([tokenIn, tokenOut]) => `The pool swap ${tokenIn} -> ${tokenOut} failed; try an exit in kind.`,
  BallastForfeitMask: () => "The tokens to leave behind do not match the basket.",
  BallastFeedStale: () => "A price feed is stale; exits in kind still work.",
  BallastSequencerDown: () => "The L2 sequencer is down; exits in kind still work.",
  EnforcedPause: () => "The vault is paused: deposits are halted. Exits, in kind always, stay open.",
  ERC4626ExceededMaxDeposit: () => "The vault accepts no deposit of that size now (paused or capped).",
  ERC4626ExceededMaxWithdraw: () => "That is more than the vault can pay in the base asset now; exit the rest in kind.",
  ERC4626ExceededMaxRedeem: () =>
    "That is more shares than the vault can redeem in the base asset now; exit the rest in kind.",
  ERC20InsufficientBalance: () => "The balance is too small for that amount.",
  ERC20InsufficientAllowance: () => "The approval is smaller than the amount; approve it first.",
};

function argText(arg: unknown, symbolOf: SymbolOf): string {
  const text = String(arg);
  return (/^0x[0-9a-fA-F]{40}$/.test(text) && symbolOf(text)) || text;
}

/** A decoded revert, named with symbols: `BallastPriceUnavailable(WETH)`. */
export function explainRevert(decoded: DecodedRevert, symbolOf: SymbolOf): Explained {
  const args = decoded.args.map((arg) => argText(arg, symbolOf));
  const title = decoded.name === "unknown" ? decoded.text : `${decoded.name}(${args.join(", ")})`;
  const sentence =
    ERROR_SENTENCES[decoded.name]?.(args) ??
    (decoded.name === "Error"
      ? (decoded.note ?? String(decoded.args[0]))
      : "The contract refused the call; nothing was spent.");
  return { kind: "revert", title, sentence };
}

/** Anything the wallet, the node or a contract threw, explained for a depositor. */
export function explainError(error: unknown, interfaces: readonly Interface[], symbolOf: SymbolOf): Explained {
  if (isUserRejection(error)) {
    return {
      kind: "rejected",
      title: "Request declined",
      sentence: "You declined it in your wallet; nothing was sent.",
    };
  }
  const data = revertData(error);
  if (data) return explainRevert(decodeRevertData(data, interfaces), symbolOf);
  return { kind: "other", title: "Something went wrong", sentence: errorMessage(error).split("\n")[0] };
}
