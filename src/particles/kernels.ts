/**
 * The kernels of the particle engine, as a small WebAssembly module using 128-bit SIMD (f64x2),
 * assembled instruction by instruction with the project's encoder (src/wasm/encoder.ts). Their
 * float32 twins (particles.precision "float32") are in ./kernels-f32.ts and share the workspace
 * layout, the σ table, the dot sweep and the activate kernel defined here.
 *
 *   dot:     Z[i·B + b] = Σ_j W[i·d + j] X[b·d + j]            i < n, b < B   (Z = W Xᵀ, N×B)
 *   update:  W[r_k·d + j] += Σ_{e ∈ [ptr_k, ptr_{k+1})} C_e X[col_e·d + j]    k < nActive
 *            (W += C X with C sparse, stored by active rows: the rows whose σ' vanished for every
 *            sample of the batch are not listed and cost nothing)
 *   activate: for a piecewise-linear σ, the pass over the N×B pre-activations that forms
 *            Σ_i a_i σ(z_ib + b_i) and lists the (i, b) with σ' ≠ 0 (scalar, branch-free)
 *   coefficients: the SGD coefficients c = g a_i r_b σ' over that list, and Δb_i = Σ_b c
 *
 * Why wasm: V8's scalar code reaches ~1 GFMA/s on these loops, the f64x2 kernels ~4–7 GFMA/s.
 * Every operation is an IEEE double multiply or add in a fixed order, so results are
 * deterministic (the same bits on every run, thread and worker). They differ from a naive
 * left-to-right scalar sum only by rounding (tested against `referenceDot`/`referenceUpdate`).
 *
 * Register blocking of `dot`: R rows × S samples per block (R·S independent f64x2 accumulators),
 * with S = 1, R = 6 for B = 1 (mat-vec) and S = 4, R = 2 for B ≥ 4; leftovers use R = 1 / S = 1
 * kernels. Loop order: row blocks outer, sample groups inner, so W is swept once per step (twice
 * when B mod 4 ≠ 0 and B > 4) while the B×d batch stays in cache. Each accumulator holds the even
 * and odd partial sums of one dot product; an odd d adds its last term in scalar code.
 *
 * Memory: all arrays live in one WebAssembly.Memory owned by a `KernelWorkspace`; the Float64Array
 * / Int32Array views it hands out stay valid because the memory never grows.
 *
 * Two threads (`threads: 2`): the memory is shared and a worker (../wasm/kernel-thread.ts) builds the
 * same workspace on it; `dot` then offers rows [N/2, N) to the worker and `update` the active rows
 * with index ≥ N/2, while this thread does the rest (and also the offered half if the worker has not
 * taken it by then); `forward`/`backward` (RowHalves) split Z with σ, and the coefficients with the update,
 * the same way by units. Every z_ib, σ value, batch sum and row update is still one
 * kernel's fixed sequence of operations on the same data (the R×S blocking only groups independent
 * accumulators), so the results are bit-identical to one thread.
 */

import type { PiecewiseLinearShape } from '../types.ts';
import { F64, FunctionBuilder, I32, kernelMemory, kernelModule, op, V128, type FunctionSpec } from '../wasm/encoder.ts';
import { CONTROL_BYTES, KernelThread } from '../wasm/kernel-thread.ts';

// f64x2 loads and stores with an alignment hint of 8 bytes: rows need not be 16-byte aligned.
const loadV = (offset = 0) => op.v128Load(offset, 3);
const storeV = (offset = 0) => op.v128Store(offset, 3);
export const i32s = (count: number) => new Array<number>(count).fill(I32);

// ---------------------------------------------------------------------------------------------
// Kernel bodies.

/** The float type of a kernel's arrays: bytes per element, lanes per v128 and the matching instructions. */
export interface LaneKind {
  readonly real: 4 | 8;
  readonly lanes: 2 | 4;
  /** log2(real): the shift from element index to byte offset. */
  readonly shift: 2 | 3;
  readonly scalar: number;
  readonly vecAdd: readonly number[];
  readonly vecMul: readonly number[];
  readonly splat: readonly number[];
  readonly extract: (lane: number) => readonly number[];
  readonly add: readonly number[];
  readonly mul: readonly number[];
  readonly zero: readonly number[];
  readonly load: (offset?: number) => readonly number[];
  readonly store: (offset?: number) => readonly number[];
}

export const F64_LANES: LaneKind = {
  real: 8, lanes: 2, shift: 3, scalar: F64, vecAdd: op.f64x2Add, vecMul: op.f64x2Mul, splat: op.f64x2Splat,
  extract: (lane) => op.f64x2ExtractLane(lane as 0 | 1), add: op.f64Add, mul: op.f64Mul, zero: op.f64Const(0),
  load: (offset = 0) => op.f64Load(offset), store: (offset = 0) => op.f64Store(offset),
};

/**
 * dot_RxS(w, x, z, nBlocks, d, B, nGroups): for nBlocks blocks of R consecutive rows starting at byte
 * offset w, and nGroups groups of S consecutive samples starting at x, writes z[r·B + s] (z a byte
 * offset, row stride B). Rows outer: each block of rows meets every group before the next block.
 * In `t`'s float type (f64x2 here, f32x4 in ./kernels-f32.ts): each accumulator holds `lanes` interleaved
 * partial sums of one dot product over the first lanes·⌊d/lanes⌋ terms; z = (pairwise sum of the lanes)
 * + tail, where the tail sums the d mod lanes last terms in scalar code (f64: at most one product;
 * f32: a left-to-right loop from 0).
 */
