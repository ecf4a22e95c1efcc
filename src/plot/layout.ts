/**
 * The one place where a report figure's title, axis titles, legend and margins are laid out, so every
 * figure reads the same way: the title (wrapped) above the plot, axis titles on every axis, and the
 * legend in a column to the right of the plot, where it can never cover an axis title or a tick
 * label (plotly widens the right margin to fit it). Axis-title wording (with units) lives here too.
 */
import { riskWords } from '../io/risk-name.ts';
import type { PlotlyFigure } from './html-report.ts';

/** Time of both engines: the PDE's t, which SGD (or GD) reaches after t/ε steps of size ε. */
export const TIME_TITLE = 'time t (= step size ε × steps)';
/** Risk of both engines (dimensionless, like every quantity here: inputs, weights and outputs carry no units). */
export const RISK_TITLE = riskWords().axis;

/** A reduced coordinate's axis title: "r (reduced coordinate)". */
export function coordinateTitle(name: string): string {
  return `${name} (reduced coordinate)`;
}

/** Characters per title line at the report's width (1100 px page, 17 px title font). */
const TITLE_CHARS_PER_LINE = 110;
const TITLE_LINE_PX = 22;

/** `text` broken at spaces into lines (plotly's <br>) of at most `maxChars` characters where the words allow. */
export function wrapText(text: string, maxChars: number): string {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= maxChars) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines.join('<br>');
}

export interface AxisLayout {
  title: string;
  log?: boolean;
  /** Fixed range in data units (for a log axis: the data values; converted to log10 here). */
  range?: [number, number];
}

/** A plotly axis object with its title and type. */
export function axisLayout(axis: AxisLayout): Record<string, unknown> {
  const range = axis.range && (axis.log ? axis.range.map(Math.log10) : axis.range);
  return { title: { text: axis.title }, type: axis.log ? 'log' : 'linear', automargin: true, ...(range ? { range } : {}) };
}

/** Legend to the right of the plot, top-aligned: outside the plot area and clear of every axis title. */
export const LEGEND_LAYOUT = { orientation: 'v', x: 1.02, xanchor: 'left', y: 1, yanchor: 'top' } as const;

/** Title, margins and legend of a report figure (merge axes and extras into it). */
export function figureLayout(title: string, options: { legend?: boolean } = {}): Record<string, unknown> {
  const wrapped = wrapText(title, TITLE_CHARS_PER_LINE);
  const lines = wrapped.split('<br>').length;
  return {
    title: { text: wrapped, x: 0, xanchor: 'left', xref: 'paper', font: { size: 15 } },
    showlegend: options.legend ?? true,
    legend: LEGEND_LAYOUT,
    margin: { t: 30 + TITLE_LINE_PX * lines, r: 20, b: 60, l: 70 },
  };
}

/** A single-panel figure: traces, title, both axes, legend. */
export function plotFigure(title: string, x: AxisLayout, y: AxisLayout, data: Record<string, unknown>[], extra: Record<string, unknown> = {}): PlotlyFigure {
  return { data, layout: { ...figureLayout(title), xaxis: axisLayout(x), yaxis: axisLayout(y), ...extra } };
}

/**
 * What the layout rules forbid, read from the spec alone (the browser test measures the drawn
 * boxes): an axis a trace uses without a title, and a legend placed inside the plot area. One line
 * per problem.
 */
export function figureLayoutProblems(figure: PlotlyFigure): string[] {
  const problems: string[] = [];
  const used = new Set<string>();
  for (const trace of figure.data) {
    if (trace.type === 'pie') continue;
    used.add(`xaxis${String(trace.xaxis ?? 'x').slice(1)}`);
    used.add(`yaxis${String(trace.yaxis ?? 'y').slice(1)}`);
  }
  for (const key of used) {
    const title = (figure.layout[key] as { title?: { text?: string } } | undefined)?.title?.text;
    if (!title || !title.trim()) problems.push(`${key} has no title`);
  }
  const legend = figure.layout.legend as { x?: number; orientation?: string } | undefined;
  const shown = figure.layout.showlegend !== false && figure.data.some((t) => t.showlegend !== false && typeof t.name === 'string');
  if (shown && !(legend && legend.orientation === 'v' && (legend.x ?? 0) >= 1)) problems.push('legend is not placed right of the plot area');
  return problems;
}
