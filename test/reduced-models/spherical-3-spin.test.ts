import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/rng.ts';
import { RegressionNet } from '../../reduced-models/spherical-3-spin/network.ts';
import { sampleSphere, ThreeSpinTarget } from '../../reduced-models/spherical-3-spin/target.ts';

describe('spherical 3-spin target', () => {
  it('E f² in closed form agrees with Monte Carlo on the sphere within 4 standard errors', () => {
    for (const d of [3, 8]) {
      const target = new ThreeSpinTarget(d, 11);
      const rng = new Rng(2);
      const x = new Float64Array(d);
      const m = 200_000;
      let sum = 0;
      let squares = 0;
      for (let k = 0; k < m; k++) {
        sampleSphere(rng, x);
        const f2 = target.value(x) ** 2;
        sum += f2;
        squares += f2 * f2;
      }
      const mean = sum / m;
      const se = Math.sqrt((squares / m - mean * mean) / (m - 1));
      expect(Math.abs(mean - target.meanSquare)).toBeLessThan(4 * se);
    }
  });

  it('points lie on the sphere of radius √d, and f is odd', () => {
    const target = new ThreeSpinTarget(5, 3);
    const x = new Float64Array(5);
    sampleSphere(new Rng(1), x);
    expect(x.reduce((s, v) => s + v * v, 0)).toBeCloseTo(5, 12);
    const minus = x.map((v) => -v);
    expect(target.value(minus)).toBeCloseTo(-target.value(x), 12);
  });
});

describe('regression net with 1/n output scale', () => {
  for (const activation of ['relu', 'sigmoid'] as const) {
    it(`${activation}: the per-unit gradient is n times the gradient of the batch loss (central differences, 1e-7)`, () => {
      const n = 5;
      const d = 4;
      const P = 6;
      const rng = new Rng(9);
      const net = new RegressionNet(n, d, activation, true, P);
      rng.fillNormal(net.w);
      rng.fillNormal(net.b);
      rng.fillNormal(net.c);
      const x = new Float64Array(P * d);
      rng.fillNormal(x);
      const y = new Float64Array(P);
      rng.fillNormal(y);
      net.gradient(x, y, P);
      const g = { w: Float64Array.from(net.gw), b: Float64Array.from(net.gb), c: Float64Array.from(net.gc) };
      const out = new Float64Array(P);
      const loss = () => {
        net.forward(x, P, out);
        return out.reduce((s, f, q) => s + 0.5 * (f - y[q]) ** 2, 0) / P;
      };
      // central differences: truncation O(h²) against rounding O(u/h) (u = 2⁻⁵³); h = 1e-5 ≈ u^{1/3} balances them
      // (at h = 1e-6 rounding alone reaches ~1e-7 of the gradient, and at 1e-7 ~5e-7: it scales as 1/h)
      const h = 1e-5;
      let worst = 0;
      for (const key of ['w', 'b', 'c'] as const) {
        const theta = net[key];
        for (let i = 0; i < theta.length; i++) {
          const t0 = theta[i];
          theta[i] = t0 + h;
          const lp = loss();
          theta[i] = t0 - h;
          const lm = loss();
          theta[i] = t0;
          const fd = (n * (lp - lm)) / (2 * h);
          worst = Math.max(worst, Math.abs(fd - g[key][i]) / Math.max(Math.abs(g[key][i]), 1e-3));
        }
      }
      expect(worst).toBeLessThan(1e-7);
    });
  }
});
