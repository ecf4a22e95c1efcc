/**
 * `meanfield compare <spec.json> --out <dir> --ns 400,1600 --epsilons 2e-5,1e-4 [--seeds K] [--workers W]`
 * (also when the spec has a `clt` block): the CLT ensemble study (src/pipeline/clt-study.ts).
 * `compare` parses the spec and dispatches here.
 */
import { writeResult } from '../io/result.ts';
import { makeProvenance } from '../io/output.ts';
import { cltStudyReport, parseCltStudySpec, runCltStudyFromSpec, type CltStudySettings } from '../pipeline/clt-study.ts';
import type { Spec } from '../spec/index.ts';
import { checkOutputDir, exportIfAsked, integerFlag, numberList, phaseReporter, UsageError, withInterrupt } from './common.ts';
import { LIMITS, MAX_SEEDS, MAX_UNITS } from '../spec/schema.ts';
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
  const ns = numberList(values.ns, '--ns', (x) => Number.isInteger(x) && x >= 2 && x <= MAX_UNITS, `an integer >= 2 and <= ${MAX_UNITS}`);
  const epsilons = numberList(values.epsilons, '--epsilons', (x) => x >= LIMITS.smallestStep && x <= 1, `a number in [${LIMITS.smallestStep}, 1]`);
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
      // nothing to analyse without the prediction: result.json says so and lists every piece as missing
      const { clt } = parseCltStudySpec(spec, overrides);
      const missing = ['the CLT prediction and its ablation (stopped before they finished)', ...clt.epsilons.flatMap((epsilon) => clt.ns.map((n) => `ensemble N = ${n}, ε = ${epsilon} (not analysed)`))];
      const stopped = { kind: 'meanfield.clt-study', provenance: makeProvenance(spec.seed, {}, spec.runs), spec: spec.json, settings: clt, completed: false, stoppedEarly: true, missing, ensembles: [] };
      const files = writeResult(out, stopped, { title: 'meanfield CLT study (stopped early)', sections: [{ title: 'Stopped early', text: `The study was stopped during the prediction: nothing to compare yet. Missing:\n\n${missing.join('\n\n')}` }] });
      console.log(`interrupted during the prediction: wrote ${files.json} (stoppedEarly, nothing analysed); finished replicas, if any, are saved in ${out}: run the same command with --resume to continue`);
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
