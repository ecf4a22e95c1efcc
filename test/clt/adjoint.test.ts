import { describe, expect, it } from 'vitest';
import {
  commensurateStep,
  influenceFunctions,
  meanRadius,
  riskObservable,
  solveAdjoint,
  weightedVariance,
  type RadialKernelModel,
  type RadialObservable,
} from '../../src/clt/adjoint.ts';
import { ConfigError } from '../../src/errors.ts';
import { separableRadial } from '../../reduced-models/isotropic-gaussians/adapters.ts';
import { IsotropicGaussians } from '../../reduced-models/isotropic-gaussians/index.ts';
import { solveCharacteristics } from '../../solvers/characteristics.ts';
import { centralDifference } from '../helpers/finite-differences.ts';

const constant = { kind: 'constant', value: 1 } as const;

describe('influence function along characteristics (src/clt/README.md, "It is the exact tangent-linear adjoint")', () => {
  // MMN Fig. 1 kernel (Δ = 0.8, d = 40, K = 30), a few weighted nodes spread over the initial law
  const model = new IsotropicGaussians({ delta: 0.8, d: 40 });
  const kernel = separableRadial(model, 30);
  const nodes = Float64Array.from([0.45, 0.6, 0.7, 0.78, 0.85, 0.93, 1.05, 1.2]);
  const weights = Float64Array.from([0.05, 0.1, 0.15, 0.2, 0.2, 0.15, 0.1, 0.05]);
  const T = 1;
  const dt = 5e-3;
  const observables = [riskObservable(kernel), meanRadius];
  const full = influenceFunctions({ model: kernel, nodes, weights, schedule: constant }, [0, 0.5, T], observables, { dt });
  const ablation = influenceFunctions({ model: kernel, nodes, weights, schedule: constant }, [0, 0.5, T], observables, { dt, nonlocal: false });

  it('polls onStep after every forward step, so a stop ends the forward path before the backward sweep (a stop waited ~20 s for the first backward node)', () => {
    const steps: number[] = [];
    let nodesSeen = 0;
    const stop = new Error('stop');
    const run = () =>
      influenceFunctions({ model: kernel, nodes, weights, schedule: constant }, [0, 0.5, T], observables, {
        dt,
        onNode: () => void nodesSeen++,
        onStep: (t) => {
          steps.push(t);
          if (steps.length === 10) throw stop;
        },
      });
    expect(run).toThrow(stop);
    expect(steps[9]).toBeCloseTo(10 * dt, 12);
    expect(nodesSeen).toBe(0);
  });

  const phiT = (obs: RadialObservable, x0: Float64Array, p: Float64Array): number => {
    const traj = solveCharacteristics({ model: kernel, nodes: x0, weights: p, schedule: constant }, { saveTimes: [T], dt });
    return obs.value(traj.positions[0], p);
  };
  const delta = 1e-5;

  it('equals finite differences of the forward solver in the weights: dΦ_T/dP_k = G_k(0) (free mass) to 1e-6', () => {
    observables.forEach((obs, o) => {
      const G = full.G0[o][2];
      const scale = Math.max(...Array.from(G, Math.abs));
      const P = Float64Array.from(weights);
      for (const k of [0, 3, 6]) {
        const fd = centralDifference(P, k, delta, () => phiT(obs, nodes, P));
        expect(Math.abs(fd - G[k]) / scale).toBeLessThan(1e-6);
      }
    });
  });

  it('keeps Σ P fixed: along P + δ(e_k − P) the derivative is G_k(0) − Σ_j P_j G_j(0)', () => {
    observables.forEach((obs, o) => {
      const G = full.G0[o][2];
      const mean = G.reduce((s, g, j) => s + weights[j] * g, 0);
      const k = 4;
      const at = (e: number) => Float64Array.from(weights, (p, j) => p + e * ((j === k ? 1 : 0) - p));
      const fd = (phiT(obs, nodes, at(delta)) - phiT(obs, nodes, at(-delta))) / (2 * delta);
      expect(Math.abs(fd - (G[k] - mean)) / Math.abs(G[k] - mean)).toBeLessThan(1e-6);
    });
  });

  it('gives the derivative in the initial positions: dΦ_T/dX_k(0) = P_k D_k(0)', () => {
    observables.forEach((obs, o) => {
      const D = full.D0[o][2];
      const scale = Math.max(...Array.from(D, (v, j) => Math.abs(weights[j] * v)));
      const X = Float64Array.from(nodes);
      for (const k of [1, 4, 7]) {
        const fd = centralDifference(X, k, delta, () => phiT(obs, X, weights));
        expect(Math.abs(fd - weights[k] * D[k]) / scale).toBeLessThan(1e-6);
      }
    });
  });

  it('ablation (no nonlocal term) is not the derivative of the flow and overpredicts Var_init several-fold; both agree at T = 0', () => {
    for (let o = 0; o < 2; o++) {
      expect(ablation.varInit[o][0]).toBe(full.varInit[o][0]);
      expect(ablation.varInit[o][2] / full.varInit[o][2]).toBeGreaterThan(3);
      // G_full − G_ablation is far from a constant (which would leave the variance unchanged)
      const spread = (g: Float64Array) => Math.max(...g) - Math.min(...g);
      const diff = full.G0[o][2].map((g, j) => g - ablation.G0[o][2][j]);
      expect(spread(diff) / spread(full.G0[o][2])).toBeGreaterThan(1);
    }
    // Var_init(0) = Var_P(f(X(0))): 2ψ_0 for the risk, r for the mean radius
    expect(full.varInit[1][0]).toBeCloseTo(weightedVariance(nodes, weights), 15);
    expect(full.values[0][2]).toBeCloseTo(solveCharacteristics({ model: kernel, nodes, weights, schedule: constant }, { saveTimes: [T], dt }).risk[0], 12);
  });
});

