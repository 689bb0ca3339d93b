/**
 * Correlated price paths for the scenario simulator: geometric Brownian motion per asset, the
 * assets' shocks correlated through the Cholesky factor of a correlation matrix, with optional
 * jumps (a crash), a volatility schedule (the aftershock of a crash) and mean reversion (a choppy
 * market). Pure TypeScript, deterministic given the generator.
 */
import type { Rng } from "./random";

/** Seconds in the year that annual volatilities and drifts refer to (365 days: crypto trades daily). */
export const SECONDS_PER_YEAR = 365 * 24 * 60 * 60;

export interface AssetModel {
  symbol: string;
  /** Price at step 0, USD. */
  price0: number;
  /** Annualised volatility of log returns (0.65 = 65%). */
  annualVol: number;
  /** Annualised drift of the price (expected log return is drift - vol^2 / 2). */
  annualDrift: number;
}

/** A jump at the start of a step: each asset's price is multiplied by `1 + returns[i]`. */
export interface PriceShock {
  step: number;
  returns: readonly number[];
}

export interface PathModel {
  assets: readonly AssetModel[];
  /** Correlation of the assets' log returns (symmetric, unit diagonal, positive definite). */
  correlation: readonly (readonly number[])[];
  /** Number of steps after step 0: a path has `steps + 1` prices per asset. */
  steps: number;
  /** Length of a step in years. */
  stepYears: number;
  /** Multiplier of every volatility at a step (1 when absent): a crash's aftershock. */
  volScale?: (step: number) => number;
  /**
   * Speed (per year) at which log prices revert to their starting level (an Ornstein-Uhlenbeck
   * pull); 0 or absent is plain GBM. A range-bound, choppy market is where rebalancing earns most.
   */
  meanReversion?: number;
  shocks?: readonly PriceShock[];
}

/** A model or matrix that cannot describe a market (not symmetric, not positive definite, ...). */
export class PathModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PathModelError";
  }
}

/**
 * The lower-triangular L with L L^T = matrix (Cholesky-Banachiewicz). Throws PathModelError when
 * the matrix is not symmetric positive definite: such a "correlation" would produce NaN paths.
 */
export function cholesky(matrix: readonly (readonly number[])[]): number[][] {
  const n = matrix.length;
  const lower = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    if (matrix[i].length !== n) throw new PathModelError(`row ${i} has ${matrix[i].length} entries, expected ${n}`);
    for (let j = 0; j <= i; j++) {
      if (Math.abs(matrix[i][j] - matrix[j][i]) > 1e-12) {
        throw new PathModelError(`not symmetric at (${i}, ${j})`);
      }
      let sum = matrix[i][j];
      for (let k = 0; k < j; k++) sum -= lower[i][k] * lower[j][k];
      if (i === j) {
        if (!(sum > 0)) throw new PathModelError(`not positive definite (pivot ${i} is ${sum})`);
        lower[i][i] = Math.sqrt(sum);
      } else {
        lower[i][j] = sum / lower[j][j];
      }
    }
  }
  return lower;
}

/**
 * A one-factor correlation matrix: corr(i, j) = loading_i * loading_j off the diagonal. Crypto
 * assets move mostly with one market factor; this form is positive definite for any loadings in
 * (-1, 1), so no combination of assets can produce an invalid matrix.
 */
export function oneFactorCorrelation(loadings: readonly number[]): number[][] {
  for (const [i, loading] of loadings.entries()) {
    if (!(Math.abs(loading) < 1)) throw new PathModelError(`loading ${i} is ${loading}, must be in (-1, 1)`);
  }
  return loadings.map((a, i) => loadings.map((b, j) => (i === j ? 1 : a * b)));
}

/** `count` standard normals correlated by the Cholesky factor `lower`. */
export function correlatedNormals(rng: Rng, lower: readonly (readonly number[])[]): number[] {
  const independent = lower.map(() => rng.normal());
  return lower.map((row) => row.reduce((sum, l, k) => sum + l * independent[k], 0));
}

function validate(model: PathModel): void {
  const n = model.assets.length;
  if (n === 0) throw new PathModelError("no assets");
  if (model.correlation.length !== n) {
    throw new PathModelError(`correlation is ${model.correlation.length}x?, expected ${n}x${n}`);
  }
  if (!Number.isInteger(model.steps) || model.steps < 1) throw new PathModelError(`steps ${model.steps} must be >= 1`);
  if (!(model.stepYears > 0)) throw new PathModelError(`stepYears ${model.stepYears} must be positive`);
  for (const asset of model.assets) {
    if (!(asset.price0 > 0)) throw new PathModelError(`${asset.symbol}: price0 ${asset.price0} must be positive`);
    if (!(asset.annualVol >= 0)) throw new PathModelError(`${asset.symbol}: annualVol ${asset.annualVol} is negative`);
    if (!Number.isFinite(asset.annualDrift)) throw new PathModelError(`${asset.symbol}: annualDrift is not finite`);
  }
  for (const shock of model.shocks ?? []) {
    if (shock.returns.length !== n) throw new PathModelError(`shock at step ${shock.step}: ${n} returns expected`);
    if (shock.returns.some((r) => !(r > -1))) {
      throw new PathModelError(`shock at step ${shock.step}: a return of -100% or less`);
    }
  }
}

/**
 * Simulates the model: `result[step][asset]`, step 0 being `price0`. Each step draws one vector of
 * correlated normals (even for a shocked step, so a shock does not shift the rest of the path).
 */
export function simulatePaths(model: PathModel, rng: Rng): number[][] {
  validate(model);
  const lower = cholesky(model.correlation);
  const dt = model.stepYears;
  const sqrtDt = Math.sqrt(dt);
  const kappa = model.meanReversion ?? 0;
  const shocks = new Map((model.shocks ?? []).map((shock) => [shock.step, shock.returns]));
  const logStart = model.assets.map((asset) => Math.log(asset.price0));
  let logPrices = [...logStart];
  const path = [model.assets.map((asset) => asset.price0)];
  for (let step = 1; step <= model.steps; step++) {
    const scale = model.volScale?.(step) ?? 1;
    const z = correlatedNormals(rng, lower);
    const shock = shocks.get(step);
    logPrices = logPrices.map((logPrice, i) => {
      const { annualVol, annualDrift } = model.assets[i];
      const vol = annualVol * scale;
      // Ito: the log price drifts by mu - sigma^2/2 so that the price itself drifts by mu.
      const drift = (annualDrift - (vol * vol) / 2) * dt + kappa * (logStart[i] - logPrice) * dt;
      const jump = shock ? Math.log1p(shock[i]) : 0;
      return logPrice + drift + vol * sqrtDt * z[i] + jump;
    });
    path.push(logPrices.map(Math.exp));
  }
  return path;
}

/** Log returns of one asset along a path (`path[step][asset]`). */
export function logReturns(path: readonly (readonly number[])[], asset: number): number[] {
  const returns: number[] = [];
  for (let step = 1; step < path.length; step++) returns.push(Math.log(path[step][asset] / path[step - 1][asset]));
  return returns;
}

/** Pearson correlation of two equally long samples. */
export function sampleCorrelation(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length < 2) throw new RangeError("two samples of equal length >= 2 expected");
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const [ma, mb] = [mean(a), mean(b)];
  let [sab, saa, sbb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Sample standard deviation. */
export function sampleStdDev(xs: readonly number[]): number {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1));
}
