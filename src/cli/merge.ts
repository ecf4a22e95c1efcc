/**
 * `meanfield merge <dir>... --out <dir> [--resume] [--workers W]`: result.json and report.html of a
 * sharded run from its partial folders (src/cluster/merge.ts). Missing tasks are listed (exit 1);
 * `--resume` runs them here first.
 */
import { parseArgs } from 'node:util';
import { mergeShards } from '../cluster/merge.ts';
import { integerFlag, messageReporter, UsageError, withInterrupt } from './common.ts';
import { MAX_WORKERS } from '../parallel/pool.ts';

export const MERGE_USAGE = `meanfield merge <dir>... --out <dir> [--resume] [--workers W]
                                                     assemble the shard folders of a cluster run (the
                                                     unsharded result); --resume runs missing tasks here`;

export async function commandMerge(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: 'string' }, resume: { type: 'boolean', default: false }, workers: { type: 'string' }, quiet: { type: 'boolean', default: false } },
  });
  if (!values.out) throw new UsageError('merge needs --out <dir>');
  if (positionals.length === 0) throw new UsageError('merge needs the shard folders: meanfield merge <dir>... --out <dir>');
  const workers = integerFlag(values.workers, '--workers', 1, MAX_WORKERS);
  return withInterrupt(values.quiet!, async (stop, progress) => {
    const outcome = await mergeShards(positionals, values.out!, { resume: values.resume, workers, shouldStop: stop.stopped, onProgress: messageReporter(progress, 'merge') });
    progress.done();
    if (outcome.rerun > 0) {
      console.log(`ran ${outcome.rerun} missing task(s) into ${values.out}`);
    }
    if (outcome.missing.length > 0) {
      console.error(`merge: ${outcome.missing.length} of ${outcome.job.tasks.length} task(s) missing, nothing written:`);
      for (const m of outcome.missing) console.error(`  ${m.id}${m.shard ? ` (shard ${m.shard})` : ''}`);
      const shards = [...new Set(outcome.missing.flatMap((m) => (m.shard ? [m.shard] : [])))];
      if (shards.length > 0) console.error(`re-run shard(s) ${shards.join(', ')} (a re-run does only the missing tasks), or merge with --resume to run them here`);
      return 1;
    }
    for (const file of outcome.files) console.log(`wrote ${file}`);
    return 0;
  });
}
