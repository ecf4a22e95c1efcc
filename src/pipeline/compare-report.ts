/**
 * The report of `compare` (one builder for single runs and variants): risk and coordinate means of
 * both engines over time, the density of a grid solution under the particle histogram, every
 * distance of the diagnostics registry, the companion gap, and one table per run.
 */
import { writeResult, type ResultFiles } from '../io/result.ts';
import { colorAt, lineFigure, type Series } from '../plot/figures.ts';
import { formatNumber } from '../plot/format.ts';
import { coordinateTitle, TIME_TITLE } from '../plot/layout.ts';
import type { ReportSection } from '../plot/html-report.ts';
import { riskWords, type RiskWords } from '../io/risk-name.ts';
import type { CompareResult, RunComparison } from './compare.ts';
import { functionSections, jointDensitySection } from './function-report.ts';
import { densitySections, pdeName, resultJson } from './solve.ts';

const fmt = (x: number) => formatNumber(x, 4);

/** Short lines for a terminal: per run, the risks at the last common save time. */
export function compareSummaryLines(result: CompareResult): string[] {
  const words = riskWords(result.riskName);
  return result.runs.flatMap((r) => [summaryLine(r, words), ...pdeErrorLines(r, words)]);
}

/** How the PDE's error bar was obtained, and the save times whose gap it does not resolve. */
export function pdeErrorLines(r: RunComparison, words: RiskWords = riskWords()): string[] {
  if (!r.pde.riskError || !r.gapBelowPdeError) return [];
  const { symbol, finite } = words;
  const label = r.label ? `${r.label}: ` : '';
  const unresolved = r.times.filter((_, k) => r.gapBelowPdeError![k]);
  return [
    `${label}PDE error bar (± ${symbol} PDE): ${r.pde.errorMethod}`,
    unresolved.length
      ? `${label}WARNING: at t = ${unresolved.join(', ')} the gap ${finite} − ${symbol} PDE is within the PDE's own discretisation error: refine the grid (solver.riskTolerance or grid.cells) before reading it`
      : `${label}every gap is larger than the PDE's discretisation error`,
  ];
}

function summaryLine(r: RunComparison, { symbol, finite }: RiskWords): string {
  const k = r.times.length - 1;
  const companion = r.pde.companion ? `, ${symbol}(${r.pde.companion.label}) ${fmt(r.pde.companion.risk[k])}` : '';
  const spread = r.particles.seeds > 1 ? ` ± ${fmt(r.particles.riskStd[k])}` : '';
  const bias = r.iidBias ? `, C1/N = ${fmt(r.iidBias[k])}` : '';
  return `${r.label}: t = ${r.times[k]}: ${symbol} PDE ${fmt(r.pde.risk[k])}${companion}, ${finite} ${fmt(r.particles.risk[k])}${spread} (${r.particles.seeds} seed(s)${bias})`;
}

/** A per-time table of one run: risks, gap, bias, means and the first distance. */
export function compareTable(r: RunComparison, words: RiskWords = riskWords()): { columns: string[]; rows: number[][] } {
  const { symbol, finite } = words;
  const e = r.pde.riskError;
  const columns = ['t', `${symbol} PDE`, ...(e ? [`± ${symbol} PDE`] : []), ...(r.pde.companion ? [`${symbol} ${r.pde.companion.label}`] : []), finite, '± std', 'gap', ...(e ? ['|gap|/±PDE'] : []), ...(r.iidBias ? ['C1/N'] : []),
    ...r.coordinates.flatMap((c) => [`mean ${c} PDE`, `mean ${c} particles`]), ...Object.values(r.distances).flatMap((d) => (d.perCoordinate ? r.coordinates.map((c) => `${d.label} ${c}`) : [d.label]))];
  const rows = r.times.map((t, k) => [
    t, r.pde.risk[k], ...(e ? [e[k]] : []), ...(r.pde.companion ? [r.pde.companion.risk[k]] : []), r.particles.risk[k], r.particles.riskStd[k], r.gap[k], ...(e ? [Math.abs(r.gap[k]) / e[k]] : []), ...(r.iidBias ? [r.iidBias[k]] : []),
    ...r.coordinates.flatMap((_, a) => [r.pde.means[a][k], r.particles.means[a][k]]),
    ...Object.values(r.distances).flatMap((d) => d.value.map((row) => row[k])),
  ]);
  return { columns, rows };
}

/** Log axes when the positive save times span more than two decades (figure pipelines), linear otherwise. */
function logTime(result: CompareResult): boolean {
  const ts = result.runs[0].times.filter((t) => t > 0);
  return ts.length > 1 && ts[ts.length - 1] / ts[0] > 100;
}

function positive(times: readonly number[], ys: readonly number[], errors?: readonly number[], log = true): { x: number[]; y: number[]; e?: number[] } {
  const idx = times.map((t, k) => (!log || t > 0 ? k : -1)).filter((k) => k >= 0);
  return { x: idx.map((k) => times[k]), y: idx.map((k) => ys[k]), e: errors ? idx.map((k) => errors[k]) : undefined };
}

