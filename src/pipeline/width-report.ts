/**
 * The report of the width study (src/pipeline/width-study.ts): R_n(t) of every n over the PDE, the
 * excess R_n − R against n with its a/n + b fit, ‖ŷ_n − ŷ_MF‖² and the seed-to-seed std of R_n
 * against n (log-log, with reference slopes), the fitted functions, and a table of the fits.
 */
import { TIME_TITLE } from '../plot/layout.ts';
import { riskWords } from '../io/risk-name.ts';
import { colorAt, lineFigure, type Series } from '../plot/figures.ts';
import type { ReportSection } from '../plot/html-report.ts';
import type { SlopeEstimate, WidthStudyResult } from './width-study.ts';

const fmt = (x: number) => (Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(4) : x.toExponential(2));
const slopeText = (s: SlopeEstimate | null) => (s ? `${s.value.toFixed(2)}${s.ci ? ` [${s.ci[0].toFixed(2)}, ${s.ci[1].toFixed(2)}]` : ''}` : '—');

/** Save-time indices shown in the n panels: the first positive time, one in the middle, the last. */
function shownTimes(times: number[]): number[] {
  const positive = times.map((t, k) => (t > 0 ? k : -1)).filter((k) => k >= 0);
  if (positive.length === 0) return [0];
  return [...new Set([positive[0], positive[Math.floor(positive.length / 2)], positive[positive.length - 1]])];
}

/** The first line per shown time for a terminal. */
export function widthSummaryLines(result: WidthStudyResult): string[] {
  const w = riskWords(result.riskName);
  return shownTimes(result.times).map((k) => {
    const f = result.fits[k];
    return `t = ${f.t}: excess ${w.finite} − ${w.symbol} = a/n + b, a = ${fmt(f.excess.a.value)}${f.excess.a.ci ? ` [${fmt(f.excess.a.ci[0])}, ${fmt(f.excess.a.ci[1])}]` : ''}, b = ${fmt(f.excess.b.value)} ± ${fmt(f.excess.b.se)}; slopes in n: excess ${slopeText(f.excessSlope)}, ‖f_n − f_MF‖² ${slopeText(f.functionSlope)}, std ${w.finite} ${slopeText(f.stdSlope)}`;
  });
}

