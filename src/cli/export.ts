/**
 * `meanfield export <dir>`: re-renders the figures of an existing output folder (its report.html)
 * as paper figures in <dir>/figures/, without re-running anything (src/plot/export.ts).
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.ts';
import { BrowserNotFoundError, exportFigures, figuresDir } from '../plot/export.ts';

export const EXPORT_USAGE = `meanfield export <dir> [--format svg,pdf,png] [--width-in W] [--height-in H] [--dpi D]
                                                     paper figures of an output folder's report.html in
                                                     <dir>/figures (default: all three formats, 3.4 × 2.6 in
                                                     per panel, 7 in wide for panel grids, PNG at 300 dpi)`;

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
  let files: string[];
  try {
    files = await exportFigures(dir, values.format!.split(','), options);
  } catch (e) {
    if (!(e instanceof BrowserNotFoundError)) throw e;
    console.error(`meanfield export: ${e.message}`);
    return 1;
  }
  if (files.length === 0) console.log(`${dir}/report.html has no figures; nothing written`);
  else console.log(`wrote ${files.length} files to ${figuresDir(dir)}:\n${files.map((f) => `  ${f}`).join('\n')}`);
  return 0;
}
