/**
 * The anisotropic-Gaussians models as plug-in definitions (src/model.ts; math in README.md):
 *   "anisotropic-gaussians"       fixed σ(<w, x>), reduced coordinates (r1, r2) (MMN Theorem 2);
 *   "anisotropic-gaussians-relu"  units a·relu(<w, x> + b), coordinates (a, b, r1, r2) (MMN Fig. 3).
 * Parameters { delta, d, s0 [, activation] }; initial law w ~ N(0, s²/d I_d) with a, b constants:
 * { "w": { "kind": "gaussian", "scale": s }, "a": 1, "b": 0 } (or { "kind": "gaussian", "scale": s }).
 * Characteristics by default (the law is a point mass in (a, b)); finite volumes on a grid
 * { "axes": [{ "name": "r1", "lo", "hi", "cells" }, …] } with the coordinates in order.
 */
import { z } from 'zod';
import { ConfigError } from '../../src/errors.ts';
import { Grid } from '../../src/grid.ts';
import { initialMass } from '../../src/initial.ts';
import { defineModel, type Model, type ParticleSide, type ReducedSide, type WeightedNodes } from '../../src/model.ts';
import { allowed, jsonObject, MAX_DIMENSION, number } from '../../src/spec/fields.ts';
import { activationFromSpec } from '../activations.ts';
import { chiPairQuadrature, withConstantCoordinates } from '../gaussian-laws.ts';
import { anisotropicReducedModel } from './adapters.ts';
import { AnisotropicGaussians, AnisotropicReluGaussians, type AnisotropicModel, type PointLattice } from './index.ts';
import { AnisotropicSgdNoise } from './sgd-noise.ts';
import type { SgdGradientMoments } from '../../src/types.ts';

/** d: a finite integer >= 3 (the particles live in R^d; d = ∞ is the companion PDE). */
const finiteDimension = z.unknown().transform((d, ctx) => {
  if (d === 'inf' || d === 'infinity' || d === 'Infinity') {
    ctx.addIssue({ code: 'custom', message: 'must be a finite integer >= 3: the particles live in R^d (the d = ∞ PDE is solved beside it, "solver.companion")' });
    return z.NEVER;
  }
  const r = number({ integer: true, min: 3, max: MAX_DIMENSION }).safeParse(d);
  if (!r.success) {
    ctx.addIssue({ code: 'custom', message: r.error.issues[0].message });
    return z.NEVER;
  }
  return r.data;
});

/** s0 in [1, d − 1]. */
function checkS0(p: { d: number; s0: number }, ctx: z.RefinementCtx): void {
  if (p.s0 >= p.d) ctx.addIssue({ code: 'custom', path: ['s0'], message: `must be an integer >= 1 and <= ${p.d - 1} (got ${p.s0})` });
}

const fixedParams = z
  .strictObject({ delta: number({ above: 0, below: 1 }), d: finiteDimension, s0: number({ integer: true, min: 1 }), activation: jsonObject.default({ kind: 'mmn' }) })
  .superRefine(checkS0);
const reluParams = z.strictObject({ delta: number({ above: 0, below: 1 }), d: finiteDimension, s0: number({ integer: true, min: 1 }) }).superRefine(checkS0);

/** w ~ N(0, s²/d I_d); a and b the same for every unit. */
const gaussianInit = z.union(
  [
    z.strictObject({
      w: z.strictObject({ kind: z.literal('gaussian', allowed('"gaussian"')), scale: number({ above: 0 }) }),
      a: number().default(1),
      b: number().default(0),
    }),
    z.strictObject({ kind: z.literal('gaussian', allowed('"gaussian"')), scale: number({ above: 0 }) }).transform((o) => ({ w: o, a: 1, b: 0 })),
  ],
  allowed('{ "w": { "kind": "gaussian", "scale": s }, "a", "b" } or { "kind": "gaussian", "scale": s }'),
);
type GaussianInit = z.output<typeof gaussianInit>;

