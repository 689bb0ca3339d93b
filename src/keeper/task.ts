/**
 * The `keeper` Hardhat task's action (tasks/keeper.ts loads this lazily: it imports typechain-types,
 * which do not exist before the first compile).
 */
import { HDNodeWallet, JsonRpcProvider, Wallet, WebSocketProvider } from "ethers";
import type { Provider, Signer } from "ethers";
import type { HardhatRuntimeEnvironment, NetworkConfig } from "hardhat/types";

import { parseKeeperTaskArgs } from "./config";
import type { KeeperTaskArgs } from "./config";
import { KeeperConfigError } from "./errors";
import { jsonLogger } from "./logger";
import type { KeeperLogger } from "./logger";
import { runKeeper } from "./run";
import type { SignalSource } from "./run";
import type { CycleResult } from "./types";

export interface KeeperTaskArgsWithPositional extends KeeperTaskArgs {
  /** Vault addresses given as positional arguments, after the flags. */
  vaults?: string[];
}

/** The private key behind account `index` of a network's config, when the config holds keys (a list or a mnemonic). */
function privateKeyOf(config: NetworkConfig, index: number): string | undefined {
  const accounts = config.accounts;
  if (accounts === "remote") return undefined;
  if (Array.isArray(accounts)) {
    const entry: unknown = accounts[index];
    if (typeof entry === "string") return entry;
    if (entry !== null && typeof entry === "object" && "privateKey" in entry) return String(entry.privateKey);
    return undefined;
  }
  const wallet = HDNodeWallet.fromPhrase(
    accounts.mnemonic,
    accounts.passphrase,
    `${accounts.path}/${accounts.initialIndex + index}`,
  );
  return wallet.privateKey;
}

async function pickSigner(
  hre: HardhatRuntimeEnvironment,
  choice: number | string,
): Promise<{ signer: Signer | undefined; index: number }> {
  const signers = await hre.ethers.getSigners();
  if (typeof choice === "number") return { signer: signers[choice], index: choice };
  const index = signers.findIndex((s) => s.address.toLowerCase() === choice.toLowerCase());
  if (index < 0) throw new KeeperConfigError(`--signer ${choice} is not an account of network ${hre.network.name}`);
  return { signer: signers[index], index };
}

/** Runs the keeper as the task's arguments say; returns each vault's result with `--once`. */
export async function keeperTaskAction(
  args: KeeperTaskArgsWithPositional,
  hre: HardhatRuntimeEnvironment,
  extra: { logger?: KeeperLogger; signals?: SignalSource } = {},
): Promise<CycleResult[]> {
  const vault = [args.vault, ...(args.vaults ?? [])].filter((v): v is string => v !== undefined && v !== "").join(",");
  const parsed = parseKeeperTaskArgs({ ...args, vault: vault === "" ? undefined : vault });
  const logger = extra.logger ?? jsonLogger({ minLevel: parsed.logLevel });
  const provider = hre.ethers.provider;
  const picked = await pickSigner(hre, parsed.signer);
  let signer: Signer | undefined = picked.signer;
  if (!signer && !parsed.options.dryRun) {
    throw new KeeperConfigError(
      `no account ${String(parsed.signer)} on network ${hre.network.name}: set DEPLOYER_PRIVATE_KEY, or use --dry-run`,
    );
  }
  let sendProvider: Provider | undefined;
  if (parsed.privateRpcUrl !== undefined && !parsed.options.dryRun) {
    // A private RPC takes signed raw transactions: sign with the key itself, not via the node.
    const key = privateKeyOf(hre.network.config, picked.index);
    if (key === undefined) {
      throw new KeeperConfigError(
        `--private-rpc needs network ${hre.network.name}'s account ${picked.index} as a private key or mnemonic`,
      );
    }
    const chainId = (await provider.getNetwork()).chainId;
    sendProvider = /^wss?:/.test(parsed.privateRpcUrl)
      ? new WebSocketProvider(parsed.privateRpcUrl, chainId)
      : new JsonRpcProvider(parsed.privateRpcUrl, chainId, { staticNetwork: true });
    signer = new Wallet(key, provider);
  }
  try {
    return await runKeeper({
      ...parsed.options,
      provider,
      signer,
      sendProvider,
      logger,
      once: parsed.once,
      signals: extra.signals,
    });
  } finally {
    await sendProvider?.destroy();
  }
}
