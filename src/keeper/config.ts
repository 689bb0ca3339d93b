/**
 * The keeper's options: what callers pass ({@link KeeperOptions}), their validation into a
 * {@link KeeperConfig} with every default applied, and the parsing of the `keeper` task's string
 * arguments. Nothing here imports typechain-types, so the task file may load it at config time.
 */
import { getAddress, isAddress, parseUnits } from "ethers";
import type { Provider, Signer } from "ethers";

import type { Clock } from "./clock";
import { KeeperConfigError } from "./errors";
import type { KeeperLogger, LogLevel } from "./logger";
import { LOG_LEVELS } from "./logger";

/** How the keeper learns of new blocks: polling `eth_blockNumber`, or the provider's `block` event. */
export type TriggerMode = "poll" | "block";

/** Backoff of RPC calls that fail for transport reasons (never of reverts). */
export interface RetryPolicy {
  /** Attempts after the first; 0 disables retries. */
  retries: number;
  /** Delay before the first retry; each next one is `factor` times longer, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** Randomise each delay within [50%, 100%] so that many keepers do not retry in lockstep. */
  jitter: boolean;
}

/**
 * Where the gas token's USD price comes from, to value gas in the base asset: a basket asset (by
 * index, token address or symbol, e.g. `"WETH"`) priced by the vault's own oracle, or a fixed USD
 * price. Unset, the keeper uses the policy's `costParams().gasTokenOracle`.
 */
export type GasTokenSource = { basketAsset: number | string } | { usdPrice: number | string };

export interface KeeperOptions {
  /** The vaults to keep (one or many), as addresses. */
  vaults: readonly string[];
  /** Reads and simulations; defaults to the signer's provider. */
  provider?: Provider;
  /** Sends transactions. Required unless `dryRun`. */
  signer?: Signer;
  /** Simulation sender when there is no signer (dry runs); defaults to the zero address. */
  from?: string;
  /**
   * A private RPC (e.g. Flashbots Protect, MEV Blocker) to broadcast through, so that the
   * transaction is not in the public mempool. The signer must be able to sign raw transactions (a
   * key, not a JSON-RPC account).
   */
  sendProvider?: Provider;
  /** Evaluate, simulate and log; never send. */
  dryRun?: boolean;
  /** Hard cap of `maxFeePerGas`, gwei: the keeper waits rather than pay more. Default 100. */
  maxFeePerGasGwei?: number | string;
  /** Priority fee (tip), gwei. Default: the node's suggestion (`eth_maxPriorityFeePerGas`). */
  priorityFeeGwei?: number | string;
  trigger?: TriggerMode;
  /** How often to poll for a new block (and, in `block` mode, the idle tick). Default 4 s. */
  pollIntervalMs?: number;
  /** Blocks on top of (and including) the one that mined a transaction before it counts. Default 1. */
  confirmations?: number;
  /** Replace a transaction still pending after this many blocks. Default 3. */
  replaceAfterBlocks?: number;
  /** ... or after this long, whichever comes first; 0 = by blocks only. Default 60 s. */
  replaceAfterMs?: number;
  /** Fee increase of a replacement, basis points; nodes require at least 10%, 12.5% is the floor. */
  feeBumpBps?: number;
  /** Gas limit = estimate plus this margin, basis points. Default 2 000 (20%). */
  gasLimitMarginBps?: number;
  retry?: Partial<RetryPolicy>;
  gasToken?: GasTokenSource;
  /**
   * Uniswap's QuoterV2 on the vaults' Uniswap V3 deployment: the keeper then plans each rebalance
   * itself (band edges, direct pairs when cheaper, legs not worth their cost left out) and sends
   * `rebalancePlan(legs)`, falling back to the on-chain planned `rebalance()` when the rebalancer
   * would refuse its plan. Unset: `rebalance()` only.
   */
  quoter?: string;
  /** How long `runOnce` waits for its transactions to confirm. Default 5 min. */
  onceTimeoutMs?: number;
  /** Structured log sink; defaults to JSON lines on stdout at `info`. */
  logger?: KeeperLogger;
  /** Milliseconds clock (tests, simulations): everything the keeper times reads it. Defaults to wall time. */
  clock?: Clock;
}

