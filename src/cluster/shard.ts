/**
 * `--shard k/n`: run one share of a job's tasks (task j belongs to shard j mod n) into a partial result
 * folder. Finished tasks are saved one by one as they finish, so re-running a killed shard does only
 * what is missing, and re-running a finished shard is a no-op. A folder that holds another job's
 * shard (a different spec hash) is refused rather than mixed.
 */
import { ConfigError } from '../errors.ts';
import { runTaskPlan } from '../pipeline/task-plan.ts';
import { finishedTaskIds, readManifest, saveTask, taskProvenance, writeManifest } from './folder.ts';
import { shardOf, type Job } from './job.ts';

export interface ShardControl {
  workers?: number;
  shouldStop?: () => boolean;
  onProgress?: (message: string) => void;
}

/** Parses `k/n` (0 ≤ k < n), naming the flag on error. */
export function parseShard(text: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match ? Number(match[1]) : Number.NaN;
  const count = match ? Number(match[2]) : Number.NaN;
  if (!match || count < 1 || index >= count) throw new ConfigError('--shard', `must be k/n with n >= 1 and 0 <= k < n, as Slurm's array ids (got ${JSON.stringify(text)})`);
  return { index, count };
}

export interface TaskRunReport {
  /** Tasks this call was responsible for, already present, newly finished. */
  readonly total: number;
  readonly alreadyDone: number;
  readonly finished: number;
  /** False when a stop left some of the tasks unfinished. */
  readonly completed: boolean;
}

/**
 * Runs those of `ids` that `dir` does not hold yet, saving each as it finishes (tasks cut short by a
 * stop are not saved). `label` goes into each task's provenance.
 */
export async function runJobTasksInto(job: Job, ids: readonly string[], dir: string, label: string, control: ShardControl = {}): Promise<TaskRunReport> {
  const done = finishedTaskIds(dir, job.hash);
  const pending = new Set(ids.filter((id) => !done.has(id)));
  const t0 = performance.now();
  let finished = 0;
  let lastMessage = 0;
  await runTaskPlan(job, {
    workers: control.workers,
    shouldStop: control.shouldStop,
    only: pending,
    onProgress: () => {
      const now = performance.now();
      if (control.onProgress && now - lastMessage > 1000) {
        lastMessage = now;
        control.onProgress(`${label}: ${finished}/${pending.size} task(s) finished`);
      }
    },
    onDone: (task, result) => {
      if (!job.isComplete(result)) return;
      saveTask(dir, job.hash, task.id, taskProvenance(task.id, label, performance.now() - t0), result);
      finished++;
    },
  });
  return { total: ids.length, alreadyDone: ids.length - pending.size, finished, completed: finished === pending.size };
}

/** Runs shard `index` of `count` of a job into `dir`. */
export async function runShard(job: Job, shard: { index: number; count: number }, dir: string, control: ShardControl = {}): Promise<TaskRunReport> {
  const existing = readManifest(dir);
  if (existing && existing.hash !== job.hash) {
    throw new ConfigError('--out', `${dir} holds a shard of another job (spec ${existing.job.specPath}, hash ${existing.hash.slice(0, 12)}; this one: ${job.input.specPath}, hash ${job.hash.slice(0, 12)}): use another folder`);
  }
  if (existing?.shard && (existing.shard.index !== shard.index || existing.shard.count !== shard.count)) {
    throw new ConfigError('--out', `${dir} holds shard ${existing.shard.index}/${existing.shard.count}, not ${shard.index}/${shard.count}: use another folder`);
  }
  const ids = job.tasks.filter((_, j) => shardOf(j, shard.count) === shard.index).map((t) => t.id);
  writeManifest(dir, { kind: 'meanfield.shard', hash: job.hash, job: job.input, shard, tasks: ids });
  return runJobTasksInto(job, ids, dir, `shard ${shard.index}/${shard.count}`, control);
}
