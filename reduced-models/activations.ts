/**
 * Activations σ with the Gaussian expectations every reduced model needs.
 *
 * Conventions (./README.md §1): G, Z standard normals, φ/Φ/Φ̄ the normal pdf/cdf/upper tail,
 * h_k = He_k/√k! the orthonormal Hermite polynomials, and for q ≥ 0
 *   c_k(q) = E[σ(qG) h_k(G)]   (Hermite coefficients of x ↦ σ(qx)),   dc_k/dq = E[σ'(qG) G h_k(G)],
 * so that Mehler's formula gives E[σ(q1 G1) σ(q2 G2)] = Σ_k c_k(q1) c_k(q2) s^k for corr(G1, G2) = s.
 *
 * Two families:
 *  - piecewise linear (MMN's running example and its Fig. 4 non-monotone variant, ReLU-like forms):
 *    every expectation in closed form (./README.md §2);
 *  - any formula in t (restricted mathjs, src/numerics/expression.ts): expectations by composite Gauss–Legendre quadrature split at the
 *    declared kinks (src/numerics/hermite.ts `hermiteCoefficients`).
 */
import { ConfigError } from '../src/errors.ts';
import { asObject, checkNumber, field, noExtraKeys, num, numArray, str, type JsonObject } from '../src/io/validate.ts';
import { checkContinuous, checkOnDomain, compileFormula, type Formula } from '../src/numerics/expression.ts';
import { hermiteCoefficients, hermitePhiSeries } from '../src/numerics/hermite.ts';
import { gaussLegendre } from '../src/numerics/quadrature.ts';
import { normalPdf, normalSf } from '../src/numerics/special.ts';
import type { Activation, PiecewiseLinearShape } from '../src/types.ts';

/** JSON form of an activation (the `activation` entry of a model config). */
export type ActivationSpec =
  | { kind: 'piecewise-linear'; knots: number[]; values: number[]; leftSlope?: number; rightSlope?: number }
  | { kind: 'mmn'; t1?: number; t2?: number; s1?: number; s2?: number }
  | { kind: 'expression'; expr: string; kinks?: number[] };

/** An activation together with its Gaussian expectations (all for scale q ≥ 0). */
export interface GaussianActivation extends Activation {
  /** Points where σ is not smooth (sorted); quadratures split there. σ is continuous everywhere. */
  readonly kinks: readonly number[];
  /** Largest K for which `hermite` is accurate to ~1e-13 (∞ for closed forms). */
  readonly maxHermiteOrder: number;
  /**
   * c[k] = c_k(q) = E[σ(qG) h_k(G)] for k = 0..K and, if `dc` is given, dc[k] = dc_k/dq
   * (./README.md §1–2). At q = 0 the values are the limits q → 0+.
   */
  hermite(q: number, K: number, c: Float64Array, dc?: Float64Array): void;
  /**
   * Throws a ConfigError naming the field if σ is not a finite real number somewhere on [−halfWidth,
   * halfWidth] (a formula; closed forms need no check): a model calls it once it knows the largest scale q.
   */
  checkArguments?(halfWidth: number): void;
  /** E σ(qG)² (= Σ_k c_k(q)², Parseval), never from the series. */
  secondMoment(q: number): number;
  /** S(μ, c) = E σ(μ + cZ) for c ≥ 0 (the inner expectation of the pair quadrature, ./README.md §4). */
  gaussianMean(mu: number, c: number): number;
  toJSON(): ActivationSpec;
}

const PHI0 = 0.3989422804014327; // φ(0) = 1/√(2π)
/** φ vanishes (underflows) beyond this |x|, and so does every h_k(x) φ(x). */
const PHI_UNDERFLOW = 38.7;

/** φ(x), with the limit 0 at x = ±∞. */
function pdf(x: number): number {
  return Number.isFinite(x) ? normalPdf(x) : 0;
}

/** x φ(x), with the limit 0 at x = ±∞. */
function xPhi(x: number): number {
  return Number.isFinite(x) ? x * normalPdf(x) : 0;
}

/**
 * Φ(x) − 1/2 without cancellation near 0: Taylor series φ(0) Σ_n (−1)^n x^{2n+1} / (2^n n! (2n+1))
 * for |x| ≤ 1/2 (terms fall by x²/2 per step; 12 terms reach 1e-17), tails beyond.
 */
function centralNormal(x: number): number {
  const ax = Math.abs(x);
  if (ax > 0.5) return Math.sign(x) * (0.5 - normalSf(ax));
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 14; n++) {
    term *= -x2 / (2 * n);
    sum += term / (2 * n + 1);
  }
  return PHI0 * sum;
}

