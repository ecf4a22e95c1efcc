/**
 * The task functions the worker pool runs for the commands (src/parallel/pool.ts): plain data in,
 * plain data out. Each rebuilds what it needs from its input (the model from its block), so the same
 * task gives the same result in any thread.
 */
import type { TaskContext } from '../parallel/pool.ts';
import { solveWithChecks, type PdeSolution } from '../pde/index.ts';
import { parseSpec, runSpecFromJson } from '../spec/index.ts';
import { runSolveSpec, type SolveResult } from './solve.ts';

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

/** Every run of a spec solved (the `solve` command off the main thread). */
export async function solveTask(input: { raw: unknown; baseDir: string }, context: TaskContext): Promise<SolveResult> {
  const spec = await parseSpec(input.raw, { baseDir: input.baseDir });
  const end = Math.max(...spec.runs.map((r) => r.saveTimes[r.saveTimes.length - 1]));
  const say = throttled(context);
  return runSolveSpec(spec, { shouldStop: () => context.shouldStop(), onProgress: (t) => say(`solve: t = ${t.toPrecision(4)} / ${end}`) });
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

/** A run's finite-volume solution with its error bars (src/pipeline/fluctuations.ts `forwardSolution`; null without a grid form). */
export async function forwardTask(input: { json: Record<string, unknown>; label: string; seed: number }, context: TaskContext) {
  const { forwardSolution } = await import('./fluctuations.ts');
  const run = await runSpecFromJson(input.json, input.label, input.seed);
  return forwardSolution(run, { shouldStop: () => context.shouldStop() });
}

/** The initial-law variance along GD (src/clt/initial-variance.ts) of a run; a stop abandons it ('Interrupted'). */
export async function initialVarianceTask(
  input: { json: Record<string, unknown>; label: string; seed: number; n?: number },
  context: TaskContext,
): Promise<import('../clt/initial-variance.ts').InitialVariancePrediction> {
  const { predictInitialVariance } = await import('../clt/initial-variance.ts');
  const run = await runSpecFromJson(input.json, input.label, input.seed);
  const particles = run.particles && input.n ? { ...run.particles, n: input.n } : run.particles;
  return predictInitialVariance({ ...run, particles }, { shouldStop: () => context.shouldStop() });
}
