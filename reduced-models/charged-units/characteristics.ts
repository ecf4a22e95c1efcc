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
