/**
 * The initial-law part of the seed-to-seed spread of R_N along full-batch GD, for any model whose
 * reduced side has weighted characteristics (`initialNodes` + `characteristics`, src/model.ts).
 * README.md ("Initial-law variance along GD by weighted characteristics") has the derivation:
 *
 *   R_N(t) − R(ρ_t) ≈ ⟨g_t, ρ̂_N(0) − ρ_0⟩,   g_t(θ) = δR(ρ_t)/δρ_0(θ),
 *   std R_N(t) ≈ √(Var_{ρ0}[g_t] / N)   (i.i.d. units; no SGD noise for GD; O(1/N) corrections).
 *
 * Weighted nodes (θ_j, P_j) moved by the characteristics carry any nonnegative measure Σ P_j δ_θj
 * exactly, and a node's velocity does not depend on its own weight, so g_t(θ_j) = ∂R(t)/∂P_j (a free,
 * unnormalised weight) — computed by central differences P_j ± h_j, h_j = relativeStep·P_j, on the
 * same fixed RK4 steps as the base solve (so the difference is smooth in h and its error O(h²)).
 * Then Var_{ρ0}[g_t] = Σ_j P_j g_j² − (Σ_j P_j g_j)² by the same quadrature. Cost: 2M + 1 solves on
 * M nodes (a small node set: the default is 8 × 8 for two coordinates).
 */
import { ConfigError } from '../errors.ts';
import type { ReducedSide } from '../model.ts';
import type { RunSpec } from '../spec/index.ts';
import { solveCharacteristicsNd, type SeparableReducedModel } from '../../solvers/characteristics-nd.ts';

export interface InitialVarianceOptions {
  /** Nodes: panels × nodesPerPanel per coordinate (default 2 × 4: 64 nodes for two coordinates, 129 solves). */
  readonly panels?: number;
  readonly nodesPerPanel?: number;
  /** Fixed RK4 step (default 0.05: RK4's error there is far below the sampling error the prediction is compared with). */
  readonly dt?: number;
  /** h_j / P_j of the central differences (default 1e-3). */
  readonly relativeStep?: number;
  /** Polled between solves; true abandons the prediction (Error named 'Interrupted'). */
  readonly shouldStop?: () => boolean;
}

export interface InitialVariancePrediction {
  kind: 'meanfield.initial-variance';
  method: string;
  times: number[];
  pdeRisk: number[];
  /** Var_{ρ0}[g_t] at each save time: N·Var R_N to leading order. */
  varInitRisk: number[];
  /** √(Var_init/N) for the run's N. */
  predictedStdRisk: number[];
  n: number;
  nodes: number;
  dt: number;
  relativeStep: number;
  kernel: { order: number; bound: number; description: string };
}

function reducedWithNodes(run: RunSpec): ReducedSide & Required<Pick<ReducedSide, 'initialNodes' | 'characteristics'>> {
  const reduced = run.model.reduced;
  if (!reduced?.initialNodes || !reduced.characteristics) {
    throw new ConfigError('model', `the initial-law variance needs weighted characteristics; model "${run.model.name}" (${run.model.label}) has none on this domain`);
  }
  return reduced as ReducedSide & Required<Pick<ReducedSide, 'initialNodes' | 'characteristics'>>;
}

/** R(t) at the save times of the weighted nodes (fixed RK4 steps). */
function riskPath(model: SeparableReducedModel, nodes: Float64Array, weights: Float64Array, run: RunSpec, dt: number) {
  return solveCharacteristicsNd({ model, nodes, weights, schedule: run.schedule }, { saveTimes: run.saveTimes, dt });
}

/** The prediction for a GD run (its particles block gives N and ε). */
export function predictInitialVariance(run: RunSpec, options: InitialVarianceOptions = {}): InitialVariancePrediction {
  const particles = run.particles;
  if (!particles) throw new ConfigError('particles', 'is required: its n sets the predicted std');
  if ((particles.algorithm ?? 'sgd') !== 'gd') throw new ConfigError('particles.algorithm', 'the initial-law variance is the whole leading term for "gd" only (SGD adds noise terms this path does not compute)');
  const reduced = reducedWithNodes(run);
  const panels = options.panels ?? 2;
  const nodesPerPanel = options.nodesPerPanel ?? 4;
  const dt = options.dt ?? 0.05;
  const relativeStep = options.relativeStep ?? 1e-3;
  const start = reduced.initialNodes(run.init, { panels, nodesPerPanel }, run.grid);
  const weights = Float64Array.from(start.weights);
  const M = weights.length;
  // the kernel order of the base path's visited region, then fixed for every perturbed solve
  let adapter = reduced.characteristics({ positions: [start.nodes], weights }, run.solver.kernelTolerance);
  let base = riskPath(adapter.model, start.nodes, weights, run, dt);
  const visited = reduced.characteristics({ positions: base.positions, weights }, run.solver.kernelTolerance);
  if (visited.order > adapter.order) {
    adapter = visited;
    base = riskPath(adapter.model, start.nodes, weights, run, dt);
  }
  const T = base.times.length;
  const g = Array.from({ length: T }, () => new Float64Array(M));
  const perturbed = Float64Array.from(weights);
  for (let j = 0; j < M; j++) {
    if (options.shouldStop?.()) throw Object.assign(new Error('initial-law variance interrupted'), { name: 'Interrupted' });
    const h = relativeStep * weights[j];
    if (h === 0) continue;
    perturbed[j] = weights[j] + h;
    const up = riskPath(adapter.model, start.nodes, perturbed, run, dt).risk;
    perturbed[j] = weights[j] - h;
    const down = riskPath(adapter.model, start.nodes, perturbed, run, dt).risk;
    perturbed[j] = weights[j];
    for (let k = 0; k < T; k++) g[k][j] = (up[k] - down[k]) / (2 * h);
  }
  const varInitRisk = g.map((gk) => {
    let m = 0;
    let s = 0;
    for (let j = 0; j < M; j++) {
      m += weights[j] * gk[j];
      s += weights[j] * gk[j] * gk[j];
    }
    return Math.max(0, s - m * m);
  });
  return {
    kind: 'meanfield.initial-variance',
    method: `initial-law variance along GD: ∂R(t)/∂P_j by central differences (h = ${relativeStep}·P_j) on ${M} weighted characteristics nodes, RK4 with fixed step ${dt}`,
    times: base.times,
    pdeRisk: base.risk,
    varInitRisk,
    predictedStdRisk: varInitRisk.map((v) => Math.sqrt(v / particles.n)),
    n: particles.n,
    nodes: M,
    dt,
    relativeStep,
    kernel: { order: adapter.order, bound: adapter.bound, description: adapter.description },
  };
}
