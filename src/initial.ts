/**
 * Initial laws as cell masses P_j = ∫_cell ρ̄_0 on a grid (src/grid.ts: the unknowns are masses, not
 * densities). The radial laws live on a 1-axis grid r ∈ [lo, hi] with lo ≥ 0:
 *
 *  - gaussian: w ~ N(0, s²/d I_d) in R^d (MMN Fig. 1: s = 0.8, d = 40). Then d|w|²/s² ~ χ²_d, so
 *    P(|w| ≤ r) = P(d/2, d r²/(2 s²)) with P the regularized lower incomplete gamma, and each cell
 *    mass is an exact difference of it (upper-tail differences Q(x_j) − Q(x_{j+1}) where x ≥ a, so the
 *    far-right cells keep full relative accuracy);
 *  - uniform: r uniform on [lo, hi] (uniform in the radius, not in volume): exact overlap lengths;
 *  - shell: a point mass at r0, put in the cell [r_j, r_{j+1}) that contains it (the last cell if r0 is
 *    the right end of the grid);
 *  - density: user values of ρ̄ at the cell centres (midpoint rule), normalised; any grid shape.
 *
 * Mass outside the grid (below lo or above hi) is reported as `truncatedMass`. For the gaussian it is an
 * error above 1e-12 unless `allowTruncation` is set; the masses are always renormalised to Σ P = 1.
 */
import { ConfigError } from './errors.ts';
import type { Grid } from './grid.ts';
import { incompleteGammaRegularized, incompleteGammaUpperRegularized } from './numerics/special.ts';

export type InitialSpec =
  | { kind: 'gaussian'; scale: number; d: number; allowTruncation?: boolean; largestRMax?: number }
  | { kind: 'uniform'; lo: number; hi: number }
  | { kind: 'shell'; radius: number }
  | { kind: 'density'; values: ArrayLike<number> };

export interface InitialLaw {
  /** Cell masses, Σ = 1. */
  readonly mass: Float64Array;
  /** Mass of the requested law outside the grid, before renormalisation. */
  readonly truncatedMass: number;
}

/** Largest truncated mass accepted silently for the gaussian law. */
export const TRUNCATION_TOLERANCE = 1e-12;

/** Cell masses of the initial law `spec` on `grid` (see the module comment for each kind). */
export function initialMass(grid: Grid, spec: InitialSpec): InitialLaw {
  switch (spec.kind) {
    case 'gaussian':
      return gaussianRadial(grid, spec.scale, spec.d, spec.allowTruncation ?? false, spec.largestRMax ?? Infinity);
    case 'uniform':
      return uniformRadial(grid, spec.lo, spec.hi);
    case 'shell':
      return shell(grid, spec.radius);
    case 'density':
      return fromDensity(grid, spec.values);
    default: {
      const kind: unknown = (spec as { kind: unknown }).kind;
      throw new ConfigError('init.kind', `must be one of "gaussian", "uniform", "shell", "density" (got ${JSON.stringify(kind)})`);
    }
  }
}

/** The single axis of a radial grid, which must start at r ≥ 0. */
function radialAxis(grid: Grid): { lo: number; hi: number; cells: number; faces: Float64Array } {
  if (grid.ndim !== 1) throw new ConfigError('grid', `radial initial laws need a 1-axis grid (got ${grid.ndim} axes)`);
  const ax = grid.axes[0];
  if (!(ax.lo >= 0)) throw new ConfigError('grid.lo', `a radial axis must start at r >= 0 (got ${ax.lo})`);
  return { lo: ax.lo, hi: ax.hi, cells: ax.cells, faces: grid.faces[0] };
}

function normalised(mass: Float64Array, truncatedMass: number): InitialLaw {
  let s = 0;
  for (let j = 0; j < mass.length; j++) s += mass[j];
  for (let j = 0; j < mass.length; j++) mass[j] /= s;
  return { mass, truncatedMass };
}

