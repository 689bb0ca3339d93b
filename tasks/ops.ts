/**
 * Operator tasks for a Ballast vault, for users without a UI: `status`, `deposit`, `redeem`,
 * `redeem-in-kind` and `rebalance`. Each declares its parameters here and runs its command in
 * `src/cli/ops.ts`, which scripts/<task>.ts runs too; `npx hardhat <task> --help` lists the parameters.
 *
 * This file loads with hardhat.config.ts, before typechain-types exist on a clean clone: `src/cli/ops`
 * (which imports them) is imported inside each action, never at the top.
 */
import { task } from "hardhat/config";

import type { DepositArgs, InKindArgs, RebalanceArgs, RedeemArgs, StatusArgs } from "../src/cli/ops";

export const VAULT_PARAM = "the Ballast vault's address (default: the BALLAST_VAULT environment variable)";
export const FROM_PARAM =
  "the signing account: an address or an index into the network's accounts (default: the first, i.e. DEPLOYER_PRIVATE_KEY on live networks)";

const cli = () => import("../src/cli/ops");

task(
  "status",
  "Shows a vault's NAV, share price, weights vs targets, rebalance trigger, breaker, cost/benefit and fees",
)
  .addOptionalParam("vault", VAULT_PARAM)
  .addFlag("json", "print the status as JSON (integers as strings, in raw units) instead of text")
  .setAction(async (args: StatusArgs, hre) => (await cli()).statusCommand(hre, args));

task("deposit", "Deposits the base asset (approving exactly the amount if the allowance is short) for vault shares")
  .addParam("amount", "how much of the base asset, in whole tokens (e.g. 1000.5 for 1,000.5 USDC)")
  .addOptionalParam("vault", VAULT_PARAM)
  .addOptionalParam("receiver", "who receives the shares (default: the signer)")
  .addOptionalParam(
    "minShares",
    "refuse unless at least this many shares (whole shares, e.g. 999.5) are issued; default: what previewDeposit gives now",
  )
  .addOptionalParam("from", FROM_PARAM)
  .setAction(async (args: DepositArgs, hre) => (await cli()).depositCommand(hre, args));

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
  .setAction(async (args: RedeemArgs, hre) => (await cli()).redeemCommand(hre, args));

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
  .setAction(async (args: InKindArgs, hre) => (await cli()).redeemInKindCommand(hre, args));

task(
  "rebalance",
  "Runs the permissionless rebalance through the vault's rebalancer when its policy says one is due; else says why not and until when",
)
  .addOptionalParam("vault", VAULT_PARAM)
  .addOptionalParam("from", FROM_PARAM)
  .setAction(async (args: RebalanceArgs, hre) => (await cli()).rebalanceCommand(hre, args));
