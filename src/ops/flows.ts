/**
 * The depositor's and keeper's commands: deposit, redeem (in the base asset or in kind) and
 * rebalance (sent to the vault's rebalancer). Each checks what the contracts would refuse before
 * sending, so that a mistake costs an error message rather than gas, and returns what the
 * transaction did, read from its events.
 */
import type { ContractTransactionReceipt, ContractTransactionResponse, Signer } from "ethers";

import { IERC20__factory } from "../../typechain-types";
import type { BallastVault } from "../../typechain-types";

import { connectVault, tokenInfo } from "./context";
import type { TokenInfo, VaultContext } from "./context";
import { OpsInputError } from "./errors";
import { sendAndWait as send } from "./send";
import { Status, statusName, Trip, tripName } from "../vault/enums";
import { formatAmount, formatDuration, formatTime, parseAddress, parseAmount } from "./units";

/** The typed events a vault emitted in one transaction. */
async function eventsOf<E extends keyof BallastVault["filters"]>(
  vault: BallastVault,
  name: E,
  receipt: ContractTransactionReceipt,
) {
  // queryFilter over the receipt's block gives typechain's typed `args`; the hash picks this tx.
  const filter = vault.filters[name];
  const events = await vault.queryFilter(filter, receipt.blockNumber, receipt.blockNumber);
  return events.filter((event) => event.transactionHash === receipt.hash);
}

/** What every flow starts from: the vault, the signer's address, and who gets the proceeds (default the signer). */
async function begin(
  signer: Signer,
  options: { vault: string; receiver?: string },
): Promise<{ ctx: VaultContext; account: string; receiver: string }> {
  const ctx = await connectVault(signer, options.vault);
  const account = await signer.getAddress();
  const receiver = options.receiver === undefined ? account : parseAddress(options.receiver, "--receiver");
  return { ctx, account, receiver };
}

/** What every flow reports: the vault, who got the proceeds, and the transaction. */
export interface FlowResult {
  vault: string;
  receiver: string;
  tx: string;
}

/**
 * Sends a flow's transaction and reads what it did: what every flow reports, the first of the
 * vault's `name` events in it, and the receipt (for any other event).
 */
async function sendFlow<E extends keyof BallastVault["filters"]>(
  ctx: VaultContext,
  receiver: string,
  label: string,
  transaction: () => Promise<ContractTransactionResponse>,
  name: E,
) {
  const receipt = await send(label, transaction);
  const [event] = await eventsOf(ctx.vault, name, receipt);
  const flow: FlowResult = { vault: ctx.address, receiver, tx: receipt.hash };
  return { flow, event, receipt };
}

/**
 * The least a flow accepts (`--min-shares`, `--min-assets`): the amount given, else what the
 * preview promises now; refused before sending when the preview promises less. `promise` says
 * what the preview is (`that 100 USDC buys now (previewDeposit)`).
 */
function minimumOf(
  preview: bigint,
  given: string | undefined,
  unit: { decimals: number; symbol: string },
  flag: string,
  promise: string,
): bigint {
  if (given === undefined) return preview;
  const minimum = parseAmount(given, unit.decimals, flag, unit.symbol, { allowZero: true });
  if (preview < minimum) {
    throw new OpsInputError(
      `${flag} ${given} is more than the ${formatAmount(preview, unit.decimals)} ${unit.symbol} ${promise}: nothing sent`,
    );
  }
  return minimum;
}

export interface DepositOptions {
  vault: string;
  /** Whole base-asset tokens, e.g. `1000.5` (USDC). */
  amount: string;
  /** Who gets the shares (default the signer). */
  receiver?: string;
  /** Least shares accepted, in whole shares; default what previewDeposit gives now. */
  minShares?: string;
}

export interface DepositResult extends FlowResult {
  asset: TokenInfo;
  assets: bigint;
  shares: bigint;
  previewShares: bigint;
  minShares: bigint;
  /** The approval sent first, when the allowance was short. */
  approvalTx: string | null;
}

/**
 * Deposits `amount` of the base asset: checks the signer's balance, `maxDeposit` (0 while paused or
 * a price is unavailable) and that `previewDeposit` gives at least `minShares`; approves exactly
 * the amount when the allowance is short (never an unlimited approval); deposits.
 *
 * ERC-4626 `deposit` has no on-chain minimum, so `minShares` is checked against the preview just
 * before sending: it catches a wrong expectation or a moved price, not a change within the block.
 */
