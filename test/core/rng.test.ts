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

  it('jump() is 2^64 steps: the GF(2) matrix of one step, squared 64 times, maps states as jump() does', () => {
    // xoshiro128** is linear over GF(2) on its 128-bit state; words s0..s3 are private, reached here only to set a state.
    type State = { s0: number; s1: number; s2: number; s3: number };
    const words = (r: Rng) => { const s = r as unknown as State; return [s.s0, s.s1, s.s2, s.s3]; };
    const withState = (v: readonly number[]) => {
      const r = new Rng(0);
      Object.assign(r as unknown as State, { s0: v[0] >>> 0, s1: v[1] >>> 0, s2: v[2] >>> 0, s3: v[3] >>> 0 });
      return r;
    };
    const apply = (m: number[][], v: readonly number[]) => {
      const out = [0, 0, 0, 0];
      for (let bit = 0; bit < 128; bit++) if ((v[bit >> 5] >>> (bit & 31)) & 1) for (let w = 0; w < 4; w++) out[w] ^= m[bit][w];
      return out.map((x) => x >>> 0);
    };
    // column `bit` of the one-step matrix: the image of the unit state e_bit
    let m = Array.from({ length: 128 }, (_, bit) => {
      const e = [0, 0, 0, 0];
      e[bit >> 5] = (1 << (bit & 31)) >>> 0;
      const r = withState(e);
      r.nextUint32();
      return words(r);
    });
    for (let k = 0; k < 64; k++) m = m.map((col) => apply(m, col));
    for (const seed of [1, 77, 0xdeadbeef]) {
      const r = new Rng(seed, 5);
      const before = words(r);
      r.jump();
      expect(words(r)).toEqual(apply(m, before));
    }
  });

  it('rejects seeds outside the 32-bit range', () => {
    expect(() => new Rng(-1)).toThrow(/seed/);
    expect(() => new Rng(1.5)).toThrow(/seed/);
  });
});
