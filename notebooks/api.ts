/**
 * The library API the notebooks call, in one module, plus `show` (a plotly figure inline in Jupyter).
 *
 * The notebooks import it as './notebooks/meanfield': install-kernel.sh writes that folder, with
 * index.d.ts (this module's declarations, emitted by the project's TypeScript, so that tslab's older
 * bundled compiler type-checks the cells without compiling the sources) and index.js (which loads
 * this file through tsx at run time).
 */
import { readFileSync } from 'node:fs';
import { display } from 'tslab';
import type { PlotlyFigure, ReportSection } from '../src/plot/html-report.ts';
import { plotlyScript } from '../src/plot/html-report.ts';
import { formatNumber } from '../src/plot/format.ts';

export { parseSpec, mergeJson, type Spec, type RunSpec } from '../src/spec/index.ts';
export { runSolveSpec, solveReportSections, type SolveResult } from '../src/pipeline/solve.ts';
export { runCompareSpec, type CompareResult } from '../src/pipeline/compare.ts';
export { compareReportSections, compareSummaryLines } from '../src/pipeline/compare-report.ts';
export { runSweep, runMinimize, fig2Figure, sweepSections, type SweepResult, type MinimizeResult } from '../src/pipeline/landscape.ts';
export { runCltStudyFromSpec, cltStudyReport, type CltStudyResult } from '../src/pipeline/clt-study.ts';
export { runWidthStudy, widthStudySections, widthStudyLines, type WidthStudyResult, type WidthStudyRun } from '../src/pipeline/network-study.ts';
export { densityView } from '../src/pde/index.ts';
export { lineFigure, densityPanelsFigure, colorAt, type Series } from '../src/plot/figures.ts';
export { formatNumber, formatToTolerance } from '../src/plot/format.ts';
export type { PlotlyFigure, ReportSection } from '../src/plot/html-report.ts';

/** A JSON file of the repository (e.g. "examples/mmn-fig1.json"; paths relative to the repository root, the kernel's working folder). */
export function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

let plotlyShown = false;
let figureCount = 0;

/**
 * Displays a figure inline (plotly, the same spec the HTML report draws). The first call of a
 * notebook also emits plotly.js itself, so the saved notebook renders offline.
 */
export function show(figure: PlotlyFigure, height = 420): void {
  const id = `meanfield-fig-${process.pid}-${++figureCount}`;
  const spec = JSON.stringify(figure).replace(/<\//g, '<\\/');
  const library = plotlyShown ? '' : `<script>${plotlyScript()}</script>`;
  plotlyShown = true;
  const h = typeof figure.layout.height === 'number' ? figure.layout.height : height;
  display.html(`${library}<div id="${id}" style="width:100%;height:${h}px"></div><script>(function(){const s=${spec};Plotly.newPlot('${id}', s.data, s.layout, {responsive: true});})();</script>`);
}

/** A table inline (markdown; numbers to 4 significant digits, formatNumber). */
export function showTable(columns: readonly string[], rows: readonly (readonly (string | number)[])[]): void {
  const cell = (x: string | number) => (typeof x === 'number' ? formatNumber(x) : x).replace(/\|/g, '\\|');
  const line = (cells: readonly (string | number)[]) => `| ${cells.map(cell).join(' | ')} |`;
  display.markdown([line(columns), `|${columns.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n'));
}

/** Every figure of a report's sections, each under its section title. */
export function showSections(sections: readonly ReportSection[]): void {
  for (const s of sections) {
    if (!s.figure) continue;
    display.markdown(`**${s.title}**`);
    show(s.figure);
  }
}