/** The fixed-σ model has a = 1 and b = 0 for every unit. */
const fixedInit = gaussianInit.superRefine((init, ctx) => {
  if (init.a !== 1) ctx.addIssue({ code: 'custom', path: ['a'], message: `anisotropic-gaussians units have a = 1 fixed (got ${init.a})` });
  if (init.b !== 0) ctx.addIssue({ code: 'custom', path: ['b'], message: `anisotropic-gaussians units have b = 0 fixed (got ${init.b})` });
});

const axisSpec = z.strictObject({ name: z.string(), lo: number(), hi: number(), cells: number({ integer: true, min: 1, max: 1e7 }) });
const ndGrid = z.strictObject({ axes: z.array(axisSpec, allowed('an array of { name, lo, hi, cells }')).min(1) });
type NdGrid = z.output<typeof ndGrid>;

const linspace = (lo: number, hi: number, n: number): number[] =>
  hi > lo ? Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1)) : [lo];

/**
 * Lattice for the truncation bound: per coordinate, 12 values spanning the weighted [0.1 %, 99.9 %]
 * quantile range of the nodes over all the given node sets (|a| bound from the same range). Nodes
 * outside carry < 0.2 % of the mass per coordinate and time; their own kernel error is not bounded.
 */
export function massLattice(positions: readonly Float64Array[], weights: Float64Array, ndim: number): PointLattice {
  const lo = new Array(ndim).fill(Infinity);
  const hi = new Array(ndim).fill(-Infinity);
  const n = weights.length;
  const order = new Array<number>(n);
  for (const x of positions) {
    for (let a = 0; a < ndim; a++) {
      for (let j = 0; j < n; j++) order[j] = j;
      order.sort((i, j) => x[i * ndim + a] - x[j * ndim + a]);
      let c = 0;
      let qlo = x[order[0] * ndim + a];
      let qhi = x[order[n - 1] * ndim + a];
      for (let k = 0; k < n; k++) {
        c += weights[order[k]];
        if (c < 1e-3) qlo = x[order[Math.min(n - 1, k + 1)] * ndim + a];
        if (c > 1 - 1e-3) {
          qhi = x[order[k] * ndim + a];
          break;
        }
      }
      lo[a] = Math.min(lo[a], qlo);
      hi[a] = Math.max(hi[a], qhi);
    }
  }
  const o = ndim - 2;
  return {
    aMaxSquared: ndim === 4 ? Math.max(lo[0] * lo[0], hi[0] * hi[0]) : 1,
    b: ndim === 4 ? linspace(lo[1], hi[1], 12) : [0],
    r1: linspace(lo[o], hi[o], 12),
    r2: linspace(lo[o + 1], hi[o + 1], 12),
  };
}

interface Shape {
  readonly d: number;
  readonly s0: number;
}

/** Cell masses of the product law (a, b point masses; r1, r2 independent chi laws) on a grid with the model's axes. */
function gridMasses(model: AnisotropicModel, shape: Shape, grid: Grid, init: GaussianInit) {
  const names = model.coordinates.map((c) => c.name);
  const perAxis: Float64Array[] = [];
  let truncated = 0;
  grid.axes.forEach((ax, i) => {
    const line = Grid.uniform1d(ax.name, ax.lo, ax.hi, ax.cells);
    const name = names[i];
    if (name === 'a' || name === 'b') {
      const value = name === 'a' ? init.a : init.b;
      if (!(value >= ax.lo && value < ax.hi)) throw new ConfigError(`init.${name}`, `must lie in the grid axis [${ax.lo}, ${ax.hi}) (got ${value})`);
      perAxis.push(initialMass(line, { kind: 'shell', radius: value }).mass);
      return;
    }
    // r1 = |P_V w| with P_V w ~ N(0, s²/d I_{s0}); r2 likewise with d − s0
    const k = name === 'r1' ? shape.s0 : shape.d - shape.s0;
    const law = initialMass(line, { kind: 'gaussian', scale: init.w.scale * Math.sqrt(k / shape.d), d: k });
    perAxis.push(law.mass);
    truncated += law.truncatedMass;
  });
  const mass = new Float64Array(grid.size);
  for (let j = 0; j < grid.size; j++) {
    let p = 1;
    let rest = j;
    for (let a = grid.ndim - 1; a >= 0; a--) {
      const i = rest % grid.shape[a];
      rest = (rest - i) / grid.shape[a];
      p *= perAxis[a][i];
    }
    mass[j] = p;
  }
  return { mass, truncatedMass: truncated };
}

