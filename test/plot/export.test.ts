/**
 * Figure export without a browser (issue: paper-ready figures): the report's figures read back
 * exactly, file names, print restyling, option checks, and the no-browser error path of the CLI.
 * test/plot/browser.test.ts renders in Chromium.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.ts';
import { commandExport } from '../../src/cli/export.ts';
import { BrowserNotFoundError, exportFigureSpecs, figureSlug, figureSlugs, findChromium } from '../../src/plot/export.ts';
import { colorAt, COLUMN_WIDTH_IN, CSS_PX_PER_IN, densityPanelsFigure, FULL_WIDTH_IN, lineFigure, paperFigure, paperSize } from '../../src/plot/figures.ts';
import { readReportFigures, renderReport, type ReportSection } from '../../src/plot/html-report.ts';

const risk = lineFigure('Risk R(ρ̄_t)', 't', 'risk', [{ name: 'a </script> "quoted" & <b>', x: [0, 1, 2], y: [3, 2, 1.5] }]);
const panels = densityPanelsFigure('r', [0.5, 1.5, 2.5], 1, [0, 1, 2, 3], [[0.2, 0.5, 0.3], [0.1, 0.6, 0.3], [0.1, 0.5, 0.4], [0, 0.5, 0.5]]);
const sections: ReportSection[] = [
  { title: 'Radial density ρ̄_t(r)', text: 'words', figure: panels },
  { title: 'Summary', table: { columns: ['t'], rows: [[0]] } },
  { title: 'Risk <vs> "t" & more', figure: risk },
];

describe('readReportFigures', () => {
  it('returns every figure of a renderReport page with its section title, exactly as given (escapes undone)', () => {
    const figures = readReportFigures(renderReport('report', sections, { seed: 1 }));
    expect(figures.map((f) => f.title)).toEqual(['Radial density ρ̄_t(r)', 'Risk <vs> "t" & more']);
    expect(figures[0].figure).toEqual(JSON.parse(JSON.stringify(panels)));
    expect(figures[1].figure).toEqual(JSON.parse(JSON.stringify(risk)));
  });

  it('a report without figures has none; a page not written by renderReport is refused, not misread', () => {
    expect(readReportFigures(renderReport('report', [sections[1]], {}))).toEqual([]);
    const edited = renderReport('report', [sections[2]], {}).replace('.data, {', '.data, {"edited": true, '); // the two copies of the spec differ
    expect(() => readReportFigures(edited)).toThrow('report figure fig0 is not in the form renderReport writes');
  });
});

describe('figure file names', () => {
  it('slug: lower-case ASCII words, Greek letters spelled out, accents and bars dropped', () => {
    expect(figureSlug('Radial density ρ̄_t(r)')).toBe('radial-density-rho-t-r');
    expect(figureSlug('Population risk vs Δ (MMN Fig. 2)')).toBe('population-risk-vs-delta-mmn-fig-2');
    expect(figureSlug('Écart ω/σ')).toBe('ecart-omega-sigma');
  });

  it('unique within a report and apart from figures.pdf: repeats get -2, -3; a title without letters becomes figure-N', () => {
    expect(figureSlugs(['Risk', 'risk', 'RISK', '∞ ±', 'risk-2', 'Figures'])).toEqual(['risk', 'risk-2', 'risk-3', 'figure-4', 'risk-2-2', 'figures-2']);
  });
});

describe('print style', () => {
  it('default size: one column for a single panel, full width and 2 in per row for a panel grid', () => {
    expect(paperSize(risk)).toEqual({ widthIn: COLUMN_WIDTH_IN, heightIn: 2.6 });
    expect(paperSize(panels)).toEqual({ widthIn: FULL_WIDTH_IN, heightIn: 4 }); // 4 panels → 2 rows of 3
  });

  it('paperFigure: fixed CSS px size, no title, every axis boxed with automargin, input untouched', () => {
    const before = JSON.stringify(panels);
    const paper = paperFigure(panels, { widthIn: 7, heightIn: 4 });
    expect(JSON.stringify(panels)).toBe(before);
    expect(paper.layout.width).toBe(7 * CSS_PX_PER_IN);
    expect(paper.layout.height).toBe(4 * CSS_PX_PER_IN);
    expect(paper.layout.title).toBeUndefined();
    for (const key of ['xaxis', 'yaxis', 'xaxis4', 'yaxis4']) expect(paper.layout[key]).toMatchObject({ automargin: true, showline: true, ticks: 'outside' });
    expect((paper.layout.xaxis4 as { range: number[] }).range).toEqual((panels.layout.xaxis4 as { range: number[] }).range);
  });

  it('long legend entries are broken at spaces into lines that fit a column', () => {
    const name = 'characteristics (200 nodes; exact to ~1e-9 before t ≈ 3, O(1/nodes) after the separatrix)';
    const paper = paperFigure(lineFigure('', 'x', 'y', [{ name, x: [0], y: [0] }]), { widthIn: COLUMN_WIDTH_IN, heightIn: 2.6 });
    const lines = String(paper.data[0].name).split('<br>');
    expect(lines.join(' ')).toBe(name);
    expect(lines.length).toBeGreaterThan(1);
    // 7 pt Arial averages ≈ 0.55 em = 5.1 px a glyph; the line sample takes 48 px of the 326 px
    for (const line of lines) expect(line.length * 0.55 * 7 * (96 / 72)).toBeLessThanOrEqual(COLUMN_WIDTH_IN * CSS_PX_PER_IN - 48);
  });

  it('default colours are Okabe–Ito, in order', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map(colorAt)).toEqual(['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442', '#0072B2']);
  });
});

describe('export options and errors', () => {
  const figures = [{ title: 'Risk', figure: risk }];
  const out = mkdtempSync(join(tmpdir(), 'meanfield-export-'));

  it('bad formats, sizes and resolutions are ConfigErrors naming the flag and the allowed range, before any browser starts', async () => {
    await expect(exportFigureSpecs(figures, out, ['svg', 'gif'])).rejects.toThrow(new ConfigError('--format', 'must be a comma-separated list of svg, pdf, png (got "svg,gif")'));
    await expect(exportFigureSpecs(figures, out, [])).rejects.toThrow(ConfigError);
    await expect(exportFigureSpecs(figures, out, ['png'], { widthIn: 0.1 })).rejects.toThrow('--width-in: must be a width in inches in [0.5, 20] (got 0.1)');
    await expect(exportFigureSpecs(figures, out, ['png'], { heightIn: Number.NaN })).rejects.toThrow('--height-in');
    await expect(exportFigureSpecs(figures, out, ['png'], { dpi: 10 })).rejects.toThrow('--dpi: must be a resolution in dots per inch in [50, 1200] (got 10)');
    await expect(exportFigureSpecs(figures, out, ['png'], { widthIn: 20, dpi: 1200 })).rejects.toThrow('--dpi: 1200 dpi makes figure "Risk" 24000 px on a side; at most 16384');
  });

  it('no browser: a BrowserNotFoundError that says how to install one', () => {
    expect(() => findChromium({}, [])).toThrow(BrowserNotFoundError);
    expect(() => findChromium({}, [])).toThrow('apt-get install -y chromium');
    expect(() => findChromium({ MEANFIELD_CHROMIUM: '/nonexistent/chromium' })).toThrow(/MEANFIELD_CHROMIUM=\/nonexistent\/chromium does not exist.*apt-get install -y chromium/);
    expect(findChromium({ MEANFIELD_CHROMIUM: process.execPath })).toBe(process.execPath);
  });
});

describe('meanfield export (CLI)', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('no browser: exit code 1 and the install hint on stderr, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meanfield-export-cli-'));
    writeFileSync(join(dir, 'report.html'), renderReport('report', sections, {}));
    vi.stubEnv('MEANFIELD_CHROMIUM', '/nonexistent/chromium');
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await commandExport([dir, '--format', 'png'])).toBe(1);
    const message = stderr.mock.calls.map((c) => c.join(' ')).join('\n');
    expect(message).toMatch(/^meanfield export: .*apt-get install -y chromium/);
    expect(message).not.toMatch(/\n\s+at /);
  });

  it('usage errors: a missing folder exits 2; a folder without report.html and a non-number flag are ConfigErrors (main exits 2)', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await commandExport([])).toBe(2);
    await expect(commandExport([mkdtempSync(join(tmpdir(), 'meanfield-empty-'))])).rejects.toThrow(/^export .*: .* has no report.html/);
    await expect(commandExport(['x', '--dpi', 'high'])).rejects.toThrow('--dpi: must be a number (got "high")');
  });
});
