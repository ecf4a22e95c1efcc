import { describe, expect, it } from 'vitest';
import { mmnActivation } from '../../reduced-models/activations.ts';
import {
  AngularBasis,
  AnisotropicGaussians,
  AnisotropicReluGaussians,
  cosineRule,
  PairQuadrature,
  reluActivation,
  ReluUnit,
  type AnisotropicModel,
  type PointLattice,
} from '../../reduced-models/anisotropic-gaussians/index.ts';
import { IsotropicGaussians } from '../../reduced-models/isotropic-gaussians/index.ts';
import { DenseInteraction } from '../../solvers/interaction/dense.ts';
import { SeparableInteraction } from '../../solvers/interaction/separable.ts';
import { ConfigError } from '../../src/errors.ts';
import { Grid } from '../../src/grid.ts';
import { hermiteCoefficients } from '../../src/numerics/hermite.ts';
import { normalCdf, normalPdf } from '../../src/numerics/special.ts';
import { Rng } from '../../src/rng.ts';
import { applyDifference } from '../helpers/grid-checks.ts';
import { meanSe, monteCarloRisk, randomDirection } from '../helpers/sampling.ts';

const DELTA = 0.8;
const TAU = [1 + DELTA, 1 - DELTA];
const sigma = mmnActivation();
const relu = reluActivation();
const fixed40 = new AnisotropicGaussians({ delta: DELTA, d: 40, s0: 10 });
const fixed320 = new AnisotropicGaussians({ delta: DELTA, d: 320, s0: 60 });
const relu40 = new AnisotropicReluGaussians({ delta: DELTA, d: 40, s0: 10 });
const relu320 = new AnisotropicReluGaussians({ delta: DELTA, d: 320, s0: 60 });

/** A unit w in R^d with |P_V w| = r1 and |P_V⊥ w| = r2, uniform directions in V = span(e_1..e_s0) and V⊥. */
function unitWith(rng: Rng, d: number, s0: number, r1: number, r2: number, out: Float64Array): void {
  randomDirection(rng, out.subarray(0, s0), r1);
  if (d > s0) randomDirection(rng, out.subarray(s0, d), r2);
}

/** Points of a lattice (the tensor product a × b × r1 × r2, or r1 × r2 for the 2-coordinate model). */
function latticePoints(model: AnisotropicModel, a: number[], lattice: PointLattice): number[][] {
  const pts: number[][] = [];
  for (const av of model.ndim === 4 ? a : [1]) {
    for (const b of Array.from(lattice.b)) {
      for (const r1 of Array.from(lattice.r1)) {
        for (const r2 of Array.from(lattice.r2)) pts.push(model.ndim === 4 ? [av, b, r1, r2] : [r1, r2]);
      }
    }
  }
  return pts;
}

describe('ReLU unit relu(qG + b): closed forms', () => {
  const unit = new ReluUnit();

  it('c_k(q, b), E relu² equal split Gauss–Legendre quadrature (1e-14); ∂_q c_k, ∂_b c_k equal finite differences', () => {
    const K = 30;
    const c = new Float64Array(K + 1);
    const dq = new Float64Array(K + 1);
    const db = new Float64Array(K + 1);
    const ref = new Float64Array(K + 1);
    const plus = new Float64Array(K + 1);
    const minus = new Float64Array(K + 1);
    for (const [q, b] of [[1, 0.3], [0.2, -1], [3, 2], [0.5, 0], [2, -5], [0.05, 0.02]]) {
      unit.hermite(q, b, K, c, dq, db);
      hermiteCoefficients((t) => Math.max(t + b, 0), q, K, ref, { kinks: [-b] });
      for (let k = 0; k <= K; k++) expect(Math.abs(c[k] - ref[k]), `q=${q} b=${b} k=${k}`).toBeLessThan(1e-14);
      hermiteCoefficients((t) => Math.max(t + b, 0) ** 2, q, 0, ref, { kinks: [-b] });
      expect(Math.abs(unit.secondMoment(q, b) - ref[0])).toBeLessThan(1e-14 * Math.max(1, ref[0]));
      // g(q, b) = E relu(b + qZ) = S(b, q) of the piecewise-linear relu
      expect(Math.abs(c[0] - relu.gaussianMean(b, q))).toBeLessThan(1e-15);
      const h = 1e-6 * Math.min(q, 1);
      unit.hermite(q + h, b, K, plus);
      unit.hermite(q - h, b, K, minus);
      for (let k = 0; k <= K; k++) expect(Math.abs(dq[k] - (plus[k] - minus[k]) / (2 * h)), `∂q q=${q} b=${b} k=${k}`).toBeLessThan(2e-8 / Math.min(q, 1));
      unit.hermite(q, b + h, K, plus);
      unit.hermite(q, b - h, K, minus);
      for (let k = 0; k <= K; k++) expect(Math.abs(db[k] - (plus[k] - minus[k]) / (2 * h)), `∂b q=${q} b=${b} k=${k}`).toBeLessThan(2e-8 / Math.min(q, 1));
    }
  });

  it('at b = 0 equals the piecewise-linear relu of activations.ts; q = 0 limits', () => {
    const K = 12;
    const c = new Float64Array(K + 1);
    const dq = new Float64Array(K + 1);
    const ref = new Float64Array(K + 1);
    const dref = new Float64Array(K + 1);
    for (const q of [0.3, 1, 4]) {
      unit.hermite(q, 0, K, c, dq);
      relu.hermite(q, K, ref, dref);
      for (let k = 0; k <= K; k++) {
        expect(Math.abs(c[k] - ref[k])).toBeLessThan(1e-15);
        expect(Math.abs(dq[k] - dref[k])).toBeLessThan(1e-15);
      }
      expect(Math.abs(unit.secondMoment(q, 0) - relu.secondMoment(q))).toBeLessThan(1e-15);
    }
    for (const b of [-0.4, 0, 0.7]) {
      unit.hermite(0, b, K, c);
      expect(c[0]).toBe(Math.max(b, 0));
      for (let k = 1; k <= K; k++) expect(Math.abs(c[k])).toBe(0);
      expect(unit.secondMoment(0, b)).toBeCloseTo(Math.max(b, 0) ** 2, 15);
    }
    expect(() => unit.hermite(-1, 0, 2, c)).toThrow(/scale q must be a finite number >= 0/);
  });
});