/** a = t/q, with its q → 0+ limit (±∞, or 0 for a knot at t = 0) at q = 0. */
function knotRatio(t: number, q: number): number {
  if (q > 0) return t / q;
  return t === 0 ? 0 : t > 0 ? Infinity : -Infinity;
}

/** P(a < G < b) for a ≤ b (±∞ allowed), formed from the smaller tails so that no digits cancel. */
function normalInterval(a: number, b: number): number {
  if (a >= 0) return normalSf(a) - normalSf(b);
  if (b <= 0) return normalSf(-b) - normalSf(-a);
  return 1 - normalSf(-a) - normalSf(b);
}

/** Reference rule for the narrow pieces of PiecewiseLinearActivation.secondMoment. */
const NARROW_RULE = gaussLegendre(16);

/** Grow-only scratch buffer (allocates only when a larger order than ever before is requested). */
class Scratch {
  buf = new Float64Array(0);
  get(n: number): Float64Array {
    if (this.buf.length < n) this.buf = new Float64Array(Math.max(n, 2 * this.buf.length));
    return this.buf;
  }
}

/** 1/√(k(k−1)) and √k tables, grown on demand. */
class HermiteTables {
  invSqrtKK = new Float64Array(0);
  sqrtK = new Float64Array(0);
  ensure(K: number): void {
    if (this.sqrtK.length > K) return;
    const n = Math.max(K + 1, 2 * this.sqrtK.length);
    this.sqrtK = new Float64Array(n);
    this.invSqrtKK = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      this.sqrtK[k] = Math.sqrt(k);
      this.invSqrtKK[k] = k >= 2 ? 1 / Math.sqrt(k * (k - 1)) : 0;
    }
  }
}

function checkScale(q: number): void {
  if (!(q >= 0 && q < Infinity)) throw new RangeError(`activation: the scale q must be a finite number >= 0 (got ${q})`);
}

// ─────────────────────────────────────────────────────────────────────────────────────────────
// Piecewise linear σ

export interface PiecewiseLinearOptions {
  /** Knot positions t_0 < t_1 < … (at least 2, or at least 1 when an end slope is non-zero). */
  knots: readonly number[];
  /** σ(t_i). */
  values: readonly number[];
  /** Slope of σ left of the first knot (default 0: σ constant = values[0]). */
  leftSlope?: number;
  /** Slope of σ right of the last knot (default 0: σ constant = values[last]). */
  rightSlope?: number;
}

/**
 * Values and slopes of a piecewise-linear σ: the kernel's truncation tolerance (solver.kernelTolerance) is
 * absolute on u = E σσ ~ |σ|², so at |σ| ~ 1e6 (u ~ 1e12) the default 1e-10 already asks for a relative
 * accuracy of 1e-22, below round-off. A larger σ is a mistake of units, refused here rather than as a
 * tolerance no truncation order meets.
 */
const SIGMA_RANGE = { min: -1e6, max: 1e6 } as const;

/**
 * σ linear between knots t_0 < … < t_{n−1}, with slopes ℓ (left) and ϱ (right) outside. Written as
 *   σ(t) = A + ℓ t + Σ_i Δm_i (t − t_i)_+,   Δm_i = (slope right of t_i) − (slope left of t_i),
 * every Gaussian expectation is a sum of one-kink terms (./README.md §2; for MMN's σ the sum is
 * m[(t−t1)_+ − (t−t2)_+]; a_i = t_i/q):
 *   c_0 = A + Σ Δm_i Ramp(q, t_i),          Ramp(q,t) = E(qG − t)_+ = q φ(a) − t Φ̄(a)
 *   c_1 = ℓ q + q Σ Δm_i Φ̄(a_i)
 *   c_k = q Σ Δm_i h_{k−2}(a_i) φ(a_i) / √(k(k−1)),                                k ≥ 2
 *   c_0' = Σ Δm_i φ(a_i),   c_1' = ℓ + Σ Δm_i [Φ̄(a_i) + a_i φ(a_i)]
 *   c_k' = Σ Δm_i [h_{k−2}(a_i) + a_i √(k−1) h_{k−1}(a_i)] φ(a_i) / √(k(k−1)),       k ≥ 2
 * (from f_q'' = q Σ Δm_i δ(x − a_i) and E δ^{(j)}(G − a) = He_j(a) φ(a)). The products h_j φ come
 * from `hermitePhiSeries`, never from h_j alone (a_i is huge at small q). c_0, c_1 and their
 * derivatives are rearranged to stay exact as q → ∞; for k ≥ 2 the absolute round-off is
 * ≲ ε q Σ|Δm_i| (1e-14 at q = 20).
 */
