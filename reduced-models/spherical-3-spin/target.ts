/**
 * The spherical 3-spin target of Rotskoff & Vanden-Eijnden (RVE eq. 32) on S^{d−1}(√d):
 *
 *   f(x) = (1/d) Σ_{p,q,r} a_pqr x_p x_q x_r,   a_pqr i.i.d. N(0, 1) (one draw = one "realisation"),
 *
 * with x uniform on the sphere of radius √d (x = √d g/|g|, g standard normal in R^d, so E x_p² = 1).
 *
 * Its mean square in closed form: E[x^{⊗6}] = d³/(d(d+2)(d+4)) Σ_{15 pairings} δδδ (E|g|⁶ = d(d+2)(d+4) and
 * g/|g| is independent of |g|). With S the symmetrisation of a (f only sees S) and t_p = Σ_q S_pqq, the 6
 * pairings across the two copies of S give 6‖S‖² and the 9 with one pair inside each copy give 9‖t‖²:
 *
 *   E f² = (1/d²) · d³/(d(d+2)(d+4)) · (6 ‖S‖² + 9 ‖t‖²) = (6 ‖S‖² + 9 ‖t‖²) / ((d + 2)(d + 4))   (≈ d: ‖S‖² ≈ d³/6).
 */
import { Rng } from '../../src/rng.ts';

export class ThreeSpinTarget {
  /** a[(p·d + q)·d + r]. */
  readonly a: Float64Array;
  readonly meanSquare: number;

  constructor(
    readonly d: number,
    readonly realisation: number,
  ) {
    this.a = new Float64Array(d * d * d);
    new Rng(realisation, 0x3519).fillNormal(this.a);
    this.meanSquare = this.exactMeanSquare();
  }

  /** f(x) = (1/d) Σ_p x_p Σ_q x_q Σ_r a_pqr x_r (d³ multiply-adds). */
  value(x: Float64Array): number {
    const { d, a } = this;
    let f = 0;
    for (let p = 0; p < d; p++) {
      let sp = 0;
      for (let q = 0; q < d; q++) {
        const row = (p * d + q) * d;
        let sq = 0;
        for (let r = 0; r < d; r++) sq += a[row + r] * x[r];
        sp += x[q] * sq;
      }
      f += x[p] * sp;
    }
    return f / d;
  }

  private exactMeanSquare(): number {
    const { d, a } = this;
    const at = (p: number, q: number, r: number) => a[(p * d + q) * d + r];
    const sym = (p: number, q: number, r: number) => (at(p, q, r) + at(p, r, q) + at(q, p, r) + at(q, r, p) + at(r, p, q) + at(r, q, p)) / 6;
    let s2 = 0;
    const t = new Float64Array(d);
    for (let p = 0; p < d; p++) {
      for (let q = 0; q < d; q++) {
        for (let r = 0; r < d; r++) {
          const s = sym(p, q, r);
          s2 += s * s;
          if (q === r) t[p] += s;
        }
      }
    }
    let t2 = 0;
    for (const v of t) t2 += v * v;
    return (6 * s2 + 9 * t2) / ((d + 2) * (d + 4));
  }
}

/** x uniform on S^{d−1}(√d) into out. */
export function sampleSphere(rng: Rng, out: Float64Array): void {
  rng.fillNormal(out);
  let s = 0;
  for (const v of out) s += v * v;
  const scale = Math.sqrt(out.length / s);
  for (let i = 0; i < out.length; i++) out[i] *= scale;
}
