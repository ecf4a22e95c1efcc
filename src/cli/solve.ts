/** `meanfield solve <spec.json> --out <dir>`: the reduced PDE of every run of the spec. */
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runSolve, writeSolveOutputs } from '../pipeline/solve.ts';
import { announceResources, checkOutputDir, endProgress, exportIfAsked, progressLine, readJson, readSpec, UsageError, withInterrupt } from './common.ts';

export async function commandSolve(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, quiet: { type: 'boolean', default: false }, format: { type: 'string' } } });
  const spec = await readSpec(positionals[0]); // validate before starting a worker: a bad spec is a config error now
  if (!values.out) throw new UsageError('solve needs --out <dir>');
  checkOutputDir(values.out);
  announceResources(spec, { pde: true, particles: false });
  const quiet = values.quiet!;
  return withInterrupt(async (stopped) => {
    const result = await runSolve(readJson(positionals[0]), dirname(resolve(positionals[0]!)), { shouldStop: stopped, onProgress: progressLine(quiet) });
    const files = writeSolveOutputs(values.out!, result);
    endProgress(quiet);
    for (const r of result.runs) {
      const last = r.times.length - 1;
      console.log(
        `solved ${r.model} by ${r.method}: ${r.steps} steps in ${(r.ms / 1000).toFixed(2)} s; ` +
          `risk ${r.risk[0]?.toFixed(6)} → ${r.risk[last]?.toFixed(6)} at t = ${r.times[last]}` +
          (r.check ? `; check (${r.check.label}) max |ΔR| = ${r.check.maxRiskDiff.toExponential(2)}` : ''),
      );
      if (r.stoppedEarly) console.log(`stopped early at t = ${r.times[last] ?? 0} (${r.stopReason}); save times after it are missing`);
    }
    console.log(`wrote ${files.json}\nwrote ${files.html}`);
    await exportIfAsked(values.out!, values.format);
    return result.completed ? 0 : 130;
  });
}
