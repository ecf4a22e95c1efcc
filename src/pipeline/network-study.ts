/**
 * The width study of particle-only models (`compare` on a spec with a "widths" block): for each width
 * N and seed, one SGD run of the model's network; then, per run of the spec (variants overlaid):
 *   - the metrics over time and at the end (mean ± standard error over seeds; e.g. test loss and accuracy);
 *   - the law of each tracked unit coordinate at the last save time, pooled over seeds, as histograms
 *     per N on common bins;
 *   - W1 (per coordinate) and sliced W1 (16 fixed random directions) between each N's pooled law and the largest N's, and a fit
 *     W1 ≈ C N^(−rate) over the smaller widths, with a bootstrap interval from resampling seeds (a seed's
 *     units move together) within every N.
 * The W1 estimates include the sampling floor of two empirical laws of N·K and N_max·K units, O((N K)^(−1/2)):
 * a rate near ½ is what propagation of chaos at rate N^(−1/2) and that floor both give.
 *
 * With "reference": "<label of a run>", also W1 (per coordinate and sliced) between every run's pooled
 * final law and the reference run's at the same N (De Bortoli Fig. 3: the β = 1 law at decreasing γ
 * against the β < 1 one). The reference against itself is 0 (the same sample). Runs of one width and
 * seed share their stream, hence their initial weights and their sequence of batches (drawn at
 * different steps when the steps differ), so these distances carry no floor from sampling the initial law.
 *
 * Streams: the run of width N and seed k uses stream 1000·N + k of the spec's seed, so adding a width or
 * a seed never changes the others (and the result does not depend on the worker count).
 *
 * "widths": { "ns": [100, 300, 1000], "seeds": 3, "bootstrap": 100, "bins": 40, "reference": "β = 0.75" }
 */
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { makeProvenance } from '../io/output.ts';
import { slicedWasserstein1, marginalWasserstein1, randomDirections } from '../diagnostics/weighted.ts';
import { mean, standardError, std } from '../diagnostics/stats.ts';
import { replicaSpec } from '../particles/replica.ts';
import { replicaTaskOf } from '../particles/ensemble.ts';
import type { ParticleRun } from '../particles/sgd.ts';
import { finishedResult, HORIZON_PROBES, runTaskPlan, type PlannedTask, type TaskPlan } from './task-plan.ts';
import { Rng } from '../rng.ts';
import { number, parseWith } from '../spec/fields.ts';
import type { RunSpec, Spec } from '../spec/index.ts';
import type { Provenance } from '../types.ts';
import { deBortoliTimeStep } from '../particles/step-size.ts';
import { writeResult, type ResultFiles } from '../io/result.ts';
import { colorAt, lineFigure } from '../plot/figures.ts';
import type { ReportSection } from '../plot/html-report.ts';

export const widthsSchema = z.strictObject({
  ns: z.array(number({ integer: true, min: 1, max: 1e6 })).min(2).superRefine((ns, ctx) => {
    for (let i = 1; i < ns.length; i++) if (!(ns[i] > ns[i - 1])) ctx.addIssue({ code: 'custom', path: [i], message: `must be increasing (got ${ns[i]} after ${ns[i - 1]})` });
  }),
  seeds: number({ integer: true, min: 1, max: 999 }).default(3),
  bootstrap: number({ integer: true, min: 0, max: 100000 }).default(100),
  bins: number({ integer: true, min: 5, max: 1000 }).default(40),
  /** Label of the run (variant) every run's law is compared with at each width. */
  reference: z.string().min(1).optional(),
});
export type WidthsSettings = z.output<typeof widthsSchema>;

export interface WidthRow {
  readonly n: number;
  readonly epsilon: number;
  readonly steps: number;
  readonly seeds: number;
  /** Final value of every metric: mean over seeds and its standard error (seed to seed). */
  readonly final: Record<string, { readonly mean: number; readonly stdError: number }>;
  /** Metric means over seeds at every save time. */
  readonly curves: Record<string, number[]>;
  readonly stepsMs: number;
}

export interface RateFit {
  /** W1 ≈ C N^(−rate) over the widths below the largest. */
  readonly rate: number;
  readonly rateStdError: number;
  /** Bootstrap percentile 95 % interval (null without bootstrap). */
  readonly interval: [number, number] | null;
}

