/**
 * Errors of the operator commands. Kept free of typechain imports: the Hardhat task files import
 * this module when the config loads, before `typechain-types/` exists on a clean clone.
 */
import { AbiCoder, dataSlice, isCallException, isHexString } from "ethers";
import type { Interface } from "ethers";

/**
 * Bad input or a refusal before any transaction is sent: an unknown vault, an amount with too many
 * decimals, a balance too small, a rebalance in cooldown, an operation not ready. The message names
 * the problem and, where there is one, the way out; the tasks print it without a stack trace.
 */
export class OpsInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OpsInputError";
  }
}

/** `Error(string)` and `Panic(uint256)`, which no contract ABI lists. */
const ERROR_STRING = "0x08c379a0";
const PANIC = "0x4e487b71";

/** The revert data carried by an ethers or provider error, if any. */
export function revertData(error: unknown): string | undefined {
  if (isCallException(error) && typeof error.data === "string" && error.data !== "0x") return error.data;
  // Hardhat's provider errors carry the data on the error or on its cause.
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === "object"; depth++) {
    const data = (current as { data?: unknown }).data;
    if (typeof data === "string" && isHexString(data) && data.length >= 10) return data;
    if (data !== null && typeof data === "object") {
      const nested = (data as { data?: unknown }).data;
      if (typeof nested === "string" && isHexString(nested) && nested.length >= 10) return nested;
    }
    current = (current as { error?: unknown; cause?: unknown }).error ?? (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Names a revert: `BallastParameterOutOfRange(0, 501, 1, 500)` from the first ABI that knows it. */
export function decodeRevert(data: string, interfaces: readonly Interface[]): string {
  const selector = dataSlice(data, 0, 4);
  if (selector === ERROR_STRING) {
    const [reason] = AbiCoder.defaultAbiCoder().decode(["string"], dataSlice(data, 4));
    return `Error("${String(reason)}")`;
  }
  if (selector === PANIC) {
    const [code] = AbiCoder.defaultAbiCoder().decode(["uint256"], dataSlice(data, 4));
    return `Panic(0x${(code as bigint).toString(16)})`;
  }
  for (const iface of interfaces) {
    const parsed = iface.parseError(data);
    if (parsed) return `${parsed.name}(${parsed.args.map((arg: unknown) => String(arg)).join(", ")})`;
  }
  return `unknown error ${selector}`;
}

/** A readable reason for a failed call or transaction: the decoded revert, else the error's own message. */
export function describeError(error: unknown, interfaces: readonly Interface[]): string {
  const data = revertData(error);
  if (data) return decodeRevert(data, interfaces);
  if (error instanceof Error) return (error as Error & { shortMessage?: string }).shortMessage ?? error.message;
  return String(error);
}
