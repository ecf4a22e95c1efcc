/**
 * `meanfield compare <spec.json> --out <dir>`: both engines on every run of the spec, with distances;
 * a spec with a "clt" block (or --ns/--epsilons) runs the CLT ensemble study instead.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.ts';
import { riskWords } from '../io/risk-name.ts';
import { runCompareSpec } from '../pipeline/compare.ts';
import { commandCltStudy } from './clt-study.ts';
import { commandNetworkStudy } from './network-study.ts';
import { commandWidthStudy } from './width-study.ts';
import { compareSummaryLines, compareTable, writeCompareOutputs } from '../pipeline/compare-report.ts';
import { checkOutputDir, endProgress, exportIfAsked, integerFlag, progressLine, readJson, readSpec, UsageError, withInterrupt } from './common.ts';
import { commandShard, jobInputOf } from './shard.ts';

/** MMN Fig. 1's step size, for --paper runs of a spec without a "paper" block (slow: 1e7 steps to t = 10). */
const PAPER_EPSILON = 1e-6;

/** The spec of a compare command line and what --seeds and --paper make of it. */
export async function compareSpecOptions(path: string | undefined, values: { seeds?: string; paper?: boolean }) {
  const seeds = integerFlag(values.seeds, '--seeds', 1);
  const probe = await readSpec(path);
  const paperBlock = probe.json.paper !== undefined;
  const overrides = {
    ...(seeds ? { particles: { seeds } } : {}),
    ...(values.paper && !paperBlock ? { particles: { ...(seeds ? { seeds } : {}), epsilon: PAPER_EPSILON } } : {}),
  };
  return { probe, paperBlock, overrides };
}

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
      shard: { type: 'string' },
      widths: { type: 'string' },
    },
  });
  const workers = integerFlag(values.workers, '--workers', 1);
  const { probe, paperBlock, overrides } = await compareSpecOptions(positionals[0], values);
  if (values.shard !== undefined) {
    if (values.ns !== undefined || values.epsilons !== undefined) throw new ConfigError('--shard', 'the CLT study (--ns, --epsilons) cannot be sharded yet');
    const input = jobInputOf(positionals[0], readJson(positionals[0]), values.paper! && paperBlock, overrides);
    return commandShard(input, values.shard, values.out, { workers, quiet: values.quiet! });
  }
  if (values.ns !== undefined || values.epsilons !== undefined || probe.clt !== undefined) return commandCltStudy(probe, values);
  if (values.widths !== undefined || probe.widths !== undefined) {
    const spec = await readSpec(positionals[0], { paper: values.paper && paperBlock });
    // a model without a reduced PDE has only the particles' own approach to large width to measure
    return spec.runs[0].model.reduced ? commandWidthStudy(spec, values) : commandNetworkStudy(spec, values);
  }
  const spec = await readSpec(positionals[0], { paper: values.paper && paperBlock, overrides });
  if (!values.out) throw new UsageError('compare needs --out <dir>');
  checkOutputDir(values.out);
  const quiet = values.quiet!;
  return withInterrupt(async (stopped) => {
    const result = await runCompareSpec(spec, { workers, shouldStop: stopped, onProgress: progressLine(quiet), checkpointDir: values.out, resume: values.resume, curveSteps: spec.curveSteps });
    endProgress(quiet);
    const files = writeCompareOutputs(values.out!, result);
    if (result.runs.length === 1) {
      const words = riskWords(result.riskName);
      const { columns, rows } = compareTable(result.runs[0], words);
      const show = columns.map((c, j) => ({ c, j })).filter(({ c }) => c === 't' || c === `${words.symbol} PDE` || c === `± ${words.symbol} PDE` || c === words.finite || /^(gap|\|gap\||W1|KS|sliced W1)/.test(c));
      console.log(show.map(({ c }) => c.padStart(12)).join(''));
      for (const row of rows) console.log(show.map(({ j }) => (j === 0 ? String(row[j]) : Math.abs(row[j]) < 1e-3 && row[j] !== 0 ? row[j].toExponential(2) : row[j].toFixed(5)).padStart(12)).join(''));
    }
    for (const line of compareSummaryLines(result)) console.log(line);
    console.log(`total ${(result.provenance.timings.totalMs / 1000).toFixed(1)} s`);
    console.log(`wrote ${files.json}\nwrote ${files.html}`);
    await exportIfAsked(values.out!, values.format);
    if (!result.completed) {
      console.log('stopped early: completed save times are in the outputs; later ones are missing');
      const saved = result.provenance.timings.replicasSaved ?? 0;
      console.log(saved > 0 ? `${saved} finished replica(s) are saved in ${values.out}/replicas; run the same command with --resume to continue` : 'no replica had finished: nothing to resume from');
      return 130;
    }
    return 0;
  });
}
