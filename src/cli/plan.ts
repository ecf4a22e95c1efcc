/**
 * `meanfield plan [compare|sweep] <spec.json> --shards n --out <dir> [--seeds K] [--paper] [--ns …]
 * [--epsilons …] [--widths …] [--cpus C]`: the task list of `meanfield compare <spec.json> [flags]`
 * (any of its studies) or of `meanfield sweep <spec.json>` split into n shards, with time and memory
 * estimates, a GNU parallel jobs file and a Slurm array script (src/cluster/plan.ts).
 */
import { parseArgs } from 'node:util';
import { loadJob, type JobCommand } from '../cluster/job.ts';
import { planShards } from '../cluster/plan.ts';
import { integerFlag, readJson, UsageError } from './common.ts';
import { compareJobInput } from './compare.ts';
import { jobInputOf } from './shard.ts';

export const PLAN_USAGE = `meanfield plan [compare|sweep] <spec.json> --shards n --out <dir> [--cpus C]
             [--seeds K] [--paper] [--ns …] [--epsilons …] [--widths …]
                                                     split the tasks of compare (with these flags: seeds,
                                                     variants, the CLT or width study) or of sweep into n
                                                     shards: estimates, a GNU parallel jobs file and a
                                                     Slurm array script in <dir>`;

const fmtSeconds = (s: number) => (s < 120 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`);

/** The flags of compare that shape its task list, passed on to the shards' command lines. */
const STUDY_FLAGS = ['seeds', 'ns', 'epsilons', 'widths'] as const;

export async function commandPlan(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      shards: { type: 'string' },
      out: { type: 'string' },
      seeds: { type: 'string' },
      paper: { type: 'boolean', default: false },
      cpus: { type: 'string' },
      ns: { type: 'string' },
      epsilons: { type: 'string' },
      widths: { type: 'string' },
    },
  });
  const command: JobCommand = positionals[0] === 'sweep' ? 'sweep' : 'compare';
  const specPath = positionals[0] === 'sweep' || positionals[0] === 'compare' ? positionals[1] : positionals[0];
  if (values.shards === undefined) throw new UsageError('plan needs --shards n');
  if (!values.out) throw new UsageError('plan needs --out <dir> (where the jobs file, the Slurm script and the shards go)');
  const shards = integerFlag(values.shards, '--shards', 1)!;
  const cpus = integerFlag(values.cpus, '--cpus', 1) ?? 1;
  if (command === 'sweep') {
    const given = [...STUDY_FLAGS.filter((f) => values[f] !== undefined), ...(values.paper ? ['paper'] : [])];
    if (given.length > 0) throw new UsageError(`plan sweep: --${given[0]} is a compare flag (sweep reads everything from the spec)`);
  }
  const input = command === 'sweep' ? jobInputOf('sweep', specPath, readJson(specPath), { paper: false, overrides: {} }) : await compareJobInput(specPath, values);
  const job = await loadJob(input);
  if (shards > job.tasks.length) throw new UsageError(`plan: --shards ${shards} is more than the ${job.tasks.length} task(s): some shards would be empty`);
  const flags = command === 'sweep' ? [] : [...STUDY_FLAGS.flatMap((f) => (values[f] !== undefined ? [`--${f}`, values[f]!] : [])), ...(values.paper ? ['--paper'] : [])];
  const commandArgs = [command, job.input.specPath, ...flags];
  console.error('estimating: a short probe of one task of each kind …');
  const plan = await planShards(job, { shards, out: values.out, cpus, commandArgs });
  console.log(`${plan.tasks} task(s) in ${shards} shard(s) (task j → shard j mod ${shards}); spec hash ${job.hash.slice(0, 12)}`);
  console.log('estimate per task (rough: extrapolated from probes of a fraction of the horizon):');
  for (const g of plan.groups) console.log(`  ${g.group.padEnd(24)} ×${String(g.tasks).padStart(4)}  ${fmtSeconds(g.seconds).padStart(9)}  ${Math.ceil(g.memoryMb)} MB`);
  plan.perShard.forEach((s, k) => console.log(`  shard ${k}/${shards}: ${s.tasks} task(s), ≈ ${fmtSeconds(s.seconds)} on ${cpus} cpu(s)`));
  console.log(`Slurm resources per array task: --cpus-per-task=${cpus} --mem=${plan.slurm.memoryMb}M --time=${plan.slurm.timeLimit}`);
  console.log(`wrote ${plan.files.jobs}   (parallel --jobs ${shards} < ${plan.files.jobs})`);
  console.log(`wrote ${plan.files.slurm}   (sbatch ${plan.files.slurm})`);
  console.log(`then: meanfield merge ${values.out}/shard-*-of-${shards} --out ${values.out}/merged`);
  return 0;
}
