/**
 * The one revert decoder of the project: the keeper, the operator tasks (src/ops), the scenarios
 * and the web app (app/) all find, name and describe a failed call with it. Pure ethers, no
 * typechain and no Node API, so that the Hardhat task files can load it before typechain-types
 * exist and the browser bundle can import it; the ABIs come from the caller (./abis.ts on Node,
 * app/src/chain/contracts.ts in the browser).
 */
import { AbiCoder, dataSlice, isCallException, isError, isHexString } from "ethers";
import type { ErrorDescription, Interface } from "ethers";

/** `Error(string)` and `Panic(uint256)`, which no contract ABI lists. */
const ERROR_STRING = "0x08c379a0";
const PANIC = "0x4e487b71";

/**
 * Uniswap V3's terse `require` reasons (core, and the periphery's TransferHelper), which a swap
 * of the vault's bubbles up as `Error(string)`: "SPL" alone tells an operator nothing.
 */
export const UNISWAP_REASONS: Readonly<Record<string, string>> = {
  LOK: "Uniswap V3: the pool is locked (reentrant call)",
  AS: "Uniswap V3: the swap amount is 0",
  SPL: "Uniswap V3: the swap's price limit is already crossed or out of range",
  IIA: "Uniswap V3: the swap callback paid less than the input",
  M0: "Uniswap V3: the mint callback did not pay token0",
  M1: "Uniswap V3: the mint callback did not pay token1",
  F0: "Uniswap V3: the flash loan of token0 was not repaid with its fee",
  F1: "Uniswap V3: the flash loan of token1 was not repaid with its fee",
  L: "Uniswap V3: the pool has no liquidity",
  TLU: "Uniswap V3: the lower tick is not below the upper tick",
  TLM: "Uniswap V3: the lower tick is below the minimum",
  TUM: "Uniswap V3: the upper tick is above the maximum",
  LO: "Uniswap V3: the liquidity per tick would overflow",
  LS: "Uniswap V3: liquidity subtraction underflow",
  LA: "Uniswap V3: liquidity addition overflow",
  NP: "Uniswap V3: no position liquidity to burn",
  AI: "Uniswap V3: the pool is already initialised",
  OLD: "Uniswap V3: the observation asked for is older than the oldest kept",
  T: "Uniswap V3: tick out of range",
  R: "Uniswap V3: sqrt price out of range",
  TF: "Uniswap TransferHelper: transfer failed",
  STF: "Uniswap TransferHelper: transferFrom failed (balance or allowance)",
  ST: "Uniswap TransferHelper: transfer failed",
  SA: "Uniswap TransferHelper: approve failed",
  STE: "Uniswap TransferHelper: ETH transfer failed",
};

/** A revert, decoded: its name and arguments, and the fragment when an ABI knew it. */
export interface DecodedRevert {
  /** `BallastPriceUnavailable`, `Error`, `Panic`, or `unknown` (no ABI knows the selector, or the data is malformed). */
  name: string;
  args: readonly unknown[];
  /** The selector (first four bytes of the data). */
  selector: string;
  /** The revert data as received. */
  data: string;
  /** `BallastPriceUnavailable(0x...)`; for an unknown selector, the selector and the raw data. */
  text: string;
  /** What a known string reason means (Uniswap's codes). */
  note?: string;
  description?: ErrorDescription;
}

/** Revert data: a hex string of at least a selector. */
function isRevertHex(value: unknown): value is string {
  return typeof value === "string" && isHexString(value) && value.length >= 10 && value.length % 2 === 0;
}

/**
 * Calls `visit` on `error` and on each error it wraps (ethers' `error` and `info.error`, `cause`),
 * without looping on cycles, until `visit` returns something.
 */
function walkError<T>(error: unknown, visit: (wrapper: Record<string, unknown>) => T | undefined): T | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== null && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const wrapper = current as Record<string, unknown> & { info?: { error?: unknown } };
    const found = visit(wrapper);
    if (found !== undefined) return found;
    current = wrapper.error ?? wrapper.info?.error ?? wrapper.cause;
  }
  return undefined;
}

/**
 * The revert data carried by an ethers, EIP-1193 or Hardhat provider error, if any. The data sits
 * on the error itself or, from EIP-1193 wallets and Hardhat's JSON-RPC server, one level down in
 * `data.data`.
 */
