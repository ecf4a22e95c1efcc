/**
 * Angular average of the pair term for anisotropic Gaussian data (./README.md §3; MMN
 * "Centered anisotropic Gaussians"): Σ± = I + (τ±² − 1) P_V, dim V = s0.
 *
 * A unit (a, b, w) enters only through r1 = |P_V w|, r2 = |P_V⊥ w| and, given the class,
 *   q² = τ² r1² + r2²,   α = τ r1 / q,   β = r2 / q   (α² + β² = 1).
 * Two units have, given the class, correlation ρ12 = α1 α2 s1 + β1 β2 s2, where s1 (s2) is the cosine
 * between the V-parts (V⊥-parts). If the law is O(V) × O(V⊥) invariant, s1 ~ p_{s0} and
 * s2 ~ p_{d−s0} are independent (p_n, moments m_j(n): reduced-models/isotropic-gaussians/README.md §2.2);
 * odd powers of either cosine average to 0, so Mehler averages to
 *   E ρ12^k = Σ_{j even ≤ k} w_{kj} (α1 α2)^j (β1 β2)^{k−j},   w_{kj} = C(k,j) m_j(s0) m_{k−j}(d−s0)   (k even),
 * and the kernel is separable with features indexed by (±, k, j):
 *   u(θ1, θ2) = Σ± Σ_{k even} Σ_{j even ≤ k} Ψ_{±,k,j}(θ1) Ψ_{±,k,j}(θ2),
 *   Ψ_{±,k,j}(a, b, r1, r2) = a c_k(q±, b) α±^j β±^{k−j} √(w_{kj}/2).
 * (α^j β^{k−j} = τ^j r1^j r2^{k−j}/q^k: the form of ./README.md §3, bounded by 1.)
 * Conventions for degenerate subspaces: m_j(1) = 1 for even j (s = ±1); when s0 = d the space V⊥ is
 * {0}, r2 ≡ 0 and only j = k survives (m_0(0) = 1, m_j(0) := 0 for j > 0). At d = ∞ (s0/d = γ fixed)
 * every w_{kj} with k ≥ 2 vanishes: only (k, j) = (0, 0) is left, the rank-2 kernel.
 */
import type { GaussianActivation } from '../activations.ts';
import { cosineMoments, MAX_TRUNCATION_ORDER, type Dimension } from '../isotropic-gaussians/kernel.ts';

export { MAX_TRUNCATION_ORDER, type Dimension } from '../isotropic-gaussians/kernel.ts';

/**
 * The unit σ*(x; θ) = a σ(<w, x> + b) seen through its Gaussian expectations at scale q ≥ 0.
 * The fixed-activation model has a = 1, b = 0; the ReLU model has σ = relu (relu.ts).
 */
export interface UnitFamily {
  /** σ itself (value, kinks and S(μ, c) = E σ(μ + cZ) for the direct quadrature). */
  readonly activation: GaussianActivation;
  /** Largest K for which `hermite` is accurate (∞ for closed forms). */
  readonly maxHermiteOrder: number;
  /** c[k] = E[σ(qG + b) h_k(G)], k ≤ K, and optionally ∂_q and ∂_b of it. */
  hermite(q: number, b: number, K: number, c: Float64Array, dq?: Float64Array, db?: Float64Array): void;
  /** E σ(qG + b)², closed form. */
  secondMoment(q: number, b: number): number;
}

/**
 * Cosine moments m_j(n), j = 0..K, of two independent uniform directions in R^n
 * (reduced-models/isotropic-gaussians/README.md §2.2); n = 0 is the trivial subspace (m_0 = 1, the rest 0).
 */
export function subspaceMoments(n: number, K: number): Float64Array {
  if (n === 0) {
    const m = new Float64Array(K + 1);
    m[0] = 1;
    return m;
  }
  return cosineMoments(n, K);
}

