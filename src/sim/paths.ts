import { checkInteger, checkNumber, SimError } from "./errors";
import { cholesky, correlationMatrix } from "./linalg";
import type { Correlation } from "./linalg";
import { Rng } from "./random";

/** Seconds in the simulator's year: 365 days, the `YEAR` BallastPolicy annualises variance with. */
export const YEAR_SECONDS = 365 * 24 * 3600;

/** Largest path the generators will hold in memory (rows x columns of float64: 400 MB). */
export const MAX_PATH_CELLS = 50_000_000;

/** Decimals of well-known tokens; any other symbol defaults to 18 (6 for the base asset). */
export const KNOWN_DECIMALS: Readonly<Record<string, number>> = { USDC: 6, USDT: 6, DAI: 18, WBTC: 8, WETH: 18 };

/**
 * Prices of a basket over time: column 0 is the base asset (the vault's numeraire, e.g. USDC), the
 * others the assets, every price in USD per whole token. Row-major in one Float64Array, so a
 * simulation reads a step as a contiguous slice and never allocates.
 */
export interface PricePath {
  /** Symbols, base first. */
  symbols: string[];
  /** Token decimals, base first (the vault model values raw balances with them). */
  decimals: number[];
  /** Seconds since the start of each row (strictly increasing, the first 0). */
  times: Float64Array;
  /** USD price of column i at row t: `prices[t * width + i]`. */
  prices: Float64Array;
  /** Number of rows. */
  steps: number;
  /** Number of columns (assets including the base). */
  width: number;
  /** Regime of each row (0 calm, 1 stressed) when the path was generated with regimes. */
  regimes?: Uint8Array;
  /** What made the path, for reports ("gbm seed 1", a CSV file name). */
  source: string;
  /** Epoch seconds of the first row, when the path came from timestamps (a CSV): flows are placed by it. */
  startTime?: number;
}

/** One non-base asset of a generated path. */
export interface AssetModel {
  symbol: string;
  /** USD price at the start. */
  priceUsd: number;
  /** Annualised volatility of log returns (0.8 = 80% a year). */
  volatility: number;
  /** Annualised expected arithmetic return mu (E[S_t] = S_0 e^{mu t}); default 0. */
  drift?: number;
  /** Token decimals; default from KNOWN_DECIMALS, else 18. */
  decimals?: number;
}

/**
 * Merton jumps: a Poisson number of jumps a year, each multiplying the price by e^J with
 * J ~ N(meanLog, volLog^2). The diffusion's drift is compensated, so the expected return stays
 * `drift`: jumps add risk, not return.
 */
export interface JumpModel {
  intensityPerYear: number;
  meanLog: number;
  volLog: number;
  /** True: every asset jumps at once by the same J (a market-wide crash); false: independently. */
  common?: boolean;
}

/**
 * Two-state Markov regime switching (calm 0, stressed 1), with exponential holding times. In the
 * stressed state volatility is multiplied, the drift shifted and the correlation replaced, which
 * is how crypto baskets behave in a sell-off: everything moves more and together.
 */
export interface RegimeModel {
  /** Rate of calm -> stressed switches, per year (mean calm spell 1 / rate). */
  toStressedPerYear: number;
  /** Rate of stressed -> calm switches, per year. */
  toCalmPerYear: number;
  stressedVolMultiplier: number;
  /** Added to every asset's drift while stressed (e.g. -0.5). */
  stressedDriftShift?: number;
  /** Correlation while stressed; default: the calm correlation. */
  stressedCorrelation?: Correlation;
}

/** A jump at one row: asset i's price is multiplied by `1 + returns[i]` (a crash on a given day). */
export interface PathShock {
  /** The row it happens at (1 .. rows - 1), on top of that row's ordinary move. */
  row: number;
  /** One return per non-base asset, each above -1. */
  returns: readonly number[];
}

/** Rows `fromRow` to `toRow` (both included) with every volatility multiplied: a crash's aftershock. */
export interface VolatilitySpell {
  fromRow: number;
  toRow: number;
  multiplier: number;
}

export interface PathModel {
  /** The non-base assets. */
  assets: readonly AssetModel[];
  correlation: Correlation;
  years: number;
  stepSeconds: number;
  jumps?: JumpModel;
  regimes?: RegimeModel;
  /**
   * Speed (per year) at which log prices revert to their starting level, an Ornstein-Uhlenbeck
   * pull sampled exactly like the diffusion; 0 or absent is plain GBM. A range-bound, choppy market
   * (`npm start -- --scenario chop`) is where rebalancing earns most.
   */
  meanReversion?: number;
  /** Jumps at given rows, on top of the random path (`npm start`'s crash). */
  shocks?: readonly PathShock[];
  /** Stretches of rows with every volatility multiplied. */
  volatilitySpells?: readonly VolatilitySpell[];
  /** The base asset, priced at $1 throughout; default USDC (6 decimals). */
  base?: { symbol: string; decimals?: number };
}

