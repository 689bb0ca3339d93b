/** `status`: what a vault holds, how far it drifts and whether, when and at what cost it may rebalance. */
import { ZeroAddress } from "ethers";
import type { ContractRunner } from "ethers";

import { IBallastOracle__factory, IERC20__factory } from "../../typechain-types";
import type { BallastRebalancer } from "../../typechain-types";

import { errorInterfaces } from "../shared/abis";
import { describeError } from "../shared/revert";

import { connectVault, tokenInfo } from "./context";
import type { TokenInfo } from "./context";
import { formatAmount, formatDrift, formatDuration, formatPercent, formatTime, formatWhen } from "./units";

import { STATUS_NAMES, statusName, Trip, TRIP_NAMES, tripName } from "../vault/enums";
import type { StatusName, UnknownName } from "../vault/enums";
import { isUsablePrice } from "../vault/prices";

export { STATUS_NAMES, TRIP_NAMES };
export type { StatusName };

const BPS = 10_000n;

export interface AssetStatus extends TokenInfo {
  index: number;
  /** The vault's balance, token units. */
  balance: bigint;
  /** USD per whole token, 18 decimals. */
  priceWad: bigint;
  /** `oracle`: valid now; `last`: the oracle fails, the last recorded price (`lastPrices()`) is shown. */
  priceSource: "oracle" | "last";
  /** Value in base-asset units at that price. */
  value: bigint;
  weightBps: bigint;
  targetBps: bigint;
  /** weight - target: positive when overweight. */
  driftBps: bigint;
}

export interface VaultStatus {
  chainId: bigint;
  block: number;
  /** Block time the numbers are for (the next block's may differ). */
  timestamp: number;
  vault: {
    address: string;
    name: string;
    symbol: string;
    shareDecimals: number;
    rebalancer: string;
    policy: string;
    breakers: string;
  };
  asset: TokenInfo;
  /** `totalAssets()`: oracle NAV in base-asset units (an asset without a valid price counts 0 here). */
  nav: bigint;
  totalSupply: bigint;
  /** `convertToAssets(1 share)`, base-asset units. */
  sharePrice: bigint;
  paused: boolean;
  /** Whether every oracle prices now; when not, weights are computed from the last recorded prices. */
  pricesValid: boolean;
  assets: AssetStatus[];
  rebalance: {
    status: number;
    statusName: StatusName | UnknownName;
    /** Largest |weight - target|: the rebalancer's; while a price is unavailable, at the last recorded prices. */
    maxDriftBps: bigint;
    /** The trigger band in force (volatility-scaled when that is on). */
    triggerBandBps: bigint;
    /** The policy's configured trigger band. */
    configuredTriggerBandBps: bigint;
    /**
     * The band trades stop at: the policy's target band, capped by the rebalancer (while paused or a
     * price is unavailable it reports none, and this is the policy's configured target band).
     */
    targetBandBps: bigint;
    cooldown: number;
    calendarInterval: number;
    /** Last recorded rebalance (0: never). */
    lastRebalance: number;
    /** The end of the cooldown: no rebalance before this time, whatever the drift. */
    nextAllowedAt: number;
    /** When the calendar makes a rebalance due below the trigger band (if drift exceeds the target band); null when off. */
    calendarDueAt: number | null;
  };
  breaker: {
    tripped: boolean;
    reason: number;
    reasonName: string;
    index: number;
    /** Symbol of the asset concerned (when tripped). */
    asset: string | null;
    trippedAt: number;
    /**
     * A trip lasts at least this long; the next rebalance then clears it once every check is healthy.
     * Also how long trading waits after an oracle's history shows an invalid price (`tripOnInvalidPrice`).
     */
    cooldown: number;
    resetNotBefore: number | null;
    /**
     * The status is BreakerTripped with no trip in force: the breakers would refuse a due rebalance
     * now without recording anything (a condition that refuses, a lapsed trip's condition that lasts,
     * an oracle invalid within the last `cooldown`).
     */
    refusing: boolean;
    /** Whether any breaker check is on. */
    enabled: boolean;
  };
  cost: {
    /** False when the rebalancer's `rebalanceCost()` reverted (a price unavailable); `error` says why. */
    available: boolean;
    /** Estimated cost of the trades a rebalance would make now, base-asset units, gas excluded (see note). */
    cost: bigint;
    benefit: bigint;
    worthIt: boolean;
    /** 0: the gate is off (the numbers are informative). */
    maxCostRatioBps: bigint;
    benefitPerBpWad: bigint;
    /** A rebalance's gas estimated apart, when one is due: units, price (wei) and value in base-asset units (null without a gas-token oracle). */
    gas: { units: bigint; priceWei: bigint; valueInBase: bigint | null } | null;
    note: string;
    error?: string;
  };
  fees: {
    managementFeeBps: bigint;
    entryFeeBps: bigint;
    exitFeeBps: bigint;
    recipient: string;
    pendingFeeShares: bigint;
  };
}

