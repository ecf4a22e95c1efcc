/**
 * Problem → solve(problem, method) → Trajectory for the reduced distributional dynamics of any model
 * with a reduced side (src/model.ts):
 *
 *   buildPdeProblem(run)           the grid (finite volumes) or weighted nodes (characteristics) of the
 *                                  model's initial law, its schedule and noise, the method the spec or
 *                                  the model chose;
 *   solvePde(problem, control)     a `PdeTrajectory`: risk, mean and std of every reduced coordinate,
 *                                  C1 = E[R_N]·N − N·R (the i.i.d. O(1/N) bias, where the model has the
 *                                  same-unit term), densities (grid) or node positions (characteristics);
 *   solveWithChecks(run, control)  the solution plus an independent check (the other method, or a
 *                                  coarser node set) and the model's limit companion (e.g. d = ∞).
 *
 * The solvers are in solvers/ and know no model; the model supplies operators, laws and adapters.
 */
import { ConfigError } from '../errors.ts';
import type { Threads } from '../parallel/threads.ts';
import type { NdArray } from 'ndarray';
import { gridView, type AxisSpec, type Grid } from '../grid.ts';
import type { GridLawMasses, KernelChoice, ReducedSide, WeightedNodes } from '../model.ts';
import type { RunSpec } from '../spec/index.ts';
import type { GridOperators, StepSchedule } from '../types.ts';
import { solve as solveFiniteVolume, type NoiseSpec as GridNoise, type SgdDiffusionSpec, type Trajectory as FiniteVolumeTrajectory } from '../../solvers/finite-volume.ts';
import type { BoundaryKind } from '../../solvers/flux.ts';
import { solveCharacteristicsNd, type CharacteristicsNdTrajectory } from '../../solvers/characteristics-nd.ts';
import { solveGibbs } from '../../solvers/gibbs.ts';
import { solveWithErrorBars, withIndependentFloor, type DiscretisationError } from './error-estimate.ts';

export type PdeMethod = 'finite-volume' | 'characteristics';

export interface PdeControl {
  /** Polled between steps; true stops after the current step (completed save times are kept). */
  shouldStop?: () => boolean;
  /** Called after steps with the time reached (rate-limit it yourself). */
  onProgress?: (t: number) => void;
  /** solveWithChecks: told as each of its phases starts (progress of the check and companion is reported too). */
  onPhase?: (phase: PdePhase) => void;
  /** solveWithChecks: the finished phases of an earlier interrupted run (reused as they are) and where to keep new ones. */
  phases?: PhaseStore;
}

/** The solves of `solveWithChecks`: the main solution, its independent check, the model's companion. */
export type PdePhase = 'main' | 'check' | 'companion';

/** Finished phase trajectories, e.g. checkpoints on disk (src/io/checkpoint.ts) for --resume. */
export interface PhaseStore {
  /** The value saved for `phase` (the main phase keeps its error bars beside its trajectory). */
  load<T>(phase: PdePhase): T | undefined;
  save(phase: PdePhase, value: unknown): void;
}

interface ProblemBase {
  readonly reduced: ReducedSide;
  readonly coordinates: readonly string[];
  readonly schedule: StepSchedule;
  readonly saveTimes: readonly number[];
  readonly kernelTolerance: number;
}

export interface FiniteVolumeProblem extends ProblemBase {
  readonly method: 'finite-volume';
  readonly grid: Grid;
  readonly operators: GridOperators & { readonly kernel: KernelChoice };
  readonly initial: GridLawMasses;
  readonly noise?: GridNoise;
  /** The model's birth–death term (ReducedSide.birthDeath), with the initial masses as its prior. */
  readonly birthDeath?: { readonly rate: number; readonly until?: number; readonly prior?: Float64Array };
  /** Per grid axis: walls, open outflow ends or a periodic axis (ReducedSide.gridBoundaries). */
  readonly boundaries: readonly BoundaryKind[];
  /** `"limit": "sgd-diffusion"`: the step, batch and gradient moments of the SGD-diffusion limit. */
  readonly sgdDiffusion?: SgdDiffusionSpec;
  readonly options: { scheme: 'euler' | 'ssprk2' | 'ssprk3'; cfl: number; dt?: number; reconstruction: 'muscl' | 'upwind'; diffusion: 'implicit' | 'explicit'; threads: Threads };
}

