/**
 * Series-free references for the anisotropic pair term (./README.md §7).
 *
 * 1. Pair expectation at a given correlation: PairQuadrature (../pair-quadrature.ts, shared with the
 *    isotropic model), re-exported here.
 * 2. Probability rules for the cosine s of two independent uniform directions in R^n (law p_n of
 *    reduced-models/isotropic-gaussians/README.md §2.2): Gauss–Jacobi with α = β = (n−3)/2 and weights
 *    normalised to 1 for n ≥ 2; s = ±1 with probability 1/2 for n = 1; s = 0 for n = 0 (trivial subspace).
 */
export { PairQuadrature } from '../pair-quadrature.ts';
import { gaussJacobi, type QuadratureRule } from '../../src/numerics/quadrature.ts';

/** Probability rule for the cosine of two independent uniform directions in R^n, n ≥ 0 (see file comment). */
export function cosineRule(n: number, nodes: number): QuadratureRule {
  if (n === 0) return { nodes: Float64Array.of(0), weights: Float64Array.of(1) };
  if (n === 1) return { nodes: Float64Array.of(-1, 1), weights: Float64Array.of(0.5, 0.5) };
  return gaussJacobi(nodes, (n - 3) / 2, (n - 3) / 2, true);
}
