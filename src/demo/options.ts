/**
 * Options of `npm start` (the demo): defaults, validation with messages that name
 * the flag and the environment variable, and the environment reader. Pure TypeScript: the Hardhat
 * task files load it while the config loads, before `typechain-types/` exists on a clean clone, so
 * it must never import typechain-types or hardhat's runtime.
 */
import path from "node:path";

import { crashStepOf, MAX_RISKY_ASSETS, SCENARIO_NAMES } from "./scenarios";
import type { ScenarioName } from "./scenarios";

export interface ScenarioOptions {
  /** Simulated days. */
  days: number;
  /** Risky assets besides the USDC base (WETH, WBTC, LINK, UNI, AAVE, MKR, CRV in that order). */
  assets: number;
  /** Seed of every random choice: prices, depositors. */
  seed: number;
  scenario: ScenarioName;
  /** Hours between price moves (and keeper checks). */
  stepHours: number;
  /** Day of the crash (fractional allowed), crash scenario only. */
  crashDay?: number;
  /** USD the first two depositors put in before the scenario starts. */
  deposit: number;
  /** Mean number of deposits and redemptions a day after the start. */
  flowsPerDay: number;
  /** Base fee (gwei) of the keeper's rebalance transactions, and the price that values all gas in the report. */
  gasGwei: number;
  /** Folder of the report files. */
  outDir: string;
  /** Base name of the report files (`<name>.json`, `.svg`, `.html`). */
  name: string;
  /** Whether the adversaries (an oracle front-runner and a rebalance sandwicher) play against the vault. */
  adversaries: boolean;
  /**
   * Whether the keeper bot plans each rebalance itself (QuoterV2 over every pool, `rebalancePlan(legs)`,
   * the on-chain `rebalance()` as its fallback); off: it always calls `rebalance()`.
   */
  keeperPlan: boolean;
  /** The policy's trigger band, bps: a rebalance is due when an asset is this far off target. */
  triggerBandBps: number;
  /**
   * The policy's target band, bps: a rebalance moves only the assets more than this off target, to
   * this distance from it (0: every asset back to its exact target); below the trigger band.
   */
  targetBandBps: number;
  /** The front-runner's stake: its deposit before a step up, and its standing holding, % of NAV. */
  frontRunPct: number;
  /** The smallest basket step (at the vault's weights) the front-runner plays, bps. */
  frontRunMinBps: number;
  /** The sandwicher's small push, bps (within the vault's pool-gap tolerance); every other play pushes ten times as far. */
  sandwichBps: number;
}

/** Raw option values, from flags, the environment or code: strings are parsed, numbers checked. */
export type RawScenarioOptions = Partial<Record<keyof ScenarioOptions, string | number | boolean | undefined>>;

/** The defaults: a month of the crash scenario on a USDC + 4-asset vault, in under two minutes. */
export const DEFAULT_SCENARIO_OPTIONS = {
  days: 30,
  assets: 4,
  seed: 7,
  scenario: "crash",
  stepHours: 3,
  deposit: 1_000_000,
  flowsPerDay: 2,
  gasGwei: 10,
  outDir: "reports",
  adversaries: true,
  keeperPlan: false,
  triggerBandBps: 200,
  targetBandBps: 0,
  frontRunPct: 20,
  frontRunMinBps: 10,
  sandwichBps: 4,
} as const satisfies Partial<ScenarioOptions>;

export const MAX_DAYS = 365;

/** A flag or variable with an unusable value; the message names both and the accepted range. */
export class ScenarioOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScenarioOptionsError";
  }
}

