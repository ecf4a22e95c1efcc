/**
 * Width study (`compare --widths 250,500,1000` or a spec `widths` block): how finite networks approach
 * the mean-field limit as the number of units n grows. Generic over models: it needs a particle side
 * with an exact population risk R_n and, for the PDE reference, a reduced side (particle-only models
 * can pass a reference risk curve later; not done here).
 *
 * One PDE solution at the save times, and for every n K independent replicas (replica k = stream k of
 * the seed `widthSeed(spec seed, n)`, so ensembles are independent of each other and of the list, and
 * bit-identical for any number of workers). At every save time t and every n:
 *
 *   excess     e_n = mean_k R_n − R(ρ_t), its standard error std/√K;
 *   function   D_n = ‖ŷ_n − ŷ_MF‖² (replica mean), where the model offers `fittedFunction` (below);
 *   spread     std_k R_n (seed to seed).
 *
 * Fits over n at each t (bootstrap CIs: each resample redraws every n's replicas with replacement):
 *   excess = a/n + b   weighted least squares (weights 1/se²; b absorbs the PDE's own error);
 *   slopes of log e_n, log D_n, log std R_n on log n (where every value is > 0).
 * For the i.i.d. start e_n = C1/n (a = C1) and std R_n ∝ n^{-1/2}; along GD in the RVE picture the
 * excess stays O(1/n) and the spread heals from n^{-1/2} to n^{-1} at late times (RVE §3.2).
 */
import { z } from 'zod';
import { leastSquares, mean, std } from '../diagnostics/stats.ts';
import { ConfigError } from '../errors.ts';
import { makeProvenance } from '../io/output.ts';
import { replicaTaskOf } from '../particles/ensemble.ts';
import { replicaSpec, type ReplicaSpec } from '../particles/replica.ts';
import { writeResult } from '../io/result.ts';
import type { ParticleRun } from '../particles/sgd.ts';
import type { PdeSolution, PdeTrajectory } from '../pde/index.ts';
import { Grid } from '../grid.ts';
import { Rng } from '../rng.ts';
import { number, numberList, parseWith } from '../spec/fields.ts';
import type { RunSpec, Spec } from '../spec/index.ts';
import { MAX_SEEDS, MAX_UNITS } from '../spec/schema.ts';
import type { Provenance } from '../types.ts';
import { percentileCi, resample, type Estimate } from './clt-study.ts';
import { finishedResult, HORIZON_PROBES, runTaskPlan, type PlannedTask, type TaskPlan } from './task-plan.ts';
import { widthReport } from './width-report.ts';

/**
 * A model's network output as a function of x (`capabilities.fittedFunction`): a quadrature of its
 * input measure and ŷ_w(x) = Σ_i w_i σ*(x; θ_i) of weighted points in reduced coordinates, so that
 * ‖g‖² = Σ_q inputWeights_q g(x_q)² and the same code evaluates a network (w_i = 1/n), weighted
 * characteristics nodes and grid cells (centres with their masses).
 */
export interface FittedFunctionCapability {
  /** What ŷ is called in reports, e.g. "f_n". */
  readonly symbol: string;
  readonly inputs: Float64Array;
  readonly inputWeights: Float64Array;
  /** The target at the inputs (the function the network fits). */
  readonly target: Float64Array;
  /** out[q] = Σ_i w_i σ*(x_q; θ_i), θ_i = points[i·ndim …] in reduced coordinates. */
  evaluate(points: Float64Array, weights: Float64Array, out: Float64Array): void;
  /** Optional: a weighted marginal the network function is made of (e.g. the charge density in y), as a histogram. */
  readonly marginal?: {
    readonly label: string;
    readonly axis: string;
    /** Bin edges (bins = edges.length − 1). */
    readonly edges: Float64Array;
    /** out[b] = Σ_{i in bin b} w_i m(θ_i) / bin width. */
    histogram(points: Float64Array, weights: Float64Array, out: Float64Array): void;
  };
}

export function fittedFunctionOf(capabilities: Readonly<Record<string, unknown>> | undefined): FittedFunctionCapability | undefined {
  return capabilities?.fittedFunction as FittedFunctionCapability | undefined;
}

export const widthsSchema = z.strictObject({
  /** Numbers of units, strictly increasing, at least two. */
  ns: numberList({ integer: true, min: 2, max: MAX_UNITS }, { increasing: true, minLength: 2 }),
  /** Replicas per n (≥ 3 for a spread; default the particles block's seeds, at least 3). */
  seeds: number({ integer: true, min: 3, max: MAX_SEEDS }).optional(),
  /** Bootstrap resamples for the fit intervals (0: none). */
  bootstrap: number({ integer: true, min: 0, max: 100000 }).default(400),
});
export type WidthsSettings = z.output<typeof widthsSchema>;

