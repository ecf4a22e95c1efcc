/**
 * `meanfield compare <spec.json> --out <dir> --widths 250,500,1000 [--seeds K] [--workers W]` (also when
 * the spec has a `widths` block): the n-scaling study (src/pipeline/width-study.ts).
 */
import { ConfigError } from '../errors.ts';
import { writeResult } from '../io/result.ts';
import { runWidthStudy, widthSettings, widthsWithFlags } from '../pipeline/width-study.ts';
import { widthReport, widthSummaryLines } from '../pipeline/width-report.ts';
import type { Spec } from '../spec/index.ts';
import { announceResources, checkOutputDir, exportIfAsked, integerFlag, messageReporter, numberList, UsageError, withInterrupt } from './common.ts';
import { MAX_SEEDS, MAX_UNITS } from '../spec/schema.ts';
import { MAX_WORKERS } from '../parallel/pool.ts';

/** The width-study settings the command line sets: --widths, --seeds (they replace the "widths" block's). */
export function widthFlagOverrides(values: { widths?: string; seeds?: string }): { ns?: number[]; seeds?: number } {
  const ns = numberList(values.widths, '--widths', (x) => Number.isInteger(x) && x >= 2 && x <= MAX_UNITS, `an integer >= 2 and <= ${MAX_UNITS}`);
  const seeds = integerFlag(values.seeds, '--seeds', 3, MAX_SEEDS);
  return { ...(ns ? { ns } : {}), ...(seeds ? { seeds } : {}) };
}

export async function commandWidthStudy(spec: Spec, values: { out?: string; widths?: string; seeds?: string; workers?: string; quiet?: boolean; format?: string }): Promise<number> {
  if (!values.out) throw new UsageError('compare needs --out <dir>');
  checkOutputDir(values.out);
  const out = values.out;
  const quiet = values.quiet ?? false;
  const settings = widthSettings(spec, widthsWithFlags(spec.widths, widthFlagOverrides(values)));
  const workers = integerFlag(values.workers, '--workers', 1, MAX_WORKERS);
  // the largest width's replicas cost the most memory (and most of the time): refused as the widths when they cannot fit
  const run = spec.runs[0];
  try {
    announceResources({ ...spec, runs: [{ ...run, particles: { ...run.particles!, n: settings.ns[settings.ns.length - 1], seeds: settings.seeds } }] }, { pde: true, particles: true, workers });
  } catch (e) {
    if (e instanceof ConfigError && e.field === 'particles.n') throw new ConfigError(values.widths ? '--widths' : 'widths.ns', `the largest width: ${e.message.slice(e.field.length + 2)}`);
    throw e;
  }
  return withInterrupt(quiet, async (stop, progress) => {
    const result = await runWidthStudy(spec, settings, { workers, shouldStop: stop.stopped, onProgress: messageReporter(progress, 'widths') });
    progress.done();
    const files = writeResult(out, result, widthReport(result));
    for (const line of widthSummaryLines(result)) console.log(line);
    console.log(`total ${(result.provenance.timings.totalMs / 1000).toFixed(1)} s\nwrote ${files.json}\nwrote ${files.html}`);
    await exportIfAsked(out, values.format);
    return result.completed ? 0 : stop.exitCode();
  });
}