export class PiecewiseLinearActivation implements GaussianActivation {
  readonly kinks: readonly number[];
  readonly maxHermiteOrder = Infinity;
  readonly values: readonly number[];
  readonly leftSlope: number;
  readonly rightSlope: number;
  /** The shape as plain data: lets the particle engine evaluate σ, σ' inside its compiled kernel. */
  readonly piecewiseLinear: PiecewiseLinearShape;
  /** Δm_i, slope jump at knot i. */
  private readonly jumps: Float64Array;
  private readonly knotArr: Float64Array;
  /** σ = alpha[j] + slope[j] t on piece j = (t_{j−1}, t_j], t_{−1} = −∞, t_n = +∞. */
  private readonly pieceAlpha: Float64Array;
  private readonly pieceSlope: Float64Array;
  private readonly intercept: number;
  private readonly series = new Scratch();
  private readonly tables = new HermiteTables();

  constructor(options: PiecewiseLinearOptions, path = '') {
    const { knots, values } = options;
    const leftSlope = options.leftSlope ?? 0;
    const rightSlope = options.rightSlope ?? 0;
    checkNumber(leftSlope, field(path, 'leftSlope'), SIGMA_RANGE);
    checkNumber(rightSlope, field(path, 'rightSlope'), SIGMA_RANGE);
    const minKnots = leftSlope !== 0 || rightSlope !== 0 ? 1 : 2;
    if (!Array.isArray(knots) || knots.length < minKnots) {
      throw new ConfigError(field(path, 'knots'), `must be an array of at least ${minKnots} strictly increasing numbers (got ${JSON.stringify(knots)})`);
    }
    knots.forEach((t, i) => checkNumber(t, `${field(path, 'knots')}[${i}]`));
    for (let i = 1; i < knots.length; i++) {
      if (!(knots[i] > knots[i - 1])) {
        throw new ConfigError(`${field(path, 'knots')}[${i}]`, `must be > knots[${i - 1}] = ${knots[i - 1]}: knots strictly increasing (got ${knots[i]})`);
      }
    }
    if (!Array.isArray(values) || values.length !== knots.length) {
      throw new ConfigError(field(path, 'values'), `must be an array with one number per entry of knots (${knots.length}) (got ${JSON.stringify(values)})`);
    }
    values.forEach((v, i) => checkNumber(v, `${field(path, 'values')}[${i}]`, SIGMA_RANGE));

    const n = knots.length;
    this.kinks = Object.freeze([...knots]);
    this.values = Object.freeze([...values]);
    this.leftSlope = leftSlope;
    this.rightSlope = rightSlope;
    this.piecewiseLinear = { knots: this.kinks, values: this.values, leftSlope, rightSlope };
    this.knotArr = Float64Array.from(knots);
    this.pieceSlope = new Float64Array(n + 1);
    this.pieceAlpha = new Float64Array(n + 1);
    this.pieceSlope[0] = leftSlope;
    this.pieceAlpha[0] = values[0] - leftSlope * knots[0];
    for (let j = 1; j < n; j++) {
      const m = (values[j] - values[j - 1]) / (knots[j] - knots[j - 1]);
      this.pieceSlope[j] = m;
      this.pieceAlpha[j] = values[j - 1] - m * knots[j - 1];
    }
    this.pieceSlope[n] = rightSlope;
    this.pieceAlpha[n] = values[n - 1] - rightSlope * knots[n - 1];
    this.jumps = new Float64Array(n);
    for (let i = 0; i < n; i++) this.jumps[i] = this.pieceSlope[i + 1] - this.pieceSlope[i];
    this.intercept = this.pieceAlpha[0];
  }

  /** Index of the piece containing t (right-continuous: a knot belongs to the piece on its right). */
  private piece(t: number): number {
    const k = this.knotArr;
    let j = 0;
    while (j < k.length && t >= k[j]) j++;
    return j;
  }

  value(t: number): number {
    const j = this.piece(t);
    return this.pieceAlpha[j] + this.pieceSlope[j] * t;
  }

  /** σ'(t); at a knot, the slope on its right. */
  derivative(t: number): number {
    return this.pieceSlope[this.piece(t)];
  }

