/**
 * The row sweeps of solvers/flux.ts share module-level scratch (the running flux and slope per column).
 * That is safe only because no state crosses calls: a solver run from inside another's tracker (between
 * its steps), on grids large enough for row sweeps, must leave both results bit-identical to solo runs.
 */
import { describe, expect, it } from 'vitest';
import { Grid } from '../../src/grid.ts';
import type { GridOperators } from '../../src/types.ts';
import { SeparableInteraction } from '../../solvers/interaction/separable.ts';
import { solve, type FiniteVolumeProblem, type SolveOptions } from '../../solvers/finite-volume.ts';

/** A 2-D problem whose first axis (blocks of rows·cols > LINE_BLOCK cells) is swept row by row. */
function problem(rows: number, cols: number, tilt: number, openLowerX: boolean): FiniteVolumeProblem {
  const grid = new Grid([{ name: 'x', lo: -2, hi: 2, cells: rows }, { name: 'y', lo: -1.5, hi: 1.5, cells: cols }]);
  const c = grid.centreCoordinates();
  const potential = new Float64Array(grid.size);
  const mass = new Float64Array(grid.size);
  for (let j = 0; j < grid.size; j++) {
    const [x, y] = [c[2 * j], c[2 * j + 1]];
    potential[j] = 0.5 * x * x + tilt * x * y + 0.3 * y;
    mass[j] = Math.exp(-((x - 0.2) ** 2 + (y + 0.1) ** 2) / 0.3) + 1e-3;
  }
  const interaction = new SeparableInteraction(new Float64Array(grid.size), grid.size, new Float64Array([0]));
  const operators: GridOperators = { grid, potential, interaction, riskConstant: 1 };
  return { operators, initialMass: mass, schedule: { kind: 'constant', value: 1 }, boundaries: [{ lower: openLowerX ? 'open' : 'zero-flux', upper: 'zero-flux' }, 'zero-flux'] };
}

describe('flux.ts row-sweep scratch', () => {
  it('a solve nested in another solve’s tracker leaves both bit-identical to solo runs (van Leer; open and zero-flux ends)', () => {
    const outer = problem(30, 300, 0.4, true); // blocks of 9000 cells: row sweeps over 256 + 44 columns
    const inner = problem(40, 260, -0.7, false); // 10400 cells: 256 + 4 columns
    const options: SolveOptions = { saveTimes: [0.02], dt: 1e-3, limiter: 'van-leer' };
    const soloOuter = solve(outer, options);
    const soloInner = solve(inner, options);
    const nested: Float64Array[] = [];
    const outerWithNested = solve(outer, { ...options, trackers: [{ handle: () => void nested.push(solve(inner, options).snapshots[0]) }] });
    expect(nested.length).toBe(soloOuter.steps);
    expect(Array.from(outerWithNested.snapshots[0])).toEqual(Array.from(soloOuter.snapshots[0]));
    expect(outerWithNested.outflow).toEqual(soloOuter.outflow);
    for (const snapshot of nested) expect(Array.from(snapshot)).toEqual(Array.from(soloInner.snapshots[0]));
  });
});