export async function deposit(signer: Signer, options: DepositOptions): Promise<DepositResult> {
  const { ctx, account: from, receiver } = await begin(signer, options);
  const { vault, asset } = ctx;
  const amount = parseAmount(options.amount, asset.decimals, "--amount", asset.symbol);
  const token = IERC20__factory.connect(asset.address, signer);

  const balance = await token.balanceOf(from);
  if (balance < amount) {
    throw new OpsInputError(
      `${from} holds ${formatAmount(balance, asset.decimals)} ${asset.symbol}, less than --amount ${options.amount}`,
    );
  }
  const max = await vault.maxDeposit(receiver);
  if (max < amount) {
    const [status] = await ctx.rebalancer.rebalanceStatus();
    const why = (await vault.paused())
      ? "the vault is paused"
      : status === BigInt(Status.PriceUnavailable)
        ? "a price is unavailable (an oracle fails)"
        : `maxDeposit is ${formatAmount(max, asset.decimals)} ${asset.symbol}`;
    throw new OpsInputError(`the vault accepts no deposit of ${options.amount} ${asset.symbol} now: ${why}`);
  }
  const previewShares = await vault.previewDeposit(amount);
  const shareUnit = { decimals: ctx.shareDecimals, symbol: ctx.symbol };
  const buys = `that ${options.amount} ${asset.symbol} buys now (previewDeposit)`;
  const minShares = minimumOf(previewShares, options.minShares, shareUnit, "--min-shares", buys);

  let approvalTx: string | null = null;
  if ((await token.allowance(from, ctx.address)) < amount) {
    const approval = await send(`approve ${ctx.address}`, () => token.approve(ctx.address, amount));
    approvalTx = approval.hash;
  }
  const transaction = () => vault.connect(signer).deposit(amount, receiver);
  const { flow, event } = await sendFlow(ctx, receiver, "deposit", transaction, "Deposit");
  return { ...flow, asset, assets: event.args.assets, shares: event.args.shares, previewShares, minShares, approvalTx };
}

export interface SharesOptions {
  vault: string;
  /** Whole shares, e.g. `12.5`. */
  shares?: string;
  /** Every share the signer holds. */
  all?: boolean;
  /** Who gets the assets (default the signer). */
  receiver?: string;
}

/** The shares to redeem, from `--shares` or `--all`, checked against the signer's balance. */
async function sharesToRedeem(ctx: VaultContext, owner: string, options: SharesOptions): Promise<bigint> {
  if ((options.shares === undefined) === !options.all) {
    throw new OpsInputError("give either --shares <amount> or --all");
  }
  const balance = await ctx.vault.balanceOf(owner);
  const shares = options.all ? balance : parseAmount(options.shares!, ctx.shareDecimals, "--shares", ctx.symbol);
  if (shares === 0n) throw new OpsInputError(`${owner} holds no ${ctx.symbol}`);
  if (shares > balance) {
    throw new OpsInputError(
      `${owner} holds ${formatAmount(balance, ctx.shareDecimals)} ${ctx.symbol}, less than --shares ${options.shares}`,
    );
  }
  return shares;
}

export interface RedeemOptions extends SharesOptions {
  /** Least base asset accepted, in whole tokens; default what previewRedeem gives now. */
  minAssets?: string;
}

export interface RedeemResult extends FlowResult {
  asset: TokenInfo;
  shares: bigint;
  assets: bigint;
  previewAssets: bigint;
  minAssets: bigint;
}

/**
 * Redeems shares for the base asset. The vault sells slices of the other assets with minimum
 * outputs from its oracles, so what arrives is at least `previewRedeem` at execution; `minAssets`
 * is checked against the preview before sending. Needs valid prices: otherwise use redeem-in-kind.
 */
export async function redeem(signer: Signer, options: RedeemOptions): Promise<RedeemResult> {
  const { ctx, account: owner, receiver } = await begin(signer, options);
  const { vault, asset } = ctx;
  const shares = await sharesToRedeem(ctx, owner, options);
  if ((await vault.maxRedeem(owner)) < shares) {
    throw new OpsInputError(
      "a price is unavailable (an oracle fails), so the vault cannot pay in the base asset now: " +
        "redeem-in-kind always works",
    );
  }
  const previewAssets = await vault.previewRedeem(shares);
  const guaranteed = "these shares are guaranteed now (previewRedeem)";
  const minAssets = minimumOf(previewAssets, options.minAssets, asset, "--min-assets", guaranteed);
  const transaction = () => vault.connect(signer).redeem(shares, receiver, owner);
  const { flow, event } = await sendFlow(ctx, receiver, "redeem", transaction, "Withdraw");
  return { ...flow, asset, shares: event.args.shares, assets: event.args.assets, previewAssets, minAssets };
}