  hermite(q: number, K: number, c: Float64Array, dc?: Float64Array): void {
    checkScale(q);
    const { knotArr: t, jumps: dm, leftSlope } = this;
    const n = t.length;
    const totalJump = this.rightSlope - leftSlope; // Σ Δm_i, exactly
    this.tables.ensure(K);
    const { invSqrtKK, sqrtK } = this.tables;
    // k = 0, 1, rearranged so that nothing of size q cancels at large q (the q(∞) limit):
    // φ(a) = φ(0)[1 + expm1(−a²/2)] and Φ̄(a) = 1/2 − (Φ(a) − 1/2), with the constant parts
    // summed exactly (Σ Δm_i = ϱ − ℓ).
    const meanSlope = 0.5 * (leftSlope + this.rightSlope);
    let c0 = this.intercept + q * PHI0 * totalJump;
    let c1 = meanSlope;
    let d0 = PHI0 * totalJump;
    let d1 = meanSlope;
    for (let i = 0; i < n; i++) {
      const a = knotRatio(t[i], q);
      const central = centralNormal(a);
      const e = Math.expm1(-0.5 * a * a);
      c0 += dm[i] * (q * PHI0 * e - t[i] * normalSf(a));
      c1 -= dm[i] * central;
      d0 += dm[i] * PHI0 * e;
      d1 += dm[i] * (xPhi(a) - central);
    }
    c[0] = c0;
    if (dc) dc[0] = d0;
    if (K < 1) return;
    c[1] = q * c1;
    if (dc) dc[1] = d1;
    if (K < 2) return;
    c.fill(0, 2, K + 1);
    if (dc) dc.fill(0, 2, K + 1);
    const hphi = this.series.get(K);
    for (let i = 0; i < n; i++) {
      const a = knotRatio(t[i], q);
      if (!(Math.abs(a) < PHI_UNDERFLOW)) continue; // every h_j(a) φ(a) is 0
      hermitePhiSeries(a, K - 1, hphi); // hphi[j] = h_j(a) φ(a), j = 0..K−1
      const w = dm[i];
      const qw = q * w;
      for (let k = 2; k <= K; k++) c[k] += qw * hphi[k - 2] * invSqrtKK[k];
      if (dc) {
        for (let k = 2; k <= K; k++) dc[k] += w * (hphi[k - 2] + a * sqrtK[k - 1] * hphi[k - 1]) * invSqrtKK[k];
      }
    }
  }

  /**
   * E σ(qG)² = Σ_pieces E[(α_j + β_j G)² 1{a_j < G < b_j}], β_j = slope_j q, a_j = t_{j−1}/q,
   * b_j = t_j/q, in closed form (./README.md §2):
   *   α² P + 2αβ M1 + β² M2,   P = Φ(b) − Φ(a), M1 = φ(a) − φ(b), M2 = P + a φ(a) − b φ(b).
   * On a piece narrower than 1 in G (large q) the three terms cancel (β² M2 ~ q² · q⁻³), so there
   * the positive integrand (α + βg)² φ(g) is summed by 16-point Gauss–Legendre instead (the
   * integrand is entire; the rule's error is below 1e-30 relative).
   */
  secondMoment(q: number): number {
    checkScale(q);
    if (q === 0) {
      const s0 = this.value(0);
      return s0 * s0;
    }
    const t = this.knotArr;
    const n = t.length;
    let sum = 0;
    for (let j = 0; j <= n; j++) {
      const a = j === 0 ? -Infinity : t[j - 1] / q;
      const b = j === n ? Infinity : t[j] / q;
      const alpha = this.pieceAlpha[j];
      const beta = this.pieceSlope[j] * q;
      if (b - a <= 1) {
        const half = 0.5 * (b - a);
        const mid = 0.5 * (b + a);
        const { nodes, weights } = NARROW_RULE;
        for (let i = 0; i < nodes.length; i++) {
          const g = mid + half * nodes[i];
          const f = alpha + beta * g;
          sum += half * weights[i] * f * f * normalPdf(g);
        }
        continue;
      }
      const P = normalInterval(a, b);
      sum += alpha * alpha * P;
      if (beta !== 0) {
        const M1 = pdf(a) - pdf(b);
        const M2 = P + xPhi(a) - xPhi(b);
        sum += 2 * alpha * beta * M1 + beta * beta * M2;
      }
    }
    return sum;
  }

