/**
 * The anisotropic-Gaussians models in the separable form of the n-D characteristics solver
 * (solvers/characteristics-nd.ts).
 */
import type { SeparableReducedModel } from '../../solvers/characteristics-nd.ts';
import type { AnisotropicModel } from './index.ts';

/**
 * The anisotropic-Gaussians models (fixed σ on (r1, r2), or ReLU units on (a, b, r1, r2)) as a
 * separable reduced model of truncation order K (`model.truncationOrder` picks K for a tolerance;
 * at d = ∞ K is irrelevant: rank 2). Features and their gradients from `model.features`, v and ∇v
 * from `model.v` / `model.vGradient`; ∇Ψ = ∇v + Σ A_f ∇Φ_f is then what `model.psi` returns.
 */
export function anisotropicReducedModel(model: AnisotropicModel, K: number): SeparableReducedModel {
  const rank = model.featureCount(K);
  const ndim = model.ndim;
  const point = new Float64Array(ndim);
  const g = new Float64Array(ndim);
  return {
    ndim,
    rank,
    riskConstant: model.riskConstant,
    coordinates: model.coordinates.map((c) => c.name),
    lower: model.coordinates.map((c) => c.min),
    features: (points, out, gradOut) => void model.features(points, K, out, gradOut),
    potential(points, out) {
      const n = points.length / ndim;
      for (let i = 0; i < n; i++) {
        for (let a = 0; a < ndim; a++) point[a] = points[i * ndim + a];
        out[i] = model.v(point);
      }
    },
    potentialGradient(points, out) {
      const n = points.length / ndim;
      for (let i = 0; i < n; i++) {
        for (let a = 0; a < ndim; a++) point[a] = points[i * ndim + a];
        model.vGradient(point, g);
        for (let a = 0; a < ndim; a++) out[i * ndim + a] = g[a];
      }
    },
  };
}