/** Seed of the ensemble at n: independent streams per n from the spec seed (32-bit). */
export function widthSeed(seed: number, n: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(n, 0x85ebca6b)) >>> 0;
}

/** The PDE law at save index k as weighted points in reduced coordinates (nodes, or cell centres with masses). */
export function pdePoints(pde: PdeTrajectory, k: number): { points: Float64Array; weights: Float64Array } {
  const D = pde.coordinates.length;
  if (pde.nodes) return { points: pde.nodes.positions[k], weights: pde.nodes.weights };
  if (!pde.fv) throw new ConfigError('solver.method', 'the width study reads the PDE law as nodes or grid cells');
  const grid = new Grid(pde.fv.axes);
  const mass = pde.fv.density[k];
  const points = new Float64Array(mass.length * D);
  const index = new Array<number>(D).fill(0);
  for (let j = 0; j < mass.length; j++) {
    for (let a = 0; a < D; a++) points[j * D + a] = grid.centres[a][index[a]];
    for (let a = D - 1; a >= 0; a--) {
      // row-major: the last axis fastest (src/grid.ts)
      if (++index[a] < pde.fv.axes[a].cells) break;
      index[a] = 0;
    }
  }
  return { points, weights: mass };
}

/** Σ_q w_q (a_q − b_q)². */
function normSquared(weights: Float64Array, a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let q = 0; q < weights.length; q++) s += weights[q] * (a[q] - b[q]) ** 2;
  return s;
}

export interface SlopeEstimate {
  /** Least-squares slope of log(stat) on log n. */
  value: number;
  /** Bootstrap percentile 95 % interval (null without bootstrap or when a resample had a value ≤ 0). */
  ci: [number, number] | null;
}

export interface WidthTimeFit {
  t: number;
  /** excess = a/n + b (weighted least squares) with bootstrap intervals. */
  excess: { a: Estimate; b: Estimate };
  /** log-log slopes over n: excess (null if some mean excess ≤ 0), ‖ŷ_n − ŷ_MF‖² (null without the capability), std R_n. */
  excessSlope: SlopeEstimate | null;
  functionSlope: SlopeEstimate | null;
  stdSlope: SlopeEstimate | null;
}

export interface WidthEnsemble {
  n: number;
  seed: number;
  /** Per save time: R_n per replica, mean, std, the excess over the PDE and its standard error. */
  risk: number[];
  riskStd: number[];
  riskPerSeed: number[][];
  excess: number[];
  excessError: number[];
  /** ‖ŷ_n − ŷ_MF‖² per save time (replica mean, its standard error, per replica); null without the capability. */
  functionDistance: number[] | null;
  functionDistanceError: number[] | null;
  functionDistancePerSeed: number[][] | null;
  /** Replica 0's fitted function at the inputs at each save time (null without the capability). */
  fitted: Float64Array[] | null;
  stepsMs: number;
}

export interface WidthStudyResult {
  kind: 'meanfield.widths';
  provenance: Provenance;
  spec: Record<string, unknown>;
  riskName?: string;
  model: string;
  settings: { ns: number[]; seeds: number; bootstrap: number };
  times: number[];
  pde: { method: string; risk: number[]; checkRisk: number[] | null; c1: number[] | null; ms: number };
  /** Inputs, target and ŷ_MF at each save time (null without the capability). */
  functions: { symbol: string; inputs: Float64Array; target: Float64Array; meanField: Float64Array[] } | null;
  ensembles: WidthEnsemble[];
  fits: WidthTimeFit[];
  completed: boolean;
}

export interface WidthStudyControl {
  workers?: number;
  shouldStop?: () => boolean;
  onProgress?: (message: string) => void;
}

const TASKS = new URL('./tasks.ts', import.meta.url).href;

/** Slope of log(stat(sample_n)) on log n, with bootstrap over the replicas of each n. */
function logLogSlope(ns: number[], samples: number[][], stat: (x: readonly number[]) => number, bootstrap: number, rng: Rng): SlopeEstimate | null {
  const design = ns.map((n) => [Math.log(n), 1]);
  const slopeOf = (ys: number[]) => (ys.every((y) => y > 0) ? leastSquares(design, ys.map(Math.log)).coefficients[0] : null);
  const value = ns.length > 2 ? slopeOf(samples.map(stat)) : null;
  if (value === null) return null;
  const slopes: number[] = [];
  for (let b = 0; b < bootstrap; b++) {
    const s = slopeOf(samples.map((x) => stat(resample(x, rng))));
    if (s === null) return { value, ci: null };
    slopes.push(s);
  }
  return { value, ci: bootstrap > 0 ? percentileCi(slopes) : null };
}

