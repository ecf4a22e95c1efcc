/**
 * Per-unit sampling (src/particles/sgd.ts, "Sampling"): the engine = the plain reference, and the
 * one-step kicks have the law the module doc states — each unit's kick the same as under shared
 * sampling (mean = the GD velocity, same variance), but no correlation between two units' kicks,
 * where shared sampling has the common-noise covariance.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../src/errors.ts';
import { mean } from '../../src/diagnostics/stats.ts';
import { replicaSpec } from '../../src/particles/replica.ts';
import { ParticleEngine, resolveOptions, simulate, type SgdOptions } from '../../src/particles/sgd.ts';
import { parseSpec } from '../../src/spec/index.ts';
import { Rng } from '../../src/rng.ts';
import { hardTanhModel } from './helpers/hard-tanh-model.ts';
import { referenceSgd } from './helpers/reference-sgd.ts';
import { teacherReluModel } from './helpers/toy-models.ts';

const gaussian = (scale: number) => ({ kind: 'gaussian' as const, scale });

describe('per-unit SGD = the documented update (plain reference)', () => {
  it.each([
    { batch: 1, trainA: false, trainB: false, beta: Infinity, piecewise: false },
    { batch: 3, trainA: true, trainB: true, beta: 50, piecewise: false },
    { batch: 1, trainA: true, trainB: true, beta: Infinity, piecewise: true },
    { batch: 2, trainA: false, trainB: true, beta: 50, piecewise: true },
  ])('B=$batch trainA=$trainA trainB=$trainB β=$beta piecewise=$piecewise: 40 steps agree to rounding', (c) => {
    const n = 9;
    const epsilon = 0.02;
    const steps = 40;
    const model = hardTanhModel({ d: 7, piecewise: c.piecewise });
    const run = simulate(model, {
      n, epsilon, batch: c.batch, trainA: c.trainA, trainB: c.trainB, sampling: 'per-unit',
      init: { w: gaussian(1.5), a: 0.7, b: 0.1 }, noise: { beta: c.beta, lambda: 0.1 },
      saveTimes: [steps * epsilon], seed: 4, stream: 1, returnState: true,
    });
    const ref = referenceSgd(model, {
      n, scale: 1.5, a0: 0.7, b0: 0.1, epsilon, batch: c.batch, steps, perUnit: true,
      trainA: c.trainA, trainB: c.trainB, lambda: 0.1, noiseFactor: c.beta === Infinity ? 0 : 4 / c.beta, seed: 4, stream: 1,
    });
    const s = run.state!;
    for (let k = 0; k < ref.w.length; k++) expect(s.w[k]).toBeCloseTo(ref.w[k], 11);
    for (let i = 0; i < n; i++) {
      expect(s.a[i]).toBeCloseTo(ref.a[i], 11);
      expect(s.b[i]).toBeCloseTo(ref.b[i], 11);
    }
  });

  it('same seed → bit-identical; same initial draw as shared sampling, then a different path', () => {
    const opts: SgdOptions = { n: 12, epsilon: 0.01, init: { w: gaussian(1) }, saveTimes: [0, 0.2], seed: 5, sampling: 'per-unit', testSamples: 30 };
    const model = teacherReluModel({ d: 6 });
    const [r1, r2] = [simulate(model, opts), simulate(model, opts)];
    expect(r2.snapshots).toEqual(r1.snapshots);
    const shared = simulate(model, { ...opts, sampling: 'shared' });
    expect(shared.snapshots[0].reduced).toEqual(r1.snapshots[0].reduced);
    expect(shared.snapshots[1].reduced).not.toEqual(r1.snapshots[1].reduced);
  });
});

/**
 * One SGD step from a fixed state, M times (each from the same θ with fresh samples): the kicks
 * k_i = Δw_i / (2ε) of units 0 and 1 projected on their own directions, u_i = <k_i, w_i/|w_i|>.
 */
function kicks(sampling: 'shared' | 'per-unit', w0: Float64Array, n: number, d: number, m: number) {
  const model = teacherReluModel({ d });
  const epsilon = 1e-3;
  const engine = new ParticleEngine(model, { n, epsilon, init: { w: gaussian(1) }, saveTimes: [epsilon], seed: 17, sampling });
  const w = engine.state.w;
  const norms = [0, 1].map((i) => Math.hypot(...w0.subarray(i * d, (i + 1) * d)));
  const mean0 = new Float64Array(d); // E k_0 (vector)
  const u = [new Float64Array(m), new Float64Array(m)];
  const k0sq = new Float64Array(d); // for the standard errors of mean0
  for (let r = 0; r < m; r++) {
    w.set(w0);
    engine.step(0);
    for (let i = 0; i < 2; i++) {
      let p = 0;
      for (let j = 0; j < d; j++) {
        const k = (w[i * d + j] - w0[i * d + j]) / (2 * epsilon);
        p += (k * w0[i * d + j]) / norms[i];
        if (i === 0) {
          mean0[j] += k / m;
          k0sq[j] += (k * k) / m;
        }
      }
      u[i][r] = p;
    }
  }
  const se0 = Array.from(mean0, (mu, j) => Math.sqrt((k0sq[j] - mu * mu) / (m - 1)));
  return { model, mean0, se0, u, norms };
}