export interface WidthStudyRun {
  readonly label: string;
  readonly model: string;
  readonly times: number[];
  readonly coordinates: readonly string[];
  readonly metrics: readonly string[];
  readonly widths: WidthRow[];
  /** Per width, the flat fields the checks read (e.g. testAccuracy, testLoss): the final means. */
  readonly perWidth: Array<Record<string, number>>;
  /** Per coordinate: histogram of each N's pooled final law on common bins (densities). */
  readonly histograms: Array<{ readonly coordinate: string; readonly edges: number[]; readonly density: number[][] }>;
  /** W1 to the largest width, per coordinate ([coordinate][width below the largest]), and sliced W1. */
  readonly w1ToLargest: number[][];
  readonly slicedW1ToLargest: number[];
  readonly w1Fits: RateFit[];
  readonly slicedW1Fit: RateFit;
  /** The final value of the first metric (the loss) against N: loss ≈ C N^(−rate) over every width. */
  readonly lossFit: RateFit;
  /**
   * With widths.reference: W1 between this run's pooled final law and the reference run's at the same
   * width, per coordinate ([coordinate][width]) and sliced ([width]); 0 for the reference itself.
   */
  readonly w1ToReference: number[][] | null;
  readonly slicedW1ToReference: number[] | null;
  /**
   * One unit across seeds (De Bortoli Fig. 2): [coordinate][width][save time] the mean and the std over
   * seeds of unit 0's coordinate. From a fixed initialisation the std is SGD's noise alone: it vanishes
   * as N grows for β < 1 (the step γ_{α,β}(N) → 0) and stays finite for β = 1.
   */
  readonly unitAcrossSeeds: Array<{ readonly coordinate: string; readonly mean: number[][]; readonly std: number[][] }>;
  readonly warnings: readonly string[];
  readonly completed: boolean;
}

export interface WidthStudyResult {
  readonly kind: 'meanfield.widths';
  readonly provenance: Provenance;
  readonly spec: unknown;
  readonly description?: string;
  readonly settings: WidthsSettings;
  readonly completed: boolean;
  /** True when a stop cut the study short; `missing` lists each run's widths that were not analysed. */
  readonly stoppedEarly: boolean;
  readonly missing: string[];
  /** The runs with at least two widths whose every seed finished (none when stopped that early). */
  readonly runs: WidthStudyRun[];
}

export interface WidthStudyControl {
  workers?: number;
  shouldStop?: () => boolean;
  onProgress?: (message: string) => void;
}

/** The stream of the run of width n and seed k (stable under adding widths or seeds). */
export function widthStream(n: number, seed: number): number {
  return 1000 * n + seed;
}

/** The replicas of width n: the spec's particles block with n (and ε = γ_{α,β}(n) when it gives stepSize). */
function atWidth(run: RunSpec, n: number) {
  const p = run.particles!;
  return replicaSpec(run, { n, epsilon: p.stepSize ? deBortoliTimeStep(p.stepSize, n) : p.epsilon });
}

/** log W1 = c − rate log N by least squares (two widths: the line through them); the interval from the bootstrap replicates. */
function fitRate(ns: readonly number[], w1: readonly number[], replicates: readonly number[]): RateFit {
  const x = ns.map((n) => Math.log(n));
  const y = w1.map((w) => Math.log(w));
  const xm = mean(x);
  const ym = mean(y);
  let sxx = 0;
  let sxy = 0;
  x.forEach((xi, i) => { sxx += (xi - xm) ** 2; sxy += (xi - xm) * (y[i] - ym); });
  const slope = sxy / sxx;
  const rss = y.reduce((s, yi, i) => s + (yi - ym - slope * (x[i] - xm)) ** 2, 0);
  const sorted = [...replicates].filter(Number.isFinite).sort((a, b) => a - b);
  const q = (f: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(f * (sorted.length - 1))))];
  return {
    rate: -slope,
    rateStdError: ns.length > 2 ? Math.sqrt(rss / (ns.length - 2) / sxx) : NaN,
    interval: sorted.length >= 20 ? [q(0.025), q(0.975)] : null,
  };
}

