/**
 * The charged-unit (Rotskoff–Vanden-Eijnden) model: closed forms, (y, c) grid operators, initial laws
 * and particles. README.md has the model, signs, normalisations and closed forms.
 */
export { besselSquareTails, logScaledBesselBound, scaledBesselI } from './bessel.ts';
export { circleSeparableReducedModel, fourierSeparableReducedModel, lineSeparableReducedModel } from './characteristics.ts';
export { CIRCLE_EXAMPLE, VonMisesCircle, type VonMisesCircleSpec } from './circle.ts';
export { chargedGridOperators, FLOW_SCHEDULE, temperatureNoise, type ChargedGridOptions, type ChargedInteraction } from './grid-operators.ts';
export {
  chargedAxes,
  CIRCLE_EXAMPLE_INIT,
  GAUSSIAN_EXAMPLE_INIT,
  initialCellMasses,
  quadratureNodes,
  sampleUnits,
  type CellMasses,
  type MarginalLaw,
  type ProductLaw,
  type WeightedNodes,
} from './laws.ts';
export { circleTargetFromExpression, type ExpressionTargetOptions } from './expression-target.ts';
export { GAUSSIAN_EXAMPLE, GaussianLine, type GaussianLineSpec } from './line.ts';
export { kernelBound, LINE_KERNEL_TOLERANCE, PeriodisedGaussianKernel, type KernelBound } from './line-fourier.ts';
export type { ChargedUnitsModel } from './model.ts';
export { ChargedParticles, type Integrator, type ParticleRunOptions, type ParticleRunResult } from './particles.ts';
