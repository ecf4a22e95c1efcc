import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/rng.ts';
import { BLOCK, ZIG_RATIO, ZIG_X, zigguratSlow, zigguratU } from '../../src/ziggurat.ts';
import { ksDistance } from '../../src/diagnostics/ks.ts';
import { incompleteGammaUpperRegularized, normalCdf, normalSf } from '../../src/numerics/special.ts';

/**
 * The bulk stream written in plain scalar JS, draw by draw: lane L (L = 0..3) and the slow-path
 * generator are the (seed, stream) generator jumped L + 1 and 5 times; normal 4k + L of the stream
 * is lane L's k-th ziggurat draw, slow cases completed in order from the fifth generator.
 */
function referenceNormals(seed: number, stream: number, count: number): Float64Array {
  const gens = Array.from({ length: 5 }, (_, j) => {
    const g = new Rng(seed, stream);
    for (let r = 0; r <= j; r++) g.jump();
    return g;
  });
  const out = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const lane = gens[k % 4];
    const h = lane.nextUint32();
    const l = lane.nextUint32();
    const u = zigguratU(h, l);
    const i = l & 255;
    out[k] = Math.abs(u) < ZIG_RATIO[i] ? u * ZIG_X[i] : zigguratSlow(u, i, gens[4]);
  }
  return out;
}

function bulk(seed: number, stream: number, count: number): Float64Array {
  const out = new Float64Array(count);
  new Rng(seed, stream).fillNormal(out);
  return out;
}

const bits = (x: Float64Array) => Array.from(new BigUint64Array(x.buffer, x.byteOffset, x.length));

