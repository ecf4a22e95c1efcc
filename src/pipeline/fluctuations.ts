/**
 * The `fluctuations` job: for the N, ε, B of a run (or overrides), the predicted seed-to-seed std
 * of R_N and of the mean radius at every save time,
 *
 *   std Φ_N(t) ≈ √( Var_init(t)/N + (ε/B) (I_C(t) + I_I(t)/N) )          (src/clt/README.md, "The result")
 *
 * with its parts listed separately, the predicted mean shifts where they are known (C1/N for R_N at
 * t = 0; the O(ε) Itô shift (ε/B) J(t) of the mean radius) and the validity warnings of the
 * prediction (linear-noise regime, N < 400, separatrix). The model must offer the `clt` capability
 * (src/clt/index.ts). No randomness: the result is a pure function of the spec.
 *
 * The prediction's own forward solution (characteristics on a plain quadrature of ρ̄_0) is checked
 * against the finite-volume solution with its error bars (src/pde/error-estimate.ts): `pdeRisk` and
 * `pdeMeanRadius` are the finite-volume values (± `pdeRiskError`, `pdeMeanRadiusError`), and a save
 * time where the prediction's forward path is farther from them than 3 such bars (after the flow splits,
 * MMN Fig. 1 t ≳ 3: a plain rule converges like O(1/M)) is withheld: it is left out of every per-time
 * array and listed in `withheld` with both values, since every part of the prediction there rests on a
 * wrong forward path.
 *
 * `runFluctuations` computes in the calling thread; `runFluctuationsInWorker` as a pool task
 * (src/pipeline/tasks.ts `cltPredictionTask`), so a CLI stays responsive to Ctrl-C (the prediction
 * to t = 5 costs ~10–30 s).
 */
import { LINEAR_NOISE_LIMIT } from '../clt/noise.ts';
import { predictFromRun, predictionInterrupted, type CltPrediction, type CltWarning, type PredictionControl, type PredictionOverrides } from '../clt/predict.ts';
import { ConfigError } from '../errors.ts';
import { solveOnGridWithErrorBars } from '../pde/index.ts';
import { makeProvenance } from '../io/output.ts';
import { runTasks } from '../parallel/pool.ts';
import { colorAt, lineFigure, type Series } from '../plot/figures.ts';
import { plotFigure, TIME_TITLE } from '../plot/layout.ts';
import type { PlotlyFigure, ReportSection } from '../plot/html-report.ts';
import type { RunSpec } from '../spec/index.ts';
import type { Provenance } from '../types.ts';

export type { PredictionOverrides } from '../clt/predict.ts';

/** The finite-volume forward solution the prediction is checked against (src/pipeline/tasks.ts `forwardTask`). */
export interface ForwardSolution {
  method: string;
  times: number[];
  risk: number[];
  means: number[][];
  stoppedEarly: boolean;
  error: { method: string; risk: number[]; means: number[][] } | null;
}

/** A save time whose prediction is withheld: its forward path is off by more than the FV error bar. */
export interface WithheldTime {
  t: number;
  adjointRisk: number;
  risk: number;
  riskError: number;
  adjointMeanRadius: number;
  meanRadius: number;
  meanRadiusError: number;
}

/** The prediction (every field of CltPrediction at top level) plus provenance and the run's spec. */
export type FluctuationsResult = Omit<CltPrediction, 'kind'> & {
  kind: 'meanfield.fluctuations';
  /** The finite-volume solution's error bars of pdeRisk and pdeMeanRadius (null: not checked, see `warnings`). */
  pdeRiskError: number[] | null;
  pdeMeanRadiusError: number[] | null;
  forwardMethod: string | null;
  withheld: WithheldTime[];
  provenance: Provenance;
  spec: Record<string, unknown>;
};

/**
 * A save time is withheld when its forward path is more than this many error bars from the FV
 * solution: on coarse grids (300–400 cells for MMN Fig. 1) the Richardson bar of the mean radius can be
 * 30 % short before the split, while after it the plain rule is off by ~15 bars (t = 10: 0.1470 vs 0.1758 ± 1.9e-3).
 */
