/**
 * The kernels of the particle engine, as a small WebAssembly module using 128-bit SIMD (f64x2),
 * assembled instruction by instruction with the project's encoder (src/wasm/encoder.ts).
 *
 *   dot:     Z[i·B + b] = Σ_j W[i·d + j] X[b·d + j]            i < n, b < B   (Z = W Xᵀ, N×B)
 *   update:  W[r_k·d + j] += Σ_{e ∈ [ptr_k, ptr_{k+1})} C_e X[col_e·d + j]    k < nActive
 *            (W += C X with C sparse, stored by active rows: the rows whose σ' vanished for every
 *            sample of the batch are not listed and cost nothing)
 *   activate: for a piecewise-linear σ, the pass over the N×B pre-activations that forms
 *            Σ_i a_i σ(z_ib + b_i) and lists the (i, b) with σ' ≠ 0 (scalar, branch-free)
 *
 * Why wasm: V8's scalar code reaches ~1 GFMA/s on these loops, the f64x2 kernels ~4–7 GFMA/s.
 * Every operation is an IEEE double multiply or add in a fixed order, so results are
 * deterministic (the same bits on every run, thread and worker). They differ from a naive
 * left-to-right scalar sum only by rounding (tested against `referenceDot`/`referenceUpdate`).
 *
 * Register blocking of `dot`: R rows × S samples per block (R·S independent f64x2 accumulators),
 * with S = 1, R = 6 for B = 1 (mat-vec) and S = 4, R = 2 for B ≥ 4; leftovers use R = 1 / S = 1
 * kernels. Each accumulator holds the even and odd partial sums of one dot product; an odd d adds
 * its last term in scalar code.
 *
 * Memory: all arrays live in one WebAssembly.Memory owned by a `KernelWorkspace`; the Float64Array
 * / Int32Array views it hands out stay valid because the memory never grows.
 *
 * Two threads (`threads: 2`): the memory is shared and a worker (../wasm/kernel-thread.ts) builds the
 * same workspace on it; `dot` then offers rows [N/2, N) to the worker and `update` the active rows
 * with index ≥ N/2, while this thread does the rest (and also the offered half if the worker has not
 * taken it by then). Every z_ib and every row update is still one
 * kernel's fixed sequence of operations on the same data (the R×S blocking only groups independent
 * accumulators), so the results are bit-identical to one thread.
 */

import type { PiecewiseLinearShape } from '../types.ts';
import { F64, FunctionBuilder, I32, kernelMemory, kernelModule, op, V128, type FunctionSpec } from '../wasm/encoder.ts';
import { CONTROL_BYTES, KernelThread } from '../wasm/kernel-thread.ts';

// f64x2 loads and stores with an alignment hint of 8 bytes: rows need not be 16-byte aligned.
const loadV = (offset = 0) => op.v128Load(offset, 3);
const storeV = (offset = 0) => op.v128Store(offset, 3);
const i32s = (count: number) => new Array<number>(count).fill(I32);

// ---------------------------------------------------------------------------------------------
// Kernel bodies.

/**
 * dot_RxS(w, x, z, nBlocks, d, B): for nBlocks blocks of R consecutive rows starting at byte offset
 * w, and S consecutive samples starting at x, writes z[r·B + s] (z a byte offset, row stride B).
 */
