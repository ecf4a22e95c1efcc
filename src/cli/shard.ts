/**
 * `meanfield compare|sweep <spec.json> --shard k/n --out <dir>`: one shard of a cluster run
 * (src/cluster): writes a partial result folder; `meanfield merge` assembles the shards.
 */
import { dirname, resolve } from 'node:path';
import type { JobCommand, JobInput } from '../cluster/job.ts';
import { messageReporter, UsageError, withInterrupt } from './common.ts';

export async function commandShard(input: JobInput, shardText: string, out: string | undefined, options: { workers?: number; quiet: boolean }): Promise<number> {
  if (!out) throw new UsageError('--shard needs --out <dir> (the shard\'s partial result folder)');
  const { loadJob } = await import('../cluster/job.ts');
  const { parseShard, runShard } = await import('../cluster/shard.ts');
  const shard = parseShard(shardText);
  const job = await loadJob(input);
  return withInterrupt(options.quiet, async (stop, progress) => {
    const report = await runShard(job, shard, out, { workers: options.workers, shouldStop: stop.stopped, onProgress: messageReporter(progress, `shard ${shard.index}/${shard.count}`) });
    progress.done();
    if (report.alreadyDone === report.total) {
      console.log(`shard ${shard.index}/${shard.count}: all ${report.total} task(s) already finished in ${out}: nothing to do`);
      return 0;
    }
    console.log(`shard ${shard.index}/${shard.count}: ${report.finished} task(s) run, ${report.alreadyDone} already finished, of ${report.total}; wrote ${out}`);
    if (!report.completed) {
      console.log('stopped early: finished tasks are saved; run the same command again to do the rest');
      return stop.exitCode();
    }
    return 0;
  });
}

/** The job input of a spec file and a command's options (paths made absolute, so shards can run anywhere). */
export function jobInputOf(command: JobCommand, specPath: string, raw: unknown, options: Pick<JobInput, 'paper' | 'overrides' | 'study'>): JobInput {
  const study = options.study && Object.keys(options.study).length > 0 ? { study: options.study } : {};
  return { command, specPath: resolve(specPath), raw, baseDir: dirname(resolve(specPath)), paper: options.paper, overrides: options.overrides, ...study };
}
