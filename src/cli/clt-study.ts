/**
 * `meanfield compare <spec.json> --out <dir> --ns 400,1600 --epsilons 2e-5,1e-4 [--seeds K] [--workers W]`
 * (also when the spec has a `clt` block): the CLT ensemble study (src/pipeline/clt-study.ts).
 * `compare` parses the spec and dispatches here.
 */
import { writeResult } from '../io/result.ts';
import { cltStudyReport, runCltStudyFromSpec, type CltStudySettings } from '../pipeline/clt-study.ts';
import type { Spec } from '../spec/index.ts';
import { checkOutputDir, exportIfAsked, integerFlag, numberList, phaseReporter, UsageError, withInterrupt } from './common.ts';
import { MAX_SEEDS } from '../spec/schema.ts';
import { MAX_WORKERS } from '../parallel/pool.ts';

export interface CltStudyFlags {
  out?: string;
  seeds?: string;
  workers?: string;
  ns?: string;
  epsilons?: string;
  quiet?: boolean;
  format?: string;
  resume?: boolean;
}

/** The study settings the command line sets: --ns, --epsilons, --seeds (they replace the "clt" block's). */
export function cltFlagOverrides(values: Pick<CltStudyFlags, 'ns' | 'epsilons' | 'seeds'>): Partial<CltStudySettings> {
  const seeds = integerFlag(values.seeds, '--seeds', 3, MAX_SEEDS);
  const ns = numberList(values.ns, '--ns', (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1');
  const epsilons = numberList(values.epsilons, '--epsilons', (x) => x > 0 && x <= 1, 'a number in (0, 1]');
  return { ...(ns ? { ns } : {}), ...(epsilons ? { epsilons } : {}), ...(seeds ? { seeds } : {}) };
}

export async function commandCltStudy(spec: Spec, values: CltStudyFlags): Promise<number> {
  if (!values.out) throw new UsageError('compare needs --out <dir>');
  checkOutputDir(values.out);
  const out = values.out;
  const quiet = values.quiet ?? false;
  const workers = integerFlag(values.workers, '--workers', 1, MAX_WORKERS);
  const overrides = cltFlagOverrides(values);
  return withInterrupt(quiet, async (stop, progress) => {
    const report = phaseReporter(progress);
    let result;
    try {
      result = await runCltStudyFromSpec(spec, {
        workers,
        shouldStop: stop.stopped,
        onProgress: (p) => report({ phase: `clt study: ${p.phase}`, fraction: p.phase === 'predict' ? null : p.fraction, detail: p.message.replace(/^clt: /, '') }),
        checkpointDir: out,
        resume: values.resume,
        overrides,
      });
    } catch (e) {
      if ((e as Error).name !== 'Interrupted') throw e;
      progress.done();
      console.log('interrupted during the prediction: nothing written (no ensemble had started)');
      return stop.exitCode();
    }
    progress.done();
    const files = writeResult(out, result, cltStudyReport(result));
    for (const g of result.summary.groups) {
      console.log(`${g.label}: ${g.withinTwo}/${g.cells} within 2 sampling errors (mean |z| ${g.meanAbsZ.toFixed(2)}); without the nonlocal term: ${g.ablationWithinTwo}/${g.cells} (mean |z| ${g.ablationMeanAbsZ.toFixed(2)})`);
    }
    for (const line of [...result.summary.healing, ...result.summary.trust]) console.log(line);
    console.log(`wrote ${files.json}\nwrote ${files.html}`);
    await exportIfAsked(out, values.format);
    if (result.completed) return 0;
    console.log(`stopped early (${stop.signal ?? 'stop'}): the finished ensembles are analysed above; missing:\n  ${result.missing.join('\n  ')}`);
    console.log(`the finished replicas are saved in ${out}; run the same command with --resume to continue`);
    return stop.exitCode();
  });
}
