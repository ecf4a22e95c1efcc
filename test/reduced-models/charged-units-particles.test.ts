/**
 * Particles of the charged-unit model (reduced-models/charged-units/particles.ts): the energy identity
 * dL/dt = −Σ w_i (c_i² U'_i² + U_i²) to the order of each integrator, an independent RK4 characteristics
 * solver on the circle, unbiased online SGD, Langevin increments, reproducibility and input errors.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { Rng } from '../../src/rng.ts';
import { solveCharacteristicsNd } from '../../solvers/characteristics-nd.ts';
import {
  ChargedParticles,
  CIRCLE_EXAMPLE_INIT,
  circleSeparableReducedModel,
  lineSeparableReducedModel,
  FLOW_SCHEDULE,
  GAUSSIAN_EXAMPLE_INIT,
  GaussianLine,
  quadratureNodes,
  VonMisesCircle,
  type ChargedUnitsModel,
  type Integrator,
} from '../../reduced-models/charged-units/index.ts';

const line = new GaussianLine();
const circle = new VonMisesCircle();
const cases: [string, ChargedUnitsModel, number][] = [
  ['line', line, 60],
  ['circle', circle, 200],
];

const ratios = (e: number[]) => e.slice(1).map((x, i) => e[i] / x);

describe.each(cases)('%s: energy identity along GD', (_, model, n) => {
  const start = () => ChargedParticles.sample(model, model.domain === 'line' ? GAUSSIAN_EXAMPLE_INIT : CIRCLE_EXAMPLE_INIT, n, new Rng(3));

  it('one Euler step: (L(z + dt v) − L(z))/dt = −D(z) + O(dt), the error halves with dt', () => {
    const errors = [0.04, 0.02, 0.01, 0.005].map((dt) => {
      const p = start();
      const l0 = p.evaluate();
      const d0 = p.dissipation();
      p.gdStep(dt, 'euler');
      return Math.abs((p.loss() - l0) / dt + d0);
    });
    for (const r of ratios(errors)) expect(r).toBeGreaterThan(1.85), expect(r).toBeLessThan(2.15);
  });

  it.each([
    ['euler', 2],
    ['heun', 4],
  ] as [Integrator, number][])('over t ∈ [0, 1]: L(1) − L(0) + ∫D dt (trapezoid) is O(dt) for Euler, O(dt²) for Heun (%s)', (method, factor) => {
    const errors = [0.05, 0.025, 0.0125].map((dt) => {
      const p = start();
      const l0 = p.evaluate();
      let previous = p.dissipation();
      let integral = 0;
      for (let k = 0; k < Math.round(1 / dt); k++) {
        p.gdStep(dt, method);
        p.evaluate();
        const d = p.dissipation();
        integral += (dt / 2) * (previous + d);
        previous = d;
      }
      return Math.abs(p.loss() - l0 + integral);
    });
    for (const r of ratios(errors)) expect(r).toBeGreaterThan(0.9 * factor), expect(r).toBeLessThan(1.1 * factor);
  });
});

describe('GD runs', () => {
  it('the gaussian example (n = 200, dt = 0.01, notebook conventions) lowers the exact loss at every step', () => {
    const p = ChargedParticles.sample(line, GAUSSIAN_EXAMPLE_INIT, 200, new Rng(1));
    const run = p.run({ dt: 0.01, steps: 200 });
    expect(run.loss.length).toBe(201);
    expect(run.times[200]).toBeCloseTo(2, 12);
    for (let k = 1; k < run.loss.length; k++) expect(run.loss[k]).toBeLessThan(run.loss[k - 1]);
    expect(run.loss[200]).toBeLessThan(0.6 * run.loss[0]);
    const sparse = ChargedParticles.sample(line, GAUSSIAN_EXAMPLE_INIT, 200, new Rng(1)).run({ dt: 0.01, steps: 200, recordEvery: 30 });
    expect(Array.from(sparse.times)).toEqual(Array.from(run.times).filter((_, k) => k % 30 === 0 || k === 200));
    expect(Array.from(sparse.loss)).toEqual(Array.from(run.loss).filter((_, k) => k % 30 === 0 || k === 200));
  });

  // the line's separable form: the periodised kernel for a span of 8 (the nodes start in [−2, 2] and stay within it to t = 1)
  it.each([
    ['circle', circle, CIRCLE_EXAMPLE_INIT, () => circleSeparableReducedModel(circle)],
    ['line', line, GAUSSIAN_EXAMPLE_INIT, () => lineSeparableReducedModel(line, line.kernelForSpan(8))],
  ] as const)('%s: weighted quadrature nodes under Heun agree with the RK4 characteristics solver (solvers/characteristics-nd.ts) to O(dt²)', (_, model, law, separable) => {
    const nodes = quadratureNodes(law, 24, 12);
    const rk4 = solveCharacteristicsNd(
      { model: separable(), nodes: interleave(nodes.y, nodes.c), weights: nodes.w, schedule: FLOW_SCHEDULE },
      { saveTimes: [0, 1], dt: 0.01 },
    );
    let span = 0;
    for (const x of [nodes.y, rk4.positions[1].filter((_, i) => i % 2 === 0)]) span = Math.max(span, Math.max(...x) - Math.min(...x));
    expect(span).toBeLessThan(8);
    const errors = [0.04, 0.02].map((dt) => {
      const p = ChargedParticles.fromNodes(model, nodes);
      const run = p.run({ dt, steps: Math.round(1 / dt), method: 'heun' });
      expect(Math.abs(run.loss[0] - rk4.risk[0])).toBeLessThan(1e-14);
      let e = 0;
      const x = rk4.positions[1];
      for (let i = 0; i < p.n; i++) e = Math.max(e, Math.abs(p.y[i] - x[2 * i]), Math.abs(p.c[i] - x[2 * i + 1]));
      return { e, loss: Math.abs(run.loss[run.loss.length - 1] - rk4.risk[1]) };
    });
    // second order in positions and loss (the RK4 reference at dt = 0.01 is ~1e-8 accurate); circle at dt = 0.02: the
    // largest node error (|c| up to 4.5 on the Gauss–Hermite nodes) is ~2e-4 and the loss error ~3e-7
    for (const key of ['e', 'loss'] as const) {
      expect(errors[0][key] / errors[1][key], key).toBeGreaterThan(3.5);
      expect(errors[0][key] / errors[1][key], key).toBeLessThan(4.5);
    }
    expect(errors[1].e).toBeLessThan(1e-3);
    expect(errors[1].loss).toBeLessThan(1e-6);
    expect(rk4.risk[1]).toBeLessThan(0.9 * (rk4.risk[0]));
  });
});

function interleave(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(2 * a.length);
  for (let i = 0; i < a.length; i++) {
    out[2 * i] = a[i];
    out[2 * i + 1] = b[i];
  }
  return out;
}

describe('online SGD (circle)', () => {
  it('is unbiased: the mean one-step increment over fresh batches is dt × the GD velocity (5 standard errors per coordinate)', () => {
    const n = 40;
    const dt = 0.1;
    const p0 = ChargedParticles.sample(circle, CIRCLE_EXAMPLE_INIT, n, new Rng(5));
    p0.evaluate();
    const vy = Float64Array.from(p0.y, (_, i) => -p0.c[i] * p0.du[i]);
    const vc = Float64Array.from(p0.u, (u) => -u);
    const R = 3000;
    const sum = new Float64Array(2 * n);
    const sq = new Float64Array(2 * n);
    const rng = new Rng(6);
    const p = new ChargedParticles(circle, p0.y, p0.c);
    for (let r = 0; r < R; r++) {
      p.y.set(p0.y);
      p.c.set(p0.c);
      p.sgdStep(dt, 3, rng);
      for (let i = 0; i < n; i++) {
        const a = (p.y[i] - p0.y[i]) / dt;
        const b = (p.c[i] - p0.c[i]) / dt;
        sum[i] += a;
        sq[i] += a * a;
        sum[n + i] += b;
        sq[n + i] += b * b;
      }
    }
    for (let k = 0; k < 2 * n; k++) {
      const mean = sum[k] / R;
      const se = Math.sqrt((sq[k] / R - mean * mean) / (R - 1));
      const v = k < n ? vy[k] : vc[k - n];
      expect(Math.abs(mean - v), `coordinate ${k}`).toBeLessThan(5 * se);
    }
  });

  it('same seed → bit-identical runs; another seed differs; its loss falls like GD', () => {
    const go = (seed: number) => ChargedParticles.sample(circle, CIRCLE_EXAMPLE_INIT, 300, new Rng(9)).run({ dt: 0.02, steps: 100, algorithm: 'sgd', batch: 8, rng: new Rng(seed), recordEvery: 50 });
    const [a, b, c] = [go(1), go(1), go(2)];
    expect(Array.from(a.loss)).toEqual(Array.from(b.loss));
    expect(a.loss[2]).not.toBe(c.loss[2]);
    const gd = ChargedParticles.sample(circle, CIRCLE_EXAMPLE_INIT, 300, new Rng(9)).run({ dt: 0.02, steps: 100, recordEvery: 50 });
    expect(a.loss[0]).toBe(gd.loss[0]);
    // over t = 2 the SGD loss follows GD's fall (0.34 → 0.27): (L_sgd − L_gd)/fall has a seed-to-seed sd of 0.03
    // (12 seeds: −0.06 … 0.03); the bound is 5 sd
    expect(Math.abs(a.loss[2] - gd.loss[2]) / (gd.loss[0] - gd.loss[2])).toBeLessThan(0.15);
  });
});

describe('Langevin GD (temperature θ)', () => {
  it('one Euler–Maruyama step adds N(0, 2θ dt) to y and c around the GD step', () => {
    const n = 20;
    const dt = 0.01;
    const theta = 0.3;
    const p0 = ChargedParticles.sample(line, GAUSSIAN_EXAMPLE_INIT, n, new Rng(4));
    const gd = new ChargedParticles(line, p0.y, p0.c);
    gd.gdStep(dt);
    const p = new ChargedParticles(line, p0.y, p0.c);
    const rng = new Rng(8);
    const R = 4000;
    let s = 0;
    let s2 = 0;
    for (let r = 0; r < R; r++) {
      p.y.set(p0.y);
      p.c.set(p0.c);
      p.gdStep(dt, 'euler', theta, rng);
      for (let i = 0; i < n; i++) {
        for (const z of [(p.y[i] - gd.y[i]) / Math.sqrt(2 * theta * dt), (p.c[i] - gd.c[i]) / Math.sqrt(2 * theta * dt)]) {
          s += z;
          s2 += z * z;
        }
      }
    }
    const N = 2 * n * R;
    expect(Math.abs(s / N)).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(s2 / N - 1)).toBeLessThan(5 * Math.sqrt(2 / N));
  });
});

describe('input errors', () => {
  it('are ConfigErrors naming the field', () => {
    const p = ChargedParticles.sample(line, GAUSSIAN_EXAMPLE_INIT, 10, new Rng(1));
    expect(() => p.run({ dt: 0.1, steps: 1, algorithm: 'sgd', rng: new Rng(1) })).toThrow(/algorithm: "sgd" needs a model/);
    const q = ChargedParticles.sample(circle, CIRCLE_EXAMPLE_INIT, 10, new Rng(1));
    expect(() => q.run({ dt: 0.1, steps: 1, algorithm: 'sgd', method: 'heun', rng: new Rng(1) })).toThrow(ConfigError);
    expect(() => q.run({ dt: 0.1, steps: 1, algorithm: 'sgd' })).toThrow(/rng/);
    expect(() => q.run({ dt: 0.1, steps: 1, method: 'heun', temperature: 0.1, rng: new Rng(1) })).toThrow(/Euler–Maruyama/);
    expect(() => q.run({ dt: 0, steps: 1 })).toThrow(/dt: must be a finite number > 0/);
    expect(() => q.run({ dt: 0.1, steps: 1.5 })).toThrow(/steps/);
    expect(() => q.run({ dt: 0.1, steps: 1, algorithm: 'sgd', batch: 0, rng: new Rng(1) })).toThrow(/batch/);
    expect(() => new ChargedParticles(line, new Float64Array(2), new Float64Array(2), Float64Array.of(0.5, 0.6))).toThrow(/particles\.w: must sum to 1/);
    expect(() => new ChargedParticles(line, Float64Array.of(NaN), Float64Array.of(1))).toThrow(/particles\[0\]/);
    expect(() => ChargedParticles.sample(line, { y: { kind: 'uniform', lo: 1, hi: 0 }, c: { kind: 'point', value: 0 } }, 5, new Rng(1))).toThrow(/init\.y\.hi/);
  });
});
