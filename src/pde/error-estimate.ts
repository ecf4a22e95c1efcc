/**
 * Error bars of a finite-volume solution: Richardson extrapolation from the same problem on coarser
 * grids (solvers/README.md, "Error bars"), and the choice of the grid from an accuracy target.
 *
 * The scheme is second order in the cell width h (MUSCL + SSP-RK with Δt ∝ h), so a quantity q (the
 * risk, the mean of a coordinate) at a save time behaves like q_h = q + C h^p + o(h^p). With grids
 * h, r h, r² h (r ≈ 2: every axis has M, M/2, M/4 cells):
 *   d_fine = q_h − q_{rh},  d_coarse = q_{rh} − q_{r²h},  observed order p_obs = log(|d_coarse|/|d_fine|) / log r,
 *   |q_h − q| ≈ |d_fine| / (r^p − 1).
 * The reported bar is Roache's grid convergence index: 1.25 |d_fine| / (r^p − 1) with p = p_obs clamped
 * to [0.5, 2] (never more optimistic than the nominal order 2) when the three values converge
 * monotonically, else the conservative two-grid form 3 max(|d_fine|, |d_coarse|/r²) / (r² − 1).
 *
 * Richardson assumes the error is one power of h. It is not always (MMN Fig. 1 at t = 0.5: 1.9e-6 on
 * 1600 cells, 1.1e-6 on 3200, 2.2e-7 on 6400), so where an independent solution is exact (the
 * characteristics check before the flow splits, t ≤ `until`), the bar is at least 1.5 × the distance to it.
 */
import { ConfigError } from '../errors.ts';
import { Grid } from '../grid.ts';
import type { PdeControl, PdeTrajectory } from './index.ts';

/** The scheme's nominal order in h (MUSCL/minmod + SSP-RK2/3, Δt ∝ h). */
export const NOMINAL_ORDER = 2;
/** Roache's 1.25 missed the mean radius of MMN Fig. 1 at t = 5 on 1600 cells by 2 % (bench/fig1-reference.ts). */
const SAFETY_THREE_GRIDS = 1.5;
const SAFETY_TWO_GRIDS = 3;
/** Observed orders below this are clamped (pre-asymptotic: the bar stays finite and conservative). */
const MIN_ORDER = 0.5;
/** Coarse grids need this many cells per axis to say anything about the fine one. */
const MIN_COARSE_CELLS = 8;
/** The automatic grid is refined (every axis doubled) up to this many cells in total. */
export const MAX_AUTOMATIC_CELLS = 12800;

/** The estimated discretisation error of a finite-volume solution at its save times. */
export interface DiscretisationError {
  /** One line: how the bar was obtained. */
  readonly method: string;
  /** Cells per axis of the grids used, the solution's first, then the coarser ones. */
  readonly cells: number[][];
  /** Estimated |R_h − R| at each save time. */
  readonly risk: number[];
  /** Estimated |mean_h − mean| of each coordinate: means[axis][k]. */
  readonly means: number[][];
  /** Observed order of the risk at each save time (null where the three values do not converge monotonically). */
  readonly order: (number | null)[];
  /** The accuracy target of an automatic grid, and whether the chosen grid meets it. */
  readonly tolerance?: { readonly risk: number; readonly until: number; readonly met: boolean; readonly worst: number };
}

/** The bar on q_fine from q at grids h, r h and (optionally) r² h (module comment). */
export function richardsonBar(fine: number, mid: number, coarse: number | null, ratio: number): { bar: number; order: number | null } {
  const dFine = fine - mid;
  const dCoarse = coarse === null ? null : mid - coarse;
  if (dCoarse !== null && dFine !== 0 && dFine * dCoarse > 0 && Math.abs(dFine) < Math.abs(dCoarse)) {
    const observed = Math.log(Math.abs(dCoarse / dFine)) / Math.log(ratio);
    const p = Math.min(NOMINAL_ORDER, Math.max(MIN_ORDER, observed));
    return { bar: (SAFETY_THREE_GRIDS * Math.abs(dFine)) / (ratio ** p - 1), order: observed };
  }
  const r2 = ratio ** NOMINAL_ORDER;
  return { bar: (SAFETY_TWO_GRIDS * Math.max(Math.abs(dFine), Math.abs(dCoarse ?? 0) / r2)) / (r2 - 1), order: null };
}

/** Bars of every save time the fine solution and the coarse ones share. */
export function discretisationError(solutions: readonly PdeTrajectory[], cells: readonly (readonly number[])[], method: string): DiscretisationError {
  const [fine, mid, coarse] = solutions;
  const ratio = cells[0][0] / cells[1][0];
  const n = Math.min(fine.times.length, mid.times.length);
  const bars = (f: readonly number[], m: readonly number[], c: readonly number[] | undefined) =>
    Array.from({ length: n }, (_, k) => richardsonBar(f[k], m[k], c && k < c.length ? c[k] : null, ratio));
  const risk = bars(fine.risk, mid.risk, coarse?.risk);
  return {
    method,
    cells: cells.map((c) => [...c]),
    risk: risk.map((b) => b.bar),
    means: fine.means.map((m, a) => bars(m, mid.means[a], coarse?.means[a]).map((b) => b.bar)),
    order: risk.map((b) => b.order),
  };
}