/**
 * The angular index set of the separable kernel: every (k, j) with k ≤ K even, j ≤ k even and
 * w_{kj} = C(k,j) m_j(s0) m_{k−j}(d−s0) > 0, in the order k ascending, then j ascending
 * (per class: (K/2+1)(K/2+2)/2 pairs for 1 ≤ s0 < d; K/2+1 when s0 = d; 1 at d = ∞).
 */
export class AngularBasis {
  /** Truncation order K (even). */
  readonly order: number;
  /** Number of (k, j) pairs. */
  readonly count: number;
  readonly k: Int32Array;
  readonly j: Int32Array;
  /** w_{kj} = E-weight of (α1α2)^j (β1β2)^{k−j} in E ρ12^k. */
  readonly weight: Float64Array;
  /** √(w_{kj}/2): the factor of the feature Ψ_{±,k,j}. */
  readonly scale: Float64Array;

  constructor(d: Dimension, s0: number, K: number) {
    this.order = K;
    const ks: number[] = [];
    const js: number[] = [];
    const ws: number[] = [];
    if (d === 'inf') {
      ks.push(0);
      js.push(0);
      ws.push(1);
    } else {
      const m1 = subspaceMoments(s0, K);
      const m2 = subspaceMoments(d - s0, K);
      const binom = new Float64Array(K + 1); // row k of Pascal's triangle, updated in place
      binom[0] = 1;
      for (let k = 0; k <= K; k++) {
        if (k > 0) for (let i = k; i >= 1; i--) binom[i] += binom[i - 1];
        if (k % 2 !== 0) continue;
        for (let j = 0; j <= k; j += 2) {
          const w = binom[j] * m1[j] * m2[k - j];
          if (w > 0) {
            ks.push(k);
            js.push(j);
            ws.push(w);
          }
        }
      }
    }
    this.count = ks.length;
    this.k = Int32Array.from(ks);
    this.j = Int32Array.from(js);
    this.weight = Float64Array.from(ws);
    this.scale = this.weight.map((w) => Math.sqrt(0.5 * w));
  }
}

/** Powers below this are flushed to 0 (they only multiply weights ≤ 1; subnormal arithmetic is ~100x slower). */
const POWER_FLUSH = 1e-280;

/** out[i] = x^i for i = 0..n, flushed to 0 once below POWER_FLUSH (0 ≤ x ≤ 1). */
function powers(x: number, n: number, out: Float64Array): void {
  out[0] = 1;
  for (let i = 1; i <= n; i++) {
    const v = out[i - 1] * x;
    out[i] = v < POWER_FLUSH ? 0 : v;
  }
}

/**
 * Self moments μ_k = E (α² s1 + β² s2)^k = Σ_j w_{kj} α^{2j} β^{2(k−j)} for even k ≤ basis.order, into
 * out[k/2] (x = α², y = β²; px, py are scratch of length ≥ order + 1). μ_k is the k-th moment of
 * the correlation between a unit and an independent O(V) × O(V⊥) rotation of itself, so
 * 0 ≤ μ_k ≤ 1, μ_k is non-increasing in k, and by Cauchy–Schwarz E ρ12^k ≤ √(μ_k(θ1) μ_k(θ2)).
 */
export function selfMoments(basis: AngularBasis, x: number, y: number, px: Float64Array, py: Float64Array, out: Float64Array): void {
  const K = basis.order;
  powers(x, K, px);
  powers(y, K, py);
  const { k, j, weight, count } = basis;
  let p = 0;
  for (let kk = 0; kk <= K; kk += 2) {
    let sum = 0;
    for (; p < count && k[p] === kk; p++) sum += weight[p] * px[j[p]] * py[kk - j[p]];
    out[kk >> 1] = sum;
  }
}

/** Values of the reduced coordinates whose tensor product is a set of points (e.g. grid cell centres). */
export interface PointLattice {
  /** max a² over the points (1 for the fixed-activation model). */
  readonly aMaxSquared: number;
  /** b values (just [0] for the fixed-activation model). */
  readonly b: ArrayLike<number>;
  readonly r1: ArrayLike<number>;
  readonly r2: ArrayLike<number>;
}