/** Decimals of `symbol`: the given value, a well-known token's, else 18. */
export function decimalsOf(symbol: string, given?: number): number {
  const d = given ?? KNOWN_DECIMALS[symbol] ?? 18;
  return checkInteger(`${symbol} decimals`, d, 0, 36);
}

/** Checks a path model and returns its number of rows. */
function validate(model: PathModel): number {
  const n = model.assets.length;
  checkInteger("number of assets", n, 1, 15);
  checkNumber("years", model.years, 1 / 365 / 24, 10_000);
  checkNumber("stepSeconds", model.stepSeconds, 1, YEAR_SECONDS);
  const symbols = new Set<string>([model.base?.symbol ?? "USDC"]);
  for (const a of model.assets) {
    if (!/^[A-Za-z0-9._-]{1,16}$/.test(a.symbol)) throw new SimError(`asset symbol "${a.symbol}" is not 1-16 letters`);
    if (symbols.has(a.symbol)) throw new SimError(`asset ${a.symbol}: listed twice`);
    symbols.add(a.symbol);
    checkNumber(`${a.symbol} priceUsd`, a.priceUsd, 1e-12, 1e15);
    checkNumber(`${a.symbol} volatility`, a.volatility, 0, 10);
    checkNumber(`${a.symbol} drift`, a.drift ?? 0, -10, 10);
  }
  if (model.jumps) {
    checkNumber("jumps.intensityPerYear", model.jumps.intensityPerYear, 0, 10_000);
    checkNumber("jumps.meanLog", model.jumps.meanLog, -5, 5);
    checkNumber("jumps.volLog", model.jumps.volLog, 0, 5);
  }
  if (model.regimes) {
    checkNumber("regimes.toStressedPerYear", model.regimes.toStressedPerYear, 0, 1e6);
    checkNumber("regimes.toCalmPerYear", model.regimes.toCalmPerYear, 0, 1e6);
    checkNumber("regimes.stressedVolMultiplier", model.regimes.stressedVolMultiplier, 0, 100);
    checkNumber("regimes.stressedDriftShift", model.regimes.stressedDriftShift ?? 0, -10, 10);
  }
  checkNumber("meanReversion", model.meanReversion ?? 0, 0, 1e4);
  const rows = Math.round((model.years * YEAR_SECONDS) / model.stepSeconds) + 1;
  if (rows < 2) throw new SimError(`years ${model.years} is shorter than one step of ${model.stepSeconds} s`);
  for (const shock of model.shocks ?? []) {
    checkInteger("shock row", shock.row, 1, rows - 1);
    if (shock.returns.length !== n) throw new SimError(`shock at row ${shock.row}: ${n} returns expected`);
    for (const r of shock.returns) checkNumber(`shock at row ${shock.row}: return`, r, -1 + 1e-12, 1e3);
  }
  for (const spell of model.volatilitySpells ?? []) {
    checkInteger("volatility spell fromRow", spell.fromRow, 1, rows - 1);
    checkInteger("volatility spell toRow", spell.toRow, spell.fromRow, rows - 1);
    checkNumber("volatility spell multiplier", spell.multiplier, 0, 100);
  }
  if (rows * (n + 1) > MAX_PATH_CELLS) {
    throw new SimError(
      `path of ${rows} steps x ${n + 1} assets exceeds ${MAX_PATH_CELLS} cells: use a longer step or fewer years`,
    );
  }
  return rows;
}

/**
 * Correlated geometric Brownian motion (via the Cholesky factor of the correlation matrix), with
 * optional Merton jumps and two-state regime switching, sampled exactly at every step (log-price
 * increments are Gaussian, so there is no discretisation error in the diffusion).
 * `seed` makes the path reproducible.
 */
