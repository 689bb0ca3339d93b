/** Number formatting shared by the console report, the progress lines and the chart. */
import type { BasketAsset } from "./types";

export const usd = (value: number, digits = 0): string =>
  value.toLocaleString("en-US", {
    style: "currency",
    currency: "USD",
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });

/** A signed number ("+1.25", "-0.40", "0.00": no "-0.00" for a value that rounds to zero). */
export function signed(value: number, digits = 2): string {
  const text = value.toFixed(digits);
  if (Number(text) === 0) return (0).toFixed(digits);
  return value > 0 ? `+${text}` : text;
}

export const pct = (value: number, digits = 2): string => `${signed(value, digits)}%`;

/** A number of tokens with about six significant digits, without exponent notation. */
export function amount(value: number): string {
  const magnitude = Math.abs(value);
  const digits = magnitude >= 1_000 ? 0 : magnitude >= 1 ? 4 : 6;
  return value.toLocaleString("en-US", { maximumFractionDigits: digits });
}

/** Hours since the start as "d3 14:00" (negative hours, the opening investment, as "open"). */
export function when(hour: number): string {
  if (hour < 0) return "open";
  const day = Math.floor(hour / 24);
  const rest = hour - day * 24;
  const hh = Math.floor(rest);
  const mm = Math.round((rest - hh) * 60);
  return `d${day} ${String(hh).padStart(2, "0")}:${String(Math.min(mm, 59)).padStart(2, "0")}`;
}

/** The basket with its target weights: "USDC 5%, WETH 23.75%, ...". */
export function basketText(basket: readonly BasketAsset[]): string {
  return basket.map((asset) => `${asset.symbol} ${asset.targetBps / 100}%`).join(", ");
}