  /** S(μ, c) = A + ℓμ + Σ Δm_i rp(μ − t_i, c),  rp(x, c) = E(x + cZ)_+ = x Φ(x/c) + c φ(x/c). */
  gaussianMean(mu: number, c: number): number {
    const t = this.knotArr;
    let s = this.intercept + this.leftSlope * mu;
    for (let i = 0; i < t.length; i++) {
      const x = mu - t[i];
      const rp = c === 0 ? Math.max(x, 0) : x * normalSf(-x / c) + c * pdf(x / c);
      s += this.jumps[i] * rp;
    }
    return s;
  }

  toJSON(): ActivationSpec {
    const spec: ActivationSpec = { kind: 'piecewise-linear', knots: [...this.kinks], values: [...this.values] };
    if (this.leftSlope !== 0) spec.leftSlope = this.leftSlope;
    if (this.rightSlope !== 0) spec.rightSlope = this.rightSlope;
    return spec;
  }
}

/** A piecewise-linear activation (see PiecewiseLinearActivation). */
export function piecewiseLinearActivation(options: PiecewiseLinearOptions): PiecewiseLinearActivation {
  return new PiecewiseLinearActivation(options);
}

/** MMN's running example: σ = s1 for t ≤ t1, s2 for t ≥ t2, linear between (MMN, "Centered isotropic Gaussians"). */
export const MMN_DEFAULT = { t1: 0.5, t2: 1.5, s1: -2.5, s2: 7.5 } as const;

/** MMN σ with the given (default MMN) parameters. */
export function mmnActivation(p: { t1?: number; t2?: number; s1?: number; s2?: number } = {}): PiecewiseLinearActivation {
  const { t1, t2, s1, s2 } = { ...MMN_DEFAULT, ...p };
  return new PiecewiseLinearActivation({ knots: [t1, t2], values: [s1, s2] });
}

/** MMN Fig. 4 non-monotone σ: −2.5 for t ≤ 0, −4 at 0.5, 7.5 for t ≥ 1.5, linear between. */
export function mmnFig4Activation(): PiecewiseLinearActivation {
  return new PiecewiseLinearActivation({ knots: [0, 0.5, 1.5], values: [-2.5, -4, 7.5] });
}

// ─────────────────────────────────────────────────────────────────────────────────────────────
// Quadrature for E f(G) with f piecewise smooth

/**
 * Composite Gauss–Legendre rule for E f(G) = ∫ f(g) φ(g) dg over [−L, L] (L = 12: the neglected
 * mass is 4e-33 times polynomial growth), in panels of width ≤ 2 further cut at caller-given
 * breakpoints (kinks of f, or centres of sharp transitions). `build` fills `nodes`/`weights`
 * (weights include φ) without allocating.
 */
export class GaussianPanelQuadrature {
  readonly nodes: Float64Array;
  readonly weights: Float64Array;
  /** Number of valid nodes after the last `build`. */
  size = 0;
  private readonly refNodes: Float64Array;
  private readonly refWeights: Float64Array;
  private readonly cuts: Float64Array;
  private readonly baseCuts: number;

  constructor(
    readonly nodesPerPanel = 24,
    readonly maxBreaks = 64,
    readonly halfWidth = 12,
  ) {
    const ref = gaussLegendre(nodesPerPanel);
    this.refNodes = ref.nodes;
    this.refWeights = ref.weights;
    this.baseCuts = Math.ceil(halfWidth) + 1; // −L, −L+2, …, L
    this.cuts = new Float64Array(this.baseCuts + maxBreaks);
    const panels = this.cuts.length - 1;
    this.nodes = new Float64Array(panels * nodesPerPanel);
    this.weights = new Float64Array(panels * nodesPerPanel);
  }

  /** Build the rule for breakpoints breaks[0..count) (any order; those outside (−L, L) are ignored). */
  build(breaks: ArrayLike<number>, count: number): number {
    if (count > this.maxBreaks) throw new RangeError(`GaussianPanelQuadrature: at most ${this.maxBreaks} breakpoints (got ${count})`);
    const L = this.halfWidth;
    const cuts = this.cuts;
    let m = 0;
    for (let i = 0; i < this.baseCuts; i++) cuts[m++] = Math.min(-L + 2 * i, L);
    for (let i = 0; i < count; i++) {
      const x = breaks[i];
      if (!(x > -L && x < L)) continue;
      let j = m++; // insertion into the sorted cuts
      while (j > 0 && cuts[j - 1] > x) {
        cuts[j] = cuts[j - 1];
        j--;
      }
      cuts[j] = x;
    }
    const { refNodes, refWeights, nodes, weights, nodesPerPanel } = this;
    let size = 0;
    for (let p = 0; p + 1 < m; p++) {
      const half = 0.5 * (cuts[p + 1] - cuts[p]);
      if (!(half > 0)) continue;
      const mid = 0.5 * (cuts[p + 1] + cuts[p]);
      for (let i = 0; i < nodesPerPanel; i++) {
        const g = mid + half * refNodes[i];
        nodes[size] = g;
        weights[size] = half * refWeights[i] * normalPdf(g);
        size++;
      }
    }
    this.size = size;
    return size;
  }
}