/** Value in base-asset units of `amount` at `priceWad`, as the vault computes it (rounded down). */
function valueInBase(amount: bigint, decimals: number, priceWad: bigint, base: AssetStatus | undefined): bigint {
  if (!base || base.priceWad === 0n) return 0n;
  return (amount * priceWad * 10n ** BigInt(base.decimals)) / (10n ** BigInt(decimals) * base.priceWad);
}

/**
 * Reads everything `status` shows, from the vault, its rebalancer and the rebalancer's policy (which
 * keeps its records under the rebalancer's address). Read-only: a provider is enough.
 */
export async function readStatus(runner: ContractRunner, vaultAddress: string): Promise<VaultStatus> {
  const ctx = await connectVault(runner, vaultAddress);
  const { vault, rebalancer, policy, breakers } = ctx;
  const provider = runner.provider!;
  const [network, block] = await Promise.all([provider.getNetwork(), provider.getBlock("latest")]);
  if (!block) throw new Error("the provider returned no latest block");

  const [tokens, oracles, lastPrices, { targets }, nav, totalSupply, paused, statusTuple] = await Promise.all([
    vault.basketTokens(),
    vault.oracles(),
    vault.lastPrices(),
    vault.basketState(),
    vault.totalAssets(),
    vault.totalSupply(),
    vault.paused(),
    rebalancer.rebalanceStatus(),
  ]);
  const sharePrice = await vault.convertToAssets(10n ** BigInt(ctx.shareDecimals));

  const assets: AssetStatus[] = [];
  for (const [index, token] of tokens.entries()) {
    const [info, balance, [valid, price]] = await Promise.all([
      tokenInfo(runner, token),
      IERC20__factory.connect(token, runner).balanceOf(vault),
      IBallastOracle__factory.connect(oracles[index], runner).tryPrice(),
    ]);
    assets.push({
      ...info,
      index,
      balance,
      priceWad: isUsablePrice(valid, price) ? price : lastPrices[index],
      priceSource: isUsablePrice(valid, price) ? "oracle" : "last",
      value: 0n,
      weightBps: 0n,
      targetBps: targets[index],
      driftBps: 0n,
    });
  }
  for (const a of assets) a.value = valueInBase(a.balance, a.decimals, a.priceWad, assets[0]);
  const pricesValid = assets.every((a) => a.priceSource === "oracle");
  // The rebalancer's weights when it can compute them (the vault's rounding); else the last prices'.
  const weights = pricesValid
    ? await rebalancer.currentWeights()
    : (() => {
        const total = assets.reduce((sum, a) => sum + a.value, 0n);
        return assets.map((a) => (total === 0n ? 0n : (a.value * BPS) / total));
      })();
  for (const a of assets) {
    a.weightBps = weights[a.index];
    a.driftBps = a.weightBps - a.targetBps;
  }

  const [triggers, effectiveBand, lastRebalance, [tripReason, tripIndex, trippedAt], breakerParams, costParams] =
    await Promise.all([
      policy.triggerParams(),
      policy.effectiveTriggerBand(rebalancer),
      policy.lastRebalance(rebalancer),
      breakers.breaker(rebalancer),
      breakers.breakerParams(),
      policy.costParams(),
    ]);
  const [status, reportedDriftBps, reportedBandBps] = statusTuple;
  // Paused and PriceUnavailable come back without band (and the latter without drift): show what
  // the policy and the last prices say instead of zeros.
  const reportsBand = statusName(status) !== "Paused" && statusName(status) !== "PriceUnavailable";
  const targetBandBps = reportsBand ? reportedBandBps : triggers.targetBandBps;
  const maxDriftBps = pricesValid
    ? reportedDriftBps
    : assets.reduce((max, a) => (a.driftBps > max ? a.driftBps : -a.driftBps > max ? -a.driftBps : max), 0n);
  const last = Number(lastRebalance);
  const cooldown = Number(triggers.cooldown);
  const calendarInterval = Number(triggers.calendarInterval);
  const reason = Number(tripReason);

  const cost: VaultStatus["cost"] = {
    available: false,
    cost: 0n,
    benefit: 0n,
    worthIt: false,
    maxCostRatioBps: costParams.maxCostRatioBps,
    benefitPerBpWad: costParams.benefitPerBpWad,
    gas: null,
    note:
      "cost excludes gas: the rebalancer's rebalanceCost() values gas at the block's base fee, which an eth_call sets to 0; " +
      "the gas line is estimated apart when a rebalance is due",
  };
  try {
    const [c, b, worthIt] = await rebalancer.rebalanceCost();
    Object.assign(cost, { available: true, cost: c, benefit: b, worthIt });
  } catch (error) {
    cost.error = describeError(error, errorInterfaces());
  }
  if (statusName(status) === "Due" || statusName(status) === "DueByCalendar")
    cost.gas = await estimateRebalanceGas(rebalancer, runner, costParams, assets);

  const [fees, pendingFeeShares] = await Promise.all([vault.feeParams(), vault.pendingFeeShares()]);
  const breakerEnabled =
    breakerParams.twapWindow !== 0n ||
    breakerParams.maxMoveBps !== 0n ||
    breakerParams.sequencerFeed !== ZeroAddress ||
    breakerParams.tripOnInvalidPrice;

  return {
    chainId: network.chainId,
    block: block.number,
    timestamp: block.timestamp,
    vault: {
      address: ctx.address,
      name: ctx.name,
      symbol: ctx.symbol,
      shareDecimals: ctx.shareDecimals,
      rebalancer: await rebalancer.getAddress(),
      policy: await policy.getAddress(),
      breakers: await breakers.getAddress(),
    },
    asset: ctx.asset,
    nav,
    totalSupply,
    sharePrice,
    paused,
    pricesValid,
    assets,
    rebalance: {
      status: Number(status),
      statusName: statusName(status),
      maxDriftBps,
      triggerBandBps: effectiveBand,
      configuredTriggerBandBps: triggers.triggerBandBps,
      targetBandBps,
      cooldown,
      calendarInterval,
      lastRebalance: last,
      nextAllowedAt: last === 0 ? block.timestamp : Math.max(block.timestamp, last + cooldown),
      calendarDueAt: calendarInterval === 0 ? null : last + calendarInterval,
    },
    breaker: {
      tripped: reason !== Trip.None,
      reason,
      reasonName: tripName(reason),
      index: Number(tripIndex),
      asset: reason !== Trip.None ? (assets[Number(tripIndex)]?.symbol ?? null) : null,
      trippedAt: Number(trippedAt),
      cooldown: Number(breakerParams.cooldown),
      resetNotBefore: reason !== Trip.None ? Number(trippedAt) + Number(breakerParams.cooldown) : null,
      refusing:
        statusName(status) === "BreakerTripped" &&
        (reason === Trip.None || Number(trippedAt) + Number(breakerParams.cooldown) <= block.timestamp),
      enabled: breakerEnabled,
    },
    cost,
    fees: {
      managementFeeBps: fees.managementFeeBps,
      entryFeeBps: fees.entryFeeBps,
      exitFeeBps: fees.exitFeeBps,
      recipient: fees.recipient,
      pendingFeeShares,
    },
  };
}

