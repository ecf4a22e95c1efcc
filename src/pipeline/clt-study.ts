/**
 * CLT study: ensembles of real online SGD over a list of N and ε, against the predicted seed-to-seed
 * std of src/clt (src/clt/README.md, "The result") and its transport-only ablation. The model must
 * offer the `clt` capability (src/clt/index.ts) and a particle side.
 *
 * For every (N, ε) — an "ensemble" — K replicas run as pool tasks (replica k = stream k of
 * a seed derived from (spec seed, N, ε), see `ensembleSeed`: ensembles are independent of each
 * other and of the order of the lists, and bit-identical for any number of workers). At every
 * save time t of the ensemble and for Φ ∈ {R_N (exact population risk), mean radius}:
 *
 *   measured   mean, std over replicas; SE of the mean std/√K; sampling error of the std
 *              std/√(2(K−1)) (src/diagnostics/stats.ts);
 *   predicted  std √(Var_init/N + (ε/B)(I_C + I_I/N)), parts, known mean shifts (C1/N at t = 0,
 *              Itô shift of the radius), and the same std with the nonlocal term dropped;
 *   z          (measured std − predicted std) / sampling error of the std (same for the ablation).
 *
 * Fits per (Φ, ε, t) over N (weighted least squares, bootstrap CIs from resampling the seeds within
 * each N with the project Rng):
 *   variance  Var_N = a/N + b, i.e. N·Var = a + b·N: predicted a = Var_init + ε I_I/B,
 *             b = ε I_C/B (common noise). N·(Var − ε I_C/B) is the N-independent "collapse".
 *   bias      mean Φ_N − Φ_PDE = c/N + e: predicted c = C1 for R_N at t = 0 (0 for the radius),
 *             e = 0 for R_N at t = 0 and e = Itô shift for the radius; not predicted otherwise.
 *
 * Costs: the prediction does not depend on N, ε, B except through the final assembly (Var_init,
 * I_C, I_I, J are properties of the PDE path), so it is computed once with and once without the
 * nonlocal term, as two pool tasks, at all save times; each ensemble's numbers are then assembled by
 * `assemblePrediction` (the formulas of src/clt/predict.ts, bit for bit for the std). Its warnings
 * come from `predictFromRun` at t = 0 with that N, ε, B (cheap) plus the separatrix check of its own
 * save times.
 *
 * Tasks: `planCltStudy` lists the two predictions (`prediction`, `ablation`) and every replica
 * (`n<N>-eps<ε>-replica<k>`) with the assembly of their results; `runCltStudy` runs that list on one
 * worker pool, and the cluster path (src/cluster) runs the same list as shards and merges, so both give
 * the same result.
 *
 * Spec: one run (no variants) with a `clt` block, validated here:
 *   "clt": { "ns": [400, 1600], "epsilons": [2e-5, 1e-4], "seeds": 60,
 *            "horizons": [1, 5],      // optional, per ε: the last save time run at that ε
 *            "batch": 1,              // optional (default particles.batch, else 1)
 *            "bootstrap": 400 }       // optional: bootstrap resamples (0: none)
 * Missing ns, epsilons, seeds default to the particles block's n, epsilon, seeds.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { cltCapabilityOf, predictFromRun, predictionInterrupted, type CltPrediction, type CltWarning } from '../clt/predict.ts';
import { leastSquares, mean, standardError, std, stdStandardError } from '../diagnostics/stats.ts';
import { ConfigError } from '../errors.ts';
import { join } from 'node:path';
import { checkpointFolder, loadCheckpoint, loadReplicas, saveCheckpoint, saveReplica } from '../io/checkpoint.ts';
import { makeProvenance, toJson } from '../io/output.ts';
import { writeResult } from '../io/result.ts';
import { replicaTaskOf } from '../particles/ensemble.ts';
import { replicaSpec, type ReplicaSpec } from '../particles/replica.ts';
import type { ParticleRun } from '../particles/sgd.ts';
import { colorAt } from '../plot/figures.ts';
import { formatNumber } from '../plot/format.ts';
import { plotFigure, TIME_TITLE } from '../plot/layout.ts';
import type { PlotlyFigure, ReportSection } from '../plot/html-report.ts';
import { Rng } from '../rng.ts';
import { jsonObject, number, numberList, parseWith } from '../spec/fields.ts';
import type { RunSpec, Spec } from '../spec/index.ts';
import { MAX_SEEDS } from '../spec/schema.ts';
import { MAX_WORKERS } from '../parallel/pool.ts';
import type { Provenance } from '../types.ts';
import { predictionTask } from './fluctuations.ts';
import { HORIZON_PROBES, runTaskPlan, type PlannedTask, type TaskPlan } from './task-plan.ts';

// ---------------------------------------------------------------------------------------------
// Settings and the `clt` block

export interface CltStudySettings {
  /** Numbers of units, integers ≥ 2, strictly increasing. */
  ns: number[];
  /** SGD steps, in (0, 1], strictly increasing. */
  epsilons: number[];
  /** Replicas K per (N, ε), integer ≥ 3. */
  seeds: number;
  /** Per ε (same length as `epsilons`): the last save time run at that ε (default: the last save time). */
  horizons?: number[];
  /** Batch size B (default: particles.batch, else 1). */
  batch?: number;
  /** Bootstrap resamples for the fit CIs (default 400; 0: no bootstrap). */
  bootstrap?: number;
}

export interface CltStudyProgress {
  phase: 'predict' | 'ensemble' | 'analysis';
  /** One line for a terminal. */
  message: string;
  /** Estimated fraction of the total work done, in [0, 1]. */
  fraction: number;
  elapsedMs: number;
  /** Estimated remaining time (null until one ensemble has run). */
  etaMs: number | null;
  ensemble?: { index: number; count: number; n: number; epsilon: number; replicasDone: number; replicas: number };
}

export interface CltStudyControl {
  /** Worker threads for the replicas (default: all cores). 0 runs them in the calling thread. */
  workers?: number;
  /** Called about once a second and at the end of every ensemble. */
  onProgress?: (p: CltStudyProgress) => void;
  /**
   * Polled every 100 ms; true stops the study: finished ensembles (and the finished replicas of the
   * running one, if ≥ 3) are analysed. During the prediction a stop rejects with an Error named 'Interrupted'.
   */
  shouldStop?: () => boolean;
  /** Seed of the bootstrap Rng (default: the spec's seed). */
  bootstrapSeed?: number;
  /** Folder for checkpoints: the prediction and every finished replica are saved there at once. */
  checkpointDir?: string;
  /** Reuse the prediction and replicas found in checkpointDir from an identical earlier study. */
  resume?: boolean;
  /** Save times at or beyond this get the separatrix warning (default 3, MMN Fig. 1). */
  separatrixTime?: number;
}

export type CltStudyOptions = CltStudySettings & CltStudyControl;

/** The `clt` block once its defaults are filled in (horizons may still be missing). */
function cltBlockSchema(firstSaveTime: number) {
  return z
    .strictObject({
      ns: numberList({ integer: true, min: 2, max: 1e6 }, { increasing: true }),
      epsilons: numberList({ above: 0, max: 1 }, { increasing: true }),
      seeds: number({ integer: true, min: 3, max: MAX_SEEDS }),
      horizons: numberList({ min: firstSaveTime }).optional(),
      batch: number({ integer: true, min: 1, max: 1e6 }),
      bootstrap: number({ integer: true, min: 0, max: 100000 }).default(400),
    })
    .superRefine((o, ctx) => {
      if (o.horizons && o.horizons.length !== o.epsilons.length) {
        ctx.addIssue({ code: 'custom', path: ['horizons'], message: `must have one entry per epsilon (${o.epsilons.length}, got ${o.horizons.length})` });
      }
    });
}

/**
 * Validates a `clt` block (or CLI overrides merged into one) against a run; errors name
 * "<path>.<field>". Missing `ns`, `epsilons`, `seeds` default to the run's particles n, epsilon,
 * seeds (seeds only if ≥ 3), `batch` to particles.batch, `horizons` to the last save time.
 */
