/**
 * Scaled modified Bessel functions ive_k(x) = e^{−x} I_k(x) (reduced-models/charged-units/bessel.ts):
 * reference values, the power series, the large-x expansion, the recurrence, and the tail bounds.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { besselSquareTails, logScaledBesselBound, scaledBesselI } from '../../reduced-models/charged-units/bessel.ts';

/** e^{−x} I_k(x) by its power series Σ_m (x/2)^{2m+k}/(m!(m+k)!) (positive terms; fine for x ≤ 40). */
function seriesIve(k: number, x: number): number {
  let term = Math.exp(-x);
  for (let j = 1; j <= k; j++) term *= x / 2 / j;
  let s = term;
  for (let m = 1; m < 400; m++) {
    term *= (x * x) / 4 / (m * (m + k));
    s += term;
    if (term < 1e-18 * s) break;
  }
  return s;
}

describe('scaledBesselI', () => {
  it('matches 20-digit reference values (mpmath, e^{-x} besseli) to a few ulp, including x = 10⁴ where I_k overflows', () => {
    const ref: [number, number, number][] = [
      [4, 0, 0.2070019212239866979],
      [4, 1, 0.17875083950243532701],
      [4, 2, 0.11762650147276903439],
      [4, 3, 0.061124338029666292625],
      [4, 10, 7.3956528029211121259e-6],
      [4, 24, 5.8091324692126177326e-19],
      [0.25, 0, 0.79101716213971936389],
      [0.25, 1, 0.098112628697368246674],
      [0.25, 5, 1.9857563657623049672e-7],
      [30, 0, 0.073145946482237293929],
      [30, 7, 0.031998844001460049301],
      [30, 60, 1.4930811028383652171e-23],
      [700, 0, 0.015081295651531357587],
      [700, 1, 0.015070519444716846949],
      [700, 100, 0.000012005550022041368362],
      [10000, 0, 0.0039894726746047321064],
      [10000, 50, 0.0035206761887220451646],
      [10000, 500, 1.489681671074679295e-8],
    ];
    for (const [x, k, v] of ref) {
      const all = scaledBesselI(k, x);
      expect(Math.abs(all[k] / v - 1), `x = ${x}, k = ${k}`).toBeLessThan(2e-15);
    }
  });

  it('equals the power series for x ∈ [1e-3, 40], k ≤ 40, and satisfies the normalisation and the three-term recurrence', () => {
    for (const x of [1e-3, 0.1, 0.7, 1, 2.5, 4, 9, 17, 40]) {
      const kmax = 40;
      const ive = scaledBesselI(kmax, x);
      for (let k = 0; k <= kmax; k++) {
        const s = seriesIve(k, x);
        if (s < 1e-290) continue; // below the recurrence's range
        expect(Math.abs(ive[k] / s - 1), `x = ${x}, k = ${k}`).toBeLessThan(1e-14);
      }
      // I_{k−1} − I_{k+1} = (2k/x) I_k
      for (let k = 1; k < kmax && ive[k + 1] > 1e-280; k++) {
        expect(Math.abs(ive[k - 1] - ive[k + 1] - ((2 * k) / x) * ive[k]) / ive[k - 1]).toBeLessThan(1e-14);
      }
    }
    // ive_0 + 2 Σ ive_k = 1 (the generating function at t = 0), with enough orders to hold the whole sum
    for (const x of [0.3, 4, 50]) {
      const ive = scaledBesselI(200, x);
      expect(Math.abs(ive.reduce((s, v, k) => s + (k === 0 ? v : 2 * v), 0) - 1)).toBeLessThan(2e-15);
    }
  });

  it('follows the large-x expansion e^{−x}I_0(x) = (2πx)^{−1/2} Σ_j ((2j−1)!!)² / (j! (8x)^j)', () => {
    for (const x of [1e3, 1e5, 1e7]) {
      let term = 1;
      let sum = 1;
      for (let j = 1; j <= 6; j++) {
        term *= (2 * j - 1) ** 2 / (j * 8 * x);
        sum += term;
      }
      const asym = sum / Math.sqrt(2 * Math.PI * x);
      expect(Math.abs(scaledBesselI(0, x)[0] / asym - 1), `x = ${x}`).toBeLessThan(3e-15);
    }
  });

  it('handles x = 0, writes into a given buffer, and rejects bad input with a ConfigError', () => {
    expect(Array.from(scaledBesselI(3, 0))).toEqual([1, 0, 0, 0]);
    const out = new Float64Array(6).fill(7);
    expect(scaledBesselI(4, 1, out)).toBe(out);
    expect(out[5]).toBe(7);
    expect(() => scaledBesselI(-1, 1)).toThrow(ConfigError);
    expect(() => scaledBesselI(2, -1)).toThrow(/x: must be finite and >= 0/);
    expect(() => scaledBesselI(2, NaN)).toThrow(ConfigError);
    expect(() => scaledBesselI(5, 1, new Float64Array(3))).toThrow(/out: needs at least 6/);
  });
});

describe('Bessel bounds', () => {
  it('B_k bounds ive_k from above, and the tail bounds hold and are tight (within 10 % at x = 4)', () => {
    for (const x of [0.5, 4, 12]) {
      const ive = scaledBesselI(120, x);
      for (let k = 0; k <= 60; k++) expect(ive[k]).toBeLessThanOrEqual(Math.exp(logScaledBesselBound(k, x)) * (1 + 1e-14));
      for (let m = Math.ceil(x); m <= 40; m++) {
        let t0 = 0;
        let t1 = 0;
        for (let k = m + 1; k <= 120; k++) {
          t0 += ive[k] ** 2;
          t1 += k * ive[k] ** 2;
        }
        const b = besselSquareTails(m, x);
        expect(b.squares, `x = ${x}, m = ${m}`).toBeGreaterThanOrEqual(t0);
        expect(b.weightedSquares, `x = ${x}, m = ${m}`).toBeGreaterThanOrEqual(t1);
        if (x === 4 && t0 > 1e-300) {
          expect(b.squares / t0).toBeLessThan(1.1);
          expect(b.weightedSquares / t1).toBeLessThan(1.1);
        }
      }
    }
    expect(besselSquareTails(0, 10).squares).toBe(Infinity); // ratio (x/2)/(m+2) ≥ 1: no bound
  });
});
