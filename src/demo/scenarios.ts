/**
 * The market scenarios `npm start` plays: which assets the vault holds, how their prices move,
 * and when the crash comes. Pure TypeScript (no chain, no typechain): the Hardhat tasks load the
 * option parser that depends on this module while the config loads.
 */
import { DEFAULT_TOKENS } from "../market/config";
import { oneFactorCorrelation } from "../sim/linalg";
import { generatePath, YEAR_SECONDS } from "../sim/paths";
import type { PathModel, PricePath, VolatilitySpell } from "../sim/paths";
import type { BasketEntry } from "../vault/deployVault";

/**
 * A pool's liquidity providers move their concentrated ranges back around the price once it has
 * left the ±10% positions the market placed: active LPs re-range when out of range, and a vault
 * trading into the thin liquidity left would pay impact no real market charges. (The lab replays
 * them with the same threshold: src/demo/labReplay.ts.)
 */
export const RECENTER_THRESHOLD = 0.1;

/** The base asset of every scenario vault. */
export const BASE_SYMBOL = "USDC";
/** The base asset's target weight: a 5% cash buffer pays small exits without a swap. */
export const BASE_WEIGHT_BPS = 500;

/**
 * A risky asset the scenario vault can hold, in the order `--assets N` takes them. Weights are
 * relative (scaled to fill the non-base 95%), roughly by market capitalisation; volatilities,
 * market-factor loadings and crash depths are round numbers in line with 2022-2024 history.
 */
export interface RiskyAssetSpec {
  symbol: string;
  relativeWeight: number;
  annualVol: number;
  /** Loading on the common crypto factor: corr(i, j) = loading_i * loading_j. */
  loading: number;
  /** How deep this asset falls in a crash, relative to the crash size (1 = the crash size). */
  crashBeta: number;
  /** Route to the base asset when the default (the deepest asset/USDC pool) is not the one used. */
  route?: BasketEntry["route"];
}

export const RISKY_ASSETS: readonly RiskyAssetSpec[] = [
  { symbol: "WETH", relativeWeight: 35, annualVol: 0.65, loading: 0.92, crashBeta: 1 },
  // As in DEFAULT_BASKET: WBTC's deepest liquidity is against WETH, so it trades WBTC -> WETH -> USDC.
  {
    symbol: "WBTC",
    relativeWeight: 30,
    annualVol: 0.55,
    loading: 0.88,
    crashBeta: 0.85,
    route: ["WBTC", 500, "WETH", 500, "USDC"],
  },
  { symbol: "LINK", relativeWeight: 15, annualVol: 0.85, loading: 0.8, crashBeta: 1.15 },
  { symbol: "UNI", relativeWeight: 15, annualVol: 0.9, loading: 0.78, crashBeta: 1.15 },
  { symbol: "AAVE", relativeWeight: 10, annualVol: 0.9, loading: 0.78, crashBeta: 1.15 },
  { symbol: "MKR", relativeWeight: 10, annualVol: 0.8, loading: 0.7, crashBeta: 1.1 },
  { symbol: "CRV", relativeWeight: 10, annualVol: 1.1, loading: 0.72, crashBeta: 1.25 },
];

export const MAX_RISKY_ASSETS = RISKY_ASSETS.length;

export const SCENARIO_NAMES = ["crash", "calm", "bull", "bear", "chop"] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface ScenarioDefinition {
  name: ScenarioName;
  description: string;
  /** Multiplier of every asset's volatility. */
  volScale: number;
  /** Annual drift of every risky asset. */
  annualDrift: number;
  /** Mean reversion speed per year (see PathModel.meanReversion). */
  meanReversion: number;
  /** Whether the scenario has the crash. */
  crash: boolean;
}

/** Depth of the crash for an asset with crashBeta 1: a third off, the size of May 2021 or June 2022. */
export const CRASH_SIZE = 0.35;
/** Volatility multiplier for the day after the crash: markets stay nervous after a crash. */
export const AFTERSHOCK_VOL_SCALE = 2;
const AFTERSHOCK_SECONDS = 24 * 60 * 60;

export const SCENARIOS: Readonly<Record<ScenarioName, ScenarioDefinition>> = {
  crash: {
    name: "crash",
    description:
      "usual volatility, then a sudden 30-40% crash of every risky asset on the crash day, which trips the circuit breaker; nervous markets for a day after",
    volScale: 1,
    annualDrift: 0,
    meanReversion: 0,
    crash: true,
  },
  calm: {
    name: "calm",
    description: "quiet markets: half the usual volatility, no trend",
    volScale: 0.5,
    annualDrift: 0,
    meanReversion: 0,
    crash: false,
  },
  bull: {
    name: "bull",
    description: "a steady rally: +120% a year of drift, slightly calmer than usual",
    volScale: 0.9,
    annualDrift: 1.2,
    meanReversion: 0,
    crash: false,
  },
  bear: {
    name: "bear",
    description: "a grinding decline: -90% a year of drift, slightly more volatile than usual",
    volScale: 1.1,
    annualDrift: -0.9,
    meanReversion: 0,
    crash: false,
  },
  chop: {
    name: "chop",
    description: "a volatile range: 1.4x the usual volatility pulled back to the start (half-life ~6 days)",
    volScale: 1.4,
    annualDrift: 0,
    meanReversion: 40,
    crash: false,
  },
};

