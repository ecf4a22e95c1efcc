/**
 * The `compare` job (MMN Fig. 1 end to end): the same spec run by both engines — the reduced DD on
 * the grid (src/pipeline/solve.ts) and K independent finite-N SGD replicas in R^d (src/particles) —
 * and, at every save time, the distance between them:
 *   risk gap  R_N − R(ρ̄_t)  (R_N: exact population risk of the particles, actual angles and i = j terms),
 *   W1, W2    between the particles' empirical law of r = |w| and ρ̄_t (exact 1-D quantile formulas),
 *   KS        sup_r |F_N(r) − F_t(r)|,
 *   mean r    particles vs PDE.
 * Particle statistics are per replica, then mean ± std across replicas.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.ts';
import type { RunConfig } from '../io/config.ts';
import { makeProvenance, toJson, writeFileAtomic } from '../io/output.ts';
import { loadReplicas, saveReplica } from '../io/checkpoint.ts';
import { densityPanelsFigure, lineFigure } from '../plot/figures.ts';
import { renderReport, type ReportSection } from '../plot/html-report.ts';
import type { Provenance } from '../types.ts';
import { runEnsemble, type EnsembleSpec } from '../particles/ensemble.ts';
import type { ParticleRun } from '../particles/sgd.ts';
import { mean, std } from '../diagnostics/stats.ts';
import { wassersteinSampleGrid } from '../diagnostics/wasserstein.ts';
import { ksSampleGrid } from '../diagnostics/ks.ts';
import { runSolveInWorker, solveReportSections, type RunControl, type SolveResult } from './solve.ts';

export interface CompareOptions extends RunControl {
  /** Worker threads for the replicas (default: all cores, at most one per replica). */
  workers?: number;
  /** Called with a one-line progress message. */
  onParticleProgress?: (message: string) => void;
  /**
   * Extra equal time steps for the risk and mean-r curves (default 40; 0: save times only). Each
   * extra time costs one exact R_N per replica, O(N² K).
   */
  curveSteps?: number;
  /**
   * Directory for replica checkpoints: each finished replica is saved there at once, and replicas
   * found there from an earlier run of the same spec are reused (resume after an interrupt).
   */
  checkpointDir?: string;
  /** Reuse the replicas found in checkpointDir (default false: they are recomputed and overwritten). */
  resumeFromCheckpoint?: boolean;
}

export interface CompareResult {
  kind: 'meanfield.compare';
  provenance: Provenance;
  config: RunConfig;
  times: number[];
  pde: { risk: number[]; meanR: number[]; mass: number[] };
  particles: {
    n: number;
    epsilon: number;
    batch: number;
    seeds: number;
    /** Exact population risk R_N, mean across replicas (and per replica). */
    risk: number[];
    riskStd: number[];
    riskPerSeed: number[][];
    meanR: number[];
    meanRStd: number[];
    /** Monte Carlo test risk on fresh samples (replica mean) with its standard error, if testSamples > 0. */
    testRisk?: { mean: number[]; stdError: number[] };
    /** Radii of replica 0 at each save time (for histograms). */
    radii: Float64Array[];
    completed: boolean;
    stoppedAt: number | null;
  };
  /** R_N − R_PDE (replica mean). */
  gap: number[];
  w1: number[];
  w1Std: number[];
  w2: number[];
  w2Std: number[];
  ks: number[];
  ksStd: number[];
  /** Risk and mean r on a dense time grid (the save times plus 40 equal steps), for the curves. */
  curve: {
    times: number[];
    pdeRisk: number[];
    particleRisk: number[];
    particleRiskStd: number[];
    pdeMeanR: number[];
    particleMeanR: number[];
    particleMeanRStd: number[];
  };
  /** The grid PDE result at the save times (densities, solver statistics). */
  solve: SolveResult;
}

