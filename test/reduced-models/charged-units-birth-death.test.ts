/**
 * Birth–death of charged units (reduced-models/charged-units/birth-death.ts and the grid term of
 * solvers/finite-volume.ts): exact mass and positivity on the grid, R_h non-increasing for the pure term,
 * a lower loss than GD at equal time on the line example (grid and particles), and the particle kill/clone
 * rates against the PDE term at a fixed configuration.
 */
import { describe, expect, it } from 'vitest';
import { Grid } from '../../src/grid.ts';
import { Rng } from '../../src/rng.ts';
import { discreteRisk, solve, type BirthDeathSpec } from '../../solvers/finite-volume.ts';
import { MonotoneChecker } from '../helpers/grid-checks.ts';
import { BirthDeath, runWithBirthDeath } from '../../reduced-models/charged-units/birth-death.ts';
import { ChargedParticles, chargedGridOperators, FLOW_SCHEDULE, GAUSSIAN_EXAMPLE_INIT, GaussianLine, initialCellMasses } from '../../reduced-models/charged-units/index.ts';

const line = new GaussianLine();
const grid = new Grid([{ name: 'y', lo: -5, hi: 5, cells: 40 }, { name: 'c', lo: -7.5, hi: 7.5, cells: 60 }]);
const ops = chargedGridOperators(line, grid);
const P0 = initialCellMasses(grid, GAUSSIAN_EXAMPLE_INIT).mass;

function gridRun(birthDeath: BirthDeathSpec | undefined, boundaries: ('open' | 'zero-flux')[], saveTimes: number[]) {
  const check = new MonotoneChecker((P) => discreteRisk(ops, P), 1);
  const tr = solve({ operators: ops, initialMass: P0, schedule: FLOW_SCHEDULE, boundaries, birthDeath }, { saveTimes, trackers: [check] });
  return { tr, check };
}

describe('birth–death on the grid (line example, 40 × 60 cells)', () => {
  it('pure term with walls: Σ P = 1 to round-off, P ≥ 0 and L_h never rises (every accepted step)', () => {
    const { check } = gridRun({ rate: 1 }, ['zero-flux', 'zero-flux'], [5]);
    expect(check.maxMassError).toBeLessThan(1e-13);
    expect(check.minMass).toBeGreaterThanOrEqual(0);
    expect(check.maxIncrease).toBeLessThanOrEqual(1e-13);
  });

  it('with the prior and open windows: Σ P + outflow = 1 to round-off, P ≥ 0; switched off at `until`', () => {
    const { tr, check } = gridRun({ rate: 1, prior: P0, until: 2 }, ['open', 'open'], [1, 2, 3]);
    expect(check.maxMassError).toBeLessThan(1e-13);
    expect(check.minMass).toBeGreaterThanOrEqual(0);
    // after t = 2 the flow is plain GD again: the same as a GD run started from the t = 2 state
    const after = solve({ operators: ops, initialMass: tr.snapshots[1], schedule: FLOW_SCHEDULE, boundaries: ['open', 'open'] }, { saveTimes: [1] });
    expect(Math.abs(after.risk[0] - tr.risk[2])).toBeLessThan(1e-6);
  });

  it('reaches a lower loss than GD at equal time, with and without the prior (NBD, ICML 2019)', () => {
    const times = [3, 10];
    const gd = gridRun(undefined, ['open', 'open'], times).tr.risk;
    const bd = gridRun({ rate: 1 }, ['open', 'open'], times).tr.risk;
    const prior = gridRun({ rate: 1, prior: P0 }, ['open', 'open'], times).tr.risk;
    // measured: GD 2.17e-2, 4.76e-3; birth–death 1.54e-2, 1.68e-3; with prior 1.63e-2, 2.13e-3
    for (let k = 0; k < times.length; k++) {
      expect(bd[k]).toBeLessThan(0.8 * gd[k]);
      expect(prior[k]).toBeLessThan(0.8 * gd[k]);
    }
  });
});

