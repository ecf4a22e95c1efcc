/**
 * The SGD-diffusion limit of the fixed-σ anisotropic model on (r1, r2) (reduced-models/anisotropic-gaussians/
 * README.md §5.3) and its 2-D jump scheme (solvers/diffusion.ts): the closed-form gradient moments against the
 * model's Mehler-series gradient and against Monte Carlo in R^d; Selling's decomposition; mass and positivity;
 * the deterministic limit as ε → 0 and linearity in ε; and agreement with SGD ensembles where the deterministic
 * limit misses. Fixed seeds; every tolerance is a stated multiple of a standard error or a measured size.
 */
import { describe, expect, it } from 'vitest';
import { AnisotropicGaussians } from '../../reduced-models/anisotropic-gaussians/index.ts';
import { AnisotropicSgdNoise } from '../../reduced-models/anisotropic-gaussians/sgd-noise.ts';
import { activationFromSpec } from '../../reduced-models/activations.ts';
import { Rng } from '../../src/rng.ts';
import { parseSpec } from '../../src/spec/index.ts';
import { buildPdeProblem } from '../../src/pde/index.ts';
import { solve as solveFiniteVolume } from '../../solvers/finite-volume.ts';
import { runCompare } from '../../src/pipeline/compare.ts';
import { axisLines } from '../../solvers/flux.ts';
import { sellingDecomposition, sgdDiffusionRate, sgdDiffusionStage } from '../../solvers/diffusion.ts';

/** Cells (r1, r2) and masses of a small test law. */
const R1 = Float64Array.of(0.3, 0.5, 0.9, 0.4);
const R2 = Float64Array.of(0.7, 0.4, 0.2, 1.0);
const MASS = Float64Array.of(0.4, 0.3, 0.2, 0.1);

function closedForms(model: AnisotropicGaussians, options = {}) {
  const noise = new AnisotropicSgdNoise(model, options);
  noise.setPositions(R1, R2);
  const M = R1.length;
  const out = { covariance: new Float64Array(3 * M), drift: new Float64Array(2 * M), mean: new Float64Array(2 * M) };
  noise.moments(MASS, out);
  return out;
}

/** −∇Ψ at the cells from the model's features (Mehler series of order K), an independent route to m_a. */
function minusGradPsi(model: AnisotropicGaussians, K: number): Float64Array {
  const M = R1.length;
  const pts = new Float64Array(2 * M);
  for (let j = 0; j < M; j++) [pts[2 * j], pts[2 * j + 1]] = [R1[j], R2[j]];
  const F = model.featureCount(K);
  const phi = model.features(pts, K);
  const A = new Float64Array(F);
  for (let f = 0; f < F; f++) for (let j = 0; j < M; j++) A[f] += MASS[j] * phi[f * M + j];
  const grad = new Float64Array(2 * M);
  model.psi(pts, K, A, undefined, grad);
  return grad.map((g) => -g);
}

