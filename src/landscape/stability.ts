/**
 * Stability of a point mass in reduced coordinates (MMN Theorems 6–7, one reduced coordinate).
 *
 * For ρ̄ = δ_r the reduced potential is ψ(s; δ_r) = v(s) + u(s, r), and
 *   - δ_r is a fixed point of the reduced DD ∂_t ρ̄ = 2ξ ∂_s(ρ̄ ∂_s ψ) (MMN eq. 13) iff
 *     ψ'(r; δ_r) = v'(r) + ∂₁u(r, r) = 0                                       (Theorem 6, first part);
 *   - H₀ = ψ''(r; δ_r) = v''(r) + ∂₁₁u(r, r) (MMN eq. 26) decides stability: H₀ > 0 ⇒ locally
 *     attracting, exponentially fast (Theorem 6); H₀ < 0 ⇒ never reached from an initial law with a
 *     bounded density (Theorem 7 with p* = 1); H₀ = 0 is not decided by either theorem.
 *
 * MMN's centred isotropic Gaussians (r = |w|): a point mass δ_{r*} of the radial law ρ̄ IS the uniform
 * law on the sphere of radius r* in R^d, ρ = Unif(r* S^{d−1}) (the reduction identifies them; u is the
 * kernel averaged over the angle between two independent uniform directions, so u(r, r) is not the
 * same-unit term U(w, w); the model's README). The classification above is therefore stability against
 * spherically symmetric perturbations, the ones the radial DD (MMN eq. 13) can produce from a
 * symmetric initialisation. It says nothing about symmetry-breaking perturbations.
 */
import { ConfigError } from '../errors.ts';
import { derivatives } from './scalar.ts';
import type { PointwiseModel1d } from './single-delta.ts';

export interface StabilityOptions {
  /** |ψ'| ≤ tolerance counts as a fixed point, |ψ''| ≤ tolerance as degenerate. Default 1e-6. */
  readonly tolerance?: number;
}

/** Plain-data result of `pointMassStability`. */
export interface PointMassStability {
  readonly r: number;
  /** ψ'(r; δ_r) = v'(r) + ∂₁u(r, r). */
  readonly psiPrime: number;
  /** H₀ = ψ''(r; δ_r) = v''(r) + ∂₁₁u(r, r). */
  readonly psiSecond: number;
  readonly fixedPoint: boolean;
  readonly classification: 'stable' | 'unstable' | 'degenerate' | 'not-a-fixed-point';
  readonly tolerance: number;
}

/**
 * Fixed-point test and reduced Hessian H₀ of the point mass δ_r (derivatives by five-point
 * finite differences of ψ(·; δ_r); one-sided near the natural boundary r = 0).
 */
export function pointMassStability(model: PointwiseModel1d, r: number, options: StabilityOptions = {}): PointMassStability {
  const tolerance = options.tolerance ?? 1e-6;
  if (!(tolerance > 0 && Number.isFinite(tolerance))) {
    throw new ConfigError('tolerance', `must be a finite number > 0 (got ${tolerance})`);
  }
  if (!(r >= 0 && Number.isFinite(r))) throw new ConfigError('r', `must be a finite radius >= 0 (got ${r})`);
  const { first, second } = derivatives((s) => model.v(s) + model.u(s, r), r, 0);
  const fixedPoint = Math.abs(first) <= tolerance;
  const classification = !fixedPoint
    ? 'not-a-fixed-point'
    : Math.abs(second) <= tolerance
      ? 'degenerate'
      : second > 0
        ? 'stable'
        : 'unstable';
  return { r, psiPrime: first, psiSecond: second, fixedPoint, classification, tolerance };
}
