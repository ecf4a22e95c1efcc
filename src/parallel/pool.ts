/**
 * The one worker pool of the project: every job that runs on worker threads (SGD replicas, PDE
 * solves, CLT predictions, figure tasks) goes through `runTasks` or `runInWorker`.
 *
 * A task is plain data, `{ module, export, input }` (./protocol.ts): the worker imports `module`
 * (once per worker; file: URL, .ts allowed) and calls `fn(input, context)`, where `context` offers
 * `shouldStop()` and a rate-limited `progress(message)`. Inputs are copied into the worker; the
 * typed arrays of a result are transferred back where that is safe (see `transferables`).
 *
 * Stop: the caller's `shouldStop` is polled every `pollMs`; once true it raises one shared flag
 * (an Int32Array on a SharedArrayBuffer) that every running task sees through `context.shouldStop()`,
 * and no further task starts. Tasks that cannot stop cooperatively can instead be abandoned
 * (`stopMode: 'terminate'`: the workers are terminated and the call rejects with InterruptedError).
 *
 * Errors: the first task error rejects the call and terminates every worker. A ConfigError thrown
 * in a task is re-thrown here as a ConfigError with the same field and message; any other error as
 * an Error with the same name, message and stack text (the worker's).
 *
 * Reproducibility: a task's result depends only on its input (its random streams must come from
 * the input, e.g. replica k uses stream k), so results are bit-identical for any number of workers
 * and any order in which workers pick tasks.
 *
 * Workers start on bin/run-ts.mjs, which registers tsx and imports ./worker.ts (tsx issue 354);
 * each costs ~0.2 s to start and lives for one call. `workers: 0` runs the tasks one after another
 * in the calling thread (blocking it: no timer-driven polling, so `shouldStop` is called directly
 * by the tasks' checks).
 */
import { availableParallelism } from 'node:os';
import { isMainThread, Worker, workerData, type WorkerOptions } from 'node:worker_threads';
import { checkNumber } from '../io/validate.ts';
import { deserializeError, loadTaskFunction, rateLimited, type ReplyMessage, type RunMessage, type Task } from './protocol.ts';

export type { Task, TaskContext, TaskFunction } from './protocol.ts';

/** Most worker threads a pool starts (far above any core count this runs on; more is a typo). */
export const MAX_WORKERS = 256;

export interface PoolOptions<Result = unknown, Progress = unknown> {
  /** Worker threads (default: min(cores, tasks)); 0 runs every task in the calling thread. */
  workers?: number;
  /** Polled every `pollMs` (default 50 ms) in the calling thread; true stops the call (see `stopMode`). */
  shouldStop?: () => boolean;
  pollMs?: number;
  /**
   * 'flag' (default): running tasks see `context.shouldStop()` and return what they have; tasks not
   * yet started are not started (their result is null). 'terminate': the workers are terminated at
   * once and the call rejects with InterruptedError (for tasks that never check the flag; in the
   * calling thread a running task cannot be cut short, only the next one is not started).
   */
  stopMode?: 'flag' | 'terminate';
  /** Minimum time between two progress messages of one task (default 100 ms; the ones between are dropped). */
  progressMs?: number;
  /** Called in the calling thread with task `index`'s progress messages. */
  onProgress?: (index: number, message: Progress) => void;
  /** Called in the calling thread as each task finishes (e.g. to checkpoint it); a throw rejects the call. */
  onDone?: (index: number, result: Result) => void;
  /** The error the call rejects with when task `index` throws `error` (default: `error`), e.g. to say which run it belongs to. */
  taskError?: (index: number, error: unknown) => unknown;
}

export interface PoolResult<Result> {
  /** By task index; null for tasks that never started because of a stop. */
  readonly results: Array<Result | null>;
  /** False when a stop was requested (tasks may have returned early) or a task never started. */
  readonly completed: boolean;
}

/** The rejection of a call stopped with `stopMode: 'terminate'` (name 'Interrupted'). */
export class InterruptedError extends Error {
  constructor(message = 'interrupted before the task finished') {
    super(message);
    this.name = 'Interrupted';
  }
}

/** Runs `tasks` on a pool of worker threads (or in this thread for `workers: 0`). */
export function runTasks<Result, Progress = unknown>(tasks: readonly Task[], options: PoolOptions<Result, Progress> = {}): Promise<PoolResult<Result>> {
  return execute(tasks, options, false);
}

export type InWorkerOptions<Progress = unknown> = Omit<PoolOptions<unknown, Progress>, 'workers' | 'onProgress' | 'onDone'> & {
  onProgress?: (message: Progress) => void;
};

/**
 * One task on its own worker thread, so that the calling thread's event loop stays free (signals
 * such as Ctrl-C and progress reach it). The task always starts, even if a stop was already
 * requested: it then sees `context.shouldStop()` true at its first check.
 */
export async function runInWorker<Result, Progress = unknown>(task: Task, options: InWorkerOptions<Progress> = {}): Promise<Result> {
  const { onProgress, ...rest } = options;
  const { results } = await execute<Result, Progress>([task], { ...rest, workers: 1, onProgress: onProgress && ((_, message) => onProgress(message)) }, true);
  return results[0] as Result;
}

const BOOTSTRAP = new URL('../../bin/run-ts.mjs', import.meta.url);
const WORKER_ENTRY = new URL('./worker.ts', import.meta.url).href;

/**
 * A worker thread running the ES module `entry` (file: URL, .ts allowed) through bin/run-ts.mjs, with
 * `data` (plus `entry`) as its workerData; the one way the project starts a worker (the pool's, and the
 * kernels' helper thread, src/wasm/kernel-thread.ts).
 */