/** excess_n = a/n + b by weighted least squares (weights 1/se²), bootstrap over the replicas. */
function excessFit(ns: number[], samples: number[][], reference: number, bootstrap: number, rng: Rng): { a: Estimate; b: Estimate } {
  const design = ns.map((n) => [1 / n, 1]);
  const stat = (x: readonly number[]) => mean(x) - reference;
  const errors = samples.map((x) => Math.max(std(x) / Math.sqrt(x.length), 1e-300));
  const weights = errors.map((e) => 1 / (e * e));
  const fit = leastSquares(design, samples.map(stat), weights);
  const as: number[] = [];
  const bs: number[] = [];
  for (let r = 0; r < bootstrap; r++) {
    const c = leastSquares(design, samples.map((x) => stat(resample(x, rng))), weights).coefficients;
    as.push(c[0]);
    bs.push(c[1]);
  }
  return {
    a: { value: fit.coefficients[0], se: fit.standardErrors[0], ci: bootstrap > 0 ? percentileCi(as) : null },
    b: { value: fit.coefficients[1], se: fit.standardErrors[1], ci: bootstrap > 0 ? percentileCi(bs) : null },
  };
}

/** The `widths` block (or --widths) validated against the spec: one run, a particle side, a PDE. */
/** The spec's "widths" block with the command line's --widths and --seeds in place of its ns and seeds (both width studies). */
export function widthsWithFlags(widths: Record<string, unknown> | undefined, flags: { ns?: number[]; seeds?: number } | undefined): Record<string, unknown> {
  return { ...(widths ?? {}), ...(flags?.ns ? { ns: flags.ns } : {}), ...(flags?.seeds ? { seeds: flags.seeds } : {}) };
}

export function widthSettings(spec: Spec, raw: unknown): WidthsSettings & { seeds: number } {
  if (spec.hasVariants) throw new ConfigError('variants', 'the width study runs one spec (no variants): the widths are its variants');
  const run = spec.runs[0];
  if (!run.particles) throw new ConfigError('particles', 'the width study needs a "particles" block: { "n": 200, "epsilon": 0.01 }');
  const s = parseWith(widthsSchema, raw, 'widths');
  return { ...s, seeds: s.seeds ?? Math.max(3, run.particles.seeds) };
}

/** The width study as a task list (src/pipeline/task-plan.ts): the PDE (`pde`), then replica k of width n (`n<n>-replica<k>`). */
export function planWidthStudy(spec: Spec, settings: WidthsSettings & { seeds: number }): TaskPlan<WidthStudyResult> {
  const run: RunSpec = spec.runs[0];
  const { ns, seeds } = settings;
  const ensembleSpecs = ns.map((n) => replicaSpec(run, { n, seed: widthSeed(run.seed, n) }));
  const replicaId = (n: number, k: number) => `n${n}-replica${k}`;
  const tasks: PlannedTask[] = [{ id: 'pde', task: { module: TASKS, export: 'pdeTask', input: { json: run.json, label: run.label, seed: run.seed } }, group: 'pde' }];
  ensembleSpecs.forEach((es, i) => {
    for (let k = 0; k < seeds; k++) tasks.push({ id: replicaId(ns[i], k), task: replicaTaskOf(es, k), group: `n${ns[i]}` });
  });
  return {
    tasks,
    isComplete: finishedResult,
    assemble: (resultOf, provenance) => assembleWidthStudy(spec, settings, ensembleSpecs, resultOf(tasks[0].id) as PdeSolution | null, (i, k) => resultOf(replicaId(ns[i], k)) as ParticleRun | null, provenance),
    write: (dir, result) => {
      const files = writeResult(dir, result, widthReport(result));
      return [files.json, files.html];
    },
    ...HORIZON_PROBES,
  };
}

/** Runs the width study of a one-run spec: its plan's tasks on one worker pool, then the assembly. */
export async function runWidthStudy(spec: Spec, settings: WidthsSettings & { seeds: number }, control: WidthStudyControl = {}): Promise<WidthStudyResult> {
  const t0 = performance.now();
  const plan = planWidthStudy(spec, settings);
  let done = 0;
  let last = 0;
  const results = await runTaskPlan(plan, {
    workers: control.workers,
    shouldStop: control.shouldStop,
    onDone: () => {
      done++;
      const now = performance.now();
      if (control.onProgress && now - last > 1000) {
        last = now;
        control.onProgress(`widths: ${done}/${plan.tasks.length} tasks (PDE + ${settings.ns.length} × ${settings.seeds} replicas)`);
      }
    },
  });
  const result = plan.assemble((id) => results.get(id) ?? null, makeProvenance(spec.seed, {}, spec.runs));
  Object.assign(result.provenance.timings, { totalMs: performance.now() - t0, pdeMs: result.pde.ms, stepsMs: result.ensembles.reduce((s, e) => s + e.stepsMs, 0) });
  return result;
}

