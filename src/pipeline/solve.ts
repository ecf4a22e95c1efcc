/**
 * The `solve` job: spec → model → PDE problem → trajectory (src/pde), with an independent check (the
 * other method or a coarser node set) and the model's limit companion → result.json + report.html.
 * Every run of the spec (the base, or each variant) is solved. Usable from the CLI, tests and notebooks.
 */
import { gridMarginal } from '../diagnostics/registry.ts';
import { Grid, type AxisSpec } from '../grid.ts';
import { makeProvenance } from '../io/output.ts';
import { writeResult, type ResultFiles } from '../io/result.ts';
import { solveWithChecks, type PdeCheck, type PdeControl, type PdeTrajectory } from '../pde/index.ts';
import { runInWorker } from '../parallel/pool.ts';
import { densityPanelsFigure, densitySliderFigure, lineFigure, colorAt, type DensityPanelOptions, type Series } from '../plot/figures.ts';
import { RISK_TITLE, TIME_TITLE } from '../plot/layout.ts';
import { formatNumber } from '../plot/format.ts';
import { curveTimes } from './compare.ts';
import { pick, saveIndices, thinTrajectory, withSaveTimes } from './dense-curve.ts';
import type { ReportSection } from '../plot/html-report.ts';
import type { Spec } from '../spec/index.ts';
import type { Provenance } from '../types.ts';

/** One solved run: the trajectory, its check and its companion. */
export interface SolvedRun extends Omit<PdeTrajectory, 'nodes'> {
  readonly label: string;
  readonly model: string;
  /** Node positions are large; the solve result keeps only their count. */
  readonly nodeCount?: number;
  readonly check: Omit<PdeCheck, 'nodes'> | null;
  readonly companion: { readonly label: string; readonly risk: number[]; readonly means: number[][]; readonly steps: number } | null;
  /** Risk of the solution, its check and its companion on the dense time grid (save times plus the spec's curveSteps equal steps). */
  readonly curve: { readonly times: number[]; readonly risk: number[]; readonly checkRisk: number[] | null; readonly companionRisk: number[] | null };
}

export interface SolveResult {
  kind: 'meanfield.solve';
  provenance: Provenance;
  spec: Record<string, unknown>;
  description?: string;
  runs: SolvedRun[];
  /** True unless an interrupt stopped some run before its last save time. */
  completed: boolean;
}

/** Solves every run of a spec in this thread. */
export function runSolveSpec(spec: Spec, control: PdeControl = {}): SolveResult {
  const t0 = performance.now();
  const runs = spec.runs.map((run): SolvedRun => {
    const dense = curveTimes(run.saveTimes, spec.curveSteps);
    const { main, check, companion } = solveWithChecks(withSaveTimes(run, dense), control, 'solve');
    const at = saveIndices(run.saveTimes, main.times);
    const { nodes, ...rest } = thinTrajectory(main, at);
    return {
      ...rest,
      label: run.label,
      model: run.model.label,
      nodeCount: nodes?.count,
      check: check && { label: check.label, method: check.method, risk: pick(check.risk, at), means: check.means.map((m) => pick(m, at)), maxRiskDiff: check.maxRiskDiff, maxMeanDiff: check.maxMeanDiff },
      companion: companion && { label: companion.label, risk: pick(companion.trajectory.risk, at), means: companion.trajectory.means.map((m) => pick(m, at)), steps: companion.trajectory.steps },
      curve: { times: main.times, risk: main.risk, checkRisk: check?.risk ?? null, companionRisk: companion?.trajectory.risk ?? null },
    };
  });
  const tEnd = performance.now();
  return {
    kind: 'meanfield.solve',
    provenance: makeProvenance(spec.seed, { solveMs: runs.reduce((s, r) => s + r.ms, 0), totalMs: tEnd - t0 }),
    spec: spec.json,
    description: spec.description,
    runs,
    completed: runs.every((r) => !r.stoppedEarly),
  };
}

const TASKS = new URL('./tasks.ts', import.meta.url).href;

/**
 * `runSolveSpec` in a worker thread, so that the calling thread's event loop stays free: signals
 * (Ctrl-C) and progress reach it while the PDE runs; the worker stops after its current step.
 */
export async function runSolve(raw: unknown, baseDir: string, control: { shouldStop?: () => boolean; onProgress?: (message: string) => void } = {}): Promise<SolveResult> {
  return runInWorker<SolveResult, string>({ module: TASKS, export: 'solveTask', input: { raw, baseDir } }, { shouldStop: control.shouldStop, onProgress: control.onProgress });
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

function solvedRunSections(r: SolvedRun, prefix: string): ReportSection[] {
  const sections: ReportSection[] = [];
  if (r.fv) sections.push(...densitySections(`${prefix}Law of the reduced coordinate`, r.fv.axes, r.times, r.fv.density, { pdeName: pdeName(r.methodName) }));
  const c = r.curve;
  const series: Series[] = [{ name: pdeName(r.methodName), x: c.times, y: c.risk, mode: 'lines', color: colorAt(0) }];
  if (r.check && c.checkRisk) series.push({ name: `check: ${r.check.label}`, x: c.times, y: c.checkRisk, mode: 'lines', dash: 'dot', color: colorAt(1) });
  if (r.companion && c.companionRisk) series.push({ name: `companion: ${r.companion.label}`, x: c.times, y: c.companionRisk, mode: 'lines', dash: 'dash', color: colorAt(2) });
  series.push({ name: 'save times', x: r.times, y: r.risk, mode: 'markers', color: colorAt(0) });
  const text = `${r.method}; ${r.kernel.description}. Curves on ${formatNumber(c.times.length)} times (save times and equal steps: the spec's curveSteps).`;
  sections.push({ title: `${prefix}Risk`, text, figure: lineFigure('Risk R(ρ̄_t) of the PDE', TIME_TITLE, RISK_TITLE, series) });
  const columns = ['t', 'risk', ...r.coordinates.map((c) => `mean ${c}`), ...(r.fv ? ['mass − 1', 'min cell mass'] : []), ...(r.check ? ['risk (check)'] : [])];
  const rows = r.times.map((t, k) => [
    t, r.risk[k], ...r.means.map((m) => m[k]), ...(r.fv ? [r.fv.mass[k] - 1, r.fv.minMass[k]] : []), ...(r.check ? [r.check.risk[k]] : []),
  ]);
  sections.push({ title: `${prefix}Summary`, table: { columns, rows } });
  return sections;
}

export function solveReportSections(result: SolveResult): ReportSection[] {
  const many = result.runs.length > 1;
  return result.runs.flatMap((r) => solvedRunSections(r, many ? `${r.label}: ` : ''));
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
  return writeResult(dir, { ...resultJson(result), provenance: result.provenance, spec: result.spec }, { title: 'meanfield solve', sections: solveReportSections(result) });
}
