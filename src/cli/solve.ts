/** `meanfield solve <spec.json> --out <dir> [--resume]`: the reduced PDE of every run of the spec. */
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runSolve, writeSolveOutputs } from '../pipeline/solve.ts';
import { exportIfAsked, phaseReporter, readJson, readSpec, UsageError, withInterrupt } from './common.ts';

export async function commandSolve(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: 'string' }, quiet: { type: 'boolean', default: false }, format: { type: 'string' }, resume: { type: 'boolean', default: false } },
  });
  await readSpec(positionals[0]); // validate before starting a worker: a bad spec is a config error now
  if (!values.out) throw new UsageError('solve needs --out <dir>');
  return withInterrupt(values.quiet!, async (stop, progress) => {
    const result = await runSolve(readJson(positionals[0]), dirname(resolve(positionals[0]!)), {
      shouldStop: stop.stopped,
      onProgress: phaseReporter(progress),
      checkpointDir: values.out,
      resume: values.resume,
    });
    const files = writeSolveOutputs(values.out!, result);
    progress.done();
    for (const r of result.runs) {
      const last = r.times.length - 1;
      console.log(
        `solved ${r.model} by ${r.method}: ${r.steps} steps in ${(r.ms / 1000).toFixed(2)} s; ` +
          `risk ${r.risk[0]?.toFixed(6)} → ${r.risk[last]?.toFixed(6)} at t = ${r.times[last]}` +
          (r.check ? `; check (${r.check.label}) max |ΔR| = ${r.check.maxRiskDiff.toExponential(2)}` : ''),
      );
    }
    console.log(`wrote ${files.json}\nwrote ${files.html}`);
    await exportIfAsked(values.out!, values.format);
    if (result.completed) return 0;
    console.log(`stopped early (${stop.signal ?? 'stop'}); missing:\n  ${result.missing.join('\n  ')}\nfinished phases (if any) are saved in ${values.out}/checkpoints: run the same command with --resume to continue`);
    return stop.exitCode();
  });
}
