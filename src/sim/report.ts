/**
 * Presentation of simulation results: a plain-text table for the terminal, SVG charts (cost against
 * tracking error with the efficient frontier; NAV over time, drawn with src/sim/svg.ts) and a
 * self-contained HTML report.
 */
import type { SimResult } from "./simulate";
import { axes, COLOUR, escapeXml, frameScales, placeLabel, seriesColour, svgTag } from "./svg";
import type { Frame, LabelBox } from "./svg";

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
  const { sx, sy } = frameScales(f);
  const out = axes(f, title, "tracking error (RMS weight deviation, bps)", "cost (bps of NAV a year)");
  const frontier = efficientFrontier(points);
  if (frontier.length > 1) {
    const d = frontier
      .map((p, i) => `${i === 0 ? "M" : "L"}${sx(p.trackingErrorBps).toFixed(1)},${sy(p.costBpsPerYear).toFixed(1)}`)
      .join(" ");
    out.push(`<path d="${d}" fill="none" stroke="${COLOUR.green}" stroke-width="2" stroke-dasharray="6 3"/>`);
  }
  const placed: LabelBox[] = [];
  points.forEach((p, i) => {
    const x = sx(p.trackingErrorBps);
    const y = sy(p.costBpsPerYear);
    const onFrontier = frontier.includes(p);
    const label = placeLabel(x, y, p.label, placed);
    out.push(
      `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${p.highlight ? 7 : 5}" fill="${p.highlight ? COLOUR.red : seriesColour(i)}" stroke="${onFrontier ? "#000" : "none"}"/>`,
      `<text x="${label.x.toFixed(1)}" y="${label.y.toFixed(1)}" text-anchor="${label.anchor}" font-size="11">${escapeXml(p.label)}</text>`,
    );
  });
  out.push(
    `<text x="${f.width - f.right - 4}" y="${f.top + 14}" text-anchor="end" font-size="11" fill="${COLOUR.green}">dashed: efficient frontier (outlined points)</text>`,
  );
  return `${svgTag(f.width, f.height, 'font-family="sans-serif"')}${out.join("")}</svg>`;
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
  const { sx, sy } = frameScales(f);
  const out = axes(
    f,
    title,
    "days",
    relative ? "NAV / buy-and-hold NAV" : "NAV / initial NAV",
    (v) => String(v),
    (v) => v.toFixed(relative ? 3 : 2),
  );
  results.forEach((r, i) => {
    const color = seriesColour(i);
    const parts: string[] = [];
    for (let k = 0; k < r.series.navUsd.length; k++) {
      parts.push(`${k === 0 ? "M" : "L"}${sx(r.series.times[k] / 86_400).toFixed(1)},${sy(value(r, k)).toFixed(1)}`);
    }
    out.push(`<path d="${parts.join(" ")}" fill="none" stroke="${color}" stroke-width="1.3"/>`);
    const y = f.top + 14 + i * 16;
    out.push(
      `<line x1="${f.width - f.right + 10}" y1="${y}" x2="${f.width - f.right + 28}" y2="${y}" stroke="${color}" stroke-width="3"/>`,
      `<text x="${f.width - f.right + 32}" y="${y}" dominant-baseline="middle" font-size="11">${escapeXml(r.policy)}</text>`,
    );
  });
  return `${svgTag(f.width, f.height, 'font-family="sans-serif"')}${out.join("")}</svg>`;
}

/** A self-contained HTML page: title, a description list, tables and SVG charts. */
export function htmlReport(
  title: string,
  facts: readonly [string, string][],
  tables: readonly { caption: string; header: readonly string[]; rows: readonly string[][] }[],
  charts: readonly string[],
  notes: readonly string[] = [],
): string {
  const dl = facts.map(([k, v]) => `<dt>${escapeXml(k)}</dt><dd>${escapeXml(v)}</dd>`).join("");
  const tbl = tables
    .map(
      (t) =>
        `<table><caption>${escapeXml(t.caption)}</caption><thead><tr>${t.header.map((h) => `<th>${escapeXml(h)}</th>`).join("")}</tr></thead><tbody>${t.rows
          .map(
            (r) =>
              `<tr>${r.map((c, i) => (i === 0 ? `<th>${escapeXml(c)}</th>` : `<td>${escapeXml(c)}</td>`)).join("")}</tr>`,
          )
          .join("")}</tbody></table>`,
    )
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<style>
body{font-family:sans-serif;margin:2em;color:#222;max-width:1100px}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dt{font-weight:bold}dd{margin:0}
table{border-collapse:collapse;margin:1em 0;font-size:13px}caption{text-align:left;font-weight:bold;padding:4px 0}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}thead th{background:#f4f4f4}tbody th{text-align:left}
.charts svg{margin:8px 8px 8px 0;border:1px solid #ddd}
</style></head><body>
<h1>${escapeXml(title)}</h1>
<dl>${dl}</dl>
${tbl}
<div class="charts">${charts.join("\n")}</div>
${notes.map((n) => `<p>${escapeXml(n)}</p>`).join("\n")}
</body></html>
`;
}