const WITHHOLD_BARS = 3;

/** Relative round-off allowed on top of an error bar (both solutions' sums carry ~1e-15). */
const ROUND_OFF = 1e-12;

/** Keeps the entries of every per-time array at the indices `keep`. */
function pickTimes(p: Omit<CltPrediction, 'kind'>, keep: readonly number[]): Omit<CltPrediction, 'kind'> {
  const pick = <T>(a: readonly T[]): T[] => keep.map((k) => a[k]);
  const opt = <T>(a: readonly T[] | null): T[] | null => (a ? pick(a) : null);
  const parts = (x: CltPrediction['variancePartsRisk']) => ({ init: pick(x.init), common: opt(x.common), sameUnit: opt(x.sameUnit) });
  return {
    ...p,
    times: pick(p.times),
    pdeRisk: pick(p.pdeRisk),
    varInitRisk: pick(p.varInitRisk),
    noiseCommonRisk: opt(p.noiseCommonRisk),
    noiseSameUnitRisk: opt(p.noiseSameUnitRisk),
    variancePartsRisk: parts(p.variancePartsRisk),
    predictedStdRisk: pick(p.predictedStdRisk),
    meanShiftRisk: pick(p.meanShiftRisk),
    pdeMeanRadius: pick(p.pdeMeanRadius),
    varInitMeanRadius: pick(p.varInitMeanRadius),
    noiseCommonMeanRadius: opt(p.noiseCommonMeanRadius),
    noiseSameUnitMeanRadius: opt(p.noiseSameUnitMeanRadius),
    variancePartsMeanRadius: parts(p.variancePartsMeanRadius),
    predictedStdMeanRadius: pick(p.predictedStdMeanRadius),
    meanShiftMeanRadius: opt(p.meanShiftMeanRadius),
  };
}

/** The prediction checked against the forward solution (module comment). */
export function checkedPrediction(run: RunSpec, prediction: CltPrediction, forward: ForwardSolution | null, ms: number): FluctuationsResult {
  const { kind: _kind, ...rest } = prediction;
  const wrapped = (p: Omit<CltPrediction, 'kind'>, extra: Pick<FluctuationsResult, 'pdeRiskError' | 'pdeMeanRadiusError' | 'forwardMethod' | 'withheld'>): FluctuationsResult => ({
    kind: 'meanfield.fluctuations', ...p, ...extra, provenance: makeProvenance(null, { predictMs: ms, totalMs: ms }), spec: run.json,
  });
  const error = forward?.error;
  const indexOf = (t: number) => forward?.times.findIndex((s) => Math.abs(s - t) <= 1e-12 * Math.max(1, t)) ?? -1;
  if (!forward || !error || forward.stoppedEarly || prediction.times.some((t) => indexOf(t) < 0)) {
    const warning: CltWarning = {
      code: 'forward-unchecked',
      message: `the prediction's forward path could not be checked against finite volumes with error bars (${forward ? 'no error bars on this grid' : 'the run has no grid form'}): pdeRisk is the prediction's own characteristics solution, inaccurate after a separatrix`,
    };
    return wrapped({ ...rest, warnings: [...rest.warnings, warning] }, { pdeRiskError: null, pdeMeanRadiusError: null, forwardMethod: null, withheld: [] });
  }
  const at = prediction.times.map(indexOf);
  const withheld: WithheldTime[] = [];
  const keep: number[] = [];
  prediction.times.forEach((t, i) => {
    const k = at[i];
    const row = {
      t, adjointRisk: prediction.pdeRisk[i], risk: forward.risk[k], riskError: error.risk[k],
      adjointMeanRadius: prediction.pdeMeanRadius[i], meanRadius: forward.means[0][k], meanRadiusError: error.means[0][k],
    };
    const apart = (a: number, b: number, bar: number) => Math.abs(a - b) > WITHHOLD_BARS * bar + ROUND_OFF * Math.max(1, Math.abs(b));
    const off = apart(row.adjointRisk, row.risk, row.riskError) || apart(row.adjointMeanRadius, row.meanRadius, row.meanRadiusError);
    if (off) withheld.push(row);
    else keep.push(i);
  });
  const kept = pickTimes(rest, keep);
  const warnings = [...rest.warnings];
  if (withheld.length) {
    warnings.push({
      code: 'forward-inaccurate',
      message:
        `withheld t = ${withheld.map((w) => w.t).join(', ')}: the prediction's forward path (${prediction.settings.nodes} plain quadrature nodes) is off by more than 3 finite-volume error bars there ` +
        `(${withheld.map((w) => `R ${w.adjointRisk.toPrecision(4)} vs ${w.risk.toPrecision(4)} ± ${w.riskError.toExponential(1)}`).join('; ')}), so every part of the prediction at those times would be wrong`,
    });
  }
  return wrapped(
    { ...kept, pdeRisk: keep.map((i) => forward.risk[at[i]]), pdeMeanRadius: keep.map((i) => forward.means[0][at[i]]), warnings },
    { pdeRiskError: keep.map((i) => error.risk[at[i]]), pdeMeanRadiusError: keep.map((i) => error.means[0][at[i]]), forwardMethod: `${forward.method}; ${error.method}`, withheld },
  );
}

