/**
 * One task of the figure pipeline (./figures.ts), shared by the worker threads (./figures-worker.ts)
 * and the in-thread mode (workers: 0): a variant's PDE, or one particle replica.
 */
import { runReplica, type EnsembleSpec } from '../particles/ensemble.ts';
import type { ParticleRun } from '../particles/sgd.ts';
import type { FigureVariant } from '../io/nd-config.ts';
import { computeVariantPde, type VariantPde } from './figures.ts';

export type FigureTaskMessage =
  | { type: 'pde'; id: number; variant: FigureVariant }
  | { type: 'run'; id: number; spec: EnsembleSpec; replica: number };

export async function runFigureTask(
  msg: FigureTaskMessage,
  control: { shouldStop?: () => boolean; report?: (text: string) => void },
): Promise<VariantPde | ParticleRun> {
  if (msg.type === 'pde') {
    const end = msg.variant.saveTimes[msg.variant.saveTimes.length - 1];
    return computeVariantPde(msg.variant, { shouldStop: control.shouldStop, onProgress: (t) => control.report?.(`t = ${t.toPrecision(4)} / ${end}`) });
  }
  return runReplica(msg.spec, msg.replica, {
    shouldStop: control.shouldStop,
    onProgress: (p) => control.report?.(`step ${p.step}/${p.totalSteps}`),
  });
}
