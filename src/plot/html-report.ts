/**
 * Self-contained HTML reports: plotly figure specs (plain data from src/plot/figures.ts) rendered
 * by an inlined copy of plotly.js-dist-min, so a report opens offline, years later, anywhere.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { formatNumber } from './format.ts';

export interface PlotlyFigure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  /** Animation frames (a time slider's steps animate to them by name). */
  frames?: { name: string; data: Record<string, unknown>[] }[];
}

export interface ReportSection {
  title: string;
  /** Plain text (paragraphs separated by blank lines); HTML-escaped. */
  text?: string;
  figure?: PlotlyFigure;
  table?: { columns: string[]; rows: (string | number)[][] };
}

let plotlySource: string | undefined;
/** The source of plotly.js-dist-min, read once. */
export function plotlyScript(): string {
  if (plotlySource === undefined) {
    const require = createRequire(import.meta.url);
    plotlySource = readFileSync(require.resolve('plotly.js-dist-min/plotly.min.js'), 'utf8');
  }
  return plotlySource;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function unescapeHtml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
}

/** One figure's line in the report's script: the spec is written twice, `${PLOT_START}figN', S.data, S.layout${PLOT_END}`. */
const PLOT_START = "Plotly.newPlot('";
const PLOT_END = ', {responsive: true});';

function formatCell(v: string | number): string {
  if (typeof v === 'number') return formatNumber(v, 6);
  return escapeHtml(v);
}

/** JSON inside <script>: "</" escaped so that a string can never close the tag. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/<\//g, '<\\/');
}

/** The whole report page as a string. */
export function renderReport(title: string, sections: ReportSection[], provenance: Record<string, unknown>): string {
  const body: string[] = [];
  const scripts: string[] = [];
  sections.forEach((s, i) => {
    body.push(`<section><h2>${escapeHtml(s.title)}</h2>`);
    if (s.text) for (const p of s.text.split(/\n\s*\n/)) body.push(`<p>${escapeHtml(p.trim())}</p>`);
    if (s.table) {
      body.push('<table><thead><tr>' + s.table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('') + '</tr></thead><tbody>');
      for (const row of s.table.rows) body.push('<tr>' + row.map((c) => `<td>${formatCell(c)}</td>`).join('') + '</tr>');
      body.push('</tbody></table>');
    }
    if (s.figure) {
      // a figure with its own height (a panel grid) gets a box of that height; others the stylesheet's
      const height = typeof s.figure.layout.height === 'number' ? ` style="height: ${s.figure.layout.height}px"` : '';
      body.push(`<div class="fig" id="fig${i}"${height}></div>`);
      const { frames, ...plain } = s.figure;
      const spec = scriptJson(plain);
      scripts.push(`${PLOT_START}fig${i}', ${spec}.data, ${spec}.layout${PLOT_END}`);
      // frames on a line of their own: readReportFigures (and so the paper export) reads the static figure
      if (frames?.length) scripts.push(`Plotly.addFrames('fig${i}', ${scriptJson(frames)});`);
    }
    body.push('</section>');
  });
  const prov = escapeHtml(JSON.stringify(provenance, null, 2));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
.fig { width: 100%; height: 460px; }
table { border-collapse: collapse; font-size: 0.9em; } td, th { border: 1px solid #ccc; padding: 2px 8px; text-align: right; }
pre { background: #f6f6f6; padding: 1em; font-size: 0.8em; overflow-x: auto; }
</style>
<script>${plotlyScript()}</script></head>
<body><h1>${escapeHtml(title)}</h1>
${body.join('\n')}
<section><h2>Provenance</h2><pre>${prov}</pre></section>
<script>${scripts.join('\n')}</script>
</body></html>
`;
}

export interface TitledFigure {
  title: string;
  figure: PlotlyFigure;
}

/**
 * The figures of a page written by renderReport, each with its section's title, in page order: the
 * inverse of renderReport for figures, so an output folder's figures can be re-rendered from its
 * report.html alone.
 */
export function readReportFigures(html: string): TitledFigure[] {
  // past the inlined plotly.js; after it every "</" of a title or spec is escaped
  const body = html.slice(html.lastIndexOf('</head>'));
  const titles = new Map<string, string>();
  for (const section of body.matchAll(/<section><h2>([^<]*)<\/h2>((?:(?!<\/section>)[\s\S])*)<\/section>/g)) {
    const id = /<div class="fig" id="(fig\d+)"(?: style="[^"]*")?><\/div>/.exec(section[2])?.[1];
    if (id) titles.set(id, unescapeHtml(section[1]));
  }
  const figures: TitledFigure[] = [];
  for (const text of body.split('\n')) {
    const line = text.replace(/^<script>/, '').replace(/<\/script>$/, ''); // the first and last figure share the tags' lines
    if (!line.startsWith(PLOT_START) || !line.endsWith(PLOT_END)) continue;
    const id = line.slice(PLOT_START.length, line.indexOf("'", PLOT_START.length));
    const specs = line.slice(PLOT_START.length + id.length + 3, -PLOT_END.length); // after "figN', "
    const length = (specs.length - '.data, .layout'.length) / 2;
    const spec = specs.slice(0, length);
    const title = titles.get(id);
    if (title === undefined || specs !== `${spec}.data, ${spec}.layout`) throw new Error(`report figure ${id} is not in the form renderReport writes`);
    figures.push({ title, figure: JSON.parse(spec) as PlotlyFigure }); // "<\/" in the spec is a JSON escape of "</"
  }
  return figures;
}