function dotKernel(R: number, S: number): FunctionSpec {
  const f = new FunctionBuilder(`dot${R}x${S}`, i32s(6));
  const [W, X, Z, NB, D, BS] = [0, 1, 2, 3, 4, 5];
  const rowBytes = f.local(I32);
  const pairBytes = f.local(I32); // 16 · floor(d/2)
  const zStride = f.local(I32);
  const j = f.local(I32);
  const rows = Array.from({ length: R }, () => f.local(I32));
  const xs = Array.from({ length: S }, () => f.local(I32));
  const wv = f.local(V128);
  const xv = Array.from({ length: S }, () => f.local(V128));
  const acc = Array.from({ length: R * S }, () => f.local(V128));
  const tail = f.local(F64);

  f.emit(op.get(D), op.i32(3), op.i32Shl, op.set(rowBytes));
  f.emit(op.get(D), op.i32(-2), op.i32And, op.i32(3), op.i32Shl, op.set(pairBytes));
  f.emit(op.get(BS), op.i32(3), op.i32Shl, op.set(zStride));
  for (let s = 0; s < S; s++) {
    f.emit(op.get(X));
    if (s > 0) f.emit(op.get(rowBytes), op.i32(s), op.i32Mul, op.i32Add);
    f.emit(op.set(xs[s]));
  }
  f.emit(op.block, op.loop);
  {
    f.emit(op.get(NB), op.i32Eqz, op.brIf(1));
    for (let r = 0; r < R; r++) {
      f.emit(op.get(W));
      if (r > 0) f.emit(op.get(rowBytes), op.i32(r), op.i32Mul, op.i32Add);
      f.emit(op.set(rows[r]));
    }
    for (const a of acc) f.emit(op.v128Zero, op.set(a));
    f.emit(op.i32(0), op.set(j));
    // Pairs: while j < pairBytes.
    f.emit(op.block, op.loop);
    {
      f.emit(op.get(j), op.get(pairBytes), op.i32GeU, op.brIf(1));
      for (let s = 0; s < S; s++) f.emit(op.get(xs[s]), op.get(j), op.i32Add, loadV(), op.set(xv[s]));
      for (let r = 0; r < R; r++) {
        f.emit(op.get(rows[r]), op.get(j), op.i32Add, loadV(), op.set(wv));
        for (let s = 0; s < S; s++) {
          const a = acc[r * S + s];
          f.emit(op.get(a), op.get(wv), op.get(xv[s]), op.f64x2Mul, op.f64x2Add, op.set(a));
        }
      }
      f.emit(op.increment(j, 16), op.br(0));
    }
    f.emit(op.end, op.end);
    // Horizontal sums (+ the odd last term), stored to z.
    for (let r = 0; r < R; r++) {
      for (let s = 0; s < S; s++) {
        const a = acc[r * S + s];
        f.emit(op.f64Const(0), op.set(tail));
        f.emit(op.get(D), op.i32(1), op.i32And, op.if);
        f.emit(op.get(rows[r]), op.get(pairBytes), op.i32Add, op.f64Load(), op.get(xs[s]), op.get(pairBytes), op.i32Add, op.f64Load(), op.f64Mul, op.set(tail));
        f.emit(op.end);
        f.emit(op.get(Z));
        if (r > 0) f.emit(op.get(zStride), op.i32(r), op.i32Mul, op.i32Add);
        f.emit(op.get(a), op.f64x2ExtractLane(0), op.get(a), op.f64x2ExtractLane(1), op.f64Add, op.get(tail), op.f64Add, op.f64Store(8 * s));
      }
    }
    f.emit(op.get(W), op.get(rowBytes), op.i32(R), op.i32Mul, op.i32Add, op.set(W));
    f.emit(op.get(Z), op.get(zStride), op.i32(R), op.i32Mul, op.i32Add, op.set(Z));
    f.emit(op.get(NB), op.i32(-1), op.i32Add, op.set(NB));
    f.emit(op.br(0));
  }
  f.emit(op.end, op.end);
  return f;
}

/**
 * update(w, x, d, rows, ptr, cols, coef, nActive): for each active row k (index rows[k]) and each
 * column chunk, loads the row chunk once, adds Σ_e coef[e]·x[cols[e]] chunk by chunk, stores it.
 * Chunks of 8 doubles (4 f64x2 registers), then of 2, then one scalar for an odd d.
 * All pointer arguments are byte offsets; rows/ptr/cols are i32 arrays, coef f64.
 */
