/**
 * Shards and merge in one process (src/cluster): the merged result of any split equals the unsharded
 * run apart from provenance and timings; a killed shard re-runs only its missing tasks; a finished
 * shard is a no-op; shards of a changed spec are refused by name.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromExactJson, toExactJson } from '../../src/cluster/exact-json.ts';
import { loadJob, type JobInput } from '../../src/cluster/job.ts';
import { mergeShards } from '../../src/cluster/merge.ts';
import { parseShard, runShard } from '../../src/cluster/shard.ts';
import { ConfigError } from '../../src/errors.ts';
import { writeCompareOutputs } from '../../src/pipeline/compare-report.ts';
import { runCompare } from '../../src/pipeline/compare.ts';
import { normalizedReport, normalizedResult, SMALL_SPEC, tempDir } from './helpers.ts';

/** Two variants that differ only in their particles (one shared PDE task) and one with its own PDE. */
const VARIANTS_SPEC = {
  ...SMALL_SPEC,
  particles: { n: 40, epsilon: 1e-3, seeds: 2 },
  solver: { companion: false },
  variants: [{ label: 'N = 40' }, { label: 'N = 60', particles: { n: 60 } }, { label: 'Δ = 0.6', model: { delta: 0.6 } }],
};

const input = (raw: unknown, specPath = 'spec.json'): JobInput => ({ command: 'compare', specPath, raw, baseDir: '.', paper: false, overrides: {} });

describe('exact JSON of task results', () => {
  it('gives back typed arrays bit for bit and the numbers JSON cannot hold', () => {
    const value = { a: Float64Array.from([0.1, -0, Math.PI, 1e-310]), b: [-0, Number.NaN, Infinity, -Infinity, 1.5], c: new Int32Array([1, -2]), s: 'x', n: null };
    const back = fromExactJson<typeof value>(toExactJson(value));
    expect(back.a).toBeInstanceOf(Float64Array);
    expect(Array.from(back.a)).toEqual(Array.from(value.a));
    expect(Object.is(back.a[1], -0) && Object.is(back.b[0], -0)).toBe(true);
    expect(back.b.slice(1)).toEqual([Number.NaN, Infinity, -Infinity, 1.5]);
    expect(back.c).toBeInstanceOf(Int32Array);
    expect(Array.from(back.c)).toEqual([1, -2]);
    expect(back.s).toBe('x');
  });
});