/** The legend name of a run's PDE: "PDE (finite volumes)". */
function pdeLabel(r: RunComparison): string {
  return pdeName(r.pde.fv ? 'finite-volume' : 'characteristics');
}

/** The particle algorithm of a run ("sgd" unless the spec, or the run's variant, says "gd"). */
function algorithmOf(result: CompareResult, r: RunComparison): string {
  type Block = { particles?: { algorithm?: string } };
  const spec = result.spec as Block & { variants?: (Block & { label?: string })[] };
  return spec.variants?.find((v) => v.label === r.label)?.particles?.algorithm ?? spec.particles?.algorithm ?? 'sgd';
}

/** The legend name of a run's particles: "SGD, N = 800, 4 seeds" (mean ± std over the seeds). */
function particleLabel(result: CompareResult, r: RunComparison, what = ''): string {
  const seeds = r.particles.seeds > 1 ? `${r.particles.seeds} seeds` : '1 seed';
  return `${algorithmOf(result, r).toUpperCase()}, N = ${r.particles.n}, ${what || seeds}`;
}

/** PDE (lines, with check and companion) vs particles (markers with ± std) for every run. */
function overlay(result: CompareResult, pick: (r: RunComparison) => { pde: number[]; pdeTimes: number[]; companion?: number[]; check?: number[]; part: number[]; partErr: number[]; partTimes: number[] }, log: boolean): Series[] {
  const series: Series[] = [];
  const many = result.runs.length > 1;
  result.runs.forEach((r, i) => {
    const color = colorAt(i);
    const name = (what: string) => (many ? `${r.label}: ${what}` : what);
    const p = pick(r);
    const a = positive(p.pdeTimes, p.pde, undefined, log);
    series.push({ name: name(pdeLabel(r)), x: a.x, y: a.y, mode: 'lines', color });
    if (p.companion) {
      const b = positive(r.times, p.companion, undefined, log);
      series.push({ name: name(`PDE ${r.pde.companion!.label}`), x: b.x, y: b.y, mode: 'lines', dash: 'dash', color });
    }
    if (p.check) {
      const c = positive(r.times, p.check, undefined, log);
      series.push({ name: name(`check: ${r.pde.check!.label}`), x: c.x, y: c.y, mode: 'markers', symbol: 'diamond-open', color });
    }
    const q = positive(p.partTimes, p.part, p.partErr, log);
    series.push({ name: name(particleLabel(result, r)), x: q.x, y: q.y, error: r.particles.seeds > 1 ? q.e : undefined, mode: 'markers', color });
  });
  return series;
}

