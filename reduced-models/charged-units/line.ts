/**
 * The line instance (README §Line): Gaussian units on R with the L²(dx) inner product,
 *     φ(x; y) = N(x; y, s²),   f(x) = (1/m) Σ_j C_j N(x; Y_j, S_j²)   (a "teacher" network of m Gaussian units),
 * with N(x; μ, v) = exp(−(x − μ)²/(2v)) / √(2πv). Gaussian convolutions give every closed form:
 *     F(y)  = (1/m) Σ_j C_j N(y; Y_j, S_j² + s²),          F'(y) = −(1/m) Σ_j C_j (y − Y_j)/(S_j² + s²) N(y; Y_j, S_j² + s²),
 *     k(δ)  = N(δ; 0, 2s²),                                 k'(δ) = −δ/(2s²) k(δ),
 *     ½‖f‖² = (1/(2m²)) Σ_jl C_j C_l N(Y_j − Y_l; 0, S_j² + S_l²).
 * Kernel sums are a direct O(n²) pair loop (each pair once: k is even and k' odd), so n ≲ 4000 per
 * evaluation is practical (≈ 8·10⁶ exponentials); the Gaussian kernel would admit a fast Gauss
 * transform, not done here.
 */
import { ConfigError } from '../../src/errors.ts';
import { checkConfiguration, finiteArray, positive, type ChargedUnitsModel } from './model.ts';

export interface GaussianLineSpec {
  /** s² of the units (default 0.5). */
  readonly unitVariance?: number;
  /** The target network: charges C_j, centres Y_j, variances S_j² (same length m). */
  readonly target?: { readonly charges: readonly number[]; readonly centres: readonly number[]; readonly variances: readonly number[] };
}

/** The public neuron-birth-death "gaussian example" (README §Line): s² = 0.5, C = (1, −2, 1), Y = (−2, 0, 2), S² = (0.5, 1, 0.5). */
export const GAUSSIAN_EXAMPLE = {
  unitVariance: 0.5,
  target: { charges: [1, -2, 1], centres: [-2, 0, 2], variances: [0.5, 1, 0.5] },
} as const satisfies GaussianLineSpec;

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** N(x; μ, v). */
function normalDensity(x: number, mean: number, variance: number): number {
  const d = x - mean;
  return (INV_SQRT_2PI / Math.sqrt(variance)) * Math.exp((-d * d) / (2 * variance));
}

export class GaussianLine implements ChargedUnitsModel {
  readonly name = 'charged-units-line';
  readonly domain = 'line' as const;
  readonly unitVariance: number;
  readonly charges: Float64Array;
  readonly centres: Float64Array;
  readonly variances: Float64Array;
  readonly halfTargetNormSquared: number;
  readonly description: string;
  /** C_j/m and the variances S_j² + s² of F's components. */
  private readonly amplitude: Float64Array;
  private readonly smoothed: Float64Array;
  /** k(0) = 1/√(4πs²) and 1/(4s²). */
  private readonly kernelPeak: number;
  private readonly kernelRate: number;

  constructor(spec: GaussianLineSpec = GAUSSIAN_EXAMPLE) {
    const s2 = positive(spec.unitVariance ?? GAUSSIAN_EXAMPLE.unitVariance, 'model.unitVariance');
    const target = spec.target ?? GAUSSIAN_EXAMPLE.target;
    const C = finiteArray(target.charges, 'model.target.charges');
    const Y = finiteArray(target.centres, 'model.target.centres');
    const S2 = finiteArray(target.variances, 'model.target.variances');
    if (Y.length !== C.length || S2.length !== C.length) {
      throw new ConfigError('model.target', `charges, centres and variances need the same length (got ${C.length}, ${Y.length}, ${S2.length})`);
    }
    S2.forEach((v, j) => positive(v, `model.target.variances[${j}]`));
    const m = C.length;
    this.unitVariance = s2;
    this.charges = Float64Array.from(C);
    this.centres = Float64Array.from(Y);
    this.variances = Float64Array.from(S2);
    this.amplitude = Float64Array.from(C, (x) => x / m);
    this.smoothed = Float64Array.from(S2, (v) => v + s2);
    this.kernelPeak = 1 / Math.sqrt(4 * Math.PI * s2);
    this.kernelRate = 1 / (4 * s2);
    let norm = 0;
    for (let j = 0; j < m; j++) {
      for (let l = 0; l < m; l++) norm += this.amplitude[j] * this.amplitude[l] * normalDensity(Y[j], Y[l], S2[j] + S2[l]);
    }
    this.halfTargetNormSquared = norm / 2;
    this.description = `line: φ = N(x; y, ${s2}), target (1/${m}) Σ C_j N(x; Y_j, S_j²) with C = [${C.join(', ')}], Y = [${Y.join(', ')}], S² = [${S2.join(', ')}]`;
  }

