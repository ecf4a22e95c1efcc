/**
 * MMN "Centered isotropic Gaussians" (Mei–Montanari–Nguyen, PNAS 2018, eq. 13–14), reduced to the
 * radius r = |w| (./README.md: the model §1, the reduced potentials §2, the reduced equation §3).
 *
 * Data: y = ±1 with probability 1/2 each, x | y ~ N(0, τ_y² I_d), τ± = 1 ± Δ, R# = 1.
 * Unit: σ(<w, x>) (a = 1, b = 0 fixed). Given the class, <w, x> = τ |w| G.
 *   v(r)       = −E[y σ(<w,x>)]     = (1/2) [hq(τ− r) − hq(τ+ r)],    hq(q) = E σ(qG) = c_0(q)
 *   u_diag(r)  = U(w, w)            = (1/2) Σ_± E σ(τ± r G)²
 *   u_d(r1,r2) = E_angles U(w1, w2) = (1/2) Σ_± Σ_{k even} m_k(d) c_k(τ± r1) c_k(τ± r2)
 *             = Σ_f Φ_f(r1) Φ_f(r2),   Φ_(±,k)(r) = √(m_k(d)/2) c_k(τ± r)   (./README.md §2.3)
 * and at d = ∞ only k = 0 survives: u_∞ = (1/2) Σ_± hq(τ± r1) hq(τ± r2) (rank 2).
 */
import { ConfigError } from '../../src/errors.ts';
import type { Grid } from '../../src/grid.ts';
import { gaussJacobi, type QuadratureRule } from '../../src/numerics/quadrature.ts';
import type { GridOperators, MeanFieldModel, ReducedCoordinate } from '../../src/types.ts';
import { SeparableInteraction } from '../../solvers/interaction/separable.ts';
import { mmnActivation, type GaussianActivation } from '../activations.ts';
import { PairQuadrature } from '../pair-quadrature.ts';
import { cosineMoments, MAX_TRUNCATION_ORDER, truncationBounds, type Dimension } from './kernel.ts';
import { IsotropicGaussiansParticles } from './particles.ts';

export { cosineMoments, MAX_TRUNCATION_ORDER, type Dimension } from './kernel.ts';
export { IsotropicGaussiansParticles } from './particles.ts';

export interface IsotropicGaussiansOptions {
  /** Δ ∈ (0, 1): class + has x ~ N(0, (1+Δ)² I_d), class − has N(0, (1−Δ)² I_d). */
  delta: number;
  /** Dimension, an integer ≥ 2, or 'inf' (rank-2 kernel u_∞). */
  d: Dimension;
  /** σ; MMN's piecewise-linear default (t1, t2, s1, s2) = (0.5, 1.5, −2.5, 7.5) if omitted. */
  activation?: GaussianActivation;
}

/** Default direct quadrature (./README.md §5.2): 80 Gauss–Jacobi nodes in s, 24 per G1-panel. */
const COSINE_NODES = 80;
const PANEL_NODES = 24;

/** The upper end of solver.kernelTolerance (src/spec/schema.ts): a bound above it fails every tolerance. */
const LARGEST_KERNEL_TOLERANCE = 1e-2;

export class IsotropicGaussians implements MeanFieldModel {
  readonly name = 'isotropic-gaussians';
  readonly coordinates: readonly ReducedCoordinate[] = [{ name: 'r', min: 0, max: Infinity }];
  readonly riskConstant = 1;
  readonly delta: number;
  readonly d: Dimension;
  readonly activation: GaussianActivation;
  /** [τ+, τ−] = [1 + Δ, 1 − Δ]: index 0 is class + (y = +1), index 1 class − (y = −1). */
  readonly tau: readonly [number, number];
  /** m_k(d), k = 0..c1.length. */
  private cosine: Float64Array;
  private c1 = new Float64Array(MAX_TRUNCATION_ORDER + 1);
  private c2 = new Float64Array(MAX_TRUNCATION_ORDER + 1);
  private dc = new Float64Array(MAX_TRUNCATION_ORDER + 1);
  private readonly bounds = new Map<number, Float64Array>();
  private readonly pair: PairQuadrature;
  private cosineRule: QuadratureRule | undefined;