export function compareReportSections(result: CompareResult): ReportSection[] {
  const sections: ReportSection[] = [];
  if (result.runs.length === 0) return [{ title: 'Interrupted', text: `The run was stopped before any run had both a PDE solution and a particle save time: nothing to compare yet. Missing:\n\n${result.missing.join('\n\n')}` }];
  const words = riskWords(result.riskName);
  const first = result.runs[0];
  const log = logTime(result);
  if (!result.completed) sections.push({ title: 'Interrupted', text: 'The run was stopped early: only the save times reached by the PDE and every replica are shown.' });
  const seedsText = first.particles.seeds > 1 ? `mean ± std over ${first.particles.seeds} seeds` : 'one seed';
  sections.push({
    title: 'Setup',
    text:
      (result.description ? `${result.description}\n\n` : '') +
      `${first.model}. Particles: N = ${first.particles.n}, ε = ${first.particles.epsilon}, batch ${first.particles.batch}, ${seedsText}; ` +
      `${words.finite} is the exact population ${words.name} of the finite network (actual angles between units, i = j terms included), so ${words.finite} − ${words.symbol}(ρ̄_t) carries an ` +
      'O(1/N) bias (C1(t)/N for i.i.d. units, in the tables) besides O(N^-1/2) fluctuations.\n\n' +
      `PDE: ${first.pde.method}; ${first.pde.kernel.description}.`,
  });
  sections.push({
    title: words.title,
    figure: lineFigure(`${words.title}: PDE (lines) vs particles (markers, mean ± std over seeds)`, TIME_TITLE, words.axis, overlay(result, (r) => ({
      pde: r.curve.pdeRisk, pdeTimes: r.curve.times, companion: r.pde.companion?.risk, check: r.pde.check?.risk,
      part: r.curve.particleRisk, partErr: r.curve.particleRiskStd, partTimes: r.curve.times,
    }), log), { logX: log, logY: log }),
  });
  first.coordinates.forEach((name, a) => {
    sections.push({
      title: `Mean ${name}`,
      figure: lineFigure(`Mean of ${name} over the units: PDE (lines) vs particles (markers)`, TIME_TITLE, `mean ${coordinateTitle(name)}`, overlay(result, (r) => ({
        pde: r.curve.pdeMeans[a], pdeTimes: r.curve.times, companion: r.pde.companion?.means[a], check: r.pde.check?.means[a],
        part: r.curve.particleMeans[a], partErr: r.curve.particleMeanStds[a], partTimes: r.curve.times,
      }), log), { logX: log }),
    });
  });
  for (const r of result.runs) sections.push(...jointDensitySection(r, result.runs.length > 1 ? `${r.label}: ` : ''), ...functionSections(r, result.runs.length > 1 ? `${r.label}: ` : ''));
  for (const r of result.runs) {
    if (r.pde.fv) {
      const title = `${result.runs.length > 1 ? `${r.label}: ` : ''}Law of ${r.coordinates[0]}: particles (replica 1) and the PDE`;
      const names = { pdeName: pdeLabel(r), sampleName: particleLabel(result, r, 'replica 1') };
      sections.push(...densitySections(title, r.pde.fv.axes, r.times, r.pde.fv.density, names, r.particles.sample, r.coordinates.length));
    }
  }
  if (result.runs.some((r) => r.companionGap)) {
    const series: Series[] = [];
    result.runs.forEach((r, i) => {
      if (!r.companionGap) return;
      const g = positive(r.times, r.companionGap.risk.map(Math.abs), undefined, log);
      series.push({ name: `${r.label}: |R(${r.pde.companion!.label}) − R|`, x: g.x, y: g.y, mode: 'lines+markers', color: colorAt(i) });
    });
    sections.push({
      title: `${first.pde.companion!.label} vs the model`,
      text: 'The model\'s limit companion solved beside it from the same initial law (e.g. d = ∞ at the same Δ): the gap in the risk at every save time.',
      figure: lineFigure(`|R(${first.pde.companion!.label}) − R|`, TIME_TITLE, 'risk difference |ΔR|', series, { logX: log, logY: true }),
    });
  }
  const distSeries: Series[] = [];
  result.runs.forEach((r, i) => {
    for (const d of Object.values(r.distances)) {
      d.value.forEach((row, a) => {
        const w = positive(r.times, row, d.std[a], log);
        const what = d.perCoordinate ? `${d.label} of ${r.coordinates[a]}` : d.label;
        distSeries.push({ name: result.runs.length > 1 ? `${r.label}: ${what}` : what, x: w.x, y: w.y, error: r.particles.seeds > 1 ? w.e : undefined, mode: 'lines+markers', color: colorAt(i), dash: (['solid', 'dash', 'dot'] as const)[a % 3] });
      });
    }
    if (r.resolution?.slicedW1) {
      const s = positive(r.times, r.resolution.slicedW1, undefined, log);
      distSeries.push({ name: `${r.label}: sliced W1, PDE vs its coarser check (resolution floor)`, x: s.x, y: s.y, mode: 'lines', dash: 'dot', color: colorAt(i) });
    }
  });
  sections.push({
    title: 'Distances between the particles and ρ̄_t',
    text:
      'Every distance of the diagnostics registry that applies, between each replica\'s units (reduced coordinates) and the PDE law (cell masses: ' +
      'exact 1-D quantile formulas on each marginal; weighted nodes: exact weighted formulas; sliced W1: mean over fixed random unit directions), replica mean ± std. ' +
      'A weighted node set is a quadrature of ρ̄_t, not a law close to it in W1: the dotted "resolution floor" is the same distance between the PDE nodes and a coarser node set; particle distances below it say nothing.',
    figure: lineFigure('Distances between the particles and the PDE law (replica mean ± std)', TIME_TITLE, 'distance (units of the reduced coordinates)', distSeries, { logX: log, logY: true }),
  });
  for (const r of result.runs) {
    const notes = [`${r.pde.method}: ${r.pde.steps} steps (${r.pde.rejected} rejected), ${formatNumber(r.pde.ms / 1000, 2)} s.`];
    if (r.pde.check) notes.push(`Check (${r.pde.check.label}): max |ΔR| = ${formatNumber(r.pde.check.maxRiskDiff, 3)}, max |Δ mean| = ${r.pde.check.maxMeanDiff.map((x) => formatNumber(x, 3)).join(', ')} (${r.coordinates.join(', ')}).`);
    if (r.pde.fv) notes.push(`Finite volumes: max |mass − 1| = ${formatNumber(Math.max(...r.pde.fv.mass.map((m) => Math.abs(m - 1))), 3)}, min cell mass ${formatNumber(Math.min(...r.pde.fv.minMass), 3)}, initial mass outside the grid ${formatNumber(r.pde.fv.initialTruncatedMass, 3)}.`);
    notes.push(...pdeErrorLines({ ...r, label: '' }));
    notes.push(`Particles: ${formatNumber(r.particles.stepsMs / 1000, 2)} s of ${algorithmOf(result, r).toUpperCase()} steps over ${r.particles.seeds} replica(s).`);
    sections.push({ title: `Table: ${r.label}`, text: notes.join('\n\n'), table: compareTable(r, words) });
  }
  return sections;
}

export function writeCompareOutputs(dir: string, result: CompareResult): ResultFiles {
  return writeResult(dir, { ...resultJson(result), provenance: result.provenance, spec: result.spec, riskName: result.riskName }, { title: `meanfield compare: ${result.runs[0]?.model ?? 'stopped early'}`, sections: compareReportSections(result) });
}
