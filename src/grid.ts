/**
 * Tensor-product cell grids in reduced coordinates.
 *
 * A grid is a product of uniform axes; axis `a` is cut into `cells[a]` cells of width
 * h_a = (hi_a - lo_a) / cells_a, with centres lo_a + (j + 1/2) h_a. Fields on the grid are flat
 * Float64Arrays in row-major (C) order: the LAST axis varies fastest, exactly like an ndarray with
 * `shape` and `strides` below (use `view()` to get one).
 *
 * The unknowns of every solver are *cell masses* P_j = ∫_cell ρ̄ (so Σ_j P_j = 1 for a probability
 * law); the density of the reduced law on a cell is P_j / cellVolume. Working with masses makes
 * mass conservation a statement about sums, independent of the Jacobian of the reduction
 * (which is already inside ρ̄: e.g. ρ̄(r) = |S^{d-1}| r^{d-1} ρ(r) for the radial model).
 */
import ndarray from 'ndarray';
import type { NdArray } from 'ndarray';

export interface AxisSpec {
  /** Coordinate name, e.g. "r", "r1", "a". */
  readonly name: string;
  readonly lo: number;
  readonly hi: number;
  readonly cells: number;
}

/** An ndarray view (no copy) of a flat row-major field on a grid with these axes: shape = cells per axis. */
export function gridView(axes: readonly AxisSpec[], field: Float64Array): NdArray<Float64Array> {
  const shape = axes.map((a) => a.cells);
  const size = shape.reduce((p, n) => p * n, 1);
  if (field.length !== size) throw new RangeError(`gridView: field has ${field.length} entries, the grid has ${size}`);
  return ndarray(field, shape);
}

export class Grid {
  readonly axes: readonly AxisSpec[];
  readonly ndim: number;
  readonly shape: readonly number[];
  /** Row-major strides (last axis fastest). */
  readonly strides: readonly number[];
  /** Total number of cells. */
  readonly size: number;
  /** Cell width per axis. */
  readonly spacing: Float64Array;
  /** Cell centres per axis. */
  readonly centres: readonly Float64Array[];
  /** Face positions per axis (cells + 1 of them). */
  readonly faces: readonly Float64Array[];
  /** Volume of every cell (uniform grid): product of the spacings. */
  readonly cellVolume: number;

  constructor(axes: readonly AxisSpec[]) {
    if (axes.length === 0) throw new RangeError('grid: at least one axis is required');
    for (const ax of axes) {
      if (!Number.isInteger(ax.cells) || ax.cells < 1) {
        throw new RangeError(`grid: axis "${ax.name}" needs an integer number of cells >= 1 (got ${ax.cells})`);
      }
      if (!(Number.isFinite(ax.lo) && Number.isFinite(ax.hi) && ax.hi > ax.lo)) {
        throw new RangeError(`grid: axis "${ax.name}" needs finite lo < hi (got [${ax.lo}, ${ax.hi}])`);
      }
    }
    this.axes = axes.map((a) => ({ ...a }));
    this.ndim = axes.length;
    this.shape = axes.map((a) => a.cells);
    const strides = new Array<number>(this.ndim);
    let s = 1;
    for (let a = this.ndim - 1; a >= 0; a--) {
      strides[a] = s;
      s *= axes[a].cells;
    }
    this.strides = strides;
    this.size = s;
    this.spacing = Float64Array.from(axes, (a) => (a.hi - a.lo) / a.cells);
    this.centres = axes.map((a, i) => {
      const c = new Float64Array(a.cells);
      for (let j = 0; j < a.cells; j++) c[j] = a.lo + (j + 0.5) * this.spacing[i];
      return c;
    });
    this.faces = axes.map((a, i) => {
      const f = new Float64Array(a.cells + 1);
      for (let j = 0; j <= a.cells; j++) f[j] = a.lo + j * this.spacing[i];
      f[a.cells] = a.hi;
      return f;
    });
    this.cellVolume = this.spacing.reduce((p, h) => p * h, 1);
  }

  /** A 1-D grid of `cells` cells on [lo, hi] for coordinate `name`. */
  static uniform1d(name: string, lo: number, hi: number, cells: number): Grid {
    return new Grid([{ name, lo, hi, cells }]);
  }

  /** Index of axis `name`; throws if absent. */
  axisIndex(name: string): number {
    const i = this.axes.findIndex((a) => a.name === name);
    if (i < 0) throw new RangeError(`grid: no axis named "${name}"`);
    return i;
  }

  /**
   * Cell-centre coordinates of every cell, point-major: out[cell * ndim + axis].
   * Allocates; call once at setup.
   */
  centreCoordinates(): Float64Array {
    const out = new Float64Array(this.size * this.ndim);
    for (let cell = 0; cell < this.size; cell++) {
      for (let a = 0; a < this.ndim; a++) {
        const j = Math.floor(cell / this.strides[a]) % this.shape[a];
        out[cell * this.ndim + a] = this.centres[a][j];
      }
    }
    return out;
  }

  /** The values of axis `a`'s centre coordinate at every cell (length size). */
  coordinateField(a: number): Float64Array {
    const out = new Float64Array(this.size);
    const n = this.shape[a];
    const st = this.strides[a];
    const c = this.centres[a];
    for (let cell = 0; cell < this.size; cell++) out[cell] = c[Math.floor(cell / st) % n];
    return out;
  }

  /** An ndarray view (no copy) of a flat field on this grid. */
  view(field: Float64Array): NdArray<Float64Array> {
    return gridView(this.axes, field);
  }

  /** Plain-data description (for result files). */
  toJSON(): { axes: AxisSpec[] } {
    return { axes: this.axes.map((a) => ({ ...a })) };
  }
}
