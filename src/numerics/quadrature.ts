/**
 * Gaussian quadrature rules: Gauss–Hermite (probabilists', weight φ), Gauss–Legendre, Gauss–Jacobi, Gauss–Laguerre.
 *
 * One method for all four (Golub–Welsch structure, computed without an eigenvector solver):
 *  1. the nodes are the eigenvalues of the symmetric tridiagonal Jacobi matrix of the orthonormal
 *     polynomials (diagonal a_k, off-diagonal √b_k); each is isolated by Sturm-sequence bisection,
 *  2. then polished by Newton's method on p_n evaluated by the three-term recurrence,
 *  3. the weights are the Christoffel numbers w_i = μ0 / Σ_{k<n} p_k(x_i)² with orthonormal p_k.
 * Step 3 avoids the cancellation of eigenvector-based weights; nodes and weights reach ~1e-15
 * relative (tested in test/numerics/quadrature.test.ts against exact moments).
 */
import { logBeta, logGamma } from './special.ts';

export interface QuadratureRule {
  readonly nodes: Float64Array;
  readonly weights: Float64Array;
}

/** Recurrence of monic orthogonal polynomials: p_{k+1} = (x − a_k) p_k − b_k p_{k−1}. */
interface Recurrence {
  readonly a: Float64Array; // k = 0..n-1
  readonly b: Float64Array; // k = 1..n-1 used (b[0] unused)
  readonly mu0: number; // total mass of the weight
}

function ruleFromRecurrence(n: number, rec: Recurrence): QuadratureRule {
  const { a, b, mu0 } = rec;
  const sqrtB = new Float64Array(n + 1);
  for (let k = 1; k < n; k++) sqrtB[k] = Math.sqrt(b[k]);
  // Gershgorin bounds for the spectrum
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < n; k++) {
    const r = (k > 0 ? sqrtB[k] : 0) + (k < n - 1 ? sqrtB[k + 1] : 0);
    lo = Math.min(lo, a[k] - r);
    hi = Math.max(hi, a[k] + r);
  }
  // Sturm count: number of eigenvalues < x (negative pivots of T − xI = LDLᵀ)
  const countBelow = (x: number): number => {
    let count = 0;
    let d = 1;
    for (let k = 0; k < n; k++) {
      d = a[k] - x - (k > 0 ? b[k] / d : 0);
      if (d === 0) d = -1e-300;
      if (d < 0) count++;
    }
    return count;
  };
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  const scale = Math.max(Math.abs(lo), Math.abs(hi), 1);
  for (let i = 0; i < n; i++) {
    let l = lo;
    let h = hi;
    while (h - l > 4e-16 * scale) {
      const m = 0.5 * (l + h);
      if (m === l || m === h) break;
      if (countBelow(m) > i) h = m;
      else l = m;
    }
    let x = 0.5 * (l + h);
    // Newton polish on the orthonormal p_n
    for (let it = 0; it < 3; it++) {
      const [pn, dpn] = orthonormalValueAndDerivative(x, n, a, sqrtB);
      if (dpn === 0) break;
      const step = pn / dpn;
      if (!Number.isFinite(step) || Math.abs(step) > h - l + 1e-12 * scale) break;
      x -= step;
      if (Math.abs(step) < 1e-17 * scale) break;
    }
    nodes[i] = x;
    // Christoffel number
    let pPrev = 0;
    let p = 1;
    let sum = 1;
    for (let k = 0; k < n - 1; k++) {
      const next = ((x - a[k]) * p - (k > 0 ? sqrtB[k] * pPrev : 0)) / sqrtB[k + 1];
      pPrev = p;
      p = next;
      sum += p * p;
    }
    weights[i] = mu0 / sum;
  }
  return { nodes, weights };
}

/** p_n and p_n' of the orthonormal family (p_0 = 1) at x; the normalisation of p_n is irrelevant for Newton. */
function orthonormalValueAndDerivative(x: number, n: number, a: Float64Array, sqrtB: Float64Array): [number, number] {
  let pPrev = 0;
  let p = 1;
  let dPrev = 0;
  let d = 0;
  for (let k = 0; k < n; k++) {
    const s = k < n - 1 ? sqrtB[k + 1] : 1;
    const next = ((x - a[k]) * p - (k > 0 ? sqrtB[k] * pPrev : 0)) / s;
    const dNext = (p + (x - a[k]) * d - (k > 0 ? sqrtB[k] * dPrev : 0)) / s;
    pPrev = p;
    p = next;
    dPrev = d;
    d = dNext;
  }
  return [p, d];
}