/** Sample covariance of (x, y) and its standard error std((x − x̄)(y − ȳ))/√m. */
function covariance(x: Float64Array, y: Float64Array) {
  const m = x.length;
  const [mx, my] = [mean(x), mean(y)];
  const prod = Float64Array.from(x, (xi, r) => (xi - mx) * (y[r] - my));
  const c = mean(prod);
  const se = Math.sqrt(prod.reduce((s, p) => s + (p - c) ** 2, 0) / (m - 1) / m);
  return { c, se };
}

describe('one-step kick law: per-unit vs shared sampling (teacher ReLU, N = 4, d = 5, M = 40 000 steps)', () => {
  const n = 4;
  const d = 5;
  const m = 40000;
  const w0 = new Float64Array(n * d);
  new Rng(3).fillNormal(w0);
  for (let j = 0; j < d; j++) w0[d + j] = w0[j] + 0.5 * w0[d + j]; // unit 1 near unit 0: strongly shared activity
  const shared = kicks('shared', w0, n, d, m);
  const perUnit = kicks('per-unit', w0, n, d, m);

  it('(a) mean kick of a unit = the GD velocity −G_0 under both samplings, every component within 4 se', () => {
    const g = { w: new Float64Array(n * d), a: new Float64Array(n), b: new Float64Array(n) };
    shared.model.populationGradient!(w0, new Float64Array(n).fill(1), new Float64Array(n), n, g.w, g.a, g.b);
    for (const run of [shared, perUnit]) {
      for (let j = 0; j < d; j++) {
        expect(Math.abs(run.mean0[j] + g.w[j]) / run.se0[j], `component ${j}`).toBeLessThan(4);
      }
    }
  });

  it('(b) cross-unit covariance: 0 per unit; for shared, the common-noise term E[u_0 u_1] − E u_0 E u_1 from an independent Monte Carlo', () => {
    // The common-noise term by plain code: k_i(x) = (y − ŷ(x)) relu'(<w_i, x>) x (a = 1, b = 0).
    const x = new Float64Array(d);
    const rng = new Rng(99);
    const mc = 400000;
    const u = [new Float64Array(mc), new Float64Array(mc)];
    for (let r = 0; r < mc; r++) {
      const y = shared.model.sampleData(rng, x);
      const z = Array.from({ length: n }, (_, i) => x.reduce((s, xj, j) => s + w0[i * d + j] * xj, 0));
      const res = y - z.reduce((s, zi) => s + Math.max(zi, 0), 0) / n;
      for (let i = 0; i < 2; i++) u[i][r] = z[i] >= 0 ? (res * z[i]) / shared.norms[i] : 0; // <x, w_i>/|w_i| = z_i/|w_i|
    }
    const predicted = covariance(u[0], u[1]);
    const measuredShared = covariance(shared.u[0], shared.u[1]);
    const measuredPerUnit = covariance(perUnit.u[0], perUnit.u[1]);
    expect(predicted.c / predicted.se).toBeGreaterThan(20); // the common noise is there to be seen
    expect(Math.abs(measuredShared.c - predicted.c) / Math.hypot(measuredShared.se, predicted.se)).toBeLessThan(4);
    expect(Math.abs(measuredPerUnit.c) / measuredPerUnit.se).toBeLessThan(4);
    // Each unit's own kick variance is the same under both samplings (only the correlation differs).
    for (let i = 0; i < 2; i++) {
      const [vs, vp] = [covariance(shared.u[i], shared.u[i]), covariance(perUnit.u[i], perUnit.u[i])];
      expect(Math.abs(vs.c - vp.c) / Math.hypot(vs.se, vp.se), `unit ${i}`).toBeLessThan(4);
    }
  });
});

describe('particles.sampling validation', () => {
  const base = { n: 3, epsilon: 0.1, saveTimes: [0.1], seed: 1 };
  it.each([
    [{ sampling: 'each' as never }, /must be "shared" or "per-unit" \(got "each"\)/],
    [{ sampling: 'per-unit' as const, algorithm: 'gd' as const }, /"per-unit" draws SGD samples/],
  ])('bad value → ConfigError naming particles.sampling (%#)', (patch, message) => {
    let err: unknown;
    try {
      resolveOptions({ name: 'ridge', dimension: 3, hasGradient: true, perUnitSampling: true }, { ...base, ...patch });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('particles.sampling');
    expect((err as ConfigError).message).toMatch(message);
  });

  it('engines without per-unit sampling (unit and network models) refuse it, a spec already when its replicas are planned', async () => {
    expect(() => resolveOptions({ name: 'unit model', dimension: 3, hasGradient: true }, { ...base, sampling: 'per-unit' })).toThrow(/particles\.sampling.*ridge-unit models only/);
    const json = JSON.parse(readFileSync(new URL('../../examples/rve-line.json', import.meta.url), 'utf8'));
    const [run] = (await parseSpec({ ...json, variants: undefined, particles: { ...json.particles, sampling: 'per-unit' } })).runs;
    expect(() => replicaSpec(run)).toThrow(/^particles\.sampling: "per-unit" draws SGD samples/); // rve-line trains by GD
  });
});
