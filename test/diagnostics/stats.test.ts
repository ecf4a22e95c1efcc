import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { leastSquares, mean, standardError, std, stdStandardError } from '../../src/diagnostics/stats.ts';
import { Rng } from '../../src/rng.ts';

describe('statistics helpers', () => {
  it('mean, std, standard error on a small exact case', () => {
    const x = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(mean(x)).toBe(5);
    expect(std(x)).toBeCloseTo(Math.sqrt(32 / 7), 15);
    expect(standardError(x)).toBeCloseTo(Math.sqrt(32 / 7) / Math.sqrt(8), 15);
    expect(() => std([1])).toThrow(ConfigError);
  });

  it('std/√(2(K−1)) is the spread of sample stds over Gaussian replicas (within 4 SE of the spread)', () => {
    const rng = new Rng(10);
    const K = 20;
    const stds = Array.from({ length: 4000 }, () => std(Array.from({ length: K }, () => rng.normal())));
    const spread = std(stds);
    // SE of a std estimated from 4000 values: spread/√(2·3999).
    expect(Math.abs(spread - stdStandardError(1, K))).toBeLessThan(4 * stdStandardError(spread, 4000));
  });

  it('least squares recovers a/N + b exactly on exact data and with calibrated standard errors on noisy data', () => {
    const ns = [100, 200, 400, 800, 1600, 3200];
    const exact = leastSquares(ns.map((n) => [1 / n, 1]), ns.map((n) => 3 / n + 0.25));
    expect(exact.coefficients[0]).toBeCloseTo(3, 10);
    expect(exact.coefficients[1]).toBeCloseTo(0.25, 12);
    // Noisy, with known σ per point (weights 1/σ²): the slope error / its SE is ~N(0,1) over trials.
    const rng = new Rng(11);
    const sigma = 0.002;
    const z: number[] = [];
    for (let trial = 0; trial < 400; trial++) {
      const y = ns.map((n) => 3 / n + 0.25 + sigma * rng.normal());
      const fit = leastSquares(ns.map((n) => [1 / n, 1]), y, ns.map(() => 1 / sigma ** 2));
      z.push((fit.coefficients[0] - 3) / fit.standardErrors[0]);
    }
    expect(Math.abs(mean(z))).toBeLessThan(4 / Math.sqrt(400));
    expect(Math.abs(std(z) - 1)).toBeLessThan(4 * stdStandardError(1, 400));
  });

  it('rejects mismatched or degenerate inputs with the field name', () => {
    expect(() => leastSquares([[1, 1], [2, 2], [3, 3]], [1, 2, 3])).toThrow(/design: columns are linearly dependent/);
    expect(() => leastSquares([[1, 1], [2, 1]], [1, 2, 3])).toThrow(/^y: /);
    expect(() => stdStandardError(1, 1)).toThrow(/replicas/);
  });
});
