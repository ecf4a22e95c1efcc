/**
 * Closed forms of the charged-unit model (reduced-models/charged-units: line.ts, circle.ts) against
 * numerical quadrature of their definitions F = ⟨f, φ(·; y)⟩, K = ⟨φ(·; y), φ(·; y')⟩, ½‖f‖², and the
 * kernel sums / exact loss against direct O(n²) sums and the quadrature of ½‖f − f_w‖².
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { compositeGaussLegendre } from '../../src/numerics/quadrature.ts';
import { Rng } from '../../src/rng.ts';
import { besselSquareTails, scaledBesselI } from '../../reduced-models/charged-units/bessel.ts';
import { CIRCLE_EXAMPLE, VonMisesCircle } from '../../reduced-models/charged-units/circle.ts';
import { circleTargetFromExpression } from '../../reduced-models/charged-units/expression-target.ts';
import { GaussianLine } from '../../reduced-models/charged-units/line.ts';
import type { ChargedUnitsModel } from '../../reduced-models/charged-units/model.ts';

/** ∫_R g dx: Gauss–Legendre, 20 nodes on each panel of width 0.5 over [−30, 30] (integrands are Gaussians of width ≥ 0.5). */
const lineRule = compositeGaussLegendre(-30, 30, Array.from({ length: 119 }, (_, i) => -29.5 + 0.5 * i), 20);
const lineIntegral = (g: (x: number) => number) => lineRule.weights.reduce((s, w, i) => s + w * g(lineRule.nodes[i]), 0);
/** ∫ g dx/2π on the circle: the trapezoid rule on 512 points (exact for trigonometric polynomials of degree < 512). */
const circleIntegral = (g: (x: number) => number) => {
  let s = 0;
  for (let m = 0; m < 512; m++) s += g((2 * Math.PI * m) / 512);
  return s / 512;
};

const models: [string, ChargedUnitsModel, (g: (x: number) => number) => number][] = [
  ['line (gaussian example)', new GaussianLine(), lineIntegral],
  ['line (s² = 0.2, two units)', new GaussianLine({ unitVariance: 0.2, target: { charges: [0.7, -1.3], centres: [-0.4, 1.1], variances: [0.3, 2] } }), lineIntegral],
  ['circle (κ = 4 example)', new VonMisesCircle(), circleIntegral],
  ['circle (κ = 11, modes up to 6)', new VonMisesCircle({ kappa: 11, target: { cos: [0.3, 0, -0.5, 0, 0, 0, 0.2], sin: [0, 0.4, 0, 0.1] } }), circleIntegral],
];