export function generatePath(model: PathModel, seed: number | string): PricePath {
  const rows = validate(model);
  const n = model.assets.length;
  const width = n + 1;
  const rng = new Rng(seed);
  const dt = model.stepSeconds / YEAR_SECONDS;
  const regimes = model.regimes;
  const steps = stepModel(model, dt);
  const jumps = steps.jumps;

  const prices = new Float64Array(rows * width);
  const times = new Float64Array(rows);
  const regimeOf = regimes ? new Uint8Array(rows) : undefined;
  const logPrice = new Float64Array(n);
  prices[0] = 1;
  for (let i = 0; i < n; i++) {
    logPrice[i] = Math.log(model.assets[i].priceUsd);
    prices[i + 1] = model.assets[i].priceUsd;
  }
  fillRows(rng, {
    ...steps,
    extras: pathExtras(model, rows, dt, steps.volStep, logPrice),
    rows,
    stepSeconds: model.stepSeconds,
    prices,
    times,
    regimeOf,
    logPrice,
  });
  const baseSymbol = model.base?.symbol ?? "USDC";
  const parts = [
    "gbm",
    jumps ? "jumps" : "",
    regimes ? "regimes" : "",
    (model.meanReversion ?? 0) > 0 ? "reversion" : "",
    (model.shocks ?? []).length > 0 ? "shocks" : "",
  ]
    .filter(Boolean)
    .join("+");
  return {
    symbols: [baseSymbol, ...model.assets.map((a) => a.symbol)],
    decimals: [
      decimalsOf(baseSymbol, model.base?.decimals ?? 6),
      ...model.assets.map((a) => decimalsOf(a.symbol, a.decimals)),
    ],
    times,
    prices,
    steps: rows,
    width,
    regimes: regimeOf,
    source: `${parts} seed ${String(seed)}`,
  };
}

/** Realised annualised volatility of column `i`'s log returns (for checks and reports). */
export function realisedVolatility(path: PricePath, i: number): number {
  let sum = 0;
  for (let t = 1; t < path.steps; t++) {
    const r = Math.log(path.prices[t * path.width + i] / path.prices[(t - 1) * path.width + i]);
    sum += r * r;
  }
  const years = (path.times[path.steps - 1] - path.times[0]) / YEAR_SECONDS;
  return Math.sqrt(sum / years);
}

/**
 * What a path has beyond GBM, jumps and regimes, precomputed for the hot loop: the exact
 * Ornstein-Uhlenbeck step of mean reversion, the rows' volatility multipliers and the shocks.
 */
interface PathExtras {
  /**
   * Mean reversion at speed k over a step dt: the log price's distance from its start decays by
   * `decay` = e^(-k dt); the step's drift counts `driftFactor` = (1 - decay) / (k dt) times and its
   * volatility `volFactor` = sqrt((1 - decay^2) / (2 k dt)) times (the exact OU transition).
   */
  reversion?: { decay: number; driftFactor: number; volFactor: number; logStart: Float64Array };
  /** Volatility multiplier of each row (absent: 1 throughout). */
  volScale?: Float64Array;
  /** sigma^2 dt / 2 per regime and asset: the drift's Ito term, for rows whose volatility is scaled. */
  halfVariance: Float64Array[];
  /** Log jump of every asset at a shocked row. */
  shocks: Map<number, Float64Array>;
}

function pathExtras(
  model: PathModel,
  rows: number,
  dt: number,
  volStep: readonly Float64Array[],
  logStart: Float64Array,
): PathExtras {
  const k = model.meanReversion ?? 0;
  const extras: PathExtras = {
    halfVariance: volStep.map((v) => v.map((x) => 0.5 * x * x)),
    shocks: new Map(
      (model.shocks ?? []).map((shock) => [shock.row, Float64Array.from(shock.returns, (r) => Math.log1p(r))]),
    ),
  };
  if (k > 0) {
    const decay = Math.exp(-k * dt);
    extras.reversion = {
      decay,
      driftFactor: -Math.expm1(-k * dt) / (k * dt),
      volFactor: Math.sqrt(-Math.expm1(-2 * k * dt) / (2 * k * dt)),
      logStart: Float64Array.from(logStart),
    };
  }
  const spells = model.volatilitySpells ?? [];
  if (spells.length > 0) {
    const scale = new Float64Array(rows).fill(1);
    for (const spell of spells) for (let t = spell.fromRow; t <= spell.toRow; t++) scale[t] *= spell.multiplier;
    extras.volScale = scale;
  }
  return extras;
}

/** One step of the model, per regime (calm, stressed) where it has two. */
interface StepModel {
  /** Assets besides the base. */
  n: number;
  /** The Cholesky factor of the correlation matrix. */
  chol: Float64Array[];
  /** Each asset's log drift per step and volatility per sqrt(step). */
  driftStep: Float64Array[];
  volStep: Float64Array[];
  /** The chance of leaving each regime within a step. */
  switchProb: number[];
  switching: boolean;
  jumps: JumpModel | undefined;
  /** Expected jumps a step. */
  jumpMean: number;
}

