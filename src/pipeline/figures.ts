/**
 * Figure pipeline: MMN Fig. 3 and Fig. 4 end to end, PDE vs particles, for a base config and a list
 * of variants overlaid in one report (configs: src/io/nd-config.ts).
 *
 * Anisotropic models (MMN "A better activation function", Fig. 3; REDUCED-MODELS.md §4):
 *   PDE       the noiseless reduced DD on (a, b, r1, r2) by weighted characteristics
 *             (solvers/characteristics-nd.ts): nodes = tensor Gauss–Legendre quadrature of the two chi
 *             laws of (r1, r2) at a = a0, b = b0 (a point mass in (a, b)), separable finite-(d, s0)
 *             kernel with K from a truncation tolerance (checked a posteriori on the visited range),
 *             RK4 with step doubling; a coarser-node run estimates the quadrature error;
 *   d = ∞     the same at d = ∞ (rank-2 kernel): the radii concentrate at (s√γ, s√(1−γ)), so the law is
 *             one node and stays a point mass forever (all units move alike). At finite d the O(d^{-1/2})
 *             spread of (r1, r2) seeds the splitting of the units that lowers the risk; the d = ∞ point
 *             mass cannot split. So the two PDE curves differ by O(1/d) only until the finite-d
 *             solution splits; after that the gap is O(1) (stated in the report with numbers);
 *   particles K independent online-SGD replicas in R^d (src/particles), exact R_N at the actual angles.
 * Isotropic model (MMN "Predicting failure", Fig. 4; eq. 13):
 *   PDE       finite volumes on r = |w| (solvers/finite-volume.ts, as `solve`), with an independent
 *             characteristics check (1-D case of the n-D solver, r ≥ 0 enforced in every RK stage);
 *   particles as above.
 * Comparison at every save time: R_N − R(ρ̄_t) (with the i.i.d. O(1/N) size C1(t)/N, C1 = ∫u_diag dρ̄ −
 * ∫∫u dρ̄dρ̄), the means of the coordinates, per-axis marginal W1 and sliced W1 (fixed random unit
 * directions, seeded) between the particles' reduced coordinates and the PDE's weighted nodes
 * (src/diagnostics/weighted.ts), or W1 against the finite-volume density (1-D).
 *
 * All PDE solves and particle replicas are independent tasks of the worker pool
 * (src/parallel/pool.ts: `variantPdeTask`, `replicaTask`); a replica k of variant v uses (seed, stream k), so results do not depend on
 * the number of workers.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { Rng } from '../rng.ts';
import type { Provenance } from '../types.ts';
import { makeProvenance, toJson, writeFileAtomic } from '../io/output.ts';
import { buildAnisotropicModel, parseFigureConfig, type AnisotropicModelConfig, type FigureConfig, type FigureVariant } from '../io/nd-config.ts';
import { lineFigure, colorAt, type Series } from '../plot/figures.ts';
import { renderReport, type ReportSection } from '../plot/html-report.ts';
import { mean, std } from '../diagnostics/stats.ts';
import { wassersteinSampleGrid } from '../diagnostics/wasserstein.ts';
import { marginalWasserstein1, randomDirections, slicedWasserstein1 } from '../diagnostics/weighted.ts';
import { replicaTaskOf, type EnsembleSpec } from '../particles/ensemble.ts';
import * as pool from '../parallel/pool.ts';
import type { ParticleRun } from '../particles/sgd.ts';
import { solve } from '../../solvers/finite-volume.ts';
import { chiLogDensity, radialQuadrature } from '../../solvers/characteristics.ts';
import {
  anisotropicReducedModel, chiPairQuadrature, isotropicReducedModel, solveCharacteristicsNd, withConstantCoordinates,
  type CharacteristicsNdTrajectory,
} from '../../solvers/characteristics-nd.ts';
import type { AnisotropicModel, PointLattice } from '../../reduced-models/anisotropic-gaussians/index.ts';
import { setUpProblem } from './solve.ts';

export interface FigureControl {
  /** Worker threads (default: all cores, at most one per task); 0 runs every task in the calling thread. */
  workers?: number;
  /** Overrides particles.seeds of every variant. */
  seeds?: number;
  /** Merge the config's "paper" block (MMN's horizon / step size; slow). */
  paper?: boolean;
  /** Polled every 100 ms; true stops every task after its current step (finished save times are kept). */
  shouldStop?: () => boolean;
  /** One-line progress messages (at most ~1 per second). */
  onProgress?: (message: string) => void;
}

/** The PDE side of one variant. */
export interface VariantPde {
  /** One line: method, nodes or cells, kernel. */
  method: string;
  coordinates: string[];
  times: number[];
  risk: number[];
  /** means[axis][k], stds[axis][k] of each reduced coordinate under ρ̄_t. */
  means: number[][];
  stds: number[][];
  /** C1(t) = ∫u_diag dρ̄_t − ∫∫u dρ̄_t dρ̄_t: E R_N − R = C1/N for N i.i.d. units from ρ̄_t. */
  c1: number[];
  kernel: { order: number; rank: number; bound: number; description: string };
  steps: number;
  rejected: number;
  ms: number;
  stoppedEarly: boolean;
  /** Characteristics: node positions at each save time (point-major) and their weights. */
  nodes?: { count: number; positions: Float64Array[]; weights: Float64Array };
  /** Finite volumes (isotropic model). */
  fv?: {
    axis: { lo: number; hi: number; cells: number };
    centres: Float64Array;
    cellWidth: number;
    mass: number[];
    minMass: number[];
    density: Float64Array[];
    initialTruncatedMass: number;
    scheme: string;
  };
  /** An independent second solution: coarser nodes (anisotropic) or characteristics (isotropic). */
  check: {
    label: string; nodes: number; risk: number[]; means: number[][]; maxRiskDiff: number; maxMeanDiff: number[];
    /** Node positions and weights of the check run (characteristics), for its W1 to the main solution. */
    positions?: Float64Array[]; weights?: Float64Array;
  } | null;
  /** d = ∞ (anisotropic, pde.infinite): one node. */
  infinity: { risk: number[]; means: number[][]; steps: number } | null;
}

