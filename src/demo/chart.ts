/**
 * The report's chart, as hand-written SVG (src/sim/svg.ts: no charting dependency), and the HTML page around it.
 * Four panels share the time axis: the share price against buy-and-hold, the weights against
 * their targets, the largest drift against the trigger band, and the prices; rebalances are
 * marked under each panel and the hours the breaker was tripped are shaded across all of them.
 */
import { adversaryRows, adversaryVerdict } from "./adversaryTables";
import { callName, KEEPER_HEADERS, keeperRows } from "./keeperTables";
import { basketText, signed } from "./format";
import type { ScenarioReport } from "./types";
import { assetColour, COLOUR, escapeXml, niceTicks, svgTag } from "../sim/svg";

const WIDTH = 1_100;
const MARGIN = { left: 70, right: 150, top: 74, bottom: 28 };
const PANEL_GAP = 34;
const PLOT_WIDTH = WIDTH - MARGIN.left - MARGIN.right;
interface Series {
  label: string;
  colour: string;
  values: number[];
  dashed?: boolean;
  width?: number;
}

interface Panel {
  title: string;
  height: number;
  series: Series[];
  format: (value: number) => string;
  /** Forces the value axis to include these (e.g. 0 for weights). */
  include?: number[];
  /** Single points (e.g. the drift each rebalance started from), drawn as dots. */
  points?: { hour: number; value: number; colour: string; title: string }[];
}

const fmt = (value: number, digits: number) => value.toFixed(digits);