/** The units of the given seeds' final snapshots, point-major (N·K × m). */
function pool(runs: readonly ParticleRun[], pick: readonly number[]): Float64Array {
  const parts = pick.map((k) => runs[k].snapshots[runs[k].snapshots.length - 1].reduced);
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function distancesToLargest(laws: readonly Float64Array[], m: number, directions: Float64Array): { w1: number[][]; sliced: number[] } {
  const last = laws[laws.length - 1];
  const w1: number[][] = Array.from({ length: m }, () => []);
  const sliced: number[] = [];
  for (let i = 0; i < laws.length - 1; i++) {
    marginalWasserstein1(laws[i], undefined, last, undefined, m).forEach((w, a) => w1[a].push(w));
    sliced.push(m > 1 ? slicedWasserstein1(laws[i], undefined, last, undefined, m, directions) : w1[0][i]);
  }
  return { w1, sliced };
}

function histograms(laws: readonly Float64Array[], names: readonly string[], bins: number): WidthStudyRun['histograms'] {
  const m = names.length;
  return names.map((coordinate, a) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const law of laws) for (let i = a; i < law.length; i += m) { lo = Math.min(lo, law[i]); hi = Math.max(hi, law[i]); }
    if (!(hi > lo)) { lo -= 0.5; hi += 0.5; }
    const h = (hi - lo) / bins;
    const edges = Array.from({ length: bins + 1 }, (_, j) => lo + j * h);
    const density = laws.map((law) => {
      const counts = new Array<number>(bins).fill(0);
      const count = law.length / m;
      for (let i = a; i < law.length; i += m) counts[Math.min(bins - 1, Math.floor((law[i] - lo) / h))]++;
      return counts.map((c) => c / (count * h));
    });
    return { coordinate, edges, density };
  });
}

/** W1 per coordinate ([coordinate][width]) and sliced W1 ([width]) between two runs' pooled laws at the widths both have. */
function distancesBetween(laws: readonly Float64Array[], reference: readonly Float64Array[], m: number, directions: Float64Array): { w1: number[][]; sliced: number[] } {
  const w1: number[][] = Array.from({ length: m }, () => []);
  const sliced: number[] = [];
  for (let i = 0; i < Math.min(laws.length, reference.length); i++) {
    const perCoordinate = marginalWasserstein1(laws[i], undefined, reference[i], undefined, m);
    perCoordinate.forEach((w, a) => w1[a].push(w));
    sliced.push(m > 1 ? slicedWasserstein1(laws[i], undefined, reference[i], undefined, m, directions) : perCoordinate[0]);
  }
  return { w1, sliced };
}