function updateKernel(): FunctionSpec {
  const f = new FunctionBuilder('update', i32s(8));
  const [W, X, D, ROWS, PTR, COLS, COEF, NA] = [0, 1, 2, 3, 4, 5, 6, 7];
  const rowBytes = f.local(I32);
  const k = f.local(I32);
  const row = f.local(I32);
  const e0 = f.local(I32);
  const e1 = f.local(I32);
  const e = f.local(I32);
  const j = f.local(I32);
  const end8 = f.local(I32);
  const end2 = f.local(I32);
  const xr = f.local(I32);
  const c = f.local(V128);
  const acc = Array.from({ length: 4 }, () => f.local(V128));
  const s = f.local(F64);

  f.emit(op.get(D), op.i32(3), op.i32Shl, op.set(rowBytes));
  f.emit(op.get(D), op.i32(-8), op.i32And, op.i32(3), op.i32Shl, op.set(end8));
  f.emit(op.get(D), op.i32(-2), op.i32And, op.i32(3), op.i32Shl, op.set(end2));
  f.emit(op.i32(0), op.set(k));
  f.emit(op.block, op.loop);
  {
    f.emit(op.get(k), op.get(NA), op.i32GeS, op.brIf(1));
    // row = w + rows[k]·rowBytes; e0 = ptr[k]; e1 = ptr[k+1]
    f.emit(op.get(W), op.get(ROWS), op.get(k), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(), op.get(rowBytes), op.i32Mul, op.i32Add, op.set(row));
    f.emit(op.get(PTR), op.get(k), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(), op.set(e0));
    f.emit(op.get(PTR), op.get(k), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(4), op.set(e1));
    f.emit(op.i32(0), op.set(j));
    // Chunks of 8.
    f.emit(op.block, op.loop);
    {
      f.emit(op.get(j), op.get(end8), op.i32GeU, op.brIf(1));
      for (let q = 0; q < 4; q++) f.emit(op.get(row), op.get(j), op.i32Add, loadV(16 * q), op.set(acc[q]));
      f.emit(op.get(e0), op.set(e));
      f.emit(op.block, op.loop);
      {
        f.emit(op.get(e), op.get(e1), op.i32GeS, op.brIf(1));
        f.emit(op.get(COEF), op.get(e), op.i32(3), op.i32Shl, op.i32Add, op.f64Load(), op.f64x2Splat, op.set(c));
        f.emit(op.get(X), op.get(COLS), op.get(e), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(), op.get(rowBytes), op.i32Mul, op.i32Add, op.get(j), op.i32Add, op.set(xr));
        for (let q = 0; q < 4; q++) f.emit(op.get(acc[q]), op.get(c), op.get(xr), loadV(16 * q), op.f64x2Mul, op.f64x2Add, op.set(acc[q]));
        f.emit(op.increment(e, 1), op.br(0));
      }
      f.emit(op.end, op.end);
      for (let q = 0; q < 4; q++) f.emit(op.get(row), op.get(j), op.i32Add, op.get(acc[q]), storeV(16 * q));
      f.emit(op.increment(j, 64), op.br(0));
    }
    f.emit(op.end, op.end);
    // Chunks of 2.
    f.emit(op.block, op.loop);
    {
      f.emit(op.get(j), op.get(end2), op.i32GeU, op.brIf(1));
      f.emit(op.get(row), op.get(j), op.i32Add, loadV(), op.set(acc[0]));
      f.emit(op.get(e0), op.set(e));
      f.emit(op.block, op.loop);
      {
        f.emit(op.get(e), op.get(e1), op.i32GeS, op.brIf(1));
        f.emit(op.get(COEF), op.get(e), op.i32(3), op.i32Shl, op.i32Add, op.f64Load(), op.f64x2Splat, op.set(c));
        f.emit(op.get(X), op.get(COLS), op.get(e), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(), op.get(rowBytes), op.i32Mul, op.i32Add, op.get(j), op.i32Add, op.set(xr));
        f.emit(op.get(acc[0]), op.get(c), op.get(xr), loadV(), op.f64x2Mul, op.f64x2Add, op.set(acc[0]));
        f.emit(op.increment(e, 1), op.br(0));
      }
      f.emit(op.end, op.end);
      f.emit(op.get(row), op.get(j), op.i32Add, op.get(acc[0]), storeV());
      f.emit(op.increment(j, 16), op.br(0));
    }
    f.emit(op.end, op.end);
    // Odd last element.
    f.emit(op.get(D), op.i32(1), op.i32And, op.if);
    {
      f.emit(op.get(row), op.get(j), op.i32Add, op.f64Load(), op.set(s));
      f.emit(op.get(e0), op.set(e));
      f.emit(op.block, op.loop);
      {
        f.emit(op.get(e), op.get(e1), op.i32GeS, op.brIf(1));
        f.emit(op.get(s));
        f.emit(op.get(COEF), op.get(e), op.i32(3), op.i32Shl, op.i32Add, op.f64Load());
        f.emit(op.get(X), op.get(COLS), op.get(e), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(), op.get(rowBytes), op.i32Mul, op.i32Add, op.get(j), op.i32Add, op.f64Load());
        f.emit(op.f64Mul, op.f64Add, op.set(s));
        f.emit(op.increment(e, 1), op.br(0));
      }
      f.emit(op.end, op.end);
      f.emit(op.get(row), op.get(j), op.i32Add, op.get(s), op.f64Store());
    }
    f.emit(op.end);
    f.emit(op.increment(k, 1), op.br(0));
  }
  f.emit(op.end, op.end);
  return f;
}