describe.each(models)('%s: closed forms equal quadrature of the definitions', (_, model, integral) => {
  const ys = [-3, -0.7, 0, 0.45, 1.3, 2.8];
  it('F and F′', () => {
    for (const y of ys) {
      expect(Math.abs(model.F(y) - integral((x) => model.target(x) * model.unit(x, y))), `F(${y})`).toBeLessThan(1e-13);
      expect(Math.abs(model.dF(y) - integral((x) => model.target(x) * model.unitDerivative(x, y))), `F'(${y})`).toBeLessThan(1e-13);
    }
  });

  it('K(y, y′) = k(y − y′) and ∂_y K = k′(y − y′), at y′ = 0 and y′ = 1.7', () => {
    for (const y2 of [0, 1.7]) {
      for (const y of ys) {
        const d = y - y2;
        expect(Math.abs(model.kernel(d) - integral((x) => model.unit(x, y) * model.unit(x, y2))), `K(${y}, ${y2})`).toBeLessThan(1e-13);
        expect(Math.abs(model.kernelDerivative(d) - integral((x) => model.unitDerivative(x, y) * model.unit(x, y2))), `∂K(${y}, ${y2})`).toBeLessThan(1e-13);
      }
    }
  });

  it('½‖f‖²', () => {
    expect(Math.abs(model.halfTargetNormSquared - integral((x) => model.target(x) ** 2) / 2)).toBeLessThan(1e-13);
  });

  it('field and loss of a weighted configuration equal direct sums and the quadrature of ½‖f − f_w‖²', () => {
    const rng = new Rng(7);
    const n = 37;
    const y = Float64Array.from({ length: n }, () => 4 * rng.uniform() - 2);
    const c = Float64Array.from({ length: n }, () => rng.normal());
    const raw = Float64Array.from({ length: n }, () => 0.5 + rng.uniform());
    const total = raw.reduce((s, v) => s + v, 0);
    const w = raw.map((v) => v / total);
    const u = new Float64Array(n);
    const du = new Float64Array(n);
    const loss = model.field(y, c, w, n, u, du);
    for (let i = 0; i < n; i++) {
      let s = -model.F(y[i]);
      let ds = -model.dF(y[i]);
      for (let j = 0; j < n; j++) {
        s += w[j] * c[j] * model.kernel(y[i] - y[j]);
        ds += w[j] * c[j] * model.kernelDerivative(y[i] - y[j]);
      }
      expect(Math.abs(u[i] - s)).toBeLessThan(1e-14);
      expect(Math.abs(du[i] - ds)).toBeLessThan(1e-14);
    }
    const fw = (x: number) => {
      let s = 0;
      for (let j = 0; j < n; j++) s += w[j] * c[j] * model.unit(x, y[j]);
      return s;
    };
    const quadrature = integral((x) => (model.target(x) - fw(x)) ** 2) / 2;
    expect(Math.abs(loss - quadrature)).toBeLessThan(1e-13);
    expect(Math.abs(model.loss(y, c, w, n) - loss)).toBeLessThan(1e-15);
  });
});

describe('gaussian example (line)', () => {
  it('½‖f‖² = 0.0688683 (the notebook hard-codes 0.206/3 = 0.0686667)', () => {
    expect(new GaussianLine().halfTargetNormSquared).toBeCloseTo(0.06886827007462, 13);
  });
});

describe('circle: Bessel closed forms and the kernel truncation', () => {
  it('k(δ) = e^{−2κ} I_0(2κ cos(δ/2)) (Neumann) and the target is cos x + 0.5 sin 2x + 0.25 cos 3x', () => {
    const model = new VonMisesCircle();
    for (const d of [0, 0.3, 1, 2, Math.PI, 4.4]) {
      const x = 2 * model.kappa * Math.abs(Math.cos(d / 2));
      const closed = scaledBesselI(0, x)[0] * Math.exp(x - 2 * model.kappa);
      expect(Math.abs(model.kernel(d) - closed), `δ = ${d}`).toBeLessThan(2e-16);
    }
    for (const x of [0, 0.4, 2, 5.5]) expect(model.target(x)).toBeCloseTo(Math.cos(x) + 0.5 * Math.sin(2 * x) + 0.25 * Math.cos(3 * x), 14);
  });

  it('the order m is the smallest whose rigorous bound meets the tolerance, and the bound holds and is tight at δ = 0', () => {
    const full = new VonMisesCircle({ kappa: 4, kernelTolerance: 1e-30 });
    for (const tol of [1e-4, 1e-8, 1e-12]) {
      const model = new VonMisesCircle({ kappa: 4, kernelTolerance: tol });
      const b = model.kernelTruncationBound;
      expect(Math.max(b.value, b.derivative)).toBeLessThanOrEqual(tol);
      let errK = 0;
      let errD = 0;
      for (let i = 0; i <= 400; i++) {
        const d = (Math.PI * i) / 400;
        errK = Math.max(errK, Math.abs(model.kernel(d) - full.kernel(d)));
        errD = Math.max(errD, Math.abs(model.kernelDerivative(d) - full.kernelDerivative(d)));
      }
      // (+ 1e-16: the round-off of the two sums, each ≈ 0.2 in size)
      expect(errK, `tol ${tol}`).toBeLessThanOrEqual(b.value + 1e-16);
      expect(errD, `tol ${tol}`).toBeLessThanOrEqual(b.derivative + 1e-16);
      const previous = besselSquareTails(model.kernelOrder - 1, 4);
      expect(2 * Math.max(previous.squares, previous.weightedSquares), `tol ${tol}: m − 1 does not meet it`).toBeGreaterThan(tol);
      expect(b.value / errK, `tol ${tol}: max |k − k_m| sits at δ = 0 where every cosine is 1`).toBeLessThan(1.1);
      const coarser = new VonMisesCircle({ kappa: 4, kernelTolerance: tol, target: { cos: [0] } });
      expect(coarser.kernelOrder).toBe(model.kernelOrder);
    }
    expect(new VonMisesCircle().kernelOrder).toBe(14); // κ = 4, tolerance 1e-16
  });
});

