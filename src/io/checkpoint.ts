/**
 * Checkpoints of finished work, so that an interrupted run can be resumed (`--resume`) without
 * redoing it and end bit-identical to an uninterrupted run (the work is deterministic, so a finished
 * piece read back is the piece a new run would compute):
 *   - particle replicas: each completed replica is written to <folder>/replica-<k>.json as soon as it
 *     finishes (compare uses <out>/replicas/<run index>, the CLT study <out>/replicas/clt-<ensemble>);
 *   - PDE phases (the main solution, its check, the companion; src/pde `PhaseStore`): each finished
 *     one to <folder>/<phase>.bin in V8's serialization (typed arrays and doubles exactly), solve
 *     and compare use <out>/checkpoints/pde-<run index>.
 * Every file is tagged with a key (the JSON of everything that defines the piece). On resume only
 * files whose key matches are reused; anything else is ignored (and overwritten later). A replica's
 * key includes the version of the normal stream it drew from (src/rng.ts `NORMAL_SAMPLER`), so a
 * replica of another stream version is recomputed rather than mixed in.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { PdePhase, PhaseStore } from '../pde/index.ts';
import type { ParticleRun } from '../particles/sgd.ts';
import { NORMAL_SAMPLER } from '../rng.ts';
import { toJson, writeFileAtomic } from './output.ts';

/** The checkpoint folder of a results folder (carried over when a new result is published there). */
export function checkpointFolder(out: string, name: string): string {
  return join(out, 'checkpoints', name);
}

function writeBinaryAtomic(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/** Writes `value` with its key to `path` (V8 serialization: typed arrays and doubles exactly). */
export function saveCheckpoint(path: string, key: string, value: unknown): void {
  writeBinaryAtomic(path, serialize({ key, value }));
}

/** The value saved at `path` under `key`, or undefined (absent, another key, or damaged: then it is recomputed). */
export function loadCheckpoint<T>(path: string, key: string): T | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const data = deserialize(readFileSync(path)) as { key: string; value: T };
    return data.key === key ? data.value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * PDE phases in `folder` under `key`: `save` always writes; `load` returns a phase only when
 * `resume` is set and the stored key matches.
 */
export function phaseStore(folder: string, key: string, resume: boolean): PhaseStore {
  const path = (phase: PdePhase) => join(folder, `${phase}.bin`);
  return {
    load: <T>(phase: PdePhase) => (resume ? loadCheckpoint<T>(path(phase), key) : undefined),
    save: (phase, trajectory) => saveCheckpoint(path(phase), key, trajectory),
  };
}

const PREFIX = 'replica-';

function replicaPath(folder: string, k: number): string {
  return join(folder, `${PREFIX}${k}.json`);
}

export function saveReplica(folder: string, key: string, k: number, run: ParticleRun): void {
  writeFileAtomic(replicaPath(folder, k), toJson({ key, normalSampler: NORMAL_SAMPLER, replica: k, run }));
}

/** Revives the typed arrays of a run read back from JSON. */
function reviveRun(run: ParticleRun): ParticleRun {
  return {
    ...run,
    snapshots: run.snapshots.map((s) => ({ ...s, reduced: Float64Array.from(s.reduced as unknown as number[]) })),
    state: run.state && {
      ...run.state,
      w: Float64Array.from(run.state.w as unknown as number[]),
      a: Float64Array.from(run.state.a as unknown as number[]),
      b: Float64Array.from(run.state.b as unknown as number[]),
    },
  };
}

/** Completed replicas of a previous run with the same key. */
export function loadReplicas(folder: string, key: string): Map<number, ParticleRun> {
  const out = new Map<number, ParticleRun>();
  if (!existsSync(folder)) return out;
  for (const name of readdirSync(folder)) {
    if (!name.startsWith(PREFIX) || !name.endsWith('.json')) continue;
    try {
      const data = JSON.parse(readFileSync(join(folder, name), 'utf8')) as { key: string; normalSampler?: string; replica: number; run: ParticleRun };
      if (data.key === key && data.normalSampler === NORMAL_SAMPLER && data.run.completed) out.set(data.replica, reviveRun(data.run));
    } catch {
      // a damaged file is simply recomputed
    }
  }
  return out;
}
