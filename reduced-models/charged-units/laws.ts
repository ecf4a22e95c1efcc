/**
 * Initial laws ρ0 = (law of y) ⊗ (law of c) of the charged-unit model, in the three forms the engines use:
 *   - exact cell masses on a (y, c) grid (integrals of the law over each cell, not point values),
 *   - weighted nodes (tensor Gauss quadrature: Gauss–Legendre for a uniform, Gauss–Hermite for a normal)
 *     for a characteristics computation,
 *   - i.i.d. samples for a network (Rng; per unit y_i first, then c_i).
 */
import { ConfigError } from '../../src/errors.ts';
import type { Grid } from '../../src/grid.ts';
import { TRUNCATION_TOLERANCE } from '../../src/initial.ts';
import { gaussHermite, gaussLegendre } from '../../src/numerics/quadrature.ts';
import { normalCdf, normalSf } from '../../src/numerics/special.ts';
import type { Rng } from '../../src/rng.ts';
import { finite, positive } from './model.ts';

export type MarginalLaw =
  | { readonly kind: 'uniform'; readonly lo: number; readonly hi: number }
  | { readonly kind: 'normal'; readonly mean: number; readonly std: number }
  | { readonly kind: 'point'; readonly value: number };

export interface ProductLaw {
  readonly y: MarginalLaw;
  readonly c: MarginalLaw;
}

/** The neuron-birth-death gaussian example's ρ0: y ~ U(−2, 2), c ~ N(0, 1). */
export const GAUSSIAN_EXAMPLE_INIT: ProductLaw = { y: { kind: 'uniform', lo: -2, hi: 2 }, c: { kind: 'normal', mean: 0, std: 1 } };
/** The circle example's ρ0: y ~ U[0, 2π), c ~ N(0, 1). */
export const CIRCLE_EXAMPLE_INIT: ProductLaw = { y: { kind: 'uniform', lo: 0, hi: 2 * Math.PI }, c: { kind: 'normal', mean: 0, std: 1 } };

function checkMarginal(law: MarginalLaw, field: string): MarginalLaw {
  switch (law?.kind) {
    case 'uniform': {
      const lo = finite(law.lo, `${field}.lo`);
      const hi = finite(law.hi, `${field}.hi`);
      if (!(hi > lo)) throw new ConfigError(`${field}.hi`, `must be > lo = ${lo} (got ${hi})`);
      return law;
    }
    case 'normal':
      finite(law.mean, `${field}.mean`);
      positive(law.std, `${field}.std`);
      return law;
    case 'point':
      finite(law.value, `${field}.value`);
      return law;
    default:
      throw new ConfigError(`${field}.kind`, `must be "uniform", "normal" or "point" (got ${JSON.stringify((law as { kind?: unknown })?.kind)})`);
  }
}

/** Draw n units: y[i], then c[i], for i = 0 … n − 1. */
export function sampleUnits(law: ProductLaw, n: number, rng: Rng, y: Float64Array, c: Float64Array): void {
  const ly = checkMarginal(law.y, 'init.y');
  const lc = checkMarginal(law.c, 'init.c');
  if (!(Number.isInteger(n) && n >= 1 && y.length >= n && c.length >= n)) {
    throw new ConfigError('n', `must be an integer >= 1 that fits y and c (got ${n}; lengths ${y.length}, ${c.length})`);
  }
  const draw = (l: MarginalLaw): number =>
    l.kind === 'uniform' ? l.lo + (l.hi - l.lo) * rng.uniform() : l.kind === 'normal' ? l.mean + l.std * rng.normal() : l.value;
  for (let i = 0; i < n; i++) {
    y[i] = draw(ly);
    c[i] = draw(lc);
  }
}

/** Exact masses of a marginal in the cells of `faces`, and the mass outside [faces[0], faces[end]]. */
function marginalCells(law: MarginalLaw, faces: Float64Array): { mass: Float64Array; outside: number } {
  const cells = faces.length - 1;
  const mass = new Float64Array(cells);
  const lo = faces[0];
  const hi = faces[cells];
  switch (law.kind) {
    case 'uniform': {
      for (let j = 0; j < cells; j++) {
        const overlap = Math.min(law.hi, faces[j + 1]) - Math.max(law.lo, faces[j]);
        mass[j] = overlap > 0 ? overlap / (law.hi - law.lo) : 0;
      }
      const inside = Math.max(0, Math.min(law.hi, hi) - Math.max(law.lo, lo));
      return { mass, outside: 1 - inside / (law.hi - law.lo) };
    }
    case 'normal': {
      // upper-tail differences right of the mean, lower-tail ones left of it: both tails keep relative accuracy
      const z = (x: number) => (x - law.mean) / law.std;
      for (let j = 0; j < cells; j++) {
        const a = z(faces[j]);
        const b = z(faces[j + 1]);
        mass[j] = a >= 0 ? normalSf(a) - normalSf(b) : normalCdf(b) - normalCdf(a);
      }
      return { mass, outside: normalCdf(z(lo)) + normalSf(z(hi)) };
    }
    case 'point': {
      if (!(law.value >= lo && law.value <= hi)) return { mass, outside: 1 };
      let j = 0;
      while (j < cells - 1 && law.value >= faces[j + 1]) j++;
      mass[j] = 1;
      return { mass, outside: 0 };
    }
  }
}

