/**
 * A partial result folder: `shard.json` (the job's input and hash, which share of the tasks it holds)
 * and `tasks/<id>.json`, one file per finished task with its own provenance, written at once when the
 * task finishes (atomically: a killed shard leaves only whole files). Shards, and `merge --resume`'s
 * re-runs, all write this one layout; `merge` reads it.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_VERSION, writeFileAtomic } from '../io/output.ts';
import { fromExactJson, toExactJson } from './exact-json.ts';
import type { JobInput } from './job.ts';

export interface ShardManifest {
  readonly kind: 'meanfield.shard';
  readonly hash: string;
  readonly job: JobInput;
  /** k of n (k = 0 … n − 1), or null for the tasks a merge re-ran itself. */
  readonly shard: { readonly index: number; readonly count: number } | null;
  /** The ids of the tasks this folder is responsible for. */
  readonly tasks: readonly string[];
}

/** Where and how one task was computed. */
export interface TaskProvenance {
  readonly id: string;
  readonly shard: string;
  readonly host: string;
  readonly version: string;
  readonly node: string;
  readonly finishedAt: string;
  /** Wall time from the shard's start of work to this task's end (tasks share the shard's workers). */
  readonly shardElapsedMs: number;
}

interface TaskFile {
  readonly hash: string;
  readonly id: string;
  readonly provenance: TaskProvenance;
  readonly result: unknown;
}

const MANIFEST = 'shard.json';
const TASKS = 'tasks';

export function readManifest(dir: string): ShardManifest | null {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) return null;
  const data = JSON.parse(readFileSync(path, 'utf8')) as ShardManifest;
  if (data.kind !== 'meanfield.shard') throw new Error(`${path} is not a meanfield shard manifest`);
  return data;
}

export function writeManifest(dir: string, manifest: ShardManifest): void {
  writeFileAtomic(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

function taskPath(dir: string, id: string): string {
  return join(dir, TASKS, `${id}.json`);
}

export function saveTask(dir: string, hash: string, id: string, provenance: TaskProvenance, result: unknown): void {
  writeFileAtomic(taskPath(dir, id), toExactJson({ hash, id, provenance, result } satisfies TaskFile));
}

export function taskProvenance(id: string, shard: string, shardElapsedMs: number): TaskProvenance {
  return { id, shard, host: hostname(), version: PACKAGE_VERSION, node: process.version, finishedAt: new Date().toISOString(), shardElapsedMs };
}

/** The ids of the finished tasks of job `hash` in a folder (files of another job are ignored). */
export function finishedTaskIds(dir: string, hash: string): Set<string> {
  const ids = new Set<string>();
  const folder = join(dir, TASKS);
  if (!existsSync(folder)) return ids;
  for (const name of readdirSync(folder)) {
    if (!name.endsWith('.json')) continue;
    // the hash is the file's first field: read only its head
    const fd = openSync(join(folder, name), 'r');
    const buffer = Buffer.alloc(100);
    const bytes = readSync(fd, buffer, 0, buffer.length, 0);
    closeSync(fd);
    const head = buffer.toString('utf8', 0, bytes);
    if (head.startsWith(`{"hash":"${hash}"`)) ids.add(name.slice(0, -'.json'.length));
  }
  return ids;
}

/** One finished task of a folder (its result decoded exactly) or null if absent or damaged. */
export function loadTask(dir: string, hash: string, id: string): { result: unknown; provenance: TaskProvenance } | null {
  const path = taskPath(dir, id);
  if (!existsSync(path)) return null;
  try {
    const data = fromExactJson<TaskFile>(readFileSync(path, 'utf8'));
    return data.hash === hash && data.id === id ? { result: data.result, provenance: data.provenance } : null;
  } catch {
    return null; // a damaged file counts as missing: the task is re-run
  }
}