/**
 * activate(z, b, a, n, B, table, m, res, sig, writeSig, rows, ptr, cols, coef) → nActive, for a
 * piecewise-linear σ tabulated at `table` as knots t_0…t_{m−1}, then intercepts α_0…α_m, then
 * slopes s_0…s_m (piece j = #{k : z ≥ t_k}, so knots belong to the piece on their right):
 *   for i < n, q < B:  ζ = z[i·B+q] + b[i];  v = α_j + s_j ζ;  res[q] += a[i] v;  sig[i·B+q] = v (if writeSig);
 *                      if s_j ≠ 0: append (q, s_j) to row i of the CSR arrays (rows, ptr, cols, coef).
 * Branch-free piece search and CSR append (the data decide which units are active).
 */
function activateKernel(single: boolean): FunctionSpec {
  const f = new FunctionBuilder(single ? 'activate1' : 'activate', i32s(14), [I32]);
  const [Z, BIAS, A, N, BS, TABLE, M, RES, SIG, WSIG, ROWS, PTR, COLS, COEF] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const i = f.local(I32);
  const q = f.local(I32);
  const idx = f.local(I32); // i·B + q
  const e = f.local(I32);
  const na = f.local(I32);
  const start = f.local(I32);
  const j = f.local(I32);
  const k = f.local(I32);
  const alpha = f.local(I32);
  const slope = f.local(I32);
  const zi = f.local(F64);
  const ai = f.local(F64);
  const bi = f.local(F64);
  const v = f.local(F64);
  const dv = f.local(F64);
  const sum = f.local(F64); // B = 1: Σ a_i σ in a register (no store-to-load chain through res)

  f.emit(op.get(TABLE), op.get(M), op.i32(3), op.i32Shl, op.i32Add, op.set(alpha));
  f.emit(op.get(alpha), op.get(M), op.i32(3), op.i32Shl, op.i32Add, op.i32(8), op.i32Add, op.set(slope));
  f.emit(op.get(PTR), op.i32(0), op.i32Store());
  f.emit(op.block, op.loop);
  {
    f.emit(op.get(i), op.get(N), op.i32GeS, op.brIf(1));
    f.emit(op.get(A), op.get(i), op.i32(3), op.i32Shl, op.i32Add, op.f64Load(), op.set(ai));
    f.emit(op.get(BIAS), op.get(i), op.i32(3), op.i32Shl, op.i32Add, op.f64Load(), op.set(bi));
    f.emit(op.get(e), op.set(start));
    f.emit(op.i32(0), op.set(q));
    f.emit(op.block, op.loop);
    {
      f.emit(op.get(q), op.get(BS), op.i32GeS, op.brIf(1));
      f.emit(op.get(Z), op.get(idx), op.i32(3), op.i32Shl, op.i32Add, op.f64Load(), op.get(bi), op.f64Add, op.set(zi));
      // j = Σ_k [ζ ≥ t_k]
      f.emit(op.i32(0), op.set(j));
      f.emit(op.i32(0), op.set(k));
      f.emit(op.block, op.loop);
      {
        f.emit(op.get(k), op.get(M), op.i32GeS, op.brIf(1));
        f.emit(op.get(j), op.get(zi), op.get(TABLE), op.get(k), op.i32(3), op.i32Shl, op.i32Add, op.f64Load(), op.f64Ge, op.i32Add, op.set(j));
        f.emit(op.increment(k, 1), op.br(0));
      }
      f.emit(op.end, op.end);
      f.emit(op.get(slope), op.get(j), op.i32(3), op.i32Shl, op.i32Add, op.f64Load(), op.set(dv));
      f.emit(op.get(alpha), op.get(j), op.i32(3), op.i32Shl, op.i32Add, op.f64Load(), op.get(dv), op.get(zi), op.f64Mul, op.f64Add, op.set(v));
      f.emit(op.get(WSIG), op.if);
      f.emit(op.get(SIG), op.get(idx), op.i32(3), op.i32Shl, op.i32Add, op.get(v), op.f64Store());
      f.emit(op.end);
      if (single) {
        f.emit(op.get(sum), op.get(ai), op.get(v), op.f64Mul, op.f64Add, op.set(sum));
      } else {
        f.emit(op.get(RES), op.get(q), op.i32(3), op.i32Shl, op.i32Add);
        f.emit(op.get(RES), op.get(q), op.i32(3), op.i32Shl, op.i32Add, op.f64Load(), op.get(ai), op.get(v), op.f64Mul, op.f64Add);
        f.emit(op.f64Store());
      }
      f.emit(op.get(COLS), op.get(e), op.i32(2), op.i32Shl, op.i32Add, op.get(q), op.i32Store());
      f.emit(op.get(COEF), op.get(e), op.i32(3), op.i32Shl, op.i32Add, op.get(dv), op.f64Store());
      f.emit(op.get(e), op.get(dv), op.f64Const(0), op.f64Ne, op.i32Add, op.set(e));
      f.emit(op.increment(idx, 1), op.increment(q, 1), op.br(0));
    }
    f.emit(op.end, op.end);
    f.emit(op.get(ROWS), op.get(na), op.i32(2), op.i32Shl, op.i32Add, op.get(i), op.i32Store());
    f.emit(op.get(PTR), op.get(na), op.i32(2), op.i32Shl, op.i32Add, op.get(e), op.i32Store(4));
    f.emit(op.get(na), op.get(e), op.get(start), op.i32Ne, op.i32Add, op.set(na));
    f.emit(op.increment(i, 1), op.br(0));
  }
  f.emit(op.end, op.end);
  if (single) f.emit(op.get(RES), op.get(sum), op.f64Store());
  f.emit(op.get(na));
  return f;
}