// ─────────────────────────────────────────────────────────────────────────────────────────────
// σ given as a formula

const EXPRESSION_MAX_ORDER = 60;

/**
 * Where the run evaluates σ: the quadratures evaluate σ(qg) with |g| up to PHI_UNDERFLOW at scales q
 * of order 1 and beyond, so σ must be finite (and real) at least on [−EXPRESSION_DOMAIN, EXPRESSION_DOMAIN].
 * Outside it σ is still checked at every evaluation.
 */
const EXPRESSION_DOMAIN = 40;

/**
 * σ(t) given as a formula in `t` (e.g. "tanh(t)", "max(t, 0)"), compiled once in the restricted
 * mathjs instance (src/numerics/expression.ts) and checked to be finite on [−40, 40].
 * σ must be continuous; non-smooth points must be listed in `kinks` so that every quadrature is
 * split there. σ' comes from mathjs' symbolic `derivative` when it supports the formula (and is
 * finite at the point), else from 4th-order finite differences, one-sided next to a kink.
 * Moments (./README.md §3: by quadrature instead of closed forms):
 *   c_k(q)  = E[σ(qG) h_k(G)]                          — `hermiteCoefficients`, split at kinks/q
 *   dc_k/dq = E[σ'(qG) G h_k(G)] = √(k+1) e_{k+1} + √k e_{k−1},   e_j = E[σ'(qG) h_j(G)]
 *   E σ(qG)² = c_0 of σ²,   E σ(μ + cZ) by `GaussianPanelQuadrature`.
 * Every call evaluates σ a few hundred times (≈1.5 µs each): fine for setup, slow in hot loops.
 */
export class ExpressionActivation implements GaussianActivation {
  readonly expr: string;
  readonly kinks: readonly number[];
  /** 32-node panels of width 2 resolve h_k φ to round-off up to about this order. */
  readonly maxHermiteOrder = EXPRESSION_MAX_ORDER;
  private readonly formula: Formula;
  private readonly dformula: ((t: number) => number | undefined) | undefined;
  private readonly fdStepMax: number;
  private readonly sigmaFn = (t: number): number => this.value(t);
  private readonly sigmaSqFn = (t: number): number => {
    const v = this.value(t);
    return v * v;
  };
  private readonly derivFn = (t: number): number => this.derivative(t);
  private readonly e = new Scratch();
  private readonly tables = new HermiteTables();
  private readonly quad: GaussianPanelQuadrature;
  private readonly breaks: Float64Array;

  constructor(expr: string, options: { kinks?: readonly number[] } = {}, path = '') {
    if (typeof expr !== 'string' || expr.trim() === '') {
      throw new ConfigError(field(path, 'expr'), `must be a non-empty formula in t, e.g. "tanh(t)" (got ${JSON.stringify(expr)})`);
    }
    const kinks = options.kinks ?? [];
    if (!Array.isArray(kinks)) throw new ConfigError(field(path, 'kinks'), `must be an array of strictly increasing numbers (got ${JSON.stringify(kinks)})`);
    kinks.forEach((t, i) => checkNumber(t, `${field(path, 'kinks')}[${i}]`));
    for (let i = 1; i < kinks.length; i++) {
      if (!(kinks[i] > kinks[i - 1])) {
        throw new ConfigError(`${field(path, 'kinks')}[${i}]`, `must be > kinks[${i - 1}] = ${kinks[i - 1]}: kinks strictly increasing (got ${kinks[i]})`);
      }
    }
    this.formula = compileFormula(expr, 't', field(path, 'expr'));
    checkOnDomain(this.formula, -EXPRESSION_DOMAIN, EXPRESSION_DOMAIN, 2001, kinks);
    checkContinuous(this.formula, -EXPRESSION_DOMAIN, EXPRESSION_DOMAIN);
    this.dformula = this.formula.derivative(); // undefined where mathjs cannot differentiate it (e.g. max): finite differences
    this.expr = expr;
    this.kinks = Object.freeze([...kinks]);
    let gap = Infinity;
    for (let i = 1; i < kinks.length; i++) gap = Math.min(gap, kinks[i] - kinks[i - 1]);
    this.fdStepMax = Math.min(1e-3, gap / 8);
    // breakpoints of E σ(μ + cZ): the kinks only
    this.quad = new GaussianPanelQuadrature(24, Math.max(kinks.length, 1));
    this.breaks = new Float64Array(Math.max(kinks.length, 1));
  }

