/**
 * Ensembles of independent SGD replicas, optionally spread over worker threads.
 *
 * Replica k runs `simulate(model, { ...spec.options, stream: k })`, i.e. draws everything from
 * `new Rng(seed, k)` (and its test-risk stream k + 2³¹). Replicas share nothing, so the results are
 * bit-identical whatever the number of workers or the order in which workers pick replicas.
 *
 * Replicas are tasks of the project's worker pool (src/parallel/pool.ts: `replicaTask`); each worker
 * rebuilds the model from the plain-data model block `spec.model` (./replica.ts). Each worker costs
 * ~0.2 s to start; `workers: 0` runs the replicas one after another in the calling thread (blocking it).
 */
import { checkNumber } from '../io/validate.ts';
import { runReplica, type ReplicaSpec } from './replica.ts';
import type { ParticleRun } from './sgd.ts';
import { MAX_WORKERS, runTasks, type Task, type TaskContext } from '../parallel/pool.ts';

export { runReplica } from './replica.ts';

/** Plain data: the model block, its initial law and the run options (the stream is set per replica). */
export type EnsembleSpec = ReplicaSpec;

export interface EnsembleProgress {
  readonly replica: number;
  readonly step: number;
  readonly totalSteps: number;
  readonly replicasDone: number;
  readonly replicas: number;
}

export interface EnsembleControl {
  onProgress?(progress: EnsembleProgress): void;
  /** Polled every `pollMs` (default 100 ms) in the calling thread; true stops all replicas. */
  shouldStop?(): boolean;
  readonly pollMs?: number;
  /** Replicas already finished (e.g. loaded from a checkpoint): kept as they are, not run again. */
  readonly done?: ReadonlyMap<number, ParticleRun>;
  /** Called in the calling thread as each replica finishes (e.g. to checkpoint it). */
  onReplicaDone?(replica: number, run: ParticleRun): void;
}

export interface EnsembleResult {
  /** Runs by replica index; replicas that never started after a stop are null. */
  readonly runs: Array<ParticleRun | null>;
  /** True when every replica ran to its last save time. */
  readonly completed: boolean;
}

/** `runReplica` as a pool task (src/parallel/pool.ts); progress messages are `{ step, totalSteps }`. */
export function replicaTask(input: { spec: EnsembleSpec; replica: number }, context: TaskContext): Promise<ParticleRun> {
  return runReplica(input.spec, input.replica, {
    shouldStop: context.shouldStop,
    onProgress: (p) => context.progress({ step: p.step, totalSteps: p.totalSteps }),
  });
}

/** The pool task that runs replica `replica` of `spec`. */
export function replicaTaskOf(spec: EnsembleSpec, replica: number): Task<{ spec: EnsembleSpec; replica: number }> {
  return { module: import.meta.url, export: 'replicaTask', input: { spec, replica } };
}

/**
 * Runs replicas k = 0 … replicas−1 of `spec` on `workers` threads (0: in the calling thread).
 * Rejects with the first replica error (a ConfigError keeps its field).
 */
export async function runEnsemble(spec: EnsembleSpec, replicas: number, workers: number, control: EnsembleControl = {}): Promise<EnsembleResult> {
  checkNumber(replicas, 'ensemble.replicas', { integer: true, min: 1, max: 0x7fffffff });
  checkNumber(workers, 'ensemble.workers', { integer: true, min: 0, max: MAX_WORKERS });
  const runs: Array<ParticleRun | null> = new Array(replicas).fill(null);
  for (const [k, run] of control.done ?? []) if (k >= 0 && k < replicas && run.completed) runs[k] = run;
  const pending = runs.flatMap((r, k) => (r === null ? [k] : []));
  let done = replicas - pending.length;
  await runTasks<ParticleRun, { step: number; totalSteps: number }>(pending.map((k) => replicaTaskOf(spec, k)), {
    workers: Math.min(workers, pending.length),
    shouldStop: control.shouldStop,
    pollMs: control.pollMs ?? 100,
    onProgress: (i, p) => control.onProgress?.({ replica: pending[i], step: p.step, totalSteps: p.totalSteps, replicasDone: done, replicas }),
    onDone: (i, run) => {
      runs[pending[i]] = run;
      done++;
      if (run.completed) control.onReplicaDone?.(pending[i], run);
    },
  });
  return { runs, completed: runs.every((r) => r !== null && r.completed) };
}
