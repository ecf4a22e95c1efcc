/**
 * Plotly figure specs as pure functions of plain arrays (no I/O, no DOM): the report writer and the
 * notebooks both render these.
 */
import type { PlotlyFigure } from './html-report.ts';

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Symmetric error bars (e.g. ±1 std across seeds). */
  error?: ArrayLike<number>;
  mode?: 'lines' | 'markers' | 'lines+markers';
  dash?: 'solid' | 'dash' | 'dot';
  color?: string;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

export function colorAt(i: number): string {
  return PALETTE[i % PALETTE.length];
}

export function lineFigure(title: string, xTitle: string, yTitle: string, series: Series[], options: { logY?: boolean; logX?: boolean } = {}): PlotlyFigure {
  return {
    data: series.map((s, i) => ({
      type: 'scatter',
      mode: s.mode ?? 'lines',
      name: s.name,
      x: Array.from(s.x),
      y: Array.from(s.y),
      line: { dash: s.dash ?? 'solid', color: s.color ?? colorAt(i) },
      marker: { color: s.color ?? colorAt(i) },
      ...(s.error ? { error_y: { type: 'data', array: Array.from(s.error), visible: true } } : {}),
    })),
    layout: {
      title: { text: title },
      xaxis: { title: { text: xTitle }, type: options.logX ? 'log' : 'linear' },
      yaxis: { title: { text: yTitle }, type: options.logY ? 'log' : 'linear' },
      legend: { orientation: 'h' },
      margin: { t: 50 },
    },
  };
}

/**
 * MMN Fig. 1 style: one small panel per save time, each with the PDE density ρ̄_t(r) = P_j / h and
 * (optionally) a normalised histogram of the particles' coordinates at that time.
 */
export function densityPanelsFigure(
  xTitle: string,
  centres: ArrayLike<number>,
  cellWidth: number,
  times: readonly number[],
  masses: readonly ArrayLike<number>[],
  samples?: readonly ArrayLike<number>[],
): PlotlyFigure {
  const columns = Math.min(3, times.length);
  const rows = Math.ceil(times.length / columns);
  const data: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = {
    grid: { rows, columns, pattern: 'independent' },
    showlegend: false,
    height: 260 * rows,
    margin: { t: 40 },
    annotations: [] as unknown[],
  };
  times.forEach((t, i) => {
    const axis = i === 0 ? '' : String(i + 1);
    const density = Array.from(masses[i], (p) => p / cellWidth);
    // show the part of the axis that carries mass (plus a margin)
    let lo = 0;
    let hi = density.length - 1;
    while (lo < hi && masses[i][lo] < 1e-7) lo++;
    while (hi > lo && masses[i][hi] < 1e-7) hi--;
    const x = Array.from(centres);
    const span = Math.max(x[hi] - x[lo], 10 * cellWidth);
    if (samples?.[i]) {
      data.push({ type: 'histogram', x: Array.from(samples[i]), histnorm: 'probability density', nbinsx: 50, marker: { color: '#aec7e8' }, xaxis: `x${axis}`, yaxis: `y${axis}` });
    }
    data.push({ type: 'scatter', mode: 'lines', x, y: density, line: { color: '#d62728' }, xaxis: `x${axis}`, yaxis: `y${axis}` });
    layout[`xaxis${axis}`] = { range: [Math.max(0, x[lo] - 0.1 * span), x[hi] + 0.1 * span], title: { text: i >= times.length - columns ? xTitle : '' } };
    (layout.annotations as unknown[]).push({ text: `t = ${t}`, xref: `x${axis} domain`, yref: `y${axis} domain`, x: 0.98, y: 0.95, showarrow: false });
  });
  return { data, layout };
}
