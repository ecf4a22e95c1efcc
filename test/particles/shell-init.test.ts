/** The particles' shell law: every |w_i| = radius (a point mass in r), directions uniform (E w = 0, E w wᵀ = r0²/d I). */
import { describe, expect, it } from 'vitest';
import { checkInit, initialiseUnits } from '../../src/particles/network.ts';
import { Rng } from '../../src/rng.ts';
import { ConfigError } from '../../src/errors.ts';

describe('shell initial law of the particles', () => {
  it('puts every unit at radius r0 with uniform directions', () => {
    const n = 4000, d = 40, r0 = 0.8;
    const state = { n, d, w: new Float64Array(n * d), a: new Float64Array(n), b: new Float64Array(n) };
    initialiseUnits(state, { w: { kind: 'shell', radius: r0 } }, new Rng(1, 0));
    let m0 = 0, q00 = 0;
    for (let i = 0; i < n; i++) {
      let n2 = 0;
      for (let j = 0; j < d; j++) n2 += state.w[i * d + j] ** 2;
      expect(Math.abs(Math.sqrt(n2) - r0)).toBeLessThan(1e-14);
      m0 += state.w[i * d];
      q00 += state.w[i * d] ** 2;
    }
    // w_i0 has mean 0 and variance r0²/d = 0.016 (std of the sample mean √(0.016/n) = 0.002; of the variance ≈ 0.016·√(2/n) = 3.6e-4)
    expect(Math.abs(m0 / n)).toBeLessThan(4 * Math.sqrt(r0 * r0 / d / n));
    expect(Math.abs(q00 / n - (r0 * r0) / d)).toBeLessThan(4 * (r0 * r0 / d) * Math.sqrt(2 / n));
    expect(() => checkInit({ w: { kind: 'shell', radius: -1 } })).toThrow(ConfigError);
  });
});
