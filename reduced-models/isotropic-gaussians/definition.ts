/**
 * The isotropic-Gaussians model as a plug-in definition (src/model.ts): MMN's "centered isotropic
 * Gaussians", reduced coordinate r = |w| (README.md). Parameters: { delta, d, activation }; initial
 * laws of r: "gaussian" (w ~ N(0, s²/d I_d)), "uniform", "shell", "density"; grid { rMax, cells }.
 */
import { z } from 'zod';
import { ConfigError } from '../../src/errors.ts';
import { Grid } from '../../src/grid.ts';
import { initialMass } from '../../src/initial.ts';
import { defineModel, type Model, type NodeResolution, type ReducedSide, type WeightedNodes } from '../../src/model.ts';
import { HERMITE_HALF_WIDTH } from '../../src/numerics/hermite.ts';
import { compositeGaussLegendre } from '../../src/numerics/quadrature.ts';
import { dimension, jsonObject, number, numberList } from '../../src/spec/fields.ts';
import { chiLogDensity, radialQuadrature } from '../../solvers/characteristics.ts';
import { activationFromSpec } from '../activations.ts';
import { radialReducedModel } from './adapters.ts';
import { isotropicClt } from './clt-capability.ts';
import { isotropicSgdNoise, type IsotropicSgdNoise } from './clt-noise.ts';
import { IsotropicGaussians } from './index.ts';
import { landscapeCapability } from './landscape.ts';

export const isotropicGaussiansParams = z.strictObject({
  /** Δ: class ± has x ~ N(0, (1 ± Δ)² I_d). */
  delta: number({ above: 0, below: 1 }),
  d: dimension(2),
  /** σ, validated by reduced-models/activations.ts (MMN's piecewise-linear σ by default). */
  activation: jsonObject.default({ kind: 'mmn' }),
});
export type IsotropicGaussiansParams = z.output<typeof isotropicGaussiansParams>;

/** Initial laws of r = |w|. */
export const radialInit = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('gaussian'), scale: number({ above: 0 }) }),
  z.strictObject({ kind: z.literal('uniform'), lo: number({ min: 0 }), hi: number({ above: 0 }) }),
  z.strictObject({ kind: z.literal('shell'), radius: number({ min: 0 }) }),
  z.strictObject({ kind: z.literal('density'), values: numberList({ min: 0 }) }),
], { error: (issue) => (issue.code === 'invalid_union' ? 'must be an object with "kind": "gaussian", "uniform", "shell" or "density"' : undefined) });
export type RadialInit = z.output<typeof radialInit>;

/**
 * rMax: σ is evaluated at |t| up to ≈ 40·rMax by the quadratures, and a Gaussian initial law of scale s
 * must be resolved by the cells (checked in initialMass); beyond 1e3 no law the models use is resolved.
 * cells: memory and steps grow with it (./src/spec/resources.ts); 1e6 cells are ~1e8 doubles of kernel features.
 * Without `cells` the PDE chooses the count from `solver.riskTolerance`, refining from AUTOMATIC_START_CELLS.
 */
export const LARGEST_RMAX = 1e3;
export const LARGEST_CELLS = 1e6;
export const radialGrid = z.strictObject({ rMax: number({ above: 0, max: LARGEST_RMAX }), cells: number({ integer: true, min: 2, max: LARGEST_CELLS }).optional() });
export type RadialGrid = z.output<typeof radialGrid>;

/** The coarsest grid of an automatic cell count (src/pde/error-estimate.ts doubles it until the target is met). */
const AUTOMATIC_START_CELLS = 200;

/** Extra Mehler orders for velocities in characteristics: ∂u converges like u (K = 30 at d = 40 gives 4e-12). */
const VELOCITY_ORDER = 30;

