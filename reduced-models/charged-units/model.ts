/**
 * What every charged-unit (Rotskoff–Vanden-Eijnden) instance provides: the unit φ(x; y), the target f,
 * the closed forms F(y) = ⟨f, φ(·; y)⟩, K(y, y') = ⟨φ(·; y), φ(·; y')⟩ = k(y − y') with their
 * y-derivatives, ½‖f‖², and the kernel sums over a weighted configuration. Notation and signs: README.md.
 *
 * A configuration is n units (y_i, c_i) with weights w_i > 0 (Σ w_i = 1; w_i = 1/n for a network):
 *     f_w(x) = Σ_i w_i c_i φ(x; y_i),   L = ½‖f − f_w‖² = ½‖f‖² − Σ_i w_i c_i F(y_i) + ½ Σ_ij w_i w_j c_i c_j K(y_i, y_j),
 *     U_i = U(y_i) = −F(y_i) + Σ_j w_j c_j K(y_i, y_j),   U'_i = −F'(y_i) + Σ_j w_j c_j ∂_1K(y_i, y_j)   (j = i included).
 */
import { ConfigError } from '../../src/errors.ts';
import type { Rng } from '../../src/rng.ts';

export interface ChargedUnitsModel {
  readonly name: string;
  /** 'line': y, x ∈ R with dx; 'circle': y, x ∈ [0, 2π) periodic with the uniform probability dx/2π. */
  readonly domain: 'line' | 'circle';
  /** ½‖f‖². */
  readonly halfTargetNormSquared: number;
  target(x: number): number;
  /** φ(x; y). */
  unit(x: number, y: number): number;
  /** ∂φ/∂y (x; y). */
  unitDerivative(x: number, y: number): number;
  /** ∂_y log φ(x; y) (φ > 0): ∂_yφ = φ · this, one exponential less per (unit, input) pair in SGD. */
  unitLogDerivative(x: number, y: number): number;
  /** F(y) = ⟨f, φ(·; y)⟩. */
  F(y: number): number;
  /** F'(y). */
  dF(y: number): number;
  /** k(δ) = K(y, y') at δ = y − y'. */
  kernel(delta: number): number;
  /** k'(δ) = ∂_y K(y, y') at δ = y − y' (odd in δ). */
  kernelDerivative(delta: number): number;
  /**
   * U_i and U'_i of the weighted configuration (first n entries of y, c, w) into u, du; returns the exact
   * loss L. No allocation per call once warmed up. Cost: O(n·k_max) through Fourier charge moments (the line's
   * kernel periodised with a rigorous bound, line-fourier.ts).
   */
  field(y: Float64Array, c: Float64Array, w: Float64Array, n: number, u: Float64Array, du: Float64Array): number;
  /** The exact loss L of the weighted configuration (same cost as `field`, or less). */
  loss(y: Float64Array, c: Float64Array, w: Float64Array, n: number): number;
  /** One draw x ~ μ when μ is a probability measure (the circle); absent on the line. */
  sampleInput?(rng: Rng): number;
  /** Short description for provenance. */
  readonly description: string;
}

/** A finite number > 0, else ConfigError naming `field`. */
export function positive(value: unknown, field: string): number {
  if (typeof value !== 'number' || !(Number.isFinite(value) && value > 0)) {
    throw new ConfigError(field, `must be a finite number > 0 (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** A finite number, else ConfigError naming `field`. */
export function finite(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ConfigError(field, `must be a finite number (got ${JSON.stringify(value)})`);
  return value;
}

/** A non-empty array of finite numbers, else ConfigError naming `field`. */
export function finiteArray(value: unknown, field: string): number[] {
  if (!Array.isArray(value) || value.length === 0) throw new ConfigError(field, `must be a non-empty array of finite numbers (got ${JSON.stringify(value)})`);
  return value.map((v, i) => finite(v, `${field}[${i}]`));
}

/** The first n entries of y, c, w exist and n is a positive integer (setup-time check of the kernel sums). */
export function checkConfiguration(y: Float64Array, c: Float64Array, w: Float64Array, n: number): void {
  if (!(Number.isInteger(n) && n >= 1)) throw new ConfigError('n', `must be an integer >= 1 (got ${n})`);
  if (y.length < n || c.length < n || w.length < n) {
    throw new ConfigError('configuration', `y, c and w need at least n = ${n} entries (got ${y.length}, ${c.length}, ${w.length})`);
  }
}