  constructor(options: IsotropicGaussiansOptions) {
    const { delta, d } = options;
    if (!(typeof delta === 'number' && delta > 0 && delta < 1)) {
      throw new ConfigError('delta', `must be a number in (0, 1) (got ${JSON.stringify(delta)})`);
    }
    if (!(d === 'inf' || (typeof d === 'number' && Number.isInteger(d) && d >= 2))) {
      throw new ConfigError('d', `must be an integer >= 2 or "inf" (got ${JSON.stringify(d)})`);
    }
    this.delta = delta;
    this.d = d;
    this.activation = options.activation ?? mmnActivation();
    this.tau = [1 + delta, 1 - delta];
    this.cosine = cosineMoments(d, MAX_TRUNCATION_ORDER + 2);
    this.pair = new PairQuadrature(this.activation, PANEL_NODES);
  }

  /** Mehler orders actually used: every k ≥ 2 has m_k = 0 at d = ∞. */
  private effectiveOrder(K: number): number {
    if (!(Number.isInteger(K) && K >= 0)) throw new RangeError(`isotropic-gaussians: the truncation order K must be an integer >= 0 (got ${K})`);
    return this.d === 'inf' ? 0 : K;
  }

  /** Scratch for orders up to K (grows only when a larger K than ever before is asked for). */
  private ensureOrder(K: number): void {
    if (this.c1.length > K) return;
    const n = Math.max(K + 1, 2 * this.c1.length);
    this.c1 = new Float64Array(n);
    this.c2 = new Float64Array(n);
    this.dc = new Float64Array(n);
    this.cosine = cosineMoments(this.d, n + 1);
  }

  /** m_k(d) = E s^k for k = 0..K (./README.md §2.2); a fresh array. */
  cosineMoments(K: number): Float64Array {
    return cosineMoments(this.d, K);
  }

  /** v(r) = (1/2) [hq(τ− r) − hq(τ+ r)]  (./README.md §2.1). */
  v(r: number): number {
    const c = this.c1;
    this.activation.hermite(this.tau[1] * r, 0, c);
    const minus = c[0];
    this.activation.hermite(this.tau[0] * r, 0, c);
    return 0.5 * (minus - c[0]);
  }

  /** v'(r) = (1/2) [τ− hq'(τ− r) − τ+ hq'(τ+ r)]  (./README.md §2.1). */
  dv(r: number): number {
    const { c1: c, dc } = this;
    this.activation.hermite(this.tau[1] * r, 0, c, dc);
    const minus = this.tau[1] * dc[0];
    this.activation.hermite(this.tau[0] * r, 0, c, dc);
    return 0.5 * (minus - this.tau[0] * dc[0]);
  }

  /** u_diag(r) = U(w, w) = (1/2) Σ_± E σ(τ± r G)², closed form, never the series (./README.md §2.1, §8.1). */
  uDiag(r: number): number {
    return 0.5 * (this.activation.secondMoment(this.tau[0] * r) + this.activation.secondMoment(this.tau[1] * r));
  }

  /**
   * Mehler expansion truncated at order K: u_d^{(K)}(r1, r2) = (1/2) Σ_± Σ_{k even ≤ K} m_k c_k(τ± r1) c_k(τ± r2)
   * (./README.md §2.3); `truncationOrder` gives a K with a guaranteed error (§5.1).
   * At d = ∞ this is u_∞ for every K.
   */
  u(r1: number, r2: number, K: number): number {
    const Ke = this.effectiveOrder(K);
    this.ensureOrder(Ke);
    const { c1, c2, cosine: m } = this;
    let sum = 0;
    for (const t of this.tau) {
      this.activation.hermite(t * r1, Ke, c1);
      this.activation.hermite(t * r2, Ke, c2);
      for (let k = 0; k <= Ke; k += 2) sum += m[k] * c1[k] * c2[k];
    }
    return 0.5 * sum;
  }

