/**
 * CLT-scale fluctuations of finite-N SGD runs predicted from the PDE (src/clt/README.md), for any
 * model that offers the `clt` capability below.
 *
 *  - ./adjoint.ts  influence functions g_t of observables Φ(ρ̄_T) along weighted radial
 *                  characteristics, with the nonlocal term ("The influence function (adjoint)",
 *                  "Along characteristics"); Var_init(T).
 *  - ./noise.ts    what the prediction needs from a model's online-SGD noise: the common and
 *                  same-unit rates and the Itô drift ("The SGD noise").
 *  - ./predict.ts  predicted std √(Var_init/N + (ε/B)(I_C + I_I/N)), mean shifts, validity warnings
 *                  ("Assembly", "Limits"), for a run of a spec.
 */
import type { WeightedNodes } from '../model.ts';
import type { RadialKernelModel } from './adjoint.ts';
import type { SgdNoiseAvailability } from './noise.ts';

/**
 * The `clt` capability of a model (`model.capabilities.clt`): a model whose reduced coordinate is
 * one radius r ≥ 0 and whose units are trained by online SGD (MMN eq. 3), with
 *   - the separable radial form of its potential and kernel for the adjoint;
 *   - U(θ, θ), the same-unit term of the exact finite-N risk, for the t = 0 bias C1/N;
 *   - a quadrature of the initial law of r;
 *   - its online-SGD noise rates in closed form (or why they are not available).
 * `InitSpec` and `GridSpec` are the model's `init` and `grid` blocks, as validated by the spec.
 */
export interface CltCapability<InitSpec = unknown, GridSpec = unknown> {
  /** Weighted nodes of ρ̄_0 (weights Σ = 1); a ConfigError naming the field for a law it cannot integrate. */
  initialLaw(init: InitSpec, grid: GridSpec | undefined): WeightedNodes;
  /** The truncation order whose error (derivatives included) is below `tolerance` on the radii the run can reach. */
  kernelOrder(tolerance: number, grid: GridSpec | undefined): number;
  /** The separable radial form (v, v', features) truncated at `order`. */
  kernel(order: number): RadialKernelModel;
  /** U(θ, θ) at radius r (MMN eq. 5, the i = j term of the finite-N risk). */
  selfInteraction(r: number): number;
  /** The online-SGD noise rates (./noise.ts); `radialNodes` refines the model's quadrature over the data. */
  sgdNoise(options?: { radialNodes?: number }): SgdNoiseAvailability;
}

export {
  commensurateStep,
  influenceFunctions,
  meanObservable,
  meanRadius,
  riskObservable,
  solveAdjoint,
  weightedVariance,
  type AdjointNode,
  type AdjointOptions,
  type AdjointResult,
  type AdjointState,
  type CharacteristicsPath,
  type InfluenceOptions,
  type InfluenceResult,
  type RadialKernelModel,
  type RadialObservable,
  type RadialProblem,
} from './adjoint.ts';
export { LINEAR_NOISE_LIMIT, type NoiseRates, type SgdNoiseAvailability, type SgdNoiseModel } from './noise.ts';
export {
  c1Coefficient,
  cltCapabilityOf,
  predictClt,
  predictFluctuations,
  predictFromRun,
  predictionInterrupted,
  type CltInput,
  type CltPrediction,
  type CltWarning,
  type CltWarningCode,
  type FluctuationOptions,
  type FluctuationPrediction,
  type ObservablePrediction,
  type PredictionControl,
  type PredictionOverrides,
} from './predict.ts';