export function dotKernel(R: number, S: number, t: LaneKind = F64_LANES): FunctionSpec {
  const f = new FunctionBuilder(`dot${R}x${S}`, i32s(7));
  const [W, X, Z, NB, D, BS, NG] = [0, 1, 2, 3, 4, 5, 6];
  const rowBytes = f.local(I32);
  const vecBytes = f.local(I32); // 16 · floor(d/lanes)
  const zStride = f.local(I32);
  const j = f.local(I32);
  const g = f.local(I32);
  const xg = f.local(I32); // first sample of group g
  const zg = f.local(I32); // z of the block's first row, group g
  const rows = Array.from({ length: R }, () => f.local(I32));
  const xs = Array.from({ length: S }, () => f.local(I32));
  const wv = f.local(V128);
  const xv = Array.from({ length: S }, () => f.local(V128));
  const acc = Array.from({ length: R * S }, () => f.local(V128));
  const tail = f.local(t.scalar);
  const loadVec = () => op.v128Load(0, t.shift);

  f.emit(op.get(D), op.i32(t.shift), op.i32Shl, op.set(rowBytes));
  f.emit(op.get(D), op.i32(-t.lanes), op.i32And, op.i32(t.shift), op.i32Shl, op.set(vecBytes));
  f.emit(op.get(BS), op.i32(t.shift), op.i32Shl, op.set(zStride));
  f.emit(op.block, op.loop);
  {
    f.emit(op.get(NB), op.i32Eqz, op.brIf(1));
    for (let r = 0; r < R; r++) {
      f.emit(op.get(W));
      if (r > 0) f.emit(op.get(rowBytes), op.i32(r), op.i32Mul, op.i32Add);
      f.emit(op.set(rows[r]));
    }
    // The block's rows against every group of S samples (rows outer: they stay in L1 while X streams from L2).
    f.emit(op.i32(0), op.set(g), op.get(X), op.set(xg), op.get(Z), op.set(zg));
    f.emit(op.block, op.loop);
    {
      f.emit(op.get(g), op.get(NG), op.i32GeU, op.brIf(1));
      for (let s = 0; s < S; s++) {
        f.emit(op.get(xg));
        if (s > 0) f.emit(op.get(rowBytes), op.i32(s), op.i32Mul, op.i32Add);
        f.emit(op.set(xs[s]));
      }
      for (const a of acc) f.emit(op.v128Zero, op.set(a));
      f.emit(op.i32(0), op.set(j));
      // Whole vectors: while j < vecBytes.
      f.emit(op.block, op.loop);
      {
        f.emit(op.get(j), op.get(vecBytes), op.i32GeU, op.brIf(1));
        for (let s = 0; s < S; s++) f.emit(op.get(xs[s]), op.get(j), op.i32Add, loadVec(), op.set(xv[s]));
        for (let r = 0; r < R; r++) {
          f.emit(op.get(rows[r]), op.get(j), op.i32Add, loadVec(), op.set(wv));
          for (let s = 0; s < S; s++) {
            const a = acc[r * S + s];
            f.emit(op.get(a), op.get(wv), op.get(xv[s]), t.vecMul, t.vecAdd, op.set(a));
          }
        }
        f.emit(op.increment(j, 16), op.br(0));
      }
      f.emit(op.end, op.end);
      // Per (r, s): the tail, then z = (pairwise sum of the lanes) + tail.
      for (let r = 0; r < R; r++) {
        for (let s = 0; s < S; s++) {
          const a = acc[r * S + s];
          const term = [op.get(rows[r]), op.get(j), op.i32Add, t.load(), op.get(xs[s]), op.get(j), op.i32Add, t.load(), t.mul];
          f.emit(t.zero, op.set(tail), op.get(vecBytes), op.set(j));
          if (t.lanes === 2) {
            // one term at most (d odd): tail = w·x
            f.emit(op.get(D), op.i32(1), op.i32And, op.if, ...term, op.set(tail), op.end);
          } else {
            f.emit(op.block, op.loop);
            f.emit(op.get(j), op.get(rowBytes), op.i32GeU, op.brIf(1));
            f.emit(op.get(tail), ...term, t.add, op.set(tail));
            f.emit(op.increment(j, t.real), op.br(0));
            f.emit(op.end, op.end);
          }
          f.emit(op.get(zg));
          if (r > 0) f.emit(op.get(zStride), op.i32(r), op.i32Mul, op.i32Add);
          f.emit(op.get(a), t.extract(0), op.get(a), t.extract(1), t.add);
          if (t.lanes === 4) f.emit(op.get(a), t.extract(2), op.get(a), t.extract(3), t.add, t.add);
          f.emit(op.get(tail), t.add, t.store(t.real * s));
        }
      }
      f.emit(op.get(xg), op.get(rowBytes), op.i32(S), op.i32Mul, op.i32Add, op.set(xg));
      f.emit(op.get(zg), op.i32(t.real * S), op.i32Add, op.set(zg));
      f.emit(op.increment(g, 1), op.br(0));
    }
    f.emit(op.end, op.end);
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
 * column chunk, loads the row chunk once, adds Σ_{e ∈ [ptr_k, ptr_{k+1})} coef[e]·x[cols[e]] chunk by
 * chunk, stores it (W += C X with C sparse, stored by active rows). Chunks of four v128 registers (8
 * doubles / 16 floats), then of one, then single elements. All pointer arguments are byte offsets;
 * rows/ptr/cols are i32 arrays, coef in `t`'s float type.
 */
export function updateKernel(t: LaneKind = F64_LANES): FunctionSpec {
  const f = new FunctionBuilder('update', i32s(8));
  const [W, X, D, ROWS, PTR, COLS, COEF, NA] = [0, 1, 2, 3, 4, 5, 6, 7];
  const rowBytes = f.local(I32);
  const k = f.local(I32);
  const row = f.local(I32);
  const e0 = f.local(I32);
  const e1 = f.local(I32);
  const e = f.local(I32);
  const j = f.local(I32);
  const endFour = f.local(I32); // bytes in whole chunks of four registers
  const endOne = f.local(I32); // … and of one
  const xr = f.local(I32);
  const c = f.local(V128);
  const acc = Array.from({ length: 4 }, () => f.local(V128));
  const s = f.local(t.scalar);
  const vload = (offset: number) => op.v128Load(offset, t.shift);
  const vstore = (offset: number) => op.v128Store(offset, t.shift);
  // Address of x_{cols[e]} + j into xr; the coefficient coef[e] on the stack.
  const xRow = () => f.emit(op.get(X), op.get(COLS), op.get(e), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(), op.get(rowBytes), op.i32Mul, op.i32Add, op.get(j), op.i32Add, op.set(xr));
  const coefE = () => f.emit(op.get(COEF), op.get(e), op.i32(t.shift), op.i32Shl, op.i32Add, t.load());
  // Loop over the row's entries e ∈ [e0, e1), running `body`.
  const entries = (body: () => void) => {
    f.emit(op.get(e0), op.set(e));
    f.emit(op.block, op.loop);
    f.emit(op.get(e), op.get(e1), op.i32GeS, op.brIf(1));
    body();
    f.emit(op.increment(e, 1), op.br(0));
    f.emit(op.end, op.end);
  };

  f.emit(op.get(D), op.i32(t.shift), op.i32Shl, op.set(rowBytes));
  f.emit(op.get(D), op.i32(-4 * t.lanes), op.i32And, op.i32(t.shift), op.i32Shl, op.set(endFour));
  f.emit(op.get(D), op.i32(-t.lanes), op.i32And, op.i32(t.shift), op.i32Shl, op.set(endOne));
  f.emit(op.i32(0), op.set(k));
  f.emit(op.block, op.loop);
  {
    f.emit(op.get(k), op.get(NA), op.i32GeS, op.brIf(1));
    f.emit(op.get(W), op.get(ROWS), op.get(k), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(), op.get(rowBytes), op.i32Mul, op.i32Add, op.set(row));
    f.emit(op.get(PTR), op.get(k), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(), op.set(e0));
    f.emit(op.get(PTR), op.get(k), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(4), op.set(e1));
    f.emit(op.i32(0), op.set(j));
    for (const [end, regs] of [[endFour, 4], [endOne, 1]] as const) {
      f.emit(op.block, op.loop);
      {
        f.emit(op.get(j), op.get(end), op.i32GeU, op.brIf(1));
        for (let q = 0; q < regs; q++) f.emit(op.get(row), op.get(j), op.i32Add, vload(16 * q), op.set(acc[q]));
        entries(() => {
          coefE();
          f.emit(t.splat, op.set(c));
          xRow();
          for (let q = 0; q < regs; q++) f.emit(op.get(acc[q]), op.get(c), op.get(xr), vload(16 * q), t.vecMul, t.vecAdd, op.set(acc[q]));
        });
        for (let q = 0; q < regs; q++) f.emit(op.get(row), op.get(j), op.i32Add, op.get(acc[q]), vstore(16 * q));
        f.emit(op.increment(j, 16 * regs), op.br(0));
      }
      f.emit(op.end, op.end);
    }
    // The d mod 4 last elements, one at a time.
    f.emit(op.block, op.loop);
    {
      f.emit(op.get(j), op.get(rowBytes), op.i32GeU, op.brIf(1));
      f.emit(op.get(row), op.get(j), op.i32Add, t.load(), op.set(s));
      entries(() => {
        xRow();
        f.emit(op.get(s));
        coefE();
        f.emit(op.get(xr), t.load(), t.mul, t.add, op.set(s));
      });
      f.emit(op.get(row), op.get(j), op.i32Add, op.get(s), t.store());
      f.emit(op.increment(j, t.real), op.br(0));
    }
    f.emit(op.end, op.end);
    f.emit(op.increment(k, 1), op.br(0));
  }
  f.emit(op.end, op.end);
  return f;
}

/**
 * axpyRows(w, x, d, rows, coef, nActive): the B = 1 case of `update` (one entry per active row,
 * coef[k] for row rows[k]): w_{rows[k]} += coef[k] · x, in chunks of two v128 registers, then one, then
 * single elements. Same operations per element as `update`, hence the same bits.
 */
export function axpyRowsKernel(t: LaneKind = F64_LANES): FunctionSpec {
  const f = new FunctionBuilder('axpyRows', i32s(6));
  const [W, X, D, ROWS, COEF, NA] = [0, 1, 2, 3, 4, 5];
  const rowBytes = f.local(I32);
  const endTwo = f.local(I32); // bytes in whole chunks of two registers
  const endOne = f.local(I32); // … and of one
  const k = f.local(I32);
  const row = f.local(I32);
  const j = f.local(I32);
  const c = f.local(V128);
  const cs = f.local(t.scalar);
  const vload = (offset: number) => op.v128Load(offset, t.shift);
  const vstore = (offset: number) => op.v128Store(offset, t.shift);
  f.emit(op.get(D), op.i32(t.shift), op.i32Shl, op.set(rowBytes));
  f.emit(op.get(D), op.i32(-2 * t.lanes), op.i32And, op.i32(t.shift), op.i32Shl, op.set(endTwo));
  f.emit(op.get(D), op.i32(-t.lanes), op.i32And, op.i32(t.shift), op.i32Shl, op.set(endOne));
  f.emit(op.block, op.loop);
  {
    f.emit(op.get(k), op.get(NA), op.i32GeS, op.brIf(1));
    f.emit(op.get(W), op.get(ROWS), op.get(k), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(), op.get(rowBytes), op.i32Mul, op.i32Add, op.set(row));
    f.emit(op.get(COEF), op.get(k), op.i32(t.shift), op.i32Shl, op.i32Add, t.load(), op.set(cs));
    f.emit(op.get(cs), t.splat, op.set(c));
    f.emit(op.i32(0), op.set(j));
    for (const [end, step] of [[endTwo, 32], [endOne, 16]] as const) {
      f.emit(op.block, op.loop);
      {
        f.emit(op.get(j), op.get(end), op.i32GeU, op.brIf(1));
        for (let h = 0; h < step; h += 16) {
          f.emit(op.get(row), op.get(j), op.i32Add);
          f.emit(op.get(row), op.get(j), op.i32Add, vload(h), op.get(c), op.get(X), op.get(j), op.i32Add, vload(h), t.vecMul, t.vecAdd);
          f.emit(vstore(h));
        }
        f.emit(op.increment(j, step), op.br(0));
      }
      f.emit(op.end, op.end);
    }
    f.emit(op.block, op.loop);
    {
      f.emit(op.get(j), op.get(rowBytes), op.i32GeU, op.brIf(1));
      f.emit(op.get(row), op.get(j), op.i32Add);
      f.emit(op.get(row), op.get(j), op.i32Add, t.load(), op.get(cs), op.get(X), op.get(j), op.i32Add, t.load(), t.mul, t.add);
      f.emit(t.store());
      f.emit(op.increment(j, t.real), op.br(0));
    }
    f.emit(op.end, op.end);
    f.emit(op.increment(k, 1), op.br(0));
  }
  f.emit(op.end, op.end);
  return f;
}


/**
 * activate(z, b, a, n, B, table, m, res, sig, writeSig, rows, ptr, cols, coef) → nActive, for a
 * piecewise-linear σ with m = `knots` knots (a module per knot count), tabulated at `table` as knots t_0…t_{m−1}, then intercepts α_0…α_m, then
 * slopes s_0…s_m (piece j = #{k : z ≥ t_k}, so knots belong to the piece on their right):
 *   for i < n, q < B:  ζ = z[i·B+q] + b[i];  v = α_j + s_j ζ;  res[q] += a[i] v;  sig[i·B+q] = v (if writeSig);
 *                      if s_j ≠ 0: append (q, s_j) to row i of the CSR arrays (rows, ptr, cols, coef).
 * Branch-free piece search and CSR append (the data decide which units are active).
 *
 * Two pre-activations at a time in f64x2: samples q, q+1 of one unit (B ≥ 2), or units i, i+1 (B = 1,
 * `activate1`, whose batch sum Σ_i a_i v_i stays one scalar chain in i). The piece is found by
 * bit-selecting (α, s) from piece 0 upward with the masks [ζ ≥ t_k]; the knots increase, so the masks
 * are true exactly for k < j and the selection ends at (α_j, s_j), the pair the scalar count picks. v,
 * res and the sums are then the same IEEE operations in the same order as the scalar pass (bit-identical);
 * a leftover odd element takes the scalar path.
 * `real` = 4: z, sig and coef are f32 (./kernels-f32.ts): promoted exactly on load, rounded to nearest
 * on store; σ and the sums are still evaluated in f64.
 * `vals` (`activateVals`, `activate1Vals`: the helper thread's half): no batch sums; instead res is an N×B
 * f64 array receiving every v (the caller continues the sums over them in the order i, q: `continueSums`).
 */
function activateKernel(single: boolean, knots: number, real: 4 | 8, vals = false): FunctionSpec {
  const f = new FunctionBuilder(`${single ? 'activate1' : 'activate'}${vals ? 'Vals' : ''}`, i32s(14), [I32]);
  // z, sig, coef hold `real`-byte floats (f32: promoted on load, rounded on store); the rest is f64.
  const shift = real === 8 ? 3 : 2;
  const loadReal = real === 8 ? op.f64Load() : [...op.f32Load(), ...op.f64PromoteF32];
  const storeReal = real === 8 ? op.f64Store() : [...op.f32DemoteF64, ...op.f32Store()];
  const loadRealPair = real === 8 ? loadV() : [...op.v128Load64Zero(), ...op.f64x2PromoteLowF32x4];
  const storeRealPair = real === 8 ? storeV() : [...op.f32x4DemoteF64x2Zero, ...op.v128Store64Lane0()];
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
  const zv = f.local(V128);
  const av = f.local(V128);
  const sv = f.local(V128);
  const vv = f.local(V128);
  const pv = f.local(V128);
  const at = (base: number, index: number, log2: number) => [op.get(base), op.get(index), op.i32(log2), op.i32Shl, op.i32Add];

  // The knots and pieces, splatted once per call: the selection is unrolled over the `knots` knots.
  const knotV = Array.from({ length: knots }, () => f.local(V128));
  const alphaV = Array.from({ length: knots + 1 }, () => f.local(V128));
  const slopeV = Array.from({ length: knots + 1 }, () => f.local(V128));
  /** (av, sv) ← the piece (α_j, s_j) of each lane of zv, by bit-selection over the knots; vv = α + s ζ. */
  const selectPieces = () => {
    f.emit(op.get(alphaV[0]), op.set(av), op.get(slopeV[0]), op.set(sv));
    for (let kk = 0; kk < knots; kk++) {
      f.emit(op.get(zv), op.get(knotV[kk]), op.f64x2Ge, op.set(pv));
      f.emit(op.get(alphaV[kk + 1]), op.get(av), op.get(pv), op.v128Bitselect, op.set(av));
      f.emit(op.get(slopeV[kk + 1]), op.get(sv), op.get(pv), op.v128Bitselect, op.set(sv));
    }
    f.emit(op.get(av), op.get(sv), op.get(zv), op.f64x2Mul, op.f64x2Add, op.set(vv));
    f.emit(op.get(WSIG), op.if, ...at(SIG, idx, shift), op.get(vv), storeRealPair, op.end);
    if (vals) f.emit(...at(RES, idx, 3), op.get(vv), storeV());
  };
  /** CSR entry (column `column`, coefficient lane `lane` of sv); e advances iff that slope ≠ 0. */
  const appendEntry = (column: readonly (readonly number[])[], lane: 0 | 1) => {
    f.emit(op.get(sv), op.f64x2ExtractLane(lane), op.set(dv));
    f.emit(...at(COLS, e, 2), ...column, op.i32Store());
    f.emit(...at(COEF, e, shift), op.get(dv), storeReal);
    f.emit(op.get(e), op.get(dv), op.f64Const(0), op.f64Ne, op.i32Add, op.set(e));
  };
  /** rows[na] = i, ptr[na+1] = e; na advances iff row i got entries (e ≠ start). */
  const closeRow = (unit: readonly (readonly number[])[]) => {
    f.emit(...at(ROWS, na, 2), ...unit, op.i32Store());
    f.emit(...at(PTR, na, 2), op.get(e), op.i32Store(4));
    f.emit(op.get(na), op.get(e), op.get(start), op.i32Ne, op.i32Add, op.set(na));
  };
  /** The scalar pass over one pre-activation idx (unit i, sample q): the odd leftover. */
  const scalarElement = () => {
    f.emit(...at(Z, idx, shift), loadReal, op.get(bi), op.f64Add, op.set(zi));
    f.emit(op.i32(0), op.set(j));
    f.emit(op.i32(0), op.set(k));
    f.emit(op.block, op.loop);
    {
      f.emit(op.get(k), op.get(M), op.i32GeS, op.brIf(1));
      f.emit(op.get(j), op.get(zi), ...at(TABLE, k, 3), op.f64Load(), op.f64Ge, op.i32Add, op.set(j));
      f.emit(op.increment(k, 1), op.br(0));
    }
    f.emit(op.end, op.end);
    f.emit(...at(slope, j, 3), op.f64Load(), op.set(dv));
    f.emit(...at(alpha, j, 3), op.f64Load(), op.get(dv), op.get(zi), op.f64Mul, op.f64Add, op.set(v));
    f.emit(op.get(WSIG), op.if, ...at(SIG, idx, shift), op.get(v), storeReal, op.end);
    if (vals) f.emit(...at(RES, idx, 3), op.get(v), op.f64Store());
    else if (single) f.emit(op.get(sum), op.get(ai), op.get(v), op.f64Mul, op.f64Add, op.set(sum));
    else f.emit(...at(RES, q, 3), ...at(RES, q, 3), op.f64Load(), op.get(ai), op.get(v), op.f64Mul, op.f64Add, op.f64Store());
    f.emit(...at(COLS, e, 2), op.get(q), op.i32Store());
    f.emit(...at(COEF, e, shift), op.get(dv), storeReal);
    f.emit(op.get(e), op.get(dv), op.f64Const(0), op.f64Ne, op.i32Add, op.set(e));
  };

  f.emit(op.get(TABLE), op.get(M), op.i32(3), op.i32Shl, op.i32Add, op.set(alpha));
  f.emit(op.get(alpha), op.get(M), op.i32(3), op.i32Shl, op.i32Add, op.i32(8), op.i32Add, op.set(slope));
  for (let kk = 0; kk < knots; kk++) f.emit(op.get(TABLE), op.f64Load(8 * kk), op.f64x2Splat, op.set(knotV[kk]));
  for (let kk = 0; kk <= knots; kk++) {
    f.emit(op.get(alpha), op.f64Load(8 * kk), op.f64x2Splat, op.set(alphaV[kk]));
    f.emit(op.get(slope), op.f64Load(8 * kk), op.f64x2Splat, op.set(slopeV[kk]));
  }
  f.emit(op.get(PTR), op.i32(0), op.i32Store());
  if (single) {
    // Units in pairs: ζ = z[i..i+1] + b[i..i+1]; sum += a_i v_i, then a_{i+1} v_{i+1}.
    f.emit(op.block, op.loop);
    {
      f.emit(op.get(i), op.i32(1), op.i32Add, op.get(N), op.i32GeS, op.brIf(1));
      f.emit(op.get(i), op.set(idx));
      f.emit(...at(Z, i, shift), loadRealPair, ...at(BIAS, i, 3), loadV(), op.f64x2Add, op.set(zv));
      selectPieces();
      if (!vals) f.emit(...at(A, i, 3), loadV(), op.get(vv), op.f64x2Mul, op.set(pv));
      for (const lane of [0, 1] as const) {
        if (!vals) f.emit(op.get(sum), op.get(pv), op.f64x2ExtractLane(lane), op.f64Add, op.set(sum));
        f.emit(op.get(e), op.set(start));
        appendEntry([op.i32(0)], lane);
        closeRow(lane === 0 ? [op.get(i)] : [op.get(i), op.i32(1), op.i32Add]);
      }
      f.emit(op.increment(i, 2), op.br(0));
    }
    f.emit(op.end, op.end);
    // An odd last unit.
    f.emit(op.get(i), op.get(N), op.i32GeS, op.i32Eqz, op.if);
    {
      f.emit(op.get(i), op.set(idx), op.i32(0), op.set(q), op.get(e), op.set(start));
      f.emit(...at(A, i, 3), op.f64Load(), op.set(ai), ...at(BIAS, i, 3), op.f64Load(), op.set(bi));
      scalarElement();
      closeRow([op.get(i)]);
    }
    f.emit(op.end);
    if (!vals) f.emit(op.get(RES), op.get(sum), op.f64Store());
  } else {
    // Samples in pairs for each unit: res[q..q+1] += a_i v.
    f.emit(op.block, op.loop);
    {
      f.emit(op.get(i), op.get(N), op.i32GeS, op.brIf(1));
      f.emit(...at(A, i, 3), op.f64Load(), op.set(ai));
      f.emit(...at(BIAS, i, 3), op.f64Load(), op.set(bi));
      f.emit(op.get(e), op.set(start));
      f.emit(op.i32(0), op.set(q));
      f.emit(op.block, op.loop);
      {
        f.emit(op.get(q), op.i32(1), op.i32Add, op.get(BS), op.i32GeS, op.brIf(1));
        f.emit(...at(Z, idx, shift), loadRealPair, op.get(bi), op.f64x2Splat, op.f64x2Add, op.set(zv));
        selectPieces();
        if (!vals) f.emit(...at(RES, q, 3), ...at(RES, q, 3), loadV(), op.get(ai), op.f64x2Splat, op.get(vv), op.f64x2Mul, op.f64x2Add, storeV());
        appendEntry([op.get(q)], 0);
        appendEntry([op.get(q), op.i32(1), op.i32Add], 1);
        f.emit(op.increment(idx, 2), op.increment(q, 2), op.br(0));
      }
      f.emit(op.end, op.end);
      // An odd last sample.
      f.emit(op.get(q), op.get(BS), op.i32GeS, op.i32Eqz, op.if);
      scalarElement();
      f.emit(op.increment(idx, 1), op.end);
      closeRow([op.get(i)]);
      f.emit(op.increment(i, 1), op.br(0));
    }
    f.emit(op.end, op.end);
  }
  f.emit(op.get(na));
  return f;
}

/**
 * coefficients(a, res, rows, ptr, cols, coef, db, nActive, g, trainB), the coefficient pass of an SGD step
 * (../particles/sgd.ts) over the CSR of `activate` (coef = σ' on entry): for each active row k, unit i = rows[k],
 *   c_e = (g·a_i)·res[cols_e]·coef_e, coef_e ← c_e (rounded to `real`), and if trainB db_i = Σ_e c_e (in f64, e ascending),
 * the same IEEE operations in the same order as the scalar loop it replaces (bit-identical).
 */
function coefficientsKernel(real: 4 | 8): FunctionSpec {
  const f = new FunctionBuilder('coefficients', [...i32s(8), F64, I32]);
  const [A, RES, ROWS, PTR, COLS, COEF, DB, NA, G, TRAINB] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const shift = real === 8 ? 3 : 2;
  const loadReal = real === 8 ? op.f64Load() : [...op.f32Load(), ...op.f64PromoteF32];
  const storeReal = real === 8 ? op.f64Store() : [...op.f32DemoteF64, ...op.f32Store()];
  const k = f.local(I32);
  const i = f.local(I32);
  const e = f.local(I32);
  const e1 = f.local(I32);
  const gai = f.local(F64);
  const c = f.local(F64);
  const dbi = f.local(F64);
  const at = (base: number, index: number, log2: number) => [op.get(base), op.get(index), op.i32(log2), op.i32Shl, op.i32Add];
  f.emit(op.block, op.loop);
  {
    f.emit(op.get(k), op.get(NA), op.i32GeS, op.brIf(1));
    f.emit(...at(ROWS, k, 2), op.i32Load(), op.set(i));
    f.emit(op.get(G), ...at(A, i, 3), op.f64Load(), op.f64Mul, op.set(gai));
    f.emit(...at(PTR, k, 2), op.i32Load(), op.set(e), ...at(PTR, k, 2), op.i32Load(4), op.set(e1));
    f.emit(op.f64Const(0), op.set(dbi));
    f.emit(op.block, op.loop);
    {
      f.emit(op.get(e), op.get(e1), op.i32GeS, op.brIf(1));
      f.emit(op.get(gai), ...at(COLS, e, 2), op.i32Load(), op.i32(3), op.i32Shl, op.get(RES), op.i32Add, op.f64Load(), op.f64Mul);
      f.emit(...at(COEF, e, shift), loadReal, op.f64Mul, op.set(c));
      f.emit(...at(COEF, e, shift), op.get(c), storeReal);
      f.emit(op.get(dbi), op.get(c), op.f64Add, op.set(dbi));
      f.emit(op.increment(e, 1), op.br(0));
    }
    f.emit(op.end, op.end);
    f.emit(op.get(TRAINB), op.if, ...at(DB, i, 3), op.get(dbi), op.f64Store(), op.end);
    f.emit(op.increment(k, 1), op.br(0));
  }
  f.emit(op.end, op.end);
  return f;
}

/**
 * continueSums(a, vals, res, n, B): res[q] ← res[q] + a_i·vals[i·B + q] for i < n (i outer), the batch sums of
 * `activate` continued over the σ values `activateVals` stored: samples in pairs (f64x2, per lane the same
 * multiply and add), an odd last one scalar; B = 1 one scalar chain, as `activate1`'s.
 */
function continueSumsKernel(): FunctionSpec {
  const f = new FunctionBuilder('continueSums', i32s(5));
  const [A, VALS, RES, N, BS] = [0, 1, 2, 3, 4];
  const i = f.local(I32);
  const q = f.local(I32);
  const v = f.local(I32); // byte offset of vals[i·B + q]
  const ai = f.local(F64);
  const sum = f.local(F64);
  const av = f.local(V128);
  const resAt = () => [op.get(RES), op.get(q), op.i32(3), op.i32Shl, op.i32Add];
  f.emit(op.get(VALS), op.set(v));
  f.emit(op.get(BS), op.i32(1), op.i32Ne, op.i32Eqz, op.if);
  {
    f.emit(op.get(RES), op.f64Load(), op.set(sum));
    f.emit(op.block, op.loop);
    f.emit(op.get(i), op.get(N), op.i32GeS, op.brIf(1));
    f.emit(op.get(sum), op.get(A), op.get(i), op.i32(3), op.i32Shl, op.i32Add, op.f64Load(), op.get(v), op.f64Load(), op.f64Mul, op.f64Add, op.set(sum));
    f.emit(op.increment(v, 8), op.increment(i, 1), op.br(0));
    f.emit(op.end, op.end);
    f.emit(op.get(RES), op.get(sum), op.f64Store());
  }
  f.emit(op.else);
  {
    f.emit(op.block, op.loop);
    f.emit(op.get(i), op.get(N), op.i32GeS, op.brIf(1));
    f.emit(op.get(A), op.get(i), op.i32(3), op.i32Shl, op.i32Add, op.f64Load(), op.set(ai), op.get(ai), op.f64x2Splat, op.set(av));
    f.emit(op.i32(0), op.set(q));
    f.emit(op.block, op.loop);
    f.emit(op.get(q), op.i32(1), op.i32Add, op.get(BS), op.i32GeS, op.brIf(1));
    f.emit(...resAt(), ...resAt(), loadV(), op.get(av), op.get(v), loadV(), op.f64x2Mul, op.f64x2Add, storeV());
    f.emit(op.increment(v, 16), op.increment(q, 2), op.br(0));
    f.emit(op.end, op.end);
    f.emit(op.get(q), op.get(BS), op.i32GeS, op.i32Eqz, op.if);
    f.emit(...resAt(), ...resAt(), op.f64Load(), op.get(ai), op.get(v), op.f64Load(), op.f64Mul, op.f64Add, op.f64Store());
    f.emit(op.increment(v, 8), op.end);
    f.emit(op.increment(i, 1), op.br(0));
    f.emit(op.end, op.end);
  }
  f.emit(op.end);
  return f;
}


export const DOT_SHAPES: ReadonlyArray<readonly [number, number]> = [
  [6, 1],
  [1, 1],
  [2, 4],
  [1, 4],
];

const instantiate = kernelModule<Record<string, DotFn | UpdateFn | AxpyRowsFn>>(() => [
  ...DOT_SHAPES.map(([R, S]) => dotKernel(R, S)),
  updateKernel(),
  axpyRowsKernel(),
]);

/**
 * The activation kernels (`activate` for B ≥ 2, `activate1` for B = 1) for σ with `knots` knots (unrolled
 * over them) on `real`-byte z, sig and coef: one module per (knots, real), instantiated on `memory`.
 */
const activationModules = new Map<string, (memory: WebAssembly.Memory) => Record<string, ActivateFn>>();
export function instantiateActivation(knots: number, real: 4 | 8, memory: WebAssembly.Memory): Record<string, ActivateFn> {
  const key = `${knots}/${real}`;
  let module = activationModules.get(key);
  if (!module) {
    module = kernelModule<Record<string, ActivateFn>>(() => [
      ...[false, true].flatMap((vals) => [activateKernel(false, knots, real, vals), activateKernel(true, knots, real, vals)]),
      coefficientsKernel(real),
      continueSumsKernel(),
    ]);
    activationModules.set(key, module);
  }
  return module(memory);
}

export type DotFn = (w: number, x: number, z: number, nBlocks: number, d: number, B: number, nGroups: number) => void;
export type UpdateFn = (w: number, x: number, d: number, rows: number, ptr: number, cols: number, coef: number, nActive: number) => void;
export type AxpyRowsFn = (w: number, x: number, d: number, rows: number, coef: number, nActive: number) => void;
export type ContinueSumsFn = (a: number, vals: number, res: number, n: number, B: number) => void;
export type CoefficientsFn = (
  a: number, res: number, rows: number, ptr: number, cols: number, coef: number, db: number, nActive: number, g: number, trainB: number,
) => void;
export type ActivateFn = (
  z: number, b: number, a: number, n: number, B: number, table: number, m: number,
  res: number, sig: number, writeSig: number, rows: number, ptr: number, cols: number, coef: number,
) => number;

/** The arrays of a workspace, in a float type (f64: `KernelWorkspace`, f32: ./kernels-f32.ts `KernelWorkspace32`). */
export type Real = Float64Array | Float32Array;

/**
 * What the particle engine uses of a workspace, in either precision: w, x, z, coef and sig in the
 * workspace's float type T, the parameters a, b and the batch sums res in f64.
 */
export interface Workspace<T extends Real = Real> {
  readonly n: number;
  readonly d: number;
  readonly batch: number;
  readonly knots: number;
  readonly w: T;
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly x: T;
  readonly z: T;
  readonly rows: Int32Array;
  readonly ptr: Int32Array;
  readonly cols: Int32Array;
  readonly coef: T;
  readonly res: Float64Array;
  readonly sig: T;
  /** Δb of `backward` with trainB (N; empty unless made with biasGradient). */
  readonly db: Float64Array;
  setPiecewiseLinear(shape: PiecewiseLinearShape): void;
  activate(writeSig: boolean): number;
  /** `dot` and `activate` split by rows over the two threads (RowHalves; its CSR in two segments, for `backward` only). */
  forward(writeSig: boolean): void;
  /** After `forward` and the residuals in res: coef ← (g a_i) res σ', db (trainB), W += C X, split by rows. */
  backward(g: number, trainB: boolean): void;
  dot(): void;
  update(nActive: number): void;
  /** Threads the kernels run on now (2 once a helper thread is up). */
  readonly threads: 1 | 2;
  /** Ends the helper thread, if any. */
  close(): Promise<void>;
}

/** Byte offsets of a workspace's arrays in its memory. */
export type Offsets = Record<'w' | 'a' | 'b' | 'x' | 'z' | 'coef' | 'res' | 'sig' | 'table' | 'rows' | 'ptr' | 'cols' | 'db' | 'vals' | 'scalars' | 'control', number>;

/**
 * The memory of a workspace and where its arrays go, with `real` bytes (8 or 4) per element of the
 * float arrays w, x, z, coef, sig (a, b, res and the σ table are f64; rows, ptr, cols i32), each
 * array starting on a 16-byte boundary; with `threads: 2` a shared memory with the helper thread's
 * control block, and on the helper's side (`memory` given) that memory itself.
 */
export function workspaceMemory(
  n: number, d: number, batch: number, knots: number, real: 4 | 8, options: WorkspaceOptions = {},
): { off: Offsets; sizes: Record<keyof Offsets, number>; memory: WebAssembly.Memory; threaded: boolean } {
  const threaded = options.threads === 2 || options.memory !== undefined;
  const split = threaded && knots > 0; // `forward` split by rows (RowHalves)
  const sizes = {
    w: real * n * d, a: 8 * n, b: 8 * n, x: real * batch * d, z: real * n * batch, coef: real * n * batch, res: 8 * batch,
    sig: knots > 0 ? real * n * batch : 0, table: 8 * (3 * knots + 2),
    // threaded: the helper's CSR pointers start at ptr[⌊N/2⌋ + 1], one past the main half's last possible one
    rows: 4 * n, ptr: 4 * (n + (threaded ? 2 : 1)), cols: 4 * n * batch,
    db: options.biasGradient ? 8 * n : 0, vals: split ? 8 * (n - (n >> 1)) * batch : 0, scalars: threaded ? 32 : 0,
    control: threaded ? CONTROL_BYTES : 0,
  };
  let at = 0;
  const off = {} as Offsets;
  for (const key of Object.keys(sizes) as Array<keyof typeof sizes>) {
    off[key] = at;
    at += Math.ceil(sizes[key] / 16) * 16;
  }
  const memory = options.memory ?? kernelMemory(at, `particles (N = ${n}, d = ${d}, B = ${batch}${real === 4 ? ', float32' : ''})`, threaded);
  return { off, sizes, memory, threaded };
}

/**
 * Tabulates a piecewise-linear σ with m knots into `tab` (knots t_0…t_{m−1}, intercepts α_0…α_m,
 * slopes s_0…s_m): per piece j (j = #{k : t ≥ t_k}) σ = α_j + s_j t.
 */
export function tabulatePiecewiseLinear(tab: Float64Array, m: number, shape: PiecewiseLinearShape): void {
  if (m === 0 || shape.knots.length !== m || shape.values.length !== m) throw new RangeError(`kernels: workspace made for ${m} knots, got ${shape.knots.length}`);
  tab.set(piecewiseLinearTable(shape));
}

/**
 * Z = W Xᵀ for the rows i0 ≤ i < i1 with register-blocked kernels `dots` ('2x4', '1x4', '6x1', '1x1': R rows ×
 * S samples, as `dotKernel`), `real` bytes per element: one sweep of those rows over the ⌊B/4⌋ groups of 4
 * samples, one over the B mod 4 single samples left. Each z_ib is the same operations whatever the range.
 */
export function sweepDot(dots: Record<string, DotFn>, o: Offsets, i0: number, i1: number, d: number, B: number, real: 4 | 8): void {
  const sweep = (R: number, kernel: DotFn, single: DotFn, b: number, groups: number) => {
    const blocks = Math.floor((i1 - i0) / R);
    const done = i0 + blocks * R;
    const xb = o.x + real * d * b;
    const zb = o.z + real * b;
    kernel(o.w + real * d * i0, xb, zb + real * B * i0, blocks, d, B, groups);
    if (done < i1) single(o.w + real * d * done, xb, zb + real * B * done, i1 - done, d, B, groups);
  };
  const quads = B >> 2;
  if (quads > 0) sweep(2, dots['2x4'], dots['1x4'], 0, quads);
  if (B > 4 * quads) sweep(6, dots['6x1'], dots['1x1'], 4 * quads, B - 4 * quads);
}

export interface WorkspaceOptions {
  /** 2: a shared memory and a helper thread running half of `dot` and `update` (default 1). */
  readonly threads?: 1 | 2;
  /** The helper thread's side: build the views on this (shared) memory of the main thread's workspace. */
  readonly memory?: WebAssembly.Memory;
  /** Room for `db` (N, f64), the Δb that `backward` forms with trainB. */
  readonly biasGradient?: boolean;
  /** Two threads: `forward` splits the σ pass by units too, not only Z (default true; false: σ on this thread). */
  readonly splitSigma?: boolean;
}

/** The kernels and layout `RowHalves` runs on (a workspace's own, in its float type). */
export interface StepKernels {
  readonly o: Offsets;
  readonly n: number;
  readonly d: number;
  readonly batch: number;
  readonly knots: number;
  readonly real: 4 | 8;
  readonly act: Record<string, ActivateFn>;
  readonly update: UpdateFn;
  readonly axpyRows: AxpyRowsFn;
  /** Z = W Xᵀ for the rows i0 ≤ i < i1 (the workspace's `dotRows`). */
  readonly dotRows: (i0: number, i1: number) => void;
  readonly memory: WebAssembly.Memory;
  /** The memory is shared with a helper thread (its scalars and control block allocated). */
  readonly threaded: boolean;
  /** WorkspaceOptions.splitSigma. */
  readonly splitSigma: boolean;
}

/**
 * The product Z = W Xᵀ with the σ pass (`forward`), and the coefficient pass with the sparse update (`backward`),
 * of an SGD step, each split by rows between this thread (units i < h = ⌊N/2⌋) and the helper thread (i ≥ h),
 * for the f64 and f32 workspaces alike: two handshakes a step (a unit's σ needs only its own row of Z; its
 * coefficients only its CSR row and the batch residuals).
 *
 * CSR layout after `forward`: two segments. The main half's active rows are slots 0… of rows/ptr (ptr[0] = 0)
 * with entries from 0, global unit indices: exactly what one-thread `activate` writes for rows < h. The helper
 * half's are slots h… of rows, its pointers from ptr[h + 1] (past the main half's last possible pointer
 * ptr[h]) and its entries from h·B, all *local* (unit i − h, entry − h·B): the kernels run on it with every base
 * shifted by h units. Without the split σ (splitSigma false, or no helper) segment 0 holds all rows and segment 1 none, and
 * `backward` hands the helper segment 0's active rows with unit ≥ h.
 *
 * Batch sums: res[q] = Σ_i a_i σ_iq must be one chain in i. The main half accumulates rows < h into res; the helper
 * half (`activateVals`) stores its σ values in f64 into `vals` ((N − h)×B), waits for the main half's sums (the
 * `sumsReady` flag) and `continueSums` goes on with res[q] + a_i·v_iq for i = h…N−1: the same operations, in the
 * same order, as the one-thread kernel. (The join runs where `vals` was written: read by this thread instead, the
 * (N − h)·8B bytes crossing cores made the split σ 0.33–1.01× of σ on one thread; with it, 1.09–1.44×.)
 * Every stored value is thus bit-identical to one thread.
 */
export class RowHalves {
  private readonly h: number;
  private readonly coefficients: CoefficientsFn;
  private readonly continueSumsFn: ContinueSumsFn;
  /** g of the step (f64, written before `backward` hands the helper its half); the helper segment's active rows and trainB (i32). */
  private readonly g: Float64Array;
  private readonly helperRows: Int32Array;
  private readonly trainB: Int32Array;
  /** split σ: the number of the last `forward` whose main-half batch sums are in res (the helper continues them). */
  private readonly sumsReady: Int32Array;
  private forwards = 0;
  private readonly rows: Int32Array;
  /** Whether `forward` splits σ too (else only Z: σ all here, and `backward` splits segment 0 at unit h). */
  private readonly splitSigma: boolean;
  private readonly res: Float64Array;
  private readonly db: Float64Array;
  /** Active rows of segments 0 and 1 after `forward`. */
  private readonly active = new Int32Array(2);

  constructor(private readonly k: StepKernels) {
    this.h = k.n >> 1;
    this.coefficients = k.act.coefficients as unknown as CoefficientsFn;
    this.continueSumsFn = k.act.continueSums as unknown as ContinueSumsFn;
    const buf = k.memory.buffer;
    this.g = new Float64Array(buf, k.o.scalars, k.threaded ? 1 : 0);
    this.helperRows = new Int32Array(buf, k.o.scalars + 8, this.g.length);
    this.trainB = new Int32Array(buf, k.o.scalars + 12, this.g.length);
    this.sumsReady = new Int32Array(buf, k.o.scalars + 16, this.g.length);
    this.rows = new Int32Array(buf, k.o.rows, k.n);
    this.splitSigma = k.splitSigma;
    this.res = new Float64Array(buf, k.o.res, k.batch);
    this.db = new Float64Array(buf, k.o.db, k.o.vals > k.o.db ? k.n : 0); // biasGradient: N, else none
  }

  /** Segment s's byte offsets: its first unit's and where its rows, pointers and entries start. */
  private segment(s: 0 | 1): { u: number; rows: number; ptr: number; e: number } {
    const { o, batch: B } = this.k;
    const u = s === 0 ? 0 : this.h;
    return { u, rows: o.rows + 4 * u, ptr: o.ptr + 4 * (s === 0 ? 0 : u + 1), e: u * B };
  }

  /** The σ kernel on the units of segment s (count of them: `units`), sums into res or (vals) values into `vals`. */
  private activateSegment(s: 0 | 1, units: number, writeSig: boolean, vals: boolean): number {
    const { o, batch: B, real, knots } = this.k;
    const seg = this.segment(s);
    const name = `${B === 1 ? 'activate1' : 'activate'}${vals ? 'Vals' : ''}`;
    return this.k.act[name](o.z + real * seg.e, o.b + 8 * seg.u, o.a + 8 * seg.u, units, B, o.table, knots, vals ? o.vals : o.res,
      o.sig + real * seg.e, writeSig ? 1 : 0, seg.rows, seg.ptr, o.cols + 4 * seg.e, o.coef + real * seg.e);
  }

  /** `dot` then `activate`, the helper (if up) running units ≥ h; the CSR in the two segments above. */
  forward(helper: KernelThread | null, writeSig: boolean): void {
    const { n } = this.k;
    this.res.fill(0);
    if (!helper?.ready || !this.splitSigma) {
      if (helper?.ready) {
        helper.start('dotRows', this.h, n);
        this.k.dotRows(0, this.h);
        helper.finish();
      } else this.k.dotRows(0, n);
      this.active[0] = this.activateSegment(0, n, writeSig, false);
      this.active[1] = 0;
      return;
    }
    const token = ++this.forwards;
    helper.start('forwardHalf', writeSig ? 1 : 0, token);
    this.k.dotRows(0, this.h);
    this.active[0] = this.activateSegment(0, this.h, writeSig, false);
    Atomics.store(this.sumsReady, 0, token);
    helper.finish();
    this.active[1] = this.helperRows[0];
  }

  /** The helper's half of `forward`: Z and σ of units ≥ h, σ values into `vals`, its active-row count into memory. */
  forwardHalf(writeSig: number, token: number): void {
    this.k.dotRows(this.h, this.k.n);
    this.helperRows[0] = this.activateSegment(1, this.k.n - this.h, writeSig === 1, true);
    // continue the sums where its σ values are (in this core's cache), once the main half's are in res
    while (Atomics.load(this.sumsReady, 0) !== token);
    this.continueSums();
  }

  /** res[q] += a_i·v_iq for i = h…N−1 (i outer, as the σ kernel's chain). */
  private continueSums(): void {
    const { o, n, batch } = this.k;
    this.continueSumsFn(o.a + 8 * this.h, o.vals, o.res, n - this.h, batch);
  }

  /**
   * The coefficient pass c_e = (g a_i) res[col_e] σ'_e (and db_i = Σ_e c_e with trainB), then W += C X, each
   * segment on its own thread (res must hold the residuals by then).
   */
  backward(helper: KernelThread | null, g: number, trainB: boolean): void {
    if (trainB) this.db.fill(0); // the rows without an active entry
    const [na0, na1] = this.active;
    if (!helper?.ready) {
      this.backwardRange(0, 0, na0, g, trainB);
      this.backwardRange(1, 0, na1, g, trainB);
      return;
    }
    // The helper: segment 0's rows ≥ h (none if forward split σ) and segment 1.
    const lo = firstRowAtLeast(this.rows, na0, this.h);
    this.g[0] = g;
    this.trainB[0] = trainB ? 1 : 0;
    this.helperRows[0] = na1;
    helper.start('backwardHalf', lo, na0);
    this.backwardRange(0, 0, lo, g, trainB);
    helper.finish();
  }

  /** The helper's half of `backward`: segment 0's active rows k0 ≤ k < k1, then all of segment 1 (g, trainB from memory). */
  backwardHalf(k0: number, k1: number): void {
    const trainB = this.trainB[0] === 1;
    this.backwardRange(0, k0, k1, this.g[0], trainB);
    this.backwardRange(1, 0, this.helperRows[0], this.g[0], trainB);
  }

  /** Coefficients and update of segment s's active rows k0 ≤ k < k1. */
  private backwardRange(s: 0 | 1, k0: number, k1: number, g: number, trainB: boolean): void {
    if (k1 <= k0) return;
    const { o, d, real } = this.k;
    const seg = this.segment(s);
    const rows = seg.rows + 4 * k0;
    const ptr = seg.ptr + 4 * k0;
    const cols = o.cols + 4 * seg.e;
    const coef = o.coef + real * seg.e;
    this.coefficients(o.a + 8 * seg.u, o.res, rows, ptr, cols, coef, o.db + 8 * seg.u, k1 - k0, g, trainB ? 1 : 0);
    const w = o.w + real * d * seg.u;
    // B = 1: one entry per active row, entry k at slot k
    if (this.k.batch === 1) this.k.axpyRows(w, o.x, d, rows, coef + real * k0, k1 - k0);
    else this.k.update(w, o.x, d, rows, ptr, cols, coef, k1 - k0);
  }
}

/** What a precision's workspace class gives `WorkspaceOf`: its float type, kernels, and where the helper thread finds the class. */
export interface WorkspaceKind<T extends Real> {
  readonly real: 4 | 8;
  readonly array: new (buffer: ArrayBufferLike, byteOffset: number, length: number) => T;
  readonly instantiate: (memory: WebAssembly.Memory) => Record<string, DotFn | UpdateFn | AxpyRowsFn>;
  /** file: URL of the module exporting the class, and its name (the helper thread builds the same workspace). */
  readonly module: string;
  readonly className: string;
}

/**
 * Memory and views for one simulation of N units in dimension d with batch B, in either precision (the
 * float arrays w, x, z, coef, sig in T; the subclasses `KernelWorkspace` (f64) and ./kernels-f32.ts
 * `KernelWorkspace32` only name their float type and kernels):
 * `w` (N×d), `a`, `b` (N), `x` (B×d), `z` (N×B), the sparse update in CSR form by active rows — `rows` (≤ N),
 * `ptr` (≤ N + 1), `cols` and `coef` (≤ N·B) — and, for a piecewise-linear σ with `knots` knots,
 * its table, the batch sums `res` (B) and the values `sig` (N×B). With `threads: 2`, call `close()`
 * when done (it ends the helper thread; an unreferenced one never keeps the process alive).
 */
export abstract class WorkspaceOf<T extends Real> implements Workspace<T> {
  readonly w: T;
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly x: T;
  readonly z: T;
  readonly rows: Int32Array;
  readonly ptr: Int32Array;
  readonly cols: Int32Array;
  readonly coef: T;
  readonly res: Float64Array;
  readonly sig: T;
  readonly db: Float64Array;
  private readonly table: Float64Array;
  private readonly offsets: Offsets;
  /** forward/backward by row halves (with knots > 0). */
  private readonly halves: RowHalves | null;
  private readonly dots: Record<string, DotFn>;
  private readonly updateFn: UpdateFn;
  /** `activate` (B ≥ 2) and `activate1` (B = 1) for this workspace's knot count (none without knots). */
  private readonly activation: Record<string, ActivateFn> | null;
  private readonly axpyRowsFn: AxpyRowsFn;

  /** The helper thread (threads: 2, on the main side only). */
  private readonly helper: KernelThread | null = null;

  /** The float type's bytes per element (8 or 4). */
  private readonly real: 4 | 8;

  protected constructor(readonly n: number, readonly d: number, readonly batch: number, readonly knots: number, options: WorkspaceOptions, kind: WorkspaceKind<T>) {
    const real = kind.real;
    this.real = real;
    const { off, sizes, memory, threaded } = workspaceMemory(n, d, batch, knots, real, options);
    if (options.threads === 2 && !options.memory) {
      const spec = { module: kind.module, className: kind.className, args: [n, d, batch, knots], options: { biasGradient: options.biasGradient }, memory, control: off.control };
      this.helper = new KernelThread(spec, this);
    }
    const exports = kind.instantiate(memory);
    this.dots = {};
    for (const [R, S] of DOT_SHAPES) this.dots[`${R}x${S}`] = exports[`dot${R}x${S}`] as DotFn;
    this.updateFn = exports.update as UpdateFn;
    this.activation = knots > 0 ? instantiateActivation(knots, real, memory) : null;
    this.axpyRowsFn = exports.axpyRows as AxpyRowsFn;
    this.halves = this.activation ? new RowHalves({ o: off, n, d, batch, knots, real, act: this.activation, update: this.updateFn, axpyRows: this.axpyRowsFn, dotRows: (i0, i1) => this.dotRows(i0, i1), memory, threaded, splitSigma: options.splitSigma !== false }) : null;
    const buf = memory.buffer;
    this.offsets = off;
    this.db = new Float64Array(buf, off.db, sizes.db / 8);
    this.w = new kind.array(buf, off.w, n * d);
    this.a = new Float64Array(buf, off.a, n);
    this.b = new Float64Array(buf, off.b, n);
    this.x = new kind.array(buf, off.x, batch * d);
    this.z = new kind.array(buf, off.z, n * batch);
    this.coef = new kind.array(buf, off.coef, n * batch);
    this.res = new Float64Array(buf, off.res, batch);
    this.sig = new kind.array(buf, off.sig, sizes.sig / real);
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
    tabulatePiecewiseLinear(this.table, this.knots, shape);
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
    if (!this.activation) throw new RangeError('kernels: activate needs a workspace made with knots > 0');
    return this.activation[B === 1 ? 'activate1' : 'activate'](o.z, o.b, o.a, n, B, o.table, this.knots, o.res, o.sig, writeSig ? 1 : 0, o.rows, o.ptr, o.cols, o.coef);
  }

  forward(writeSig: boolean): void {
    this.withHalves().forward(this.helper, writeSig);
  }

  backward(g: number, trainB: boolean): void {
    this.withHalves().backward(this.helper, g, trainB);
  }

  /** The helper thread's halves of `forward` and `backward` (RowHalves). */
  forwardHalf(writeSig: number, token: number): void {
    this.withHalves().forwardHalf(writeSig, token);
  }

  backwardHalf(k0: number, k1: number): void {
    this.withHalves().backwardHalf(k0, k1);
  }

  private withHalves(): RowHalves {
    if (!this.halves) throw new RangeError('kernels: forward/backward need a workspace made with knots > 0');
    return this.halves;
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
    sweepDot(this.dots, this.offsets, i0, i1, this.d, this.batch, this.real);
  }

  /**
   * w_{rows[k]} += Σ_{e = ptr[k]}^{ptr[k+1]−1} coef[e] · x_{cols[e]} for k < nActive
   * (fill rows/ptr/cols/coef first; ptr[0] must be 0; rows increasing). With B = 1 every listed row must
   * have exactly one entry (ptr[k] = k), and the `axpyRows` kernel is used. The active rows ≥ N/2 go to
   * the helper thread if it is up.
   */
  update(nActive: number): void {
    if (!this.helper?.ready) return this.updateRows(0, nActive);
    const lo = firstRowAtLeast(this.rows, nActive, this.n >> 1);
    this.helper.start('updateRows', lo, nActive);
    this.updateRows(0, lo);
    this.helper.finish();
  }

  /** `update` for the active rows k0 ≤ k < k1 only. */
  updateRows(k0: number, k1: number): void {
    const o = this.offsets;
    if (this.batch === 1) this.axpyRowsFn(o.w, o.x, this.d, o.rows + 4 * k0, o.coef + this.real * k0, k1 - k0);
    else this.updateFn(o.w, o.x, this.d, o.rows + 4 * k0, o.ptr + 4 * k0, o.cols, o.coef, k1 - k0);
  }

  /** Ends the helper thread (if any; resolves once it has exited); the workspace then runs on this thread only. */
  close(): Promise<void> {
    return this.helper?.close() ?? Promise.resolve();
  }
}

/** The float64 workspace (the f32 one is ./kernels-f32.ts `KernelWorkspace32`). */
export class KernelWorkspace extends WorkspaceOf<Float64Array> {
  constructor(n: number, d: number, batch: number, knots = 0, options: WorkspaceOptions = {}) {
    super(n, d, batch, knots, options, { real: 8, array: Float64Array, instantiate, module: import.meta.url, className: 'KernelWorkspace' });
  }
}

/** The first k < nActive with rows[k] ≥ h (nActive if none; rows increasing): where the helper thread's active rows start. */
export function firstRowAtLeast(rows: Int32Array, nActive: number, h: number): number {
  let lo = 0;
  let hi = nActive;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid] < h) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The table `activate` reads for a piecewise-linear σ with m knots: t_0…t_{m−1}, then per piece j
 * (j = #{k : t ≥ t_k}) the intercepts α_0…α_m, then the slopes s_0…s_m, so that σ = α_j + s_j t.
 */
export function piecewiseLinearTable(shape: PiecewiseLinearShape): Float64Array {
  const { knots: t, values: y, leftSlope, rightSlope } = shape;
  const m = t.length;
  const tab = new Float64Array(3 * m + 2);
  tab.set(t);
  // Piece j: slope s_j, through the knot t_k at its left end (k = j − 1; piece 0 through t_0).
  const setPiece = (j: number, slope: number, k: number) => {
    tab[2 * m + 1 + j] = slope;
    tab[m + j] = y[k] - slope * t[k];
  };
  setPiece(0, leftSlope, 0);
  for (let j = 1; j < m; j++) setPiece(j, (y[j] - y[j - 1]) / (t[j] - t[j - 1]), j - 1);
  setPiece(m, rightSlope, m - 1);
  return tab;
}

/**
 * Plain scalar reference for `KernelWorkspace.activate`, one pre-activation at a time in the order
 * i, then q (the kernel must match it bit for bit): fills res (B), sig (N×B), and the CSR arrays;
 * returns the number of active rows.
 */
export function referenceActivate(
  table: Float64Array, z: Float64Array, a: Float64Array, b: Float64Array, n: number, B: number,
  out: { res: Float64Array; sig: Float64Array; rows: Int32Array; ptr: Int32Array; cols: Int32Array; coef: Float64Array },
): number {
  const m = (table.length - 2) / 3;
  const { res, sig, rows, ptr, cols, coef } = out;
  res.fill(0);
  let e = 0;
  let nActive = 0;
  ptr[0] = 0;
  for (let i = 0; i < n; i++) {
    const start = e;
    for (let q = 0; q < B; q++) {
      const zeta = z[i * B + q] + b[i];
      let j = 0;
      for (let k = 0; k < m; k++) if (zeta >= table[k]) j++;
      const slope = table[2 * m + 1 + j];
      const v = table[m + j] + slope * zeta;
      sig[i * B + q] = v;
      res[q] += a[i] * v;
      if (slope !== 0) {
        cols[e] = q;
        coef[e++] = slope;
      }
    }
    if (e > start) {
      rows[nActive] = i;
      ptr[++nActive] = e;
    }
  }
  return nActive;
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
