/**
 * `meanfield compare <spec.json> --out <dir>`: both engines on every run of the spec, with distances;
 * a spec with a "clt" block (or --ns/--epsilons) runs the CLT ensemble study instead.
 */
import { parseArgs } from 'node:util';
import { runCompareSpec } from '../pipeline/compare.ts';
import { commandCltStudy } from './clt-study.ts';
import { compareSummaryLines, compareTable, writeCompareOutputs } from '../pipeline/compare-report.ts';
import { exportIfAsked, integerFlag, readSpec, UsageError, withInterrupt } from './common.ts';

/** MMN Fig. 1's step size, for --paper runs of a spec without a "paper" block (slow: 1e7 steps to t = 10). */
const PAPER_EPSILON = 1e-6;

export async function commandCompare(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      seeds: { type: 'string' },
      workers: { type: 'string' },
      paper: { type: 'boolean', default: false },
      resume: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false }, format: { type: 'string' },
      ns: { type: 'string' },
      epsilons: { type: 'string' },
    },
  });
  const seeds = integerFlag(values.seeds, '--seeds', 1);
  const workers = integerFlag(values.workers, '--workers', 1);
  const probe = await readSpec(positionals[0]);
  const paperBlock = probe.json.paper !== undefined;
  const overrides = {
    ...(seeds ? { particles: { seeds } } : {}),
    ...(values.paper && !paperBlock ? { particles: { ...(seeds ? { seeds } : {}), epsilon: PAPER_EPSILON } } : {}),
  };
  if (values.ns !== undefined || values.epsilons !== undefined || probe.clt !== undefined) return commandCltStudy(probe, values);
  const spec = await readSpec(positionals[0], { paper: values.paper && paperBlock, overrides });
  if (!values.out) throw new UsageError('compare needs --out <dir>');
  return withInterrupt(values.quiet!, async (stop, progress) => {
    progress.phase('compare');
    let result;
    try {
      result = await runCompareSpec(spec, {
        workers,
        shouldStop: stop.stopped,
        onProgress: (fraction, detail) => progress.update(fraction, detail),
        checkpointDir: values.out,
        resume: values.resume,
        curveSteps: spec.curveSteps,
      });
    } catch (e) {
      if ((e as Error).name !== 'Interrupted' || !stop.stopped()) throw e;
      progress.done();
      console.log(`${(e as Error).message}; finished pieces are saved in ${values.out}: run the same command with --resume to continue`);
      return stop.exitCode();
    }
    progress.done();
    const files = writeCompareOutputs(values.out!, result);
    if (result.runs.length === 1) {
      const { columns, rows } = compareTable(result.runs[0]);
      const show = columns.map((c, j) => ({ c, j })).filter(({ c }) => /^(t|R PDE|R_N|gap|W1|KS|sliced W1)/.test(c));
      console.log(show.map(({ c }) => c.padStart(12)).join(''));
      for (const row of rows) console.log(show.map(({ j }) => (j === 0 ? String(row[j]) : Math.abs(row[j]) < 1e-3 && row[j] !== 0 ? row[j].toExponential(2) : row[j].toFixed(5)).padStart(12)).join(''));
    }
    for (const line of compareSummaryLines(result)) console.log(line);
    console.log(`total ${(result.provenance.timings.totalMs / 1000).toFixed(1)} s`);
    console.log(`wrote ${files.json}\nwrote ${files.html}`);
    await exportIfAsked(values.out!, values.format);
    if (result.completed) return 0;
    const saved = result.provenance.timings.replicasSaved ?? 0;
    console.log(`stopped early (${stop.signal ?? 'stop'}): the outputs hold every finished save time and replica; missing:\n  ${result.missing.join('\n  ')}`);
    console.log(`${saved} finished replica(s) and the finished PDE phases are saved in ${values.out}; run the same command with --resume to continue`);
    return stop.exitCode();
  });
}