export function widthReport(result: WidthStudyResult): { title: string; sections: ReportSection[] } {
  const w = riskWords(result.riskName);
  const { ns, seeds } = result.settings;
  const shown = shownTimes(result.times);
  const sections: ReportSection[] = [];
  sections.push({
    title: 'Setup',
    text:
      `${result.model}. n = ${ns.join(', ')}, ${seeds} replicas each (independent seeds per n). PDE: ${result.pde.method} (${(result.pde.ms / 1000).toFixed(1)} s). ` +
      `${w.finite} is the exact ${w.name} of each finite network; the excess ${w.finite} − ${w.symbol}(ρ_t) is fitted as a/n + b (weighted least squares, 95 % bootstrap intervals over the replicas); ` +
      'slopes are least-squares slopes of log(value) on log n. Mean-field theory predicts an O(1/n) excess (slope −1) and a seed-to-seed std that starts at O(n^-1/2) (slope −½) and heals towards O(1/n) along gradient descent (Rotskoff–Vanden-Eijnden §3.2).',
  });
  const curves: Series[] = [{ name: 'PDE', x: result.times, y: result.pde.risk, mode: 'lines', color: '#000000' }];
  result.ensembles.forEach((e, i) => curves.push({ name: `n = ${e.n}`, x: result.times, y: e.risk, error: e.riskStd, mode: 'markers', color: colorAt(i) }));
  sections.push({ title: `${w.title} over time`, figure: lineFigure(`${w.title}: PDE vs mean of ${seeds} networks`, TIME_TITLE, w.axis, curves, { logY: true }) });
  const perN = (pick: (k: number) => { y: number[]; e?: number[] } | null, ref: number): Series[] => {
    const out: Series[] = [];
    shown.forEach((k, j) => {
      const p = pick(k);
      if (!p) return;
      out.push({ name: `t = ${result.times[k]}`, x: ns, y: p.y.map(Math.abs), error: p.e, mode: 'markers', color: colorAt(j) });
    });
    const y0 = out[0]?.y[0];
    if (y0 !== undefined && y0 > 0) out.push({ name: `slope ${ref}`, x: [ns[0], ns[ns.length - 1]], y: [y0, y0 * (ns[ns.length - 1] / ns[0]) ** ref], mode: 'lines', dash: 'dot', color: '#777777' });
    return out;
  };
  const excess = perN((k) => ({ y: result.ensembles.map((e) => e.excess[k]), e: result.ensembles.map((e) => e.excessError[k]) }), -1);
  shown.forEach((k, j) => {
    const f = result.fits[k].excess;
    excess.push({ name: `fit a/n + b, t = ${result.times[k]}`, x: ns, y: ns.map((n) => Math.abs(f.a.value / n + f.b.value)), mode: 'lines', color: colorAt(j) });
  });
  sections.push({ title: `Excess ${w.name} against n`, text: `|mean ${w.finite} − ${w.symbol}(ρ_t)| ± standard error, and the a/n + b fit.`, figure: lineFigure(`|${w.finite} − ${w.symbol}|`, 'n', `excess ${w.axis}`, excess, { logX: true, logY: true }) });
  if (result.functions) {
    const d = perN((k) => (result.times[k] > 0 ? { y: result.ensembles.map((e) => e.functionDistance![k]), e: result.ensembles.map((e) => e.functionDistanceError![k]) } : null), -1);
    sections.push({ title: 'Distance of the fitted function to the mean-field one', figure: lineFigure(`‖${result.functions.symbol} − f_MF‖²`, 'n', 'squared L² distance', d, { logX: true, logY: true }) });
  }
  const spread = perN((k) => ({ y: result.ensembles.map((e) => e.riskStd[k]) }), -0.5);
  const last = shown[shown.length - 1];
  const yl = result.ensembles[0].riskStd[last];
  spread.push({ name: 'slope −1', x: [ns[0], ns[ns.length - 1]], y: [yl, yl * (ns[0] / ns[ns.length - 1])], mode: 'lines', dash: 'dash', color: '#777777' });
  sections.push({ title: `Seed-to-seed std of ${w.finite}`, text: 'Healing: the slope in n goes from −½ (i.i.d. start) towards −1 at late times.', figure: lineFigure(`std ${w.finite}`, 'n', `std ${w.axis}`, spread, { logX: true, logY: true }) });
  if (result.functions) {
    const k = result.times.length - 1;
    const fx = result.functions;
    const fs: Series[] = [
      { name: 'target f', x: fx.inputs, y: fx.target, mode: 'lines', color: '#000000' },
      { name: 'f_MF (PDE)', x: fx.inputs, y: fx.meanField[k], mode: 'lines', dash: 'dash', color: colorAt(0) },
    ];
    result.ensembles.forEach((e, i) => e.fitted && fs.push({ name: `${fx.symbol}, n = ${e.n} (replica 1)`, x: fx.inputs, y: e.fitted[k], mode: 'lines', dash: 'dot', color: colorAt(i + 1) }));
    sections.push({ title: `Fitted functions at t = ${result.times[k]}`, figure: lineFigure('f, f_MF and f_n', 'x', 'f(x)', fs) });
  }
  sections.push({
    title: 'Fits',
    table: {
      columns: ['t', w.symbol, ...(result.pde.c1 ? ['C1 (a at t = 0, i.i.d.)'] : []), 'a', 'a lo', 'a hi', 'b', 'b se', 'excess slope', 'f slope', 'std slope'],
      rows: result.fits.map((f, k) => [f.t, result.pde.risk[k], ...(result.pde.c1 ? [result.pde.c1[k]] : []), f.excess.a.value, f.excess.a.ci?.[0] ?? NaN, f.excess.a.ci?.[1] ?? NaN, f.excess.b.value, f.excess.b.se, f.excessSlope?.value ?? NaN, f.functionSlope?.value ?? NaN, f.stdSlope?.value ?? NaN]),
    },
  });
  return { title: `meanfield width study: ${result.model}`, sections };
}
