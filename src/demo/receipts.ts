/** Sending and reading transactions: what the scenario's actors share. */
import type {
  ContractTransactionReceipt,
  ContractTransactionResponse,
  Interface,
  Log,
  TransactionReceipt,
} from "ethers";

export async function mined(sent: Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
  const receipt = await (await sent).wait();
  if (!receipt) throw new Error("transaction was not mined");
  return receipt;
}

/** The logs of `address` in a receipt, parsed by `iface` (unknown events skipped). */
export function parsedLogs(receipt: TransactionReceipt, address: string, iface: Interface) {
  const target = address.toLowerCase();
  return receipt.logs
    .filter((log: Log) => log.address.toLowerCase() === target)
    .map((log: Log) => iface.parseLog(log))
    .filter((parsed) => parsed !== null);
}

/** The message of an error, first line only (a revert reason, not a stack). */
export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0].slice(0, 200);
}
