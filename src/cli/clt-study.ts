/**
 * `meanfield compare <spec.json> --out <dir> --ns 400,1600 --epsilons 2e-5,1e-4 [--seeds K] [--workers W]`
 * (also when the spec has a `clt` block): the CLT ensemble study (src/pipeline/clt-study.ts).
 * `compare` parses the spec and dispatches here.
 */
import { writeResult } from '../io/result.ts';
import { cltStudyReport, runCltStudyFromSpec } from '../pipeline/clt-study.ts';
import type { Spec } from '../spec/index.ts';
import { checkOutputDir, endProgress, exportIfAsked, numberList, progressLine, UsageError, withInterrupt } from './common.ts';

export interface CltStudyFlags {
  out?: string;
  seeds?: string;
  workers?: string;
  ns?: string;
  epsilons?: string;
  quiet?: boolean;
  format?: string;
}

export async function commandCltStudy(spec: Spec, values: CltStudyFlags): Promise<number> {
  if (!values.out) throw new UsageError('compare needs --out <dir>');
  checkOutputDir(values.out);
  const out = values.out;
  const quiet = values.quiet ?? false;
  const seeds = numberList(values.seeds, '--seeds', (x) => Number.isInteger(x) && x >= 3, 'an integer >= 3');
  const workers = numberList(values.workers, '--workers', (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1');
  const ns = numberList(values.ns, '--ns', (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1');
  const epsilons = numberList(values.epsilons, '--epsilons', (x) => x > 0 && x <= 1, 'a number in (0, 1]');
  const say = progressLine(quiet);
  return withInterrupt(async (stopped) => {
    let result;
    try {
      result = await runCltStudyFromSpec(spec, {
        workers: workers?.[0],
        shouldStop: stopped,
        onProgress: say && ((p) => say(p.message)),
        overrides: { ...(ns ? { ns } : {}), ...(epsilons ? { epsilons } : {}), ...(seeds ? { seeds: seeds[0] } : {}) },
      });
    } catch (e) {
      if ((e as Error).name !== 'Interrupted') throw e;
      endProgress(quiet);
      console.log('interrupted during the prediction: nothing written (no ensemble had started)');
      return 130;
    }
    endProgress(quiet);
    const files = writeResult(out, result, cltStudyReport(result));
    for (const g of result.summary.groups) {
      console.log(`${g.label}: ${g.withinTwo}/${g.cells} within 2 sampling errors (mean |z| ${g.meanAbsZ.toFixed(2)}); without the nonlocal term: ${g.ablationWithinTwo}/${g.cells} (mean |z| ${g.ablationMeanAbsZ.toFixed(2)})`);
    }
    for (const line of [...result.summary.healing, ...result.summary.trust]) console.log(line);
    console.log(`wrote ${files.json}\nwrote ${files.html}`);
    await exportIfAsked(out, values.format);
    if (!result.completed) {
      console.log('stopped early: the finished ensembles are analysed above; the others are missing');
      return 130;
    }
    return 0;
  });
}
