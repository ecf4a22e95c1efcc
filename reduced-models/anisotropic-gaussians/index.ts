/**
 * MMN "Centered anisotropic Gaussians" and "A better activation function" (Mei–Montanari–Nguyen,
 * PNAS 2018, Theorem 2, Fig. 3), reduced to the O(V) × O(V⊥)-invariant coordinates
 * (./README.md: the reduced potentials §2–4, the reduced equations §5).
 *
 * Data: y = ±1 with probability 1/2, x | y ~ N(0, Σ_y), Σ± = I + (τ±² − 1) P_V, τ± = 1 ± Δ,
 * dim V = s0, R# = 1. Unit σ*(x; θ) = a σ(<w, x> + b); given the class <w, x> ~ N(0, q²) with
 * q±² = τ±² r1² + r2², r1 = |P_V w|, r2 = |P_V⊥ w|. Two models:
 *   AnisotropicGaussians      fixed σ (a = 1, b = 0), coordinates (r1, r2)        (MMN Theorem 2)
 *   AnisotropicReluGaussians  σ = relu, coordinates (a, b, r1, r2)                 (MMN Fig. 3)
 * Reduced quantities (c_k(q, b) = E[σ(qG + b) h_k(G)]):
 *   v(θ)      = −E[y σ*] = (a/2) [c_0(q−, b) − c_0(q+, b)]
 *   u_diag(θ) = U(θ, θ)  = (a²/2) Σ± E σ(q± G + b)²                                   (closed form)
 *   u(θ1, θ2) = Σ± Σ_{k even} Σ_{j even ≤ k} Ψ_{±,k,j}(θ1) Ψ_{±,k,j}(θ2)             (kernel.ts)
 *   Ψ(θ; ρ̄)  = v(θ) + ∫ u(θ, θ') ρ̄(dθ')
 * and at d = ∞ (s0/d = γ fixed) only (k, j) = (0, 0) survives: u_∞ = (a1a2/2) Σ± c_0(q1±,b1) c_0(q2±,b2).
 */
import { ConfigError } from '../../src/errors.ts';
import type { Grid } from '../../src/grid.ts';
import type { QuadratureRule } from '../../src/numerics/quadrature.ts';
import type { GridOperators, MeanFieldModel, ReducedCoordinate } from '../../src/types.ts';
import { SeparableInteraction } from '../../solvers/interaction/separable.ts';
import { mmnActivation, type GaussianActivation } from '../activations.ts';
import { cosineRule, PairQuadrature } from './direct.ts';
import { AngularBasis, maxBoundOrder, truncationBounds, type Dimension, type PointLattice, type UnitFamily } from './kernel.ts';
import { AnisotropicGaussiansParticles } from './particles.ts';
import { ReluUnit } from './relu.ts';

export { AngularBasis, MAX_TRUNCATION_ORDER, selfMoments, subspaceMoments, truncationBounds, type Dimension, type PointLattice, type UnitFamily } from './kernel.ts';
export { cosineRule, PairQuadrature } from './direct.ts';
export { AnisotropicGaussiansParticles } from './particles.ts';
export { reluActivation, ReluUnit } from './relu.ts';

export interface AnisotropicOptions {
  /** Δ ∈ (0, 1): τ± = 1 ± Δ. */
  delta: number;
  /** Dimension, an integer ≥ 2, or 'inf' (rank-2 kernel u_∞). */
  d: Dimension;
  /** dim V, an integer in [1, d]; required for finite d, omitted at d = 'inf' (u_∞ does not depend on it). */
  s0?: number;
}

export interface AnisotropicGaussiansOptions extends AnisotropicOptions {
  /** σ; MMN's piecewise-linear default (t1, t2, s1, s2) = (0.5, 1.5, −2.5, 7.5) if omitted. */
  activation?: GaussianActivation;
}

/** Default direct quadrature: 40 Gauss–Jacobi nodes per cosine, 12 Gauss–Legendre nodes per G1-panel. */
const COSINE_NODES = 40;
const PANEL_NODES = 12;
/** truncationOrder first tries the bounds up to this order (cheap), then up to the largest bounded order. */
const FIRST_BOUND_ORDER = 64;
/** Cosine node pairs whose weight product is below this are skipped in uDirect (total skipped weight < 1e-16). */
const NEGLIGIBLE_WEIGHT = 1e-16;

/** A truncation order and its rigorous bound on a point set. */
export interface TruncationChoice {
  readonly order: number;
  readonly bound: number;
}

/**
 * Everything shared by the two anisotropic models: a unit θ is read as (a, b, r1, r2), with a = 1,
 * b = 0 for the 2-coordinate model. Points are passed point-major, `ndim` numbers per point, in the
 * order of `coordinates`. Gradients are with respect to those coordinates.
 */
