/**
 * What the CLT prediction needs from a model's online-SGD noise (src/clt/README.md, "The SGD noise").
 *
 * Online SGD with step s = εξ(t) and batch B: a kick at time s changes Φ(ρ̂_T) by (1/N) Σ_i a_i(x)
 * to first order, a_w(x) the kick of unit w paired with the adjoint derivative D = ∂_r g(s, ·) of
 * ./adjoint.ts. The kicks are martingale increments, so their variances add:
 *
 *   Var_sgd(T) = (ε/B) [I_C(T) + I_I(T)/N],   I_C = 4 ∫_0^T ξ² Var_x Z_s ds,   I_I = 4 ∫_0^T ξ² VI_s ds,
 *   Z = E_w a_w,   VI = E_w E_x a_w² − E_x Z² − Var_w(E_x a_w),   E_x a_w = −D ψ'(r_w),
 *
 * and the mean radius is shifted by the Itô drift of |w| (src/clt/README.md, "The O(εd) shift of the
 * mean radius"): ε/B · ∫_0^T ξ² Σ_j P_j D_j b(X_j) ds. A model supplies these rates in closed form
 * through its `clt` capability (./index.ts); ./predict.ts integrates them along the backward sweep.
 */

/** Rates at one backward node for one adjoint state (without the factors 4ξ², ξ² of the integrals). */
export interface NoiseRates {
  /** Var_x Z (common noise). */
  common: number;
  /** VI (same-unit noise). */
  sameUnit: number;
  /** Σ_j P_j D_j b(X_j) (Itô drift of the radius, paired with D). */
  ito: number;
  /** E_x Z by the model's quadrature; equals −Σ_j P_j D_j ψ'(X_j) (a check). */
  meanZ: number;
}

/** A model's online-SGD noise rates at the nodes of a radial law. */
export interface SgdNoiseModel {
  readonly name: string;
  /** The formula of `linearNoiseIndicator`, for messages (e.g. "2 m τ+² d ε/B"). */
  readonly indicatorFormula: string;
  /**
   * Size of one kick relative to the scale on which σ' changes (src/clt/README.md, "The linear-noise
   * regime"); the linear-noise expansion needs it below LINEAR_NOISE_LIMIT.
   */
  linearNoiseIndicator(epsilon: number, batch: number): number;
  /** Precomputes everything that depends only on the node positions (call once per backward node). */
  prepare(x: Float64Array, p: Float64Array, dpsi: Float64Array): void;
  /** Rates at the prepared node for the adjoint derivative D_j = ∂_r g(s, X_j). */
  rates(D: Float64Array, out: NoiseRates): void;
  /** E_x[y f(x)] for the prepared law (= −Σ_j P_j v(X_j); a check of the quadrature). */
  labelCorrelation(): number;
}

export type SgdNoiseAvailability = { available: true; noise: SgdNoiseModel } | { available: false; reason: string };

/** Largest linear-noise indicator at which the prediction is trusted (src/clt/README.md, "The linear-noise regime"). */
export const LINEAR_NOISE_LIMIT = 0.3;
