/**
 * The line's periodised Gaussian kernel (reduced-models/charged-units/line-fourier.ts): the rigorous
 * bound on |k − k_{P,m}| and |k' − k'_{P,m}| holds over the span and is tight, the order is the smallest
 * meeting the tolerance, and the O(n·m) field of GaussianLine equals the exact O(n²) pair sum within it,
 * also after the units spread beyond the window of an earlier evaluation.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/rng.ts';
import {
  ChargedParticles,
  GAUSSIAN_EXAMPLE_INIT,
  GaussianLine,
  LINE_KERNEL_TOLERANCE,
  PeriodisedGaussianKernel,
} from '../../reduced-models/charged-units/index.ts';

const line = new GaussianLine();
const k0 = line.kernel(0);

/** max |k − k_{P,m}| and |k' − k'_{P,m}| over 4001 points of [−D, D]. */
function measured(kernel: PeriodisedGaussianKernel, D: number): { value: number; derivative: number } {
  let value = 0;
  let derivative = 0;
  for (let i = 0; i <= 4000; i++) {
    const d = -D + (2 * D * i) / 4000;
    value = Math.max(value, Math.abs(kernel.value(d) - line.kernel(d)));
    derivative = Math.max(derivative, Math.abs(kernel.derivative(d) - line.kernelDerivative(d)));
  }
  return { value, derivative };
}

describe('periodised Gaussian kernel', () => {
  it.each([
    [1e-4, 2], [1e-6, 8], [1e-9, 20], [1e-6, 40],
  ])('tolerance %s·k(0), span %s: the bound holds, is within 5 percent of the error, and m is the smallest order meeting it', (tol, D) => {
    const m = PeriodisedGaussianKernel.orderFor(line.unitVariance, D, tol * k0);
    for (const order of [m - 1, m]) {
      const kernel = line.periodisedKernel(order);
      const bound = kernel.bound(D);
      const error = measured(kernel, D);
      // + 1e-15: the round-off of evaluating k and the series (k(0) = 0.4)
      expect(error.value).toBeLessThanOrEqual(bound.value + 1e-15);
      expect(error.derivative).toBeLessThanOrEqual(bound.derivative + 1e-15);
      expect(bound.value).toBeLessThan(1.05 * error.value);
      expect(bound.derivative).toBeLessThan(1.05 * error.derivative);
    }
    expect(Math.max(...Object.values(line.periodisedKernel(m).bound(D)))).toBeLessThanOrEqual(tol * k0);
    expect(Math.max(...Object.values(line.periodisedKernel(m - 1).bound(D)))).toBeGreaterThan(tol * k0);
  });

  it('the period grows with the order and a span it cannot cover has an infinite bound', () => {
    const a = line.periodisedKernel(10);
    const b = line.periodisedKernel(20);
    expect(b.period).toBeGreaterThan(a.period);
    expect(a.bound(a.period).value).toBe(Infinity);
    expect(a.coefficients[0]).toBeCloseTo(1 / a.period, 15);
  });

  it('at the particles\' tolerance (1e-13·k(0)) the series equals k and k′ to the bound plus round-off', () => {
    for (const D of [0, 4, 16, 50]) {
      const kernel = line.kernelForSpan(D);
      const bound = kernel.bound(D);
      expect(Math.max(bound.value, bound.derivative)).toBeLessThanOrEqual(LINE_KERNEL_TOLERANCE * k0);
      const error = measured(kernel, D);
      expect(error.value).toBeLessThanOrEqual(bound.value + 4e-15);
      expect(error.derivative).toBeLessThanOrEqual(bound.derivative + 4e-15);
    }
  });
});

describe('GaussianLine field through the charge moments vs the exact pair sum', () => {
  /** |U − U_pairs| ≤ Σ_j w_j |c_j| · bound (+ round-off), the loss within ½ (Σ w|c|)² · bound. */
  function agree(y: Float64Array, c: Float64Array, w: Float64Array): void {
    const n = y.length;
    const [u, du, u2, du2] = [0, 0, 0, 0].map(() => new Float64Array(n));
    const L = line.field(y, c, w, n, u, du);
    const L2 = line.fieldByPairs(y, c, w, n, u2, du2);
    let q = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      q += w[i] * Math.abs(c[i]);
      lo = Math.min(lo, y[i]);
      hi = Math.max(hi, y[i]);
    }
    const bound = line.kernelForSpan(hi - lo).bound(hi - lo);
    for (let i = 0; i < n; i++) {
      expect(Math.abs(u[i] - u2[i])).toBeLessThanOrEqual(q * bound.value + 1e-14);
      expect(Math.abs(du[i] - du2[i])).toBeLessThanOrEqual(q * bound.derivative + 1e-14);
    }
    expect(Math.abs(L - L2)).toBeLessThanOrEqual((q * q * bound.value) / 2 + 1e-14);
    expect(Math.abs(line.loss(y, c, w, n) - line.lossByPairs(y, c, w, n))).toBeLessThanOrEqual((q * q * bound.value) / 2 + 1e-14);
  }

  it('n = 2000 units of ρ0, and the same units spread over [−30, 30] (a wider window, chosen again)', () => {
    const p = ChargedParticles.sample(line, GAUSSIAN_EXAMPLE_INIT, 2000, new Rng(5));
    agree(p.y, p.c, p.w);
    const order = line.kernelForSpan(4).order;
    const wide = Float64Array.from(p.y, (y) => 7.5 * y);
    agree(wide, p.c, p.w);
    expect(line.kernelForSpan(60).order).toBeGreaterThan(order);
  });

  it('the result depends on the configuration only: the same units give the same bits before and after a wide one', () => {
    const p = ChargedParticles.sample(line, GAUSSIAN_EXAMPLE_INIT, 300, new Rng(6));
    const first = p.run({ dt: 0.01, steps: 50 }).loss;
    const q = ChargedParticles.sample(line, GAUSSIAN_EXAMPLE_INIT, 300, new Rng(6));
    const far = new ChargedParticles(line, Float64Array.from(q.y, (y) => 20 * y), q.c);
    far.evaluate();
    expect(q.run({ dt: 0.01, steps: 50 }).loss).toEqual(first);
  });

  it('GD along the example (n = 400, Euler to t = 5) matches the pair-sum reference run', () => {
    const start = ChargedParticles.sample(line, GAUSSIAN_EXAMPLE_INIT, 400, new Rng(7));
    const fast = new ChargedParticles(line, start.y, start.c).run({ dt: 0.01, steps: 500, recordEvery: 100 });
    // the reference: the same Euler steps with the pair sums
    const n = 400;
    const y = Float64Array.from(start.y);
    const c = Float64Array.from(start.c);
    const w = new Float64Array(n).fill(1 / n);
    const u = new Float64Array(n);
    const du = new Float64Array(n);
    const ref: number[] = [];
    for (let s = 0; s <= 500; s++) {
      const L = line.fieldByPairs(y, c, w, n, u, du);
      if (s % 100 === 0) ref.push(L);
      for (let i = 0; i < n; i++) {
        y[i] -= 0.01 * c[i] * du[i];
        c[i] -= 0.01 * u[i];
      }
    }
    fast.loss.forEach((L, k) => expect(Math.abs(L - ref[k])).toBeLessThan(1e-12));
  });
});