export abstract class AnisotropicModel implements MeanFieldModel {
  abstract readonly name: string;
  abstract readonly coordinates: readonly ReducedCoordinate[];
  readonly riskConstant = 1;
  readonly delta: number;
  readonly d: Dimension;
  /** dim V (undefined at d = ∞). */
  readonly s0: number | undefined;
  /** [τ+, τ−] = [1 + Δ, 1 − Δ]: index 0 is class + (y = +1), index 1 class − (y = −1). */
  readonly tau: readonly [number, number];
  readonly family: UnitFamily;
  /** 2 for (r1, r2), 4 for (a, b, r1, r2). */
  readonly ndim: 2 | 4;
  private readonly bases = new Map<number, AngularBasis>();
  private readonly pair: PairQuadrature;
  private readonly rules = new Map<number, [QuadratureRule, QuadratureRule]>();
  // per-unit scratch (grow-only)
  private c = new Float64Array(1);
  private c2 = new Float64Array(1);
  private dq = new Float64Array(1);
  private db = new Float64Array(1);
  private pa = new Float64Array(3);
  private pb = new Float64Array(3);
  private phi = new Float64Array(1);
  private grad = new Float64Array(4);
  private readonly geo = new Float64Array(6);
  private readonly unit = new Float64Array(4);
  private readonly unit2 = new Float64Array(4);

  protected constructor(options: AnisotropicOptions, family: UnitFamily, ndim: 2 | 4) {
    const { delta, d, s0 } = options;
    if (!(typeof delta === 'number' && delta > 0 && delta < 1)) {
      throw new ConfigError('delta', `must be a number in (0, 1) (got ${JSON.stringify(delta)})`);
    }
    if (!(d === 'inf' || (typeof d === 'number' && Number.isInteger(d) && d >= 2))) {
      throw new ConfigError('d', `must be an integer >= 2 or "inf" (got ${JSON.stringify(d)})`);
    }
    if (d === 'inf') {
      if (s0 !== undefined) {
        throw new ConfigError('s0', `must be omitted when d = "inf": the d = ∞ kernel does not depend on s0/d (got ${JSON.stringify(s0)})`);
      }
    } else if (!(typeof s0 === 'number' && Number.isInteger(s0) && s0 >= 1 && s0 <= d)) {
      throw new ConfigError('s0', `must be an integer in [1, d] = [1, ${d}] (got ${JSON.stringify(s0)})`);
    }
    this.delta = delta;
    this.d = d;
    this.s0 = s0;
    this.tau = [1 + delta, 1 - delta];
    this.family = family;
    this.ndim = ndim;
    this.pair = new PairQuadrature(family.activation, PANEL_NODES);
  }

  // ─── bookkeeping ────────────────────────────────────────────────────────────────────────────

  /** Orders actually used: every k ≥ 2 has zero weight at d = ∞. */
  private effectiveOrder(K: number): number {
    if (!(Number.isInteger(K) && K >= 0 && K % 2 === 0)) throw new RangeError(`${this.name}: the truncation order K must be an even integer >= 0 (got ${K})`);
    if (K > this.family.maxHermiteOrder) {
      throw new RangeError(`${this.name}: K = ${K} exceeds the activation's accurate Hermite order ${this.family.maxHermiteOrder}`);
    }
    return this.d === 'inf' ? 0 : K;
  }

  /** The (k, j) index set of order K (cached). */
  basis(K: number): AngularBasis {
    const Ke = this.effectiveOrder(K);
    let basis = this.bases.get(Ke);
    if (!basis) {
      basis = new AngularBasis(this.d, this.s0 ?? 0, Ke);
      this.bases.set(Ke, basis);
    }
    return basis;
  }

  /** Number of features F = 2 · (number of (k, j) pairs): (K/2+1)(K/2+2) for 1 ≤ s0 < d, K + 2 for s0 = d, 2 at d = ∞. */
  featureCount(K: number): number {
    return 2 * this.basis(K).count;
  }

  private ensureScratch(K: number, P: number): void {
    if (this.c.length <= K) {
      const n = Math.max(K + 1, 2 * this.c.length);
      this.c = new Float64Array(n);
      this.c2 = new Float64Array(n);
      this.dq = new Float64Array(n);
      this.db = new Float64Array(n);
      this.pa = new Float64Array(n + 2);
      this.pb = new Float64Array(n + 2);
    }
    if (this.phi.length < P) {
      const n = Math.max(P, 2 * this.phi.length);
      this.phi = new Float64Array(n);
      this.grad = new Float64Array(4 * n);
    }
  }