/** The finite-volume forward solution of the run, or null when it has no grid form. */
export function forwardSolution(run: RunSpec, control: PredictionControl = {}): ForwardSolution | null {
  try {
    const { main, error } = solveOnGridWithErrorBars(run, { shouldStop: control.shouldStop }, 'fluctuations');
    return { method: main.method, times: main.times, risk: main.risk, means: main.means, stoppedEarly: main.stoppedEarly, error };
  } catch (e) {
    if (e instanceof ConfigError) return null;
    throw e;
  }
}

/** The prediction for `run` (N, ε, B from its `particles` block unless overridden). */
export function runFluctuations(run: RunSpec, overrides: PredictionOverrides = {}): FluctuationsResult {
  const t0 = performance.now();
  const prediction = predictFromRun(run, overrides);
  const forward = forwardSolution(run);
  return checkedPrediction(run, prediction, forward, performance.now() - t0);
}

const TASKS = new URL('./tasks.ts', import.meta.url).href;

/** The pool task of one prediction of `run` (src/pipeline/tasks.ts `cltPredictionTask`). */
export function predictionTask(run: RunSpec, overrides: PredictionOverrides = {}) {
  return { module: TASKS, export: 'cltPredictionTask', input: { json: run.json, label: run.label, seed: run.seed, overrides } };
}

/**
 * `predictFromRun(run, overrides)` in a worker thread (same numbers, bit for bit). A stop abandons it:
 * the promise rejects with an Error named 'Interrupted'.
 */
export async function predictInWorker(run: RunSpec, overrides: PredictionOverrides = {}, control: PredictionControl = {}): Promise<CltPrediction> {
  const { results } = await runTasks<CltPrediction>([predictionTask(run, overrides)], { workers: 1, shouldStop: control.shouldStop });
  if (results[0] === null) throw predictionInterrupted('CLT prediction interrupted before it started');
  return results[0];
}

/** `runFluctuations` on the worker pool (the prediction and the forward solution in parallel; interruptible). */
export async function runFluctuationsInWorker(run: RunSpec, overrides: PredictionOverrides = {}, control: PredictionControl = {}): Promise<FluctuationsResult> {
  const t0 = performance.now();
  const forwardTask = { module: TASKS, export: 'forwardTask', input: { json: run.json, label: run.label, seed: run.seed } };
  const { results } = await runTasks<CltPrediction | ForwardSolution | null>([predictionTask(run, overrides), forwardTask], { workers: 2, shouldStop: control.shouldStop });
  if (results[0] === null) throw predictionInterrupted('CLT prediction interrupted');
  return checkedPrediction(run, results[0] as CltPrediction, (results[1] as ForwardSolution | null) ?? null, performance.now() - t0);
}

// ---------------------------------------------------------------------------------------------
// Report

