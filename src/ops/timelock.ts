/**
 * The TimelockController that administers a vault, its rebalancer, policy and breakers: found from
 * the vault (or given), connected with the contracts it governs, and asked about operations and
 * roles. The calls it runs are in ./calls.ts, the proposals in ./governance.ts.
 */
import { getAddress, ZeroAddress, ZeroHash } from "ethers";
import type { ContractRunner, Interface, Provider } from "ethers";

import { BallastVault__factory, TimelockController__factory } from "../../typechain-types";
import type { TimelockController } from "../../typechain-types";

import { connectVault, knownInterfaces, VAULT_TARGETS } from "./context";
import type { KnownLabel } from "./context";
import { OpsInputError } from "./errors";
import { parseAddress } from "./units";

/** `TimelockController.OperationState`. */
export const OPERATION_STATES = ["Unset", "Waiting", "Ready", "Done"] as const;
export type OperationState = (typeof OPERATION_STATES)[number];

/** A contract the governance commands know by keyword, with its ABI. */
export interface KnownContract {
  label: KnownLabel;
  address: string;
  iface: Interface;
}

export interface GovernanceContext {
  runner: ContractRunner;
  provider: Provider;
  chainId: bigint;
  timelock: TimelockController;
  timelockAddress: string;
  /**
   * Vault, its rebalancer and the rebalancer's policy and breakers (when a vault was given) and
   * timelock: `--target` keywords and decoding.
   */
  known: KnownContract[];
  /** First block searched for events (RoleGranted, CallScheduled). */
  fromBlock: number;
}

export interface GovernanceOptions {
  /** The vault (enables the `vault`, `rebalancer`, `policy` and `breakers` targets and timelock discovery). */
  vault?: string;
  /** The TimelockController; discovered from the vault's admin when absent. */
  timelock?: string;
  /** First block to search for events (default 0; set it on live nodes that limit log ranges). */
  fromBlock?: number;
}

const DEFAULT_ADMIN_ROLE = ZeroHash;

async function hasCode(provider: Provider, address: string): Promise<boolean> {
  return (await provider.getCode(address)) !== "0x";
}

/** Whether `address` answers as a TimelockController. */
async function isTimelock(runner: ContractRunner, address: string): Promise<boolean> {
  try {
    await TimelockController__factory.connect(address, runner).getMinDelay();
    await TimelockController__factory.connect(address, runner).PROPOSER_ROLE();
    return true;
  } catch {
    return false;
  }
}

/**
 * The timelock that administers the vault: AccessControl cannot enumerate role members, so the
 * vault's `RoleGranted(DEFAULT_ADMIN_ROLE)` events give the candidates; those still holding the role
 * that answer as a TimelockController qualify. Exactly one must.
 */
export async function discoverTimelock(runner: ContractRunner, vaultAddress: string, fromBlock = 0): Promise<string> {
  const vault = BallastVault__factory.connect(vaultAddress, runner);
  const grants = await vault.queryFilter(vault.filters.RoleGranted(DEFAULT_ADMIN_ROLE), fromBlock);
  const admins = [...new Set(grants.map((event) => getAddress(event.args.account)))];
  const current: string[] = [];
  for (const admin of admins) if (await vault.hasRole(DEFAULT_ADMIN_ROLE, admin)) current.push(admin);
  const timelocks: string[] = [];
  for (const admin of current) if (await isTimelock(runner, admin)) timelocks.push(admin);
  if (timelocks.length === 1) return timelocks[0];
  if (timelocks.length === 0) {
    throw new OpsInputError(
      `no TimelockController holds the vault's DEFAULT_ADMIN_ROLE (admins found from block ${fromBlock}: ` +
        `${current.join(", ") || "none"}): pass --timelock <address>`,
    );
  }
  throw new OpsInputError(`several timelocks administer the vault (${timelocks.join(", ")}): pass --timelock`);
}

/** Connects to the timelock (given, or discovered from the vault) and the contracts it governs. */
export async function governanceContext(
  runner: ContractRunner,
  options: GovernanceOptions,
): Promise<GovernanceContext> {
  const provider = runner.provider;
  if (!provider) throw new OpsInputError("the signer has no provider: connect it to a network");
  const fromBlock = options.fromBlock ?? 0;
  const interfaces = knownInterfaces();
  const known: KnownContract[] = [];
  if (options.vault !== undefined) {
    const ctx = await connectVault(runner, options.vault);
    const contracts = { vault: ctx.vault, rebalancer: ctx.rebalancer, policy: ctx.policy, breakers: ctx.breakers };
    for (const label of VAULT_TARGETS) {
      const address = getAddress(await contracts[label].getAddress());
      known.push({ label, address, iface: interfaces[label] });
    }
  }
  let timelockAddress: string;
  if (options.timelock !== undefined) {
    timelockAddress = parseAddress(options.timelock, "--timelock");
    if (!(await hasCode(provider, timelockAddress)))
      throw new OpsInputError(`no contract at --timelock ${timelockAddress}`);
    if (!(await isTimelock(runner, timelockAddress))) {
      throw new OpsInputError(`--timelock ${timelockAddress} is not a TimelockController (getMinDelay() failed)`);
    }
  } else if (known.length > 0) {
    timelockAddress = await discoverTimelock(runner, known[0].address, fromBlock);
  } else {
    throw new OpsInputError("pass --timelock <address>, or --vault (or BALLAST_VAULT) to find the vault's timelock");
  }
  known.push({ label: "timelock", address: timelockAddress, iface: interfaces.timelock });
  return {
    runner,
    provider,
    chainId: (await provider.getNetwork()).chainId,
    timelock: TimelockController__factory.connect(timelockAddress, runner),
    timelockAddress,
    known,
    fromBlock,
  };
}

/** Where an operation stands in the timelock. */
export async function operationState(ctx: GovernanceContext, id: string): Promise<OperationState> {
  return OPERATION_STATES[Number(await ctx.timelock.getOperationState(id))];
}

/** Refuses `account` without `role` on the timelock, saying how to go on (another signer, or a Safe file). */
export async function requireRole(
  ctx: GovernanceContext,
  role: "PROPOSER_ROLE" | "EXECUTOR_ROLE",
  account: string,
): Promise<void> {
  const roleId = await ctx.timelock[role]();
  // An executor role granted to address(0) opens execution to anyone.
  if (await ctx.timelock.hasRole(roleId, account)) return;
  if (role === "EXECUTOR_ROLE" && (await ctx.timelock.hasRole(roleId, ZeroAddress))) return;
  throw new OpsInputError(
    `${account} lacks ${role} on timelock ${ctx.timelockAddress}: sign with a ${role === "PROPOSER_ROLE" ? "proposer" : "executor"} ` +
      "(--from), or write the transaction for the proposers' Safe with --safe <file.json>",
  );
}

/** Checks that a Safe named as proposer (or executor) holds the role, before writing its file. */
export async function checkSafeRole(
  ctx: GovernanceContext,
  safeAddress: string,
  role: "PROPOSER_ROLE" | "EXECUTOR_ROLE",
): Promise<void> {
  await requireRole(ctx, role, parseAddress(safeAddress, "--safe-address")).catch((error: unknown) => {
    if (error instanceof OpsInputError) {
      throw new OpsInputError(`the Safe ${safeAddress} lacks ${role} on timelock ${ctx.timelockAddress}`);
    }
    throw error;
  });
}