  /** Reads point `i` of `points` as (a, b, r1, r2) into out, validating it. */
  private unpack(points: ArrayLike<number>, i: number, out: Float64Array): Float64Array {
    const o = i * this.ndim;
    if (this.ndim === 2) {
      out[0] = 1;
      out[1] = 0;
      out[2] = points[o];
      out[3] = points[o + 1];
    } else {
      out[0] = points[o];
      out[1] = points[o + 1];
      out[2] = points[o + 2];
      out[3] = points[o + 3];
      if (!(Number.isFinite(out[0]) && Number.isFinite(out[1]))) {
        throw new RangeError(`${this.name}: a and b must be finite numbers (got a = ${out[0]}, b = ${out[1]} at point ${i})`);
      }
    }
    if (!(out[2] >= 0 && out[2] < Infinity && out[3] >= 0 && out[3] < Infinity)) {
      throw new RangeError(`${this.name}: r1 and r2 must be finite numbers >= 0 (got r1 = ${out[2]}, r2 = ${out[3]} at point ${i})`);
    }
    if (out[3] !== 0 && this.s0 === this.d) {
      throw new RangeError(`${this.name}: with s0 = d the orthogonal part is {0}, so r2 must be 0 (got r2 = ${out[3]} at point ${i})`);
    }
    return out;
  }

  /** q±, α± = τ± r1/q±, β± = r2/q± for class cls (α = β = 0 at q = 0), written to out[o..o+2]. */
  private scales(cls: number, r1: number, r2: number, out: Float64Array, o = 0): void {
    const tr1 = this.tau[cls] * r1;
    const q = Math.hypot(tr1, r2);
    out[o] = q;
    out[o + 1] = q > 0 ? tr1 / q : 0;
    out[o + 2] = q > 0 ? r2 / q : 0;
  }

  // ─── one-unit terms ─────────────────────────────────────────────────────────────────────────

  /** v(θ) = −E[y σ*(x; θ)] = (a/2) [c_0(q−, b) − c_0(q+, b)]  (./README.md §2). */
  v(theta: ArrayLike<number>): number {
    const t = this.unpack(theta, 0, this.unit);
    return this.vUnit(t[0], t[1], t[2], t[3]);
  }

  private vUnit(a: number, b: number, r1: number, r2: number): number {
    const s = this.geo;
    let sum = 0;
    for (let cls = 0; cls < 2; cls++) {
      this.scales(cls, r1, r2, s);
      this.family.hermite(s[0], b, 0, this.c);
      sum += (cls === 0 ? -0.5 : 0.5) * this.c[0];
    }
    return a * sum;
  }

  /**
   * ∇v(θ) with respect to the coordinates, into out (length ndim): with ∂q/∂r1 = τα, ∂q/∂r2 = β,
   *   ∂_a v = v/a,  ∂_b v = (a/2) Σ± ∓∂_b c_0,  ∂_r1 v = (a/2) Σ± ∓τ± α± ∂_q c_0,  ∂_r2 v = (a/2) Σ± ∓β± ∂_q c_0
   * (∂_q c_0 = φ(b/q), ∂_b c_0 = Φ(b/q) for ReLU). At q = 0 the r-derivatives are set to 0.
   */
  vGradient(theta: ArrayLike<number>, out: Float64Array): void {
    const t = this.unpack(theta, 0, this.unit);
    const a = t[0], b = t[1], r1 = t[2], r2 = t[3];
    const s = this.geo;
    let ga = 0;
    let gb = 0;
    let g1 = 0;
    let g2 = 0;
    for (let cls = 0; cls < 2; cls++) {
      this.scales(cls, r1, r2, s);
      const sign = cls === 0 ? -0.5 : 0.5;
      this.family.hermite(s[0], b, 0, this.c, this.dq, this.ndim === 4 ? this.db : undefined);
      ga += sign * this.c[0];
      if (this.ndim === 4) gb += sign * this.db[0];
      g1 += sign * this.tau[cls] * s[1] * this.dq[0];
      g2 += sign * s[2] * this.dq[0];
    }
    const o = this.ndim === 4 ? 2 : 0;
    if (this.ndim === 4) {
      out[0] = ga;
      out[1] = a * gb;
    }
    out[o] = a * g1;
    out[o + 1] = a * g2;
  }

  /** u_diag(θ) = U(θ, θ) = (a²/2) Σ± E σ(q± G + b)², closed form, never the series (./README.md §2, §9.2). */
  uDiag(theta: ArrayLike<number>): number {
    const t = this.unpack(theta, 0, this.unit);
    const a = t[0], b = t[1], r1 = t[2], r2 = t[3];
    const s = this.geo;
    let sum = 0;
    for (let cls = 0; cls < 2; cls++) {
      this.scales(cls, r1, r2, s);
      sum += this.family.secondMoment(s[0], b);
    }
    return 0.5 * a * a * sum;
  }

  // ─── pair kernel ────────────────────────────────────────────────────────────────────────────

