/**
 * The isotropic-Gaussians model's `clt` capability (src/clt/index.ts, `CltCapability`): the radial
 * separable kernel for the adjoint, U(w, w) for C1, the quadrature of the initial law of r = |w| and
 * the online-SGD noise closed forms (./clt-noise.ts).
 */
import type { CltCapability } from '../../src/clt/index.ts';
import { ConfigError } from '../../src/errors.ts';
import { gaussLegendre } from '../../src/numerics/quadrature.ts';
import { chiLogDensity, radialQuadrature } from '../../solvers/characteristics.ts';
import { separableRadial } from './adapters.ts';
import { isotropicSgdNoise } from './clt-noise.ts';
import type { RadialGrid, RadialInit } from './definition.ts';
import type { IsotropicGaussians } from './index.ts';

/**
 * Lowest Mehler order of the adjoint's kernel: the adjoint uses ψ'' as well as ψ', and the derivative
 * series converge like u (K = 30 at d = 40 is at round-off; README.md, "Truncating the Mehler series").
 */
const MIN_ADJOINT_ORDER = 30;

/** Gauss–Legendre panels × nodes per panel of the quadrature of ρ̄_0 (M = 100 nodes; src/clt/README.md, "Assembly"). */
const INIT_PANELS = 4;
const INIT_PANEL_NODES = 25;

/** grid.rMax: the radius that bounds the quadrature of ρ̄_0 and the kernel's truncation region. */
function rMaxOf(grid: RadialGrid | undefined): number {
  if (!grid) throw new ConfigError('grid', 'the CLT prediction needs a "grid" block: its rMax bounds the radii of the initial-law quadrature and of the kernel truncation');
  return grid.rMax;
}

export function isotropicClt(model: IsotropicGaussians): CltCapability<RadialInit, RadialGrid> {
  const d = model.d;
  return {
    initialLaw(init, grid) {
      switch (init.kind) {
        case 'gaussian':
          // at d = ∞ the radius concentrates at s
          return d === 'inf'
            ? { nodes: Float64Array.of(init.scale), weights: Float64Array.of(1) }
            : radialQuadrature(chiLogDensity(d, init.scale), rMaxOf(grid), INIT_PANELS, INIT_PANEL_NODES);
        case 'uniform': {
          if (!(init.hi > init.lo)) throw new ConfigError('init.hi', `must be > init.lo = ${init.lo} (got ${init.hi})`);
          const rule = gaussLegendre(INIT_PANELS * INIT_PANEL_NODES, init.lo, init.hi);
          return { nodes: rule.nodes, weights: rule.weights.map((w) => w / (init.hi - init.lo)) };
        }
        case 'shell':
          return { nodes: Float64Array.of(init.radius), weights: Float64Array.of(1) };
        case 'density':
          throw new ConfigError('init.kind', 'must be "gaussian", "uniform" or "shell" for the CLT prediction (got "density")');
      }
    },
    kernelOrder: (tolerance, grid) => (d === 'inf' ? 0 : Math.max(model.truncationOrder(tolerance, rMaxOf(grid)), MIN_ADJOINT_ORDER)),
    kernel: (order) => separableRadial(model, order),
    selfInteraction: (r) => model.uDiag(r),
    sgdNoise: (options = {}) => isotropicSgdNoise(model, options),
  };
}
