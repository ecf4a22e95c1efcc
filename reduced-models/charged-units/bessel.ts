/**
 * Exponentially scaled modified Bessel functions of integer order, ive_k(x) = e^{−x} I_k(x), x ≥ 0,
 * and a rigorous bound on them (for truncating the Fourier series of the von Mises unit, README §Circle).
 *
 * Method: Miller's backward recurrence I_{k−1} = (2k/x) I_k + I_{k+1}, started at a tiny value far
 * above the wanted orders (the minimal solution I_k dominates going down), normalised by the
 * generating-function identity at t = 0,
 *     e^{x cos t} = I_0(x) + 2 Σ_{k≥1} I_k(x) cos kt   ⇒   ive_0(x) + 2 Σ_{k≥1} ive_k(x) = 1,
 * a sum of positive terms (no cancellation, no separate I_0 approximation, no overflow at any x: the
 * running values are rescaled whenever they exceed 1e250). Relative accuracy ~1e-15 on the orders
 * where ive_k is not below the underflow of the recurrence (tested against the power series and
 * the large-x expansion in test/reduced-models/charged-units-bessel.test.ts).
 *
 * Start order: I_k/I_0 ≈ exp(−k²/(2x)) for k ≲ x and decays faster beyond, so starting at
 * N = kmax + 20 + ⌈√(100 (x + 1))⌉ puts both the normalisation tail and the recurrence's error
 * (∝ (I_N/I_k)²) below round-off.
 */
import { ConfigError } from '../../src/errors.ts';
import { logGamma } from '../../src/numerics/special.ts';

const RESCALE_ABOVE = 1e250;
const RESCALE_BY = 1e-250;

/** Start order of the backward recurrence for orders ≤ kmax at argument x (see the module comment). */
function startOrder(kmax: number, x: number): number {
  return kmax + 20 + Math.ceil(Math.sqrt(100 * (x + 1)));
}

function checkArguments(kmax: number, x: number): void {
  if (!(Number.isInteger(kmax) && kmax >= 0 && kmax <= 1e6)) throw new ConfigError('kmax', `must be an integer in [0, 1e6] (got ${kmax})`);
  if (!(Number.isFinite(x) && x >= 0)) throw new ConfigError('x', `must be finite and >= 0 (got ${x})`);
}

/** ive_k(x) = e^{−x} I_k(x) for k = 0 … kmax into out (allocated if absent; length ≥ kmax + 1). */
export function scaledBesselI(kmax: number, x: number, out: Float64Array = new Float64Array(kmax + 1)): Float64Array {
  checkArguments(kmax, x);
  if (out.length < kmax + 1) throw new ConfigError('out', `needs at least ${kmax + 1} entries (got ${out.length})`);
  out.fill(0, 0, kmax + 1);
  if (x === 0) {
    out[0] = 1;
    return out;
  }
  const N = startOrder(kmax, x);
  const twoOverX = 2 / x;
  let above = 0; // b_{k+1}
  let here = 1e-280; // b_k, k = N
  let sum = 0; // 2 Σ_{j ≥ k, j ≥ 1} b_j so far
  for (let k = N; k >= 1; k--) {
    if (k <= kmax) out[k] = here;
    sum += 2 * here;
    const below = k * twoOverX * here + above; // b_{k−1}
    above = here;
    here = below;
    if (here > RESCALE_ABOVE) {
      here *= RESCALE_BY;
      above *= RESCALE_BY;
      sum *= RESCALE_BY;
      for (let j = k; j <= kmax; j++) out[j] *= RESCALE_BY;
    }
  }
  out[0] = here;
  sum += here;
  const inv = 1 / sum;
  for (let k = 0; k <= kmax; k++) out[k] *= inv;
  return out;
}

/**
 * log of a rigorous upper bound on ive_k(x): from the power series I_k(x) = Σ_m (x/2)^{2m+k}/(m!(m+k)!)
 * and (m+k)! ≥ k!(k+1)^m,
 *     I_k(x) ≤ (x/2)^k / k! · exp(x² / (4(k+1)))  =: B_k(x),   and   B_{k+1}/B_k ≤ (x/2)/(k+1).
 */
export function logScaledBesselBound(k: number, x: number): number {
  if (x === 0) return k === 0 ? 0 : -Infinity;
  return -x + k * Math.log(x / 2) - logGamma(k + 1) + (x * x) / (4 * (k + 1));
}

/**
 * Rigorous bounds on the tails T0 = Σ_{k>m} ive_k(x)² and T1 = Σ_{k>m} k ive_k(x)² (geometric series
 * on B_k², whose ratio after k = m + 1 is at most r² with r = (x/2)/(m+2), times (m+2)/(m+1) for T1).
 * Infinite when the ratio is not below 1 (m too small for the bound to say anything).
 */
export function besselSquareTails(m: number, x: number): { readonly squares: number; readonly weightedSquares: number } {
  if (!(Number.isInteger(m) && m >= 0)) throw new ConfigError('m', `must be an integer >= 0 (got ${m})`);
  if (!(Number.isFinite(x) && x >= 0)) throw new ConfigError('x', `must be finite and >= 0 (got ${x})`);
  if (x === 0) return { squares: 0, weightedSquares: 0 };
  const r = x / 2 / (m + 2);
  const q0 = r * r;
  const q1 = (q0 * (m + 2)) / (m + 1);
  const first = Math.exp(2 * logScaledBesselBound(m + 1, x));
  return {
    squares: q0 < 1 ? first / (1 - q0) : Infinity,
    weightedSquares: q1 < 1 ? ((m + 1) * first) / (1 - q1) : Infinity,
  };
}