export function startWorker(entry: string, data: Record<string, unknown>, transferList: WorkerOptions['transferList'] = []): Worker {
  return new Worker(BOOTSTRAP, { workerData: { ...data, entry }, transferList });
}

/**
 * Threads of one pool call running side by side with this one: the pool's worker count inside one of its
 * workers, else 1. Code that could use a second core itself (the SGD kernels' helper thread) does so only
 * when this is 1: the pool already keeps the cores busy otherwise.
 */
export function poolSiblings(): number {
  return isMainThread ? 1 : ((workerData as { poolWorkers?: number } | null)?.poolWorkers ?? 1);
}

/** The caller's stop request as one shared flag: `poll()` asks `shouldStop` once and latches. */
function stopSignal(shouldStop: (() => boolean) | undefined) {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const raised = () => Atomics.load(flag, 0) !== 0;
  const poll = (): boolean => {
    if (!raised() && shouldStop?.()) Atomics.store(flag, 0, 1);
    return raised();
  };
  return { flag, raised, poll };
}
type StopSignal = ReturnType<typeof stopSignal>;

async function execute<Result, Progress>(tasks: readonly Task[], options: PoolOptions<Result, Progress>, firstAlwaysStarts: boolean): Promise<PoolResult<Result>> {
  const workers = checkNumber(options.workers ?? Math.min(availableParallelism(), tasks.length), 'workers', { integer: true, min: 0, max: MAX_WORKERS });
  const pollMs = checkNumber(options.pollMs ?? 50, 'pollMs', { above: 0 });
  const progressMs = checkNumber(options.progressMs ?? 100, 'progressMs', { min: 0 });
  const stop = stopSignal(options.shouldStop);
  const results: Array<Result | null> = new Array(tasks.length).fill(null);
  /** Whether task `index` may start now; after a 'terminate' stop, throws. */
  const mayStart = (index: number): boolean => {
    if (!stop.poll() || (firstAlwaysStarts && index === 0)) return true;
    if (options.stopMode === 'terminate') throw new InterruptedError();
    return false;
  };
  const run = { tasks, options, results, stop, mayStart, progressMs, pollMs };
  if (tasks.length > 0) await (workers === 0 ? runInline(run) : runOnWorkers(run, Math.min(workers, tasks.length)));
  return { results, completed: !stop.raised() && results.every((r) => r !== null) };
}

interface Run<Result, Progress> {
  tasks: readonly Task[];
  options: PoolOptions<Result, Progress>;
  results: Array<Result | null>;
  stop: StopSignal;
  mayStart(index: number): boolean;
  progressMs: number;
  pollMs: number;
}

function taskError(options: { taskError?: (index: number, error: unknown) => unknown }, index: number, error: unknown): unknown {
  return options.taskError ? options.taskError(index, error) : error;
}

async function runInline<Result, Progress>({ tasks, options, results, stop, mayStart, progressMs }: Run<Result, Progress>): Promise<void> {
  for (let index = 0; index < tasks.length && mayStart(index); index++) {
    const fn = await loadTaskFunction(tasks[index]);
    const progress = rateLimited(progressMs, (message) => options.onProgress?.(index, message as Progress));
    let result: Result;
    try {
      result = (await fn(tasks[index].input, { shouldStop: stop.poll, progress })) as Result;
    } catch (err) {
      throw taskError(options, index, err);
    }
    results[index] = result;
    options.onDone?.(index, result);
  }
}

async function runOnWorkers<Result, Progress>({ tasks, options, results, stop, mayStart, progressMs, pollMs }: Run<Result, Progress>, count: number): Promise<void> {
  const pool: Worker[] = [];
  let poll: ReturnType<typeof setInterval> | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      let next = 0;
      let active = 0;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        reject(err);
      };
      /** Gives `worker` the next task, or resolves once nothing is left to start or running. */
      const dispatch = (worker: Worker) => {
        if (settled) return;
        try {
          if (next < tasks.length && mayStart(next)) {
            const index = next++;
            active++;
            worker.postMessage({ index, task: tasks[index], progressMs } satisfies RunMessage);
          } else if (active === 0) {
            settled = true;
            resolve();
          }
        } catch (err) {
          fail(err);
        }
      };
      if (options.shouldStop) {
        poll = setInterval(() => {
          try {
            if (stop.poll() && options.stopMode === 'terminate') fail(new InterruptedError());
          } catch (err) {
            fail(err);
          }
        }, pollMs);
      }
      for (let w = 0; w < count; w++) {
        const worker = startWorker(WORKER_ENTRY, { stopFlag: stop.flag, poolWorkers: count });
        pool.push(worker);
        worker.on('message', (msg: ReplyMessage) => {
          if (settled) return;
          try {
            if (msg.type === 'progress') options.onProgress?.(msg.index, msg.message as Progress);
            else if (msg.type === 'error') fail(taskError(options, msg.index, deserializeError(msg.error)));
            else {
              results[msg.index] = msg.result as Result;
              active--;
              options.onDone?.(msg.index, msg.result as Result);
              dispatch(worker);
            }
          } catch (err) {
            fail(err);
          }
        });
        worker.on('error', fail);
        worker.on('messageerror', fail);
        worker.on('exit', (code) => fail(new Error(`pool: a worker thread exited (code ${code}) before its tasks were done`)));
      }
      pool.forEach(dispatch);
    });
  } finally {
    if (poll) clearInterval(poll);
    await Promise.all(pool.map((w) => w.terminate()));
  }
}