describe('angular basis: E ρ12^k over the two cosines', () => {
  it('counts (K/2+1)(K/2+2)/2 per class; s0 = d keeps j = k only; d = ∞ keeps (0, 0)', () => {
    expect(new AngularBasis(40, 10, 8).count).toBe(15);
    expect(fixed40.featureCount(22)).toBe(12 * 13);
    expect(new AngularBasis(40, 40, 8).count).toBe(5);
    expect(Array.from(new AngularBasis(40, 40, 8).j)).toEqual([0, 2, 4, 6, 8]);
    expect(new AngularBasis('inf', 0, 30).count).toBe(1);
    expect(new AngularBasis(2, 1, 4).weight[1]).toBe(1); // (k, j) = (2, 0): C(2,0) m_0(1) m_2(1) = 1
  });

  it('Σ_j w_kj A^j B^{k−j} equals the Gauss–Jacobi (two cosines) expectation of (A s1 + B s2)^k (4e-15)', () => {
    for (const [d, s0] of [[40, 10], [320, 60], [7, 1], [9, 3]]) {
      const basis = new AngularBasis(d, s0, 24);
      const r1 = cosineRule(s0, 30);
      const r2 = cosineRule(d - s0, 30);
      for (const [A, B] of [[0.9, 0.1], [0.3, -0.6], [-0.5, 0.5]]) {
        for (let k = 0; k <= 24; k += 2) {
          let series = 0;
          for (let p = 0; p < basis.count; p++) if (basis.k[p] === k) series += basis.weight[p] * A ** basis.j[p] * B ** (k - basis.j[p]);
          let quad = 0;
          for (let i = 0; i < r1.nodes.length; i++) {
            for (let l = 0; l < r2.nodes.length; l++) quad += r1.weights[i] * r2.weights[l] * (A * r1.nodes[i] + B * r2.nodes[l]) ** k;
          }
          expect(Math.abs(series - quad), `d=${d} s0=${s0} k=${k}`).toBeLessThan(4e-15);
        }
      }
    }
  });
});

