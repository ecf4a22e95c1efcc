/**
 * The charged-unit model as a separable reduced model for the n-D characteristics solver
 * (solvers/characteristics-nd.ts, RK4 on weighted nodes) in the R = L convention of grid-operators.ts,
 * for any kernel that is a cosine series k_m(δ) = Σ_{k=0}^m λ_k cos(kωδ): the circle's Bessel series
 * (ω = 1, circle.ts) or the line's periodised Gaussian (ω = 2π/P, line-fourier.ts). Coordinates (y, c), features
 *     Φ_0 = √(λ_0/2) c,   Φ_{2k−1} = √(λ_k/2) c cos kωy,   Φ_{2k} = √(λ_k/2) c sin kωy   (k = 1 … m),
 * so that Σ_f Φ_f(θ) Φ_f(θ') = c c' k_m(y − y')/2 = u, potential v = −c F(y)/2, R# = ½‖f‖², and the
 * solver's −2ξ∇Ψ with ξ = 1 (FLOW_SCHEDULE) is the particle velocity of particles.ts. An independent integrator
 * for the same weighted-node flow (cross-checked in test/reduced-models/charged-units-particles.test.ts).
 */
import type { SeparableReducedModel } from '../../solvers/characteristics-nd.ts';
import type { VonMisesCircle } from './circle.ts';
import type { GaussianLine } from './line.ts';
import type { PeriodisedGaussianKernel } from './line-fourier.ts';
import type { ChargedUnitsModel } from './model.ts';

/** The features of a cosine-series kernel of frequency ω and coefficients λ_0 … λ_m (module comment). */
export function fourierSeparableReducedModel(model: ChargedUnitsModel, omega: number, eigenvalues: Float64Array): SeparableReducedModel {
  const m = eigenvalues.length - 1;
  const rank = 2 * m + 1;
  const root = Float64Array.from(eigenvalues, (lambda) => Math.sqrt(lambda / 2));
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
          const w = k * omega;
          const cos = Math.cos(w * y);
          const sin = Math.sin(w * y);
          const fc = (2 * k - 1) * n + i;
          const fs = 2 * k * n + i;
          out[fc] = root[k] * c * cos;
          out[fs] = root[k] * c * sin;
          if (gradOut) {
            gradOut[fc] = -root[k] * c * w * sin;
            gradOut[fs] = root[k] * c * w * cos;
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

/** The circle's kernel series (order m = circle.kernelOrder). */
export function circleSeparableReducedModel(circle: VonMisesCircle): SeparableReducedModel {
  return fourierSeparableReducedModel(circle, 1, circle.kernelEigenvalues);
}

/** The line with the periodised kernel (exact to its bound on the span it was chosen for). */
export function lineSeparableReducedModel(line: GaussianLine, kernel: PeriodisedGaussianKernel): SeparableReducedModel {
  return fourierSeparableReducedModel(line, kernel.frequency, kernel.coefficients);
}
