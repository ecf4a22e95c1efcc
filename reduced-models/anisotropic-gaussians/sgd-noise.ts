/**
 * The per-sample gradient moments of the fixed-σ anisotropic model on (r1, r2), for the SGD-diffusion
 * limit (README.md §5.3). One online-SGD sample kicks unit w by (2s/B)·g with
 *
 *   g = (y − f(x)) σ'(<w, x>) x,     f(x) = ∫ σ(<w', x>) ρ(dw')  (the mean-field output),
 *
 * and the reduced diffusion needs, with e1 = P_V w/r1, e2 = P⊥w/r2, X_a = <e_a, x>:
 *
 *   m_a   = E[(y − f) σ' X_a]                       (= −∂_a Ψ̄: the deterministic velocity / 2ξ)
 *   Σ_ab  = E[(y − f)² σ'² X_a X_b] − m_a m_b        (a, b ∈ {1, 2})
 *   b_a   = (2/r_a) E[(y − f)² σ'² (|P_a x|² − X_a²)]  (P_1 = P_V, P_2 = P⊥: the Itô drift of r_a)
 *
 * Given the class (label y, τ = 1 ± Δ), ρ1 = |P_V x| ~ τχ_{s0} and ρ2 = |P⊥x| ~ χ_{d−s0}; for an
 * O(V) × O(V⊥)-invariant ρ the output f depends on x only through (ρ1, ρ2), and given (ρ1, ρ2) the
 * cosines c1 = X1/ρ1 ~ p_{s0} and c2 = X2/ρ2 ~ p_{d−s0} are independent, with <w, x> = A c1 + B c2,
 * A = r1ρ1, B = r2ρ2. So every moment is an outer sum over "rows" (class, ρ1-node, ρ2-node; tensor
 * Gauss–Laguerre in ρ²/2τ², `chiRule`) of R^k × an inner cosine integral
 * E_c[σ'(Ac1 + Bc2)^m c1^i c2^j] or E_c σ(Ac1 + Bc2). For a piecewise-linear σ (../activations.ts
 * slopeJumps) these reduce to E_c[1{S > t} c1^i c2^j] and E_c(S − t)_+ at the knots t: the cosine that
 * spreads S more (larger C²/n; "analytic", dimension n) is integrated exactly by the truncated moments Pc, Q1,
 * Q2 of ../isotropic-gaussians/clt-cosine.ts at u = (t − C_q c_q)/C_a, the other ("quadrature") by
 * Gauss–Jacobi on its law p (../anisotropic-gaussians/direct.ts cosineRule):
 *
 *   E 1{S>t} = Σ ω Pc,   E 1{S>t} c_a = Σ ω Q1,   E 1{S>t} c_a² = Σ ω Q2,
 *   E 1{S>t} c_q = Σ ω c_q Pc,   E 1{S>t} c_q² = Σ ω c_q² Pc,   E 1{S>t} c_a c_q = Σ ω c_q Q1,
 *   E (S − t)_+ = Σ ω [C_a Q1 + (C_q c_q − t) Pc].
 *
 * The quadrature integrand is C^{⌊(n−3)/2⌋} in c_q (n the analytic dimension) and, by the choice of the
 * analytic cosine, varies on a scale no finer than the spread of c_q, so it converges fast.
 * Tables (rows × cells, 8 of them) depend on the cell positions only and are built once; each call
 * with new masses costs 8 passes over rows × cells.
 */
import { ConfigError } from '../../src/errors.ts';
import { slopeJumps, type SlopeJumps } from '../activations.ts';
import { gaussLaguerre } from '../../src/numerics/quadrature.ts';
import { CosineLaw } from '../isotropic-gaussians/clt-cosine.ts';
import { cosineRule } from './direct.ts';
import type { AnisotropicGaussians } from './index.ts';

/**
 * Quadrature sizes of the moments. Defaults: 8 chi nodes per radius and 24 cosine nodes when both subspaces
 * have dimension ≥ SMOOTH_DIMENSION (the chi and cosine laws are then smooth and narrow: ≤ 3e-9 at (320, 60)),
 * else 16 and 48 (the integrands are only algebraically smooth: 3e-5 at (40, 10); at s0 = 1, (12, 1), 3e-3).
 */
export interface AnisotropicNoiseOptions {
  readonly radialNodes?: number;
  readonly cosineNodes?: number;
}

const SMOOTH_DIMENSION = 20;

/** Probability rule for ρ = τ·χ_k: z = ρ²/(2τ²) ~ Gamma(k/2), Gauss–Laguerre with α = k/2 − 1 (exact for polynomials in ρ² of degree < 2n). */
function chiRule(k: number, tau: number, n: number): { nodes: Float64Array; weights: Float64Array } {
  const rule = gaussLaguerre(n, k / 2 - 1, true);
  return { nodes: rule.nodes.map((z) => tau * Math.sqrt(2 * z)), weights: rule.weights };
}