describe('pair kernel: separable expansion vs direct quadrature', () => {
  // points with r2 away from 0: at (40, 10) 1e-10 is reached with K ≤ 200 there
  const r1 = [0.3, 1.2, 2.5];
  const r2 = [0.8, 1.6, 3];
  const latticeFixed: PointLattice = { aMaxSquared: 1, b: [0], r1, r2 };
  const latticeRelu: PointLattice = { aMaxSquared: 1.5 ** 2, b: [-0.5, 0.7], r1, r2 };

  it('the rigorous bound holds and is tight on the lattice: max |u^(K) − u^(200)| ≤ bound(K) ≤ 1.3 × that', () => {
    for (const [model, lattice] of [[fixed40, latticeFixed], [fixed320, latticeFixed], [relu40, latticeRelu], [relu320, latticeRelu]] as const) {
      const pts = latticePoints(model, [1.5, -0.9], lattice);
      const table = model.truncationBounds(lattice);
      expect(table[100], `${model.name} d=${model.d}: u^(200) is a converged reference`).toBeLessThan(1e-11);
      const reference = pts.map((p) => pts.map((q) => model.u(p, q, 200)));
      for (const K of [0, 4, 12, 24]) {
        let worst = 0;
        pts.forEach((p, i) => pts.forEach((q, j) => (worst = Math.max(worst, Math.abs(model.u(p, q, K) - reference[i][j])))));
        if (worst < 1e-13) continue;
        expect(worst, `${model.name} d=${model.d} K=${K}`).toBeLessThanOrEqual(table[K / 2] + 2e-12);
        expect(table[K / 2] / worst, `${model.name} d=${model.d} K=${K}`).toBeLessThan(1.3); // the max sits on the diagonal, where Cauchy–Schwarz is equality
      }
    }
    // K chosen for 1e-10 on this lattice (reported in the README)
    expect(fixed40.truncationOrder(latticeFixed, 1e-10).order).toBe(106);
    expect(fixed320.truncationOrder(latticeFixed, 1e-10).order).toBe(16);
    expect(relu40.truncationOrder(latticeRelu, 1e-10).order).toBe(56);
    expect(relu320.truncationOrder(latticeRelu, 1e-10).order).toBe(12);
  });

  it('u^(K) with K from tolerance 1e-10 equals the direct quadrature to 1e-10 at (d, s0) = (40, 10) and (320, 60)', () => {
    const pairsFixed = [[[0.3, 0.8], [2.5, 1.6]], [[1.2, 0.8], [1.2, 0.8]]];
    const pairsRelu = [[[1.5, -0.5, 1.2, 0.8], [-0.9, 0.7, 2.5, 1.6]], [[1.5, 0.7, 0.3, 3], [1.5, 0.7, 0.3, 3]]];
    for (const [model, lattice, pairs] of [
      [fixed40, latticeFixed, pairsFixed], [fixed320, latticeFixed, pairsFixed],
      [relu40, latticeRelu, pairsRelu], [relu320, latticeRelu, pairsRelu],
    ] as const) {
      const { order: K } = model.truncationOrder(lattice, 1e-10);
      for (const [p, q] of pairs) {
        const direct = model.uDirect(p, q);
        expect(Math.abs(model.u(p, q, K) - direct), `${model.name} d=${model.d} ${p} ${q}`).toBeLessThan(1e-10);
        // two independent methods, both converged (u^(200) has bound < 1e-11 on this lattice): 1e-13
        expect(Math.abs(model.u(p, q, 200) - direct), `${model.name} d=${model.d} ${p} ${q}`).toBeLessThan(1e-13);
        expect(Math.abs(model.u(q, p, K) - model.u(p, q, K))).toBeLessThan(1e-14);
      }
    }
  });

  it('near r2 = 0 at (40, 10) the tail is algebraic (units live in the 10-dim V): 1e-10 is out of reach, 1e-7 is not', () => {
    const lattice: PointLattice = { aMaxSquared: 1, b: [0], r1: [1.5, 3], r2: [0.05, 0.3] };
    expect(() => fixed40.truncationOrder(lattice, 1e-10)).toThrow(/no truncation order K <= 200 meets tolerance 1e-10 at d = 40, s0 = 10/);
    const { order: K, bound } = fixed40.truncationOrder(lattice, 1e-7);
    expect(K).toBeGreaterThan(40);
    const [p, q] = [[1.5, 0.3], [3, 0.05]];
    const err = Math.abs(fixed40.u(p, q, K) - fixed40.uDirect(p, q));
    expect(err).toBeLessThanOrEqual(bound);
    expect(err).toBeGreaterThan(1e-12); // not a converged series: the bound is needed
  });

  it('the pair quadrature equals a long Mehler series at fixed correlation, up to |ρ| = 0.99 (1e-13)', () => {
    const K = 3500; // tail ≤ 0.99^(K+1) √(E σ² E σ²) < 1e-13
    const c1 = new Float64Array(K + 1);
    const c2 = new Float64Array(K + 1);
    const unit = new ReluUnit();
    const pq = new PairQuadrature(sigma);
    const pr = new PairQuadrature(relu);
    for (const rho of [-0.99, -0.6, 0.3, 0.97]) {
      for (const [q1, q2, b1, b2] of [[0.7, 2, 0.3, -0.5], [3, 3, 1, 1], [1.2, 5.5, -2, 0.4]]) {
        sigma.hermite(q1, K, c1);
        sigma.hermite(q2, K, c2);
        let acc = 0;
        for (let k = K; k >= 0; k--) acc = acc * rho + c1[k] * c2[k];
        expect(Math.abs(acc - pq.expectation(q1, 0, q2, 0, rho)), `mmn ρ=${rho}`).toBeLessThan(1e-13);
        unit.hermite(q1, b1, K, c1);
        unit.hermite(q2, b2, K, c2);
        acc = 0;
        for (let k = K; k >= 0; k--) acc = acc * rho + c1[k] * c2[k];
        expect(Math.abs(acc - pr.expectation(q1, b1, q2, b2, rho)), `relu ρ=${rho}`).toBeLessThan(1e-13);
      }
    }
  });
});

