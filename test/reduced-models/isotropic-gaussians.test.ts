import { describe, expect, it } from 'vitest';
import { mmnActivation } from '../../reduced-models/activations.ts';
import { cosineMoments, IsotropicGaussians } from '../../reduced-models/isotropic-gaussians/index.ts';
import { DenseInteraction } from '../../solvers/interaction/dense.ts';
import { ConfigError } from '../../src/errors.ts';
import { Grid } from '../../src/grid.ts';
import { hermiteCoefficients } from '../../src/numerics/hermite.ts';
import { gaussJacobi } from '../../src/numerics/quadrature.ts';
import { Rng } from '../../src/rng.ts';
import { applyDifference } from '../helpers/grid-checks.ts';
import { meanSe, monteCarloRisk, randomDirection } from '../helpers/sampling.ts';

const DELTA = 0.8;
const d40 = new IsotropicGaussians({ delta: DELTA, d: 40 });
const d320 = new IsotropicGaussians({ delta: DELTA, d: 320 });
const dInf = new IsotropicGaussians({ delta: DELTA, d: 'inf' });
const sigma = mmnActivation();

describe('cosine moments m_k(d)', () => {
  it('match the product formula, the table of reduced-models/isotropic-gaussians/README.md §2.2, and the Gauss–Jacobi law of s', () => {
    const m = cosineMoments(40, 12);
    expect(m[2]).toBeCloseTo(1 / 40, 17);
    expect(m[4]).toBeCloseTo(3 / (40 * 42), 17);
    const table40 = [1, 2.5e-2, 1.786e-3, 2.029e-4, 3.088e-5, 5.79e-6, 1.274e-6];
    const table320 = [1, 3.125e-3, 2.911e-5, 4.493e-7, 9.648e-9, 2.647e-10, 8.824e-12];
    const m320 = cosineMoments(320, 12);
    for (let j = 0; j <= 6; j++) {
      expect(Math.abs(m[2 * j] / table40[j] - 1)).toBeLessThan(5e-4); // table rounded to 4 digits
      expect(Math.abs(m320[2 * j] / table320[j] - 1)).toBeLessThan(5e-4);
      expect(m[2 * j + 1] ?? 0).toBe(0);
    }
    // independent: moments of the normalised Gauss–Jacobi rule for p_d(s) ∝ (1 − s²)^{(d−3)/2}
    for (const d of [3, 7, 40]) {
      const rule = gaussJacobi(60, (d - 3) / 2, (d - 3) / 2, true);
      const md = cosineMoments(d, 40);
      for (let k = 0; k <= 40; k++) {
        let q = 0;
        for (let i = 0; i < rule.nodes.length; i++) q += rule.weights[i] * rule.nodes[i] ** k;
        expect(Math.abs(q - md[k]), `d=${d} k=${k}`).toBeLessThan(1e-14);
      }
    }
    // no overflow for huge d and K; d = ∞ keeps only m_0
    const big = cosineMoments(1e7, 2000);
    expect(big.every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
    expect(Array.from(cosineMoments('inf', 6))).toEqual([1, 0, 0, 0, 0, 0, 0]);
  });
});

describe('one-unit terms v, v\', u_diag', () => {
  it('v and u_diag equal 1-D quadrature of their definitions (1e-13); v\' equals a finite difference', () => {
    for (const r of [0, 0.05, 0.4, 1, 2.2, 6]) {
      let v = 0;
      let diag = 0;
      for (const [tau, y] of [[1 + DELTA, 1], [1 - DELTA, -1]]) {
        const c = new Float64Array(1);
        hermiteCoefficients((t) => sigma.value(t), tau * r, 0, c, { kinks: sigma.kinks });
        v += -0.5 * y * c[0];
        hermiteCoefficients((t) => sigma.value(t) ** 2, tau * r, 0, c, { kinks: sigma.kinks });
        diag += 0.5 * c[0];
      }
      expect(Math.abs(d40.v(r) - v), `r=${r}`).toBeLessThan(1e-13);
      expect(Math.abs(d40.uDiag(r) - diag), `r=${r}`).toBeLessThan(1e-13);
      if (r > 0) {
        const h = 1e-5;
        const fd = (d40.v(r + h) - d40.v(r - h)) / (2 * h); // error h² v'''/6 + ε/h ≈ 1e-10
        expect(Math.abs(d40.dv(r) - fd), `r=${r}`).toBeLessThan(1e-8);
      }
    }
    expect(d40.v(0)).toBe(0); // both classes give σ(0)
    expect(d40.uDiag(0)).toBe(6.25);
  });

  it('u_diag(r) = U(w, w) differs from u_d(r, r) by the Parseval gap (1/2) Σ_± Σ_k (1 − m_k) c_k² > 0', () => {
    for (const r of [0.5, 1, 2, 4]) {
      const gap = d40.uDiag(r) - d40.u(r, r, 200);
      expect(gap, `r=${r}`).toBeGreaterThan(0.5); // 1.1 … 18 for r ∈ [0.3, 6]
      // and the direct quadrature at s = 1 is the diagonal itself (closed form)
      expect(Math.abs(d40.pairDirect(r, r, 1) - d40.uDiag(r))).toBeLessThan(1e-13);
    }
  });
});

describe('pair kernel u_d: Mehler expansion vs direct quadrature', () => {
  const RADII = [0.05, 0.4, 1, 1.8, 3.5, 6];

  it('truncation orders from the rigorous bound at 1e-10 on (0, 6]: K = 22 (d = 40) and K = 8 (d = 320)', () => {
    expect(d40.truncationOrder(1e-10, 6)).toBe(22);
    expect(d320.truncationOrder(1e-10, 6)).toBe(8);
    expect(dInf.truncationOrder(1e-10, 6)).toBe(0);
    const d10 = new IsotropicGaussians({ delta: DELTA, d: 10 });
    expect(() => d10.truncationOrder(1e-10, 6)).toThrow(/no truncation order K <= 200 meets tolerance 1e-10 .* d = 10/);
  });

  it('the bound is a true upper bound: |u_d^(K) − u_d^(200)| ≤ truncationBound(K) for K = 0 … 24', () => {
    for (const model of [d40, d320]) {
      for (let K = 0; K <= 24; K += 4) {
        const bound = model.truncationBound(K, 6);
        let worst = 0;
        for (const r1 of RADII) for (const r2 of RADII) worst = Math.max(worst, Math.abs(model.u(r1, r2, K) - model.u(r1, r2, 200)));
        expect(worst, `d=${model.d} K=${K}`).toBeLessThanOrEqual(bound);
        // and not uselessly loose: within a factor 20 of the worst error seen on this small radius set
        if (worst > 1e-14) expect(bound / worst, `d=${model.d} K=${K}`).toBeLessThan(20);
      }
    }
  });

  it('u_d^(K) (K from tolerance 1e-10) agrees with the direct quadrature to 1e-10 at d = 40 and d = 320', () => {
    for (const model of [d40, d320]) {
      const K = model.truncationOrder(1e-10, 6);
      for (let i = 0; i < RADII.length; i++) {
        for (let j = i; j < RADII.length; j++) {
          const [r1, r2] = [RADII[i], RADII[j]];
          const direct = model.uDirect(r1, r2);
          // truncation ≤ 1e-10 by the bound; direct quadrature is good to ~1e-14 (next check)
          expect(Math.abs(model.u(r1, r2, K) - direct), `d=${model.d} r=(${r1}, ${r2})`).toBeLessThan(1e-10);
          expect(Math.abs(model.u(r2, r1, K) - model.u(r1, r2, K))).toBeLessThan(1e-14);
        }
      }
      // direct quadrature converged: doubling both rules changes it by < 1e-13
      const fine = model.uDirect(1, 3.5, { cosineNodes: 160, nodesPerPanel: 48 });
      expect(Math.abs(fine - model.uDirect(1, 3.5))).toBeLessThan(1e-13);
      expect(Math.abs(fine - model.u(1, 3.5, 200))).toBeLessThan(1e-13);
    }
  });

  it('Mehler at a fixed cosine equals the direct bivariate quadrature (1e-13), up to |s| = 0.99', () => {
    const K = 3000; // tail ≤ |s|^(K+1) √(u_diag u_diag) < 1e-12 for |s| ≤ 0.99
    const c1 = new Float64Array(K + 1);
    const c2 = new Float64Array(K + 1);
    for (const s of [-0.6, 0.1, 0.5, 0.9, -0.99]) {
      for (const [r1, r2] of [[0.5, 2], [3, 3], [1.2, 5.5]]) {
        let series = 0;
        for (const tau of d40.tau) {
          sigma.hermite(tau * r1, K, c1);
          sigma.hermite(tau * r2, K, c2);
          let acc = 0;
          for (let k = K; k >= 0; k--) acc = acc * s + c1[k] * c2[k];
          series += 0.5 * acc;
        }
        expect(Math.abs(d40.pairDirect(r1, r2, s) - series), `s=${s} r=(${r1}, ${r2})`).toBeLessThan(1e-13);
      }
    }
  });

  it('Monte Carlo in R^d (d = 40, 320): v, u_diag and u_d within 4 standard errors', () => {
    // w = r1 u1, w' = r2 u2 with u1, u2 independent uniform directions, x from the data law.
    // One draw of (y, x, u1, u2) serves every radius pair: σ(<w,x>) = σ(r <u,x>).
    const pairs: [number, number][] = [[0.4, 1.8], [1, 1], [1.8, 3.5], [6, 0.05], [3.5, 6]];
    for (const [model, samples, seed] of [[d40, 40000, 11], [d320, 12000, 12]] as const) {
      const d = model.d as number;
      const rng = new Rng(seed);
      const x = new Float64Array(d);
      const u1 = new Float64Array(d);
      const u2 = new Float64Array(d);
      const particles = model.particleModel();
      const acc = pairs.map(() => ({ u: [0, 0], v: [0, 0], diag: [0, 0] }));
      for (let n = 0; n < samples; n++) {
        const y = particles.sampleData(rng, x);
        randomDirection(rng, u1);
        randomDirection(rng, u2);
        let p1 = 0;
        let p2 = 0;
        for (let i = 0; i < d; i++) {
          p1 += u1[i] * x[i];
          p2 += u2[i] * x[i];
        }
        pairs.forEach(([r1, r2], i) => {
          const s1 = sigma.value(r1 * p1);
          const uu = s1 * sigma.value(r2 * p2);
          const vv = -y * s1;
          acc[i].u[0] += uu;
          acc[i].u[1] += uu * uu;
          acc[i].v[0] += vv;
          acc[i].v[1] += vv * vv;
          acc[i].diag[0] += s1 * s1;
          acc[i].diag[1] += s1 ** 4;
        });
      }
      pairs.forEach(([r1, r2], i) => {
        const checks: [string, { mean: number; se: number }, number][] = [
          ['u_d', meanSe(acc[i].u[0], acc[i].u[1], samples), model.uDirect(r1, r2)],
          ['v', meanSe(acc[i].v[0], acc[i].v[1], samples), model.v(r1)],
          ['u_diag', meanSe(acc[i].diag[0], acc[i].diag[1], samples), model.uDiag(r1)],
        ];
        for (const [name, { mean, se }, exact] of checks) {
          const z = (mean - exact) / se;
          expect(Math.abs(z), `d=${d} ${name} r=(${r1}, ${r2}): MC ${mean} ± ${se}, exact ${exact}`).toBeLessThan(4);
        }
        expect(Math.abs(model.u(r1, r2, model.truncationOrder(1e-10, 6)) - model.uDirect(r1, r2))).toBeLessThan(1e-10);
      });
    }
  });
});

describe('d = ∞', () => {
  it('u_∞ is the K = 0 term (rank 2) and the direct quadrature at s = 0', () => {
    for (const [r1, r2] of [[0.3, 2], [1, 1], [4, 6]]) {
      expect(Math.abs(dInf.u(r1, r2, 30) - d40.u(r1, r2, 0))).toBeLessThan(1e-15);
      expect(Math.abs(dInf.uDirect(r1, r2) - dInf.u(r1, r2, 0))).toBeLessThan(1e-13);
    }
    expect(dInf.featureCount(22)).toBe(2);
  });

  it('u_d − u_∞ = (1/d) (1/2) Σ_± c_2 c_2 + O(1/d²)', () => {
    const c1 = new Float64Array(3);
    const c2 = new Float64Array(3);
    for (const [r1, r2] of [[1, 2], [2.5, 2.5], [0.7, 5]]) {
      let lead = 0;
      for (const tau of d40.tau) {
        sigma.hermite(tau * r1, 2, c1);
        sigma.hermite(tau * r2, 2, c2);
        lead += 0.5 * c1[2] * c2[2];
      }
      const bound = Math.sqrt(d40.uDiag(r1) * d40.uDiag(r2));
      let prev = Infinity;
      for (const d of [320, 640, 1280, 2560]) {
        const model = new IsotropicGaussians({ delta: DELTA, d });
        const scaled = d * (model.u(r1, r2, 60) - dInf.u(r1, r2, 0));
        // d m_k ≤ 3/(d+2) for k ≥ 4, so |d·gap − lead| ≤ 3/(d+2) √(u_diag u_diag) (Cauchy–Schwarz)
        const rest = Math.abs(scaled - lead);
        expect(rest, `d=${d}`).toBeLessThanOrEqual((3 / (d + 2)) * bound);
        expect(rest, `d=${d}`).toBeLessThan(0.6 * prev); // the O(1/d²) remainder halves with d
        prev = rest;
      }
    }
  });
});

describe('features, velocities and grid operators', () => {
  it('Σ_f Φ_f(r1) Φ_f(r2) = u_d^(K); derivative features and ψ\' match finite differences', () => {
    const K = 22;
    const r = Float64Array.from([0.1, 0.7, 1.3, 2.9, 5.5]);
    const n = r.length;
    const F = d40.featureCount(K);
    expect(F).toBe(24);
    const phi = new Float64Array(F * n);
    const dphi = new Float64Array(F * n);
    d40.features(r, K, phi, dphi);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let f = 0; f < F; f++) s += phi[f * n + i] * phi[f * n + j];
        expect(Math.abs(s - d40.u(r[i], r[j], K))).toBeLessThan(1e-13);
      }
    }
    const h = 1e-6;
    const plus = d40.features(r.map((x) => x + h), K);
    const minus = d40.features(r.map((x) => x - h), K);
    for (let i = 0; i < F * n; i++) expect(Math.abs(dphi[i] - (plus[i] - minus[i]) / (2 * h))).toBeLessThan(1e-7); // FD error ~1e-9
    // ψ(r) = v(r) + Σ_f Φ_f(r) A_f for the moments of a weighted radial law
    const weights = [0.1, 0.3, 0.2, 0.25, 0.15];
    const A = new Float64Array(F);
    for (let f = 0; f < F; f++) for (let j = 0; j < n; j++) A[f] += weights[j] * phi[f * n + j];
    const psi = (x: number) => {
      const p = d40.features(Float64Array.of(x), K);
      let s = d40.v(x);
      for (let f = 0; f < F; f++) s += p[f] * A[f];
      return s;
    };
    const out = new Float64Array(n);
    d40.psiPrime(r, K, A, out);
    for (let j = 0; j < n; j++) expect(Math.abs(out[j] - (psi(r[j] + h) - psi(r[j] - h)) / (2 * h)), `r=${r[j]}`).toBeLessThan(1e-7);
  });

  it('gridOperators: v at the centres and the separable kernel equal the dense u_d^(K) matrix', () => {
    const grid = Grid.uniform1d('r', 0, 6, 40);
    const ops = d40.gridOperators(grid);
    expect(ops.riskConstant).toBe(1);
    expect(ops.interaction.description).toMatch(/rank 24 \(K=22, d=40/);
    expect(ops.interaction.description).toMatch(/tolerance 1e-10/);
    const c = grid.centres[0];
    for (let j = 0; j < c.length; j++) expect(ops.potential[j]).toBe(d40.v(c[j]));
    const dense = DenseInteraction.fromFunction(c.length, (j, k) => d40.u(c[j], c[k], 22));
    const { mass, max } = applyDifference(ops.interaction, dense, c.length, 5);
    expect(max).toBeLessThan(1e-12);
    expect(Math.abs(ops.interaction.energy(mass) - dense.energy(mass))).toBeLessThan(1e-11);
    expect(d320.gridOperators(grid, { tolerance: 1e-6 }).interaction.description).toMatch(/K=4,/);
    expect(dInf.gridOperators(grid).interaction.description).toMatch(/rank 2 \(K=0/);
    expect(() => d40.gridOperators(Grid.uniform1d('x', 0, 6, 10))).toThrow(/grid named "r"/);
  });

  it('constructor validation names the field and the range', () => {
    expect(() => new IsotropicGaussians({ delta: 1, d: 40 })).toThrow(ConfigError);
    expect(() => new IsotropicGaussians({ delta: 0.5, d: 1 })).toThrow(/integer >= 2 or "inf"/);
    expect(() => new IsotropicGaussians({ delta: 0.5, d: 40.5 })).toThrow(/d: must be/);
    expect(() => dInf.particleModel()).toThrow(/finite dimension/);
  });
});