/** Sorted union of the save times and `steps` equal steps over [0, last save time]. */
export function curveTimes(saveTimes: readonly number[], steps = 40): number[] {
  const end = saveTimes[saveTimes.length - 1];
  const all = [...saveTimes];
  for (let i = 0; steps > 0 && i <= steps; i++) {
    const t = (end * i) / steps;
    if (!saveTimes.some((s) => Math.abs(s - t) <= 1e-9 * Math.max(1, end))) all.push(t);
  }
  return all.sort((a, b) => a - b);
}

/** The solve result restricted to the given save-time indices. */
function selectTimes(r: SolveResult, indices: readonly number[]): SolveResult {
  const pick = <T>(xs: readonly T[]) => indices.filter((i) => i < xs.length).map((i) => xs[i]);
  return {
    ...r,
    times: pick(r.times),
    risk: pick(r.risk),
    mass: pick(r.mass),
    meanR: pick(r.meanR),
    minMass: pick(r.minMass),
    density: pick(r.density),
    characteristics: r.characteristics && { ...r.characteristics, risk: pick(r.characteristics.risk), meanR: pick(r.characteristics.meanR) },
  };
}

/** Mean radius of snapshot rows (first reduced coordinate). */
function radiiOf(run: ParticleRun, k: number): Float64Array {
  const snap = run.snapshots[k];
  const dims = run.reducedNames.length;
  const out = new Float64Array(run.n);
  for (let i = 0; i < run.n; i++) out[i] = snap.reduced[i * dims];
  return out;
}

