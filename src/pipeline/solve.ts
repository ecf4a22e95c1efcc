/**
 * The `solve` job: spec → model → PDE problem → trajectory (src/pde), with an independent check (the
 * other method or a coarser node set) and the model's limit companion → result.json + report.html.
 * Every run of the spec (the base, or each variant) is solved. Usable from the CLI, tests and notebooks.
 */
import { gridMarginal } from '../diagnostics/registry.ts';
import { Grid, type AxisSpec } from '../grid.ts';
import { checkpointFolder, phaseStore } from '../io/checkpoint.ts';
import { makeProvenance, toJson } from '../io/output.ts';
import { writeResult, type ResultFiles } from '../io/result.ts';
import { riskWords, type RiskWords } from '../io/risk-name.ts';
import { solveWithChecks, type PdeCheck, type PdeControl, type PdePhase, type PdeTrajectory, type PhaseStore } from '../pde/index.ts';
import type { DiscretisationError } from '../pde/error-estimate.ts';
import { runInWorker } from '../parallel/pool.ts';
import { curveTimes, pick, saveIndices, thinTrajectory, withSaveTimes } from './dense-curve.ts';
import { densityPanelsFigure, densitySliderFigure, lineFigure, colorAt, type DensityPanelOptions, type Series } from '../plot/figures.ts';
import { TIME_TITLE } from '../plot/layout.ts';
import type { ReportSection } from '../plot/html-report.ts';
import { errorOfRun, type Spec } from '../spec/index.ts';
import type { Provenance } from '../types.ts';

/** One solved run: the trajectory, its check and its companion. */
export interface SolvedRun extends Omit<PdeTrajectory, 'nodes'> {
  readonly label: string;
  readonly model: string;
  /** Node positions are large; the solve result keeps only their count. */
  readonly nodeCount?: number;
  readonly check: Omit<PdeCheck, 'nodes'> | null;
  /** Estimated discretisation error per save time (finite volumes; src/pde/error-estimate.ts): `error.risk`, `error.means`. */
  readonly error: DiscretisationError | null;
  readonly companion: { readonly label: string; readonly risk: number[]; readonly means: number[][]; readonly steps: number } | null;
  /** The phases an interrupt cut short or never started (src/pde `PdePhase`; empty when finished). */
  readonly stopped: PdePhase[];
  /** Risk of the solution, its check and its companion on the dense time grid (save times plus the spec's curveSteps equal steps). */
  readonly curve: { readonly times: number[]; readonly risk: number[]; readonly checkRisk: number[] | null; readonly companionRisk: number[] | null };
}

export interface SolveResult {
  kind: 'meanfield.solve';
  provenance: Provenance;
  spec: Record<string, unknown>;
  description?: string;
  runs: SolvedRun[];
  /** True unless an interrupt stopped some phase of some run. */
  completed: boolean;
  /** The model's word for R when it is not "risk" (`Model.riskName`): result.json keys and report labels use it. */
  riskName?: string;
  /** Whether an interrupt stopped the run, and what is missing because of it (one line per piece). */
  stoppedEarly: boolean;
  missing: string[];
}

/** What a stop left out of a run, in words (for result.json's `missing` and the console). */
export function missingPieces(label: string | null, times: readonly number[], saveTimes: readonly number[], stopped: readonly PdePhase[]): string[] {
  const prefix = label ? `${label}: ` : '';
  return stopped.map((phase) =>
    phase === 'main'
      ? `${prefix}the PDE after t = ${times[times.length - 1] ?? 0} (save times ${saveTimes.filter((t) => !times.includes(t)).join(', ')})`
      : `${prefix}the ${phase === 'check' ? 'independent check' : 'companion solution'}`,
  );
}

/** Where `solve` and `compare` keep the finished PDE phases of run `index` (resume reuses them when the key matches). */
export function pdeCheckpoint(dir: string | undefined, index: number, key: unknown, resume: boolean): PhaseStore | undefined {
  return dir === undefined ? undefined : phaseStore(checkpointFolder(dir, `pde-${index}`), toJson(key), resume);
}

export interface SolveControl extends Omit<PdeControl, 'phases' | 'onProgress' | 'onPhase'> {
  /** Progress of each phase of each run (src/pde `PdePhase`), the time reached of its last save time. */
  onProgress?: (run: number, phase: PdePhase, t: number) => void;
  /** Folder for the finished phases (checkpoints) and whether to reuse those found there. */
  checkpointDir?: string;
  resume?: boolean;
}

