/**
 * The scenario report for people: console tables, and the files in `reports/` (the JSON record,
 * an SVG chart, and an HTML page with the chart and the tables). Pure TypeScript and node:fs:
 * no chain, no new dependency.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { RUNNING_COST_COLUMNS, runningCostRows } from "../sim/runningCost";

import { adversaryRows, adversaryVerdict } from "./adversaryTables";
import { renderChartSvg, renderHtml } from "./chart";
import { amount, pct, signed, usd, when } from "./format";
import { callName, KEEPER_HEADERS, keeperRows } from "./keeperTables";
import { flowsCsvFile, pricesCsvFile, scenarioFlowsCsv, scenarioPricesCsv } from "./labReplay";
import type { AdversaryAttempt, Logger, RebalanceRecord, ScenarioReport, Snapshot, TradeRecord } from "./types";

/** "sell 12.3 WETH for 36,900 USDC". */
export function describeTrade(trade: TradeRecord): string {
  return `${amount(trade.amountIn)} ${trade.sell} -> ${amount(trade.amountOut)} ${trade.buy}`;
}

/**
 * A plain-text table: a header row, a rule, and the rows; numbers (and anything starting with a
 * sign or a currency) right-aligned, the rest left-aligned.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? "").length)));
  const numeric = (text: string) => /^[-+$(]?[\d$]/.test(text) && !/[a-zA-Z]{3}/.test(text);
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (numeric(cell) && cell !== headers[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
}

/** The snapshots the weights table shows: one a day (or fewer on long runs), and the last. */
export function dailySnapshots(snapshots: readonly Snapshot[], maxRows = 32): Snapshot[] {
  const end = snapshots[snapshots.length - 1].hour;
  const days = Math.max(1, Math.ceil(end / 24));
  const every = Math.max(1, Math.ceil(days / maxRows)) * 24;
  const picked: Snapshot[] = [];
  let next = 0;
  for (const snapshot of snapshots) {
    if (snapshot.hour >= next) {
      picked.push(snapshot);
      next = (Math.floor(snapshot.hour / every) + 1) * every;
    }
  }
  if (picked[picked.length - 1] !== snapshots[snapshots.length - 1]) picked.push(snapshots[snapshots.length - 1]);
  return picked;
}

function rebalanceRow(record: RebalanceRecord): string[] {
  return [
    when(record.hour),
    record.reason,
    callName(record),
    record.trades.map(describeTrade).join("; ") || "-",
    `${record.driftBeforeBps} -> ${record.driftAfterBps}`,
    usd(record.costUsd, 2),
    record.costBps.toFixed(2),
    record.gasUsed.toLocaleString("en-US"),
    usd(record.gasCostUsd, 2),
    usd(record.rewardUsd, 2),
  ];
}

