/**
 * The circle instance (README §Circle): von Mises units on [0, 2π) with the uniform probability measure
 * dμ = dx/2π,  φ(x; y) = exp(κ(cos(x − y) − 1)),  and a trigonometric-polynomial target
 *     f(x) = Σ_k α_k cos kx + Σ_{k≥1} β_k sin kx.
 * With ive_k = e^{−κ} I_k(κ) (./bessel.ts) and e^{κ cos t} = Σ_{k∈Z} I_k(κ) e^{ikt}:
 *     φ(x; y) = Σ_{k∈Z} ive_|k| e^{ik(x−y)},
 *     F(y)  = Σ_k ive_k (α_k cos ky + β_k sin ky)                  (exact: only the target's modes),
 *     k(δ)  = Σ_k λ_k cos kδ,  λ_0 = ive_0², λ_k = 2 ive_k²          (= e^{−2κ} I_0(2κ cos(δ/2)), Neumann's addition theorem),
 *     ½‖f‖² = ½ (α_0² + ½ Σ_{k≥1} (α_k² + β_k²)).
 * The kernel is truncated at the smallest order m with 2 Σ_{k>m} ive_k² ≤ tol and 2 Σ_{k>m} k ive_k² ≤ tol
 * (rigorous bounds of ./bessel.ts), so |k − k_m| and |k' − k'_m| ≤ tol everywhere. F keeps the target modes
 * up to the smallest order whose dropped part Σ ive_k (|α_k| + |β_k|) (and the same with k ive_k for F′) is
 * ≤ tol (all of them for a short target; a long one, e.g. from a formula, loses the modes φ cannot see),
 * while f itself and ½‖f‖² keep every mode. Kernel sums then
 * separate through the charge moments A_k = Σ_j w_j c_j cos ky_j, B_k = Σ_j w_j c_j sin ky_j:
 *     Σ_j w_j c_j K(y, y_j) = Σ_k λ_k (A_k cos ky + B_k sin ky),   Σ_ij w_i w_j c_i c_j K_ij = Σ_k λ_k (A_k² + B_k²),
 * at O(n·m) per evaluation, never O(n²) (./fourier-sums.ts, shared with the line's periodised kernel).
 * The model owns its moment buffers: one model object must not be used by two evaluations at once.
 */
import { ConfigError } from '../../src/errors.ts';
import type { Rng } from '../../src/rng.ts';
import { besselSquareTails, scaledBesselI } from './bessel.ts';
import { chargeMoments, evaluateSeries } from './fourier-sums.ts';
import { checkConfiguration, finite, positive, type ChargedUnitsModel } from './model.ts';

export interface VonMisesCircleSpec {
  /** Concentration κ of the units (default 4). */
  readonly kappa?: number;
  /** Fourier coefficients of the target: cos[k] = α_k (k ≥ 0), sin[k] = β_k (sin[0] must be 0). */
  readonly target?: { readonly cos: readonly number[]; readonly sin?: readonly number[] };
  /** Bound on the kernel's truncation error |k − k_m| and |k' − k'_m| (default 1e-16). */
  readonly kernelTolerance?: number;
}

/** f(x) = cos x + 0.5 sin 2x + 0.25 cos 3x, κ = 4 (README §Circle). */
export const CIRCLE_EXAMPLE = {
  kappa: 4,
  target: { cos: [0, 1, 0, 0.25], sin: [0, 0, 0.5] },
} as const satisfies VonMisesCircleSpec;

/** Largest kernel order searched for the truncation. */
const MAX_KERNEL_ORDER = 100_000;