/** Options validated, normalised and defaulted. */
export interface KeeperConfig {
  vaults: string[];
  dryRun: boolean;
  maxFeePerGas: bigint;
  priorityFee: bigint | undefined;
  trigger: TriggerMode;
  pollIntervalMs: number;
  confirmations: number;
  replaceAfterBlocks: number;
  replaceAfterMs: number;
  feeBumpBps: number;
  gasLimitMarginBps: number;
  retry: RetryPolicy;
  gasToken: { basketAsset: number | string } | { usdPriceWad: bigint } | undefined;
  quoter: string | undefined;
  onceTimeoutMs: number;
}

export const DEFAULTS = {
  maxFeePerGasGwei: "100",
  trigger: "poll" as TriggerMode,
  pollIntervalMs: 4_000,
  confirmations: 1,
  replaceAfterBlocks: 3,
  replaceAfterMs: 60_000,
  feeBumpBps: 1_250,
  gasLimitMarginBps: 2_000,
  retry: { retries: 5, baseDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: true } satisfies RetryPolicy,
  onceTimeoutMs: 300_000,
} as const;

/** Nodes (geth, Hardhat) refuse a same-nonce replacement below +10%; 12.5% leaves rounding room. */
export const MIN_FEE_BUMP_BPS = 1_250;
const MAX_INTERVAL_MS = 7 * 24 * 3_600_000;