describe('anisotropic SGD noise: closed forms', () => {
  it('the mean kick E[(y − f)σ′X_a] is −∂_aΨ̄ of the Mehler series (to 1e-8 at d = 320, 1e-4 at d = 40 with the default nodes; converging)', () => {
    for (const [d, s0, tol] of [[320, 60, 1e-8], [40, 10, 1e-4]] as const) {
      const model = new AnisotropicGaussians({ delta: 0.3, d, s0 });
      const ref = minusGradPsi(model, 40);
      const coarse = closedForms(model);
      const fine = closedForms(model, { radialNodes: 32, cosineNodes: 96 });
      let errCoarse = 0;
      let errFine = 0;
      for (let j = 0; j < R1.length; j++) {
        for (let a = 0; a < 2; a++) {
          errCoarse = Math.max(errCoarse, Math.abs(coarse.mean[a * R1.length + j] - ref[2 * j + a]));
          errFine = Math.max(errFine, Math.abs(fine.mean[a * R1.length + j] - ref[2 * j + a]));
        }
      }
      expect(errCoarse).toBeLessThan(tol);
      expect(errFine).toBeLessThan(Math.max(errCoarse, 1e-12));
    }
  });

  it('Σ, b and m agree with Monte Carlo of the per-sample gradient in R^d (fixed seed, 4 standard errors)', () => {
    const d = 12;
    const s0 = 4;
    const model = new AnisotropicGaussians({ delta: 0.3, d, s0 });
    const exact = closedForms(model, { radialNodes: 24, cosineNodes: 64 });
    const sigma = model.activation;
    const rng = new Rng(2026, 7);
    const M = R1.length;
    // the unit at cell 1: w = r1 e_1 + r2 e_{s0+1}
    const cell = 1;
    const samples = 40000;
    const unitsPerCell = 8;
    const x = new Float64Array(d);
    const u = new Float64Array(d);
    /** Unbiased f̂(x) = Σ_j P_j × the mean of σ(<w', x>) over random units of cell j (fresh directions). */
    const outputEstimate = (): number => {
      let f = 0;
      for (let j = 0; j < M; j++) {
        let s = 0;
        for (let k = 0; k < unitsPerCell; k++) {
          rng.fillNormal(u);
          let n1 = 0;
          let n2 = 0;
          for (let i = 0; i < d; i++) (i < s0 ? (n1 += u[i] * u[i]) : (n2 += u[i] * u[i]));
          const [c1, c2] = [R1[j] / Math.sqrt(n1), R2[j] / Math.sqrt(n2)];
          let z = 0;
          for (let i = 0; i < d; i++) z += (i < s0 ? c1 : c2) * u[i] * x[i];
          s += sigma.value(z);
        }
        f += (MASS[j] * s) / unitsPerCell;
      }
      return f;
    };
    // running sums of the seven estimands: m1, m2, S11, S12, S22, T1, T2
    const sum = new Float64Array(7);
    const sumSq = new Float64Array(7);
    for (let n = 0; n < samples; n++) {
      const y = rng.uniform() < 0.5 ? 1 : -1;
      const tau = y === 1 ? model.tau[0] : model.tau[1];
      rng.fillNormal(x);
      for (let i = 0; i < s0; i++) x[i] *= tau;
      const fa = outputEstimate();
      const fb = outputEstimate();
      const X1 = x[0];
      const X2 = x[s0];
      let p1 = 0;
      let p2 = 0;
      for (let i = 0; i < d; i++) (i < s0 ? (p1 += x[i] * x[i]) : (p2 += x[i] * x[i]));
      const ds = sigma.derivative(R1[cell] * X1 + R2[cell] * X2);
      const r1 = (y - fa) * ds;
      const r2 = (y - fa) * (y - fb) * ds * ds;
      const values = [r1 * X1, r1 * X2, r2 * X1 * X1, r2 * X1 * X2, r2 * X2 * X2, r2 * (p1 - X1 * X1), r2 * (p2 - X2 * X2)];
      values.forEach((v, k) => {
        sum[k] += v;
        sumSq[k] += v * v;
      });
    }
    const m1 = exact.mean[cell];
    const m2 = exact.mean[M + cell];
    const expected = [
      m1,
      m2,
      exact.covariance[cell] + m1 * m1,
      exact.covariance[M + cell] + m1 * m2,
      exact.covariance[2 * M + cell] + m2 * m2,
      (exact.drift[cell] * R1[cell]) / 2,
      (exact.drift[M + cell] * R2[cell]) / 2,
    ];
    for (let k = 0; k < 7; k++) {
      const mean = sum[k] / samples;
      const se = Math.sqrt((sumSq[k] / samples - mean * mean) / samples);
      expect(Math.abs(mean - expected[k])).toBeLessThan(4 * se);
    }
  });

  it('names what it needs', () => {
    expect(() => new AnisotropicSgdNoise(new AnisotropicGaussians({ delta: 0.3, d: 'inf' }))).toThrow(/finite d/);
    const smooth = new AnisotropicGaussians({ delta: 0.3, d: 40, s0: 10, activation: activationFromSpec({ kind: 'expression', expr: 'tanh(t)' }) });
    expect(() => new AnisotropicSgdNoise(smooth)).toThrow(/piecewise-linear activation/);
    const noise = new AnisotropicSgdNoise(new AnisotropicGaussians({ delta: 0.3, d: 40, s0: 10 }));
    expect(() => noise.setPositions(Float64Array.of(0, 1), Float64Array.of(1, 1))).toThrow(/r1, r2\) = \(0, 1\)/);
  });
});

