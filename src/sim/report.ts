/**
 * Presentation of simulation results: a plain-text table for the terminal, SVG charts (cost against
 * tracking error with the efficient frontier; NAV over time) and a self-contained HTML report.
 * SVG is written by hand: no chart library, nothing to install, and the files open anywhere.
 */
import type { SimResult } from "./simulate";

/** One row of the results table: label and formatted cells, in {@link TABLE_COLUMNS} order. */
export const TABLE_COLUMNS = [
  "policy",
  "return",
  "excess/yr",
  "TE bps",
  "turnover/yr",
  "fees $",
  "impact $",
  "gas $",
  "LVR $",
  "cost bps/yr",
  "rebal",
  "max DD",
] as const;

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const bp = (x: number) => `${(x * 10_000).toFixed(1)}`;
const usd = (x: number) => Math.round(x).toLocaleString("en-US");

/** The formatted cells of one result. */
export function tableRow(r: SimResult): string[] {
  return [
    r.policy,
    pct(r.totalReturn),
    `${bp(r.excessGrowth)} bp`,
    r.trackingErrorBps.toFixed(1),
    `${r.turnoverPerYear.toFixed(2)}x`,
    usd(r.costs.feesUsd),
    usd(r.costs.impactUsd),
    usd(r.costs.gasUsd),
    usd(r.costs.lvrUsd),
    r.costBpsPerYear.toFixed(1),
    String(r.rebalances),
    pct(r.maxDrawdown),
  ];
}

