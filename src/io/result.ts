/**
 * One result writer for every command: `result.json` (every number, with the spec and provenance
 * that produced it) and `report.html` (the figures), published together.
 *
 * Publishing: both files are written into a fresh temporary folder beside the target
 * (`<parent>/.<name>.publish-<pid>-<n>`); the old target (if any) is renamed aside
 * (`.<name>.old-<pid>-<n>`), the temporary folder renamed into its place, the old folder's other
 * entries (checkpoints, exported data, files of the user) moved into the new one, and the old folder
 * (holding only the previous result files) removed. So a reader sees the old pair or the new pair,
 * never a mix, and a killed run leaves at most a hidden temporary folder. Those of processes that no
 * longer exist are cleaned at the next publish beside the same target (an `old` folder's carried
 * entries are first moved back).
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../errors.ts';
import { renderReport, type ReportSection } from '../plot/html-report.ts';
import { toJson } from './output.ts';
import { renameRiskKeys } from './risk-name.ts';

export interface ResultFiles {
  readonly json: string;
  readonly html: string;
}

/** The entries of a results folder that belong to one result (replaced as a whole by the next one). */
export const RESULT_ENTRIES: readonly string[] = ['result.json', 'report.html', 'figures'];

/**
 * Writes `result` as dir/result.json and the report of `sections` as dir/report.html, published
 * together. With a `riskName` (the model's word for R, src/model.ts) every risk key outside `spec` and
 * `provenance` is renamed to it (src/io/risk-name.ts).
 */
export function writeResult(dir: string, result: { provenance: unknown; spec?: unknown; riskName?: string }, report: { title: string; sections: ReportSection[] }): ResultFiles {
  const { provenance, spec, riskName, ...rest } = result;
  const json = toJson(riskName ? { riskName, ...(renameRiskKeys(rest, riskName) as object), provenance, spec } : result);
  const html = renderReport(report.title, report.sections, { provenance: result.provenance, spec: result.spec });
  publishFolder(dir, (tmp) => {
    writeFileSync(join(tmp, 'result.json'), json);
    writeFileSync(join(tmp, 'report.html'), html);
  });
  return { json: join(dir, 'result.json'), html: join(dir, 'report.html') };
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Moves every entry of `from` that is not a result entry and not already in `to` into `to`. */
function carryOver(from: string, to: string): void {
  for (const name of readdirSync(from)) {
    if (!RESULT_ENTRIES.includes(name) && !existsSync(join(to, name))) renameSync(join(from, name), join(to, name));
  }
}

const TEMPORARY = /^\.(.+)\.(publish|old)-(\d+)-\d+$/;

/** Removes the temporaries of dead processes beside `target` (restoring what an `old` folder carried). */
export function cleanStaleTemporaries(target: string): void {
  const parent = dirname(resolve(target));
  const name = basename(resolve(target));
  if (!existsSync(parent)) return;
  for (const entry of readdirSync(parent)) {
    const m = TEMPORARY.exec(entry);
    if (!m || m[1] !== name || processAlive(Number(m[3]))) continue;
    const path = join(parent, entry);
    if (m[2] === 'old' && existsSync(target) && statSync(target).isDirectory()) carryOver(path, target);
    rmSync(path, { recursive: true, force: true });
  }
}

let sequence = 0;

/** `target` must be a folder we may replace: not a file, not the working directory or one above it. */
function checkTarget(target: string): void {
  const full = resolve(target);
  const rel = relative(full, process.cwd());
  if (rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep))) {
    throw new ConfigError('--out', `${target} is the working folder or contains it; results are published by replacing the folder, so give a subfolder (e.g. --out out/run1)`);
  }
  if (existsSync(full) && !statSync(full).isDirectory()) throw new ConfigError('--out', `${target} exists and is not a folder`);
}

/**
 * Publishes a folder: `write(tmp)` fills a fresh temporary folder beside `target`, which then
 * replaces the result entries of `target` in one rename (see the module comment).
 */
export function publishFolder(target: string, write: (tmp: string) => void): void {
  checkTarget(target);
  const full = resolve(target);
  const parent = dirname(full);
  const name = basename(full);
  mkdirSync(parent, { recursive: true });
  cleanStaleTemporaries(full);
  const tag = `${process.pid}-${sequence++}`;
  const tmp = join(parent, `.${name}.publish-${tag}`);
  mkdirSync(tmp);
  try {
    write(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  if (!existsSync(full)) {
    renameSync(tmp, full);
    return;
  }
  const old = join(parent, `.${name}.old-${tag}`);
  renameSync(full, old);
  renameSync(tmp, full);
  carryOver(old, full);
  rmSync(old, { recursive: true, force: true });
}
