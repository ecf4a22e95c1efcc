/**
 * WebAssembly versions of the per-step passes of the finite-volume solver on n-D grids, for the common
 * case (noiseless MUSCL with the minmod limiter and zero-flux walls; every other option runs the
 * JavaScript kernels of solvers/flux.ts):
 *
 *  - stage: the fused MUSCL/minmod stage of flux.ts, axis by axis (the first axis with more than one
 *    cell writes out = P + a0 (S − P) + (Δt/h)(F_{j−½} − F_{j+½}), the others add their divergence).
 *    The last axis runs contiguous lines (`lines`, all of an axis in one call); an axis with stride
 *    s > 1 is swept row by row over blocks of up to ROWS cells (`rows`: every load and store
 *    unit-stride, the running flux and slope of each column in a scratch area), like flux.ts's strideRows.
 *    Per cell the operations and their order are exactly those of the JavaScript kernels (minmod as
 *    dl·dr > 0 ? (|dl| < |dr| ? dl : dr) : 0; neither side contracts a·b + c into an FMA), so the two
 *    paths give identical results (test/solvers/finite-volume-nd.test.ts checks bit equality);
 *  - maxDifference: max |ψ_{j+e_a} − ψ_j| along one axis (the CFL rate of flux.ts transportRate);
 *  - guard: Σ P (2v + u), Σ |P (2v + u)| and min P over all cells (the risk guard of finite-volume.ts).
 * Single-cell axes carry no flux and are skipped (adding their zero divergence is exact in JavaScript).
 *
 * Why: V8 re-checks a typed array after every store (≈ 2 ns per stored element), wasm stores are single
 * instructions; the 4-D transport stage runs ≈ 2–3× faster than in JavaScript (bench/pde-nd.ts).
 * The arrays are views on one private memory (never grown, so the views stay valid); the scratch and
 * scalar results follow the arrays.
 */
import { F64, I32, kernelMemory, kernelModule, op, type FunctionSpec } from '../src/wasm/encoder.ts';
import { CAPACITY, type KernelThread } from './kernel-thread.ts';

/** Columns per call of the row sweep (2 × 4 KiB of running flux and slope). */
export const ROWS = 512;

// ─── stage kernels ──────────────────────────────────────────────────────────────────────────────
// lines(P, V, U, S, OUT, n, count, coef, scale, a0): `count` contiguous lines of n ≥ 2 cells
// rows(P, V, U, S, OUT, strideBytes, n, cols, coef, scale, a0, FLUX, SLOPE): cols adjacent lines of
//   n ≥ 2 cells along an axis of the given stride, starting at the given offsets
const [P, V, U, S, OUT] = [0, 1, 2, 3, 4];

const minmod = (dl: number, dr: number) => [
  // select(select(dl, dr, |dl| < |dr|), 0, dl·dr > 0)
  ...op.get(dl), ...op.get(dr), ...op.get(dl), ...op.f64Abs, ...op.get(dr), ...op.f64Abs, ...op.f64Lt, ...op.select,
  ...op.f64Const(0),
  ...op.get(dl), ...op.get(dr), ...op.f64Mul, ...op.f64Const(0), ...op.f64Gt, ...op.select,
];
/** F = b > 0 ? b·left : b·right */
const upwind = (b: number, left: number[], right: number[]) => [
  ...op.get(b), ...left, ...op.f64Mul,
  ...op.get(b), ...right, ...op.f64Mul,
  ...op.get(b), ...op.f64Const(0), ...op.f64Gt, ...op.select,
];
const addr = (base: number, index: number) => [...op.get(base), ...op.get(index), ...op.i32Add];
const load = (base: number, index: number, offset = 0) => [...addr(base, index), ...op.f64Load(offset)];

/**
 * out[idx + offset] = p + a0 (S[idx + offset] − p) + scale·flux   (write)
 * out[idx + offset] = out[idx + offset] + scale·flux               (accumulate)
 */