export function parseCltBlock(value: unknown, run: RunSpec, path = 'clt'): Required<CltStudySettings> {
  const o = value === undefined ? {} : parseWith(jsonObject, value, path);
  const p = run.particles;
  const withDefaults = {
    ...o,
    ...(o.ns === undefined && p ? { ns: [p.n] } : {}),
    ...(o.epsilons === undefined && p ? { epsilons: [p.epsilon] } : {}),
    ...(o.seeds === undefined && p && p.seeds >= 3 ? { seeds: p.seeds } : {}),
    ...(o.batch === undefined ? { batch: p?.batch ?? 1 } : {}),
  };
  const block = parseWith(cltBlockSchema(run.saveTimes[0]), withDefaults, path);
  const last = run.saveTimes[run.saveTimes.length - 1];
  return { ...block, horizons: block.horizons ?? block.epsilons.map(() => last) };
}

/**
 * The run and the `clt` block of a spec (one run: the study has no variants). `overrides` (e.g. CLI
 * flags) replace block entries.
 */
export function parseCltStudySpec(spec: Spec, overrides: Partial<CltStudySettings> = {}): { run: RunSpec; clt: Required<CltStudySettings> } {
  if (spec.hasVariants) throw new ConfigError('variants', 'the CLT study runs one model and initial law: remove "variants"');
  const run = spec.runs[0];
  const block: Record<string, unknown> = spec.clt === undefined ? {} : { ...spec.clt };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) block[key] = value;
  // the block's horizons pair with the block's epsilons: --epsilons of another length cannot keep them
  const horizons = block.horizons;
  if (overrides.epsilons && Array.isArray(horizons) && horizons.length !== overrides.epsilons.length && overrides.horizons === undefined) {
    throw new ConfigError('--epsilons', `gives ${overrides.epsilons.length} step(s) but the spec's clt.horizons has one horizon per epsilon of the spec (${horizons.length}): give ${horizons.length} --epsilons, or remove clt.horizons (every ε then runs to the last save time)`);
  }
  return { run, clt: parseCltBlock(block, run) };
}

/** `parseCltStudySpec` then `runCltStudy`. */
export async function runCltStudyFromSpec(spec: Spec, control: CltStudyControl & { overrides?: Partial<CltStudySettings> } = {}): Promise<CltStudyResult> {
  const { run, clt } = parseCltStudySpec(spec, control.overrides);
  return runCltStudy(run, { ...clt, ...control });
}

/**
 * The seed of the (N, ε) ensemble: a 32-bit mix of the spec's seed, N and the bits of ε
 * (MurmurHash3's finaliser per word). Replica k of that ensemble is Rng(seed, k).
 */
