/**
 * Single-precision kernels of the particle engine (`particles.precision: "float32"`): the same three
 * operations as ./kernels.ts, with W, X, Z and the update coefficients C in f32 and f32x4 SIMD
 * (four lanes per 128-bit register, twice the f64x2 arithmetic per instruction and half the bytes
 * moved per unit):
 *
 *   dot:      Z = W Xᵀ, register-blocked as the f64 kernel (R rows × S samples, R·S f32x4
 *             accumulators, each holding four interleaved partial sums of one dot product; the
 *             d mod 4 last terms in scalar f32), accumulated in f32;
 *   update:   W += C X over the active rows (chunks of 16 floats, then 4, then scalars);
 *   axpyRows: its B = 1 case (chunks of 8, then 4, then scalars: the same operations per element);
 *   activate: the f64 kernels' pass (./kernels.ts `instantiateActivation`) reading f32 z and writing f32
 *             σ values and slopes; σ and the batch sums Σ_i a_i σ stay in f64.
 *
 * Rounding: a dot product of length d summed in f32 (four lanes of ⌊d/4⌋ terms, the d mod 4 tail
 * terms, three lane additions) has |error| ≤ γ_d Σ_j |w_j x_j|, γ_d = d·u/(1 − d·u), u = 2⁻²⁴
 * (Higham, Accuracy and Stability of Numerical Algorithms, §3.1: any summation order). The parameters a, b and
 * every observable stay in f64 (the engine converts W to f64 at save times, ./sgd.ts).
 * Deterministic like the f64 kernels: fixed operation order, no fused multiply-add.
 */

import { F32, FunctionBuilder, I32, kernelModule, op, V128, type FunctionSpec } from '../wasm/encoder.ts';
import {
  dotKernel, DOT_SHAPES, i32s, WorkspaceOf,
  type AxpyRowsFn, type DotFn, type LaneKind, type UpdateFn, type WorkspaceOptions,
} from './kernels.ts';

// f32x4 loads and stores with an alignment hint of 4 bytes: rows need not be 16-byte aligned.
const loadV = (offset = 0) => op.v128Load(offset, 2);
const storeV = (offset = 0) => op.v128Store(offset, 2);

/** f32 lanes for ./kernels.ts `dotKernel` (four interleaved partial sums per f32x4 accumulator). */
const F32_LANES: LaneKind = {
  real: 4, lanes: 4, shift: 2, scalar: F32, vecAdd: op.f32x4Add, vecMul: op.f32x4Mul,
  extract: (lane) => op.f32x4ExtractLane(lane as 0 | 1 | 2 | 3), add: op.f32Add, mul: op.f32Mul, zero: op.f32Const(0),
  load: (offset = 0) => op.f32Load(offset), store: (offset = 0) => op.f32Store(offset),
};

/**
 * update32(w, x, d, rows, ptr, cols, coef, nActive): as `updateKernel` of ./kernels.ts with f32 w, x,
 * coef: per active row and chunk (16 floats in four f32x4 registers, then 4, then single floats),
 * loads the chunk once, adds Σ_e coef[e]·x[cols[e]], stores it.
 */
function updateKernel32(): FunctionSpec {
  const f = new FunctionBuilder('update', i32s(8));
  const [W, X, D, ROWS, PTR, COLS, COEF, NA] = [0, 1, 2, 3, 4, 5, 6, 7];
  const rowBytes = f.local(I32);
  const k = f.local(I32);
  const row = f.local(I32);
  const e0 = f.local(I32);
  const e1 = f.local(I32);
  const e = f.local(I32);
  const j = f.local(I32);
  const end16 = f.local(I32);
  const end4 = f.local(I32);
  const xr = f.local(I32);
  const c = f.local(V128);
  const acc = Array.from({ length: 4 }, () => f.local(V128));
  const s = f.local(F32);
  // Address of x_{cols[e]} + j into xr; the coefficient coef[e] (f32) on the stack.
  const xRow = () => f.emit(op.get(X), op.get(COLS), op.get(e), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(), op.get(rowBytes), op.i32Mul, op.i32Add, op.get(j), op.i32Add, op.set(xr));
  const coefE = () => f.emit(op.get(COEF), op.get(e), op.i32(2), op.i32Shl, op.i32Add, op.f32Load());
  // Loop over the row's entries e ∈ [e0, e1), running `body`.
  const entries = (body: () => void) => {
    f.emit(op.get(e0), op.set(e));
    f.emit(op.block, op.loop);
    f.emit(op.get(e), op.get(e1), op.i32GeS, op.brIf(1));
    body();
    f.emit(op.increment(e, 1), op.br(0));
    f.emit(op.end, op.end);
  };

  f.emit(op.get(D), op.i32(2), op.i32Shl, op.set(rowBytes));
  f.emit(op.get(D), op.i32(-16), op.i32And, op.i32(2), op.i32Shl, op.set(end16));
  f.emit(op.get(D), op.i32(-4), op.i32And, op.i32(2), op.i32Shl, op.set(end4));
  f.emit(op.i32(0), op.set(k));
  f.emit(op.block, op.loop);
  {
    f.emit(op.get(k), op.get(NA), op.i32GeS, op.brIf(1));
    f.emit(op.get(W), op.get(ROWS), op.get(k), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(), op.get(rowBytes), op.i32Mul, op.i32Add, op.set(row));
    f.emit(op.get(PTR), op.get(k), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(), op.set(e0));
    f.emit(op.get(PTR), op.get(k), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(4), op.set(e1));
    f.emit(op.i32(0), op.set(j));
    for (const [end, regs] of [[end16, 4], [end4, 1]] as const) {
      f.emit(op.block, op.loop);
      {
        f.emit(op.get(j), op.get(end), op.i32GeU, op.brIf(1));
        for (let q = 0; q < regs; q++) f.emit(op.get(row), op.get(j), op.i32Add, loadV(16 * q), op.set(acc[q]));
        entries(() => {
          coefE();
          f.emit(op.f32x4Splat, op.set(c));
          xRow();
          for (let q = 0; q < regs; q++) f.emit(op.get(acc[q]), op.get(c), op.get(xr), loadV(16 * q), op.f32x4Mul, op.f32x4Add, op.set(acc[q]));
        });
        for (let q = 0; q < regs; q++) f.emit(op.get(row), op.get(j), op.i32Add, op.get(acc[q]), storeV(16 * q));
        f.emit(op.increment(j, 16 * regs), op.br(0));
      }
      f.emit(op.end, op.end);
    }
    // The d mod 4 last elements, one at a time.
    f.emit(op.block, op.loop);
    {
      f.emit(op.get(j), op.get(rowBytes), op.i32GeU, op.brIf(1));
      f.emit(op.get(row), op.get(j), op.i32Add, op.f32Load(), op.set(s));
      entries(() => {
        xRow();
        f.emit(op.get(s));
        coefE();
        f.emit(op.get(xr), op.f32Load(), op.f32Mul, op.f32Add, op.set(s));
      });
      f.emit(op.get(row), op.get(j), op.i32Add, op.get(s), op.f32Store());
      f.emit(op.increment(j, 4), op.br(0));
    }
    f.emit(op.end, op.end);
    f.emit(op.increment(k, 1), op.br(0));
  }
  f.emit(op.end, op.end);
  return f;
}

