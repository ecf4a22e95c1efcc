/**
 * Small statistics helpers for ensembles: mean, sample standard deviation, standard errors, and a
 * (weighted) linear least-squares fit with coefficient standard errors (e.g. R(N) = a/N + b).
 */
import { ConfigError } from '../errors.ts';

function requireLength(x: ArrayLike<number>, min: number, name: string): void {
  if (x.length < min) throw new ConfigError(name, `needs at least ${min} values (got ${x.length})`);
}

export function mean(x: ArrayLike<number>): number {
  requireLength(x, 1, 'values');
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

/** Sample standard deviation √(Σ(x − x̄)²/(n − 1)) (two-pass). */
export function std(x: ArrayLike<number>): number {
  requireLength(x, 2, 'values');
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - m) ** 2;
  return Math.sqrt(s / (x.length - 1));
}

/** Standard error of the mean, std/√n. */
export function standardError(x: ArrayLike<number>): number {
  return std(x) / Math.sqrt(x.length);
}

/**
 * Standard error of a sample standard deviation over K replicas, ≈ std/√(2(K − 1))
 * (exact to leading order for Gaussian data; heavier tails make it larger).
 */
export function stdStandardError(stdValue: number, replicas: number): number {
  if (!Number.isInteger(replicas) || replicas < 2) throw new ConfigError('replicas', `must be an integer >= 2 (got ${replicas})`);
  return stdValue / Math.sqrt(2 * (replicas - 1));
}

export interface LeastSquaresFit {
  readonly coefficients: number[];
  /** Coefficient standard errors (see `leastSquares`). */
  readonly standardErrors: number[];
  /** Σ w_i (y_i − ŷ_i)² (weighted residual sum of squares). */
  readonly residualSumOfSquares: number;
}

/**
 * Least squares y ≈ X c for rows X_i = design[i] (p columns), minimising Σ w_i (y_i − X_i c)².
 * Example: R(N) = a/N + b is `leastSquares(ns.map((n) => [1 / n, 1]), risks)`.
 *  - With `weights` = 1/σ_i² (known standard errors σ_i): Cov(c) = (Xᵀ W X)⁻¹.
 *  - Without weights: Cov(c) = s² (XᵀX)⁻¹ with s² = RSS/(n − p) (needs n > p).
 * Solved by the normal equations with Cholesky (fine for the few well-scaled columns meant here).
 */
export function leastSquares(design: ReadonlyArray<ArrayLike<number>>, y: ArrayLike<number>, weights?: ArrayLike<number>): LeastSquaresFit {
  const n = design.length;
  if (n === 0) throw new ConfigError('design', 'needs at least one row');
  const p = design[0].length;
  if (y.length !== n) throw new ConfigError('y', `length ${y.length} must equal the number of design rows ${n}`);
  if (weights && weights.length !== n) throw new ConfigError('weights', `length ${weights.length} must equal the number of design rows ${n}`);
  if (n < p || (!weights && n === p)) throw new ConfigError('design', `needs more rows than the ${p} columns (got ${n})`);
  const A = Array.from({ length: p }, () => new Float64Array(p));
  const rhs = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const row = design[i];
    if (row.length !== p) throw new ConfigError(`design[${i}]`, `must have ${p} columns (got ${row.length})`);
    const wi = weights ? weights[i] : 1;
    if (!(wi >= 0 && Number.isFinite(wi))) throw new ConfigError(`weights[${i}]`, `must be a finite number >= 0 (got ${wi})`);
    for (let r = 0; r < p; r++) {
      rhs[r] += wi * row[r] * y[i];
      for (let c = 0; c < p; c++) A[r][c] += wi * row[r] * row[c];
    }
  }
  const L = cholesky(A);
  const coefficients = Array.from(choleskySolve(L, rhs));
  let rss = 0;
  for (let i = 0; i < n; i++) {
    let fit = 0;
    for (let c = 0; c < p; c++) fit += design[i][c] * coefficients[c];
    rss += (weights ? weights[i] : 1) * (y[i] - fit) ** 2;
  }
  const scale = weights ? 1 : rss / (n - p);
  const standardErrors = coefficients.map((_, c) => {
    const e = new Float64Array(p);
    e[c] = 1;
    return Math.sqrt(scale * choleskySolve(L, e)[c]);
  });
  return { coefficients, standardErrors, residualSumOfSquares: rss };
}

function cholesky(A: Float64Array[]): Float64Array[] {
  const p = A.length;
  const L = Array.from({ length: p }, () => new Float64Array(p));
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      if (i === j) {
        if (!(s > 0)) throw new ConfigError('design', 'columns are linearly dependent (normal matrix not positive definite)');
        L[i][i] = Math.sqrt(s);
      } else L[i][j] = s / L[j][j];
    }
  }
  return L;
}

function choleskySolve(L: Float64Array[], b: Float64Array): Float64Array {
  const p = L.length;
  const y = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i][k] * y[k];
    y[i] = s / L[i][i];
  }
  const x = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < p; k++) s -= L[k][i] * x[k];
    x[i] = s / L[i][i];
  }
  return x;
}