export interface InKindResult extends FlowResult {
  shares: bigint;
  /** What each basket token sent, basket order (0 for a forfeited one). */
  amounts: (TokenInfo & { amount: bigint })[];
  /** The basket tokens left in the vault, and what the shares could have taken of each. */
  forfeited: (TokenInfo & { amount: bigint })[];
}

export interface InKindOptions extends SharesOptions {
  /**
   * Basket tokens to leave behind (symbols or addresses, comma-separated): for a token that refuses
   * the transfer, which would otherwise stop the whole exit. Their slices stay in the vault.
   */
  forfeit?: string;
}

/** Redeems shares for a pro-rata slice of every basket balance: no oracle, no swap, always open. */
export async function redeemInKind(signer: Signer, options: InKindOptions): Promise<InKindResult> {
  const { ctx, account: owner, receiver } = await begin(signer, options);
  const { vault } = ctx;
  const shares = await sharesToRedeem(ctx, owner, options);
  const tokens = await vault.basketTokens();
  const infos = await Promise.all(tokens.map((token) => tokenInfo(signer, token)));
  const mask = forfeitMask(infos, options.forfeit);
  const transaction = () =>
    mask === 0n
      ? vault.connect(signer).redeemInKind(shares, receiver, owner)
      : vault.connect(signer).redeemInKindExcept(shares, receiver, owner, mask);
  const { flow, event, receipt } = await sendFlow(ctx, receiver, "redeemInKind", transaction, "RedeemedInKind");
  const forfeits = await eventsOf(vault, "ForfeitedInKind", receipt);
  return {
    ...flow,
    shares: event.args.shares,
    amounts: infos.map((info, i) => ({ ...info, amount: event.args.amounts[i] })),
    forfeited: forfeits.map((f) => ({
      ...infos.find((info) => info.address.toLowerCase() === f.args.token.toLowerCase())!,
      amount: f.args.amount,
    })),
  };
}

/** The contract's forfeit mask (bit i for basket token i) of a `--forfeit` list. */
export function forfeitMask(basket: readonly TokenInfo[], forfeit: string | undefined): bigint {
  let mask = 0n;
  for (const name of (forfeit ?? "").split(",").map((n) => n.trim())) {
    if (name === "") continue;
    const i = basket.findIndex(
      (t) => t.symbol.toLowerCase() === name.toLowerCase() || t.address.toLowerCase() === name.toLowerCase(),
    );
    if (i < 0) {
      throw new OpsInputError(`--forfeit ${name}: not a basket token (${basket.map((t) => t.symbol).join(", ")})`);
    }
    mask |= 1n << BigInt(i);
  }
  return mask;
}

export interface SwapInfo {
  tokenIn: string;
  tokenOut: string;
  amountIn: bigint;
  amountOut: bigint;
  minAmountOut: bigint;
}

export type RebalanceOutcome =
  | {
      kind: "rebalanced";
      navBefore: bigint;
      navAfter: bigint;
      driftBeforeBps: bigint;
      driftAfterBps: bigint;
      trades: bigint;
      swaps: SwapInfo[];
    }
  | { kind: "skipped"; cost: bigint; benefit: bigint }
  | { kind: "breaker-tripped"; reason: string; index: bigint };

export interface RebalanceResult {
  vault: string;
  /** The rebalancer the transaction went to (the vault's). */
  rebalancer: string;
  asset: TokenInfo;
  statusBefore: string;
  outcome: RebalanceOutcome;
  tx: string;
}

/**
 * Why the rebalancer would refuse a rebalance now, in words, with the time it may change. The policy
 * keeps its records under the rebalancer's address.
 */
