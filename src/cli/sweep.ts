/**
 * `meanfield sweep <spec.json> [--out <dir>] [--json] [--quiet]`: the risk-vs-Δ table, [Δ^l, Δ^h] per d
 * and the long-time PDE and SGD risks of the spec's `sweep` block (MMN Fig. 2; src/pipeline/landscape.ts).
 */
import { parseArgs } from 'node:util';
import { toJson } from '../io/output.ts';
import { runSweep, writeSweepOutputs } from '../pipeline/landscape.ts';
import { checkOutputDir, exportIfAsked, readSpec } from './common.ts';

export async function commandSweep(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, json: { type: 'boolean', default: false }, quiet: { type: 'boolean', default: false }, format: { type: 'string' } } });
  const spec = await readSpec(positionals[0]);
  if (values.out) checkOutputDir(values.out);
  const result = await runSweep(spec, { onProgress: values.quiet || values.json ? undefined : (m) => process.stderr.write(`sweep: ${m}\n`) });
  if (values.out) {
    const files = writeSweepOutputs(values.out, result);
    if (!values.json) console.log(`wrote ${files.json}\nwrote ${files.html}`);
    await exportIfAsked(values.out, values.format);
  }
  if (values.json) {
    console.log(toJson({ deltaTolerance: result.deltaTolerance, lemmaDomain: result.lemmaDomain, dims: result.dims }));
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
