/**
 * `meanfield export <dir>`: re-renders the figures of an existing output folder (its report.html)
 * as paper figures in <dir>/figures/ (src/plot/export.ts), and writes the arrays of its result.json
 * for Python users in <dir>/data/ (h5, npy: src/io/data-export.ts), without re-running anything.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.ts';
import { DATA_FORMATS, dataDir, exportData, isDataFormat } from '../io/data-export.ts';
import { BrowserNotFoundError, EXPORT_FORMATS, exportFigures, figuresDir } from '../plot/export.ts';

export const EXPORT_USAGE = `meanfield export <dir> [--format svg,pdf,png,h5,npy] [--width-in W] [--height-in H] [--dpi D]
                                                     paper figures of an output folder's report.html in
                                                     <dir>/figures (default: svg,pdf,png; 3.4 × 2.6 in
                                                     per panel, 7 in wide for panel grids, PNG at 300 dpi);
                                                     h5, npy: every array of its result.json in <dir>/data
                                                     (result.h5; npy/*.npy + npy/index.json)`;

function numberFlag(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const x = Number(text);
  if (text.trim() === '' || !Number.isFinite(x)) throw new ConfigError(name, `must be a number (got ${JSON.stringify(text)})`);
  return x;
}

/**
 * Exit codes as for every command: 0 done, 1 no browser to render with (the message says how to
 * install one), 2 bad usage (ConfigError and parseArgs errors are left to main's handler).
 */
export async function commandExport(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'svg,pdf,png' },
      'width-in': { type: 'string' },
      'height-in': { type: 'string' },
      dpi: { type: 'string' },
    },
  });
  const dir = positionals[0];
  if (dir === undefined || positionals.length > 1) {
    console.error(`meanfield export: ${dir === undefined ? 'missing <dir>' : `one folder at a time (got ${positionals.length})`}\n\nusage: ${EXPORT_USAGE}`);
    return 2;
  }
  const options = { widthIn: numberFlag(values['width-in'], '--width-in'), heightIn: numberFlag(values['height-in'], '--height-in'), dpi: numberFlag(values.dpi, '--dpi') };
  const formats = values.format!.split(',');
  const allowed: readonly string[] = [...EXPORT_FORMATS, ...DATA_FORMATS];
  if (formats.some((f) => !allowed.includes(f))) throw new ConfigError('--format', `must be a comma-separated list of ${allowed.join(', ')} (got ${JSON.stringify(values.format)})`);
  const data = formats.filter(isDataFormat);
  const figures = formats.filter((f) => !isDataFormat(f));
  if (data.length > 0) {
    const files = await exportData(dir, data);
    console.log(`wrote ${files.length} files to ${dataDir(dir)}`);
  }
  if (figures.length === 0) return 0;
  let files: string[];
  try {
    files = await exportFigures(dir, figures, options);
  } catch (e) {
    if (!(e instanceof BrowserNotFoundError)) throw e;
    console.error(`meanfield export: ${e.message}`);
    return 1;
  }
  if (files.length === 0) console.log(`${dir}/report.html has no figures; nothing written`);
  else console.log(`wrote ${files.length} files to ${figuresDir(dir)}:\n${files.map((f) => `  ${f}`).join('\n')}`);
  return 0;
}
