/**
 * The matrix kernels of the MNIST net (network.ts), as WebAssembly f64x2 SIMD assembled with the
 * project's encoder (src/wasm/encoder.ts).
 *
 *   rowsProduct:  OUT[r, k] = Σ_{q < nq} coef[q·R + r] · IN[idx_q, k]      r < R, k < width
 *
 * one block of R output rows of a product of matrices whose left factor is given by its nonzero columns:
 * forward, H = X U (OUT = R samples of H, IN = rows of U at the pixels any of the R samples lights);
 * backward, ∇U = Xᵀ Δ (OUT = R pixels of ∇U, IN = rows of Δ of the samples that light any of them).
 * Register blocking: R output rows × S f64x2 vectors (2S columns) of accumulators, each IN vector loaded
 * once per q and used R times; the columns that are left over go by one vector, then one scalar.
 * The sum over q runs in the order of the list from +0, one IEEE multiply and one add per term (no
 * fused multiply-add): every output is the left-to-right sum of its listed terms, the same bits as the
 * plain loop of `referenceRowsProduct`, whatever R, S or the panel width.
 *
 *   axpy:  Y[i] += c · X[i]   i < n     (the SGD update θ ← θ + (−s) g; exactly θ − s g in IEEE)
 *   scale: Y[i] *= c          i < n
 *
 * Pointers are byte offsets into the one memory of a `ClassifierWorkspace`; `idx` holds the byte
 * offset of each IN row relative to `in`, so one list serves every column panel.
 */
import { F64, FunctionBuilder, I32, kernelMemory, kernelModule, op, V128, type FunctionSpec } from '../../src/wasm/encoder.ts';

const loadV = (offset = 0) => op.v128Load(offset, 3);
const storeV = (offset = 0) => op.v128Store(offset, 3);

/** Output rows per block of the fast path (and the single-row kernel for leftovers); network.ts lists blocks of exactly this many rows. */
export const BLOCK_ROWS = 2 as const;
/** f64x2 vectors per row in the register block: 2 rows × 4 vectors (8 columns) = 8 accumulators. */
const BLOCK_VECTORS = 4;

/** rowsProduct_R(out, outStride, in, idx, coef, nq, width): see the file comment. */
function rowsProductKernel(R: number, S: number): FunctionSpec {
  const f = new FunctionBuilder(`rowsProduct${R}`, new Array<number>(7).fill(I32));
  const [OUT, STRIDE, IN, IDX, COEF, NQ, WIDTH] = [0, 1, 2, 3, 4, 5, 6];
  const col = f.local(I32); // byte offset of the current columns in a row
  const end = f.local(I32);
  const q = f.local(I32);
  const idxAt = f.local(I32);
  const coefAt = f.local(I32);
  const row = f.local(I32);
  const outRows = Array.from({ length: R }, () => f.local(I32));
  const acc = Array.from({ length: R * S }, () => f.local(V128));
  const v = Array.from({ length: S }, () => f.local(V128));
  const c = f.local(V128);
  const accScalar = Array.from({ length: R }, () => f.local(F64));
  const x = f.local(F64);

  for (let r = 0; r < R; r++) {
    f.emit(op.get(OUT));
    if (r > 0) f.emit(op.get(STRIDE), op.i32(r), op.i32Mul, op.i32Add);
    f.emit(op.set(outRows[r]));
  }
  /** The q loop around `body`, with row = in + idx[q] + col. */
  const overList = (body: () => void) => {
    f.emit(op.get(IDX), op.set(idxAt), op.get(COEF), op.set(coefAt), op.get(NQ), op.set(q));
    f.emit(op.block, op.loop);
    f.emit(op.get(q), op.i32Eqz, op.brIf(1));
    f.emit(op.get(idxAt), op.i32Load(), op.get(IN), op.i32Add, op.get(col), op.i32Add, op.set(row));
    body();
    f.emit(op.increment(idxAt, 4), op.increment(coefAt, 8 * R), op.get(q), op.i32(-1), op.i32Add, op.set(q), op.br(0));
    f.emit(op.end, op.end);
  };
  /** Columns by `V` vectors while col + 16V ≤ end. */
  const vectorLoop = (V: number) => {
    f.emit(op.get(WIDTH), op.i32(-2 * V), op.i32And, op.i32(3), op.i32Shl, op.set(end));
    f.emit(op.block, op.loop);
    f.emit(op.get(col), op.get(end), op.i32GeU, op.brIf(1));
    for (let a = 0; a < R * V; a++) f.emit(op.v128Zero, op.set(acc[a]));
    overList(() => {
      for (let s = 0; s < V; s++) f.emit(op.get(row), loadV(16 * s), op.set(v[s]));
      for (let r = 0; r < R; r++) {
        f.emit(op.get(coefAt), op.f64Load(8 * r), op.f64x2Splat, op.set(c));
        for (let s = 0; s < V; s++) {
          const a = acc[r * V + s];
          f.emit(op.get(a), op.get(c), op.get(v[s]), op.f64x2Mul, op.f64x2Add, op.set(a));
        }
      }
    });
    for (let r = 0; r < R; r++) for (let s = 0; s < V; s++) f.emit(op.get(outRows[r]), op.get(col), op.i32Add, op.get(acc[r * V + s]), storeV(16 * s));
    f.emit(op.increment(col, 16 * V), op.br(0));
    f.emit(op.end, op.end);
  };
  vectorLoop(S);
  if (S > 1) vectorLoop(1);
  // an odd last column
  f.emit(op.get(WIDTH), op.i32(1), op.i32And, op.if);
  for (let r = 0; r < R; r++) f.emit(op.f64Const(0), op.set(accScalar[r]));
  overList(() => {
    f.emit(op.get(row), op.f64Load(), op.set(x));
    for (let r = 0; r < R; r++) f.emit(op.get(accScalar[r]), op.get(coefAt), op.f64Load(8 * r), op.get(x), op.f64Mul, op.f64Add, op.set(accScalar[r]));
  });
  for (let r = 0; r < R; r++) f.emit(op.get(outRows[r]), op.get(col), op.i32Add, op.get(accScalar[r]), op.f64Store());
  f.emit(op.end);
  return f;
}

