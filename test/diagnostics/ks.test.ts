import { describe, expect, it } from 'vitest';
import { ksDistance, ksSampleGrid } from '../../src/diagnostics/ks.ts';
import { normalCdf } from '../../src/numerics/special.ts';
import { Rng } from '../../src/rng.ts';

describe('Kolmogorov–Smirnov distance (exact)', () => {
  it('closed forms against Uniform[0,1]', () => {
    expect(ksSampleGrid([0.5], { lo: 0, hi: 1 }, [1])).toBeCloseTo(0.5, 15);
    // {0.1, 0.2, 0.9}: largest gap is 2/3 − 0.2 just right of x = 0.2.
    expect(ksSampleGrid([0.9, 0.1, 0.2], { lo: 0, hi: 1 }, [0.25, 0.25, 0.25, 0.25])).toBeCloseTo(2 / 3 - 0.2, 15);
    // Outside the support: F = 0 below, 1 above.
    expect(ksSampleGrid([-1, 2], { lo: 0, hi: 1 }, [1])).toBeCloseTo(0.5, 15);
    // Ties: four copies of 0.5 → jump of 1 at 0.5.
    expect(ksSampleGrid([0.5, 0.5, 0.5, 0.5], { lo: 0, hi: 1 }, [1, 1])).toBeCloseTo(0.5, 15);
  });

  it('equals sup over a dense x-grid, evaluated on both sides of every sample point', () => {
    const rng = new Rng(8);
    const sample = Array.from({ length: 40 }, () => rng.normal());
    const D = ksDistance(sample, normalCdf);
    const sorted = [...sample].sort((a, b) => a - b);
    const Fn = (x: number) => sorted.filter((s) => s <= x).length / sorted.length;
    let brute = 0;
    for (const s of sorted) {
      for (const x of [s, s - 1e-12]) brute = Math.max(brute, Math.abs(Fn(x) - normalCdf(x)));
    }
    for (let k = 0; k <= 20000; k++) {
      const x = -5 + k * 5e-4;
      expect(Math.abs(Fn(x) - normalCdf(x))).toBeLessThanOrEqual(D + 1e-12);
    }
    expect(D).toBeCloseTo(brute, 10);
  });

  it('E √n D_n → √(π/2) ln 2 ≈ 0.8687 (Kolmogorov law mean), n = 2000, within 4 SE + the O(n^{-1/2}) bias', () => {
    const rng = new Rng(9);
    const n = 2000;
    const reps = 200;
    const v = Array.from({ length: reps }, () => Math.sqrt(n) * ksDistance(Array.from({ length: n }, () => rng.normal()), normalCdf));
    const m = v.reduce((a, b) => a + b) / reps;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (reps - 1));
    // E √n D_n ≈ 0.8687 − 1/(6√n) (Stephens' finite-n correction; 0.004 here).
    expect(Math.abs(m - (Math.sqrt(Math.PI / 2) * Math.LN2 - 1 / (6 * Math.sqrt(n))))).toBeLessThan(4 * sd / Math.sqrt(reps));
  });
});