describe('Monte Carlo in R^d: v, u, u_diag', () => {
  it('within 4 standard errors at (40, 10) and (320, 60), for σ(<w,x>) and a relu(<w,x> + b)', () => {
    // w = r1 u_V + r2 u_⊥ with independent uniform directions in V and V⊥; one draw of
    // (y, x, u_1V, u_1⊥, u_2V, u_2⊥) serves every pair: <w, x> = r1 <u_V, x_V> + r2 <u_⊥, x_⊥>.
    const pairs = [[[0.4, 1.8], [1.5, 0.6]], [[1, 1], [1, 1]], [[2.5, 0.3], [0.2, 3]]];
    const ab = [[1.3, 0.4], [-0.8, -0.3]];
    for (const [fixed, reluModel, samples, seed] of [[fixed40, relu40, 40000, 11], [fixed320, relu320, 12000, 12]] as const) {
      const d = fixed.d as number;
      const s0 = fixed.s0!;
      const rng = new Rng(seed);
      const particles = fixed.particleModel();
      const x = new Float64Array(d);
      const dirs = [new Float64Array(d), new Float64Array(d)];
      const proj = new Float64Array(4); // <u_1V, x>, <u_1⊥, x>, <u_2V, x>, <u_2⊥, x>
      // accumulators: [pair][quantity][sum, sumSq]; quantities: u, v, uDiag for σ, then for relu
      const acc = pairs.map(() => Array.from({ length: 6 }, () => [0, 0]));
      const add = (i: number, qn: number, value: number) => {
        acc[i][qn][0] += value;
        acc[i][qn][1] += value * value;
      };
      for (let n = 0; n < samples; n++) {
        const y = particles.sampleData(rng, x);
        for (let u = 0; u < 2; u++) {
          unitWith(rng, d, s0, 1, 1, dirs[u]);
          let pv = 0;
          let pp = 0;
          for (let i = 0; i < s0; i++) pv += dirs[u][i] * x[i];
          for (let i = s0; i < d; i++) pp += dirs[u][i] * x[i];
          proj[2 * u] = pv;
          proj[2 * u + 1] = pp;
        }
        pairs.forEach(([p, q], i) => {
          const t1 = p[0] * proj[0] + p[1] * proj[1];
          const t2 = q[0] * proj[2] + q[1] * proj[3];
          const s1 = sigma.value(t1);
          add(i, 0, s1 * sigma.value(t2));
          add(i, 1, -y * s1);
          add(i, 2, s1 * s1);
          const [[a1, b1], [a2, b2]] = ab;
          const f1 = a1 * Math.max(t1 + b1, 0);
          add(i, 3, f1 * a2 * Math.max(t2 + b2, 0));
          add(i, 4, -y * f1);
          add(i, 5, f1 * f1);
        });
      }
      pairs.forEach(([p, q], i) => {
        const [[a1, b1], [a2, b2]] = ab;
        const rp = [a1, b1, ...p];
        const rq = [a2, b2, ...q];
        const K = 40; // truncation < 1e-9 at these points (bound), far below the MC errors
        const exact = [fixed.u(p, q, K), fixed.v(p), fixed.uDiag(p), reluModel.u(rp, rq, K), reluModel.v(rp), reluModel.uDiag(rp)];
        const names = ['u', 'v', 'u_diag', 'relu u', 'relu v', 'relu u_diag'];
        exact.forEach((e, qn) => {
          const { mean, se } = meanSe(acc[i][qn][0], acc[i][qn][1], samples);
          const z = (mean - e) / se;
          expect(Math.abs(z), `d=${d} ${names[qn]} ${p} ${q}: MC ${mean} ± ${se}, exact ${e}`).toBeLessThan(4);
        });
      });
    }
  });
  it('random directions in R^d with the exact Gaussian expectation given them resolve u_d from u_∞ at (40, 10)', () => {
    // Directions u_1, u_2 drawn as for units in R^40 (uniform in V and in V⊥), ρ± from their actual
    // cosines, E_x by the direct pair quadrature, antithetic in w_2 → −w_2 (the odd Mehler terms cancel
    // exactly, leaving the angular fluctuation of the k ≥ 2 terms): a Monte Carlo estimate of the angular
    // average that is independent of the cosine moments and of the Hermite expansion.
    const fixedInf = new AnisotropicGaussians({ delta: DELTA, d: 'inf' });
    const reluInf = new AnisotropicReluGaussians({ delta: DELTA, d: 'inf' });
    const [d, s0, samples] = [40, 10, 800];
    for (const [model, inf, p, q, seed] of [
      [fixed40, fixedInf, [1.2, 0.8], [0.7, 1.5], 71],
      [relu40, reluInf, [1.3, 0.4, 1.2, 0.8], [-0.8, -0.3, 0.7, 1.5], 72],
    ] as const) {
      const [a1, b1, x1, y1] = (model.ndim === 4 ? p : [1, 0, ...p]) as readonly [number, number, number, number];
      const [a2, b2, x2, y2] = (model.ndim === 4 ? q : [1, 0, ...q]) as readonly [number, number, number, number];
      const rng = new Rng(seed);
      const w1 = new Float64Array(d);
      const w2 = new Float64Array(d);
      let sum = 0;
      let sumSq = 0;
      for (let n = 0; n < samples; n++) {
        unitWith(rng, d, s0, x1, y1, w1);
        unitWith(rng, d, s0, x2, y2, w2);
        let dv = 0;
        let dp = 0;
        for (let i = 0; i < s0; i++) dv += w1[i] * w2[i];
        for (let i = s0; i < d; i++) dp += w1[i] * w2[i];
        let value = 0;
        for (const t of TAU) {
          const q1 = Math.hypot(t * x1, y1);
          const q2 = Math.hypot(t * x2, y2);
          const rho = (t * t * dv + dp) / (q1 * q2);
          value += 0.25 * a1 * a2 * (model.bivariate(q1, b1, q2, b2, rho) + model.bivariate(q1, b1, q2, b2, -rho));
        }
        sum += value;
        sumSq += value * value;
      }
      const { mean, se } = meanSe(sum, sumSq, samples);
      const exact = model.u(p, q, 60);
      expect(Math.abs(mean - exact) / se, `${model.name}: MC ${mean} ± ${se}, u_d ${exact}`).toBeLessThan(4);
      expect(Math.abs(mean - inf.u(p, q, 0)) / se, `${model.name}: u_∞ must be rejected`).toBeGreaterThan(10);
    }
  });
});

