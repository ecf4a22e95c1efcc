/**
 * Predicted seed-to-seed fluctuations of finite-N online-SGD runs, from the PDE (src/clt/README.md,
 * "The result", "Assembly"), for a model with the `clt` capability (./index.ts).
 *
 * For an observable Φ (the risk R_N, the mean radius, …) at save time T, N units, step ε, batch B:
 *
 *   std Φ_N(T) ≈ √( Var_init(T)/N + (ε/B) (I_C(T) + I_I(T)/N) )
 *
 * Var_init from the influence function (./adjoint.ts; RVE Prop. 3.2, the N^{-1/2} CLT of gradient
 * descent, MMN Thm. 3 for the scale), I_C and I_I the common- and same-unit-noise integrals of the
 * model's noise rates (./noise.ts). Mean: E R_N(0) = R(ρ̄_0) + C1/N exactly for i.i.d. units,
 * C1 = ∫ U(θ, θ) ρ̄_0 − ∫∫ U ρ̄_0 ρ̄_0 ("The 1/N bias at t = 0"; at t > 0 the 1/N coefficient is not
 * predicted and is reported as null); the mean radius is shifted by the O(εd) Itô drift (ε/B) J(T)
 * ("The O(εd) shift of the mean radius").
 *
 * Validity ("Limits"): a warning when the kicks leave the linear-noise regime (the model's kick-size
 * indicator > LINEAR_NOISE_LIMIT), when N < 400 (the same-unit term I_I is then unreliable), and when
 * a save time reaches the separatrix (t ≳ 3 for MMN Fig. 1: which units die becomes sensitive to
 * fluctuations and plain Gauss–Legendre nodes converge like O(1/M); use separatrix-aware nodes there).
 */
import { ConfigError } from '../errors.ts';
import type { Model } from '../model.ts';
import type { RunSpec } from '../spec/index.ts';
import type { StepSchedule } from '../types.ts';
import {
  influenceFunctions,
  meanRadius,
  riskObservable,
  type AdjointNode,
  type RadialKernelModel,
  type RadialObservable,
  type RadialProblem,
} from './adjoint.ts';
import type { CltCapability } from './index.ts';
import { LINEAR_NOISE_LIMIT, type NoiseRates, type SgdNoiseAvailability } from './noise.ts';

export interface FluctuationOptions {
  /** Number of units N (integer ≥ 1). */
  n: number;
  /** SGD step ε > 0 (time t = kε). */
  epsilon: number;
  /** Batch size B (integer ≥ 1, default 1). */
  batch?: number;
  /** Forward step target h (default 2e-3; the backward step is 2h). */
  dt?: number;
  /** Keep the nonlocal term of the adjoint (default true). */
  nonlocal?: boolean;
  /** Save times at or beyond this get the separatrix warning (default 3, MMN Fig. 1). */
  separatrixTime?: number;
}

export interface ObservablePrediction {
  name: string;
  /** Φ(ρ̄_T) of the PDE. */
  pde: number[];
  varInit: number[];
  /** I_C(T), I_I(T) (null if the noise is not available). */
  noiseCommon: number[] | null;
  noiseSameUnit: number[] | null;
  /** J(T) = ∫_0^T ξ² Σ_j P_j D_j b(X_j) ds, the response to the Itô drift (null without noise). */
  itoResponse: number[] | null;
  /** Variance parts Var_init/N, ε I_C/B, ε I_I/(N B). */
  parts: { init: number[]; common: number[] | null; sameUnit: number[] | null };
  /** √(sum of the parts); the init part alone if the noise is not available. */
  predictedStd: number[];
}

export type CltWarningCode = 'linear-noise-regime' | 'same-unit-small-n' | 'separatrix' | 'noise-unavailable' | 'forward-inaccurate' | 'forward-unchecked';

export interface CltWarning {
  code: CltWarningCode;
  message: string;
}

export interface FluctuationPrediction {
  times: number[];
  dt: number;
  observables: ObservablePrediction[];
  noise: { available: true; model: string; indicatorFormula: string; linearNoiseIndicator: number } | { available: false; reason: string };
  warnings: CltWarning[];
}

function checkOptions(o: FluctuationOptions): Required<FluctuationOptions> {
  if (!(Number.isInteger(o.n) && o.n >= 1)) throw new ConfigError('particles.n', `must be an integer >= 1 (got ${o.n})`);
  if (!(o.epsilon > 0 && o.epsilon <= 1)) throw new ConfigError('particles.epsilon', `must be a number in (0, 1] (got ${o.epsilon})`);
  const batch = o.batch ?? 1;
  if (!(Number.isInteger(batch) && batch >= 1)) throw new ConfigError('particles.batch', `must be an integer >= 1 (got ${batch})`);
  const dt = o.dt ?? 2e-3;
  if (!(dt > 0 && dt <= 0.1)) throw new ConfigError('clt.dt', `must be a number in (0, 0.1] (got ${dt})`);
  return { n: o.n, epsilon: o.epsilon, batch, dt, nonlocal: o.nonlocal ?? true, separatrixTime: o.separatrixTime ?? 3 };
}

