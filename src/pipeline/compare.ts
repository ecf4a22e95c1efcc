/**
 * The `compare` job: every run of a spec (one, or the base with each variant) solved by both engines
 * from the same model — the reduced PDE (src/pde: finite volumes or characteristics, with an
 * independent check and the model's limit companion) and K independent particle replicas (src/particles)
 * — then compared at every save time:
 *   risk gap   R_N − R(ρ̄_t), R_N the exact population risk of the replica (actual angles, i = j terms),
 *              with the i.i.d. O(1/N) size C1(t)/N;
 *   means      of every reduced coordinate, particles vs PDE;
 *   distances  every diagnostic of src/diagnostics/registry.ts that applies (W1, W2, KS per coordinate,
 *              sliced W1), per replica, then mean ± std across replicas; and the PDE's own resolution
 *              floor (the same distances between the PDE and its coarser check) where there is one.
 * All PDE solves and replicas are tasks on one worker pool; replica k of a run draws from (seed,
 * stream k), so results do not depend on the number of workers. Finished replicas are checkpointed at
 * once; `resume` reuses those of an identical earlier run.
 */
import { join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { Rng } from '../rng.ts';
import type { AxisSpec } from '../grid.ts';
import type { Provenance } from '../types.ts';
import { makeProvenance } from '../io/output.ts';
import { loadReplicas, saveReplica } from '../io/checkpoint.ts';
import { toJson } from '../io/output.ts';
import { mean, std } from '../diagnostics/stats.ts';
import { DIAGNOSTICS, type PdeLaw } from '../diagnostics/registry.ts';
import { marginalWasserstein1, randomDirections, slicedWasserstein1 } from '../diagnostics/weighted.ts';
import type { PdeSolution, PdeTrajectory } from '../pde/index.ts';
import { replicaSpec, type ReplicaSpec } from '../particles/replica.ts';
import { replicaTaskOf } from '../particles/ensemble.ts';
import type { ParticleRun } from '../particles/sgd.ts';
import { errorOfRun, parseSpec, type RunSpec, type Spec, type SpecOptions } from '../spec/index.ts';
import { fittedFunctionOf, pdePoints } from './width-study.ts';
import type { Task } from '../parallel/pool.ts';
import { runTaskPlan, type PlannedTask } from './task-plan.ts';
import { missingPieces } from './solve.ts';
import { curveTimes } from './dense-curve.ts';

export interface CompareControl {
  /** Worker threads (default: all cores, at most one per task); 0 runs every task in this thread. */
  workers?: number;
  /** Polled ~every 100 ms; true stops every task after its current step (finished save times are kept). */
  shouldStop?: () => boolean;
  /** Overall progress (fraction of the work done, 0…1) and a one-line detail (at most ~2 per second). */
  onProgress?: (fraction: number, detail: string) => void;
  /**
   * Extra equal time steps for the risk and mean curves (default: the spec's `curveSteps`, else 40;
   * 0: save times only). Each extra time costs one exact R_N per replica.
   */
  curveSteps?: number;
  /** Folder for checkpoints (each finished replica and PDE phase is saved there at once). */
  checkpointDir?: string;
  /** Reuse the replicas and PDE phases found in checkpointDir from an identical earlier run. */
  resume?: boolean;
}

/** A distance per save time: per coordinate value[axis][k] (or one row), replica mean and std. */
export interface DistanceSeries {
  readonly label: string;
  readonly perCoordinate: boolean;
  readonly value: number[][];
  readonly std: number[][];
}

export interface RunComparison {
  label: string;
  model: string;
  /** Save times reached by the PDE and every replica. */
  times: number[];
  coordinates: string[];
  pde: {
    method: string;
    risk: number[];
    means: number[][];
    stds: number[][];
    c1: number[] | null;
    kernel: PdeTrajectory['kernel'];
    steps: number;
    rejected: number;
    ms: number;
    stoppedEarly: boolean;
    /**
     * Estimated discretisation error of `risk` and of each coordinate's mean (src/pde/error-estimate.ts;
     * null for characteristics), and how it was obtained.
     */
    riskError: number[] | null;
    meanError: number[][] | null;
    errorMethod: string | null;
    /** Finite volumes: the grid, conservation and positivity, and the cell masses (density = mass / cell volume). */
    fv?: { axes: AxisSpec[]; mass: number[]; minMass: number[]; density: Float64Array[]; initialTruncatedMass: number; scheme: string };
    check: { label: string; risk: number[]; means: number[][]; maxRiskDiff: number; maxMeanDiff: number[] } | null;
    companion: { label: string; risk: number[]; means: number[][]; steps: number } | null;
  };
  particles: {
    n: number;
    epsilon: number;
    batch: number;
    sampling: 'shared' | 'per-unit';
    precision: 'float64' | 'float32';
    seeds: number;
    /** Exact population risk R_N: replica mean, std across replicas (0 for one), per replica. */
    risk: number[];
    riskStd: number[];
    riskPerSeed: number[][];
    /** Replica mean of the unit mean of each coordinate (means[axis][k]) and its std across replicas. */
    means: number[][];
    meanStds: number[][];
    /** Per replica: meansPerSeed[k][axis][replica], the unit mean at save time k (replica r ran stream r, so runs that differ only in particles.sampling pair up). */
    meansPerSeed: number[][][];
    /** Replica mean of the spread (std over units) of each coordinate. */
    unitStds: number[][];
    /** Per replica: unitStdsPerSeed[k][axis][replica], the spread over units at save time k (their sd/√K is unitStds' sampling error). */
    unitStdsPerSeed: number[][][];
    /** Monte Carlo test risk on fresh samples (replica mean) with its standard error, if testSamples > 0. */
    testRisk?: { mean: number[]; stdError: number[] };
    /** Replica 0's reduced coordinates at each save time (N × coordinates, row-major), for histograms. */
    sample: Float64Array[];
    completed: boolean;
    stoppedAt: number | null;
    stepsMs: number;
  };
  /** R_N − R(ρ̄_t) (replica mean) and the i.i.d. O(1/N) size C1(t)/N (null without the same-unit term). */
  gap: number[];
  /** Per save time: true where |gap| ≤ pde.riskError, i.e. the PDE is not accurate enough to resolve the gap (null without error bars). */
  gapBelowPdeError: boolean[] | null;
  iidBias: number[] | null;
  /** Companion minus the model (risk and coordinate means), e.g. d = ∞ minus finite d. */
  companionGap: { risk: number[]; means: number[][] } | null;
  distances: Record<string, DistanceSeries>;
  /** The PDE's own floor: W1 per coordinate and sliced W1 between the PDE nodes and its coarser check. */
  resolution: { w1: number[][]; slicedW1: number[] | null } | null;
  /**
   * Where the model offers `fittedFunction` (src/pipeline/width-study.ts): the network function at the
   * inputs per save time — PDE (f_MF) and the replica mean of f_n — with ‖f_n − f_MF‖² (replica mean, std)
   * and the model's weighted marginal (histograms, PDE and replica mean).
   */
  functions?: {
    symbol: string;
    inputs: Float64Array;
    target: Float64Array;
    meanField: Float64Array[];
    particles: Float64Array[];
    distance: number[];
    distanceStd: number[];
    marginal?: { label: string; axis: string; edges: Float64Array; pde: Float64Array[]; particles: Float64Array[] };
  };
  /** Risk and coordinate means on the dense time grid (save times plus curveSteps equal steps). */
  curve: { times: number[]; pdeRisk: number[]; particleRisk: number[]; particleRiskStd: number[]; pdeMeans: number[][]; particleMeans: number[][]; particleMeanStds: number[][] };
}

export interface CompareResult {
  kind: 'meanfield.compare';
  provenance: Provenance;
  spec: Record<string, unknown>;
  description?: string;
  paper: boolean;
  completed: boolean;
  /** The model's word for R when it is not "risk" (`Model.riskName`): result.json keys and report labels use it. */
  riskName?: string;
  /** Whether an interrupt stopped the comparison, and what is missing because of it (one line per piece). */
  stoppedEarly: boolean;
  missing: string[];
  /** One entry per run (the spec's variants in order, or the single run). */
  runs: RunComparison[];
}

const sd = (x: number[]) => (x.length > 1 ? std(x) : 0);

const TASKS = new URL('./tasks.ts', import.meta.url).href;

/** The PDE law of a trajectory at save index k, as the diagnostics read it. */
function lawAt(pde: PdeTrajectory, k: number): PdeLaw {
  if (pde.fv) return { kind: 'grid', axes: pde.fv.axes, mass: pde.fv.density[k] };
  return { kind: 'nodes', ndim: pde.coordinates.length, positions: pde.nodes!.positions[k], weights: pde.nodes!.weights };
}

function pickRows<T>(xs: readonly T[], indices: readonly number[]): T[] {
  return indices.map((i) => xs[i]);
}

/** The comparison of one run from its PDE solution (on the dense times) and its replicas. */
export function compareRun(run: RunSpec, solution: PdeSolution, replicas: ParticleRun[], dense: number[], directions: Float64Array): RunComparison {
  const { main: pde, check, companion, error } = solution;
  const D = pde.coordinates.length;
  const p = run.particles!;
  const N = p.n;
  const reached = Math.min(pde.times.length, ...replicas.map((r) => r.snapshots.length));
  const saveIndex = run.saveTimes.map((t) => dense.indexOf(t)).filter((k) => k >= 0 && k < reached);
  const rows = () => Array.from({ length: D }, () => [] as number[]);
  const risksAt = (k: number) =>
    replicas.map((r) => {
      const x = r.snapshots[k].populationRisk;
      if (x === null) throw new Error(`compare: model ${run.model.name} gave no exact population risk`);
      return x;
    });
  // per replica and dense time: unit mean and spread of each coordinate
  const unitMoments = (k: number) =>
    replicas.map((r) => {
      const red = r.snapshots[k].reduced;
      return Array.from({ length: D }, (_, a) => {
        let m = 0;
        for (let i = 0; i < N; i++) m += red[i * D + a];
        m /= N;
        let s = 0;
        for (let i = 0; i < N; i++) s += (red[i * D + a] - m) ** 2;
        return { mean: m, std: N > 1 ? Math.sqrt(s / (N - 1)) : 0 };
      });
    });
  const curve: RunComparison['curve'] = { times: dense.slice(0, reached), pdeRisk: pde.risk.slice(0, reached), particleRisk: [], particleRiskStd: [], pdeMeans: pde.means.map((m) => m.slice(0, reached)), particleMeans: rows(), particleMeanStds: rows() };
  const unitStdsDense = rows();
  for (let k = 0; k < reached; k++) {
    const risks = risksAt(k);
    curve.particleRisk.push(mean(risks));
    curve.particleRiskStd.push(sd(risks));
    const moments = unitMoments(k);
    for (let a = 0; a < D; a++) {
      const ms = moments.map((m) => m[a].mean);
      curve.particleMeans[a].push(mean(ms));
      curve.particleMeanStds[a].push(sd(ms));
      unitStdsDense[a].push(mean(moments.map((m) => m[a].std)));
    }
  }
  const times = pickRows(dense, saveIndex);
  const diagnostics = DIAGNOSTICS.filter((d) => d.applies(lawAt(pde, 0)));
  const distances: Record<string, DistanceSeries> = {};
  for (const d of diagnostics) distances[d.name] = { label: d.label, perCoordinate: d.perCoordinate, value: d.perCoordinate ? rows() : [[]], std: d.perCoordinate ? rows() : [[]] };
  for (const k of saveIndex) {
    const law = lawAt(pde, k);
    for (const d of diagnostics) {
      const perReplica = replicas.map((r) => d.compute({ n: N, ndim: D, reduced: r.snapshots[k].reduced }, law, { directions }));
      const series = distances[d.name];
      series.value.forEach((row, a) => {
        const xs = perReplica.map((v) => v[a]);
        row.push(mean(xs));
        series.std[a].push(sd(xs));
      });
    }
  }
  let resolution: RunComparison['resolution'] = null;
  if (pde.nodes && check?.nodes) {
    const w1 = rows();
    const sliced: number[] = [];
    for (const k of saveIndex) {
      marginalWasserstein1(pde.nodes.positions[k], pde.nodes.weights, check.nodes.positions[k], check.nodes.weights, D).forEach((x, a) => w1[a].push(x));
      if (D > 1) sliced.push(slicedWasserstein1(pde.nodes.positions[k], pde.nodes.weights, check.nodes.positions[k], check.nodes.weights, D, directions));
    }
    resolution = { w1, slicedW1: D > 1 ? sliced : null };
  }
  const tests = p.testSamples > 0 ? saveIndex.map((k) => replicas.map((r) => r.snapshots[k].testRisk!)) : null;
  const stopped = replicas.find((r) => r.stoppedAt !== null)?.stoppedAt ?? null;
  const pdeRisk = pickRows(pde.risk, saveIndex);
  const partRisk = pickRows(curve.particleRisk, saveIndex);
  const ct = companion?.trajectory;
  const functions = functionComparison(run, pde, replicas, saveIndex, N);
  return {
    label: run.label,
    model: run.model.label,
    times,
    coordinates: [...pde.coordinates],
    pde: {
      method: pde.method,
      risk: pdeRisk,
      means: pde.means.map((m) => pickRows(m, saveIndex)),
      stds: pde.stds.map((m) => pickRows(m, saveIndex)),
      c1: pde.c1 ? pickRows(pde.c1, saveIndex) : null,
      kernel: pde.kernel,
      steps: pde.steps,
      rejected: pde.rejected,
      ms: pde.ms,
      stoppedEarly: pde.stoppedEarly,
      riskError: error && pickRows(error.risk, saveIndex),
      meanError: error && error.means.map((m) => pickRows(m, saveIndex)),
      errorMethod: error?.method ?? null,
      fv: pde.fv && {
        axes: pde.fv.axes,
        mass: pickRows(pde.fv.mass, saveIndex),
        minMass: pickRows(pde.fv.minMass, saveIndex),
        density: pickRows(pde.fv.density, saveIndex),
        initialTruncatedMass: pde.fv.initialTruncatedMass,
        scheme: `${pde.fv.scheme}/${pde.fv.reconstruction}`,
      },
      check: check && {
        label: check.label,
        risk: pickRows(check.risk, saveIndex),
        means: check.means.map((m) => pickRows(m, saveIndex)),
        maxRiskDiff: check.maxRiskDiff,
        maxMeanDiff: check.maxMeanDiff,
      },
      companion: ct ? { label: companion!.label, risk: pickRows(ct.risk, saveIndex), means: ct.means.map((m) => pickRows(m, saveIndex)), steps: ct.steps } : null,
    },
    particles: {
      n: N,
      epsilon: p.epsilon,
      batch: p.batch,
      sampling: p.sampling,
      precision: p.precision,
      seeds: p.seeds,
      risk: partRisk,
      riskStd: pickRows(curve.particleRiskStd, saveIndex),
      riskPerSeed: saveIndex.map((k) => risksAt(k)),
      means: curve.particleMeans.map((m) => pickRows(m, saveIndex)),
      meanStds: curve.particleMeanStds.map((m) => pickRows(m, saveIndex)),
      meansPerSeed: saveIndex.map((k) => {
        const moments = unitMoments(k);
        return Array.from({ length: D }, (_, a) => moments.map((m) => m[a].mean));
      }),
      unitStds: unitStdsDense.map((m) => pickRows(m, saveIndex)),
      unitStdsPerSeed: saveIndex.map((k) => {
        const moments = unitMoments(k);
        return Array.from({ length: D }, (_, a) => moments.map((m) => m[a].std));
      }),
      testRisk: tests ? { mean: tests.map((tr) => mean(tr.map((x) => x.mean))), stdError: tests.map((tr) => Math.sqrt(tr.reduce((s2, x) => s2 + x.stdError ** 2, 0)) / tr.length) } : undefined,
      sample: saveIndex.map((k) => replicas[0].snapshots[k].reduced),
      completed: replicas.length === p.seeds && replicas.every((r) => r.completed) && !pde.stoppedEarly,
      stoppedAt: stopped ? stopped.t : null,
      stepsMs: replicas.reduce((s, r) => s + r.timings.stepsMs, 0),
    },
    gap: partRisk.map((r, i) => r - pdeRisk[i]),
    gapBelowPdeError: error && saveIndex.map((k, i) => Math.abs(partRisk[i] - pdeRisk[i]) <= error.risk[k]),
    iidBias: pde.c1 ? pickRows(pde.c1, saveIndex).map((c) => c / N) : null,
    companionGap: ct ? { risk: times.map((_, i) => ct.risk[saveIndex[i]] - pdeRisk[i]), means: pde.means.map((m, a) => saveIndex.map((k) => ct.means[a][k] - m[k])) } : null,
    distances,
    resolution,
    ...(functions ? { functions } : {}),
    curve,
  };
}

/** The `functions` entry of a comparison (absent without the model's fittedFunction capability). */
function functionComparison(run: RunSpec, pde: PdeTrajectory, replicas: ParticleRun[], saveIndex: number[], N: number): RunComparison['functions'] {
  const capability = fittedFunctionOf(run.model.capabilities);
  if (!capability) return undefined;
  const Q = capability.inputs.length;
  const unitWeights = new Float64Array(N).fill(1 / N);
  const scratch = new Float64Array(Q);
  const out: NonNullable<RunComparison['functions']> = { symbol: capability.symbol, inputs: capability.inputs, target: capability.target, meanField: [], particles: [], distance: [], distanceStd: [] };
  const m = capability.marginal;
  const bins = m ? m.edges.length - 1 : 0;
  const histogram = new Float64Array(bins);
  if (m) out.marginal = { label: m.label, axis: m.axis, edges: m.edges, pde: [], particles: [] };
  for (const k of saveIndex) {
    const law = pdePoints(pde, k);
    const mf = new Float64Array(Q);
    capability.evaluate(law.points, law.weights, mf);
    const mean = new Float64Array(Q);
    const distances = replicas.map((r) => {
      capability.evaluate(r.snapshots[k].reduced, unitWeights, scratch);
      let d = 0;
      for (let q = 0; q < Q; q++) {
        mean[q] += scratch[q] / replicas.length;
        d += capability.inputWeights[q] * (scratch[q] - mf[q]) ** 2;
      }
      return d;
    });
    out.meanField.push(mf);
    out.particles.push(mean);
    out.distance.push(distances.reduce((s, d) => s + d, 0) / distances.length);
    out.distanceStd.push(sd(distances));
    if (m) {
      const pdeHist = new Float64Array(bins);
      m.histogram(law.points, law.weights, pdeHist);
      const partHist = new Float64Array(bins);
      for (const r of replicas) {
        m.histogram(r.snapshots[k].reduced, unitWeights, histogram);
        for (let b = 0; b < bins; b++) partHist[b] += histogram[b] / replicas.length;
      }
      out.marginal!.pde.push(pdeHist);
      out.marginal!.particles.push(partHist);
    }
  }
  return out;
}

/** What the pool runs: one PDE solution per distinct PDE, one task per replica. */
type CompareTaskKind = { kind: 'pde'; run: number } | { kind: 'replica'; run: number; replica: number };

/**
 * One task of a comparison with its stable id (`run<i>-pde`, `run<i>-replica<k>`): its result depends
 * only on the spec and the id (replica k draws from stream k), never on how tasks are grouped.
 */
export type CompareTask = CompareTaskKind & { id: string; task: Task };

/** The task list of a comparison, in a fixed order (PDE solves, then replicas by run and index). */
export interface ComparePlan {
  spec: Spec;
  prepared: Array<{ run: RunSpec; dense: number[]; denseRun: RunSpec; replicas: ReplicaSpec }>;
  /** Run i takes its PDE from run pdeSource[i] (runs that differ only in their particles share it). */
  pdeSource: number[];
  tasks: CompareTask[];
}

/** Runs that differ only in their particles share one PDE solution (the SGD-diffusion limit also reads ε and B). */
function pdeKey(run: RunSpec): string {
  const { model, init, grid, schedule, solver, noise, saveTimes } = run.json;
  const sgd = run.limit === 'sgd-diffusion' ? [run.particles?.epsilon, run.particles?.batch] : null;
  return JSON.stringify([model, init, grid ?? null, schedule ?? null, solver ?? null, noise ?? null, saveTimes, run.particles?.trainA, run.particles?.trainB, sgd]);
}

/** The tasks of a comparison of a validated spec (curve: `curveSteps` extra equal steps, default 40). */
export function planCompare(spec: Spec, curveSteps = 40): ComparePlan {
  const prepared = spec.runs.map((run) => {
    if (!run.particles) throw new ConfigError('particles', 'compare needs a "particles" block: { "n": 800, "epsilon": 1e-5 }');
    const dense = curveTimes(run.saveTimes, curveSteps);
    const denseRun: RunSpec = { ...run, saveTimes: dense, json: { ...run.json, saveTimes: dense } };
    const replicas: ReplicaSpec = replicaSpec(denseRun, run.noise ? { noise: { beta: run.noise.beta, lambda: run.noise.lambda, convention: 'pde' } } : {});
    return { run, dense, denseRun, replicas };
  });
  const owner = new Map<string, number>();
  const pdeSource = spec.runs.map((run, i) => {
    const key = pdeKey(run);
    if (!owner.has(key)) owner.set(key, i);
    return owner.get(key)!;
  });
  const tasks: CompareTask[] = [...new Set(pdeSource)].map((run) => ({
    kind: 'pde' as const,
    run,
    id: `run${run}-pde`,
    task: { module: TASKS, export: 'pdeTask', input: { json: prepared[run].denseRun.json, label: prepared[run].run.label, seed: spec.seed } },
  }));
  prepared.forEach((p, run) => {
    for (let replica = 0; replica < p.run.particles!.seeds; replica++) tasks.push({ kind: 'replica', run, replica, id: `run${run}-replica${replica}`, task: replicaTaskOf(p.replicas, replica) });
  });
  return { spec, prepared, pdeSource, tasks };
}

/** The checkpoint key of run i's replicas (src/io/checkpoint.ts). */
export function replicaKey(plan: ComparePlan, run: number): string {
  return toJson(plan.prepared[run].replicas);
}

/**
 * The comparison from the tasks' results (by id; null for a task that did not run), as one run, the
 * shards of a cluster run (src/cluster) or a resumed run assemble it. Runs without a PDE solution or
 * without any replica are left out (the result is then not `completed`).
 */
export function assembleCompare(plan: ComparePlan, resultOf: (id: string) => PdeSolution | ParticleRun | null, provenance: Provenance): CompareResult {
  const { spec, prepared, pdeSource } = plan;
  const D = spec.runs[0].model.reduced?.coordinates.length ?? 1;
  const directions = randomDirections(D, spec.slicedDirections, new Rng(spec.seed, 0x51ced));
  const runs: RunComparison[] = [];
  const missing: string[] = [];
  const threadsUsed: Array<number | undefined> = [];
  prepared.forEach((p, i) => {
    const label = spec.hasVariants ? `${p.run.label}: ` : '';
    const solution = resultOf(`run${pdeSource[i]}-pde`) as PdeSolution | null;
    const all = Array.from({ length: p.run.particles!.seeds }, (_, k) => resultOf(`run${i}-replica${k}`) as ParticleRun | null);
    const unfinished = all.flatMap((r, k) => (r?.completed ? [] : [k + 1]));
    if (unfinished.length > 0) missing.push(`${label}replica(s) ${unfinished.join(', ')} of ${all.length} (not finished: left out of the ensemble)`);
    if (!solution) missing.push(`${label}the PDE (never started)`);
    else missing.push(...missingPieces(spec.hasVariants ? p.run.label : null, solution.main.times.filter((t) => p.run.saveTimes.includes(t)), p.run.saveTimes, solution.stopped));
    // the finished replicas over every save time the PDE reached; only when none finished, the partial ones
    const finishedReplicas = all.filter((r): r is ParticleRun => r !== null && r.completed);
    const replicas = finishedReplicas.length > 0 ? finishedReplicas : all.filter((r): r is ParticleRun => r !== null && r.snapshots.length > 0);
    if (!solution || replicas.length === 0) return;
    threadsUsed.push(...replicas.map((r) => r.threads));
    runs.push(compareRun(p.run, solution, replicas, p.dense, directions));
  });
  // stopped before any run had both a PDE solution and a particle save time: still a result, with no runs and everything missing
  const completed = missing.length === 0 && runs.length === prepared.length;
  // replicas loaded from checkpoints written before particles.threads existed ran on one thread
  const particleThreads = threadsUsed.some((t) => t === 2) ? 2 : 1;
  return {
    kind: 'meanfield.compare',
    provenance: { ...provenance, particleThreads },
    spec: spec.json,
    description: spec.description,
    paper: spec.paper,
    completed,
    riskName: spec.runs[0].model.riskName,
    stoppedEarly: !completed,
    missing,
    runs,
  };
}

/** Runs the comparison of a validated spec: its plan's tasks on one worker pool (`runTaskPlan`), then `assembleCompare`. */
export async function runCompareSpec(spec: Spec, control: CompareControl = {}): Promise<CompareResult> {
  const t0 = performance.now();
  const plan = planCompare(spec, control.curveSteps ?? 40);
  const { prepared } = plan;
  const checkpoint = (i: number) => (control.checkpointDir ? join(control.checkpointDir, 'replicas', String(i)) : undefined);
  const resumed = prepared.map((_, i) => (control.resume && checkpoint(i) ? loadReplicas(checkpoint(i)!, replicaKey(plan, i)) : new Map<number, ParticleRun>()));
  const done = new Map<string, ParticleRun>(plan.tasks.flatMap((t) => (t.kind === 'replica' && resumed[t.run].has(t.replica) ? [[t.id, resumed[t.run].get(t.replica)!] as const] : [])));
  const list = plan.tasks.filter((t) => !done.has(t.id));
  const index = new Map(list.map((t, i) => [t.id, i]));
  // the PDE keeps its finished phases in the output folder, so that --resume continues from them
  const tasks: PlannedTask[] = plan.tasks.map((t) => ({
    id: t.id,
    group: t.kind,
    task:
      t.kind === 'pde' && control.checkpointDir !== undefined
        ? { ...t.task, input: { ...(t.task.input as object), checkpoint: { dir: control.checkpointDir, index: t.run, resume: control.resume ?? false } } }
        : t.task,
  }));
  const name = (t: CompareTask) => {
    const label = spec.hasVariants ? `${prepared[t.run].run.label}: ` : '';
    return t.kind === 'pde' ? `${label}PDE` : `${label}replica ${t.replica + 1}`;
  };
  // progress: each task's fraction done (PDE: t / end of its phase; replica: steps), averaged over the tasks
  const fractions = new Float64Array(list.length);
  const running = new Map<number, string>();
  let finished = 0;
  let lastMessage = 0;
  let saved = 0;
  const byId = await runTaskPlan({ tasks }, {
    workers: control.workers,
    shouldStop: control.shouldStop,
    done,
    taskError: (task, e) => errorOfRun(spec, list[index.get(task.id)!].run, e),
    onProgress: (task, message) => {
      const i = index.get(task.id)!;
      const m = message as { step?: number; totalSteps?: number; phase?: string; fraction?: number; detail?: string };
      if (m.step !== undefined && m.totalSteps) {
        fractions[i] = m.step / m.totalSteps;
        running.set(i, `${name(list[i])}: step ${m.step}/${m.totalSteps}`);
      } else if (m.fraction !== undefined) {
        fractions[i] = m.fraction;
        running.set(i, `${name(list[i])}${m.phase === 'PDE' ? '' : ` ${m.phase}`}: ${m.detail}`);
      }
      const now = performance.now();
      if (control.onProgress && now - lastMessage > 500) {
        lastMessage = now;
        control.onProgress(fractions.reduce((a, b) => a + b, 0) / list.length, `${finished}/${list.length} tasks done | ${[...running.values()].join(' | ')}`);
      }
    },
    onDone: (task, result) => {
      const i = index.get(task.id)!;
      running.delete(i);
      fractions[i] = 1;
      finished++;
      const t = list[i];
      const dir = checkpoint(t.run);
      if (t.kind === 'replica' && dir && (result as ParticleRun).completed) {
        saveReplica(dir, replicaKey(plan, t.run), t.replica, result as ParticleRun);
        saved++;
      }
    },
  });
  const tRun = performance.now();
  const replicasResumed = resumed.reduce((s, m) => s + m.size, 0);
  const result = assembleCompare(plan, (id) => (byId.get(id) as PdeSolution | ParticleRun | undefined) ?? null, makeProvenance(spec.seed, {}, spec.runs));
  const tEnd = performance.now();
  Object.assign(result.provenance.timings, { runMs: tRun - t0, diagnosticsMs: tEnd - tRun, totalMs: tEnd - t0, replicasResumed, replicasSaved: saved + replicasResumed });
  return result;
}

/** parseSpec + runCompareSpec. */
export async function runCompare(raw: unknown, options: SpecOptions = {}, control: CompareControl = {}): Promise<CompareResult> {
  return runCompareSpec(await parseSpec(raw, options), control);
}
