/**
 * `meanfield compare <spec.json> --out <dir> --widths 250,500,1000 [--seeds K] [--workers W]` (also when
 * the spec has a `widths` block): the n-scaling study (src/pipeline/width-study.ts).
 */
import { writeResult } from '../io/result.ts';
import { runWidthStudy, widthSettings, widthsWithFlags } from '../pipeline/width-study.ts';
import { widthReport, widthSummaryLines } from '../pipeline/width-report.ts';
import type { Spec } from '../spec/index.ts';
import { checkOutputDir, exportIfAsked, integerFlag, messageReporter, numberList, UsageError, withInterrupt } from './common.ts';
import { MAX_SEEDS } from '../spec/schema.ts';
import { MAX_WORKERS } from '../parallel/pool.ts';

/** The width-study settings the command line sets: --widths, --seeds (they replace the "widths" block's). */
export function widthFlagOverrides(values: { widths?: string; seeds?: string }): { ns?: number[]; seeds?: number } {
  const ns = numberList(values.widths, '--widths', (x) => Number.isInteger(x) && x >= 2, 'an integer >= 2');
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