function analyse(run: RunSpec, settings: WidthsSettings, byWidth: ParticleRun[][], completed: boolean, warnings: readonly string[], seed: number): WidthStudyRun {
  const first = byWidth[0][0];
  const coordinates = first.reducedNames;
  const metrics = first.metricNames ?? [];
  const m = coordinates.length;
  const ns = settings.ns.slice(0, byWidth.length);
  const times = first.snapshots.map((s) => s.requestedTime);
  const widths: WidthRow[] = byWidth.map((runs, i) => {
    const final: WidthRow['final'] = {};
    const curves: WidthRow['curves'] = {};
    metrics.forEach((name, j) => {
      const values = runs.map((r) => r.snapshots[r.snapshots.length - 1].metrics![j].value);
      // one seed: the metric's own standard error over its evaluation examples
      final[name] = { mean: mean(values), stdError: runs.length > 1 ? standardError(values) : runs[0].snapshots[runs[0].snapshots.length - 1].metrics![j].stdError };
      curves[name] = times.map((_, k) => mean(runs.map((r) => r.snapshots[k].metrics![j].value)));
    });
    return { n: ns[i], epsilon: runs[0].epsilon, steps: runs[0].totalSteps, seeds: runs.length, final, curves, stepsMs: runs.reduce((s, r) => s + r.timings.stepsMs, 0) };
  });
  const laws = pooledLaws(byWidth);
  const directions = slicingDirections(m, seed);
  const { w1, sliced } = distancesToLargest(laws, m, directions);
  // bootstrap: resample the seeds of every width with replacement, recompute the distances and refit
  const rng = new Rng(seed, 0xb007);
  const rateReplicates: number[][] = Array.from({ length: m + 1 }, () => []);
  for (let b = 0; b < settings.bootstrap && byWidth.length > 2; b++) {
    const resampled = byWidth.map((runs) => pool(runs, runs.map(() => Math.floor(rng.uniform() * runs.length))));
    const d = distancesToLargest(resampled, m, directions);
    const small = ns.slice(0, -1);
    d.w1.forEach((row, a) => rateReplicates[a].push(fitRate(small, row, []).rate));
    rateReplicates[m].push(fitRate(small, d.sliced, []).rate);
  }
  const small = ns.slice(0, -1);
  const canFit = small.length >= 2;
  const finalLoss = (runs: ParticleRun[], pick: readonly number[]) => mean(pick.map((k) => runs[k].snapshots[runs[k].snapshots.length - 1].metrics![0].value));
  const lossReplicates: number[] = [];
  for (let b = 0; b < settings.bootstrap; b++) {
    lossReplicates.push(fitRate(ns, byWidth.map((runs) => finalLoss(runs, runs.map(() => Math.floor(rng.uniform() * runs.length)))), []).rate);
  }
  const noFit: RateFit = { rate: NaN, rateStdError: NaN, interval: null };
  return {
    label: run.label,
    model: run.model.name,
    times,
    coordinates,
    metrics,
    widths,
    perWidth: widths.map((w) => ({ n: w.n, ...Object.fromEntries(metrics.flatMap((name) => [[name, w.final[name].mean], [`${name}StdError`, w.final[name].stdError]])) })),
    histograms: histograms(laws, coordinates, settings.bins),
    w1ToLargest: w1,
    slicedW1ToLargest: sliced,
    w1Fits: w1.map((row, a) => (canFit ? fitRate(small, row, rateReplicates[a]) : noFit)),
    slicedW1Fit: canFit ? fitRate(small, sliced, rateReplicates[m]) : noFit,
    lossFit: fitRate(ns, byWidth.map((runs) => finalLoss(runs, runs.map((_, k) => k))), lossReplicates),
    w1ToReference: null,
    slicedW1ToReference: null,
    unitAcrossSeeds: coordinates.map((coordinate, a) => {
      const values = (runs: ParticleRun[], k: number) => runs.map((r) => r.snapshots[k].reduced[a]);
      return {
        coordinate,
        mean: byWidth.map((runs) => times.map((_, k) => mean(values(runs, k)))),
        std: byWidth.map((runs) => times.map((_, k) => (runs.length > 1 ? std(values(runs, k)) : NaN))),
      };
    }),
    warnings,
    completed,
  };
}

/** Every width's final law, pooled over all its seeds. */
const pooledLaws = (byWidth: readonly ParticleRun[][]) => byWidth.map((runs) => pool(runs, runs.map((_, k) => k)));
/** The 16 fixed directions of the sliced W1. */
const slicingDirections = (m: number, seed: number) => randomDirections(m, 16, new Rng(seed, 0x51ced));

/** Parses the spec's "widths" block (reference: the label of one of the spec's runs). */
export function parseWidths(spec: Spec): WidthsSettings {
  if (!spec.widths) throw new ConfigError('widths', 'is required for a width study: { "ns": [100, 300, 1000], "seeds": 3 }');
  const settings = parseWith(widthsSchema, spec.widths, 'widths');
  const labels = spec.runs.map((r) => r.label);
  if (settings.reference !== undefined && !labels.includes(settings.reference)) {
    throw new ConfigError('widths.reference', `must be the label of one of the runs: ${labels.map((l) => JSON.stringify(l)).join(', ')} (got ${JSON.stringify(settings.reference)})`);
  }
  return settings;
}

/**
 * The study as a task list (src/pipeline/task-plan.ts): the SGD run of width n and seed k of spec run r
 * is task `run<r>-n<n>-seed<k>` (stream `widthStream(n, k)`).
 */