  checkArguments(halfWidth: number): void {
    if (halfWidth > EXPRESSION_DOMAIN) checkOnDomain(this.formula, -halfWidth, halfWidth, 4001, this.kinks);
  }

  /** σ(t); a ConfigError naming the field and t where it is not a finite real number. */
  value(t: number): number {
    return this.formula.value(t);
  }

  derivative(t: number): number {
    return this.dformula?.(t) ?? this.finiteDifference(t);
  }

  /**
   * 4th-order difference with h = min(1e-3 max(1,|t|), gap/8): central (error h⁴σ⁽⁵⁾/30), or
   * one-sided on the far side of a kink closer than 2h (error h⁴σ⁽⁵⁾/5); σ' right of a kink at t.
   */
  private finiteDifference(t: number): number {
    const h = Math.min(1e-3 * Math.max(1, Math.abs(t)), this.fdStepMax);
    let nearest = Infinity;
    for (const k of this.kinks) if (Math.abs(t - k) < Math.abs(t - nearest)) nearest = k;
    if (Math.abs(t - nearest) >= 2 * h) {
      const f = (x: number) => this.value(x);
      return (f(t - 2 * h) - 8 * f(t - h) + 8 * f(t + h) - f(t + 2 * h)) / (12 * h);
    }
    const s = t >= nearest ? h : -h;
    const f0 = this.value(t);
    const f1 = this.value(t + s);
    const f2 = this.value(t + 2 * s);
    const f3 = this.value(t + 3 * s);
    const f4 = this.value(t + 4 * s);
    return (-25 * f0 + 48 * f1 - 36 * f2 + 16 * f3 - 3 * f4) / (12 * s);
  }

  hermite(q: number, K: number, c: Float64Array, dc?: Float64Array): void {
    checkScale(q);
    if (q === 0) {
      c[0] = this.value(0);
      c.fill(0, 1, K + 1);
    } else {
      hermiteCoefficients(this.sigmaFn, q, K, c, { kinks: this.kinks });
    }
    if (!dc) return;
    // e_j = E[σ'(qG) h_j(G)], j = 0..K+1; at q = 0 the limit uses σ'(0±) on the two half-lines.
    const e = this.e.get(K + 2);
    if (q === 0) {
      const kinkAtZero = this.kinks.includes(0);
      const right = kinkAtZero ? this.finiteDifference(0) : this.derivative(0);
      const left = kinkAtZero ? this.finiteDifference(-Number.MIN_VALUE) : right;
      hermiteCoefficients((g) => (g >= 0 ? right : left), 1, K + 1, e, { kinks: [0] });
    } else {
      hermiteCoefficients(this.derivFn, q, K + 1, e, { kinks: this.kinks });
    }
    this.tables.ensure(K + 1);
    const sq = this.tables.sqrtK;
    for (let k = 0; k <= K; k++) dc[k] = sq[k + 1] * e[k + 1] + (k > 0 ? sq[k] * e[k - 1] : 0);
  }

  secondMoment(q: number): number {
    checkScale(q);
    if (q === 0) {
      const v = this.value(0);
      return v * v;
    }
    const out = this.e.get(1);
    hermiteCoefficients(this.sigmaSqFn, q, 0, out, { kinks: this.kinks });
    return out[0];
  }

  gaussianMean(mu: number, c: number): number {
    if (c === 0) return this.value(mu);
    const k = this.kinks;
    for (let i = 0; i < k.length; i++) this.breaks[i] = (k[i] - mu) / c;
    const n = this.quad.build(this.breaks, k.length);
    const { nodes, weights } = this.quad;
    let s = 0;
    for (let i = 0; i < n; i++) s += weights[i] * this.value(mu + c * nodes[i]);
    return s;
  }

  toJSON(): ActivationSpec {
    return { kind: 'expression', expr: this.expr, kinks: [...this.kinks] };
  }
}

/** σ given as a formula in t (see ExpressionActivation). */
export function expressionActivation(expr: string, options: { kinks?: readonly number[] } = {}): ExpressionActivation {
  return new ExpressionActivation(expr, options);
}

