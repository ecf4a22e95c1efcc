/**
 * Direct (series-free) quadrature of the pair expectation (REDUCED-MODELS.md §1.2 (i)):
 *   B(q1, q2; s) = E[σ(q1 G1) σ(q2 G2)],  corr(G1, G2) = s,
 * conditioning on G1 (G2 = s G1 + √(1−s²) Z) and doing the inner expectation as
 * S(μ, c) = E σ(μ + cZ) (closed form for piecewise-linear σ, quadrature otherwise):
 *   B = E_{G1}[ σ(q1 G1) S(q2 s G1, q2 √(1−s²)) ].
 * The G1-integral is composite Gauss–Legendre with weight φ on [−12, 12], in panels of width ≤ 2
 * cut at the kinks of σ(q1 ·) (g = t_i/q1) and at the centres g = t_i/(q2 s) of the transitions of
 * S(q2 s g, ·). Those transitions have width w = √(1−s²)/|s| in g, which is small as |s| → 1, so
 * the panels are graded geometrically around each centre (±w, ±2w, ±4w, … while < 2).
 */
import { GaussianPanelQuadrature, type GaussianActivation } from '../activations.ts';

/** Grading levels around each transition centre: w 2^j for j < GRADING_LEVELS. */
const GRADING_LEVELS = 12;

export class BivariateQuadrature {
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

  /** B(q1, q2; s) for q1, q2 ≥ 0 and s ∈ [−1, 1]. */
  expectation(q1: number, q2: number, s: number): number {
    const { sigma, breaks } = this;
    const kinks = sigma.kinks;
    const mean = q2 * s;
    const spread = q2 * Math.sqrt(Math.max(0, 1 - s * s));
    let nb = 0;
    const w = mean !== 0 ? spread / Math.abs(mean) : Infinity;
    for (const t of kinks) {
      if (q1 > 0) breaks[nb++] = t / q1;
      if (mean !== 0) {
        const centre = t / mean;
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
      sum += weights[i] * sigma.value(q1 * g) * sigma.gaussianMean(mean * g, spread);
    }
    return sum;
  }
}