describe('2-D SGD-diffusion jump scheme', () => {
  it("Selling's decomposition reproduces every PSD matrix with non-negative weights and integer offsets", () => {
    const rng = new Rng(5, 1);
    const out = new Float64Array(9);
    for (let trial = 0; trial < 500; trial++) {
      // D = LLᵀ with a random, sometimes very anisotropic, L
      const l00 = rng.normal() * Math.exp(3 * rng.normal());
      const l10 = rng.normal();
      const l11 = rng.normal() * Math.exp(-2 * rng.uniform());
      const [d00, d01, d11] = [l00 * l00, l00 * l10, l10 * l10 + l11 * l11];
      sellingDecomposition(d00, d01, d11, out);
      const rec = [0, 0, 0];
      for (let k = 0; k < 3; k++) {
        const [lam, e0, e1] = [out[3 * k], out[3 * k + 1], out[3 * k + 2]];
        expect(lam).toBeGreaterThanOrEqual(0);
        expect(Number.isInteger(e0) && Number.isInteger(e1)).toBe(true);
        rec[0] += lam * e0 * e0;
        rec[1] += lam * e0 * e1;
        rec[2] += lam * e1 * e1;
      }
      // round-off grows with the stencil length (offsets up to ~100 cells at condition numbers ~1e8)
      const scale = d00 + d11;
      expect(Math.abs(rec[0] - d00)).toBeLessThan(1e-10 * scale);
      expect(Math.abs(rec[1] - d01)).toBeLessThan(1e-10 * scale);
      expect(Math.abs(rec[2] - d11)).toBeLessThan(1e-10 * scale);
    }
  });

  it('conserves mass to round-off and keeps every cell non-negative at the rate bound, for random correlated covariances', () => {
    const rng = new Rng(9, 2);
    const [n0, n1] = [13, 9];
    const M = n0 * n1;
    const axes = axisLines([n0, n1], [n1, 1], [0.1, 0.07]);
    const P = Float64Array.from({ length: M }, () => (rng.uniform() < 0.3 ? 0 : rng.uniform()));
    const cov = new Float64Array(3 * M);
    const drift = new Float64Array(2 * M);
    for (let j = 0; j < M; j++) {
      const [a, b, rho] = [rng.uniform() * 5, rng.uniform() * 0.2, 2 * rng.uniform() - 1];
      [cov[j], cov[M + j], cov[2 * M + j]] = [a, rho * Math.sqrt(a * b), b];
      [drift[j], drift[M + j]] = [rng.uniform() * 40, rng.uniform() * 40];
    }
    const c = 1e-3;
    const dt = 1 / sgdDiffusionRate(axes, cov, drift, c);
    const out = Float64Array.from(P);
    sgdDiffusionStage(axes, P, cov, drift, c, dt, out);
    const total = (v: Float64Array) => v.reduce((s, x) => s + x, 0);
    expect(Math.abs(total(out) - total(P))).toBeLessThan(1e-14 * total(P));
    for (const p of out) expect(p).toBeGreaterThanOrEqual(0);
    // the drift moves mass up both axes: the means increase
    const mean = (v: Float64Array, axis: number) => v.reduce((s, x, j) => s + x * (axis === 0 ? Math.floor(j / n1) : j % n1), 0) / total(v);
    expect(mean(out, 0)).toBeGreaterThan(mean(P, 0));
    expect(mean(out, 1)).toBeGreaterThan(mean(P, 1));
  });
});

