/** `meanfield solve <spec.json> --out <dir> [--resume]`: the reduced PDE of every run of the spec. */
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { riskWords } from '../io/risk-name.ts';
import { runSolve, toleranceNote, writeSolveOutputs } from '../pipeline/solve.ts';
import { announceResources, checkOutputDir, exportIfAsked, phaseReporter, readJson, readSpec, UsageError, withInterrupt } from './common.ts';

export async function commandSolve(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: 'string' }, quiet: { type: 'boolean', default: false }, format: { type: 'string' }, resume: { type: 'boolean', default: false } },
  });
  const spec = await readSpec(positionals[0]); // validate before starting a worker: a bad spec is a config error now
  if (!values.out) throw new UsageError('solve needs --out <dir>');
  checkOutputDir(values.out);
  announceResources(spec, { pde: true, particles: false });
  return withInterrupt(values.quiet!, async (stop, progress) => {
    // the worker's first report comes after the model, kernel and initial law are built (seconds for a formula σ): say so meanwhile
    progress.phase('solve');
    progress.update(null, 'setting up the model, kernel and initial law');
    const result = await runSolve(readJson(positionals[0]), dirname(resolve(positionals[0]!)), {
      shouldStop: stop.stopped,
      onProgress: phaseReporter(progress),
      checkpointDir: values.out,
      resume: values.resume,
    });
    const files = writeSolveOutputs(values.out!, result);
    progress.done();
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
    }
    console.log(`wrote ${files.json}\nwrote ${files.html}`);
    await exportIfAsked(values.out!, values.format);
    if (result.completed) return 0;
    console.log(`stopped early (${stop.signal ?? 'stop'}); missing:\n  ${result.missing.join('\n  ')}\nfinished phases (if any) are saved in ${values.out}/checkpoints: run the same command with --resume to continue`);
    return stop.exitCode();
  });
}
