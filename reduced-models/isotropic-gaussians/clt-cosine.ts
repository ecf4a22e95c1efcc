/**
 * Truncated moments of the cosine c = <ŵ, u> between a fixed unit vector ŵ and a uniform direction
 * u in R^d, whose density is p_d(c) = (1 − c²)^{b−1} / B(1/2, b) on [−1, 1], b = (d − 1)/2
 * (README.md, "The cosine of two uniform directions"; c² ~ Beta(1/2, b)), used by the online-SGD
 * noise closed forms of ./clt-noise.ts (src/clt/README.md, "Closed forms"):
 *
 *   Pc(u) = P(c > u)          = (1 − I_{u²}(1/2, b)) / 2
 *   Q1(u) = E[c 1{c > u}]     = (1 − u²)^b / ((d − 1) B(1/2, b))
 *   Q2(u) = E[c² 1{c > u}]    = (1 − I_{u²}(3/2, b)) / (2d)
 *
 * for 0 ≤ u ≤ 1 (all three vanish for u ≥ 1), extended to u < 0 by the symmetry c → −c:
 * Pc(u) = 1 − Pc(−u), Q1(u) = Q1(−u) (E c = 0), Q2(u) = 1/d − Q2(−u) (E c² = 1/d).
 *
 * No continued fraction is needed: for these parameters the incomplete Beta function is a finite
 * sum. From I_x(a, b+1) = I_x(a, b) + x^a (1−x)^b / (b B(a, b)) with a = 1/2, starting at
 * b0 = 1/2 (d even: I_x(1/2, 1/2) = (2/π) arcsin √x) or b0 = 1 (d odd: I_x(1/2, 1) = √x),
 *
 *   I_{u²}(1/2, b) = I_{u²}(1/2, b0) + u Σ_{k=0}^{b−b0−1} (1 − u²)^{b0+k} / ((b0+k) B(1/2, b0+k)),
 *
 * a polynomial in w = 1 − u² evaluated by Horner's rule (all terms positive), and
 * I_x(3/2, b) = I_x(1/2, b) − 2 x^{1/2} (1−x)^b / B(1/2, b) gives Q2 = [Pc(u) + u (1−u²)^b / B(1/2, b)] / d.
 * Cost O(d) per point, no allocation. Absolute error a few ulps (test/clt/noise.test.ts checks
 * against `incompleteBetaRegularized`).
 */
import { logBeta } from '../../src/numerics/special.ts';

export class CosineLaw {
  readonly d: number;
  /** b = (d − 1)/2. */
  private readonly b: number;
  private readonly evenD: boolean;
  /** b0 = 1/2 (d even) or 1 (d odd). */
  private readonly b0: number;
  /** κ_k = 1/((b0 + k) B(1/2, b0 + k)), k = 0..b − b0 − 1. */
  private readonly kappa: Float64Array;
  /** 1/B(1/2, b). */
  private readonly invBeta: number;
  /** Results of the last `evaluate`: Pc(u), Q1(u), Q2(u). */
  pc = 0;
  q1 = 0;
  q2 = 0;

  constructor(d: number) {
    if (!(Number.isInteger(d) && d >= 2)) throw new RangeError(`CosineLaw: d must be an integer >= 2 (got ${d})`);
    this.d = d;
    this.b = (d - 1) / 2;
    this.evenD = d % 2 === 0;
    this.b0 = this.evenD ? 0.5 : 1;
    const terms = Math.round(this.b - this.b0);
    this.kappa = new Float64Array(terms);
    for (let k = 0; k < terms; k++) {
      const bk = this.b0 + k;
      this.kappa[k] = Math.exp(-Math.log(bk) - logBeta(0.5, bk));
    }
    this.invBeta = Math.exp(-logBeta(0.5, this.b));
  }

  /** Sets pc, q1, q2 to Pc(u), Q1(u), Q2(u) for any real u (±∞ included). */
  evaluate(u: number): void {
    const a = Math.abs(u);
    let pc = 0;
    let q1 = 0;
    let q2 = 0;
    if (a < 1) {
      const w = (1 - a) * (1 + a);
      const { kappa } = this;
      let poly = 0;
      for (let k = kappa.length - 1; k >= 0; k--) poly = poly * w + kappa[k];
      const sqrtW = Math.sqrt(w);
      const base = this.evenD ? (2 / Math.PI) * Math.asin(a) : a;
      const incomplete = base + a * (this.evenD ? sqrtW : w) * poly;
      const wb = Math.pow(w, this.b);
      pc = 0.5 * (1 - incomplete);
      q1 = (wb * this.invBeta) / (this.d - 1);
      q2 = (pc + a * wb * this.invBeta) / this.d;
    }
    if (u < 0) {
      pc = 1 - pc;
      q2 = 1 / this.d - q2;
    }
    this.pc = pc;
    this.q1 = q1;
    this.q2 = q2;
  }
}