  /**
   * U(w1, w2) for |w_i| = r_i at cosine s, by direct quadrature: (1/2) Σ_± B(τ± r1, τ± r2; s)
   * (./README.md §5.2; reduced-models/pair-quadrature.ts, offsets b = 0).
   */
  pairDirect(r1: number, r2: number, s: number): number {
    const [tp, tm] = this.tau;
    return 0.5 * (this.pair.expectation(tp * r1, 0, tp * r2, 0, s) + this.pair.expectation(tm * r1, 0, tm * r2, 0, s));
  }

  /**
   * u_d(r1, r2) by direct quadrature, independent of the Mehler series (./README.md §5.2):
   * Gauss–Jacobi in the cosine s (α = β = (d−3)/2, weights normalised to sum 1, `cosineNodes` = 80)
   * of (1/2) Σ_± B(τ± r1, τ± r2; s). At d = ∞ the cosine is 0 a.s.: (1/2) Σ_± B(·, ·; 0).
   */
  uDirect(r1: number, r2: number, options: { cosineNodes?: number; nodesPerPanel?: number } = {}): number {
    const { cosineNodes = COSINE_NODES, nodesPerPanel = PANEL_NODES } = options;
    if (this.d === 'inf') return this.pairDirect(r1, r2, 0);
    const alpha = (this.d - 3) / 2;
    let rule: QuadratureRule;
    if (cosineNodes === COSINE_NODES) {
      this.cosineRule ??= gaussJacobi(COSINE_NODES, alpha, alpha, true);
      rule = this.cosineRule;
    } else {
      rule = gaussJacobi(cosineNodes, alpha, alpha, true);
    }
    const biv = nodesPerPanel === PANEL_NODES ? this.pair : new PairQuadrature(this.activation, nodesPerPanel);
    const [tp, tm] = this.tau;
    let sum = 0;
    for (let i = 0; i < rule.nodes.length; i++) {
      const s = rule.nodes[i];
      sum += rule.weights[i] * (biv.expectation(tp * r1, 0, tp * r2, 0, s) + biv.expectation(tm * r1, 0, tm * r2, 0, s));
    }
    return 0.5 * sum;
  }

  /** Truncation bounds for K = 0, 2, …, MAX_TRUNCATION_ORDER on (0, rMax]² (cached per rMax; see kernel.ts). */
  private boundTable(rMax: number): Float64Array {
    if (!(rMax > 0 && rMax < Infinity)) throw new RangeError(`isotropic-gaussians: rMax must be a finite number > 0 (got ${rMax})`);
    let table = this.bounds.get(rMax);
    if (!table) {
      table = truncationBounds(this.activation, this.tau, this.d, rMax);
      this.bounds.set(rMax, table);
    }
    return table;
  }

  /**
   * Rigorous bound on sup_{(0, rMax]²} |u_d − u_d^{(K)}| for even K ≤ MAX_TRUNCATION_ORDER
   * (weighted Cauchy–Schwarz + Parseval; kernel.ts `truncationBounds`). 0 at d = ∞.
   */
  truncationBound(K: number, rMax: number): number {
    if (!(Number.isInteger(K) && K >= 0 && K % 2 === 0 && K <= MAX_TRUNCATION_ORDER)) {
      throw new RangeError(`isotropic-gaussians: K must be an even integer in [0, ${MAX_TRUNCATION_ORDER}] (got ${K})`);
    }
    return this.boundTable(rMax)[K / 2];
  }