/** Renders the report's chart as a standalone SVG document. */
export function renderChartSvg(report: ScenarioReport): string {
  const { snapshots, basket, settings } = report;
  const hours = snapshots.map((s) => s.hour);
  const [h0, h1] = [hours[0], Math.max(hours[hours.length - 1], hours[0] + 1)];
  const x = (hour: number) => MARGIN.left + ((hour - h0) / (h1 - h0)) * PLOT_WIDTH;
  const risky = basket.map((asset, i) => ({ asset, i })).filter(({ i }) => i > 0);

  const panels: Panel[] = [
    {
      title: "Share price vs buy-and-hold (USD per share)",
      height: 250,
      format: (v) => fmt(v, 3),
      series: [
        { label: "Ballast vault", colour: COLOUR.blue, values: snapshots.map((s) => s.sharePrice), width: 2 },
        { label: "buy-and-hold", colour: "#333333", values: snapshots.map((s) => s.holdPerShare), dashed: true },
      ],
    },
    {
      title: "Weights (solid) vs targets (dashed), %",
      height: 230,
      format: (v) => fmt(v, 0),
      include: [0],
      series: basket.flatMap((asset, i) => [
        {
          label: asset.symbol,
          colour: assetColour(i),
          values: snapshots.map((s) => s.weightsBps[i] / 100),
        },
        {
          label: "",
          colour: assetColour(i),
          values: snapshots.map(() => asset.targetBps / 100),
          dashed: true,
          width: 1,
        },
      ]),
    },
    {
      title: "Largest drift after each keeper turn (line) and before each rebalance (dots) vs the trigger band, bp",
      height: 150,
      format: (v) => fmt(v, 0),
      include: [0],
      // Snapshots are taken after the keeper's turn, so the drift a rebalance removed shows as a dot.
      points: report.rebalances
        .filter((r) => r.hour >= h0)
        .map((r) => ({
          hour: r.hour,
          value: r.driftBeforeBps,
          colour: COLOUR.orange,
          title: `rebalance: drift ${r.driftBeforeBps} -> ${r.driftAfterBps} bp`,
        })),
      series: [
        { label: "largest drift", colour: COLOUR.purple, values: snapshots.map((s) => s.maxDriftBps) },
        {
          label: "trigger band",
          colour: COLOUR.red,
          values: snapshots.map(() => settings.triggerBandBps),
          dashed: true,
          width: 1,
        },
      ],
    },
    {
      title: "Feed prices (start = 100)",
      height: 180,
      format: (v) => fmt(v, 0),
      series: risky.map(({ asset, i }) => ({
        label: asset.symbol,
        colour: assetColour(i),
        values: snapshots.map((s) => (s.prices[i] / snapshots[0].prices[i]) * 100),
      })),
    },
  ];

  const totalHeight =
    MARGIN.top + panels.reduce((sum, p) => sum + p.height, 0) + PANEL_GAP * (panels.length - 1) + MARGIN.bottom + 24;
  const parts: string[] = [];
  parts.push(
    svgTag(
      WIDTH,
      totalHeight,
      `viewBox="0 0 ${WIDTH} ${totalHeight}" font-family="Helvetica, Arial, sans-serif" font-size="11"`,
    ),
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="20" font-size="15" font-weight="bold">${escapeXml(
      `Ballast — ${report.meta.scenario} scenario, ${report.meta.options.days} days, seed ${report.meta.options.seed}: ` +
        `vault ${signed(report.summary.vaultReturnPct)}% vs buy-and-hold ${signed(report.summary.holdReturnPct)}% per share`,
    )}</text>`,
    `<text x="${MARGIN.left}" y="40" font-size="12" fill="#444">${escapeXml(
      `${basketText(basket)} · ${report.summary.rebalances} rebalances, ` +
        `${report.summary.trades} trades, trading cost $${report.summary.tradingCostUsd.toFixed(0)} · breaker tripped ` +
        `${report.summary.breakerTrips}x (${report.summary.hoursHalted.toFixed(1)} h halted) · ${report.meta.options.stepHours} h steps`,
    )}</text>`,
  );

  // Breaker-tripped intervals, from the events (a trip without a reset lasts to the end).
  const halted: [number, number][] = [];
  let trippedAt: number | undefined;
  for (const event of report.breakerEvents) {
    if (event.kind === "trip" && trippedAt === undefined) trippedAt = event.hour;
    if (event.kind === "reset" && trippedAt !== undefined) {
      halted.push([trippedAt, event.hour]);
      trippedAt = undefined;
    }
  }
  if (trippedAt !== undefined) halted.push([trippedAt, h1]);
  const rebalanceHours = report.rebalances.map((r) => r.hour).filter((h) => h >= h0);

  let top = MARGIN.top;
  for (const [index, panel] of panels.entries()) {
    const bottom = top + panel.height;
    const values = [...panel.series.flatMap((s) => s.values), ...(panel.points ?? []).map((p) => p.value)].filter(
      Number.isFinite,
    );
    let lo = Math.min(...values, ...(panel.include ?? []));
    let hi = Math.max(...values, ...(panel.include ?? []));
    const pad = (hi - lo) * 0.06 || Math.abs(hi) * 0.01 || 1;
    [lo, hi] = [lo - (panel.include?.includes(lo) ? 0 : pad), hi + pad];
    const y = (value: number) => bottom - ((value - lo) / (hi - lo)) * panel.height;

    parts.push(`<g>`);
    parts.push(
      `<text x="${MARGIN.left}" y="${top - 8}" font-size="12" font-weight="bold">${escapeXml(panel.title)}</text>`,
    );
    for (const [start, end] of halted) {
      const [xa, xb] = [x(Math.max(start, h0)), x(Math.min(end, h1))];
      parts.push(
        `<rect x="${xa.toFixed(1)}" y="${top}" width="${Math.max(2, xb - xa).toFixed(1)}" height="${panel.height}" fill="${COLOUR.red}" fill-opacity="0.12"/>`,
      );
    }
    if (report.meta.crashHour !== undefined) {
      const xc = x(report.meta.crashHour).toFixed(1);
      parts.push(
        `<line x1="${xc}" x2="${xc}" y1="${top}" y2="${bottom}" stroke="${COLOUR.red}" stroke-width="1" stroke-dasharray="2 3"/>`,
      );
      if (index === 0) parts.push(`<text x="${Number(xc) + 4}" y="${top + 12}" fill="${COLOUR.red}">crash</text>`);
    }
    for (const tick of niceTicks(lo, hi, Math.max(3, Math.round(panel.height / 50)))) {
      const ty = y(tick).toFixed(1);
      parts.push(
        `<line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_WIDTH}" y1="${ty}" y2="${ty}" stroke="#e5e5e5"/>`,
        `<text x="${MARGIN.left - 6}" y="${Number(ty) + 4}" text-anchor="end" fill="#555">${escapeXml(panel.format(tick))}</text>`,
      );
    }
    parts.push(
      `<rect x="${MARGIN.left}" y="${top}" width="${PLOT_WIDTH}" height="${panel.height}" fill="none" stroke="#999"/>`,
    );
    for (const series of panel.series) {
      const points = series.values
        .map((value, i) => (Number.isFinite(value) ? `${x(hours[i]).toFixed(1)},${y(value).toFixed(1)}` : ""))
        .filter((p) => p !== "");
      if (points.length === 0) continue;
      parts.push(
        `<polyline fill="none" stroke="${series.colour}" stroke-width="${series.width ?? 1.5}"${
          series.dashed ? ' stroke-dasharray="5 4"' : ""
        } points="${points.join(" ")}"/>`,
      );
    }
    for (const point of panel.points ?? []) {
      parts.push(
        `<circle cx="${x(point.hour).toFixed(1)}" cy="${y(point.value).toFixed(1)}" r="3" fill="${point.colour}"><title>${escapeXml(point.title)}</title></circle>`,
      );
    }
    // Rebalance markers: a tick under the panel for each rebalance that traded.
    for (const hour of rebalanceHours) {
      const xr = x(hour).toFixed(1);
      parts.push(`<path d="M${xr},${bottom - 7} l-3,6 h6 z" fill="${COLOUR.orange}"><title>rebalance</title></path>`);
    }
    // Legend on the right.
    let legendY = top + 10;
    for (const series of panel.series.filter((s) => s.label !== "")) {
      const lx = MARGIN.left + PLOT_WIDTH + 12;
      parts.push(
        `<line x1="${lx}" x2="${lx + 22}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${series.colour}" stroke-width="2"${
          series.dashed ? ' stroke-dasharray="5 4"' : ""
        }/>`,
        `<text x="${lx + 28}" y="${legendY}">${escapeXml(series.label)}</text>`,
      );
      legendY += 16;
    }
    if (index === 0) {
      const lx = MARGIN.left + PLOT_WIDTH + 12;
      parts.push(
        `<path d="M${lx + 11},${legendY - 9} l-3,6 h6 z" fill="${COLOUR.orange}"/>`,
        `<text x="${lx + 28}" y="${legendY}">rebalance</text>`,
        `<rect x="${lx}" y="${legendY + 6}" width="22" height="10" fill="${COLOUR.red}" fill-opacity="0.2"/>`,
        `<text x="${lx + 28}" y="${legendY + 15}">breaker tripped</text>`,
      );
    }
    parts.push(`</g>`);
    top = bottom + PANEL_GAP;
  }

  // The shared time axis, in days.
  const axisY = top - PANEL_GAP;
  for (const tick of niceTicks(h0 / 24, h1 / 24, 10).filter((d) => d * 24 >= h0 && d * 24 <= h1)) {
    const tx = x(tick * 24).toFixed(1);
    parts.push(
      `<line x1="${tx}" x2="${tx}" y1="${axisY}" y2="${axisY + 5}" stroke="#555"/>`,
      `<text x="${tx}" y="${axisY + 17}" text-anchor="middle" fill="#555">${escapeXml(String(tick))}</text>`,
    );
  }
  parts.push(
    `<text x="${MARGIN.left + PLOT_WIDTH / 2}" y="${axisY + 34}" text-anchor="middle" fill="#333">day</text>`,
    `</svg>`,
  );
  return parts.join("\n") + "\n";
}

