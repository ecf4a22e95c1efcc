/**
 * The charged-unit PDE through the spec (src/pde): the circle on the grid with y periodic against
 * characteristics, the line's characteristics check of a grid solution (periodised kernel), the outflow of the
 * line's open windows, and temperature θ (spec noise β = 2/θ) on the grid and for particles.
 */
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/spec/index.ts';
import { buildPdeProblem, solvePde, solveWithChecks } from '../../src/pde/index.ts';
import { replicaSpec, runReplica } from '../../src/particles/replica.ts';

const lineInit = { y: { kind: 'uniform', lo: -2, hi: 2 }, c: { kind: 'normal', std: 1 } };
const circleInit = { y: { kind: 'uniform', lo: 0, hi: 2 * Math.PI }, c: { kind: 'normal', std: 1 } };
const lineGrid = (ny: number) => ({ axes: [{ name: 'y', lo: -5, hi: 5, cells: ny }, { name: 'c', lo: -7.5, hi: 7.5, cells: 1.5 * ny }] });
const circleGrid = (ny: number) => ({ axes: [{ name: 'y', lo: 0, hi: 2 * Math.PI, cells: ny }, { name: 'c', lo: -7.5, hi: 7.5, cells: ny }] });

describe('circle on the (y, c) grid, y periodic', () => {
  it('finite volumes converge to the characteristics loss (t ≤ 2); mass + outflow = 1, P ≥ 0, L_h monotone', async () => {
    const saveTimes = [0, 1, 2];
    const ref = solvePde(buildPdeProblem((await parseSpec({ model: { name: 'charged-units', domain: 'circle' }, init: circleInit, saveTimes, solver: { panels: 2, nodesPerPanel: 16 } })).runs[0]));
    const errors: number[] = [];
    for (const ny of [32, 64]) {
      const spec = await parseSpec({ model: { name: 'charged-units', domain: 'circle' }, init: circleInit, grid: circleGrid(ny), saveTimes, solver: { method: 'finite-volume' } });
      const tr = solvePde(buildPdeProblem(spec.runs[0]));
      expect(tr.method).toMatch(/\(periodic\)/);
      tr.fv!.mass.forEach((m, k) => expect(Math.abs(m + tr.fv!.outflow![k] - 1)).toBeLessThan(1e-13));
      expect(Math.min(...tr.fv!.minMass)).toBeGreaterThanOrEqual(0);
      expect(tr.risk[2]).toBeLessThan(tr.risk[1]);
      errors.push(Math.max(...tr.risk.map((r, k) => Math.abs(r - ref.risk[k]))));
    }
    // measured: 32 × 32: 1.9e-4, 64 × 64: 4.7e-5 (ratio 4.2: second order; L(2) = 0.2569)
    expect(errors[1]).toBeLessThan(errors[0] / 3);
    expect(errors[1]).toBeLessThan(5e-4 * ref.risk[2]);
  });
});

describe('line: the weighted-characteristics check and the open windows', () => {
  it('solve at 80 × 120 to t = 3: the check agrees within 1 %, the outflow is reported and tiny', async () => {
    const spec = await parseSpec({ model: { name: 'charged-units', domain: 'line' }, init: lineInit, grid: lineGrid(80), saveTimes: [0, 1, 3] });
    const { main, check } = solveWithChecks(spec.runs[0]);
    // the generic check: RK4 characteristics on 20² Gauss nodes with the periodised kernel (order K)
    expect(check!.label).toMatch(/^characteristics \(400 nodes, K = \d+\)$/);
    const rel = main.risk.map((r, k) => Math.abs(r - check!.risk[k]) / check!.risk[k]);
    // measured: 0.11 %, 0.60 % at t = 1, 3 (as with the former 32² exact-kernel Heun check); outflow 4e-13 (the example's 240 × 360 grid vs 64² nodes: ≤ 0.3 % to t = 30, README §5)
    rel.forEach((d, k) => expect(d, `t = ${spec.runs[0].saveTimes[k]}`).toBeLessThan(0.01));
    expect(main.fv!.outflow!.length).toBe(3);
    main.fv!.mass.forEach((m, k) => expect(Math.abs(m + main.fv!.outflow![k] - 1)).toBeLessThan(1e-13));
    expect(main.fv!.outflow![2]).toBeLessThan(1e-9);
  });
});

describe('temperature θ: spec noise β = 2/θ', () => {
  it('grid: the free energy F_h = ½(L_h + θ Σ P log(P/vol)) never rises; windows become walls; mass exact', async () => {
    const theta = 0.02;
    const spec = await parseSpec({ model: { name: 'charged-units', domain: 'line' }, init: lineInit, grid: lineGrid(40), saveTimes: [0, 0.5, 1, 2], noise: { beta: 2 / theta, lambda: 0 } });
    const tr = solvePde(buildPdeProblem(spec.runs[0]));
    expect(tr.method).not.toMatch(/open/);
    const F = tr.fv!.freeEnergy!;
    for (let k = 1; k < F.length; k++) expect(F[k]).toBeLessThan(F[k - 1]);
    tr.fv!.mass.forEach((m) => expect(Math.abs(m - 1)).toBeLessThan(1e-13));
  });

  it('particles: Euler–Maruyama with √(2θε) per coordinate; the c-spread of GD units grows by 2θt with no force', async () => {
    // target 0 and tiny units: U ≈ 0, the units only diffuse: Var c(t) = Var c(0) + 2θt
    const theta = 0.05;
    const spec = await parseSpec({
      model: { name: 'charged-units', domain: 'line', target: { C: [0], Y: [0], S2: [1] } },
      init: { y: { kind: 'point', value: 0 }, c: { kind: 'point', value: 0 } },
      saveTimes: [0, 1],
      noise: { beta: 2 / theta, lambda: 0 },
      particles: { n: 1000, epsilon: 0.01, seeds: 1, algorithm: 'gd' },
    });
    // as `compare` passes the spec's noise to the particles
    const run = await runReplica(replicaSpec(spec.runs[0], { noise: { beta: 2 / theta, lambda: 0, convention: 'pde' } }), 0);
    const c = run.snapshots[1].reduced.filter((_, i) => i % 2 === 1);
    const y = run.snapshots[1].reduced.filter((_, i) => i % 2 === 0);
    const n = c.length;
    for (const x of [c, y]) {
      const m2 = x.reduce((s, v) => s + v * v, 0) / n;
      // E m2 = 2θt = 0.1 (n = 1000 units: O(n²) kernel sums), sd of the sample mean of squares √(2/n)·0.1 (Gaussian); the force is O(1e-3) here
      expect(Math.abs(m2 - 2 * theta)).toBeLessThan(5 * Math.sqrt(2 / n) * 2 * theta + 2e-3);
    }
  });
});
