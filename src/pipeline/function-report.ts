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

/**
 * The 2-D grid density of the PDE (heat map, mass / cell area) with replica 1's units on top, one panel
 * per save time (models with two reduced coordinates solved on a grid; otherwise no section).
 */
export function jointDensitySection(r: RunComparison, prefix = ''): ReportSection[] {
  const fv = r.pde.fv;
  if (!fv || fv.axes.length !== 2) return [];
  const [ax, ay] = fv.axes;
  const hx = (ax.hi - ax.lo) / ax.cells;
  const hy = (ay.hi - ay.lo) / ay.cells;
  const xs = Array.from({ length: ax.cells }, (_, i) => ax.lo + (i + 0.5) * hx);
  const ys = Array.from({ length: ay.cells }, (_, j) => ay.lo + (j + 0.5) * hy);
  const columns = Math.min(3, r.times.length);
  const rows = Math.ceil(r.times.length / columns);
  const data: Record<string, unknown>[] = [];
  const annotations: unknown[] = [];
  r.times.forEach((t, k) => {
    const axis = k === 0 ? '' : String(k + 1);
    const mass = fv.density[k];
    // row-major with the last axis fastest: z[j][i] = P[i·cells_y + j] / cell area
    const z = ys.map((_, j) => xs.map((_, i) => mass[i * ay.cells + j] / (hx * hy)));
    data.push({ type: 'heatmap', x: xs, y: ys, z, colorscale: 'Viridis', showscale: false, xaxis: `x${axis}`, yaxis: `y${axis}` });
    const sample = r.particles.sample[k];
    const n = sample.length / 2;
    data.push({ type: 'scatter', mode: 'markers', x: Array.from({ length: n }, (_, i) => sample[2 * i]), y: Array.from({ length: n }, (_, i) => sample[2 * i + 1]), marker: { size: 3, color: '#ffffff', line: { width: 0.5, color: '#000000' } }, xaxis: `x${axis}`, yaxis: `y${axis}` });
    annotations.push({ text: `t = ${t}`, xref: `x${axis} domain`, yref: `y${axis} domain`, x: 0.5, y: 1.08, showarrow: false });
  });
  const layout: Record<string, unknown> = { grid: { rows, columns, pattern: 'independent' }, showlegend: false, height: 300 * rows, margin: { t: 40 }, annotations };
  r.times.forEach((_, k) => {
    const axis = k === 0 ? '' : String(k + 1);
    layout[`xaxis${axis}`] = { title: { text: r.coordinates[0] }, range: [ax.lo, ax.hi] };
    layout[`yaxis${axis}`] = { title: { text: r.coordinates[1] }, range: [ay.lo, ay.hi] };
  });
  return [{ title: `${prefix}Joint density of (${r.coordinates.join(', ')}) with the units of replica 1`, text: 'PDE density (heat map, mass per cell area) and the N units of replica 1 (dots) at each save time.', figure: { data, layout } }];
}