function integer(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new KeeperConfigError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function decimalString(name: string, value: number | string, maxDecimals: number): string {
  const text = typeof value === "number" ? (Number.isFinite(value) ? String(value) : "") : value.trim();
  if (!new RegExp(`^\\d+(\\.\\d{1,${maxDecimals}})?$`).test(text)) {
    throw new KeeperConfigError(
      `${name} must be a non-negative decimal number with at most ${maxDecimals} decimals, got ${JSON.stringify(value)}`,
    );
  }
  return text;
}

/** A gwei amount (up to 9 decimals, e.g. "0.01") as wei. */
export function parseGwei(name: string, value: number | string): bigint {
  return parseUnits(decimalString(name, value, 9), "gwei");
}

/** A positive USD price as an 18-decimal fixed-point number (the oracles' unit). */
export function parseUsdWad(name: string, value: number | string): bigint {
  const wad = parseUnits(decimalString(name, value, 18), 18);
  if (wad === 0n) throw new KeeperConfigError(`${name} must be positive`);
  return wad;
}

function vaultList(vaults: readonly string[]): string[] {
  if (!Array.isArray(vaults) || vaults.length === 0) {
    throw new KeeperConfigError("at least one vault address is required");
  }
  const seen = new Set<string>();
  return vaults.map((vault) => {
    if (typeof vault !== "string" || !isAddress(vault)) {
      throw new KeeperConfigError(`vault ${JSON.stringify(vault)} is not an address`);
    }
    const address = getAddress(vault);
    // Two entries for one vault would mean two in-flight locks for it: the double send the lock exists to prevent.
    if (seen.has(address)) throw new KeeperConfigError(`vault ${address} is listed twice`);
    seen.add(address);
    return address;
  });
}

function quoterAddress(quoter: string): string {
  if (!isAddress(quoter)) throw new KeeperConfigError(`quoter: ${quoter} is not an address`);
  return getAddress(quoter);
}

function gasTokenSource(source: GasTokenSource | undefined): KeeperConfig["gasToken"] {
  if (source === undefined) return undefined;
  if ("basketAsset" in source && "usdPrice" in source) {
    throw new KeeperConfigError("gasToken: give either basketAsset or usdPrice, not both");
  }
  if ("usdPrice" in source) return { usdPriceWad: parseUsdWad("gasToken.usdPrice", source.usdPrice) };
  // Callers from JavaScript or JSON configs can pass anything: check at run time too.
  const asset: unknown = source.basketAsset;
  if (typeof asset === "number") return { basketAsset: integer("gasToken.basketAsset", asset, 0, 15) };
  if (typeof asset !== "string" || asset.trim() === "") {
    throw new KeeperConfigError("gasToken.basketAsset must be a basket index, token address or symbol");
  }
  const name = asset.trim();
  return { basketAsset: isAddress(name) ? getAddress(name) : name };
}

/** Validates every option and applies the defaults; throws {@link KeeperConfigError} naming the first problem. */
export function resolveKeeperConfig(options: KeeperOptions): KeeperConfig {
  const dryRun = options.dryRun ?? false;
  if (typeof dryRun !== "boolean") throw new KeeperConfigError("dryRun must be a boolean");
  if (!dryRun && options.signer === undefined) {
    throw new KeeperConfigError("a signer is required to send transactions (or set dryRun)");
  }
  if (options.provider === undefined && options.signer?.provider == null) {
    throw new KeeperConfigError("a provider is required: pass one, or a signer connected to one");
  }
  if (options.from !== undefined && !isAddress(options.from)) {
    throw new KeeperConfigError(`from ${JSON.stringify(options.from)} is not an address`);
  }
  const maxFeePerGas = parseGwei("maxFeePerGasGwei", options.maxFeePerGasGwei ?? DEFAULTS.maxFeePerGasGwei);
  if (maxFeePerGas === 0n) throw new KeeperConfigError("maxFeePerGasGwei must be positive");
  const priorityFee =
    options.priorityFeeGwei === undefined ? undefined : parseGwei("priorityFeeGwei", options.priorityFeeGwei);
  if (priorityFee !== undefined && priorityFee > maxFeePerGas) {
    throw new KeeperConfigError("priorityFeeGwei cannot exceed maxFeePerGasGwei");
  }
  const trigger = options.trigger ?? DEFAULTS.trigger;
  if (trigger !== "poll" && trigger !== "block") {
    throw new KeeperConfigError(`trigger must be "poll" or "block", got ${JSON.stringify(trigger)}`);
  }
  const retryIn = { ...DEFAULTS.retry, ...options.retry };
  const retry: RetryPolicy = {
    retries: integer("retry.retries", retryIn.retries, 0, 100),
    baseDelayMs: integer("retry.baseDelayMs", retryIn.baseDelayMs, 0, 600_000),
    maxDelayMs: integer("retry.maxDelayMs", retryIn.maxDelayMs, 0, 3_600_000),
    factor: retryIn.factor,
    jitter: retryIn.jitter,
  };
  if (typeof retry.factor !== "number" || !(retry.factor >= 1 && retry.factor <= 10)) {
    throw new KeeperConfigError(`retry.factor must be from 1 to 10, got ${String(retry.factor)}`);
  }
  if (retry.maxDelayMs < retry.baseDelayMs) throw new KeeperConfigError("retry.maxDelayMs is below retry.baseDelayMs");
  if (typeof retry.jitter !== "boolean") throw new KeeperConfigError("retry.jitter must be a boolean");

  const replaceAfterBlocks = integer(
    "replaceAfterBlocks",
    options.replaceAfterBlocks ?? DEFAULTS.replaceAfterBlocks,
    1,
    1_000,
  );
  const replaceAfterMs = integer(
    "replaceAfterMs",
    options.replaceAfterMs ?? DEFAULTS.replaceAfterMs,
    0,
    MAX_INTERVAL_MS,
  );
  return {
    vaults: vaultList(options.vaults),
    dryRun,
    maxFeePerGas,
    priorityFee,
    trigger,
    pollIntervalMs: integer("pollIntervalMs", options.pollIntervalMs ?? DEFAULTS.pollIntervalMs, 10, 3_600_000),
    confirmations: integer("confirmations", options.confirmations ?? DEFAULTS.confirmations, 1, 100),
    replaceAfterBlocks,
    replaceAfterMs,
    feeBumpBps: integer("feeBumpBps", options.feeBumpBps ?? DEFAULTS.feeBumpBps, MIN_FEE_BUMP_BPS, 10_000),
    gasLimitMarginBps: integer("gasLimitMarginBps", options.gasLimitMarginBps ?? DEFAULTS.gasLimitMarginBps, 0, 10_000),
    retry,
    gasToken: gasTokenSource(options.gasToken),
    quoter: options.quoter === undefined ? undefined : quoterAddress(options.quoter),
    onceTimeoutMs: integer("onceTimeoutMs", options.onceTimeoutMs ?? DEFAULTS.onceTimeoutMs, 0, MAX_INTERVAL_MS),
  };
}

// --- The `keeper` task's arguments ---------------------------------------------------------------

/** The `keeper` task's arguments as Hardhat hands them over: strings, so that we validate them. */
export interface KeeperTaskArgs {
  vault?: string;
  dryRun: boolean;
  once: boolean;
  maxFeeGwei?: string;
  priorityFeeGwei?: string;
  privateRpc?: string;
  pollInterval?: string;
  trigger?: string;
  confirmations?: string;
  replaceAfterBlocks?: string;
  replaceAfter?: string;
  feeBump?: string;
  gasLimitMargin?: string;
  maxRetries?: string;
  retryDelay?: string;
  gasToken?: string;
  gasTokenUsd?: string;
  quoter?: string;
  signer?: string;
  logLevel?: string;
  onceTimeout?: string;
}

/** What the task needs besides {@link KeeperOptions}: how to pick the signer and where to send. */
export interface ParsedTaskArgs {
  options: Omit<KeeperOptions, "provider" | "signer" | "sendProvider" | "logger">;
  once: boolean;
  privateRpcUrl: string | undefined;
  /** Index into the network's accounts, or an address among them. */
  signer: number | string;
  logLevel: LogLevel;
}

function parseSeconds(flag: string, value: string | undefined, allowZero: boolean): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(decimalString(flag, value, 3));
  if (!allowZero && seconds === 0) throw new KeeperConfigError(`${flag} must be positive`);
  return Math.round(seconds * 1_000);
}

function parseInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()))
    throw new KeeperConfigError(`${flag} must be a whole number, got ${JSON.stringify(value)}`);
  return Number(value.trim());
}

/** Splits `--vault a,b` (and tolerates spaces and a trailing comma). */
export function splitVaults(value: string | undefined): string[] {
  if (value === undefined || value.trim() === "") {
    throw new KeeperConfigError("--vault is required: one address, or several separated by commas");
  }
  return value
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

/** Turns the task's string arguments into keeper options, each checked with a message naming its flag. */
export function parseKeeperTaskArgs(args: KeeperTaskArgs): ParsedTaskArgs {
  let privateRpcUrl: string | undefined;
  if (args.privateRpc !== undefined) {
    let url: URL;
    try {
      url = new URL(args.privateRpc);
    } catch {
      throw new KeeperConfigError(`--private-rpc ${JSON.stringify(args.privateRpc)} is not a URL`);
    }
    if (!["http:", "https:", "ws:", "wss:"].includes(url.protocol)) {
      throw new KeeperConfigError(`--private-rpc must be an http(s) or ws(s) URL, got ${url.protocol}`);
    }
    privateRpcUrl = args.privateRpc;
  }
  if (args.gasToken !== undefined && args.gasTokenUsd !== undefined) {
    throw new KeeperConfigError("give --gas-token or --gas-token-usd, not both");
  }
  let gasToken: GasTokenSource | undefined;
  if (args.gasTokenUsd !== undefined) gasToken = { usdPrice: args.gasTokenUsd };
  else if (args.gasToken !== undefined) {
    const value = args.gasToken.trim();
    gasToken = { basketAsset: /^\d+$/.test(value) ? Number(value) : value };
  }
  const logLevel = (args.logLevel ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new KeeperConfigError(
      `--log-level must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(args.logLevel)}`,
    );
  }
  let signer: number | string = 0;
  if (args.signer !== undefined) {
    const value = args.signer.trim();
    if (/^\d+$/.test(value)) signer = Number(value);
    else if (isAddress(value)) signer = getAddress(value);
    else
      throw new KeeperConfigError(`--signer must be an account index or address, got ${JSON.stringify(args.signer)}`);
  }
  const retries = parseInteger("--max-retries", args.maxRetries);
  const baseDelayMs = parseSeconds("--retry-delay", args.retryDelay, true);
  const retry: Partial<RetryPolicy> = {
    ...(retries === undefined ? {} : { retries }),
    ...(baseDelayMs === undefined ? {} : { baseDelayMs, maxDelayMs: Math.max(baseDelayMs, DEFAULTS.retry.maxDelayMs) }),
  };
  const options: ParsedTaskArgs["options"] = {
    vaults: splitVaults(args.vault),
    dryRun: args.dryRun,
    maxFeePerGasGwei: args.maxFeeGwei,
    priorityFeeGwei: args.priorityFeeGwei,
    trigger: args.trigger as TriggerMode | undefined,
    pollIntervalMs: parseSeconds("--poll-interval", args.pollInterval, false),
    confirmations: parseInteger("--confirmations", args.confirmations),
    replaceAfterBlocks: parseInteger("--replace-after-blocks", args.replaceAfterBlocks),
    replaceAfterMs: parseSeconds("--replace-after", args.replaceAfter, true),
    feeBumpBps: parseInteger("--fee-bump", args.feeBump),
    gasLimitMarginBps: parseInteger("--gas-limit-margin", args.gasLimitMargin),
    retry,
    gasToken,
    quoter: args.quoter,
    onceTimeoutMs: parseSeconds("--once-timeout", args.onceTimeout, true),
  };
  // Undefined entries must not hide the defaults: drop them.
  const defined = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as ParsedTaskArgs["options"];
  return { options: defined, once: args.once, privateRpcUrl, signer, logLevel };
}