/** A self-contained HTML page: the chart inline, then the summary and the event tables. */
export function renderHtml(report: ScenarioReport, svg: string): string {
  const { meta, summary } = report;
  const hoursText = (hour: number) => (hour < 0 ? "open" : `day ${(hour / 24).toFixed(2)}`);
  const table = (headers: string[], rows: string[][]) =>
    `<table><thead><tr>${headers.map((h) => `<th>${escapeXml(h)}</th>`).join("")}</tr></thead><tbody>${rows
      .map((row) => `<tr>${row.map((cell) => `<td>${escapeXml(cell)}</td>`).join("")}</tr>`)
      .join("")}</tbody></table>`;
  const money = (v: number) => `$${v.toLocaleString("en-US", { maximumFractionDigits: 2 })}`;
  const summaryRows: string[][] = [
    ["vault return (per share)", `${signed(summary.vaultReturnPct)}%`],
    ["buy-and-hold return", `${signed(summary.holdReturnPct)}%`],
    ["difference", `${signed(summary.excessReturnPct)} pp`],
    [
      "max drawdown (vault / hold)",
      `${summary.maxDrawdownPct.toFixed(2)}% / ${summary.holdMaxDrawdownPct.toFixed(2)}%`,
    ],
    ["NAV start / end", `${money(summary.startNav)} / ${money(summary.endNav)}`],
    ["rebalances / trades / skipped", `${summary.rebalances} / ${summary.trades} / ${summary.skipped}`],
    ["trading cost", money(summary.tradingCostUsd)],
    [
      "keeper gas",
      `${summary.keeperGas.toLocaleString("en-US")} (${money(summary.keeperGasCostUsd)} at ${meta.options.gasGwei} gwei)`,
    ],
    [
      "breaker trips / resets / hours halted",
      `${summary.breakerTrips} / ${summary.breakerResets} / ${summary.hoursHalted.toFixed(1)}`,
    ],
    [
      "deposits / redemptions / net flows",
      `${summary.deposits} / ${summary.redemptions} / ${money(summary.netFlowsUsd)}`,
    ],
    ["largest drift: mean / end", `${summary.meanMaxDriftBps.toFixed(0)} bp / ${summary.endMaxDriftBps} bp`],
    ["tracking error (RMS weight - target)", `${summary.trackingErrorBps.toFixed(1)} bp`],
    [
      "legs per rebalance / on the keeper's own plan",
      `${summary.legsPerRebalance.toFixed(2)} / ${summary.keeperPlans} of ${summary.rebalances}`,
    ],
    ["keeper rewards", money(summary.rewardsUsd)],
  ];
  const rebalanceRows = report.rebalances.map((r) => [
    hoursText(r.hour),
    r.reason,
    callName(r),
    r.trades.map((t) => `${t.amountIn.toPrecision(6)} ${t.sell} -> ${t.amountOut.toPrecision(6)} ${t.buy}`).join("; "),
    `${r.driftBeforeBps} -> ${r.driftAfterBps}`,
    money(r.costUsd),
    r.costBps.toFixed(2),
    r.gasUsed.toLocaleString("en-US"),
    money(r.rewardUsd),
  ]);
  const breakerRows = report.breakerEvents.map((e) => [hoursText(e.hour), e.kind, e.reason ?? "", e.asset ?? ""]);
  const flowRows = report.flows.map((f) => [
    hoursText(f.hour),
    f.account,
    f.kind,
    money(f.usd),
    f.shares.toPrecision(6),
    String(f.swaps),
    f.error ?? "",
  ]);
  const adversaries = report.adversaries
    ? `<p>${escapeXml(report.adversaries.description)}.</p>` +
      table(
        ["adversary", "plays", "refused", "refused by", "P&L", "best play", "gas"],
        report.adversaries.summaries.map((a) => [
          a.adversary,
          String(a.attempts),
          String(a.refusals),
          Object.entries(a.refusedBy)
            .map(([name, count]) => `${name} x${count}`)
            .join(", "),
          money(a.pnlUsd),
          money(a.bestUsd),
          `${a.gasUsed.toLocaleString("en-US")} (${money(a.gasCostUsd)})`,
        ]),
      ) +
      table(["adversary", "play", "count", "refused", "P&L", "best", "worst"], adversaryRows(report.adversaries)) +
      `<p>${escapeXml(adversaryVerdict(report.adversaries))}</p>`
    : "<p>Off.</p>";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(meta.name)}</title>
