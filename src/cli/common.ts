/**
 * What every command shares: reading a spec file, flags, the stop token (SIGINT/SIGTERM) and progress.
 * A ConfigError exits 2 with its message, a UsageError 2 with the usage, anything else 1 (src/cli/main.ts).
 */
import { mkdtempSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, InputError } from '../errors.ts';
import { createProgress, type Progress } from '../io/progress.ts';
import { parseSpec, type Spec, type SpecOptions } from '../spec/index.ts';
import { checkResources, type ResourceOptions } from '../spec/resources.ts';

export class UsageError extends Error {}

export { InputError } from '../errors.ts';

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

/** Refuses a spec that cannot fit this machine or finish (ConfigError); prints the estimate of a long run on stderr. */
export function announceResources(spec: Spec, options: ResourceOptions): void {
  for (const line of checkResources(spec, options)) process.stderr.write(`${line}\n`);
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
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text); // a byte-order mark (some Windows editors write one) is not JSON
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

/** One integer flag in [min, max] (the message names the flag, not the spec field it overrides). */
export function integerFlag(text: string | undefined, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (text === undefined) return undefined;
  const x = Number(text);
  if (!Number.isInteger(x) || x < min || x > max) throw new ConfigError(name, `must be an integer >= ${min}${max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : ''} (got ${JSON.stringify(text)})`);
  return x;
}

/** What a long run polls to know it should stop, and which signal asked. */
export interface StopToken {
  /** True once SIGINT or SIGTERM arrived (or `request` was called). */
  stopped(): boolean;
  /** The first signal received, or null. */
  readonly signal: NodeJS.Signals | null;
  /** The exit code of a run this stop cut short: 128 + signal number (130 for SIGINT, 143 for SIGTERM). */
  exitCode(): number;
  /** Stops as if `signal` had arrived (tests, programmatic use). */
  request(signal?: NodeJS.Signals): void;
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * A second signal sooner than this after the first is the same request delivered twice (`timeout` signals
 * the child and then its process group; npm forwards the terminal's Ctrl-C that the group already got).
 */
export const DUPLICATE_SIGNAL_MS = 1000;

/**
 * SIGINT and SIGTERM → a stop token the long loops poll (each phase stops after its current step and
 * the finished work is written); a second signal (DUPLICATE_SIGNAL_MS or more after the first) exits at
 * once with 128 + its number.
 */
export function interruptToken(notify: (message: string) => void = (m) => process.stderr.write(`\n${m}\n`)): StopToken & { dispose(): void } {
  let signal: NodeJS.Signals | null = null;
  let firstAt = 0;
  const request = (received: NodeJS.Signals = 'SIGINT'): void => {
    if (signal !== null) {
      if (performance.now() - firstAt < DUPLICATE_SIGNAL_MS) return;
      process.exit(SIGNAL_EXIT[received] ?? 130);
    }
    signal = received;
    firstAt = performance.now();
    notify(`${received}: finishing the current step and writing the completed work (send it again to abort at once)`);
  };
  const handlers = SIGNALS.map((s) => [s, () => request(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  return {
    stopped: () => signal !== null,
    get signal() {
      return signal;
    },
    exitCode: () => (signal !== null ? (SIGNAL_EXIT[signal] ?? 130) : 130),
    request,
    dispose: () => {
      for (const [s, h] of handlers) process.off(s, h);
    },
  };
}

/**
 * Runs `body` with a stop token installed and a progress reporter (src/io/progress.ts; silent when
 * quiet) refreshed once a second. An interrupt notice goes through the reporter so that it is not
 * overwritten by a bar.
 */
export async function withInterrupt<T>(quiet: boolean, body: (stop: StopToken, progress: Progress) => Promise<T>): Promise<T> {
  const progress = createProgress({ quiet });
  const token = interruptToken((m) => progress.note(m));
  // phases that report rarely (or block this thread between reports) still show elapsed time and ETA
  const ticker = setInterval(() => progress.refresh(), 1000);
  try {
    return await body(token, progress);
  } finally {
    clearInterval(ticker);
    progress.done();
    token.dispose();
  }
}

/** Progress messages that name their phase (e.g. the `solve` worker's) shown through `progress`. */
export function phaseReporter(progress: Progress): (p: { phase: string; fraction: number | null; detail: string }) => void {
  let current: string | null = null;
  return (p) => {
    if (p.phase !== current) progress.phase((current = p.phase));
    progress.update(p.fraction, p.detail);
  };
}

/**
 * Progress of a phase that reports in words (`"widths: 3/12 tasks …"`): the first `k/n` of a message
 * is its fraction done.
 */
export function messageReporter(progress: Progress, label: string): (message: string) => void {
  progress.phase(label);
  return (message) => {
    const m = /(\d+)\s*\/\s*(\d+)/.exec(message);
    progress.update(m && Number(m[2]) > 0 ? Number(m[1]) / Number(m[2]) : null, message);
  };
}

/** Runs `body` (work on another thread that reports no progress of its own) as phase `label`. */
export async function whileTicking<T>(progress: Progress, label: string, body: () => Promise<T>): Promise<T> {
  progress.phase(label);
  progress.update(null, 'running');
  try {
    return await body();
  } finally {
    progress.done();
  }
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