export interface PredictionControl {
  /**
   * Polled at every backward node of the adjoint sweep; true abandons the prediction with an Error
   * named 'Interrupted' (a prediction has no partial result worth keeping).
   */
  shouldStop?: () => boolean;
}

/** The error of a stopped prediction (name 'Interrupted', as the worker pool's). */
export function predictionInterrupted(message = 'CLT prediction interrupted'): Error {
  const e = new Error(message);
  e.name = 'Interrupted';
  return e;
}

/**
 * Var_init, I_C, I_I and the Itô response for any observables of a radial problem, then the
 * predicted std (src/clt/README.md, "Assembly"). The noise integrals are Simpson sums over the
 * backward nodes s = T, T − 2h, …, 0 (the rates are as smooth in s as the RK4 states, so Simpson's
 * O(h⁴) matches their accuracy at the cost of a trapezoid).
 */
export function predictFluctuations(
  problem: RadialProblem,
  saveTimes: readonly number[],
  observables: readonly RadialObservable[],
  noise: SgdNoiseAvailability,
  options: FluctuationOptions,
  control: PredictionControl = {},
): FluctuationPrediction {
  const o = checkOptions(options);
  if (saveTimes.length === 0) throw new ConfigError('saveTimes', 'must list at least one time');
  const nObs = observables.length;
  const zeros = () => Array.from({ length: nObs }, () => new Array<number>(saveTimes.length).fill(0));
  const common = zeros();
  const sameUnit = zeros();
  const ito = zeros();
  const rates: NoiseRates = { common: 0, sameUnit: 0, ito: 0, meanZ: 0 };
  const { shouldStop } = control;
  const integrate = noise.available
    ? (node: AdjointNode): void => {
        noise.noise.prepare(node.x, problem.weights, node.dpsi);
        const xi2 = node.xi * node.xi;
        for (const s of node.states) {
          if (s.terminalLevel === 0) continue;
          // Simpson's rule over the nodes s = T, T − 2h, …, 0 (an even number of intervals of 2h)
          const i = (s.terminalLevel - node.level) / 2;
          const w = ((2 * node.h) / 3) * (i === 0 || node.level === 0 ? 1 : i % 2 === 1 ? 4 : 2);
          noise.noise.rates(s.D, rates);
          common[s.observable][s.terminal] += 4 * xi2 * w * rates.common;
          sameUnit[s.observable][s.terminal] += 4 * xi2 * w * rates.sameUnit;
          ito[s.observable][s.terminal] += xi2 * w * rates.ito;
        }
      }
    : undefined;
  const onNode =
    shouldStop || integrate
      ? (node: AdjointNode): void => {
          if (shouldStop?.()) throw predictionInterrupted();
          integrate?.(node);
        }
      : undefined;
  // the forward path (most of the time before the first backward node) polls the stop request too
  const onStep = shouldStop
    ? (): void => {
        if (shouldStop()) throw predictionInterrupted();
      }
    : undefined;
  const adj = influenceFunctions(problem, saveTimes, observables, { dt: o.dt, nonlocal: o.nonlocal, onNode, onStep });

  const { n, epsilon, batch } = o;
  const predictions: ObservablePrediction[] = observables.map((obs, k) => {
    const varInit = adj.varInit[k];
    const init = varInit.map((v) => v / n);
    const parts = {
      init,
      common: noise.available ? common[k].map((v) => (epsilon * v) / batch) : null,
      sameUnit: noise.available ? sameUnit[k].map((v) => (epsilon * v) / (batch * n)) : null,
    };
    const predictedStd = init.map((v, i) => Math.sqrt(v + (parts.common ? parts.common[i] + parts.sameUnit![i] : 0)));
    return {
      name: obs.name,
      pde: adj.values[k],
      varInit,
      noiseCommon: noise.available ? common[k] : null,
      noiseSameUnit: noise.available ? sameUnit[k] : null,
      itoResponse: noise.available ? ito[k] : null,
      parts,
      predictedStd,
    };
  });

  const warnings: CltWarning[] = [];
  let noiseInfo: FluctuationPrediction['noise'];
  if (noise.available) {
    const indicator = noise.noise.linearNoiseIndicator(epsilon, batch);
    noiseInfo = { available: true, model: noise.noise.name, indicatorFormula: noise.noise.indicatorFormula, linearNoiseIndicator: indicator };
    if (indicator > LINEAR_NOISE_LIMIT) {
      warnings.push({
        code: 'linear-noise-regime',
        message:
          `${noise.noise.indicatorFormula} = ${indicator.toPrecision(3)} > ${LINEAR_NOISE_LIMIT}: one kick moves <w, x> by a sizeable part of the ` +
          `scale on which σ' changes, outside the linear-noise regime of the prediction (src/clt/README.md, "The linear-noise regime"); use ε <= ${((LINEAR_NOISE_LIMIT / indicator) * epsilon).toPrecision(2)} (at this B)`,
      });
    }
    if (n < 400) {
      warnings.push({
        code: 'same-unit-small-n',
        message: `N = ${n} < 400: the same-unit noise term ε I_I/(N B) is not reliably predicted at small N (src/clt/README.md, "Same-unit noise at small N")`,
      });
    }
  } else {
    noiseInfo = { available: false, reason: noise.reason };
    warnings.push({
      code: 'noise-unavailable',
      message: `SGD-noise integrals not available (${noise.reason}): predictedStd holds only the initial-condition part √(Var_init/N), a lower bound at ε > 0`,
    });
  }
  const late = saveTimes.filter((t) => t >= o.separatrixTime);
  if (late.length) {
    warnings.push({
      code: 'separatrix',
      message:
        `save times ${late.join(', ')} are at or beyond t = ${o.separatrixTime}, where the flow develops a separatrix (MMN Fig. 1: t ≳ 3; src/clt/README.md, "The separatrix"): ` +
        'the leading-order prediction is not trustworthy there unless separatrix-aware nodes are used',
    });
  }
  return { times: adj.times, dt: adj.dt, observables: predictions, noise: noiseInfo, warnings };
}