  /**
   * Angular-averaged kernel truncated at order K (./README.md §3):
   *   u^{(K)}(θ1, θ2) = (a1a2/2) Σ± Σ_{k even ≤ K} c_k(q1±, b1) c_k(q2±, b2) Σ_{j even} w_{kj} (α1α2)^j (β1β2)^{k−j}
   * (= Σ_f Φ_f(θ1) Φ_f(θ2)). At d = ∞ this is u_∞ for every K. `truncationOrder` gives a K with a
   * guaranteed error on a point set.
   */
  u(theta1: ArrayLike<number>, theta2: ArrayLike<number>, K: number): number {
    const basis = this.basis(K);
    const Ke = basis.order;
    this.ensureScratch(Ke, basis.count);
    const t1 = this.unpack(theta1, 0, this.unit);
    const a1 = t1[0], b1 = t1[1], r11 = t1[2], r12 = t1[3];
    const t2 = this.unpack(theta2, 0, this.unit2);
    const a2 = t2[0], b2 = t2[1], r21 = t2[2], r22 = t2[3];
    const { c, c2, pa, pb } = this;
    const s = this.geo;
    let sum = 0;
    for (let cls = 0; cls < 2; cls++) {
      this.scales(cls, r11, r12, s);
      this.scales(cls, r21, r22, s, 3);
      this.family.hermite(s[0], b1, Ke, c);
      this.family.hermite(s[3], b2, Ke, c2);
      const A = s[1] * s[4];
      const B = s[2] * s[5];
      pa[0] = 1;
      pb[0] = 1;
      for (let i = 1; i <= Ke; i++) {
        pa[i] = pa[i - 1] * A;
        pb[i] = pb[i - 1] * B;
      }
      const { k, j, weight } = basis;
      for (let p = 0; p < basis.count; p++) sum += weight[p] * c[k[p]] * c2[k[p]] * pa[j[p]] * pb[k[p] - j[p]];
    }
    return 0.5 * a1 * a2 * sum;
  }

  /**
   * U(θ1, θ2) for two units whose V-parts have cosine s1 and V⊥-parts cosine s2, by direct
   * quadrature (no series): (a1a2/2) Σ± B(q1±, b1, q2±, b2; ρ±), ρ± = α1±α2± s1 + β1±β2± s2
   * (./README.md §3, §7; ../pair-quadrature.ts).
   */
  pairDirect(theta1: ArrayLike<number>, theta2: ArrayLike<number>, s1: number, s2: number): number {
    const t1 = this.unpack(theta1, 0, this.unit);
    const a1 = t1[0], b1 = t1[1], r11 = t1[2], r12 = t1[3];
    const t2 = this.unpack(theta2, 0, this.unit2);
    const a2 = t2[0], b2 = t2[1], r21 = t2[2], r22 = t2[3];
    const s = this.geo;
    let sum = 0;
    for (let cls = 0; cls < 2; cls++) {
      this.scales(cls, r11, r12, s);
      this.scales(cls, r21, r22, s, 3);
      const rho = Math.max(-1, Math.min(1, s[1] * s[4] * s1 + s[2] * s[5] * s2));
      sum += this.pair.expectation(s[0], b1, s[3], b2, rho);
    }
    return 0.5 * a1 * a2 * sum;
  }

  /**
   * Pair term of two units at their actual correlation, class `cls` only, by direct quadrature:
   * B(q1, b1, q2, b2; ρ) (for the particle model's |ρ| → 1 fallback).
   */
  bivariate(q1: number, b1: number, q2: number, b2: number, rho: number): number {
    return this.pair.expectation(q1, b1, q2, b2, rho);
  }

  /**
   * The angular-averaged kernel u(θ1, θ2) by direct quadrature, independent of the Mehler series:
   * E over s1 ~ p_{s0} and s2 ~ p_{d−s0} (independent; `cosineRule`, `cosineNodes` Gauss–Jacobi
   * nodes each) of pairDirect(θ1, θ2, s1, s2). Node pairs with weight product < 1e-16 (total < 1e-16)
   * are skipped. At d = ∞ both cosines are 0 a.s.
   */
  uDirect(theta1: ArrayLike<number>, theta2: ArrayLike<number>, options: { cosineNodes?: number; nodesPerPanel?: number } = {}): number {
    const { cosineNodes = COSINE_NODES, nodesPerPanel = PANEL_NODES } = options;
    const t1 = this.unpack(theta1, 0, this.unit);
    const a1 = t1[0], b1 = t1[1], r11 = t1[2], r12 = t1[3];
    const t2 = this.unpack(theta2, 0, this.unit2);
    const a2 = t2[0], b2 = t2[1], r21 = t2[2], r22 = t2[3];
    if (this.d === 'inf') return this.pairDirect(theta1, theta2, 0, 0);
    let rules = this.rules.get(cosineNodes);
    if (!rules) {
      rules = [cosineRule(this.s0!, cosineNodes), cosineRule(this.d - this.s0!, cosineNodes)];
      this.rules.set(cosineNodes, rules);
    }
    const [rule1, rule2] = rules;
    const pair = nodesPerPanel === PANEL_NODES ? this.pair : new PairQuadrature(this.family.activation, nodesPerPanel);
    const threshold = NEGLIGIBLE_WEIGHT / (rule1.nodes.length * rule2.nodes.length);
    const s = this.geo;
    let sum = 0;
    for (let cls = 0; cls < 2; cls++) {
      this.scales(cls, r11, r12, s);
      this.scales(cls, r21, r22, s, 3);
      const A = s[1] * s[4];
      const B = s[2] * s[5];
      for (let i = 0; i < rule1.nodes.length; i++) {
        for (let l = 0; l < rule2.nodes.length; l++) {
          const w = rule1.weights[i] * rule2.weights[l];
          if (w < threshold) continue;
          const rho = Math.max(-1, Math.min(1, A * rule1.nodes[i] + B * rule2.nodes[l]));
          sum += w * pair.expectation(s[0], b1, s[3], b2, rho);
        }
      }
    }
    return 0.5 * a1 * a2 * sum;
  }

