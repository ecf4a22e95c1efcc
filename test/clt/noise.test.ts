import { describe, expect, it } from 'vitest';
import type { NoiseRates, SgdNoiseModel } from '../../src/clt/noise.ts';
import { incompleteBetaRegularized, logBeta } from '../../src/numerics/special.ts';
import { gaussLegendre } from '../../src/numerics/quadrature.ts';
import { Rng } from '../../src/rng.ts';
import { expressionActivation, piecewiseLinearActivation, type GaussianActivation } from '../../reduced-models/activations.ts';
import { separableRadial } from '../../reduced-models/isotropic-gaussians/adapters.ts';
import { CosineLaw } from '../../reduced-models/isotropic-gaussians/clt-cosine.ts';
import { isotropicSgdNoise } from '../../reduced-models/isotropic-gaussians/clt-noise.ts';
import { IsotropicGaussians } from '../../reduced-models/isotropic-gaussians/index.ts';
import { chiLogDensity, radialQuadrature, solveCharacteristics } from '../../solvers/characteristics.ts';

describe('cosine law tails Pc, Q1, Q2 (src/clt/README.md, "Closed forms")', () => {
  it('agree with the incomplete-Beta closed forms for even and odd d, on both sides of 0 and beyond ±1', () => {
    for (const d of [2, 3, 4, 7, 40, 41, 320]) {
      const law = new CosineLaw(d);
      const b = (d - 1) / 2;
      for (let i = 0; i <= 240; i++) {
        const u = -1.2 + (2.4 * i) / 240;
        const a = Math.abs(u);
        let pc = 0;
        let q1 = 0;
        let q2 = 0;
        if (a < 1) {
          pc = (1 - incompleteBetaRegularized(a * a, 0.5, b)) / 2;
          q1 = Math.pow(1 - a * a, b) / ((d - 1) * Math.exp(logBeta(0.5, b)));
          q2 = (1 - incompleteBetaRegularized(a * a, 1.5, b)) / (2 * d);
        }
        if (u < 0) {
          pc = 1 - pc;
          q2 = 1 / d - q2;
        }
        law.evaluate(u);
        expect(Math.abs(law.pc - pc)).toBeLessThan(1e-14);
        expect(Math.abs(law.q1 - q1)).toBeLessThan(1e-14);
        expect(Math.abs(law.q2 - q2)).toBeLessThan(1e-14);
      }
      law.evaluate(0);
      expect(law.pc).toBeCloseTo(0.5, 15);
      expect(law.q2).toBeCloseTo(1 / (2 * d), 15);
    }
  });
});

const PIECE_RULE = gaussLegendre(48);

/** E_c g(c) for c ~ p_d by composite Gauss–Legendre on [−1, 1] split at `breaks` (a slow reference). */
function cosineExpectation(d: number, breaks: number[], g: (c: number) => number): number {
  const cuts = [-1, ...breaks.filter((t) => t > -1 && t < 1).sort((x, y) => x - y), 1];
  const rule = PIECE_RULE;
  const norm = Math.exp(-logBeta(0.5, (d - 1) / 2));
  let s = 0;
  for (let p = 0; p + 1 < cuts.length; p++) {
    const half = 0.5 * (cuts[p + 1] - cuts[p]);
    const mid = 0.5 * (cuts[p + 1] + cuts[p]);
    for (let i = 0; i < rule.nodes.length; i++) {
      const c = mid + half * rule.nodes[i];
      s += half * rule.weights[i] * norm * Math.pow(1 - c * c, (d - 3) / 2) * g(c);
    }
  }
  return s;
}

/**
 * The rates of src/clt/README.md ("The SGD noise", "The O(εd) shift of the mean radius") straight
 * from their definitions: σ and σ' evaluated pointwise, the cosine integral by split Gauss–Legendre,
 * the ρ ~ χ_d integral by 200 Gauss–Legendre nodes on √d ± 9 (a different rule from the module's).
 */
