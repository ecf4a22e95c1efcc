/**
 * The one progress reporter of the command line. A phase (a PDE solve, an ensemble, a sweep) reports
 * `update(fraction, detail)`; the reporter shows it
 *   - on a terminal: a cli-progress bar with the elapsed time and an ETA, redrawn in place;
 *   - otherwise (a log file, a pipe, CI): one plain line at a steady rate (every `intervalMs`,
 *     default 5 s or MEANFIELD_PROGRESS_SECONDS) and one when a phase that printed ends, e.g.
 *       `[12 s] compare: 41 % (PDE: t = 2.1 / 5 | replica 1: step 3000/10000), ~17 s left`;
 *   - nothing when quiet.
 * The ETA is elapsed · (1 − f) / f since the phase began (null until some progress is made).
 */
import { SingleBar } from 'cli-progress';

export interface Progress {
  /** Starts (or restarts) a phase: its label and when its clock starts. */
  phase(label: string): void;
  /** Progress of the current phase: fraction done in [0, 1] (null when unknown) and a one-line detail. */
  update(fraction: number | null, detail?: string): void;
  /** Shows the last update again with the current elapsed time and ETA (a timer calls it, so that a phase that reports rarely still shows it is alive). */
  refresh(): void;
  /** A message that must not be lost (an interrupt notice): printed on its own line. */
  note(message: string): void;
  /** Ends the display (the bar's line is finished). */
  done(): void;
}

export interface ProgressOptions {
  quiet?: boolean;
  /** Where to write (default process.stderr); a bar only if it is a TTY. */
  stream?: NodeJS.WriteStream | { write(s: string): boolean; isTTY?: boolean };
  /** Minimum time between two plain lines (default: env MEANFIELD_PROGRESS_SECONDS, else 5 s). */
  intervalMs?: number;
  /** Clock (for tests). */
  now?: () => number;
}

/** `s` seconds as `42 s`, `3 min 20 s` or `1 h 05 min`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** Estimated time left after `elapsedMs` at `fraction` done (null when nothing is done yet). */
export function etaMs(elapsedMs: number, fraction: number | null): number | null {
  if (fraction === null || !(fraction > 0)) return null;
  return (elapsedMs * (1 - Math.min(1, fraction))) / fraction;
}

/** The plain-line interval: MEANFIELD_PROGRESS_SECONDS (a number > 0) or 5 s. */
function defaultIntervalMs(): number {
  const s = Number(process.env.MEANFIELD_PROGRESS_SECONDS);
  return Number.isFinite(s) && s > 0 ? 1000 * s : 5000;
}

const SILENT: Progress = { phase: () => {}, update: () => {}, refresh: () => {}, note: () => {}, done: () => {} };

export function createProgress(options: ProgressOptions = {}): Progress {
  if (options.quiet) return SILENT;
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  return stream.isTTY ? barProgress(stream as NodeJS.WriteStream, now) : lineProgress(stream, options.intervalMs ?? defaultIntervalMs(), now);
}

function barProgress(stream: NodeJS.WriteStream, now: () => number): Progress {
  let label = '';
  let last: { fraction: number | null; detail: string } | null = null;
  let started = now();
  let bar: SingleBar | null = null;
  const format = (fraction: number | null, detail: string) => {
    const elapsed = now() - started;
    const eta = etaMs(elapsed, fraction);
    return { label, detail, elapsedText: formatDuration(elapsed), etaText: eta === null ? '?' : formatDuration(eta) };
  };
  const ensureBar = () => {
    if (bar) return bar;
    bar = new SingleBar({ stream, format: '{label} [{bar}] {percentage}% | {elapsedText}, ETA {etaText} | {detail}', hideCursor: false, clearOnComplete: false, etaBuffer: 1, fps: 5, linewrap: false });
    bar.start(1000, 0, format(0, ''));
    return bar;
  };
  const stopBar = () => {
    bar?.stop();
    bar = null;
  };
  return {
    phase(next) {
      stopBar();
      label = next;
      started = now();
      last = null;
    },
    update(fraction, detail = '') {
      last = { fraction, detail };
      ensureBar().update(Math.round(1000 * Math.min(1, Math.max(0, fraction ?? 0))), format(fraction, detail));
    },
    refresh() {
      if (last && bar) bar.update(Math.round(1000 * Math.min(1, Math.max(0, last.fraction ?? 0))), format(last.fraction, last.detail));
    },
    note(message) {
      stopBar();
      stream.write(`${message}\n`);
    },
    done() {
      stopBar();
      last = null;
    },
  };
}

function lineProgress(stream: { write(s: string): boolean }, intervalMs: number, now: () => number): Progress {
  let label = '';
  let started = now();
  let last = -Infinity;
  let pending: string | null = null;
  let latest: { fraction: number | null; detail: string } | null = null;
  const line = (fraction: number | null, detail: string) => {
    const elapsed = now() - started;
    const eta = etaMs(elapsed, fraction);
    const percent = fraction === null ? '' : ` ${(100 * Math.min(1, Math.max(0, fraction))).toFixed(0)} %`;
    return `[${formatDuration(elapsed)}] ${label}:${percent}${detail ? ` (${detail})` : ''}${eta === null ? '' : `, ~${formatDuration(eta)} left`}\n`;
  };
  const flush = () => {
    if (pending !== null) stream.write(pending);
    pending = null;
  };
  return {
    phase(next) {
      flush();
      label = next;
      started = now();
      last = now(); // the first line of a phase comes after one interval: short phases print nothing
      latest = null;
    },
    update(fraction, detail = '') {
      latest = { fraction, detail };
      pending = line(fraction, detail);
      if (now() - last >= intervalMs) {
        last = now();
        flush();
      }
    },
    refresh() {
      if (latest) this.update(latest.fraction, latest.detail);
    },
    note(message) {
      pending = null;
      stream.write(`${message}\n`);
    },
    done() {
      // the phase's last state, if it ran long enough to have printed anything
      if (pending !== null && now() - started >= intervalMs) flush();
      pending = null;
      latest = null;
    },
  };
}