  // ─── truncation ─────────────────────────────────────────────────────────────────────────────

  /**
   * Rigorous bounds out[K/2] ≥ max over pairs of points of |u − u^{(K)}|, for every even K ≤ maxOrder
   * (default and largest: min(MAX_TRUNCATION_ORDER, the activation's accurate Hermite order)), on the
   * tensor-product point set `lattice` (kernel.ts truncationBounds: weighted Cauchy–Schwarz with the
   * self moments μ_k, and the Parseval tail). All 0 at d = ∞.
   */
  truncationBounds(lattice: PointLattice, maxOrder = maxBoundOrder(this.family)): Float64Array {
    return truncationBounds(this.family, this.tau, this.d, this.s0 ?? 0, lattice, maxOrder);
  }

  /**
   * Smallest even K whose rigorous truncation bound on `lattice` is ≤ tolerance, and that bound
   * (K = 0 at d = ∞). The bounds are first computed up to order L1 = 64 (10x cheaper than 200). The
   * order L enters a bound only through the Parseval floor μ_{L+2} T_L, which is ≤ table[L/2], so the
   * L1 answer is kept when that floor is ≤ tolerance/100 (a larger L could then lower K by little);
   * otherwise the bounds are recomputed up to the largest bounded order. Throws if no K reaches the
   * tolerance: with a small s0 and points near r2 = 0 the units live in a low-dimensional V and the
   * tail is algebraic, like the isotropic model at d = s0 (./README.md §9.1).
   */
  truncationOrder(lattice: PointLattice, tolerance: number): TruncationChoice {
    if (!(tolerance > 0 && tolerance < Infinity)) throw new RangeError(`${this.name}: tolerance must be a finite number > 0 (got ${tolerance})`);
    const L = maxBoundOrder(this.family);
    let table = this.truncationBounds(lattice, Math.min(FIRST_BOUND_ORDER, L));
    if (table[table.length - 1] > tolerance / 100 && L > FIRST_BOUND_ORDER) table = this.truncationBounds(lattice, L);
    for (let i = 0; i < table.length; i++) if (table[i] <= tolerance) return { order: 2 * i, bound: table[i] };
    throw new ConfigError(
      'solver.kernelTolerance', // the tolerance is the spec's (its range alone cannot promise an order exists)
      `${this.name}: no truncation order K <= ${L} meets tolerance ${tolerance} at d = ${this.d}, s0 = ${this.s0} ` +
        `(bound at K = ${L}: ${table[table.length - 1].toExponential(2)}); use a larger tolerance, keep r2 away from 0, or a larger s0`,
    );
  }

  // ─── features, Ψ and velocities ─────────────────────────────────────────────────────────────

