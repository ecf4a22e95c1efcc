/**
 * Every multi-task command shards: the CLT study, the width study (with a PDE), the width study of a
 * particle-only model and sweep, each run as 2–3 shards and merged, equal the unsharded run (result.json
 * and report.html, provenance and wall-clock timings aside; test/cluster/helpers.ts). Tiny sizes: each
 * study takes seconds. A shard of a changed study (other CLT settings) is refused by name.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadJob, type JobInput } from '../../src/cluster/job.ts';
import { mergeShards } from '../../src/cluster/merge.ts';
import { runShard } from '../../src/cluster/shard.ts';
import { main } from '../../src/cli/main.ts';
import { writeResult } from '../../src/io/result.ts';
import { cltStudyReport, runCltStudyFromSpec } from '../../src/pipeline/clt-study.ts';
import { runWidthStudy as runNetworkStudy, writeWidthStudyOutputs } from '../../src/pipeline/network-study.ts';
import { widthReport } from '../../src/pipeline/width-report.ts';
import { runWidthStudy, widthSettings } from '../../src/pipeline/width-study.ts';
import { parseSpec } from '../../src/spec/index.ts';
import { normalizedReport, normalizedResult, SMALL_CLT_SPEC, SMALL_SPEC, tempDir, writeSpec } from './helpers.ts';

const dir = tempDir('studies');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const input = (raw: unknown, study: JobInput['study'], specPath = 'spec.json'): JobInput => ({ command: 'compare', specPath, raw, baseDir: '.', paper: false, overrides: {}, study });

/** Runs the job as `count` shards in this thread and merges them into `<name>/merged`; returns that folder. */
async function shardAndMerge(job: Awaited<ReturnType<typeof loadJob>>, name: string, count: number): Promise<string> {
  const folders = Array.from({ length: count }, (_, k) => join(dir, name, `shard-${k}`));
  for (const [k, folder] of folders.entries()) expect(await runShard(job, { index: k, count }, folder, { workers: 0 })).toMatchObject({ completed: true });
  const merged = join(dir, name, 'merged');
  const outcome = await mergeShards(folders, merged);
  expect(outcome.missing).toEqual([]);
  return merged;
}

function expectSame(merged: string, whole: string): void {
  expect(normalizedResult(merged)).toBe(normalizedResult(whole));
  expect(normalizedReport(merged)).toBe(normalizedReport(whole));
}

const CLT_SPEC = SMALL_CLT_SPEC;

describe('shards of the CLT study', () => {
  it('task ids name the predictions and each replica by (N, ε, k); 3 shards merged equal the unsharded study', async () => {
    const job = await loadJob(input(CLT_SPEC, { clt: { seeds: 4 } }));
    expect(job.tasks.map((t) => t.id)).toEqual(['prediction', 'ablation', ...[30, 60].flatMap((n) => [0, 1, 2, 3].map((k) => `n${n}-eps0.001-replica${k}`))]);
    const merged = await shardAndMerge(job, 'clt', 3);
    const whole = await runCltStudyFromSpec(await parseSpec(CLT_SPEC), { workers: 1, overrides: { seeds: 4 } });
    writeResult(join(dir, 'clt', 'whole'), whole, cltStudyReport(whole));
    expectSame(merged, join(dir, 'clt', 'whole'));
  });

  it('refuses to merge a shard of the same spec with other study settings, naming the folder and the spec', async () => {
    const a = await loadJob(input(CLT_SPEC, {}, '/specs/clt.json'));
    const b = await loadJob(input(CLT_SPEC, { clt: { seeds: 4 } }, '/specs/clt.json'));
    expect(b.hash).not.toBe(a.hash);
    const folders = [join(dir, 'clt-mixed', 'shard-0'), join(dir, 'clt-mixed', 'shard-1')];
    // shard 3 of 5 holds replicas only (tasks 3 and 8): seconds
    await runShard(a, { index: 3, count: 5 }, folders[0], { workers: 0 });
    await runShard(b, { index: 3, count: 5 }, folders[1], { workers: 0 });
    await expect(mergeShards(folders, join(dir, 'clt-mixed', 'merged'))).rejects.toThrow(
      new RegExp(`${folders[1]} was made from a different spec than ${folders[0]} \\(/specs/clt.json, spec hash ${b.hash.slice(0, 12)}`),
    );
  });
});

