/**
 * Normalized probabilists' Hermite polynomials h_k = He_k/√(k!), orthonormal under φ:
 * E[h_j(G) h_k(G)] = δ_jk, with h_0 = 1, h_1 = x, h_{k+1} = (x h_k − √k h_{k−1})/√(k+1).
 *
 * Mehler's formula: for (G1, G2) standard bivariate normal with correlation s,
 *   E[f(G1) g(G2)] = Σ_k c_k(f) c_k(g) s^k,   c_k(f) = E[f(G) h_k(G)].
 */
import { normalPdf } from './special.ts';
import { compositeGaussLegendre } from './quadrature.ts';

/** out[k] = h_k(x), k = 0..K (out.length ≥ K+1). Overflows for |x| ≳ 1e3 at large K: prefer hermitePhiSeries. */
export function hermiteSeries(x: number, K: number, out: Float64Array): void {
  out[0] = 1;
  if (K >= 1) out[1] = x;
  for (let k = 1; k < K; k++) out[k + 1] = (x * out[k] - Math.sqrt(k) * out[k - 1]) / Math.sqrt(k + 1);
}

/**
 * out[k] = h_k(x) φ(x), k = 0..K: the same (linear) recurrence started from φ(x) and xφ(x), which
 * stays finite for every x (reduced-models/README.md §1: x = t/q is huge at small radii).
 */
export function hermitePhiSeries(x: number, K: number, out: Float64Array): void {
  const p = normalPdf(x);
  out[0] = p;
  if (K >= 1) out[1] = x * p;
  for (let k = 1; k < K; k++) out[k + 1] = (x * out[k] - Math.sqrt(k) * out[k - 1]) / Math.sqrt(k + 1);
}

/**
 * Normalized Hermite coefficients of x ↦ f(q x) under the standard Gaussian:
 *   out[k] = c_k = E[f(qG) h_k(G)],  k = 0..K.
 * Composite Gauss–Legendre with weight φ over [−L, L] (L = 12 by default: the neglected mass is
 * ~4e-33 times polynomial growth), in panels of width 2 and split at `kinks`/q so that
 * piecewise-smooth f (kinks at t_i in the argument of f) are integrated to round-off with
 * `nodesPerPiece` nodes per piece.
 */
/** Half-width L of the Gaussian variable's range in `hermiteCoefficients`: f(q·) is evaluated on [−L q, L q]. */
export const HERMITE_HALF_WIDTH = 12;

export function hermiteCoefficients(
  f: (t: number) => number,
  q: number,
  K: number,
  out: Float64Array,
  options: { kinks?: readonly number[]; nodesPerPiece?: number; halfWidth?: number } = {},
): void {
  const { kinks = [], nodesPerPiece = 32, halfWidth = HERMITE_HALF_WIDTH } = options;
  out.fill(0, 0, K + 1);
  if (q === 0) {
    out[0] = f(0);
    return;
  }
  const breaks = kinks.map((t) => t / q);
  for (let g = -halfWidth + 2; g < halfWidth; g += 2) breaks.push(g);
  const rule = compositeGaussLegendre(-halfWidth, halfWidth, breaks, nodesPerPiece);
  const hphi = new Float64Array(K + 1);
  for (let i = 0; i < rule.nodes.length; i++) {
    const g = rule.nodes[i];
    hermitePhiSeries(g, K, hphi);
    const fw = f(q * g) * rule.weights[i];
    for (let k = 0; k <= K; k++) out[k] += fw * hphi[k];
  }
}
