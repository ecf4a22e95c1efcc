/**
 * Direct (series-free) quadrature of the pair expectation of two units with offsets, shared by the
 * isotropic (b1 = b2 = 0) and anisotropic models (./README.md §4):
 *   B(q1, b1, q2, b2; ρ) = E[σ(q1 G1 + b1) σ(q2 G2 + b2)],   corr(G1, G2) = ρ,
 * conditioning on G1 = g (G2 = ρ g + √(1−ρ²) Z) with the inner expectation in closed form,
 * S(μ, c) = E σ(μ + cZ) (GaussianActivation.gaussianMean):
 *   B = E_{G1}[ σ(q1 G1 + b1) S(b2 + q2 ρ G1, q2 √(1−ρ²)) ].
 * The G1-integral is composite Gauss–Legendre with weight φ on [−12, 12] in panels of width ≤ 2,
 * cut at the kinks g = (t − b1)/q1 of the outer factor and at the centres g = (t − b2)/(q2 ρ) of the
 * transitions of S, whose width √(1−ρ²)/|ρ| in g shrinks as |ρ| → 1; the panels are graded
 * geometrically around each centre (±w, ±2w, ±4w, … while < 2).
 */
import { GaussianPanelQuadrature, type GaussianActivation } from './activations.ts';

/** Grading levels around each transition centre: w 2^j for j < GRADING_LEVELS. */
const GRADING_LEVELS = 12;
/** |ρ| ≥ 1 − this is treated as |ρ| = 1 (see PairQuadrature.expectation). */
const NEAR_UNIT_CORRELATION = 1e-14;

export class PairQuadrature {
  private readonly quad: GaussianPanelQuadrature;
  private readonly breaks: Float64Array;

  constructor(
    private readonly sigma: GaussianActivation,
    nodesPerPanel = 24,
  ) {
    const perKink = 2 + 2 * GRADING_LEVELS;
    this.breaks = new Float64Array(Math.max(1, perKink * sigma.kinks.length));
    this.quad = new GaussianPanelQuadrature(nodesPerPanel, this.breaks.length);
  }

  /**
   * B(q1, b1, q2, b2; ρ) for q1, q2 ≥ 0 and ρ ∈ [−1, 1]. A correlation within 1e-14 of ±1 (the
   * rounding level of a computed correlation of parallel units) is taken as ±1: B is C¹ in ρ with
   * |∂_ρ B| = q1 q2 |E σ'σ'| ≤ q1 q2 sup|σ'|² (Price's theorem), so this moves B by ≤ 1e-14 q1 q2 sup|σ'|²,
   * and it keeps the inner spread c away from tiny values at which S(μ, c) hits normalPdf(|x| ≳ 2.6e5) = NaN.
   */
  expectation(q1: number, b1: number, q2: number, b2: number, rhoIn: number): number {
    const rho = 1 - Math.abs(rhoIn) <= NEAR_UNIT_CORRELATION ? Math.sign(rhoIn) : rhoIn;
    const { sigma, breaks } = this;
    const kinks = sigma.kinks;
    const slope = q2 * rho;
    const spread = q2 * Math.sqrt(Math.max(0, 1 - rho * rho));
    const w = slope !== 0 ? spread / Math.abs(slope) : Infinity;
    let nb = 0;
    for (const t of kinks) {
      if (q1 > 0) breaks[nb++] = (t - b1) / q1;
      if (slope !== 0) {
        const centre = (t - b2) / slope;
        breaks[nb++] = centre;
        for (let j = 0, h = w; w > 0 && j < GRADING_LEVELS && h < 2; j++, h *= 2) {
          breaks[nb++] = centre - h;
          breaks[nb++] = centre + h;
        }
      }
    }
    const n = this.quad.build(breaks, nb);
    const { nodes, weights } = this.quad;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const g = nodes[i];
      sum += weights[i] * sigma.value(q1 * g + b1) * sigma.gaussianMean(b2 + slope * g, spread);
    }
    return sum;
  }
}
