/**
 * What the cluster tests share: a small compare spec (seconds), a temporary folder, running the CLI as
 * a user would, and the comparison of two output folders "provenance aside": result.json and
 * report.html with their provenance blocks removed and the wall-clock timings that every run reports
 * (pde.ms, particles.stepsMs, a CLT ensemble's wallMs, … and their sentences in the report) masked,
 * since two unsharded runs differ there too. Everything else must be equal byte for byte.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const BIN = resolve(import.meta.dirname, '../../bin/meanfield.mjs');

export const SMALL_SPEC = {
  model: { name: 'isotropic-gaussians', delta: 0.8, d: 40, activation: { kind: 'mmn' } },
  init: { kind: 'gaussian', scale: 0.8 },
  grid: { rMax: 6, cells: 100 },
  saveTimes: [0, 0.2, 0.5],
  particles: { n: 50, epsilon: 1e-3, seeds: 1 },
  curveSteps: 4,
  seed: 7,
};

/** A small MMN Fig. 1 CLT study (the spec's "clt" block): 2 N × 3 replicas and the two predictions, 8 tasks. */
export const SMALL_CLT_SPEC = { ...SMALL_SPEC, saveTimes: [0, 0.1], clt: { ns: [30, 60], epsilons: [1e-3], seeds: 3, bootstrap: 20 } };

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `meanfield-${prefix}-`));
}

export function writeSpec(dir: string, spec: unknown, name = 'spec.json'): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(spec, null, 2));
  return path;
}

/** Runs `meanfield …`; returns exit code and output. */
export function meanfield(args: string[], cwd?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function commandExists(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock keys that every run reports and two unsharded runs differ in too: ms, stepsMs, wallMs, … */
const TIMING_KEY = /^(ms|[a-z]+Ms)$/;

/** result.json without provenance, its wall-clock timings (any `ms` / `…Ms` key) set to 0. */
export function normalizedResult(dir: string): string {
  const { provenance: _, ...rest } = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
  return JSON.stringify(rest, (key, value) => (TIMING_KEY.test(key) && typeof value === 'number' ? 0 : value), 2);
}

/** report.html without its provenance section and with the seconds of its timing sentences masked. */
export function normalizedReport(dir: string): string {
  return readFileSync(join(dir, 'report.html'), 'utf8')
    .replace(/<section><h2>Provenance<\/h2><pre>[\s\S]*?<\/pre><\/section>/, '')
    .replace(/(\(\d+ rejected\), )[\d.]+(?:e-?\d+)? s\./g, '$1… s.')
    .replace(/(Particles: )[\d.]+(?:e-?\d+)?( s of SGD steps)/g, '$1…$2')
    // the CLT study's wall time (a run on one machine states it; a merge lists the shards under Provenance)
    .replace(/Wall time \d+ s on \d+ worker\(s\) \(tasks \d+ s, analysis \d+ s\)\. /g, '')
    // the width study's PDE time
    .replace(/(PDE: [^<(]*\()[\d.]+( s\)\.)/g, '$1…$2');
}
