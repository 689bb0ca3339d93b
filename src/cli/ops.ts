/**
 * The operator commands (`status`, `deposit`, `redeem`, `redeem-in-kind`, `rebalance`): parameters
 * checked, `src/ops` called, the outcome printed and returned. The Hardhat tasks (tasks/ops.ts) and
 * the scripts (scripts/<command>.ts) both run these, so the two cannot drift apart.
 *
 * Imports typechain-types through `src/ops`: tasks load this module inside their actions.
 */
import type { Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import * as ops from "../ops";
import type { DepositResult, InKindResult, RebalanceResult, RedeemResult, VaultStatus } from "../ops";

import { reportInputErrors } from "./errors";

export interface StatusArgs {
  vault?: string;
  json: boolean;
}

export interface DepositArgs {
  vault?: string;
  amount: string;
  receiver?: string;
  minShares?: string;
  from?: string;
}

export interface RedeemArgs {
  vault?: string;
  shares?: string;
  all: boolean;
  receiver?: string;
  minAssets?: string;
  from?: string;
}

export interface InKindArgs {
  vault?: string;
  shares?: string;
  all: boolean;
  receiver?: string;
  forfeit?: string;
  from?: string;
}

export interface RebalanceArgs {
  vault?: string;
  from?: string;
}

export async function statusCommand(hre: HardhatRuntimeEnvironment, args: StatusArgs): Promise<VaultStatus> {
  return reportInputErrors(async () => {
    const status = await ops.readStatus(hre.ethers.provider, ops.vaultAddress(args.vault));
    console.log(args.json ? ops.toJson(status) : ops.renderStatus(status));
    return status;
  });
}

/**
 * A command that sends: the signer from --from, the vault from --vault (else BALLAST_VAULT); `send`
 * runs the flow in src/ops, `print` says what it did.
 */
async function sendingCommand<A extends { vault?: string; from?: string }, R>(
  hre: HardhatRuntimeEnvironment,
  args: A,
  send: (signer: Signer, options: A & { vault: string }) => Promise<R>,
  print: (result: R) => void,
): Promise<R> {
  return reportInputErrors(async () => {
    const signer = await ops.resolveSigner(hre, args.from);
    const result = await send(signer, { ...args, vault: ops.vaultAddress(args.vault) });
    print(result);
    return result;
  });
}

export async function depositCommand(hre: HardhatRuntimeEnvironment, args: DepositArgs): Promise<DepositResult> {
  return sendingCommand(hre, args, ops.deposit, (result) => {
    const { asset } = result;
    if (result.approvalTx) {
      console.log(
        `approved ${ops.formatAmount(result.assets, asset.decimals)} ${asset.symbol} (tx ${result.approvalTx})`,
      );
    }
    console.log(
      `deposited ${ops.formatAmount(result.assets, asset.decimals)} ${asset.symbol} for ` +
        `${ops.formatAmount(result.shares, 18)} shares to ${result.receiver} (tx ${result.tx})`,
    );
  });
}

export async function redeemCommand(hre: HardhatRuntimeEnvironment, args: RedeemArgs): Promise<RedeemResult> {
  return sendingCommand(hre, args, ops.redeem, (result) => {
    console.log(
      `redeemed ${ops.formatAmount(result.shares, 18)} shares for ` +
        `${ops.formatAmount(result.assets, result.asset.decimals)} ${result.asset.symbol} ` +
        `(guaranteed ${ops.formatAmount(result.previewAssets, result.asset.decimals)}) to ${result.receiver} (tx ${result.tx})`,
    );
  });
}

export async function redeemInKindCommand(hre: HardhatRuntimeEnvironment, args: InKindArgs): Promise<InKindResult> {
  return sendingCommand(hre, args, ops.redeemInKind, (result) => {
    console.log(
      `redeemed ${ops.formatAmount(result.shares, 18)} shares in kind to ${result.receiver} (tx ${result.tx}):`,
    );
    for (const a of result.amounts) console.log(`  ${ops.formatAmount(a.amount, a.decimals, a.decimals)} ${a.symbol}`);
    for (const f of result.forfeited)
      console.log(`  forfeited ${ops.formatAmount(f.amount, f.decimals, f.decimals)} ${f.symbol} (left in the vault)`);
  });
}

export async function rebalanceCommand(hre: HardhatRuntimeEnvironment, args: RebalanceArgs): Promise<RebalanceResult> {
  return sendingCommand(hre, args, ops.rebalance, (result) => {
    const o = result.outcome;
    const amount = (raw: bigint) => `${ops.formatAmount(raw, result.asset.decimals, 2)} ${result.asset.symbol}`;
    if (o.kind === "rebalanced") {
      console.log(
        `rebalanced (${result.statusBefore}): ${o.trades} swap(s), drift ${o.driftBeforeBps} -> ${o.driftAfterBps} bp, ` +
          `NAV ${amount(o.navBefore)} -> ${amount(o.navAfter)} (tx ${result.tx})`,
      );
    } else if (o.kind === "skipped") {
      console.log(
        `no trade: the cost gate skipped it (cost ${amount(o.cost)} > benefit ${amount(o.benefit)}) (tx ${result.tx})`,
      );
    } else {
      console.log(`no trade: the circuit breakers stopped it (${o.reason}, asset ${o.index}) (tx ${result.tx})`);
    }
  });
}