describe('d = ∞ and the O(1/d) gap', () => {
  const fixedInf = new AnisotropicGaussians({ delta: DELTA, d: 'inf' });
  const reluInf = new AnisotropicReluGaussians({ delta: DELTA, d: 'inf' });

  it('u_∞ is the k = 0 block (rank 2) of the finite kernel, and the direct quadrature at ρ = 0', () => {
    for (const [p, q] of [[[0.3, 2], [1, 1]], [[4, 0.5], [2, 6]]]) {
      expect(Math.abs(fixedInf.u(p, q, 30) - fixed40.u(p, q, 0))).toBeLessThan(1e-15);
      expect(Math.abs(fixedInf.uDirect(p, q) - fixedInf.u(p, q, 0))).toBeLessThan(1e-13);
      const rp = [0.7, -0.2, ...p];
      const rq = [-1.1, 0.9, ...q];
      expect(Math.abs(reluInf.u(rp, rq, 30) - relu320.u(rp, rq, 0))).toBeLessThan(1e-15);
      // u_∞ = (a1 a2 / 2) Σ± g(q1±, b1) g(q2±, b2)
      let ref = 0;
      for (const t of TAU) ref += 0.5 * rp[0] * rq[0] * relu.gaussianMean(rp[1], Math.hypot(t * p[0], p[1])) * relu.gaussianMean(rq[1], Math.hypot(t * q[0], q[1]));
      expect(Math.abs(reluInf.u(rp, rq, 0) - ref)).toBeLessThan(1e-15);
    }
    expect(fixedInf.featureCount(22)).toBe(2);
    expect(reluInf.truncationOrder({ aMaxSquared: 4, b: [0], r1: [1], r2: [1] }, 1e-14).order).toBe(0);
  });

  it('d (u_{d, γd} − u_∞) → the k = 2 block (1/2) Σ± a1a2 c_2 c_2 (α1²α2²/γ + β1²β2²/(1−γ)), remainder O(1/d)', () => {
    const gamma = 0.25;
    const unit = new ReluUnit();
    const c1 = new Float64Array(3);
    const c2 = new Float64Array(3);
    for (const [p, q] of [[[0.5, 1, 1.5, 0.6], [1, -0.4, 1, 1]], [[1, 0, 2.5, 0.3], [-0.7, 0.8, 0.2, 3]]]) {
      let lead = 0;
      for (const t of TAU) {
        const q1 = Math.hypot(t * p[2], p[3]);
        const q2 = Math.hypot(t * q[2], q[3]);
        unit.hermite(q1, p[1], 2, c1);
        unit.hermite(q2, q[1], 2, c2);
        const A = ((t * p[2]) / q1) * ((t * q[2]) / q2);
        const B = (p[3] / q1) * (q[3] / q2);
        lead += 0.5 * p[0] * q[0] * c1[2] * c2[2] * ((A * A) / gamma + (B * B) / (1 - gamma));
      }
      let prev = Infinity;
      for (const d of [160, 320, 640, 1280]) {
        const model = new AnisotropicReluGaussians({ delta: DELTA, d, s0: gamma * d });
        const rest = Math.abs(d * (model.u(p, q, 60) - reluInf.u(p, q, 0)) - lead);
        expect(rest, `d=${d}`).toBeLessThan(0.6 * prev); // the O(1/d²) part of the gap halves with d
        prev = rest;
      }
      expect(prev).toBeLessThan(0.02 * Math.abs(lead));
    }
  });

  it('Ψ and its 4 partial derivatives at d = ∞ are the closed forms of reduced-models/anisotropic-gaussians/README.md §4 with M± = class means', () => {
    const pts = Float64Array.from([1, 0.5, 1.2, 0.4, -0.6, -0.3, 0.2, 2.1, 1.4, 1.1, 2.5, 1.5]);
    const masses = [0.2, 0.5, 0.3];
    const M = new Float64Array(2);
    reluInf.classMeans(pts, masses, M);
    const psi = new Float64Array(3);
    const grad = new Float64Array(12);
    reluInf.psi(pts, 0, [M[0] / Math.SQRT2, M[1] / Math.SQRT2], psi, grad);
    for (let i = 0; i < 3; i++) {
      const [a, b, r1, r2] = pts.subarray(4 * i, 4 * i + 4);
      const ref = [0, 0, 0, 0, 0];
      TAU.forEach((t, cls) => {
        const q = Math.hypot(t * r1, r2);
        const coef = M[cls] + (cls === 0 ? -1 : 1); // M± ∓ 1
        const g = b * normalCdf(b / q) + q * normalPdf(b / q);
        ref[0] += 0.5 * a * coef * g;
        ref[1] += 0.5 * coef * g;
        ref[2] += 0.5 * a * coef * normalCdf(b / q);
        ref[3] += 0.5 * a * coef * normalPdf(b / q) * (t * t * r1) / q;
        ref[4] += 0.5 * a * coef * normalPdf(b / q) * r2 / q;
      });
      expect(Math.abs(psi[i] - ref[0])).toBeLessThan(1e-15);
      for (let ax = 0; ax < 4; ax++) expect(Math.abs(grad[4 * i + ax] - ref[ax + 1]), `point ${i} axis ${ax}`).toBeLessThan(1e-15);
    }
    // R = 1 + 2 Σ v P + Σ_f A_f² = ((1 − M+)² + (1 + M−)²)/2
    let risk = 1 + (M[0] ** 2 + M[1] ** 2) / 2;
    for (let i = 0; i < 3; i++) risk += 2 * masses[i] * reluInf.v(pts.subarray(4 * i, 4 * i + 4));
    expect(Math.abs(risk - ((1 - M[0]) ** 2 + (1 + M[1]) ** 2) / 2)).toBeLessThan(1e-15);
  });
});

