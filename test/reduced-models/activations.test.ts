import { describe, expect, it } from 'vitest';
import {
  activationFromSpec,
  expressionActivation,
  GaussianPanelQuadrature,
  mmnActivation,
  mmnFig4Activation,
  piecewiseLinearActivation,
  type GaussianActivation,
} from '../../reduced-models/activations.ts';
import { ConfigError } from '../../src/errors.ts';
import { hermiteCoefficients } from '../../src/numerics/hermite.ts';

const PHI0 = 1 / Math.sqrt(2 * Math.PI);
const K = 40;
const SCALES = [0.01, 0.1, 0.3, 0.7, 1, 2.5, 5, 10, 18];

const PIECEWISE: [string, GaussianActivation][] = [
  ['MMN', mmnActivation()],
  ['MMN Fig. 4 (knot at 0)', mmnFig4Activation()],
  ['ReLU (one knot, right slope)', piecewiseLinearActivation({ knots: [0], values: [0], rightSlope: 1 })],
  ['three knots, both end slopes', piecewiseLinearActivation({ knots: [-1, 0.3, 2], values: [1, -2, 3], leftSlope: 0.5, rightSlope: -0.7 })],
];

function coefficients(act: GaussianActivation, q: number, order = K): { c: Float64Array; dc: Float64Array } {
  const c = new Float64Array(order + 1);
  const dc = new Float64Array(order + 1);
  act.hermite(q, order, c, dc);
  return { c, dc };
}

/** Richardson-extrapolated central difference of c_k(q): error O(h⁴) ≈ 1e-12 with h = 1e-3 q, round-off ε|c|/h ≈ 1e-12. */
function fdDerivative(act: GaussianActivation, q: number, order = K): Float64Array {
  const at = (x: number) => coefficients(act, x, order).c;
  const central = (h: number) => {
    const p = at(q + h);
    const m = at(q - h);
    return p.map((v, k) => (v - m[k]) / (2 * h));
  };
  const h = 1e-3 * q;
  const d1 = central(h);
  const d2 = central(h / 2);
  return d2.map((v, k) => (4 * v - d1[k]) / 3);
}

