/**
 * Paper figures: every plotly figure of a report rendered to SVG, PDF and PNG by headless Chromium
 * (playwright-core driving the system's browser; nothing is downloaded).
 *
 * Each figure is restyled for print by paperFigure() at its paperSize() (3.4 × 2.6 in for a single
 * panel, 7 in wide for a subplot grid) unless a size is given, and written as
 *   <out>/<slug>.svg  vector, width and height in inches
 *   <out>/<slug>.pdf  vector, one page of exactly the figure's size
 *   <out>/<slug>.png  raster at `dpi` (default 300): round(width·dpi) × round(height·dpi) px, the
 *                     DPI recorded in the file (pHYs) so that documents place it at its size
 *   <out>/figures.pdf every figure, one page each, in report order (with pdf)
 * where <slug> is the section title in lower-case ASCII (figureSlug). exportFigures(dir) reads
 * <dir>/report.html and writes into <dir>/figures/.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ConfigError, InputError } from '../errors.ts';
import { DEFAULT_DPI, isScreenOnly, paperFigure, paperSize, type PaperSize } from './figures.ts';
import { plotlyScript, readReportFigures, type TitledFigure } from './html-report.ts';

export const EXPORT_FORMATS = ['svg', 'pdf', 'png'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  /** Width of every figure in inches; default: the figure's paperSize(). */
  widthIn?: number;
  /** Height of every figure in inches; default: the figure's paperSize(). */
  heightIn?: number;
  /** PNG resolution in dots per inch; default 300. */
  dpi?: number;
}

/** No Chromium to render with: the CLI prints the message (which says how to install one) and exits 1. */
export class BrowserNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BrowserNotFoundError';
  }
}

const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const INSTALL_HINT = 'install it with: apt-get install -y chromium (or set MEANFIELD_CHROMIUM to a Chromium or Chrome executable)';

/** The browser to render with: $MEANFIELD_CHROMIUM, else the first of `paths` that exists. */
export function findChromium(env: NodeJS.ProcessEnv = process.env, paths: readonly string[] = CHROMIUM_PATHS): string {
  const chosen = env.MEANFIELD_CHROMIUM;
  if (chosen) {
    if (existsSync(chosen)) return chosen;
    throw new BrowserNotFoundError(`figure export renders with Chromium, and MEANFIELD_CHROMIUM=${chosen} does not exist; ${INSTALL_HINT}`);
  }
  const found = paths.find((path) => existsSync(path));
  if (found === undefined) throw new BrowserNotFoundError(`figure export renders with Chromium and found none at ${paths.join(', ')}; ${INSTALL_HINT}`);
  return found;
}

/**
 * Headless, and quiet on the network: no sandbox (CI runs as root, where Chromium refuses one), no
 * GPU, and none of the background services (updates, sync, QUIC) that would phone home.
 */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Chromium {
  context: BrowserContext;
  /** Closes the browser and deletes its throw-away profile. */
  close(): Promise<void>;
}

/** Starts findChromium()'s browser with a fresh profile in a temporary folder. */
export async function launchChromium(): Promise<Chromium> {
  const executablePath = findChromium();
  const profile = mkdtempSync(join(tmpdir(), 'meanfield-chromium-'));
  const removeProfile = (): void => rmSync(profile, { recursive: true, force: true });
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: CHROMIUM_ARGS });
  } catch (e) {
    removeProfile();
    throw e;
  }
  return {
    context,
    close: async () => {
      await context.close();
      removeProfile();
    },
  };
}

/** Lower-case Greek letters α..ω (with final ς) by code point, so "ρ̄_t" becomes "rho-t". */
const GREEK_NAMES = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma sigma tau upsilon phi chi psi omega'.split(' ');