describe('shards of the width studies', () => {
  it('with a PDE: 2 shards merged equal the unsharded study', async () => {
    const raw = { ...SMALL_SPEC, widths: { ns: [20, 40], seeds: 3, bootstrap: 20 } };
    const job = await loadJob(input(raw, { widths: { seeds: 4 } }));
    expect(job.tasks.map((t) => t.id)).toEqual(['pde', ...[20, 40].flatMap((n) => [0, 1, 2, 3].map((k) => `n${n}-replica${k}`))]);
    const merged = await shardAndMerge(job, 'widths', 2);
    const spec = await parseSpec(raw);
    const whole = await runWidthStudy(spec, widthSettings(spec, { ...raw.widths, seeds: 4 }), { workers: 1 });
    writeResult(join(dir, 'widths', 'whole'), whole, widthReport(whole));
    expectSame(merged, join(dir, 'widths', 'whole'));
  });

  it('particle-only (spherical 3-spin, two realisations as variants): 3 shards merged equal the unsharded study', async () => {
    const raw = {
      model: { name: 'spherical-3-spin', d: 5, activation: 'sigmoid', testSamples: 200 },
      init: { cStd: 1, bStd: 1 },
      saveTimes: [0, 1, 2],
      particles: { n: 10, epsilon: 0.05, batch: 10 },
      widths: { ns: [10, 20, 40], seeds: 2, bootstrap: 10 },
      variants: [{ label: 'realisation 1', model: { realisation: 1 } }, { label: 'realisation 2', model: { realisation: 2 } }],
      seed: 4,
    };
    const job = await loadJob(input(raw, undefined));
    expect(job.tasks).toHaveLength(12);
    expect(job.tasks[11].id).toBe('run1-n40-seed1');
    const merged = await shardAndMerge(job, 'network', 3);
    const whole = await runNetworkStudy(await parseSpec(raw), { workers: 1 });
    writeWidthStudyOutputs(join(dir, 'network', 'whole'), whole);
    expectSame(merged, join(dir, 'network', 'whole'));
  });
});

describe('shards of sweep, through the command line in this process', () => {
  it('sweep --shard k/n for k = 0, 1 and merge equal meanfield sweep', async () => {
    const raw = {
      ...SMALL_SPEC,
      particles: { n: 40, epsilon: 2e-3, seeds: 2 },
      grid: { rMax: 6, cells: 200 },
      sweep: { deltas: [0.3, 0.6], dims: [40, 'inf'], lemmaDomain: 'grid', scanPoints: 3, deltaTolerance: 5e-2, dynamicsDeltas: [0.6], longTime: 0.3 },
    };
    const folder = join(dir, 'sweep');
    const specPath = writeSpec(dir, raw, 'sweep.json');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await main(['sweep', specPath, '--out', join(folder, 'whole'), '--quiet', '--workers', '1'])).toBe(0);
      for (const k of [0, 1]) expect(await main(['sweep', specPath, '--shard', `${k}/2`, '--out', join(folder, `shard-${k}`), '--quiet', '--workers', '1'])).toBe(0);
      expect(await main(['merge', join(folder, 'shard-0'), join(folder, 'shard-1'), '--out', join(folder, 'merged'), '--quiet'])).toBe(0);
      // plan sweep writes the shards' command lines; compare's flags are refused there
      expect(await main(['plan', 'sweep', specPath, '--shards', '2', '--out', join(folder, 'plan')])).toBe(0);
      expect(readFileSync(join(folder, 'plan', 'jobs.txt'), 'utf8')).toContain(`sweep ${specPath} --workers 1 --quiet --shard 1/2 --out ${join(folder, 'plan', 'shard-1-of-2')}`);
      expect(await main(['plan', 'sweep', specPath, '--shards', '2', '--out', join(folder, 'plan'), '--seeds', '3'])).toBe(2);
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
    const job = await loadJob({ command: 'sweep', specPath, raw, baseDir: dir, paper: false, overrides: {} });
    // per d its table and interval search, then the long-time PDE and SGD replicas at Δ = 0.6 (none at d = ∞)
    expect(job.tasks.map((t) => t.id)).toEqual(['d40-table', 'd40-interval', 'dinf-table', 'dinf-interval', 'd40-delta0.6-pde', 'd40-delta0.6-replica0', 'd40-delta0.6-replica1', 'dinf-delta0.6-pde']);
    expectSame(join(folder, 'merged'), join(folder, 'whole'));
  });
});
