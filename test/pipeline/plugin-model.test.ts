/**
 * A model defined only in the test folder (test/helpers/quadratic-model.ts) runs through the public
 * spec and the CLI — solve, compare and potentials — with no change anywhere else: the spec names its
 * module. Numbers are checked against the model's exact solution (γ = 0: Gaussian transport) and the
 * finite-N theory (E R_N − R = C1/N for i.i.d. units).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerModel } from '../../reduced-models/index.ts';
import { parseSpec } from '../../src/spec/index.ts';
import { runSolveSpec } from '../../src/pipeline/solve.ts';
import { quadraticToy } from '../helpers/quadratic-model.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'meanfield.mjs');
const MODULE = join(import.meta.dirname, '..', 'helpers', 'quadratic-model.ts');
const dir = mkdtempSync(join(tmpdir(), 'meanfield-plugin-'));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function specFile(spec: unknown): string {
  const path = join(dir, `spec-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

const k = 0.5;
const law = { kind: 'gaussian', mean: 0.6, std: 0.5 };
const spec = (cells: number, gamma = 0) => ({
  model: { name: 'quadratic-toy', module: MODULE, k, gamma, ell: 1 },
  init: law,
  grid: { lo: -3, hi: 3, cells },
  saveTimes: [0, 0.25, 0.5, 1],
});
/** γ = 0: mean and std decay like e^{−2kt}: R(t) = k (m² + s²) e^{−4kt}. */
const exact = (t: number) => k * (law.mean ** 2 + law.std ** 2) * Math.exp(-4 * k * t);

describe('a model defined only in the test folder', () => {
  it('solve (CLI): second-order convergence to the exact risk of Gaussian transport', () => {
    const errors = [200, 400].map((cells) => {
      const out = join(dir, `solve-${cells}`);
      const r = cli(['solve', specFile(spec(cells)), '--out', out, '--quiet']);
      expect(r.code, r.stderr).toBe(0);
      const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
      expect(result.coordinates).toEqual(['x']);
      expect(Math.max(...result.fv.mass.map((m: number) => Math.abs(m - 1)))).toBeLessThan(1e-13);
      return Math.max(...result.times.map((t: number, i: number) => Math.abs(result.risk[i] - exact(t))));
    });
    expect(errors[1]).toBeLessThan(1e-3 * exact(0));
    expect(Math.log2(errors[0] / errors[1])).toBeGreaterThan(1.6);
  });

  it('registered in-process, the same spec solves through the library API', async () => {
    registerModel(quadraticToy);
    const { module: _module, ...block } = spec(200).model;
    const solved = runSolveSpec(await parseSpec({ ...spec(200), model: block }));
    expect(solved.runs[0].risk[0]).toBeCloseTo(exact(0), 3);
  });

  it('compare (CLI): GD particles approach the PDE with the i.i.d. bias C1/N, within the seed spread', () => {
    const out = join(dir, 'compare');
    const seeds = 6;
    const r = cli(['compare', specFile({ ...spec(300, 0.8), particles: { n: 400, epsilon: 5e-3, seeds }, curveSteps: 0 }), '--out', out, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(res.particles.seeds).toBe(seeds);
    for (let i = 0; i < res.times.length; i++) {
      // mean over seeds of R_N − R = C1/N + O(ε) (GD step) + grid error; its sampling error is std/√seeds
      const se = res.particles.riskStd[i] / Math.sqrt(seeds);
      expect(Math.abs(res.gap[i] - res.iidBias[i])).toBeLessThan(4 * se + 2e-3);
    }
    expect(res.distances.w1.value[0].every((w: number) => w < 0.1)).toBe(true);
  });

  it('potentials (CLI): the closed forms at the given points', () => {
    const r = cli(['potentials', specFile(spec(100, 0.8)), '--at', '0,0.5,1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p.v).toEqual([0, k * 0.125, k * 0.5]);
    expect(p.u[0][2]).toBeCloseTo(0.8 * Math.exp(-0.5), 14);
    expect(p.uDiag).toEqual([0.8, 0.8, 0.8]);
  });

  it('a bad parameter of the plug-in is a named-field error (exit 2)', () => {
    const r = cli(['solve', specFile({ ...spec(100), model: { ...spec(100).model, k: -1 } }), '--out', join(dir, 'bad')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/model\.k: must be a finite number > 0/);
  });
});