/**
 * Rigorous truncation bounds on a point set: out[K/2] ≥ max over pairs of points of |u − u^{(K)}|,
 * u^{(K)} keeping the even k ≤ K, for every even K ≤ L (an even L ≤ maxBoundOrder(family); a smaller
 * L is cheaper and gives looser bounds only through the μ_{L+2} T_L term); ./README.md §6.
 *
 * The error is Σ± (a1a2/2) Σ_{k>K} c_k(θ1) c_k(θ2) E ρ12^k. With E ρ12^k ≤ √(μ_k(θ1) μ_k(θ2))
 * (selfMoments) and Cauchy–Schwarz in k,
 *   |u − u^{(K)}|(θ1, θ2) ≤ (1/2) Σ± |a1 a2| √(E_K(θ1) E_K(θ2)) ≤ (1/2) Σ± max_θ a² E_K±(θ),
 *   E_K = Σ_{K<k≤L, even} μ_k c_k² + μ_{L+2} T_L,   T_L = E σ(qG+b)² − Σ_{k≤L} c_k²  (Parseval tail),
 * using μ_k ≤ μ_{L+2} for k > L. T_L gets a rounding allowance 4(L+2) ε E σ² (it is a difference of
 * sums of positive terms), as in the isotropic model (isotropic-gaussians/kernel.ts). At d = ∞ all
 * bounds are 0. Cost: O(n_r1 n_r2 L²/8) for the μ_k plus O(n_b n_r1 n_r2 L) Hermite coefficients, per class.
 */
export function truncationBounds(family: UnitFamily, tau: readonly number[], d: Dimension, s0: number, points: PointLattice, L: number): Float64Array {
  if (!(Number.isInteger(L) && L >= 0 && L % 2 === 0 && L <= maxBoundOrder(family))) {
    throw new RangeError(`truncationBounds: the order L must be an even integer in [0, ${maxBoundOrder(family)}] (got ${L})`);
  }
  const orders = L / 2 + 1;
  const out = new Float64Array(orders);
  if (d === 'inf') return out;
  const basis = new AngularBasis(d, s0, L + 2);
  const mu = new Float64Array(L / 2 + 2);
  const px = new Float64Array(L + 3);
  const py = new Float64Array(L + 3);
  const c = new Float64Array(L + 1);
  const maxE = new Float64Array(orders);
  for (const t of tau) {
    maxE.fill(0);
    for (let i1 = 0; i1 < points.r1.length; i1++) {
      for (let i2 = 0; i2 < points.r2.length; i2++) {
        const tr1 = t * points.r1[i1];
        const r2 = points.r2[i2];
        const q = Math.hypot(tr1, r2);
        if (q === 0) continue; // c_k = 0 for k ≥ 1: E_K = 0 for every K ≥ 0
        selfMoments(basis, (tr1 / q) ** 2, (r2 / q) ** 2, px, py, mu);
        for (let ib = 0; ib < points.b.length; ib++) {
          const b = points.b[ib];
          family.hermite(q, b, L, c);
          const second = family.secondMoment(q, b);
          let partial = 0;
          for (let k = 0; k <= L; k++) partial += c[k] * c[k];
          const tail = Math.max(second - partial, 0) + 4 * (L + 2) * Number.EPSILON * second;
          let e = mu[L / 2 + 1] * tail; // E_L
          for (let K = L; K >= 0; K -= 2) {
            if (e > maxE[K / 2]) maxE[K / 2] = e;
            e += mu[K / 2] * c[K] * c[K]; // E_{K−2}
          }
        }
      }
    }
    for (let i = 0; i < orders; i++) out[i] += 0.5 * points.aMaxSquared * maxE[i];
  }
  return out;
}

/** Largest even order with a truncation bound: min(MAX_TRUNCATION_ORDER, the family's accurate order). */
export function maxBoundOrder(family: UnitFamily): number {
  const L = Math.min(MAX_TRUNCATION_ORDER, family.maxHermiteOrder);
  return L - (L % 2);
}
