import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";

import type { BacktestOutcome } from "../../src/cli/backtest";
import type { StartOutcome } from "../../src/cli/start";
import { main as backtest } from "../../scripts/backtest";
import { main as start } from "../../scripts/start";

import { expectScriptError, runScript } from "./helpers";

const tmp = (name: string) => mkdtempSync(path.join(os.tmpdir(), `ballast-script-${name}-`));

/** The results of a backtest.json, without the wall-clock figures that differ between two runs. */
function results(dir: string): unknown {
  const json = JSON.parse(readFileSync(path.join(dir, "backtest.json"), "utf8")) as {
    results: Record<string, unknown>[];
  };
  return json.results.map((r) => ({ ...r, elapsedMs: undefined }));
}

describe("scripts/backtest.ts", function () {
  // Short on purpose: two policies, two assets, a few weeks in hourly steps.
  const flags = { assets: "2", years: "0.05", step: "1h", seed: "3", policies: "edge-200,hold" };
  const env = { ASSETS: "2", YEARS: "0.05", STEP: "1h", SEED: "3", POLICIES: "edge-200,hold" };

  it("prints and writes what the backtest task does for the same parameters", async function () {
    const scriptDir = tmp("backtest");
    const { result, output } = await runScript<BacktestOutcome>(backtest, { ...env, REPORT_DIR: scriptDir });
    if (!("run" in result)) expect.fail("a backtest, not a sweep");
    expect(result.run.results.map((r) => r.policy)).to.deep.equal(["edge-200", "hold"]);
    for (const file of ["backtest.html", "backtest.json", "backtest.csv"]) {
      expect(existsSync(path.join(scriptDir, file)), file).to.be.true;
    }
    expect(output).to.match(/^done in [\d.]+ s$/m);

    const taskDir = tmp("backtest-task");
    const log = console.log;
    console.log = () => undefined;
    try {
      await hre.run("backtest", { ...flags, out: taskDir });
    } finally {
      console.log = log;
    }
    expect(results(scriptDir)).to.deep.equal(results(taskDir));
  });

  it("refuses a value that is not a number, naming its variable", async function () {
    const printed = await expectScriptError(backtest, { ...env, VOL: "high" }, /--vol: "high" is not a number/, [
      "backtest",
    ]);
    expect(printed).to.contain("(--vol is VOL for this script)");
    await expectScriptError(backtest, { ...env, SWEEP: "on" }, /Invalid value on for argument SWEEP of type boolean/);
  });
});

describe("scripts/start.ts", function () {
  // Deploying the market dominates a day in 6-hour steps: 10-30 s, by how busy the machine is.
  this.timeout(240_000);

  it("plays a short scenario from DAYS, ASSETS, ... and writes the report to REPORT_DIR", async function () {
    const outDir = tmp("start");
    const { result, output } = await runScript<StartOutcome>(start, {
      DAYS: "1",
      ASSETS: "1",
      STEP_HOURS: "6",
      SCENARIO: "calm",
      SEED: "5",
      ADVERSARIES: "off",
      REPORT_DIR: outDir,
      REPORT_NAME: "script",
    });
    const { report, files } = result;
    expect(report.basket.map((a) => a.symbol)).to.deep.equal(["USDC", "WETH"]);
    expect(report.snapshots).to.have.length(5); // hour 0 and 4 steps
    for (const s of report.snapshots) expect(s.nav).to.be.greaterThan(0);
    expect(files.json).to.equal(path.join(outDir, "script.json"));
    for (const file of [files.json, files.svg, files.html, files.csv]) expect(existsSync(file), file).to.be.true;
    expect(output).to.include(`Report: ${files.json}`);
    expect(output).to.include("Adversaries: off (--adversaries off).");
  });

  it("refuses bad values before deploying anything, naming the flag and the variable", async function () {
    await expectScriptError(start, { DAYS: "0" }, /--days \(DAYS\) must be from 1 to 365, got 0/);
    await expectScriptError(
      start,
      { ADVERSARIES: "maybe" },
      /--adversaries \(ADVERSARIES\) must be on or off, got "maybe"/,
    );
  });
});