export class VonMisesCircle implements ChargedUnitsModel {
  readonly name = 'charged-units-circle';
  readonly domain = 'circle' as const;
  readonly kappa: number;
  /** Kernel truncation order m and the rigorous bounds on |k − k_m| and |k' − k'_m|. */
  readonly kernelOrder: number;
  readonly kernelTruncationBound: { readonly value: number; readonly derivative: number };
  /** Highest target mode kept in F, and the bounds on the dropped parts of F and F′ (0 if none dropped). */
  readonly fieldOrder: number;
  readonly fieldTruncationBound: { readonly value: number; readonly derivative: number };
  /** λ_k, k = 0 … m. */
  readonly kernelEigenvalues: Float64Array;
  /** ive_k(κ), k = 0 … max(m, T) with T the target's order. */
  readonly scaledBessel: Float64Array;
  /** α_k, β_k padded to k = 0 … max(m, T). */
  readonly targetCos: Float64Array;
  readonly targetSin: Float64Array;
  readonly halfTargetNormSquared: number;
  readonly description: string;
  /** T, and M = max(m, fieldOrder): the highest mode of the kernel sums. */
  private readonly targetOrder: number;
  private readonly order: number;
  /** Moments A_k, B_k and the field coefficients a_k, b_k (k = 0 … M). */
  private readonly momentCos: Float64Array;
  private readonly momentSin: Float64Array;
  private readonly fieldCos: Float64Array;
  private readonly fieldSin: Float64Array;

  constructor(spec: VonMisesCircleSpec = CIRCLE_EXAMPLE) {
    const kappa = positive(spec.kappa ?? CIRCLE_EXAMPLE.kappa, 'model.kappa');
    const tol = positive(spec.kernelTolerance ?? 1e-16, 'model.kernelTolerance');
    const target = spec.target ?? CIRCLE_EXAMPLE.target;
    if (!Array.isArray(target.cos)) throw new ConfigError('model.target.cos', `must be an array of finite numbers (got ${JSON.stringify(target.cos)})`);
    const alpha = target.cos.map((v, k) => finite(v, `model.target.cos[${k}]`));
    const beta = (target.sin ?? []).map((v, k) => finite(v, `model.target.sin[${k}]`));
    if (beta.length > 0 && beta[0] !== 0) throw new ConfigError('model.target.sin[0]', `must be 0 (sin 0x = 0; got ${beta[0]})`);
    let m = 0;
    let tails = besselSquareTails(0, kappa);
    while (!(2 * tails.squares <= tol && 2 * tails.weightedSquares <= tol)) {
      if (++m > MAX_KERNEL_ORDER) throw new ConfigError('model.kappa', `needs a kernel order above ${MAX_KERNEL_ORDER} for tolerance ${tol} (got κ = ${kappa})`);
      tails = besselSquareTails(m, kappa);
    }
    const T = Math.max(0, alpha.length - 1, beta.length - 1);
    const top = Math.max(m, T);
    this.kappa = kappa;
    this.kernelOrder = m;
    this.kernelTruncationBound = { value: 2 * tails.squares, derivative: 2 * tails.weightedSquares };
    this.targetOrder = T;
    this.scaledBessel = scaledBesselI(top, kappa);
    this.kernelEigenvalues = Float64Array.from({ length: m + 1 }, (_, k) => (k === 0 ? 1 : 2) * this.scaledBessel[k] ** 2);
    this.targetCos = new Float64Array(top + 1);
    this.targetSin = new Float64Array(top + 1);
    this.targetCos.set(alpha);
    this.targetSin.set(beta);
    let norm = this.targetCos[0] ** 2;
    for (let k = 1; k <= T; k++) norm += (this.targetCos[k] ** 2 + this.targetSin[k] ** 2) / 2;
    this.halfTargetNormSquared = norm / 2;
    // F's order: drop the highest modes while their share of F and F′ stays within tol
    let K = T;
    let dropped = 0;
    let droppedDerivative = 0;
    while (K > 0) {
      const share = this.scaledBessel[K] * (Math.abs(this.targetCos[K]) + Math.abs(this.targetSin[K]));
      if (Math.max(dropped + share, droppedDerivative + K * share) > tol) break;
      dropped += share;
      droppedDerivative += K * share;
      K--;
    }
    this.fieldOrder = K;
    this.fieldTruncationBound = { value: dropped, derivative: droppedDerivative };
    const M = Math.max(m, K);
    this.order = M;
    this.momentCos = new Float64Array(M + 1);
    this.momentSin = new Float64Array(M + 1);
    this.fieldCos = new Float64Array(M + 1);
    this.fieldSin = new Float64Array(M + 1);
    const targetText = T <= 6 ? `cos [${alpha.join(', ')}] sin [${beta.join(', ')}]` : `of order ${T} (F keeps ${K})`;
    this.description = `circle: φ = exp(${kappa}(cos(x − y) − 1)), target ${targetText}, kernel order ${m} (bound ${this.kernelTruncationBound.value.toExponential(1)})`;
  }