  target(x: number): number {
    let s = 0;
    for (let j = 0; j < this.amplitude.length; j++) s += this.amplitude[j] * normalDensity(x, this.centres[j], this.variances[j]);
    return s;
  }

  unit(x: number, y: number): number {
    return normalDensity(x, y, this.unitVariance);
  }

  unitDerivative(x: number, y: number): number {
    return this.unitLogDerivative(x, y) * normalDensity(x, y, this.unitVariance);
  }

  unitLogDerivative(x: number, y: number): number {
    return (x - y) / this.unitVariance;
  }

  F(y: number): number {
    let s = 0;
    for (let j = 0; j < this.amplitude.length; j++) s += this.amplitude[j] * normalDensity(y, this.centres[j], this.smoothed[j]);
    return s;
  }

  dF(y: number): number {
    let s = 0;
    for (let j = 0; j < this.amplitude.length; j++) {
      const v = this.smoothed[j];
      s -= ((this.amplitude[j] * (y - this.centres[j])) / v) * normalDensity(y, this.centres[j], v);
    }
    return s;
  }

  kernel(delta: number): number {
    return this.kernelPeak * Math.exp(-delta * delta * this.kernelRate);
  }

  kernelDerivative(delta: number): number {
    return -2 * delta * this.kernelRate * this.kernel(delta);
  }

  field(y: Float64Array, c: Float64Array, w: Float64Array, n: number, u: Float64Array, du: Float64Array): number {
    checkConfiguration(y, c, w, n);
    const peak = this.kernelPeak;
    const rate = this.kernelRate;
    // u ← Σ_j w_j c_j k(y_i − y_j), du ← Σ_j w_j c_j k'(y_i − y_j), each unordered pair once
    for (let i = 0; i < n; i++) {
      u[i] = w[i] * c[i] * peak;
      du[i] = 0;
    }
    for (let i = 0; i < n; i++) {
      const yi = y[i];
      const qi = w[i] * c[i];
      let ui = 0;
      let dui = 0;
      for (let j = i + 1; j < n; j++) {
        const d = yi - y[j];
        const e = peak * Math.exp(-d * d * rate);
        const de = -2 * rate * d * e;
        const qj = w[j] * c[j];
        ui += qj * e;
        dui += qj * de;
        u[j] += qi * e;
        du[j] -= qi * de;
      }
      u[i] += ui;
      du[i] += dui;
    }
    let linear = 0;
    let quadratic = 0;
    for (let i = 0; i < n; i++) {
      const q = w[i] * c[i];
      const Fi = this.F(y[i]);
      quadratic += q * u[i];
      linear += q * Fi;
      u[i] -= Fi;
      du[i] -= this.dF(y[i]);
    }
    return this.halfTargetNormSquared - linear + quadratic / 2;
  }

  loss(y: Float64Array, c: Float64Array, w: Float64Array, n: number): number {
    checkConfiguration(y, c, w, n);
    const peak = this.kernelPeak;
    const rate = this.kernelRate;
    let linear = 0;
    let diagonal = 0;
    let offDiagonal = 0;
    for (let i = 0; i < n; i++) {
      const yi = y[i];
      const qi = w[i] * c[i];
      linear += qi * this.F(yi);
      diagonal += qi * qi;
      let s = 0;
      for (let j = i + 1; j < n; j++) {
        const d = yi - y[j];
        s += w[j] * c[j] * Math.exp(-d * d * rate);
      }
      offDiagonal += qi * s;
    }
    return this.halfTargetNormSquared - linear + (peak * (diagonal + 2 * offDiagonal)) / 2;
  }
}
