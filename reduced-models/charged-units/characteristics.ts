/**
 * The circle model as a separable reduced model for the n-D characteristics solver
 * (solvers/characteristics-nd.ts, RK4 on weighted nodes): coordinates (y, c), features
 *     Φ_0 = √λ_0 c,   Φ_{2k−1} = √λ_k c cos ky,   Φ_{2k} = √λ_k c sin ky   (k = 1 … m),
 * so that Σ_f Φ_f(θ) Φ_f(θ') = c c' k_m(y − y') = u, potential v = −c F(y), R# = ‖f‖², and the solver's
 * −2ξ∇Ψ with ξ = ½ (FLOW_SCHEDULE) is the particle velocity of particles.ts. An independent integrator
 * for the same weighted-node flow (cross-checked in test/reduced-models/charged-units-particles.test.ts).
 */
import type { SeparableReducedModel } from '../../solvers/characteristics-nd.ts';
import type { VonMisesCircle } from './circle.ts';

export function circleSeparableReducedModel(model: VonMisesCircle): SeparableReducedModel {
  const m = model.kernelOrder;
  const rank = 2 * m + 1;
  const root = Float64Array.from(model.kernelEigenvalues, Math.sqrt);
  return {
    ndim: 2,
    rank,
    riskConstant: 2 * model.halfTargetNormSquared,
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
      for (let i = 0; i < points.length / 2; i++) out[i] = -points[2 * i + 1] * model.F(points[2 * i]);
    },
    potentialGradient(points, out) {
      for (let i = 0; i < points.length / 2; i++) {
        const y = points[2 * i];
        out[2 * i] = -points[2 * i + 1] * model.dF(y);
        out[2 * i + 1] = -model.F(y);
      }
    },
  };
}