/** What a scenario setup needs from the options (see ScenarioOptions). */
export interface ScenarioInput {
  scenario: ScenarioName;
  days: number;
  assets: number;
  seed: number;
  stepHours: number;
  /** Day (may be fractional) of the crash; required for the crash scenario. */
  crashDay?: number;
}

export interface ScenarioSetup {
  definition: ScenarioDefinition;
  /** The vault's basket: the base asset first, then the risky assets, weights summing to 10 000. */
  basket: BasketEntry[];
  /** The risky assets' specs, in basket order (after the base). */
  risky: RiskyAssetSpec[];
  stepSeconds: number;
  steps: number;
  /** `prices[step][i]`: USD price of risky asset i at the start of `step` (0..steps). */
  prices: number[][];
  /**
   * The same prices as the strategy lab's path (src/sim/paths.ts made them: one generator for
   * `npm start` and `npm run backtest`), the base asset in column 0 at $1, row `step`.
   */
  path: PricePath;
  /** The step the crash happens at, for the crash scenario. */
  crashStep?: number;
  /** The jump each risky asset takes at the crash (-0.35 = -35%). */
  crashReturns?: number[];
}

/**
 * The target weights of the first `count` risky assets: their relative weights scaled to fill
 * 10 000 - BASE_WEIGHT_BPS, rounded by largest remainder so that the total is exact.
 */
export function targetWeights(count: number): number[] {
  const chosen = RISKY_ASSETS.slice(0, count);
  const total = chosen.reduce((sum, asset) => sum + asset.relativeWeight, 0);
  const available = 10_000 - BASE_WEIGHT_BPS;
  const exact = chosen.map((asset) => (asset.relativeWeight * available) / total);
  const weights = exact.map(Math.floor);
  const byRemainder = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  let missing = available - weights.reduce((sum, w) => sum + w, 0);
  for (const [, i] of byRemainder) {
    if (missing-- <= 0) break;
    weights[i]++;
  }
  return weights;
}

/**
 * The scenario vault's basket: USDC (BASE_WEIGHT_BPS) and the first `assets` risky assets at
 * {@link targetWeights}, WBTC routed through WETH.
 */
export function basketOf(assets: number): BasketEntry[] {
  const weights = targetWeights(assets);
  return [
    { symbol: BASE_SYMBOL, weightBps: BASE_WEIGHT_BPS },
    ...RISKY_ASSETS.slice(0, assets).map((asset, i) => ({
      symbol: asset.symbol,
      weightBps: weights[i],
      ...(asset.route ? { route: asset.route } : {}),
    })),
  ];
}

/** The step a crash on `crashDay` falls at (at least step 1: step 0 is the start). */
export function crashStepOf(crashDay: number, stepHours: number): number {
  return Math.max(1, Math.round((crashDay * 24) / stepHours));
}

/**
 * Builds the basket and draws the whole price path of a scenario, deterministically from the seed:
 * the strategy lab's generator (src/sim/paths.ts `generatePath`) on the scenario's model, with the
 * crash as a shock at its step and its aftershock as a spell of doubled volatility.
 */
export function setUpScenario(input: ScenarioInput): ScenarioSetup {
  const definition = SCENARIOS[input.scenario];
  const risky = RISKY_ASSETS.slice(0, input.assets);
  const basket = basketOf(input.assets);
  const stepSeconds = input.stepHours * 3_600;
  const steps = Math.ceil((input.days * 24) / input.stepHours);

  let crashStep: number | undefined;
  let crashReturns: number[] | undefined;
  const volatilitySpells: VolatilitySpell[] = [];
  if (definition.crash) {
    if (input.crashDay === undefined) throw new RangeError("the crash scenario needs a crash day");
    crashStep = crashStepOf(input.crashDay, input.stepHours);
    crashReturns = risky.map((asset) => -Math.min(0.9, CRASH_SIZE * asset.crashBeta));
    const aftershockEnd = Math.min(steps, crashStep + Math.ceil(AFTERSHOCK_SECONDS / stepSeconds));
    if (crashStep < aftershockEnd) {
      volatilitySpells.push({ fromRow: crashStep + 1, toRow: aftershockEnd, multiplier: AFTERSHOCK_VOL_SCALE });
    }
  }
  const model: PathModel = {
    assets: risky.map((asset) => ({
      symbol: asset.symbol,
      priceUsd: Number(DEFAULT_TOKENS.find((token) => token.symbol === asset.symbol)?.priceUsd),
      volatility: asset.annualVol * definition.volScale,
      drift: definition.annualDrift,
    })),
    base: { symbol: BASE_SYMBOL },
    correlation: oneFactorCorrelation(risky.map((asset) => asset.loading)),
    years: (steps * stepSeconds) / YEAR_SECONDS,
    stepSeconds,
    meanReversion: definition.meanReversion,
    ...(crashStep !== undefined && crashReturns ? { shocks: [{ row: crashStep, returns: crashReturns }] } : {}),
    volatilitySpells,
  };
  // The price path has its own stream (Rng(seed).fork("prices")): other random choices (depositors)
  // never shift it.
  const path = generatePath(model, `${input.seed}/prices`);
  path.source = `npm start --scenario ${input.scenario} --seed ${input.seed}`;
  const prices: number[][] = [];
  for (let step = 0; step <= steps; step++) {
    prices.push(Array.from(path.prices.subarray(step * path.width + 1, (step + 1) * path.width)));
  }
  return { definition, basket, risky, stepSeconds, steps, prices, path, crashStep, crashReturns };
}