describe('s0 = d (γ = 1): the fixed-activation model is the isotropic model', () => {
  it('v, u_diag, u^(K), features and the exact population risk agree with isotropic-gaussians at d = 40', () => {
    const iso = new IsotropicGaussians({ delta: DELTA, d: 40 });
    const full = new AnisotropicGaussians({ delta: DELTA, d: 40, s0: 40 });
    const radii = [0.05, 0.7, 1.9, 4.5];
    for (const r of radii) {
      expect(full.v([r, 0])).toBe(iso.v(r));
      expect(full.uDiag([r, 0])).toBe(iso.uDiag(r));
      for (const r2 of radii) expect(Math.abs(full.u([r, 0], [r2, 0], 22) - iso.u(r, r2, 22))).toBeLessThan(1e-15);
    }
    const pts = Float64Array.from(radii.flatMap((r) => [r, 0]));
    const a = full.features(pts, 22);
    const b = iso.features(Float64Array.from(radii), 22);
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-16);
    expect(() => full.v([1, 0.1])).toThrow(/s0 = d .* r2 must be 0/);
    expect(() => full.gridOperators(new Grid([{ name: 'r1', lo: 0, hi: 1, cells: 2 }, { name: 'r2', lo: 0, hi: 1, cells: 2 }]))).toThrow(/isotropic-gaussians/);
    const rng = new Rng(3);
    const n = 15;
    const w = new Float64Array(n * 40);
    for (let i = 0; i < n; i++) randomDirection(rng, w.subarray(i * 40, (i + 1) * 40), 0.3 + 0.3 * i);
    const ones = new Float64Array(n).fill(1);
    const zeros = new Float64Array(n);
    const r1 = full.particleModel().populationRisk(w, ones, zeros, n);
    const r2 = iso.particleModel().populationRisk(w, ones, zeros, n);
    expect(Math.abs(r1 - r2)).toBeLessThan(1e-13);
  });
});

describe('gradients and Ψ', () => {
  it('∇v, feature gradients and ∇Ψ equal central finite differences (both models, incl. small r2 and b < 0)', () => {
    const K = 12;
    for (const [model, pts] of [
      [fixed40, [0.4, 1.1, 1.3, 0.02, 2.9, 4]],
      [relu320, [1.2, 0.4, 0.4, 1.1, -0.7, -0.9, 1.3, 0.02, 0.5, 0.3, 2.9, 4]],
    ] as const) {
      const nd = model.ndim;
      const points = Float64Array.from(pts);
      const n = points.length / nd;
      const F = model.featureCount(K);
      const phi = new Float64Array(F * n);
      const grad = new Float64Array(nd * F * n);
      model.features(points, K, phi, grad);
      const moments = Float64Array.from({ length: F }, (_, f) => 0.3 * Math.cos(f));
      const psiGrad = new Float64Array(nd * n);
      const psiVal = new Float64Array(n);
      model.psi(points, K, moments, psiVal, psiGrad);
      const vg = new Float64Array(nd);
      const h = 1e-6;
      for (let i = 0; i < n; i++) {
        const x = points.slice(i * nd, (i + 1) * nd);
        // Ψ = v + Σ_f A_f Φ_f
        let direct = model.v(x);
        for (let f = 0; f < F; f++) direct += moments[f] * phi[f * n + i];
        expect(Math.abs(psiVal[i] - direct)).toBeLessThan(1e-14);
        model.vGradient(x, vg);
        for (let ax = 0; ax < nd; ax++) {
          const xp = x.slice();
          const xm = x.slice();
          xp[ax] += h;
          xm[ax] -= h;
          const fp = model.features(xp, K);
          const fm = model.features(xm, K);
          for (let f = 0; f < F; f++) {
            const fd = (fp[f] - fm[f]) / (2 * h);
            expect(Math.abs(grad[(ax * F + f) * n + i] - fd), `${model.name} point ${i} axis ${ax} feature ${f}`).toBeLessThan(2e-8);
          }
          expect(Math.abs(vg[ax] - (model.v(xp) - model.v(xm)) / (2 * h)), `∇v axis ${ax}`).toBeLessThan(2e-8);
          const pp = new Float64Array(1);
          const pm = new Float64Array(1);
          model.psi(xp, K, moments, pp);
          model.psi(xm, K, moments, pm);
          expect(Math.abs(psiGrad[i * nd + ax] - (pp[0] - pm[0]) / (2 * h)), `∇Ψ axis ${ax}`).toBeLessThan(2e-8);
        }
      }
      // Σ_f Φ_f(θ) Φ_f(θ') = u^(K)(θ, θ')
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let f = 0; f < F; f++) s += phi[f * n + i] * phi[f * n + j];
          expect(Math.abs(s - model.u(points.slice(i * nd, (i + 1) * nd), points.slice(j * nd, (j + 1) * nd), K))).toBeLessThan(1e-14);
        }
      }
    }
  });
});