export interface CellMasses {
  /** Cell masses on the grid, Σ = 1 (renormalised after truncation). */
  readonly mass: Float64Array;
  /** Mass of ρ0 outside the grid's window, before renormalisation. */
  readonly truncatedMass: number;
}

/** The grid's y and c axes (a 2-axis grid with axes named "y" and "c", in either order). */
export function chargedAxes(grid: Grid): { yAxis: number; cAxis: number } {
  if (grid.ndim !== 2) throw new ConfigError('grid', `the charged-unit model needs a 2-axis (y, c) grid (got ${grid.ndim} axes)`);
  let yAxis: number;
  let cAxis: number;
  try {
    yAxis = grid.axisIndex('y');
    cAxis = grid.axisIndex('c');
  } catch {
    throw new ConfigError('grid', `the axes must be named "y" and "c" (got ${grid.axes.map((a) => JSON.stringify(a.name)).join(', ')})`);
  }
  return { yAxis, cAxis };
}

/**
 * Cell masses of ρ0 on a (y, c) grid: products of exact marginal cell masses (uniform: overlap lengths;
 * normal: differences of Φ; point: the cell holding it). Mass outside the window is an error above
 * 1e-12 unless allowTruncation, and the masses are renormalised to Σ = 1 (as src/initial.ts does).
 */
export function initialCellMasses(grid: Grid, law: ProductLaw, options: { allowTruncation?: boolean } = {}): CellMasses {
  const { yAxis, cAxis } = chargedAxes(grid);
  const my = marginalCells(checkMarginal(law.y, 'init.y'), grid.faces[yAxis]);
  const mc = marginalCells(checkMarginal(law.c, 'init.c'), grid.faces[cAxis]);
  const truncatedMass = my.outside + mc.outside - my.outside * mc.outside; // 1 − (1 − a)(1 − b) without cancellation
  if (my.outside >= 1 || mc.outside >= 1) throw new ConfigError('init', 'the initial law puts no mass on the grid');
  if (truncatedMass > TRUNCATION_TOLERANCE && !options.allowTruncation) {
    // the grid is what is too small: name the axis that loses the most
    const axis = my.outside >= mc.outside ? yAxis : cAxis;
    throw new ConfigError(
      `grid.axes[${axis}]`,
      `ρ0 puts mass ${truncatedMass.toExponential(3)} outside the grid (y: ${my.outside.toExponential(2)}, c: ${mc.outside.toExponential(2)}), ` +
        `more than ${TRUNCATION_TOLERANCE}; widen this axis (${grid.axes[axis].name}), narrow init.${grid.axes[axis].name}, or set init.allowTruncation: true to renormalise`,
    );
  }
  const sy = my.mass.reduce((s, x) => s + x, 0);
  const sc = mc.mass.reduce((s, x) => s + x, 0);
  const mass = new Float64Array(grid.size);
  const [sty, stc] = [grid.strides[yAxis], grid.strides[cAxis]];
  for (let i = 0; i < grid.shape[yAxis]; i++) {
    for (let j = 0; j < grid.shape[cAxis]; j++) mass[i * sty + j * stc] = (my.mass[i] / sy) * (mc.mass[j] / sc);
  }
  return { mass, truncatedMass };
}

/** Quadrature nodes and probability weights of one marginal (a point law has one node whatever `count`). */
function marginalNodes(law: MarginalLaw, count: number, field: string): { nodes: Float64Array; weights: Float64Array } {
  if (!(Number.isInteger(count) && count >= 1 && count <= 250)) throw new ConfigError(field, `must be an integer in [1, 250] (got ${count})`);
  switch (law.kind) {
    case 'uniform': {
      const rule = gaussLegendre(count, law.lo, law.hi);
      return { nodes: rule.nodes, weights: rule.weights.map((w) => w / (law.hi - law.lo)) };
    }
    case 'normal': {
      const rule = gaussHermite(count);
      return { nodes: rule.nodes.map((x) => law.mean + law.std * x), weights: rule.weights };
    }
    case 'point':
      return { nodes: Float64Array.of(law.value), weights: Float64Array.of(1) };
  }
}

export interface WeightedNodes {
  readonly y: Float64Array;
  readonly c: Float64Array;
  /** Probability weights, Σ = 1. */
  readonly w: Float64Array;
  readonly n: number;
}

/**
 * Tensor Gauss quadrature of ρ0 (node (i, j) at index i·nc + j): Σ_k w_k g(y_k, c_k) ≈ ∫ g dρ0, exact for
 * polynomials of degree ≤ 2·count − 1 in each variable. Transported by the particle flow these nodes
 * carry ρ_t (characteristics): see particles.ts.
 */
export function quadratureNodes(law: ProductLaw, yNodes: number, cNodes: number): WeightedNodes {
  const qy = marginalNodes(checkMarginal(law.y, 'init.y'), yNodes, 'yNodes');
  const qc = marginalNodes(checkMarginal(law.c, 'init.c'), cNodes, 'cNodes');
  const ny = qy.nodes.length;
  const nc = qc.nodes.length;
  const n = ny * nc;
  const y = new Float64Array(n);
  const c = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < ny; i++) {
    for (let j = 0; j < nc; j++) {
      const k = i * nc + j;
      y[k] = qy.nodes[i];
      c[k] = qc.nodes[j];
      w[k] = qy.weights[i] * qc.weights[j];
    }
  }
  return { y, c, w, n };
}