describe('shards and merge of compare', () => {
  it('task ids are stable and each task lands in exactly one shard', async () => {
    const job = await loadJob(input(VARIANTS_SPEC));
    // runs 0 and 1 share one PDE; run 2 has its own
    expect(job.tasks.map((t) => t.id)).toEqual(['run0-pde', 'run2-pde', 'run0-replica0', 'run0-replica1', 'run1-replica0', 'run1-replica1', 'run2-replica0', 'run2-replica1']);
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['3/3', '1', '-1/2', 'a/b', '0/0']) expect(() => parseShard(bad)).toThrow(/--shard: must be k\/n/);
  });

  it('3 shards merged equal the unsharded run (variants, shared PDE), and the merge writes the same files', async () => {
    const dir = tempDir('merge');
    const whole = await runCompare(VARIANTS_SPEC, {}, { workers: 0, curveSteps: VARIANTS_SPEC.curveSteps });
    writeCompareOutputs(join(dir, 'whole'), whole);
    const job = await loadJob(input(VARIANTS_SPEC));
    const shards = [0, 1, 2].map((k) => join(dir, `shard-${k}`));
    for (const [k, folder] of shards.entries()) {
      const report = await runShard(job, { index: k, count: 3 }, folder, { workers: 0 });
      expect(report).toMatchObject({ alreadyDone: 0, completed: true });
    }
    const outcome = await mergeShards(shards, join(dir, 'merged'));
    expect(outcome.missing).toEqual([]);
    expect(normalizedResult(join(dir, 'merged'))).toBe(normalizedResult(join(dir, 'whole')));
    expect(normalizedReport(join(dir, 'merged'))).toBe(normalizedReport(join(dir, 'whole')));
    rmSync(dir, { recursive: true });
  });

  it('a killed shard: merge lists its missing task, re-running the shard does only that one, then the merge completes', async () => {
    const spec = { ...SMALL_SPEC, particles: { ...SMALL_SPEC.particles, seeds: 3 } };
    const dir = tempDir('kill');
    const job = await loadJob(input(spec));
    const shards = [0, 1].map((k) => join(dir, `shard-${k}`));
    for (const [k, folder] of shards.entries()) await runShard(job, { index: k, count: 2 }, folder, { workers: 0 });
    // tasks: run0-pde, replica0, replica1, replica2 → shard 1 holds replica0 (j = 1) and replica2 (j = 3)
    rmSync(join(shards[1], 'tasks', 'run0-replica2.json'));
    const partial = await mergeShards(shards, join(dir, 'merged'));
    expect(partial.missing).toEqual([{ id: 'run0-replica2', shard: '1/2' }]);
    expect(partial.files).toEqual([]);
    expect(existsSync(join(dir, 'merged', 'result.json'))).toBe(false);
    const again = await runShard(job, { index: 1, count: 2 }, shards[1], { workers: 0 });
    expect(again).toEqual({ total: 2, alreadyDone: 1, finished: 1, completed: true });
    const noop = await runShard(job, { index: 1, count: 2 }, shards[1], { workers: 0 });
    expect(noop).toEqual({ total: 2, alreadyDone: 2, finished: 0, completed: true });
    const merged = await mergeShards(shards, join(dir, 'merged'));
    expect(merged.missing).toEqual([]);
    const whole = await runCompare(spec, {}, { workers: 0, curveSteps: spec.curveSteps });
    writeCompareOutputs(join(dir, 'whole'), whole);
    expect(normalizedResult(join(dir, 'merged'))).toBe(normalizedResult(join(dir, 'whole')));
    // merge --resume runs a missing task itself, into the output folder
    rmSync(join(shards[0], 'tasks', 'run0-pde.json'));
    const resumed = await mergeShards(shards, join(dir, 'resumed'), { resume: true, workers: 0 });
    expect(resumed).toMatchObject({ missing: [], rerun: 1 });
    expect(existsSync(join(dir, 'resumed', 'tasks', 'run0-pde.json'))).toBe(true);
    expect(normalizedResult(join(dir, 'resumed'))).toBe(normalizedResult(join(dir, 'whole')));
    rmSync(dir, { recursive: true });
  });

  it('refuses a shard of a changed spec by name, and a shard folder of another job', async () => {
    const dir = tempDir('hash');
    const job = await loadJob(input(SMALL_SPEC, '/specs/a.json'));
    const changed = await loadJob(input({ ...SMALL_SPEC, seed: 8 }, '/specs/b.json'));
    await runShard(job, { index: 0, count: 2 }, join(dir, 'shard-0'), { workers: 0 });
    await runShard(changed, { index: 1, count: 2 }, join(dir, 'shard-1'), { workers: 0 });
    const merge = mergeShards([join(dir, 'shard-0'), join(dir, 'shard-1')], join(dir, 'merged'));
    await expect(merge).rejects.toThrow(ConfigError);
    await expect(mergeShards([join(dir, 'shard-0'), join(dir, 'shard-1')], join(dir, 'merged'))).rejects.toThrow(
      new RegExp(`${join(dir, 'shard-1')} was made from a different spec than ${join(dir, 'shard-0')} \\(/specs/b.json`),
    );
    await expect(runShard(changed, { index: 0, count: 2 }, join(dir, 'shard-0'), { workers: 0 })).rejects.toThrow(/holds a shard of another job \(spec \/specs\/a.json/);
    writeFileSync(join(dir, 'not-a-shard'), '');
    await expect(mergeShards([join(dir, 'nothing')], join(dir, 'merged'))).rejects.toThrow(/is not a shard folder/);
    rmSync(dir, { recursive: true });
  });
});
