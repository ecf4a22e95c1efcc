/**
 * Finite-width side of the anisotropic-Gaussians models (MMN "Centered anisotropic Gaussians",
 * "A better activation function"): data in R^d with V = span(e_1, …, e_s0), units a σ(<w, x> + b),
 * reduced coordinates (r1, r2) or (a, b, r1, r2), and the exact population risk of N units at their
 * actual angles (./README.md §8, with the correlations of §3).
 */
import type { ParticleModel } from '../../src/types.ts';
import { TwoClassGaussianParticles } from '../gaussian-particles.ts';
import type { AnisotropicModel } from './index.ts';

/** Per-pair, per-class truncation error allowed in the Mehler series of populationRisk. */
const PAIR_TOLERANCE = 1e-12;
/** Above this |correlation| the Mehler series converges too slowly: direct quadrature instead. */
const SERIES_MAX_CORRELATION = 0.95;

export class AnisotropicGaussiansParticles extends TwoClassGaussianParticles implements ParticleModel {
  readonly reducedNames: readonly string[];
  // grow-only scratch
  private unitData = new Float64Array(0);
  private dots = new Float64Array(0);
  private readonly point = new Float64Array(4);

  /** V = span(e_1, …, e_s0): the first s0 coordinates. */
  constructor(private readonly model: AnisotropicModel) {
    super(model, model.family.activation, model.s0);
    this.reducedNames = model.coordinates.map((c) => c.name);
  }

  /** out = (r1, r2) = (|P_V w|, |P_V⊥ w|), or (a, b, r1, r2) for the ReLU model. */
  toReduced(w: Float64Array, a: number, b: number, out: Float64Array): void {
    this.reducedAt(w, 0, a, b, out);
  }

  /** toReduced of the unit stored at w[offset .. offset + d). */
  private reducedAt(w: Float64Array, offset: number, a: number, b: number, out: Float64Array): void {
    let s1 = 0;
    let s2 = 0;
    for (let i = offset; i < offset + this.s0; i++) s1 += w[i] * w[i];
    for (let i = offset + this.s0; i < offset + this.dimension; i++) s2 += w[i] * w[i];
    let o = 0;
    if (this.model.ndim === 4) {
      out[o++] = a;
      out[o++] = b;
    }
    out[o++] = Math.sqrt(s1);
    out[o] = Math.sqrt(s2);
  }

