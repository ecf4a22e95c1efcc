import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { leastSquares, mean, standardError } from '../../src/diagnostics/stats.ts';
import { wassersteinSampleGrid, wassersteinSamples } from '../../src/diagnostics/wasserstein.ts';
import { Rng } from '../../src/rng.ts';

const uniform = (M: number) => new Float64Array(M).fill(1 / M);

describe('W_p between a sample and a grid law (exact)', () => {
  it('one point x0 vs Uniform[0,1]: W1 = (x0² + (1−x0)²)/2, W2² = x0² − x0 + 1/3 (any cell count)', () => {
    for (const M of [1, 7, 64]) {
      for (const x0 of [0, 0.3, 0.5, 1, 1.7, -0.2]) {
        const w1 = x0 >= 0 && x0 <= 1 ? (x0 * x0 + (1 - x0) ** 2) / 2 : Math.abs(x0 - 0.5);
        expect(wassersteinSampleGrid([x0], { lo: 0, hi: 1 }, uniform(M), 1)).toBeCloseTo(w1, 14);
        expect(wassersteinSampleGrid([x0], { lo: 0, hi: 1 }, uniform(M), 2)).toBeCloseTo(Math.sqrt(x0 * x0 - x0 + 1 / 3), 14);
      }
    }
  });

  it('two points vs a law with an empty middle cell (masses ½, 0, ½ on [0,3])', () => {
    // G⁻¹(u) = 2u on (0,½], 2 + 2(u − ½) on (½,1]; F_n⁻¹ = 0.5 then 2.5: two triangles of area 1/16 each, twice.
    expect(wassersteinSampleGrid([2.5, 0.5], { lo: 0, hi: 3 }, [0.5, 0, 0.5], 1)).toBeCloseTo(0.25, 15);
    // W2² = 2 ∫₀^½ (½ − 2u)² du = 1/12
    expect(wassersteinSampleGrid([0.5, 2.5], { lo: 0, hi: 3 }, [0.5, 0, 0.5], 2)).toBeCloseTo(Math.sqrt(1 / 12), 15);
    // Unnormalised masses mean the same law.
    expect(wassersteinSampleGrid([0.5, 2.5], { lo: 0, hi: 3 }, [2, 0, 2], 1)).toBeCloseTo(0.25, 15);
  });

  it('shift: W_p(sample + c, grid law shifted by c) = W_p(sample, grid law); W2 to the unshifted law grows to |c|', () => {
    const rng = new Rng(3);
    const sample = Array.from({ length: 300 }, () => 0.5 + 0.15 * rng.normal());
    const masses = Array.from({ length: 40 }, (_, j) => Math.exp(-(((j + 0.5) / 40 - 0.5) ** 2) / 0.045));
    for (const p of [1, 2] as const) {
      const base = wassersteinSampleGrid(sample, { lo: 0, hi: 1 }, masses, p);
      const shifted = wassersteinSampleGrid(sample.map((x) => x + 2.5), { lo: 2.5, hi: 3.5 }, masses, p);
      expect(shifted).toBeCloseTo(base, 12);
      // Triangle inequality around the shift: | W_p(x + c, G) − c | ≤ W_p(x, G).
      const far = wassersteinSampleGrid(sample.map((x) => x + 2.5), { lo: 0, hi: 1 }, masses, p);
      expect(Math.abs(far - 2.5)).toBeLessThanOrEqual(base + 1e-12);
    }
  });

  it('matches a brute-force midpoint quadrature of ∫|F_n⁻¹ − G⁻¹|^p du', () => {
    const rng = new Rng(4);
    const sample = Array.from({ length: 37 }, () => rng.uniform() * 2 - 0.5);
    const masses = [0.1, 0.3, 0, 0.2, 0.4];
    const axis = { lo: -1, hi: 1.5 };
    const sorted = [...sample].sort((a, b) => a - b);
    const c = [0];
    for (const m of masses) c.push(c[c.length - 1] + m);
    const h = (axis.hi - axis.lo) / masses.length;
    const Ginv = (u: number) => {
      let j = 0;
      while (j < masses.length - 1 && (masses[j] === 0 || u > c[j + 1])) j++;
      return axis.lo + h * (j + (u - c[j]) / masses[j]);
    };
    const K = 400000;
    for (const p of [1, 2] as const) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const u = (k + 0.5) / K;
        s += Math.abs(sorted[Math.min(sorted.length - 1, Math.floor(u * sorted.length))] - Ginv(u)) ** p / K;
      }
      expect(wassersteinSampleGrid(sample, axis, masses, p)).toBeCloseTo(p === 1 ? s : Math.sqrt(s), 5);
    }
  });

  it('E W1(empirical of n uniforms, Uniform[0,1]) ≈ √(2π)/(8√n): slope −½ in n and the constant', () => {
    // E W1 = ∫ E|F_n(x) − x| dx ≈ ∫ √(2x(1−x)/(πn)) dx = √(2π)/(8√n) for large n.
    const rng = new Rng(5);
    const ns = [100, 400, 1600, 6400];
    const reps = 60;
    const stats = ns.map((n) => {
      const v = Array.from({ length: reps }, () => wassersteinSampleGrid(Array.from({ length: n }, () => rng.uniform()), { lo: 0, hi: 1 }, uniform(20), 1));
      return { m: mean(v), se: standardError(v) };
    });
    const fit = leastSquares(ns.map((n) => [Math.log(n), 1]), stats.map((s) => Math.log(s.m)), stats.map((s) => (s.m / s.se) ** 2));
    expect(Math.abs(fit.coefficients[0] + 0.5)).toBeLessThan(4 * fit.standardErrors[0]);
    expect(fit.standardErrors[0]).toBeLessThan(0.05);
    const last = stats[stats.length - 1];
    const predicted = Math.sqrt(2 * Math.PI) / (8 * Math.sqrt(6400));
    expect(Math.abs(last.m - predicted)).toBeLessThan(4 * last.se);
  });

  it('bad input → ConfigError naming the field', () => {
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).field;
      }
      return 'no error';
    };
    expect(field(() => wassersteinSampleGrid([], { lo: 0, hi: 1 }, [1]))).toBe('sample');
    expect(field(() => wassersteinSampleGrid([0.5], { lo: 1, hi: 0 }, [1]))).toBe('axis');
    expect(field(() => wassersteinSampleGrid([0.5], { lo: 0, hi: 1 }, [1, -0.1]))).toBe('masses[1]');
    expect(field(() => wassersteinSampleGrid([0.5], { lo: 0, hi: 1 }, [0, 0]))).toBe('masses');
    expect(field(() => wassersteinSampleGrid([NaN], { lo: 0, hi: 1 }, [1]))).toBe('sample[0]');
    expect(field(() => wassersteinSamples([1], [2], 3 as 1))).toBe('p');
    // Round-off negatives of a conservative scheme are accepted as zero.
    // Masses [1, −1e−17] on [0,1] are Uniform[0, ½]: W1 to the point ¼ is ∫₀¹ |¼ − u/2| du = 1/8.
    expect(wassersteinSampleGrid([0.25], { lo: 0, hi: 1 }, [1, -1e-17], 1)).toBeCloseTo(0.125, 15);
  });
});

