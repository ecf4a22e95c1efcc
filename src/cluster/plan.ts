/**
 * `meanfield plan`: how a job splits into shards, with an estimate of each task's time and memory, and
 * the two ways to run the shards: a GNU parallel jobs file (one shard per line) and a Slurm array
 * script (array task k runs shard k). The shards' assignment is fixed (task j → shard j mod n); the
 * estimates are only for the scheduler's resource requests.
 *
 * Time: one task of each group (the PDE of a run, the replicas of a run) is run in this thread with
 * its horizon scaled down (every save time × f, then × f and × 4f after that warm-up: the same
 * outputs, a fraction of the steps), its CPU time measured, and time(f) = a + b·f is extrapolated to
 * f = 1 (a: setup and per-save work, b: stepping). A task that times its own stepping (an SGD replica's
 * `timings.stepsMs`) gives b directly from the larger probe, which is far less noisy than the
 * difference of two short probes when the per-save work dominates them.
 * Memory: Node's baseline plus three times the size of the task's result (its saved states), which the
 * probe also gives, since it has all the save times.
 */
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../io/output.ts';
import { runTasks } from '../parallel/pool.ts';
import { toExactJson } from './exact-json.ts';
import { shardOf, type Job, type JobTask } from './job.ts';

/**
 * Memory of a shard process with one worker thread before its tasks' data: a shard of MMN Fig. 1 (PDE
 * on 1600 cells and a replica) peaked at 251 MB resident, one of the small test spec at 238 MB; 400 MB
 * leaves room. Each further worker thread is assumed to add 150 MB.
 */
const BASELINE_MB = 400;

export interface TaskEstimate {
  readonly group: string;
  readonly tasks: number;
  readonly seconds: number;
  readonly memoryMb: number;
}

export interface ShardPlan {
  readonly tasks: number;
  readonly shards: number;
  readonly groups: TaskEstimate[];
  /** Per shard: task count and estimated time running its tasks on `cpus` workers. */
  readonly perShard: Array<{ tasks: number; seconds: number }>;
  readonly slurm: { cpus: number; memoryMb: number; timeLimit: string };
  readonly files: { jobs: string; slurm: string; plan: string };
}

/** CPU time (this thread runs the task: other load on the machine does not count), wall time, result. */
async function timed(task: JobTask['task']): Promise<{ ms: number; wallMs: number; bytes: number; result: unknown }> {
  const before = process.cpuUsage();
  const t0 = performance.now();
  const { results } = await runTasks([task], { workers: 0 });
  const wallMs = performance.now() - t0;
  const used = process.cpuUsage(before);
  return { ms: (used.user + used.system) / 1000, wallMs, bytes: toExactJson(results[0]).length, result: results[0] };
}

/** Estimates one group's task by probes at fractions f and 4f after a warm-up at f (see the header). */
async function estimate(job: Job, task: JobTask, count: number): Promise<TaskEstimate> {
  const f = job.probeFraction(task);
  const memoryMb = (bytes: number) => BASELINE_MB + (3 * bytes) / 2 ** 20;
  const one = await timed(job.probe(task, f));
  if (f >= 1) return { group: task.group, tasks: count, seconds: one.ms / 1000, memoryMb: memoryMb(one.bytes) };
  const first = await timed(job.probe(task, f)); // after the warm-up: compiled code, loaded modules
  const f2 = Math.min(1, 4 * f);
  const second = await timed(job.probe(task, f2));
  const steppingMs = job.steppingMs(second.result);
  // a task that times its own stepping: scale only that part (as CPU time); otherwise the linear fit
  const ms =
    steppingMs !== null
      ? second.ms + steppingMs * Math.min(1, second.ms / second.wallMs) * (1 / f2 - 1)
      : second.ms + Math.max(0, (second.ms - first.ms) / (f2 - f)) * (1 - f2);
  return { group: task.group, tasks: count, seconds: ms / 1000, memoryMb: memoryMb(Math.max(first.bytes, second.bytes)) };
}

