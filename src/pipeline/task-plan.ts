/**
 * A command as a fixed list of tasks with stable ids, and the one function that assembles the command's
 * result from the tasks' results. Every multi-task command (compare with seeds or variants, the CLT
 * study, the width studies, sweep) is written this way, so that the same list runs
 *   - in one process (`runTaskPlan`: all tasks on one worker pool),
 *   - as shards on a cluster (src/cluster/shard.ts: task j in shard j mod n), then `merge`,
 * and the assembled result is the same either way: a task's result depends only on the spec and its
 * id (its random stream comes from its input), never on which tasks ran next to it.
 */
import type { Provenance } from '../types.ts';
import { runTasks, type Task } from '../parallel/pool.ts';

export interface PlannedTask {
  readonly id: string;
  readonly task: Task;
  /** Tasks of one group cost the same (e.g. the replicas of one ensemble): a plan's estimate probes one per group. */
  readonly group: string;
}

export interface TaskPlan<Result = unknown> {
  readonly tasks: readonly PlannedTask[];
  /** Whether a task's result is finished work (not cut short by a stop), which a shard may save. */
  isComplete(result: unknown): boolean;
  /** The command's result from the tasks' results by id (null: the task did not run), with `provenance` in it. */
  assemble(resultOf: (id: string) => unknown, provenance: Provenance): Result;
  /** Writes the command's output files (result.json, report.html); returns their paths. */
  write(dir: string, result: Result): string[];
  /**
   * The task with its horizon scaled by `fraction` (every save time × fraction: the same outputs, a
   * fraction of the steps), for `meanfield plan`'s timing probes; and the fraction a first probe should use.
   */
  probe(task: PlannedTask, fraction: number): Task;
  probeFraction(task: PlannedTask): number;
  /** The wall time a task's result says it spent stepping (what scales with the horizon), if it says. */
  steppingMs(result: unknown): number | null;
}

type TimedInput = { json?: Record<string, unknown> & { saveTimes?: number[] }; spec?: { options: { saveTimes: number[]; epsilon: number } } };

/**
 * The probe of a task that carries its save times as `input.json.saveTimes` (a PDE, a CLT prediction)
 * or `input.spec.options.saveTimes` (an SGD replica); a task with neither runs whole (fraction 1).
 */
export function horizonProbe(task: PlannedTask, fraction: number): Task {
  const input = task.task.input as TimedInput;
  const scale = (times: number[]) => times.map((x) => x * fraction);
  if (input.json?.saveTimes) return { ...task.task, input: { ...input, json: { ...input.json, saveTimes: scale(input.json.saveTimes) } } };
  if (input.spec?.options?.saveTimes) return { ...task.task, input: { ...input, spec: { ...input.spec, options: { ...input.spec.options, saveTimes: scale(input.spec.options.saveTimes) } } } };
  return task.task;
}

/** A replica: ~5000 SGD steps (t = k ε); a PDE or prediction: 2 % of its horizon; anything else: all of it. */
export function horizonProbeFraction(task: PlannedTask): number {
  const input = task.task.input as TimedInput;
  const options = input.spec?.options;
  if (options?.saveTimes && options.epsilon) return Math.min(1, (5000 * options.epsilon) / options.saveTimes[options.saveTimes.length - 1]);
  return input.json?.saveTimes ? 0.02 : 1;
}

/** `timings.stepsMs` of a result (what an SGD replica reports). */
export function stepsMsOf(result: unknown): number | null {
  return (result as { timings?: { stepsMs?: number } } | null)?.timings?.stepsMs ?? null;
}

/** Whether a PDE solution (`main.stoppedEarly`) or a run reporting `completed` finished its horizon. */
export function finishedResult(result: unknown): boolean {
  const r = result as { completed?: boolean; main?: { stoppedEarly: boolean } } | null;
  if (r === null || r === undefined) return false;
  return r.main ? !r.main.stoppedEarly : r.completed === true;
}

/** The plan-estimate parts most plans share (horizon probes, replicas' own stepping time). */
export const HORIZON_PROBES = { probe: horizonProbe, probeFraction: horizonProbeFraction, steppingMs: stepsMsOf } as const;

export interface TaskPlanControl {
  /** Worker threads (default: all cores, at most one per task); 0 runs every task in this thread. */
  workers?: number;
  shouldStop?: () => boolean;
  /** Results already at hand (e.g. from a checkpoint), by id: those tasks do not run. */
  done?: ReadonlyMap<string, unknown>;
  /** Only these tasks (by id) run; the others count as not run (default: all). */
  only?: ReadonlySet<string>;
  /** Progress messages of a running task. */
  onProgress?: (task: PlannedTask, message: unknown) => void;
  /** Called as each task finishes (e.g. to checkpoint it). */
  onDone?: (task: PlannedTask, result: unknown) => void;
  /** Maps a task's error before it is thrown (e.g. to name the field under the task's variant). */
  taskError?: (task: PlannedTask, error: unknown) => unknown;
}

/**
 * Runs the plan's tasks on one worker pool, in the plan's order; returns every result by id (those of
 * `done` included; a task that never started is absent). `plan.assemble(id => results.get(id) ?? null, …)`
 * is then the command's result.
 */
export async function runTaskPlan(plan: Pick<TaskPlan, 'tasks'>, control: TaskPlanControl = {}): Promise<Map<string, unknown>> {
  const results = new Map<string, unknown>();
  for (const t of plan.tasks) if (control.done?.has(t.id)) results.set(t.id, control.done.get(t.id));
  const pending = plan.tasks.filter((t) => !results.has(t.id) && (control.only === undefined || control.only.has(t.id)));
  if (pending.length === 0) return results;
  await runTasks(pending.map((t) => t.task), {
    workers: control.workers,
    shouldStop: control.shouldStop,
    onProgress: (i, message) => control.onProgress?.(pending[i], message),
    taskError: control.taskError && ((i, error) => control.taskError!(pending[i], error)),
    onDone: (i, result) => {
      results.set(pending[i].id, result);
      control.onDone?.(pending[i], result);
    },
  });
  return results;
}