/** Solves every run of a spec in this thread. */
export function runSolveSpec(spec: Spec, control: SolveControl = {}): SolveResult {
  const t0 = performance.now();
  const runs = spec.runs.map((run, i): SolvedRun => {
    let current: PdePhase = 'main';
    // solved on the save times plus curveSteps equal steps: the risk curves keep every time, the rest is thinned back
    const dense = curveTimes(run.saveTimes, spec.curveSteps);
    let solved;
    try {
      solved = solveWithChecks(
        withSaveTimes(run, dense),
        {
          shouldStop: control.shouldStop,
          onPhase: (phase) => (current = phase),
          onProgress: control.onProgress && ((t) => control.onProgress!(i, current, t)),
          phases: pdeCheckpoint(control.checkpointDir, i, ['solve', run.json, run.seed], control.resume ?? false),
        },
        'solve',
      );
    } catch (e) {
      throw errorOfRun(spec, i, e);
    }
    const { main, error, check, companion, stopped } = solved;
    const at = saveIndices(run.saveTimes, main.times);
    const { nodes, ...rest } = thinTrajectory(main, at);
    return {
      ...rest,
      label: run.label,
      model: run.model.label,
      nodeCount: nodes?.count,
      error: error && { ...error, risk: pick(error.risk, at), means: error.means.map((m) => pick(m, at)), order: pick(error.order, at) },
      check: check && { label: check.label, method: check.method, risk: pick(check.risk, at), means: check.means.map((m) => pick(m, at)), maxRiskDiff: check.maxRiskDiff, maxMeanDiff: check.maxMeanDiff },
      companion: companion && { label: companion.label, risk: pick(companion.trajectory.risk, at), means: companion.trajectory.means.map((m) => pick(m, at)), steps: companion.trajectory.steps },
      stopped,
      curve: { times: main.times, risk: main.risk, checkRisk: check?.risk ?? null, companionRisk: companion?.trajectory.risk ?? null },
    };
  });
  const missing = runs.flatMap((r, i) => missingPieces(spec.runs.length > 1 ? r.label : null, r.times, spec.runs[i].saveTimes, r.stopped));
  const tEnd = performance.now();
  return {
    kind: 'meanfield.solve',
    provenance: makeProvenance(spec.seed, { solveMs: runs.reduce((s, r) => s + r.ms, 0), totalMs: tEnd - t0 }),
    spec: spec.json,
    description: spec.description,
    runs,
    completed: missing.length === 0,
    riskName: spec.runs[0].model.riskName,
    stoppedEarly: missing.length > 0,
    missing,
  };
}

const TASKS = new URL('./tasks.ts', import.meta.url).href;

/** A phase's progress as the worker reports it: which phase, how far (0…1) and a detail line. */
export interface PhaseProgress {
  readonly phase: string;
  readonly fraction: number;
  readonly detail: string;
}

/**
 * `runSolveSpec` in a worker thread, so that the calling thread's event loop stays free: signals
 * (Ctrl-C, SIGTERM) and progress reach it while the PDE runs; the worker stops after its current step.
 */
export async function runSolve(
  raw: unknown,
  baseDir: string,
  control: { shouldStop?: () => boolean; onProgress?: (p: PhaseProgress) => void; checkpointDir?: string; resume?: boolean } = {},
): Promise<SolveResult> {
  const input = { raw, baseDir, checkpointDir: control.checkpointDir, resume: control.resume ?? false };
  return runInWorker<SolveResult, PhaseProgress>({ module: TASKS, export: 'solveTask', input }, { shouldStop: control.shouldStop, onProgress: control.onProgress });
}

/**
 * The law of a grid solution's first coordinate (its marginal with several axes) at every save time:
 * Fig. 1-style panels and a time-slider figure, the PDE and the particles (if any) as mass per bin.
 */
export function densitySections(title: string, axes: readonly AxisSpec[], times: readonly number[], density: readonly Float64Array[], names: DensityPanelOptions, samples?: readonly Float64Array[], sampleStride = 1): ReportSection[] {
  const grid = new Grid(axes);
  const marginals = density.map((P) => (axes.length === 1 ? P : gridMarginal(axes, P, 0)));
  const columns = samples?.map((s) => {
    const out = new Float64Array(s.length / sampleStride);
    for (let i = 0; i < out.length; i++) out[i] = s[i * sampleStride];
    return out;
  });
  const name = axes[0].name;
  const text =
    `Mass per histogram bin: bins are whole grid cells, the PDE's mass in a bin is the sum of its cells' masses and the particles' mass the share of units in it, so a collapsed layer is one tall bar in both.` +
    (axes.length > 1 ? ` Marginal of ${name} (the other axes summed out).` : '');
  const args = [name, grid.centres[0], grid.spacing[0], times, marginals, columns, names] as const;
  return [
    { title, text, figure: densityPanelsFigure(...args) },
    ...(times.length > 1 ? [{ title: `${title}: time slider`, figure: densitySliderFigure(...args) }] : []),
  ];
}