/** Per-cell moments written by `AnisotropicSgdNoise.moments` (component-major, M cells each). */
export interface AnisotropicGradientMoments {
  /** [Σ11 | Σ12 | Σ22], 3M entries. */
  readonly covariance: Float64Array;
  /** [b1 | b2], 2M entries. */
  readonly drift: Float64Array;
  /** [m1 | m2] (optional), 2M entries. */
  readonly mean?: Float64Array;
}

/** Table indices (each rows × M). */
const OUTPUT = 0, MEAN1 = 1, MEAN2 = 2, SQ11 = 3, SQ12 = 4, SQ22 = 5, TAN1 = 6, TAN2 = 7, TABLES = 8;

export class AnisotropicSgdNoise {
  private readonly pieces: SlopeJumps;
  private readonly d: number;
  private readonly s0: number;
  /** Cosine laws of c1 and c2 (null for a 1-dimensional subspace, c = ±1) and their Gauss–Jacobi rules. */
  private readonly laws: [CosineLaw | null, CosineLaw | null];
  private readonly rules: [{ nodes: Float64Array; weights: Float64Array }, { nodes: Float64Array; weights: Float64Array }];
  /** Per row: ρ1, ρ2, weight, label. */
  private readonly rho1: Float64Array;
  private readonly rho2: Float64Array;
  private readonly rowWeight: Float64Array;
  private readonly label: Float64Array;
  private readonly residual: Float64Array;
  private tables = new Float64Array(0);
  private r1 = new Float64Array(0);
  private r2 = new Float64Array(0);

  constructor(model: AnisotropicGaussians, options: AnisotropicNoiseOptions = {}) {
    if (model.d === 'inf' || model.s0 === undefined) throw new ConfigError('model.d', 'the SGD-diffusion limit needs a finite d (its Itô drift grows like d)');
    const shape = model.activation.piecewiseLinear;
    if (!shape) throw new ConfigError('model.activation', 'the SGD-diffusion closed forms need a piecewise-linear activation ("mmn" or "piecewise-linear")');
    const smooth = Math.min(model.s0, model.d - model.s0) >= SMOOTH_DIMENSION;
    const { radialNodes = smooth ? 8 : 16, cosineNodes = smooth ? 24 : 48 } = options;
    this.pieces = slopeJumps(shape);
    this.d = model.d;
    this.s0 = model.s0;
    const n1 = this.s0;
    const n2 = this.d - this.s0;
    this.laws = [n1 >= 2 ? new CosineLaw(n1) : null, n2 >= 2 ? new CosineLaw(n2) : null];
    this.rules = [cosineRule(n1, cosineNodes), cosineRule(n2, cosineNodes)];
    const perp = chiRule(n2, 1, radialNodes);
    const rows: { r1: number; r2: number; w: number; y: number }[] = [];
    model.tau.forEach((tau, cls) => {
      // |P_V x| given the class is the radius of N(0, τ² I_{s0})
      const par = chiRule(n1, tau, radialNodes);
      for (let i = 0; i < par.nodes.length; i++) {
        for (let l = 0; l < perp.nodes.length; l++) rows.push({ r1: par.nodes[i], r2: perp.nodes[l], w: 0.5 * par.weights[i] * perp.weights[l], y: cls === 0 ? 1 : -1 });
      }
    });
    this.rho1 = Float64Array.from(rows, (r) => r.r1);
    this.rho2 = Float64Array.from(rows, (r) => r.r2);
    this.rowWeight = Float64Array.from(rows, (r) => r.w);
    this.label = Float64Array.from(rows, (r) => r.y);
    this.residual = new Float64Array(rows.length);
  }

  /** Number of outer (class, ρ1, ρ2) rows. */
  get rowCount(): number {
    return this.rho1.length;
  }

