/**
 * n-D characteristics solver (solvers/characteristics-nd.ts): exact solution of a separable toy flow,
 * 4th order in dt, risk monotone, frozen axes and clamping; the 4-D ReLU model of MMN Fig. 3 at finite
 * (d, s0) against a direct particle ODE of the same nodes (pairwise kernel, finite differences); the
 * O(1/d) gap between finite d and d = ∞ before the units split.
 */
import { describe, expect, it } from 'vitest';
import { AnisotropicReluGaussians } from '../../reduced-models/anisotropic-gaussians/index.ts';
import { anisotropicReducedModel } from '../../reduced-models/anisotropic-gaussians/adapters.ts';
import { chiPairQuadrature, withConstantCoordinates } from '../../reduced-models/gaussian-laws.ts';
import { solveCharacteristicsNd, type SeparableReducedModel } from '../../solvers/characteristics-nd.ts';
import { evaluateSchedule, type StepSchedule } from '../../src/types.ts';

/**
 * ψ(θ; ρ) = Σ_a λ_a θ_a²/2 + κ <θ, m>, m = ∫θ dρ: v = Σ λ_a θ_a²/2, rank-D kernel u = κ <θ, θ'>.
 * dθ/dt = −2ξ (Λθ + κ m) ⇒ with τ = ∫_0^t ξ:  m_a(τ) = m_a(0) e^{−2(λ_a+κ)τ},
 * θ_a(τ) = e^{−2λ_a τ} (θ_a(0) − m_a(0)(1 − e^{−2κτ})).
 */
function linearModel(lambda: number[], kappa: number, lower?: number[]): SeparableReducedModel {
  const D = lambda.length;
  const s = Math.sqrt(kappa);
  return {
    ndim: D,
    rank: D,
    riskConstant: 1,
    coordinates: lambda.map((_, a) => `x${a}`),
    lower: lower ?? lambda.map(() => -Infinity),
    features(points, out, gradOut) {
      const n = points.length / D;
      for (let f = 0; f < D; f++) for (let i = 0; i < n; i++) out[f * n + i] = s * points[i * D + f];
      if (gradOut) for (let ax = 0; ax < D; ax++) for (let f = 0; f < D; f++) for (let i = 0; i < n; i++) gradOut[(ax * D + f) * n + i] = ax === f ? s : 0;
    },
    potential(points, out) {
      const n = points.length / D;
      for (let i = 0; i < n; i++) {
        let v = 0;
        for (let a = 0; a < D; a++) v += (lambda[a] * points[i * D + a] ** 2) / 2;
        out[i] = v;
      }
    },
    potentialGradient(points, out) {
      for (let i = 0; i < points.length; i++) out[i] = lambda[i % D] * points[i];
    },
  };
}