/**
 * axpyRows(w, x, d, rows, coef, nActive): the B = 1 case of `update` (one entry per active row,
 * coef[k] for row rows[k]): w_{rows[k]} += coef[k] · x, in chunks of 4 doubles, then 2, then 1.
 * Same operations per element as `update`, hence the same bits.
 */
function axpyRowsKernel(): FunctionSpec {
  const f = new FunctionBuilder('axpyRows', i32s(6));
  const [W, X, D, ROWS, COEF, NA] = [0, 1, 2, 3, 4, 5];
  const rowBytes = f.local(I32);
  const end4 = f.local(I32);
  const end2 = f.local(I32);
  const k = f.local(I32);
  const row = f.local(I32);
  const j = f.local(I32);
  const c = f.local(V128);
  f.emit(op.get(D), op.i32(3), op.i32Shl, op.set(rowBytes));
  f.emit(op.get(D), op.i32(-4), op.i32And, op.i32(3), op.i32Shl, op.set(end4));
  f.emit(op.get(D), op.i32(-2), op.i32And, op.i32(3), op.i32Shl, op.set(end2));
  f.emit(op.block, op.loop);
  {
    f.emit(op.get(k), op.get(NA), op.i32GeS, op.brIf(1));
    f.emit(op.get(W), op.get(ROWS), op.get(k), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(), op.get(rowBytes), op.i32Mul, op.i32Add, op.set(row));
    f.emit(op.get(COEF), op.get(k), op.i32(3), op.i32Shl, op.i32Add, op.f64Load(), op.f64x2Splat, op.set(c));
    f.emit(op.i32(0), op.set(j));
    for (const [end, step] of [[end4, 32], [end2, 16]] as const) {
      f.emit(op.block, op.loop);
      {
        f.emit(op.get(j), op.get(end), op.i32GeU, op.brIf(1));
        for (let h = 0; h < step; h += 16) {
          f.emit(op.get(row), op.get(j), op.i32Add);
          f.emit(op.get(row), op.get(j), op.i32Add, loadV(h), op.get(c), op.get(X), op.get(j), op.i32Add, loadV(h), op.f64x2Mul, op.f64x2Add);
          f.emit(storeV(h));
        }
        f.emit(op.increment(j, step), op.br(0));
      }
      f.emit(op.end, op.end);
    }
    f.emit(op.get(D), op.i32(1), op.i32And, op.if);
    {
      f.emit(op.get(row), op.get(j), op.i32Add);
      f.emit(op.get(row), op.get(j), op.i32Add, op.f64Load(), op.get(COEF), op.get(k), op.i32(3), op.i32Shl, op.i32Add, op.f64Load(), op.get(X), op.get(j), op.i32Add, op.f64Load(), op.f64Mul, op.f64Add);
      f.emit(op.f64Store());
    }
    f.emit(op.end);
    f.emit(op.increment(k, 1), op.br(0));
  }
  f.emit(op.end, op.end);
  return f;
}