function stepModel(model: PathModel, dt: number): StepModel {
  const n = model.assets.length;
  const sqrtDt = Math.sqrt(dt);
  const calm = correlationMatrix(model.correlation, n);
  const regimes = model.regimes;
  const stressedCorr = regimes?.stressedCorrelation
    ? correlationMatrix(regimes.stressedCorrelation, n)
    : calm.map((r) => [...r]);
  const chol = [cholesky(calm), cholesky(stressedCorr)];

  const jumps = model.jumps && model.jumps.intensityPerYear > 0 ? model.jumps : undefined;
  // Compensator: E[e^J - 1] per jump, so that jumps leave the expected return at `drift`.
  const kappa = jumps ? Math.exp(jumps.meanLog + 0.5 * jumps.volLog * jumps.volLog) - 1 : 0;
  const jumpMean = jumps ? jumps.intensityPerYear * dt : 0;

  const driftStep = [new Float64Array(n), new Float64Array(n)];
  const volStep = [new Float64Array(n), new Float64Array(n)];
  for (let r = 0; r < 2; r++) {
    const mult = r === 1 && regimes ? regimes.stressedVolMultiplier : 1;
    const shift = r === 1 && regimes ? (regimes.stressedDriftShift ?? 0) : 0;
    for (let i = 0; i < n; i++) {
      const sigma = model.assets[i].volatility * mult;
      const mu = (model.assets[i].drift ?? 0) + shift;
      driftStep[r][i] = (mu - 0.5 * sigma * sigma - (jumps ? jumps.intensityPerYear * kappa : 0)) * dt;
      volStep[r][i] = sigma * sqrtDt;
    }
  }
  const switchProb = regimes
    ? [1 - Math.exp(-regimes.toStressedPerYear * dt), 1 - Math.exp(-regimes.toCalmPerYear * dt)]
    : [0, 0];
  return { n, chol, driftStep, volStep, switchProb, switching: regimes !== undefined, jumps, jumpMean };
}

interface FillArgs extends StepModel {
  extras: PathExtras;
  rows: number;
  stepSeconds: number;
  prices: Float64Array;
  times: Float64Array;
  regimeOf: Uint8Array | undefined;
  logPrice: Float64Array;
}

/** The generator's hot loop, apart so that V8 optimises it on its own (rows 1.., row 0 is set). */
function fillRows(rng: Rng, a: FillArgs): void {
  const {
    extras,
    rows,
    n,
    stepSeconds,
    chol,
    driftStep,
    volStep,
    switchProb,
    switching,
    jumps,
    jumpMean,
    prices,
    times,
    regimeOf,
    logPrice,
  } = a;
  const width = n + 1;
  const z = new Float64Array(n);
  const independentJumps = jumps !== undefined && !jumps.common;
  const commonJumps = jumps !== undefined && jumps.common === true;
  const meanLog = jumps?.meanLog ?? 0;
  const volLog = jumps?.volLog ?? 0;
  let regime = 0;
  for (let t = 1; t < rows; t++) {
    times[t] = t * stepSeconds;
    if (switching && rng.uniform() < switchProb[regime]) regime = 1 - regime;
    if (regimeOf) regimeOf[t] = regime;
    const l = chol[regime];
    const mu = driftStep[regime];
    const vol = volStep[regime];
    rng.fillNormal(z);
    let commonJump = 0;
    if (commonJumps) {
      const k = rng.poisson(jumpMean);
      if (k > 0) commonJump = k * meanLog + Math.sqrt(k) * volLog * rng.normal();
    }
    const row = t * width;
    prices[row] = 1;
    const scale = extras.volScale ? extras.volScale[t] : 1;
    const shock = extras.shocks.get(t);
    for (let i = 0; i < n; i++) {
      let e = 0;
      const li = i * n;
      for (let k = 0; k <= i; k++) e += l[li + k] * z[k];
      let x: number;
      if (extras.reversion === undefined && scale === 1) {
        x = logPrice[i] + mu[i] + vol[i] * e + commonJump;
      } else {
        // A scaled volatility's Ito term: the drift of the log price loses sigma^2 dt (s^2 - 1) / 2 more.
        const drift = mu[i] - extras.halfVariance[regime][i] * (scale * scale - 1);
        const r = extras.reversion;
        x = r
          ? r.logStart[i] +
            (logPrice[i] - r.logStart[i]) * r.decay +
            drift * r.driftFactor +
            vol[i] * scale * r.volFactor * e +
            commonJump
          : logPrice[i] + drift + vol[i] * scale * e + commonJump;
      }
      if (independentJumps) {
        const k = rng.poisson(jumpMean);
        if (k > 0) x += k * meanLog + Math.sqrt(k) * volLog * rng.normal();
      }
      if (shock) x += shock[i];
      logPrice[i] = x;
      prices[row + i + 1] = Math.exp(x);
    }
  }
}
