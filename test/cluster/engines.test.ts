/**
 * The cluster path on the real engines, through the command line as a user runs it:
 * `meanfield plan` → GNU parallel over its jobs file, or `sbatch --wait` of its Slurm array script on
 * a single-node Slurm cluster started here → `meanfield merge`; the merged result.json and report.html
 * equal the unsharded `meanfield compare` run's byte for byte, provenance and wall-clock timings aside.
 * Both a seeds study and a small CLT study go through GNU parallel; the seeds study through Slurm.
 *
 * Where a tool is missing the test says why and is skipped; under CI=true it fails instead wherever it
 * should work: .ci/run installs GNU parallel, slurm-wlm and munge (Debian) and runs as root, which
 * slurmd needs to start jobs. A Slurm that is installed but cannot start (e.g. no root) is a skip
 * outside CI and a failure under CI only when we are root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { commandExists, meanfield, normalizedReport, normalizedResult, SMALL_CLT_SPEC, SMALL_SPEC, tempDir, writeSpec } from './helpers.ts';

const CI = process.env.CI === 'true';
const SPEC = { ...SMALL_SPEC, particles: { ...SMALL_SPEC.particles, seeds: 1 } };
const SEEDS = '4';
const SLURM_SCRIPT = resolve(import.meta.dirname, 'single-node-slurm.sh');

/** Skips (outside CI) or fails (under CI) with the reason. */
function unavailable(reason: string, shouldWork: boolean): void {
  if (CI && shouldWork) throw new Error(`${reason} (CI=true: .ci/run should have provided it)`);
  console.warn(`skipped: ${reason}`);
}

let dir = '';
let specPath = '';
beforeAll(() => {
  dir = tempDir('engines');
  specPath = writeSpec(dir, SPEC);
  const whole = meanfield(['compare', specPath, '--seeds', SEEDS, '--out', join(dir, 'whole'), '--quiet']);
  expect(whole.status, whole.stderr).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 500 }));

function expectMergedEqualsWhole(planDir: string, shards: number, whole = join(dir, 'whole')): void {
  const folders = Array.from({ length: shards }, (_, k) => join(planDir, `shard-${k}-of-${shards}`));
  const merged = meanfield(['merge', ...folders, '--out', join(planDir, 'merged')]);
  expect(merged.status, merged.stderr).toBe(0);
  expect(normalizedResult(join(planDir, 'merged'))).toBe(normalizedResult(whole));
  expect(normalizedReport(join(planDir, 'merged'))).toBe(normalizedReport(whole));
}

/** The plan's jobs file (one shard per line) run by GNU parallel on 2 job slots. */
function runJobsFile(planDir: string, lines: number): string[] {
  const jobs = readFileSync(join(planDir, 'jobs.txt'), 'utf8').trim().split('\n');
  expect(jobs).toHaveLength(lines);
  const run = spawnSync('parallel', ['--jobs', '2', '--halt', 'now,fail=1'], { input: jobs.join('\n'), encoding: 'utf8', timeout: 120_000 });
  expect(run.status, run.stderr).toBe(0);
  return jobs;
}

describe('cluster runs on the real engines', () => {
  it('GNU parallel: 2 shards of compare --seeds 4 from the plan\'s jobs file, merged, equal the unsharded run', () => {
    if (!commandExists('parallel')) return unavailable('GNU parallel is not installed (Debian: apt-get install parallel)', true);
    const planDir = join(dir, 'parallel');
    const plan = meanfield(['plan', specPath, '--seeds', SEEDS, '--shards', '2', '--out', planDir]);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/5 task\(s\) in 2 shard\(s\)/);
    const jobs = runJobsFile(planDir, 2);
    expectMergedEqualsWhole(planDir, 2);
    // a finished shard run again does nothing
    const again = spawnSync('sh', ['-c', jobs[0]], { encoding: 'utf8' });
    expect(again.stdout).toMatch(/already finished.*nothing to do/);
  });

  it('GNU parallel: 3 shards of a CLT study ("clt" block) from the plan\'s jobs file, merged, equal the unsharded compare', async () => {
    if (!commandExists('parallel')) return unavailable('GNU parallel is not installed (Debian: apt-get install parallel)', true);
    const cltSpec = writeSpec(dir, SMALL_CLT_SPEC, 'clt.json');
    // the unsharded run in this process (the same command line; spares a Node start)
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(await main(['compare', cltSpec, '--out', join(dir, 'clt-whole'), '--quiet', '--workers', '1'])).toBe(0);
    } finally {
      log.mockRestore();
    }
    const planDir = join(dir, 'clt-parallel');
    const plan = meanfield(['plan', cltSpec, '--shards', '3', '--out', planDir]);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/8 task\(s\) in 3 shard\(s\)/);
    runJobsFile(planDir, 3);
    expectMergedEqualsWhole(planDir, 3, join(dir, 'clt-whole'));
  });

  it('Slurm: the plan\'s array script under sbatch --wait on a single-node cluster, merged, equals the unsharded run', () => {
    const tools = ['sbatch', 'slurmctld', 'slurmd', 'munged'].filter((t) => !commandExists(t));
    if (tools.length > 0) return unavailable(`Slurm is not installed (missing ${tools.join(', ')}; Debian: apt-get install slurm-wlm munge)`, true);
    const root = process.getuid?.() === 0;
    const clusterDir = join(dir, 'slurm-cluster');
    const start = spawnSync('bash', [SLURM_SCRIPT, 'start', clusterDir], { encoding: 'utf8', timeout: 60_000 });
    try {
      if (start.status !== 0) return unavailable(`a single-node Slurm could not start${root ? '' : ' (not root: slurmd must run as root)'}: ${start.stderr.trim().split('\n').slice(-3).join(' | ')}`, root);
      const env = { ...process.env, SLURM_CONF: join(clusterDir, 'slurm.conf') };
      const planDir = join(dir, 'slurm');
      const plan = meanfield(['plan', specPath, '--seeds', SEEDS, '--shards', '2', '--out', planDir]);
      expect(plan.status, plan.stderr).toBe(0);
      const script = readFileSync(join(planDir, 'slurm.sh'), 'utf8');
      expect(script).toMatch(/#SBATCH --array=0-1\n/);
      expect(script).toContain('$SLURM_ARRAY_TASK_ID/2');
      const submit = spawnSync('sbatch', ['--wait', join(planDir, 'slurm.sh')], { encoding: 'utf8', env, timeout: 180_000 });
      const logs = () => execFileSync('sh', ['-c', `cat ${planDir}/slurm-*.out 2>/dev/null || true`], { encoding: 'utf8' });
      expect(submit.status, `${submit.stderr}\n${logs()}`).toBe(0);
      expectMergedEqualsWhole(planDir, 2);
    } finally {
      spawnSync('bash', [SLURM_SCRIPT, 'stop', clusterDir]);
    }
  });
});
