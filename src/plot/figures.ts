/**
 * Plotly figure specs as pure functions of plain arrays (no I/O, no DOM): the report writer and the
 * notebooks both render these.
 */
import { formatNumber } from './format.ts';
import { gridAlignedBins, gridMassPerBin, sampleMassPerBin, type Bins } from './histogram.ts';
import type { PlotlyFigure } from './html-report.ts';
import { axisLayout, figureLayout, plotFigure, wrapText } from './layout.ts';

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Symmetric error bars (e.g. ±1 std across seeds). */
  error?: ArrayLike<number>;
  mode?: 'lines' | 'markers' | 'lines+markers';
  dash?: 'solid' | 'dash' | 'dot';
  /** Marker symbol (plotly's names: 'circle', 'x', 'diamond-open', ...). */
  symbol?: string;
  color?: string;
}

/**
 * Okabe & Ito's colour-blind-safe palette ("Color Universal Design", 2008): blue, vermillion, bluish
 * green, reddish purple, orange, sky blue, black, and yellow last (it is faint on white).
 */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

export function colorAt(i: number): string {
  return PALETTE[i % PALETTE.length];
}

/** Values of a log axis at or below this fraction of the figure's largest value are round-off, not data: they are not drawn. */
export const LOG_ROUND_OFF = 1e-12;

/**
 * `ys` for a log axis: values ≤ 0 and values at round-off level (≤ LOG_ROUND_OFF × `scale`) become
 * null, so the curve stops where it stops meaning anything instead of diving to 1e-16.
 */
export function logMeaningful(ys: ArrayLike<number>, scale: number): (number | null)[] {
  return Array.from(ys, (y) => (Number.isFinite(y) && y > LOG_ROUND_OFF * scale ? y : null));
}

/** The largest finite |value| over several series (the scale of a log axis). */
export function largestMagnitude(series: readonly ArrayLike<number>[]): number {
  let m = 0;
  for (const ys of series) for (let i = 0; i < ys.length; i++) if (Number.isFinite(ys[i])) m = Math.max(m, Math.abs(ys[i]));
  return m;
}

export function lineFigure(title: string, xTitle: string, yTitle: string, series: Series[], options: { logY?: boolean; logX?: boolean } = {}): PlotlyFigure {
  const scale = largestMagnitude(series.map((s) => s.y));
  const data = series.map((s, i) => ({
    type: 'scatter',
    mode: s.mode ?? 'lines',
    name: s.name,
    x: Array.from(s.x),
    y: options.logY ? logMeaningful(s.y, scale) : Array.from(s.y),
    line: { dash: s.dash ?? 'solid', color: s.color ?? colorAt(i) },
    marker: { color: s.color ?? colorAt(i), ...(s.symbol ? { symbol: s.symbol, size: 8 } : {}) },
    ...(s.error ? { error_y: { type: 'data', array: Array.from(s.error), visible: true, thickness: 1 } } : {}),
  }));
  return plotFigure(title, { title: xTitle, log: options.logX }, { title: yTitle, log: options.logY }, data);
}

export interface DensityPanelOptions {
  /** Legend names of the two engines. */
  pdeName?: string;
  sampleName?: string;
  targetBins?: number;
}

/** One save time's law as mass per bin: bins shared by the PDE and the particles (src/plot/histogram.ts). */
export interface BinnedLaw {
  bins: Bins;
  centres: number[];
  width: number;
  pde: number[];
  sample?: number[];
}

/** Cell masses and a sample as mass per bin on given bins. */
export function lawOnBins(bins: Bins, masses: ArrayLike<number>, sample?: ArrayLike<number>): BinnedLaw {
  const width = bins.edges[1] - bins.edges[0];
  return {
    bins,
    centres: bins.edges.slice(0, -1).map((e) => e + width / 2),
    width,
    pde: gridMassPerBin(bins, masses),
    sample: sample ? sampleMassPerBin(bins, sample) : undefined,
  };
}

/** Grid-aligned bins for cell masses on a grid with `centres` (uniform `cellWidth`) and a sample. */
export function lawBins(centres: ArrayLike<number>, cellWidth: number, masses: ArrayLike<number>, sample?: ArrayLike<number>, options: DensityPanelOptions = {}): Bins {
  return gridAlignedBins(centres[0] - cellWidth / 2, cellWidth, masses, sample, { targetBins: options.targetBins });
}

