/**
 * The landscape capability (src/landscape) of the isotropic model: v and the angular average u_d of the
 * kernel in r = |w|, with the Mehler series truncated at the smallest order whose rigorous bound is
 * below the requested tolerance on [0, rMax]² (kernel.ts). u_d is a Gram kernel (an average of
 * E[σ(<w1,x>) σ(<w2,x>)] over rotations), hence PSD, as the capability requires.
 */
import type { LandscapeCapability } from '../../src/landscape/index.ts';
import type { IsotropicGaussians } from './index.ts';

export function landscapeCapability(model: IsotropicGaussians): LandscapeCapability {
  return {
    pointwise(tolerance, rMax) {
      const K = model.truncationOrder(tolerance, rMax);
      return { riskConstant: model.riskConstant, v: (r) => model.v(r), u: (r1, r2) => model.u(r1, r2, K) };
    },
  };
}
