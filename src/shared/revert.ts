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

/** The revert data carried by an ethers, EIP-1193 or Hardhat provider error, if any. */
export function revertData(error: unknown): string | undefined {
  if (isCallException(error) && typeof error.data === "string" && error.data !== "0x") return error.data;
  // Provider errors carry the data on the error, on its `data` object (EIP-1193 wallets) or on its
  // cause (Hardhat, ethers' wrapping of a wallet error in `error` / `info.error`).
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === "object"; depth++) {
    const data = (current as { data?: unknown }).data;
    if (typeof data === "string" && isHexString(data) && data.length >= 10) return data;
    if (data !== null && typeof data === "object") {
      const nested = (data as { data?: unknown }).data;
      if (typeof nested === "string" && isHexString(nested) && nested.length >= 10) return nested;
    }
    const next = current as { error?: unknown; cause?: unknown; info?: { error?: unknown } };
    current = next.error ?? next.info?.error ?? next.cause;
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
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === "object"; depth++) {
    const { code } = current as { code?: unknown };
    if (code === 4001 || code === "ACTION_REJECTED") return true;
    const next = current as { error?: unknown; cause?: unknown; info?: { error?: unknown } };
    current = next.error ?? next.info?.error ?? next.cause;
  }
  return false;
}
