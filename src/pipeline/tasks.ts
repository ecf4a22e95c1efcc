/**
 * The task functions the worker pool runs for the commands (src/parallel/pool.ts): plain data in,
 * plain data out. Each rebuilds what it needs from its input (the model from its block), so the same
 * task gives the same result in any thread.
 */
import type { TaskContext } from '../parallel/pool.ts';
import { solveWithChecks, type PdeSolution } from '../pde/index.ts';
import { runReplica, type ReplicaSpec } from '../particles/replica.ts';
import type { ParticleRun } from '../particles/sgd.ts';
import { runSpecFromJson } from '../spec/index.ts';

/** Progress at most every half second. */
function throttled(context: TaskContext): (message: string) => void {
  let last = 0;
  return (message) => {
    const now = performance.now();
    if (now - last > 500) {
      last = now;
      context.progress(message);
    }
  };
}

/** A run's PDE with its check and companion (src/pde). */
export async function pdeTask(input: { json: Record<string, unknown>; label: string; seed: number }, context: TaskContext): Promise<PdeSolution> {
  const run = await runSpecFromJson(input.json, input.label, input.seed);
  const end = run.saveTimes[run.saveTimes.length - 1];
  const say = throttled(context);
  return solveWithChecks(run, { shouldStop: () => context.shouldStop(), onProgress: (t) => say(`t = ${t.toPrecision(4)} / ${end}`) }, 'compare');
}

/** One particle replica. */
export async function replicaTask(input: { spec: ReplicaSpec; replica: number }, context: TaskContext): Promise<ParticleRun> {
  const say = throttled(context);
  return runReplica(input.spec, input.replica, { shouldStop: () => context.shouldStop(), onProgress: (p) => say(`step ${p.step}/${p.totalSteps}`) });
}

/**
 * One CLT prediction of a run (src/clt/predict.ts `predictFromRun`); a stop abandons it with an Error
 * named 'Interrupted'. The CLT modules are imported here, not at the top, so that workers running
 * other tasks do not load them.
 */
export async function cltPredictionTask(
  input: { json: Record<string, unknown>; label: string; seed: number; overrides: import('../clt/predict.ts').PredictionOverrides },
  context: TaskContext,
): Promise<import('../clt/predict.ts').CltPrediction> {
  const { predictFromRun } = await import('../clt/predict.ts');
  const run = await runSpecFromJson(input.json, input.label, input.seed);
  return predictFromRun(run, input.overrides, { shouldStop: () => context.shouldStop() });
}