/**
 * Gas of a rebalance due now, estimated by the node (what the view cannot see), valued at the
 * current gas price through the policy's gas-token oracle when it has one.
 */
async function estimateRebalanceGas(
  rebalancer: BallastRebalancer,
  runner: ContractRunner,
  costParams: { gasTokenOracle: string },
  assets: AssetStatus[],
): Promise<VaultStatus["cost"]["gas"]> {
  const provider = runner.provider!;
  try {
    const units = await rebalancer.rebalance.estimateGas();
    const fee = await provider.getFeeData();
    const priceWei = fee.gasPrice ?? fee.maxFeePerGas ?? 0n;
    let valueInBaseUnits: bigint | null = null;
    if (costParams.gasTokenOracle !== ZeroAddress) {
      const [valid, ethPrice] = await IBallastOracle__factory.connect(costParams.gasTokenOracle, runner).tryPrice();
      if (isUsablePrice(valid, ethPrice)) valueInBaseUnits = valueInBase(units * priceWei, 18, ethPrice, assets[0]);
    }
    return { units, priceWei, valueInBase: valueInBaseUnits };
  } catch {
    return null;
  }
}

function pad(cells: string[], widths: number[], right: boolean[]): string {
  return cells.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
}

/** A plain-text table: header, then rows; numeric columns right-aligned. */
export function table(header: string[], rows: string[][], right: boolean[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [
    pad(header, widths, right),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.map((r) => pad(r, widths, right)),
  ];
}

/** The status as text, for people. */
export function renderStatus(s: VaultStatus): string {
  const base = s.asset;
  const amount = (raw: bigint) => `${formatAmount(raw, base.decimals, 2)} ${base.symbol}`;
  const r = s.rebalance;
  const now = s.timestamp;
  const lines: string[] = [];
  lines.push(`${s.vault.name} (${s.vault.symbol}) ${s.vault.address}`);
  lines.push(`chain ${s.chainId}, block ${s.block} at ${formatTime(now)}`);
  lines.push(`rebalancer ${s.vault.rebalancer}, policy ${s.vault.policy}, breakers ${s.vault.breakers}`);
  lines.push("");
  lines.push(
    `NAV           ${amount(s.nav)}${s.pricesValid ? "" : " (at the last recorded prices where an oracle fails)"}`,
  );
  lines.push(
    `share price   ${formatAmount(s.sharePrice, base.decimals, base.decimals)} ${base.symbol} per ${s.vault.symbol}`,
  );
  lines.push(`supply        ${formatAmount(s.totalSupply, s.vault.shareDecimals, 6)} ${s.vault.symbol}`);
  lines.push(`paused        ${s.paused ? "yes: deposits and rebalances halted, exits open" : "no"}`);
  lines.push("");
  const rows = s.assets.map((a) => [
    a.symbol,
    formatAmount(a.balance, a.decimals, 6),
    `${formatAmount(a.priceWad, 18, 4)}${a.priceSource === "last" ? " (last)" : ""}`,
    formatAmount(a.value, base.decimals, 2),
    formatPercent(a.weightBps),
    formatPercent(a.targetBps),
    formatDrift(a.driftBps),
  ]);
  lines.push(
    ...table(["token", "balance", "price (USD)", `value (${base.symbol})`, "weight", "target", "drift"], rows, [
      false,
      true,
      true,
      true,
      true,
      true,
      true,
    ]),
  );
  lines.push("");
  lines.push(
    `status        ${r.statusName} (${r.status}): max drift ${r.maxDriftBps} bp${s.pricesValid ? "" : " at the last prices"}`,
  );
  const scaled =
    r.triggerBandBps !== r.configuredTriggerBandBps ? ` (configured ${r.configuredTriggerBandBps} bp)` : "";
  lines.push(`bands         trigger ${r.triggerBandBps} bp${scaled}, trades stop at target ± ${r.targetBandBps} bp`);
  lines.push(
    `last          ${r.lastRebalance === 0 ? "never rebalanced" : `${formatTime(r.lastRebalance)}`}; cooldown ${formatDuration(r.cooldown)}`,
  );
  lines.push(`next allowed  ${formatWhen(r.nextAllowedAt, now)}`);
  lines.push(
    `calendar      ${r.calendarDueAt === null ? "off" : `every ${formatDuration(r.calendarInterval)}: due from ${formatWhen(r.calendarDueAt, now)} if drift exceeds the target band`}`,
  );
  const b = s.breaker;
  lines.push(
    `breaker       ${
      b.tripped
        ? `TRIPPED: ${b.reasonName} on ${b.asset ?? `asset ${b.index}`} at ${formatTime(b.trippedAt)}; holds until ${formatWhen(b.resetNotBefore ?? now, now)}, then the next healthy rebalance clears it`
        : `not tripped (checks ${b.enabled ? `on, trip cooldown ${formatDuration(b.cooldown)}` : "off"})`
    }`,
  );
  if (b.refusing) {
    lines.push(
      `              refusing now: a condition that lasts, or an oracle invalid within the last ${formatDuration(b.cooldown)}`,
    );
  }
  const c = s.cost;
  // With the gate off the view says "worth it" whatever the numbers: say that the gate decides nothing.
  const verdict =
    c.maxCostRatioBps === 0n
      ? "gate off, trades regardless"
      : `${c.worthIt ? "worth it" : "NOT worth it"}: the gate trades if cost <= benefit x ${formatPercent(c.maxCostRatioBps)}`;
  lines.push(
    c.available
      ? `cost/benefit  cost ${amount(c.cost)} vs benefit ${amount(c.benefit)} (${verdict})`
      : `cost/benefit  unavailable: ${c.error ?? "the rebalancer's rebalanceCost() failed"}`,
  );
  if (c.gas) {
    lines.push(
      `gas           ~${c.gas.units} gas at ${formatAmount(c.gas.priceWei, 9, 3)} gwei${c.gas.valueInBase === null ? "" : ` = ${amount(c.gas.valueInBase)}`} (not in the cost above)`,
    );
  } else {
    lines.push("gas           not in the cost above (an eth_call sees a base fee of 0)");
  }
  const f = s.fees;
  lines.push(
    `fees          management ${formatPercent(f.managementFeeBps)}/yr, entry ${formatPercent(f.entryFeeBps)}, exit ${formatPercent(f.exitFeeBps)}` +
      (f.recipient === ZeroAddress ? "" : `, recipient ${f.recipient}`) +
      (f.pendingFeeShares === 0n
        ? ""
        : `; ${formatAmount(f.pendingFeeShares, s.vault.shareDecimals, 6)} ${s.vault.symbol} accrued`),
  );
  return lines.join("\n");
}
