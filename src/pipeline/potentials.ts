/**
 * The `potentials` job: the model's v(r), u_d(r_i, r_j) and the same-unit term U(w,w) at given radii,
 * so a user can inspect the reduced model before solving.
 */
import type { RunConfig } from '../io/config.ts';
import { buildModel } from '../models.ts';

export interface PotentialsTable {
  r: number[];
  v: number[];
  /** u[i][j] = u_d(r_i, r_j) (Mehler series with the K that meets solver.kernelTolerance). */
  u: number[][];
  /** U(w, w) at |w| = r_i (closed form; not u_d(r_i, r_i)). */
  uDiag: number[];
  method: string;
}

export function potentialsTable(config: RunConfig, radii: readonly number[]): PotentialsTable {
  const model = buildModel(config.model);
  const rMax = Math.max(config.grid.rMax, ...radii);
  const K = model.truncationOrder(config.solver.kernelTolerance, rMax);
  return {
    r: [...radii],
    v: radii.map((r) => model.v(r)),
    u: radii.map((a) => radii.map((b) => model.u(a, b, K))),
    uDiag: radii.map((r) => model.uDiag(r)),
    method: model.d === 'inf' ? 'the rank-2 d = ∞ kernel' : `the Mehler series with K = ${K} (error ≤ ${config.solver.kernelTolerance} on (0, ${rMax}]²)`,
  };
}
