/** `meanfield solve <spec.json> --out <dir>`: the reduced PDE of every run of the spec. */
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { riskWords } from '../io/risk-name.ts';
import { runSolve, toleranceNote, writeSolveOutputs } from '../pipeline/solve.ts';
import { checkOutputDir, endProgress, exportIfAsked, progressLine, readJson, readSpec, UsageError, withInterrupt } from './common.ts';

export async function commandSolve(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, quiet: { type: 'boolean', default: false }, format: { type: 'string' } } });
  await readSpec(positionals[0]); // validate before starting a worker: a bad spec is a config error now
  if (!values.out) throw new UsageError('solve needs --out <dir>');
  checkOutputDir(values.out);
  const quiet = values.quiet!;
  return withInterrupt(async (stopped) => {
    const result = await runSolve(readJson(positionals[0]), dirname(resolve(positionals[0]!)), { shouldStop: stopped, onProgress: progressLine(quiet) });
    const files = writeSolveOutputs(values.out!, result);
    endProgress(quiet);
    const words = riskWords(result.riskName);
    for (const r of result.runs) {
      const last = r.times.length - 1;
      console.log(
        `solved ${r.model} by ${r.method}: ${r.steps} steps in ${(r.ms / 1000).toFixed(2)} s; ` +
          `${words.name} ${r.risk[0]?.toFixed(6)} → ${r.risk[last]?.toFixed(6)} at t = ${r.times[last]}` +
          (r.check ? `; check (${r.check.label}) max |Δ${words.symbol}| = ${r.check.maxRiskDiff.toExponential(2)}` : ''),
      );
      if (r.error) {
        console.log(`discretisation error (${r.error.method}${toleranceNote(r.error)}):`);
        console.log(['t', 'risk', '± risk', ...r.coordinates.flatMap((c) => [`mean ${c}`, `± ${c}`])].map((c) => c.padStart(14)).join(''));
        r.times.forEach((t, k) => {
          const cells = [t.toString(), r.risk[k].toFixed(8), r.error!.risk[k].toExponential(1), ...r.means.flatMap((m, a) => [m[k].toFixed(6), r.error!.means[a][k].toExponential(1)])];
          console.log(cells.map((c) => c.padStart(14)).join(''));
        });
      }
      if (r.stoppedEarly) console.log(`stopped early at t = ${r.times[last] ?? 0} (${r.stopReason}); save times after it are missing`);
    }
    console.log(`wrote ${files.json}\nwrote ${files.html}`);
    await exportIfAsked(values.out!, values.format);
    return result.completed ? 0 : 130;
  });
}