function referenceRates(model: IsotropicGaussians, x: Float64Array, p: Float64Array, D: Float64Array, dpsi: Float64Array): NoiseRates {
  const d = model.d as number;
  const sigma = model.activation;
  const kinks = sigma.kinks;
  const lo = Math.max(1e-3, Math.sqrt(d) - 9);
  const rule = gaussLegendre(200, lo, Math.sqrt(d) + 9);
  const chi = Array.from(rule.nodes, (r, q) => rule.weights[q] * Math.exp((d - 1) * Math.log(r) - (r * r) / 2));
  const total = chi.reduce((a, b) => a + b, 0);
  let ez = 0;
  let ez2 = 0;
  const sameUnit = new Float64Array(x.length);
  const drift = new Float64Array(x.length);
  model.tau.forEach((tau, cls) => {
    const y = cls === 0 ? 1 : -1;
    rule.nodes.forEach((rho, q) => {
      const w = (0.5 * chi[q]) / total;
      const norm = tau * rho;
      let f = 0;
      let H = 0;
      const s2 = new Float64Array(x.length);
      const t2 = new Float64Array(x.length);
      for (let j = 0; j < x.length; j++) {
        const A = x[j] * norm;
        const breaks = kinks.map((t) => t / A);
        f += p[j] * cosineExpectation(d, breaks, (c) => sigma.value(A * c));
        H += p[j] * D[j] * norm * cosineExpectation(d, breaks, (c) => sigma.derivative(A * c) * c);
        s2[j] = norm * norm * cosineExpectation(d, breaks, (c) => (sigma.derivative(A * c) * c) ** 2);
        t2[j] = norm * norm * cosineExpectation(d, breaks, (c) => sigma.derivative(A * c) ** 2 * (1 - c * c));
      }
      const e = y - f;
      ez += w * e * H;
      ez2 += w * (e * H) ** 2;
      for (let j = 0; j < x.length; j++) {
        sameUnit[j] += w * e * e * s2[j];
        drift[j] += (w * e * e * t2[j] * 2) / x[j];
      }
    });
  });
  let ea2 = 0;
  let mg = 0;
  let mg2 = 0;
  let ito = 0;
  for (let j = 0; j < x.length; j++) {
    ea2 += p[j] * D[j] * D[j] * sameUnit[j];
    mg += p[j] * D[j] * dpsi[j];
    mg2 += p[j] * (D[j] * dpsi[j]) ** 2;
    ito += p[j] * D[j] * drift[j];
  }
  return { common: ez2 - ez * ez, sameUnit: ea2 - ez2 - (mg2 - mg * mg), ito, meanZ: ez };
}

function noiseOf(model: IsotropicGaussians): SgdNoiseModel {
  const av = isotropicSgdNoise(model);
  if (!av.available) throw new Error(av.reason);
  return av.noise;
}

/** ψ'(X_j) of the law Σ P_j δ_{X_j} (Mehler order K). */
function psiPrime(model: IsotropicGaussians, x: Float64Array, p: Float64Array, K: number): Float64Array {
  const F = model.featureCount(K);
  const phi = model.features(x, K);
  const moments = new Float64Array(F);
  for (let f = 0; f < F; f++) for (let j = 0; j < x.length; j++) moments[f] += phi[f * x.length + j] * p[j];
  const out = new Float64Array(x.length);
  model.psiPrime(x, K, moments, out);
  return out;
}

const mmn = new IsotropicGaussians({ delta: 0.8, d: 40 });
/** A piecewise-linear σ with end slopes, a knot at 0 and a negative knot (every term of the closed forms). */
const general = new IsotropicGaussians({
  delta: 0.6,
  d: 24,
  activation: piecewiseLinearActivation({ knots: [-0.5, 0, 1.2], values: [-1, 0.5, 2], leftSlope: 0.3, rightSlope: -0.4 }),
});