/**
 * axpyRows32(w, x, d, rows, coef, nActive): w_{rows[k]} += coef[k] · x in f32 (chunks of 8 floats, then
 * 4, then single floats): the same operation per element as `update32`, hence the same bits.
 */
function axpyRowsKernel32(): FunctionSpec {
  const f = new FunctionBuilder('axpyRows', i32s(6));
  const [W, X, D, ROWS, COEF, NA] = [0, 1, 2, 3, 4, 5];
  const rowBytes = f.local(I32);
  const end8 = f.local(I32);
  const end4 = f.local(I32);
  const k = f.local(I32);
  const row = f.local(I32);
  const j = f.local(I32);
  const c = f.local(V128);
  const cs = f.local(F32);
  f.emit(op.get(D), op.i32(2), op.i32Shl, op.set(rowBytes));
  f.emit(op.get(D), op.i32(-8), op.i32And, op.i32(2), op.i32Shl, op.set(end8));
  f.emit(op.get(D), op.i32(-4), op.i32And, op.i32(2), op.i32Shl, op.set(end4));
  f.emit(op.block, op.loop);
  {
    f.emit(op.get(k), op.get(NA), op.i32GeS, op.brIf(1));
    f.emit(op.get(W), op.get(ROWS), op.get(k), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(), op.get(rowBytes), op.i32Mul, op.i32Add, op.set(row));
    f.emit(op.get(COEF), op.get(k), op.i32(2), op.i32Shl, op.i32Add, op.f32Load(), op.set(cs));
    f.emit(op.get(cs), op.f32x4Splat, op.set(c));
    f.emit(op.i32(0), op.set(j));
    for (const [end, step] of [[end8, 32], [end4, 16]] as const) {
      f.emit(op.block, op.loop);
      {
        f.emit(op.get(j), op.get(end), op.i32GeU, op.brIf(1));
        for (let h = 0; h < step; h += 16) {
          f.emit(op.get(row), op.get(j), op.i32Add);
          f.emit(op.get(row), op.get(j), op.i32Add, loadV(h), op.get(c), op.get(X), op.get(j), op.i32Add, loadV(h), op.f32x4Mul, op.f32x4Add);
          f.emit(storeV(h));
        }
        f.emit(op.increment(j, step), op.br(0));
      }
      f.emit(op.end, op.end);
    }
    f.emit(op.block, op.loop);
    {
      f.emit(op.get(j), op.get(rowBytes), op.i32GeU, op.brIf(1));
      f.emit(op.get(row), op.get(j), op.i32Add);
      f.emit(op.get(row), op.get(j), op.i32Add, op.f32Load(), op.get(cs), op.get(X), op.get(j), op.i32Add, op.f32Load(), op.f32Mul, op.f32Add);
      f.emit(op.f32Store());
      f.emit(op.increment(j, 4), op.br(0));
    }
    f.emit(op.end, op.end);
    f.emit(op.increment(k, 1), op.br(0));
  }
  f.emit(op.end, op.end);
  return f;
}

const instantiate = kernelModule<Record<string, DotFn | UpdateFn | AxpyRowsFn>>(() => [
  ...DOT_SHAPES.map(([R, S]) => dotKernel(R, S, F32_LANES)),
  updateKernel32(),
  axpyRowsKernel32(),
]);

/**
 * The f32 twin of `KernelWorkspace` (./kernels.ts `WorkspaceOf`), with the same arrays and methods: `w` (N×d),
 * `x` (B×d), `z` (N×B), `coef` and `sig` (N·B) in f32; `a`, `b`, `res`, `db` and the σ table in f64;
 * `rows`, `ptr`, `cols` i32.
 */
export class KernelWorkspace32 extends WorkspaceOf<Float32Array> {
  constructor(n: number, d: number, batch: number, knots = 0, options: WorkspaceOptions = {}) {
    super(n, d, batch, knots, options, { real: 4, array: Float32Array, instantiate, module: import.meta.url, className: 'KernelWorkspace32' });
  }
}