/** `largestRMax`: the largest grid end the model allows (the advice names a smaller scale when the grid cannot grow enough). */
function gaussianRadial(grid: Grid, scale: number, d: number, allowTruncation: boolean, largestRMax: number): InitialLaw {
  if (!(Number.isFinite(scale) && scale > 0)) throw new ConfigError('init.scale', `must be finite and > 0 (got ${scale})`);
  if (!(Number.isInteger(d) && d >= 1)) throw new ConfigError('init.d', `must be an integer >= 1 (got ${d})`);
  const { lo, cells, faces } = radialAxis(grid);
  const a = d / 2;
  const c = d / (2 * scale * scale);
  // x_j = d r_j² / (2 s²) at every face; F(r) = P(a, x(r)) is the law's cdf
  const mass = new Float64Array(cells);
  for (let j = 0; j < cells; j++) {
    const x0 = c * faces[j] * faces[j];
    const x1 = c * faces[j + 1] * faces[j + 1];
    mass[j] =
      x0 >= a
        ? incompleteGammaUpperRegularized(a, x0) - incompleteGammaUpperRegularized(a, x1)
        : incompleteGammaRegularized(a, x1) - incompleteGammaRegularized(a, x0);
  }
  const below = lo > 0 ? incompleteGammaRegularized(a, c * lo * lo) : 0;
  const truncatedMass = below + incompleteGammaUpperRegularized(a, c * faces[cells] * faces[cells]);
  if (truncatedMass > TRUNCATION_TOLERANCE && !allowTruncation) {
    // the smallest rMax leaving at most the tolerance outside: Q(d/2, x) ≤ tol at x = c r², found in x (which
    // does not depend on the scale, so c r² cannot underflow or overflow for an absurd scale) by doubling then bisection
    const tail = (x: number) => incompleteGammaUpperRegularized(a, x);
    let x = Math.max(a, 1);
    while (tail(x) > TRUNCATION_TOLERANCE) x *= 2;
    for (let lower = x / 2, k = 0; k < 40; k++) {
      const mid = 0.5 * (lower + x);
      if (tail(mid) > TRUNCATION_TOLERANCE) lower = mid;
      else x = mid;
    }
    const needed = scale * Math.sqrt(x / a); // r = √(x / c) with c = a / s²
    throw new ConfigError(
      'init.scale',
      `the gaussian law (scale ${scale}, d ${d}) puts mass ${truncatedMass.toExponential(3)} outside the grid ` +
        `[${lo}, ${faces[cells]}], more than ${TRUNCATION_TOLERANCE}: ` +
        (needed <= largestRMax
          ? `make grid.rMax at least ${needed.toPrecision(3)} or the scale smaller`
          : `make the scale at most ${(faces[cells] / Math.sqrt(x / a)).toPrecision(3)} (grid.rMax would have to be ${needed.toPrecision(3)}, above its limit ${largestRMax})`),
    );
  }
  return normalised(mass, truncatedMass);
}

function uniformRadial(grid: Grid, lo: number, hi: number): InitialLaw {
  const ax = radialAxis(grid);
  if (!(Number.isFinite(lo) && lo >= ax.lo)) throw new ConfigError('init.lo', `must lie in [${ax.lo}, ${ax.hi}) (got ${lo})`);
  if (!(Number.isFinite(hi) && hi > lo && hi <= ax.hi)) throw new ConfigError('init.hi', `must lie in (${lo}, ${ax.hi}] (got ${hi})`);
  const mass = new Float64Array(ax.cells);
  for (let j = 0; j < ax.cells; j++) {
    const overlap = Math.min(hi, ax.faces[j + 1]) - Math.max(lo, ax.faces[j]);
    mass[j] = overlap > 0 ? overlap / (hi - lo) : 0;
  }
  return normalised(mass, 0);
}

function shell(grid: Grid, radius: number): InitialLaw {
  const ax = radialAxis(grid);
  if (!(Number.isFinite(radius) && radius >= ax.lo && radius <= ax.hi)) {
    throw new ConfigError('init.radius', `must lie in [${ax.lo}, ${ax.hi}] (got ${radius})`);
  }
  const mass = new Float64Array(ax.cells);
  const h = (ax.hi - ax.lo) / ax.cells;
  let j = Math.min(ax.cells - 1, Math.floor((radius - ax.lo) / h));
  // the floor can be off by one next to a face because faces are rounded: settle on the exact faces
  if (radius < ax.faces[j]) j--;
  else if (j < ax.cells - 1 && radius >= ax.faces[j + 1]) j++;
  mass[j] = 1;
  return { mass, truncatedMass: 0 };
}

function fromDensity(grid: Grid, values: ArrayLike<number>): InitialLaw {
  if (values.length !== grid.size) {
    throw new ConfigError('init.values', `must have one value per cell (${grid.size}), got ${values.length}`);
  }
  let largest = 0;
  for (let j = 0; j < grid.size; j++) {
    const v = values[j];
    if (!(Number.isFinite(v) && v >= 0)) throw new ConfigError(`init.values[${j}]`, `must be finite and >= 0 (got ${v})`);
    largest = Math.max(largest, v);
  }
  if (!(largest > 0)) throw new ConfigError('init.values', 'must have a positive entry (all are 0)');
  // divided by the largest first, so that the sum cannot overflow (values near 1e308 are a valid shape)
  const mass = new Float64Array(grid.size);
  for (let j = 0; j < grid.size; j++) mass[j] = values[j] / largest;
  return normalised(mass, 0);
}