/**
 * An in-place kernel over y[0 … n): f64x2 pairs, then the odd last entry. Parameters: Y, then `extra` i32
 * pointers, then N and the f64 scalar C; `pair(at, c)` / `single(at)` emit the new value of y at byte offset
 * `at` (v128 / f64; c is C splatted), with Y + at already on the stack for the store.
 */
function inPlaceKernel(name: string, extra: number, pair: (f: FunctionBuilder, at: number, c: number) => void, single: (f: FunctionBuilder, at: number) => void): FunctionSpec {
  const f = new FunctionBuilder(name, [I32, ...new Array<number>(extra).fill(I32), I32, F64]);
  const [N, C] = [extra + 1, extra + 2];
  const at = f.local(I32);
  const end = f.local(I32);
  const c = f.local(V128);
  f.emit(op.get(C), op.f64x2Splat, op.set(c));
  f.emit(op.get(N), op.i32(-2), op.i32And, op.i32(3), op.i32Shl, op.set(end));
  f.emit(op.block, op.loop);
  f.emit(op.get(at), op.get(end), op.i32GeU, op.brIf(1));
  f.emit(op.get(0), op.get(at), op.i32Add);
  pair(f, at, c);
  f.emit(storeV(), op.increment(at, 16), op.br(0));
  f.emit(op.end, op.end);
  f.emit(op.get(N), op.i32(1), op.i32And, op.if);
  f.emit(op.get(0), op.get(at), op.i32Add);
  single(f, at);
  f.emit(op.f64Store(), op.end);
  return f;
}

/** axpy(y, x, n, c): y[i] += c · x[i] for i < n. */
const axpyKernel = () =>
  inPlaceKernel(
    'axpy',
    1,
    (f, at, c) => f.emit(op.get(0), op.get(at), op.i32Add, loadV(), op.get(c), op.get(1), op.get(at), op.i32Add, loadV(), op.f64x2Mul, op.f64x2Add),
    (f, at) => f.emit(op.get(0), op.get(at), op.i32Add, op.f64Load(), op.get(3), op.get(1), op.get(at), op.i32Add, op.f64Load(), op.f64Mul, op.f64Add),
  );