/** The prediction for the risk and the mean radius (JSON-serialisable). */
export interface CltPrediction {
  kind: 'meanfield.clt';
  settings: { n: number; epsilon: number; batch: number; nodes: number; dt: number; kernelOrder: number; nonlocal: boolean };
  times: number[];
  pdeRisk: number[];
  varInitRisk: number[];
  /** I_C(T) and I_I(T) for R (null if the noise is not available). */
  noiseCommonRisk: number[] | null;
  noiseSameUnitRisk: number[] | null;
  variancePartsRisk: ObservablePrediction['parts'];
  predictedStdRisk: number[];
  /** E R_N − R_PDE: C1/N at t = 0, null (not predicted) at t > 0. */
  meanShiftRisk: (number | null)[];
  pdeMeanRadius: number[];
  varInitMeanRadius: number[];
  noiseCommonMeanRadius: number[] | null;
  noiseSameUnitMeanRadius: number[] | null;
  variancePartsMeanRadius: ObservablePrediction['parts'];
  predictedStdMeanRadius: number[];
  /**
   * E mean radius − PDE: the O(εd) Itô shift (ε/B) J(T) (null if the noise is not available). The
   * O(1/N) shift at t > 0 (second-order theory) is not included.
   */
  meanShiftMeanRadius: number[] | null;
  /** C1 = ∫ u_diag ρ̄_0 − ∫∫ u_d ρ̄_0 ρ̄_0. */
  c1: number;
  noise: FluctuationPrediction['noise'];
  warnings: CltWarning[];
}

/** A radial CLT problem of a model with the `clt` capability. */
export interface CltInput {
  clt: CltCapability;
  /** Truncation order of the separable kernel (`clt.kernelOrder` chooses one from a tolerance). */
  kernelOrder: number;
  /** Quadrature of ρ̄_0 (weights summing to 1). */
  nodes: Float64Array;
  weights: Float64Array;
  schedule: StepSchedule;
  saveTimes: readonly number[];
}

/** C1 = Σ_j P_j U(X_j, X_j) − Σ_f A_f², A_f = Σ_j P_j Φ_f(X_j) (src/clt/README.md, "The 1/N bias at t = 0"). */
export function c1Coefficient(selfInteraction: (r: number) => number, kernel: RadialKernelModel, nodes: Float64Array, weights: Float64Array): number {
  const phi = new Float64Array(kernel.rank);
  const moments = new Float64Array(kernel.rank);
  let diag = 0;
  for (let j = 0; j < nodes.length; j++) {
    kernel.features(nodes[j], phi);
    for (let f = 0; f < kernel.rank; f++) moments[f] += weights[j] * phi[f];
    diag += weights[j] * selfInteraction(nodes[j]);
  }
  let pair = 0;
  for (let f = 0; f < kernel.rank; f++) pair += moments[f] * moments[f];
  return diag - pair;
}