/** How each option is spelled as a flag and as an environment variable, for messages and parsing. */
export const OPTION_SPELLINGS: Readonly<Record<keyof ScenarioOptions, { flag: string; env: string }>> = {
  days: { flag: "--days", env: "DAYS" },
  assets: { flag: "--assets", env: "ASSETS" },
  seed: { flag: "--seed", env: "SEED" },
  scenario: { flag: "--scenario", env: "SCENARIO" },
  stepHours: { flag: "--step-hours", env: "STEP_HOURS" },
  crashDay: { flag: "--crash-day", env: "CRASH_DAY" },
  deposit: { flag: "--deposit", env: "DEPOSIT" },
  flowsPerDay: { flag: "--flows-per-day", env: "FLOWS_PER_DAY" },
  gasGwei: { flag: "--gas-gwei", env: "GAS_GWEI" },
  outDir: { flag: "--out", env: "REPORT_DIR" },
  name: { flag: "--name", env: "REPORT_NAME" },
  adversaries: { flag: "--adversaries", env: "ADVERSARIES" },
  keeperPlan: { flag: "--keeper-plan", env: "KEEPER_PLAN" },
  triggerBandBps: { flag: "--trigger-band-bps", env: "TRIGGER_BAND_BPS" },
  targetBandBps: { flag: "--target-band-bps", env: "TARGET_BAND_BPS" },
  frontRunPct: { flag: "--front-run-pct", env: "FRONT_RUN_PCT" },
  frontRunMinBps: { flag: "--front-run-min-bps", env: "FRONT_RUN_MIN_BPS" },
  sandwichBps: { flag: "--sandwich-bps", env: "SANDWICH_BPS" },
};

function label(key: keyof ScenarioOptions): string {
  const { flag, env } = OPTION_SPELLINGS[key];
  return `${flag} (${env})`;
}

/** A number from a raw value: strings must be plain decimals ("3", "0.5"), no units or exponents. */
function toNumber(key: keyof ScenarioOptions, value: string | number, integer: boolean): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
      throw new ScenarioOptionsError(`${label(key)} must be ${integer ? "an integer" : "a number"}, got ${value}`);
    }
    return value;
  }
  const text = value.trim().replace(/_/g, "");
  const pattern = integer ? /^\d+$/ : /^\d+(\.\d+)?$/;
  if (!pattern.test(text)) {
    throw new ScenarioOptionsError(`${label(key)} must be ${integer ? "a whole number" : "a number"}, got "${value}"`);
  }
  return Number(text);
}

