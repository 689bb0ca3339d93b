/** Connecting to a vault (checked to be one, with its rebalancer) and choosing the signer of a command. */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { getAddress, isAddress, ZeroAddress } from "ethers";
import type { ContractRunner, Interface, Provider } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import {
  BallastBreakers__factory,
  BallastPolicy__factory,
  BallastRebalancer__factory,
  BallastVault__factory,
  IERC20Metadata__factory,
  TimelockController__factory,
} from "../../typechain-types";
import type { BallastBreakers, BallastPolicy, BallastRebalancer, BallastVault } from "../../typechain-types";

import { OpsInputError } from "./errors";
import { parseAddress } from "./units";

/** The environment variable that gives `--vault` its default. */
export const VAULT_ENV = "BALLAST_VAULT";

export interface TokenInfo {
  address: string;
  symbol: string;
  decimals: number;
}

export interface VaultContext {
  vault: BallastVault;
  address: string;
  name: string;
  symbol: string;
  /** Decimals of the vault's shares (18 whatever the base asset). */
  shareDecimals: number;
  /** The base asset (`asset()`, basket index 0). */
  asset: TokenInfo;
  /** The vault's rebalancer (`vault.rebalancer()`): rebalances and the status views. */
  rebalancer: BallastRebalancer;
  /**
   * The rebalancer's policy (`rebalancer.policy()`). It keeps its records (last rebalance,
   * volatility estimate) under the rebalancer's address, its caller, not the vault's.
   */
  policy: BallastPolicy;
  /** The rebalancer's circuit breakers (`rebalancer.breakers()`): a trip is kept under the rebalancer's address too. */
  breakers: BallastBreakers;
}

/** The vault address from `--vault`, else from BALLAST_VAULT, else an error saying so. */
export function vaultAddress(given?: string): string {
  const text = given ?? process.env[VAULT_ENV];
  if (!text) throw new OpsInputError(`no vault given: pass --vault <address> or set ${VAULT_ENV}`);
  return parseAddress(text, given ? "--vault" : VAULT_ENV);
}

function providerOf(runner: ContractRunner): Provider {
  if (!runner.provider) throw new OpsInputError("the signer has no provider: connect it to a network");
  return runner.provider;
}

/** Symbol and decimals of an ERC-20; a token without `symbol()` is named by its address. */
export async function tokenInfo(runner: ContractRunner, address: string): Promise<TokenInfo> {
  const token = IERC20Metadata__factory.connect(address, runner);
  const decimals = Number(await token.decimals());
  const symbol = await token.symbol().catch(() => `${address.slice(0, 8)}…`);
  return { address: getAddress(address), symbol, decimals };
}

/**
 * Connects to the Ballast vault at `address` and its rebalancer, after checking that a contract is
 * there, that it answers as a Ballast vault and that it names a rebalancer: a wrong address fails
 * here with its reason, not later as an opaque revert in the middle of a command.
 */
export async function connectVault(runner: ContractRunner, address: string): Promise<VaultContext> {
  const checked = parseAddress(address, "--vault");
  const provider = providerOf(runner);
  const network = await provider.getNetwork();
  if ((await provider.getCode(checked)) === "0x") {
    throw new OpsInputError(`no contract at --vault ${checked} on ${network.name} (chain ${network.chainId})`);
  }
  const vault = BallastVault__factory.connect(checked, runner);
  let assetAddress: string;
  let rebalancerAddress: string;
  try {
    [assetAddress, rebalancerAddress] = await Promise.all([vault.asset(), vault.rebalancer(), vault.basketTokens()]);
  } catch {
    throw new OpsInputError(
      `--vault ${checked} is not a Ballast vault (asset(), rebalancer() or basketTokens() failed)`,
    );
  }
  if (rebalancerAddress === ZeroAddress) {
    throw new OpsInputError(`--vault ${checked} has no rebalancer yet: governance has not called setRebalancer`);
  }
  const rebalancer = BallastRebalancer__factory.connect(rebalancerAddress, runner);
  let policyAddress: string;
  let breakersAddress: string;
  try {
    [policyAddress, breakersAddress] = await Promise.all([rebalancer.policy(), rebalancer.breakers()]);
  } catch {
    throw new OpsInputError(
      `--vault ${checked} names ${rebalancerAddress} as its rebalancer, which does not answer policy() and breakers()`,
    );
  }
  const [name, symbol, shareDecimals, asset] = await Promise.all([
    vault.name(),
    vault.symbol(),
    vault.decimals(),
    tokenInfo(runner, assetAddress),
  ]);
  return {
    vault,
    address: checked,
    name,
    symbol,
    shareDecimals: Number(shareDecimals),
    asset,
    rebalancer,
    policy: BallastPolicy__factory.connect(policyAddress, runner),
    breakers: BallastBreakers__factory.connect(breakersAddress, runner),
  };
}

/**
 * The account that signs: `--from` as an address or an index into the network's accounts, by
 * default the first (the DEPLOYER_PRIVATE_KEY account on live networks).
 */
export async function resolveSigner(hre: HardhatRuntimeEnvironment, from?: string): Promise<HardhatEthersSigner> {
  const signers = await hre.ethers.getSigners();
  if (signers.length === 0) {
    throw new OpsInputError(`no account configured for network ${hre.network.name}: set DEPLOYER_PRIVATE_KEY`);
  }
  if (from === undefined) return signers[0];
  if (/^\d+$/.test(from)) {
    const signer = signers[Number(from)];
    if (!signer) throw new OpsInputError(`--from ${from}: network ${hre.network.name} has ${signers.length} accounts`);
    return signer;
  }
  if (!isAddress(from)) throw new OpsInputError(`--from "${from}" is neither an address nor an account index`);
  const signer = signers.find((s) => s.address.toLowerCase() === from.toLowerCase());
  if (!signer) {
    throw new OpsInputError(`--from ${from} is not one of the accounts configured for network ${hre.network.name}`);
  }
  return signer;
}

/** The `--target` keywords: the vault's contracts, found from the vault. */
export const VAULT_TARGETS = ["vault", "rebalancer", "policy", "breakers"] as const;

/** A contract the commands know by keyword: one of the vault's, or the timelock. */
export type KnownLabel = (typeof VAULT_TARGETS)[number] | "timelock";

/** The ABI of each contract the commands know by keyword, to encode and decode calls to it. */
export function knownInterfaces(): Record<KnownLabel, Interface> {
  return {
    vault: BallastVault__factory.createInterface(),
    rebalancer: BallastRebalancer__factory.createInterface(),
    policy: BallastPolicy__factory.createInterface(),
    breakers: BallastBreakers__factory.createInterface(),
    timelock: TimelockController__factory.createInterface(),
  };
}