export interface CharacteristicsProblem extends ProblemBase {
  readonly method: 'characteristics';
  readonly nodes: WeightedNodes;
  readonly frozenAxes: number[];
  readonly options: { firstStep: number; tolerance: number; dtMax: number };
  /** A fixed truncation order (a check at the main solution's order); default: chosen from kernelTolerance. */
  readonly order?: number;
}

export type PdeProblem = FiniteVolumeProblem | CharacteristicsProblem;

/** The reduced side of a run's model, or a ConfigError naming the missing capability. */
export function reducedOf(run: RunSpec, command: string): ReducedSide {
  const reduced = run.model.reduced;
  if (!reduced) throw new ConfigError('model.name', `${command} needs a reduced (PDE) side; model "${run.model.name}" has only particles`);
  return reduced;
}

function require<T>(value: T | undefined, field: string, what: string): T {
  if (value === undefined) throw new ConfigError(field, what);
  return value;
}

/**
 * The PDE problem of a run. `method` overrides the spec's; `nodesPerPanel` the node count of a
 * characteristics problem (the coarser check); `reduced` a companion's reduced side.
 */
export function buildPdeProblem(
  run: RunSpec,
  options: { method?: PdeMethod; nodesPerPanel?: number; order?: number; reduced?: ReducedSide; command?: string; grid?: Grid } = {},
): PdeProblem {
  const reduced = options.reduced ?? reducedOf(run, options.command ?? 'the PDE');
  const method = options.method ?? run.solver.method ?? reduced.defaultMethod;
  const base = {
    reduced,
    coordinates: reduced.coordinates.map((c) => c.name),
    schedule: run.schedule,
    saveTimes: run.saveTimes,
    kernelTolerance: run.solver.kernelTolerance,
  };
  const name = run.model.name;
  if (method === 'finite-volume') {
    const gridSpec = require(run.grid, 'grid', `finite volumes need a "grid" block for model "${name}"`);
    const grid = options.grid ?? require(reduced.grid, 'solver.method', `model "${name}" has no grid form; use "characteristics"`)(gridSpec);
    const operators = require(reduced.gridOperators, 'solver.method', `model "${name}" has no grid operators; use "characteristics"`)(grid, { tolerance: run.solver.kernelTolerance });
    const initial = require(reduced.initialMass, 'init', `model "${name}" has no grid form of this initial law; use "characteristics"`)(grid, run.init);
    let noise: GridNoise | undefined;
    if (run.noise) {
      const n = require(reduced.noise, 'noise', `model "${name}" has no noisy dynamics at these parameters (e.g. no d = ∞ limit at fixed β); use a finite d`);
      noise = { beta: run.noise.beta, lambda: run.noise.lambda, jacobianExponents: n.jacobianExponents };
    }
    let sgdDiffusion: SgdDiffusionSpec | undefined;
    if (run.limit === 'sgd-diffusion') {
      if (run.noise) throw new ConfigError('limit', '"sgd-diffusion" is the limit of noiseless SGD; drop "noise" or use "limit": "deterministic"');
      const particles = require(run.particles, 'particles', '"limit": "sgd-diffusion" takes its step and batch from "particles.epsilon" and "particles.batch"');
      const moments = require(reduced.sgdDiffusion, 'limit', `model "${name}" has no SGD-diffusion limit; use "limit": "deterministic"`)(grid);
      sgdDiffusion = { epsilon: particles.epsilon, batch: particles.batch, moments };
    }
    const { scheme, cfl, dt, reconstruction, diffusion, threads } = run.solver;
    let boundaries = reduced.gridBoundaries ?? reduced.coordinates.map((c): BoundaryKind => (c.periodic ? 'periodic' : 'zero-flux'));
    // the noisy solver has no outflow ends: the window edges become walls (stated in the method line)
    if (noise) boundaries = boundaries.map((b) => (b === 'open' ? 'zero-flux' : b));
    const bd = reduced.birthDeath;
    const birthDeath = bd && { rate: bd.rate, until: bd.until, prior: bd.prior ? initial.mass : undefined };
    return { ...base, method, grid, operators, initial, noise, boundaries, birthDeath, sgdDiffusion, options: { scheme, cfl, dt, reconstruction, diffusion, threads } };
  }
  if (run.limit === 'sgd-diffusion') throw new ConfigError('limit', '"sgd-diffusion" is solved by finite volumes; use "solver.method": "finite-volume"');
  if (run.noise) throw new ConfigError('noise', 'characteristics carry the noiseless dynamics only; use "solver.method": "finite-volume" for noise');
  if (reduced.birthDeath) throw new ConfigError('solver.method', 'birth–death is implemented on the grid only; use "solver.method": "finite-volume"');
  const initialNodes = require(reduced.initialNodes, 'solver.method', `model "${name}" has no weighted-node form of its initial law; use "finite-volume"`);
  require(reduced.characteristics, 'solver.method', `model "${name}" has no separable form for characteristics; use "finite-volume"`);
  const nodes = initialNodes(run.init, { panels: run.solver.panels, nodesPerPanel: options.nodesPerPanel ?? run.solver.nodesPerPanel }, run.grid);
  const { firstStep, tolerance, dtMax } = run.solver;
  return { ...base, method, nodes, frozenAxes: reduced.frozenAxes?.(run.particles) ?? [], options: { firstStep, tolerance, dtMax }, order: options.order };
}