  /**
   * Features of one unit for class cls: phi[p] = Ψ_{cls,k,j}(θ) = a c_k(q, b) α^j β^{k−j} √(w_{kj}/2),
   * p over the basis, and optionally grad[axis·P + p] = ∂Ψ/∂(coordinate axis). With
   * ∂q/∂r1 = τα, ∂q/∂r2 = β, ∂α/∂r1 = τβ²/q, ∂α/∂r2 = −αβ/q, ∂β/∂r1 = −ταβ/q, ∂β/∂r2 = α²/q:
   *   ∂_r1 (α^j β^{k−j}) = (τ/q) [ j α^{j−1} β^{k−j+2} − (k−j) α^{j+1} β^{k−j} ]
   *   ∂_r2 (α^j β^{k−j}) = (1/q) [ (k−j) α^{j+2} β^{k−j−1} − j α^j β^{k−j+1} ]
   * At q = 0 (r1 = r2 = 0, where the cone q is not differentiable) the r-derivatives of the
   * k ≥ 1 features are set to 0 (c_k(0, b) = 0 there).
   */
  private unitFeatures(cls: number, a: number, b: number, r1: number, r2: number, basis: AngularBasis, withGrad: boolean): void {
    const K = basis.order;
    const P = basis.count;
    const { c, dq, db, pa, pb, phi, grad } = this;
    const t = this.tau[cls];
    const g = this.geo;
    this.scales(cls, r1, r2, g);
    const q = g[0];
    const al = g[1];
    const be = g[2];
    const relu4 = this.ndim === 4;
    this.family.hermite(q, b, K, c, withGrad ? dq : undefined, withGrad && relu4 ? db : undefined);
    pa[0] = 1;
    pb[0] = 1;
    for (let i = 1; i <= K + 2; i++) {
      pa[i] = pa[i - 1] * al;
      pb[i] = pb[i - 1] * be;
    }
    const { k: ks, j: js, scale } = basis;
    const tq = q > 0 ? t / q : 0;
    const iq = q > 0 ? 1 / q : 0;
    const o = relu4 ? 2 : 0;
    for (let p = 0; p < P; p++) {
      const k = ks[p];
      const j = js[p];
      const m = k - j;
      const ang = pa[j] * pb[m];
      const sc = scale[p];
      phi[p] = a * c[k] * ang * sc;
      if (!withGrad) continue;
      if (relu4) {
        grad[p] = c[k] * ang * sc;
        grad[P + p] = a * db[k] * ang * sc;
      }
      const d1 = (j > 0 ? j * pa[j - 1] * pb[m + 2] : 0) - m * pa[j + 1] * pb[m];
      const d2 = (m > 0 ? m * pa[j + 2] * pb[m - 1] : 0) - j * pa[j] * pb[m + 1];
      grad[o * P + p] = a * sc * (dq[k] * t * al * ang + c[k] * tq * d1);
      grad[(o + 1) * P + p] = a * sc * (dq[k] * be * ang + c[k] * iq * d2);
    }
  }

  /**
   * Features Φ_f(θ_i) of order K at n points (point-major, ndim per point), so that
   * u^{(K)}(θ, θ') = Σ_f Φ_f(θ) Φ_f(θ'). Layout: feature-major out[f·n + i] with
   * f = class·P + p (class 0 = +, 1 = −; p over `basis(K)`: k ascending, then j), the layout of
   * SeparableInteraction; optional gradients gradOut[(axis·F + f)·n + i] = ∂Φ_f/∂(coordinate axis).
   * Allocates `out` if not given. With s0 = d these are the isotropic model's features (same order).
   */
  features(points: ArrayLike<number>, K: number, out?: Float64Array, gradOut?: Float64Array): Float64Array {
    const basis = this.basis(K);
    const P = basis.count;
    const F = 2 * P;
    const n = this.pointCount(points);
    const phiOut = out ?? new Float64Array(F * n);
    if (phiOut.length < F * n) throw new RangeError(`${this.name}: the feature array needs F·n = ${F}·${n} entries (got ${phiOut.length})`);
    if (gradOut && gradOut.length < this.ndim * F * n) {
      throw new RangeError(`${this.name}: the gradient array needs ndim·F·n = ${this.ndim}·${F}·${n} entries (got ${gradOut.length})`);
    }
    this.ensureScratch(basis.order + 2, P);
    const { phi, grad } = this;
    for (let i = 0; i < n; i++) {
      const t = this.unpack(points, i, this.unit);
    const a = t[0], b = t[1], r1 = t[2], r2 = t[3];
      for (let cls = 0; cls < 2; cls++) {
        this.unitFeatures(cls, a, b, r1, r2, basis, gradOut !== undefined);
        const f0 = cls * P;
        for (let p = 0; p < P; p++) phiOut[(f0 + p) * n + i] = phi[p];
        if (!gradOut) continue;
        for (let ax = 0; ax < this.ndim; ax++) {
          for (let p = 0; p < P; p++) gradOut[(ax * F + f0 + p) * n + i] = grad[ax * P + p];
        }
      }
    }
    return phiOut;
  }