  /** Builds the tables at the cells (r1_j, r2_j) (all > 0); a no-op if they are already those. */
  setPositions(r1: Float64Array, r2: Float64Array): void {
    const M = r1.length;
    if (r2.length !== M) throw new RangeError(`anisotropic SGD noise: r1 has ${M} entries, r2 ${r2.length}`);
    for (let j = 0; j < M; j++) {
      if (!(r1[j] > 0 && r2[j] > 0)) throw new RangeError(`anisotropic SGD noise: cell ${j} sits at (r1, r2) = (${r1[j]}, ${r2[j]}); the Itô drift ∝ 1/r needs both > 0`);
    }
    if (this.r1.length === M && this.r1.every((x, j) => x === r1[j]) && this.r2.every((x, j) => x === r2[j])) return;
    this.r1 = Float64Array.from(r1);
    this.r2 = Float64Array.from(r2);
    const rows = this.rowCount;
    const T = new Float64Array(TABLES * rows * M);
    const { knots, jumps, squareJumps, intercept, leftSlope } = this.pieces;
    const lsq = leftSlope * leftSlope;
    const dims = [this.s0, this.d - this.s0];
    for (let row = 0; row < rows; row++) {
      const p1 = this.rho1[row];
      const p2 = this.rho2[row];
      for (let j = 0; j < M; j++) {
        const A = r1[j] * p1;
        const B = r2[j] * p2;
        // the analytic cosine is the one that spreads S more (Var = C²/n), so that the quadrature
        // integrand varies on the scale of its own law; a 1-dimensional subspace (c = ±1) is summed
        const second = this.laws[1] !== null && (this.laws[0] === null || (B * B) / dims[1] >= (A * A) / dims[0]);
        const cos = this.laws[second ? 1 : 0]!;
        const { nodes: cq, weights: wq } = this.rules[second ? 0 : 1];
        const nA = dims[second ? 1 : 0];
        const nQ = dims[second ? 0 : 1];
        const Ca = second ? B : A;
        const Cq = second ? A : B;
        // E_c of σ(S), σ'c_a, σ'c_q, σ'²c_a², σ'²c_a c_q, σ'²c_q², σ'²  (S = Ca c_a + Cq c_q)
        let mean = intercept;
        let ma = 0, mq = 0;
        let saa = lsq / nA, saq = 0, sqq = lsq / nQ, s0 = lsq;
        for (let k = 0; k < cq.length; k++) {
          const c = cq[k];
          const w = wq[k];
          for (let i = 0; i < knots.length; i++) {
            const t = knots[i];
            cos.evaluate((t - Cq * c) / Ca);
            const { pc, q1, q2 } = cos;
            mean += w * jumps[i] * (Ca * q1 + (Cq * c - t) * pc);
            ma += w * jumps[i] * q1;
            mq += w * jumps[i] * c * pc;
            const sj = w * squareJumps[i];
            saa += sj * q2;
            saq += sj * c * q1;
            sqq += sj * c * c * pc;
            s0 += sj * pc;
          }
        }
        const [m1, m2] = second ? [mq, ma] : [ma, mq];
        const [s11, s22] = second ? [sqq, saa] : [saa, sqq];
        const base = row * M + j;
        const stride = rows * M;
        T[OUTPUT * stride + base] = mean;
        T[MEAN1 * stride + base] = p1 * m1;
        T[MEAN2 * stride + base] = p2 * m2;
        T[SQ11 * stride + base] = p1 * p1 * s11;
        T[SQ12 * stride + base] = p1 * p2 * saq;
        T[SQ22 * stride + base] = p2 * p2 * s22;
        T[TAN1 * stride + base] = p1 * p1 * (s0 - s11);
        T[TAN2 * stride + base] = p2 * p2 * (s0 - s22);
      }
    }
    this.tables = T;
  }

  /**
   * The moments at every cell for the law with cell masses `mass` (Σ = 1) on the cells of `setPositions`:
   * Σ11, Σ12, Σ22 into out.covariance, b1, b2 into out.drift, and m1, m2 into out.mean if given.
   */
  moments(mass: Float64Array, out: AnisotropicGradientMoments): void {
    const M = this.r1.length;
    if (mass.length !== M) throw new RangeError(`anisotropic SGD noise: ${mass.length} masses for ${M} cells`);
    const rows = this.rowCount;
    const stride = rows * M;
    const T = this.tables;
    const res = this.residual;
    for (let row = 0; row < rows; row++) {
      let f = 0;
      const o = OUTPUT * stride + row * M;
      for (let j = 0; j < M; j++) f += mass[j] * T[o + j];
      res[row] = this.label[row] - f;
    }
    const { covariance, drift, mean } = out;
    const m1 = mean ? mean.subarray(0, M) : new Float64Array(M);
    const m2 = mean ? mean.subarray(M, 2 * M) : new Float64Array(M);
    m1.fill(0);
    m2.fill(0);
    covariance.fill(0, 0, 3 * M);
    drift.fill(0, 0, 2 * M);
    for (let row = 0; row < rows; row++) {
      const w1 = this.rowWeight[row] * res[row];
      const w2 = w1 * res[row];
      const o = row * M;
      for (let j = 0; j < M; j++) {
        m1[j] += w1 * T[MEAN1 * stride + o + j];
        m2[j] += w1 * T[MEAN2 * stride + o + j];
        covariance[j] += w2 * T[SQ11 * stride + o + j];
        covariance[M + j] += w2 * T[SQ12 * stride + o + j];
        covariance[2 * M + j] += w2 * T[SQ22 * stride + o + j];
        drift[j] += w2 * T[TAN1 * stride + o + j];
        drift[M + j] += w2 * T[TAN2 * stride + o + j];
      }
    }
    for (let j = 0; j < M; j++) {
      covariance[j] -= m1[j] * m1[j];
      covariance[M + j] -= m1[j] * m2[j];
      covariance[2 * M + j] -= m2[j] * m2[j];
      drift[j] *= 2 / this.r1[j];
      drift[M + j] *= 2 / this.r2[j];
    }
  }
}
