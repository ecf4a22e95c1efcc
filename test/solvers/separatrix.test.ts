import { describe, expect, it } from 'vitest';
import { incompleteGammaRegularized } from '../../src/numerics/special.ts';
import { buildPdeProblem } from '../../src/pde/index.ts';
import { parseSpec } from '../../src/spec/index.ts';
import { separableRadial } from '../../reduced-models/isotropic-gaussians/adapters.ts';
import { IsotropicGaussians } from '../../reduced-models/isotropic-gaussians/index.ts';
import { chiLogDensity, radialQuadrature, solveCharacteristics } from '../../solvers/characteristics.ts';
import { solve } from '../../solvers/finite-volume.ts';
import { gradedRadialQuadrature, levelsFor, locateSplit, slopePeak, solveSeparatrix, type RadialFlowProblem, type SplitPoint } from '../../solvers/separatrix.ts';

// MMN Fig. 1 (examples/mmn-fig1.json): Δ = 0.8, d = 40, ρ0 = N(0, 0.8²/d I), ξ = 1; K = 30 for velocities.
const d = 40;
const scale = 0.8;
const model = new IsotropicGaussians({ delta: 0.8, d });
const problem: RadialFlowProblem = { model: separableRadial(model, 30), logDensity: chiLogDensity(d, scale), rMax: 8, schedule: { kind: 'constant', value: 1 } };
const chiCdf = (r: number) => incompleteGammaRegularized(d / 2, (d * r * r) / (2 * scale * scale));

/**
 * Reference at t = 5 from bench/fig1-reference.ts (n = 12, levels 11/15 towards c(5), c(10), dt = 0.01 and
 * 0.005 Richardson-extrapolated): the dt = 0.0025 run differs by 4e-10 (R) and 2e-10 (mean r), n = 8 or 16
 * and 4 more levels by < 1e-11, K = 40 instead of 30 by 2e-12.
 */
const R5 = 0.699686767348;
const MEAN5 = 2.356044337576;
/** c(5) measured in that reference field with 257 tracers over c ± 2w (129 tracers: +5e-6; dt → dt/2: 1e-8). */
const C5 = 0.6282719;

describe('graded quadrature of the initial law', () => {
  it('is split at the centres, graded geometrically, and integrates the chi law exactly', () => {
    const centres = [
      { at: 0.63, levels: 6 },
      { at: 0.7, levels: 9 },
    ];
    const q = gradedRadialQuadrature(problem.logDensity, problem.rMax, centres, { nodesPerPanel: 12, ratio: 0.5 });
    let sum = 0;
    let second = 0;
    for (let j = 0; j < q.nodes.length; j++) {
      sum += q.weights[j];
      second += q.weights[j] * q.nodes[j] ** 2;
    }
    expect(Math.abs(sum - 1)).toBeLessThan(1e-14);
    expect(Math.abs(second - scale * scale)).toBeLessThan(1e-13); // E r² = s²
    // ρ̄0([0, c)) from the rule = the regularized incomplete gamma (d r²/s² ~ χ²_d)
    centres.forEach(({ at }, k) => expect(Math.abs(q.massBelow[k] - chiCdf(at))).toBeLessThan(1e-13));
    // both centres are breakpoints, with innermost panels (c − lo) q^L and (hi − c) q^L
    const [lo, hi] = [q.breakpoints[0], q.breakpoints[q.breakpoints.length - 1]];
    for (const { at, levels } of centres) {
      const i = q.breakpoints.indexOf(at);
      expect(i).toBeGreaterThan(0);
      expect(q.breakpoints[i] - q.breakpoints[i - 1]).toBeCloseTo((at - lo) * 0.5 ** levels, 14);
      expect(q.breakpoints[i + 1] - q.breakpoints[i]).toBeCloseTo((hi - at) * 0.5 ** levels, 14);
    }
    expect(levelsFor(1, 1e-3)).toBe(10); // 2^-10 ≤ 1e-3 < 2^-9
  });

  it('slopePeak finds the steepest point and the FWHM of a tanh layer', () => {
    // X = tanh((y − c)/w): slope ∝ sech², maximal at c, half maximum at |y − c| = w arccosh(√2)
    const c = 0.3127;
    const w = 0.01;
    const y = Float64Array.from({ length: 201 }, (_, i) => 0.2 + (0.2 * i) / 200);
    const X = y.map((v) => Math.tanh((v - c) / w));
    const peak = slopePeak(y, X);
    expect(peak.atEdge).toBe(false);
    expect(Math.abs(peak.at - c)).toBeLessThan(1e-3 * w);
    expect(Math.abs(peak.width / (2 * w * Math.acosh(Math.SQRT2)) - 1)).toBeLessThan(0.01);
  });
});

