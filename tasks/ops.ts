/**
 * Operator tasks for a Ballast vault, for users without a UI: `status`, `deposit`, `redeem`,
 * `redeem-in-kind` and `rebalance`. Each parses and checks its parameters, calls the
 * functions of `src/ops` and prints what happened; `npx hardhat <task> --help` lists the parameters.
 *
 * This file loads with hardhat.config.ts, before typechain-types exist on a clean clone: `src/ops`
 * (which imports them) is imported inside each action, never at the top.
 */
import { task } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";

import { OpsInputError } from "../src/ops/errors";

const PLUGIN = "ballast";

export const VAULT_PARAM = "the Ballast vault's address (default: the BALLAST_VAULT environment variable)";
export const FROM_PARAM =
  "the signing account: an address or an index into the network's accounts (default: the first, i.e. DEPLOYER_PRIVATE_KEY on live networks)";

/** Bad input is reported as a plugin error: Hardhat prints its message without a stack trace. */
export async function reportInputErrors<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof OpsInputError) throw new HardhatPluginError(PLUGIN, error.message, error);
    throw error;
  }
}

interface StatusArgs {
  vault?: string;
  json: boolean;
}

task(
  "status",
  "Shows a vault's NAV, share price, weights vs targets, rebalance trigger, breaker, cost/benefit and fees",
)
  .addOptionalParam("vault", VAULT_PARAM)
  .addFlag("json", "print the status as JSON (integers as strings, in raw units) instead of text")
  .setAction(async (args: StatusArgs, hre) =>
    reportInputErrors(async () => {
      const ops = await import("../src/ops");
      const status = await ops.readStatus(hre.ethers.provider, ops.vaultAddress(args.vault));
      console.log(args.json ? ops.toJson(status) : ops.renderStatus(status));
      return status;
    }),
  );

interface DepositArgs {
  vault?: string;
  amount: string;
  receiver?: string;
  minShares?: string;
  from?: string;
}

task("deposit", "Deposits the base asset (approving exactly the amount if the allowance is short) for vault shares")
  .addParam("amount", "how much of the base asset, in whole tokens (e.g. 1000.5 for 1,000.5 USDC)")
  .addOptionalParam("vault", VAULT_PARAM)
  .addOptionalParam("receiver", "who receives the shares (default: the signer)")
  .addOptionalParam(
    "minShares",
    "refuse unless at least this many shares (whole shares, e.g. 999.5) are issued; default: what previewDeposit gives now",
  )
  .addOptionalParam("from", FROM_PARAM)
  .setAction(async (args: DepositArgs, hre) =>
    reportInputErrors(async () => {
      const ops = await import("../src/ops");
      const signer = await ops.resolveSigner(hre, args.from);
      const result = await ops.deposit(signer, { ...args, vault: ops.vaultAddress(args.vault) });
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
      return result;
    }),
  );

interface RedeemArgs {
  vault?: string;
  shares?: string;
  all: boolean;
  receiver?: string;
  minAssets?: string;
  from?: string;
}

task(
  "redeem",
  "Redeems vault shares for the base asset (the vault sells slices of the other assets at oracle-bounded prices)",
)
  .addOptionalParam("shares", "how many shares, in whole shares (e.g. 12.5); or use --all")
  .addFlag("all", "redeem every share the signer holds")
  .addOptionalParam("vault", VAULT_PARAM)
  .addOptionalParam("receiver", "who receives the base asset (default: the signer)")
  .addOptionalParam(
    "minAssets",
    "refuse unless at least this much base asset (whole tokens) is guaranteed; default: what previewRedeem gives now",
  )
  .addOptionalParam("from", FROM_PARAM)
  .setAction(async (args: RedeemArgs, hre) =>
    reportInputErrors(async () => {
      const ops = await import("../src/ops");
      const signer = await ops.resolveSigner(hre, args.from);
      const result = await ops.redeem(signer, { ...args, vault: ops.vaultAddress(args.vault) });
      console.log(
        `redeemed ${ops.formatAmount(result.shares, 18)} shares for ` +
          `${ops.formatAmount(result.assets, result.asset.decimals)} ${result.asset.symbol} ` +
          `(guaranteed ${ops.formatAmount(result.previewAssets, result.asset.decimals)}) to ${result.receiver} (tx ${result.tx})`,
      );
      return result;
    }),
  );

interface InKindArgs {
  vault?: string;
  shares?: string;
  all: boolean;
  receiver?: string;
  forfeit?: string;
  from?: string;
}

task(
  "redeem-in-kind",
  "Redeems vault shares for a pro-rata slice of every basket token: no oracle, no swap, always open",
)
  .addOptionalParam("shares", "how many shares, in whole shares (e.g. 12.5); or use --all")
  .addFlag("all", "redeem every share the signer holds")
  .addOptionalParam("vault", VAULT_PARAM)
  .addOptionalParam("receiver", "who receives the tokens (default: the signer)")
  .addOptionalParam(
    "forfeit",
    "basket tokens to leave in the vault, comma-separated (for a token that refuses the transfer)",
  )
  .addOptionalParam("from", FROM_PARAM)
  .setAction(async (args: InKindArgs, hre) =>
    reportInputErrors(async () => {
      const ops = await import("../src/ops");
      const signer = await ops.resolveSigner(hre, args.from);
      const result = await ops.redeemInKind(signer, { ...args, vault: ops.vaultAddress(args.vault) });
      console.log(
        `redeemed ${ops.formatAmount(result.shares, 18)} shares in kind to ${result.receiver} (tx ${result.tx}):`,
      );
      for (const a of result.amounts)
        console.log(`  ${ops.formatAmount(a.amount, a.decimals, a.decimals)} ${a.symbol}`);
      for (const f of result.forfeited)
        console.log(
          `  forfeited ${ops.formatAmount(f.amount, f.decimals, f.decimals)} ${f.symbol} (left in the vault)`,
        );
      return result;
    }),
  );

interface VaultOnlyArgs {
  vault?: string;
  from?: string;
}

task(
  "rebalance",
  "Runs the permissionless rebalance through the vault's rebalancer when its policy says one is due; else says why not and until when",
)
  .addOptionalParam("vault", VAULT_PARAM)
  .addOptionalParam("from", FROM_PARAM)
  .setAction(async (args: VaultOnlyArgs, hre) =>
    reportInputErrors(async () => {
      const ops = await import("../src/ops");
      const signer = await ops.resolveSigner(hre, args.from);
      const result = await ops.rebalance(signer, { vault: ops.vaultAddress(args.vault) });
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
      return result;
    }),
  );
