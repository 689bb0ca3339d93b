import { readFileSync } from "node:fs";
import path from "node:path";

import { SimError } from "./errors";
import { decimalsOf, KNOWN_DECIMALS, MAX_PATH_CELLS } from "./paths";
import type { PricePath } from "./paths";

/**
 * Historical prices from CSV (format documented in docs/simulator.md):
 *
 *     timestamp,WETH,WBTC,LINK
 *     2024-01-01T00:00:00Z,2281.52,42280.1,14.91
 *     1704067260,2282.07,42291.0,14.90
 *
 * - First line: the header, `timestamp` then one column per asset symbol (1-15 assets). A column
 *   named like the base asset (default USDC) gives the base's USD price; without one the base is
 *   worth $1 throughout.
 * - Timestamps: unix seconds (digits, optionally with a fraction) or ISO 8601
 *   (`2024-01-01`, `2024-01-01T00:00Z`, `2024-01-01 00:00:00+02:00`; no zone means UTC); strictly
 *   increasing. Steps may be irregular: the simulator uses each row's own time.
 * - Prices: USD per whole token, positive decimal numbers. An empty cell is an error, not a
 *   forward-fill: a gap in the data should be a decision of whoever prepared it.
 * - Blank lines and lines starting with `#` are ignored; CRLF line endings are accepted.
 */
export interface CsvOptions {
  /** The base asset's symbol (column 0 of the path); default USDC. */
  base?: string;
  /** Decimals per symbol, for tokens not in KNOWN_DECIMALS (default 18). */
  decimals?: Readonly<Record<string, number>>;
  /** Label of the source in reports; default "csv". */
  source?: string;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Seconds since the epoch of a CSV timestamp cell; throws with the line number otherwise. */
export function parseTimestamp(cell: string, line: number): number {
  const text = cell.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    const seconds = Number(text);
    // Milliseconds are the usual mistake: 1.7e12 would be the year 55,000.
    if (seconds > 1e11) throw new SimError(`line ${line}: timestamp ${text} looks like milliseconds; use seconds`);
    return seconds;
  }
  const match = ISO_DATE.exec(text);
  if (!match) throw new SimError(`line ${line}: timestamp "${text}" is neither unix seconds nor ISO 8601`);
  // Date.parse reads a date-time without a zone as local time: the format says UTC.
  const iso = text.replace(" ", "T");
  const ms = Date.parse(match[1] || iso.length === 10 ? iso : `${iso}Z`);
  if (!Number.isFinite(ms)) throw new SimError(`line ${line}: timestamp "${text}" is not a valid date`);
  return ms / 1000;
}

/** Parses CSV text into a price path (see {@link CsvOptions} for the format). */
export function parseCsvPath(text: string, options: CsvOptions = {}): PricePath {
  const base = options.base ?? "USDC";
  const lines = text.split(/\r?\n/);
  let headerLine = -1;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    if (l !== "" && !l.startsWith("#")) {
      headerLine = i;
      break;
    }
  }
  if (headerLine < 0) throw new SimError("csv: no header line (expected `timestamp,SYM1,SYM2,...`)");
  const header = lines[headerLine].split(",").map((c) => c.trim());
  if (header[0].toLowerCase() !== "timestamp") {
    throw new SimError(`csv line ${headerLine + 1}: first column must be "timestamp", got "${header[0]}"`);
  }
  const columns = header.slice(1);
  const seen = new Set<string>();
  for (const symbol of columns) {
    if (!/^[A-Za-z0-9._-]{1,16}$/.test(symbol)) {
      throw new SimError(
        `csv line ${headerLine + 1}: column "${symbol}" is not a symbol (1-16 letters, digits, . _ -)`,
      );
    }
    if (seen.has(symbol)) throw new SimError(`csv line ${headerLine + 1}: column ${symbol} appears twice`);
    seen.add(symbol);
  }
  const assets = columns.filter((c) => c !== base);
  if (assets.length < 1 || assets.length > 15) {
    throw new SimError(`csv: ${assets.length} asset columns; a vault holds 1 to 15 besides the base ${base}`);
  }
  // Output column of each CSV column: the base goes to 0, assets keep their order from 1.
  const target = columns.map((c) => (c === base ? 0 : assets.indexOf(c) + 1));
  const width = assets.length + 1;

  const rows: number[] = [];
  const times: number[] = [];
  for (let i = headerLine + 1; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === "" || raw.startsWith("#")) continue;
    const lineNo = i + 1;
    const cells = raw.split(",");
    if (cells.length !== header.length) {
      throw new SimError(`csv line ${lineNo}: ${cells.length} cells, the header has ${header.length}`);
    }
    const time = parseTimestamp(cells[0], lineNo);
    if (times.length > 0 && time <= times[times.length - 1]) {
      throw new SimError(`csv line ${lineNo}: timestamp ${cells[0].trim()} is not after the previous row's`);
    }
    times.push(time);
    const row = new Array<number>(width).fill(1);
    for (let c = 0; c < columns.length; c++) {
      const cell = cells[c + 1].trim();
      const price = cell === "" ? NaN : Number(cell);
      if (!/^[0-9.eE+-]+$/.test(cell) || !Number.isFinite(price) || price <= 0) {
        throw new SimError(`csv line ${lineNo}, column ${columns[c]}: "${cell}" is not a positive price`);
      }
      row[target[c]] = price;
    }
    rows.push(...row);
    if (rows.length > MAX_PATH_CELLS) throw new SimError(`csv: more than ${MAX_PATH_CELLS} cells`);
  }
  if (times.length < 2) throw new SimError("csv: at least two rows of prices are needed");
  const start = times[0];
  return {
    symbols: [base, ...assets],
    decimals: [base, ...assets].map((s, i) =>
      decimalsOf(s, options.decimals?.[s] ?? (i === 0 ? (KNOWN_DECIMALS[s] ?? 6) : undefined)),
    ),
    times: Float64Array.from(times, (t) => t - start),
    prices: Float64Array.from(rows),
    steps: times.length,
    width,
    source: options.source ?? "csv",
  };
}

/** Reads and parses a CSV price file (see {@link parseCsvPath}). */
export function loadCsvPath(file: string, options: CsvOptions = {}): PricePath {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new SimError(`csv ${file}: cannot read (${(error as Error).message})`);
  }
  return parseCsvPath(text, { source: path.basename(file), ...options });
}

/** Writes a path as CSV in the same format (unix seconds from `startTime`), e.g. to save a scenario. */
export function pathToCsv(p: PricePath, startTime = 0): string {
  const out = [["timestamp", ...p.symbols].join(",")];
  for (let t = 0; t < p.steps; t++) {
    const cells = [String(startTime + p.times[t])];
    for (let i = 0; i < p.width; i++) cells.push(String(p.prices[t * p.width + i]));
    out.push(cells.join(","));
  }
  return out.join("\n") + "\n";
}
