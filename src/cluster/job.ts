/**
 * A job that can be split over machines: what a command was asked to do (the spec file's JSON and the
 * command's options, as plain data that a shard folder records), its hash, and the command's fixed
 * list of tasks with stable ids. Every shard, the merge and the unsharded run build the same list from
 * the same input, so a task id names the same work everywhere, and assembling the tasks' results gives
 * the unsharded result. Only `compare` (one spec, seeds, variants) is shardable so far.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.ts';
import type { Task } from '../parallel/pool.ts';
import { parseSpec, type Spec } from '../spec/index.ts';
import { assembleCompare, planCompare } from '../pipeline/compare.ts';
import { writeCompareOutputs } from '../pipeline/compare-report.ts';
import type { Provenance } from '../types.ts';

type JsonObject = Record<string, unknown>;

/** What the user asked for, as plain data (recorded in every shard folder). */
export interface JobInput {
  readonly command: 'compare';
  /** The spec file (for messages) and its parsed JSON. */
  readonly specPath: string;
  readonly raw: unknown;
  /** Folder that plug-in model paths resolve against. */
  readonly baseDir: string;
  readonly paper: boolean;
  readonly overrides: JsonObject;
}

export interface JobTask {
  readonly id: string;
  readonly task: Task;
  /** Tasks of one group cost the same (e.g. the replicas of one run): the plan probes one per group. */
  readonly group: string;
}

export interface Job {
  readonly input: JobInput;
  /** SHA-256 of the command, the spec JSON and the options: shards of different jobs are never mixed. */
  readonly hash: string;
  readonly spec: Spec;
  readonly tasks: readonly JobTask[];
  /** Whether a task's result is finished work (not cut short by a stop) and may be saved. */
  isComplete(result: unknown): boolean;
  /** The command's result from the tasks' results (by id) with the given provenance. */
  assemble(resultOf: (id: string) => unknown, provenance: Provenance): { completed: boolean; provenance: Provenance };
  /**
   * The task with its horizon scaled by `fraction` (every save time × fraction: the same outputs, a
   * fraction of the steps), for the plan's timing probes; and the fraction a first probe should use.
   */
  probe(task: JobTask, fraction: number): Task;
  probeFraction(task: JobTask): number;
  /** The wall time a task's result says it spent stepping (what scales with the horizon), if it says. */
  steppingMs(result: unknown): number | null;
  /** Writes the command's output files (result.json, report.html); returns their paths. */
  write(dir: string, result: unknown): string[];
}

export function jobHash(input: JobInput): string {
  return createHash('sha256').update(JSON.stringify([input.command, input.raw, input.paper, input.overrides])).digest('hex');
}

/** The job of an input: its spec validated and its task list enumerated. */
export async function loadJob(input: JobInput): Promise<Job> {
  if (input.command !== 'compare') throw new ConfigError('command', `only compare can be sharded (got ${JSON.stringify(input.command)})`);
  const spec = await parseSpec(input.raw, { baseDir: input.baseDir, paper: input.paper, overrides: input.overrides });
  if (spec.clt !== undefined) throw new ConfigError('clt', 'the CLT study cannot be sharded yet; run it on one machine (meanfield compare)');
  const plan = planCompare(spec, spec.curveSteps);
  return {
    input,
    hash: jobHash(input),
    spec,
    tasks: plan.tasks.map((t) => ({ id: t.id, task: t.task, group: t.kind === 'pde' ? t.id : `run${t.run}-replicas` })),
    probe: (t, fraction) => {
      const input = t.task.input as { json?: JsonObject & { saveTimes: number[] }; spec?: { options: { saveTimes: number[] } } };
      const scale = (times: number[]) => times.map((x) => x * fraction);
      if (input.json) return { ...t.task, input: { ...input, json: { ...input.json, saveTimes: scale(input.json.saveTimes) } } };
      const spec = input.spec!;
      return { ...t.task, input: { ...input, spec: { ...spec, options: { ...spec.options, saveTimes: scale(spec.options.saveTimes) } } } };
    },
    probeFraction: (t) => {
      // a replica: ~5000 SGD steps (t = k ε); a PDE: 2 % of its horizon
      const spec = (t.task.input as { spec?: { options: { saveTimes: number[]; epsilon: number } } }).spec;
      return spec ? Math.min(1, (5000 * spec.options.epsilon) / spec.options.saveTimes[spec.options.saveTimes.length - 1]) : 0.02;
    },
    isComplete: (result) => {
      const r = result as { completed?: boolean; main?: { stoppedEarly: boolean } };
      return r.main ? !r.main.stoppedEarly : r.completed === true;
    },
    steppingMs: (result) => (result as { timings?: { stepsMs?: number } }).timings?.stepsMs ?? null,
    assemble: (resultOf, provenance) => assembleCompare(plan, resultOf as Parameters<typeof assembleCompare>[1], provenance),
    write: (dir, result) => {
      const files = writeCompareOutputs(dir, result as ReturnType<typeof assembleCompare>);
      return [files.json, files.html];
    },
  };
}

/** Task j of a job belongs to shard j mod n: a fixed rule, so every shard agrees on its share. */
export function shardOf(taskIndex: number, shards: number): number {
  return taskIndex % shards;
}