const DOT_SHAPES: ReadonlyArray<readonly [number, number]> = [
  [6, 1],
  [1, 1],
  [2, 4],
  [1, 4],
];

const instantiate = kernelModule<Record<string, DotFn | UpdateFn | ActivateFn | AxpyRowsFn>>(() => [
  ...DOT_SHAPES.map(([R, S]) => dotKernel(R, S)),
  updateKernel(),
  axpyRowsKernel(),
  activateKernel(false),
  activateKernel(true),
]);

type DotFn = (w: number, x: number, z: number, nBlocks: number, d: number, B: number) => void;
type UpdateFn = (w: number, x: number, d: number, rows: number, ptr: number, cols: number, coef: number, nActive: number) => void;
type AxpyRowsFn = (w: number, x: number, d: number, rows: number, coef: number, nActive: number) => void;
type ActivateFn = (
  z: number, b: number, a: number, n: number, B: number, table: number, m: number,
  res: number, sig: number, writeSig: number, rows: number, ptr: number, cols: number, coef: number,
) => number;

export interface WorkspaceOptions {
  /** 2: a shared memory and a helper thread running half of `dot` and `update` (default 1). */
  readonly threads?: 1 | 2;
  /** The helper thread's side: build the views on this (shared) memory of the main thread's workspace. */
  readonly memory?: WebAssembly.Memory;
}

/**
 * Memory and views for one simulation of N units in dimension d with batch B:
 * `w` (N×d), `a`, `b` (N), `x` (B×d), `z` (N×B), the sparse update in CSR form by active rows — `rows` (≤ N),
 * `ptr` (≤ N + 1), `cols` and `coef` (≤ N·B) — and, for a piecewise-linear σ with `knots` knots,
 * its table, the batch sums `res` (B) and the values `sig` (N×B). With `threads: 2`, call `close()`
 * when done (it ends the helper thread; an unreferenced one never keeps the process alive).
 */
export class KernelWorkspace {
  readonly w: Float64Array;
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly x: Float64Array;
  readonly z: Float64Array;
  readonly rows: Int32Array;
  readonly ptr: Int32Array;
  readonly cols: Int32Array;
  readonly coef: Float64Array;
  readonly res: Float64Array;
  readonly sig: Float64Array;
  private readonly table: Float64Array;
  private readonly offsets: Record<'w' | 'a' | 'b' | 'x' | 'z' | 'coef' | 'res' | 'sig' | 'table' | 'rows' | 'ptr' | 'cols' | 'control', number>;
  private readonly dots: Record<string, DotFn>;
  private readonly updateFn: UpdateFn;
  private readonly activateFn: ActivateFn;
  private readonly activate1Fn: ActivateFn;
  private readonly axpyRowsFn: AxpyRowsFn;

  /** The helper thread (threads: 2, on the main side only). */
  private readonly helper: KernelThread | null = null;