/** The study from the PDE solution and the replicas (replica k of width index i). */
function assembleWidthStudy(
  spec: Spec,
  settings: WidthsSettings & { seeds: number },
  ensembleSpecs: ReplicaSpec[],
  solution: PdeSolution | null,
  replica: (i: number, k: number) => ParticleRun | null,
  provenance: Provenance,
): WidthStudyResult {
  const run: RunSpec = spec.runs[0];
  const { ns, seeds, bootstrap } = settings;
  if (!solution) throw new Error('widths: interrupted before the PDE finished');
  const pde = solution.main;
  const runs = ns.map((_, i) => Array.from({ length: seeds }, (_, k) => replica(i, k)));
  const reached = Math.min(pde.times.length, ...runs.flat().map((r) => (r ? r.snapshots.length : 0)));
  if (reached === 0) throw new Error('widths: interrupted before every replica reached the first save time');
  const times = run.saveTimes.slice(0, reached);
  const capability = fittedFunctionOf(run.model.capabilities);
  const D = pde.coordinates.length;
  const meanField = capability
    ? times.map((_, k) => {
        const out = new Float64Array(capability.inputs.length);
        const { points, weights } = pdePoints(pde, k);
        capability.evaluate(points, weights, out);
        return out;
      })
    : null;
  const ensembles: WidthEnsemble[] = ns.map((n, i) => {
    const reps = runs[i] as ParticleRun[];
    const riskPerSeed = times.map((_, k) => reps.map((r) => r.snapshots[k].populationRisk!));
    const unitWeights = new Float64Array(n).fill(1 / n);
    const fitted: Float64Array[] = [];
    const functionDistancePerSeed = capability
      ? times.map((_, k) =>
          reps.map((r, j) => {
            const out = new Float64Array(capability.inputs.length);
            capability.evaluate(r.snapshots[k].reduced.subarray(0, n * D), unitWeights, out);
            if (j === 0) fitted.push(out);
            return normSquared(capability.inputWeights, out, meanField![k]);
          }),
        )
      : null;
    return {
      n,
      seed: ensembleSpecs[i].options.seed,
      risk: riskPerSeed.map(mean),
      riskStd: riskPerSeed.map(std),
      riskPerSeed,
      excess: riskPerSeed.map((x, k) => mean(x) - pde.risk[k]),
      excessError: riskPerSeed.map((x) => std(x) / Math.sqrt(seeds)),
      functionDistance: functionDistancePerSeed && functionDistancePerSeed.map(mean),
      functionDistanceError: functionDistancePerSeed && functionDistancePerSeed.map((x) => std(x) / Math.sqrt(seeds)),
      functionDistancePerSeed,
      fitted: capability ? fitted : null,
      stepsMs: reps.reduce((s, r) => s + r.timings.stepsMs, 0),
    };
  });
  const rng = new Rng(run.seed, 0xb0075);
  const fits = times.map((t, k): WidthTimeFit => {
    const samples = ensembles.map((e) => e.riskPerSeed[k]);
    const reference = pde.risk[k];
    return {
      t,
      excess: excessFit(ns, samples, reference, bootstrap, rng),
      excessSlope: logLogSlope(ns, samples, (x) => mean(x) - reference, bootstrap, rng),
      functionSlope: capability && t > 0 ? logLogSlope(ns, ensembles.map((e) => e.functionDistancePerSeed![k]), mean, bootstrap, rng) : null,
      stdSlope: logLogSlope(ns, samples, std, bootstrap, rng),
    };
  });
  return {
    kind: 'meanfield.widths',
    provenance,
    spec: spec.json,
    riskName: run.model.riskName,
    model: run.model.label,
    settings: { ns, seeds, bootstrap },
    times,
    pde: { method: pde.method, risk: pde.risk.slice(0, reached), checkRisk: solution.check ? solution.check.risk.slice(0, reached) : null, c1: pde.c1 ? pde.c1.slice(0, reached) : null, ms: pde.ms },
    functions: capability ? { symbol: capability.symbol, inputs: capability.inputs, target: capability.target, meanField: meanField! } : null,
    ensembles,
    fits,
    completed: reached === run.saveTimes.length && runs.flat().every((r) => r?.completed),
  };
}
