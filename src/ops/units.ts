/** Parsing of operator input and formatting of on-chain numbers for people. */
import { getAddress, isAddress, parseUnits } from "ethers";

import { OpsInputError } from "./errors";

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * Parses an amount written in whole tokens (`1000.5` USDC) into the token's smallest units. Refuses
 * anything that is not a plain non-negative decimal (no exponent, sign or separator, so that a typo
 * is never read as a different number) and more decimals than the token has (parseUnits would round
 * or throw a generic error; here the message says which).
 */
export function parseAmount(
  text: string,
  decimals: number,
  what: string,
  unit: string,
  options: { allowZero?: boolean } = {},
): bigint {
  const trimmed = text.trim();
  const match = DECIMAL.exec(trimmed);
  if (!match) throw new OpsInputError(`${what} "${text}" is not a decimal number of ${unit} (e.g. 1000.5)`);
  const fraction = match[2] ?? "";
  if (fraction.length > decimals) {
    throw new OpsInputError(
      `${what} ${trimmed} has ${fraction.length} decimals but ${unit} has ${decimals}: give at most ${decimals}`,
    );
  }
  const raw = parseUnits(trimmed, decimals);
  if (raw === 0n && !options.allowZero) throw new OpsInputError(`${what} must be more than 0 ${unit}`);
  return raw;
}

/** A checksummed address, or an error naming the parameter. */
export function parseAddress(text: string, what: string): string {
  if (!isAddress(text)) throw new OpsInputError(`${what} "${text}" is not an address (0x and 40 hex digits)`);
  return getAddress(text);
}

/**
 * `raw` in whole tokens with thousands separators, truncated (never rounded up, so a displayed
 * balance is always available) to `maxFraction` decimals, trailing zeros dropped.
 */
export function formatAmount(raw: bigint, decimals: number, maxFraction = 6): string {
  const negative = raw < 0n;
  const abs = negative ? -raw : raw;
  const unit = 10n ** BigInt(decimals);
  const whole = (abs / unit).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const shown = Math.min(maxFraction, decimals);
  const fraction = (abs % unit).toString().padStart(decimals, "0").slice(0, shown).replace(/0+$/, "");
  // Dust that truncates to nothing is still shown as dust, not as zero.
  if (abs !== 0n && abs < unit && fraction === "") return `${negative ? "-" : ""}<0.${"0".repeat(shown - 1)}1`;
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** Basis points as a percentage: 4012 -> `40.12%`. */
export function formatPercent(bps: bigint): string {
  const sign = bps < 0n ? "-" : "";
  const abs = bps < 0n ? -bps : bps;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}%`;
}

/** A signed basis-point drift: `+120 bp`, `-35 bp`, `0 bp`. */
export function formatDrift(bps: bigint): string {
  return `${bps > 0n ? "+" : ""}${bps} bp`;
}

/** A UNIX time as `2025-01-31 12:00:00 UTC`. */
export function formatTime(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** A duration as its two largest units: `1d 2h`, `9m 30s`, `0s`. */
export function formatDuration(seconds: number): string {
  const units: [string, number][] = [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
    ["s", 1],
  ];
  const parts: string[] = [];
  let left = Math.max(0, Math.floor(seconds));
  for (const [name, size] of units) {
    if (left >= size || (name === "s" && parts.length === 0)) {
      parts.push(`${Math.floor(left / size)}${name}`);
      left %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

/** `at` relative to `now`: `2025-01-31 12:00:00 UTC (in 9m 30s)`, or `(now)` once passed. */
export function formatWhen(at: number, now: number): string {
  return at <= now ? `${formatTime(at)} (now)` : `${formatTime(at)} (in ${formatDuration(at - now)})`;
}

/** JSON with bigints as decimal strings (JSON has no integers beyond 2^53). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}