/** A file name for a figure: its title in lower-case ASCII words joined by "-" ("Radial density ρ̄_t(r)" → "radial-density-rho-t-r"). */
export function figureSlug(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // accents and bars, split off by NFKD
    .toLowerCase()
    .replace(/[α-ω]/g, (c) => ` ${GREEK_NAMES[c.charCodeAt(0) - 0x3b1]} `)
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * figureSlug of each title, made unique by "-2", "-3", ... in order ("figures" is taken by the
 * combined figures.pdf); "figure-N" for a title with no letters or digits.
 */
export function figureSlugs(titles: readonly string[]): string[] {
  const used = new Set<string>(['figures']);
  return titles.map((title, i) => {
    const base = figureSlug(title) || `figure-${i + 1}`;
    let slug = base;
    for (let k = 2; used.has(slug); k++) slug = `${base}-${k}`;
    used.add(slug);
    return slug;
  });
}

/** Chromium's canvas limit per side (and 16384² is its area limit). */
const MAX_PNG_SIDE_PX = 16384;

function checkedFormats(formats: readonly string[]): ExportFormat[] {
  const allowed = EXPORT_FORMATS as readonly string[];
  if (formats.length === 0 || formats.some((f) => !allowed.includes(f))) {
    throw new ConfigError('--format', `must be a comma-separated list of ${EXPORT_FORMATS.join(', ')} (got ${JSON.stringify(formats.join(','))})`);
  }
  return [...new Set(formats)] as ExportFormat[];
}

function checkedRange(value: number | undefined, field: string, lo: number, hi: number, unit: string): void {
  if (value !== undefined && !(Number.isFinite(value) && value >= lo && value <= hi)) throw new ConfigError(field, `must be ${unit} in [${lo}, ${hi}] (got ${value})`);
}

function figureSize(figure: TitledFigure, options: ExportOptions): PaperSize {
  const size = paperSize(figure.figure);
  return { widthIn: options.widthIn ?? size.widthIn, heightIn: options.heightIn ?? size.heightIn };
}

/** Calls the browser-side function `source` (plain JavaScript, so no build step rewrites it) with `arg` as JSON. */
function callInPage<T>(page: Page, source: string, arg: unknown): Promise<T> {
  return page.evaluate(`(${source})(${JSON.stringify(arg)})`) as Promise<T>;
}

/** Plotly's own SVG of a figure (text as <text>, so it stays editable and searchable). */
const RENDER_SVG = `async (figure) => {
  const url = await Plotly.toImage(figure, { format: 'svg', width: figure.layout.width, height: figure.layout.height });
  return decodeURIComponent(url.slice(url.indexOf(',') + 1));
}`;

/** The SVG drawn onto a white canvas of exactly width × height px; the PNG as base64. */
const RASTERIZE = `async ({ svg, width, height }) => {
  const image = new Image();
  image.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg);
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  context.fillStyle = '#fff';
  context.fillRect(0, 0, width, height);
  context.drawImage(image, 0, 0, width, height);
  const url = canvas.toDataURL('image/png');
  return url.slice(url.indexOf(',') + 1);
}`;

/** The SVG with its size in inches, so that it is placed at print size (its viewBox keeps the CSS px coordinates). */
function svgInInches(svg: string, size: PaperSize): string {
  return svg.replace(/^<svg([^>]*?) width="[^"]*" height="[^"]*"/, `<svg$1 width="${size.widthIn}in" height="${size.heightIn}in"`);
}

/** The PNG with a pHYs chunk after IHDR stating its resolution (PNG spec §11.3.5.3: pixels per metre). */
function pngWithDpi(png: Buffer, dpi: number): Buffer {
  const ihdrEnd = 8 + 4 + 4 + 13 + 4; // signature, then IHDR's length, type, data and CRC
  const pixelsPerMetre = Math.round(dpi / 0.0254);
  const chunk = Buffer.alloc(4 + 4 + 9 + 4);
  chunk.writeUInt32BE(9, 0);
  chunk.write('pHYs', 4, 'ascii');
  chunk.writeUInt32BE(pixelsPerMetre, 8);
  chunk.writeUInt32BE(pixelsPerMetre, 12);
  chunk.writeUInt8(1, 16); // unit: metre
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 17)), 17);
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

/** A print page per SVG, each of its own size in inches (CSS named pages). */
function printPages(figures: readonly { svg: string; size: PaperSize }[]): string {
  const styles = figures.map(({ size }, i) => `@page p${i} { size: ${size.widthIn}in ${size.heightIn}in; margin: 0; } .p${i} { page: p${i}; width: ${size.widthIn}in; height: ${size.heightIn}in; }`);
  const pages = figures.map(({ svg }, i) => `<div class="page p${i}">${svg}</div>`);
  return `<!doctype html><html><head><meta charset="utf-8"><style>
html, body { margin: 0; padding: 0; }
.page { overflow: hidden; break-after: page; }
.page:last-child { break-after: auto; }
.page > svg { display: block; width: 100%; height: 100%; }
${styles.join('\n')}
</style></head><body>${pages.join('')}</body></html>`;
}

