/**
 * The `solve` job: spec → model → PDE problem → trajectory (src/pde), with an independent check (the
 * other method or a coarser node set) and the model's limit companion → result.json + report.html.
 * Every run of the spec (the base, or each variant) is solved. Usable from the CLI, tests and notebooks.
 */
import { gridMarginal } from '../diagnostics/registry.ts';
import { Grid, type AxisSpec } from '../grid.ts';
import { makeProvenance } from '../io/output.ts';
import { writeResult, type ResultFiles } from '../io/result.ts';
import { riskWords, type RiskWords } from '../io/risk-name.ts';
import { solveWithChecks, type PdeCheck, type PdeControl, type PdeTrajectory } from '../pde/index.ts';
import type { DiscretisationError } from '../pde/error-estimate.ts';
import { runInWorker } from '../parallel/pool.ts';
import { densityPanelsFigure, lineFigure, colorAt, type Series } from '../plot/figures.ts';
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
  /** Estimated discretisation error per save time (finite volumes; src/pde/error-estimate.ts): `error.risk`, `error.means`. */
  readonly error: DiscretisationError | null;
  readonly companion: { readonly label: string; readonly risk: number[]; readonly means: number[][]; readonly steps: number } | null;
}

export interface SolveResult {
  kind: 'meanfield.solve';
  provenance: Provenance;
  spec: Record<string, unknown>;
  description?: string;
  runs: SolvedRun[];
  /** True unless an interrupt stopped some run before its last save time. */
  completed: boolean;
  /** The model's word for R when it is not "risk" (`Model.riskName`): result.json keys and report labels use it. */
  riskName?: string;
}

/** Solves every run of a spec in this thread. */
export function runSolveSpec(spec: Spec, control: PdeControl = {}): SolveResult {
  const t0 = performance.now();
  const runs = spec.runs.map((run): SolvedRun => {
    const { main, error, check, companion } = solveWithChecks(run, control, 'solve');
    const { nodes, ...rest } = main;
    return {
      ...rest,
      label: run.label,
      model: run.model.label,
      nodeCount: nodes?.count,
      error,
      check: check && { label: check.label, method: check.method, risk: check.risk, means: check.means, maxRiskDiff: check.maxRiskDiff, maxMeanDiff: check.maxMeanDiff },
      companion: companion && { label: companion.label, risk: companion.trajectory.risk, means: companion.trajectory.means, steps: companion.trajectory.steps },
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
    riskName: spec.runs[0].model.riskName,
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

/** The densities of a 1-axis grid solution as Fig. 1-style panels; the first axis's marginal otherwise. */
export function densitySection(title: string, axes: readonly AxisSpec[], times: readonly number[], density: readonly Float64Array[], samples?: readonly Float64Array[], sampleStride = 1): ReportSection {
  const grid = new Grid(axes);
  const marginals = density.map((P) => (axes.length === 1 ? P : gridMarginal(axes, P, 0)));
  const columns = samples?.map((s) => {
    const out = new Float64Array(s.length / sampleStride);
    for (let i = 0; i < out.length; i++) out[i] = s[i * sampleStride];
    return out;
  });
  return {
    title,
    text: axes.length > 1 ? `Marginal of ${axes[0].name} (the other axes summed out).` : undefined,
    figure: densityPanelsFigure(axes[0].name, grid.centres[0], grid.spacing[0], times, marginals, columns),
  };
}

function solvedRunSections(r: SolvedRun, prefix: string, words: RiskWords): ReportSection[] {
  const sections: ReportSection[] = [];
  if (r.fv) sections.push(densitySection(`${prefix}Density of the reduced law`, r.fv.axes, r.times, r.fv.density));
  const series: Series[] = [{ name: r.methodName === 'finite-volume' ? 'finite volumes' : 'characteristics', x: r.times, y: r.risk, mode: 'lines+markers', color: colorAt(0) }];
  if (r.check) series.push({ name: `check: ${r.check.label}`, x: r.times, y: r.check.risk, mode: 'markers', dash: 'dot', color: colorAt(1) });
  if (r.companion) series.push({ name: r.companion.label, x: r.times, y: r.companion.risk, mode: 'lines', dash: 'dash', color: colorAt(2) });
  sections.push({ title: `${prefix}${words.title}`, text: `${r.method}; ${r.kernel.description}.`, figure: lineFigure(`${words.title} ${words.symbol}(ρ̄_t)`, 't', words.name, series) });
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
