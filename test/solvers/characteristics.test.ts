import { describe, expect, it } from 'vitest';
import { logGamma } from '../../src/numerics/special.ts';
import { chiLogDensity, radialQuadrature, solveCharacteristics, type SeparableRadialModel } from '../../solvers/characteristics.ts';

/** ψ(r; ρ̄) = λr²/2 + κ r ∫r'ρ̄(dr'): rank-1 kernel u = κ r r'. */
function linearModel(lambda: number, kappa: number): SeparableRadialModel {
  const s = Math.sqrt(kappa);
  return {
    riskConstant: 1,
    rank: 1,
    v: (r) => (lambda * r * r) / 2,
    dv: (r) => lambda * r,
    features: (r, phi, dphi) => {
      phi[0] = s * r;
      if (dphi) dphi[0] = s;
    },
  };
}

describe('characteristics (Lagrangian) solver', () => {
  // Exact: m(t) = m0 e^{−2(λ+κ)t},  X(t) = e^{−2λt} (X0 − m0 (1 − e^{−2κt}))
  const lambda = 0.7;
  const kappa = 0.4;
  const exact = (x0: number, m0: number, t: number) => Math.exp(-2 * lambda * t) * (x0 - m0 * (1 - Math.exp(-2 * kappa * t)));

  it('matches the closed-form nonlocal linear flow and converges at 4th order in dt', () => {
    const nodes = Float64Array.from([1.2, 1.5, 2.0, 2.4]);
    const weights = Float64Array.from([0.1, 0.4, 0.3, 0.2]);
    const m0 = nodes.reduce((s, x, j) => s + x * weights[j], 0);
    const errors: number[] = [];
    for (const dt of [0.1, 0.05, 0.025]) {
      const traj = solveCharacteristics({ model: linearModel(lambda, kappa), nodes, weights, schedule: { kind: 'constant', value: 1 } }, { saveTimes: [1], dt });
      let err = 0;
      for (let j = 0; j < nodes.length; j++) err = Math.max(err, Math.abs(traj.positions[0][j] - exact(nodes[j], m0, 1)));
      errors.push(err);
    }
    const orders = errors.slice(1).map((e, i) => Math.log2(errors[i] / e));
    for (const p of orders) expect(p).toBeGreaterThan(3.8);
    expect(errors[2]).toBeLessThan(1e-7);
  });

  it('risk is non-increasing along the flow and equals R# + 2Σ P v + A²', () => {
    const nodes = Float64Array.from([0.5, 1, 3]);
    const weights = Float64Array.from([0.2, 0.5, 0.3]);
    const saveTimes = Array.from({ length: 21 }, (_, i) => i * 0.1);
    const traj = solveCharacteristics({ model: linearModel(lambda, kappa), nodes, weights, schedule: { kind: 'constant', value: 1 } }, { saveTimes, dt: 0.01 });
    for (let i = 1; i < traj.risk.length; i++) expect(traj.risk[i]).toBeLessThanOrEqual(traj.risk[i - 1]);
    const x = traj.positions[5];
    let m = 0;
    let v = 0;
    for (let j = 0; j < 3; j++) {
      m += weights[j] * x[j];
      v += weights[j] * (lambda * x[j] * x[j]) / 2;
    }
    expect(Math.abs(traj.risk[5] - (1 + 2 * v + kappa * m * m))).toBeLessThan(1e-14);
  });

  it('chi quadrature reproduces E r for w ~ N(0, s²/d I): s √(2/d) Γ((d+1)/2)/Γ(d/2)', () => {
    for (const d of [2, 5, 40, 320]) {
      const s = 0.8;
      const q = radialQuadrature(chiLogDensity(d, s), 10, 8, 40);
      let mean = 0;
      let second = 0;
      for (let j = 0; j < q.nodes.length; j++) {
        mean += q.weights[j] * q.nodes[j];
        second += q.weights[j] * q.nodes[j] ** 2;
      }
      // E r² = s² exactly; E r = s √(2/d) Γ((d+1)/2)/Γ(d/2)
      expect(Math.abs(second - s * s)).toBeLessThan(1e-13);
      const lg = logGamma((d + 1) / 2) - logGamma(d / 2); // each log Γ ≈ 650 at d = 320: ~1e-13 absolute
      expect(Math.abs(mean - s * Math.sqrt(2 / d) * Math.exp(lg))).toBeLessThan(3e-13);
    }
  });
});
