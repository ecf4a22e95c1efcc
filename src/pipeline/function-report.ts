/**
 * Report sections of `compare` for models with a fitted function (RunComparison.functions): f, f_MF
 * and the replica mean of f_n on the inputs, ‖f_n − f_MF‖² over time, and the model's weighted
 * marginal (e.g. the charge density in y) of both engines at the save times.
 */
import { colorAt, lineFigure, type Series } from '../plot/figures.ts';
import type { ReportSection } from '../plot/html-report.ts';
import type { RunComparison } from './compare.ts';

export function functionSections(r: RunComparison, prefix = ''): ReportSection[] {
  const f = r.functions;
  if (!f) return [];
  const k = r.times.length - 1;
  const sym = f.symbol;
  const sections: ReportSection[] = [
    {
      title: `${prefix}Fitted function at t = ${r.times[k]}`,
      text: `The target f, the mean-field network function f_MF of the PDE law and ${sym} averaged over the ${r.particles.seeds} replica(s) (N = ${r.particles.n}).`,
      figure: lineFigure(`f, f_MF, ${sym}`, 'x', 'f(x)', [
        { name: 'target f', x: f.inputs, y: f.target, mode: 'lines', color: '#000000' },
        { name: 'f_MF (PDE)', x: f.inputs, y: f.meanField[k], mode: 'lines', dash: 'dash', color: colorAt(0) },
        { name: `${sym} (replica mean)`, x: f.inputs, y: f.particles[k], mode: 'lines', dash: 'dot', color: colorAt(1) },
      ]),
    },
    {
      title: `${prefix}‖${sym} − f_MF‖² over time`,
      figure: lineFigure(`‖${sym} − f_MF‖² (replica mean ± std)`, 't', 'squared L² distance', [{ name: `N = ${r.particles.n}`, x: r.times, y: r.functions!.distance, error: r.particles.seeds > 1 ? f.distanceStd : undefined, mode: 'lines+markers' }], { logY: true }),
    },
  ];
  if (f.marginal) {
    const m = f.marginal;
    const centres = Array.from({ length: m.edges.length - 1 }, (_, b) => (m.edges[b] + m.edges[b + 1]) / 2);
    const series: Series[] = [];
    r.times.forEach((t, j) => {
      series.push({ name: `PDE, t = ${t}`, x: centres, y: m.pde[j], mode: 'lines', color: colorAt(j) });
      series.push({ name: `particles, t = ${t}`, x: centres, y: m.particles[j], mode: 'markers', color: colorAt(j) });
    });
    sections.push({ title: `${prefix}${m.label}`, text: 'Histograms of both engines (particles: replica mean) at the save times.', figure: lineFigure(m.label, m.axis, 'density', series) });
  }
  return sections;
}