  /**
   * Ψ(θ_i; ρ̄) = v(θ_i) + Σ_f A_f Φ_f(θ_i) and its gradient, for feature moments A_f = ∫ Φ_f dρ̄ of order K
   * (e.g. SeparableInteraction.featureMoments, or (1/N) Σ_j Φ_f(θ_j) for reduced particles). Uses
   * v = (Φ_{−,0,0} − Φ_{+,0,0})/√2, i.e. Ψ = Σ_f (A_f + e_f) Φ_f with e_{±,0,0} = ∓1/√2. At d = ∞
   * (K = 0, A_± = M±/√2, M± = classMeans) this is the closed form of ./README.md §4,
   *   Ψ = (a/2) [(M+ − 1) g+ + (M− + 1) g−],  ∂_a Ψ = (1/2) Σ± (M± ∓ 1) g±,  ∂_b Ψ = (a/2) Σ± (M± ∓ 1) Φ(b/q±),
   *   ∂_r1 Ψ = (a/2) Σ± (M± ∓ 1) φ(b/q±) τ±² r1/q±,  ∂_r2 Ψ = (a/2) Σ± (M± ∓ 1) φ(b/q±) r2/q±.
   * Writes out[i] (if given) and gradOut[i·ndim + axis] (if given); no allocation.
   */
  psi(points: ArrayLike<number>, K: number, moments: ArrayLike<number>, out?: Float64Array, gradOut?: Float64Array): void {
    const basis = this.basis(K);
    const P = basis.count;
    if (moments.length < 2 * P) throw new RangeError(`${this.name}: psi needs F = ${2 * P} feature moments (got ${moments.length})`);
    const n = this.pointCount(points);
    this.ensureScratch(basis.order + 2, P);
    const { phi, grad, ndim } = this;
    const e0 = Math.SQRT1_2;
    for (let i = 0; i < n; i++) {
      const t = this.unpack(points, i, this.unit);
    const a = t[0], b = t[1], r1 = t[2], r2 = t[3];
      let value = 0;
      if (gradOut) gradOut.fill(0, i * ndim, (i + 1) * ndim);
      for (let cls = 0; cls < 2; cls++) {
        this.unitFeatures(cls, a, b, r1, r2, basis, gradOut !== undefined);
        const f0 = cls * P;
        const shift = cls === 0 ? -e0 : e0; // e_{±,0,0}; p = 0 is (k, j) = (0, 0)
        for (let p = 0; p < P; p++) {
          const A = moments[f0 + p] + (p === 0 ? shift : 0);
          value += A * phi[p];
          if (gradOut) for (let ax = 0; ax < ndim; ax++) gradOut[i * ndim + ax] += A * grad[ax * P + p];
        }
      }
      if (out) out[i] = value;
    }
  }

  /**
   * Class-conditional mean outputs M± = Σ_i m_i a_i c_0(q±(θ_i), b_i) of a weighted point set (cell
   * masses or particle weights 1/N), into out[0..1]. As d → ∞, ŷ(x) concentrates on M± given the class,
   * the risk is R = ((1 − M+)² + (1 + M−)²)/2 and the d = ∞ feature moments are A_± = M±/√2
   * (./README.md §4).
   */
  classMeans(points: ArrayLike<number>, masses: ArrayLike<number>, out: Float64Array): void {
    const n = this.pointCount(points);
    const s = this.geo;
    out[0] = 0;
    out[1] = 0;
    for (let i = 0; i < n; i++) {
      const t = this.unpack(points, i, this.unit);
    const a = t[0], b = t[1], r1 = t[2], r2 = t[3];
      for (let cls = 0; cls < 2; cls++) {
        this.scales(cls, r1, r2, s);
        this.family.hermite(s[0], b, 0, this.c);
        out[cls] += masses[i] * a * this.c[0];
      }
    }
  }

  private pointCount(points: ArrayLike<number>): number {
    if (points.length % this.ndim !== 0) throw new RangeError(`${this.name}: points hold ${this.ndim} coordinates each (got ${points.length} numbers)`);
    return points.length / this.ndim;
  }

  // ─── grid ───────────────────────────────────────────────────────────────────────────────────