export async function runCompare(config: RunConfig, options: CompareOptions = {}): Promise<CompareResult> {
  const p = config.particles;
  if (!p) throw new ConfigError('particles', 'compare needs a "particles" block: { "n": 800, "epsilon": 1e-5, "batch": 1, "seeds": 1 }');
  if (config.model.d === 'inf') throw new ConfigError('model.d', 'compare runs particles in R^d: d must be a finite integer >= 2 (got "inf")');
  if (config.init.kind !== 'gaussian') throw new ConfigError('init.kind', `compare needs init.kind "gaussian" (w ~ N(0, s²/d I)) for the particles (got ${JSON.stringify(config.init.kind)})`);
  const t0 = performance.now();
  const dense = curveTimes(config.saveTimes, options.curveSteps ?? 40);
  const saveIndex = config.saveTimes.map((t) => dense.indexOf(t));
  const pdeDense = await runSolveInWorker({ ...config, saveTimes: dense }, options);
  const tPde = performance.now();

  const spec: EnsembleSpec = {
    model: { name: config.model.name, params: config.model as unknown as Record<string, unknown> },
    options: {
      n: p.n,
      init: { w: { kind: 'gaussian', scale: config.init.scale } },
      epsilon: p.epsilon,
      schedule: config.schedule,
      batch: p.batch,
      trainA: p.trainA,
      trainB: p.trainB,
      noise: config.noise ? { beta: config.noise.beta, lambda: config.noise.lambda, convention: 'pde' } : undefined,
      saveTimes: dense,
      testSamples: p.testSamples,
      seed: config.seed,
    },
  };
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), p.seeds));
  let lastMessage = 0;
  const checkpointKey = toJson(spec);
  const resumed = options.checkpointDir && options.resumeFromCheckpoint ? loadReplicas(options.checkpointDir, checkpointKey) : new Map<number, ParticleRun>();
  if (resumed.size > 0) options.onParticleProgress?.(`particles: resuming, ${resumed.size} finished replica(s) loaded from ${options.checkpointDir}`);
  const ensemble = await runEnsemble(spec, p.seeds, workers, {
    done: resumed,
    onReplicaDone: options.checkpointDir ? (k, run) => saveReplica(options.checkpointDir!, checkpointKey, k, run) : undefined,
    shouldStop: options.shouldStop,
    onProgress: (prog) => {
      const now = performance.now();
      if (options.onParticleProgress && now - lastMessage > 1000) {
        lastMessage = now;
        options.onParticleProgress(`particles: replica ${prog.replica + 1}/${prog.replicas}, step ${prog.step}/${prog.totalSteps} (${prog.replicasDone} done)`);
      }
    },
  });
  const tParticles = performance.now();

  // Only times that every finished replica (and the PDE) reached are compared.
  const runs = ensemble.runs.filter((r): r is ParticleRun => r !== null);
  if (runs.length === 0) throw new Error('compare: no particle replica finished (interrupted before the first save time)');
  const reached = Math.min(pdeDense.times.length, ...runs.map((r) => r.snapshots.length));
  const sd = (x: number[]) => (x.length > 1 ? std(x) : 0);
  const curve: CompareResult['curve'] = { times: dense.slice(0, reached), pdeRisk: pdeDense.risk.slice(0, reached), particleRisk: [], particleRiskStd: [], pdeMeanR: pdeDense.meanR.slice(0, reached), particleMeanR: [], particleMeanRStd: [] };
  const riskAt = (k: number) =>
    runs.map((r) => {
      const v = r.snapshots[k].populationRisk;
      if (v === null) throw new Error(`compare: model ${config.model.name} gave no exact population risk`);
      return v;
    });
  for (let k = 0; k < reached; k++) {
    const risks = riskAt(k);
    const means = runs.map((r) => mean(radiiOf(r, k)));
    curve.particleRisk.push(mean(risks));
    curve.particleRiskStd.push(sd(risks));
    curve.particleMeanR.push(mean(means));
    curve.particleMeanRStd.push(sd(means));
  }
  const kept = saveIndex.filter((k) => k < reached);
  const pde = selectTimes(pdeDense, kept);
  const axis = { lo: pde.grid.axes[0].lo, hi: pde.grid.axes[0].hi, cells: pde.grid.axes[0].cells };
  const times = pde.times;
  const riskPerSeed: number[][] = [];
  const out = {
    w1: [] as number[], w1Std: [] as number[], w2: [] as number[], w2Std: [] as number[], ks: [] as number[], ksStd: [] as number[],
    testMean: [] as number[], testSe: [] as number[], radii: [] as Float64Array[],
  };
  kept.forEach((k, i) => {
    riskPerSeed.push(riskAt(k));
    const w1s: number[] = [];
    const w2s: number[] = [];
    const kss: number[] = [];
    for (const run of runs) {
      const radii = radiiOf(run, k);
      w1s.push(wassersteinSampleGrid(radii, axis, pde.density[i], 1));
      w2s.push(wassersteinSampleGrid(radii, axis, pde.density[i], 2));
      kss.push(ksSampleGrid(radii, axis, pde.density[i]));
    }
    out.radii.push(radiiOf(runs[0], k));
    out.w1.push(mean(w1s));
    out.w1Std.push(sd(w1s));
    out.w2.push(mean(w2s));
    out.w2Std.push(sd(w2s));
    out.ks.push(mean(kss));
    out.ksStd.push(sd(kss));
    if (p.testSamples > 0) {
      const tr = runs.map((r) => r.snapshots[k].testRisk!);
      out.testMean.push(mean(tr.map((x) => x.mean)));
      // standard error of the replica mean of independent MC estimates
      out.testSe.push(Math.sqrt(tr.reduce((s2, x) => s2 + x.stdError ** 2, 0)) / tr.length);
    }
  });
  const pick = (xs: number[]) => kept.map((k) => xs[k]);
  const tEnd = performance.now();
  const stopped = runs.find((r) => r.stoppedAt !== null)?.stoppedAt ?? null;
  return {
    kind: 'meanfield.compare',
    provenance: makeProvenance(config.seed, {
      pdeMs: tPde - t0,
      particlesMs: tParticles - tPde,
      diagnosticsMs: tEnd - tParticles,
      totalMs: tEnd - t0,
      workers,
      replicasResumed: resumed.size,
    }),
    config,
    times,
    pde: { risk: pde.risk, meanR: pde.meanR, mass: pde.mass },
    particles: {
      n: p.n,
      epsilon: p.epsilon,
      batch: p.batch,
      seeds: p.seeds,
      risk: pick(curve.particleRisk),
      riskStd: pick(curve.particleRiskStd),
      riskPerSeed,
      meanR: pick(curve.particleMeanR),
      meanRStd: pick(curve.particleMeanRStd),
      testRisk: p.testSamples > 0 ? { mean: out.testMean, stdError: out.testSe } : undefined,
      radii: out.radii,
      completed: ensemble.completed && !pde.solver.stoppedEarly,
      stoppedAt: stopped ? stopped.t : null,
    },
    gap: pick(curve.particleRisk).map((r, i) => r - pde.risk[i]),
    w1: out.w1,
    w1Std: out.w1Std,
    w2: out.w2,
    w2Std: out.w2Std,
    ks: out.ks,
    ksStd: out.ksStd,
    curve,
    solve: pde,
  };
}

