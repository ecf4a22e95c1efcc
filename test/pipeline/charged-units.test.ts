/**
 * The charged-unit (RVE) model through the public spec and the CLI: `solve` on small versions of
 * examples/rve-line.json (finite volumes) and examples/rve-circle.json (characteristics) against
 * independent weighted-node Heun integrations of the same flow (reduced-models/charged-units/particles.ts),
 * and `compare`: GD particles agree with the PDE within the seed spread plus the i.i.d. bias C1/n, and
 * their mean-square excess loss E(L_n − L)² shrinks like 1/n over n = 200, 800, 3200 (RVE §3.2: the
 * O(n^{-1/2}) fluctuations of L_n before healing).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChargedParticles, CIRCLE_EXAMPLE_INIT, GAUSSIAN_EXAMPLE_INIT, GaussianLine, quadratureNodes, VonMisesCircle } from '../../reduced-models/charged-units/index.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'meanfield.mjs');
const dir = mkdtempSync(join(tmpdir(), 'meanfield-rve-'));
const example = (name: string) => JSON.parse(readFileSync(join(ROOT, 'examples', name), 'utf8'));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function cli(command: string, spec: unknown): Json {
  const path = join(dir, `spec-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(spec));
  const out = `${path}.out`;
  const r = spawnSync(process.execPath, [BIN, command, path, '--out', out, '--quiet'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
}

/** The weighted-node flow (characteristics) by Heun steps: the mean-field loss at the save times. */
function nodeLoss(model: GaussianLine | VonMisesCircle, law: typeof GAUSSIAN_EXAMPLE_INIT, nodes: number, dt: number, saveTimes: number[]): number[] {
  const p = ChargedParticles.fromNodes(model, quadratureNodes(law, nodes, nodes));
  const out = [p.loss()];
  for (let k = 1; k < saveTimes.length; k++) {
    p.run({ dt, steps: Math.round((saveTimes[k] - saveTimes[k - 1]) / dt), method: 'heun', recordEvery: 1e9 });
    out.push(p.loss());
  }
  return out;
}

const lineTimes = [0, 0.5, 1, 2];
const lineSpec = (ny: number, nc: number) => {
  const spec = example('rve-line.json');
  spec.grid.axes[0].cells = ny;
  spec.grid.axes[1].cells = nc;
  return { ...spec, saveTimes: lineTimes };
};

describe('rve-line (finite volumes on (y, c))', () => {
  let coarse: Json;
  let fine: Json;
  beforeAll(() => {
    // curveSteps 0: solve at the save times only, so the compare test below (also curveSteps 0) takes the same steps
    coarse = cli('solve', { ...lineSpec(40, 60), curveSteps: 0 });
    fine = cli('solve', { ...lineSpec(80, 120), curveSteps: 0 });
  });

  it('solve: mass (+ outflow) to round-off, P ≥ 0, L(0) = ½‖f‖², L non-increasing, converging to the characteristics loss', () => {
    const reference = nodeLoss(new GaussianLine(), GAUSSIAN_EXAMPLE_INIT, 16, 0.01, lineTimes);
    expect(fine.coordinates).toEqual(['y', 'c']);
    for (const r of [coarse, fine]) {
      // the windows are open: Σ P + the mass that left = 1 (the outflow is ~1e-13 by t = 2)
      expect(Math.max(...r.fv.mass.map((m: number, k: number) => Math.abs(m + r.fv.outflow[k] - 1)))).toBeLessThan(1e-13);
      expect(Math.min(...r.fv.minMass)).toBeGreaterThanOrEqual(0);
      expect(Math.abs(r.loss[0] - new GaussianLine().halfTargetNormSquared)).toBeLessThan(1e-15); // ρ0 even in c
      for (let k = 1; k < r.loss.length; k++) expect(r.loss[k]).toBeLessThan(r.loss[k - 1]);
    }
    for (let k = 1; k < lineTimes.length; k++) {
      const [ec, ef] = [Math.abs(coarse.loss[k] - reference[k]), Math.abs(fine.loss[k] - reference[k])];
      expect(ef, `t = ${lineTimes[k]}`).toBeLessThan(ec / 2.5); // order > 1.3 (MUSCL, limited by the jumps of U(−2, 2))
      expect(ef, `t = ${lineTimes[k]}`).toBeLessThan(Math.abs(fine.loss[k] - coarse.loss[k]));
    }
  });

  it('compare: result.json has the PDE and particle losses; the gap is C1/n within 4 standard errors + the grid error', () => {
    const seeds = 4;
    const res = cli('compare', { ...lineSpec(80, 120), saveTimes: [0, 0.5, 1], particles: { n: 200, epsilon: 0.01, seeds, algorithm: 'gd' }, curveSteps: 0 });
    expect(res.times).toEqual([0, 0.5, 1]);
    expect(res.riskName).toBe('loss'); // the model's riskName renames every risk key (src/io/risk-name.ts)
    expect(res.pde.risk).toBeUndefined();
    expect(res.pde.loss).toEqual(fine.loss.slice(0, 3));
    expect(res.particles.loss).toHaveLength(3);
    expect(res.particles.lossStd).toHaveLength(3);
    // fitted functions: at t = 0, f_MF = 0 (E c = 0) and E‖f_n − f_MF‖² = E[c²] k(0)/n exactly
    const k0 = new GaussianLine().kernel(0);
    expect(res.functions.distance).toHaveLength(3);
    expect(Math.abs(res.functions.distance[0] * 200 - k0)).toBeLessThan((4 * 200 * res.functions.distanceStd[0]) / Math.sqrt(seeds));
    expect(Math.max(...res.functions.meanField[0].map(Math.abs))).toBeLessThan(1e-12);
    expect(res.functions.marginal.pde).toHaveLength(3);
    for (let k = 0; k < 3; k++) {
      const se = res.particles.lossStd[k] / Math.sqrt(seeds);
      const gridError = Math.abs(fine.loss[k] - coarse.loss[k]);
      expect(Math.abs(res.gap[k] - res.iidBias[k]), `t = ${res.times[k]}`).toBeLessThan(4 * se + gridError);
    }
  });
});

