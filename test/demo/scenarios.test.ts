import { expect } from "chai";
import path from "node:path";

import {
  DEFAULT_SCENARIO_OPTIONS,
  optionsFromEnv,
  resolveScenarioOptions,
  ScenarioOptionsError,
} from "../../src/demo/options";
import {
  BASE_WEIGHT_BPS,
  crashStepOf,
  MAX_RISKY_ASSETS,
  setUpScenario,
  SCENARIO_NAMES,
  targetWeights,
} from "../../src/demo/scenarios";

describe("scenario plans and options", () => {
  it("weights every basket size to exactly 10 000 bps, base first", () => {
    for (let n = 1; n <= MAX_RISKY_ASSETS; n++) {
      const weights = targetWeights(n);
      expect(weights).to.have.length(n);
      expect(weights.reduce((s, w) => s + w, 0) + BASE_WEIGHT_BPS).to.equal(10_000);
      for (const w of weights) expect(w).to.be.greaterThan(0);
    }
    const { basket } = setUpScenario({ scenario: "calm", days: 1, assets: 4, seed: 1, stepHours: 1 });
    expect(basket.map((e) => [e.symbol, e.weightBps])).to.deep.equal([
      ["USDC", 500],
      ["WETH", 3_500],
      ["WBTC", 3_000],
      ["LINK", 1_500],
      ["UNI", 1_500],
    ]);
    // WBTC trades through its deep WETH pool, as in DEFAULT_BASKET.
    expect(basket[2].route).to.deep.equal(["WBTC", 500, "WETH", 500, "USDC"]);
  });

  it("crashes every risky asset by 30-40% at the crash step, and only there", () => {
    const setup = setUpScenario({ scenario: "crash", days: 3, assets: 4, seed: 7, stepHours: 1, crashDay: 1 });
    expect(setup.steps).to.equal(72);
    expect(setup.crashStep).to.equal(24);
    expect(setup.prices).to.have.length(73);
    setup.crashReturns!.forEach((r) => expect(r).to.be.within(-0.41, -0.29));
    const moves = setup.prices
      .slice(1)
      .map((row, step) => Math.min(...row.map((p, i) => p / setup.prices[step][i] - 1)));
    // The worst one-step move is the crash, deep enough for the 20%-an-hour breaker; no other comes close.
    const worst = moves.indexOf(Math.min(...moves)) + 1;
    expect(worst).to.equal(24);
    expect(moves[23]).to.be.below(-0.25);
    expect(moves.filter((m, i) => i !== 23 && m < -0.1)).to.deep.equal([]);
  });

  it("draws the same prices for the same seed, other prices for another, and each scenario its own shape", () => {
    const input = { scenario: "bull" as const, days: 2, assets: 3, seed: 5, stepHours: 2 };
    expect(setUpScenario(input).prices).to.deep.equal(setUpScenario(input).prices);
    expect(setUpScenario({ ...input, seed: 6 }).prices).to.not.deep.equal(setUpScenario(input).prices);
    for (const scenario of SCENARIO_NAMES) {
      const setup = setUpScenario({ ...input, scenario, crashDay: 1 });
      expect(setup.definition.name).to.equal(scenario);
      expect(setup.crashStep !== undefined).to.equal(scenario === "crash");
      expect(setup.prices.every((row) => row.every((p) => p > 0))).to.be.true;
    }
    expect(crashStepOf(0.01, 3)).to.equal(1);
  });

  it("draws its prices with the strategy lab's generator: the setup's path is the lab's, base at $1", () => {
    const setup = setUpScenario({ scenario: "crash", days: 2, assets: 3, seed: 7, stepHours: 3, crashDay: 1 });
    expect(setup.path.symbols).to.deep.equal(["USDC", "WETH", "WBTC", "LINK"]);
    expect(setup.path.steps).to.equal(setup.steps + 1);
    expect(setup.path.source).to.equal("npm start --scenario crash --seed 7");
    setup.prices.forEach((row, step) => {
      expect(setup.path.times[step]).to.equal(step * setup.stepSeconds);
      expect(setup.path.prices[step * 4]).to.equal(1);
      expect([...setup.path.prices.subarray(step * 4 + 1, step * 4 + 4)]).to.deep.equal(row);
    });
    const calm = setUpScenario({ scenario: "calm", days: 2, assets: 3, seed: 7, stepHours: 3 });
    expect(calm.path.source).to.equal("npm start --scenario calm --seed 7");
  });

  it("resolves the defaults: a 30-day crash on a 4-asset vault, crash a third of the way in", () => {
    const options = resolveScenarioOptions();
    expect(options).to.include({ days: 30, assets: 4, seed: 7, scenario: "crash", crashDay: 10 });
    expect(options.stepHours).to.equal(DEFAULT_SCENARIO_OPTIONS.stepHours);
    expect(options.outDir).to.equal(path.resolve("reports"));
    expect(options.name).to.equal("ballast-crash-30d-4assets-seed7");
    expect(resolveScenarioOptions({ days: "3" }).crashDay).to.equal(1);
    expect(resolveScenarioOptions({ days: 1 }).crashDay).to.equal(0.5);
    expect(resolveScenarioOptions({ scenario: "CALM" })).to.not.have.property("crashDay");
    // The adversaries play by default; off by flag, variable or code.
    expect(options).to.include({ adversaries: true, frontRunPct: 20, frontRunMinBps: 10, sandwichBps: 4 });
    for (const off of ["off", "OFF", "false", "no", "0", false]) {
      expect(resolveScenarioOptions({ adversaries: off }).adversaries, String(off)).to.be.false;
    }
    expect(resolveScenarioOptions(optionsFromEnv({ ADVERSARIES: "off", FRONT_RUN_PCT: "50" }))).to.include({
      adversaries: false,
      frontRunPct: 50,
    });
    // The keeper bot's own planner: off by default (no fewer legs on the default scenario, see
    // docs/keeper.md), on by flag, variable or code.
    expect(options.keeperPlan).to.be.false;
    expect(resolveScenarioOptions({ keeperPlan: "on" }).keeperPlan).to.be.true;
    expect(resolveScenarioOptions(optionsFromEnv({ KEEPER_PLAN: "on" })).keeperPlan).to.be.true;
    // The policy's bands: a 2% trigger, and every asset back to target, unless set.
    expect(options).to.include({ triggerBandBps: 200, targetBandBps: 0 });
    expect(resolveScenarioOptions(optionsFromEnv({ TARGET_BAND_BPS: "50" })).targetBandBps).to.equal(50);
  });

  it("reads DAYS, ASSETS, SEED, SCENARIO ... from the environment", () => {
    const raw = optionsFromEnv({
      DAYS: "3",
      ASSETS: "2",
      SEED: "9",
      SCENARIO: "chop",
      REPORT_DIR: "/tmp/x",
      HOME: "/root",
    });
    expect(raw).to.deep.equal({ days: "3", assets: "2", seed: "9", scenario: "chop", outDir: "/tmp/x" });
    expect(resolveScenarioOptions(raw)).to.include({ days: 3, assets: 2, seed: 9, scenario: "chop", outDir: "/tmp/x" });
  });

  it("refuses bad values with a message naming the flag and the variable", () => {
    const cases: [Record<string, string | number>, RegExp][] = [
      [{ days: "0" }, /--days \(DAYS\) must be from 1 to 365, got 0/],
      [{ days: "3.5" }, /--days \(DAYS\) must be a whole number, got "3.5"/],
      [{ days: "ten" }, /--days \(DAYS\) must be a whole number/],
      [{ assets: "8" }, /--assets \(ASSETS\) must be from 1 to 7, got 8/],
      [{ seed: "-1" }, /--seed \(SEED\) must be a whole number/],
      [{ scenario: "moon" }, /--scenario \(SCENARIO\) must be one of crash, calm, bull, bear, chop, got "moon"/],
      [{ stepHours: "25" }, /--step-hours \(STEP_HOURS\) must be from 1 to 24/],
      [{ stepHours: "5" }, /--step-hours \(STEP_HOURS\) must divide a day \(1, 2, 3, 4, 6, 8, 12 or 24\), got 5/],
      [{ days: "1", stepHours: "24", crashDay: "0.5" }, /--crash-day \(CRASH_DAY\) must fall after the start/],
      [{ days: "3", crashDay: "3" }, /--crash-day \(CRASH_DAY\) must fall after the start and at least one/],
      [{ scenario: "calm", crashDay: "1" }, /--crash-day \(CRASH_DAY\) applies to the crash scenario only/],
      [{ name: "../etc" }, /--name \(REPORT_NAME\) must be 1-100 letters/],
      [{ gasGwei: "1e3" }, /--gas-gwei \(GAS_GWEI\) must be a number, got "1e3"/],
      [{ adversaries: "maybe" }, /--adversaries \(ADVERSARIES\) must be on or off, got "maybe"/],
      [{ keeperPlan: "auto" }, /--keeper-plan \(KEEPER_PLAN\) must be on or off, got "auto"/],
      [{ targetBandBps: "200" }, /--target-band-bps \(TARGET_BAND_BPS\) must be from 0 to 199, got 200/],
      [
        { triggerBandBps: "100", targetBandBps: "100" },
        /--target-band-bps \(TARGET_BAND_BPS\) must be from 0 to 99, got 100/,
      ],
      [{ triggerBandBps: "5" }, /--trigger-band-bps \(TRIGGER_BAND_BPS\) must be from 10 to 5000, got 5/],
      [{ frontRunPct: "0" }, /--front-run-pct \(FRONT_RUN_PCT\) must be from 1 to 100, got 0/],
      [{ sandwichBps: "101" }, /--sandwich-bps \(SANDWICH_BPS\) must be from 1 to 100, got 101/],
    ];
    for (const [raw, message] of cases) {
      expect(() => resolveScenarioOptions(raw), JSON.stringify(raw)).to.throw(ScenarioOptionsError, message);
    }
  });
});
