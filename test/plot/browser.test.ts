/**
 * Reports and exported figures in a real browser (issue: paper-ready figures): headless Chromium
 * opens report.html files (a small one and a real solve run's), plotly draws every figure with no
 * console error and no network request, and the exported PNG, SVG and PDF files have the stated
 * sizes and content. Without Chromium this file skips locally and FAILS in CI (CI=true), where
 * .ci/run installs it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { runSolveSpec, writeSolveOutputs } from '../../src/pipeline/solve.ts';
import { parseSpec } from '../../src/spec/index.ts';
import { commandExport } from '../../src/cli/export.ts';
import { exportFigures, findChromium, launchChromium, type Chromium } from '../../src/plot/export.ts';
import { colorAt, densityPanelsFigure, lineFigure, paperSize } from '../../src/plot/figures.ts';
import { readReportFigures, renderReport } from '../../src/plot/html-report.ts';
import { RISK_TITLE, TIME_TITLE } from '../../src/plot/layout.ts';
import { figureBoxes, layoutProblems, openReport as openAtWidth } from '../../src/plot/screenshot.ts';

const inCi = ['true', '1'].includes((process.env.CI ?? '').toLowerCase());
const missingBrowser = ((): string | undefined => {
  try {
    findChromium();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
})();
if (missingBrowser !== undefined && !inCi) console.warn(`test/plot/browser.test.ts skipped: ${missingBrowser}`);

interface Opened {
  page: Page;
  /** Console errors, uncaught exceptions and requests that left the machine, since the page opened. */
  problems: string[];
  /** [width, height] in CSS px of each figure's plot, in page order. */
  sizes: [number, number][];
  /** Traces plotly drew in each figure. */
  traces: number[];
}

