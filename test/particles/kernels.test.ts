import { describe, expect, it } from 'vitest';
import { KernelWorkspace, referenceDot, referenceUpdate } from '../../src/particles/kernels.ts';
import { Rng } from '../../src/rng.ts';

// Shapes cover: N not a multiple of the row block (4 or 2), B below / above / not a multiple of
// the sample block 4, d = 1, odd d, d not a multiple of the update chunk 8.
const SHAPES: Array<[number, number, number]> = [
  [7, 5, 1], [9, 1, 3], [13, 17, 6], [8, 40, 32], [3, 2, 4], [801, 33, 1], [5, 8, 9], [2, 16, 2],
];

describe('SIMD kernels (hand-assembled wasm) against plain loops', () => {
  it.each(SHAPES)('dot: Z = W Xᵀ for N=%i, d=%i, B=%i (rounding-level agreement)', (n, d, B) => {
    const rng = new Rng(11, n * 1000 + d);
    const ws = new KernelWorkspace(n, d, B);
    rng.fillNormal(ws.w);
    rng.fillNormal(ws.x);
    ws.dot();
    const z = new Float64Array(n * B);
    referenceDot(ws.w, ws.x, z, n, d, B);
    for (let i = 0; i < n; i++) {
      for (let b = 0; b < B; b++) {
        // |error| ≤ d·u·Σ|w_j x_j| for any summation order (u = 2⁻⁵³).
        let bound = 0;
        for (let j = 0; j < d; j++) bound += Math.abs(ws.w[i * d + j] * ws.x[b * d + j]);
        expect(Math.abs(ws.z[i * B + b] - z[i * B + b])).toBeLessThanOrEqual(2 * d * 1.12e-16 * bound);
      }
    }
  });

  it.each(SHAPES)('update: W += C X on a sparse set of rows, N=%i, d=%i, B=%i (same bits)', (n, d, B) => {
    const rng = new Rng(12, n * 1000 + d);
    const ws = new KernelWorkspace(n, d, B);
    rng.fillNormal(ws.w);
    rng.fillNormal(ws.x);
    let nActive = 0;
    let e = 0;
    ws.ptr[0] = 0;
    for (let i = 0; i < n; i++) {
      if (rng.uniform() < 0.3) continue;
      ws.rows[nActive] = i;
      for (let b = 0; b < B; b++) {
        if (rng.uniform() < 0.5) continue;
        ws.cols[e] = b;
        ws.coef[e] = rng.normal();
        e++;
      }
      ws.ptr[++nActive] = e;
    }
    const expected = Float64Array.from(ws.w);
    referenceUpdate(expected, ws.x, d, ws.rows, ws.ptr, ws.cols, ws.coef, nActive);
    ws.update(nActive);
    // Each element is w + c₁x₁ + c₂x₂ + … in the same order in both: identical bits.
    expect(Array.from(ws.w)).toEqual(Array.from(expected));
  });
});