/** The solution of a PDE problem at its save times. */
export interface PdeTrajectory {
  /** One line: method and resolution. */
  readonly method: string;
  readonly methodName: PdeMethod;
  readonly coordinates: readonly string[];
  readonly times: number[];
  readonly risk: number[];
  /** Mean and standard deviation of each reduced coordinate: means[axis][k]. */
  readonly means: number[][];
  readonly stds: number[][];
  /** C1(t) = ∫U(θ,θ) dρ̄_t − ∫∫u dρ̄_t dρ̄_t: E R_N − R = C1/N for N i.i.d. units from ρ̄_t (null without the same-unit term). */
  readonly c1: number[] | null;
  readonly kernel: KernelChoice;
  readonly steps: number;
  readonly rejected: number;
  readonly ms: number;
  readonly stoppedEarly: boolean;
  readonly stopReason?: string;
  /** The finite-volume solver's own records (solvers/finite-volume.ts `Trajectory`), and: */
  readonly fv?: Pick<FiniteVolumeTrajectory, 'mass' | 'minMass' | 'freeEnergy' | 'outflow' | 'scheme' | 'reconstruction' | 'rejections'> & {
    /** The grid's axes (plain data: trajectories cross thread boundaries). */
    readonly axes: AxisSpec[];
    /** Cell masses at each save time (density = mass / cell volume). */
    readonly density: Float64Array[];
    readonly initialTruncatedMass: number;
  };
  readonly nodes?: { readonly count: number; readonly positions: Float64Array[]; readonly weights: Float64Array };
  /**
   * Noisy grid runs: the discrete Gibbs fixed point solved directly (solvers/gibbs.ts), the state the
   * PDE relaxes to: its risk, free energy, coordinate means and residual ‖P − T(P)‖₁.
   */
  readonly gibbs?: { readonly risk: number; readonly freeEnergy: number; readonly means: number[]; readonly residual: number; readonly iterations: number; readonly converged: boolean };
}

/** Weighted std of each axis from cell masses (marginals of a grid law). */
function gridStds(grid: Grid, snapshots: readonly Float64Array[], means: number[][]): number[][] {
  return grid.axes.map((_, a) => {
    const x = grid.coordinateField(a);
    return snapshots.map((P, k) => {
      let s = 0;
      let total = 0;
      for (let j = 0; j < P.length; j++) {
        s += P[j] * (x[j] - means[a][k]) ** 2;
        total += P[j];
      }
      return Math.sqrt(s / total);
    });
  });
}