function checkOrder(n: number, name: string): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name}: number of nodes must be an integer >= 1 (got ${n})`);
}

/**
 * Gauss–Hermite rule for the standard normal weight φ(x): Σ w_i f(x_i) ≈ E f(G); weights sum to 1.
 * Exact for polynomials of degree ≤ 2n − 1. Limited to n ≤ 250 (the recurrence overflows beyond).
 */
export function gaussHermite(n: number): QuadratureRule {
  checkOrder(n, 'gaussHermite');
  if (n > 250) throw new RangeError(`gaussHermite: n must be <= 250 (got ${n})`);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let k = 1; k < n; k++) b[k] = k; // He_{k+1} = x He_k − k He_{k−1}
  return ruleFromRecurrence(n, { a, b, mu0: 1 });
}

/**
 * The n-node Gauss–Legendre rule on [−1, 1], computed once per n (the eigenvalue bisection costs O(n²)
 * per node, and composite rules, e.g. every Hermite coefficient of a formula σ, ask for it thousands of times).
 * Shared: callers must not modify it.
 */
const referenceLegendre = new Map<number, QuadratureRule>();
function legendreReference(n: number): QuadratureRule {
  let ref = referenceLegendre.get(n);
  if (!ref) {
    const a = new Float64Array(n);
    const b = new Float64Array(n);
    for (let k = 1; k < n; k++) b[k] = (k * k) / (4 * k * k - 1);
    ref = ruleFromRecurrence(n, { a, b, mu0: 2 });
    referenceLegendre.set(n, ref);
  }
  return ref;
}

/** Gauss–Legendre rule on [lo, hi] (weight 1): exact for degree ≤ 2n − 1. */
export function gaussLegendre(n: number, lo = -1, hi = 1): QuadratureRule {
  checkOrder(n, 'gaussLegendre');
  const ref = legendreReference(n);
  if (lo === -1 && hi === 1) return { nodes: ref.nodes.slice(), weights: ref.weights.slice() };
  const half = 0.5 * (hi - lo);
  const mid = 0.5 * (hi + lo);
  return {
    nodes: ref.nodes.map((x) => mid + half * x),
    weights: ref.weights.map((w) => half * w),
  };
}

/**
 * Gauss–Jacobi rule on [−1, 1] for the weight (1 − x)^α (1 + x)^β, α, β > −1.
 * With `normalized`, the weights sum to 1 (a probability rule for the Beta-type law).
 */
export function gaussJacobi(n: number, alpha: number, beta: number, normalized = false): QuadratureRule {
  checkOrder(n, 'gaussJacobi');
  if (!(alpha > -1 && beta > -1)) throw new RangeError(`gaussJacobi: alpha, beta must be > -1 (got ${alpha}, ${beta})`);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const ab = alpha + beta;
  for (let k = 0; k < n; k++) {
    const s = 2 * k + ab;
    a[k] = k === 0 ? (beta - alpha) / (ab + 2) : (beta * beta - alpha * alpha) / (s * (s + 2));
    if (k >= 1) {
      b[k] =
        k === 1
          ? (4 * (1 + alpha) * (1 + beta)) / ((2 + ab) * (2 + ab) * (3 + ab))
          : (4 * k * (k + alpha) * (k + beta) * (k + ab)) / (s * s * (s + 1) * (s - 1));
    }
  }
  const mu0 = normalized ? 1 : Math.exp((ab + 1) * Math.LN2 + logBeta(alpha + 1, beta + 1));
  const rule = ruleFromRecurrence(n, { a, b, mu0 });
  if (normalized) {
    // remove the last ulp-level drift of the total
    let s = 0;
    for (const w of rule.weights) s += w;
    for (let i = 0; i < n; i++) rule.weights[i] /= s;
  }
  return rule;
}

/**
 * Generalised Gauss–Laguerre rule on [0, ∞) for the weight z^α e^{−z}, α > −1 (monic recurrence
 * a_k = 2k + α + 1, b_k = k(k + α)): exact for degree ≤ 2n − 1. With `normalized` the weights sum to 1,
 * a probability rule for z ~ Gamma(α + 1) (e.g. z = r²/2 for r ~ χ_k, α = k/2 − 1).
 */
export function gaussLaguerre(n: number, alpha: number, normalized = false): QuadratureRule {
  checkOrder(n, 'gaussLaguerre');
  if (!(alpha > -1 && alpha < Infinity)) throw new RangeError(`gaussLaguerre: alpha must be finite and > -1 (got ${alpha})`);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    a[k] = 2 * k + alpha + 1;
    if (k >= 1) b[k] = k * (k + alpha);
  }
  const rule = ruleFromRecurrence(n, { a, b, mu0: normalized ? 1 : Math.exp(logGamma(alpha + 1)) });
  if (normalized) {
    let s = 0;
    for (const w of rule.weights) s += w;
    for (let i = 0; i < n; i++) rule.weights[i] /= s;
  }
  return rule;
}

/**
 * Composite Gauss–Legendre rule over [lo, hi] split at the given interior breakpoints (kinks of the
 * integrand), `n` nodes per piece. Breakpoints outside (lo, hi) are ignored.
 */
export function compositeGaussLegendre(lo: number, hi: number, breakpoints: readonly number[], n: number): QuadratureRule {
  checkOrder(n, 'compositeGaussLegendre');
  const cuts = [lo, ...breakpoints.filter((t) => t > lo && t < hi).sort((x, y) => x - y), hi];
  const ref = legendreReference(n);
  const nodes: number[] = [];
  const weights: number[] = [];
  for (let p = 0; p + 1 < cuts.length; p++) {
    const half = 0.5 * (cuts[p + 1] - cuts[p]);
    if (half <= 0) continue;
    const mid = 0.5 * (cuts[p + 1] + cuts[p]);
    for (let i = 0; i < n; i++) {
      nodes.push(mid + half * ref.nodes[i]);
      weights.push(half * ref.weights[i]);
    }
  }
  return { nodes: Float64Array.from(nodes), weights: Float64Array.from(weights) };
}
