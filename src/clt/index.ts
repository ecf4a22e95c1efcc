/**
 * CLT-scale fluctuations of finite-N SGD runs predicted from the PDE (the math: ./README.md).
 *
 *  - ./adjoint.ts  influence functions g_t of observables Φ(ρ̄_T) along weighted radial
 *                  characteristics, with the nonlocal term (./README.md §2–4); Var_init(T).
 *  - ./noise.ts    online-SGD noise rates (common, same-unit, Itô drift) of the isotropic model
 *                  in closed form (./README.md §5–6), or why they are not available.
 *  - ./cosine.ts   truncated moments of the cosine law p_d used by the closed forms.
 *  - ./predict.ts  predicted std √(Var_init/N + (ε/B)(I_C + I_I/N)), mean shifts, validity warnings.
 */
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
export { CosineLaw } from './cosine.ts';
export { isotropicSgdNoise, LINEAR_NOISE_LIMIT, type NoiseRates, type SgdNoiseAvailability, type SgdNoiseModel } from './noise.ts';
export {
  c1Coefficient,
  predictFluctuations,
  predictFromConfig,
  predictIsotropicClt,
  type CltPrediction,
  type CltWarning,
  type CltWarningCode,
  type FluctuationOptions,
  type FluctuationPrediction,
  type IsotropicCltInput,
  type ObservablePrediction,
} from './predict.ts';
