/**
 * The report of `compare` (one builder for single runs and variants): risk and coordinate means of
 * both engines over time, the density of a grid solution under the particle histogram, every
 * distance of the diagnostics registry, the companion gap, and one table per run.
 */
import { writeResult, type ResultFiles } from '../io/result.ts';
import { colorAt, lineFigure, type Series } from '../plot/figures.ts';
import type { ReportSection } from '../plot/html-report.ts';
import { riskWords, type RiskWords } from '../io/risk-name.ts';
import type { CompareResult, RunComparison } from './compare.ts';
import { functionSections, jointDensitySection } from './function-report.ts';
import { densitySection, resultJson } from './solve.ts';

const fmt = (x: number, digits = 4) => (Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(digits) : x.toExponential(2));

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

/** PDE (lines, with check and companion) vs particles (markers with ± std) for every run. */
function overlay(result: CompareResult, pick: (r: RunComparison) => { pde: number[]; pdeTimes: number[]; companion?: number[]; check?: number[]; part: number[]; partErr: number[]; partTimes: number[] }, log: boolean): Series[] {
  const series: Series[] = [];
  const many = result.runs.length > 1;
  result.runs.forEach((r, i) => {
    const color = colorAt(i);
    const name = (what: string) => (many ? `${r.label}: ${what}` : what);
    const p = pick(r);
    const a = positive(p.pdeTimes, p.pde, undefined, log);
    series.push({ name: name(`PDE (${r.pde.method.split(' (')[0]})`), x: a.x, y: a.y, mode: 'lines', color });
    if (p.companion) {
      const b = positive(r.times, p.companion, undefined, log);
      series.push({ name: name(`PDE ${r.pde.companion!.label}`), x: b.x, y: b.y, mode: 'lines', dash: 'dash', color });
    }
    if (p.check) {
      const c = positive(r.times, p.check, undefined, log);
      series.push({ name: name(`check: ${r.pde.check!.label}`), x: c.x, y: c.y, mode: 'markers', dash: 'dot', color });
    }
    const q = positive(p.partTimes, p.part, p.partErr, log);
    series.push({ name: name(`particles (N = ${r.particles.n}, ${r.particles.seeds} seed${r.particles.seeds > 1 ? 's' : ''})`), x: q.x, y: q.y, error: r.particles.seeds > 1 ? q.e : undefined, mode: 'markers', color });
  });
  return series;
}

export function compareReportSections(result: CompareResult): ReportSection[] {
  const sections: ReportSection[] = [];
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
    figure: lineFigure(`${words.title}: PDE (lines) vs particles (markers)`, 't', words.name, overlay(result, (r) => ({
      pde: r.curve.pdeRisk, pdeTimes: r.curve.times, companion: r.pde.companion?.risk, check: r.pde.check?.risk,
      part: r.curve.particleRisk, partErr: r.curve.particleRiskStd, partTimes: r.curve.times,
    }), log), { logX: log, logY: log }),
  });
  first.coordinates.forEach((name, a) => {
    sections.push({
      title: `Mean ${name}`,
      figure: lineFigure(`mean ${name}`, 't', name, overlay(result, (r) => ({
        pde: r.curve.pdeMeans[a], pdeTimes: r.curve.times, companion: r.pde.companion?.means[a], check: r.pde.check?.means[a],
        part: r.curve.particleMeans[a], partErr: r.curve.particleMeanStds[a], partTimes: r.curve.times,
      }), log), { logX: log }),
    });
  });
  for (const r of result.runs) sections.push(...jointDensitySection(r, result.runs.length > 1 ? `${r.label}: ` : ''), ...functionSections(r, result.runs.length > 1 ? `${r.label}: ` : ''));
  for (const r of result.runs) {
    if (r.pde.fv) {
      const title = `${result.runs.length > 1 ? `${r.label}: ` : ''}Law of ${r.coordinates[0]}: particle histogram (replica 1) over the PDE density`;
      sections.push(densitySection(title, r.pde.fv.axes, r.times, r.pde.fv.density, r.particles.sample, r.coordinates.length));
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
      figure: lineFigure(`|R(${first.pde.companion!.label}) − R|`, 't', 'risk difference', series, { logX: log, logY: true }),
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
    figure: lineFigure('Distances', 't', 'distance', distSeries, { logX: log, logY: true }),
  });
  for (const r of result.runs) {
    const notes = [`${r.pde.method}: ${r.pde.steps} steps (${r.pde.rejected} rejected), ${(r.pde.ms / 1000).toFixed(1)} s.`];
    if (r.pde.check) notes.push(`Check (${r.pde.check.label}): max |ΔR| = ${r.pde.check.maxRiskDiff.toExponential(2)}, max |Δ mean| = ${r.pde.check.maxMeanDiff.map((x) => x.toExponential(2)).join(', ')} (${r.coordinates.join(', ')}).`);
    if (r.pde.fv) notes.push(`Finite volumes: max |mass − 1| = ${Math.max(...r.pde.fv.mass.map((m) => Math.abs(m - 1))).toExponential(2)}, min cell mass ${Math.min(...r.pde.fv.minMass).toExponential(2)}, initial mass outside the grid ${r.pde.fv.initialTruncatedMass.toExponential(2)}.`);
    notes.push(...pdeErrorLines({ ...r, label: '' }));
    notes.push(`Particles: ${(r.particles.stepsMs / 1000).toFixed(1)} s of SGD steps over ${r.particles.seeds} replica(s).`);
    sections.push({ title: `Table: ${r.label}`, text: notes.join('\n\n'), table: compareTable(r, words) });
  }
  return sections;
}

export function writeCompareOutputs(dir: string, result: CompareResult): ResultFiles {
  return writeResult(dir, { ...resultJson(result), provenance: result.provenance, spec: result.spec, riskName: result.riskName }, { title: `meanfield compare: ${result.runs[0].model}`, sections: compareReportSections(result) });
}