export function revertData(error: unknown): string | undefined {
  if (isCallException(error) && isRevertHex(error.data)) return error.data;
  return walkError(error, ({ data }) => {
    if (isRevertHex(data)) return data;
    const nested = data !== null && typeof data === "object" ? (data as { data?: unknown }).data : undefined;
    return isRevertHex(nested) ? nested : undefined;
  });
}

/** The error's own short message (ethers' `shortMessage` when it has one). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return (error as Error & { shortMessage?: string }).shortMessage ?? error.message;
  if (error !== null && typeof error === "object" && typeof (error as { message?: unknown }).message === "string") {
    return (error as { message: string }).message;
  }
  return String(error);
}

/** Whether `error` is a revert (the call ran and the contract said no), as opposed to a transport failure. */
export function isRevert(error: unknown): boolean {
  return isError(error, "CALL_EXCEPTION") || revertData(error) !== undefined || /revert/i.test(describeError(error));
}

function unknownRevert(data: string, selector: string): DecodedRevert {
  return { name: "unknown", args: [], selector, data, text: `unknown error ${selector} (data ${data})` };
}

/** `Error(string)` and `Panic(uint256)`, or undefined for any other selector. */
function decodeBuiltin(data: string, selector: string): DecodedRevert | undefined {
  if (selector === ERROR_STRING) {
    const reason = String(AbiCoder.defaultAbiCoder().decode(["string"], dataSlice(data, 4))[0]);
    const note = Object.hasOwn(UNISWAP_REASONS, reason) ? UNISWAP_REASONS[reason] : undefined;
    const text = `Error("${reason}")${note === undefined ? "" : ` (${note})`}`;
    return { name: "Error", args: [reason], selector, data, text, ...(note === undefined ? {} : { note }) };
  }
  if (selector === PANIC) {
    const code = AbiCoder.defaultAbiCoder().decode(["uint256"], dataSlice(data, 4))[0] as bigint;
    return { name: "Panic", args: [code], selector, data, text: `Panic(0x${code.toString(16)})` };
  }
  return undefined;
}

/**
 * Decodes revert data against the first ABI that knows its selector. Never throws: data no ABI
 * knows, or too short or malformed for the error its selector names, comes back as `unknown`
 * with the selector and the raw data.
 */
export function decodeRevertData(data: string, interfaces: readonly Interface[]): DecodedRevert {
  const received: unknown = data;
  if (!isRevertHex(received)) return unknownRevert(data, data.slice(0, 10));
  const selector = dataSlice(data, 0, 4);
  try {
    const builtin = decodeBuiltin(data, selector);
    if (builtin) return builtin;
    for (const iface of interfaces) {
      const parsed = iface.parseError(data);
      if (!parsed) continue;
      const args = [...parsed.args];
      const text = `${parsed.name}(${args.map((arg) => String(arg)).join(", ")})`;
      return { name: parsed.name, args, selector, data, text, description: parsed };
    }
  } catch {
    // The selector is known but the arguments do not decode: report it raw below.
  }
  return unknownRevert(data, selector);
}

/** Names a revert: `BallastParameterOutOfRange(0, 501, 1, 500)` from the first ABI that knows it. */
export function decodeRevert(data: string, interfaces: readonly Interface[]): string {
  return decodeRevertData(data, interfaces).text;
}

/**
 * A one-line description of anything thrown, for logs and messages: the decoded revert when the
 * error carries revert data, else its own message, after its code when it has one
 * (`SERVER_ERROR: down`), so that a log line says what kind of failure it was.
 */
export function describeError(error: unknown, interfaces: readonly Interface[] = []): string {
  const data = revertData(error);
  if (data) return decodeRevert(data, interfaces);
  const text = errorMessage(error);
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === "string" ? `${code}: ${text}` : text;
}

/**
 * Whether the user turned the request down in their wallet: EIP-1193's 4001, which ethers v6
 * wraps as `ACTION_REJECTED` (the original under `info.error`).
 */
export function isUserRejection(error: unknown): boolean {
  return walkError(error, ({ code }) => (code === 4001 || code === "ACTION_REJECTED" ? true : undefined)) ?? false;
}
