/**
 * Safe{Wallet} Transaction Builder batch files: what `gov:propose --safe` and `gov:execute --safe`
 * write for a governance run by a Safe multisig (the timelock's proposer and executor). The signers
 * load the file in the Transaction Builder app (Apps > Transaction Builder > drag and drop), review,
 * sign and execute it as one Safe transaction.
 *
 * Format (safe-react-apps `apps/tx-builder`, models.ts): `{version: "1.0", chainId, createdAt,
 * meta: {name, description, txBuilderVersion, createdFromSafeAddress, createdFromOwnerAddress,
 * checksum}, transactions: [{to, value, data, contractMethod, contractInputsValues}]}`. Every
 * transaction carries its exact calldata in `data`, which the builder uses as given; `contractMethod`
 * and `contractInputsValues` describe the same call for reviewers.
 */
import { writeFileSync } from "node:fs";

import { keccak256, toUtf8Bytes } from "ethers";

/** The Transaction Builder version whose format these files follow. */
export const TX_BUILDER_VERSION = "1.18.0";

export interface SafeMethodInput {
  internalType: string;
  name: string;
  type: string;
}

export interface SafeTransaction {
  to: string;
  /** Wei, decimal string. */
  value: string;
  data: string;
  contractMethod: { inputs: SafeMethodInput[]; name: string; payable: boolean };
  /** Each input as a string; arrays as JSON arrays of strings. */
  contractInputsValues: Record<string, string>;
}

export interface SafeBatchFile {
  version: "1.0";
  chainId: string;
  /** Milliseconds since 1970. */
  createdAt: number;
  meta: {
    name: string;
    description: string;
    txBuilderVersion: string;
    createdFromSafeAddress: string;
    createdFromOwnerAddress: string;
    checksum: string;
  };
  transactions: SafeTransaction[];
}

/** An ABI entry as typechain factories ship it (`X__factory.abi`). */
export interface AbiEntry {
  readonly type: string;
  readonly name?: string;
  readonly stateMutability?: string;
  readonly inputs?: readonly { readonly name: string; readonly type: string; readonly internalType?: string }[];
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * The builder's checksum: keccak256 of its canonical serialisation (keys sorted, each object written
 * as `{["k1","k2"]v1,v2,}`) of the file with `meta.name` set to null and without the checksum itself,
 * so that renaming a batch keeps its checksum. The builder warns when a loaded file's checksum does
 * not match its content.
 */
export function safeBatchChecksum(
  file: Omit<SafeBatchFile, "meta"> & { meta: Partial<SafeBatchFile["meta"]> },
): string {
  const meta: Record<string, Json> = { ...(file.meta as Record<string, Json>), name: null };
  delete meta.checksum;
  return keccak256(toUtf8Bytes(serialize({ ...(file as unknown as Record<string, Json>), meta })));
}

function serialize(json: Json): string {
  if (Array.isArray(json)) return `[${json.map(serialize).join(",")}]`;
  if (json !== null && typeof json === "object") {
    const keys = Object.keys(json).sort();
    return `{${JSON.stringify(keys)}${keys.map((key) => `${serialize(json[key])},`).join("")}}`;
  }
  return JSON.stringify(json);
}

/** A value as the builder's input fields hold it: decimal numbers, hex bytes, arrays as JSON. */
function inputValue(value: unknown): string {
  if (Array.isArray(value)) return JSON.stringify(value.map(inputValue));
  return typeof value === "bigint" ? value.toString() : String(value);
}

/** One call of `functionName` on `to`, described with the ABI's input names and types. */
export function safeTransaction(
  abi: readonly AbiEntry[],
  to: string,
  functionName: string,
  args: readonly unknown[],
  data: string,
  value = 0n,
): SafeTransaction {
  const entry = abi.find((e) => e.type === "function" && e.name === functionName);
  if (!entry?.inputs) throw new Error(`ABI has no function ${functionName}`);
  const inputs = entry.inputs.map((input) => ({
    internalType: input.internalType ?? input.type,
    name: input.name,
    type: input.type,
  }));
  return {
    to,
    value: value.toString(),
    data,
    contractMethod: { inputs, name: functionName, payable: entry.stateMutability === "payable" },
    contractInputsValues: Object.fromEntries(inputs.map((input, i) => [input.name, inputValue(args[i])])),
  };
}

/** A batch file with its checksum. */
export function safeBatchFile(options: {
  chainId: bigint;
  name: string;
  description: string;
  safeAddress?: string;
  ownerAddress?: string;
  transactions: SafeTransaction[];
  createdAt?: number;
}): SafeBatchFile {
  const file = {
    version: "1.0" as const,
    chainId: options.chainId.toString(),
    createdAt: options.createdAt ?? Date.now(),
    meta: {
      name: options.name,
      description: options.description,
      txBuilderVersion: TX_BUILDER_VERSION,
      createdFromSafeAddress: options.safeAddress ?? "",
      createdFromOwnerAddress: options.ownerAddress ?? "",
    },
    transactions: options.transactions,
  };
  return { ...file, meta: { ...file.meta, checksum: safeBatchChecksum(file) } };
}

/** Writes a batch file, pretty-printed as the builder's own downloads are. */
export function writeSafeBatch(path: string, file: SafeBatchFile): void {
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
}
