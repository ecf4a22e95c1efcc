/**
 * Ensembles of independent SGD replicas, optionally spread over worker threads.
 *
 * Replica k runs `simulate(model, { ...spec.options, stream: k })`, i.e. draws everything from
 * `new Rng(seed, k)` (and its test-risk stream k + 2³¹). Replicas share nothing, so the results are
 * bit-identical whatever the number of workers or the order in which workers pick replicas.
 *
 * Workers are started on bin/run-ts.mjs (which registers tsx, then imports ./ensemble-worker.ts;
 * tsx issue 354) and build the model from the plain-data `spec.model` (see ./model-registry.ts).
 * Each worker costs ~0.2 s to start; `workers: 0` runs the replicas one after another in the
 * calling thread (blocking it).
 */
import { Worker } from 'node:worker_threads';
import { ConfigError } from '../errors.ts';
import { checkNumber } from '../io/validate.ts';
import { runReplica, type ReplicaSpec } from './replica.ts';
import type { ParticleRun } from './sgd.ts';

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

const BOOTSTRAP = new URL('../../bin/run-ts.mjs', import.meta.url);
const WORKER_ENTRY = new URL('./ensemble-worker.ts', import.meta.url).href;

type WorkerMessage =
  | { type: 'progress'; replica: number; step: number; totalSteps: number }
  | { type: 'done'; replica: number; run: ParticleRun }
  | { type: 'error'; replica: number; name: string; message: string; field?: string };

/**
 * Runs replicas k = 0 … replicas−1 of `spec` on `workers` threads (0: in the calling thread).
 * Rejects with the first replica error (a ConfigError keeps its field).
 */
export async function runEnsemble(spec: EnsembleSpec, replicas: number, workers: number, control: EnsembleControl = {}): Promise<EnsembleResult> {
  checkNumber(replicas, 'ensemble.replicas', { integer: true, min: 1, max: 0x7fffffff });
  checkNumber(workers, 'ensemble.workers', { integer: true, min: 0, max: 256 });
  const runs: Array<ParticleRun | null> = new Array(replicas).fill(null);
  for (const [k, run] of control.done ?? []) if (k >= 0 && k < replicas && run.completed) runs[k] = run;
  const pending = runs.flatMap((r, k) => (r === null ? [k] : []));
  let done = replicas - pending.length;
  const progress = (replica: number, step: number, totalSteps: number) =>
    control.onProgress?.({ replica, step, totalSteps, replicasDone: done, replicas });

  if (workers === 0 || pending.length === 0) {
    for (const k of pending) {
      if (control.shouldStop?.()) break;
      const run = await runReplica(spec, k, {
        shouldStop: control.shouldStop,
        onProgress: (p) => progress(k, p.step, p.totalSteps),
      });
      runs[k] = run;
      done++;
      if (run.completed) control.onReplicaDone?.(k, run);
    }
    return { runs, completed: runs.every((r) => r !== null && r.completed) };
  }

  const stopFlag = new Int32Array(new SharedArrayBuffer(4));
  const pool = Array.from({ length: Math.min(workers, pending.length) }, () =>
    new Worker(BOOTSTRAP, { workerData: { entry: WORKER_ENTRY, stopFlag } }));
  let next = 0;
  let poll: ReturnType<typeof setInterval> | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      let active = 0;
      const dispatch = (worker: Worker) => {
        if (next < pending.length && Atomics.load(stopFlag, 0) === 0) {
          worker.postMessage({ type: 'run', spec, replica: pending[next++] });
          active++;
        }
        if (active === 0) resolve();
      };
      if (control.shouldStop) {
        poll = setInterval(() => {
          if (control.shouldStop!()) Atomics.store(stopFlag, 0, 1);
        }, control.pollMs ?? 100);
      }
      for (const worker of pool) {
        worker.on('message', (msg: WorkerMessage) => {
          if (msg.type === 'progress') progress(msg.replica, msg.step, msg.totalSteps);
          else if (msg.type === 'done') {
            runs[msg.replica] = msg.run;
            done++;
            if (msg.run.completed) control.onReplicaDone?.(msg.replica, msg.run);
            active--;
            dispatch(worker);
          } else {
            const err = msg.field !== undefined ? new ConfigError(msg.field, msg.message.replace(`${msg.field}: `, '')) : new Error(msg.message);
            if (msg.field === undefined) err.name = msg.name;
            reject(err);
          }
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (code !== 0) reject(new Error(`ensemble: worker exited with code ${code}`));
        });
      }
      pool.forEach(dispatch);
    });
  } finally {
    if (poll) clearInterval(poll);
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return { runs, completed: runs.every((r) => r !== null && r.completed) };
}