function solveOnGrid(p: FiniteVolumeProblem, control: PdeControl): PdeTrajectory {
  const t0 = performance.now();
  const traj = solveFiniteVolume(
    { operators: p.operators, initialMass: p.initial.mass, schedule: p.schedule, noise: p.noise, boundaries: p.boundaries, birthDeath: p.birthDeath, sgdDiffusion: p.sgdDiffusion },
    { saveTimes: p.saveTimes, ...p.options, shouldStop: control.shouldStop, onProgress: control.onProgress },
  );
  const self = p.reduced.selfInteraction;
  let c1: number[] | null = null;
  if (self) {
    const diag = new Float64Array(p.grid.size);
    self(p.grid.centreCoordinates(), diag);
    c1 = traj.snapshots.map((P) => {
      let s = 0;
      for (let j = 0; j < P.length; j++) if (P[j] !== 0) s += P[j] * diag[j];
      return s - p.operators.interaction.energy(P);
    });
  }
  const axes = p.grid.axes.map((a, i) => `${a.cells} cells over [${a.lo}, ${a.hi}]${p.boundaries[i] === 'zero-flux' ? '' : ` (${p.boundaries[i]})`}`).join(' × ');
  const limit = p.sgdDiffusion ? `, SGD-diffusion limit at ε = ${p.sgdDiffusion.epsilon}, B = ${p.sgdDiffusion.batch}` : '';
  let gibbs: PdeTrajectory['gibbs'];
  if (p.noise) {
    const { mass, ...summary } = solveGibbs(p.operators, p.noise);
    gibbs = summary;
  }
  return {
    method: `finite volumes (${traj.diffusion === 'implicit' ? 'implicit Euler' : traj.scheme}, ${traj.reconstruction}) on ${axes}${limit}`,
    methodName: 'finite-volume',
    coordinates: p.coordinates,
    times: traj.times,
    risk: traj.risk,
    means: traj.means,
    stds: gridStds(p.grid, traj.snapshots, traj.means),
    c1,
    kernel: p.operators.kernel,
    steps: traj.steps,
    rejected: traj.rejectedSteps,
    ms: performance.now() - t0,
    stoppedEarly: traj.stoppedEarly,
    stopReason: traj.stopReason,
    fv: {
      axes: p.grid.toJSON().axes,
      mass: traj.mass,
      minMass: traj.minMass,
      density: traj.snapshots,
      freeEnergy: traj.freeEnergy,
      outflow: traj.outflow,
      initialTruncatedMass: p.initial.truncatedMass,
      scheme: traj.scheme,
      reconstruction: traj.reconstruction,
      rejections: traj.rejections,
    },
    gibbs,
  };
}

/** C1 = Σ_j P_j U(θ_j, θ_j) − Σ_f A_f², A_f = Σ_j P_j Φ_f(θ_j), on weighted nodes with the truncated kernel. */
function nodeC1(reduced: ReducedSide, model: { rank: number; features(points: Float64Array, out: Float64Array): void }, x: Float64Array, w: Float64Array): number {
  const n = w.length;
  const phi = new Float64Array(model.rank * n);
  model.features(x, phi);
  let energy = 0;
  for (let f = 0; f < model.rank; f++) {
    let A = 0;
    for (let j = 0; j < n; j++) A += w[j] * phi[f * n + j];
    energy += A * A;
  }
  const diag = new Float64Array(n);
  reduced.selfInteraction!(x, diag);
  let s = 0;
  for (let j = 0; j < n; j++) if (w[j] !== 0) s += w[j] * diag[j];
  return s - energy;
}

function solveOnNodes(p: CharacteristicsProblem, control: PdeControl): PdeTrajectory {
  const t0 = performance.now();
  const characteristics = p.reduced.characteristics!;
  const run = (adapter: ReturnType<typeof characteristics>): CharacteristicsNdTrajectory =>
    solveCharacteristicsNd(
      { model: adapter.model, nodes: p.nodes.nodes, weights: p.nodes.weights, schedule: p.schedule },
      {
        saveTimes: p.saveTimes, dt: p.options.firstStep, tolerance: p.options.tolerance, dtMax: p.options.dtMax, frozenAxes: p.frozenAxes,
        shouldStop: control.shouldStop, onProgress: control.onProgress ? (t) => control.onProgress!(t) : undefined,
      },
    );
  // the truncation from the initial nodes, then re-checked on the region the nodes visited (re-run if it
  // must grow, at most twice); the reported bound is that of the final order on the visited region
  let adapter = characteristics({ positions: [p.nodes.nodes], weights: p.nodes.weights }, p.kernelTolerance, p.order);
  let traj = run(adapter);
  for (let attempt = 0; p.order === undefined && attempt < 2 && !traj.stoppedEarly; attempt++) {
    const visited = characteristics({ positions: traj.positions, weights: traj.weights }, p.kernelTolerance);
    if (visited.order <= adapter.order) break;
    adapter = visited;
    traj = run(adapter);
  }
  if (!traj.stoppedEarly) adapter = characteristics({ positions: traj.positions, weights: traj.weights }, p.kernelTolerance, adapter.order);
  const c1 = p.reduced.selfInteraction ? traj.positions.map((x) => nodeC1(p.reduced, adapter.model, x, traj.weights)) : null;
  const count = p.nodes.weights.length;
  return {
    method: `characteristics (RK4 step doubling, tolerance ${p.options.tolerance}), ${count} weighted nodes`,
    methodName: 'characteristics',
    coordinates: p.coordinates,
    times: traj.times,
    risk: traj.risk,
    means: traj.means,
    stds: traj.stds,
    c1,
    kernel: { order: adapter.order, rank: adapter.rank, bound: adapter.bound, description: adapter.description },
    steps: traj.steps,
    rejected: traj.rejected,
    ms: performance.now() - t0,
    stoppedEarly: traj.stoppedEarly,
    stopReason: traj.stoppedEarly ? 'shouldStop' : undefined,
    nodes: { count, positions: traj.positions, weights: traj.weights },
  };
}

