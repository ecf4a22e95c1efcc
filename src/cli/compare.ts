/**
 * `meanfield compare <spec.json> --out <dir>`: both engines on every run of the spec, with distances;
 * a spec with a "clt" block (or --ns/--epsilons) runs the CLT ensemble study instead.
 */
import { parseArgs } from 'node:util';
import { compareStudyOf, type JobInput } from '../cluster/job.ts';
import { riskWords } from '../io/risk-name.ts';
import { runCompareSpec } from '../pipeline/compare.ts';
import { widthsWithFlags } from '../pipeline/width-study.ts';
import { cltFlagOverrides, commandCltStudy } from './clt-study.ts';
import { commandNetworkStudy } from './network-study.ts';
import { commandWidthStudy, widthFlagOverrides } from './width-study.ts';
import { compareSummaryLines, compareTable, writeCompareOutputs } from '../pipeline/compare-report.ts';
import { announceResources, checkOutputDir, exportIfAsked, integerFlag, readJson, readSpec, UsageError, withInterrupt } from './common.ts';
import { commandShard, jobInputOf } from './shard.ts';
import { MAX_SEEDS } from '../spec/schema.ts';
import { MAX_WORKERS } from '../parallel/pool.ts';

/** MMN Fig. 1's step size, for --paper runs of a spec without a "paper" block (slow: 1e7 steps to t = 10). */
const PAPER_EPSILON = 1e-6;

/** The spec of a compare command line, which of compare's studies it asks for, and what --seeds and --paper make of it. */
export async function compareSpecOptions(path: string | undefined, values: CompareStudyFlags) {
  const seeds = integerFlag(values.seeds, '--seeds', 1, MAX_SEEDS);
  const probe = await readSpec(path);
  const paperBlock = probe.json.paper !== undefined;
  const overrides = {
    ...(seeds ? { particles: { seeds } } : {}),
    ...(values.paper && !paperBlock ? { particles: { ...(seeds ? { seeds } : {}), epsilon: PAPER_EPSILON } } : {}),
  };
  const study = compareStudyOf(probe, { clt: values.ns !== undefined || values.epsilons !== undefined, widths: values.widths !== undefined });
  return { probe, paperBlock, overrides, study };
}

/** The flags of compare that choose and shape its study. */
export interface CompareStudyFlags {
  seeds?: string;
  paper?: boolean;
  ns?: string;
  epsilons?: string;
  widths?: string;
}

/**
 * The job (src/cluster/job.ts) of a compare command line, read as the unsharded command reads it: the
 * CLT study takes the spec as it is with --ns, --epsilons, --seeds; the width studies take --paper,
 * --widths, --seeds; the plain comparison takes --seeds and --paper as spec overrides.
 */
export async function compareJobInput(path: string | undefined, values: CompareStudyFlags): Promise<JobInput> {
  const { paperBlock, overrides, study } = await compareSpecOptions(path, values);
  const raw = readJson(path);
  const paper = values.paper! && paperBlock;
  if (study === 'clt') return jobInputOf('compare', path!, raw, { paper: false, overrides: {}, study: { clt: cltFlagOverrides(values) } });
  if (study === 'widths' || study === 'network') return jobInputOf('compare', path!, raw, { paper, overrides: {}, study: { widths: widthFlagOverrides(values) } });
  return jobInputOf('compare', path!, raw, { paper, overrides });
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
  const workers = integerFlag(values.workers, '--workers', 1, MAX_WORKERS);
  const { probe, paperBlock, overrides, study } = await compareSpecOptions(positionals[0], values);
  if (values.shard !== undefined) {
    const input = await compareJobInput(positionals[0], values);
    return commandShard(input, values.shard, values.out, { workers, quiet: values.quiet! });
  }
  if (study === 'clt') return commandCltStudy(probe, values);
  if (study === 'widths' || study === 'network') {
    const spec = await readSpec(positionals[0], { paper: values.paper && paperBlock });
    // the network study reads its sizes from the spec's block: the flags replace them there
    return study === 'widths' ? commandWidthStudy(spec, values) : commandNetworkStudy({ ...spec, widths: widthsWithFlags(spec.widths, widthFlagOverrides(values)) }, values);
  }
  const spec = await readSpec(positionals[0], { paper: values.paper && paperBlock, overrides });
  if (!values.out) throw new UsageError('compare needs --out <dir>');
  checkOutputDir(values.out);
  announceResources(spec, { pde: true, particles: true, workers });
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
    if (result.completed) return 0;
    const saved = result.provenance.timings.replicasSaved ?? 0;
    console.log(`stopped early (${stop.signal ?? 'stop'}): the outputs hold every finished save time and replica; missing:\n  ${result.missing.join('\n  ')}`);
    console.log(`${saved} finished replica(s) and the finished PDE phases are saved in ${values.out}; run the same command with --resume to continue`);
    return stop.exitCode();
  });
}