function inRange(
  key: keyof ScenarioOptions,
  raw: string | number | boolean | undefined,
  fallback: number,
  min: number,
  max: number,
  integer = true,
): number {
  if (raw === undefined || raw === "") return fallback;
  if (typeof raw === "boolean") throw new ScenarioOptionsError(`${label(key)} must be a number, got ${raw}`);
  const value = toNumber(key, raw, integer);
  if (value < min || value > max) {
    throw new ScenarioOptionsError(`${label(key)} must be from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** An on/off switch: on, off, true, false, yes, no, 1, 0 (any case). */
function toSwitch(key: keyof ScenarioOptions, raw: string | number | boolean | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === "") return fallback;
  if (typeof raw === "boolean") return raw;
  const text = String(raw).trim().toLowerCase();
  if (["on", "true", "yes", "1"].includes(text)) return true;
  if (["off", "false", "no", "0"].includes(text)) return false;
  throw new ScenarioOptionsError(`${label(key)} must be on or off, got "${String(raw)}"`);
}

/** Validates raw options and fills in the defaults. Throws ScenarioOptionsError naming the option. */
export function resolveScenarioOptions(raw: RawScenarioOptions = {}): ScenarioOptions {
  const days = inRange("days", raw.days, DEFAULT_SCENARIO_OPTIONS.days, 1, MAX_DAYS);
  const assets = inRange("assets", raw.assets, DEFAULT_SCENARIO_OPTIONS.assets, 1, MAX_RISKY_ASSETS);
  const seed = inRange("seed", raw.seed, DEFAULT_SCENARIO_OPTIONS.seed, 0, 0xffffffff);
  const stepHours = inRange("stepHours", raw.stepHours, DEFAULT_SCENARIO_OPTIONS.stepHours, 1, 24);
  const deposit = inRange("deposit", raw.deposit, DEFAULT_SCENARIO_OPTIONS.deposit, 1_000, 1_000_000_000, false);
  const flowsPerDay = inRange("flowsPerDay", raw.flowsPerDay, DEFAULT_SCENARIO_OPTIONS.flowsPerDay, 0, 48, false);
  const gasGwei = inRange("gasGwei", raw.gasGwei, DEFAULT_SCENARIO_OPTIONS.gasGwei, 0, 1_000, false);
  const adversaries = toSwitch("adversaries", raw.adversaries, DEFAULT_SCENARIO_OPTIONS.adversaries);
  const keeperPlan = toSwitch("keeperPlan", raw.keeperPlan, DEFAULT_SCENARIO_OPTIONS.keeperPlan);
  const triggerBandBps = inRange(
    "triggerBandBps",
    raw.triggerBandBps,
    DEFAULT_SCENARIO_OPTIONS.triggerBandBps,
    10,
    5_000,
  );
  const targetBandBps = inRange(
    "targetBandBps",
    raw.targetBandBps,
    DEFAULT_SCENARIO_OPTIONS.targetBandBps,
    0,
    triggerBandBps - 1,
  );
  const frontRunPct = inRange("frontRunPct", raw.frontRunPct, DEFAULT_SCENARIO_OPTIONS.frontRunPct, 1, 100, false);
  const frontRunMinBps = inRange(
    "frontRunMinBps",
    raw.frontRunMinBps,
    DEFAULT_SCENARIO_OPTIONS.frontRunMinBps,
    1,
    10_000,
    false,
  );
  const sandwichBps = inRange("sandwichBps", raw.sandwichBps, DEFAULT_SCENARIO_OPTIONS.sandwichBps, 1, 100, false);

  const scenarioText = String(raw.scenario ?? DEFAULT_SCENARIO_OPTIONS.scenario)
    .trim()
    .toLowerCase();
  const scenario = SCENARIO_NAMES.find((name) => name === scenarioText);
  if (!scenario) {
    throw new ScenarioOptionsError(
      `${label("scenario")} must be one of ${SCENARIO_NAMES.join(", ")}, got "${String(raw.scenario)}"`,
    );
  }
  // Whole steps a day: every simulated day ends on a step, where the progress line is printed.
  if (24 % stepHours !== 0) {
    throw new ScenarioOptionsError(
      `${label("stepHours")} must divide a day (1, 2, 3, 4, 6, 8, 12 or 24), got ${stepHours}`,
    );
  }

  let crashDay: number | undefined;
  if (scenario === "crash") {
    // A third of the way in leaves time to see the vault before and the breaker's reset after.
    const fallback = days >= 3 ? Math.floor(days / 3) : days / 2;
    crashDay = inRange("crashDay", raw.crashDay, fallback, 0, days, false);
    const steps = (days * 24) / stepHours;
    if (crashDay <= 0 || crashStepOf(crashDay, stepHours) >= steps) {
      throw new ScenarioOptionsError(
        `${label("crashDay")} must fall after the start and at least one ${stepHours}-hour step before the end of day ${days}, got ${crashDay}`,
      );
    }
  } else if (raw.crashDay !== undefined && raw.crashDay !== "") {
    throw new ScenarioOptionsError(`${label("crashDay")} applies to the crash scenario only (scenario is ${scenario})`);
  }

  const outDir = String(raw.outDir ?? DEFAULT_SCENARIO_OPTIONS.outDir).trim();
  if (outDir === "") throw new ScenarioOptionsError(`${label("outDir")} must not be empty`);
  const name = String(raw.name ?? `ballast-${scenario}-${days}d-${assets}assets-seed${seed}`).trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)) {
    throw new ScenarioOptionsError(
      `${label("name")} must be 1-100 letters, digits, dots, dashes or underscores (a file name), got "${name}"`,
    );
  }
  return {
    days,
    assets,
    seed,
    scenario,
    stepHours,
    ...(crashDay === undefined ? {} : { crashDay }),
    deposit,
    flowsPerDay,
    gasGwei,
    outDir: path.resolve(outDir),
    name,
    adversaries,
    keeperPlan,
    triggerBandBps,
    targetBandBps,
    frontRunPct,
    frontRunMinBps,
    sandwichBps,
  };
}

/** Raw options from environment variables (`DAYS=3 SEED=1 npm start`), see OPTION_SPELLINGS. */
export function optionsFromEnv(env: Readonly<Record<string, string | undefined>>): RawScenarioOptions {
  const raw: RawScenarioOptions = {};
  for (const [key, { env: variable }] of Object.entries(OPTION_SPELLINGS) as [
    keyof ScenarioOptions,
    { env: string },
  ][]) {
    const value = env[variable];
    if (value !== undefined && value !== "") raw[key] = value;
  }
  return raw;
}
