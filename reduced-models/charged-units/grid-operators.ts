/**
 * The charged-unit model on a (y, c) grid for solvers/finite-volume.ts (README §Reduced side).
 *
 * The mean-field flow ∂_t ρ = ∂_y(ρ c ∂_y U) + ∂_c(ρ U) = ∇·(ρ ∇(cU)) is the project's form
 * ∂_t ρ = 2ξ ∇·(ρ ∇Ψ) at ξ = 1 (the default schedule, FLOW_SCHEDULE) with Ψ = cU/2, i.e. (README §1)
 *     R = L = ½‖f‖² + 2 ∫ V dρ + ∫∫ u dρ dρ,   V(y, c) = −c F(y)/2,   u = c c' K(y, y')/2,   R# = ½‖f‖²:
 * the risk the solver reports is the loss L itself and its time is RVE's.
 * On the grid: V_j = −c_j F(y_j)/2 at the cell centres, and u_jk = c_j c_k k(y_j − y_k)/2, applied either as
 *   - 'convolution': solvers/interaction/convolution.ts with charges c and the convolution over the y axis
 *     only (FFT, O(M + M_y log M_y); y periodic on the circle), any model;
 *   - 'fourier' (circle only): the separable form u = ½ Σ_k λ_k c c' (cos ky cos ky' + sin ky sin ky'),
 *     rank 2m + 1, solvers/interaction/separable.ts.
 * Both equal the dense kernel to round-off (test/reduced-models/charged-units-grid.test.ts); the convolution
 * is the default, 1.4–4× faster on 64×32 … 512×256 grids (bench/charged-units.ts).
 * The discrete loss is the solver's discrete risk, L_h = R_h (solvers/finite-volume.ts discreteRisk).
 */
import { ConfigError } from '../../src/errors.ts';
import type { Grid } from '../../src/grid.ts';
import type { GridOperators, InteractionOperator, StepSchedule } from '../../src/types.ts';
import type { NoiseSpec } from '../../solvers/finite-volume.ts';
import { ConvolutionInteraction } from '../../solvers/interaction/convolution.ts';
import { SeparableInteraction } from '../../solvers/interaction/separable.ts';
import { VonMisesCircle } from './circle.ts';
import { chargedAxes } from './laws.ts';
import { positive, type ChargedUnitsModel } from './model.ts';

/** ξ = 1 (the spec's default): the solver's 2ξ∇·(ρ∇Ψ) with Ψ = cU/2 is the charged-unit flow ∇·(ρ∇(cU)). */
export const FLOW_SCHEDULE: StepSchedule = { kind: 'constant', value: 1 };

export type ChargedInteraction = 'convolution' | 'fourier';

export interface ChargedGridOptions {
  /** Default 'convolution' (1.4–4× faster than 'fourier' on the circle: bench/charged-units.ts). */
  readonly interaction?: ChargedInteraction;
}

/** The circle's y axis must be one period [lo, lo + 2π) for the periodic convolution. */
function checkCircleAxis(grid: Grid, yAxis: number): void {
  const { lo, hi } = grid.axes[yAxis];
  if (!(Math.abs(hi - lo - 2 * Math.PI) <= 1e-12 * 2 * Math.PI)) {
    throw new ConfigError('grid.y', `on the circle the y axis must span one period 2π (got [${lo}, ${hi}])`);
  }
}

/** The separable Fourier operator of a circle model on the grid (features c, c cos ky, c sin ky). */
function fourierInteraction(model: VonMisesCircle, grid: Grid, yAxis: number, cAxis: number): InteractionOperator {
  const m = model.kernelOrder;
  const rank = 2 * m + 1;
  const y = grid.coordinateField(yAxis);
  const c = grid.coordinateField(cAxis);
  const M = grid.size;
  const features = new Float64Array(rank * M);
  const weights = new Float64Array(rank);
  weights[0] = model.kernelEigenvalues[0] / 2;
  for (let j = 0; j < M; j++) features[j] = c[j];
  for (let k = 1; k <= m; k++) {
    weights[2 * k - 1] = weights[2 * k] = model.kernelEigenvalues[k] / 2;
    const oc = (2 * k - 1) * M;
    const os = 2 * k * M;
    for (let j = 0; j < M; j++) {
      features[oc + j] = c[j] * Math.cos(k * y[j]);
      features[os + j] = c[j] * Math.sin(k * y[j]);
    }
  }
  return new SeparableInteraction(features, M, weights, `fourier separable rank ${rank} (kernel order ${m}) on ${grid.shape.join('×')}`);
}

/** Potential, interaction and R# of the charged-unit model on a (y, c) grid, in the R = L convention above. */
export function chargedGridOperators(model: ChargedUnitsModel, grid: Grid, options: ChargedGridOptions = {}): GridOperators {
  const { yAxis, cAxis } = chargedAxes(grid);
  const circle = model.domain === 'circle';
  if (circle) checkCircleAxis(grid, yAxis);
  const kind = options.interaction ?? 'convolution';
  if (kind !== 'convolution' && kind !== 'fourier') throw new ConfigError('interaction', `must be "convolution" or "fourier" (got ${JSON.stringify(kind)})`);
  const y = grid.coordinateField(yAxis);
  const c = grid.coordinateField(cAxis);
  const potential = new Float64Array(grid.size);
  for (let j = 0; j < grid.size; j++) potential[j] = (-c[j] * model.F(y[j])) / 2;
  let interaction: InteractionOperator;
  if (kind === 'fourier') {
    if (!(model instanceof VonMisesCircle)) throw new ConfigError('interaction', `"fourier" needs the circle model (got ${model.name})`);
    interaction = fourierInteraction(model, grid, yAxis, cAxis);
  } else {
    const periodic = [false, false];
    periodic[yAxis] = circle;
    interaction = new ConvolutionInteraction(grid, (delta) => model.kernel(delta[yAxis]) / 2, { axes: [yAxis], charge: c, periodic });
  }
  return { grid, potential, interaction, riskConstant: model.halfTargetNormSquared };
}

/**
 * The solver's noise for temperature θ: with ξ = 1 its 2ξ/β Δρ is θ Δρ when β = 2/θ (no ℓ2 term, no
 * Jacobian: y and c are flat coordinates). The solver then guards F_h = R_h/2 + (1/β) Σ P log(P/vol)
 * = ½ (L_h + θ Σ P log(P/vol)), half the free energy L + θ ∫ρ log ρ of ∂_tρ = ∇·(ρ∇(cU)) + θΔρ.
 */
export function temperatureNoise(theta: number): NoiseSpec {
  return { beta: 2 / positive(theta, 'temperature'), lambda: 0, jacobianExponents: [0, 0] };
}