export function compareReportSections(result: CompareResult): ReportSection[] {
  const { pde, particles, times, solve } = result;
  const seedsText = particles.seeds > 1 ? `mean ± std over ${particles.seeds} seeds` : 'one seed';
  const { curve } = result;
  const sections: ReportSection[] = [
    {
      title: 'Risk: PDE vs particles',
      text:
        `Particles: exact population risk R_N of N = ${particles.n} units trained by online SGD (ε = ${particles.epsilon}, batch ${particles.batch}), ${seedsText}. ` +
        'R_N includes the i = j terms and the actual angles between units, so R_N − R(ρ̄_t) carries an O(1/N) bias besides the O(N^-1/2) fluctuations.',
      figure: lineFigure('Risk', 't', 'risk', [
        { name: 'PDE (finite volumes)', x: curve.times, y: curve.pdeRisk },
        { name: `particles (N=${particles.n})`, x: curve.times, y: curve.particleRisk, error: particles.seeds > 1 ? curve.particleRiskStd : undefined, mode: 'markers' },
      ]),
    },
    {
      title: 'Mean radius',
      figure: lineFigure('Mean of r = |w|', 't', 'mean r', [
        { name: 'PDE', x: curve.times, y: curve.pdeMeanR },
        { name: `particles (N=${particles.n})`, x: curve.times, y: curve.particleMeanR, error: particles.seeds > 1 ? curve.particleMeanRStd : undefined, mode: 'markers' },
      ]),
    },
    {
      title: 'Radial law: particle histogram (replica 1) over the PDE density ρ̄_t(r)',
      figure: densityPanelsFigure('r = |w|', solve.grid.centres, solve.grid.cellWidth, times, solve.density, particles.radii),
    },
    {
      title: 'Distances between the particles and ρ̄_t',
      figure: lineFigure('W1, W2 and KS distance of the law of r', 't', 'distance', [
        { name: 'W1', x: times, y: result.w1, error: result.w1Std, mode: 'lines+markers' },
        { name: 'W2', x: times, y: result.w2, error: result.w2Std, mode: 'lines+markers' },
        { name: 'KS', x: times, y: result.ks, error: result.ksStd, mode: 'lines+markers' },
      ]),
    },
    {
      title: 'Table',
      table: {
        columns: ['t', 'R PDE', 'R_N particles', '± std', 'gap', 'mean r PDE', 'mean r particles', 'W1', 'W2', 'KS'],
        rows: times.map((t, k) => [t, pde.risk[k], particles.risk[k], particles.riskStd[k], result.gap[k], pde.meanR[k], particles.meanR[k], result.w1[k], result.w2[k], result.ks[k]]),
      },
    },
  ];
  if (!particles.completed) {
    sections.unshift({ title: 'Interrupted', text: `The run was stopped at t = ${particles.stoppedAt ?? times[times.length - 1]}; only the save times reached by every engine are shown.` });
  }
  return [...sections, ...solveReportSections(solve).slice(2)];
}

export function writeCompareOutputs(dir: string, result: CompareResult): { json: string; html: string } {
  const json = join(dir, 'result.json');
  const html = join(dir, 'report.html');
  writeFileAtomic(json, toJson(result));
  writeFileAtomic(html, renderReport('meanfield compare', compareReportSections(result), { provenance: result.provenance, config: result.config }));
  return { json, html };
}
