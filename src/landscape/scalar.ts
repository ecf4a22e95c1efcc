/**
 * One-dimensional tools for the reduced landscape: global minimisation on an interval
 * (uniform scan + Brent refinement) and finite-difference derivatives of smooth model functions.
 */

/** A point and the value there. */
export interface ScalarMin {
  readonly x: number;
  readonly fx: number;
}

const SQRT_EPS = Math.sqrt(Number.EPSILON);
const GOLDEN = (3 - Math.sqrt(5)) / 2;

/**
 * Brent's method (golden section + successive parabolic interpolation; Brent 1973, ch. 5) for a
 * local minimum of f on [a, b]. Stops when the bracket is within 2·(√ε|x| + xTol/3) of the best
 * point, so x is accurate to ~√ε relative (f to ~ε): polish with `newtonPolish` if more is needed.
 */
export function brentMinimize(f: (x: number) => number, a: number, b: number, xTol = 1e-12): ScalarMin {
  let x = a + GOLDEN * (b - a);
  let w = x;
  let v = x;
  let fx = f(x);
  let fw = fx;
  let fv = fx;
  let d = 0;
  let e = 0;
  for (let iter = 0; iter < 500; iter++) {
    const xm = 0.5 * (a + b);
    const tol1 = SQRT_EPS * Math.abs(x) + xTol / 3;
    const tol2 = 2 * tol1;
    if (Math.abs(x - xm) <= tol2 - 0.5 * (b - a)) break;
    let useGolden = true;
    if (Math.abs(e) > tol1) {
      let r = (x - w) * (fx - fv);
      let q = (x - v) * (fx - fw);
      let p = (x - v) * q - (x - w) * r;
      q = 2 * (q - r);
      if (q > 0) p = -p;
      q = Math.abs(q);
      r = e;
      e = d;
      if (Math.abs(p) < Math.abs(0.5 * q * r) && p > q * (a - x) && p < q * (b - x)) {
        d = p / q;
        const u = x + d;
        if (u - a < tol2 || b - u < tol2) d = xm >= x ? tol1 : -tol1;
        useGolden = false;
      }
    }
    if (useGolden) {
      e = x >= xm ? a - x : b - x;
      d = GOLDEN * e;
    }
    const u = Math.abs(d) >= tol1 ? x + d : x + (d >= 0 ? tol1 : -tol1);
    const fu = f(u);
    if (fu <= fx) {
      if (u >= x) a = x;
      else b = x;
      v = w;
      fv = fw;
      w = x;
      fw = fx;
      x = u;
      fx = fu;
    } else {
      if (u < x) a = u;
      else b = u;
      if (fu <= fw || w === x) {
        v = w;
        fv = fw;
        w = u;
        fw = fu;
      } else if (fu <= fv || v === x || v === w) {
        v = u;
        fv = fu;
      }
    }
  }
  return { x, fx };
}

/**
 * Global minimum of f on [lo, hi]: evaluate f at `points` equally spaced nodes (ends included),
 * then refine the `refine` lowest discrete local minima by Brent on their neighbouring nodes.
 * A minimum in a well narrower than the node spacing can be missed: choose `points` for the
 * smallest feature of f.
 */
export function scanMinimize(f: (x: number) => number, lo: number, hi: number, points: number, refine = 3): ScalarMin {
  const h = (hi - lo) / (points - 1);
  const fs = new Float64Array(points);
  for (let i = 0; i < points; i++) fs[i] = f(i === points - 1 ? hi : lo + i * h);
  const candidates: number[] = [];
  for (let i = 0; i < points; i++) {
    const left = i === 0 ? Infinity : fs[i - 1];
    const right = i === points - 1 ? Infinity : fs[i + 1];
    if (fs[i] <= left && fs[i] <= right) candidates.push(i);
  }
  candidates.sort((i, k) => fs[i] - fs[k]);
  let best: ScalarMin = { x: lo + candidates[0] * h, fx: fs[candidates[0]] };
  for (const i of candidates.slice(0, refine)) {
    const a = Math.max(lo, lo + (i - 1) * h);
    const b = Math.min(hi, lo + (i + 1) * h);
    const m = brentMinimize(f, a, b);
    if (m.fx < best.fx) best = m;
    if (fs[i] < best.fx) best = { x: i === points - 1 ? hi : lo + i * h, fx: fs[i] };
  }
  return best;
}

/** First and second derivatives at one point. */
export interface Derivatives {
  readonly first: number;
  readonly second: number;
}

/**
 * f'(x), f''(x) by five-point stencils with step h = 1e-3·max(1, |x|): central (errors O(h⁴)),
 * or forward (O(h⁴) and O(h³)) when x − 2h < lo, for functions defined only on [lo, ∞).
 * For the smooth model functions here the error is ~1e-10 (truncation) + ~1e-13·|f|/h² (rounding).
 */
export function derivatives(f: (x: number) => number, x: number, lo = -Infinity): Derivatives {
  const h = 1e-3 * Math.max(1, Math.abs(x));
  if (x - 2 * h >= lo) {
    const fm2 = f(x - 2 * h);
    const fm1 = f(x - h);
    const f0 = f(x);
    const fp1 = f(x + h);
    const fp2 = f(x + 2 * h);
    return {
      first: (fm2 - 8 * fm1 + 8 * fp1 - fp2) / (12 * h),
      second: (-fm2 + 16 * fm1 - 30 * f0 + 16 * fp1 - fp2) / (12 * h * h),
    };
  }
  const f0 = f(x);
  const f1 = f(x + h);
  const f2 = f(x + 2 * h);
  const f3 = f(x + 3 * h);
  const f4 = f(x + 4 * h);
  return {
    first: (-25 * f0 + 48 * f1 - 36 * f2 + 16 * f3 - 3 * f4) / (12 * h),
    second: (35 * f0 - 104 * f1 + 114 * f2 - 56 * f3 + 11 * f4) / (12 * h * h),
  };
}