describe('grid operators', () => {
  it('(r1, r2) grid: v at the centres, separable kernel = dense u^(K) matrix; K from the rigorous bound on the centres', () => {
    const grid = new Grid([{ name: 'r1', lo: 0, hi: 4, cells: 12 }, { name: 'r2', lo: 0, hi: 4, cells: 10 }]);
    const ops = fixed320.gridOperators(grid, { tolerance: 1e-8 });
    const K = Number(/K=(\d+)/.exec(ops.interaction.description)![1]);
    expect(K).toBe(fixed320.truncationOrder({ aMaxSquared: 1, b: [0], r1: grid.centres[0], r2: grid.centres[1] }, 1e-8).order);
    expect(ops.interaction.description).toMatch(/rank \d+ \(K=12, d=320, s0=60/);
    const xs = grid.centreCoordinates();
    const at = (j: number) => xs.subarray(2 * j, 2 * j + 2);
    for (let j = 0; j < grid.size; j++) expect(ops.potential[j]).toBe(fixed320.v(at(j)));
    const dense = DenseInteraction.fromFunction(grid.size, (j, k) => fixed320.u(at(j), at(k), K));
    expect(applyDifference(ops.interaction, dense, grid.size, 5).max).toBeLessThan(1e-11);
    expect(() => fixed320.gridOperators(Grid.uniform1d('r', 0, 4, 10))).toThrow(/axes \(r1, r2\) in this order/);
    expect(() => fixed320.gridOperators(new Grid([{ name: 'r1', lo: -1, hi: 4, cells: 3 }, { name: 'r2', lo: 0, hi: 4, cells: 3 }]))).toThrow(/r1 axis must start at lo >= 0/);
  });

  it('(a, b, r1, r2) grid: potential and features equal the pointwise ones (features scaled by a)', () => {
    const grid = new Grid([
      { name: 'a', lo: -2, hi: 2, cells: 3 },
      { name: 'b', lo: -1, hi: 1, cells: 4 },
      { name: 'r1', lo: 0, hi: 3, cells: 5 },
      { name: 'r2', lo: 0, hi: 3, cells: 6 },
    ]);
    const ops = relu320.gridOperators(grid);
    const K = Number(/K=(\d+)/.exec(ops.interaction.description)![1]);
    const centres = grid.centres;
    expect(K).toBe(relu320.truncationOrder({ aMaxSquared: centres[0][0] ** 2, b: centres[1], r1: centres[2], r2: centres[3] }, 1e-10).order);
    const xs = grid.centreCoordinates();
    const feats = relu320.features(xs, K);
    const interaction = ops.interaction;
    if (!(interaction instanceof SeparableInteraction)) throw new Error('expected a SeparableInteraction');
    expect(interaction.features.length).toBe(feats.length);
    for (let i = 0; i < feats.length; i++) expect(Math.abs(interaction.features[i] - feats[i])).toBeLessThan(1e-15);
    for (let j = 0; j < grid.size; j++) expect(Math.abs(ops.potential[j] - relu320.v(xs.subarray(4 * j, 4 * j + 4)))).toBeLessThan(1e-15);
    expect(() => relu320.gridOperators(new Grid([{ name: 'r1', lo: 0, hi: 1, cells: 2 }, { name: 'r2', lo: 0, hi: 1, cells: 2 }]))).toThrow(/axes \(a, b, r1, r2\)/);
  });

  it('constructor validation names the field and the range', () => {
    expect(() => new AnisotropicGaussians({ delta: 1, d: 40, s0: 10 })).toThrow(ConfigError);
    expect(() => new AnisotropicGaussians({ delta: 0.5, d: 40 })).toThrow(/s0: must be an integer in \[1, d\] = \[1, 40\]/);
    expect(() => new AnisotropicReluGaussians({ delta: 0.5, d: 40, s0: 41 })).toThrow(/s0: must be an integer in \[1, d\]/);
    expect(() => new AnisotropicReluGaussians({ delta: 0.5, d: 'inf', s0: 10 })).toThrow(/s0: must be omitted when d = "inf"/);
    expect(() => new AnisotropicReluGaussians({ delta: 0.5, d: 1.5, s0: 1 })).toThrow(/d: must be an integer >= 2 or "inf"/);
    expect(() => new AnisotropicReluGaussians({ delta: 0.5, d: 'inf' }).particleModel()).toThrow(/finite dimension/);
    expect(() => fixed40.u([1, -0.1], [1, 1], 4)).toThrow(/r1 and r2 must be finite numbers >= 0/);
    expect(() => fixed40.u([1, 1], [1, 1], 3)).toThrow(/even integer/);
  });
});

describe('particle side', () => {
  it('sampleData: classes with prob 1/2, x = Σ_y^{1/2} g (τ_y on the first s0 coordinates); toReduced', () => {
    const pm = relu40.particleModel();
    const rng = new Rng(21);
    const x = new Float64Array(40);
    const n = 20000;
    let plus = 0;
    const sq = { 1: [0, 0], [-1]: [0, 0] } as Record<number, number[]>;
    for (let i = 0; i < n; i++) {
      const y = pm.sampleData(rng, x);
      if (y === 1) plus++;
      let sv = 0;
      let sp = 0;
      for (let k = 0; k < 10; k++) sv += x[k] * x[k];
      for (let k = 10; k < 40; k++) sp += x[k] * x[k];
      sq[y][0] += sv / 10;
      sq[y][1] += sp / 30;
    }
    expect(Math.abs(plus / n - 0.5) / Math.sqrt(0.25 / n)).toBeLessThan(4);
    for (const [y, count] of [[1, plus], [-1, n - plus]]) {
      const t2 = TAU[y === 1 ? 0 : 1] ** 2;
      // class mean of |x_V|²/s0 is τ², of |x_⊥|²/(d − s0) is 1; SE from the chi-square variance 2/dof
      expect(Math.abs(sq[y][0] / count - t2) / (t2 * Math.sqrt(2 / 10 / count))).toBeLessThan(4);
      expect(Math.abs(sq[y][1] / count - 1) / Math.sqrt(2 / 30 / count)).toBeLessThan(4);
    }
    const out = new Float64Array(4);
    const w = new Float64Array(40);
    w[2] = 3;
    w[7] = -4;
    w[12] = 1;
    pm.toReduced(w, 0.5, -0.2, out);
    expect(Array.from(out)).toEqual([0.5, -0.2, 5, 1]);
    expect(pm.reducedNames).toEqual(['a', 'b', 'r1', 'r2']);
    expect(fixed40.particleModel().reducedNames).toEqual(['r1', 'r2']);
  });

  function randomUnits(rng: Rng, n: number, d: number, s0: number) {
    const w = new Float64Array(n * d);
    for (let i = 0; i < n; i++) unitWith(rng, d, s0, 0.2 + 0.15 * i, 1.5 - 0.05 * i, w.subarray(i * d, (i + 1) * d));
    return w;
  }

  it('populationRisk equals the pairwise direct quadrature at the actual correlations (incl. |ρ| > 0.95, w = 0, a = 0)', () => {
    const d = 40;
    const s0 = 10;
    const n = 12;
    const rng = new Rng(31);
    const w = randomUnits(rng, n, d, s0);
    for (let k = 0; k < d; k++) w[5 * d + k] = 0.98 * w[4 * d + k] + 0.02 * w[6 * d + k]; // |ρ_45| > 0.95
    for (let k = 0; k < d; k++) w[9 * d + k] = -2 * w[2 * d + k]; // ρ = −1
    w.fill(0, 11 * d, 12 * d); // a unit at the origin
    const a = Float64Array.from({ length: n }, (_, i) => (i === 7 ? 0 : 1.5 * Math.cos(i)));
    const b = Float64Array.from({ length: n }, (_, i) => 0.8 * Math.sin(2 * i));
    for (const [model, ua, ub] of [[fixed40, new Float64Array(n).fill(1), new Float64Array(n)], [relu40, a, b]] as const) {
      const pm = model.particleModel();
      const red = Array.from({ length: n }, (_, i) => {
        const out = new Float64Array(model.ndim);
        pm.toReduced(w.subarray(i * d, (i + 1) * d), ua[i], ub[i], out);
        return out;
      });
      const [r1, r2] = [model.ndim - 2, model.ndim - 1];
      let ref = 1;
      for (let i = 0; i < n; i++) {
        ref += (2 / n) * model.v(red[i]) + model.uDiag(red[i]) / n ** 2;
        for (let j = 0; j < n; j++) {
          if (i === j) continue;
          let dv = 0;
          let dp = 0;
          for (let k = 0; k < s0; k++) dv += w[i * d + k] * w[j * d + k];
          for (let k = s0; k < d; k++) dp += w[i * d + k] * w[j * d + k];
          let pair = 0;
          for (const t of TAU) {
            const qi = Math.hypot(t * red[i][r1], red[i][r2]);
            const qj = Math.hypot(t * red[j][r1], red[j][r2]);
            const rho = qi * qj > 0 ? Math.max(-1, Math.min(1, (t * t * dv + dp) / (qi * qj))) : 0;
            pair += 0.5 * ua[i] * ua[j] * model.bivariate(qi, ub[i], qj, ub[j], rho);
          }
          ref += pair / n ** 2;
        }
      }
      const risk = pm.populationRisk(w, ua, ub, n);
      expect(Math.abs(risk - ref), model.name).toBeLessThan(1e-12);
    }
    expect(() => fixed40.particleModel().populationRisk(w, a, b, n)).toThrow(/a = 1, b = 0 fixed/);
  });

  it('populationRisk agrees with a Monte Carlo test risk on fresh samples within 4 standard errors', () => {
    for (const [model, d, s0, samples, seed] of [[fixed40, 40, 10, 60000, 41], [relu320, 320, 60, 20000, 42]] as const) {
      const n = 20;
      const rng = new Rng(seed);
      const w = randomUnits(rng, n, d, s0);
      const a = model.ndim === 4 ? Float64Array.from({ length: n }, (_, i) => 1.2 * Math.cos(i)) : new Float64Array(n).fill(1);
      const b = model.ndim === 4 ? Float64Array.from({ length: n }, (_, i) => 0.6 * Math.sin(3 * i)) : new Float64Array(n);
      const pm = model.particleModel();
      const risk = pm.populationRisk(w, a, b, n);
      const { mean, se } = monteCarloRisk(pm, w, a, b, n, samples, rng);
      expect(Math.abs(mean - risk) / se, `${model.name} d=${d}: MC ${mean} ± ${se}, exact ${risk}`).toBeLessThan(4);
    }
  });

  it('populationRisk at N = 800, d = 320 takes well under a second', () => {
    const n = 800;
    const rng = new Rng(61);
    const w = new Float64Array(n * 320);
    for (let i = 0; i < n; i++) unitWith(rng, 320, 60, 0.1 + (3 * i) / n, 0.5 + (2 * (n - i)) / n, w.subarray(i * 320, (i + 1) * 320));
    const a = Float64Array.from({ length: n }, (_, i) => Math.cos(i));
    const b = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    const pm = relu320.particleModel();
    pm.populationRisk(w, a, b, n); // warm-up (JIT)
    const t0 = performance.now();
    const risk = pm.populationRisk(w, a, b, n);
    const ms = performance.now() - t0;
    expect(Number.isFinite(risk)).toBe(true);
    expect(ms).toBeLessThan(1000);
  });
});
