/**
 * `npm start` end to end: options in, scenario played, report printed and written. Shared by the
 * `ballast:start` task (`npm start`), which takes flags and environment variables.
 */
import { resolveScenarioOptions } from "./options";
import type { RawScenarioOptions } from "./options";
import { replayInLab } from "./labReplay";
import { printReport, writeReportFiles } from "./report";
import type { ReportFiles } from "./report";
import { runScenario } from "./run";
import type { Logger, ScenarioReport } from "./types";

export async function runStart(
  raw: RawScenarioOptions,
  log: Logger = (line) => console.log(line),
): Promise<{ report: ScenarioReport; files: ReportFiles }> {
  // Validated before anything is deployed, so a typo costs nothing.
  const options = resolveScenarioOptions(raw);
  const report = await runScenario(options, { log });
  // The lab on the same path, with the same vault (issue 17): its figures print next to the chain's.
  report.lab = replayInLab(report);
  printReport(report, log);
  const files = writeReportFiles(report, options.outDir);
  log("");
  log(`Report: ${files.json}`);
  log(`Chart:  ${files.svg}`);
  log(`Page:   ${files.html} (open it in a browser)`);
  log(`Prices: ${files.csv} (npm run backtest -- --csv)`);
  log(`Flows:  ${files.flows} (npm run backtest -- --flows)`);
  return { report, files };
}
