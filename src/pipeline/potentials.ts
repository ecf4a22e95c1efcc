/**
 * The `potentials` job: a model's potential v(x), kernel u(x_i, x_j) and same-unit term U(θ, θ) at
 * points of its reduced coordinates, so a user can inspect the reduced model before solving.
 */
import { ConfigError } from '../errors.ts';
import { reducedOf } from '../pde/index.ts';
import type { RunSpec } from '../spec/index.ts';

export interface PotentialsTable {
  coordinates: string[];
  points: number[][];
  v: number[];
  /** u[i][j] = u(x_i, x_j) (series truncated where its bound meets solver.kernelTolerance). */
  u: number[][];
  /** U(θ, θ) at x_i (the same-unit term; not u(x_i, x_i)). */
  uDiag: number[];
  method: string;
}

export function potentialsTable(run: RunSpec, points: readonly number[][]): PotentialsTable {
  const reduced = reducedOf(run, 'potentials');
  const coordinates = reduced.coordinates.map((c) => c.name);
  points.forEach((x, i) => {
    if (x.length !== coordinates.length) throw new ConfigError(`--at[${i}]`, `must have one value per coordinate (${coordinates.join(', ')}); got ${x.length}`);
    x.forEach((v, a) => {
      const c = reduced.coordinates[a];
      if (!(v >= c.min && v <= c.max)) throw new ConfigError(`--at[${i}]`, `${c.name} must lie in [${c.min}, ${c.max}] (got ${v})`);
    });
  });
  if (!reduced.pointwise) throw new ConfigError('model.name', `potentials needs point values of the potential and kernel; model "${run.model.name}" has none`);
  // the truncation must hold on the grid of the spec too (if any), as in solve
  const cover = points.map((x) => Float64Array.from(x));
  const grid = run.grid !== undefined && reduced.grid ? reduced.grid(run.grid) : undefined;
  if (grid) cover.push(Float64Array.from(grid.axes.map((a) => a.hi)));
  const model = reduced.pointwise(run.solver.kernelTolerance, cover);
  return {
    coordinates,
    points: points.map((x) => [...x]),
    v: points.map((x) => model.potential(x)),
    u: points.map((a) => points.map((b) => model.interaction(a, b))),
    uDiag: points.map((x) => model.selfInteraction(x)),
    method: model.method,
  };
}
