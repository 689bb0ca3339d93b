import { SimError } from "./errors";

/**
 * A correlation matrix given as a full matrix, or as one number: the same correlation between every
 * pair (the usual first guess for a crypto basket, which moves largely together).
 */
export type Correlation = number | readonly (readonly number[])[];

/** The n x n correlation matrix described by `correlation`, validated (symmetric, unit diagonal). */
export function correlationMatrix(correlation: Correlation, n: number): number[][] {
  if (typeof correlation === "number") {
    if (n === 1) return [[1]];
    // Equicorrelation is positive definite only above -1/(n-1).
    const min = -1 / (n - 1);
    if (!Number.isFinite(correlation) || correlation <= min || correlation >= 1) {
      throw new SimError(`correlation: ${correlation} must be in (${min.toFixed(4)}, 1) for ${n} assets`);
    }
    return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : correlation)));
  }
  if (correlation.length !== n || correlation.some((row) => row.length !== n)) {
    throw new SimError(`correlation: expected a ${n} x ${n} matrix (one row and column per non-base asset)`);
  }
  for (let i = 0; i < n; i++) {
    if (correlation[i][i] !== 1) throw new SimError(`correlation[${i}][${i}] must be 1, got ${correlation[i][i]}`);
    for (let j = 0; j < n; j++) {
      const c = correlation[i][j];
      if (!Number.isFinite(c) || c < -1 || c > 1) throw new SimError(`correlation[${i}][${j}]: ${c} is not in [-1, 1]`);
      if (Math.abs(c - correlation[j][i]) > 1e-12) throw new SimError(`correlation is not symmetric at [${i}][${j}]`);
    }
  }
  return correlation.map((row) => [...row]);
}

/**
 * Lower-triangular Cholesky factor L (A = L L'), row-major in a Float64Array so that the path
 * generator's inner loop reads it without indirection. Refuses a matrix that is not positive
 * definite: correlated draws from it would be meaningless.
 */
export function cholesky(a: readonly (readonly number[])[]): Float64Array {
  const n = a.length;
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i][j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(sum > 1e-12)) throw new SimError("correlation matrix is not positive definite");
        l[i * n + i] = Math.sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j];
      }
    }
  }
  return l;
}

/** Covariance matrix Sigma_ij = rho_ij sigma_i sigma_j. */
export function covariance(vols: readonly number[], correlation: readonly (readonly number[])[]): number[][] {
  return vols.map((si, i) => vols.map((sj, j) => correlation[i][j] * si * sj));
}

/**
 * A one-factor correlation matrix: corr(i, j) = loading_i loading_j off the diagonal. Crypto assets
 * move mostly with one market factor; this form is positive definite for any loadings in (-1, 1),
 * so no combination of assets can make an invalid matrix (`npm start`'s baskets use it).
 */
export function oneFactorCorrelation(loadings: readonly number[]): number[][] {
  for (const [i, loading] of loadings.entries()) {
    if (!(Math.abs(loading) < 1)) throw new SimError(`loading ${i} is ${loading}, must be in (-1, 1)`);
  }
  return loadings.map((a, i) => loadings.map((b, j) => (i === j ? 1 : a * b)));
}