describe('separatrix-aware characteristics, MMN Fig. 1', () => {
  it('agrees with the plain rule to 1e-9 while the flow is smooth (t ≤ 2)', () => {
    const saveTimes = [0.5, 1, 2];
    const dt = 0.02; // the same RK4 step for both: only the quadratures differ
    const plain = radialQuadrature(problem.logDensity, problem.rMax, 8, 25);
    const a = solveCharacteristics({ model: problem.model, nodes: plain.nodes, weights: plain.weights, schedule: problem.schedule }, { saveTimes, dt });
    const b = solveSeparatrix(problem, { saveTimes, dt, splitTimes: [2], splits: [{ centre: 0.63, width: 0.03 }], grading: { nodesPerPanel: 8 } }).trajectory;
    for (let i = 0; i < saveTimes.length; i++) {
      expect(Math.abs(a.risk[i] - b.risk[i])).toBeLessThan(1e-9);
      expect(Math.abs(a.meanR[i] - b.meanR[i])).toBeLessThan(1e-9);
    }
  });

  it('at t = 5: locates c(5), converges spectrally in the nodes, and matches the reference to its RK4 error', () => {
    // c(5) on a coarse rule (n = 8, dt = 0.04) with 64 tracers: measured 0.6283843, w = 0.0341, 4 iterations;
    // 1.1e-4 = 3.3e-3 w above C5, the bias of the steepest point from 16 tracers per width (slopePeak)
    const split: SplitPoint = locateSplit(problem, 5, { dt: 0.04, nodesPerPanel: 8 });
    expect(split.width).toBeGreaterThan(0.03);
    expect(split.width).toBeLessThan(0.04);
    expect(Math.abs(split.centre - C5)).toBeLessThan(1e-2 * split.width);

    const run = (n: number, dt: number, options: { levels?: number; tracers?: number } = {}) =>
      solveSeparatrix(problem, { saveTimes: [5], dt, splits: [split], grading: { nodesPerPanel: n, levels: options.levels }, tracers: options.tracers });
    // quadrature refinement at a fixed step (levels from w: 11): measured |R6 − R12| = 1.9e-9, |R8 − R12| = 9e-14
    // (at dt = 0.04 the same differences stall at ~5e-11: the RK4 error is not smooth across the nodes there)
    const r8 = run(8, 0.02);
    const [r6, r12] = [6, 12].map((n) => run(n, 0.02, { tracers: 3 }).trajectory);
    expect(Math.abs(r6.risk[0] - r12.risk[0])).toBeLessThan(1e-8);
    expect(Math.abs(r8.trajectory.risk[0] - r12.risk[0])).toBeLessThan(1e-12);
    expect(Math.abs(r8.trajectory.meanR[0] - r12.meanR[0])).toBeLessThan(1e-12);
    // without the levels that resolve the layer (innermost panel 0.6·2^-4 ≈ 1.1 w) the difference is 6.8e-7
    const shallow = run(8, 0.02, { levels: 4, tracers: 3 }).trajectory;
    expect(Math.abs(shallow.risk[0] - r12.risk[0])).toBeGreaterThan(1e-7);
    // RK4 against the reference: measured errors 1.79e-5 (dt = 0.04), 7.1e-7 (dt = 0.02) in R: order 4.65
    const e02 = Math.abs(r8.trajectory.risk[0] - R5);
    const e04 = Math.abs(run(8, 0.04, { tracers: 3 }).trajectory.risk[0] - R5);
    expect(e02).toBeLessThan(1.5e-6);
    expect(Math.log2(e04 / e02)).toBeGreaterThan(3.5);
    expect(Math.abs(r8.trajectory.meanR[0] - MEAN5)).toBeLessThan(1.5e-6); // measured 5.1e-7
    // the split re-measured in the final field sits where the rule is graded; the mass below is the chi CDF
    expect(Math.abs(r8.checks[0].at - split.centre)).toBeLessThan(1e-2 * split.width);
    expect(Math.abs(r8.checks[0].at - C5)).toBeLessThan(1e-2 * split.width);
    expect(Math.abs(r8.quadrature.massBelow[0] - chiCdf(split.centre))).toBeLessThan(1e-12);
  });

  it('finite volumes at 800 and 1600 cells on [0, 8] move toward the reference at t = 5', async () => {
    // measured errors in R(5): −2.83e-2 (800), −8.05e-3 (1600): a factor 3.5; second order from there on
    // (factors 3.98, 4.08, 4.06 up to 12800 cells, bench/fig1-reference.ts). Asserted: ≥ 2 per doubling.
    const errors: number[] = [];
    for (const cells of [800, 1600]) {
      const spec = await parseSpec({
        model: { name: 'isotropic-gaussians', delta: 0.8, d, activation: { kind: 'mmn' } },
        init: { kind: 'gaussian', scale },
        schedule: { kind: 'constant', value: 1 },
        grid: { rMax: 8, cells },
        solver: { scheme: 'ssprk2', cfl: 0.4, reconstruction: 'muscl', kernelTolerance: 1e-10 },
        saveTimes: [5],
        seed: 1,
      });
      const p = buildPdeProblem(spec.runs[0]);
      if (p.method !== 'finite-volume') throw new Error(`expected a finite-volume problem, got ${p.method}`);
      const traj = solve({ operators: p.operators, initialMass: p.initial.mass, schedule: p.schedule }, { saveTimes: [5], storeDensity: false });
      errors.push(Math.abs(traj.risk[0] - R5));
    }
    expect(errors[1]).toBeLessThan(errors[0] / 2);
    expect(errors[1]).toBeLessThan(1e-2);
  });
});