export function ensembleSeed(specSeed: number, n: number, epsilon: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, epsilon, true);
  let h = specSeed >>> 0;
  for (const word of [n >>> 0, view.getUint32(0, true), view.getUint32(4, true)]) {
    h = Math.imul(h ^ word, 0xcc9e2d51);
    h = (h << 15) | (h >>> 17);
    h = Math.imul(h, 0x1b873593);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Prediction at a given N, ε, B from the N-independent parts

/**
 * The prediction at (n, ε, B) from `base` (same run, any n, ε, B): the parts and the std by the
 * formulas of src/clt/predict.ts (bit-identical to predictFromRun for the std), the Itô shift
 * rescaled by (ε/B)/(ε₀/B₀). `noise` and `warnings` are taken as given.
 */
export function assemblePrediction(
  base: CltPrediction,
  o: { n: number; epsilon: number; batch: number },
  noise: CltPrediction['noise'],
  warnings: CltWarning[],
): CltPrediction {
  const { n, epsilon, batch } = o;
  const parts = (varInit: number[], common: number[] | null, sameUnit: number[] | null) => ({
    init: varInit.map((v) => v / n),
    common: common ? common.map((v) => (epsilon * v) / batch) : null,
    sameUnit: common && sameUnit ? sameUnit.map((v) => (epsilon * v) / (batch * n)) : null,
  });
  const total = (p: ReturnType<typeof parts>) => p.init.map((v, i) => Math.sqrt(v + (p.common ? p.common[i] + p.sameUnit![i] : 0)));
  const risk = parts(base.varInitRisk, base.noiseCommonRisk, base.noiseSameUnitRisk);
  const radius = parts(base.varInitMeanRadius, base.noiseCommonMeanRadius, base.noiseSameUnitMeanRadius);
  const scale = epsilon / batch / (base.settings.epsilon / base.settings.batch);
  return {
    ...base,
    settings: { ...base.settings, n, epsilon, batch },
    variancePartsRisk: risk,
    predictedStdRisk: total(risk),
    meanShiftRisk: base.times.map((t) => (t === 0 ? base.c1 / n : null)),
    variancePartsMeanRadius: radius,
    predictedStdMeanRadius: total(radius),
    meanShiftMeanRadius: base.meanShiftMeanRadius ? base.meanShiftMeanRadius.map((v) => v * scale) : null,
    noise,
    warnings,
  };
}

// ---------------------------------------------------------------------------------------------
// Result types

export type ObservableName = 'risk' | 'meanRadius';
export const OBSERVABLES: readonly ObservableName[] = ['risk', 'meanRadius'];
const LABEL: Record<ObservableName, string> = { risk: 'R_N', meanRadius: 'mean radius' };

export interface EnsembleObservable {
  /** Per save time, per completed replica. */
  perSeed: number[][];
  mean: number[];
  /** Standard error of the mean, std/√K. */
  meanError: number[];
  std: number[];
  /** Sampling error of the std, std/√(2(K−1)). */
  stdError: number[];
  /** Φ(ρ̄_t) (weighted radial characteristics of src/clt; ~1e-8 before the separatrix). */
  pde: number[];
  /** Measured mean − PDE. */
  bias: number[];
  /** Predicted E Φ_N − Φ_PDE where known (C1/N at t = 0 for R_N; the Itô shift for the radius). */
  predictedMeanShift: (number | null)[];
  /**
   * (bias − predicted shift)/SE of the mean where the predicted shift is complete: t = 0 (C1/N for
   * R_N, 0 for the radius); null at t > 0 (the O(1/N) part is not predicted there).
   */
  biasZ: (number | null)[];
  predictedStd: number[];
  parts: CltPrediction['variancePartsRisk'];
  z: number[];
  ablationStd: number[];
  ablationZ: number[];
}

export interface CltEnsemble {
  n: number;
  epsilon: number;
  batch: number;
  /** Rng seed of this ensemble (replica k: stream k). */
  seed: number;
  /** Replicas requested and completed (only completed replicas are analysed). */
  replicas: number;
  completedReplicas: number;
  times: number[];
  /** Index of each time in the study's `times`. */
  timeIndex: number[];
  risk: EnsembleObservable;
  meanRadius: EnsembleObservable;
  /** The model's linear-noise indicator (src/clt/noise.ts), null without the noise model. */
  linearNoiseIndicator: number | null;
  warnings: CltWarning[];
  wallMs: number;
}

export interface Estimate {
  value: number;
  /** Standard error from the weighted fit (known per-point errors). */
  se: number;
  /** Bootstrap percentile 95 % interval (null without bootstrap). */
  ci: [number, number] | null;
}

export interface VarianceFit {
  observable: ObservableName;
  epsilon: number;
  t: number;
  ns: number[];
  /** Measured N·Var and its error N·Var·√(2/(K−1)). */
  nVar: number[];
  nVarError: number[];
  /** N·(Var − ε I_C/B): the N-independent part of N·Var under the prediction. */
  collapse: number[];
  /** Var = slope/N + intercept. */
  slope: Estimate;
  intercept: Estimate;
  predictedSlope: number;
  predictedIntercept: number;
  ablationSlope: number;
  ablationIntercept: number;
}

export interface BiasFit {
  observable: ObservableName;
  epsilon: number;
  t: number;
  ns: number[];
  bias: number[];
  biasError: number[];
  /** bias = slope/N + intercept. */
  slope: Estimate;
  intercept: Estimate;
  /** C1 for R_N at t = 0, 0 for the radius at t = 0; null where not predicted. */
  predictedSlope: number | null;
  /** 0 for R_N at t = 0; the Itô shift for the radius; null where not predicted. */
  predictedIntercept: number | null;
  /** Predicted slope inside the bootstrap CI (null where not predicted or no bootstrap). */
  slopeInCi: boolean | null;
}

export interface AgreementGroup {
  label: string;
  cells: number;
  withinTwo: number;
  fraction: number;
  meanAbsZ: number;
  /** Mean signed z (> 0: measured std above the prediction) and max |z|. */
  meanZ: number;
  maxAbsZ: number;
  ablationWithinTwo: number;
  ablationFraction: number;
  ablationMeanAbsZ: number;
}

export interface CltStudyResult {
  kind: 'meanfield.clt-study';
  provenance: Provenance;
  /** The run's spec (JSON). */
  spec: Record<string, unknown>;
  settings: Required<CltStudySettings> & { bootstrapSeed: number; separatrixTime: number };
  /** Save times of the study: the run's, up to the longest horizon (each ensemble runs a prefix). */
  times: number[];
  ensembles: CltEnsemble[];
  /** (N, ε) that were not analysed (stopped before 3 replicas finished). */
  skipped: { n: number; epsilon: number }[];
  varianceFits: VarianceFit[];
  biasFits: BiasFit[];
  summary: {
    /** The acceptance set (N ≥ 400, t ≤ 1) per observable, then all cells. */
    groups: AgreementGroup[];
    /** Per observable and save time, N ≥ 400. */
    byTime: (AgreementGroup & { t: number; observable: ObservableName })[];
    /** Per N, all cells. */
    byN: (AgreementGroup & { n: number })[];
    /** Plain-language statements on healing and on where the leading order stops being trustworthy. */
    healing: string[];
    trust: string[];
  };
  /** The base predictions (settings of the first ensemble) at the study's save times. */
  prediction: CltPrediction;
  ablation: CltPrediction;
  completed: boolean;
  /** Whether an interrupt stopped the study, and what is missing because of it (one line per piece). */
  stoppedEarly: boolean;
  missing: string[];
}

// ---------------------------------------------------------------------------------------------
// The study

/** Acceptance set of the CLT issue: N ≥ 400, t ≤ 1. */
export const CORE_MIN_N = 400;
export const CORE_MAX_T = 1;
const BOOTSTRAP_STREAM = 0x40000000;

function meanRadiusOf(run: ParticleRun, k: number): number {
  const snap = run.snapshots[k];
  const dims = run.reducedNames.length;
  let s = 0;
  for (let i = 0; i < run.n; i++) s += snap.reduced[i * dims];
  return s / run.n;
}

function timesUpTo(saveTimes: readonly number[], horizon: number): number[] {
  return saveTimes.filter((t) => t <= horizon * (1 + 1e-12));
}

/** The particles block the replica specs start from (trainA/trainB from the run; the rest is set per ensemble). */
function withParticles(run: RunSpec, settings: Required<CltStudySettings>): RunSpec {
  if (run.particles) return run;
  const { ns, epsilons, batch, seeds } = settings;
  return { ...run, particles: { n: ns[0], epsilon: epsilons[0], batch, seeds, trainA: false, trainB: false, testSamples: 0, sampling: 'shared', precision: 'float64', threads: 'auto' } };
}

/** One (N, ε) ensemble of the study: its replicas' spec and a rough cost (one exact R_N ≈ 5 N² unit-steps). */
interface PlannedEnsemble {
  /** Task id prefix: `n<N>-eps<ε>` (replica k: `<id>-replica<k>`). */
  id: string;
  n: number;
  epsilon: number;
  times: number[];
  seed: number;
  spec: ReplicaSpec;
  work: number;
}

/** The CLT study as a task list (src/pipeline/task-plan.ts): the prediction, its ablation, every replica. */
export interface CltStudyPlan extends TaskPlan<CltStudyResult> {
  readonly run: RunSpec;
  readonly settings: Required<CltStudySettings>;
  readonly ensembles: readonly PlannedEnsemble[];
  /** Checkpoint key of the two predictions (src/io/checkpoint.ts). */
  readonly predictionKey: string;
}

const PREDICTION_IDS = ['prediction', 'ablation'] as const;

/**
 * The study's tasks in a fixed order (the two predictions, then the replicas by ensemble and index)
 * and its assembly. Validation and the cheap t = 0 predictions per (N, ε) happen here, so a bad spec
 * fails before anything runs. Replica k of ensemble (N, ε) is stream k of `ensembleSeed(seed, N, ε)`.
 */
export function planCltStudy(run: RunSpec, options: CltStudySettings & Pick<CltStudyControl, 'bootstrapSeed' | 'separatrixTime'>): CltStudyPlan {
  cltCapabilityOf(run.model, 'the CLT study');
  if (run.noise) throw new ConfigError('noise', 'the CLT prediction is for noiseless online SGD (MMN eq. 3); remove "noise"');
  const settings = parseCltBlock(
    { ns: options.ns, epsilons: options.epsilons, seeds: options.seeds, horizons: options.horizons, batch: options.batch, bootstrap: options.bootstrap },
    run,
  );
  const { ns, epsilons, seeds, horizons, batch } = settings;
  const bootstrapSeed = parseWith(number({ integer: true, min: 0, max: 4294967295 }), options.bootstrapSeed ?? run.seed, 'bootstrapSeed');
  const separatrixTime = parseWith(number({ above: 0 }), options.separatrixTime ?? 3, 'separatrixTime');

  // Save times up to the longest horizon (the prediction's cost grows with its last time)
  const studyTimes = timesUpTo(run.saveTimes, Math.max(...horizons));
  const predictRun: RunSpec = { ...run, saveTimes: studyTimes, json: { ...run.json, saveTimes: studyTimes } };

  // The ensembles (replica specs now: a model without particles is a ConfigError here)
  const replicaBase = withParticles(run, settings);
  const ensembles: PlannedEnsemble[] = epsilons.flatMap((epsilon, ei) =>
    ns.map((n) => {
      const times = timesUpTo(studyTimes, horizons[ei]);
      const steps = Math.round(times[times.length - 1] / epsilon);
      const seed = ensembleSeed(run.seed, n, epsilon);
      const spec = replicaSpec(replicaBase, { n, epsilon, batch, saveTimes: times, seed, testSamples: 0 });
      return { id: `n${n}-eps${epsilon}`, n, epsilon, times, seed, spec, work: seeds * (n * steps + 5 * n * n * times.length) };
    }),
  );

  // Validation and warnings per (N, ε) at t = 0 (cheap; throws the ConfigErrors of src/clt early)
  const t0Run: RunSpec = { ...run, saveTimes: [0] };
  const atZero = ensembles.map((p) => predictFromRun(t0Run, { n: p.n, epsilon: p.epsilon, batch, separatrixTime }));

  // The full prediction and its ablation at all save times, at the settings of the first ensemble
  const first = { n: ensembles[0].n, epsilon: ensembles[0].epsilon, batch, separatrixTime };
  const tasks: PlannedTask[] = [
    { id: PREDICTION_IDS[0], task: predictionTask(predictRun, first), group: 'prediction' },
    { id: PREDICTION_IDS[1], task: predictionTask(predictRun, { ...first, nonlocal: false }), group: 'prediction' },
    ...ensembles.flatMap((p) => Array.from({ length: seeds }, (_, k) => ({ id: `${p.id}-replica${k}`, task: replicaTaskOf(p.spec, k), group: p.id }))),
  ];

  const assemble = (resultOf: (id: string) => unknown, provenance: Provenance): CltStudyResult => {
    const prediction = resultOf(PREDICTION_IDS[0]) as CltPrediction | null;
    const ablation = resultOf(PREDICTION_IDS[1]) as CltPrediction | null;
    if (prediction === null || ablation === null) throw predictionInterrupted('CLT study interrupted during the prediction');
    const analysed: CltEnsemble[] = [];
    const skipped: { n: number; epsilon: number }[] = [];
    ensembles.forEach((p, e) => {
      const runs = Array.from({ length: seeds }, (_, k) => resultOf(`${p.id}-replica${k}`) as ParticleRun | null).filter((r): r is ParticleRun => r !== null && r.completed);
      if (runs.length < 3) {
        skipped.push({ n: p.n, epsilon: p.epsilon });
        return;
      }
      analysed.push(analyseEnsemble(run, p, runs, seeds, batch, studyTimes, atZero[e], prediction, ablation, separatrixTime));
    });
    const missing = [
      ...skipped.map((k) => `ensemble N = ${k.n}, ε = ${k.epsilon} (stopped before 3 replicas finished: not analysed)`),
      ...analysed.filter((e) => e.completedReplicas < e.replicas).map((e) => `ensemble N = ${e.n}, ε = ${e.epsilon}: ${e.replicas - e.completedReplicas} of ${e.replicas} replicas (analysed with the ${e.completedReplicas} finished)`),
    ];
    const fitSettings = { bootstrap: settings.bootstrap, bootstrapSeed };
    const partial: Omit<CltStudyResult, 'summary'> = {
      kind: 'meanfield.clt-study',
      provenance,
      spec: run.json,
      settings: { ...settings, bootstrapSeed, separatrixTime },
      times: studyTimes,
      ensembles: analysed,
      skipped,
      varianceFits: fitVariances(analysed, epsilons, studyTimes, prediction, ablation, batch, fitSettings),
      biasFits: fitBiases(analysed, epsilons, studyTimes, prediction.c1, fitSettings),
      prediction,
      ablation,
      completed: missing.length === 0,
      stoppedEarly: missing.length > 0,
      missing,
    };
    return { ...partial, summary: summariseCltStudy(partial) };
  };

  return {
    run,
    settings,
    ensembles,
    predictionKey: toJson([predictRun.json, run.seed, first]),
    tasks,
    assemble,
    isComplete: (result) => result !== null && ((result as CltPrediction).kind === 'meanfield.clt' || (result as ParticleRun).completed === true),
    write: (dir, result) => {
      const files = writeResult(dir, result, cltStudyReport(result));
      return [files.json, files.html];
    },
    ...HORIZON_PROBES,
  };
}

/** The measured and predicted numbers of one ensemble from its completed replicas (≥ 3). */
function analyseEnsemble(
  run: RunSpec,
  p: PlannedEnsemble,
  runs: ParticleRun[],
  seeds: number,
  batch: number,
  studyTimes: number[],
  cheap: CltPrediction,
  prediction: CltPrediction,
  ablation: CltPrediction,
  separatrixTime: number,
): CltEnsemble {
  const late = p.times.some((t) => t >= separatrixTime);
  const warnings = [...cheap.warnings.filter((w) => w.code !== 'separatrix'), ...(late ? prediction.warnings.filter((w) => w.code === 'separatrix') : [])];
  const at = { n: p.n, epsilon: p.epsilon, batch };
  const full = assemblePrediction(prediction, at, cheap.noise, warnings);
  const abl = assemblePrediction(ablation, at, cheap.noise, []);
  const timeIndex = p.times.map((t) => studyTimes.indexOf(t));
  const observable = (name: ObservableName): EnsembleObservable => {
    const perSeed = p.times.map((_, k) =>
      runs.map((r) => {
        if (name === 'meanRadius') return meanRadiusOf(r, k);
        const v = r.snapshots[k].populationRisk;
        if (v === null) throw new Error(`clt study: model ${run.model.name} gave no exact population risk`);
        return v;
      }),
    );
    const pick = <T>(a: readonly T[]) => timeIndex.map((i) => a[i]);
    const pde = pick(name === 'risk' ? full.pdeRisk : full.pdeMeanRadius);
    const predictedStd = pick(name === 'risk' ? full.predictedStdRisk : full.predictedStdMeanRadius);
    const ablationStd = pick(name === 'risk' ? abl.predictedStdRisk : abl.predictedStdMeanRadius);
    const partsAll = name === 'risk' ? full.variancePartsRisk : full.variancePartsMeanRadius;
    const shift = name === 'risk' ? full.meanShiftRisk : full.meanShiftMeanRadius;
    const m = perSeed.map((x) => mean(x));
    const s = perSeed.map((x) => std(x));
    const se = s.map((v) => stdStandardError(v, runs.length));
    const meanError = perSeed.map((x) => standardError(x));
    const predictedMeanShift = shift ? pick(shift) : p.times.map(() => null);
    return {
      perSeed,
      mean: m,
      meanError,
      std: s,
      stdError: se,
      pde,
      bias: m.map((v, k) => v - pde[k]),
      predictedMeanShift,
      biasZ: p.times.map((t, k) => (t === 0 && predictedMeanShift[k] !== null ? (m[k] - pde[k] - predictedMeanShift[k]!) / meanError[k] : null)),
      predictedStd,
      parts: { init: pick(partsAll.init), common: partsAll.common ? pick(partsAll.common) : null, sameUnit: partsAll.sameUnit ? pick(partsAll.sameUnit) : null },
      z: s.map((v, k) => (v - predictedStd[k]) / se[k]),
      ablationStd,
      ablationZ: s.map((v, k) => (v - ablationStd[k]) / se[k]),
    };
  };
  return {
    n: p.n,
    epsilon: p.epsilon,
    batch,
    seed: p.seed,
    replicas: seeds,
    completedReplicas: runs.length,
    times: p.times,
    timeIndex,
    risk: observable('risk'),
    meanRadius: observable('meanRadius'),
    linearNoiseIndicator: cheap.noise.available ? cheap.noise.linearNoiseIndicator : null,
    warnings,
    wallMs: runs.reduce((s, r) => s + r.timings.stepsMs + r.timings.observablesMs, 0),
  };
}

/**
 * Runs the study of one run: `planCltStudy`, its tasks on one worker pool (`runTaskPlan`; the
 * prediction and every finished replica checkpointed in `checkpointDir`), then the plan's assembly.
 */
export async function runCltStudy(run: RunSpec, options: CltStudyOptions): Promise<CltStudyResult> {
  const t0 = performance.now();
  const plan = planCltStudy(run, options);
  const { ensembles, settings } = plan;
  const seeds = settings.seeds;
  const workers = parseWith(number({ integer: true, min: 0, max: MAX_WORKERS }), options.workers ?? availableParallelism(), 'workers');
  const elapsed = () => performance.now() - t0;

  // checkpoints: the two predictions in one file, each replica in its ensemble's folder
  const predictionPath = options.checkpointDir && join(checkpointFolder(options.checkpointDir, 'clt'), 'prediction.bin');
  const replicaDir = (e: number) => options.checkpointDir && join(options.checkpointDir, 'replicas', `clt-${e}`);
  const replicaKeys = ensembles.map((p) => toJson(p.spec));
  const done = new Map<string, unknown>();
  if (options.resume && options.checkpointDir) {
    const predictions = predictionPath ? loadCheckpoint<(CltPrediction | null)[]>(predictionPath, plan.predictionKey) : undefined;
    if (predictions && predictions.every((x) => x !== null)) PREDICTION_IDS.forEach((id, i) => done.set(id, predictions[i]));
    ensembles.forEach((p, e) => {
      for (const [k, r] of loadReplicas(replicaDir(e)!, replicaKeys[e])) if (k < seeds) done.set(`${p.id}-replica${k}`, r);
    });
  }
  const where = new Map<string, { e: number; k: number }>(ensembles.flatMap((p, e) => Array.from({ length: seeds }, (_, k) => [`${p.id}-replica${k}`, { e, k }] as const)));

  // progress: the fraction of the replicas' work done (a running replica by its steps)
  const totalWork = ensembles.reduce((s, p) => s + p.work, 0);
  const finished = ensembles.map((p) => Array.from({ length: seeds }, (_, k) => done.has(`${p.id}-replica${k}`)).filter(Boolean).length);
  const running = new Map<string, number>();
  const predicted = new Map<string, unknown>();
  let lastMessage = 0;
  const report = (e: number, force: boolean) => {
    const now = performance.now();
    if (!options.onProgress || (!force && now - lastMessage < 1000)) return;
    lastMessage = now;
    const p = ensembles[e];
    let work = ensembles.reduce((s, q, i) => s + (q.work * finished[i]) / seeds, 0);
    for (const [id, fraction] of running) work += (ensembles[where.get(id)!.e].work * fraction) / seeds;
    const fraction = work / totalWork;
    const etaMs = fraction > 0 ? (elapsed() * (1 - fraction)) / fraction : null;
    options.onProgress({
      phase: 'ensemble',
      message:
        `clt: ensemble ${e + 1}/${ensembles.length} (N = ${p.n}, ε = ${p.epsilon}): ${finished[e]}/${seeds} replicas; ` +
        `overall ${(100 * fraction).toFixed(0)} %, ${(elapsed() / 1000).toFixed(0)} s elapsed` +
        (etaMs !== null ? `, ~${Math.ceil(etaMs / 1000)} s left` : ''),
      fraction,
      elapsedMs: elapsed(),
      etaMs,
      ensemble: { index: e, count: ensembles.length, n: p.n, epsilon: p.epsilon, replicasDone: finished[e], replicas: seeds },
    });
  };

  options.onProgress?.({ phase: 'predict', message: 'clt: predicting Var_init, I_C, I_I (with and without the nonlocal term) and running the ensembles …', fraction: 0, elapsedMs: elapsed(), etaMs: null });
  const results = await runTaskPlan(plan, {
    workers,
    shouldStop: options.shouldStop,
    done,
    onProgress: (task, message) => {
      const at = where.get(task.id);
      const m = message as { step?: number; totalSteps?: number };
      if (!at || m.step === undefined || !m.totalSteps) return;
      running.set(task.id, m.step / m.totalSteps);
      report(at.e, false);
    },
    onDone: (task, result) => {
      running.delete(task.id);
      const at = where.get(task.id);
      if (!at) {
        predicted.set(task.id, result);
        const both = PREDICTION_IDS.map((id) => predicted.get(id) ?? null);
        if (predictionPath && both.every((x) => x !== null)) saveCheckpoint(predictionPath, plan.predictionKey, both);
        return;
      }
      const r = result as ParticleRun;
      if (!r.completed) return;
      finished[at.e]++;
      const dir = replicaDir(at.e);
      if (dir) saveReplica(dir, replicaKeys[at.e], at.k, r);
      report(at.e, finished[at.e] === seeds); // the end of every ensemble is always reported
    },
  });
  const tRun = performance.now();
  options.onProgress?.({ phase: 'analysis', message: 'clt: fits and bootstrap …', fraction: 1, elapsedMs: elapsed(), etaMs: 0 });
  const provenance = makeProvenance(run.seed, {}, [withParticles(run, settings)]);
  const result = plan.assemble((id) => results.get(id) ?? null, provenance);
  const tEnd = performance.now();
  Object.assign(provenance.timings, { runMs: tRun - t0, analysisMs: tEnd - tRun, totalMs: tEnd - t0, workers });
  return result;
}

// ---------------------------------------------------------------------------------------------
// Fits

interface FitSettings {
  bootstrap: number;
  bootstrapSeed: number;
}

function variance(x: readonly number[]): number {
  const s = std(x);
  return s * s;
}

export function resample(x: readonly number[], rng: Rng): number[] {
  const out = new Array<number>(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[rng.int(x.length)];
  return out;
}

export function percentileCi(values: number[]): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const lo = sorted[Math.floor(0.025 * (sorted.length - 1))];
  const hi = sorted[Math.ceil(0.975 * (sorted.length - 1))];
  return [lo, hi];
}

/**
 * y_N = stat(sample_N) ≈ slope/N + intercept by weighted least squares (weights 1/error²), and
 * bootstrap percentile CIs: each resample redraws every N's replicas with replacement (fixed
 * weights) and refits.
 */
function fitOverN(
  ns: number[],
  samples: number[][],
  stat: (x: readonly number[]) => number,
  error: (x: readonly number[], value: number) => number,
  bootstrap: number,
  rng: Rng,
): { y: number[]; yError: number[]; slope: Estimate; intercept: Estimate } {
  const design = ns.map((n) => [1 / n, 1]);
  const y = samples.map(stat);
  const yError = samples.map((x, i) => error(x, y[i]));
  const weights = yError.map((e) => 1 / (e * e));
  const fit = leastSquares(design, y, weights);
  let ciSlope: [number, number] | null = null;
  let ciIntercept: [number, number] | null = null;
  if (bootstrap > 0) {
    const slopes: number[] = [];
    const intercepts: number[] = [];
    for (let b = 0; b < bootstrap; b++) {
      const yb = samples.map((x) => stat(resample(x, rng)));
      const c = leastSquares(design, yb, weights).coefficients;
      slopes.push(c[0]);
      intercepts.push(c[1]);
    }
    ciSlope = percentileCi(slopes);
    ciIntercept = percentileCi(intercepts);
  }
  return {
    y,
    yError,
    slope: { value: fit.coefficients[0], se: fit.standardErrors[0], ci: ciSlope },
    intercept: { value: fit.coefficients[1], se: fit.standardErrors[1], ci: ciIntercept },
  };
}

/** The ensembles at ε that reached save time index ti, in increasing N. */
function atTime(ensembles: CltEnsemble[], epsilon: number, ti: number): { e: CltEnsemble; k: number }[] {
  return ensembles
    .filter((e) => e.epsilon === epsilon)
    .map((e) => ({ e, k: e.timeIndex.indexOf(ti) }))
    .filter((x) => x.k >= 0);
}

interface FitCell {
  name: ObservableName;
  epsilon: number;
  t: number;
  ti: number;
  /** The ensembles at ε that reached t, in increasing N, with their N and per-seed values there. */
  rows: { e: CltEnsemble; k: number }[];
  ns: number[];
  samples: number[][];
  /** The cell's own bootstrap stream. */
  rng: Rng;
}

/**
 * Visits every (observable, ε, save time) that at least two N reached, in that nesting order; the
 * cells visited get consecutive bootstrap streams from BOOTSTRAP_STREAM + firstStream.
 */
function forEachFitCell(
  ensembles: CltEnsemble[], epsilons: number[], times: number[], bootstrapSeed: number, firstStream: number,
  visit: (cell: FitCell) => void,
): void {
  let index = firstStream;
  for (const name of OBSERVABLES) {
    for (const epsilon of epsilons) {
      times.forEach((t, ti) => {
        const rows = atTime(ensembles, epsilon, ti);
        if (rows.length < 2) return;
        const rng = new Rng(bootstrapSeed, BOOTSTRAP_STREAM + index++);
        const ns = rows.map((r) => r.e.n);
        const samples = rows.map((r) => r.e[name].perSeed[r.k]);
        visit({ name, epsilon, t, ti, rows, ns, samples, rng });
      });
    }
  }
}

function fitVariances(
  ensembles: CltEnsemble[],
  epsilons: number[],
  times: number[],
  prediction: CltPrediction,
  ablation: CltPrediction,
  batch: number,
  s: FitSettings,
): VarianceFit[] {
  const fits: VarianceFit[] = [];
  forEachFitCell(ensembles, epsilons, times, s.bootstrapSeed, 0, ({ name, epsilon, t, ti, ns, samples, rng }) => {
    const f = fitOverN(ns, samples, variance, (x, v) => v * Math.sqrt(2 / (x.length - 1)), s.bootstrap, rng);
    const coeffs = (p: CltPrediction) => {
      const varInit = name === 'risk' ? p.varInitRisk[ti] : p.varInitMeanRadius[ti];
      const ic = (name === 'risk' ? p.noiseCommonRisk : p.noiseCommonMeanRadius)?.[ti] ?? 0;
      const ii = (name === 'risk' ? p.noiseSameUnitRisk : p.noiseSameUnitMeanRadius)?.[ti] ?? 0;
      return { slope: varInit + (epsilon * ii) / batch, intercept: (epsilon * ic) / batch };
    };
    const pred = coeffs(prediction);
    const abl = coeffs(ablation);
    fits.push({
      observable: name,
      epsilon,
      t,
      ns,
      nVar: f.y.map((v, i) => ns[i] * v),
      nVarError: f.yError.map((v, i) => ns[i] * v),
      collapse: f.y.map((v, i) => ns[i] * (v - pred.intercept)),
      slope: f.slope,
      intercept: f.intercept,
      predictedSlope: pred.slope,
      predictedIntercept: pred.intercept,
      ablationSlope: abl.slope,
      ablationIntercept: abl.intercept,
    });
  });
  return fits;
}

function fitBiases(ensembles: CltEnsemble[], epsilons: number[], times: number[], c1: number, s: FitSettings): BiasFit[] {
  const fits: BiasFit[] = [];
  forEachFitCell(ensembles, epsilons, times, s.bootstrapSeed, 0x1000, ({ name, epsilon, t, rows, ns, samples, rng }) => {
    const pde = rows[0].e[name].pde[rows[0].k];
    const f = fitOverN(ns, samples, (x) => mean(x) - pde, (x) => standardError(x), s.bootstrap, rng);
    // Predicted 1/N coefficient and offset where the theory gives them (src/clt/README.md, "Means")
    const shift = rows[0].e[name].predictedMeanShift[rows[0].k];
    let predictedSlope: number | null = null;
    let predictedIntercept: number | null = null;
    if (name === 'risk' && t === 0) {
      predictedSlope = c1;
      predictedIntercept = 0;
    } else if (name === 'meanRadius') {
      predictedSlope = t === 0 ? 0 : null; // the mean radius is linear in ρ̂: no 1/N bias at t = 0
      predictedIntercept = shift;
    }
    fits.push({
      observable: name,
      epsilon,
      t,
      ns,
      bias: f.y,
      biasError: f.yError,
      slope: f.slope,
      intercept: f.intercept,
      predictedSlope,
      predictedIntercept,
      slopeInCi: predictedSlope !== null && f.slope.ci ? predictedSlope >= f.slope.ci[0] && predictedSlope <= f.slope.ci[1] : null,
    });
  });
  return fits;
}

// ---------------------------------------------------------------------------------------------
// Summary: agreement, healing, trust

interface Cell {
  observable: ObservableName;
  n: number;
  epsilon: number;
  t: number;
  z: number;
  ablationZ: number;
}

function cellsOf(ensembles: CltEnsemble[]): Cell[] {
  return ensembles.flatMap((e) =>
    OBSERVABLES.flatMap((name) => e.times.map((t, k) => ({ observable: name, n: e.n, epsilon: e.epsilon, t, z: e[name].z[k], ablationZ: e[name].ablationZ[k] }))),
  );
}

function group(label: string, cells: Cell[]): AgreementGroup {
  const within = cells.filter((c) => Math.abs(c.z) <= 2).length;
  const ablWithin = cells.filter((c) => Math.abs(c.ablationZ) <= 2).length;
  const meanAbs = (f: (c: Cell) => number) => (cells.length ? cells.reduce((s, c) => s + Math.abs(f(c)), 0) / cells.length : NaN);
  return {
    label,
    cells: cells.length,
    withinTwo: within,
    fraction: cells.length ? within / cells.length : NaN,
    meanAbsZ: meanAbs((c) => c.z),
    meanZ: cells.length ? cells.reduce((s, c) => s + c.z, 0) / cells.length : NaN,
    maxAbsZ: cells.reduce((m, c) => Math.max(m, Math.abs(c.z)), 0),
    ablationWithinTwo: ablWithin,
    ablationFraction: cells.length ? ablWithin / cells.length : NaN,
    ablationMeanAbsZ: meanAbs((c) => c.ablationZ),
  };
}

const pct = (x: number) => `${(100 * x).toFixed(0)} %`;
const g3 = (x: number) => formatNumber(x, 3);

/** The `summary` of a study result (recomputed from its ensembles and fits, e.g. after editing a result.json). */
export function summariseCltStudy(r: Omit<CltStudyResult, 'summary'>): CltStudyResult['summary'] {
  const cells = cellsOf(r.ensembles);
  const core = (c: Cell) => c.n >= CORE_MIN_N && c.t <= CORE_MAX_T;
  const groups = [
    group(`R_N, N ≥ ${CORE_MIN_N}, t ≤ ${CORE_MAX_T}`, cells.filter((c) => c.observable === 'risk' && core(c))),
    group(`mean radius, N ≥ ${CORE_MIN_N}, t ≤ ${CORE_MAX_T}`, cells.filter((c) => c.observable === 'meanRadius' && core(c))),
    group(`all cells, N ≥ ${CORE_MIN_N}`, cells.filter((c) => c.n >= CORE_MIN_N)),
    group('all cells', cells),
  ];
  const byTime = OBSERVABLES.flatMap((observable) =>
    r.times
      .map((t) => ({ t, observable, ...group(`${LABEL[observable]}, t = ${t}, N ≥ ${CORE_MIN_N}`, cells.filter((c) => c.observable === observable && c.t === t && c.n >= CORE_MIN_N)) }))
      .filter((g) => g.cells > 0),
  );
  const byN = r.settings.ns
    .map((n) => ({ n, ...group(`N = ${n}, all t`, cells.filter((c) => c.n === n)) }))
    .filter((g) => g.cells > 0);

  // Healing: the predicted initial-draw variance along the path, and the measured 1/N coefficient
  const healing: string[] = [];
  const p = r.prediction;
  const vi = p.varInitRisk;
  if (vi.length > 1) {
    let kMin = 0;
    vi.forEach((v, k) => {
      if (v < vi[kMin]) kMin = k;
    });
    healing.push(
      `Predicted initial-draw variance of R_N, Var_init(t) = N·Var from the random initial draw: ${g3(vi[0])} at t = ${p.times[0]}, ` +
        `contracting to ${g3(vi[kMin])} at t = ${p.times[kMin]} (×${g3(vi[0] / vi[kMin])} smaller: training heals the initial fluctuation)` +
        (kMin < vi.length - 1 ? `, then rising again to ${g3(vi[vi.length - 1])} at t = ${p.times[vi.length - 1]} as the separatrix forms (which units die becomes sensitive to the initial draw).` : '.'),
    );
    const vr = p.varInitMeanRadius;
    healing.push(`Mean radius: Var_init goes ${vr.map((v, k) => `${g3(v)} (t = ${p.times[k]})`).join(', ')}.`);
  }
  for (const e of r.ensembles.filter((x) => x.n >= CORE_MIN_N && x.times.length > 2)) {
    const nv = e.risk.std.map((v) => e.n * v * v);
    let kMin = 0;
    nv.forEach((v, k) => {
      if (v < nv[kMin]) kMin = k;
    });
    healing.push(
      `Measured N·Var of R_N at N = ${e.n}, ε = ${e.epsilon}: ${g3(nv[0])} at t = ${e.times[0]}, ${g3(nv[kMin])} at t = ${e.times[kMin]}` +
        (kMin < nv.length - 1 ? `, ${g3(nv[nv.length - 1])} at t = ${e.times[nv.length - 1]}` : '') +
        ` (predicted ${g3(e.n * e.risk.predictedStd[0] ** 2)}, ${g3(e.n * e.risk.predictedStd[kMin] ** 2)}` +
        (kMin < nv.length - 1 ? `, ${g3(e.n * e.risk.predictedStd[nv.length - 1] ** 2)}` : '') +
        '; N·Var includes the common-noise part N ε I_C/B).',
    );
  }
  for (const epsilon of r.settings.epsilons) {
    const fits = r.varianceFits.filter((f) => f.observable === 'risk' && f.epsilon === epsilon);
    if (fits.length === 0) continue;
    const small = fits[0].ns.filter((n) => n < CORE_MIN_N);
    healing.push(
      `Fit over N = ${fits[0].ns.join(', ')} (ε = ${epsilon})${small.length ? ` — includes N = ${small.join(', ')} < ${CORE_MIN_N}, where higher orders in 1/N show` : ''}: 1/N coefficient a of Var R_N = a/N + b [95 % CI] vs predicted Var_init + ε I_I/B: ` +
        fits.map((f) => `t = ${f.t}: ${g3(f.slope.value)}${f.slope.ci ? ` [${g3(f.slope.ci[0])}, ${g3(f.slope.ci[1])}]` : ''} vs ${g3(f.predictedSlope)}`).join('; ') +
        '.',
    );
  }

  // Trust: the prediction's own warnings, then what the ensembles say per time
  const trust: string[] = [];
  const seen = new Set<string>();
  for (const e of r.ensembles) {
    for (const w of e.warnings) {
      const key = `${w.code}|${w.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const where = r.ensembles.filter((x) => x.warnings.some((y) => y.code === w.code && y.message === w.message)).map((x) => `(N = ${x.n}, ε = ${x.epsilon})`);
      trust.push(`Prediction warning [${w.code}] for ${where.join(', ')}: ${w.message}`);
    }
  }
  if (seen.size === 0) trust.push('The prediction raised no warning for any (N, ε) and save time of this study.');
  for (const observable of OBSERVABLES) {
    const rows = byTime.filter((g) => g.observable === observable);
    if (rows.length === 0) continue;
    const fails = (g: AgreementGroup) => g.fraction < 0.75 || g.maxAbsZ > 3.5;
    const firstBad = rows.find(fails);
    trust.push(
      `Measured, ${LABEL[observable]} (N ≥ ${CORE_MIN_N}): |z| ≤ 2 in ${rows.map((g) => `${g.withinTwo}/${g.cells} at t = ${g.t}${g.maxAbsZ > 3.5 ? ` (max |z| ${g3(g.maxAbsZ)})` : ''}`).join(', ')}. ` +
        (firstBad === undefined
          ? 'The leading-order prediction holds at every save time of the study.'
          : `The leading-order prediction stops being trustworthy at t = ${firstBad.t} (fewer than 75 % of the cells within 2 sampling errors, or a |z| > 3.5; mean z ${g3(firstBad.meanZ)}: ` +
            `the prediction ${firstBad.meanZ < 0 ? 'over' : 'under'}estimates the std).`),
    );
  }
  for (const g of byN.filter((x) => x.n < CORE_MIN_N)) {
    trust.push(
      `N = ${g.n} < ${CORE_MIN_N}: |z| ≤ 2 in ${g.withinTwo}/${g.cells} cells, mean z ${g3(g.meanZ)} ` +
        `(${g.meanZ > 0 ? 'measured std above' : 'measured std below'} the prediction: corrections beyond the leading 1/N order; src/clt/README.md, "Same-unit noise at small N").`,
    );
  }
  return { groups, byTime, byN, healing, trust };
}

// ---------------------------------------------------------------------------------------------
// Report

function ensembleLabel(e: { n: number; epsilon: number }): string {
  return `N = ${e.n}, ε = ${formatNumber(e.epsilon)}`;
}

/** Measured std (markers, ± sampling error) vs predicted (lines) and ablation (dotted), one colour per (N, ε). */
function stdFigure(r: CltStudyResult, name: ObservableName, epsilon: number): PlotlyFigure {
  const data: PlotlyFigure['data'] = [];
  r.ensembles
    .filter((e) => e.epsilon === epsilon)
    .forEach((e, i) => {
      const o = e[name];
      const color = colorAt(i);
      const label = ensembleLabel(e);
      data.push({ type: 'scatter', mode: 'lines', name: `predicted ${label}`, x: e.times, y: o.predictedStd, line: { color } });
      data.push({ type: 'scatter', mode: 'lines', name: `ablation ${label}`, x: e.times, y: o.ablationStd, line: { color, dash: 'dot' } });
      data.push({
        type: 'scatter',
        mode: 'markers',
        name: `measured SGD ${label} (${e.completedReplicas} seeds)`,
        x: e.times,
        y: o.std,
        marker: { color, size: 8 },
        error_y: { type: 'data', array: o.stdError, visible: true },
      });
    });
  return plotFigure(`std of ${LABEL[name]} over seeds, ε = ${formatNumber(epsilon)}: measured SGD (± sampling error) vs CLT predicted (solid) and transport-only ablation (dotted)`, { title: TIME_TITLE }, { title: `std of ${LABEL[name]} over seeds`, log: true }, data);
}

/**
 * Every replica standardised by the predicted std, (Φ_k − measured mean)/predicted std, at each
 * save time: under the prediction these scatter like N(0, 1), ~95 % inside the ±2 band. The
 * ablation's ±2 band is drawn in its units (narrower: it predicts a larger std).
 */
function standardisedFigure(e: CltEnsemble, name: ObservableName): PlotlyFigure {
  const o = e[name];
  const x = e.times;
  const data: PlotlyFigure['data'] = [
    { type: 'scatter', mode: 'lines', x, y: x.map(() => -2), line: { width: 0 }, showlegend: false, hoverinfo: 'skip' },
    { type: 'scatter', mode: 'lines', name: 'predicted ±2 std', x, y: x.map(() => 2), line: { width: 0 }, fill: 'tonexty', fillcolor: 'rgba(31, 119, 180, 0.2)' },
    { type: 'scatter', mode: 'lines', name: 'ablation ±2 std', x, y: o.ablationStd.map((a, k) => (2 * a) / o.predictedStd[k]), line: { color: colorAt(1), dash: 'dot' } },
    { type: 'scatter', mode: 'lines', showlegend: false, x, y: o.ablationStd.map((a, k) => (-2 * a) / o.predictedStd[k]), line: { color: colorAt(1), dash: 'dot' } },
    { type: 'scatter', mode: 'lines+markers', name: '± measured std / predicted std', x, y: o.std.map((v, k) => v / o.predictedStd[k]), line: { color: '#000' } },
    { type: 'scatter', mode: 'lines+markers', showlegend: false, x, y: o.std.map((v, k) => -v / o.predictedStd[k]), line: { color: '#000' } },
  ];
  const span = x.length > 1 ? x[x.length - 1] - x[0] : 1;
  data.push({
    type: 'scatter',
    mode: 'markers',
    name: `SGD replicas (${e.completedReplicas} seeds)`,
    x: x.flatMap((t, k) => o.perSeed[k].map((_, j) => t + span * 0.012 * ((j / Math.max(1, o.perSeed[k].length - 1)) - 0.5))),
    y: x.flatMap((_, k) => o.perSeed[k].map((v) => (v - o.mean[k]) / o.predictedStd[k])),
    marker: { color: 'rgba(0,0,0,0.35)', size: 4 },
  });
  return plotFigure(`${LABEL[name]}, SGD ${ensembleLabel(e)}: replicas standardised by the predicted std, (Φ_k − mean)/predicted std`, { title: TIME_TITLE }, { title: 'standardised deviation (units of predicted std)' }, data);
}

function collapseFigure(r: CltStudyResult, name: ObservableName, epsilon: number): PlotlyFigure | null {
  const fits = r.varianceFits.filter((f) => f.observable === name && f.epsilon === epsilon);
  const ensembles = r.ensembles.filter((e) => e.epsilon === epsilon);
  if (ensembles.length === 0) return null;
  const data: PlotlyFigure['data'] = [];
  const p = r.prediction;
  const ti = ensembles.reduce((best, e) => (e.times.length > best.length ? e.timeIndex : best), [] as number[]);
  const times = ti.map((i) => r.times[i]);
  const batch = r.settings.batch;
  const predSlope = ti.map((i) => (name === 'risk' ? p.varInitRisk[i] + (epsilon * (p.noiseSameUnitRisk?.[i] ?? 0)) / batch : p.varInitMeanRadius[i] + (epsilon * (p.noiseSameUnitMeanRadius?.[i] ?? 0)) / batch));
  const ablSlope = ti.map((i) => {
    const a = r.ablation;
    return name === 'risk' ? a.varInitRisk[i] + (epsilon * (a.noiseSameUnitRisk?.[i] ?? 0)) / batch : a.varInitMeanRadius[i] + (epsilon * (a.noiseSameUnitMeanRadius?.[i] ?? 0)) / batch;
  });
  data.push({ type: 'scatter', mode: 'lines', name: 'predicted Var_init + ε I_I/B', x: times, y: predSlope, line: { color: '#000' } });
  data.push({ type: 'scatter', mode: 'lines', name: 'predicted Var_init alone', x: times, y: ti.map((i) => (name === 'risk' ? p.varInitRisk[i] : p.varInitMeanRadius[i])), line: { color: '#777', dash: 'dash' } });
  data.push({ type: 'scatter', mode: 'lines', name: 'ablation', x: times, y: ablSlope, line: { color: '#777', dash: 'dot' } });
  ensembles.forEach((e, i) => {
    const o = e[name];
    const ic = e.timeIndex.map((ti2) => (epsilon * ((name === 'risk' ? p.noiseCommonRisk : p.noiseCommonMeanRadius)?.[ti2] ?? 0)) / batch);
    const collapse = o.std.map((s, k) => e.n * (s * s - ic[k]));
    const err = o.std.map((s, k) => e.n * 2 * s * o.stdError[k]);
    data.push({ type: 'scatter', mode: 'markers', name: `SGD: N·(Var − ε I_C/B), N = ${e.n}`, x: e.times, y: collapse, marker: { color: colorAt(i + 1), size: 8 }, error_y: { type: 'data', array: err, visible: true } });
  });
  const fitTimes = fits.map((f) => f.t);
  if (fits.length) {
    data.push({
      type: 'scatter',
      mode: 'markers',
      name: 'fit: 1/N coefficient of Var (bootstrap 95 % CI)',
      x: fitTimes,
      y: fits.map((f) => f.slope.value),
      marker: { color: '#000', symbol: 'diamond-open', size: 10 },
      error_y: f95(fits.map((f) => f.slope)),
    });
  }
  return plotFigure(`N·Var collapse of ${LABEL[name]}, ε = ${formatNumber(epsilon)}: N·(Var − ε I_C/B) should not depend on N (log scale: healing, then the separatrix)`, { title: TIME_TITLE }, { title: `N·Var of ${LABEL[name]}`, log: true }, data);
}

function f95(est: Estimate[]): Record<string, unknown> {
  if (est.some((e) => e.ci === null)) return { type: 'data', array: est.map((e) => 2 * e.se), visible: true };
  return { type: 'data', symmetric: false, array: est.map((e) => e.ci![1] - e.value), arrayminus: est.map((e) => e.value - e.ci![0]), visible: true };
}

function biasFigure(r: CltStudyResult): PlotlyFigure | null {
  const fits = r.biasFits.filter((f) => f.observable === 'risk' && f.t === 0);
  if (fits.length === 0) return null;
  const data: PlotlyFigure['data'] = [];
  const invN = (ns: number[]) => ns.map((n) => 1 / n);
  const c1 = r.prediction.c1;
  const maxInv = Math.max(...fits.flatMap((f) => invN(f.ns)));
  data.push({ type: 'scatter', mode: 'lines', name: `predicted C1/N (C1 = ${g3(c1)})`, x: [0, maxInv * 1.05], y: [0, c1 * maxInv * 1.05], line: { color: '#000' } });
  fits.forEach((f, i) => {
    const color = colorAt(i + 1);
    data.push({ type: 'scatter', mode: 'markers', name: `measured SGD, ε = ${formatNumber(f.epsilon)}`, x: invN(f.ns), y: f.bias, marker: { color, size: 8 }, error_y: { type: 'data', array: f.biasError, visible: true } });
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: `fit ε = ${formatNumber(f.epsilon)}: slope ${g3(f.slope.value)}${f.slope.ci ? ` [${g3(f.slope.ci[0])}, ${g3(f.slope.ci[1])}]` : ''}`,
      x: [0, maxInv * 1.05],
      y: [f.intercept.value, f.intercept.value + f.slope.value * maxInv * 1.05],
      line: { color, dash: 'dash' },
    });
  });
  return plotFigure('t = 0 mean bias of R_N vs 1/N: E R_N − R(ρ̄_0) = C1/N', { title: '1/N (inverse width)' }, { title: 'mean R_N − R(ρ̄_0) (risk difference)' }, data);
}

const ci = (e: Estimate) => (e.ci ? `[${g3(e.ci[0])}, ${g3(e.ci[1])}]` : `± ${g3(e.se)}`);

function cltStudyReportSections(r: CltStudyResult): ReportSection[] {
  const sections: ReportSection[] = [];
  const s = r.settings;
  const t = r.provenance.timings;
  sections.push({
    title: 'Summary',
    text:
      `${r.ensembles.length} ensembles (N ∈ {${s.ns.join(', ')}}, ε ∈ {${s.epsilons.join(', ')}}, batch ${s.batch}) of K = ${s.seeds} online-SGD replicas each. ` +
      // a run on one machine says how long it took; a merged cluster run lists its shards under Provenance
      (t.totalMs !== undefined ? `Wall time ${(t.totalMs / 1000).toFixed(0)} s on ${t.workers} worker(s) (tasks ${(t.runMs / 1000).toFixed(0)} s, analysis ${(t.analysisMs / 1000).toFixed(0)} s). ` : '') +
      `z = (measured std − predicted std)/(std/√(2(K−1))).` +
      (r.completed ? '' : ` INTERRUPTED: ${r.skipped.length} ensemble(s) not analysed; partial ensembles use their completed replicas.`) +
      '\n\n' +
      r.summary.groups
        .map((g) => `${g.label}: |z| ≤ 2 in ${g.withinTwo}/${g.cells} = ${pct(g.fraction)} (mean |z| ${g3(g.meanAbsZ)}); ablation (no nonlocal term): ${g.ablationWithinTwo}/${g.cells} = ${pct(g.ablationFraction)} (mean |z| ${g3(g.ablationMeanAbsZ)}).`)
        .join('\n\n'),
  });
  sections.push({ title: 'Where the leading order is trustworthy', text: r.summary.trust.join('\n\n') });
  for (const name of OBSERVABLES) {
    for (const epsilon of s.epsilons) {
      if (!r.ensembles.some((e) => e.epsilon === epsilon)) continue;
      sections.push({ title: `std of ${LABEL[name]}, ε = ${epsilon}: measured vs predicted`, figure: stdFigure(r, name, epsilon) });
    }
  }
  for (const e of r.ensembles.filter((x) => x.n >= CORE_MIN_N)) {
    sections.push({ title: `R_N replicas in units of the predicted std, ${ensembleLabel(e)}`, figure: standardisedFigure(e, 'risk') });
  }
  sections.push({ title: 'Healing of the initial-draw variance', text: r.summary.healing.join('\n\n') });
  for (const name of OBSERVABLES) {
    for (const epsilon of s.epsilons) {
      const fig = collapseFigure(r, name, epsilon);
      if (fig) sections.push({ title: `N·Var collapse, ${LABEL[name]}, ε = ${epsilon}`, figure: fig });
    }
  }
  sections.push({
    title: 'z-scores',
    table: {
      columns: ['observable', 'N', 'ε', 't', 'K', 'measured std', '± sampling error', 'predicted std', 'z', 'ablation std', 'ablation z'],
      rows: r.ensembles.flatMap((e) =>
        OBSERVABLES.flatMap((name) => e.times.map((tt, k) => [LABEL[name], e.n, e.epsilon, tt, e.completedReplicas, e[name].std[k], e[name].stdError[k], e[name].predictedStd[k], e[name].z[k], e[name].ablationStd[k], e[name].ablationZ[k]])),
      ),
    },
  });
  sections.push({
    title: 'Agreement by save time (N ≥ 400) and by N',
    table: {
      columns: ['observable', 't', 'N', 'cells', '|z| ≤ 2', 'fraction', 'mean z', 'max |z|', 'ablation |z| ≤ 2', 'ablation mean |z|'],
      rows: [
        ...r.summary.byTime.map((g) => [LABEL[g.observable], g.t, `≥ ${CORE_MIN_N}`, g.cells, g.withinTwo, g.fraction, g.meanZ, g.maxAbsZ, g.ablationWithinTwo, g.ablationMeanAbsZ]),
        ...r.summary.byN.map((g) => ['both', 'all', g.n, g.cells, g.withinTwo, g.fraction, g.meanZ, g.maxAbsZ, g.ablationWithinTwo, g.ablationMeanAbsZ]),
      ],
    },
  });
  sections.push({
    title: 'Variance fits: Var = a/N + b (N·Var = a + b·N)',
    text: 'Weighted least squares over N (weights from the sampling error of each variance), 95 % bootstrap intervals from resampling seeds within each N. Predicted a = Var_init + ε I_I/B, b = ε I_C/B (common noise).',
    table: {
      columns: ['observable', 'ε', 't', 'a', 'a 95 % CI', 'a predicted', 'a ablation', 'b', 'b 95 % CI', 'b predicted', 'b ablation'],
      rows: r.varianceFits.map((f) => [LABEL[f.observable], f.epsilon, f.t, f.slope.value, ci(f.slope), f.predictedSlope, f.ablationSlope, f.intercept.value, ci(f.intercept), f.predictedIntercept, f.ablationIntercept]),
    },
  });
  const bias = biasFigure(r);
  sections.push({
    title: 'Mean bias: mean Φ_N − Φ_PDE = c/N + e',
    text:
      `Predicted: c = C1 = ${g3(r.prediction.c1)} for R_N at t = 0 (exact for i.i.d. units), e = 0 there; the mean radius has c = 0 at t = 0 and e = (ε/B)·J(t) (Itô shift). ` +
      'At t > 0 the 1/N coefficient of R_N is not predicted (second-order theory): reported as measured.',
    ...(bias ? { figure: bias } : {}),
    table: {
      columns: ['observable', 'ε', 't', 'c', 'c 95 % CI', 'c predicted', 'e', 'e 95 % CI', 'e predicted'],
      rows: r.biasFits.map((f) => [LABEL[f.observable], f.epsilon, f.t, f.slope.value, ci(f.slope), f.predictedSlope ?? '—', f.intercept.value, ci(f.intercept), f.predictedIntercept ?? '—']),
    },
  });
  sections.push({
    title: 't = 0 mean bias per ensemble (exact prediction: C1/N for R_N, 0 for the mean radius)',
    table: {
      columns: ['observable', 'N', 'ε', 'K', 'mean − PDE', '± SE', 'predicted', 'z'],
      rows: r.ensembles.flatMap((e) =>
        OBSERVABLES.flatMap((name) =>
          e.times.flatMap((tt, k) => (tt === 0 && e[name].biasZ[k] !== null ? [[LABEL[name], e.n, e.epsilon, e.completedReplicas, e[name].bias[k], e[name].meanError[k], e[name].predictedMeanShift[k]!, e[name].biasZ[k]!]] : [])),
        ),
      ),
    },
  });
  return sections;
}

/** The report of a study (for src/io/result.ts `writeResult`). */
export function cltStudyReport(r: CltStudyResult): { title: string; sections: ReportSection[] } {
  return { title: 'meanfield CLT study', sections: cltStudyReportSections(r) };
}