function reducedSide(model: AnisotropicModel, shape: Shape | { gamma: number }): ReducedSide<NdGrid, GaussianInit> {
  const D = model.ndim;
  const finite = 'd' in shape;
  const constants = (init: GaussianInit) => (D === 4 ? [init.a, init.b] : []);
  return {
    coordinates: model.coordinates.map((c) => ({
      ...c,
      jacobianExponent: !finite || c.name === 'a' || c.name === 'b' ? 0 : c.name === 'r1' ? shape.s0 - 1 : shape.d - shape.s0 - 1,
    })),
    riskConstant: model.riskConstant,
    defaultMethod: 'characteristics',
    grid(g) {
      const names = model.coordinates.map((c) => c.name);
      if (g.axes.length !== names.length || g.axes.some((a, i) => a.name !== names[i])) {
        throw new ConfigError('grid.axes', `must name the model's coordinates in order: ${names.join(', ')} (got ${g.axes.map((a) => a.name).join(', ')})`);
      }
      g.axes.forEach((a, i) => {
        if (!(a.hi > a.lo)) throw new ConfigError(`grid.axes[${i}].hi`, `must be > lo = ${a.lo} (got ${a.hi})`);
      });
      return new Grid(g.axes);
    },
    gridOperators(grid, { tolerance }) {
      const { truncation, ...ops } = model.gridOperators(grid, { tolerance });
      return { ...ops, kernel: { order: truncation.order, rank: model.featureCount(truncation.order), bound: truncation.bound, description: ops.interaction.description } };
    },
    initialMass: finite ? (grid, init) => gridMasses(model, shape, grid, init) : undefined,
    initialNodes(init, resolution): WeightedNodes {
      const q = finite
        ? chiPairQuadrature({ d: shape.d, s0: shape.s0, scale: init.w.scale, panels: resolution.panels, nodesPerPanel: resolution.nodesPerPanel })
        : chiPairQuadrature({ d: 'inf', gamma: shape.gamma, scale: init.w.scale });
      return { nodes: withConstantCoordinates(q.nodes, constants(init)), weights: q.weights };
    },
    characteristics(cover, tolerance, fixedOrder) {
      const lattice = massLattice(cover.positions, cover.weights, D);
      const chosen = !finite ? { order: 0, bound: 0 } : fixedOrder === undefined ? model.truncationOrder(lattice, tolerance) : { order: fixedOrder, bound: model.truncationBounds(lattice)[fixedOrder / 2] };
      const { order, bound } = chosen;
      const rank = model.featureCount(order);
      const dims = finite ? `d = ${shape.d}, s0 = ${shape.s0}` : 'd = ∞';
      return {
        model: anisotropicReducedModel(model, order),
        order,
        rank,
        bound,
        description:
          `${model.name} separable rank ${rank} (K = ${order}, ${dims}, Δ = ${model.delta}); truncation bound ${bound.toExponential(2)} ` +
          `on a 12-point-per-axis lattice spanning the weighted 0.1–99.9 % range of (${D === 4 ? 'b, ' : ''}r1, r2) over the run` +
          (D === 4 ? `, |a| <= ${Math.sqrt(lattice.aMaxSquared).toFixed(3)}` : '') +
          ` (tolerance ${tolerance})`,
      };
    },
    selfInteraction(points, out) {
      for (let j = 0; j < out.length; j++) out[j] = model.uDiag(points.subarray(j * D, (j + 1) * D));
    },
    frozenAxes: (particles) => (D === 4 ? [...(particles?.trainA ? [] : [0]), ...(particles?.trainB ? [] : [1])] : []),
    noise: finite ? { jacobianExponents: model.coordinates.map((c) => (c.name === 'r1' ? shape.s0 - 1 : c.name === 'r2' ? shape.d - shape.s0 - 1 : 0)) } : undefined,
    sgdDiffusion: finite && model instanceof AnisotropicGaussians ? (grid) => fixedSigmaSgdDiffusion(model, grid) : undefined,
    companion: finite ? () => ({ label: 'd = ∞', reduced: reducedSide(model.atInfinity(), { gamma: shape.s0 / shape.d }) }) : undefined,
    pointwise(tolerance, cover) {
      const positions = cover.map((x) => Float64Array.from(x));
      const flat = new Float64Array(positions.length * D);
      positions.forEach((x, i) => flat.set(x, i * D));
      const lattice = massLattice([flat], new Float64Array(positions.length).fill(1 / positions.length), D);
      const { order } = model.truncationOrder(lattice, tolerance);
      return {
        method: `the separable series with K = ${order} (bound <= ${tolerance} on the lattice of the given points)`,
        potential: (x) => model.v(x),
        interaction: (x, y) => model.u(x, y, order),
        selfInteraction: (x) => model.uDiag(x),
      };
    },
  };
}