/**
 * The bars raised to at least 1.5 × |main − independent| at the save times t ≤ until, where the
 * independent solution (the characteristics check) is known to be exact to far below the bar.
 */
export function withIndependentFloor(
  error: DiscretisationError,
  main: PdeTrajectory,
  independent: { readonly risk: readonly number[]; readonly means: readonly (readonly number[])[]; readonly label: string },
  until: number,
): DiscretisationError {
  const floor = (bars: readonly number[], a: readonly number[], b: readonly number[]) =>
    bars.map((bar, k) => (main.times[k] <= until && k < b.length ? Math.max(bar, SAFETY_THREE_GRIDS * Math.abs(a[k] - b[k])) : bar));
  const risk = floor(error.risk, main.risk, independent.risk);
  const t = error.tolerance;
  const worst = t ? Math.max(...risk.filter((_, k) => main.times[k] <= t.until)) : 0;
  return {
    ...error,
    method: `${error.method}; for t ≤ ${until} at least ${SAFETY_THREE_GRIDS} × the distance to ${independent.label}`,
    risk,
    means: error.means.map((bars, a) => floor(bars, main.means[a], independent.means[a])),
    ...(t ? { tolerance: { ...t, worst, met: worst <= t.risk } } : {}),
  };
}

/** The grid with every axis's cell count replaced. */
export function withCells(grid: Grid, cells: readonly number[]): Grid {
  return new Grid(grid.axes.map((a, i) => ({ ...a, cells: cells[i] })));
}

/** What `solveWithErrorBars` needs: a solver of the run on any grid, and the spec's grid. */
export interface GridFamily {
  readonly grid: Grid;
  /** True when the spec leaves the cell counts to the accuracy target. */
  readonly automatic: boolean;
  readonly tolerance: { readonly risk: number; readonly until: number };
  solveOn(grid: Grid, control: PdeControl): PdeTrajectory;
}

const describeCells = (cells: readonly number[]) => cells.join(' × ');

/**
 * The solution and its error bars. Fixed grid (the spec's cell counts): the solution, then the same
 * problem with M/2 and M/4 cells per axis (≈ 1/4 + 1/16 of the cost in 1-D). Automatic grid: from the
 * model's coarsest grid, every axis doubled until the bar of the risk at every save time t ≤ `until` is
 * below the target (or MAX_AUTOMATIC_CELLS), each level's bar from the two before it.
 * A ConfigError from a coarse grid (e.g. a density given cell by cell) leaves the solution without a bar.
 */
export function solveWithErrorBars(family: GridFamily, control: PdeControl): { main: PdeTrajectory; error: DiscretisationError | null } {
  const cellsOf = (g: Grid) => g.axes.map((a) => a.cells);
  if (!family.automatic) {
    const main = family.solveOn(family.grid, control);
    const coarser = [2, 4].map((f) => cellsOf(family.grid).map((c) => Math.round(c / f)));
    if (main.stoppedEarly || coarser[0].some((c) => c < MIN_COARSE_CELLS)) return { main, error: null };
    const quiet = { shouldStop: control.shouldStop };
    const levels: PdeTrajectory[] = [main];
    const used: number[][] = [cellsOf(family.grid)];
    try {
      for (const cells of coarser) {
        if (cells.some((c) => c < MIN_COARSE_CELLS)) break;
        const s = family.solveOn(withCells(family.grid, cells), quiet);
        if (s.stoppedEarly) break;
        levels.push(s);
        used.push(cells);
      }
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
    }
    if (levels.length < 2) return { main, error: null };
    return { main, error: discretisationError(levels, used, `Richardson extrapolation from ${used.slice(1).map(describeCells).join(' and ')} cells`) };
  }
  const { risk: target, until } = family.tolerance;
  const levels: PdeTrajectory[] = [];
  const used: number[][] = [];
  let cells = cellsOf(family.grid);
  for (;;) {
    const s = family.solveOn(withCells(family.grid, cells), control);
    levels.unshift(s);
    used.unshift(cells);
    if (s.stoppedEarly) return { main: s, error: null };
    const next = cells.map((c) => 2 * c);
    const total = next.reduce((p, c) => p * c, 1);
    if (levels.length < 2 && total > MAX_AUTOMATIC_CELLS) return { main: s, error: null };
    if (levels.length >= 2) {
      const error = discretisationError(levels.slice(0, 3), used.slice(0, 3), `automatic grid (target ${target} in R for t ≤ ${until}): Richardson extrapolation from ${used.slice(1, 3).map(describeCells).join(' and ')} cells`);
      const horizon = s.times.map((t, k) => (t <= until ? error.risk[k] : 0));
      const worst = Math.max(...horizon);
      if (worst <= target || total > MAX_AUTOMATIC_CELLS) {
        return { main: s, error: { ...error, tolerance: { risk: target, until, met: worst <= target, worst } } };
      }
    }
    cells = next;
  }
}