/** Legend name of a PDE method: "PDE (finite volumes)", "PDE (characteristics)". */
export function pdeName(methodName: string): string {
  return `PDE (${methodName === 'finite-volume' ? 'finite volumes' : 'characteristics'})`;
}

function solvedRunSections(r: SolvedRun, prefix: string, words: RiskWords): ReportSection[] {
  const sections: ReportSection[] = [];
  if (r.fv) sections.push(...densitySections(`${prefix}Law of the reduced coordinate`, r.fv.axes, r.times, r.fv.density, { pdeName: pdeName(r.methodName) }));
  const c = r.curve;
  const series: Series[] = [{ name: pdeName(r.methodName), x: c.times, y: c.risk, mode: 'lines', color: colorAt(0) }];
  if (r.check && c.checkRisk) series.push({ name: `check: ${r.check.label}`, x: c.times, y: c.checkRisk, mode: 'lines', dash: 'dot', color: colorAt(1) });
  if (r.companion && c.companionRisk) series.push({ name: `companion: ${r.companion.label}`, x: c.times, y: c.companionRisk, mode: 'lines', dash: 'dash', color: colorAt(2) });
  series.push({ name: 'save times', x: r.times, y: r.risk, mode: 'markers', color: colorAt(0) });
  const text = `${r.method}; ${r.kernel.description}. `;
  sections.push({ title: `${prefix}${words.title}`, text, figure: lineFigure(`${words.title} ${words.symbol}(ρ̄_t) of the PDE`, TIME_TITLE, words.axis, series) });
  const e = r.error;
  const columns = [
    't', words.name, ...(e ? ['± (discretisation)'] : []), ...r.coordinates.flatMap((c) => [`mean ${c}`, ...(e ? [`± ${c}`] : [])]),
    ...(r.fv ? ['mass − 1', 'min cell mass'] : []), ...(r.check ? [`${words.name} (check)`] : []),
  ];
  const rows = r.times.map((t, k) => [
    t, r.risk[k], ...(e ? [e.risk[k]] : []), ...r.means.flatMap((m, a) => [m[k], ...(e ? [e.means[a][k]] : [])]),
    ...(r.fv ? [r.fv.mass[k] - 1, r.fv.minMass[k]] : []), ...(r.check ? [r.check.risk[k]] : []),
  ]);
  sections.push({ title: `${prefix}Summary`, text: e ? `± = estimated discretisation error: ${e.method}${toleranceNote(e)}.` : undefined, table: { columns, rows } });
  return sections;
}

/** ", chosen for a target of …" when the grid was chosen from the accuracy target. */
export function toleranceNote(e: DiscretisationError): string {
  const t = e.tolerance;
  if (!t) return '';
  return t.met
    ? `; ${e.cells[0].join(' × ')} cells meet the target ${t.risk} in R for t ≤ ${t.until} (worst ${t.worst.toExponential(1)})`
    : `; the target ${t.risk} in R for t ≤ ${t.until} is NOT met at the largest automatic grid (${e.cells[0].join(' × ')} cells: worst ${t.worst.toExponential(1)}); give grid.cells to refine further`;
}

export function solveReportSections(result: SolveResult): ReportSection[] {
  const many = result.runs.length > 1;
  const words = riskWords(result.riskName);
  return result.runs.flatMap((r) => solvedRunSections(r, many ? `${r.label}: ` : '', words));
}

/**
 * The JSON form of a multi-run result: a single run's fields at the top level (`times`, `risk`, …), or
 * `variants: [...]` with one such object per run.
 */
export function resultJson<R extends { runs: unknown[] }>(result: R): Record<string, unknown> {
  const { runs, ...rest } = result;
  return runs.length === 1 ? { ...rest, ...(runs[0] as Record<string, unknown>) } : { ...rest, variants: runs };
}

export function writeSolveOutputs(dir: string, result: SolveResult): ResultFiles {
  return writeResult(dir, { ...resultJson(result), provenance: result.provenance, spec: result.spec, riskName: result.riskName }, { title: 'meanfield solve', sections: solveReportSections(result) });
}
