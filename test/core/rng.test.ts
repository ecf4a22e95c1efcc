import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/rng.ts';

describe('seeded PRNG (xoshiro128**)', () => {
  it('same seed and stream give the same sequence; different streams differ', () => {
    const a = new Rng(42, 3);
    const b = new Rng(42, 3);
    const c = new Rng(42, 4);
    const xs = Array.from({ length: 100 }, () => a.uniform());
    expect(Array.from({ length: 100 }, () => b.uniform())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.uniform())).not.toEqual(xs);
  });

  it('uniform mean and variance within 4 standard errors (n = 2e5)', () => {
    const rng = new Rng(1);
    const n = 200000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      s += u;
      s2 += u * u;
    }
    // mean: sd 1/√(12n); E u² = 1/3 with sd √(1/5 − 1/9)/√n
    expect(Math.abs(s / n - 0.5)).toBeLessThan(4 / Math.sqrt(12 * n));
    expect(Math.abs(s2 / n - 1 / 3)).toBeLessThan(4 * Math.sqrt(1 / 5 - 1 / 9) / Math.sqrt(n));
  });

  it('normals: mean 0, variance 1, fourth moment 3 within 4 standard errors (n = 2e5)', () => {
    const rng = new Rng(2);
    const n = 200000;
    let m1 = 0;
    let m2 = 0;
    let m4 = 0;
    for (let i = 0; i < n; i++) {
      const g = rng.normal();
      m1 += g;
      m2 += g * g;
      m4 += g ** 4;
    }
    expect(Math.abs(m1 / n)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(m2 / n - 1)).toBeLessThan(4 * Math.sqrt(2 / n)); // Var g² = 2
    expect(Math.abs(m4 / n - 3)).toBeLessThan(4 * Math.sqrt(96 / n)); // Var g⁴ = 105 − 9
  });

  it('rejects seeds outside the 32-bit range', () => {
    expect(() => new Rng(-1)).toThrow(/seed/);
    expect(() => new Rng(1.5)).toThrow(/seed/);
  });
});
