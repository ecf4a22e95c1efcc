/**
 * `meanfield sweep <spec.json> [--out <dir>] [--json] [--quiet] [--workers W] [--shard k/n]`: the
 * risk-vs-Δ table, [Δ^l, Δ^h] per d and the long-time PDE and SGD risks of the spec's `sweep` block
 * (MMN Fig. 2; src/pipeline/landscape.ts); `--shard k/n --out <dir>` runs one shard of it (src/cluster).
 */
import { parseArgs } from 'node:util';
import { toJson } from '../io/output.ts';
import { runSweep, writeSweepOutputs, type SweepResult } from '../pipeline/landscape.ts';
import { checkOutputDir, exportIfAsked, integerFlag, readJson, readSpec, withInterrupt } from './common.ts';
import { commandShard, jobInputOf } from './shard.ts';
import { MAX_WORKERS } from '../parallel/pool.ts';

export async function commandSweep(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: 'string' }, json: { type: 'boolean', default: false }, quiet: { type: 'boolean', default: false }, format: { type: 'string' }, workers: { type: 'string' }, shard: { type: 'string' } },
  });
  const workers = integerFlag(values.workers, '--workers', 1, MAX_WORKERS);
  if (values.shard !== undefined) {
    const input = jobInputOf('sweep', positionals[0], readJson(positionals[0]), { paper: false, overrides: {} });
    return commandShard(input, values.shard, values.out, { workers, quiet: values.quiet! });
  }
  const spec = await readSpec(positionals[0]);
  if (values.out) checkOutputDir(values.out);
  return withInterrupt(values.quiet!, async (stop, progress) => {
    progress.phase('sweep');
    let last = 0;
    const result = await runSweep(spec, {
      workers,
      shouldStop: stop.stopped,
      onProgress: (message, fraction) => progress.update((last = fraction ?? last), message),
    });
    progress.done();
    const code = await report(result, values);
    if (result.completed) return code;
    console.log(`stopped early (${stop.signal ?? 'stop'}); missing:\n  ${result.missing.join('\n  ')}`);
    return stop.exitCode();
  });
}

async function report(result: SweepResult, values: { out?: string; json?: boolean; format?: string }): Promise<number> {
  if (values.out) {
    const files = writeSweepOutputs(values.out, result);
    if (!values.json) console.log(`wrote ${files.json}\nwrote ${files.html}`);
    await exportIfAsked(values.out, values.format);
  }
  if (values.json) {
    console.log(toJson({ deltaTolerance: result.deltaTolerance, lemmaDomain: result.lemmaDomain, dims: result.dims, completed: result.completed, missing: result.missing }));
    return 0;
  }
  for (const dim of result.dims) {
    console.log(`d = ${dim.d}: single delta optimal for Δ ∈ [${dim.deltaLow?.toFixed(4) ?? '≤ scan start'}, ${dim.deltaHigh?.toFixed(4) ?? '≥ scan end'}] (± ${result.deltaTolerance / 2})`);
    console.log(`${'Δ'.padStart(8)}${'R_min'.padStart(14)}${'single δ'.padStart(14)}${'r*'.padStart(10)}  Lemma 1`);
    for (const r of dim.rows) console.log(`${r.delta.toFixed(3).padStart(8)}${r.gridMinimum.risk.toPrecision(8).padStart(14)}${r.singleDelta.risk.toPrecision(8).padStart(14)}${r.singleDelta.rStar.toFixed(4).padStart(10)}  ${r.lemma1.holds ? 'holds' : 'fails'}`);
    for (const p of dim.dynamics) console.log(`  Δ = ${p.delta}: PDE risk at long time ${p.pdeRisk.toPrecision(6)}${p.sgdRisk !== null ? `, SGD ${p.sgdRisk.toPrecision(6)}` : ''}`);
  }
  return 0;
}
