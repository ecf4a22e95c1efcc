/**
 * Reports as a reader sees them: a report.html opened in headless Chromium at a given window width,
 * a full-page PNG screenshot, and the text boxes plotly drew, checked for overlaps (a legend on an
 * axis title, a title on a tick label). Used by the browser test and by scripts/report-screenshots.ts.
 */
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import type { Chromium } from './export.ts';

/** The window width the reports are judged at. */
export const SCREENSHOT_WIDTH_PX = 1400;

export interface TextBox {
  /** What the box is: "legend", "xtitle", "ytitle", "gtitle" (figure title), "annotation", "slider", "menu". */
  kind: string;
  text: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FigureBoxes {
  /** The figure's div id (fig0, fig1, ...). */
  id: string;
  boxes: TextBox[];
  /** Axis ids (x, y, x2, ...) that plotly drew without a title. */
  untitledAxes: string[];
}

/** In the page: the text boxes of every figure's legend, titles, annotations, slider and menu (client px). */
const COLLECT_BOXES = `() => [...document.querySelectorAll('.fig')].map((div) => {
  const boxes = [];
  const add = (kind, el) => {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.height > 0) boxes.push({ kind, text: (el.textContent || '').trim(), x: r.left, y: r.top, width: r.width, height: r.height });
  };
  div.querySelectorAll('.legend .scrollbox').forEach((el) => add('legend', el));
  div.querySelectorAll('.infolayer .gtitle').forEach((el) => add('gtitle', el));
  div.querySelectorAll('.infolayer text[class$="title"]').forEach((el) => {
    const kind = el.getAttribute('class').replace(/\\d+title$/, 'title');
    if (kind === 'xtitle' || kind === 'ytitle') add(kind, el);
  });
  div.querySelectorAll('.annotation-text-g').forEach((el) => add('annotation', el));
  div.querySelectorAll('.slider-container').forEach((el) => add('slider', el));
  div.querySelectorAll('.updatemenu-container').forEach((el) => add('menu', el));
  const untitledAxes = [];
  for (const key of Object.keys(div._fullLayout || {})) {
    const m = /^([xy])axis(\\d*)$/.exec(key);
    if (!m) continue;
    const title = div._fullLayout[key].title;
    const text = title && typeof title === 'object' ? title.text : title;
    if (!text || !String(text).trim()) untitledAxes.push(m[1] + m[2]);
  }
  return { id: div.id, boxes, untitledAxes };
})`;

/** Opens `file` at `widthPx` and waits until plotly has drawn every figure. */
export async function openReport(browser: Chromium, file: string, widthPx = SCREENSHOT_WIDTH_PX): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: widthPx, height: 900 });
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction("[...document.querySelectorAll('.fig')].every((d) => d.querySelector('.main-svg'))", undefined, { timeout: 30_000 });
  return page;
}

/** Every figure's text boxes in an open report. */
export async function figureBoxes(page: Page): Promise<FigureBoxes[]> {
  return (await page.evaluate(`(${COLLECT_BOXES})()`)) as FigureBoxes[];
}

function intersects(a: TextBox, b: TextBox, slackPx: number): boolean {
  return a.x + slackPx < b.x + b.width && b.x + slackPx < a.x + a.width && a.y + slackPx < b.y + b.height && b.y + slackPx < a.y + a.height;
}

/**
 * What a reader would call broken in a figure: an axis without a title, and any two text boxes that
 * overlap (by more than `slackPx` on each side; annotations may overlap one another, as in subplot
 * labels placed by the figure itself). One line per problem.
 */
export function layoutProblems(figure: FigureBoxes, slackPx = 1): string[] {
  const problems = figure.untitledAxes.map((axis) => `${figure.id}: axis ${axis} has no title`);
  const { boxes } = figure;
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i], boxes[j]];
      if (a.kind === 'annotation' && b.kind === 'annotation') continue;
      if (intersects(a, b, slackPx)) problems.push(`${figure.id}: ${a.kind} "${a.text.slice(0, 40)}" overlaps ${b.kind} "${b.text.slice(0, 40)}"`);
    }
  }
  return problems;
}

/** A full-page PNG of an open report. */
export async function screenshot(page: Page, pngFile: string): Promise<void> {
  await page.screenshot({ path: pngFile, fullPage: true });
}

/** One PNG per report section that holds a figure (heading, text and figure), named `${prefix}-<figure id>.png`; returns the files. */
export async function screenshotFigures(page: Page, prefix: string): Promise<string[]> {
  const files: string[] = [];
  const sections = page.locator('section:has(.fig)');
  for (let i = 0; i < (await sections.count()); i++) {
    const section = sections.nth(i);
    const id = await section.locator('.fig').getAttribute('id');
    const file = `${prefix}-${id}.png`;
    await section.screenshot({ path: file });
    files.push(file);
  }
  return files;
}
