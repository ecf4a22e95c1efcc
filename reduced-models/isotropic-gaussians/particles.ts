/**
 * Finite-width side of the isotropic-Gaussians model (MMN, "Centered isotropic Gaussians"):
 * data in R^d, units σ(<w, x>) (a = 1, b = 0 fixed), reduced coordinate r = |w|, and the exact
 * population risk of N units at their actual angles (./README.md §6.1).
 */
import type { ParticleModel } from '../../src/types.ts';
import { TwoClassGaussianParticles } from '../gaussian-particles.ts';
import type { IsotropicGaussians } from './index.ts';

/** Per-pair truncation error allowed in the Mehler series of populationRisk. */
const PAIR_TOLERANCE = 1e-12;
/** Above this |cosine| the Mehler series converges too slowly: direct quadrature instead. */
const SERIES_MAX_COSINE = 0.95;

export class IsotropicGaussiansParticles extends TwoClassGaussianParticles implements ParticleModel {
  readonly reducedNames = ['r'] as const;
  private radius = new Float64Array(0);
  private halfLogDiag = new Float64Array(0);
  private cosines = new Float64Array(0);

  constructor(private readonly model: IsotropicGaussians) {
    super(model, model.activation);
  }

  /** out[0] = |w|. */
  toReduced(w: Float64Array, _a: number, _b: number, out: Float64Array): void {
    let s = 0;
    for (let i = 0; i < this.dimension; i++) s += w[i] * w[i];
    out[0] = Math.sqrt(s);
  }

  /**
   * Exact population risk (MMN eq. 4; ./README.md §6.1)
   *   R_N = 1 + (2/N) Σ_i v(r_i) + (1/N²) [ Σ_{i≠j} U(w_i, w_j) + Σ_i u_diag(r_i) ],
   * with U at the actual cosine s_ij: U = (1/2) Σ_± Σ_{k=0}^{K'} c_k(τ± r_i) c_k(τ± r_j) s^k (Mehler,
   * all k), Horner in s over coefficient vectors computed once per unit. K' is chosen per pair so
   * that the tail, ≤ |s|^{K'+1} √(u_diag(r_i) u_diag(r_j)) by Cauchy–Schwarz and Parseval, is
   * ≤ 1e-12; pairs with |s| > 0.95 (or beyond the activation's accurate Hermite order) use the
   * direct bivariate quadrature. Units have a = 1, b = 0 (checked). O(N² (d + K')).
   */
  populationRisk(w: Float64Array, a: Float64Array, b: Float64Array, n: number): number {
    const d = this.dimension;
    this.checkUnits(w, a, b, n, true);
    const model = this.model;
    if (this.radius.length < n) {
      this.radius = new Float64Array(n);
      this.halfLogDiag = new Float64Array(n);
    }
    const pairs = (n * (n - 1)) / 2;
    if (this.cosines.length < pairs) this.cosines = new Float64Array(pairs);
    const { radius, halfLogDiag, cosines } = this;

    let sumV = 0;
    let sumDiag = 0;
    let maxHalfLogDiag = -Infinity;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = i * d; k < (i + 1) * d; k++) s += w[k] * w[k];
      const r = Math.sqrt(s);
      radius[i] = r;
      sumV += model.v(r);
      const diag = model.uDiag(r);
      sumDiag += diag;
      halfLogDiag[i] = 0.5 * Math.log(diag);
      maxHalfLogDiag = Math.max(maxHalfLogDiag, halfLogDiag[i]);
    }

    // cosines s_ij (i < j); a unit at r = 0 makes U independent of s (c_k(0) = 0 for k ≥ 1): s = 0
    const logTol = Math.log(PAIR_TOLERANCE);
    const kCap = Math.min(this.activation.maxHermiteOrder, 2000);
    const maxCosine = Math.min(SERIES_MAX_COSINE, Math.exp((logTol - 2 * maxHalfLogDiag) / (kCap + 1)));
    gramUpper(w, n, d, cosines);
    let maxSeriesCosine = 0;
    let p = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const rr = radius[i] * radius[j];
        const s = rr > 0 ? Math.max(-1, Math.min(1, cosines[p] / rr)) : 0;
        cosines[p++] = s;
        if (Math.abs(s) <= maxCosine && Math.abs(s) > maxSeriesCosine) maxSeriesCosine = Math.abs(s);
      }
    }
    const kBound = Math.ceil((logTol - 2 * maxHalfLogDiag) / Math.log(maxSeriesCosine)) - 1;
    const kMax = kBound > 0 ? kBound : 0; // the largest K' of any series pair (NaN → 0 if σ ≡ 0)

    // Hermite coefficient vectors c_k(τ± r_i), k = 0..kMax, unit-major: [(2i + class)(kMax+1) + k]
    const stride = kMax + 1;
    const C = this.coefficientTable(n, kMax, (i, cls, out) => this.activation.hermite((cls === 0 ? this.tauPlus : this.tauMinus) * radius[i], kMax, out));

    let sumOff = 0;
    p = 0;
    for (let i = 0; i < n; i++) {
      const bi = 2 * i * stride;
      const budget = logTol - halfLogDiag[i];
      for (let j = i + 1; j < n; j++) {
        const s = cosines[p++];
        const abs = Math.abs(s);
        if (abs > maxCosine) {
          sumOff += model.pairDirect(radius[i], radius[j], s);
          continue;
        }
        // K' + 1 ≥ (log tol − ½log D_i − ½log D_j) / log|s|  (NaN or negative → 0)
        const kPair = Math.ceil((budget - halfLogDiag[j]) / Math.log(abs)) - 1;
        const bj = 2 * j * stride;
        let accP = 0;
        let accM = 0;
        for (let k = kPair > 0 ? kPair : 0; k >= 0; k--) {
          accP = accP * s + C[bi + k] * C[bj + k];
          accM = accM * s + C[bi + stride + k] * C[bj + stride + k];
        }
        sumOff += 0.5 * (accP + accM);
      }
    }
    return 1 + (2 / n) * sumV + (2 * sumOff + sumDiag) / (n * n);
  }
}

/** out = the strict upper triangle of W Wᵀ (row-major pairs i < j), W = w as n×d; four rows j per pass over row i. */
function gramUpper(w: Float64Array, n: number, d: number, out: Float64Array): void {
  let p = 0;
  for (let i = 0; i < n; i++) {
    const wi = i * d;
    let j = i + 1;
    for (; j + 3 < n; j += 4) {
      const a0 = j * d;
      const a1 = a0 + d;
      const a2 = a1 + d;
      const a3 = a2 + d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < d; k++) {
        const x = w[wi + k];
        s0 += x * w[a0 + k];
        s1 += x * w[a1 + k];
        s2 += x * w[a2 + k];
        s3 += x * w[a3 + k];
      }
      out[p++] = s0;
      out[p++] = s1;
      out[p++] = s2;
      out[p++] = s3;
    }
    for (; j < n; j++) {
      const wj = j * d;
      let s0 = 0;
      for (let k = 0; k < d; k++) s0 += w[wi + k] * w[wj + k];
      out[p++] = s0;
    }
  }
}