/** Prints the report: summary, weights over time, rebalances, breaker events, flows, costs. */
export function printReport(report: ScenarioReport, log: Logger = (line) => console.log(line)): void {
  const { meta, summary, basket, settings } = report;
  const o = meta.options;
  const section = (title: string) => {
    log("");
    log(title);
  };
  section(
    `=== Ballast scenario "${meta.scenario}" — ${o.days} days, seed ${o.seed}, ${o.stepHours} h steps, on ${meta.network} (${meta.wallTimeSeconds.toFixed(0)} s) ===`,
  );
  log(`${meta.description}.`);
  log(`Basket: ${basket.map((a) => `${a.symbol} ${(a.targetBps / 100).toFixed(2)}%`).join(", ")}`);
  log(
    `Rules: trigger band ${settings.triggerBandBps} bp, trades to target ± ${settings.targetBandBps} bp, cooldown ${settings.cooldownSeconds / 60} min, ` +
      `trades ≤ ${settings.maxTradeBps / 100}% of NAV; breakers: move > ${settings.breakerMaxMoveBps / 100}% an hour, oracle vs ` +
      `${settings.breakerTwapWindowSeconds / 60}-min TWAP > ${settings.breakerOracleTwapBps / 100}%, cooldown ${settings.breakerCooldownSeconds / 60} min; gas valued at ${o.gasGwei} gwei.`,
  );
  if (meta.crashHour !== undefined) {
    const depths = meta.crashReturnsPct!.map((r, i) => `${basket[i + 1].symbol} ${r.toFixed(0)}%`).join(", ");
    log(`Crash at ${when(meta.crashHour)}: ${depths}.`);
  }

  section("Vault vs buy-and-hold (per share)");
  for (const line of formatTable(
    ["", "start", "end", "return", "max drawdown"],
    [
      [
        "Ballast vault",
        usd(summary.startSharePrice, 4),
        usd(summary.endSharePrice, 4),
        pct(summary.vaultReturnPct),
        `${summary.maxDrawdownPct.toFixed(2)}%`,
      ],
      [
        "buy-and-hold",
        usd(report.snapshots[0].holdPerShare, 4),
        usd(report.snapshots[report.snapshots.length - 1].holdPerShare, 4),
        pct(summary.holdReturnPct),
        `${summary.holdMaxDrawdownPct.toFixed(2)}%`,
      ],
    ],
  ))
    log(line);
  const rest = summary.excessReturnPct + summary.tradingCostPct;
  log(
    `Vault minus buy-and-hold: ${signed(summary.excessReturnPct)} pp = ${signed(-summary.tradingCostPct)} pp trading costs, ` +
      `${signed(rest)} pp rebalancing itself (which earns when prices swing back and forth and loses when they trend).`,
  );
  log(`Buy-and-hold: ${report.benchmark.description}.`);
  log(
    `NAV ${usd(summary.startNav)} -> ${usd(summary.endNav)}; net flows ${usd(summary.netFlowsUsd)} ` +
      `(${summary.deposits} deposits, ${summary.redemptions} redemptions), charged ${usd(summary.flowChargesUsd, 2)} ` +
      `by the vault's entry and exit prices (${((summary.flowChargesUsd / Math.max(1, summary.startNav)) * 10_000).toFixed(1)} bp of the starting NAV; it stays with the holders).`,
  );

  section("Weights vs targets over time (%)");
  const headers = [
    "time",
    "NAV",
    "share",
    "hold",
    "max drift",
    ...basket.map((a) => `${a.symbol} ${a.targetBps / 100}`),
    "status",
  ];
  const rows = dailySnapshots(report.snapshots).map((s) => [
    when(s.hour),
    usd(s.nav),
    usd(s.sharePrice, 4),
    usd(s.holdPerShare, 4),
    `${s.maxDriftBps} bp`,
    ...s.weightsBps.map((w) => (w / 100).toFixed(2)),
    s.breakerTripped ? "BREAKER" : s.status,
  ]);
  for (const line of formatTable(headers, rows)) log(line);

  section(`Rebalances (${report.rebalances.length}, of which ${summary.rebalances} during the scenario)`);
  const shown =
    report.rebalances.length > 40
      ? [...report.rebalances.slice(0, 20), ...report.rebalances.slice(-20)]
      : report.rebalances;
  for (const line of formatTable(
    ["time", "reason", "call", "trades", "drift bp", "cost", "cost bp", "gas", "gas $", "keeper reward"],
    shown.map(rebalanceRow),
  ))
    log(line);
  if (shown.length < report.rebalances.length)
    log(`(${report.rebalances.length - shown.length} more in the JSON report)`);

  if (report.skipped.length > 0) {
    // The keeper bot refuses most before sending (its gate adds the gas it estimated: no gas spent);
    // the vault's own gate refuses the rest on chain (a RebalanceSkipped event, gas spent).
    section(`Rebalances the cost gate skipped (${report.skipped.length})`);
    for (const line of formatTable(
      ["time", "cost", "benefit", "gas"],
      report.skipped.map((s) => [
        when(s.hour),
        usd(s.costUsd, 2),
        usd(s.benefitUsd, 2),
        s.gasUsed === 0 ? "- (not sent)" : s.gasUsed.toLocaleString("en-US"),
      ]),
    ))
      log(line);
  }

  section(
    `Circuit breaker (${summary.breakerTrips} trips, ${summary.breakerResets} resets, ${summary.hoursHalted.toFixed(1)} h halted)`,
  );
  if (report.breakerEvents.length === 0) log("no trips");
  else
    for (const line of formatTable(
      ["time", "event", "reason", "asset"],
      report.breakerEvents.map((e) => [when(e.hour), e.kind, e.reason ?? "-", e.asset ?? "-"]),
    ))
      log(line);

  section("Depositors");
  const flowRows = ["deposit", "redeem", "redeemInKind"].map((kind) => {
    const flows = report.flows.filter((f) => f.kind === kind && f.error === undefined);
    return [
      kind === "redeem" ? "redeem (USDC)" : kind === "redeemInKind" ? "redeem in kind" : "deposit (with the opening)",
      String(flows.length),
      usd(flows.reduce((sum, f) => sum + f.usd, 0)),
      String(flows.reduce((sum, f) => sum + f.swaps, 0)),
    ];
  });
  for (const line of formatTable(["flow", "count", "USD", "swaps"], flowRows)) log(line);
  const failed = report.flows.filter((f) => f.error !== undefined);
  if (failed.length > 0)
    log(`${failed.length} refused, e.g. ${failed[0].kind} at ${when(failed[0].hour)}: ${failed[0].error}`);

  section("Costs during the scenario");
  log(
    `${summary.rebalances} rebalances, ${summary.trades} trades, trading cost ${usd(summary.tradingCostUsd, 2)} ` +
      `(${((summary.tradingCostUsd / Math.max(1, summary.startNav)) * 10_000).toFixed(2)} bp of the starting NAV); ` +
      `keeper gas ${summary.keeperGas.toLocaleString("en-US")} (investing included) = ` +
      `${usd(summary.keeperGasCostUsd, 2)} at ${o.gasGwei} gwei, of which the vault paid the keeper ${usd(summary.rewardsUsd, 2)} in rewards; mean largest drift ${summary.meanMaxDriftBps.toFixed(0)} bp, ` +
      `${summary.endMaxDriftBps} bp at the end; liquidity providers re-centred ${summary.liquidityRecenters} times.`,
  );
  log(
    `Legs per rebalance ${summary.legsPerRebalance.toFixed(2)} (${summary.keeperPlans} of ${summary.rebalances} ` +
      `rebalances on the keeper's own plan${!o.keeperPlan ? ": off, --keeper-plan off" : ""}); tracking error ` +
      `${summary.trackingErrorBps.toFixed(1)} bp (RMS of weight - target over time and the risky assets, each step from where the keeper left it to where the step took it).`,
  );

  section("Running cost (bp of the mean NAV; investing excluded)");
  const running = summary.runningCost;
  const costRows = [
    ...runningCostRows([["the run", running]], "run"),
    ...runningCostRows([["a year", running]], "year"),
    ...(report.lab ? runningCostRows([["the lab, a year", report.lab.runningCost]], "year") : []),
  ];
  for (const line of formatTable([...RUNNING_COST_COLUMNS], costRows)) log(line);
  log(
    `Running cost: every gas and trading cost; holders' cost: trading and what the vault paid the keepers. ` +
      `Premium: ln(vault / buy-and-hold) a year, net of what the vault paid.`,
  );
  if (report.lab) {
    const { lab } = report;
    // What this run has that the lab does not model: compare without them.
    const apart = [o.adversaries ? "--adversaries off" : "", o.keeperPlan ? "--keeper-plan off" : ""].filter(Boolean);
    log(
      `The lab (npm run backtest) on this run's prices: ${lab.rebalances} rebalances, ${lab.trades} trades ` +
        `(here ${summary.rebalances} and ${summary.trades}); it replays the depositors' flows, but has no adversaries nor keeper's own plan ` +
        `(${apart.length === 0 ? "none here either" : `compare with ${apart.join(" ")}`}). Replay: ${lab.command}`,
    );
  }

  section("Keepers (the whole run, investing included; gas at the report's gas price)");
  for (const line of formatTable(KEEPER_HEADERS, keeperRows(summary))) log(line);
  printAdversaries(report, log);
}

