/**
 * `meanfield compare <spec.json> --out <dir>` on a spec with a "widths" block: the width study of a
 * particle-only model (src/pipeline/network-study.ts). `compare` parses the spec and dispatches here.
 * Before it starts it prints a time estimate from a short calibration (a few steps at the largest width).
 */
import { availableParallelism } from 'node:os';
import { resolveModel } from '../../reduced-models/index.ts';
import { deBortoliTimeStep } from '../particles/step-size.ts';
import { parseWidths, runWidthStudy, widthStudyLines, writeWidthStudyOutputs } from '../pipeline/network-study.ts';
import { Rng } from '../rng.ts';
import { parseWith } from '../spec/fields.ts';
import type { Spec } from '../spec/index.ts';
import { checkOutputDir, exportIfAsked, integerFlag, messageReporter, UsageError, withInterrupt } from './common.ts';
import { MAX_WORKERS } from '../parallel/pool.ts';

export interface NetworkStudyFlags {
  out?: string;
  workers?: string;
  quiet?: boolean;
  format?: string;
}

/** Seconds the study's SGD steps should take: time 3 steps at the largest width, scale linearly in N. */
async function estimateSeconds(spec: Spec, workers: number): Promise<number> {
  const settings = parseWidths(spec);
  const largest = settings.ns[settings.ns.length - 1];
  let total = 0;
  for (const run of spec.runs) {
    const p = run.particles!;
    const { model, definition } = await resolveModel(run.modelBlock);
    if (model.particles?.kind !== 'network') return NaN;
    const rng = new Rng(spec.seed, 0xca11b);
    const trainer = model.particles.network.createTrainer(largest, parseWith(definition.init, run.init, 'init'), p.batch, rng);
    const epsilon = p.stepSize ? deBortoliTimeStep(p.stepSize, largest) : p.epsilon;
    trainer.step(epsilon, rng, 0); // warm-up
    const t0 = performance.now();
    for (let k = 0; k < 3; k++) trainer.step(epsilon, rng, 0);
    const perStepAtLargest = (performance.now() - t0) / 3000;
    const horizon = run.saveTimes[run.saveTimes.length - 1];
    for (const n of settings.ns) {
      const steps = Math.round(horizon / (p.stepSize ? deBortoliTimeStep(p.stepSize, n) : p.epsilon));
      total += settings.seeds * steps * perStepAtLargest * (n / largest);
    }
  }
  return total / workers;
}

export async function commandNetworkStudy(spec: Spec, values: NetworkStudyFlags): Promise<number> {
  if (!values.out) throw new UsageError('compare needs --out <dir>');
  checkOutputDir(values.out);
  const out = values.out;
  const quiet = values.quiet ?? false;
  const workers = integerFlag(values.workers, '--workers', 1, MAX_WORKERS) ?? availableParallelism();
  const estimate = await estimateSeconds(spec, workers);
  if (Number.isFinite(estimate)) console.error(`widths: estimated ${estimate < 120 ? `${Math.ceil(estimate)} s` : `${(estimate / 60).toFixed(1)} min`} of SGD on ${workers} worker(s) (from 3 timed steps at the largest width; evaluations add to it)`);
  return withInterrupt(quiet, async (stop, progress) => {
    const result = await runWidthStudy(spec, { workers, shouldStop: stop.stopped, onProgress: messageReporter(progress, 'widths') });
    progress.done();
    const files = writeWidthStudyOutputs(out, result);
    for (const line of widthStudyLines(result)) console.log(line);
    console.log(`total ${(result.provenance.timings.totalMs / 1000).toFixed(1)} s`);
    console.log(`wrote ${files.json}\nwrote ${files.html}`);
    await exportIfAsked(out, values.format);
    if (!result.completed) {
      console.log(`stopped early: the widths whose every seed had finished are analysed; missing:\n  ${result.missing.join('\n  ')}`);
      return stop.exitCode();
    }
    return 0;
  });
}