/** Weighted nodes of an initial law of r on [0, rMax]. */
function radialNodes(init: RadialInit, d: number | 'inf', resolution: NodeResolution, rMax: number): WeightedNodes {
  switch (init.kind) {
    case 'gaussian':
      // at d = ∞ the radius concentrates at s
      return d === 'inf'
        ? { nodes: Float64Array.of(init.scale), weights: Float64Array.of(1) }
        : radialQuadrature(chiLogDensity(d, init.scale), rMax, resolution.panels, resolution.nodesPerPanel);
    case 'shell':
      return { nodes: Float64Array.of(init.radius), weights: Float64Array.of(1) };
    case 'uniform': {
      const breaks = Array.from({ length: resolution.panels - 1 }, (_, i) => init.lo + ((i + 1) * (init.hi - init.lo)) / resolution.panels);
      const rule = compositeGaussLegendre(init.lo, init.hi, breaks, resolution.nodesPerPanel);
      const weights = rule.weights.map((w) => w / (init.hi - init.lo));
      return { nodes: rule.nodes, weights };
    }
    case 'density':
      throw new ConfigError('init.kind', 'characteristics need a "gaussian", "uniform" or "shell" initial law (a "density" lives on the grid)');
  }
}

function reducedSide(model: IsotropicGaussians): ReducedSide<RadialGrid, RadialInit> {
  const d = model.d;
  return {
    coordinates: [{ name: 'r', min: 0, max: Infinity, jacobianExponent: d === 'inf' ? 0 : d - 1 }],
    riskConstant: model.riskConstant,
    defaultMethod: 'finite-volume',
    grid: (g) => {
      // the kernel's quadratures evaluate σ(q g) with q ≤ (1 + Δ) rMax and |g| ≤ HERMITE_HALF_WIDTH: check a formula σ
      // there now (the main thread builds the grid for the resource estimate), not minutes into the kernel's set-up
      model.activation.checkArguments?.(HERMITE_HALF_WIDTH * model.tau[0] * g.rMax);
      return Grid.uniform1d('r', 0, g.rMax, g.cells ?? AUTOMATIC_START_CELLS);
    },
    gridIsAutomatic: (g) => g.cells === undefined,
    gridOperators(grid, { tolerance }) {
      const operators = model.gridOperators(grid, { tolerance });
      const hi = grid.axes[0].hi;
      const order = model.truncationOrder(tolerance, hi);
      return { ...operators, kernel: { order, rank: model.featureCount(order), bound: model.truncationBound(order, hi), description: operators.interaction.description } };
    },
    initialMass(grid, init) {
      const hi = grid.axes[0].hi;
      if (init.kind === 'uniform' && init.hi > hi) throw new ConfigError('init.hi', `must be <= grid.rMax = ${hi} (got ${init.hi})`);
      if (init.kind === 'uniform' && !(init.hi > init.lo)) throw new ConfigError('init.hi', `must be > init.lo = ${init.lo} (got ${init.hi})`);
      if (init.kind === 'shell' && init.radius >= hi) throw new ConfigError('init.radius', `must be < grid.rMax = ${hi} (got ${init.radius})`);
      if (init.kind === 'density' && init.values.length !== grid.size) {
        throw new ConfigError('init.values', `must have one entry per grid cell (grid.cells = ${grid.size}, got ${init.values.length})`);
      }
      if (init.kind === 'gaussian' && d !== 'inf') {
        // the law of r has spread ≈ scale/√(2d): cells wider than twice that cannot carry its shape
        const spread = init.scale / Math.sqrt(2 * d);
        const h = grid.spacing[0];
        const needed = Math.ceil(hi / (2 * spread));
        // more cells than grid.cells allows: the scale is the field to change (or rMax, which must still hold the law)
        if (h > 2 * spread && needed > LARGEST_CELLS) throw new ConfigError('init.scale', `must be resolved by the grid: the law of r has spread scale/√(2d) = ${spread.toPrecision(3)}, and even ${LARGEST_CELLS} cells (the most grid.cells allows) on [0, ${hi}] are wider than twice that; make the scale at least ${((hi / LARGEST_CELLS) * Math.sqrt(2 * d) / 2).toExponential(2)} or grid.rMax at most ${(2 * spread * LARGEST_CELLS).toExponential(2)}`);
        if (h > 2 * spread) throw new ConfigError('grid.cells', `must resolve the initial law: the cell width rMax/cells = ${h.toPrecision(3)} is more than twice its spread scale/√(2d) = ${spread.toPrecision(3)}; use at least ${needed} cells or a smaller rMax`);
      }
      if (init.kind === 'gaussian') {
        return d === 'inf' ? initialMass(grid, { kind: 'shell', radius: init.scale }) : initialMass(grid, { kind: 'gaussian', scale: init.scale, d, largestRMax: LARGEST_RMAX });
      }
      return initialMass(grid, init);
    },
    initialNodes: (init, resolution, grid) => radialNodes(init, d, resolution, grid?.rMax ?? (init.kind === 'gaussian' ? 6 * init.scale + 1 : Infinity)),
    characteristics(cover, tolerance, fixedOrder) {
      let rMax = 0;
      for (const x of cover.positions) for (const r of x) rMax = Math.max(rMax, r);
      const order = fixedOrder ?? (d === 'inf' ? 0 : Math.max(model.truncationOrder(tolerance, rMax), VELOCITY_ORDER));
      const rank = model.featureCount(order);
      const bound = model.truncationBound(order, rMax);
      return {
        model: radialReducedModel(model, order),
        order,
        rank,
        bound,
        description: `isotropic-gaussians separable rank ${rank} (K=${order}; truncation bound ${bound.toExponential(2)} on (0, ${rMax.toPrecision(4)}]²)`,
      };
    },
    selfInteraction(points, out) {
      for (let i = 0; i < points.length; i++) out[i] = model.uDiag(points[i]);
    },
    noise: d === 'inf' ? undefined : { jacobianExponents: [d - 1] },
    sgdDiffusion(grid) {
      // README.md §7.1: the closed-form moments of the CLT noise rates, at the cell centres
      const availability = isotropicSgdNoise(model);
      if (!availability.available) throw new ConfigError('limit', `"sgd-diffusion" needs the SGD-noise closed forms: ${availability.reason}`);
      const moments = availability.noise as IsotropicSgdNoise;
      const r = grid.centres[0];
      const unused = new Float64Array(r.length); // ψ' enters the CLT rates only
      return {
        moments(mass, radialVariance, itoDrift) {
          moments.prepare(r, mass, unused);
          moments.unitMoments(radialVariance, itoDrift);
        },
      };
    },
    pointwise(tolerance, cover) {
      let rMax = 0;
      for (const x of cover) for (const r of x) rMax = Math.max(rMax, r);
      const K = model.truncationOrder(tolerance, rMax);
      return {
        method: d === 'inf' ? 'the rank-2 d = ∞ kernel' : `the Mehler series with K = ${K} (error <= ${tolerance} on (0, ${rMax}]²)`,
        potential: (x) => model.v(x[0]),
        interaction: (x, y) => model.u(x[0], y[0], K),
        selfInteraction: (x) => model.uDiag(x[0]),
      };
    },
  };
}

