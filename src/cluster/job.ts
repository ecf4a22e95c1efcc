/**
 * A job that can be split over machines: what a command was asked to do (the spec file's JSON and the
 * command's options, as plain data that a shard folder records), its hash, and the command's task plan
 * (src/pipeline/task-plan.ts: a fixed list of tasks with stable ids and the assembly of their results).
 * Every shard, the merge and the unsharded run build the same plan from the same input, so a task id
 * names the same work everywhere, and assembling the tasks' results gives the unsharded result.
 *
 * Shardable: `compare` in each of its forms — one spec with seeds and variants, the CLT study (a
 * "clt" block or --ns/--epsilons), the width studies (a "widths" block or --widths: with a reduced PDE,
 * or particle-only) — and `sweep`.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.ts';
import { NORMAL_SAMPLER } from '../rng.ts';
import { parseSpec, type Spec } from '../spec/index.ts';
import { planCltStudy, parseCltStudySpec, type CltStudySettings } from '../pipeline/clt-study.ts';
import { assembleCompare, planCompare, type CompareResult } from '../pipeline/compare.ts';
import { writeCompareOutputs } from '../pipeline/compare-report.ts';
import { planSweep } from '../pipeline/landscape.ts';
import { planNetworkStudy } from '../pipeline/network-study.ts';
import { finishedResult, HORIZON_PROBES, type PlannedTask, type TaskPlan } from '../pipeline/task-plan.ts';
import { planWidthStudy, widthSettings, widthsWithFlags } from '../pipeline/width-study.ts';

type JsonObject = Record<string, unknown>;

export type JobCommand = 'compare' | 'sweep';

/** What the user asked for, as plain data (recorded in every shard folder). */
export interface JobInput {
  readonly command: JobCommand;
  /** The spec file (for messages) and its parsed JSON. */
  readonly specPath: string;
  readonly raw: unknown;
  /** Folder that plug-in model paths resolve against. */
  readonly baseDir: string;
  readonly paper: boolean;
  /** Spec overrides (compare --seeds, --paper's ε). */
  readonly overrides: JsonObject;
  /**
   * The command's flags that shape a study's task list rather than the spec: the CLT study's ns,
   * epsilons, seeds (compare --ns, --epsilons, --seeds) and the width study's ns, seeds (--widths, --seeds).
   */
  readonly study?: { readonly clt?: Partial<CltStudySettings>; readonly widths?: { ns?: number[]; seeds?: number } };
}

export type JobTask = PlannedTask;

export interface Job extends TaskPlan {
  readonly input: JobInput;
  /**
   * SHA-256 of the command, the spec JSON, the options and the normal stream's version (src/rng.ts):
   * shards of different jobs, or of code drawing another random stream, are never mixed.
   */
  readonly hash: string;
  readonly spec: Spec;
}

export function jobHash(input: JobInput): string {
  const study = input.study && Object.keys(input.study).length > 0 ? [input.study] : [];
  return createHash('sha256').update(JSON.stringify([NORMAL_SAMPLER, input.command, input.raw, input.paper, input.overrides, ...study])).digest('hex');
}

/**
 * Which of compare's studies a spec asks for, or the command line (`clt`: --ns or --epsilons;
 * `widths`: --widths); the unsharded `compare` dispatches the same way.
 */
export function compareStudyOf(spec: Spec, flags: { clt?: boolean; widths?: boolean } = {}): 'clt' | 'widths' | 'network' | 'compare' {
  if (flags.clt || spec.clt !== undefined) return 'clt';
  // a model without a reduced PDE has only the particles' own approach to large width to measure
  if (flags.widths || spec.widths !== undefined) return spec.runs[0].model.reduced ? 'widths' : 'network';
  return 'compare';
}

/** The plain comparison's plan: the PDE solves and the replicas of every run. */
function comparePlan(spec: Spec): TaskPlan<CompareResult> {
  const plan = planCompare(spec, spec.curveSteps);
  return {
    tasks: plan.tasks.map((t) => ({ id: t.id, task: t.task, group: t.kind === 'pde' ? t.id : `run${t.run}-replicas` })),
    isComplete: finishedResult,
    assemble: (resultOf, provenance) => assembleCompare(plan, resultOf as Parameters<typeof assembleCompare>[1], provenance),
    write: (dir, result) => {
      const files = writeCompareOutputs(dir, result);
      return [files.json, files.html];
    },
    ...HORIZON_PROBES,
  };
}

/** The spec as the unsharded command reads it, and the command's plan. */
async function planOf(input: JobInput): Promise<{ spec: Spec; plan: TaskPlan }> {
  const base = { baseDir: input.baseDir };
  if (input.command === 'sweep') {
    const spec = await parseSpec(input.raw, base);
    return { spec, plan: await planSweep(spec) };
  }
  if (input.command !== 'compare') throw new ConfigError('command', `only compare and sweep can be sharded (got ${JSON.stringify(input.command)})`);
  // the studies read the spec as `compare` does: the CLT study as it is, the width studies with --paper
  const plain = await parseSpec(input.raw, base);
  const study = compareStudyOf(plain, { clt: input.study?.clt?.ns !== undefined || input.study?.clt?.epsilons !== undefined, widths: input.study?.widths?.ns !== undefined });
  if (study === 'clt') {
    const { run, clt } = parseCltStudySpec(plain, input.study?.clt);
    return { spec: plain, plan: planCltStudy(run, clt) };
  }
  if (study === 'widths' || study === 'network') {
    const spec = await parseSpec(input.raw, { ...base, paper: input.paper });
    const widths = widthsWithFlags(spec.widths, input.study?.widths);
    if (study === 'network') return { spec, plan: planNetworkStudy({ ...spec, widths }) };
    return { spec, plan: planWidthStudy(spec, widthSettings(spec, widths)) };
  }
  const spec = await parseSpec(input.raw, { ...base, paper: input.paper, overrides: input.overrides });
  return { spec, plan: comparePlan(spec) };
}

/** The job of an input: its spec validated and its task list enumerated. */
export async function loadJob(input: JobInput): Promise<Job> {
  const { spec, plan } = await planOf(input);
  return { ...plan, input, hash: jobHash(input), spec };
}

/** Task j of a job belongs to shard j mod n: a fixed rule, so every shard agrees on its share. */
export function shardOf(taskIndex: number, shards: number): number {
  return taskIndex % shards;
}