/** scale(y, n, c): y[i] *= c for i < n. */
const scaleKernel = () =>
  inPlaceKernel(
    'scale',
    0,
    (f, at, c) => f.emit(op.get(0), op.get(at), op.i32Add, loadV(), op.get(c), op.f64x2Mul),
    (f, at) => f.emit(op.get(0), op.get(at), op.i32Add, op.f64Load(), op.get(2), op.f64Mul),
  );

type RowsProductFn = (out: number, outStride: number, input: number, idx: number, coef: number, nq: number, width: number) => void;
type AxpyFn = (y: number, x: number, n: number, c: number) => void;
type ScaleFn = (y: number, n: number, c: number) => void;

const instantiate = kernelModule<Record<string, RowsProductFn | AxpyFn | ScaleFn>>(() => [
  ...(BLOCK_ROWS > 1 ? [rowsProductKernel(BLOCK_ROWS, BLOCK_VECTORS)] : []), rowsProductKernel(1, BLOCK_VECTORS), axpyKernel(), scaleKernel(),
]);

/** A region of the workspace memory: its byte offset and a view. */
export interface Region<T> {
  readonly at: number;
  readonly view: T;
}

/** One WebAssembly memory with named Float64/Int32 regions and the kernels on it (the memory never grows). */
export class ClassifierWorkspace {
  private readonly memory: WebAssembly.Memory;
  private readonly rowsProductFns: Record<number, RowsProductFn>;
  private readonly axpyFn: AxpyFn;
  private readonly scaleFn: ScaleFn;
  private used = 0;

  constructor(bytes: number, what: string) {
    this.memory = kernelMemory(bytes, what);
    const exports = instantiate(this.memory);
    this.rowsProductFns = { [BLOCK_ROWS]: exports[`rowsProduct${BLOCK_ROWS}`] as RowsProductFn, 1: exports.rowsProduct1 as RowsProductFn };
    this.axpyFn = exports.axpy as AxpyFn;
    this.scaleFn = exports.scale as ScaleFn;
  }

  /** Bytes a workspace needs for regions of these many 8-byte / 4-byte elements. */
  static bytesFor(f64s: readonly number[], i32s: readonly number[]): number {
    const round = (b: number) => Math.ceil(b / 16) * 16;
    return f64s.reduce((s, n) => s + round(8 * n), 0) + i32s.reduce((s, n) => s + round(4 * n), 0);
  }

  f64(length: number): Region<Float64Array> {
    const at = this.take(8 * length);
    return { at, view: new Float64Array(this.memory.buffer, at, length) };
  }

  i32(length: number): Region<Int32Array> {
    const at = this.take(4 * length);
    return { at, view: new Int32Array(this.memory.buffer, at, length) };
  }

  private take(bytes: number): number {
    const at = this.used;
    this.used += Math.ceil(bytes / 16) * 16;
    if (this.used > this.memory.buffer.byteLength) throw new RangeError('ClassifierWorkspace: regions exceed the memory it was made with');
    return at;
  }

  /** OUT rows (R = BLOCK_ROWS or 1) = Σ_q coef · IN[idx_q] over `width` columns (byte offsets; see the file comment). */
  rowsProduct(R: number, out: number, outStride: number, input: number, idx: number, coef: number, nq: number, width: number): void {
    this.rowsProductFns[R](out, outStride, input, idx, coef, nq, width);
  }

  /** y[i] += c · x[i], i < n (byte offsets). */
  axpy(y: number, x: number, n: number, c: number): void {
    this.axpyFn(y, x, n, c);
  }

  /** y[i] *= c, i < n (byte offset). */
  scale(y: number, n: number, c: number): void {
    this.scaleFn(y, n, c);
  }
}

/** Plain scalar reference for `rowsProduct` on arrays (idx as row indices, rows of `width` at `stride` elements). */
export function referenceRowsProduct(
  R: number, out: Float64Array, outStart: number, outStride: number,
  input: Float64Array, inStride: number, idx: ArrayLike<number>, coef: ArrayLike<number>, nq: number, width: number,
): void {
  for (let r = 0; r < R; r++) {
    for (let k = 0; k < width; k++) {
      let s = 0;
      for (let q = 0; q < nq; q++) s += coef[q * R + r] * input[idx[q] * inStride + k];
      out[outStart + r * outStride + k] = s;
    }
  }
}