describe('piecewise-linear activation: closed forms', () => {
  it('value and derivative follow the knots (MMN: s1 left of t1, s2 right of t2, slope 10 between)', () => {
    const s = mmnActivation();
    expect(s.value(-3)).toBe(-2.5);
    expect(s.value(0.5)).toBe(-2.5);
    expect(s.value(1)).toBeCloseTo(2.5, 14);
    expect(s.value(9)).toBe(7.5);
    expect(s.derivative(0)).toBe(0);
    expect(s.derivative(1)).toBeCloseTo(10, 14);
    expect(s.derivative(2)).toBe(0);
    const f4 = mmnFig4Activation();
    expect(f4.value(0.5)).toBeCloseTo(-4, 14);
    expect(f4.value(0.25)).toBeCloseTo(-3.25, 14);
    const relu = PIECEWISE[2][1];
    expect(relu.value(-2)).toBe(0);
    expect(relu.value(3)).toBe(3);
  });

  it('Hermite coefficients c_k(q), k ≤ 40, equal brute-force quadrature (hermiteCoefficients) to 1e-13', () => {
    // Both sides are accurate to a few ulps of max|σ(qG)| ~ 10 summed over ~400 nodes: 1e-13 absolute is 10x that.
    for (const [name, act] of PIECEWISE) {
      for (const q of SCALES) {
        const { c } = coefficients(act, q);
        const ref = new Float64Array(K + 1);
        hermiteCoefficients((t) => act.value(t), q, K, ref, { kinks: act.kinks });
        for (let k = 0; k <= K; k++) expect(Math.abs(c[k] - ref[k]), `${name} q=${q} k=${k}`).toBeLessThan(1e-13);
      }
    }
  });

  it('dc_k/dq equals a Richardson finite difference of the closed form (1e-9)', () => {
    // FD error ~1e-12 (see fdDerivative); 1e-9 leaves room for c_k''''' growing with k at small q.
    for (const [name, act] of PIECEWISE) {
      for (const q of SCALES) {
        const { dc } = coefficients(act, q);
        const fd = fdDerivative(act, q);
        for (let k = 0; k <= K; k++) expect(Math.abs(dc[k] - fd[k]), `${name} q=${q} k=${k}`).toBeLessThan(1e-9 * Math.max(1, Math.abs(dc[k])));
      }
    }
  });

  it('E σ(qG)² equals quadrature of σ² to 1e-14 relative, also at large q where the plain closed form cancels', () => {
    for (const [name, act] of PIECEWISE) {
      for (const q of [...SCALES, 1e3, 1e6]) {
        const ref = new Float64Array(1);
        hermiteCoefficients((t) => act.value(t) ** 2, q, 0, ref, { kinks: act.kinks });
        expect(Math.abs(act.secondMoment(q) / ref[0] - 1), `${name} q=${q}`).toBeLessThan(1e-14 * 20);
      }
    }
  });

  it('Parseval: Σ_{k≤K} c_k² increases to E σ(qG)² (tail positive, shrinking)', () => {
    const act = mmnActivation();
    for (const q of [0.5, 2, 8]) {
      const { c } = coefficients(act, q, 800);
      const second = act.secondMoment(q);
      let partial = 0;
      let prevTail = Infinity;
      for (let k = 0; k <= 800; k++) {
        partial += c[k] * c[k];
        if (k % 100 === 0) {
          const tail = second - partial;
          expect(tail).toBeGreaterThan(-1e-12);
          expect(tail).toBeLessThanOrEqual(prevTail);
          prevTail = tail;
        }
      }
    }
  });

  it('S(μ, c) = E σ(μ + cZ) equals quadrature (1e-13)', () => {
    for (const [name, act] of PIECEWISE) {
      for (const [mu, c] of [[0, 1], [0.7, 0.2], [-3, 4], [2, 1e-3], [1.2, 0]]) {
        const ref = new Float64Array(1);
        hermiteCoefficients((z) => act.value(mu + z), c, 0, ref, { kinks: act.kinks.map((t) => t - mu) });
        expect(Math.abs(act.gaussianMean(mu, c) - ref[0]), `${name} μ=${mu} c=${c}`).toBeLessThan(1e-13);
      }
    }
  });

  it('q = 0 gives the limits q → 0+: c = (σ(0), 0, …), E σ² = σ(0)², dc from the knots at 0', () => {
    for (const [name, act] of PIECEWISE) {
      const zero = coefficients(act, 0);
      const small = coefficients(act, 1e-9);
      expect(zero.c[0], name).toBe(act.value(0));
      for (let k = 1; k <= K; k++) expect(Math.abs(zero.c[k])).toBe(0);
      expect(act.secondMoment(0)).toBe(act.value(0) ** 2);
      // c_k(q) − c_k(0) = O(q) and dc_k(q) − dc_k(0) = O(q) with O(1) constants: 1e-8 at q = 1e-9
      for (let k = 0; k <= K; k++) {
        expect(Math.abs(small.c[k] - zero.c[k]), `${name} k=${k}`).toBeLessThan(1e-8);
        expect(Math.abs(small.dc[k] - zero.dc[k]), `${name} k=${k}`).toBeLessThan(1e-8);
      }
    }
    // ReLU: E (qG)_+ = q φ(0), E[(qG)_+ G] = q/2
    const relu = coefficients(PIECEWISE[2][1], 0);
    expect(relu.dc[0]).toBeCloseTo(PHI0, 15);
    expect(relu.dc[1]).toBeCloseTo(0.5, 15);
  });

  it('hq(q) = E σ(qG): q(0+) = s1 and q(∞) = (s1+s2)/2 with the 1/q correction −m φ(0)(t2² − t1²)/(2q)', () => {
    const act = mmnActivation();
    const c = new Float64Array(1);
    for (const q of [1e-3, 0.05]) {
      act.hermite(q, 0, c);
      // |hq − s1| ≤ m E(qG − t1)_+ ≤ m q φ(t1/q) (t1/q)^(-2): < 1e-40 at q = 0.05
      expect(c[0]).toBe(-2.5);
    }
    const m = 10;
    for (const q of [1e3, 1e6, 1e9]) {
      act.hermite(q, 0, c);
      const firstOrder = 2.5 - (m * PHI0 * (1.5 ** 2 - 0.5 ** 2)) / (2 * q);
      // next term is O(q⁻³) = 1e-9 at q = 1e3; round-off of the stable form ~1e-15
      expect(Math.abs(c[0] - firstOrder), `q=${q}`).toBeLessThan(1e-9);
    }
    // E σ(qG)² → (s1² + s2²)/2
    expect(Math.abs(act.secondMoment(1e9) - (2.5 ** 2 + 7.5 ** 2) / 2)).toBeLessThan(1e-7);
  });
});