const fixedSigma = (epsilon: number, extra: object = {}) => ({
    model: { name: 'anisotropic-gaussians', delta: 0.3, d: 40, s0: 10 },
    init: { kind: 'gaussian', scale: 0.8 },
    grid: { axes: [{ name: 'r1', lo: 0, hi: 2, cells: 40 }, { name: 'r2', lo: 0, hi: 1.6, cells: 32 }] },
    solver: { method: 'finite-volume', companion: false, kernelTolerance: 1e-6 },
    limit: 'sgd-diffusion',
    saveTimes: [0, 0.25, 0.5],
    particles: { n: 1000, epsilon, batch: 1, seeds: 6 },
    curveSteps: 0,
    seed: 1,
    ...extra,
  });

describe('SGD-diffusion limit on (r1, r2) (anisotropic Gaussians, MMN σ, d = 40, s0 = 10)', () => {
  it('conserves mass, stays positive, tends to the deterministic limit as ε → 0, and its shift is linear in ε', async () => {
    // one problem (the moment tables are built once), solved at a fixed Δt so that every run shares the time discretisation
    const spec = await parseSpec(fixedSigma(1e-6, { saveTimes: [0, 0.1, 0.2] }));
    const problem = buildPdeProblem(spec.runs[0]);
    if (problem.method !== 'finite-volume' || !problem.sgdDiffusion) throw new Error('expected a finite-volume SGD-diffusion problem');
    const solveAt = (epsilon: number | null) =>
      solveFiniteVolume(
        { operators: problem.operators, initialMass: problem.initial.mass, schedule: problem.schedule, sgdDiffusion: epsilon === null ? undefined : { ...problem.sgdDiffusion!, epsilon } },
        { saveTimes: problem.saveTimes, dt: 2e-3, storeDensity: false },
      );
    const deterministic = solveAt(null);
    const [tiny, small, double] = [1e-12, 1e-6, 2e-6].map(solveAt);
    for (const run of [tiny, small, double]) {
      for (const m of run.mass) expect(Math.abs(m - 1)).toBeLessThan(1e-13);
      for (const m of run.minMass) expect(m).toBeGreaterThanOrEqual(0);
    }
    for (let k = 1; k < tiny.times.length; k++) {
      for (let a = 0; a < 2; a++) {
        // noise switched off (ε = 1e-12): the deterministic solution on the same grid, to O(ε)
        expect(Math.abs(tiny.means[a][k] - deterministic.means[a][k])).toBeLessThan(1e-9);
        const s1 = small.means[a][k] - deterministic.means[a][k];
        const s2 = double.means[a][k] - deterministic.means[a][k];
        // the shift is O(ε): doubling ε doubles it up to the O(ε²) terms
        expect(Math.abs(s1)).toBeGreaterThan(1e-6);
        expect(Math.abs(s2 / s1 - 2)).toBeLessThan(0.02);
      }
    }
  });

  // The band's se comes from 6 seeds, so |gap| / band is a t statistic with 5 degrees of freedom: beyond 4.03 the
  // deterministic limit is rejected at the 1 % level (two-sided), within 3 the diffusion limit is not rejected at 3 %.
  it('SGD at ε = 3e-4 (N = 1000, 6 seeds): the deterministic limit misses mean r2 by > 4.03 se (t₅, 1 %), the diffusion limit is within 3 se', async () => {
    const r = (await runCompare(fixedSigma(3e-4), {}, { workers: 2, curveSteps: 0 })).runs[0];
    const S = r.particles.seeds;
    for (let k = 1; k < r.times.length; k++) {
      const sgd = r.particles.means[1][k];
      const se = r.particles.meanStds[1][k] / Math.sqrt(S);
      // the PDE's own discretisation error (Richardson) widens the band
      const band = Math.sqrt(se * se + r.pde.meanError![1][k] ** 2);
      expect(Math.abs(sgd - r.pde.check!.means[1][k]) / band).toBeGreaterThan(4.03);
      expect(Math.abs(sgd - r.pde.means[1][k]) / band).toBeLessThan(3);
    }
  });
});