<style>
body { font-family: Helvetica, Arial, sans-serif; margin: 24px; color: #222; max-width: 1140px; }
table { border-collapse: collapse; margin: 8px 0 24px; font-size: 13px; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 10px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
code { background: #f4f4f4; padding: 1px 4px; }
</style></head><body>
<h1>Ballast scenario: ${escapeXml(meta.scenario)}</h1>
<p>${escapeXml(meta.description)}. ${meta.options.days} days in ${meta.options.stepHours}-hour steps, seed ${meta.options.seed},
basket ${escapeXml(basketText(report.basket))}; run on <code>${escapeXml(meta.network)}</code>
in ${meta.wallTimeSeconds.toFixed(0)} s, ${escapeXml(meta.createdAt)}.</p>
${svg}
<h2>Summary</h2>
${table(["", ""], summaryRows)}
<p>Buy-and-hold: ${escapeXml(report.benchmark.description)}.</p>
<h2>Rebalances</h2>
${table(["time", "reason", "call", "trades", "drift bp", "cost", "cost bp", "gas", "keeper reward"], rebalanceRows)}
<h2>Keepers</h2>
${table([...KEEPER_HEADERS], keeperRows(summary))}
<h2>Circuit breaker</h2>
${breakerRows.length > 0 ? table(["time", "event", "reason", "asset"], breakerRows) : "<p>No trips.</p>"}
<h2>Depositors</h2>
${table(["time", "who", "flow", "USD", "shares", "swaps", "refused"], flowRows)}
<h2>Adversaries</h2>
${adversaries}
</body></html>
`;
}