describe('birth–death of particles', () => {
  it('kill and clone counts match their rates; the mean change of ⟨y⟩, ⟨c⟩ and ⟨V⟩ per pass is the PDE term −αΔt Cov(V, ·)', () => {
    const n = 200;
    const base = ChargedParticles.sample(line, GAUSSIAN_EXAMPLE_INIT, n, new Rng(3));
    base.evaluate();
    const V = Float64Array.from(base.c, (c, i) => c * base.u[i]);
    const mean = (x: Float64Array) => x.reduce((s, v) => s + v, 0) / n;
    const vBar = mean(V);
    const alphaDt = 0.05;
    const bd = new BirthDeath({ rate: 1 });
    const rng = new Rng(11);
    const y = new Float64Array(n);
    const c = new Float64Array(n);
    const passes = 4000;
    let killed = 0;
    let expectedKilled = 0;
    // every slot holds a copy of some unit of `base` (no prior): its V is that unit's (y values are distinct)
    const index = new Map<number, number>();
    base.y.forEach((v, i) => index.set(v, i));
    const vOf = (yy: Float64Array) => yy.reduce((s, v) => s + V[index.get(v)!], 0) / n;
    const dMean = { y: [] as number[], c: [] as number[], V: [] as number[] };
    for (let r = 0; r < passes; r++) {
      y.set(base.y);
      c.set(base.c);
      const e = bd.pass(y, c, V, n, alphaDt, rng);
      killed += e.killed;
      expectedKilled = e.expectedKilled;
      dMean.y.push(mean(y) - mean(base.y));
      dMean.c.push(mean(c) - mean(base.c));
      dMean.V.push(vOf(y) - vBar);
    }
    // kills: a sum of independent Bernoulli(p_i); E = Σ p_i, Var ≤ Σ p_i
    expect(Math.abs(killed / passes - expectedKilled)).toBeLessThan(5 * Math.sqrt(expectedKilled / passes));
    // Σ p_i = nαΔt m⁺ to first order (p_i = 1 − e^{−αΔt|d_i|})
    let excess = 0;
    for (const v of V) excess += Math.max(0, v - vBar);
    expect(Math.abs(expectedKilled - alphaDt * excess) / (alphaDt * excess)).toBeLessThan(alphaDt * Math.max(...V.map((v) => Math.abs(v - vBar))));
    for (const axis of ['y', 'c', 'V'] as const) {
      const x = axis === 'V' ? V : base[axis];
      const xBar = mean(x);
      let cov = 0;
      for (let i = 0; i < n; i++) cov += (V[i] - vBar) * (x[i] - xBar);
      const pde = (-alphaDt * cov) / n;
      const d = dMean[axis];
      const m = d.reduce((s, v) => s + v, 0) / passes;
      const se = Math.sqrt(d.reduce((s, v) => s + (v - m) ** 2, 0) / (passes - 1) / passes);
      // the pass is the PDE term to first order in αΔt; the second-order part (overlapping events) is ≪ se here
      expect(Math.abs(m - pde), axis).toBeLessThan(5 * se + 0.05 * Math.abs(pde));
      if (axis === 'V') expect(Math.abs(pde)).toBeGreaterThan(5 * se); // ⟨V⟩ falls at αΔt Var(V): the check has power
    }
  });

  it('n = 200 GD with birth–death (Euler Δt = 0.01, 4 seeds) reaches a lower mean loss than GD at t = 3 and t = 5', () => {
    const steps = 500;
    const seeds = [1, 2, 3, 4];
    const mean = { gd: [0, 0], bd: [0, 0], prior: [0, 0] };
    for (const seed of seeds) {
      for (const kind of ['gd', 'bd', 'prior'] as const) {
        const p = ChargedParticles.sample(line, GAUSSIAN_EXAMPLE_INIT, 200, new Rng(seed));
        const bd = new BirthDeath({ rate: kind === 'gd' ? 0 : 1, prior: kind === 'prior' ? GAUSSIAN_EXAMPLE_INIT : undefined });
        const { loss } = runWithBirthDeath(p, bd, 0.01, steps, new Rng(100 + seed));
        mean[kind][0] += loss[300] / seeds.length;
        mean[kind][1] += loss[500] / seeds.length;
      }
    }
    // measured: GD 0.0230, 0.0133; birth–death 0.0172, 0.0094; with prior 0.0182, 0.0103
    for (let k = 0; k < 2; k++) {
      expect(mean.bd[k], `t index ${k}`).toBeLessThan(0.85 * mean.gd[k]);
      expect(mean.prior[k], `t index ${k}`).toBeLessThan(0.85 * mean.gd[k]);
    }
  });
});
