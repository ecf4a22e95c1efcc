/**
 * `meanfield fluctuations <spec.json> (--out <dir> | --json) [--n N] [--epsilon e] [--batch B] [--no-nonlocal]`:
 * the CLT prediction of the seed-to-seed std of R_N and of the mean radius (src/pipeline/fluctuations.ts);
 * for a GD run of a model with weighted characteristics but no `clt` capability, the initial-law
 * variance part instead (src/pipeline/initial-variance.ts).
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.ts';
import { toJson } from '../io/output.ts';
import { writeResult } from '../io/result.ts';
import { riskWords } from '../io/risk-name.ts';
import { fluctuationsReport, runFluctuationsInWorker } from '../pipeline/fluctuations.ts';
import { initialVarianceReport, runInitialVarianceInWorker } from '../pipeline/initial-variance.ts';
import { announceResources, checkOutputDir, exportIfAsked, integerFlag, numberList, readSpec, UsageError, whileTicking, withInterrupt } from './common.ts';
import { LIMITS, MAX_BATCH, MAX_UNITS } from '../spec/schema.ts';

export async function commandFluctuations(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: 'string' }, json: { type: 'boolean', default: false }, n: { type: 'string' }, epsilon: { type: 'string' }, batch: { type: 'string' }, 'no-nonlocal': { type: 'boolean', default: false }, format: { type: 'string' }, quiet: { type: 'boolean', default: false } },
  });
  const spec = await readSpec(positionals[0]);
  if (!values.out && !values.json) throw new UsageError('fluctuations needs --out <dir> or --json');
  if (values.out) checkOutputDir(values.out);
  if (spec.hasVariants) throw new ConfigError('variants', 'fluctuations predicts one run: remove "variants" (or run each variant as its own spec)');
  // the bounds of the particles block's n, epsilon and batch, which these flags replace
  const n = integerFlag(values.n, '--n', 1, MAX_UNITS);
  const epsilon = numberList(values.epsilon, '--epsilon', (x) => x >= LIMITS.smallestStep && x <= 1, `a number in [${LIMITS.smallestStep}, 1]`)?.[0];
  const batch = integerFlag(values.batch, '--batch', 1, MAX_BATCH);
  const run = spec.runs[0];
  announceResources(spec, { pde: true, particles: false }); // the forward solution is the spec's PDE
  if (run.model.capabilities?.clt === undefined && run.model.reduced?.characteristics) {
    if (epsilon !== undefined || batch !== undefined || values['no-nonlocal']) throw new UsageError('--epsilon, --batch and --no-nonlocal are SGD options; this model\'s prediction is the initial-law variance along GD');
    return withInterrupt(values.quiet!, async (stop, progress) => {
      let result;
      try {
        result = await whileTicking(progress, 'fluctuations: initial-law variance', () => runInitialVarianceInWorker(run, n, { shouldStop: stop.stopped }));
      } catch (e) {
        if ((e as Error).name !== 'Interrupted') throw e;
        console.log('interrupted: nothing written (a prediction is one computation; rerun it)');
        return stop.exitCode();
      }
      if (values.out) {
        const files = writeResult(values.out, result, initialVarianceReport(result));
        if (!values.json) console.log(`wrote ${files.json}\nwrote ${files.html}`);
        await exportIfAsked(values.out, values.format);
      }
      if (values.json) {
        console.log(toJson(result));
        return 0;
      }
      const w = riskWords(result.riskName);
      console.log(`${result.method}\n${'t'.padStart(6)}${w.symbol.padStart(11)}${'Var_init'.padStart(12)}${`std ${w.finite}`.padStart(12)}`);
      result.times.forEach((t, i) => console.log(`${String(t).padStart(6)}${result.pdeRisk[i].toFixed(5).padStart(11)}${result.varInitRisk[i].toExponential(3).padStart(12)}${result.predictedStdRisk[i].toExponential(3).padStart(12)}`));
      return 0;
    });
  }
  return withInterrupt(values.quiet!, async (stop, progress) => {
    let result;
    try {
      result = await whileTicking(progress, 'fluctuations: CLT prediction', () =>
        runFluctuationsInWorker(
          spec.runs[0],
          { ...(n ? { n } : {}), ...(epsilon ? { epsilon } : {}), ...(batch ? { batch } : {}), ...(values['no-nonlocal'] ? { nonlocal: false } : {}) },
          { shouldStop: stop.stopped },
        ),
      );
    } catch (e) {
      if ((e as Error).name !== 'Interrupted') throw e;
      console.log('interrupted: nothing written (a prediction is one computation; rerun it)');
      return stop.exitCode();
    }
    if (values.out) {
      const files = writeResult(values.out, result, fluctuationsReport(result));
      if (!values.json) console.log(`wrote ${files.json}\nwrote ${files.html}`);
      await exportIfAsked(values.out, values.format);
    }
    if (values.json) {
      console.log(toJson(result));
      return 0;
    }
    console.log(`${'t'.padStart(6)}${'R_PDE'.padStart(11)}${'± R_PDE'.padStart(10)}${'Var_init'.padStart(12)}${'I_C'.padStart(12)}${'I_I'.padStart(12)}${'std R_N'.padStart(12)}${'std mean r'.padStart(12)}`);
    result.times.forEach((t, i) =>
      console.log(
        `${String(t).padStart(6)}${result.pdeRisk[i].toFixed(5).padStart(11)}${(result.pdeRiskError?.[i].toExponential(1) ?? 'n/a').padStart(10)}${result.varInitRisk[i].toExponential(3).padStart(12)}${(result.noiseCommonRisk?.[i].toExponential(3) ?? 'n/a').padStart(12)}` +
          `${(result.noiseSameUnitRisk?.[i].toExponential(3) ?? 'n/a').padStart(12)}${result.predictedStdRisk[i].toExponential(3).padStart(12)}${result.predictedStdMeanRadius[i].toExponential(3).padStart(12)}`,
      ),
    );
    if (result.forwardMethod) console.log(`R_PDE: ${result.forwardMethod}`);
    for (const w of result.warnings) console.log(`warning (${w.code}): ${w.message}`);
    return 0;
  });
}