export interface VariantParticles {
  n: number;
  epsilon: number;
  batch: number;
  seeds: number;
  trainA: boolean;
  trainB: boolean;
  /** Exact population risk R_N: replica mean, std across replicas (0 for one replica), per replica. */
  risk: number[];
  riskStd: number[];
  riskPerSeed: number[][];
  /** Replica mean of the unit mean of each coordinate (means[axis][k]) and its std across replicas. */
  means: number[][];
  meanStds: number[][];
  /** Replica mean of the spread (std over units) of each coordinate. */
  unitStds: number[][];
  completed: boolean;
  stoppedAt: number | null;
  stepsMs: number;
}

export interface VariantResult {
  label: string;
  variant: FigureVariant;
  /** Save times reached by the PDE and every replica. */
  times: number[];
  coordinates: string[];
  pde: VariantPde;
  particles: VariantParticles;
  /** R_N − R(ρ̄_t) (replica mean) and the i.i.d. O(1/N) size C1(t)/N. */
  gap: number[];
  iidBias: number[];
  /** d = ∞ minus finite d: risk and coordinate means (anisotropic with pde.infinite). */
  infinityGap: { risk: number[]; means: number[][] } | null;
  distances: {
    /** Per-axis W1 between the particles and ρ̄_t: replica mean and std, [axis][k]. */
    marginalW1: number[][];
    marginalW1Std: number[][];
    /** Sliced W1 over `directions` fixed random unit directions (ndim > 1 only). */
    slicedW1: number[] | null;
    slicedW1Std: number[] | null;
    directions: number;
    /** What the particles are compared with. */
    reference: string;
    /**
     * The PDE's own discretisation floor: the same distances between the main and the check node sets
     * (coarser quadrature), marginal [axis][k] and sliced [k]; null without a node check.
     */
    resolution: { marginalW1: number[][]; slicedW1: number[] | null } | null;
  };
}

export interface FigureResult {
  kind: 'meanfield.figure';
  provenance: Provenance;
  path: 'anisotropic' | 'isotropic';
  description?: string;
  paper: boolean;
  config: FigureConfig;
  variants: VariantResult[];
  completed: boolean;
}

// ─── PDE (runs in a worker) ─────────────────────────────────────────────────────────────────

export interface PdeControl {
  shouldStop?: () => boolean;
  onProgress?: (t: number) => void;
}

const linspace = (lo: number, hi: number, n: number): number[] =>
  hi > lo ? Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1)) : [lo];

/**
 * Lattice for the truncation bound: per coordinate, 12 values spanning the weighted [0.1 %, 99.9 %]
 * quantile range of the nodes over all the given save times (|a| bound from the same range). Nodes
 * outside carry < 0.2 % of the mass per coordinate and time; their own kernel error is not bounded.
 */
function massLattice(positions: readonly Float64Array[], weights: Float64Array, ndim: number): PointLattice {
  const lo = new Array(ndim).fill(Infinity);
  const hi = new Array(ndim).fill(-Infinity);
  const n = weights.length;
  const order = new Array<number>(n);
  for (const x of positions) {
    for (let a = 0; a < ndim; a++) {
      for (let j = 0; j < n; j++) order[j] = j;
      order.sort((i, j) => x[i * ndim + a] - x[j * ndim + a]);
      let c = 0;
      let qlo = x[order[0] * ndim + a];
      let qhi = x[order[n - 1] * ndim + a];
      for (let k = 0; k < n; k++) {
        c += weights[order[k]];
        if (c < 1e-3) qlo = x[order[Math.min(n - 1, k + 1)] * ndim + a];
        if (c > 1 - 1e-3) {
          qhi = x[order[k] * ndim + a];
          break;
        }
      }
      lo[a] = Math.min(lo[a], qlo);
      hi[a] = Math.max(hi[a], qhi);
    }
  }
  const o = ndim - 2;
  return {
    aMaxSquared: ndim === 4 ? Math.max(lo[0] * lo[0], hi[0] * hi[0]) : 1,
    b: ndim === 4 ? linspace(lo[1], hi[1], 12) : [0],
    r1: linspace(lo[o], hi[o], 12),
    r2: linspace(lo[o + 1], hi[o + 1], 12),
  };
}