function exactLinear(lambda: number[], kappa: number, nodes: Float64Array, weights: Float64Array, tau: number): Float64Array {
  const D = lambda.length;
  const n = weights.length;
  const m0 = new Float64Array(D);
  for (let j = 0; j < n; j++) for (let a = 0; a < D; a++) m0[a] += weights[j] * nodes[j * D + a];
  const out = new Float64Array(nodes.length);
  for (let j = 0; j < n; j++) {
    for (let a = 0; a < D; a++) out[j * D + a] = Math.exp(-2 * lambda[a] * tau) * (nodes[j * D + a] - m0[a] * (1 - Math.exp(-2 * kappa * tau)));
  }
  return out;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('n-D characteristics solver', () => {
  const lambda = [0.7, 0.2, 1.1];
  const kappa = 0.4;
  const nodes = Float64Array.from([1.2, -0.3, 0.5, 1.5, 0.2, -0.4, 2.0, 0.9, 0.1, 2.4, -1.0, 0.8]);
  const weights = Float64Array.from([0.1, 0.4, 0.3, 0.2]);
  // ξ(t) = (t + 0.5)^(−1/4): τ(t) = ((t + t0)^{3/4} − t0^{3/4}) / (3/4)
  const schedule: StepSchedule = { kind: 'power', t0: 0.5, alpha: 0.25 };
  const tau = (t: number) => (Math.pow(t + 0.5, 0.75) - Math.pow(0.5, 0.75)) / 0.75;

  it('matches the closed-form nonlocal linear flow with a power schedule and converges at 4th order in dt', () => {
    const exact = exactLinear(lambda, kappa, nodes, weights, tau(1));
    const errors: number[] = [];
    for (const dt of [0.1, 0.05, 0.025]) {
      const traj = solveCharacteristicsNd({ model: linearModel(lambda, kappa), nodes, weights, schedule }, { saveTimes: [1], dt });
      errors.push(maxDiff(traj.positions[0], exact));
    }
    const orders = errors.slice(1).map((e, i) => Math.log2(errors[i] / e));
    for (const p of orders) expect(p).toBeGreaterThan(3.8);
    expect(errors[2]).toBeLessThan(1e-7);
  });

  it('adaptive step doubling reaches the exact solution to about its tolerance, and the risk is R# + 2ΣPv + |A|², non-increasing', () => {
    const saveTimes = [0, 0.25, 0.5, 1, 2, 4];
    const traj = solveCharacteristicsNd({ model: linearModel(lambda, kappa), nodes, weights, schedule }, { saveTimes, dt: 0.5, tolerance: 1e-8 });
    saveTimes.forEach((t, k) => expect(maxDiff(traj.positions[k], exactLinear(lambda, kappa, nodes, weights, tau(t)))).toBeLessThan(1e-7));
    for (let k = 1; k < traj.risk.length; k++) expect(traj.risk[k]).toBeLessThanOrEqual(traj.risk[k - 1]);
    const x = traj.positions[3];
    let v = 0;
    const m = [0, 0, 0];
    for (let j = 0; j < 4; j++) for (let a = 0; a < 3; a++) {
      v += (weights[j] * lambda[a] * x[j * 3 + a] ** 2) / 2;
      m[a] += weights[j] * x[j * 3 + a];
    }
    expect(Math.abs(traj.risk[3] - (1 + 2 * v + kappa * (m[0] ** 2 + m[1] ** 2 + m[2] ** 2)))).toBeLessThan(1e-14);
    // weighted means and stds as recorded
    expect(Math.abs(traj.means[1][3] - m[1])).toBeLessThan(1e-14);
    expect(traj.steps).toBeLessThan(200);
  });

  it('frozen axes do not move; coordinates are clamped to their lower ends', () => {
    const frozen = solveCharacteristicsNd({ model: linearModel(lambda, kappa), nodes, weights, schedule }, { saveTimes: [1], dt: 0.05, frozenAxes: [1] });
    for (let j = 0; j < 4; j++) expect(frozen.positions[0][j * 3 + 1]).toBe(nodes[j * 3 + 1]);
    // x0 ≥ 0.3: the flow pulls x0 towards 0, every node ends on the wall
    const clamped = solveCharacteristicsNd({ model: linearModel(lambda, kappa, [0.3, -Infinity, -Infinity]), nodes, weights, schedule }, { saveTimes: [20], dt: 0.05 });
    for (let j = 0; j < 4; j++) expect(clamped.positions[0][j * 3]).toBe(0.3);
  });


  it('a stop request is honoured before the next velocity evaluation (one can take seconds), keeping the last accepted state', () => {
    for (const tolerance of [undefined, 1e-8]) {
      const model = linearModel(lambda, kappa);
      // the stop is requested from inside the 6th evaluation (the middle of an RK4 step), as a signal arrives
      let evaluations = 0;
      let requested = false;
      const counted: SeparableReducedModel = {
        ...model,
        features: (p, out, grad) => {
          if (++evaluations >= 6) requested = true;
          model.features(p, out, grad);
        },
      };
      const traj = solveCharacteristicsNd({ model: counted, nodes, weights, schedule }, { saveTimes: [0, 1], dt: 0.01, tolerance, shouldStop: () => requested });
      expect(traj.stoppedEarly).toBe(true);
      expect(evaluations).toBe(6);
      expect(traj.times).toEqual([0]);
    }
  });

  it('4-D ReLU model at (d, s0) = (40, 10): same nodes as a direct particle ODE (pairwise kernel u, finite-difference gradients)', () => {
    const model = new AnisotropicReluGaussians({ delta: 0.5, d: 40, s0: 10 });
    const q = chiPairQuadrature({ d: 40, s0: 10, scale: 0.8, panels: 1, nodesPerPanel: 3 });
    const x0 = withConstantCoordinates(q.nodes, [1, 1]);
    const w = q.weights;
    const K = 12;
    const T = 1.5;
    const dt = 0.05;
    const sched: StepSchedule = { kind: 'power', t0: 1, alpha: 0.25 };
    const traj = solveCharacteristicsNd({ model: anisotropicReducedModel(model, K), nodes: x0, weights: w, schedule: sched }, { saveTimes: [T], dt });
    // direct: Ψ(θ) = v(θ) + Σ_k P_k u^{(K)}(θ, θ_k) by the series in pairs, ∇ by central differences (h = 1e-5), RK4
    const n = w.length;
    const psi = (theta: Float64Array, x: Float64Array) => {
      let s = model.v(theta);
      for (let k = 0; k < n; k++) s += w[k] * model.u(theta, x.subarray(4 * k, 4 * k + 4), K);
      return s;
    };
    const vel = (x: Float64Array, t: number, out: Float64Array) => {
      const xi = evaluateSchedule(sched, t);
      const th = new Float64Array(4);
      for (let j = 0; j < n; j++) {
        for (let a = 0; a < 4; a++) {
          const h = 1e-5;
          th.set(x.subarray(4 * j, 4 * j + 4));
          th[a] += h;
          const up = psi(th, x);
          th[a] -= 2 * h;
          const dn = psi(th, x);
          out[4 * j + a] = (-2 * xi * (up - dn)) / (2 * h);
        }
      }
    };
    const x = Float64Array.from(x0);
    const k1 = new Float64Array(x.length), k2 = new Float64Array(x.length), k3 = new Float64Array(x.length), k4 = new Float64Array(x.length), tmp = new Float64Array(x.length);
    for (let t = 0; t < T - 1e-12; t += dt) {
      vel(x, t, k1);
      for (let i = 0; i < x.length; i++) tmp[i] = x[i] + 0.5 * dt * k1[i];
      vel(tmp, t + dt / 2, k2);
      for (let i = 0; i < x.length; i++) tmp[i] = x[i] + 0.5 * dt * k2[i];
      vel(tmp, t + dt / 2, k3);
      for (let i = 0; i < x.length; i++) tmp[i] = x[i] + dt * k3[i];
      vel(tmp, t + dt, k4);
      for (let i = 0; i < x.length; i++) x[i] += (dt / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    }
    // the nodes moved by O(1) (a: 1 → ~0.4) and agree to the finite-difference error (~1e-9 per evaluation)
    expect(Math.abs(traj.positions[0][0] - 1)).toBeGreaterThan(0.3);
    expect(maxDiff(traj.positions[0], x)).toBeLessThan(1e-7);
  });

  it('finite d vs d = ∞ before the split: the risk gap is O(1/d) (d = 40 vs 320 at s0/d = 1/4: ratio ≈ 8)', () => {
    const saveTimes = [0.5, 1, 2];
    const sched: StepSchedule = { kind: 'power', t0: 1, alpha: 0.25 };
    const infModel = new AnisotropicReluGaussians({ delta: 0.3, d: 'inf' });
    const one = chiPairQuadrature({ d: 'inf', gamma: 1 / 4, scale: 0.8 });
    const inf = solveCharacteristicsNd({ model: anisotropicReducedModel(infModel, 0), nodes: withConstantCoordinates(one.nodes, [1, 1]), weights: one.weights, schedule: sched }, { saveTimes, dt: 0.01, tolerance: 1e-9 });
    const gaps = [40, 320].map((d) => {
      const s0 = d / 4;
      const model = new AnisotropicReluGaussians({ delta: 0.3, d, s0 });
      const q = chiPairQuadrature({ d, s0, scale: 0.8, panels: 3, nodesPerPanel: 8 });
      const traj = solveCharacteristicsNd({ model: anisotropicReducedModel(model, 8), nodes: withConstantCoordinates(q.nodes, [1, 1]), weights: q.weights, schedule: sched }, { saveTimes, dt: 0.01, tolerance: 1e-9 });
      return traj.risk.map((r, k) => Math.abs(r - inf.risk[k]));
    });
    for (let k = 0; k < saveTimes.length; k++) {
      expect(gaps[1][k]).toBeLessThan(1 / 320);
      const ratio = gaps[0][k] / gaps[1][k];
      // O(1/d) with an O(1/d²) correction (d·gap = 0.0086, 0.0083, 0.0195 at d = 40 and 0.0087, 0.0086, 0.0209 at 320): 8 (1 ± 15 %)
      expect(ratio).toBeGreaterThan(8 * 0.85);
      expect(ratio).toBeLessThan(8 * 1.15);
    }
  });
});