function build(params: IsotropicGaussiansParams): Model<RadialGrid, RadialInit> {
  const model = new IsotropicGaussians({ delta: params.delta, d: params.d, activation: activationFromSpec(params.activation, 'model.activation') });
  return {
    name: 'isotropic-gaussians',
    label: `isotropic Gaussians, Δ = ${params.delta}, d = ${params.d}`,
    reduced: reducedSide(model),
    particles:
      params.d === 'inf'
        ? undefined
        : {
            kind: 'ridge',
            model: model.particleModel(),
            initialLaw(init) {
              if (init.kind === 'shell') return { w: { kind: 'shell', radius: init.radius }, a: 1, b: 0 };
              if (init.kind !== 'gaussian') throw new ConfigError('init.kind', `particles start from "gaussian" (w ~ N(0, s²/d I_d)) or "shell" (|w| = r0, uniform directions); got "${init.kind}"`);
              return { w: { kind: 'gaussian', scale: init.scale }, a: 1, b: 0 };
            },
            trainable: { a: false, b: false },
          },
    capabilities: { landscape: landscapeCapability(model), clt: isotropicClt(model) },
  };
}

export const isotropicGaussians = defineModel({
  name: 'isotropic-gaussians',
  summary: 'MMN centered isotropic Gaussians: y = ±1, x ~ N(0, (1 ± Δ)² I_d), units σ(<w, x>); reduced coordinate r = |w|',
  params: isotropicGaussiansParams,
  init: radialInit,
  grid: radialGrid,
  build,
});