const MASS_TITLE = 'mass per bin';

/** Bars of the particles' mass per bin and the PDE's mass per bin as a step outline over the same bins. */
function binnedTraces(law: BinnedLaw, options: DensityPanelOptions, axes: { xaxis?: string; yaxis?: string }, showlegend: boolean): Record<string, unknown>[] {
  const traces: Record<string, unknown>[] = [];
  if (law.sample) {
    traces.push({ type: 'bar', name: options.sampleName ?? 'particles', x: law.centres, y: law.sample, width: law.width, marker: { color: colorAt(5), opacity: 0.65, line: { width: 0 } }, showlegend, legendgroup: 'sample', ...axes });
  }
  // the PDE as a step outline of the same bins: x at bin edges, each value held across its bin
  const x: number[] = [];
  const y: number[] = [];
  law.pde.forEach((m, b) => {
    x.push(law.centres[b] - law.width / 2, law.centres[b] + law.width / 2);
    y.push(m, m);
  });
  traces.push({ type: 'scatter', mode: 'lines', name: options.pdeName ?? 'PDE', x, y, line: { color: colorAt(1), width: 2 }, showlegend, legendgroup: 'pde', ...axes });
  return traces;
}

/** Buttons that switch every y axis of a figure between linear and log. */
function logToggle(yAxes: readonly string[]): Record<string, unknown> {
  const set = (type: string) => Object.fromEntries(yAxes.map((k) => [`${k}.type`, type]));
  return {
    type: 'buttons',
    direction: 'right',
    x: 1.02,
    xanchor: 'left',
    y: 0,
    yanchor: 'bottom',
    showactive: true,
    buttons: [
      { label: 'linear y', method: 'relayout', args: [set('linear')] },
      { label: 'log y', method: 'relayout', args: [set('log')] },
    ],
  };
}

/**
 * MMN Fig. 1 style: one small panel per save time, the PDE law ρ̄_t and (optionally) the particles'
 * coordinates at that time, both as mass per histogram bin on the same grid-aligned bins (so a
 * collapsed layer is one tall bar in both), with a linear/log toggle for the y axes.
 */
export function densityPanelsFigure(
  xTitle: string,
  centres: ArrayLike<number>,
  cellWidth: number,
  times: readonly number[],
  masses: readonly ArrayLike<number>[],
  samples?: readonly ArrayLike<number>[],
  options: DensityPanelOptions = {},
): PlotlyFigure {
  const columns = Math.min(3, times.length);
  const rows = Math.ceil(times.length / columns);
  const data: Record<string, unknown>[] = [];
  const what = samples ? `${options.sampleName ?? 'particles'} (bars) and ${options.pdeName ?? 'PDE'} (outline)` : `${options.pdeName ?? 'PDE'}`;
  const base = figureLayout(`Law of ${xTitle}: ${what}, mass per histogram bin`);
  const layout: Record<string, unknown> = {
    ...base,
    grid: { rows, columns, pattern: 'independent', xgap: 0.25, ygap: 0.45 },
    barmode: 'overlay',
    height: 90 + 290 * rows,
    annotations: [] as unknown[],
  };
  const yAxes: string[] = [];
  times.forEach((t, i) => {
    const axis = i === 0 ? '' : String(i + 1);
    const law = lawOnBins(lawBins(centres, cellWidth, masses[i], samples?.[i], options), masses[i], samples?.[i]);
    data.push(...binnedTraces(law, options, { xaxis: `x${axis}`, yaxis: `y${axis}` }, i === 0));
    layout[`xaxis${axis}`] = axisLayout({ title: xTitle, range: [law.bins.edges[0], law.bins.edges[law.bins.edges.length - 1]] });
    layout[`yaxis${axis}`] = axisLayout({ title: `${MASS_TITLE} (width ${formatNumber(law.width, 3)})` });
    yAxes.push(`yaxis${axis}`);
    (layout.annotations as unknown[]).push({ text: `t = ${formatNumber(t)}`, xref: `x${axis} domain`, yref: `y${axis} domain`, x: 0.98, xanchor: 'right', y: 0.98, yanchor: 'top', showarrow: false, bgcolor: 'rgba(255,255,255,0.7)' });
  });
  layout.updatemenus = [logToggle(yAxes)];
  return { data, layout };
}