describe('expression activation', () => {
  const mmnMax = expressionActivation('-2.5 + 10 * (max(t - 0.5, 0) - max(t - 1.5, 0))', { kinks: [0.5, 1.5] });
  const mmnAbs = expressionActivation('-2.5 + 5 * (1 + abs(t - 0.5) - abs(t - 1.5))', { kinks: [0.5, 1.5] });

  it('MMN σ written with max (finite-difference σ\') or abs (symbolic σ\') reproduces the closed forms to ~1e-12', () => {
    const closed = mmnActivation();
    for (const expr of [mmnMax, mmnAbs]) {
      for (const q of [0, 0.1, 0.7, 2, 9]) {
        const a = coefficients(closed, q);
        const b = coefficients(expr, q);
        for (let k = 0; k <= K; k++) {
          // c_k: quadrature round-off ~1e-14. dc_k: σ' by 4th-order differences (≈1e-13 relative on linear pieces)
          expect(Math.abs(a.c[k] - b.c[k]), `${expr.expr} q=${q} k=${k}`).toBeLessThan(1e-13);
          expect(Math.abs(a.dc[k] - b.dc[k]), `${expr.expr} q=${q} k=${k}`).toBeLessThan(2e-12);
        }
        expect(Math.abs(closed.secondMoment(q) - expr.secondMoment(q))).toBeLessThan(1e-12);
      }
      expect(Math.abs(closed.gaussianMean(0.8, 0.6) - expr.gaussianMean(0.8, 0.6))).toBeLessThan(1e-13);
      expect(expr.derivative(1)).toBeCloseTo(10, 11);
      expect(expr.derivative(0.2)).toBeCloseTo(0, 11);
    }
  });

  it('"max(t, 0)" reproduces the closed-form ReLU, including the q = 0 limits of dc_k (kink at 0)', () => {
    const relu = expressionActivation('max(t, 0)', { kinks: [0] });
    const closed = PIECEWISE[2][1];
    for (const q of [0, 0.3, 3]) {
      const a = coefficients(closed, q);
      const b = coefficients(relu, q);
      for (let k = 0; k <= K; k++) {
        expect(Math.abs(a.c[k] - b.c[k]), `q=${q} k=${k}`).toBeLessThan(1e-13);
        expect(Math.abs(a.dc[k] - b.dc[k]), `q=${q} k=${k}`).toBeLessThan(1e-12);
      }
    }
  });

  it('smooth σ = tanh: symbolic derivative, dc_k matches finite differences of c_k', () => {
    const act = expressionActivation('tanh(t)');
    expect(act.derivative(0.3)).toBeCloseTo(1 / Math.cosh(0.3) ** 2, 15);
    for (const q of [0.4, 2]) {
      const { dc } = coefficients(act, q, 20);
      const fd = fdDerivative(act, q, 20);
      for (let k = 0; k <= 20; k++) expect(Math.abs(dc[k] - fd[k]), `q=${q} k=${k}`).toBeLessThan(1e-9);
    }
    // odd σ: even coefficients vanish
    const { c } = coefficients(act, 1.3, 10);
    for (let k = 0; k <= 10; k += 2) expect(Math.abs(c[k])).toBeLessThan(1e-15);
  });
});

