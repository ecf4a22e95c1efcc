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

  /** A_f = Σ_k Φ_f(x_k) P_k into this.moments (and returned). */
  featureMoments(mass: Float64Array): Float64Array {
    const { size, rank, features, moments } = this;
    for (let f = 0; f < rank; f++) {
      const base = f * size;
      let s0 = 0;
      let s1 = 0;
      let j = 0;
      for (; j + 1 < size; j += 2) {
        s0 += features[base + j] * mass[j];
        s1 += features[base + j + 1] * mass[j + 1];
      }
      if (j < size) s0 += features[base + j] * mass[j];
      moments[f] = s0 + s1;
    }
    return moments;
  }

  apply(mass: Float64Array, out: Float64Array): void {
    const { size, rank, features, weights } = this;
    const moments = this.featureMoments(mass);
    out.fill(0, 0, size);
    for (let f = 0; f < rank; f++) {
      const c = weights[f] * moments[f];
      const base = f * size;
      for (let j = 0; j < size; j++) out[j] += c * features[base + j];
    }
  }

  energy(mass: Float64Array): number {
    const moments = this.featureMoments(mass);
    let e = 0;
    for (let f = 0; f < this.rank; f++) e += this.weights[f] * moments[f] * moments[f];
    return e;
  }
}