  constructor(readonly n: number, readonly d: number, readonly batch: number, readonly knots = 0, options: WorkspaceOptions = {}) {
    const sizes = {
      w: 8 * n * d, a: 8 * n, b: 8 * n, x: 8 * batch * d, z: 8 * n * batch, coef: 8 * n * batch, res: 8 * batch,
      sig: knots > 0 ? 8 * n * batch : 0, table: 8 * (3 * knots + 2),
      rows: 4 * n, ptr: 4 * (n + 1), cols: 4 * n * batch, control: CONTROL_BYTES,
    };
    let at = 0;
    const off = {} as Record<keyof typeof sizes, number>;
    for (const key of Object.keys(sizes) as Array<keyof typeof sizes>) {
      off[key] = at;
      at += Math.ceil(sizes[key] / 16) * 16;
    }
    const threaded = options.threads === 2;
    const memory = options.memory ?? kernelMemory(at, `particles (N = ${n}, d = ${d}, B = ${batch})`, threaded);
    if (threaded && !options.memory) {
      this.helper = new KernelThread({ module: import.meta.url, className: 'KernelWorkspace', args: [n, d, batch, knots], memory, control: off.control }, this);
    }
    const exports = instantiate(memory);
    this.dots = {};
    for (const [R, S] of DOT_SHAPES) this.dots[`${R}x${S}`] = exports[`dot${R}x${S}`] as DotFn;
    this.updateFn = exports.update as UpdateFn;
    this.activateFn = exports.activate as ActivateFn;
    this.activate1Fn = exports.activate1 as ActivateFn;
    this.axpyRowsFn = exports.axpyRows as AxpyRowsFn;
    const buf = memory.buffer;
    this.offsets = off;
    this.w = new Float64Array(buf, off.w, n * d);
    this.a = new Float64Array(buf, off.a, n);
    this.b = new Float64Array(buf, off.b, n);
    this.x = new Float64Array(buf, off.x, batch * d);
    this.z = new Float64Array(buf, off.z, n * batch);
    this.coef = new Float64Array(buf, off.coef, n * batch);
    this.res = new Float64Array(buf, off.res, batch);
    this.sig = new Float64Array(buf, off.sig, sizes.sig / 8);
    this.table = new Float64Array(buf, off.table, 3 * knots + 2);
    this.rows = new Int32Array(buf, off.rows, n);
    this.ptr = new Int32Array(buf, off.ptr, n + 1);
    this.cols = new Int32Array(buf, off.cols, n * batch);
  }

  /**
   * Tabulates a piecewise-linear σ (as many knots as given to the constructor): per piece j
   * (j = #{k : t ≥ t_k}) the slope s_j and intercept α_j, σ = α_j + s_j t.
   */
  setPiecewiseLinear(shape: PiecewiseLinearShape): void {
    const m = this.knots;
    const { knots: t, values: y, leftSlope, rightSlope } = shape;
    if (m === 0 || t.length !== m || y.length !== m) throw new RangeError(`kernels: workspace made for ${m} knots, got ${t.length}`);
    const tab = this.table;
    for (let k = 0; k < m; k++) tab[k] = t[k];
    // Piece j: slope s_j, through the knot t_k at its left end (k = j − 1; piece 0 through t_0).
    const setPiece = (j: number, slope: number, k: number) => {
      tab[2 * m + 1 + j] = slope;
      tab[m + j] = y[k] - slope * t[k];
    };
    setPiece(0, leftSlope, 0);
    for (let j = 1; j < m; j++) setPiece(j, (y[j] - y[j - 1]) / (t[j] - t[j - 1]), j - 1);
    setPiece(m, rightSlope, m - 1);
  }

  /**
   * With the tabulated σ and the workspace's a, b: res[q] = Σ_i a_i σ(z_iq + b_i), sig = σ values (if writeSig), and the
   * CSR arrays listing every (i, q) with σ'(z_iq + b_i) ≠ 0 with coef = σ'. Returns the number of
   * active rows.
   */
  activate(writeSig: boolean): number {
    const o = this.offsets;
    const { n, batch: B } = this;
    this.res.fill(0);
    return (B === 1 ? this.activate1Fn : this.activateFn)(o.z, o.b, o.a, n, B, o.table, this.knots, o.res, o.sig, writeSig ? 1 : 0, o.rows, o.ptr, o.cols, o.coef);
  }

