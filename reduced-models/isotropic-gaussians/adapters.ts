/**
 * The isotropic-Gaussians model in the two separable forms the characteristics solvers take: the 1-D
 * radial form of solvers/characteristics.ts (also used by the CLT adjoint and the separatrix-aware
 * reference) and the n-D form of solvers/characteristics-nd.ts. Both truncate the Mehler series at
 * order K (README §3).
 */
import type { SeparableRadialModel } from '../../solvers/characteristics.ts';
import type { SeparableReducedModel } from '../../solvers/characteristics-nd.ts';
import type { IsotropicGaussians } from './index.ts';

/** The model as a separable radial model of order K for the 1-D characteristics solver. */
export function separableRadial(model: IsotropicGaussians, K: number): SeparableRadialModel {
  const rank = model.featureCount(K);
  const point = new Float64Array(1);
  return {
    riskConstant: model.riskConstant,
    rank,
    v: (r) => model.v(r),
    dv: (r) => model.dv(r),
    features(r, phi, dphi) {
      point[0] = r;
      model.features(point, K, phi, dphi);
    },
  };
}

/**
 * The isotropic-Gaussians model (MMN eq. 13, coordinate r = |w| ≥ 0) as a 1-D separable reduced model
 * of order K: Φ_(±,k)(r) = √(m_k(d)/2) c_k(τ± r) and Φ' from `model.features`, v and v' from the
 * model. Unlike the 1-D solver (solvers/characteristics.ts) this clamps r ≥ 0 inside the Runge–Kutta stages too, which
 * matters when ψ'(0+) > 0 (MMN Fig. 4's σ has a kink at t = 0, so mass at small r flows into r = 0).
 */
export function radialReducedModel(model: IsotropicGaussians, K: number): SeparableReducedModel {
  const rank = model.featureCount(K);
  return {
    ndim: 1,
    rank,
    riskConstant: model.riskConstant,
    coordinates: ['r'],
    lower: [0],
    features: (points, out, gradOut) => void model.features(points, K, out, gradOut),
    potential(points, out) {
      for (let i = 0; i < points.length; i++) out[i] = model.v(points[i]);
    },
    potentialGradient(points, out) {
      for (let i = 0; i < points.length; i++) out[i] = model.dv(points[i]);
    },
  };
}