  /**
   * Smallest even K whose rigorous truncation bound for u_d over (0, rMax]² is ≤ tolerance
   * (0 at d = ∞). Throws if no K ≤ MAX_TRUNCATION_ORDER reaches it (e.g. d = 10 at 1e-10, where the
   * tail is algebraic; ./README.md §5.1).
   */
  truncationOrder(tolerance: number, rMax: number): number {
    if (!(tolerance > 0 && tolerance < Infinity)) throw new RangeError(`isotropic-gaussians: tolerance must be a finite number > 0 (got ${tolerance})`);
    const table = this.boundTable(rMax);
    for (let i = 0; i < table.length; i++) if (table[i] <= tolerance) return 2 * i;
    const last = table[table.length - 1];
    // beyond the largest tolerance a spec may ask for, no tolerance helps: σ itself is too large for the series
    if (last > LARGEST_KERNEL_TOLERANCE) {
      throw new ConfigError(
        'model.activation',
        `is too large for the kernel's Mehler series on (0, ${rMax}]² at d = ${this.d}: its truncation bound at K = ${MAX_TRUNCATION_ORDER} is ${last.toExponential(2)}, ` +
          `above the largest solver.kernelTolerance (${LARGEST_KERNEL_TOLERANCE}); use a σ of moderate size and growth, a smaller rMax or a larger d`,
      );
    }
    throw new ConfigError(
      'solver.kernelTolerance', // the tolerance is the spec's (its range alone cannot promise an order exists)
      `isotropic-gaussians: no truncation order K <= ${MAX_TRUNCATION_ORDER} meets tolerance ${tolerance} on (0, ${rMax}]² at d = ${this.d} ` +
        `(bound at K = ${MAX_TRUNCATION_ORDER}: ${last.toExponential(2)}); use a larger tolerance, a smaller rMax or a larger d`,
    );
  }

  /** Number of features F = 2 (K/2 + 1) (2 at d = ∞). */
  featureCount(K: number): number {
    const Ke = this.effectiveOrder(K);
    if (Ke % 2 !== 0) throw new RangeError(`isotropic-gaussians: the feature order K must be even (got ${K})`);
    return 2 * (Ke / 2 + 1);
  }

  /**
   * Features Φ_(±,k)(r_j) = √(m_k(d)/2) c_k(τ± r_j), k even ≤ K, so that u_d^{(K)}(r, r') = Σ_f Φ_f(r) Φ_f(r')
   * (./README.md §2.3), and optionally their r-derivatives √(m_k/2) τ± c_k'(τ± r_j).
   * Layout: feature-major, out[f · n + j] with f = class · (K/2 + 1) + k/2 (class 0 = +, 1 = −),
   * the layout of SeparableInteraction. Allocates `out` if not given.
   */
  features(r: Float64Array, K: number, out?: Float64Array, dOut?: Float64Array): Float64Array {
    const F = this.featureCount(K);
    const Ke = this.effectiveOrder(K);
    const n = r.length;
    const phi = out ?? new Float64Array(F * n);
    if (phi.length < F * n || (dOut && dOut.length < F * n)) throw new RangeError(`isotropic-gaussians: feature arrays need ${F}·${n} entries`);
    this.ensureOrder(Ke);
    const { c1: c, dc, cosine: m } = this;
    const perClass = Ke / 2 + 1;
    for (let cls = 0; cls < 2; cls++) {
      const t = this.tau[cls];
      for (let j = 0; j < n; j++) {
        this.activation.hermite(t * r[j], Ke, c, dOut ? dc : undefined);
        for (let k = 0; k <= Ke; k += 2) {
          const f = cls * perClass + k / 2;
          const scale = Math.sqrt(0.5 * m[k]);
          phi[f * n + j] = scale * c[k];
          if (dOut) dOut[f * n + j] = scale * t * dc[k];
        }
      }
    }
    return phi;
  }

