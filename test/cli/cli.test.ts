import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'meanfield.mjs');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function writeConfig(dir: string, config: unknown): string {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, typeof config === 'string' ? config : JSON.stringify(config));
  return path;
}

const small = {
  model: { name: 'isotropic-gaussians', delta: 0.8, d: 40 },
  init: { kind: 'gaussian', scale: 0.8 },
  grid: { rMax: 6, cells: 300 },
  saveTimes: [0, 0.25, 0.5],
};

describe('meanfield CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meanfield-cli-'));

  it('solve writes result.json with the documented keys and a report', () => {
    const out = join(dir, 'solve');
    const r = run(['solve', writeConfig(dir, small), '--out', out, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    for (const key of ['times', 'risk', 'means', 'stds', 'coordinates', 'fv', 'kernel', 'check', 'spec', 'provenance']) expect(result).toHaveProperty(key);
    expect(result.times).toEqual([0, 0.25, 0.5]);
    expect(result.coordinates).toEqual(['r']);
    expect(result.provenance.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(result.provenance.seed).toBe(1);
    for (const m of result.fv.mass) expect(Math.abs(m - 1)).toBeLessThan(1e-12);
    expect(result.fv.density[0]).toHaveLength(300);
    expect(result.fv.axes).toEqual([{ name: 'r', lo: 0, hi: 6, cells: 300 }]);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('Plotly.newPlot');
  });

  it('potentials --json prints {coordinates, points, r, v, u, uDiag, method} with u symmetric and uDiag ≠ u(r, r)', () => {
    const r = run(['potentials', writeConfig(dir, small), '--at', '0.05,0.8,1.5', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(Object.keys(p).sort()).toEqual(['coordinates', 'method', 'points', 'r', 'u', 'uDiag', 'v']);
    expect(p.r).toEqual([0.05, 0.8, 1.5]);
    expect(p.u).toHaveLength(3);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(p.u[i][j]).toBeCloseTo(p.u[j][i], 14);
    // q(0+) = s1: at r = 0.05, τ± r ≤ 0.09 puts t1 = 0.5 beyond 5.5 standard deviations, so u ≈ s1² = 6.25
    expect(Math.abs(p.u[0][0] - 6.25)).toBeLessThan(1e-5);
    expect(p.uDiag[2]).toBeGreaterThan(p.u[2][2]);
  });

  it.each([
    [{ ...small, model: { name: 'isotropic-gaussians', delta: 0.8 } }, /model\.d/],
    [{ ...small, model: { ...small.model, d: -4 } }, /model\.d: must be an integer >= 2/],
    [{ ...small, grid: { rMax: 0, cells: 10 } }, /grid\.rMax: must be a finite number > 0/],
    [{ ...small, grid: { rMax: 6, cells: 'many' } }, /grid\.cells/],
    ['{"model": ', /not valid JSON/],
    [{ ...small, init: { kind: 'gaussian', scale: -1 } }, /init\.scale/],
  ])('bad config exits 2 with a named-field error (%#)', (config, message) => {
    const r = run(['solve', writeConfig(dir, config), '--out', join(dir, 'bad'), '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('NaN in a config (not valid JSON) and unknown commands are rejected', () => {
    expect(run(['solve', writeConfig(dir, '{"grid": {"rMax": NaN}}'), '--out', dir]).code).toBe(2);
    expect(run(['frobnicate']).code).toBe(2);
    expect(run(['potentials', writeConfig(dir, small), '--at', '0.3,abc']).stderr).toMatch(/--at\[1\]/);
  });

  it('Ctrl-C (SIGINT) stops a long run, keeps completed save times and says what is missing (exit 130)', async () => {
    const out = join(dir, 'interrupted');
    const config = writeConfig(dir, { ...small, grid: { rMax: 8, cells: 4000 }, saveTimes: [0, 0.05, 1000] });
    const child = spawn(process.execPath, [BIN, 'solve', config, '--out', out], { env: { ...process.env, MEANFIELD_PROGRESS_SECONDS: '0.2' } });
    let stdout = '';
    child.stdout.on('data', (b) => (stdout += b));
    // interrupt once the solve reports progress past the first save times (t > 0.05)
    await new Promise<void>((resolve) => {
      let stderr = '';
      child.stderr.on('data', (b) => {
        stderr += b;
        const t = [...stderr.matchAll(/t = ([0-9.e+-]+) \//g)].map((m) => Number(m[1]));
        if (t.some((x) => x > 0.06)) resolve();
      });
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(stdout).toMatch(/stopped early \(SIGINT\); missing:\n {2}the PDE after t = 0.05 \(save times 1000\)/);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(result.times).toEqual([0, 0.05]);
    expect(result.stoppedEarly).toBe(true);
    expect(result.missing).toEqual(['the PDE after t = 0.05 (save times 1000)', 'the independent check']);
  });

  it('SIGTERM stops compare (exit 143) with the finished PDE and replicas written; --resume ends as an uninterrupted run', async () => {
    const config = writeConfig(dir, { ...small, saveTimes: [0, 0.1, 0.2], particles: { n: 100, epsilon: 1e-4, seeds: 6 } });
    const args = (out: string) => ['compare', config, '--out', out, '--workers', '1', '--quiet'];
    const whole = join(dir, 'compare-whole');
    expect(run(args(whole)).code).toBe(0);
    const out = join(dir, 'compare-stopped');
    const child = spawn(process.execPath, [BIN, ...args(out)]);
    const checkpoint = join(out, 'replicas', '0', 'replica-1.json');
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (existsSync(checkpoint)) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(143);
    const partial = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(partial.stoppedEarly).toBe(true);
    expect(partial.times).toEqual([0, 0.1, 0.2]); // the finished replicas reach every save time
    expect(partial.missing[0]).toMatch(/^replica\(s\) .* of 6 \(not finished/);
    expect(run([...args(out), '--resume']).code).toBe(0);
    const strip = (path: string) => JSON.stringify(JSON.parse(readFileSync(path, 'utf8')), (key, value) => (key === 'provenance' || /(^ms|Ms)$/.test(key) ? undefined : value));
    expect(strip(join(out, 'result.json'))).toBe(strip(join(whole, 'result.json')));
  });

  it('fluctuations --json prints the CLT prediction with the documented keys', () => {
    const config = writeConfig(dir, { ...small, saveTimes: [0, 0.25], particles: { n: 400, epsilon: 2e-5 } });
    const r = run(['fluctuations', config, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout);
    for (const key of ['times', 'varInitRisk', 'noiseCommonRisk', 'noiseSameUnitRisk', 'predictedStdRisk', 'predictedStdMeanRadius']) expect(p[key]).toHaveLength(2);
    // √(Var_init/N + ε(I_C + I_I/N)) with its parts
    const k = 1;
    const expected = Math.sqrt(p.varInitRisk[k] / 400 + 2e-5 * (p.noiseCommonRisk[k] + p.noiseSameUnitRisk[k] / 400));
    expect(Math.abs(p.predictedStdRisk[k] / expected - 1)).toBeLessThan(1e-12);
  });
});