/** Opens a report file and waits until plotly has drawn all its figures. */
async function openReport(browser: Chromium, file: string): Promise<Opened> {
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  page.on('request', (r) => {
    if (!/^(file|data|blob|about):/.test(r.url())) problems.push(`request: ${r.url()}`);
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction("[...document.querySelectorAll('.fig')].every((d) => d.querySelector('.main-svg'))", undefined, { timeout: 20_000 });
  const sizes = (await page.evaluate("[...document.querySelectorAll('.fig')].map((d) => { const r = d.querySelector('.main-svg').getBoundingClientRect(); return [r.width, r.height]; })")) as [number, number][];
  const traces = (await page.evaluate("[...document.querySelectorAll('.fig')].map((d) => d.querySelectorAll('.trace').length)")) as number[];
  return { page, problems, sizes, traces };
}

/** Pixel statistics of a PNG, decoded by the browser: the share of non-white pixels and whether `hex` occurs. */
async function pngPixels(page: Page, png: Buffer, hex: string): Promise<{ width: number; height: number; inked: number; hasColour: boolean }> {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return (await page.evaluate(`(async () => {
    const image = new Image();
    image.src = 'data:image/png;base64,${png.toString('base64')}';
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.naturalWidth;
    canvas.height = image.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    const px = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let inked = 0, colour = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (px[i] < 250 || px[i + 1] < 250 || px[i + 2] < 250) inked++;
      if (Math.abs(px[i] - ${r}) + Math.abs(px[i + 1] - ${g}) + Math.abs(px[i + 2] - ${b}) < 12) colour++;
    }
    return { width: canvas.width, height: canvas.height, inked: inked / (px.length / 4), hasColour: colour > 100 };
  })()`)) as { width: number; height: number; inked: number; hasColour: boolean };
}

/** Width and height in points of each page of a PDF (Chromium writes one /MediaBox per page object). */
function pdfPages(pdf: Buffer): [number, number][] {
  return [...pdf.toString('latin1').matchAll(/\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

/** The text of the SVG's axis titles. */
function svgAxisTitles(svg: string): string[] {
  return [...svg.matchAll(/class="[xy]\d*title"[^>]*>([^<]*)</g)].map((m) => m[1]);
}

describe.skipIf(missingBrowser !== undefined && !inCi)('reports and exported figures in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meanfield-browser-'));
  let browser: Chromium;

  beforeAll(async () => {
    browser = await launchChromium(); // in CI without a browser this fails with the install hint
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('a small report: every figure drawn at non-zero size, no console error, no network request', async () => {
    const file = join(dir, 'small.html');
    const risk = lineFigure('Risk', 't', 'risk', [{ name: 'a', x: [0, 1, 2], y: [3, 2, 1] }, { name: 'b', x: [0, 1, 2], y: [2.5, 2, 1.2], error: [0.1, 0.1, 0.1], mode: 'markers' }]);
    const panels = densityPanelsFigure('r', [0.5, 1.5, 2.5], 1, [0, 1], [[0.2, 0.5, 0.3], [0.1, 0.6, 0.3]], [[0.4, 1.2, 1.9], [1, 1.4, 1.6]]);
    writeFileSync(file, renderReport('small', [{ title: 'Risk', figure: risk }, { title: 'Table', table: { columns: ['a'], rows: [[1]] } }, { title: 'Panels', figure: panels }], { seed: 1 }));
    const opened = await openReport(browser, file);
    expect(opened.problems).toEqual([]);
    expect(opened.sizes).toHaveLength(2);
    for (const [w, h] of opened.sizes) {
      expect(w).toBeGreaterThan(100);
      expect(h).toBeGreaterThan(100);
    }
    expect(opened.traces).toEqual([2, 4]); // two lines; a histogram and a density line per panel
    await opened.page.close();
  });

  describe('a solve run', () => {
    const out = join(dir, 'solve');
    /** The slug of the solve report's density section ("Law of the reduced coordinate"). */
    const DENSITY = 'law-of-the-reduced-coordinate';
    const dpi = 150;
    let files: string[];

    beforeAll(async () => {
      const spec = await parseSpec({
        model: { name: 'isotropic-gaussians', delta: 0.8, d: 40 },
        init: { kind: 'gaussian', scale: 0.8 },
        grid: { rMax: 6, cells: 200 },
        saveTimes: [0, 0.25, 0.5, 1],
      });
      writeSolveOutputs(out, runSolveSpec(spec));
      files = await exportFigures(out, ['svg', 'pdf', 'png'], { dpi });
    });

    it('its report.html opens cleanly: all three figures (panels, time slider, risk) drawn, no console error, no network request', async () => {
      const opened = await openReport(browser, join(out, 'report.html'));
      expect(opened.problems).toEqual([]);
      expect(opened.sizes).toHaveLength(3);
      for (const [w, h] of opened.sizes) expect(w * h).toBeGreaterThan(100 * 100);
      expect(opened.traces[0]).toBe(4); // one PDE mass-per-bin outline per save time
      await opened.page.close();
    });

    it('export writes svg, pdf and png per figure (not the screen-only slider), named after the section, and figures.pdf', () => {
      const names = [DENSITY, 'risk'].flatMap((s) => ['svg', 'png', 'pdf'].map((e) => `${s}.${e}`));
      expect(readdirSync(join(out, 'figures')).sort()).toEqual([...names, 'figures.pdf'].sort());
      expect(files).toHaveLength(names.length + 1);
    });

    it('PNG: round(width·dpi) × round(height·dpi) px, dpi recorded, ink in the palette blue on white', async () => {
      const [density, , risk] = readReportFigures(readFileSync(join(out, 'report.html'), 'utf8'));
      const page = await browser.context.newPage();
      for (const [slug, figure] of [['risk', risk.figure], [DENSITY, density.figure]] as const) {
        const png = readFileSync(join(out, 'figures', `${slug}.png`));
        const size = paperSize(figure);
        expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([Math.round(size.widthIn * dpi), Math.round(size.heightIn * dpi)]);
        const phys = png.indexOf('pHYs');
        expect(png.readUInt32BE(phys + 4)).toBe(Math.round(dpi / 0.0254));
        const pixels = await pngPixels(page, png, slug === 'risk' ? colorAt(0) : colorAt(1));
        expect(pixels.width).toBe(png.readUInt32BE(16));
        expect(pixels.inked).toBeGreaterThan(0.01); // lines, ticks and text...
        expect(pixels.inked).toBeLessThan(0.5); // ...on a white page
        expect(pixels.hasColour).toBe(true);
      }
      await page.close();
    });

    it('SVG: vector, sized in inches, with the axis titles as text', () => {
      const svg = readFileSync(join(out, 'figures', 'risk.svg'), 'utf8');
      expect(svg).toMatch(/^<svg [^>]*width="3.4in" height="2.6in"/);
      expect(svg).not.toContain('<image');
      expect(svgAxisTitles(svg)).toEqual([TIME_TITLE, RISK_TITLE]);
      // the density's x axis is titled by the model's reduced coordinate (its name, "r")
      expect(svgAxisTitles(readFileSync(join(out, 'figures', `${DENSITY}.svg`), 'utf8'))).toContain('r');
    });

    it('PDF: one page of the figure size per file (to one step of 1/300 in, Chromium’s print grid), one page per figure in figures.pdf', () => {
      const risk = pdfPages(readFileSync(join(out, 'figures', 'risk.pdf')));
      const all = pdfPages(readFileSync(join(out, 'figures', 'figures.pdf')));
      expect(risk).toHaveLength(1);
      expect(all).toHaveLength(2);
      const expected = [[7 * 72, 2 * 2 * 72], [3.4 * 72, 2.6 * 72]]; // 4 panels: 2 rows at full width; one column
      all.forEach((page, i) => page.forEach((pt, k) => expect(Math.abs(pt - expected[i][k])).toBeLessThanOrEqual(72 / 300 + 1e-3)));
      expect(risk[0]).toEqual(all[1]);
    });

    it('meanfield export re-renders the folder at a given size: --format png --width-in 3 --height-in 2 --dpi 100 → 300 × 200 px', async () => {
      const stdout = vi.spyOn(console, 'log').mockImplementation(() => {});
      expect(await commandExport([out, '--format', 'png', '--width-in', '3', '--height-in', '2', '--dpi', '100'])).toBe(0);
      expect(stdout.mock.calls.join('\n')).toMatch(/wrote 2 files to .*figures/);
      stdout.mockRestore();
      for (const slug of ['risk', DENSITY]) {
        const png = readFileSync(join(out, 'figures', `${slug}.png`));
        expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([300, 200]);
      }
    });

    it('at 1400 px width every axis is titled and no text overlaps (legend, axis titles, figure titles, annotations, slider, buttons)', async () => {
      const page = await openAtWidth(browser, join(out, 'report.html'));
      const figures = await figureBoxes(page);
      expect(figures).toHaveLength(3);
      expect(figures.flatMap((f) => layoutProblems(f))).toEqual([]);
      expect(figures.every((f) => f.boxes.some((b) => b.kind === 'legend'))).toBe(true);
      await page.close();
    });

    it('the overlap check fails on the old layout (a horizontal legend below the plot covers the x-axis title)', async () => {
      const file = join(dir, 'old-layout.html');
      const old = lineFigure('Risk', 'time t', 'risk', [
        { name: 'PDE (finite volumes)', x: [0, 1], y: [1, 0.5] },
        { name: 'check: characteristics (200 nodes, K = 30)', x: [0, 1], y: [1, 0.5] },
        { name: 'SGD, N = 800, 1 seed', x: [0, 1], y: [1.1, 0.6] },
      ]);
      old.layout = { title: { text: 'Risk' }, xaxis: { title: { text: 'time t' } }, yaxis: { title: { text: 'risk' } }, legend: { orientation: 'h' }, margin: { t: 50 } }; // as before issue 13
      writeFileSync(file, renderReport('old', [{ title: 'Risk', figure: old }], {}));
      const page = await openAtWidth(browser, file);
      const [figure] = await figureBoxes(page);
      expect(layoutProblems(figure).join('\n')).toMatch(/legend .* overlaps xtitle "time t"/);
      await page.close();
    });
  });
});