  /**
   * Velocity field of the reduced dynamics: out_j = ψ'(r_j) = v'(r_j) + Σ_f Φ_f'(r_j) A_f, where
   * A_f = ∫ Φ_f dρ̄ are the feature moments (e.g. SeparableInteraction.featureMoments, or Σ_i w_i Φ_f(r_i)
   * for weighted radial particles) of order K. No allocation. (./README.md §3.)
   */
  psiPrime(r: Float64Array, K: number, moments: Float64Array, out: Float64Array): void {
    const F = this.featureCount(K);
    if (moments.length < F) throw new RangeError(`isotropic-gaussians: psiPrime needs ${F} feature moments (got ${moments.length})`);
    const Ke = this.effectiveOrder(K);
    this.ensureOrder(Ke);
    const { c1: c, dc, cosine: m } = this;
    const perClass = Ke / 2 + 1;
    for (let j = 0; j < r.length; j++) {
      let sum = 0;
      for (let cls = 0; cls < 2; cls++) {
        const t = this.tau[cls];
        this.activation.hermite(t * r[j], Ke, c, dc);
        sum += (cls === 0 ? -0.5 : 0.5) * t * dc[0]; // v'
        for (let k = 0; k <= Ke; k += 2) sum += moments[cls * perClass + k / 2] * Math.sqrt(0.5 * m[k]) * t * dc[k];
      }
      out[j] = sum;
    }
  }

  /**
   * Radial proxy of the finite-N risk (./README.md §6.3): R_N with U(w_i, w_j) replaced by its
   * angular average u_d^{(K)}(r_i, r_j) for i ≠ j (exact in expectation for i.i.d. uniform directions):
   *   1 + (2/N) Σ v(r_i) + (1/N²) [ Σ_{i≠j} u_d^{(K)}(r_i, r_j) + Σ_i u_diag(r_i) ].
   */
  radialProxyRisk(radii: Float64Array, K: number): number {
    const n = radii.length;
    const F = this.featureCount(K);
    const phi = this.features(radii, K);
    let all = 0;
    let self = 0;
    for (let f = 0; f < F; f++) {
      let a = 0;
      for (let j = 0; j < n; j++) {
        const x = phi[f * n + j];
        a += x;
        self += x * x;
      }
      all += a * a;
    }
    let sumV = 0;
    let sumDiag = 0;
    for (let j = 0; j < n; j++) {
      sumV += this.v(radii[j]);
      sumDiag += this.uDiag(radii[j]);
    }
    return 1 + (2 / n) * sumV + (all - self + sumDiag) / (n * n);
  }

  /**
   * Potential v and the separable kernel at the cell centres of a 1-axis grid "r" on [lo, hi], lo ≥ 0.
   * K = truncationOrder(tolerance, hi), so |u_d − u_d^{(K)}| ≤ tolerance on every pair of centres.
   */
  gridOperators(grid: Grid, options: { tolerance?: number } = {}): GridOperators {
    const { tolerance = 1e-10 } = options;
    if (grid.ndim !== 1 || grid.axes[0].name !== 'r') {
      throw new RangeError(`isotropic-gaussians: needs a 1-axis grid named "r" (got axes ${grid.axes.map((a) => a.name).join(', ')})`);
    }
    const { lo, hi } = grid.axes[0];
    if (lo < 0) throw new RangeError(`isotropic-gaussians: the r axis must start at lo >= 0 (got ${lo})`);
    const K = this.truncationOrder(tolerance, hi);
    const centres = grid.centres[0];
    const potential = new Float64Array(centres.length);
    for (let j = 0; j < centres.length; j++) potential[j] = this.v(centres[j]);
    const F = this.featureCount(K);
    const description =
      `isotropic-gaussians separable rank ${F} (K=${K}, d=${this.d}, Δ=${this.delta}; ` +
      `truncation bound ${this.truncationBound(K, hi).toExponential(2)} <= tolerance ${tolerance} on (0, ${hi}]²)`;
    const interaction = new SeparableInteraction(this.features(centres, K), centres.length, undefined, description);
    return { grid, potential, interaction, riskConstant: this.riskConstant };
  }

  /** The finite-width model (data in R^d, units σ(<w, x>)); d must be finite. */
  particleModel(): IsotropicGaussiansParticles {
    return new IsotropicGaussiansParticles(this);
  }
}