  /**
   * Potential v and the separable kernel at the cell centres of a grid with axes named exactly
   * `coordinates` (in that order; r1, r2 axes with lo ≥ 0). K = truncationOrder(centres, tolerance),
   * so |u − u^{(K)}| ≤ tolerance rigorously on every pair of cell centres (default 1e-10). The features
   * are computed once per (b, r1, r2) centre and scaled by a (Ψ is linear in a).
   * Memory: F · cells doubles, F = featureCount(K).
   */
  gridOperators(grid: Grid, options: { tolerance?: number } = {}): GridOperators & { readonly truncation: TruncationChoice } {
    const { tolerance = 1e-10 } = options;
    const names = this.coordinates.map((c) => c.name);
    if (grid.ndim !== this.ndim || grid.axes.some((ax, i) => ax.name !== names[i])) {
      throw new RangeError(`${this.name}: needs a grid with axes (${names.join(', ')}) in this order (got ${grid.axes.map((a) => a.name).join(', ')})`);
    }
    if (this.s0 === this.d) {
      throw new RangeError(`${this.name}: with s0 = d the coordinate r2 is identically 0; use the isotropic-gaussians model on an "r" grid`);
    }
    const o = this.ndim - 2;
    for (const ax of grid.axes.slice(o)) {
      if (ax.lo < 0) throw new RangeError(`${this.name}: the ${ax.name} axis must start at lo >= 0 (got ${ax.lo})`);
    }
    const aCentres = this.ndim === 4 ? grid.centres[0] : Float64Array.of(1);
    const bCentres = this.ndim === 4 ? grid.centres[1] : Float64Array.of(0);
    const [r1c, r2c] = [grid.centres[o], grid.centres[o + 1]];
    let aMaxSquared = 0;
    for (const a of aCentres) aMaxSquared = Math.max(aMaxSquared, a * a);
    const { order: K, bound } = this.truncationOrder({ aMaxSquared, b: bCentres, r1: r1c, r2: r2c }, tolerance);

    // (b, r1, r2) centres with a = 1, in the grid's row-major order of the last three (two) axes
    const S = bCentres.length * r1c.length * r2c.length;
    const base = new Float64Array(S * this.ndim);
    let idx = 0;
    for (const b of bCentres) {
      for (const r1 of r1c) {
        for (const r2 of r2c) {
          if (this.ndim === 4) {
            base[idx++] = 1;
            base[idx++] = b;
          }
          base[idx++] = r1;
          base[idx++] = r2;
        }
      }
    }
    const F = this.featureCount(K);
    const baseFeatures = this.features(base, K);
    const baseV = new Float64Array(S);
    for (let s = 0; s < S; s++) {
      const t = this.unpack(base, s, this.unit);
      baseV[s] = this.vUnit(t[0], t[1], t[2], t[3]);
    }
    let features = baseFeatures;
    let potential = baseV;
    if (this.ndim === 4) {
      const size = grid.size;
      features = new Float64Array(F * size);
      potential = new Float64Array(size);
      for (let ia = 0; ia < aCentres.length; ia++) {
        const a = aCentres[ia];
        for (let s = 0; s < S; s++) potential[ia * S + s] = a * baseV[s];
        for (let f = 0; f < F; f++) {
          const src = f * S;
          const dst = f * size + ia * S;
          for (let s = 0; s < S; s++) features[dst + s] = a * baseFeatures[src + s];
        }
      }
    }
    const description =
      `${this.name} separable rank ${F} (K=${K}, ${this.d === 'inf' ? 'd=∞' : `d=${this.d}, s0=${this.s0}`}, Δ=${this.delta}; ` +
      `truncation bound ${bound.toExponential(2)} <= tolerance ${tolerance} on the cell centres)`;
    const interaction = new SeparableInteraction(features, grid.size, undefined, description);
    return { grid, potential, interaction, riskConstant: this.riskConstant, truncation: { order: K, bound } };
  }

  /** The same model at d = ∞. */
  abstract atInfinity(): AnisotropicModel;

  /** The finite-width model (data in R^d, units a σ(<w,x> + b)); d must be finite. */
  particleModel(): AnisotropicGaussiansParticles {
    return new AnisotropicGaussiansParticles(this);
  }
}

/** The fixed activation as a unit family (a = 1, b = 0: the offset is never used). */
function fixedActivationFamily(activation: GaussianActivation): UnitFamily {
  return {
    activation,
    maxHermiteOrder: activation.maxHermiteOrder,
    hermite: (q, _b, K, c, dq) => activation.hermite(q, K, c, dq),
    secondMoment: (q) => activation.secondMoment(q),
  };
}

/**
 * MMN "Centered anisotropic Gaussians" (Theorem 2): units σ(<w, x>), reduced coordinates (r1, r2).
 *   v(r1, r2) = (1/2) [hq(q−) − hq(q+)],  q±² = τ±² r1² + r2²,  hq = c_0   (./README.md §2)
 * With s0 = d (r2 ≡ 0) it is the isotropic model at the same d: q = τ r1 and only j = k survives.
 */
export class AnisotropicGaussians extends AnisotropicModel {
  readonly name = 'anisotropic-gaussians';
  readonly coordinates: readonly ReducedCoordinate[] = [
    { name: 'r1', min: 0, max: Infinity },
    { name: 'r2', min: 0, max: Infinity },
  ];
  readonly activation: GaussianActivation;

  constructor(options: AnisotropicGaussiansOptions) {
    const activation = options.activation ?? mmnActivation();
    super(options, fixedActivationFamily(activation), 2);
    this.activation = activation;
  }

  /** The same Δ and σ at d = ∞ (rank-2 kernel). */
  atInfinity(): AnisotropicGaussians {
    return new AnisotropicGaussians({ delta: this.delta, d: 'inf', activation: this.activation });
  }
}

/**
 * MMN "A better activation function" (Fig. 3): units a relu(<w, x> + b), reduced coordinates
 * (a, b, r1, r2) (./README.md §1–5), with the closed forms of relu.ts.
 */
export class AnisotropicReluGaussians extends AnisotropicModel {
  readonly name = 'anisotropic-gaussians-relu';
  readonly coordinates: readonly ReducedCoordinate[] = [
    { name: 'a', min: -Infinity, max: Infinity },
    { name: 'b', min: -Infinity, max: Infinity },
    { name: 'r1', min: 0, max: Infinity },
    { name: 'r2', min: 0, max: Infinity },
  ];

  constructor(options: AnisotropicOptions) {
    super(options, new ReluUnit(), 4);
  }

  /** The same Δ at d = ∞ (rank-2 kernel). */
  atInfinity(): AnisotropicReluGaussians {
    return new AnisotropicReluGaussians({ delta: this.delta, d: 'inf' });
  }
}
