/**
 * Kolmogorov–Smirnov distance D = sup_x |F_n(x) − F(x)| between an empirical CDF F_n and a
 * continuous CDF F. F_n jumps at the order statistics x_(1) ≤ … ≤ x_(n) and F is continuous and
 * nondecreasing, so the supremum is attained next to a sample point, on one side or the other:
 *   D = max_i max( i/n − F(x_(i)),  F(x_(i)) − (i − 1)/n )      (exact; ties handled).
 */
import { gridCdf, gridLaw, sortedSample, type GridAxis } from './grid-law.ts';

export function ksDistance(sample: ArrayLike<number>, cdf: (x: number) => number): number {
  const xs = sortedSample(sample);
  const n = xs.length;
  let D = 0;
  for (let i = 0; i < n; i++) {
    const F = cdf(xs[i]);
    D = Math.max(D, (i + 1) / n - F, F - i / n);
  }
  return D;
}

/** KS distance to the law with cell masses on a uniform grid (piecewise-linear CDF, ./grid-law.ts). */
export function ksSampleGrid(sample: ArrayLike<number>, axis: GridAxis, masses: ArrayLike<number>): number {
  const law = gridLaw(axis, masses);
  return ksDistance(sample, (x) => gridCdf(law, x));
}