describe('GaussianPanelQuadrature', () => {
  it('integrates Gaussian moments and a kinked function exactly enough (1e-14)', () => {
    const quad = new GaussianPanelQuadrature(24, 4);
    const n = quad.build([0.3, -5, 40], 3);
    let m0 = 0;
    let m4 = 0;
    let ramp = 0;
    for (let i = 0; i < n; i++) {
      const g = quad.nodes[i];
      const w = quad.weights[i];
      m0 += w;
      m4 += w * g ** 4;
      ramp += w * Math.max(g - 0.3, 0);
    }
    expect(Math.abs(m0 - 1)).toBeLessThan(1e-14);
    expect(Math.abs(m4 - 3)).toBeLessThan(1e-14);
    // E(G − 0.3)_+ = φ(0.3) − 0.3 Φ̄(0.3), the closed-form S(0, 1) of a ramp
    const rampAct = piecewiseLinearActivation({ knots: [0.3], values: [0], rightSlope: 1 });
    expect(Math.abs(ramp - rampAct.gaussianMean(0, 1))).toBeLessThan(1e-14);
    expect(() => quad.build([0, 1, 2, 3, 4], 5)).toThrow(/at most 4 breakpoints/);
  });
});

describe('activationFromSpec', () => {
  it('builds every kind; toJSON round-trips; mmn defaults are MMN\'s (0.5, 1.5, −2.5, 7.5)', () => {
    const mmn = activationFromSpec({ kind: 'mmn' });
    expect(mmn.toJSON()).toEqual({ kind: 'piecewise-linear', knots: [0.5, 1.5], values: [-2.5, 7.5] });
    const custom = activationFromSpec({ kind: 'mmn', s2: 5 });
    expect(custom.value(3)).toBe(5);
    const pl = activationFromSpec({ kind: 'piecewise-linear', knots: [0, 0.5, 1.5], values: [-2.5, -4, 7.5] });
    expect(pl.value(0.5)).toBeCloseTo(-4, 14);
    expect(activationFromSpec(pl.toJSON()).toJSON()).toEqual(pl.toJSON());
    const relu = activationFromSpec({ kind: 'piecewise-linear', knots: [0], values: [0], rightSlope: 1 });
    expect(relu.value(2)).toBe(2);
    const ex = activationFromSpec({ kind: 'expression', expr: 'tanh(t)' });
    expect(ex.value(0.5)).toBeCloseTo(Math.tanh(0.5), 15);
    expect(ex.toJSON()).toEqual({ kind: 'expression', expr: 'tanh(t)', kinks: [] });
  });

  it('rejects bad specs with a ConfigError naming the field and the allowed range', () => {
    const cases: [unknown, string, RegExp][] = [
      [{ kind: 'sigmoid' }, 'activation.kind', /one of "piecewise-linear", "mmn", "expression"/],
      [{ kind: 'piecewise-linear', knots: [0, 0], values: [1, 2] }, 'activation.knots[1]', /strictly increasing/],
      [{ kind: 'piecewise-linear', knots: [0, 1], values: [1] }, 'activation.values', /one number per entry of knots/],
      [{ kind: 'piecewise-linear', knots: [0], values: [1] }, 'activation.knots', /at least 2/],
      [{ kind: 'piecewise-linear', knots: [0, 1], values: [1, 'a'] }, 'activation.values[1]', /finite number/],
      [{ kind: 'mmn', t1: 2 }, 'activation.t2', /> t1 = 2/],
      [{ kind: 'mmn', s1: null }, 'activation.s1', /finite number/],
      [{ kind: 'mmn', slope: 3 }, 'activation.slope', /not a known field/],
      [{ kind: 'expression', expr: 'a * t' }, 'activation.expr', /single variable t/],
      [{ kind: 'expression', expr: 'sqrt(t)' }, 'activation.expr', /real/],
      [{ kind: 'expression', expr: '' }, 'activation.expr', /non-empty/],
      [{ kind: 'expression', expr: 't', kinks: [1, 0] }, 'activation.kinks[1]', /strictly increasing/],
      ['relu', 'activation', /must be an object/],
    ];
    for (const [spec, fieldName, message] of cases) {
      let error: unknown;
      try {
        activationFromSpec(spec);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(spec)).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field, JSON.stringify(spec)).toBe(fieldName);
      expect((error as ConfigError).message, JSON.stringify(spec)).toMatch(message);
    }
  });
});
