/**
 * `meanfield merge <dir>... --out <dir>`: the result of a sharded job from its partial folders. Every
 * folder must hold the same job (spec hash); each task is taken from the first folder that has it; the
 * command's own assembly (the one the unsharded run uses) then writes result.json and the report,
 * identical to the unsharded run's apart from `provenance` (which lists the folders and where each
 * task ran). Missing tasks are listed, not skipped; with `resume` the merge runs them itself, into
 * `<out>` (a partial folder of its own), and then merges.
 */
import { resolve } from 'node:path';
import { ConfigError, InputError } from '../errors.ts';
import { makeProvenance } from '../io/output.ts';
import { finishedTaskIds, loadTask, readManifest, writeManifest, type ShardManifest, type TaskProvenance } from './folder.ts';
import { loadJob, shardOf, type Job } from './job.ts';
import { runJobTasksInto, type ShardControl } from './shard.ts';

export interface MergeOutcome {
  readonly job: Job;
  /** Missing task ids (with the shard k/n each belongs to, if the folders say); empty when merged. */
  readonly missing: Array<{ id: string; shard: string | null }>;
  /** Written files (empty when tasks are missing). */
  readonly files: string[];
  readonly rerun: number;
}

/** The manifests of the folders, all of one job (ConfigError naming the odd folder otherwise). */
function readManifests(dirs: readonly string[]): Array<{ dir: string; manifest: ShardManifest }> {
  const found = dirs.map((dir) => {
    const manifest = readManifest(dir);
    if (!manifest) throw new InputError(`merge: ${dir} is not a shard folder (no shard.json): run "meanfield compare|sweep <spec> --shard k/n --out ${dir}" first`);
    return { dir, manifest };
  });
  const first = found[0];
  for (const other of found.slice(1)) {
    if (other.manifest.hash !== first.manifest.hash) {
      throw new ConfigError(
        'merge',
        `${other.dir} was made from a different spec than ${first.dir} (${other.manifest.job.specPath}, spec hash ${other.manifest.hash.slice(0, 12)} vs ${first.manifest.job.specPath}, ${first.manifest.hash.slice(0, 12)}): refusing to merge; re-run that shard with the same spec`,
      );
    }
  }
  return found;
}

export async function mergeShards(dirs: readonly string[], out: string, options: { resume?: boolean } & ShardControl = {}): Promise<MergeOutcome> {
  if (dirs.length === 0) throw new ConfigError('merge', 'needs at least one shard folder');
  const t0 = performance.now();
  // the output folder's own re-runs (from an earlier merge --resume) count as a shard folder
  const outManifest = readManifest(out);
  const sources = [...dirs.filter((d) => resolve(d) !== resolve(out)), ...(outManifest ? [out] : [])];
  const folders = readManifests(sources);
  const job = await loadJob(folders[0].manifest.job);
  const holder = new Map<string, string>();
  for (const { dir } of folders) for (const id of finishedTaskIds(dir, job.hash)) if (!holder.has(id)) holder.set(id, dir);
  const count = folders.find((f) => f.manifest.shard)?.manifest.shard?.count ?? null;
  const missingIds = job.tasks.map((t) => t.id).filter((id) => !holder.has(id));
  let rerun = 0;
  if (missingIds.length > 0 && options.resume) {
    writeManifest(out, { kind: 'meanfield.shard', hash: job.hash, job: job.input, shard: null, tasks: missingIds });
    const report = await runJobTasksInto(job, missingIds, out, 'merge --resume', options);
    rerun = report.finished;
    for (const id of finishedTaskIds(out, job.hash)) if (!holder.has(id)) holder.set(id, out);
  }
  const missing = job.tasks
    .map((t, j) => ({ id: t.id, shard: count ? `${shardOf(j, count)}/${count}` : null }))
    .filter((t) => !holder.has(t.id));
  if (missing.length > 0) return { job, missing, files: [], rerun };
  const loaded = new Map<string, { result: unknown; provenance: TaskProvenance }>();
  const resultOf = (id: string) => {
    if (!loaded.has(id)) {
      const task = loadTask(holder.get(id)!, job.hash, id);
      if (!task) throw new Error(`merge: task ${id} in ${holder.get(id)} cannot be read`);
      loaded.set(id, task);
    }
    return loaded.get(id)!.result;
  };
  const provenance = Object.assign(makeProvenance(job.spec.seed, {}, job.spec.runs), {
    cluster: {
      specHash: job.hash,
      folders: [...new Set(holder.values())].map((dir) => resolve(dir)),
      tasks: [] as TaskProvenance[],
    },
  });
  const result = job.assemble(resultOf, provenance);
  provenance.cluster.tasks = job.tasks.flatMap((t) => (loaded.has(t.id) ? [loaded.get(t.id)!.provenance] : []));
  provenance.timings.mergeMs = performance.now() - t0;
  return { job, missing: [], files: job.write(out, result), rerun };
}