describe('circle target from a mathjs formula', () => {
  it('a trigonometric polynomial gives its own coefficients (the example target) to round-off', () => {
    const t = circleTargetFromExpression('cos(x) + 0.5*sin(2*x) + 0.25*cos(3*x)');
    expect(t.cos.length).toBe(4);
    for (let k = 0; k < 4; k++) {
      // round-off of 1024-term sums: ~10 ε
      expect(Math.abs(t.cos[k] - (CIRCLE_EXAMPLE.target.cos[k] ?? 0))).toBeLessThan(5e-15);
      expect(Math.abs(t.sin[k] - ((CIRCLE_EXAMPLE.target.sin as readonly number[])[k] ?? 0))).toBeLessThan(5e-15);
    }
  });

  it('exp(sin x): F, F′ and ½‖f‖² equal quadrature of the definitions; F drops only modes below the tolerance', () => {
    const model = new VonMisesCircle({ kappa: 4, target: circleTargetFromExpression('exp(sin(x))') });
    const f = (x: number) => Math.exp(Math.sin(x));
    for (const x of [0, 1, 4]) expect(Math.abs(model.target(x) - f(x))).toBeLessThan(1e-14);
    for (const y of [-1, 0.3, 2.5]) {
      expect(Math.abs(model.F(y) - circleIntegral((x) => f(x) * model.unit(x, y)))).toBeLessThan(1e-13);
      expect(Math.abs(model.dF(y) - circleIntegral((x) => f(x) * model.unitDerivative(x, y)))).toBeLessThan(1e-13);
    }
    expect(Math.abs(model.halfTargetNormSquared - circleIntegral((x) => f(x) ** 2) / 2)).toBeLessThan(1e-14);
    expect(model.fieldOrder).toBeLessThan(20);
    expect(Math.max(model.fieldTruncationBound.value, model.fieldTruncationBound.derivative)).toBeLessThanOrEqual(1e-16);
  });

  it('rejects bad formulas and options', () => {
    expect(() => circleTargetFromExpression('cos(x')).toThrow(/model\.target\.expr: is not a valid formula/);
    expect(() => circleTargetFromExpression('1/sin(x)')).toThrow(/finite real number/);
    expect(() => circleTargetFromExpression('y + x')).toThrow(/single variable x/);
    expect(() => circleTargetFromExpression('cos(x)', { samples: 100 })).toThrow(/model\.target\.samples/);
  });
});

describe('bad specifications are ConfigErrors naming the field', () => {
  it('line and circle', () => {
    expect(() => new GaussianLine({ unitVariance: -1 })).toThrow(/model\.unitVariance: must be a finite number > 0/);
    expect(() => new GaussianLine({ target: { charges: [1, 2], centres: [0], variances: [1, 1] } })).toThrow(ConfigError);
    expect(() => new GaussianLine({ target: { charges: [1], centres: [0], variances: [0] } })).toThrow(/model\.target\.variances\[0\]/);
    expect(() => new VonMisesCircle({ kappa: 0 })).toThrow(/model\.kappa/);
    expect(() => new VonMisesCircle({ target: { cos: [1], sin: [0.5] } })).toThrow(/model\.target\.sin\[0\]/);
    expect(() => new VonMisesCircle({ target: { cos: [1, NaN] } })).toThrow(/model\.target\.cos\[1\]/);
    const m = new GaussianLine();
    expect(() => m.loss(new Float64Array(2), new Float64Array(2), new Float64Array(2), 3)).toThrow(/configuration/);
  });
});