describe('influence function: exact linear model', () => {
  // ψ = λr²/2 + κ r m, m = ∫ r ρ̄ (rank-1 kernel u = κ r r'): m_T = m_0 e^{−2(λ+κ)T}, so the influence
  // function of the mean radius is G(0, r) = r e^{−2(λ+κ)T} up to an additive constant (with free
  // mass, Σ P ≠ 1, the constant is not 0: G_j(0) = X_j(T) − 2κ ∫ X_j S dt); transport alone gives
  // X_T(r) = e^{−2λT}(r − m_0(1 − e^{−2κT})), i.e. Var = e^{−4λT} Var(r).
  const lambda = 0.7;
  const kappa = 0.4;
  const s = Math.sqrt(kappa);
  const base = {
    riskConstant: 1,
    rank: 1,
    v: (r: number) => (lambda * r * r) / 2,
    dv: (r: number) => lambda * r,
    features: (r: number, phi: Float64Array, dphi?: Float64Array) => {
      phi[0] = s * r;
      if (dphi) dphi[0] = s;
    },
  };
  const analytic: RadialKernelModel = {
    ...base,
    secondDerivatives: (_r, d2phi) => {
      d2phi[0] = 0;
      return lambda;
    },
  };
  const nodes = Float64Array.from([1.2, 1.5, 2.0, 2.4]);
  const weights = Float64Array.from([0.1, 0.4, 0.3, 0.2]);
  const T = 0.8;

  it('matches G(0, r) = r e^{−2(λ+κ)T} + const with analytic and with finite-difference ψ″, and the transport-only law', () => {
    for (const model of [analytic, base]) {
      const res = influenceFunctions({ model, nodes, weights, schedule: constant }, [T], [meanRadius], { dt: 0.005 });
      const G = res.G0[0][0];
      for (let j = 1; j < nodes.length; j++) expect(G[j] - G[0]).toBeCloseTo((nodes[j] - nodes[0]) * Math.exp(-2 * (lambda + kappa) * T), 9);
      expect(res.varInit[0][0]).toBeCloseTo(weightedVariance(nodes, weights) * Math.exp(-4 * (lambda + kappa) * T), 10);
      const abl = influenceFunctions({ model, nodes, weights, schedule: constant }, [T], [meanRadius], { dt: 0.005, nonlocal: false });
      expect(abl.varInit[0][0]).toBeCloseTo(weightedVariance(nodes, weights) * Math.exp(-4 * lambda * T), 10);
    }
  });

  it('scales time by the schedule ξ(t): with ξ = (t + 1)^{-1/2} the exponent is ∫ξ = 2(√(T+1) − 1)', () => {
    const schedule = { kind: 'power', t0: 1, alpha: 0.5 } as const;
    const res = influenceFunctions({ model: analytic, nodes, weights, schedule }, [T], [meanRadius], { dt: 0.005 });
    const tau = 2 * (Math.sqrt(T + 1) - 1);
    const G = res.G0[0][0];
    for (let j = 1; j < nodes.length; j++) expect(G[j] - G[0]).toBeCloseTo((nodes[j] - nodes[0]) * Math.exp(-2 * (lambda + kappa) * tau), 8);
  });
});

describe('time grid', () => {
  it('commensurateStep makes every save time a multiple of 4 steps ≤ the target', () => {
    const times = [0, 0.25, 0.5, 1, 3];
    const h = commensurateStep(times, 2e-3);
    expect(h).toBeLessThanOrEqual(2e-3);
    expect(h).toBeGreaterThan(1.9e-3);
    for (const t of times) {
      const k = t / (4 * h);
      expect(Math.abs(k - Math.round(k))).toBeLessThan(1e-9);
    }
  });

  it('rejects incommensurate save times (ConfigError naming saveTimes) and bad paths', () => {
    expect(() => commensurateStep([1, Math.SQRT2], 2e-3)).toThrow(ConfigError);
    expect(() => commensurateStep([1, Math.SQRT2], 2e-3)).toThrow(/saveTimes/);
    const model = separableRadial(new IsotropicGaussians({ delta: 0.8, d: 40 }), 4);
    const w = Float64Array.of(1);
    const path = { times: [0, 0.1, 0.3], positions: [w, w, w] };
    expect(() => solveAdjoint(model, w, constant, path, [meanRadius], [2])).toThrow(/uniform steps/);
    const uniform = { times: [0, 0.1, 0.2], positions: [w, w, w] };
    expect(() => solveAdjoint(model, w, constant, uniform, [meanRadius], [1])).toThrow(/even integers/);
  });
});