/** README.md §5.3: the gradient moments of the fixed-σ model at the cell centres of an (r1, r2) grid. */
function fixedSigmaSgdDiffusion(model: AnisotropicGaussians, grid: Grid): SgdGradientMoments {
  const noise = new AnisotropicSgdNoise(model);
  const r1 = grid.coordinateField(0);
  const r2 = grid.coordinateField(1);
  if (!(r1.every((x) => x > 0) && r2.every((x) => x > 0))) throw new ConfigError('grid.axes', 'the SGD-diffusion limit needs r1, r2 > 0 at every cell centre (lo >= 0)');
  noise.setPositions(r1, r2);
  return { moments: (mass, covariance, drift) => noise.moments(mass, { covariance, drift }) };
}

function particleSide(model: AnisotropicModel, relu: boolean): ParticleSide<GaussianInit> {
  return {
    kind: 'ridge',
    model: model.particleModel(),
    initialLaw: (init) => ({ w: { kind: 'gaussian', scale: init.w.scale }, a: init.a, b: init.b }),
    trainable: { a: relu, b: relu },
  };
}

export const anisotropicGaussians = defineModel({
  name: 'anisotropic-gaussians',
  summary: 'MMN centered anisotropic Gaussians: the classes differ in a subspace V of dimension s0; units σ(<w, x>); coordinates (r1, r2) = (|P_V w|, |P_V⊥ w|)',
  params: fixedParams,
  init: fixedInit,
  grid: ndGrid,
  build(p): Model {
    const model = new AnisotropicGaussians({ delta: p.delta, d: p.d, s0: p.s0, activation: activationFromSpec(p.activation, 'model.activation') });
    return {
      name: 'anisotropic-gaussians',
      label: `anisotropic Gaussians, Δ = ${p.delta}, d = ${p.d}, s0 = ${p.s0}`,
      reduced: reducedSide(model, p),
      particles: particleSide(model, false),
    };
  },
});

export const anisotropicGaussiansRelu = defineModel({
  name: 'anisotropic-gaussians-relu',
  summary: 'MMN Fig. 3: anisotropic Gaussians with ReLU units a·relu(<w, x> + b); coordinates (a, b, r1, r2)',
  params: reluParams,
  init: gaussianInit,
  grid: ndGrid,
  build(p): Model {
    const model = new AnisotropicReluGaussians({ delta: p.delta, d: p.d, s0: p.s0 });
    return {
      name: 'anisotropic-gaussians-relu',
      label: `anisotropic Gaussians with ReLU units, Δ = ${p.delta}, d = ${p.d}, s0 = ${p.s0}`,
      reduced: reducedSide(model, p),
      particles: particleSide(model, true),
    };
  },
});
