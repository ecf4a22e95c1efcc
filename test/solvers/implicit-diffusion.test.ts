import { describe, expect, it } from 'vitest';
import { Grid } from '../../src/grid.ts';
import type { StepSchedule } from '../../src/types.ts';
import { initialMass } from '../../src/initial.ts';
import { SeparableInteraction } from '../../solvers/interaction/separable.ts';
import { confinement, discreteFreeEnergy, solve, type NoiseSpec } from '../../solvers/finite-volume.ts';
import { solveGibbs } from '../../solvers/gibbs.ts';
import { l1, MonotoneChecker, operators, orders } from '../helpers/grid-checks.ts';

const CONSTANT: StepSchedule = { kind: 'constant', value: 1 };

/** u(x, x') = κ Σ_f φ_f(x) φ_f(x') with features x and sin(2x) on the cell centres of axis 0 (PSD for κ ≥ 0). */
function twoFeatures(grid: Grid, kappa: number): SeparableInteraction {
  const x = grid.coordinateField(0);
  const features = new Float64Array(2 * grid.size);
  for (let j = 0; j < grid.size; j++) {
    features[j] = x[j];
    features[grid.size + j] = Math.sin(2 * x[j]);
  }
  return new SeparableInteraction(features, grid.size, new Float64Array([kappa, kappa]));
}

describe('implicit (IMEX) Scharfetter–Gummel diffusion', () => {
  // radial problem with the (d − 1)/r Jacobian drift of MMN eq. 12 reduced, a potential and a PSD interaction
  const d = 40;
  const noise: NoiseSpec = { beta: 40, lambda: 1, jacobianExponents: [d - 1] };
  const grid = Grid.uniform1d('r', 0, 3, 300);
  const op = operators(grid, ([r]) => 0.3 * Math.sin(3 * r), twoFeatures(grid, 0.5));
  const P0 = initialMass(grid, { kind: 'gaussian', scale: 0.8, d }).mass;

  it('keeps mass and positivity, never raises the free energy, and ends at the direct Gibbs fixed point', () => {
    const checker = new MonotoneChecker((P) => discreteFreeEnergy(op, noise, P), 1);
    const tr = solve({ operators: op, initialMass: P0, schedule: CONSTANT, noise }, { saveTimes: [0.5, 6], diffusion: 'implicit', trackers: [checker] });
    expect(tr.diffusion).toBe('implicit');
    expect(checker.maxIncrease).toBeLessThanOrEqual(1e-14);
    expect(checker.minMass).toBeGreaterThanOrEqual(0);
    expect(checker.maxMassError).toBeLessThan(1e-12);
    const gibbs = solveGibbs(op, noise);
    expect(gibbs.converged).toBe(true);
    expect(gibbs.residual).toBeLessThan(1e-13);
    // the relaxation has converged by t = 6: the PDE's last state is the fixed point
    expect(Math.abs(tr.risk[1] - gibbs.risk)).toBeLessThan(1e-10);
    expect(Math.abs(tr.freeEnergy![1] - gibbs.freeEnergy)).toBeLessThan(1e-12);
    expect(l1(tr.snapshots[1], gibbs.mass)).toBeLessThan(1e-9);
    // while at t = 0.5 it is still far from it (F(0.5) − F* ≈ 4e-3): the comparison is not trivial
    expect(tr.freeEnergy![0] - gibbs.freeEnergy).toBeGreaterThan(1e-5);
  });

  it('takes transport-sized steps: far fewer than the explicit scheme', () => {
    const implicit = solve({ operators: op, initialMass: P0, schedule: CONSTANT, noise }, { saveTimes: [0.2], diffusion: 'implicit' });
    const explicit = solve({ operators: op, initialMass: P0, schedule: CONSTANT, noise }, { saveTimes: [0.2] });
    expect(implicit.steps * 20).toBeLessThan(explicit.steps);
  });

  it('agrees with the explicit scheme to first order in Δt on a short horizon', () => {
    const T = 0.2;
    const reference = solve({ operators: op, initialMass: P0, schedule: CONSTANT, noise }, { saveTimes: [T], scheme: 'ssprk3' }).snapshots[0];
    const errors = [4e-3, 2e-3, 1e-3, 5e-4].map((dt) => {
      const tr = solve({ operators: op, initialMass: P0, schedule: CONSTANT, noise }, { saveTimes: [T], dt, diffusion: 'implicit' });
      expect(tr.rejectedSteps).toBe(0);
      return l1(tr.snapshots[0], reference);
    });
    // implicit Euler: the error halves with Δt (the explicit reference is exact to ~1e-9 in time here)
    for (const p of orders(errors)) expect(p).toBeGreaterThan(0.9);
    for (const p of orders(errors)) expect(p).toBeLessThan(1.1);
  });

  it('2-D: one line solve per axis keeps mass, positivity and the free-energy decrease, and relaxes to the Gibbs law', () => {
    const g2 = new Grid([{ name: 'r', lo: 0, hi: 2, cells: 40 }, { name: 'a', lo: -2, hi: 2, cells: 30 }]);
    const noise2: NoiseSpec = { beta: 10, lambda: 1, jacobianExponents: [4, 0] };
    const op2 = operators(g2, ([r, a]) => 0.2 * r * a + (a * a) / 4, twoFeatures(g2, 0.3));
    const r = g2.coordinateField(0);
    const a = g2.coordinateField(1);
    const start = initialMass(g2, { kind: 'density', values: Array.from({ length: g2.size }, (_, j) => Math.exp(-((r[j] - 1) ** 2) * 8 - (a[j] - 0.5) ** 2 * 8)) }).mass;
    const checker = new MonotoneChecker((P) => discreteFreeEnergy(op2, noise2, P), 1);
    const tr = solve({ operators: op2, initialMass: start, schedule: CONSTANT, noise: noise2 }, { saveTimes: [8], diffusion: 'implicit', trackers: [checker] });
    expect(checker.maxIncrease).toBeLessThanOrEqual(1e-14);
    expect(checker.minMass).toBeGreaterThanOrEqual(0);
    expect(checker.maxMassError).toBeLessThan(1e-12);
    const gibbs = solveGibbs(op2, noise2);
    expect(gibbs.converged).toBe(true);
    expect(l1(tr.snapshots[0], gibbs.mass)).toBeLessThan(1e-8);
  });

  it('rejects an unknown diffusion option by name', () => {
    expect(() => solve({ operators: op, initialMass: P0, schedule: CONSTANT, noise }, { saveTimes: [1], diffusion: 'crank' as never })).toThrow(
      expect.objectContaining({ field: 'options.diffusion' }),
    );
  });
});

