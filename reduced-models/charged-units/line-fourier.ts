/**
 * The line's Gaussian kernel k(δ) = N(δ; 0, 2s²) as a cosine series (README §6): periodised with period
 * P, k_P(δ) = Σ_{l∈Z} k(δ + lP), Poisson summation with k̂(ω) = ∫ k(δ) e^{−iωδ} dδ = e^{−s²ω²} gives
 *     k_P(δ) = Σ_{j≥0} a_j cos(ω_j δ),   ω_j = 2πj/P,   a_0 = 1/P,   a_j = (2/P) e^{−s²ω_j²}   (j ≥ 1),
 * and the kernel of order m keeps j ≤ m. Over |δ| ≤ D (D = the units' span, D < P) the images on the
 * near side sit at distances lP − |δ| ≥ lP − D, those on the far side at lP + |δ| ≥ lP (l ≥ 1), and each
 * squared distance grows by at least P² from one image to the next, so with ρ = e^{−P²/(4s²)}
 *     |k − k_{P,m}| ≤ Σ_{l≠0} k(δ + lP) + Σ_{j>m} a_j ≤ (k(P − D) + k(P))/(1 − ρ) + a_{m+1}/(1 − q),
 * with q = e^{−s²(2π/P)²(2m+3)} ≥ a_{j+1}/a_j for j > m. For k' = −δ/(2s²) k the images' terms
 * g(x) = x k(x)/(2s²) (decreasing for x ≥ √2 s) shrink by at most r = (1 + P/(P − D)) ρ per image and
 * the cosine tail Σ_{j>m} a_j ω_j by q(m+2)/(m+1):
 *     |k' − k'_{P,m}| ≤ (g(P − D) + g(P))/(1 − r) + a_{m+1} ω_{m+1} / (1 − q(m+2)/(m+1))
 * (∞ if a ratio is ≥ 1 or P − D < √2 s). The near image at δ = ±D is the error's own leading term, so
 * the bound is tight (measured ratios in README §6).
 * The family couples the period to the order, P_m = 2π(m+1)s/Λ with Λ = √(ln 1/FLOOR): the first dropped
 * term is then a_{m+1} = (2/P_m)·FLOOR for every m, so the order alone names the kernel and a larger
 * order covers a wider span (P_m − D grows); `orderFor(D, tol)` is the smallest m whose bound meets tol.
 */
import { ConfigError } from '../../src/errors.ts';

/** The relative size of the first dropped cosine term (a_{m+1} = (2/P)·FLOOR): below every tolerance used. */
const FLOOR = 1e-17;
const LAMBDA = Math.sqrt(Math.log(1 / FLOOR));
/** The particles' kernel tolerance, relative to k(0) (README §6). */
export const LINE_KERNEL_TOLERANCE = 1e-13;
const MAX_ORDER = 100_000;

export interface KernelBound {
  /** Bounds on |k − k_{P,m}| and |k' − k'_{P,m}| over |δ| ≤ span. */
  readonly value: number;
  readonly derivative: number;
}

export class PeriodisedGaussianKernel {
  /** m, P = P_m, ω = 2π/P, a_j (j = 0 … m). */
  readonly order: number;
  readonly period: number;
  readonly frequency: number;
  readonly coefficients: Float64Array;

  constructor(readonly unitVariance: number, order: number) {
    if (!(Number.isInteger(order) && order >= 0 && order <= MAX_ORDER)) throw new RangeError(`PeriodisedGaussianKernel: order must be an integer in [0, ${MAX_ORDER}] (got ${order})`);
    this.order = order;
    this.period = periodOfOrder(unitVariance, order);
    this.frequency = (2 * Math.PI) / this.period;
    this.coefficients = Float64Array.from({ length: order + 1 }, (_, j) => coefficient(unitVariance, this.period, j));
  }

  /** The smallest order whose bound (max of value and derivative) over |δ| ≤ span is finite and ≤ tolerance (absolute). */
  static orderFor(unitVariance: number, span: number, tolerance: number): number {
    const s = Math.sqrt(unitVariance);
    // P_m ≤ span gives an infinite bound: start just below the first order that can cover the span
    let m = Math.max(0, Math.floor((span * LAMBDA) / (2 * Math.PI * s)) - 1);
    for (; m <= MAX_ORDER; m++) {
      boundInto(unitVariance, m, span, scratch);
      const bound = Math.max(scratch[0], scratch[1]);
      if (bound <= tolerance && bound < Infinity) return m;
    }
    throw new ConfigError('model.s2', `the periodised kernel needs an order above ${MAX_ORDER} for span ${span} and tolerance ${tolerance} (s² = ${unitVariance})`);
  }

  /** The rigorous bound over |δ| ≤ span (module comment). */
  bound(span: number): KernelBound {
    return kernelBound(this.unitVariance, this.order, span);
  }

  /** k_{P,m}(δ). */
  value(delta: number): number {
    let s = 0;
    for (let j = 0; j <= this.order; j++) s += this.coefficients[j] * Math.cos(j * this.frequency * delta);
    return s;
  }

  /** k'_{P,m}(δ). */
  derivative(delta: number): number {
    let s = 0;
    for (let j = 1; j <= this.order; j++) s -= j * this.frequency * this.coefficients[j] * Math.sin(j * this.frequency * delta);
    return s;
  }
}

function periodOfOrder(s2: number, m: number): number {
  return (2 * Math.PI * (m + 1) * Math.sqrt(s2)) / LAMBDA;
}

/** k(d) = N(d; 0, 2s²). */
function gaussian(d: number, s2: number): number {
  return Math.exp((-d * d) / (4 * s2)) / Math.sqrt(4 * Math.PI * s2);
}

function coefficient(s2: number, P: number, j: number): number {
  const omega = (2 * Math.PI * j) / P;
  return ((j === 0 ? 1 : 2) / P) * Math.exp(-s2 * omega * omega);
}

/** Bounds on the value [0] and the derivative [1] for the order search (no allocation per evaluation). */
const scratch = new Float64Array(2);

/** The module comment's bound for order m (period P_m) over |δ| ≤ span. */
export function kernelBound(s2: number, m: number, span: number): KernelBound {
  const out = new Float64Array(2);
  boundInto(s2, m, span, out);
  return { value: out[0], derivative: out[1] };
}

/** kernelBound into out[0] (value) and out[1] (derivative). */
function boundInto(s2: number, m: number, span: number, out: Float64Array): void {
  const P = periodOfOrder(s2, m);
  const x = P - span;
  if (!(x >= Math.SQRT2 * Math.sqrt(s2))) {
    out[0] = out[1] = Infinity;
    return;
  }
  const imageRatio = Math.exp((-P * P) / (4 * s2));
  const kx = gaussian(x, s2);
  const kP = gaussian(P, s2);
  const images = (kx + kP) / (1 - imageRatio);
  const r = (1 + P / x) * imageRatio;
  const imagesDerivative = r < 1 ? (x * kx + P * kP) / (2 * s2) / (1 - r) : Infinity;
  const a = coefficient(s2, P, m + 1);
  const omega = (2 * Math.PI * (m + 1)) / P;
  const q = Math.exp(-s2 * ((2 * Math.PI) / P) ** 2 * (2 * m + 3));
  const qd = (q * (m + 2)) / (m + 1);
  out[0] = images + a / (1 - q);
  out[1] = imagesDerivative + (qd < 1 ? (a * omega) / (1 - qd) : Infinity);
}