/** C1 = Σ_j P_j u_diag(θ_j) − |A|², A_f = Σ_j P_j Φ_f(θ_j) (K-truncated kernel). */
function iidConstant(model: AnisotropicModel, K: number, x: Float64Array, w: Float64Array): number {
  const n = w.length;
  const D = model.ndim;
  const F = model.featureCount(K);
  const phi = model.features(x, K);
  let energy = 0;
  for (let f = 0; f < F; f++) {
    let A = 0;
    for (let j = 0; j < n; j++) A += w[j] * phi[f * n + j];
    energy += A * A;
  }
  let diag = 0;
  for (let j = 0; j < n; j++) if (w[j] !== 0) diag += w[j] * model.uDiag(x.subarray(j * D, (j + 1) * D));
  return diag - energy;
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  let m = 0;
  for (let k = 0; k < Math.min(a.length, b.length); k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

function anisotropicPde(v: FigureVariant, control: PdeControl): VariantPde {
  const t0 = performance.now();
  const cfg = v.model as AnisotropicModelConfig;
  const pde = v.pde!;
  const model = buildAnisotropicModel(cfg);
  const D = model.ndim;
  const constants = D === 4 ? [v.init.a, v.init.b] : [];
  const frozenAxes = D === 4 ? [...(v.particles.trainA ? [] : [0]), ...(v.particles.trainB ? [] : [1])] : [];
  const quadrature = (nodesPerPanel: number) => {
    const q = chiPairQuadrature({ d: cfg.d, s0: cfg.s0, scale: v.init.scale, panels: pde.panels, nodesPerPanel });
    return { nodes: withConstantCoordinates(q.nodes, constants), weights: q.weights };
  };
  const run = (m: AnisotropicModel, K: number, q: { nodes: Float64Array; weights: Float64Array }, progress: boolean): CharacteristicsNdTrajectory =>
    solveCharacteristicsNd(
      { model: anisotropicReducedModel(m, K), nodes: q.nodes, weights: q.weights, schedule: v.schedule },
      {
        saveTimes: v.saveTimes, dt: pde.dt, tolerance: pde.tolerance, dtMax: pde.dtMax, frozenAxes,
        shouldStop: control.shouldStop, onProgress: progress && control.onProgress ? (t) => control.onProgress!(t) : undefined,
      },
    );
  const main = quadrature(pde.nodesPerPanel);
  // K from the initial nodes, then re-checked on the range the nodes visited (once more if it grew)
  let K = model.truncationOrder(massLattice([main.nodes], main.weights, D), pde.kernelTolerance).order;
  let traj = run(model, K, main, true);
  let attempts = 0;
  for (;;) {
    const need = model.truncationOrder(massLattice(traj.positions, traj.weights, D), pde.kernelTolerance).order;
    if (need <= K || attempts >= 2 || traj.stoppedEarly) break;
    K = need;
    attempts++;
    traj = run(model, K, main, true);
  }
  const lattice = massLattice(traj.positions, traj.weights, D);
  const bound = model.truncationBounds(lattice)[K / 2];
  const rank = model.featureCount(K);
  let check: VariantPde['check'] = null;
  if (pde.checkNodesPerPanel > 0 && !traj.stoppedEarly) {
    const q = quadrature(pde.checkNodesPerPanel);
    const c = run(model, K, q, false);
    if (!c.stoppedEarly) {
      check = {
        label: `characteristics, ${pde.panels * pde.checkNodesPerPanel}² nodes`,
        nodes: q.weights.length,
        risk: c.risk,
        means: c.means,
        maxRiskDiff: maxAbsDiff(traj.risk, c.risk),
        maxMeanDiff: traj.means.map((m, a) => maxAbsDiff(m, c.means[a])),
        positions: c.positions,
        weights: c.weights,
      };
    }
  }
  let infinity: VariantPde['infinity'] = null;
  if (pde.infinite && !traj.stoppedEarly) {
    const mInf = buildAnisotropicModel(cfg, true);
    const q = chiPairQuadrature({ d: 'inf', gamma: cfg.s0 / cfg.d, scale: v.init.scale });
    const c = run(mInf, 0, { nodes: withConstantCoordinates(q.nodes, constants), weights: q.weights }, false);
    if (!c.stoppedEarly) infinity = { risk: c.risk, means: c.means, steps: c.steps };
  }
  const c1 = traj.positions.map((x) => iidConstant(model, K, x, traj.weights));
  const n = main.weights.length;
  return {
    method: `characteristics (n-D, RK4 step doubling tol ${pde.tolerance}), ${pde.panels * pde.nodesPerPanel}² = ${n} weighted nodes`,
    coordinates: model.coordinates.map((c) => c.name),
    times: traj.times,
    risk: traj.risk,
    means: traj.means,
    stds: traj.stds,
    c1,
    kernel: {
      order: K,
      rank,
      bound,
      description:
        `${model.name} separable rank ${rank} (K = ${K}, d = ${cfg.d}, s0 = ${cfg.s0}, Δ = ${cfg.delta}); truncation bound ${bound.toExponential(2)} ` +
        `on a 12-point-per-axis lattice spanning the weighted 0.1–99.9 % range of (b, r1, r2) over the run, |a| <= ${Math.sqrt(lattice.aMaxSquared).toFixed(3)} (tolerance ${pde.kernelTolerance})`,
    },
    steps: traj.steps,
    rejected: traj.rejected,
    ms: performance.now() - t0,
    stoppedEarly: traj.stoppedEarly,
    nodes: { count: n, positions: traj.positions, weights: traj.weights },
    check,
    infinity,
  };
}

function isotropicPde(v: FigureVariant, control: PdeControl): VariantPde {
  const t0 = performance.now();
  const config = v.run!;
  const setup = setUpProblem(config);
  const { model, grid, operators, initial, kernelOrder } = setup;
  if (model.d === 'inf') throw new ConfigError('model.d', 'particles need a finite dimension d');
  const traj = solve(
    { operators, initialMass: initial, schedule: config.schedule },
    {
      saveTimes: config.saveTimes, scheme: config.solver.scheme, cfl: config.solver.cfl, dt: config.solver.dt,
      reconstruction: config.solver.reconstruction, shouldStop: control.shouldStop,
      onProgress: control.onProgress ? (t) => control.onProgress!(t) : undefined,
    },
  );
  const centres = grid.centres[0];
  const c1 = traj.snapshots.map((P) => {
    let diag = 0;
    for (let j = 0; j < P.length; j++) if (P[j] !== 0) diag += P[j] * model.uDiag(centres[j]);
    return diag - operators.interaction.energy(P);
  });
  const stds = traj.snapshots.map((P, k) => {
    const m = traj.means[0][k];
    let s = 0;
    let tot = 0;
    for (let j = 0; j < P.length; j++) {
      s += P[j] * (centres[j] - m) ** 2;
      tot += P[j];
    }
    return Math.sqrt(s / tot);
  });
  let check: VariantPde['check'] = null;
  if (!traj.stoppedEarly) {
    // independent: weighted radial characteristics (r ≥ 0 in every RK stage; ψ'(0+) may be > 0)
    const K = Math.max(kernelOrder, 16);
    const q = radialQuadrature(chiLogDensity(model.d, v.init.scale), config.grid.rMax, 8, 25);
    const ch = solveCharacteristicsNd(
      { model: isotropicReducedModel(model, K), nodes: q.nodes, weights: q.weights, schedule: config.schedule },
      { saveTimes: config.saveTimes, dt: 1e-3, tolerance: 1e-8, dtMax: 0.5, shouldStop: control.shouldStop },
    );
    if (!ch.stoppedEarly) {
      check = {
        label: `characteristics (1-D, ${q.weights.length} nodes, K = ${K})`,
        nodes: q.weights.length,
        risk: ch.risk,
        means: ch.means,
        maxRiskDiff: maxAbsDiff(traj.risk, ch.risk),
        maxMeanDiff: [maxAbsDiff(traj.means[0], ch.means[0])],
      };
    }
  }
  const axis = grid.axes[0];
  return {
    method: `finite volumes (${traj.scheme}, ${traj.reconstruction}) on ${axis.cells} cells over [0, ${axis.hi}]`,
    coordinates: ['r'],
    times: traj.times,
    risk: traj.risk,
    means: [traj.means[0]],
    stds: [stds],
    c1,
    kernel: { order: kernelOrder, rank: model.featureCount(kernelOrder), bound: model.truncationBound(kernelOrder, axis.hi), description: operators.interaction.description },
    steps: traj.steps,
    rejected: traj.rejectedSteps,
    ms: performance.now() - t0,
    stoppedEarly: traj.stoppedEarly,
    fv: {
      axis: { lo: axis.lo, hi: axis.hi, cells: axis.cells },
      centres,
      cellWidth: grid.spacing[0],
      mass: traj.mass,
      minMass: traj.minMass,
      density: traj.snapshots,
      initialTruncatedMass: setup.truncatedMass,
      scheme: `${traj.scheme}/${traj.reconstruction}`,
    },
    check,
    infinity: null,
  };
}

/** The PDE side of one variant (what a figures worker runs). */
export function computeVariantPde(v: FigureVariant, control: PdeControl = {}): VariantPde {
  return v.model.name === 'isotropic-gaussians' ? isotropicPde(v, control) : anisotropicPde(v, control);
}

// ─── task pool ──────────────────────────────────────────────────────────────────────────────

type Task = { kind: 'pde'; variant: number } | { kind: 'run'; variant: number; replica: number };

export function ensembleSpec(v: FigureVariant, seed: number): EnsembleSpec {
  return {
    model: { name: v.model.name, params: v.model as unknown as Record<string, unknown> },
    options: {
      n: v.particles.n,
      init: { w: { kind: 'gaussian', scale: v.init.scale }, a: v.init.a, b: v.init.b },
      epsilon: v.particles.epsilon,
      schedule: v.schedule,
      batch: v.particles.batch,
      trainA: v.particles.trainA,
      trainB: v.particles.trainB,
      saveTimes: v.saveTimes,
      seed,
    },
  };
}

/** `computeVariantPde` as a pool task (src/parallel/pool.ts); progress messages are the time t reached. */
export function variantPdeTask(variant: FigureVariant, context: pool.TaskContext): VariantPde {
  return computeVariantPde(variant, { shouldStop: context.shouldStop, onProgress: (t) => context.progress(t) });
}

async function runTasks(config: FigureConfig, tasks: Task[], workers: number, control: FigureControl): Promise<Array<VariantPde | ParticleRun | null>> {
  const progress = new Map<number, string>();
  let lastMessage = 0;
  const report = (id: number, text: string) => {
    progress.set(id, text);
    const now = performance.now();
    if (control.onProgress && now - lastMessage > 1000) {
      lastMessage = now;
      control.onProgress([...progress.values()].join(' | '));
    }
  };
  const poolTask = (task: Task): pool.Task =>
    task.kind === 'pde'
      ? { module: import.meta.url, export: 'variantPdeTask', input: config.variants[task.variant] }
      : replicaTaskOf(ensembleSpec(config.variants[task.variant], config.seed), task.replica);
  const text = (task: Task, message: unknown) => {
    const v = config.variants[task.variant];
    if (task.kind === 'pde') return `PDE ${v.label}: t = ${(message as number).toPrecision(4)} / ${v.saveTimes[v.saveTimes.length - 1]}`;
    const p = message as { step: number; totalSteps: number };
    return `${v.label} replica ${task.replica + 1}: step ${p.step}/${p.totalSteps}`;
  };
  const { results } = await pool.runTasks<VariantPde | ParticleRun>(tasks.map(poolTask), {
    workers,
    shouldStop: control.shouldStop,
    pollMs: 100,
    progressMs: 500,
    onProgress: (id, message) => report(id, text(tasks[id], message)),
    onDone: (id) => progress.delete(id),
  });
  return results;
}

// ─── comparison ─────────────────────────────────────────────────────────────────────────────

const sd = (x: number[]) => (x.length > 1 ? std(x) : 0);

function compareVariant(config: FigureConfig, v: FigureVariant, pde: VariantPde, runs: ParticleRun[], directions: Float64Array): VariantResult {
  const D = pde.coordinates.length;
  const count = Math.min(pde.times.length, ...runs.map((r) => r.snapshots.length));
  const times = pde.times.slice(0, count);
  const N = v.particles.n;
  const zeros = () => Array.from({ length: D }, () => [] as number[]);
  const part = { risk: [] as number[], riskStd: [] as number[], riskPerSeed: [] as number[][], means: zeros(), meanStds: zeros(), unitStds: zeros() };
  const dist = { marginalW1: zeros(), marginalW1Std: zeros(), slicedW1: [] as number[], slicedW1Std: [] as number[] };
  for (let k = 0; k < count; k++) {
    const risks = runs.map((r) => {
      const x = r.snapshots[k].populationRisk;
      if (x === null) throw new Error(`figures: model ${v.model.name} gave no exact population risk`);
      return x;
    });
    part.riskPerSeed.push(risks);
    part.risk.push(mean(risks));
    part.riskStd.push(sd(risks));
    const perAxisMeans = zeros();
    const perAxisStds = zeros();
    const w1 = zeros();
    const sliced: number[] = [];
    for (const run of runs) {
      const red = run.snapshots[k].reduced;
      for (let a = 0; a < D; a++) {
        let m = 0;
        for (let i = 0; i < N; i++) m += red[i * D + a];
        m /= N;
        let s = 0;
        for (let i = 0; i < N; i++) s += (red[i * D + a] - m) ** 2;
        perAxisMeans[a].push(m);
        perAxisStds[a].push(Math.sqrt(s / (N - 1)));
      }
      if (pde.nodes) {
        const marg = marginalWasserstein1(red, undefined, pde.nodes.positions[k], pde.nodes.weights, D);
        marg.forEach((x, a) => w1[a].push(x));
        if (D > 1) sliced.push(slicedWasserstein1(red, undefined, pde.nodes.positions[k], pde.nodes.weights, D, directions));
      } else if (pde.fv) {
        w1[0].push(wassersteinSampleGrid(red, pde.fv.axis, pde.fv.density[k], 1));
      }
    }
    for (let a = 0; a < D; a++) {
      part.means[a].push(mean(perAxisMeans[a]));
      part.meanStds[a].push(sd(perAxisMeans[a]));
      part.unitStds[a].push(mean(perAxisStds[a]));
      dist.marginalW1[a].push(mean(w1[a]));
      dist.marginalW1Std[a].push(sd(w1[a]));
    }
    if (sliced.length > 0) {
      dist.slicedW1.push(mean(sliced));
      dist.slicedW1Std.push(sd(sliced));
    }
  }
  let resolution: VariantResult['distances']['resolution'] = null;
  const chk = pde.check;
  if (pde.nodes && chk?.positions && chk.weights) {
    const marg = Array.from({ length: D }, () => [] as number[]);
    const sl: number[] = [];
    for (let k = 0; k < count; k++) {
      marginalWasserstein1(pde.nodes.positions[k], pde.nodes.weights, chk.positions[k], chk.weights, D).forEach((x, a) => marg[a].push(x));
      if (D > 1) sl.push(slicedWasserstein1(pde.nodes.positions[k], pde.nodes.weights, chk.positions[k], chk.weights, D, directions));
    }
    resolution = { marginalW1: marg, slicedW1: D > 1 ? sl : null };
  }
  const stopped = runs.find((r) => r.stoppedAt !== null)?.stoppedAt ?? null;
  const inf = pde.infinity;
  return {
    label: v.label,
    variant: v,
    times,
    coordinates: pde.coordinates,
    pde,
    particles: {
      n: N,
      epsilon: v.particles.epsilon,
      batch: v.particles.batch,
      seeds: runs.length,
      trainA: v.particles.trainA,
      trainB: v.particles.trainB,
      ...part,
      completed: runs.length === v.particles.seeds && runs.every((r) => r.completed) && !pde.stoppedEarly,
      stoppedAt: stopped ? stopped.t : null,
      stepsMs: runs.reduce((s, r) => s + r.timings.stepsMs, 0),
    },
    gap: part.risk.map((r, k) => r - pde.risk[k]),
    iidBias: pde.c1.slice(0, count).map((c) => c / N),
    infinityGap: inf
      ? { risk: times.map((_, k) => inf.risk[k] - pde.risk[k]), means: pde.means.map((m, a) => times.map((_, k) => inf.means[a][k] - m[k])) }
      : null,
    distances: {
      ...dist,
      slicedW1: D > 1 && pde.nodes ? dist.slicedW1 : null,
      slicedW1Std: D > 1 && pde.nodes ? dist.slicedW1Std : null,
      directions: D > 1 && pde.nodes ? config.slicedDirections : 0,
      reference: pde.nodes ? `the PDE's ${pde.nodes.count} weighted nodes` : 'the finite-volume density (exact 1-D quantile formula)',
      resolution,
    },
  };
}

/**
 * Runs a figure config (parsed JSON, see src/io/nd-config.ts): every variant's PDE and particle
 * replicas, then the comparison. Rejects with a ConfigError naming the field for a bad config.
 */
export async function runFigure(raw: unknown, control: FigureControl = {}): Promise<FigureResult> {
  const t0 = performance.now();
  const config = parseFigureConfig(raw, { paper: control.paper, seeds: control.seeds });
  // variants that differ only in their particles share one PDE solution
  const pdeKey = (v: FigureVariant) =>
    JSON.stringify([v.model, v.init, v.schedule, v.saveTimes, v.pde ?? null, v.run ?? null, v.particles.trainA, v.particles.trainB]);
  const pdeOwner = new Map<string, number>();
  const pdeSource = config.variants.map((v, i) => {
    const key = pdeKey(v);
    if (!pdeOwner.has(key)) pdeOwner.set(key, i);
    return pdeOwner.get(key)!;
  });
  const tasks: Task[] = [...new Set(pdeSource)].map((i) => ({ kind: 'pde' as const, variant: i }));
  config.variants.forEach((v, i) => {
    for (let k = 0; k < v.particles.seeds; k++) tasks.push({ kind: 'run', variant: i, replica: k });
  });
  const workers = control.workers === 0 ? 0 : Math.max(1, Math.min(control.workers ?? availableParallelism(), tasks.length));
  const results = await runTasks(config, tasks, workers, control);
  const tRun = performance.now();
  const D = config.path === 'anisotropic' ? buildAnisotropicModel(config.variants[0].model as AnisotropicModelConfig).ndim : 1;
  const directions = randomDirections(D, config.slicedDirections, new Rng(config.seed, 0x51ced));
  const variants: VariantResult[] = [];
  let completed = true;
  config.variants.forEach((v, i) => {
    const pdeTask = tasks.findIndex((t) => t.kind === 'pde' && t.variant === pdeSource[i]);
    const pde = results[pdeTask] as VariantPde | null;
    const runs = tasks
      .map((t, id) => (t.kind === 'run' && t.variant === i ? (results[id] as ParticleRun | null) : null))
      .filter((r): r is ParticleRun => r !== null && r.snapshots.length > 0);
    if (!pde || runs.length === 0) {
      completed = false;
      return;
    }
    const r = compareVariant(config, v, pde, runs, directions);
    // the check run's nodes served the resolution distances; they are not written out
    if (r.pde.check) r.pde = { ...r.pde, check: { ...r.pde.check, positions: undefined, weights: undefined } };
    if (!r.particles.completed || r.times.length < v.saveTimes.length) completed = false;
    variants.push(r);
  });
  if (variants.length === 0) throw new Error('figures: interrupted before any variant had a PDE solution and a particle save time');
  const tEnd = performance.now();
  return {
    kind: 'meanfield.figure',
    provenance: makeProvenance(config.seed, { runMs: tRun - t0, diagnosticsMs: tEnd - tRun, totalMs: tEnd - t0, workers }),
    path: config.path,
    description: config.description,
    paper: config.paper,
    config,
    variants,
    completed,
  };
}

// ─── report ─────────────────────────────────────────────────────────────────────────────────

const fmt = (x: number, digits = 4) => (Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(digits) : x.toExponential(2));

/** Short lines for a terminal: per variant, the risks at the last common save time. */
export function figureSummaryLines(result: FigureResult): string[] {
  return result.variants.map((r) => {
    const k = r.times.length - 1;
    const inf = r.pde.infinity ? `, R(d=∞) ${fmt(r.pde.infinity.risk[k])}` : '';
    const std = r.particles.seeds > 1 ? ` ± ${fmt(r.particles.riskStd[k])}` : '';
    return `${r.label}: t = ${r.times[k]}: R PDE ${fmt(r.pde.risk[k])}${inf}, R_N ${fmt(r.particles.risk[k])}${std} (${r.particles.seeds} seed(s), C1/N = ${fmt(r.iidBias[k])})`;
  });
}

/** Positive times only (log axes). */
function positive(times: number[], ys: number[], errors?: number[]): { x: number[]; y: number[]; e?: number[] } {
  const idx = times.map((t, k) => (t > 0 ? k : -1)).filter((k) => k >= 0);
  return { x: idx.map((k) => times[k]), y: idx.map((k) => ys[k]), e: errors ? idx.map((k) => errors[k]) : undefined };
}

function overlay(result: FigureResult, pick: (r: VariantResult) => { pde: number[]; inf?: number[]; check?: number[]; part: number[]; partErr: number[] }): Series[] {
  const series: Series[] = [];
  result.variants.forEach((r, i) => {
    const color = colorAt(i);
    const p = pick(r);
    const a = positive(r.times, p.pde);
    series.push({ name: `${r.label}: PDE${result.path === 'anisotropic' ? ` (d = ${(r.variant.model as AnisotropicModelConfig).d})` : ' (finite volumes)'}`, x: a.x, y: a.y, mode: 'lines', color });
    if (p.inf) {
      const b = positive(r.times, p.inf);
      series.push({ name: `${r.label}: PDE d = ∞`, x: b.x, y: b.y, mode: 'lines', dash: 'dash', color });
    }
    if (p.check) {
      const c = positive(r.times, p.check);
      series.push({ name: `${r.label}: ${r.pde.check!.label}`, x: c.x, y: c.y, mode: 'lines', dash: 'dot', color });
    }
    const q = positive(r.times, p.part, p.partErr);
    series.push({ name: `${r.label}: particles (N = ${r.particles.n}, ${r.particles.seeds} seed${r.particles.seeds > 1 ? 's' : ''})`, x: q.x, y: q.y, error: q.e, mode: 'markers', color });
  });
  return series;
}

export function figureReportSections(result: FigureResult): ReportSection[] {
  const sections: ReportSection[] = [];
  const aniso = result.path === 'anisotropic';
  const first = result.variants[0];
  const v0 = first.variant;
  const sched = v0.schedule.kind === 'power' ? `ξ(t) = (t + ${v0.schedule.t0})^(−${v0.schedule.alpha})` : `ξ(t) = ${v0.schedule.value}`;
  const seedsText = first.particles.seeds > 1 ? `mean ± std over ${first.particles.seeds} seeds` : 'one seed';
  if (!result.completed) sections.push({ title: 'Interrupted', text: 'The run was stopped early: only the save times reached by the PDE and every replica are shown.' });
  sections.push({
    title: 'Setup',
    text:
      (result.description ? `${result.description}\n\n` : '') +
      `${sched}; particles: online SGD (MMN eq. 3), N = ${first.particles.n}, ε = ${first.particles.epsilon}, ${seedsText}; ` +
      `R_N is the exact population risk at the actual angles (i = j terms included), so R_N − R(ρ̄_t) carries an O(1/N) bias ` +
      `(C1(t)/N for i.i.d. units, listed in the tables) besides O(N^-1/2) fluctuations.\n\n` +
      `PDE: ${first.pde.method}; ${first.pde.kernel.description}.` +
      (aniso
        ? '\n\nThe initial law has a = b fixed for every unit (a point mass in (a, b)) and (r1, r2) = (|P_V w|, |P_V⊥ w|) with independent chi laws of ' +
          'widths O(d^-1/2). The characteristics carry it exactly (a 4-D grid would smear the point mass over a cell). At d = ∞ the radii ' +
          'concentrate, the law is one node and stays a point mass: all units move alike and cannot split, which the finite-d law does once ' +
          'its O(d^-1/2) spread has been amplified. So the d = ∞ curve is O(1/d) from the finite-d one only before that split; see the gap section.'
        : '\n\nFinite volumes keep mass and positivity (tables); the characteristics solution is an independent check. With this σ, ψ\'(0+) ≠ 0 ' +
          '(kink at 0): units near r = 0 flow into r = 0, where the finite volumes pile the mass into the first cell. SGD noise keeps such ' +
          'units at a small radius of order ε d (Itô drift of the update), which is visible in the mean |w| and, through it, in R_N.'),
  });
  sections.push({
    title: 'Risk',
    figure: lineFigure('Risk: PDE (lines) vs particles (markers)', 't', 'risk', overlay(result, (r) => ({
      pde: r.pde.risk, inf: r.pde.infinity?.risk.slice(0, r.times.length), part: r.particles.risk, partErr: r.particles.riskStd,
      check: aniso ? undefined : r.pde.check?.risk.slice(0, r.times.length),
    })), { logX: true, logY: true }),
  });
  const axes = aniso ? first.coordinates : ['r'];
  for (const name of axes) {
    const a = first.coordinates.indexOf(name);
    sections.push({
      title: name === 'r' ? 'Mean |w|' : `Mean ${name}`,
      figure: lineFigure(name === 'r' ? 'mean |w| = mean r' : `mean ${name}`, 't', name, overlay(result, (r) => ({
        pde: r.pde.means[a], inf: r.pde.infinity?.means[a].slice(0, r.times.length), part: r.particles.means[a], partErr: r.particles.meanStds[a],
        check: aniso ? undefined : r.pde.check?.means[a].slice(0, r.times.length),
      })), { logX: true }),
    });
  }
  if (aniso && result.variants.some((r) => r.infinityGap)) {
    const series: Series[] = [];
    result.variants.forEach((r, i) => {
      if (!r.infinityGap) return;
      const g = positive(r.times, r.infinityGap.risk.map(Math.abs));
      series.push({ name: `${r.label}: |R(d=∞) − R(d)|`, x: g.x, y: g.y, mode: 'lines+markers', color: colorAt(i) });
    });
    const d = (v0.model as AnisotropicModelConfig).d;
    series.push({ name: '1/d', x: positive(first.times, first.times.map(() => 1 / d)).x, y: positive(first.times, first.times.map(() => 1 / d)).y, mode: 'lines', dash: 'dot', color: '#777' });
    sections.push({
      title: 'd = ∞ vs finite d',
      text:
        'Before the split (the first save time at which the spread of some coordinate under ρ̄_t exceeds 0.1 and 3× its t = 0 value) ' +
        'the two PDE curves differ by O(1/d); after it the finite-d law has split and the d = ∞ point mass cannot, so the gap is O(1).\n\n' +
        result.variants.filter((r) => r.infinityGap).map((r) => {
          const g = r.infinityGap!.risk.map(Math.abs);
          const split = r.times.findIndex((_, k) => r.pde.stds.some((sd) => sd[k] > Math.max(0.1, 3 * sd[0])));
          const before = split < 0 ? g.length : split;
          const maxBefore = before > 0 ? Math.max(...g.slice(0, before)) : 0;
          const last = g.length - 1;
          return `${r.label}: max |R(d=∞) − R(d)| = ${fmt(maxBefore)} (= ${fmt(maxBefore * d, 2)}/d) for t ≤ ${r.times[Math.max(0, before - 1)]}` +
            (split >= 0 ? `; split at t ≈ ${r.times[split]}; gap ${fmt(g[last])} at t = ${r.times[last]}.` : ' (no split within the run).');
        }).join('\n\n'),
      figure: lineFigure('|R(d = ∞) − R(d)|', 't', 'risk difference', series, { logX: true, logY: true }),
    });
  }
  const distSeries: Series[] = [];
  result.variants.forEach((r, i) => {
    r.coordinates.forEach((c, a) => {
      const w = positive(r.times, r.distances.marginalW1[a], r.distances.marginalW1Std[a]);
      distSeries.push({ name: `${r.label}: W1 of ${c}`, x: w.x, y: w.y, error: w.e, mode: 'lines+markers', color: colorAt(i), dash: (['solid', 'dash', 'dot'] as const)[a % 3] });
    });
    if (r.distances.slicedW1) {
      const s = positive(r.times, r.distances.slicedW1, r.distances.slicedW1Std!);
      distSeries.push({ name: `${r.label}: sliced W1 (${r.distances.directions} directions)`, x: s.x, y: s.y, error: s.e, mode: 'markers', color: colorAt(i) });
    }
    const res = r.distances.resolution;
    if (res?.slicedW1) {
      const s = positive(r.times, res.slicedW1);
      distSeries.push({ name: `${r.label}: sliced W1, PDE vs its coarser check (resolution floor)`, x: s.x, y: s.y, mode: 'lines', dash: 'dot', color: colorAt(i) });
    }
  });
  sections.push({
    title: 'Distances between the particles and ρ̄_t',
    text:
      `Particles' reduced coordinates against ${first.distances.reference}: per-axis W1 (exact 1-D formula)${aniso ? ' and sliced W1 (mean over fixed random unit directions in the reduced coordinates, raw units)' : ''}; replica mean ± std.` +
      (aniso
        ? ' A weighted node set is a quadrature of ρ̄_t, exact for smooth test functions but not in W1: its W1 to ρ̄_t is of the order of the node spacing in the image of the flow map. ' +
          'The dotted curves (W1 between the PDE nodes and the coarser check nodes) show that floor; particle distances above it measure the particles, below it they do not.'
        : ''),
    figure: lineFigure('W1 distances', 't', 'distance', distSeries, { logX: true, logY: true }),
  });
  for (const r of result.variants) {
    const D = r.coordinates.length;
    const cols = ['t', 'R PDE', ...(r.pde.infinity ? ['R d=∞'] : []), 'R_N', '± std', 'gap', 'C1/N',
      ...r.coordinates.flatMap((c) => [`${c} PDE`, `${c} particles`]), ...(r.distances.slicedW1 ? ['sliced W1'] : ['W1'])];
    const rows = r.times.map((t, k) => [
      t, r.pde.risk[k], ...(r.pde.infinity ? [r.pde.infinity.risk[k]] : []), r.particles.risk[k], r.particles.riskStd[k], r.gap[k], r.iidBias[k],
      ...Array.from({ length: D }, (_, a) => [r.pde.means[a][k], r.particles.means[a][k]]).flat(),
      r.distances.slicedW1 ? r.distances.slicedW1[k] : r.distances.marginalW1[0][k],
    ]);
    const numerics: string[] = [`${r.pde.method}: ${r.pde.steps} steps (${r.pde.rejected} rejected), ${(r.pde.ms / 1000).toFixed(1)} s.`];
    if (r.pde.check) numerics.push(`Check (${r.pde.check.label}): max |ΔR| = ${r.pde.check.maxRiskDiff.toExponential(2)}, max |Δ mean| = ${r.pde.check.maxMeanDiff.map((x) => x.toExponential(2)).join(', ')} (${r.coordinates.join(', ')}).`);
    if (r.pde.fv) numerics.push(`Finite volumes: max |mass − 1| = ${Math.max(...r.pde.fv.mass.map((m) => Math.abs(m - 1))).toExponential(2)}, min cell mass ${Math.min(...r.pde.fv.minMass).toExponential(2)}, initial mass beyond rMax ${r.pde.fv.initialTruncatedMass.toExponential(2)}.`);
    numerics.push(`Particles: ${(r.particles.stepsMs / 1000).toFixed(1)} s of SGD steps over ${r.particles.seeds} replica(s).`);
    sections.push({ title: `Table: ${r.label}`, text: numerics.join('\n\n'), table: { columns: cols, rows } });
  }
  return sections;
}

export function writeFigureOutputs(dir: string, result: FigureResult): { json: string; html: string } {
  const json = join(dir, 'result.json');
  const html = join(dir, 'report.html');
  writeFileAtomic(json, toJson(result));
  const title = result.path === 'anisotropic' ? 'meanfield figure: anisotropic Gaussians (MMN Fig. 3)' : 'meanfield figure: isotropic Gaussians (MMN Fig. 4)';
  writeFileAtomic(html, renderReport(title, figureReportSections(result), { provenance: result.provenance, config: result.config }));
  return { json, html };
}
