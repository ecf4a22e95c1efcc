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

/**
 * Okabe & Ito's colour-blind-safe palette ("Color Universal Design", 2008): blue, vermillion, bluish
 * green, reddish purple, orange, sky blue, black, and yellow last (it is faint on white).
 */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

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
      data.push({ type: 'histogram', x: Array.from(samples[i]), histnorm: 'probability density', nbinsx: 50, marker: { color: colorAt(5), opacity: 0.6 }, xaxis: `x${axis}`, yaxis: `y${axis}` });
    }
    data.push({ type: 'scatter', mode: 'lines', x, y: density, line: { color: colorAt(1) }, xaxis: `x${axis}`, yaxis: `y${axis}` });
    layout[`xaxis${axis}`] = { range: [Math.max(0, x[lo] - 0.1 * span), x[hi] + 0.1 * span], title: { text: i >= times.length - columns ? xTitle : '' } };
    (layout.annotations as unknown[]).push({ text: `t = ${t}`, xref: `x${axis} domain`, yref: `y${axis} domain`, x: 0.98, y: 0.95, showarrow: false });
  });
  return { data, layout };
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

/** `text` broken at spaces into lines (plotly's <br>) of at most `maxChars` characters where the words allow. */
function wrapText(text: string, maxChars: number): string {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= maxChars) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines.join('<br>');
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
