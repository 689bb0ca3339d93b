import path from "node:path";

import { readTextFile } from "../shared/input";

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

/**
 * The lines of a CSV file in the lab's formats (prices and flows, both below): the header
 * (its 1-based line number and trimmed cells, the first of which must be `timestamp`) and each data
 * line's cells with its line number, blank and `#` lines skipped, each row as wide as the header.
 */
export interface CsvTable {
  headerLine: number;
  header: string[];
  rows: { line: number; cells: string[] }[];
}

/** Splits CSV text into a {@link CsvTable}; `what` names the file kind in errors ("csv", "flows"). */
export function readCsvTable(text: string, what: string, expected: string): CsvTable {
  const lines = text.split(/\r?\n/);
  let headerLine = -1;
  const rows: CsvTable["rows"] = [];
  let header: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === "" || raw.startsWith("#")) continue;
    const cells = raw.split(",").map((c) => c.trim());
    if (headerLine < 0) {
      headerLine = i + 1;
      header = cells;
      if (header[0].toLowerCase() !== "timestamp") {
        throw new SimError(`${what} line ${headerLine}: first column must be "timestamp", got "${header[0]}"`);
      }
      continue;
    }
    if (cells.length !== header.length) {
      throw new SimError(`${what} line ${i + 1}: ${cells.length} cells, the header has ${header.length}`);
    }
    rows.push({ line: i + 1, cells });
  }
  if (headerLine < 0) throw new SimError(`${what}: no header line (expected \`${expected}\`)`);
  return { headerLine, header, rows };
}

/** Parses CSV text into a price path (see {@link CsvOptions} for the format). */
export function parseCsvPath(text: string, options: CsvOptions = {}): PricePath {
  const base = options.base ?? "USDC";
  const { headerLine, header, rows: table } = readCsvTable(text, "csv", "timestamp,SYM1,SYM2,...");
  const columns = header.slice(1);
  const seen = new Set<string>();
  for (const symbol of columns) {
    if (!/^[A-Za-z0-9._-]{1,16}$/.test(symbol)) {
      throw new SimError(`csv line ${headerLine}: column "${symbol}" is not a symbol (1-16 letters, digits, . _ -)`);
    }
    if (seen.has(symbol)) throw new SimError(`csv line ${headerLine}: column ${symbol} appears twice`);
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
  for (const { line: lineNo, cells } of table) {
    const time = parseTimestamp(cells[0], lineNo);
    if (times.length > 0 && time <= times[times.length - 1]) {
      throw new SimError(`csv line ${lineNo}: timestamp ${cells[0]} is not after the previous row's`);
    }
    times.push(time);
    const row = new Array<number>(width).fill(1);
    for (let c = 0; c < columns.length; c++) {
      const cell = cells[c + 1];
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
    startTime: start,
  };
}

/** Reads and parses a CSV price file (see {@link parseCsvPath}). */
export function loadCsvPath(file: string, options: CsvOptions = {}): PricePath {
  const text = readTextFile(file, (reason) => new SimError(`csv ${file}: cannot read (${reason})`));
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

// --- Flows ------------------------------------------------------------------------------------

/** What a depositor did: the vault's entries and exits (ERC-4626's four, and the in-kind exit). */
export const FLOW_KINDS = ["deposit", "mint", "redeem", "withdraw", "redeemInKind"] as const;
export type FlowKind = (typeof FLOW_KINDS)[number];

/**
 * A flow's amounts, each a column of its name in a flows CSV: `shares` minted or burnt
 * (informational: the lab prices its own shares); `assets`, the base asset paid in or out, in kind
 * the oracle value of the tokens taken (informational); `value`, what the shares were worth at the
 * oracle NAV just before the flow, in the base asset; `charge`, what the vault charged the flow
 * (entry or exit price's flow cost and fee), in the base asset.
 */
const FLOW_AMOUNTS = ["shares", "assets", "value", "charge"] as const;
type FlowAmount = (typeof FLOW_AMOUNTS)[number];

/** One depositor's flow, as `npm start` records it and the lab replays it (src/sim/flows.ts). */
export interface Flow extends Record<FlowAmount, number> {
  /** Epoch seconds (a CSV's timestamps) or seconds from a generated path's start. */
  time: number;
  kind: FlowKind;
  /** Who, for reports; the lab ignores it. */
  account: string;
}

const FLOW_COLUMNS = ["timestamp", "kind", "account", ...FLOW_AMOUNTS] as const;

/**
 * Parses a flows CSV (the format {@link flowsToCsv} writes, documented in docs/simulator.md):
 *
 *     timestamp,kind,account,shares,assets,value,charge
 *     1700010800,deposit,alice,24912.3,25000,24950.1,49.9
 *
 * Timestamps as in a prices CSV, non-decreasing; amounts in the base asset's whole tokens (USDC),
 * shares in whole shares. The lab needs `kind`, `value` and `charge`: a deposit adds `value +
 * charge` to the base balance (its payment), an exit takes out `value - charge`.
 */
export function parseFlowsCsv(text: string): Flow[] {
  const { headerLine, header, rows } = readCsvTable(text, "flows", FLOW_COLUMNS.join(","));
  const column = (name: string) => {
    const k = header.indexOf(name);
    if (k < 0) throw new SimError(`flows line ${headerLine}: no "${name}" column (expected ${FLOW_COLUMNS.join(",")})`);
    return k;
  };
  const [time, kind, account, ...amountColumns] = FLOW_COLUMNS.map(column);
  const flows: Flow[] = [];
  for (const { line, cells } of rows) {
    const amount = (k: number, name: string) => {
      const x = Number(cells[k]);
      if (cells[k] === "" || !Number.isFinite(x) || x < (name === "charge" ? -Infinity : 0)) {
        throw new SimError(`flows line ${line}, column ${name}: "${cells[k]}" is not an amount`);
      }
      return x;
    };
    const flowKind = cells[kind] as FlowKind;
    if (!FLOW_KINDS.includes(flowKind)) {
      throw new SimError(`flows line ${line}: kind "${cells[kind]}" is not one of ${FLOW_KINDS.join(", ")}`);
    }
    const at = parseTimestamp(cells[time], line);
    const amounts = Object.fromEntries(FLOW_AMOUNTS.map((name, i) => [name, amount(amountColumns[i], name)]));
    const flow: Flow = {
      time: at,
      kind: flowKind,
      account: cells[account],
      ...(amounts as Record<FlowAmount, number>),
    };
    if (flows.length > 0 && flow.time < flows[flows.length - 1].time) {
      throw new SimError(`flows line ${line}: timestamp ${cells[time]} is before the previous flow's`);
    }
    flows.push(flow);
  }
  return flows;
}

/** Reads and parses a flows CSV file (see {@link parseFlowsCsv}). */
export function loadFlowsCsv(file: string): Flow[] {
  return parseFlowsCsv(readTextFile(file, (reason) => new SimError(`flows ${file}: cannot read (${reason})`)));
}

/** Writes flows in the format {@link parseFlowsCsv} reads, under `comment` lines (`# ...`). */
export function flowsToCsv(flows: readonly Flow[], comment: readonly string[] = []): string {
  const out = [...comment.map((line) => `# ${line}`), FLOW_COLUMNS.join(",")];
  for (const f of flows) {
    out.push([f.time, f.kind, f.account, ...FLOW_AMOUNTS.map((name) => f[name])].map(String).join(","));
  }
  return out.join("\n") + "\n";
}