/**
 * The PDE law against the particle histogram at every save time in one panel, with a time slider
 * (plotly frames, one per save time) and play/pause buttons; screen only (isScreenOnly). Bins are fixed over all times (the
 * union of every time's support) so the bars do not jump between frames.
 */
export function densitySliderFigure(
  xTitle: string,
  centres: ArrayLike<number>,
  cellWidth: number,
  times: readonly number[],
  masses: readonly ArrayLike<number>[],
  samples?: readonly ArrayLike<number>[],
  options: DensityPanelOptions = {},
): PlotlyFigure {
  // one set of bins for all frames: from the union of the supports (largest mass in each cell, all samples)
  const envelope = new Float64Array(masses[0].length);
  for (const P of masses) for (let j = 0; j < envelope.length; j++) envelope[j] = Math.max(envelope[j], P[j]);
  const allSamples = samples ? samples.flatMap((s) => Array.from(s)) : undefined;
  const bins = lawBins(centres, cellWidth, envelope, allSamples, { ...options, targetBins: options.targetBins ?? 60 });
  const laws = times.map((_, k) => lawOnBins(bins, masses[k], samples?.[k]));
  const range: [number, number] = [bins.edges[0], bins.edges[bins.edges.length - 1]];
  let top = 0;
  for (const law of laws) top = Math.max(top, ...law.pde, ...(law.sample ?? []));
  const frames = laws.map((law, k) => ({ name: `t = ${formatNumber(times[k])}`, data: binnedTraces(law, options, {}, true) }));
  const what = samples ? `${options.sampleName ?? 'particles'} (bars) and ${options.pdeName ?? 'PDE'} (outline)` : `${options.pdeName ?? 'PDE'}`;
  const figure = plotFigure(
    `Law of ${xTitle} over time: ${what}, mass per histogram bin; drag the slider or press play`,
    { title: xTitle, range },
    { title: `${MASS_TITLE} (width ${formatNumber(laws[0].width, 3)})`, range: [0, 1.05 * top] },
    frames[0].data,
    { barmode: 'overlay', height: 520, margin: { ...(figureLayout('').margin as object), b: 150 } },
  );
  const frameArgs = { mode: 'immediate', frame: { duration: 600, redraw: true }, transition: { duration: 0 } };
  figure.layout.sliders = [{
    active: 0,
    x: 0,
    len: 1,
    y: -0.18,
    yanchor: 'top',
    currentvalue: { prefix: 'save time: ', xanchor: 'left' },
    pad: { t: 10 },
    steps: frames.map((f) => ({ label: f.name, method: 'animate', args: [[f.name], frameArgs] })),
  }];
  figure.layout.meta = { screenOnly: true };
  figure.layout.updatemenus = [{
    type: 'buttons',
    direction: 'right',
    x: 1.02,
    xanchor: 'left',
    y: 0,
    yanchor: 'bottom',
    showactive: false,
    buttons: [
      { label: 'play', method: 'animate', args: [null, { ...frameArgs, fromcurrent: true }] },
      { label: 'pause', method: 'animate', args: [[null], { mode: 'immediate', frame: { duration: 0, redraw: false } }] },
    ],
  }];
  return { ...figure, frames };
}

/** A figure made for the screen (an animation): paper export leaves it out. */
export function isScreenOnly(figure: PlotlyFigure): boolean {
  return (figure.layout.meta as { screenOnly?: boolean } | undefined)?.screenOnly === true;
}

/*
 * Print style. Plotly lays figures out in CSS pixels (96 per inch, so 1 pt = 4/3 px); a figure for
 * a paper is specified in inches and points and converted here.
 */
export const CSS_PX_PER_IN = 96;
const PX_PER_PT = CSS_PX_PER_IN / 72;

