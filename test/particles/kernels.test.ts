import { describe, expect, it } from 'vitest';
import { KernelWorkspace, piecewiseLinearTable, referenceActivate, referenceDot, referenceUpdate } from '../../src/particles/kernels.ts';
import { randomSparseUpdate } from './helpers/sparse-update.ts';
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
    const nActive = randomSparseUpdate(ws, rng);
    const expected = Float64Array.from(ws.w);
    referenceUpdate(expected, ws.x, d, ws.rows, ws.ptr, ws.cols, ws.coef, nActive);
    ws.update(nActive);
    // Each element is w + c₁x₁ + c₂x₂ + … in the same order in both: identical bits.
    expect(Array.from(ws.w)).toEqual(Array.from(expected));
  });
});

describe('piecewise-linear activation kernel', () => {
  // σ with three knots, nonzero outer slopes, and pre-activations that hit the knots exactly.
  const shape = { knots: [-0.5, 0.25, 1], values: [0.3, -1, 2], leftSlope: 0.5, rightSlope: 0 };
  const sigma = (t: number) => {
    const { knots: k, values: v } = shape;
    if (t < k[0]) return v[0] + shape.leftSlope * (t - k[0]);
    if (t >= k[2]) return v[2] + shape.rightSlope * (t - k[2]);
    const j = t < k[1] ? 0 : 1;
    return v[j] + ((v[j + 1] - v[j]) / (k[j + 1] - k[j])) * (t - k[j]);
  };
  const slope = (t: number) => {
    const { knots: k, values: v } = shape;
    if (t < k[0]) return shape.leftSlope;
    if (t >= k[2]) return shape.rightSlope;
    const j = t < k[1] ? 0 : 1;
    return (v[j + 1] - v[j]) / (k[j + 1] - k[j]);
  };

  it.each([[9, 1], [7, 5]])('N=%i, B=%i: Σ a σ, σ values, and the CSR list of σ′ ≠ 0 (right-continuous at knots)', (n, B) => {
    const rng = new Rng(13, n);
    const ws = new KernelWorkspace(n, 3, B, 3);
    ws.setPiecewiseLinear(shape);
    for (let k = 0; k < n * B; k++) ws.z[k] = k % 4 === 0 ? shape.knots[k % 3] : 2 * rng.normal();
    for (let i = 0; i < n; i++) {
      ws.a[i] = rng.normal();
      ws.b[i] = i % 3 === 0 ? 0 : 0.1 * rng.normal();
    }
    const nActive = ws.activate(true);
    const res = new Float64Array(B);
    const rows: number[] = [];
    const entries: Array<[number, number]> = [];
    const ptr = [0];
    for (let i = 0; i < n; i++) {
      const before = entries.length;
      for (let q = 0; q < B; q++) {
        const t = ws.z[i * B + q] + ws.b[i];
        res[q] += ws.a[i] * sigma(t);
        expect(ws.sig[i * B + q]).toBeCloseTo(sigma(t), 14);
        if (slope(t) !== 0) entries.push([q, slope(t)]);
      }
      if (entries.length > before) {
        rows.push(i);
        ptr.push(entries.length);
      }
    }
    for (let q = 0; q < B; q++) expect(ws.res[q]).toBeCloseTo(res[q], 13);
    expect(nActive).toBe(rows.length);
    expect(Array.from(ws.rows.subarray(0, nActive))).toEqual(rows);
    expect(Array.from(ws.ptr.subarray(0, nActive + 1))).toEqual(ptr);
    expect(Array.from(ws.cols.subarray(0, entries.length))).toEqual(entries.map((e) => e[0]));
    for (let e = 0; e < entries.length; e++) expect(ws.coef[e]).toBeCloseTo(entries[e][1], 14);
  });

  // The f64x2 pass (two pre-activations at a time, pieces by bit-selection) against the scalar
  // reference: the same bits, for even and odd N and B (the odd leftovers take the scalar path).
  it.each([[1, 1], [8, 1], [9, 1], [6, 2], [7, 3], [5, 32], [4, 33]])('N=%i, B=%i: bit-identical to the scalar reference', (n, B) => {
    const rng = new Rng(29, 100 * n + B);
    const ws = new KernelWorkspace(n, 2, B, 3);
    ws.setPiecewiseLinear(shape);
    for (let k = 0; k < n * B; k++) ws.z[k] = k % 5 === 0 ? shape.knots[k % 3] : 2 * rng.normal();
    for (let i = 0; i < n; i++) {
      ws.a[i] = rng.normal();
      ws.b[i] = i % 2 === 0 ? 0 : 0.1 * rng.normal();
    }
    const nActive = ws.activate(true);
    const ref = {
      res: new Float64Array(B), sig: new Float64Array(n * B), rows: new Int32Array(n), ptr: new Int32Array(n + 1),
      cols: new Int32Array(n * B), coef: new Float64Array(n * B),
    };
    const refActive = referenceActivate(piecewiseLinearTable(shape), ws.z, ws.a, ws.b, n, B, ref);
    expect(nActive).toBe(refActive);
    const entries = ref.ptr[refActive];
    expect(Array.from(ws.res)).toEqual(Array.from(ref.res));
    expect(Array.from(ws.sig.subarray(0, n * B))).toEqual(Array.from(ref.sig));
    expect(Array.from(ws.rows.subarray(0, nActive))).toEqual(Array.from(ref.rows.subarray(0, refActive)));
    expect(Array.from(ws.ptr.subarray(0, nActive + 1))).toEqual(Array.from(ref.ptr.subarray(0, refActive + 1)));
    expect(Array.from(ws.cols.subarray(0, entries))).toEqual(Array.from(ref.cols.subarray(0, entries)));
    expect(Array.from(ws.coef.subarray(0, entries))).toEqual(Array.from(ref.coef.subarray(0, entries)));
  });
});
