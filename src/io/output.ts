/**
 * Result files: provenance (package, version, seed, normal-sampler version, config, timings, Node version) and JSON
 * writing that turns typed arrays into plain arrays. Files are written to a temporary name and
 * renamed, so an interrupted run never leaves a half-written result.json behind.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NORMAL_SAMPLER } from '../rng.ts';
import type { Provenance } from '../types.ts';

const packageJson = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};

export const PACKAGE_NAME = packageJson.name;
export const PACKAGE_VERSION = packageJson.version;

export function makeProvenance(seed: number | null, timings: Record<string, number>, runs: readonly { readonly particles?: { readonly precision: 'float64' | 'float32' } }[] = []): Provenance {
  const precision = [...new Set(runs.flatMap((r) => (r.particles ? [r.particles.precision] : [])))];
  return {
    package: PACKAGE_NAME,
    version: PACKAGE_VERSION,
    seed,
    normalSampler: NORMAL_SAMPLER,
    createdAt: new Date().toISOString(),
    node: process.version,
    timings,
    ...(precision.length > 0 ? { precision } : {}),
  };
}

/** JSON replacer: typed arrays become plain arrays; non-finite numbers become null (JSON has no NaN). */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

export function toJson(value: unknown, pretty = false): string {
  return JSON.stringify(value, jsonReplacer, pretty ? 2 : undefined);
}

/** Atomically write `content` to `path` (creating the directory). */
export function writeFileAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}