  /** Threads the kernels run on: 2 once the helper thread is up (until then this thread does all the work). */
  get threads(): 1 | 2 {
    return this.helper?.ready ? 2 : 1;
  }

  /** z[i·B + b] = <w_i, x_b> for all i < N, b < B (biases not included); rows [N/2, N) on the helper thread if it is up. */
  dot(): void {
    const n = this.n;
    if (!this.helper?.ready) return this.dotRows(0, n);
    const h = n >> 1;
    this.helper.start('dotRows', h, n);
    this.dotRows(0, h);
    this.helper.finish();
  }

  /** `dot` for the rows i0 ≤ i < i1 only. */
  dotRows(i0: number, i1: number): void {
    const B = this.batch;
    let b = 0;
    if (B >= 4) for (; b + 4 <= B; b += 4) this.dotBlock(2, this.dots['2x4'], this.dots['1x4'], b, i0, i1);
    for (; b < B; b++) this.dotBlock(6, this.dots['6x1'], this.dots['1x1'], b, i0, i1);
  }

  /** Samples b … b+S−1 against rows [i0, i1): blocks of R rows (R×S kernel), then single rows (1×S). */
  private dotBlock(R: number, block: DotFn, single: DotFn, b: number, i0: number, i1: number): void {
    const { d, batch: B } = this;
    const o = this.offsets;
    const blocks = Math.floor((i1 - i0) / R);
    const done = i0 + blocks * R;
    const xb = o.x + 8 * d * b;
    const zb = o.z + 8 * b;
    block(o.w + 8 * d * i0, xb, zb + 8 * B * i0, blocks, d, B);
    if (done < i1) single(o.w + 8 * d * done, xb, zb + 8 * B * done, i1 - done, d, B);
  }

  /**
   * w_{rows[k]} += Σ_{e = ptr[k]}^{ptr[k+1]−1} coef[e] · x_{cols[e]} for k < nActive
   * (fill rows/ptr/cols/coef first; ptr[0] must be 0; rows increasing). With B = 1 every listed row must
   * have exactly one entry (ptr[k] = k), and the `axpyRows` kernel is used. The active rows ≥ N/2 go to
   * the helper thread if it is up.
   */
  update(nActive: number): void {
    if (!this.helper?.ready) return this.updateRows(0, nActive);
    // first k with rows[k] ≥ N/2 (rows increase)
    const h = this.n >> 1;
    const rows = this.rows;
    let lo = 0;
    let hi = nActive;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rows[mid] < h) lo = mid + 1;
      else hi = mid;
    }
    this.helper.start('updateRows', lo, nActive);
    this.updateRows(0, lo);
    this.helper.finish();
  }

  /** `update` for the active rows k0 ≤ k < k1 only. */
  updateRows(k0: number, k1: number): void {
    const o = this.offsets;
    if (this.batch === 1) this.axpyRowsFn(o.w, o.x, this.d, o.rows + 4 * k0, o.coef + 8 * k0, k1 - k0);
    else this.updateFn(o.w, o.x, this.d, o.rows + 4 * k0, o.ptr + 4 * k0, o.cols, o.coef, k1 - k0);
  }

  /** Ends the helper thread (if any; resolves once it has exited); the workspace then runs on this thread only. */
  close(): Promise<void> {
    return this.helper?.close() ?? Promise.resolve();
  }
}

/** Plain scalar reference for `KernelWorkspace.dot` (left-to-right sums). */
export function referenceDot(w: Float64Array, x: Float64Array, z: Float64Array, n: number, d: number, B: number): void {
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < B; b++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += w[i * d + j] * x[b * d + j];
      z[i * B + b] = s;
    }
  }
}

/** Plain scalar reference for `KernelWorkspace.update`. */
export function referenceUpdate(
  w: Float64Array, x: Float64Array, d: number,
  rows: Int32Array, ptr: Int32Array, cols: Int32Array, coef: Float64Array, nActive: number,
): void {
  for (let k = 0; k < nActive; k++) {
    const row = rows[k];
    for (let e = ptr[k]; e < ptr[k + 1]; e++) {
      for (let j = 0; j < d; j++) w[row * d + j] += coef[e] * x[cols[e] * d + j];
    }
  }
}
