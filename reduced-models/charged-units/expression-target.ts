/**
 * A circle target given as a mathjs formula in x (e.g. "exp(sin(x))", "abs(sin(x/2))"), turned into the
 * Fourier coefficients that VonMisesCircle takes: F and ½‖f‖² then follow by quadrature of f.
 *
 * The trapezoid rule on S equispaced points (an FFT-free direct sum; S a power of two, default 1024)
 *     α_0 = (1/S) Σ_s f(x_s),   α_k = (2/S) Σ_s f(x_s) cos kx_s,   β_k = (2/S) Σ_s f(x_s) sin kx_s   (1 ≤ k < S/2)
 * is exact for trigonometric polynomials of degree < S/2; for a general f each coefficient carries the
 * aliased modes k ± S, k ± 2S, … (spectrally small for a smooth f). Coefficients below cutoff·max|coef| at
 * the end of the series are dropped. VonMisesCircle then keeps in F only the modes φ can see (ive_k times
 * the coefficient above its tolerance) and every mode in f and ½‖f‖² (Parseval: the trapezoid rule of f²).
 * The formula is compiled in the restricted mathjs instance (src/numerics/expression.ts); a value that is
 * not a finite real number at a quadrature point is a ConfigError naming the field and the x.
 */
import { ConfigError } from '../../src/errors.ts';
import { compileFormula } from '../../src/numerics/expression.ts';

export interface ExpressionTargetOptions {
  /** Quadrature points S (a power of two in [8, 65536]; default 1024). */
  readonly samples?: number;
  /** Relative cut-off of the trailing coefficients (default 1e-14, above the sums' round-off ~S·ε). */
  readonly cutoff?: number;
}

/** Fourier coefficients {cos, sin} of the 2π-periodic target given by `expr` (a formula in x). */
export function circleTargetFromExpression(expr: string, options: ExpressionTargetOptions = {}): { cos: number[]; sin: number[] } {
  const S = options.samples ?? 1024;
  if (!(Number.isInteger(S) && S >= 8 && S <= 65536 && (S & (S - 1)) === 0)) throw new ConfigError('model.target.samples', `must be a power of two in [8, 65536] (got ${S})`);
  const cutoff = options.cutoff ?? 1e-14;
  if (!(cutoff >= 0 && cutoff < 1)) throw new ConfigError('model.target.cutoff', `must be in [0, 1) (got ${cutoff})`);
  const formula = compileFormula(expr, 'x', 'model.target.expr');
  const values = new Float64Array(S);
  for (let s = 0; s < S; s++) values[s] = formula.value((2 * Math.PI * s) / S);
  const half = S / 2;
  const cos = new Array<number>(half).fill(0);
  const sin = new Array<number>(half).fill(0);
  for (let k = 0; k < half; k++) {
    let a = 0;
    let b = 0;
    for (let s = 0; s < S; s++) {
      const angle = (2 * Math.PI * ((k * s) % S)) / S; // exact reduction of k x_s modulo 2π
      a += values[s] * Math.cos(angle);
      b += values[s] * Math.sin(angle);
    }
    cos[k] = ((k === 0 ? 1 : 2) * a) / S;
    sin[k] = k === 0 ? 0 : (2 * b) / S;
  }
  let largest = 0;
  for (let k = 0; k < half; k++) largest = Math.max(largest, Math.abs(cos[k]), Math.abs(sin[k]));
  let last = 0;
  for (let k = 0; k < half; k++) if (Math.max(Math.abs(cos[k]), Math.abs(sin[k])) > cutoff * largest) last = k;
  return { cos: cos.slice(0, last + 1), sin: sin.slice(0, last + 1) };
}