describe('direct Gibbs fixed point', () => {
  it('without interaction is the closed form P_j ∝ r_j^{d−1} e^{−β(v + λr²/2)} (MMN eq. 21 in r)', () => {
    const grid = Grid.uniform1d('r', 0, 3, 200);
    const noise: NoiseSpec = { beta: 40, lambda: 1, jacobianExponents: [39] };
    const op = operators(grid, ([r]) => 0.3 * Math.sin(3 * r), twoFeatures(grid, 0));
    const g = solveGibbs(op, noise);
    const w = confinement(grid, noise);
    const exact = new Float64Array(grid.size).map((_, j) => Math.exp(-(w[j] + noise.beta * op.potential[j]) + 100));
    const z = exact.reduce((s, p) => s + p, 0);
    for (let j = 0; j < grid.size; j++) exact[j] /= z;
    expect(l1(g.mass, exact)).toBeLessThan(1e-14);
    expect(g.iterations).toBeLessThanOrEqual(1);
  });

  it('with a strong interaction Newton converges to round-off, and a converged start needs no iteration', () => {
    const grid = Grid.uniform1d('r', 0, 3, 200);
    const noise: NoiseSpec = { beta: 40, lambda: 0.2, jacobianExponents: [9] };
    const op = operators(grid, ([r]) => -r, twoFeatures(grid, 2));
    const g = solveGibbs(op, noise);
    expect(g.converged).toBe(true);
    expect(g.residual).toBeLessThan(1e-13);
    expect(g.iterations).toBeLessThan(30);
    const again = solveGibbs(op, noise, { initial: g.mass });
    expect(again.iterations).toBe(0);
  });

  it('names bad options', () => {
    const grid = Grid.uniform1d('r', 0, 3, 20);
    const op = operators(grid, () => 0, twoFeatures(grid, 1));
    const noise: NoiseSpec = { beta: 4, lambda: 1, jacobianExponents: [1] };
    expect(() => solveGibbs(op, noise, { tolerance: 0 })).toThrow(expect.objectContaining({ field: 'gibbs.tolerance' }));
    expect(() => solveGibbs(op, noise, { initial: new Float64Array(3) })).toThrow(expect.objectContaining({ field: 'gibbs.initial' }));
    expect(() => solveGibbs(op, { ...noise, beta: -1 })).toThrow(expect.objectContaining({ field: 'noise.beta' }));
  });
});