const ACTIVATION_KINDS = ['piecewise-linear', 'mmn', 'expression'] as const;

/**
 * Build an activation from its JSON spec; errors are ConfigErrors naming `path.<field>` and the
 * allowed range. Kinds:
 *   { "kind": "piecewise-linear", "knots": [...], "values": [...], "leftSlope"?: 0, "rightSlope"?: 0 }
 *   { "kind": "mmn", "t1": 0.5, "t2": 1.5, "s1": -2.5, "s2": 7.5 }        (every field optional)
 *   { "kind": "expression", "expr": "tanh(t)", "kinks": [] }
 */
export function activationFromSpec(spec: unknown, path = 'activation'): GaussianActivation {
  const o: JsonObject = asObject(spec, path);
  const kind = str(o, 'kind', path, ACTIVATION_KINDS);
  switch (kind) {
    case 'piecewise-linear': {
      noExtraKeys(o, path, ['kind', 'knots', 'values', 'leftSlope', 'rightSlope']);
      const knots = numArray(o, 'knots', path, {}, { increasing: true });
      const values = numArray(o, 'values', path);
      const leftSlope = num(o, 'leftSlope', path, {}, 0);
      const rightSlope = num(o, 'rightSlope', path, {}, 0);
      return new PiecewiseLinearActivation({ knots, values, leftSlope, rightSlope }, path);
    }
    case 'mmn': {
      noExtraKeys(o, path, ['kind', 't1', 't2', 's1', 's2']);
      const t1 = num(o, 't1', path, {}, MMN_DEFAULT.t1);
      const t2 = num(o, 't2', path, {}, MMN_DEFAULT.t2);
      if (!(t2 > t1)) throw new ConfigError(field(path, 't2'), `must be a finite number > t1 = ${t1} (got ${t2})`);
      const s1 = num(o, 's1', path, {}, MMN_DEFAULT.s1);
      const s2 = num(o, 's2', path, {}, MMN_DEFAULT.s2);
      return new PiecewiseLinearActivation({ knots: [t1, t2], values: [s1, s2] }, path);
    }
    case 'expression': {
      noExtraKeys(o, path, ['kind', 'expr', 'kinks']);
      const expr = o.expr;
      if (typeof expr !== 'string') throw new ConfigError(field(path, 'expr'), `must be a formula in t, e.g. "tanh(t)" (got ${JSON.stringify(expr ?? null)})`);
      const kinks = o.kinks === undefined ? [] : numArray(o, 'kinks', path, {}, { minLength: 0, increasing: true });
      return new ExpressionActivation(expr, { kinks }, path);
    }
  }
}

/**
 * A piecewise-linear σ(t) = α + ℓ t + Σ_i Δm_i (t − t_i)_+ as the data its Gaussian and cosine integrals use:
 * σ' = ℓ + Σ_i Δm_i 1{t > t_i} and σ'² = ℓ² + Σ_i (s_{i+1}² − s_i²) 1{t > t_i}, s_0 = ℓ, …, s_n the slopes of the
 * pieces left to right.
 */
export interface SlopeJumps {
  readonly knots: Float64Array;
  /** α = σ(0) of the left piece extended, i.e. σ(t) = α + ℓ t for t ≤ t_0. */
  readonly intercept: number;
  readonly leftSlope: number;
  /** Δm_i = s_{i+1} − s_i. */
  readonly jumps: Float64Array;
  /** s_{i+1}² − s_i². */
  readonly squareJumps: Float64Array;
  /** max_i |s_i|. */
  readonly maxSlope: number;
}

export function slopeJumps(shape: PiecewiseLinearShape): SlopeJumps {
  const n = shape.knots.length;
  const slopes = new Float64Array(n + 1);
  slopes[0] = shape.leftSlope;
  for (let i = 1; i < n; i++) slopes[i] = (shape.values[i] - shape.values[i - 1]) / (shape.knots[i] - shape.knots[i - 1]);
  slopes[n] = shape.rightSlope;
  const jumps = new Float64Array(n);
  const squareJumps = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    jumps[i] = slopes[i + 1] - slopes[i];
    squareJumps[i] = slopes[i + 1] ** 2 - slopes[i] ** 2;
  }
  return {
    knots: Float64Array.from(shape.knots),
    intercept: shape.values[0] - shape.leftSlope * shape.knots[0],
    leftSlope: shape.leftSlope,
    jumps,
    squareJumps,
    maxSlope: Math.max(...Array.from(slopes, Math.abs)),
  };
}
