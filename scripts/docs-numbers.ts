/**
 * `npm run docs:numbers`: the measured numbers of the READMEs, regenerated from real runs into their
 * marked regions (`<!-- numbers:NAME -->` … `<!-- /numbers:NAME -->`; scripts/docs-numbers/).
 *
 *   npm run docs:numbers                 every region (seconds): Fig. 2 thresholds and kernel orders computed
 *                                        here, the rest from the committed measurements in bench/
 *   npm run docs:numbers -- --timings    first time the commands of TIMED_COMMANDS again (quick start, solve, sweep; minutes)
 *   npm run docs:numbers -- --all        first re-run every measurement (minutes), then write every region
 *   npm run docs:numbers -- --measure mmn-fig3,mmn-clt   the named measurements only (fig1-reference, sgd-diffusion,
 *                                        the examples of registry.ts, quick-start, solve, sweep)
 *   npm run docs:numbers -- --check      regenerate the deterministic regions and exit 1 if a README differs (writes nothing)
 *   npm run docs:numbers -- --list       the regions and what each holds
 */
import { parseArgs } from 'node:util';
import { TIMED_COMMANDS, newContext, type GeneratorKind } from './docs-numbers/generators.ts';
import { GENERATORS, MEASUREMENTS } from './docs-numbers/registry.ts';
import { renderGenerators, rewriteFiles } from './docs-numbers/update.ts';

const USAGE = `usage: npm run docs:numbers [-- --check | --timings | --all | --measure ${Object.keys(MEASUREMENTS).join(',')} | --list]`;
let args: { check?: boolean; timings?: boolean; all?: boolean; measure?: string; list?: boolean };
try {
  args = parseArgs({ options: { check: { type: 'boolean' }, timings: { type: 'boolean' }, all: { type: 'boolean' }, measure: { type: 'string' }, list: { type: 'boolean' } } }).values;
} catch (e) {
  console.error(`docs:numbers: ${(e as Error).message}\n${USAGE}`);
  process.exit(2);
}
const measure = args.all ? Object.keys(MEASUREMENTS) : [...(args.measure?.split(',').filter(Boolean) ?? []), ...(args.timings ? Object.keys(TIMED_COMMANDS) : [])];
const unknown = measure.filter((name) => !(name in MEASUREMENTS));
if (unknown.length > 0) {
  console.error(`docs:numbers: --measure: unknown measurement ${unknown.join(', ')} (allowed: ${Object.keys(MEASUREMENTS).join(', ')})\n${USAGE}`);
  process.exit(2);
}
if (args.check && measure.length > 0) {
  console.error(`docs:numbers: --check regenerates only the cheap, deterministic regions; it cannot be combined with a measurement\n${USAGE}`);
  process.exit(2);
}
if (args.list) {
  for (const g of GENERATORS) console.log(`${g.name.padEnd(22)} ${g.kind.padEnd(8)} ${g.what}`);
  process.exit(0);
}

const log = (line: string) => console.error(`docs:numbers: ${line}`);
const context = newContext();
try {
  for (const name of Object.keys(MEASUREMENTS).filter((m) => measure.includes(m))) await MEASUREMENTS[name](context, log);
  const kinds: GeneratorKind[] = args.check ? ['checked'] : ['checked', 'timing'];
  const { generated, skipped } = await renderGenerators(context, kinds);
  const stale = rewriteFiles(context, generated, !args.check);
  if (args.check) {
    if (stale.length > 0) {
      console.error(`docs:numbers: ${stale.length} region(s) differ from their generator (run npm run docs:numbers):\n  ${stale.join('\n  ')}`);
      process.exit(1);
    }
    console.log('docs:numbers: every checked region is current');
  } else {
    console.log(stale.length > 0 ? `docs:numbers: rewrote ${stale.join(', ')}` : 'docs:numbers: every region was current');
    if (skipped.length > 0) console.log(`docs:numbers: never measured (see --measure), kept as they are: ${skipped.join(', ')}`);
  }
} catch (e) {
  console.error(`docs:numbers: ${(e as Error).message}`);
  process.exit(1);
}