export function planNetworkStudy(spec: Spec): TaskPlan<WidthStudyResult> {
  const settings = parseWidths(spec);
  const idOf = (r: number, n: number, k: number) => `run${r}-n${n}-seed${k}`;
  const tasks: PlannedTask[] = spec.runs.flatMap((run, r) => {
    if (!run.particles) throw new ConfigError('particles', 'a width study needs a "particles" block: { "n": 1000, "stepSize": { "gamma": 1, "beta": 0.75 }, "batch": 100 }');
    return settings.ns.flatMap((n) => {
      const replicas = atWidth(run, n);
      return Array.from({ length: settings.seeds }, (_, k) => ({ id: idOf(r, n, k), task: replicaTaskOf(replicas, widthStream(n, k)), group: `run${r}-n${n}` }));
    });
  });
  const assemble = (resultOf: (id: string) => unknown, provenance: Provenance): WidthStudyResult => {
    const analysed: Array<{ run: WidthStudyRun; laws: Float64Array[] }> = [];
    const missing: string[] = [];
    spec.runs.forEach((run, r) => {
      const byWidth: ParticleRun[][] = [];
      for (const n of settings.ns) {
        const got = Array.from({ length: settings.seeds }, (_, k) => resultOf(idOf(r, n, k)) as ParticleRun | null).filter((x): x is ParticleRun => x !== null && x.completed);
        if (got.length < settings.seeds) break; // widths are analysed while complete, in order
        byWidth.push(got);
      }
      const analysedWidths = byWidth.length < 2 ? 0 : byWidth.length;
      if (analysedWidths < settings.ns.length) missing.push(`${run.label}: N = ${settings.ns.slice(analysedWidths).join(', ')}${analysedWidths === 0 ? ' (fewer than two widths finished every seed)' : ''}`);
      if (byWidth.length < 2) return;
      const model = run.model.particles;
      const warnings = model?.kind === 'network' ? model.network.warnings : [];
      analysed.push({ run: analyse(run, settings, byWidth, byWidth.length === settings.ns.length, warnings, spec.seed), laws: pooledLaws(byWidth) });
    });
    // De Bortoli Fig. 3: every run's law against the reference run's at each width
    const reference = analysed.find((a) => a.run.label === settings.reference);
    const runs = analysed.map(({ run, laws }) => {
      if (!reference) return run;
      const d = distancesBetween(laws, reference.laws, run.coordinates.length, slicingDirections(run.coordinates.length, spec.seed));
      return { ...run, w1ToReference: d.w1, slicedW1ToReference: d.sliced };
    });
    return {
      kind: 'meanfield.widths',
      provenance,
      spec: spec.json,
      description: spec.description,
      settings,
      completed: missing.length === 0,
      stoppedEarly: missing.length > 0,
      missing,
      runs,
    };
  };
  return {
    tasks,
    assemble,
    isComplete: finishedResult,
    write: (dir, result) => {
      const files = writeWidthStudyOutputs(dir, result);
      return [files.json, files.html];
    },
    ...HORIZON_PROBES,
  };
}

/** Runs the width study of every run of the spec: its plan's tasks on one worker pool, then the assembly. */
export async function runWidthStudy(spec: Spec, control: WidthStudyControl = {}): Promise<WidthStudyResult> {
  const t0 = performance.now();
  const plan = planNetworkStudy(spec);
  let last = 0;
  let done = 0;
  const results = await runTaskPlan(plan, {
    workers: control.workers,
    shouldStop: control.shouldStop,
    onDone: () => {
      done++;
      const now = performance.now();
      if (control.onProgress && (now - last > 1000 || done === plan.tasks.length)) {
        last = now;
        control.onProgress(`widths: ${done}/${plan.tasks.length} runs done`);
      }
    },
  });
  const tRun = performance.now();
  const result = plan.assemble((id) => results.get(id) ?? null, makeProvenance(spec.seed, {}, spec.runs));
  const tEnd = performance.now();
  Object.assign(result.provenance.timings, { runMs: tRun - t0, analysisMs: tEnd - tRun, totalMs: tEnd - t0 });
  return result;
}

const fixed = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : '—');