async function notDueReason(ctx: VaultContext, status: bigint, driftBps: bigint): Promise<string> {
  const { rebalancer, policy, breakers } = ctx;
  const name = statusName(status);
  const block = await ctx.vault.runner!.provider!.getBlock("latest");
  const now = block?.timestamp ?? 0;
  switch (name) {
    case "Cooldown": {
      const next = Number(await policy.lastRebalance(rebalancer)) + Number((await policy.triggerParams()).cooldown);
      return `Cooldown: the last rebalance was less than the cooldown ago; next allowed at ${formatTime(next)} (in ${formatDuration(next - now)})`;
    }
    case "NotDue":
      return `NotDue: max drift ${driftBps} bp is below the trigger band of ${await policy.effectiveTriggerBand(rebalancer)} bp`;
    case "Uneconomic": {
      const [cost, benefit] = await rebalancer.rebalanceCost();
      const unit = ctx.asset;
      return (
        `Uneconomic: the trades would cost ${formatAmount(cost, unit.decimals, 2)} ${unit.symbol} for a benefit of ` +
        `${formatAmount(benefit, unit.decimals, 2)} ${unit.symbol} (cost-efficiency gate)`
      );
    }
    case "BreakerTripped": {
      const [reason, index, trippedAt] = await breakers.breaker(rebalancer);
      const { cooldown } = await breakers.breakerParams();
      const lapses = Number(trippedAt) + Number(cooldown);
      // No trip recorded, or one past its cooldown: the breakers refuse what they see now (a pool
      // pushed, an oracle invalid within the last cooldown, a latching condition that lasts).
      if (reason === BigInt(Trip.None) || lapses <= now) {
        return (
          `BreakerTripped: the breakers would refuse a rebalance now (a condition that lasts, or an oracle invalid ` +
          `within the last ${formatDuration(Number(cooldown))}); it trades once every check is healthy`
        );
      }
      return (
        `BreakerTripped: ${tripName(reason)} on asset ${index} at ${formatTime(Number(trippedAt))}; ` +
        `the trip holds until ${formatTime(lapses)}, then the next rebalance clears it once conditions are healthy`
      );
    }
    case "Paused":
      return "Paused: the guardian or governance paused the vault (exits stay open)";
    case "PriceUnavailable":
      return "PriceUnavailable: an oracle fails; no trade at a price the vault cannot check";
    default:
      return name;
  }
}

/**
 * Runs the rebalancer's `rebalance()` when it says one is due (Due or DueByCalendar), else refuses
 * with the reason and when it may change. A due call can still end without trading (a breaker
 * trips, or the cost gate skips it); the outcome says which.
 */
export async function rebalance(signer: Signer, options: { vault: string }): Promise<RebalanceResult> {
  const ctx = await connectVault(signer, options.vault);
  const { vault, rebalancer, breakers } = ctx;
  const [status, driftBps] = await rebalancer.rebalanceStatus();
  if (status !== BigInt(Status.Due) && status !== BigInt(Status.DueByCalendar)) {
    throw new OpsInputError(`no rebalance is due: ${await notDueReason(ctx, status, driftBps)}`);
  }
  const receipt = await send("rebalance", () => rebalancer.connect(signer).rebalance());
  const breakersAddress = await breakers.getAddress();
  const [done] = await eventsOf(vault, "Rebalanced", receipt);
  // The cost gate is the rebalancer's: its skip is in the rebalancer's logs, not the vault's.
  const skips = await rebalancer.queryFilter(
    rebalancer.filters.RebalanceSkipped,
    receipt.blockNumber,
    receipt.blockNumber,
  );
  const skipped = skips.find((event) => event.transactionHash === receipt.hash);
  let outcome: RebalanceOutcome;
  if (done) {
    const swaps = (await eventsOf(vault, "Swapped", receipt)).map(({ args }) => ({
      tokenIn: args.tokenIn,
      tokenOut: args.tokenOut,
      amountIn: args.amountIn,
      amountOut: args.amountOut,
      minAmountOut: args.minAmountOut,
    }));
    outcome = {
      kind: "rebalanced",
      navBefore: done.args.navBefore,
      navAfter: done.args.navAfter,
      driftBeforeBps: done.args.driftBeforeBps,
      driftAfterBps: done.args.driftAfterBps,
      trades: done.args.trades,
      swaps,
    };
  } else if (skipped) {
    outcome = { kind: "skipped", cost: skipped.args.cost, benefit: skipped.args.benefit };
  } else {
    // The breakers' own event says why: a trip it recorded, or a refusal of this call only.
    const logs = receipt.logs.filter((log) => log.address.toLowerCase() === breakersAddress.toLowerCase());
    const found = logs
      .map((log) => breakers.interface.parseLog(log))
      .find((event) => event?.name === "BreakerTripped" || event?.name === "TradingRefused");
    const reason = found ? (found.args[1] as bigint) : 0n;
    const index = found ? (found.args[2] as bigint) : 0n;
    outcome = { kind: "breaker-tripped", reason: tripName(reason), index };
  }
  return {
    vault: ctx.address,
    rebalancer: await rebalancer.getAddress(),
    asset: ctx.asset,
    statusBefore: statusName(status),
    outcome,
    tx: receipt.hash,
  };
}
