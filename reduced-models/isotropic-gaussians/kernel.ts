/**
 * Angular average of the pair term for the isotropic-Gaussians model (./README.md §2.2–2.3):
 * the cosine s of two independent uniform directions in R^d has density
 * p_d(s) ∝ (1 − s²)^{(d−3)/2}, and averaging Mehler's formula term by term gives
 *   u_d(r1, r2) = (1/2) Σ_± Σ_{k even} m_k(d) c_k(τ± r1) c_k(τ± r2),   m_k(d) = E s^k.
 */
import type { GaussianActivation } from '../activations.ts';

/** Dimension of the ambient space: an integer ≥ 2, or 'inf' for the d → ∞ limit. */
export type Dimension = number | 'inf';

/** Largest Mehler order the truncation search considers (and the order of its exact partial sums). */
export const MAX_TRUNCATION_ORDER = 200;

/** Radii per class at which the truncation bound is maximised, r_j = rMax j / n, j = 1..n. */
const BOUND_GRID = 1000;

/**
 * Cosine moments m_k(d) = E s^k, k = 0..K: m_0 = 1, odd moments 0,
 *   m_{2j}(d) = Π_{i<j} (2i+1)/(d+2i) = (2j−1)!! / (d (d+2) … (d+2j−2))   (./README.md §2.2),
 * as a running product (no factorials: no overflow for any d; it underflows to 0 harmlessly).
 * At d = ∞ only m_0 = 1 survives.
 */
export function cosineMoments(d: Dimension, K: number): Float64Array {
  const m = new Float64Array(K + 1);
  m[0] = 1;
  if (d === 'inf') return m;
  for (let k = 2; k <= K; k += 2) m[k] = (m[k - 2] * (k - 1)) / (d + k - 2);
  return m;
}

/**
 * Rigorous truncation bounds for u_d on (0, rMax]²: out[K/2] ≥ sup |u_d − u_d^{(K)}| for every even
 * K ≤ L = MAX_TRUNCATION_ORDER, where u_d^{(K)} keeps the even k ≤ K (./README.md §5.1).
 *
 * With E_K(q) = Σ_{K<k≤L, k even} m_k c_k(q)² + m_{L+2} T_L(q), T_L(q) = E σ(qG)² − Σ_{k≤L} c_k(q)²
 * (the Parseval tail, all k > L, so ≥ the even tail), weighted Cauchy–Schwarz and m_k ≤ m_{L+2}
 * for k > L (m_k decreases in k) give
 *   |u_d − u_d^{(K)}|(r1, r2) ≤ (1/2) Σ_± √(E_K(τ± r1) E_K(τ± r2)) ≤ (1/2) Σ_± max_r E_K(τ± r).
 * The max is taken over BOUND_GRID radii; T_L gets a rounding allowance 4(L+2) ε E σ² (it is a
 * difference of two sums of positive terms). With L = K this is the plain bound
 * (1/2) Σ_± m_{K+2} √(T_K T_K); keeping the exact terms up to L is much sharper, because T_K
 * decays only like K^{-3/2} while m_k falls geometrically (MMN σ, Δ = 0.8, rMax = 6, 1e-10:
 * K = 22 instead of 28 at d = 40, 8 instead of 10 at d = 320).
 */
export function truncationBounds(activation: GaussianActivation, tau: readonly number[], d: Dimension, rMax: number): Float64Array {
  const L = MAX_TRUNCATION_ORDER;
  const m = cosineMoments(d, L + 2);
  const orders = L / 2 + 1;
  const out = new Float64Array(orders);
  const maxE = new Float64Array(orders);
  const c = new Float64Array(L + 1);
  for (const t of tau) {
    maxE.fill(0);
    for (let j = 1; j <= BOUND_GRID; j++) {
      const q = (t * rMax * j) / BOUND_GRID;
      activation.hermite(q, L, c);
      const second = activation.secondMoment(q);
      let partial = 0;
      for (let k = 0; k <= L; k++) partial += c[k] * c[k];
      const tail = Math.max(second - partial, 0) + 4 * (L + 2) * Number.EPSILON * second;
      let e = m[L + 2] * tail; // E_L
      for (let K = L; K >= 0; K -= 2) {
        if (e > maxE[K / 2]) maxE[K / 2] = e;
        e += m[K] * c[K] * c[K]; // E_{K−2}
      }
    }
    for (let i = 0; i < orders; i++) out[i] += 0.5 * maxE[i];
  }
  return out;
}