/** A centre line with shaded ±k·std bands (plotly 'tonexty' fills). */
function bandFigure(
  title: string,
  xTitle: string,
  yTitle: string,
  x: readonly number[],
  centre: readonly number[],
  halfWidths: { name: string; values: readonly number[] }[],
): PlotlyFigure {
  const data: PlotlyFigure['data'] = [];
  // widest band first, so narrower ones are drawn over it
  const bands = [...halfWidths].reverse();
  bands.forEach((b, i) => {
    const opacity = 0.15 + 0.15 * i;
    data.push({ type: 'scatter', mode: 'lines', x: [...x], y: x.map((_, k) => centre[k] - b.values[k]), line: { width: 0 }, showlegend: false, hoverinfo: 'skip' });
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: b.name,
      x: [...x],
      y: x.map((_, k) => centre[k] + b.values[k]),
      line: { width: 0 },
      fill: 'tonexty',
      fillcolor: `rgba(31, 119, 180, ${opacity.toFixed(2)})`,
    });
  });
  data.push({ type: 'scatter', mode: 'lines+markers', name: 'predicted centre', x: [...x], y: [...centre], line: { color: colorAt(0) } });
  return plotFigure(title, { title: xTitle }, { title: yTitle }, data);
}

/** Known mean shift E Φ_N − Φ_PDE (0 where it is not predicted). */
function knownShift(times: readonly number[], shift: readonly (number | null)[] | null): number[] {
  return times.map((_, k) => shift?.[k] ?? 0);
}

/** √v on a log axis: zero parts (no noise yet at t = 0) become gaps (NaN → null in the JSON). */
const root = (v: number): number => (v > 0 ? Math.sqrt(v) : NaN);

function partsFigure(title: string, times: readonly number[], parts: CltPrediction['variancePartsRisk'], std: readonly number[]): PlotlyFigure {
  const series: Series[] = [
    { name: 'predicted std (total)', x: times, y: std, mode: 'lines+markers' as const },
    { name: '√(Var_init/N)  (initial draw)', x: times, y: parts.init.map(root), mode: 'lines+markers' as const, dash: 'dash' as const },
  ];
  if (parts.common) series.push({ name: '√(ε I_C/B)  (common noise)', x: times, y: parts.common.map(root), mode: 'lines+markers' as const, dash: 'dash' as const });
  if (parts.sameUnit) series.push({ name: '√(ε I_I/(N B))  (same-unit noise)', x: times, y: parts.sameUnit.map(root), mode: 'lines+markers' as const, dash: 'dot' as const });
  return lineFigure(title, TIME_TITLE, 'predicted std over seeds', series, { logY: true });
}

/** One observable's columns of a CltPrediction. */
interface ObservableColumns {
  pde: readonly number[];
  std: readonly number[];
  varInit: readonly number[];
  common: readonly number[] | null;
  sameUnit: readonly number[] | null;
  parts: CltPrediction['variancePartsRisk'];
  shift: readonly (number | null)[] | null;
}

/** The table of one observable's prediction and its parts per save time ('—' where not available). */
function predictionTable(title: string, pdeColumn: string, shiftColumn: string, times: readonly number[], o: ObservableColumns): ReportSection {
  const opt = (a: readonly (number | null)[] | null, k: number): number | string => (a && a[k] !== null ? (a[k] as number) : '—');
  return {
    title,
    table: {
      columns: ['t', pdeColumn, 'predicted std', 'Var_init', 'I_C', 'I_I', 'Var_init/N', 'ε I_C/B', 'ε I_I/(N B)', shiftColumn],
      rows: times.map((t, k) => [
        t, o.pde[k], o.std[k], o.varInit[k], opt(o.common, k), opt(o.sameUnit, k),
        o.parts.init[k], opt(o.parts.common, k), opt(o.parts.sameUnit, k), opt(o.shift, k),
      ]),
    },
  };
}

/** The report of a prediction (for src/io/result.ts `writeResult`). */
export function fluctuationsReport(result: Omit<CltPrediction, 'kind'>): { title: string; sections: ReportSection[] } {
  return { title: 'meanfield fluctuations', sections: fluctuationsReportSections(result) };
}