function update(acc: boolean, out: number, s: number, idx: number, offset: number, p: number[], flux: number[], scale: number, a0: number): number[] {
  if (acc) return [...addr(out, idx), ...load(out, idx, offset), ...op.get(scale), ...flux, ...op.f64Mul, ...op.f64Add, ...op.f64Store(offset)];
  return [
    ...addr(out, idx),
    ...p, ...op.get(a0), ...load(s, idx, offset), ...p, ...op.f64Sub, ...op.f64Mul, ...op.f64Add,
    ...op.get(scale), ...flux, ...op.f64Mul, ...op.f64Add,
    ...op.f64Store(offset),
  ];
}

function linesKernel(name: string, acc: boolean): FunctionSpec {
  const [N, COUNT, COEF, SCALE, A0] = [5, 6, 7, 8, 9];
  const [J, END, LINE, LBYTES, PK, PN, PNN, PSIK, PSIN, SLK, SLN, DL, DR, B, F, FIN] = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25];
  const body = [
    ...op.get(N), ...op.i32(8), ...op.i32Mul, ...op.set(LBYTES),
    ...op.get(N), ...op.i32(2), ...op.i32Sub, ...op.i32(8), ...op.i32Mul, ...op.set(END),
    ...op.block,
    ...op.loop,
    ...op.get(LINE), ...op.get(COUNT), ...op.i32GeU, ...op.brIf(1),
    // one line, exactly the arithmetic of flux.ts unitLine (minmod)
    ...op.i32(0), ...op.set(J),
    ...op.f64Const(0), ...op.set(SLK),
    ...op.f64Const(0), ...op.set(FIN),
    ...load(P, J), ...op.set(PK),
    ...load(P, J, 8), ...op.set(PN),
    ...load(V, J), ...load(U, J), ...op.f64Add, ...op.set(PSIK),
    ...op.block,
    ...op.loop,
    ...op.get(J), ...op.get(END), ...op.i32GeU, ...op.brIf(1),
    ...load(P, J, 16), ...op.set(PNN),
    ...load(V, J, 8), ...load(U, J, 8), ...op.f64Add, ...op.set(PSIN),
    ...op.get(PN), ...op.get(PK), ...op.f64Sub, ...op.set(DL),
    ...op.get(PNN), ...op.get(PN), ...op.f64Sub, ...op.set(DR),
    ...minmod(DL, DR), ...op.set(SLN),
    ...op.get(COEF), ...op.get(PSIK), ...op.get(PSIN), ...op.f64Sub, ...op.f64Mul, ...op.set(B),
    ...upwind(
      B,
      [...op.get(PK), ...op.f64Const(0.5), ...op.get(SLK), ...op.f64Mul, ...op.f64Add],
      [...op.get(PN), ...op.f64Const(0.5), ...op.get(SLN), ...op.f64Mul, ...op.f64Sub],
    ), ...op.set(F),
    ...update(acc, OUT, S, J, 0, op.get(PK), [...op.get(FIN), ...op.get(F), ...op.f64Sub], SCALE, A0),
    ...op.get(F), ...op.set(FIN),
    ...op.get(PN), ...op.set(PK),
    ...op.get(PNN), ...op.set(PN),
    ...op.get(PSIN), ...op.set(PSIK),
    ...op.get(SLN), ...op.set(SLK),
    ...op.get(J), ...op.i32(8), ...op.i32Add, ...op.set(J),
    ...op.br(0),
    ...op.end,
    ...op.end,
    // the face between the last two cells (the boundary cell has slope 0), and the last cell
    ...op.get(COEF), ...op.get(PSIK), ...load(V, J, 8), ...load(U, J, 8), ...op.f64Add, ...op.f64Sub, ...op.f64Mul, ...op.set(B),
    ...upwind(B, [...op.get(PK), ...op.f64Const(0.5), ...op.get(SLK), ...op.f64Mul, ...op.f64Add], op.get(PN)), ...op.set(F),
    ...update(acc, OUT, S, J, 0, op.get(PK), [...op.get(FIN), ...op.get(F), ...op.f64Sub], SCALE, A0),
    ...update(acc, OUT, S, J, 8, op.get(PN), op.get(F), SCALE, A0),
    // next line
    ...[P, V, U, S, OUT].flatMap((p) => [...op.get(p), ...op.get(LBYTES), ...op.i32Add, ...op.set(p)]),
    ...op.get(LINE), ...op.i32(1), ...op.i32Add, ...op.set(LINE),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  return { name, params: [I32, I32, I32, I32, I32, I32, I32, F64, F64, F64], locals: [I32, I32, I32, I32, ...Array<number>(12).fill(F64)], body };
}