/** A fixed-width text table (numbers right-aligned). */
export function formatTable(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** The results table of a backtest. */
export function resultsTable(results: readonly SimResult[]): string {
  return formatTable(TABLE_COLUMNS, results.map(tableRow));
}

/** A point of the cost / tracking-error plane. */
export interface FrontierPoint {
  label: string;
  trackingErrorBps: number;
  costBpsPerYear: number;
  highlight?: boolean;
}

/**
 * The efficient frontier: the points no other point beats on both cost and tracking error, in
 * order of increasing tracking error.
 */
export function efficientFrontier(points: readonly FrontierPoint[]): FrontierPoint[] {
  const sorted = [...points].sort(
    (a, b) => a.trackingErrorBps - b.trackingErrorBps || a.costBpsPerYear - b.costBpsPerYear,
  );
  const out: FrontierPoint[] = [];
  let best = Infinity;
  for (const p of sorted) {
    if (p.costBpsPerYear < best) {
      out.push(p);
      best = p.costBpsPerYear;
    }
  }
  return out;
}

const COLORS = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** "Nice" tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

function axes(
  f: Frame,
  title: string,
  xLabel: string,
  yLabel: string,
  fmtX = (v: number) => String(v),
  fmtY = (v: number) => String(v),
): string[] {
  const sx = (v: number) => f.left + ((v - f.x0) / (f.x1 - f.x0 || 1)) * (f.width - f.left - f.right);
  const sy = (v: number) => f.height - f.bottom - ((v - f.y0) / (f.y1 - f.y0 || 1)) * (f.height - f.top - f.bottom);
  const out: string[] = [
    `<rect x="0" y="0" width="${f.width}" height="${f.height}" fill="#fff"/>`,
    `<text x="${f.width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escape(title)}</text>`,
  ];
  for (const v of ticks(f.x0, f.x1)) {
    const x = sx(v).toFixed(1);
    out.push(`<line x1="${x}" y1="${f.top}" x2="${x}" y2="${f.height - f.bottom}" stroke="#eee"/>`);
    out.push(
      `<text x="${x}" y="${f.height - f.bottom + 16}" text-anchor="middle" font-size="11">${escape(fmtX(v))}</text>`,
    );
  }
  for (const v of ticks(f.y0, f.y1)) {
    const y = sy(v).toFixed(1);
    out.push(`<line x1="${f.left}" y1="${y}" x2="${f.width - f.right}" y2="${y}" stroke="#eee"/>`);
    out.push(
      `<text x="${f.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${escape(fmtY(v))}</text>`,
    );
  }
  out.push(
    `<rect x="${f.left}" y="${f.top}" width="${f.width - f.left - f.right}" height="${f.height - f.top - f.bottom}" fill="none" stroke="#999"/>`,
    `<text x="${f.left + (f.width - f.left - f.right) / 2}" y="${f.height - 8}" text-anchor="middle" font-size="12">${escape(xLabel)}</text>`,
    `<text x="14" y="${f.top + (f.height - f.top - f.bottom) / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${f.top + (f.height - f.top - f.bottom) / 2})">${escape(yLabel)}</text>`,
  );
  return out;
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Where a point's label goes: the first spot around the point (right, left, above, below, then
 * further out) whose box overlaps no label placed before, so that policies with nearly the same
 * cost and tracking error stay readable. 11px sans-serif is taken as 6.5px a character.
 */
function placeLabel(
  x: number,
  y: number,
  text: string,
  placed: Box[],
): { x: number; y: number; anchor: "start" | "end" } {
  const width = text.length * 6.5;
  const height = 12;
  const spots: [number, number, "start" | "end"][] = [];
  for (const reach of [1, 2, 3]) {
    const dy = 12 * reach;
    spots.push([8, -6 * reach, "start"], [-8, -6 * reach, "end"], [8, dy, "start"], [-8, dy, "end"]);
  }
  const boxOf = ([dx, dy, anchor]: [number, number, "start" | "end"]): Box => {
    const left = anchor === "start" ? x + dx : x + dx - width;
    return { x0: left, y0: y + dy - height + 2, x1: left + width, y1: y + dy + 2 };
  };
  const overlaps = (a: Box) => placed.some((b) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1);
  const spot = spots.find((candidate) => !overlaps(boxOf(candidate))) ?? spots[0];
  placed.push(boxOf(spot));
  return { x: x + spot[0], y: y + spot[1], anchor: spot[2] };
}

/** Scatter of cost (bps of NAV a year) against tracking error (bps), the frontier drawn through it. */
export function frontierSvg(
  points: readonly FrontierPoint[],
  title = "Cost vs tracking error (efficient frontier)",
): string {
  const f: Frame = { width: 720, height: 460, left: 64, right: 24, top: 32, bottom: 48, x0: 0, x1: 1, y0: 0, y1: 1 };
  const maxX = Math.max(1, ...points.map((p) => p.trackingErrorBps));
  const costs = points.map((p) => p.costBpsPerYear);
  f.x1 = maxX * 1.08;
  f.y0 = Math.min(0, ...costs) * 1.08;
  f.y1 = Math.max(1, ...costs) * 1.08;
  const sx = (v: number) => f.left + ((v - f.x0) / (f.x1 - f.x0)) * (f.width - f.left - f.right);
  const sy = (v: number) => f.height - f.bottom - ((v - f.y0) / (f.y1 - f.y0)) * (f.height - f.top - f.bottom);
  const out = axes(f, title, "tracking error (RMS weight deviation, bps)", "cost (bps of NAV a year)");
  const frontier = efficientFrontier(points);
  if (frontier.length > 1) {
    const d = frontier
      .map((p, i) => `${i === 0 ? "M" : "L"}${sx(p.trackingErrorBps).toFixed(1)},${sy(p.costBpsPerYear).toFixed(1)}`)
      .join(" ");
    out.push(`<path d="${d}" fill="none" stroke="#2ca02c" stroke-width="2" stroke-dasharray="6 3"/>`);
  }
  const placed: Box[] = [];
  points.forEach((p, i) => {
    const x = sx(p.trackingErrorBps);
    const y = sy(p.costBpsPerYear);
    const onFrontier = frontier.includes(p);
    const label = placeLabel(x, y, p.label, placed);
    out.push(
      `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${p.highlight ? 7 : 5}" fill="${p.highlight ? "#d62728" : COLORS[i % COLORS.length]}" stroke="${onFrontier ? "#000" : "none"}"/>`,
      `<text x="${label.x.toFixed(1)}" y="${label.y.toFixed(1)}" text-anchor="${label.anchor}" font-size="11">${escape(p.label)}</text>`,
    );
  });
  out.push(
    `<text x="${f.width - f.right - 4}" y="${f.top + 14}" text-anchor="end" font-size="11" fill="#2ca02c">dashed: efficient frontier (outlined points)</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" font-family="sans-serif">${out.join("")}</svg>`;
}

/**
 * NAV of each result over time, x in days: normalised to 1 at the start, or (`relative`) divided by
 * the buy-and-hold NAV, which shows what each policy earned or lost against doing nothing.
 */
export function navSvg(results: readonly SimResult[], relative = false): string {
  const title = relative ? "NAV relative to buy-and-hold" : "NAV over time (start = 1)";
  const value = (r: SimResult, k: number) =>
    relative ? r.series.navUsd[k] / r.series.holdUsd[k] : r.series.navUsd[k] / r.navStartUsd;
  const f: Frame = { width: 720, height: 420, left: 64, right: 140, top: 32, bottom: 48, x0: 0, x1: 1, y0: 0, y1: 1 };
  let lo = Infinity;
  let hi = -Infinity;
  let maxT = 0;
  for (const r of results) {
    for (let k = 0; k < r.series.navUsd.length; k++) {
      const v = value(r, k);
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    maxT = Math.max(maxT, r.series.times[r.series.times.length - 1] ?? 0);
  }
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
  const pad = (hi - lo) * 0.05 || 0.05;
  Object.assign(f, { x0: 0, x1: Math.max(maxT / 86_400, 1e-9), y0: lo - pad, y1: hi + pad });
  const sx = (v: number) => f.left + ((v - f.x0) / (f.x1 - f.x0)) * (f.width - f.left - f.right);
  const sy = (v: number) => f.height - f.bottom - ((v - f.y0) / (f.y1 - f.y0)) * (f.height - f.top - f.bottom);
  const out = axes(
    f,
    title,
    "days",
    relative ? "NAV / buy-and-hold NAV" : "NAV / initial NAV",
    (v) => String(v),
    (v) => v.toFixed(relative ? 3 : 2),
  );
  results.forEach((r, i) => {
    const color = COLORS[i % COLORS.length];
    const parts: string[] = [];
    for (let k = 0; k < r.series.navUsd.length; k++) {
      parts.push(`${k === 0 ? "M" : "L"}${sx(r.series.times[k] / 86_400).toFixed(1)},${sy(value(r, k)).toFixed(1)}`);
    }
    out.push(`<path d="${parts.join(" ")}" fill="none" stroke="${color}" stroke-width="1.3"/>`);
    const y = f.top + 14 + i * 16;
    out.push(
      `<line x1="${f.width - f.right + 10}" y1="${y}" x2="${f.width - f.right + 28}" y2="${y}" stroke="${color}" stroke-width="3"/>`,
      `<text x="${f.width - f.right + 32}" y="${y}" dominant-baseline="middle" font-size="11">${escape(r.policy)}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" font-family="sans-serif">${out.join("")}</svg>`;
}

/** A self-contained HTML page: title, a description list, tables and SVG charts. */
export function htmlReport(
  title: string,
  facts: readonly [string, string][],
  tables: readonly { caption: string; header: readonly string[]; rows: readonly string[][] }[],
  charts: readonly string[],
  notes: readonly string[] = [],
): string {
  const dl = facts.map(([k, v]) => `<dt>${escape(k)}</dt><dd>${escape(v)}</dd>`).join("");
  const tbl = tables
    .map(
      (t) =>
        `<table><caption>${escape(t.caption)}</caption><thead><tr>${t.header.map((h) => `<th>${escape(h)}</th>`).join("")}</tr></thead><tbody>${t.rows
          .map(
            (r) =>
              `<tr>${r.map((c, i) => (i === 0 ? `<th>${escape(c)}</th>` : `<td>${escape(c)}</td>`)).join("")}</tr>`,
          )
          .join("")}</tbody></table>`,
    )
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>
body{font-family:sans-serif;margin:2em;color:#222;max-width:1100px}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dt{font-weight:bold}dd{margin:0}
table{border-collapse:collapse;margin:1em 0;font-size:13px}caption{text-align:left;font-weight:bold;padding:4px 0}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}thead th{background:#f4f4f4}tbody th{text-align:left}
.charts svg{margin:8px 8px 8px 0;border:1px solid #ddd}
</style></head><body>
<h1>${escape(title)}</h1>
<dl>${dl}</dl>
${tbl}
<div class="charts">${charts.join("\n")}</div>
${notes.map((n) => `<p>${escape(n)}</p>`).join("\n")}
</body></html>
`;
}
