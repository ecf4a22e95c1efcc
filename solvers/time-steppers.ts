/**
 * Strong-stability-preserving Runge–Kutta schemes as data (Shu & Osher 1988; Gottlieb, Shu & Tadmor,
 * SIAM Rev. 43 (2001)). Every scheme here has the two-register Shu–Osher form
 *
 *     u⁽⁰⁾ = uⁿ,   u⁽ⁱ⁾ = a0ᵢ u⁽⁰⁾ + a1ᵢ u⁽ⁱ⁻¹⁾ + bᵢ Δt L(u⁽ⁱ⁻¹⁾, tⁿ + cᵢ Δt),   uⁿ⁺¹ = u⁽ˢ⁾,
 *
 * with a0ᵢ, a1ᵢ, bᵢ ≥ 0 and a0ᵢ + a1ᵢ = 1: each stage is a convex combination of forward-Euler
 * steps, so any property forward Euler has under Δt ≤ Δt_FE (positivity, here) holds for the whole
 * scheme under Δt ≤ C·Δt_FE with C = `sspCoefficient`.
 */

export interface SspStage {
  /** Weight of u⁽⁰⁾. */
  readonly a0: number;
  /** Weight of the previous stage u⁽ⁱ⁻¹⁾. */
  readonly a1: number;
  /** Weight of Δt L(u⁽ⁱ⁻¹⁾). */
  readonly b: number;
  /** Time offset (in units of Δt) of the previous stage, where L is evaluated. */
  readonly c: number;
}

export interface SspScheme {
  readonly name: string;
  readonly order: number;
  /** Δt ≤ sspCoefficient · Δt_FE keeps every forward-Euler property. */
  readonly sspCoefficient: number;
  readonly stages: readonly SspStage[];
}

export const SCHEMES = {
  euler: { name: 'euler', order: 1, sspCoefficient: 1, stages: [{ a0: 0, a1: 1, b: 1, c: 0 }] },
  /** Heun's method, SSP-RK(2,2). */
  ssprk2: {
    name: 'ssprk2',
    order: 2,
    sspCoefficient: 1,
    stages: [
      { a0: 0, a1: 1, b: 1, c: 0 },
      { a0: 1 / 2, a1: 1 / 2, b: 1 / 2, c: 1 },
    ],
  },
  /** Shu–Osher SSP-RK(3,3). */
  ssprk3: {
    name: 'ssprk3',
    order: 3,
    sspCoefficient: 1,
    stages: [
      { a0: 0, a1: 1, b: 1, c: 0 },
      { a0: 3 / 4, a1: 1 / 4, b: 1 / 4, c: 1 },
      { a0: 1 / 3, a1: 2 / 3, b: 2 / 3, c: 1 / 2 },
    ],
  },
} as const satisfies Record<string, SspScheme>;

export type SchemeName = keyof typeof SCHEMES;
