/**
 * Exact 1-D Wasserstein distances through quantile functions (Villani 2003, Thm 2.18):
 *   W_p(μ, ν)^p = ∫₀¹ |F⁻¹(u) − G⁻¹(u)|^p du,   p ∈ {1, 2}.
 * Both quantile functions here are piecewise constant (samples) or piecewise linear (a density
 * given by cell masses on a uniform grid, ./grid-law.ts), so the integral is a finite sum of exact
 * integrals of |linear|^p over the merged breakpoints: no quadrature, cost O(n log n + M).
 */
import { ConfigError } from '../errors.ts';
import { gridLaw, sortedSample, type GridAxis } from './grid-law.ts';

export type WassersteinOrder = 1 | 2;

function checkOrder(p: number): void {
  if (p !== 1 && p !== 2) throw new ConfigError('p', `must be 1 or 2 (got ${p})`);
}

/** ∫ over an interval of length L of |f|^p for f linear from A to B. */
function linearPiece(A: number, B: number, L: number, p: WassersteinOrder): number {
  if (p === 2) return (L * (A * A + A * B + B * B)) / 3;
  if ((A >= 0 && B >= 0) || (A <= 0 && B <= 0)) return (L * (Math.abs(A) + Math.abs(B))) / 2;
  return (L * (A * A + B * B)) / (2 * (Math.abs(A) + Math.abs(B)));
}

/**
 * W_p between the empirical law of `sample` and the law with cell masses `masses` on the uniform
 * grid over [axis.lo, axis.hi] (piecewise-constant density; masses normalised, see gridLaw).
 */
export function wassersteinSampleGrid(sample: ArrayLike<number>, axis: GridAxis, masses: ArrayLike<number>, p: WassersteinOrder = 1): number {
  checkOrder(p);
  const xs = sortedSample(sample);
  const law = gridLaw(axis, masses);
  const n = xs.length;
  const M = law.p.length;
  let lastCell = M - 1;
  while (law.p[lastCell] === 0) lastCell--;
  const nextCell = (j: number) => {
    do j++;
    while (j < M && law.p[j] === 0);
    return j;
  };
  let j = nextCell(-1);
  let i = 0;
  let u = 0;
  let acc = 0;
  // On cell j: G⁻¹(u) = e_j + h (u − c_j)/p_j.
  const quantile = (cell: number, v: number) => law.lo + law.h * (cell + Math.min(1, Math.max(0, (v - law.c[cell]) / law.p[cell])));
  while (i < n) {
    const sampleEnd = i === n - 1 ? 1 : (i + 1) / n;
    const cellEnd = j === lastCell ? 1 : law.c[j + 1];
    const end = Math.min(sampleEnd, cellEnd);
    if (end > u) acc += linearPiece(xs[i] - quantile(j, u), xs[i] - quantile(j, end), end - u, p);
    u = end;
    if (sampleEnd <= cellEnd) i++;
    if (cellEnd <= sampleEnd && j < lastCell) j = nextCell(j);
  }
  return p === 1 ? acc : Math.sqrt(acc);
}

/**
 * W_p between the empirical laws of two samples (sizes n and m may differ). Breakpoints i/n and
 * k/m are compared exactly as integers i·m and k·n.
 */
export function wassersteinSamples(a: ArrayLike<number>, b: ArrayLike<number>, p: WassersteinOrder = 1): number {
  checkOrder(p);
  const xs = sortedSample(a, 'a');
  const ys = sortedSample(b, 'b');
  const n = xs.length;
  const m = ys.length;
  if (n * m > Number.MAX_SAFE_INTEGER) throw new ConfigError('a', 'sample sizes too large (n·m > 2^53)');
  let i = 0;
  let k = 0;
  let pos = 0; // in units of 1/(n·m)
  let acc = 0;
  while (i < n && k < m) {
    const endA = (i + 1) * m;
    const endB = (k + 1) * n;
    const end = Math.min(endA, endB);
    const diff = Math.abs(xs[i] - ys[k]);
    acc += (end - pos) * (p === 1 ? diff : diff * diff);
    pos = end;
    if (endA === end) i++;
    if (endB === end) k++;
  }
  acc /= n * m;
  return p === 1 ? acc : Math.sqrt(acc);
}