/** One column of a two-column article (3.3–3.5 in in PNAS, APS, IEEE and most ML proceedings). */
export const COLUMN_WIDTH_IN = 3.4;
export const COLUMN_HEIGHT_IN = 2.6;
/** The full text width of a two-column article, for multi-panel figures. */
export const FULL_WIDTH_IN = 7;
/** Height of one row of panels in a full-width multi-panel figure. */
export const PANEL_ROW_HEIGHT_IN = 2;
export const DEFAULT_DPI = 300;
/** Ticks, axis titles and annotations at 8 pt and legends at 7 pt: legible at print size, where 6–7 pt is the usual journal minimum. */
const FONT_PT = 8;
const LEGEND_FONT_PT = 7;
/** Arial, or its metric twin Liberation Sans (Debian's fonts-liberation), so text measures the same in every renderer. */
const PRINT_FONT_FAMILY = 'Arial, "Liberation Sans", Helvetica, sans-serif';
/** Arial's mean glyph width in em and the px a legend entry's line sample takes, to wrap legend entries to the figure's width. */
const MEAN_GLYPH_EM = 0.55;
const LEGEND_SAMPLE_PX = 48;

export interface PaperSize {
  widthIn: number;
  heightIn: number;
}

/** A figure's default print size: one column for a single panel, the full width (one row of panels per 2 in) for a subplot grid. */
export function paperSize(figure: PlotlyFigure): PaperSize {
  const grid = figure.layout.grid as { rows?: number; columns?: number } | undefined;
  if (grid && (grid.columns ?? 1) > 1) return { widthIn: FULL_WIDTH_IN, heightIn: PANEL_ROW_HEIGHT_IN * (grid.rows ?? 1) };
  return { widthIn: COLUMN_WIDTH_IN, heightIn: COLUMN_HEIGHT_IN };
}

/** The layout keys (xaxis, yaxis2, ...) of every cartesian axis the figure draws. */
function axisKeys(figure: PlotlyFigure): Set<string> {
  const keys = new Set(Object.keys(figure.layout).filter((k) => /^[xy]axis\d*$/.test(k)));
  for (const trace of figure.data) {
    keys.add(`xaxis${String(trace.xaxis ?? 'x').slice(1)}`);
    keys.add(`yaxis${String(trace.yaxis ?? 'y').slice(1)}`);
  }
  return keys;
}

/**
 * The figure restyled for print at `size`: fixed size in CSS px, print fonts, thin black axis box
 * with outside ticks, the legend above the plot with entries wrapped to the width, margins just
 * wide enough for the labels (automargin), and no title: in a paper the caption carries it. The
 * input is not modified.
 */
export function paperFigure(figure: PlotlyFigure, size: PaperSize): PlotlyFigure {
  const width = size.widthIn * CSS_PX_PER_IN;
  const legendFontPx = LEGEND_FONT_PT * PX_PER_PT;
  const legendChars = Math.floor((width - LEGEND_SAMPLE_PX) / (MEAN_GLYPH_EM * legendFontPx));
  const layout: Record<string, unknown> = { ...figure.layout };
  delete layout.title;
  // a page cannot be dragged or clicked: no slider, no buttons
  delete layout.sliders;
  delete layout.updatemenus;
  for (const key of axisKeys(figure)) {
    layout[key] = {
      ...(layout[key] as Record<string, unknown> | undefined),
      automargin: true,
      showline: true,
      mirror: true,
      linecolor: '#000',
      linewidth: 1,
      ticks: 'outside',
      ticklen: 3,
      tickwidth: 1,
      gridcolor: '#e8e8e8',
      zeroline: false,
    };
  }
  return {
    data: figure.data.map((trace) => (typeof trace.name === 'string' ? { ...trace, name: wrapText(trace.name, legendChars) } : trace)),
    layout: {
      ...layout,
      width,
      height: size.heightIn * CSS_PX_PER_IN,
      autosize: false,
      font: { family: PRINT_FONT_FAMILY, size: FONT_PT * PX_PER_PT, color: '#000' },
      legend: { orientation: 'h', x: 0, xanchor: 'left', y: 1.02, yanchor: 'bottom', font: { size: legendFontPx } },
      margin: { l: 4, r: 8, t: 8, b: 4, pad: 0 },
      paper_bgcolor: '#fff',
      plot_bgcolor: '#fff',
    },
  };
}