/** Risk and mean-radius fluctuations of a radial CLT problem (src/clt/README.md, "Assembly"). */
export function predictClt(input: CltInput, options: FluctuationOptions & { radialNodes?: number }, control: PredictionControl = {}): CltPrediction {
  const { clt, kernelOrder, nodes, weights, schedule, saveTimes } = input;
  const kernel = clt.kernel(kernelOrder);
  const noise = clt.sgdNoise({ radialNodes: options.radialNodes });
  const o = checkOptions(options);
  const pred = predictFluctuations({ model: kernel, nodes, weights, schedule }, saveTimes, [riskObservable(kernel), meanRadius], noise, options, control);
  const [risk, radius] = pred.observables;
  const c1 = c1Coefficient((r) => clt.selfInteraction(r), kernel, nodes, weights);
  return {
    kind: 'meanfield.clt',
    settings: { n: o.n, epsilon: o.epsilon, batch: o.batch, nodes: nodes.length, dt: pred.dt, kernelOrder, nonlocal: o.nonlocal },
    times: pred.times,
    pdeRisk: risk.pde,
    varInitRisk: risk.varInit,
    noiseCommonRisk: risk.noiseCommon,
    noiseSameUnitRisk: risk.noiseSameUnit,
    variancePartsRisk: risk.parts,
    predictedStdRisk: risk.predictedStd,
    meanShiftRisk: pred.times.map((t) => (t === 0 ? c1 / o.n : null)),
    pdeMeanRadius: radius.pde,
    varInitMeanRadius: radius.varInit,
    noiseCommonMeanRadius: radius.noiseCommon,
    noiseSameUnitMeanRadius: radius.noiseSameUnit,
    variancePartsMeanRadius: radius.parts,
    predictedStdMeanRadius: radius.predictedStd,
    meanShiftMeanRadius: radius.itoResponse ? radius.itoResponse.map((j) => (o.epsilon * j) / o.batch) : null,
    c1,
    noise: pred.noise,
    warnings: pred.warnings,
  };
}

/** What may override a run's `particles` block and the prediction's numerics (and the ablation switch). */
export type PredictionOverrides = Partial<FluctuationOptions> & { kernelOrder?: number; radialNodes?: number };

function isCltCapability(x: unknown): x is CltCapability {
  if (x === null || typeof x !== 'object') return false;
  const c = x as Record<string, unknown>;
  return ['initialLaw', 'kernelOrder', 'kernel', 'selfInteraction', 'sgdNoise'].every((key) => typeof c[key] === 'function');
}

/** The model's `clt` capability, or a ConfigError naming it. */
export function cltCapabilityOf(model: Model, command = 'the CLT prediction'): CltCapability {
  const clt = model.capabilities?.clt;
  if (!isCltCapability(clt)) {
    throw new ConfigError('model.name', `${command} needs the clt capability; model "${model.name}" (${model.label}) has ${clt === undefined ? 'none' : 'an incomplete one'}`);
  }
  return clt;
}

/**
 * The prediction for a validated run: model, initial law, schedule and save times from the run, N,
 * ε, B from its `particles` block (overridable). Noisy SGD (`noise`) and trained a, b are not
 * covered by this CLT; the model's capability names the initial laws it cannot integrate.
 */
export function predictFromRun(run: RunSpec, overrides: PredictionOverrides = {}, control: PredictionControl = {}): CltPrediction {
  const clt = cltCapabilityOf(run.model);
  if (run.noise) throw new ConfigError('noise', 'the CLT prediction is for noiseless online SGD (MMN eq. 3); remove "noise"');
  const particles = run.particles;
  if (particles?.trainA) throw new ConfigError('particles.trainA', 'must be false: the CLT prediction covers units with a = 1, b = 0 fixed');
  if (particles?.trainB) throw new ConfigError('particles.trainB', 'must be false: the CLT prediction covers units with a = 1, b = 0 fixed');
  const n = overrides.n ?? particles?.n;
  const epsilon = overrides.epsilon ?? particles?.epsilon;
  if (n === undefined || epsilon === undefined) throw new ConfigError('particles', 'needs n and epsilon (and optionally batch) for the CLT prediction');
  const kernelOrder = overrides.kernelOrder ?? clt.kernelOrder(run.solver.kernelTolerance, run.grid);
  const law = clt.initialLaw(run.init, run.grid);
  return predictClt(
    { clt, kernelOrder, nodes: law.nodes, weights: law.weights, schedule: run.schedule, saveTimes: run.saveTimes },
    { ...overrides, n, epsilon, batch: overrides.batch ?? particles?.batch ?? 1 },
    control,
  );
}