function printAdversaries(report: ScenarioReport, log: Logger): void {
  const adversaries = report.adversaries;
  log("");
  if (!adversaries) {
    log("Adversaries: off (--adversaries off).");
    return;
  }
  log("Adversaries (P&L at the oracle prices at the end of each play, every token in and out, before gas)");
  log(`${adversaries.description}.`);
  for (const line of formatTable(
    ["adversary", "plays", "refused", "refused by", "P&L", "best play", "gas", "gas $"],
    adversaries.summaries.map((s) => [
      s.adversary,
      String(s.attempts),
      String(s.refusals),
      Object.entries(s.refusedBy)
        .map(([name, count]) => `${name} x${count}`)
        .join(", ") || "-",
      usd(s.pnlUsd, 2),
      usd(s.bestUsd, 2),
      s.gasUsed.toLocaleString("en-US"),
      usd(s.gasCostUsd, 2),
    ]),
  ))
    log(line);
  log("");
  for (const line of formatTable(
    ["adversary", "play", "count", "refused", "P&L", "best", "worst"],
    adversaryRows(adversaries),
  ))
    log(line);
  const refusals = new Map<string, AdversaryAttempt>();
  for (const a of adversaries.attempts) {
    const name = a.refused?.replace(/\(.*$/, "");
    if (name !== undefined && !refusals.has(name)) refusals.set(name, a);
  }
  for (const a of refusals.values()) log(`refused: ${a.adversary} ${a.play} at ${when(a.hour)}: ${a.refused}`);
  const { summary } = report;
  log(
    `Next to the holders' costs (trading ${usd(summary.tradingCostUsd, 2)}, keeper gas ${usd(summary.keeperGasCostUsd, 2)}): ` +
      adversaryVerdict(adversaries),
  );
}

export interface ReportFiles {
  json: string;
  svg: string;
  html: string;
  /** The feeds' prices at each step, in the lab's CSV format (`npm run backtest -- --csv`). */
  csv: string;
  /** The depositors' flows after hour 0, in the lab's flows format (`npm run backtest -- --flows`). */
  flows: string;
}

/**
 * Writes `<name>.json`, `<name>.svg`, `<name>.html`, the prices `<name>.prices.csv` and the flows
 * `<name>.flows.csv` into `dir` (created if missing).
 */
export function writeReportFiles(report: ScenarioReport, dir: string = report.meta.options.outDir): ReportFiles {
  mkdirSync(dir, { recursive: true });
  const base = path.join(dir, report.meta.name);
  const files: ReportFiles = {
    json: `${base}.json`,
    svg: `${base}.svg`,
    html: `${base}.html`,
    csv: pricesCsvFile(report, dir),
    flows: flowsCsvFile(report, dir),
  };
  writeFileSync(files.json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(files.csv, scenarioPricesCsv(report));
  writeFileSync(files.flows, scenarioFlowsCsv(report));
  const svg = renderChartSvg(report);
  writeFileSync(files.svg, svg);
  writeFileSync(files.html, renderHtml(report, svg));
  return files;
}
