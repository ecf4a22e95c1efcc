/**
 * Separable (low-rank) interaction operator
 *   u(x, x') = Σ_f w_f Φ_f(x) Φ_f(x'),
 * applied on a grid in O(M·F):  A_f = Σ_k Φ_f(x_k) P_k,  out_j = Σ_f w_f A_f Φ_f(x_j),
 * and energy Σ_jk P_j u_jk P_k = Σ_f w_f A_f².  (For the isotropic model Φ_(±,k) = √(m_k(d)/2) c_k(τ± r),
 * w_f = 1: REDUCED-MODELS.md §1.2 (ii).)
 *
 * Features are stored feature-major (Φ_f contiguous over cells) so both passes are unit-stride.
 */
import type { InteractionOperator } from '../../src/types.ts';

export class SeparableInteraction implements InteractionOperator {
  readonly size: number;
  readonly rank: number;
  /** Φ_f(x_j) at index f·size + j. */
  readonly features: Float64Array;
  /** w_f (±1 or any real; all 1 for a sum of squares). */
  readonly weights: Float64Array;
  readonly description: string;
  private readonly moments: Float64Array;

  constructor(features: Float64Array, size: number, weights?: Float64Array, description?: string) {
    if (size < 1 || features.length % size !== 0) {
      throw new RangeError(`SeparableInteraction: features length ${features.length} is not a multiple of size ${size}`);
    }
    this.size = size;
    this.rank = features.length / size;
    this.features = features;
    this.weights = weights ?? new Float64Array(this.rank).fill(1);
    if (this.weights.length !== this.rank) throw new RangeError('SeparableInteraction: one weight per feature is required');
    this.moments = new Float64Array(this.rank);
    this.description = description ?? `separable rank ${this.rank}`;
  }

  /**
   * A_f = Σ_k Φ_f(x_k) P_k into this.moments (and returned). The features are taken in blocks of 8, 4,
   * 2 and 1, each block in one pass over the cells: in V8 these loops are bound by typed-array accesses,
   * so loading each mass once per block rather than once per feature is what pays (≈ 2× at rank 10).
   */
  featureMoments(mass: Float64Array): Float64Array {
    const { size: n, rank, features: F, moments: A } = this;
    let f = 0;
    for (; f + 8 <= rank; f += 8) {
      const b0 = f * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n, b4 = b3 + n, b5 = b4 + n, b6 = b5 + n, b7 = b6 + n; // prettier-ignore
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0; // prettier-ignore
      for (let j = 0; j < n; j++) {
        const p = mass[j];
        s0 += F[b0 + j] * p;
        s1 += F[b1 + j] * p;
        s2 += F[b2 + j] * p;
        s3 += F[b3 + j] * p;
        s4 += F[b4 + j] * p;
        s5 += F[b5 + j] * p;
        s6 += F[b6 + j] * p;
        s7 += F[b7 + j] * p;
      }
      A[f] = s0; A[f + 1] = s1; A[f + 2] = s2; A[f + 3] = s3; A[f + 4] = s4; A[f + 5] = s5; A[f + 6] = s6; A[f + 7] = s7; // prettier-ignore
    }
    for (; f + 4 <= rank; f += 4) {
      const b0 = f * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n; // prettier-ignore
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0; // prettier-ignore
      for (let j = 0; j < n; j++) {
        const p = mass[j];
        s0 += F[b0 + j] * p;
        s1 += F[b1 + j] * p;
        s2 += F[b2 + j] * p;
        s3 += F[b3 + j] * p;
      }
      A[f] = s0; A[f + 1] = s1; A[f + 2] = s2; A[f + 3] = s3; // prettier-ignore
    }
    for (; f + 2 <= rank; f += 2) {
      const b = f * n;
      let s0 = 0, s1 = 0; // prettier-ignore
      for (let j = 0; j < n; j++) {
        const p = mass[j];
        s0 += F[b + j] * p;
        s1 += F[b + n + j] * p;
      }
      A[f] = s0; A[f + 1] = s1; // prettier-ignore
    }
    if (f < rank) {
      const b = f * n;
      let s0 = 0;
      for (let j = 0; j < n; j++) s0 += F[b + j] * mass[j];
      A[f] = s0;
    }
    return A;
  }

  /** out_j = Σ_f w_f A_f Φ_f(x_j), with the features in blocks of 8, 4, 2, 1 as in featureMoments. */
  apply(mass: Float64Array, out: Float64Array): void {
    const { size: n, rank, features: F, weights: w } = this;
    const A = this.featureMoments(mass);
    out.fill(0, 0, n);
    let f = 0;
    for (; f + 8 <= rank; f += 8) {
      const b0 = f * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n, b4 = b3 + n, b5 = b4 + n, b6 = b5 + n, b7 = b6 + n; // prettier-ignore
      const c0 = w[f] * A[f], c1 = w[f + 1] * A[f + 1], c2 = w[f + 2] * A[f + 2], c3 = w[f + 3] * A[f + 3]; // prettier-ignore
      const c4 = w[f + 4] * A[f + 4], c5 = w[f + 5] * A[f + 5], c6 = w[f + 6] * A[f + 6], c7 = w[f + 7] * A[f + 7]; // prettier-ignore
      for (let j = 0; j < n; j++) {
        out[j] +=
          c0 * F[b0 + j] + c1 * F[b1 + j] + c2 * F[b2 + j] + c3 * F[b3 + j] +
          c4 * F[b4 + j] + c5 * F[b5 + j] + c6 * F[b6 + j] + c7 * F[b7 + j]; // prettier-ignore
      }
    }
    for (; f + 4 <= rank; f += 4) {
      const b0 = f * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n; // prettier-ignore
      const c0 = w[f] * A[f], c1 = w[f + 1] * A[f + 1], c2 = w[f + 2] * A[f + 2], c3 = w[f + 3] * A[f + 3]; // prettier-ignore
      for (let j = 0; j < n; j++) out[j] += c0 * F[b0 + j] + c1 * F[b1 + j] + c2 * F[b2 + j] + c3 * F[b3 + j];
    }
    for (; f + 2 <= rank; f += 2) {
      const b = f * n;
      const c0 = w[f] * A[f], c1 = w[f + 1] * A[f + 1]; // prettier-ignore
      for (let j = 0; j < n; j++) out[j] += c0 * F[b + j] + c1 * F[b + n + j];
    }
    if (f < rank) {
      const b = f * n;
      const c0 = w[f] * A[f];
      for (let j = 0; j < n; j++) out[j] += c0 * F[b + j];
    }
  }

  energy(mass: Float64Array): number {
    const moments = this.featureMoments(mass);
    let e = 0;
    for (let f = 0; f < this.rank; f++) e += this.weights[f] * moments[f] * moments[f];
    return e;
  }
}