/** Terminal lines: per run and width the final metrics, then the fitted W1 rates. */
export function widthStudyLines(result: WidthStudyResult): string[] {
  const lines: string[] = [];
  for (const r of result.runs) {
    lines.push(`${r.label} (${r.model}), t = ${r.times[r.times.length - 1]}:`);
    lines.push(['N'.padStart(8), 'steps'.padStart(8), ...r.metrics.map((m) => m.padStart(22)), ...r.coordinates.map((c) => `W1 ${c}`.padStart(14))].join(''));
    r.widths.forEach((w, i) => {
      const cells = r.metrics.map((m) => `${fixed(w.final[m].mean, 4)} ± ${fixed(w.final[m].stdError, 4)}`.padStart(22));
      const dist = r.coordinates.map((_, a) => (i < r.widths.length - 1 ? fixed(r.w1ToLargest[a][i], 5) : '(reference)').padStart(14));
      lines.push([String(w.n).padStart(8), String(w.steps).padStart(8), ...cells, ...dist].join(''));
    });
    const rate = (f: RateFit) => `${fixed(f.rate, 2)}${f.interval ? ` [${fixed(f.interval[0], 2)}, ${fixed(f.interval[1], 2)}]` : ''}`;
    lines.push(`  ${r.metrics[0]} ∝ N^(−rate): rate ${rate(r.lossFit)}`);
    lines.push(`  W1 to N = ${r.widths[r.widths.length - 1].n} ∝ N^(−rate): ${r.coordinates.map((c, a) => `${c} ${rate(r.w1Fits[a])}`).join(', ')}; sliced ${rate(r.slicedW1Fit)}`);
    if (r.w1ToReference) {
      const ns = r.widths.slice(0, r.w1ToReference[0]?.length ?? 0).map((w) => w.n).join(', ');
      lines.push(`  W1 to "${result.settings.reference}" at N = ${ns}: ${r.coordinates.map((c, a) => `${c} ${r.w1ToReference![a].map((x) => fixed(x, 5)).join(', ')}`).join('; ')}`);
    }
    for (const w of r.warnings) lines.push(`  warning: ${w}`);
  }
  return lines;
}

/** Report sections: metrics against N and t, the coordinate histograms over N, W1 to the largest N. */
export function widthStudySections(result: WidthStudyResult): ReportSection[] {
  const sections: ReportSection[] = [];
  if (result.runs.length === 0) return [{ title: 'Stopped early', text: `The study was stopped before two widths of any run had finished every seed; missing:\n\n${result.missing.join('\n\n')}` }];
  const many = result.runs.length > 1;
  const name = (r: WidthStudyRun, what: string) => (many ? `${r.label}: ${what}` : what);
  const metrics = result.runs[0].metrics;
  metrics.forEach((metric) => {
    sections.push({
      title: `${metric} against the width`,
      text: `Final ${metric} (t = ${result.runs[0].times[result.runs[0].times.length - 1]}), mean over ${result.settings.seeds} seed(s) ± standard error.`,
      figure: lineFigure(`${metric} at the last save time`, 'width N (units)', metric, result.runs.map((r, i) => ({
        name: name(r, metric === metrics[0] ? `SGD: ${metric} ∝ N^(−${fixed(r.lossFit.rate, 2)})${r.lossFit.interval ? ` [${fixed(r.lossFit.interval[0], 2)}, ${fixed(r.lossFit.interval[1], 2)}]` : ''}` : 'SGD'), x: r.widths.map((w) => w.n), y: r.widths.map((w) => w.final[metric].mean), error: r.widths.map((w) => w.final[metric].stdError), mode: 'lines+markers', color: colorAt(i),
      })), { logX: true, logY: metric === metrics[0] }),
    });
  });
  if (result.settings.reference !== undefined && result.runs.some((r) => r.w1ToReference)) sections.push(...referenceSections(result));
  for (const r of result.runs) {
    sections.push({
      title: name(r, `${metrics[0]} over time`),
      text: 'Mean over seeds at every save time, one curve per width.',
      figure: lineFigure(name(r, `${metrics[0]} over time`), 't (SGD time, steps × ε)', metrics[0], r.widths.map((w, i) => ({ name: `N = ${w.n}`, x: r.times, y: w.curves[metrics[0]], mode: 'lines+markers', color: colorAt(i) }))),
    });
    for (const h of r.histograms) {
      const centres = h.edges.slice(0, -1).map((e, j) => (e + h.edges[j + 1]) / 2);
      sections.push({
        title: name(r, `law of ${h.coordinate} across widths`),
        text: `Histogram of ${h.coordinate} over all units and seeds at the last save time, one line per width; the largest width (black) is the reference the W1 distances are measured to.`,
        figure: lineFigure(name(r, `law of ${h.coordinate}`), `${h.coordinate} (weight value)`, 'density', h.density.map((d, i) => ({
          name: `N = ${r.widths[i].n}`, x: centres, y: d, mode: 'lines', color: i === h.density.length - 1 ? '#000000' : colorAt(i),
        }))),
      });
    }
    for (const u of r.unitAcrossSeeds) {
      sections.push({
        title: name(r, `one unit's ${u.coordinate} across seeds`),
        text: `Standard deviation over the ${result.settings.seeds} seeds of unit 0's ${u.coordinate} at every save time, one curve per width (De Bortoli Fig. 2). From a fixed initialisation this is SGD's noise alone: it shrinks as N grows when β < 1 and stays finite for β = 1.`,
        figure: lineFigure(name(r, `std over seeds of unit 0's ${u.coordinate}`), 't (SGD time, steps × ε)', `std of ${u.coordinate}`, u.std.map((row, i) => ({ name: `N = ${r.widths[i].n}`, x: r.times, y: row, mode: 'lines+markers', color: colorAt(i) }))),
      });
    }
    const small = r.widths.slice(0, -1).map((w) => w.n);
    sections.push({
      title: name(r, `W1 to N = ${r.widths[r.widths.length - 1].n}`),
      text: 'W1 between the pooled final law of each width and the largest width\'s, per coordinate and sliced, with the fitted power law C N^(−rate) (95 % bootstrap interval over seeds in the legend). The estimate includes the sampling floor of two finite samples.',
      figure: lineFigure(name(r, 'W1 to the largest width'), 'width N (units)', 'W1', [
        ...r.coordinates.map((c, a) => ({ name: `${c}: rate ${fixed(r.w1Fits[a].rate, 2)}${r.w1Fits[a].interval ? ` [${fixed(r.w1Fits[a].interval![0], 2)}, ${fixed(r.w1Fits[a].interval![1], 2)}]` : ''}`, x: small, y: r.w1ToLargest[a], mode: 'lines+markers' as const, color: colorAt(a) })),
        { name: `sliced W1: rate ${fixed(r.slicedW1Fit.rate, 2)}`, x: small, y: r.slicedW1ToLargest, mode: 'lines+markers' as const, color: '#000000', dash: 'dash' as const },
      ], { logX: true, logY: true }),
    });
    sections.push({
      title: name(r, 'table'),
      text: r.warnings.join('\n\n'),
      table: { columns: ['N', 'ε', 'steps', ...metrics.flatMap((m) => [m, `± ${m}`])], rows: r.widths.map((w) => [w.n, w.epsilon, w.steps, ...metrics.flatMap((m) => [w.final[m].mean, w.final[m].stdError])]) },
    });
  }
  return sections;
}

