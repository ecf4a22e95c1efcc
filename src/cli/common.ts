/**
 * What every command shares: reading a spec file, flags, the interrupt flag and progress lines.
 * A ConfigError exits 2 with its message, a UsageError 2 with the usage, anything else 1 (src/cli/main.ts).
 */
import { mkdtempSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors.ts';
import { parseSpec, type Spec, type SpecOptions } from '../spec/index.ts';

export class UsageError extends Error {}

/** Bad input that is not the spec (an output folder, a file given on the line): exit 2 with one line, no usage text. */
export class InputError extends Error {}

/**
 * Checks before a run that `dir` can be the output folder: an existing folder we may write in, or a path
 * whose nearest existing ancestor is such a folder. Otherwise an InputError naming the flag and the path.
 */
export function checkOutputDir(dir: string, flag = '--out'): void {
  let path = resolve(dir);
  for (;;) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      const parent = dirname(path);
      if (parent === path) break;
      path = parent;
      continue;
    }
    if (!isDirectory) throw new InputError(`${flag} ${dir}: ${path} is an existing file, not a folder (choose another ${flag})`);
    try {
      rmdirSync(mkdtempSync(join(path, '.meanfield-probe-'))); // a real write: permission bits lie to root and on read-only mounts
    } catch (e) {
      throw new InputError(`${flag} ${dir}: cannot write in ${path} (${(e as { code?: string }).code ?? (e as Error).message})`);
    }
    return;
  }
}

/** Parsed JSON of a spec file (UsageError if unreadable, ConfigError if not JSON). */
export function readJson(path: string | undefined): unknown {
  if (!path) throw new UsageError('missing <spec.json>');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read spec ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError('config', `${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** A validated spec from a file; plug-in model paths resolve against the file's folder. */
export async function readSpec(path: string | undefined, options: Omit<SpecOptions, 'baseDir'> = {}): Promise<Spec> {
  const raw = readJson(path);
  return parseSpec(raw, { ...options, baseDir: dirname(resolve(path!)) });
}

/** A comma-separated list of numbers satisfying `rule` (ConfigError naming the flag and entry otherwise). */
export function numberList(text: string | undefined, name: string, rule: (x: number) => boolean, allowed: string): number[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((s, i) => {
    const x = Number(s);
    if (s.trim() === '' || !Number.isFinite(x) || !rule(x)) throw new ConfigError(`${name}[${i}]`, `must be ${allowed} (got ${JSON.stringify(s)})`);
    return x;
  });
}

/** One integer flag >= min. */
export function integerFlag(text: string | undefined, name: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const x = Number(text);
  if (!Number.isInteger(x) || x < min) throw new ConfigError(name, `must be an integer >= ${min} (got ${JSON.stringify(text)})`);
  return x;
}

/** SIGINT → a flag the long loops poll; a second Ctrl-C exits at once. */
export function interruptFlag(): { stopped: () => boolean; dispose: () => void } {
  let stopped = false;
  const handler = (): void => {
    if (stopped) process.exit(130);
    stopped = true;
    process.stderr.write('\ninterrupt: finishing the current step and writing completed work (Ctrl-C again to abort)\n');
  };
  process.on('SIGINT', handler);
  return { stopped: () => stopped, dispose: () => process.off('SIGINT', handler) };
}

/** Runs `body` with an interrupt flag installed. */
export async function withInterrupt<T>(body: (stopped: () => boolean) => Promise<T>): Promise<T> {
  const interrupt = interruptFlag();
  try {
    return await body(interrupt.stopped);
  } finally {
    interrupt.dispose();
  }
}

/** A progress line on stderr (overwritten in place), or nothing when quiet. */
export function progressLine(quiet: boolean): ((message: string) => void) | undefined {
  return quiet ? undefined : (message) => process.stderr.write(`${message}          \r`);
}

/** Ends the progress line. */
export function endProgress(quiet: boolean): void {
  if (!quiet) process.stderr.write('\n');
}

/** `--format svg,pdf,png` (html is always written): renders the report's figures after a run. */
export async function exportIfAsked(dir: string, format: string | undefined): Promise<void> {
  if (format === undefined) return;
  const formats = format.split(',').map((f) => f.trim()).filter((f) => f !== '' && f !== 'html');
  if (formats.length === 0) return;
  const { exportFigures } = await import('../plot/export.ts');
  const written = await exportFigures(dir, formats);
  if (written.length > 0) console.log(`wrote ${written.length} figure file(s) in ${dir}/figures`);
}