async function printPdf(page: Page, figures: readonly { svg: string; size: PaperSize }[]): Promise<Buffer> {
  await page.setContent(printPages(figures));
  return page.pdf({ preferCSSPageSize: true, printBackground: true });
}

/**
 * Renders `figures` into `outDir` (created if missing) in each of `formats` (see the file comment
 * for names and sizes); returns the paths written, in order. Throws BrowserNotFoundError without a
 * browser and ConfigError for a bad format, size or dpi.
 */
export async function exportFigureSpecs(figures: readonly TitledFigure[], outDir: string, formats: readonly string[], options: ExportOptions = {}): Promise<string[]> {
  const wanted = checkedFormats(formats);
  checkedRange(options.widthIn, '--width-in', 0.5, 20, 'a width in inches');
  checkedRange(options.heightIn, '--height-in', 0.5, 20, 'a height in inches');
  checkedRange(options.dpi, '--dpi', 50, 1200, 'a resolution in dots per inch');
  const dpi = options.dpi ?? DEFAULT_DPI;
  const sizes = figures.map((f) => figureSize(f, options));
  if (wanted.includes('png')) {
    sizes.forEach((size, i) => {
      const side = Math.round(Math.max(size.widthIn, size.heightIn) * dpi);
      if (side > MAX_PNG_SIDE_PX) throw new ConfigError('--dpi', `${dpi} dpi makes figure "${figures[i].title}" ${side} px on a side; at most ${MAX_PNG_SIDE_PX}`);
    });
  }
  if (figures.length === 0) return [];
  const slugs = figureSlugs(figures.map((f) => f.title));
  const written: string[] = [];
  const write = (name: string, content: string | Buffer): void => {
    const path = join(outDir, name);
    writeFileSync(path, content);
    written.push(path);
  };
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>');
    await page.addScriptTag({ content: plotlyScript() });
    mkdirSync(outDir, { recursive: true });
    const rendered: { svg: string; size: PaperSize }[] = [];
    for (let i = 0; i < figures.length; i++) {
      const size = sizes[i];
      const svg = await callInPage<string>(page, RENDER_SVG, paperFigure(figures[i].figure, size));
      rendered.push({ svg, size });
      if (wanted.includes('svg')) write(`${slugs[i]}.svg`, svgInInches(svg, size));
      if (wanted.includes('png')) {
        const base64 = await callInPage<string>(page, RASTERIZE, { svg, width: Math.round(size.widthIn * dpi), height: Math.round(size.heightIn * dpi) });
        write(`${slugs[i]}.png`, pngWithDpi(Buffer.from(base64, 'base64'), dpi));
      }
    }
    if (wanted.includes('pdf')) {
      for (let i = 0; i < figures.length; i++) write(`${slugs[i]}.pdf`, await printPdf(page, [rendered[i]]));
      write('figures.pdf', await printPdf(page, rendered));
    }
  } finally {
    await browser.close();
  }
  return written;
}

/** The folder exportFigures writes into. */
export function figuresDir(dir: string): string {
  return join(dir, 'figures');
}

/**
 * Re-renders the figures of an output folder from its report.html alone (nothing is re-run) into
 * <dir>/figures/, except screen-only ones (the time slider); returns the paths written. A report without figures writes nothing.
 */
export async function exportFigures(dir: string, formats: readonly string[], options: ExportOptions = {}): Promise<string[]> {
  const report = join(dir, 'report.html');
  if (!existsSync(report)) throw new InputError(`export ${dir}: ${dir} has no report.html (export re-renders the figures of a solve, compare, fluctuations or sweep output folder)`);
  const figures = readReportFigures(readFileSync(report, 'utf8')).filter((f) => !isScreenOnly(f.figure));
  return exportFigureSpecs(figures, figuresDir(dir), formats, options);
}

