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
 * Densities ρ̄_t(x) = P_j / h at the cell centres, one curve per save time, optionally with a
 * normalised histogram of particle coordinates at the same times (MMN Fig. 1 style).
 */
export function densityFigure(
  title: string,
  xTitle: string,
  centres: ArrayLike<number>,
  cellWidth: number,
  times: readonly number[],
  masses: readonly ArrayLike<number>[],
  histograms?: readonly ArrayLike<number>[],
): PlotlyFigure {
  const data: Record<string, unknown>[] = [];
  times.forEach((t, i) => {
    const color = colorAt(i);
    if (histograms?.[i]) {
      data.push({
        type: 'histogram',
        x: Array.from(histograms[i]),
        histnorm: 'probability density',
        name: `particles t=${t}`,
        opacity: 0.35,
        marker: { color },
        nbinsx: 60,
        showlegend: false,
      });
    }
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: `t=${t}`,
      x: Array.from(centres),
      y: Array.from(masses[i], (p) => p / cellWidth),
      line: { color },
    });
  });
  return {
    data,
    layout: {
      title: { text: title },
      barmode: 'overlay',
      xaxis: { title: { text: xTitle } },
      yaxis: { title: { text: 'density' } },
      legend: { orientation: 'h' },
      margin: { t: 50 },
    },
  };
}
