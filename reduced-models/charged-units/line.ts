/**
 * The line instance (README §Line): Gaussian units on R with the L²(dx) inner product,
 *     φ(x; y) = N(x; y, s²),   f(x) = (1/m) Σ_j C_j N(x; Y_j, S_j²)   (a "teacher" network of m Gaussian units),
 * with N(x; μ, v) = exp(−(x − μ)²/(2v)) / √(2πv). Gaussian convolutions give every closed form:
 *     F(y)  = (1/m) Σ_j C_j N(y; Y_j, S_j² + s²),          F'(y) = −(1/m) Σ_j C_j (y − Y_j)/(S_j² + s²) N(y; Y_j, S_j² + s²),
 *     k(δ)  = N(δ; 0, 2s²),                                 k'(δ) = −δ/(2s²) k(δ),
 *     ½‖f‖² = (1/(2m²)) Σ_jl C_j C_l N(Y_j − Y_l; 0, S_j² + S_l²).
 * Kernel sums (`field`, `loss`) go through the periodised kernel of ./line-fourier.ts: the smallest order
 * whose rigorous bound over the configuration's span D = max y − min y is ≤ LINE_KERNEL_TOLERANCE·k(0),
 * chosen afresh at every evaluation from D alone (so a result depends on the configuration only, not on
 * the history; units that spread get a wider window), then O(n·m) through the charge moments
 * (./fourier-sums.ts). `fieldByPairs`/`lossByPairs` are the exact O(n²) pair sums, the slow reference.
 */
import { ConfigError } from '../../src/errors.ts';
import { chargeMoments, evaluateSeries } from './fourier-sums.ts';
import { LINE_KERNEL_TOLERANCE, PeriodisedGaussianKernel } from './line-fourier.ts';
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
  /** Periodised kernels by order (built once each) and the moment/coefficient buffers (grown with the order). */
  private readonly periodised = new Map<number, PeriodisedGaussianKernel>();
  private momentCos = new Float64Array(0);
  private momentSin = new Float64Array(0);
  private seriesCos = new Float64Array(0);
  private seriesSin = new Float64Array(0);
  /** The kernel and the centre of the last `moments` call (fields, not a returned object: no allocation per step). */
  private kernelInUse!: PeriodisedGaussianKernel;
  private centreInUse = 0;

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

  /** The periodised kernel of order m (line-fourier.ts). */
  periodisedKernel(order: number): PeriodisedGaussianKernel {
    let kernel = this.periodised.get(order);
    if (!kernel) this.periodised.set(order, (kernel = new PeriodisedGaussianKernel(this.unitVariance, order)));
    return kernel;
  }

  /** The kernel of the particles' sums for units spanning `span`: the smallest order meeting LINE_KERNEL_TOLERANCE·k(0). */
  kernelForSpan(span: number): PeriodisedGaussianKernel {
    return this.periodisedKernel(PeriodisedGaussianKernel.orderFor(this.unitVariance, span, LINE_KERNEL_TOLERANCE * this.kernelPeak));
  }

  /**
   * A_k, B_k of the configuration about the centre of its span, with the kernel for that span (both kept in
   * kernelInUse, centreInUse); returns the quadratic part Σ_ij w_i w_j c_i c_j k_{P,m}(y_i − y_j). O(n·m).
   */
  private moments(y: Float64Array, c: Float64Array, w: Float64Array, n: number): number {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      if (y[i] < lo) lo = y[i];
      if (y[i] > hi) hi = y[i];
    }
    if (!(hi - lo < Infinity)) throw new ConfigError('configuration', `unit positions must be finite (span [${lo}, ${hi}])`);
    const kernel = this.kernelForSpan(hi - lo);
    const m = kernel.order;
    if (this.momentCos.length <= m) {
      [this.momentCos, this.momentSin, this.seriesCos, this.seriesSin] = [0, 0, 0, 0].map(() => new Float64Array(m + 1));
    }
    const centre = (lo + hi) / 2;
    const A = this.momentCos;
    const B = this.momentSin;
    chargeMoments(y, c, w, n, kernel.frequency, centre, m, A, B);
    let quadratic = 0;
    for (let k = 0; k <= m; k++) quadratic += kernel.coefficients[k] * (A[k] * A[k] + B[k] * B[k]);
    this.kernelInUse = kernel;
    this.centreInUse = centre;
    return quadratic;
  }

  field(y: Float64Array, c: Float64Array, w: Float64Array, n: number, u: Float64Array, du: Float64Array): number {
    checkConfiguration(y, c, w, n);
    const quadratic = this.moments(y, c, w, n);
    const kernel = this.kernelInUse;
    const centre = this.centreInUse;
    const m = kernel.order;
    const a = this.seriesCos;
    const b = this.seriesSin;
    for (let k = 0; k <= m; k++) {
      a[k] = kernel.coefficients[k] * this.momentCos[k];
      b[k] = kernel.coefficients[k] * this.momentSin[k];
    }
    evaluateSeries(y, n, kernel.frequency, centre, m, a, b, u, du);
    // F and F' share their exponentials: amp_j N(y; Y_j, v_j) and its factor −(y − Y_j)/v_j
    const { amplitude, centres, smoothed } = this;
    let linear = 0;
    for (let i = 0; i < n; i++) {
      const yi = y[i];
      let Fi = 0;
      let dFi = 0;
      for (let j = 0; j < amplitude.length; j++) {
        const e = amplitude[j] * normalDensity(yi, centres[j], smoothed[j]);
        Fi += e;
        dFi -= ((yi - centres[j]) / smoothed[j]) * e;
      }
      linear += w[i] * c[i] * Fi;
      u[i] -= Fi;
      du[i] -= dFi;
    }
    return this.halfTargetNormSquared - linear + quadratic / 2;
  }

  loss(y: Float64Array, c: Float64Array, w: Float64Array, n: number): number {
    checkConfiguration(y, c, w, n);
    const quadratic = this.moments(y, c, w, n);
    let linear = 0;
    for (let i = 0; i < n; i++) linear += w[i] * c[i] * this.F(y[i]);
    return this.halfTargetNormSquared - linear + quadratic / 2;
  }

  /** `field` by the exact O(n²) pair sum (each unordered pair once: k even, k' odd): the reference. */
  fieldByPairs(y: Float64Array, c: Float64Array, w: Float64Array, n: number, u: Float64Array, du: Float64Array): number {
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

  /** `loss` by the exact O(n²) pair sum: the reference. */
  lossByPairs(y: Float64Array, c: Float64Array, w: Float64Array, n: number): number {
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
