/**
 * The one revert decoder of the project: the operator tasks (src/ops), the keeper and the web app
 * (app/) all name a failed call with it. Pure ethers, no typechain and no Node API, so that the
 * Hardhat task files can load it before typechain-types exist and the browser bundle can import it.
 */
import { AbiCoder, dataSlice, isCallException, isHexString } from "ethers";
import type { ErrorDescription, Interface } from "ethers";

/** `Error(string)` and `Panic(uint256)`, which no contract ABI lists. */
const ERROR_STRING = "0x08c379a0";
const PANIC = "0x4e487b71";

/** A revert, decoded: its name and arguments, and the fragment when an ABI knew it. */
export interface DecodedRevert {
  /** `BallastPriceUnavailable`, `Error`, `Panic`, or `unknown`. */
  name: string;
  args: readonly unknown[];
  /** The selector (first four bytes of the data). */
  selector: string;
  /** `BallastPriceUnavailable(0x...)`. */
  text: string;
  description?: ErrorDescription;
}

/** Revert data: a hex string of at least a selector. */
function isRevertHex(value: unknown): value is string {
  return typeof value === "string" && isHexString(value) && value.length >= 10 && value.length % 2 === 0;
}

/**
 * The revert data carried by an ethers, EIP-1193 or Hardhat provider error, if any. Walks the
 * wrappers (ethers' `info.error`, `error`, `cause`) without looping on cycles; the data sits on
 * the error itself or, from EIP-1193 wallets and Hardhat's JSON-RPC server, one level down in
 * `data.data`.
 */
export function revertData(error: unknown): string | undefined {
  if (isCallException(error) && isRevertHex(error.data)) return error.data;
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== null && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const candidate = current as { data?: unknown; error?: unknown; info?: { error?: unknown }; cause?: unknown };
    if (isRevertHex(candidate.data)) return candidate.data;
    if (candidate.data !== null && typeof candidate.data === "object") {
      const nested = (candidate.data as { data?: unknown }).data;
      if (isRevertHex(nested)) return nested;
    }
    current = candidate.error ?? candidate.info?.error ?? candidate.cause;
  }
  return undefined;
}

/** Decodes revert data against the first ABI that knows its selector. */
export function decodeRevertData(data: string, interfaces: readonly Interface[]): DecodedRevert {
  const selector = dataSlice(data, 0, 4);
  if (selector === ERROR_STRING) {
    const [reason] = AbiCoder.defaultAbiCoder().decode(["string"], dataSlice(data, 4));
    return { name: "Error", args: [String(reason)], selector, text: `Error("${String(reason)}")` };
  }
  if (selector === PANIC) {
    const [code] = AbiCoder.defaultAbiCoder().decode(["uint256"], dataSlice(data, 4));
    return { name: "Panic", args: [code], selector, text: `Panic(0x${(code as bigint).toString(16)})` };
  }
  for (const iface of interfaces) {
    const parsed = iface.parseError(data);
    if (parsed) {
      const args = [...parsed.args];
      return {
        name: parsed.name,
        args,
        selector,
        text: `${parsed.name}(${args.map((arg) => String(arg)).join(", ")})`,
        description: parsed,
      };
    }
  }
  return { name: "unknown", args: [], selector, text: `unknown error ${selector}` };
}

/** Names a revert: `BallastParameterOutOfRange(0, 501, 1, 500)` from the first ABI that knows it. */
export function decodeRevert(data: string, interfaces: readonly Interface[]): string {
  return decodeRevertData(data, interfaces).text;
}

/** The error's own short message (ethers' `shortMessage` when it has one). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return (error as Error & { shortMessage?: string }).shortMessage ?? error.message;
  if (error !== null && typeof error === "object" && typeof (error as { message?: unknown }).message === "string") {
    return (error as { message: string }).message;
  }
  return String(error);
}

/** A readable reason for a failed call or transaction: the decoded revert, else the error's own message. */
export function describeError(error: unknown, interfaces: readonly Interface[]): string {
  const data = revertData(error);
  if (data) return decodeRevert(data, interfaces);
  return errorMessage(error);
}

/**
 * Whether the user turned the request down in their wallet: EIP-1193's 4001, which ethers v6
 * wraps as `ACTION_REJECTED` (the original under `info.error`).
 */
export function isUserRejection(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== null && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const { code } = current as { code?: unknown };
    if (code === 4001 || code === "ACTION_REJECTED") return true;
    const next = current as { error?: unknown; cause?: unknown; info?: { error?: unknown } };
    current = next.error ?? next.info?.error ?? next.cause;
  }
  return false;
}
