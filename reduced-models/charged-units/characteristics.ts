/**
 * The circle model as a separable reduced model for the n-D characteristics solver
 * (solvers/characteristics-nd.ts, RK4 on weighted nodes) in the R = L convention of grid-operators.ts:
 * coordinates (y, c), features
 *     Φ_0 = √(λ_0/2) c,   Φ_{2k−1} = √(λ_k/2) c cos ky,   Φ_{2k} = √(λ_k/2) c sin ky   (k = 1 … m),
 * so that Σ_f Φ_f(θ) Φ_f(θ') = c c' k_m(y − y')/2 = u, potential v = −c F(y)/2, R# = ½‖f‖², and the
 * solver's −2ξ∇Ψ with ξ = 1 (FLOW_SCHEDULE) is the particle velocity of particles.ts. An independent integrator
 * for the same weighted-node flow (cross-checked in test/reduced-models/charged-units-particles.test.ts).
 */
import type { SeparableReducedModel } from '../../solvers/characteristics-nd.ts';
import type { VonMisesCircle } from './circle.ts';
import { quadratureNodes, type ProductLaw } from './laws.ts';
import type { ChargedUnitsModel } from './model.ts';
import { ChargedParticles } from './particles.ts';

export function circleSeparableReducedModel(model: VonMisesCircle): SeparableReducedModel {
  const m = model.kernelOrder;
  const rank = 2 * m + 1;
  const root = Float64Array.from(model.kernelEigenvalues, (lambda) => Math.sqrt(lambda / 2));
  return {
    ndim: 2,
    rank,
    riskConstant: model.halfTargetNormSquared,
    coordinates: ['y', 'c'],
    lower: [-Infinity, -Infinity],
    features(points, out, gradOut) {
      const n = points.length / 2;
      for (let i = 0; i < n; i++) {
        const y = points[2 * i];
        const c = points[2 * i + 1];
        out[i] = root[0] * c;
        if (gradOut) {
          gradOut[i] = 0; // ∂_y Φ_0
          gradOut[rank * n + i] = root[0]; // ∂_c Φ_0
        }
        for (let k = 1; k <= m; k++) {
          const cos = Math.cos(k * y);
          const sin = Math.sin(k * y);
          const fc = (2 * k - 1) * n + i;
          const fs = 2 * k * n + i;
          out[fc] = root[k] * c * cos;
          out[fs] = root[k] * c * sin;
          if (gradOut) {
            gradOut[fc] = -root[k] * c * k * sin;
            gradOut[fs] = root[k] * c * k * cos;
            gradOut[rank * n + fc] = root[k] * cos;
            gradOut[rank * n + fs] = root[k] * sin;
          }
        }
      }
    },
    potential(points, out) {
      for (let i = 0; i < points.length / 2; i++) out[i] = (-points[2 * i + 1] * model.F(points[2 * i])) / 2;
    },
    potentialGradient(points, out) {
      for (let i = 0; i < points.length / 2; i++) {
        const y = points[2 * i];
        out[2 * i] = (-points[2 * i + 1] * model.dF(y)) / 2;
        out[2 * i + 1] = -model.F(y) / 2;
      }
    },
  };
}

/** Weighted characteristics of the line's check: nodes per axis and the Heun step (README §5, measured there). */
export const LINE_CHECK = { nodesPerAxis: 32, dt: 0.02 } as const;

/**
 * Weighted characteristics with the exact kernel (the line has no finite separable form): tensor Gauss
 * nodes of ρ0 (laws.ts quadratureNodes) moved by the particle flow with Heun steps of ≤ dt landing on the
 * save times (O(M²) kernel sums per evaluation, M = nodes²). Returns L and the means of y and c.
 */
export function weightedCharacteristics(
  model: ChargedUnitsModel,
  law: ProductLaw,
  saveTimes: readonly number[],
  options: { nodesPerAxis?: number; dt?: number; shouldStop?: () => boolean } = {},
): { risk: number[]; means: number[][]; count: number; stoppedEarly: boolean } {
  const m = options.nodesPerAxis ?? LINE_CHECK.nodesPerAxis;
  const dtMax = options.dt ?? LINE_CHECK.dt;
  const p = ChargedParticles.fromNodes(model, quadratureNodes(law, m, m));
  const risk: number[] = [];
  const means: number[][] = [[], []];
  let t = 0;
  for (const target of saveTimes) {
    while (t < target - 1e-12 * Math.max(1, target)) {
      if (options.shouldStop?.()) return { risk, means, count: p.n, stoppedEarly: true };
      const steps = Math.ceil((target - t) / dtMax - 1e-9);
      const dt = (target - t) / steps;
      for (let s = 0; s < steps; s++) p.gdStep(dt, 'heun');
      t = target;
    }
    risk.push(p.loss());
    let my = 0;
    let mc = 0;
    for (let i = 0; i < p.n; i++) {
      my += p.w[i] * p.y[i];
      mc += p.w[i] * p.c[i];
    }
    means[0].push(my);
    means[1].push(mc);
  }
  return { risk, means, count: p.n, stoppedEarly: false };
}