describe('particle side', () => {
  it('sampleData draws the two classes with prob 1/2 and x = τ_y g; toReduced is |w|', () => {
    const pm = d40.particleModel();
    const rng = new Rng(21);
    const x = new Float64Array(40);
    let plus = 0;
    const sq = { 1: 0, [-1]: 0 } as Record<number, number>;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const y = pm.sampleData(rng, x);
      if (y === 1) plus++;
      let s = 0;
      for (const v of x) s += v * v;
      sq[y] += s / 40;
    }
    expect(Math.abs(plus / n - 0.5) / Math.sqrt(0.25 / n)).toBeLessThan(4);
    // E|x|²/d = τ²; SE of the class mean of |x|²/d is τ² √(2/d)/√(n/2)
    expect(Math.abs(sq[1] / plus - 1.8 ** 2) / (1.8 ** 2 * Math.sqrt(2 / 40 / plus))).toBeLessThan(4);
    expect(Math.abs(sq[-1] / (n - plus) - 0.2 ** 2) / (0.2 ** 2 * Math.sqrt(2 / 40 / (n - plus)))).toBeLessThan(4);
    const out = new Float64Array(1);
    pm.toReduced(Float64Array.from({ length: 40 }, (_, i) => (i === 3 ? 3 : i === 7 ? -4 : 0)), 1, 0, out);
    expect(out[0]).toBe(5);
    expect(pm.reducedNames).toEqual(['r']);
  });

  function units(rng: Rng, n: number, d: number, radius: (i: number) => number): Float64Array {
    const w = new Float64Array(n * d);
    for (let i = 0; i < n; i++) randomDirection(rng, w.subarray(i * d, (i + 1) * d), radius(i));
    return w;
  }
  const ones = (n: number) => new Float64Array(n).fill(1);

  it('populationRisk equals the pairwise direct quadrature at the actual cosines (also |s| > 0.95, r = 0)', () => {
    const d = 40;
    const n = 12;
    const rng = new Rng(31);
    const w = units(rng, n, d, (i) => 0.3 + 0.45 * i);
    for (let k = 0; k < d; k++) w[5 * d + k] = 0.98 * w[4 * d + k] + 0.02 * w[6 * d + k]; // |s_45| > 0.95
    for (let k = 0; k < d; k++) w[9 * d + k] = -2 * w[2 * d + k]; // s = −1
    w.fill(0, 11 * d, 12 * d); // a unit at the origin
    const radii = Array.from({ length: n }, (_, i) => Math.hypot(...w.subarray(i * d, (i + 1) * d)));
    let ref = 1;
    for (let i = 0; i < n; i++) {
      ref += (2 / n) * d40.v(radii[i]) + d40.uDiag(radii[i]) / n ** 2;
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        let dot = 0;
        for (let k = 0; k < d; k++) dot += w[i * d + k] * w[j * d + k];
        const s = radii[i] * radii[j] > 0 ? dot / (radii[i] * radii[j]) : 0;
        ref += d40.pairDirect(radii[i], radii[j], Math.max(-1, Math.min(1, s))) / n ** 2;
      }
    }
    const risk = d40.particleModel().populationRisk(w, ones(n), new Float64Array(n), n);
    // series tails ≤ 1e-12 per pair, quadrature ~1e-14: 1e-12 overall
    expect(Math.abs(risk - ref)).toBeLessThan(1e-12);
    expect(() => d40.particleModel().populationRisk(w, new Float64Array(n), new Float64Array(n), n)).toThrow(/a = 1, b = 0 fixed/);
  });

  it('populationRisk agrees with a Monte Carlo test risk on fresh samples (N = 20, d = 40) within 4 standard errors', () => {
    const d = 40;
    const n = 20;
    const rng = new Rng(41);
    const w = units(rng, n, d, (i) => 0.2 + 0.2 * i);
    const risk = d40.particleModel().populationRisk(w, ones(n), new Float64Array(n), n);
    const { mean, se } = monteCarloRisk(d40.particleModel(), w, ones(n), new Float64Array(n), n, 100000, rng);
    expect(Math.abs(mean - risk) / se, `MC ${mean} ± ${se}, exact ${risk}`).toBeLessThan(4);
  });

  it('at t = 0 (i.i.d. uniform directions) E populationRisk = the radial proxy, within 4 standard errors', () => {
    const d = 40;
    const n = 20;
    const rng = new Rng(51);
    const radius = (i: number) => 0.3 + 0.25 * i;
    const radii = Float64Array.from({ length: n }, (_, i) => radius(i));
    const proxy = d40.radialProxyRisk(radii, d40.truncationOrder(1e-12, 6));
    const pm = d40.particleModel();
    const replicas = 400;
    let sum = 0;
    let sumSq = 0;
    for (let rep = 0; rep < replicas; rep++) {
      const risk = pm.populationRisk(units(rng, n, d, radius), ones(n), new Float64Array(n), n);
      sum += risk;
      sumSq += risk * risk;
    }
    const { mean, se } = meanSe(sum, sumSq, replicas);
    expect(Math.abs(mean - proxy) / se, `E R_N ${mean} ± ${se}, proxy ${proxy}`).toBeLessThan(4);
  });

  it('populationRisk at N = 800, d = 40 takes well under a second', () => {
    const d = 40;
    const n = 800;
    const w = units(new Rng(61), n, d, (i) => 0.5 + (5 * i) / n);
    const pm = d40.particleModel();
    pm.populationRisk(w, ones(n), new Float64Array(n), n); // warm-up (JIT)
    const t0 = performance.now();
    const risk = pm.populationRisk(w, ones(n), new Float64Array(n), n);
    const ms = performance.now() - t0;
    expect(Number.isFinite(risk)).toBe(true);
    expect(ms).toBeLessThan(1000); // ~40 ms measured on the 2-core dev machine; generous for shared CI
  });
});
