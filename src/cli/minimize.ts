/**
 * `meanfield minimize <spec.json> [--json] [--lemma-domain half-line|grid]`: the certified global
 * minimum of the risk over laws on the spec's grid, the single-delta ansatz with the MMN Lemma 1 test,
 * and the stability of the point mass at r* (src/pipeline/landscape.ts).
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.ts';
import { toJson } from '../io/output.ts';
import { runMinimize } from '../pipeline/landscape.ts';
import { readSpec } from './common.ts';

export async function commandMinimize(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false }, 'lemma-domain': { type: 'string', default: 'half-line' } } });
  const domain = values['lemma-domain'];
  if (domain !== 'half-line' && domain !== 'grid') throw new ConfigError('--lemma-domain', `must be "half-line" or "grid" (got ${JSON.stringify(domain)})`);
  const result = runMinimize(await readSpec(positionals[0]), domain);
  if (values.json) {
    console.log(toJson(result));
    return 0;
  }
  const { minimum: m, singleDelta: sd, stability } = result;
  console.log(`grid minimum of R: ${m.risk.toPrecision(12)} (duality gap ${m.dualityGap.toExponential(2)}, lower bound ${m.lowerBound.toPrecision(12)}, ${m.converged ? 'converged' : 'NOT converged'})`);
  console.log(`minimiser: ${m.support.length} atom(s)`);
  for (const a of m.support) console.log(`  r = ${a.coordinates[0].toFixed(6)}  mass = ${a.mass.toPrecision(8)}  ψ = ${a.psi.toPrecision(12)}`);
  console.log(`certificate (MMN eq. 17): max ψ on support − min ψ = ${m.certificate.violation.toExponential(2)}`);
  console.log(`single delta (MMN eq. 14): r* = ${sd.rStar.toPrecision(10)}, R = ${sd.risk.toPrecision(12)}`);
  console.log(`Lemma 1 on ${sd.lemma1.domain}: ${sd.lemma1.holds ? 'holds' : 'fails'} (margin ${sd.lemma1.margin.toExponential(3)}, normalised ${sd.lemma1.normalizedMargin.toExponential(3)})`);
  console.log(`point mass at r*: ψ'(r*) = ${stability.psiPrime.toExponential(2)}, ψ''(r*) = ${stability.psiSecond.toPrecision(6)} → ${stability.classification}`);
  return 0;
}