  /** Σ_k (a_k cos ky + b_k sin ky) and, if wanted, its y-derivative, for k = 0 … K. */
  private series(a: Float64Array, b: Float64Array, K: number, y: number, derivative: boolean): number {
    const c1 = Math.cos(y);
    const s1 = Math.sin(y);
    let ck = 1;
    let sk = 0;
    let s = 0;
    for (let k = 0; k <= K; k++) {
      s += derivative ? k * (b[k] * ck - a[k] * sk) : a[k] * ck + b[k] * sk;
      const next = ck * c1 - sk * s1;
      sk = sk * c1 + ck * s1;
      ck = next;
    }
    return s;
  }

  target(x: number): number {
    return this.series(this.targetCos, this.targetSin, this.targetOrder, x, false);
  }

  unit(x: number, y: number): number {
    return Math.exp(this.kappa * (Math.cos(x - y) - 1));
  }

  unitDerivative(x: number, y: number): number {
    return this.unitLogDerivative(x, y) * this.unit(x, y);
  }

  unitLogDerivative(x: number, y: number): number {
    return this.kappa * Math.sin(x - y);
  }

  /** The field coefficients ive_k α_k, ive_k β_k of F into fieldCos/fieldSin. */
  private loadF(): void {
    for (let k = 0; k <= this.order; k++) {
      this.fieldCos[k] = this.scaledBessel[k] * this.targetCos[k];
      this.fieldSin[k] = this.scaledBessel[k] * this.targetSin[k];
    }
  }

  F(y: number): number {
    this.loadF();
    return this.series(this.fieldCos, this.fieldSin, this.order, y, false);
  }

  dF(y: number): number {
    this.loadF();
    return this.series(this.fieldCos, this.fieldSin, this.order, y, true);
  }

  kernel(delta: number): number {
    let s = 0;
    for (let k = 0; k <= this.kernelOrder; k++) s += this.kernelEigenvalues[k] * Math.cos(k * delta);
    return s;
  }

  kernelDerivative(delta: number): number {
    let s = 0;
    for (let k = 1; k <= this.kernelOrder; k++) s -= k * this.kernelEigenvalues[k] * Math.sin(k * delta);
    return s;
  }

  /** A_k, B_k (k = 0 … M) of the configuration; returns the exact loss. */
  private moments(y: Float64Array, c: Float64Array, w: Float64Array, n: number): number {
    const M = this.order;
    const A = this.momentCos;
    const B = this.momentSin;
    chargeMoments(y, c, w, n, 1, 0, M, A, B);
    const lambda = this.kernelEigenvalues;
    let linear = 0;
    let quadratic = 0;
    for (let k = 0; k <= M; k++) {
      linear += this.scaledBessel[k] * (this.targetCos[k] * A[k] + this.targetSin[k] * B[k]);
      if (k <= this.kernelOrder) quadratic += lambda[k] * (A[k] * A[k] + B[k] * B[k]);
    }
    return this.halfTargetNormSquared - linear + quadratic / 2;
  }

  field(y: Float64Array, c: Float64Array, w: Float64Array, n: number, u: Float64Array, du: Float64Array): number {
    checkConfiguration(y, c, w, n);
    const loss = this.moments(y, c, w, n);
    const M = this.order;
    const a = this.fieldCos;
    const b = this.fieldSin;
    for (let k = 0; k <= M; k++) {
      const lambda = k <= this.kernelOrder ? this.kernelEigenvalues[k] : 0;
      a[k] = lambda * this.momentCos[k] - this.scaledBessel[k] * this.targetCos[k];
      b[k] = lambda * this.momentSin[k] - this.scaledBessel[k] * this.targetSin[k];
    }
    evaluateSeries(y, n, 1, 0, M, a, b, u, du);
    return loss;
  }

  loss(y: Float64Array, c: Float64Array, w: Float64Array, n: number): number {
    checkConfiguration(y, c, w, n);
    return this.moments(y, c, w, n);
  }

  sampleInput(rng: Rng): number {
    return 2 * Math.PI * rng.uniform();
  }
}