/** W1 of every run's law to the reference run's, per coordinate against N, and as a table (De Bortoli Fig. 3). */
function referenceSections(result: WidthStudyResult): ReportSection[] {
  const reference = result.settings.reference!;
  const runs = result.runs.filter((r) => r.w1ToReference);
  const coordinates = runs[0].coordinates;
  const widthsOf = (r: WidthStudyRun) => r.widths.slice(0, r.w1ToReference![0]?.length ?? r.slicedW1ToReference!.length).map((w) => w.n);
  const ns = widthsOf(runs[0]);
  return [
    ...coordinates.map((c, a) => ({
      title: `W1 of ${c} to "${reference}"`,
      text: `W1 between each run's pooled final law of ${c} (all units and seeds, t = ${result.runs[0].times[result.runs[0].times.length - 1]}) and the reference run's at the same width; the reference against itself is 0. The runs of one width and seed start from the same weights, so the distance is what the different steps did.`,
      figure: lineFigure(`W1 of ${c} to "${reference}"`, 'width N (units)', 'W1', runs.map((r, i) => ({ name: r.label, x: widthsOf(r), y: r.w1ToReference![a], mode: 'lines+markers' as const, color: colorAt(i) })), { logX: true }),
    })),
    {
      title: `W1 to "${reference}": table`,
      text: 'Per run: W1 of each coordinate (and sliced W1) to the reference run\'s law at each width.',
      table: {
        columns: ['run', ...ns.flatMap((n) => [...coordinates.map((c) => `${c}, N = ${n}`), `sliced, N = ${n}`])],
        rows: runs.map((r) => [r.label, ...ns.flatMap((_, i) => [...coordinates.map((_, a) => r.w1ToReference![a][i]), r.slicedW1ToReference![i]])]),
      },
    },
  ];
}

export function writeWidthStudyOutputs(dir: string, result: WidthStudyResult): ResultFiles {
  return writeResult(dir, result, { title: `meanfield compare (widths): ${result.runs[0]?.model ?? 'stopped early'}`, sections: widthStudySections(result) });
}
