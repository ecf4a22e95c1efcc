/**
 * The distances `compare` reports between a particle replica and the PDE law at one save time. A
 * diagnostic is a small object: a name, whether it applies to a PDE representation, and a function of
 * the two states returning one value per reduced coordinate (`perCoordinate`) or one value. The
 * compare pipeline evaluates every diagnostic that applies, per replica, then takes the mean and std
 * across replicas. Add one here and it appears in every comparison.
 *
 * The PDE law is read as cell masses on a grid (piecewise-constant density: exact 1-D quantile
 * formulas on each coordinate's marginal) or as weighted nodes (exact weighted 1-D formulas).
 */
import ops from 'ndarray-ops';
import { gridView, type AxisSpec } from '../grid.ts';
import { ksSampleGrid } from './ks.ts';
import { wassersteinSampleGrid } from './wasserstein.ts';
import { slicedWasserstein1, wassersteinWeighted } from './weighted.ts';

/** The PDE law at one save time. */
export type PdeLaw =
  | { readonly kind: 'grid'; readonly axes: readonly AxisSpec[]; readonly mass: Float64Array }
  | { readonly kind: 'nodes'; readonly ndim: number; readonly positions: Float64Array; readonly weights: Float64Array };

/** One replica's units at one save time: N × ndim reduced coordinates, row-major. */
export interface ParticleLaw {
  readonly n: number;
  readonly ndim: number;
  readonly reduced: Float64Array;
}

export interface DiagnosticContext {
  /** Unit directions (ndim per direction) for sliced distances, fixed by the spec's seed. */
  readonly directions: Float64Array;
}

export interface Diagnostic {
  readonly name: string;
  readonly label: string;
  readonly perCoordinate: boolean;
  applies(pde: PdeLaw): boolean;
  compute(particles: ParticleLaw, pde: PdeLaw, context: DiagnosticContext): number[];
}

/** Coordinate a of every unit. */
function coordinate(p: ParticleLaw, a: number): Float64Array {
  const out = new Float64Array(p.n);
  for (let i = 0; i < p.n; i++) out[i] = p.reduced[i * p.ndim + a];
  return out;
}

/** Masses of the marginal of axis a: each slice at fixed index along a, summed (ndarray views, no copies). */
export function gridMarginal(axes: readonly AxisSpec[], mass: Float64Array, a: number): Float64Array {
  if (axes.length === 1) return mass;
  const view = gridView(axes, mass);
  const out = new Float64Array(axes[a].cells);
  const at: (number | null)[] = axes.map(() => null);
  for (let i = 0; i < out.length; i++) {
    at[a] = i;
    out[i] = ops.sum(view.pick(...(at as number[])));
  }
  return out;
}

/** Cell centres of a grid, point-major (ndim per cell). */
function gridPoints(axes: readonly AxisSpec[]): Float64Array {
  const ndim = axes.length;
  const size = axes.reduce((s, x) => s * x.cells, 1);
  const out = new Float64Array(size * ndim);
  for (let j = 0; j < size; j++) {
    let rest = j;
    for (let a = ndim - 1; a >= 0; a--) {
      const { lo, hi, cells } = axes[a];
      const i = rest % cells;
      rest = (rest - i) / cells;
      out[j * ndim + a] = lo + ((i + 0.5) * (hi - lo)) / cells;
    }
  }
  return out;
}

/** W_p per coordinate: sample vs grid marginal, or sample vs weighted node marginal. */
function marginalWasserstein(p: 1 | 2): Diagnostic['compute'] {
  return (particles, pde) =>
    Array.from({ length: particles.ndim }, (_, a) => {
      const x = coordinate(particles, a);
      if (pde.kind === 'grid') return wassersteinSampleGrid(x, pde.axes[a], gridMarginal(pde.axes, pde.mass, a), p);
      const y = new Float64Array(pde.weights.length);
      for (let j = 0; j < y.length; j++) y[j] = pde.positions[j * pde.ndim + a];
      return wassersteinWeighted(x, undefined, y, pde.weights, p);
    });
}

export const DIAGNOSTICS: readonly Diagnostic[] = [
  { name: 'w1', label: 'W1', perCoordinate: true, applies: () => true, compute: marginalWasserstein(1) },
  { name: 'w2', label: 'W2', perCoordinate: true, applies: () => true, compute: marginalWasserstein(2) },
  {
    name: 'ks',
    label: 'KS',
    perCoordinate: true,
    applies: (pde) => pde.kind === 'grid',
    compute: (particles, pde) =>
      pde.kind === 'grid' ? Array.from({ length: particles.ndim }, (_, a) => ksSampleGrid(coordinate(particles, a), pde.axes[a], gridMarginal(pde.axes, pde.mass, a))) : [],
  },
  {
    name: 'slicedW1',
    label: 'sliced W1',
    perCoordinate: false,
    applies: (pde) => (pde.kind === 'grid' ? pde.axes.length : pde.ndim) > 1,
    compute(particles, pde, { directions }) {
      const [points, weights] = pde.kind === 'grid' ? [gridPoints(pde.axes), pde.mass] : [pde.positions, pde.weights];
      return [slicedWasserstein1(particles.reduced, undefined, points, weights, particles.ndim, directions)];
    },
  },
];