describe('rve-circle (characteristics on (y, c))', () => {
  const times = [0, 1, 2, 3];
  const base = () => ({ ...example('rve-circle.json'), saveTimes: times, curveSteps: 0 });

  it('solve: L(0) = ½‖f‖²; the spec\'s characteristics = Heun on the same 16 × 16 nodes; the built-in check agrees', () => {
    const spec = base();
    spec.solver = { ...spec.solver, nodesPerPanel: 8, tolerance: 1e-9 };
    const res = cli('solve', spec);
    expect(res.loss[0]).toBeCloseTo(0.328125, 14);
    const heun = nodeLoss(new VonMisesCircle(), CIRCLE_EXAMPLE_INIT, 16, 0.005, times);
    // RK4 at tolerance 1e-9 vs Heun at dt = 0.005 (error O(dt²) ~ 1e-6 here) on identical nodes
    for (let k = 0; k < times.length; k++) expect(Math.abs(res.loss[k] - heun[k]), `t = ${times[k]}`).toBeLessThan(1e-5);
    expect(res.check.maxLossDiff).toBeLessThan(2e-3);
    expect(res.kernel.bound).toBeLessThan(1e-10);
  });

  it('compare, n = 200, 800, 3200 (GD, 8 seeds): gap = C1/n within 4 standard errors; E(L_n − L)² ∝ 1/n', () => {
    const seeds = 8;
    const ns = [200, 800, 3200];
    const spec = { ...base(), particles: { n: 200, epsilon: 0.01, seeds, algorithm: 'gd' }, solver: { ...base().solver, nodesPerPanel: 14 }, variants: ns.map((n) => ({ label: `n = ${n}`, particles: { n } })) };
    const res = cli('compare', spec);
    const meanSquare = res.variants.map((r: Json, v: number) => {
      expect(r.particles.n).toBe(ns[v]);
      let s = 0;
      for (let k = 0; k < times.length; k++) {
        const se = r.particles.lossStd[k] / Math.sqrt(seeds);
        expect(Math.abs(r.gap[k] - r.iidBias[k]), `n = ${ns[v]}, t = ${times[k]}`).toBeLessThan(4 * se + r.pde.check.maxLossDiff);
        if (k > 0) for (const L of r.particles.lossPerSeed[k]) s += (L - r.pde.loss[k]) ** 2 / (seeds * (times.length - 1));
      }
      return s;
    });
    // least-squares slope of log E(L_n − L)² on log n; ~0.5 relative sampling error per point (8 seeds) → ±0.25 on the slope
    const x = ns.map(Math.log);
    const y = meanSquare.map(Math.log);
    const mx = x.reduce((a: number, b: number) => a + b, 0) / 3;
    const my = y.reduce((a: number, b: number) => a + b, 0) / 3;
    const slope = x.reduce((s: number, xi: number, i: number) => s + (xi - mx) * (y[i] - my), 0) / x.reduce((s: number, xi: number) => s + (xi - mx) ** 2, 0);
    expect(slope, `E(L_n − L)² = ${meanSquare.map((m: number) => m.toExponential(2)).join(', ')}`).toBeGreaterThan(-1.5);
    expect(slope).toBeLessThan(-0.5);
  });
});
