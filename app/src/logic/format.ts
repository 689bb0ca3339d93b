/**
 * Amounts as people read and type them. Token amounts stay bigint from the chain to the screen:
 * a Number would round 18-decimal amounts (and any balance above 2^53 smallest units) silently.
 * Pure: unit-tested in test/app/format.test.ts.
 */

/** A typed amount the app cannot read: the message says what is wrong. */
export class AmountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AmountError";
  }
}

/** The locale's decimal and group separators ("." and "," in en-US; "," and "." in de-DE). */
export function separators(locale?: string): { decimal: string; group: string } {
  const parts = new Intl.NumberFormat(locale).formatToParts(12345.6);
  return {
    decimal: parts.find((part) => part.type === "decimal")?.value ?? ".",
    group: parts.find((part) => part.type === "group")?.value ?? ",",
  };
}

export interface FormatOptions {
  /** Most fraction digits shown (rounded down: an amount is never shown larger than it is). Default 4. */
  maxFraction?: number;
  /** Fewest fraction digits shown (zeros padded). Default 0. */
  minFraction?: number;
  locale?: string;
}

/** `1234567890n` with 6 decimals -> "1,234.5678" (en-US), "1.234,5678" (de-DE). */
export function formatAmount(raw: bigint, decimals: number, options: FormatOptions = {}): string {
  const maxFraction = Math.min(options.maxFraction ?? 4, decimals);
  const minFraction = Math.min(options.minFraction ?? 0, maxFraction);
  const negative = raw < 0n;
  const abs = negative ? -raw : raw;
  const unit = 10n ** BigInt(decimals);
  const whole = abs / unit;
  let fraction = (abs % unit).toString().padStart(decimals, "0").slice(0, maxFraction);
  fraction = fraction.replace(/0+$/, "").padEnd(minFraction, "0");
  const { decimal } = separators(options.locale);
  // Intl formats a bigint exactly, with the locale's grouping.
  const wholeText = new Intl.NumberFormat(options.locale, { maximumFractionDigits: 0 }).format(whole);
  const sign = negative && (whole > 0n || /[1-9]/.test(fraction)) ? "-" : "";
  return `${sign}${wholeText}${fraction ? decimal + fraction : ""}`;
}

/**
 * Reads a typed amount in the locale's notation ("1,234.5" en-US, "1.234,5" de-DE; group
 * separators optional) into smallest units. Refuses more fraction digits than the token has
 * rather than round someone's money.
 */
export function parseAmount(text: string, decimals: number, locale?: string): bigint {
  const { decimal, group } = separators(locale);
  let clean = text.trim().replace(/[\s\u00a0\u202f]/g, "");
  if (clean === "") throw new AmountError("Enter an amount");
  clean = clean.split(group).join("");
  if (decimal !== ".") clean = clean.replace(decimal, ".");
  if (!/^\d*\.?\d*$/.test(clean) || clean === ".") throw new AmountError(`"${text}" is not a number`);
  const [whole, fraction = ""] = clean.split(".");
  if (fraction.length > decimals) {
    throw new AmountError(`At most ${decimals} decimal${decimals === 1 ? "" : "s"} for this token`);
  }
  return BigInt(whole || "0") * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0");
}

/** An amount as an input's value: no grouping, the locale's decimal separator, every digit kept. */
export function amountInputValue(raw: bigint, decimals: number, locale?: string): string {
  const unit = 10n ** BigInt(decimals);
  const fraction = (raw % unit).toString().padStart(decimals, "0").replace(/0+$/, "");
  return `${raw / unit}${fraction ? separators(locale).decimal + fraction : ""}`;
}

/** Basis points as a percentage: 81n -> "0.81%". */
export function formatBps(bps: bigint | number, locale?: string, fractionDigits = 2): string {
  return `${new Intl.NumberFormat(locale, {
    minimumFractionDigits: 0,
    maximumFractionDigits: fractionDigits,
  }).format(Number(bps) / 100)}%`;
}

/** `0x1234...abcd`. */
export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

/** A duration in words: 3600 -> "1 h", 172800 -> "2 d". */
export function formatDuration(seconds: number | bigint): string {
  const s = Number(seconds);
  if (s >= 86_400 && s % 86_400 === 0) return `${s / 86_400} d`;
  if (s >= 3_600 && s % 3_600 === 0) return `${s / 3_600} h`;
  if (s >= 60 && s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}

/** A Unix time (seconds) as a local date and time. */
export function formatTime(seconds: number | bigint, locale?: string): string {
  return new Date(Number(seconds) * 1000).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
}