describe('bulk normals (ziggurat-wasm-1)', () => {
  it('the wasm kernel matches the scalar reference bit for bit (several blocks, three (seed, stream) pairs)', () => {
    for (const [seed, stream] of [[1, 0], [42, 7], [0xffffffff, 0xffffffff]]) {
      const n = 3 * BLOCK + 12;
      expect(bits(bulk(seed, stream, n))).toEqual(bits(referenceNormals(seed, stream, n)));
    }
  });

  it('the stream does not depend on how requests are split, nor on interleaved scalar draws', () => {
    const n = 2 * BLOCK + 500;
    const whole = bulk(9, 2, n);
    const rng = new Rng(9, 2);
    const pieces = new Float64Array(n);
    let k = 0;
    for (const size of [1, 3, 7, 1000, 1, BLOCK, 13]) {
      rng.uniform();
      rng.normal();
      rng.fillNormal(pieces, 1, k, Math.min(n, k + size));
      k = Math.min(n, k + size);
    }
    rng.fillNormal(pieces, 1, k, n);
    expect(bits(pieces)).toEqual(bits(whole));
  });

  it('scale and addNormal: out = s·g and out += s·g over [start, end) only', () => {
    const g = bulk(5, 0, 100);
    const filled = new Float64Array(100).fill(-1);
    new Rng(5, 0).fillNormal(filled, 2.5, 10, 60);
    const added = new Float64Array(100).fill(1);
    new Rng(5, 0).addNormal(added, 0.5, 10, 60);
    for (let k = 0; k < 100; k++) {
      const inside = k >= 10 && k < 60;
      expect(filled[k]).toBe(inside ? 2.5 * g[k - 10] : -1);
      expect(added[k]).toBe(inside ? 1 + 0.5 * g[k - 10] : 1);
    }
  });

  it('same seed and stream give the same bits; another stream or seed differs', () => {
    expect(bits(bulk(3, 1, 500))).toEqual(bits(bulk(3, 1, 500)));
    expect(bulk(3, 2, 500)).not.toEqual(bulk(3, 1, 500));
    expect(bulk(4, 1, 500)).not.toEqual(bulk(3, 1, 500));
  });

  it('the tables close: every layer, the top one included, has area V to 1e-8 (R, V are given to 12–13 digits); the fast path takes 98.5 % of draws', () => {
    const f = (x: number) => Math.exp(-0.5 * x * x);
    const V = ZIG_X[0] * f(ZIG_X[1]); // bottom strip width × its height
    for (let i = 1; i < 256; i++) expect(Math.abs(ZIG_X[i] * (f(ZIG_X[i + 1]) - f(ZIG_X[i])) - V)).toBeLessThan(1e-8 * V);
    // bottom strip plus tail: V = R f(R) + ∫_R^∞ f = R f(R) + √(2π) Φ̄(R)
    expect(Math.abs(ZIG_X[1] * f(ZIG_X[1]) + Math.sqrt(2 * Math.PI) * normalSf(ZIG_X[1]) - V)).toBeLessThan(1e-8 * V);
    const fast = ZIG_RATIO.reduce((s, r) => s + r, 0) / 256;
    expect(Math.abs(fast - 0.985)).toBeLessThan(5e-4);
  });

  it('rejects a bad range', () => {
    const out = new Float64Array(4);
    expect(() => new Rng(1).fillNormal(out, 1, 2, 5)).toThrow(/start <= end <= 4/);
    expect(() => new Rng(1).addNormal(out, 1, 3, 2)).toThrow(/range/);
    expect(() => new Rng(1).fillNormal(out, 1, 0.5)).toThrow(/range/);
  });

  // One large sample for the distribution tests (4·10⁶ draws: ≈ 60 000 slow-path draws, ≈ 1000 of them from the tail).
  const N = 4_000_000;
  const sample = bulk(20261208, 0, N);

  it('moments 1–4 within 4 standard errors', () => {
    let m1 = 0, m2 = 0, m3 = 0, m4 = 0;
    for (const g of sample) {
      const g2 = g * g;
      m1 += g;
      m2 += g2;
      m3 += g2 * g;
      m4 += g2 * g2;
    }
    // Var g = 1, Var g² = 2, Var g³ = 15, Var g⁴ = 105 − 9 = 96
    expect(Math.abs(m1 / N)).toBeLessThan(4 / Math.sqrt(N));
    expect(Math.abs(m2 / N - 1)).toBeLessThan(4 * Math.sqrt(2 / N));
    expect(Math.abs(m3 / N)).toBeLessThan(4 * Math.sqrt(15 / N));
    expect(Math.abs(m4 / N - 3)).toBeLessThan(4 * Math.sqrt(96 / N));
  });

  it('tail masses beyond 3σ, R = 3.6542 (the tail path) and 4σ within 4 standard errors', () => {
    for (const c of [3, 3.6541528853610088, 4]) {
      let count = 0;
      for (const g of sample) if (Math.abs(g) > c) count++;
      const p = 2 * normalSf(c);
      expect(Math.abs(count / N - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / N));
    }
  });

  it('Kolmogorov–Smirnov distance below the 0.1 % critical value 1.949/√n', () => {
    expect(ksDistance(sample, normalCdf)).toBeLessThan(1.949 / Math.sqrt(N));
  });

  it('χ² over 200 equiprobable bins: p-value of χ²(199) above 0.1 %', () => {
    const bins = 200;
    const counts = new Float64Array(bins);
    for (const g of sample) counts[Math.min(bins - 1, Math.floor(normalCdf(g) * bins))]++;
    const e = N / bins;
    let chi2 = 0;
    for (const c of counts) chi2 += (c - e) ** 2 / e;
    expect(incompleteGammaUpperRegularized((bins - 1) / 2, chi2 / 2)).toBeGreaterThan(1e-3);
  });

  it('lanes and consecutive draws are uncorrelated: lag-1..8 correlations within 4/√n', () => {
    // lags 1–3 and 5–7 pair different lanes of one round or of neighbouring rounds, 4 and 8 one lane's consecutive draws
    for (let lag = 1; lag <= 8; lag++) {
      let s = 0;
      for (let k = 0; k + lag < N; k++) s += sample[k] * sample[k + lag];
      expect(Math.abs(s / (N - lag))).toBeLessThan(4 / Math.sqrt(N - lag));
    }
    // |g| of neighbours (dependence the product misses): corr(|g_k|, |g_k+1|) with Var|g| = 1 − 2/π
    const m = Math.sqrt(2 / Math.PI);
    let s = 0;
    for (let k = 0; k + 1 < N; k++) s += (Math.abs(sample[k]) - m) * (Math.abs(sample[k + 1]) - m);
    expect(Math.abs(s / (N - 1) / (1 - 2 / Math.PI))).toBeLessThan(4 / Math.sqrt(N));
  });

  it('the bulk stream is uncorrelated with the scalar stream of the same generator', () => {
    const n = 200_000;
    const rng = new Rng(11, 3);
    const g = new Float64Array(n);
    rng.fillNormal(g);
    let s = 0;
    for (let k = 0; k < n; k++) s += g[k] * rng.normal();
    expect(Math.abs(s / n)).toBeLessThan(4 / Math.sqrt(n));
  });
});
