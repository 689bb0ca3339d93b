/** Sending an operator command's transaction. */
import type { TransactionReceipt } from "ethers";

import { errorInterfaces } from "../shared/abis";
import { describeError } from "../shared/revert";

/**
 * Sends a transaction and waits for it to be mined. A failure comes back as an error naming the
 * command and, for a revert, the contract's error (`deposit failed: BallastPriceUnavailable(0x…)`).
 */
export async function sendAndWait<R extends TransactionReceipt>(
  what: string,
  sent: () => Promise<{ wait(): Promise<R | null> }>,
): Promise<R> {
  let receipt: R | null;
  try {
    receipt = await (await sent()).wait();
  } catch (error) {
    throw new Error(`${what} failed: ${describeError(error, errorInterfaces())}`, { cause: error });
  }
  if (!receipt) throw new Error(`${what}: the transaction was not mined`);
  return receipt;
}