describe('isotropic online-SGD noise rates (src/clt/README.md, "Closed forms")', () => {
  it('the ρ-quadrature reproduces −v(r) = E[y σ(<w,x>)] to 1e-10', () => {
    for (const model of [mmn, general]) {
      const noise = noiseOf(model);
      for (const r of [0.1, 0.3, 0.8, 1.5, 3, 6]) {
        noise.prepare(Float64Array.of(r), Float64Array.of(1), Float64Array.of(0));
        expect(Math.abs(noise.labelCorrelation() + model.v(r))).toBeLessThan(1e-10);
      }
    }
  });

  it('E_x Z = −Σ_j P_j D_j ψ\'(X_j) to 1e-8, at t = 0 and on the trained law at t = 0.5', () => {
    const noise = noiseOf(mmn);
    const kernel = separableRadial(mmn, 30);
    const q = radialQuadrature(chiLogDensity(40, 0.8), 8, 4, 25);
    const traj = solveCharacteristics({ model: kernel, nodes: q.nodes, weights: q.weights, schedule: { kind: 'constant', value: 1 } }, { saveTimes: [0, 0.5], dt: 5e-3 });
    const D = Float64Array.from(q.nodes, (_, j) => 1 + Math.sin(j));
    const out: NoiseRates = { common: 0, sameUnit: 0, ito: 0, meanZ: 0 };
    for (const x of traj.positions) {
      const dpsi = psiPrime(mmn, x, q.weights, 30);
      noise.prepare(x, q.weights, dpsi);
      noise.rates(D, out);
      let expected = 0;
      for (let j = 0; j < x.length; j++) expected -= q.weights[j] * D[j] * dpsi[j];
      expect(Math.abs(out.meanZ - expected) / Math.abs(expected)).toBeLessThan(1e-8);
    }
  });

  it('Var_x Z, VI and the Itô drift agree with a direct evaluation of their definitions', () => {
    for (const model of [mmn, general]) {
      const noise = noiseOf(model);
      const x = Float64Array.from([0.5, 0.8, 1.1, 1.7]);
      const p = Float64Array.from([0.2, 0.4, 0.3, 0.1]);
      const D = Float64Array.from([1.3, -0.4, 0.9, 2.1]);
      const dpsi = psiPrime(model, x, p, 30);
      const out: NoiseRates = { common: 0, sameUnit: 0, ito: 0, meanZ: 0 };
      noise.prepare(x, p, dpsi);
      noise.rates(D, out);
      const ref = referenceRates(model, x, p, D, dpsi);
      for (const key of ['common', 'sameUnit', 'ito', 'meanZ'] as const) {
        expect(Math.abs(out[key] - ref[key]) / Math.abs(ref[key])).toBeLessThan(1e-9);
      }
    }
  });

  it('one unit in R^d (Monte Carlo over x, fixed direction ŵ = e_1): same-unit second moment, Itô drift and E_x a', () => {
    const d = 40;
    const X = 0.8;
    const noise = noiseOf(mmn);
    const out: NoiseRates = { common: 0, sameUnit: 0, ito: 0, meanZ: 0 };
    noise.prepare(Float64Array.of(X), Float64Array.of(1), Float64Array.of(0));
    noise.rates(Float64Array.of(1), out);
    // with one node: E_x a² = VI + Var_x Z + (E_x Z)², b(X) = ito, E_x a = meanZ
    const predicted = [out.sameUnit + out.common + out.meanZ ** 2, out.ito, out.meanZ];
    const sigma: GaussianActivation = mmn.activation;
    const f = (norm: number) => cosineExpectation(d, sigma.kinks.map((t) => t / (X * norm)), (c) => sigma.value(X * norm * c));
    const rng = new Rng(7);
    const g = new Float64Array(d);
    const samples = 20000;
    const sums = [0, 0, 0];
    const squares = [0, 0, 0];
    for (let s = 0; s < samples; s++) {
      const plus = rng.uniform() < 0.5;
      const tau = plus ? mmn.tau[0] : mmn.tau[1];
      rng.fillNormal(g);
      let sq = 0;
      for (let i = 0; i < d; i++) sq += (tau * g[i]) ** 2;
      const x1 = tau * g[0];
      const e = (plus ? 1 : -1) - f(Math.sqrt(sq));
      const s1 = sigma.derivative(X * x1);
      const values = [(e * s1 * x1) ** 2, ((2 / X) * (e * s1) ** 2 * (sq - x1 * x1)), e * s1 * x1];
      values.forEach((v, k) => {
        sums[k] += v;
        squares[k] += v * v;
      });
    }
    predicted.forEach((value, k) => {
      const mean = sums[k] / samples;
      const se = Math.sqrt((squares[k] / samples - mean * mean) / (samples - 1));
      expect(Math.abs(mean - value)).toBeLessThan(4 * se);
    });
  });

  it('says why it is not available: d = inf, or σ not piecewise linear', () => {
    const inf = isotropicSgdNoise(new IsotropicGaussians({ delta: 0.8, d: 'inf' }));
    expect(inf.available).toBe(false);
    if (!inf.available) expect(inf.reason).toMatch(/d = inf/);
    const smooth = isotropicSgdNoise(new IsotropicGaussians({ delta: 0.8, d: 40, activation: expressionActivation('tanh(t)') }));
    expect(smooth.available).toBe(false);
    if (!smooth.available) expect(smooth.reason).toMatch(/piecewise-linear/);
  });

  it('linear-noise indicator: the kick size 2 m τ+² d ε / B', () => {
    const noise = noiseOf(mmn);
    expect(noise.linearNoiseIndicator(1e-4, 1)).toBeCloseTo(2 * 10 * 1.8 ** 2 * 40 * 1e-4, 12);
    expect(noise.linearNoiseIndicator(1e-4, 4)).toBeCloseTo((2 * 10 * 1.8 ** 2 * 40 * 1e-4) / 4, 12);
  });
});
