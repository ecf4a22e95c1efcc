import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { makeProvenance } from '../../src/io/output.ts';
import { KernelWorkspace, referenceDot, workspaceMemory } from '../../src/particles/kernels.ts';
import { KernelWorkspace32 } from '../../src/particles/kernels-f32.ts';
import { resolveOptions, simulate, type ParticleRun, type SgdOptions } from '../../src/particles/sgd.ts';
import { Rng } from '../../src/rng.ts';
import type { ParticleModel } from '../../src/types.ts';
import { IsotropicGaussians } from '../../reduced-models/isotropic-gaussians/index.ts';
import { hardTanhModel } from './helpers/hard-tanh-model.ts';
import { randomSparseUpdate } from './helpers/sparse-update.ts';
import { teacherReluModel } from './helpers/toy-models.ts';

const U32 = 2 ** -24; // unit roundoff of f32
const gaussian = { w: { kind: 'gaussian', scale: 0.8 } } as const;

/** sha256 (first 16 hex digits) of a run's snapshots (reduced bits, risks) and final state bits. */
function runHash(run: ParticleRun): string {
  const h = createHash('sha256');
  const bytes = (a: Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  for (const s of run.snapshots) {
    h.update(bytes(s.reduced));
    h.update(`${s.populationRisk} ${s.testRisk?.mean}`);
  }
  for (const a of [run.state!.w, run.state!.a, run.state!.b]) h.update(bytes(a));
  return h.digest('hex').slice(0, 16);
}

// Shapes: N not a multiple of the row blocks (2, 6), B below / above / not a multiple of 4,
// d = 1 and every d mod 4 (the scalar tails), d mod 16 ≠ 0 (update chunks).
const SHAPES: Array<[number, number, number]> = [
  [7, 5, 1], [9, 1, 3], [13, 17, 6], [8, 40, 32], [3, 2, 4], [801, 35, 1], [5, 8, 9], [2, 19, 2], [6, 3, 5],
];

describe('float32 kernels against scalar references', () => {
  it.each(SHAPES)('dot: N=%i, d=%i, B=%i within γ_d = d·u/(1 − d·u), u = 2⁻²⁴, of the exact dot product', (n, d, B) => {
    const rng = new Rng(21, n * 1000 + d);
    const ws = new KernelWorkspace32(n, d, B);
    for (const a of [ws.w, ws.x]) for (let k = 0; k < a.length; k++) a[k] = rng.normal();
    ws.dot();
    // Reference in f64 on the same (f32) inputs: its own error, ≤ d·2⁻⁵³·Σ|w x|, is 2⁻²⁹ of the bound.
    const w = Float64Array.from(ws.w);
    const x = Float64Array.from(ws.x);
    const z = new Float64Array(n * B);
    referenceDot(w, x, z, n, d, B);
    const gamma = (d * U32) / (1 - d * U32);
    for (let i = 0; i < n; i++) {
      for (let b = 0; b < B; b++) {
        let sum = 0;
        for (let j = 0; j < d; j++) sum += Math.abs(w[i * d + j] * x[b * d + j]);
        // Any summation order of d products in f32 (Higham §3.1), the final rounding to f32 included.
        expect(Math.abs(ws.z[i * B + b] - z[i * B + b])).toBeLessThanOrEqual(gamma * sum);
      }
    }
  });

  it.each(SHAPES)('update: W += C X (N=%i, d=%i, B=%i) has the bits of left-to-right f32 scalar code', (n, d, B) => {
    const rng = new Rng(22, n * 1000 + d);
    const ws = new KernelWorkspace32(n, d, B);
    for (const a of [ws.w, ws.x]) for (let k = 0; k < a.length; k++) a[k] = rng.normal();
    const nActive = randomSparseUpdate(ws, rng);
    // Each element: w ← fl(w + fl(c_e x_e)) for e in order, in f32 (Math.fround), as the f32x4 lanes do.
    const expected = Float32Array.from(ws.w);
    for (let k = 0; k < nActive; k++) {
      const row = ws.rows[k];
      for (let q = ws.ptr[k]; q < ws.ptr[k + 1]; q++) {
        for (let j = 0; j < d; j++) {
          expected[row * d + j] = Math.fround(expected[row * d + j] + Math.fround(ws.coef[q] * ws.x[ws.cols[q] * d + j]));
        }
      }
    }
    ws.update(nActive);
    expect(Array.from(ws.w)).toEqual(Array.from(expected));
  });

  it.each([[9, 1], [7, 5]])('activate on f32 z (N=%i, B=%i): the f64 kernel on the same z, σ and σ′ rounded to f32', (n, B) => {
    const shape = { knots: [-0.5, 0.25, 1], values: [0.3, -1, 2], leftSlope: 0.5, rightSlope: 0 };
    const rng = new Rng(23, n);
    const ws32 = new KernelWorkspace32(n, 3, B, 3);
    const ws64 = new KernelWorkspace(n, 3, B, 3);
    for (const ws of [ws32, ws64]) ws.setPiecewiseLinear(shape);
    for (let k = 0; k < n * B; k++) ws32.z[k] = k % 4 === 0 ? shape.knots[k % 3] : 2 * rng.normal();
    ws64.z.set(ws32.z);
    for (let i = 0; i < n; i++) {
      ws32.a[i] = ws64.a[i] = rng.normal();
      ws32.b[i] = ws64.b[i] = i % 3 === 0 ? 0 : 0.1 * rng.normal();
    }
    const nActive = ws32.activate(true);
    expect(nActive).toBe(ws64.activate(true));
    const entries = ws64.ptr[nActive];
    expect(Array.from(ws32.res)).toEqual(Array.from(ws64.res)); // f64 sums of f64 σ of the same ζ
    expect(Array.from(ws32.rows.subarray(0, nActive))).toEqual(Array.from(ws64.rows.subarray(0, nActive)));
    expect(Array.from(ws32.ptr.subarray(0, nActive + 1))).toEqual(Array.from(ws64.ptr.subarray(0, nActive + 1)));
    expect(Array.from(ws32.cols.subarray(0, entries))).toEqual(Array.from(ws64.cols.subarray(0, entries)));
    expect(Array.from(ws32.coef.subarray(0, entries))).toEqual(Array.from(Float32Array.from(ws64.coef.subarray(0, entries))));
    expect(Array.from(ws32.sig)).toEqual(Array.from(Float32Array.from(ws64.sig)));
  });
});

// Engine configurations covering B = 1 / B > 1, odd d, the wasm σ and the JS σ paths, trained a and b,
// weight decay and noise, per-unit sampling, the test risk.
const CONFIGS: Array<[string, ParticleModel, Omit<SgdOptions, 'init'>]> = [
  ['isotropic B=1', new IsotropicGaussians({ delta: 0.8, d: 41 }).particleModel(), { n: 37, batch: 1, epsilon: 1e-3, saveTimes: [0, 0.05, 0.1], seed: 3 }],
  ['isotropic B=6', new IsotropicGaussians({ delta: 0.8, d: 41 }).particleModel(), { n: 37, batch: 6, epsilon: 1e-3, saveTimes: [0, 0.05, 0.1], seed: 4 }],
  ['hard tanh (wasm σ)', hardTanhModel({ d: 7, piecewise: true }), { n: 13, batch: 5, epsilon: 1e-2, trainA: true, trainB: true, noise: { beta: 100, lambda: 0.1 }, saveTimes: [0, 0.5, 1], seed: 5 }],
  ['relu (JS σ)', teacherReluModel({ d: 9 }), { n: 11, batch: 3, epsilon: 1e-2, trainA: true, noise: { beta: 100, lambda: 0.1 }, saveTimes: [0, 0.5, 1], seed: 6 }],
  ['per-unit', hardTanhModel({ d: 5, piecewise: true }), { n: 6, batch: 2, epsilon: 1e-2, sampling: 'per-unit', saveTimes: [0, 0.5], seed: 7 }],
];

describe('workspace memory per unit (the README figures)', () => {
  it.each([[8, 7192, 597158], [4, 3672, 1169625]] as const)('%i-byte floats, d = 784, B = 32, piecewise σ: %i bytes per unit, N ≤ %i in 4 GiB', (real, perUnit, nMax) => {
    const [d, B, knots] = [784, 32, 4];
    const total = (n: number) => Object.values(workspaceMemory(n, d, B, knots, real).sizes).reduce((s, x) => s + x, 0);
    // W row (real·d) + a, b (16) + z, coef, sig rows (3·real·B) + rows, ptr (8) + cols row (4B)
    expect(real * d + 16 + 3 * real * B + 8 + 4 * B).toBe(perUnit);
    expect(total(1100) - total(100)).toBe(1000 * perUnit);
    // The rest (X, res, the σ table) and the 16-byte alignment of the 12 arrays; the memory limit is 2³² bytes.
    const fixed = total(100) - 100 * perUnit + 16 * 12;
    expect(Math.floor((2 ** 32 - fixed) / perUnit)).toBe(nMax);
  });
});

describe('particles.precision', () => {
  // Hashes of these runs under the ziggurat-wasm-1 normal stream, with the kernels as they were before the
  // float32 path (the sampler branch, 853d16f; the float32 merge had checked the same runs against the polar-stream
  // engine of 1134164): kernel work (f32, activation pass, threads) must never move them.
  const F64_HASHES: Record<string, string> = {
    'isotropic B=1': '5ae80638553f02f3',
    'isotropic B=6': 'c2ec63d48f9c9922',
    'hard tanh (wasm σ)': 'c7592b63b6875680',
    'relu (JS σ)': 'afdb94fe270a68c0',
    'per-unit': '17a2412b302a7025',
  };

  it.each(CONFIGS)('float64 (the default) keeps its bits: %s', (label, model, o) => {
    expect(runHash(simulate(model, { ...o, init: gaussian, returnState: true, testSamples: 10 }))).toBe(F64_HASHES[label]);
  });

  it.each(CONFIGS)('float32 is bit-reproducible and records its precision: %s', (_label, model, o) => {
    const run = () => simulate(model, { ...o, init: gaussian, returnState: true, testSamples: 10, precision: 'float32' });
    const first = run();
    expect(first.precision).toBe('float32');
    expect(runHash(run())).toBe(runHash(first));
    // The returned W is the kernels' f32 W, exactly.
    expect(Array.from(first.state!.w)).toEqual(Array.from(Float32Array.from(first.state!.w)));
  });

  it('is recorded in the provenance of outputs with particle runs (distinct values), and absent without', () => {
    const runs = [{ particles: { precision: 'float32' as const } }, {}, { particles: { precision: 'float64' as const } }, { particles: { precision: 'float32' as const } }];
    expect(makeProvenance(1, {}, runs).precision).toEqual(['float32', 'float64']);
    expect(makeProvenance(1, {}, [{}]).precision).toBeUndefined();
  });

  it('bad values and engines without f32 kernels are ConfigErrors naming particles.precision', () => {
    const model = hardTanhModel({ d: 3, piecewise: true });
    const o = { n: 2, epsilon: 0.1, saveTimes: [0.1], seed: 1, init: gaussian };
    const fails = (f: () => unknown, message: RegExp) => {
      expect(f).toThrow(ConfigError);
      expect(f).toThrow(message);
    };
    fails(() => simulate(model, { ...o, precision: 'float16' as 'float32' }), /particles\.precision.*"float64" or "float32"/);
    fails(() => simulate(teacherReluModel({ d: 3 }), { ...o, algorithm: 'gd', precision: 'float32' }), /particles\.precision.*for SGD/);
    // The generic unit engine (./units.ts) and particle-only networks resolve their options like this.
    fails(() => resolveOptions({ name: 'unit model', dimension: 2, hasGradient: true }, { ...o, precision: 'float32' }), /particles\.precision.*ridge-unit models only/);
  });

  it('MMN Fig. 1 (CI size): the float32 risk curve stays within the seed-to-seed spread of float64', () => {
    // examples/mmn-fig1.json (isotropic Gaussians Δ = 0.8, d = 40, MMN σ, ρ0 = N(0, 0.8²/d I), B = 1) at
    // N = 400, ε = 1e-4, t ≤ 10 (10⁵ steps). Same seed: the same samples (rounded to f32), so the two runs
    // start together and separate as f32 rounding (2⁻²⁴ ≈ 6e-8 per operation) is amplified, above all when a
    // unit crosses a knot of σ in one run and not the other. The tolerance is the one that matters to a user:
    // at every save time |R₃₂ − R₆₄| ≤ sd_R, the standard deviation of R over seeds in float64 (5 seeds), i.e. the
    // f32 error is below the Monte Carlo spread every run has. Two independent realisations would differ by
    // ~√2 sd_R and fail at some of the 8 times t > 0 almost surely. Measured: |ΔR|/R from 2e-9 (t ≤ 1) to
    // 2.6e-3 (t = 7, the max), sd_R/R from 0.1 % (t ≤ 2) to 4 % (t = 10): |ΔR| ≤ 0.09 sd_R throughout.
    const model = new IsotropicGaussians({ delta: 0.8, d: 40 }).particleModel();
    const saveTimes = [0, 0.5, 1, 2, 3, 4, 5, 7, 10];
    const risks = (seed: number, precision: 'float64' | 'float32') =>
      simulate(model, { n: 400, batch: 1, epsilon: 1e-4, init: gaussian, saveTimes, seed, precision }).snapshots.map((s) => s.populationRisk!);
    const r32 = risks(1, 'float32');
    const seeds = [1, 2, 3, 4, 5].map((seed) => risks(seed, 'float64'));
    const r64 = seeds[0];
    let maxRel = 0;
    saveTimes.forEach((_, k) => {
      const values = seeds.map((r) => r[k]);
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
      expect(Math.abs(r32[k] - r64[k])).toBeLessThanOrEqual(sd);
      maxRel = Math.max(maxRel, Math.abs(r32[k] - r64[k]) / r64[k]);
    });
    expect(maxRel).toBeGreaterThan(0); // f32 really ran
  }, 60_000);
});