  /**
   * Exact population risk (MMN eq. 4)
   *   R_N = 1 + (2/N) Σ_i V(θ_i) + (1/N²) [ Σ_{i≠j} U(θ_i, θ_j) + Σ_i u_diag(θ_i) ],
   * with U at the actual correlations: given the class, (<w_i,x>, <w_j,x>) is bivariate normal with
   *   ρ±_ij = (τ±² <P_V w_i, P_V w_j> + <P⊥ w_i, P⊥ w_j>) / (q±_i q±_j),
   * so U = (a_i a_j / 2) Σ± Σ_{k=0}^{K'} c_k(q±_i, b_i) c_k(q±_j, b_j) (ρ±_ij)^k (Mehler, all k), by Horner
   * over coefficient vectors computed once per unit. K' is chosen per pair and class so that the tail,
   * ≤ (|a_i a_j|/2) |ρ|^{K'+1} √(D_i D_j) with D = E σ(qG + b)² (Cauchy–Schwarz and Parseval), is ≤ 1e-12;
   * classes with |ρ| > 0.95 (or beyond the activation's accurate Hermite order) use the direct
   * bivariate quadrature. The fixed-activation model needs a = 1, b = 0 (checked). O(N² (d + K')).
   */
  populationRisk(w: Float64Array, a: Float64Array, b: Float64Array, n: number): number {
    const d = this.dimension;
    const s0 = this.s0;
    const model = this.model;
    this.checkUnits(w, a, b, n, model.ndim === 2);
    // per unit: q+, q−, log(|a| √D+), log(|a| √D−)
    if (this.unitData.length < 4 * n) this.unitData = new Float64Array(4 * n);
    const pairs = (n * (n - 1)) / 2;
    if (this.dots.length < 2 * pairs) this.dots = new Float64Array(2 * pairs);
    const { unitData: U, dots, point } = this;
    const [tp, tm] = [this.tauPlus, this.tauMinus];
    const family = model.family;

    let sumV = 0;
    let sumDiag = 0;
    let maxLogScale = -Infinity;
    for (let i = 0; i < n; i++) {
      this.reducedAt(w, i * d, a[i], b[i], point);
      sumV += model.v(point);
      const r1 = point[model.ndim - 2];
      const r2 = point[model.ndim - 1];
      const qp = Math.hypot(tp * r1, r2);
      const qm = Math.hypot(tm * r1, r2);
      const Dp = family.secondMoment(qp, b[i]);
      const Dm = family.secondMoment(qm, b[i]);
      sumDiag += 0.5 * a[i] * a[i] * (Dp + Dm);
      const la = Math.log(Math.abs(a[i]));
      U[4 * i] = qp;
      U[4 * i + 1] = qm;
      U[4 * i + 2] = la + 0.5 * Math.log(Dp);
      U[4 * i + 3] = la + 0.5 * Math.log(Dm);
      maxLogScale = Math.max(maxLogScale, U[4 * i + 2], U[4 * i + 3]);
    }

    // Gram blocks <P_V w_i, P_V w_j>, <P⊥ w_i, P⊥ w_j> (i < j), then the correlations ρ±_ij in place
    gramBlocks(w, n, d, s0, dots);
    const logTol = Math.log(PAIR_TOLERANCE) + Math.LN2; // the tail carries a factor 1/2
    const kCap = Math.min(family.maxHermiteOrder, 2000);
    const maxCorrelation = Math.min(SERIES_MAX_CORRELATION, Math.exp((logTol - 2 * maxLogScale) / (kCap + 1)));
    let maxSeries = 0;
    let p = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++, p++) {
        const dv = dots[2 * p];
        const dp = dots[2 * p + 1];
        for (let cls = 0; cls < 2; cls++) {
          const t2 = cls === 0 ? tp * tp : tm * tm;
          const qq = U[4 * i + cls] * U[4 * j + cls];
          // a unit at q = 0 has c_k = 0 for k ≥ 1: U does not depend on ρ, take 0
          const rho = qq > 0 ? Math.max(-1, Math.min(1, (t2 * dv + dp) / qq)) : 0;
          dots[2 * p + cls] = rho;
          const abs = Math.abs(rho);
          if (abs <= maxCorrelation && abs > maxSeries) maxSeries = abs;
        }
      }
    }
    const kBound = Math.ceil((logTol - 2 * maxLogScale) / Math.log(maxSeries)) - 1;
    const kMax = kBound > 0 ? kBound : 0; // the largest K' of any series pair (NaN → 0 if every unit is 0)

    // Hermite coefficient vectors c_k(q±_i, b_i), k = 0..kMax, at [(2i + class)(kMax+1) + k]
    const stride = kMax + 1;
    const C = this.coefficientTable(n, kMax, (i, cls, out) => family.hermite(U[4 * i + cls], b[i], kMax, out));

    let sumOff = 0;
    p = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++, p++) {
        const aa = a[i] * a[j];
        if (aa === 0) continue;
        let pairSum = 0;
        for (let cls = 0; cls < 2; cls++) {
          const rho = dots[2 * p + cls];
          const abs = Math.abs(rho);
          if (abs > maxCorrelation) {
            pairSum += model.bivariate(U[4 * i + cls], b[i], U[4 * j + cls], b[j], rho);
            continue;
          }
          // K' + 1 ≥ (log tol + log 2 − log(|a_i|√D_i) − log(|a_j|√D_j)) / log|ρ|  (NaN or negative → 0)
          const kPair = Math.ceil((logTol - U[4 * i + 2 + cls] - U[4 * j + 2 + cls]) / Math.log(abs)) - 1;
          const bi = (2 * i + cls) * stride;
          const bj = (2 * j + cls) * stride;
          let acc = 0;
          for (let k = kPair > 0 ? Math.min(kPair, kMax) : 0; k >= 0; k--) acc = acc * rho + C[bi + k] * C[bj + k];
          pairSum += acc;
        }
        sumOff += 0.5 * aa * pairSum;
      }
    }
    return 1 + (2 / n) * sumV + (2 * sumOff + sumDiag) / (n * n);
  }
}

/**
 * out[2p], out[2p+1] = <w_i, w_j> restricted to the first s0 coordinates and to the rest, for the
 * pairs p = (i < j) in row-major order; two rows j per pass over row i.
 */
function gramBlocks(w: Float64Array, n: number, d: number, s0: number, out: Float64Array): void {
  let p = 0;
  for (let i = 0; i < n; i++) {
    const wi = i * d;
    let j = i + 1;
    for (; j + 1 < n; j += 2) {
      const a0 = j * d;
      const a1 = a0 + d;
      let v0 = 0;
      let v1 = 0;
      for (let k = 0; k < s0; k++) {
        const x = w[wi + k];
        v0 += x * w[a0 + k];
        v1 += x * w[a1 + k];
      }
      let p0 = 0;
      let p1 = 0;
      for (let k = s0; k < d; k++) {
        const x = w[wi + k];
        p0 += x * w[a0 + k];
        p1 += x * w[a1 + k];
      }
      out[2 * p] = v0;
      out[2 * p + 1] = p0;
      out[2 * p + 2] = v1;
      out[2 * p + 3] = p1;
      p += 2;
    }
    for (; j < n; j++) {
      const a0 = j * d;
      let v0 = 0;
      let p0 = 0;
      for (let k = 0; k < s0; k++) v0 += w[wi + k] * w[a0 + k];
      for (let k = s0; k < d; k++) p0 += w[wi + k] * w[a0 + k];
      out[2 * p] = v0;
      out[2 * p + 1] = p0;
      p++;
    }
  }
}