/** Solves a PDE problem with its method. */
export function solvePde(problem: PdeProblem, control: PdeControl = {}): PdeTrajectory {
  return problem.method === 'finite-volume' ? solveOnGrid(problem, control) : solveOnNodes(problem, control);
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  let m = 0;
  for (let k = 0; k < Math.min(a.length, b.length); k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

/** An independent second solution and how far it is from the main one. */
export interface PdeCheck {
  readonly label: string;
  readonly method: string;
  readonly risk: number[];
  readonly means: number[][];
  readonly maxRiskDiff: number;
  readonly maxMeanDiff: number[];
  /** Node positions and weights of a characteristics check (its W1 to the main solution is the resolution floor). */
  readonly nodes?: PdeTrajectory['nodes'];
}

export interface PdeSolution {
  readonly main: PdeTrajectory;
  /** Error bars of a finite-volume solution (./error-estimate.ts); null for characteristics or without coarser grids. */
  readonly error: DiscretisationError | null;
  readonly check: PdeCheck | null;
  readonly companion: { readonly label: string; readonly trajectory: PdeTrajectory } | null;
  /** The phases a stop cut short or never started (empty when everything finished). */
  readonly stopped: PdePhase[];
}

/** The finite-volume solution of a run (the spec's grid, or the automatic one) with its error bars. */
export function solveOnGridWithErrorBars(
  run: RunSpec,
  control: PdeControl = {},
  command = 'the PDE',
  problem = buildPdeProblem(run, { command, method: 'finite-volume' }) as FiniteVolumeProblem,
): { main: PdeTrajectory; error: DiscretisationError | null } {
  const reduced = problem.reduced;
  return solveWithErrorBars(
    {
      grid: problem.grid,
      automatic: reduced.gridIsAutomatic?.(run.grid) ?? false,
      tolerance: { risk: run.solver.riskTolerance, until: run.solver.toleranceUntil ?? run.saveTimes[run.saveTimes.length - 1] },
      solveOn: (grid, c) => solvePde(grid === problem.grid ? problem : buildPdeProblem(run, { command, reduced, grid, method: 'finite-volume' }), c),
    },
    control,
  );
}

/**
 * Characteristics check of a grid solution: 8 × 25 nodes on one axis (exact to ~1e-9 before a separatrix);
 * on several axes the tensor product of the spec's node resolution (8 × 25 per axis would be 200^ndim nodes).
 */
const GRID_CHECK = { tolerance: 1e-8, firstStep: 1e-3, dtMax: 0.5 };
const GRID_CHECK_NODES_1D = { panels: 8, nodesPerPanel: 25 };

/**
 * The run's PDE with an independent check and the model's companion. The check of a grid solution is
 * characteristics on Gauss–Legendre nodes of the initial law (GRID_CHECK; noiseless runs, where the model
 * has a node form); of a node solution, the same method on checkNodesPerPanel (default 0.7×) nodes per panel.
 */
export function solveWithChecks(run: RunSpec, control: PdeControl = {}, command = 'the PDE'): PdeSolution {
  const problem = buildPdeProblem(run, { command });
  const reduced = problem.reduced;
  const until = run.solver.toleranceUntil ?? run.saveTimes[run.saveTimes.length - 1];
  const stopped: PdePhase[] = [];
  /** A phase from the store, or solved (and stored once finished); null if a stop came before it started. */
  const phase = <T>(name: PdePhase, solve: () => T, stoppedEarly: (value: T) => boolean): T | null => {
    const saved = control.phases?.load<T>(name);
    if (saved) return saved;
    if (stopped.length > 0) {
      stopped.push(name);
      return null;
    }
    control.onPhase?.(name);
    const value = solve();
    if (stoppedEarly(value)) stopped.push(name);
    else control.phases?.save(name, value);
    return value;
  };
  const trajectoryPhase = (name: PdePhase, build: () => PdeProblem) => phase(name, () => solvePde(build(), control), (t) => t.stoppedEarly);
  const { main, error: richardson } = phase(
    'main',
    () => (problem.method === 'finite-volume' ? solveOnGridWithErrorBars(run, control, command, problem) : { main: solvePde(problem, control), error: null }),
    (m) => m.main.stoppedEarly,
  )!;
  let check: PdeCheck | null = null;
  let second: PdeTrajectory | null = null;
  let label = '';
  if (problem.method === 'finite-volume' && problem.sgdDiffusion) {
    // the deterministic limit on the same grid: the difference is what the fixed step adds
    second = trajectoryPhase('check', () => buildPdeProblem({ ...run, limit: 'deterministic' }, { reduced }));
    label = 'deterministic limit (same grid)';
  } else if (problem.method === 'finite-volume' && !run.noise && !reduced.birthDeath && reduced.initialNodes && reduced.characteristics) {
    const nodes = problem.grid.ndim === 1 ? GRID_CHECK_NODES_1D : {};
    const checkRun: RunSpec = { ...run, solver: { ...run.solver, ...GRID_CHECK, ...nodes, method: 'characteristics' } };
    try {
      second = trajectoryPhase('check', () => buildPdeProblem(checkRun, { reduced }));
      if (second) label = `characteristics (${second.nodes!.count} nodes, K = ${second.kernel.order})`;
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e; // an initial law without a node form: no check
    }
  } else if (problem.method === 'characteristics') {
    const coarser = run.solver.checkNodesPerPanel ?? Math.max(2, Math.round(0.7 * run.solver.nodesPerPanel));
    if (coarser > 0) {
      second = trajectoryPhase('check', () => buildPdeProblem(run, { reduced, nodesPerPanel: coarser, order: main.kernel.order }));
      if (second) label = `characteristics, ${second.nodes!.count} nodes`;
    }
  }
  if (second && !second.stoppedEarly) {
    check = {
      label,
      method: second.method,
      risk: second.risk,
      means: second.means,
      maxRiskDiff: maxAbsDiff(main.risk, second.risk),
      maxMeanDiff: main.means.map((m, a) => maxAbsDiff(m, second!.means[a])),
      nodes: second.nodes,
    };
  }
  let companion: PdeSolution['companion'] = null;
  const partner = run.solver.companion ? reduced.companion?.() : undefined;
  if (partner) {
    const trajectory = trajectoryPhase('companion', () => buildPdeProblem({ ...run, limit: 'deterministic' }, { reduced: partner.reduced, method: 'characteristics' }));
    if (trajectory && !trajectory.stoppedEarly) companion = { label: partner.label, trajectory };
  }
  // the grid check is characteristics, exact before the flow splits (t ≤ toleranceUntil)
  const error = richardson && check && problem.method === 'finite-volume' && run.solver.toleranceUntil !== undefined ? withIndependentFloor(richardson, main, check, until) : richardson;
  return { main, error, check, companion, stopped };
}

/**
 * The cell masses of a grid solution at save index k as an ndarray view (shape = cells per axis,
 * row-major, no copy): `view.get(i, j)`, `view.pick(null, j)` for slices, ndarray-ops for reductions.
 */
export function densityView(trajectory: PdeTrajectory, k: number): NdArray<Float64Array> {
  if (!trajectory.fv) throw new ConfigError('solver.method', `densities exist on a grid only; this trajectory is ${trajectory.method}`);
  return gridView(trajectory.fv.axes, trajectory.fv.density[k]);
}
