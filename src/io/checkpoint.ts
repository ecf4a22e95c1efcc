/**
 * Checkpoints of finished particle replicas, so that an interrupted ensemble can be resumed without
 * redoing finished work: each completed replica is written to <folder>/replica-<k>.json as soon as it
 * finishes (compare uses <out>/replicas/<run index>), tagged with a key (the JSON of everything that
 * defines the run). On resume,
 * only files whose key matches are reused; anything else is ignored (and overwritten later).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParticleRun } from '../particles/sgd.ts';
import { toJson, writeFileAtomic } from './output.ts';

const PREFIX = 'replica-';

function replicaPath(folder: string, k: number): string {
  return join(folder, `${PREFIX}${k}.json`);
}

export function saveReplica(folder: string, key: string, k: number, run: ParticleRun): void {
  writeFileAtomic(replicaPath(folder, k), toJson({ key, replica: k, run }));
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
      const data = JSON.parse(readFileSync(join(folder, name), 'utf8')) as { key: string; replica: number; run: ParticleRun };
      if (data.key === key && data.run.completed) out.set(data.replica, reviveRun(data.run));
    } catch {
      // a damaged file is simply recomputed
    }
  }
  return out;
}