/** `'a b'` → `'a b'` quoted for a POSIX shell. */
function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function slurmTime(seconds: number): string {
  const s = Math.ceil(seconds);
  const pad = (x: number) => String(x).padStart(2, '0');
  return `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

export interface PlanOptions {
  readonly shards: number;
  /** Folder of the plan: jobs.txt, slurm.sh, plan.json, and the shards' folders shard-<k>-of-<n>. */
  readonly out: string;
  /** Worker threads per shard (Slurm: --cpus-per-task). */
  readonly cpus: number;
  /** The command line that runs the job unsharded, after `meanfield` (e.g. ['compare', spec, '--seeds', '4']). */
  readonly commandArgs: readonly string[];
  /** How to start meanfield on the nodes (default: node and this installation's bin/meanfield.mjs). */
  readonly launcher?: readonly string[];
}

export async function planShards(job: Job, options: PlanOptions): Promise<ShardPlan> {
  const { shards, cpus } = options;
  const out = resolve(options.out);
  const byGroup = new Map<string, JobTask[]>();
  for (const t of job.tasks) byGroup.set(t.group, [...(byGroup.get(t.group) ?? []), t]);
  const groups: TaskEstimate[] = [];
  for (const [, tasks] of byGroup) groups.push(await estimate(job, tasks[0], tasks.length));
  const cost = new Map(groups.map((g) => [g.group, g]));
  const perShard = Array.from({ length: shards }, (_, k) => {
    const mine = job.tasks.filter((_, j) => shardOf(j, shards) === k);
    const total = mine.reduce((s, t) => s + cost.get(t.group)!.seconds, 0);
    const longest = Math.max(0, ...mine.map((t) => cost.get(t.group)!.seconds));
    return { tasks: mine.length, seconds: Math.max(longest, total / Math.min(cpus, Math.max(1, mine.length))) };
  });
  const memoryMb = Math.ceil(Math.max(...groups.map((g) => g.memoryMb)) + (cpus - 1) * 150);
  // twice the estimate and 10 minutes' margin: a time limit that kills a shard wastes all of its work
  const timeLimit = slurmTime(2 * Math.max(...perShard.map((s) => s.seconds)) + 600);
  const launcher = options.launcher ?? ['node', resolve(new URL('../../bin/meanfield.mjs', import.meta.url).pathname)];
  const base = [...launcher, ...options.commandArgs, '--workers', String(cpus), '--quiet'].map(shellQuote).join(' ');
  const jobsLines = Array.from({ length: shards }, (_, k) => `${base} --shard ${k}/${shards} --out ${shellQuote(join(out, `shard-${k}-of-${shards}`))}`);
  const slurm = [
    '#!/bin/bash',
    `# meanfield: ${job.tasks.length} task(s) of ${job.input.specPath} in ${shards} shard(s); submit with: sbatch ${join(out, 'slurm.sh')}`,
    '#SBATCH --job-name=meanfield',
    `#SBATCH --array=0-${shards - 1}`,
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${cpus}`,
    `#SBATCH --mem=${memoryMb}M`,
    `#SBATCH --time=${timeLimit}`,
    `#SBATCH --output=${join(out, 'slurm-%A_%a.out')}`,
    'set -euo pipefail',
    `exec ${base} --shard "$SLURM_ARRAY_TASK_ID/${shards}" --out "${join(out, `shard-$SLURM_ARRAY_TASK_ID-of-${shards}`)}"`,
    '',
  ].join('\n');
  const files = { jobs: join(out, 'jobs.txt'), slurm: join(out, 'slurm.sh'), plan: join(out, 'plan.json') };
  const plan: ShardPlan = { tasks: job.tasks.length, shards, groups, perShard, slurm: { cpus, memoryMb, timeLimit }, files };
  writeFileAtomic(files.jobs, `${jobsLines.join('\n')}\n`);
  writeFileAtomic(files.slurm, slurm);
  writeFileAtomic(files.plan, `${JSON.stringify({ specHash: job.hash, job: job.input, ...plan }, null, 2)}\n`);
  return plan;
}
