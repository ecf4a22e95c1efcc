/**
 * Gaussian expectations of one ReLU unit with offset, x ↦ relu(qx + b), q ≥ 0
 * (./README.md §2; MMN "A better activation function"). With β = b/q and α = −β:
 *   g(q, b)          = E relu(qG + b) = b Φ(β) + q φ(β),        ∂_q g = φ(β),   ∂_b g = Φ(β)
 *   E relu(qG + b)²  = (b² + q²) Φ(β) + b q φ(β)
 * Hermite coefficients c_k(q, b) = E[relu(qG + b) h_k(G)] (h_k = He_k/√k!): from f' = q 1{x > α},
 * f'' = q δ(x − α) and E δ^{(j)}(G − α) = He_j(α) φ(α),
 *   c_0 = g,   c_1 = q Φ(β),   c_k = q h_{k−2}(α) φ(α) / √(k(k−1))                      (k ≥ 2)
 * and, with ∂_q α = −α/q, ∂_b α = −1/q and (h_n φ)' = −√(n+1) h_{n+1} φ,
 *   ∂_q c_1 = Φ(β) − β φ(β),   ∂_q c_k = [h_{k−2}(α) + α √(k−1) h_{k−1}(α)] φ(α) / √(k(k−1))
 *   ∂_b c_1 = φ(α),            ∂_b c_k = h_{k−1}(α) φ(α) / √k                            (k ≥ 2)
 * (∂_b c_k = E[1{qG + b > 0} h_k(G)]). The products h_j φ come from `hermitePhiSeries`, never from
 * h_j alone (|α| is huge at small q). At q = 0 every value is the limit q → 0+ (β = ±∞, or 0 at b = 0).
 */
import { hermitePhiSeries } from '../../src/numerics/hermite.ts';
import { normalCdf, normalPdf } from '../../src/numerics/special.ts';
import { piecewiseLinearActivation, type PiecewiseLinearActivation } from '../activations.ts';
import type { UnitFamily } from './kernel.ts';

/** φ vanishes (underflows) beyond this |x|, and so does every h_k(x) φ(x) (as in activations.ts). */
const PHI_UNDERFLOW = 38.7;

/** β = b/q with its q → 0+ limit (±∞, or 0 for b = 0) at q = 0. */
function offsetRatio(b: number, q: number): number {
  if (q > 0) return b / q;
  return b === 0 ? 0 : b > 0 ? Infinity : -Infinity;
}

/**
 * φ(x), exactly 0 where it underflows (|x| ≥ 38.7, including ±∞). The guard is also needed because
 * normalPdf returns NaN for |x| ≳ 2.6e5 (its exp(−x²/2) split overflows), and |b/q| is that large at small q.
 */
function pdf(x: number): number {
  return Math.abs(x) < PHI_UNDERFLOW ? normalPdf(x) : 0;
}

/** x φ(x), exactly 0 where φ underflows. */
function xPdf(x: number): number {
  return Math.abs(x) < PHI_UNDERFLOW ? x * normalPdf(x) : 0;
}

function checkArguments(q: number, b: number): void {
  if (!(q >= 0 && q < Infinity)) throw new RangeError(`relu unit: the scale q must be a finite number >= 0 (got ${q})`);
  if (!Number.isFinite(b)) throw new RangeError(`relu unit: the offset b must be a finite number (got ${b})`);
}

/** relu(t) = max(t, 0) as a piecewise-linear GaussianActivation (σ'(0) = 1, right-continuous). */
export function reluActivation(): PiecewiseLinearActivation {
  return piecewiseLinearActivation({ knots: [0], values: [0], rightSlope: 1 });
}

/**
 * The ReLU unit family a relu(<w,x> + b): closed-form Gaussian expectations of relu(qG + b);
 * grow-only scratch, no allocation per call once warm.
 */
export class ReluUnit implements UnitFamily {
  readonly activation = reluActivation();
  readonly maxHermiteOrder = Infinity;
  private hphi = new Float64Array(0);
  private invSqrtKK = new Float64Array(0);
  private invSqrtK = new Float64Array(0);
  private sqrtK = new Float64Array(0);

  private ensure(K: number): void {
    if (this.sqrtK.length > K + 1) return;
    const n = Math.max(K + 2, 2 * this.sqrtK.length);
    this.hphi = new Float64Array(n);
    this.sqrtK = new Float64Array(n);
    this.invSqrtK = new Float64Array(n);
    this.invSqrtKK = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      this.sqrtK[k] = Math.sqrt(k);
      this.invSqrtK[k] = k >= 1 ? 1 / Math.sqrt(k) : 0;
      this.invSqrtKK[k] = k >= 2 ? 1 / Math.sqrt(k * (k - 1)) : 0;
    }
  }

  /** E relu(qG + b)² = (b² + q²) Φ(b/q) + b q φ(b/q)  (= relu(b)² at q = 0). */
  secondMoment(q: number, b: number): number {
    checkArguments(q, b);
    const beta = offsetRatio(b, q);
    return (b * b + q * q) * normalCdf(beta) + (q > 0 ? b * q * pdf(beta) : 0);
  }

  /**
   * c[k] = c_k(q, b) for k = 0..K and optionally dq[k] = ∂_q c_k, db[k] = ∂_b c_k (see the file
   * comment). At q = 0: c_0 = relu(b), c_k = 0 (k ≥ 1), and the derivatives are the limits q → 0+.
   */
  hermite(q: number, b: number, K: number, c: Float64Array, dq?: Float64Array, db?: Float64Array): void {
    checkArguments(q, b);
    const beta = offsetRatio(b, q);
    const Phi = normalCdf(beta);
    const phi = pdf(beta);
    c[0] = b * Phi + (q > 0 ? q * phi : 0);
    if (dq) dq[0] = phi;
    if (db) db[0] = Phi;
    if (K < 1) return;
    c[1] = q * Phi;
    if (dq) dq[1] = Phi - xPdf(beta);
    if (db) db[1] = phi;
    if (K < 2) return;
    const alpha = -beta;
    if (!(Math.abs(alpha) < PHI_UNDERFLOW)) {
      // every h_j(α) φ(α) underflows: the unit is (numerically) linear or dead on the whole line
      c.fill(0, 2, K + 1);
      if (dq) dq.fill(0, 2, K + 1);
      if (db) db.fill(0, 2, K + 1);
      return;
    }
    this.ensure(K);
    const { hphi, invSqrtKK, invSqrtK, sqrtK } = this;
    hermitePhiSeries(alpha, K - 1, hphi); // hphi[j] = h_j(α) φ(α), j = 0..K−1
    for (let k = 2; k <= K; k++) c[k] = q * hphi[k - 2] * invSqrtKK[k];
    if (dq) for (let k = 2; k <= K; k++) dq[k] = (hphi[k - 2] + alpha * sqrtK[k - 1] * hphi[k - 1]) * invSqrtKK[k];
    if (db) for (let k = 2; k <= K; k++) db[k] = hphi[k - 1] * invSqrtK[k];
  }
}