function fluctuationsReportSections(result: Omit<CltPrediction, 'kind'>): ReportSection[] {
  const { settings: s, times } = result;
  const noiseText = result.noise.available
    ? `SGD-noise model: ${result.noise.model}; linear-noise indicator ${result.noise.indicatorFormula} = ${result.noise.linearNoiseIndicator.toPrecision(3)} (limit ${LINEAR_NOISE_LIMIT}).`
    : `SGD noise not available (${result.noise.reason}): the std holds only the initial-draw part.`;
  const sections: ReportSection[] = [];
  sections.push({
    title: result.warnings.length ? `Warnings (${result.warnings.length})` : 'Warnings: none',
    text: result.warnings.length
      ? result.warnings.map((w) => `[${w.code}] ${w.message}`).join('\n\n')
      : 'N, ε, B and the save times are inside the range where the leading-order prediction was validated (src/clt/README.md, "Limits").',
  });
  sections.push({
    title: 'Settings',
    text:
      `N = ${s.n}, ε = ${s.epsilon}, batch B = ${s.batch}; ${s.nodes} quadrature nodes of ρ̄_0, adjoint step ${s.dt}, kernel order ${s.kernelOrder}, ` +
      `nonlocal term ${s.nonlocal ? 'on' : 'OFF (ablation: transport-only adjoint)'}. ${noiseText}\n\n` +
      `std Φ_N(t) ≈ √(Var_init(t)/N + (ε/B)(I_C(t) + I_I(t)/N)). Mean: E R_N(0) = R(ρ̄_0) + C1/N with C1 = ${result.c1.toPrecision(6)} ` +
      `(C1/N = ${(result.c1 / s.n).toPrecision(4)}); the 1/N coefficient of R_N at t > 0 is not predicted (second-order theory). ` +
      'The mean radius is shifted by the O(ε) Itô drift (ε/B) J(t).',
  });
  sections.push({
    title: 'Risk R_N: predicted deviation from the PDE, known shift ± 1 and 2 std',
    text: 'R_N − R(ρ̄_t): the band is centred on C1/N at t = 0 and on 0 at t > 0, where the O(1/N) mean shift of R_N is not predicted (it is measured by the CLT study).',
    figure: bandFigure('R_N − R(ρ̄_t): known shift ± k · predicted std', TIME_TITLE, 'R_N − R(ρ̄_t) (risk difference)', times, knownShift(times, result.meanShiftRisk), [
      { name: '± 1 std', values: result.predictedStdRisk },
      { name: '± 2 std', values: result.predictedStdRisk.map((v) => 2 * v) },
    ]),
  });
  sections.push({ title: 'Risk R_N: parts of the predicted std', figure: partsFigure('std of R_N and its parts', times, result.variancePartsRisk, result.predictedStdRisk) });
  sections.push({
    title: 'Mean radius: predicted deviation from the PDE, Itô shift ± 1 and 2 std',
    figure: bandFigure('mean radius − PDE: (ε/B) J(t) ± k · predicted std', TIME_TITLE, 'mean |w| − PDE mean', times, knownShift(times, result.meanShiftMeanRadius), [
      { name: '± 1 std', values: result.predictedStdMeanRadius },
      { name: '± 2 std', values: result.predictedStdMeanRadius.map((v) => 2 * v) },
    ]),
  });
  sections.push({ title: 'Mean radius: parts of the predicted std', figure: partsFigure('std of the mean radius and its parts', times, result.variancePartsMeanRadius, result.predictedStdMeanRadius) });
  sections.push(
    predictionTable('Table (risk)', 'R PDE', 'mean shift', times, {
      pde: result.pdeRisk, std: result.predictedStdRisk, varInit: result.varInitRisk, common: result.noiseCommonRisk,
      sameUnit: result.noiseSameUnitRisk, parts: result.variancePartsRisk, shift: result.meanShiftRisk,
    }),
    predictionTable('Table (mean radius)', 'mean r PDE', 'Itô shift', times, {
      pde: result.pdeMeanRadius, std: result.predictedStdMeanRadius, varInit: result.varInitMeanRadius, common: result.noiseCommonMeanRadius,
      sameUnit: result.noiseSameUnitMeanRadius, parts: result.variancePartsMeanRadius, shift: result.meanShiftMeanRadius,
    }),
  );
  return sections;
}
