import type { Rng } from '../../../src/rng.ts';

/**
 * Fills a workspace's CSR update (rows, ptr, cols, coef) with a random sparse C: about 70 % of the
 * units listed, each with about half of the B samples (all of them for B = 1, where `axpyRows` needs
 * exactly one entry per listed row), standard-normal coefficients. Returns the number of listed rows.
 */
export function randomSparseUpdate(
  ws: { n: number; batch: number; rows: Int32Array; ptr: Int32Array; cols: Int32Array; coef: Float64Array | Float32Array },
  rng: Rng,
): number {
  const B = ws.batch;
  let nActive = 0;
  let e = 0;
  ws.ptr[0] = 0;
  for (let i = 0; i < ws.n; i++) {
    if (rng.uniform() < 0.3) continue;
    ws.rows[nActive] = i;
    for (let b = 0; b < B; b++) {
      if (B > 1 && rng.uniform() < 0.5) continue;
      ws.cols[e] = b;
      ws.coef[e++] = rng.normal();
    }
    ws.ptr[++nActive] = e;
  }
  return nActive;
}