describe('W_p between two samples (exact)', () => {
  it('point masses and two-point laws', () => {
    expect(wassersteinSamples([0, 0, 0], [1, 1], 1)).toBe(1);
    expect(wassersteinSamples([0, 0, 0], [1, 1], 2)).toBe(1);
    // {0, 1} vs {0, 0, 1, 3}: quantiles differ only on (¾, 1] by 2: W1 = ½, W2 = √(¼·4) = 1.
    expect(wassersteinSamples([1, 0], [3, 0, 1, 0], 1)).toBeCloseTo(0.5, 15);
    expect(wassersteinSamples([1, 0], [3, 0, 1, 0], 2)).toBeCloseTo(1, 15);
    // Unequal sizes, interleaved breakpoints: {0,1,2} vs {0,2} differ by 1 on (1/3, 2/3]: W1 = 1/3.
    expect(wassersteinSamples([0, 1, 2], [0, 2], 1)).toBeCloseTo(1 / 3, 15);
  });

  it('shifted laws: W1 = W2 = |c|; symmetric; W1 ≤ W2', () => {
    const rng = new Rng(6);
    const a = Array.from({ length: 257 }, () => rng.normal());
    const b = Array.from({ length: 100 }, () => rng.normal() * 1.5);
    expect(wassersteinSamples(a, a.map((x) => x - 0.7), 1)).toBeCloseTo(0.7, 13);
    expect(wassersteinSamples(a, a.map((x) => x - 0.7), 2)).toBeCloseTo(0.7, 13);
    expect(wassersteinSamples(a, b, 1)).toBeCloseTo(wassersteinSamples(b, a, 1), 14);
    expect(wassersteinSamples(a, b, 1)).toBeLessThanOrEqual(wassersteinSamples(a, b, 2));
  });

  it('agrees with the sample-vs-grid distance when the grid law is a fine histogram of the second sample', () => {
    // Same n, one point per tiny cell: the two quantile functions differ by at most one cell width.
    const rng = new Rng(7);
    const n = 50;
    const M = 50000;
    const cellsHit = new Set<number>();
    const b: number[] = [];
    while (b.length < n) {
      const j = Math.floor(rng.uniform() * M);
      if (cellsHit.has(j)) continue;
      cellsHit.add(j);
      b.push((j + 0.5) / M);
    }
    const masses = new Float64Array(M);
    for (const j of cellsHit) masses[j] = 1;
    const a = Array.from({ length: 31 }, () => rng.uniform());
    expect(Math.abs(wassersteinSamples(a, b, 1) - wassersteinSampleGrid(a, { lo: 0, hi: 1 }, masses, 1))).toBeLessThanOrEqual(0.5 / M + 1e-15);
  });
});