function rowsKernel(name: string, acc: boolean): FunctionSpec {
  const [SB, N, COLS, COEF, SCALE, A0, FLUX, SLOPE] = [5, 6, 7, 8, 9, 10, 11, 12];
  const [C, CEND, ROW, RLAST, PN, PNN, VN, UN, PK, PNV, PNNV, DL, DR, SLN, B, F] = [13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28];
  /** for C = 0; C < CEND; C += 8 { body } */
  const columns = (body: number[]) => [
    ...op.i32(0), ...op.set(C),
    ...op.block,
    ...op.loop,
    ...op.get(C), ...op.get(CEND), ...op.i32GeU, ...op.brIf(1),
    ...body,
    ...op.get(C), ...op.i32(8), ...op.i32Add, ...op.set(C),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  /** PN = P + SB etc. for the current row (P, V, U, S, OUT point at row k) */
  const rowPointers = [
    ...op.get(P), ...op.get(SB), ...op.i32Add, ...op.set(PN),
    ...op.get(PN), ...op.get(SB), ...op.i32Add, ...op.set(PNN),
    ...op.get(V), ...op.get(SB), ...op.i32Add, ...op.set(VN),
    ...op.get(U), ...op.get(SB), ...op.i32Add, ...op.set(UN),
  ];
  const nextRow = [P, V, U, S, OUT].flatMap((p) => [...op.get(p), ...op.get(SB), ...op.i32Add, ...op.set(p)]);
  /** one face k + ½ per column; `interior`: row k + 1 has a further neighbour (else its slope is 0) */
  const face = (interior: boolean) =>
    columns([
      ...load(P, C), ...op.set(PK),
      ...load(PN, C), ...op.set(PNV),
      ...(interior
        ? [
            ...load(PNN, C), ...op.set(PNNV),
            ...op.get(PNV), ...op.get(PK), ...op.f64Sub, ...op.set(DL),
            ...op.get(PNNV), ...op.get(PNV), ...op.f64Sub, ...op.set(DR),
            ...minmod(DL, DR), ...op.set(SLN),
          ]
        : [...op.f64Const(0), ...op.set(SLN)]),
      // b = coef ((v + u)_k − (v + u)_{k+1})
      ...op.get(COEF), ...load(V, C), ...load(U, C), ...op.f64Add, ...load(VN, C), ...load(UN, C), ...op.f64Add, ...op.f64Sub, ...op.f64Mul, ...op.set(B),
      ...upwind(
        B,
        [...op.get(PK), ...op.f64Const(0.5), ...load(SLOPE, C), ...op.f64Mul, ...op.f64Add],
        [...op.get(PNV), ...op.f64Const(0.5), ...op.get(SLN), ...op.f64Mul, ...op.f64Sub],
      ), ...op.set(F),
      ...update(acc, OUT, S, C, 0, op.get(PK), [...load(FLUX, C), ...op.get(F), ...op.f64Sub], SCALE, A0),
      ...addr(FLUX, C), ...op.get(F), ...op.f64Store(),
      ...addr(SLOPE, C), ...op.get(SLN), ...op.f64Store(),
    ]);
  const body = [
    ...op.get(COLS), ...op.i32(8), ...op.i32Mul, ...op.set(CEND),
    // row 0: no flux through the wall, slope 0 in the boundary cells
    ...columns([...addr(FLUX, C), ...op.f64Const(0), ...op.f64Store(), ...addr(SLOPE, C), ...op.f64Const(0), ...op.f64Store()]),
    // rows k = 0 … n − 3: the face to an interior row
    ...op.get(N), ...op.i32(2), ...op.i32Sub, ...op.set(RLAST),
    ...op.block,
    ...op.loop,
    ...op.get(ROW), ...op.get(RLAST), ...op.i32GeU, ...op.brIf(1),
    ...rowPointers,
    ...face(true),
    ...nextRow,
    ...op.get(ROW), ...op.i32(1), ...op.i32Add, ...op.set(ROW),
    ...op.br(0),
    ...op.end,
    ...op.end,
    // row n − 2: the face to the boundary row
    ...rowPointers,
    ...face(false),
    ...nextRow,
    // row n − 1: the wall
    ...columns([
      ...load(P, C), ...op.set(PK),
      ...update(acc, OUT, S, C, 0, op.get(PK), load(FLUX, C), SCALE, A0),
    ]),
  ];
  return {
    name,
    params: [I32, I32, I32, I32, I32, I32, I32, I32, F64, F64, F64, I32, I32],
    locals: [I32, I32, I32, I32, I32, I32, I32, I32, ...Array<number>(8).fill(F64)],
    body,
  };
}

// ─── rate and guard ─────────────────────────────────────────────────────────────────────────────

/** maxLines(V, U, n, count, OUT): OUT ← max(OUT, max over `count` contiguous lines of |ψ_{j+1} − ψ_j|). */
const maxLines: FunctionSpec = (() => {
  const [v, u, n, count, out, j, end, line, psik, psin, mx] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  return {
    name: 'maxLines',
    params: [I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, F64, F64, F64],
    body: [
      ...op.get(out), ...op.f64Load(), ...op.set(mx),
      ...op.get(n), ...op.i32(1), ...op.i32Sub, ...op.i32(8), ...op.i32Mul, ...op.set(end),
      ...op.block,
      ...op.loop,
      ...op.get(line), ...op.get(count), ...op.i32GeU, ...op.brIf(1),
      ...op.i32(0), ...op.set(j),
      ...load(v, j), ...load(u, j), ...op.f64Add, ...op.set(psik),
      ...op.block,
      ...op.loop,
      ...op.get(j), ...op.get(end), ...op.i32GeU, ...op.brIf(1),
      ...load(v, j, 8), ...load(u, j, 8), ...op.f64Add, ...op.set(psin),
      ...op.get(mx), ...op.get(psin), ...op.get(psik), ...op.f64Sub, ...op.f64Abs, ...op.f64Max, ...op.set(mx),
      ...op.get(psin), ...op.set(psik),
      ...op.get(j), ...op.i32(8), ...op.i32Add, ...op.set(j),
      ...op.br(0),
      ...op.end,
      ...op.end,
      ...[v, u].flatMap((p) => [...op.get(p), ...op.get(n), ...op.i32(8), ...op.i32Mul, ...op.i32Add, ...op.set(p)]),
      ...op.get(line), ...op.i32(1), ...op.i32Add, ...op.set(line),
      ...op.br(0),
      ...op.end,
      ...op.end,
      ...op.get(out), ...op.get(mx), ...op.f64Store(),
    ],
  };
})();

/** maxRows(V, U, strideBytes, rows, OUT): OUT ← max(OUT, max over the first rows·stride cells of |ψ_{j+stride} − ψ_j|). */
const maxRows: FunctionSpec = (() => {
  const [v, u, sb, rows, out, j, end, mx] = [0, 1, 2, 3, 4, 5, 6, 7];
  return {
    name: 'maxRows',
    params: [I32, I32, I32, I32, I32],
    locals: [I32, I32, F64],
    body: [
      ...op.get(out), ...op.f64Load(), ...op.set(mx),
      ...op.get(rows), ...op.get(sb), ...op.i32Mul, ...op.set(end),
      ...op.block,
      ...op.loop,
      ...op.get(j), ...op.get(end), ...op.i32GeU, ...op.brIf(1),
      // |(v + u)_{j+s} − (v + u)_j|
      ...op.get(mx),
      ...addr(v, j), ...op.get(sb), ...op.i32Add, ...op.f64Load(), ...addr(u, j), ...op.get(sb), ...op.i32Add, ...op.f64Load(), ...op.f64Add,
      ...load(v, j), ...load(u, j), ...op.f64Add,
      ...op.f64Sub, ...op.f64Abs, ...op.f64Max, ...op.set(mx),
      ...op.get(j), ...op.i32(8), ...op.i32Add, ...op.set(j),
      ...op.br(0),
      ...op.end,
      ...op.end,
      ...op.get(out), ...op.get(mx), ...op.f64Store(),
    ],
  };
})();

/** guard(P, V, U, n, OUT): OUT ← [Σ P(2v + u), Σ |P(2v + u)|, min P] in index order (as finite-volume.ts riskInto). */
const guard: FunctionSpec = (() => {
  const [p_, v, u, n, out, j, end, s, a, mn, p, e] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  return {
    name: 'guard',
    params: [I32, I32, I32, I32, I32],
    locals: [I32, I32, F64, F64, F64, F64, F64],
    body: [
      ...op.f64Const(Infinity), ...op.set(mn),
      ...op.get(n), ...op.i32(8), ...op.i32Mul, ...op.set(end),
      ...op.block,
      ...op.loop,
      ...op.get(j), ...op.get(end), ...op.i32GeU, ...op.brIf(1),
      ...load(p_, j), ...op.set(p),
      ...op.get(p), ...op.f64Const(2), ...load(v, j), ...op.f64Mul, ...load(u, j), ...op.f64Add, ...op.f64Mul, ...op.set(e),
      ...op.get(s), ...op.get(e), ...op.f64Add, ...op.set(s),
      ...op.get(a), ...op.get(e), ...op.f64Abs, ...op.f64Add, ...op.set(a),
      ...op.get(mn), ...op.get(p), ...op.f64Min, ...op.set(mn),
      ...op.get(j), ...op.i32(8), ...op.i32Add, ...op.set(j),
      ...op.br(0),
      ...op.end,
      ...op.end,
      ...op.get(out), ...op.get(s), ...op.f64Store(0),
      ...op.get(out), ...op.get(a), ...op.f64Store(8),
      ...op.get(out), ...op.get(mn), ...op.f64Store(16),
    ],
  };
})();

type LinesKernel = (P: number, v: number, u: number, S: number, out: number, n: number, count: number, coef: number, scale: number, a0: number) => void;
type RowsKernel = (
  P: number, v: number, u: number, S: number, out: number, strideBytes: number, n: number, cols: number,
  coef: number, scale: number, a0: number, flux: number, slope: number,
) => void;
type MaxKernel = (v: number, u: number, a: number, b: number, out: number) => void;
/** The kernels above, as exported by one instance. */
export interface TransportKernels {
  linesWrite: LinesKernel;
  linesAdd: LinesKernel;
  rowsWrite: RowsKernel;
  rowsAdd: RowsKernel;
  maxLines: MaxKernel;
  maxRows: MaxKernel;
  guard: (P: number, v: number, u: number, n: number, out: number) => void;
}

/** The n-D transport kernels instantiated on a memory (compiled once per process). */
export const transportKernels = kernelModule<TransportKernels>(() => [
  linesKernel('linesWrite', false),
  linesKernel('linesAdd', true),
  rowsKernel('rowsWrite', false),
  rowsKernel('rowsAdd', true),
  maxLines,
  maxRows,
  guard,
]);

/** One axis of the grid as the kernels see it (as flux.ts AxisLines). */
export interface GridAxis {
  readonly n: number;
  readonly stride: number;
  readonly outer: number;
  readonly h: number;
}

/** Arrays that live on a WebAssembly memory with free scratch bytes from byte `scratch` on (e.g. a `ResidentInteraction`). */
export interface KernelArrays {
  readonly memory: WebAssembly.Memory;
  readonly arrays: Float64Array[];
  readonly scratch: number;
}

/** A memory with `count` arrays of `size` doubles on a grid with the given axes, and the n-D kernels on them. */
export class WasmTransportGrid {
  readonly arrays: Float64Array[];
  private readonly kernels: TransportKernels;
  private readonly memory: WebAssembly.Memory;
  /** Running flux and slope of the row sweeps, then three scalar results. */
  private readonly fluxAt: number;
  private readonly slopeAt: number;
  private readonly scratch: Float64Array;
  /** The multi-cell axes, in order. */
  private readonly active: GridAxis[];
  /** The helper thread that sweeps the second half of each axis's lines or row blocks (see `split`). */
  private thread: { helper: KernelThread; fn: Record<'linesWrite' | 'linesAdd' | 'rowsWrite' | 'rowsAdd', number> } | null = null;

  constructor(
    readonly size: number,
    axes: readonly GridAxis[],
    count: number,
    shared?: KernelArrays,
  ) {
    this.active = axes.filter((ax) => ax.n > 1);
    if (this.active.length === 0) throw new RangeError('WasmTransportGrid: needs an axis with at least 2 cells');
    this.memory = shared?.memory ?? kernelMemory(8 * size * count + WasmTransportGrid.SCRATCH_BYTES, `WasmTransportGrid (${count} arrays of ${size} cells)`);
    this.kernels = transportKernels(this.memory);
    this.arrays = shared?.arrays ?? Array.from({ length: count }, (_, k) => new Float64Array(this.memory.buffer, 8 * size * k, size));
    this.fluxAt = shared?.scratch ?? 8 * size * count;
    this.slopeAt = this.fluxAt + 8 * ROWS;
    this.scratch = new Float64Array(this.memory.buffer, this.slopeAt + 8 * ROWS, 3);
  }

  /**
   * Bytes of scratch after the arrays (on a `shared` memory, at its `scratch`): running fluxes and slopes,
   * three results, and the helper thread's own running fluxes and slopes.
   */
  static readonly SCRATCH_BYTES = 32 * ROWS + 32;

  /**
   * From now on (null: no longer) `helper` — attached to this memory with `transportKernels.compiled(true)`
   * — runs the second half of every axis's sweep in `stage` (lines of the unit-stride axis, row blocks
   * of the others, with its own running fluxes and slopes), one axis at a time: each cell's value comes
   * from one thread with the one-thread operations, so results keep their bits.
   */
  split(helper: KernelThread | null, module: WebAssembly.Module): void {
    this.thread = helper && {
      helper,
      fn: { linesWrite: helper.fn(module, 'linesWrite'), linesAdd: helper.fn(module, 'linesAdd'), rowsWrite: helper.fn(module, 'rowsWrite'), rowsAdd: helper.fn(module, 'rowsAdd') },
    };
  }

  /** Bytes of the memory (arrays, scratch, page rounding; with `shared`, the operator's features too). */
  get bytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** out = P + a0 (S − P) + dt·L(P) as flux.ts transportStage (minmod, zero-flux walls), for arrays from `this.arrays`. */
  stage(P: Float64Array, v: Float64Array, u: Float64Array, S: Float64Array, out: Float64Array, xi: number, a0: number, dt: number): void {
    const k = this.kernels;
    const thread = this.thread;
    let first = true;
    for (const { n, stride, outer, h } of this.active) {
      const coef = (2 * xi) / h;
      const scale = dt / h;
      if (stride === 1) {
        // lines [0, mine) here, [mine, outer) on the helper
        const mine = thread ? outer >> 1 : outer;
        if (thread && mine < outer) {
          const at = 8 * n * mine;
          const t = thread.helper;
          t.call(first ? thread.fn.linesWrite : thread.fn.linesAdd, 10);
          t.arg(P.byteOffset + at);
          t.arg(v.byteOffset + at);
          t.arg(u.byteOffset + at);
          t.arg(S.byteOffset + at);
          t.arg(out.byteOffset + at);
          t.arg(n);
          t.arg(outer - mine);
          t.arg(coef);
          t.arg(scale);
          t.arg(a0);
          t.post();
        }
        if (mine > 0) (first ? k.linesWrite : k.linesAdd)(P.byteOffset, v.byteOffset, u.byteOffset, S.byteOffset, out.byteOffset, n, mine, coef, scale, a0);
        if (thread && mine < outer) thread.helper.finish();
      } else {
        const blocks = outer * Math.ceil(stride / ROWS);
        // row blocks [0, mine) here, [mine, blocks) on the helper (when its calls fit in a batch)
        const split = thread !== null && blocks > 1 && 15 * (blocks - (blocks >> 1)) <= CAPACITY;
        const mine = split ? blocks >> 1 : blocks;
        if (split) {
          this.rowBlocks(mine, blocks, true, first, P, v, u, S, out, n, stride, coef, scale, a0);
          thread!.helper.post();
        }
        this.rowBlocks(0, mine, false, first, P, v, u, S, out, n, stride, coef, scale, a0);
        if (split) thread!.helper.finish();
      }
      first = false;
    }
  }

  /** Row blocks [from, to) of an axis with stride > 1 (block b: outer index ⌊b / ⌈stride/ROWS⌉⌋, columns from (b mod that)·ROWS), here or queued on the helper (`remote`, with its own flux and slope scratch). */
  private rowBlocks(from: number, to: number, remote: boolean, first: boolean, P: Float64Array, v: Float64Array, u: Float64Array, S: Float64Array, out: Float64Array, n: number, stride: number, coef: number, scale: number, a0: number): void {
    const rows = first ? this.kernels.rowsWrite : this.kernels.rowsAdd;
    const perOuter = Math.ceil(stride / ROWS);
    const block = n * stride;
    const flux = remote ? this.slopeAt + 8 * ROWS + 32 : this.fluxAt;
    const slope = flux + 8 * ROWS;
    for (let b = from; b < to; b++) {
      const o = Math.floor(b / perOuter);
      const c0 = (b - o * perOuter) * ROWS;
      const at = 8 * (o * block + c0);
      const cols = Math.min(ROWS, stride - c0);
      if (!remote) {
        rows(P.byteOffset + at, v.byteOffset + at, u.byteOffset + at, S.byteOffset + at, out.byteOffset + at, 8 * stride, n, cols, coef, scale, a0, flux, slope);
        continue;
      }
      const t = this.thread!.helper;
      t.call(first ? this.thread!.fn.rowsWrite : this.thread!.fn.rowsAdd, 13);
      t.arg(P.byteOffset + at);
      t.arg(v.byteOffset + at);
      t.arg(u.byteOffset + at);
      t.arg(S.byteOffset + at);
      t.arg(out.byteOffset + at);
      t.arg(8 * stride);
      t.arg(n);
      t.arg(cols);
      t.arg(coef);
      t.arg(scale);
      t.arg(a0);
      t.arg(flux);
      t.arg(slope);
    }
  }

  /** Σ_a 2ξ max|Δ_a ψ| / h_a² over the multi-cell axes in order (flux.ts transportRate; single-cell axes add 0). */
  rate(v: Float64Array, u: Float64Array, xi: number): number {
    const k = this.kernels;
    const m = this.scratch;
    let rate = 0;
    for (const { n, stride, outer, h } of this.active) {
      m[0] = 0;
      if (stride === 1) k.maxLines(v.byteOffset, u.byteOffset, n, outer, m.byteOffset);
      else {
        const block = n * stride;
        for (let o = 0; o < outer; o++) k.maxRows(v.byteOffset + 8 * o * block, u.byteOffset + 8 * o * block, 8 * stride, n - 1, m.byteOffset);
      }
      rate += (2 * xi * m[0]) / (h * h);
    }
    return rate;
  }

  /** [Σ P(2v + u), Σ |P(2v + u)|, min P] (a view, overwritten by the next call). */
  guard(P: Float64Array, v: Float64Array, u: Float64Array): Float64Array {
    this.kernels.guard(P.byteOffset, v.byteOffset, u.byteOffset, this.size, this.scratch.byteOffset);
    return this.scratch;
  }
}
