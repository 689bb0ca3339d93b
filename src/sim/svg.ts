/**
 * What every chart of the project draws with: the lab's report (src/sim/report.ts) and `npm start`'s
 * chart (src/demo/chart.ts). SVG is written by hand: no chart library, nothing to install, and
 * the files open anywhere.
 */

/** Tableau 10, readable on white. */
export const COLOUR = {
  blue: "#1f77b4",
  orange: "#ff7f0e",
  green: "#2ca02c",
  red: "#d62728",
  purple: "#9467bd",
  brown: "#8c564b",
  pink: "#e377c2",
  grey: "#7f7f7f",
  olive: "#bcbd22",
  cyan: "#17becf",
} as const;

/** The palette in order: one colour a series. */
export const PALETTE: readonly string[] = Object.values(COLOUR);

/** The colour of series `i`. */
export function seriesColour(i: number): string {
  return PALETTE[i % PALETTE.length];
}

/** The colour of basket position `i`: the base asset grey, the others the palette in order. */
export function assetColour(i: number): string {
  return i === 0 ? COLOUR.grey : PALETTE[(i - 1) % PALETTE.length];
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** An `<svg>` opening tag of `width` x `height`, with more attributes (fonts, a viewBox). */
export function svgTag(width: number, height: number, attributes: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ${attributes}>`;
}

/**
 * About `count` round tick values covering [min, max], `multiples` (of a power of ten) apart: 1, 2
 * or 5 by default.
 */
export function niceTicks(min: number, max: number, count = 5, multiples: readonly number[] = [1, 2, 5, 10]): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max - min < 1e-12) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.01 : 1;
    [min, max] = [min - pad, max + pad];
  }
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = multiples.map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** A single chart: its size, the margins around the plot, and the value ranges of its axes. */
export interface Frame {
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

/** The pixel position of an x and a y value in `f`'s plot. */
export function frameScales(f: Frame): { sx: (v: number) => number; sy: (v: number) => number } {
  return {
    sx: (v) => f.left + ((v - f.x0) / (f.x1 - f.x0 || 1)) * (f.width - f.left - f.right),
    sy: (v) => f.height - f.bottom - ((v - f.y0) / (f.y1 - f.y0 || 1)) * (f.height - f.top - f.bottom),
  };
}

/** The background, title, grid with tick labels, plot border and axis labels of `f`. */
export function axes(
  f: Frame,
  title: string,
  xLabel: string,
  yLabel: string,
  fmtX = (v: number) => String(v),
  fmtY = (v: number) => String(v),
): string[] {
  const { sx, sy } = frameScales(f);
  // Steps of 2.5 too: the lab's axes carry fewer, wider ticks than npm start's panels.
  const ticks = (lo: number, hi: number) => niceTicks(lo, hi, 5, [1, 2, 2.5, 5, 10]);
  const out: string[] = [
    `<rect x="0" y="0" width="${f.width}" height="${f.height}" fill="#fff"/>`,
    `<text x="${f.width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (const v of ticks(f.x0, f.x1)) {
    const x = sx(v).toFixed(1);
    out.push(`<line x1="${x}" y1="${f.top}" x2="${x}" y2="${f.height - f.bottom}" stroke="#eee"/>`);
    out.push(
      `<text x="${x}" y="${f.height - f.bottom + 16}" text-anchor="middle" font-size="11">${escapeXml(fmtX(v))}</text>`,
    );
  }
  for (const v of ticks(f.y0, f.y1)) {
    const y = sy(v).toFixed(1);
    out.push(`<line x1="${f.left}" y1="${y}" x2="${f.width - f.right}" y2="${y}" stroke="#eee"/>`);
    out.push(
      `<text x="${f.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${escapeXml(fmtY(v))}</text>`,
    );
  }
  const plotHeight = f.height - f.top - f.bottom;
  out.push(
    `<rect x="${f.left}" y="${f.top}" width="${f.width - f.left - f.right}" height="${plotHeight}" fill="none" stroke="#999"/>`,
    `<text x="${f.left + (f.width - f.left - f.right) / 2}" y="${f.height - 8}" text-anchor="middle" font-size="12">${escapeXml(xLabel)}</text>`,
    `<text x="14" y="${f.top + plotHeight / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${f.top + plotHeight / 2})">${escapeXml(yLabel)}</text>`,
  );
  return out;
}

/** The space a placed label takes. */
export interface LabelBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Where a point's label goes: the first spot around the point (right, left, above, below, then
 * further out) whose box overlaps no label placed before, so that points nearly on top of each
 * other keep readable labels. 11px sans-serif is taken as 6.5px a character.
 */
export function placeLabel(
  x: number,
  y: number,
  text: string,
  placed: LabelBox[],
): { x: number; y: number; anchor: "start" | "end" } {
  const width = text.length * 6.5;
  const height = 12;
  const spots: [number, number, "start" | "end"][] = [];
  for (const reach of [1, 2, 3]) {
    const dy = 12 * reach;
    spots.push([8, -6 * reach, "start"], [-8, -6 * reach, "end"], [8, dy, "start"], [-8, dy, "end"]);
  }
  const boxOf = ([dx, dy, anchor]: [number, number, "start" | "end"]): LabelBox => {
    const left = anchor === "start" ? x + dx : x + dx - width;
    return { x0: left, y0: y + dy - height + 2, x1: left + width, y1: y + dy + 2 };
  };
  const overlaps = (a: LabelBox) => placed.some((b) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1);
  const spot = spots.find((candidate) => !overlaps(boxOf(candidate))) ?? spots[0];
  placed.push(boxOf(spot));
  return { x: x + spot[0], y: y + spot[1], anchor: spot[2] };
}
