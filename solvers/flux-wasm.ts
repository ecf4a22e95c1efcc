/**
 * WebAssembly version of the fused MUSCL/minmod stage kernel of solvers/flux.ts for one unit-stride
 * line that is the whole grid (1-D problems, the common case):
 *
 *     out_j = P_j + a0 (S_j − P_j) + (Δt/h) (F_{j−½} − F_{j+½}),   b_{j+½} = (2ξ/h)(ψ_j − ψ_{j+1}),  ψ = v + u,
 *
 * with exactly the arithmetic (and so the rounding) of musclUnitLine in flux.ts; the 2-D test with a
 * single cell on one axis, which runs the JavaScript kernels, checks the two against each other.
 * The arrays are views on one private memory (never grown, so the views stay valid).
 */
import { encodeModule, F64, I32, op } from './wasm/encoder.ts';

// parameters: byte offsets of P, v, u, S, out; n cells; coef = 2ξ/h; scale = Δt/h; a0
const [P, V, U, S, OUT, N, COEF, SCALE, A0] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
// locals
const [J, END, PK, PN, PNN, PSIK, PSIN, SLK, SLN, DL, DR, B, F, FIN] = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22];

const load = (base: number, offset = 0) => [...op.get(base), ...op.get(J), ...op.i32Add, ...op.f64Load(offset)];
/** out[j + offset] = p + a0 (S[j + offset] − p) + scale·flux, where `p` and `flux` push one f64 each. */
const combine = (offset: number, p: number[], flux: number[]) => [
  ...op.get(OUT), ...op.get(J), ...op.i32Add,
  ...p, ...op.get(A0), ...load(S, offset), ...p, ...op.f64Sub, ...op.f64Mul, ...op.f64Add,
  ...op.get(SCALE), ...flux, ...op.f64Mul, ...op.f64Add,
  ...op.f64Store(offset),
];
/** F = b > 0 ? b·left : b·right */
const upwindFlux = (left: number[], right: number[]) => [
  ...op.get(B), ...left, ...op.f64Mul,
  ...op.get(B), ...right, ...op.f64Mul,
  ...op.get(B), ...op.f64Const(0), ...op.f64Gt, ...op.select, ...op.set(F),
];

const body = [
  // pk = P[0], pn = P[1], ψ_k = v[0] + u[0]; j = 0; end = 8 (n − 2)
  ...load(P), ...op.set(PK),
  ...load(P, 8), ...op.set(PN),
  ...load(V), ...load(U), ...op.f64Add, ...op.set(PSIK),
  ...op.get(N), ...op.i32(2), ...op.i32Sub, ...op.i32(8), ...op.i32Mul, ...op.set(END),
  ...op.block,
  ...op.loop,
  ...op.get(J), ...op.get(END), ...op.i32GeU, ...op.brIf(1),
  ...load(P, 16), ...op.set(PNN),
  ...load(V, 8), ...load(U, 8), ...op.f64Add, ...op.set(PSIN),
  ...op.get(PN), ...op.get(PK), ...op.f64Sub, ...op.set(DL),
  ...op.get(PNN), ...op.get(PN), ...op.f64Sub, ...op.set(DR),
  // slopeN = dl·dr > 0 ? (|dl| < |dr| ? dl : dr) : 0
  ...op.get(DL), ...op.get(DR), ...op.get(DL), ...op.f64Abs, ...op.get(DR), ...op.f64Abs, ...op.f64Lt, ...op.select,
  ...op.f64Const(0),
  ...op.get(DL), ...op.get(DR), ...op.f64Mul, ...op.f64Const(0), ...op.f64Gt, ...op.select, ...op.set(SLN),
  ...op.get(COEF), ...op.get(PSIK), ...op.get(PSIN), ...op.f64Sub, ...op.f64Mul, ...op.set(B),
  ...upwindFlux(
    [...op.get(PK), ...op.f64Const(0.5), ...op.get(SLK), ...op.f64Mul, ...op.f64Add],
    [...op.get(PN), ...op.f64Const(0.5), ...op.get(SLN), ...op.f64Mul, ...op.f64Sub],
  ),
  ...combine(0, op.get(PK), [...op.get(FIN), ...op.get(F), ...op.f64Sub]),
  ...op.get(F), ...op.set(FIN),
  ...op.get(PN), ...op.set(PK),
  ...op.get(PNN), ...op.set(PN),
  ...op.get(PSIN), ...op.set(PSIK),
  ...op.get(SLN), ...op.set(SLK),
  ...op.get(J), ...op.i32(8), ...op.i32Add, ...op.set(J),
  ...op.br(0),
  ...op.end,
  ...op.end,
  // the face between the last two cells (the boundary cell has slope 0)
  ...op.get(COEF), ...op.get(PSIK), ...load(V, 8), ...load(U, 8), ...op.f64Add, ...op.f64Sub, ...op.f64Mul, ...op.set(B),
  ...upwindFlux([...op.get(PK), ...op.f64Const(0.5), ...op.get(SLK), ...op.f64Mul, ...op.f64Add], op.get(PN)),
  ...combine(0, op.get(PK), [...op.get(FIN), ...op.get(F), ...op.f64Sub]),
  ...combine(8, op.get(PN), op.get(F)),
];

let compiled: WebAssembly.Module | null = null;

type StageKernel = (P: number, v: number, u: number, S: number, out: number, n: number, coef: number, scale: number, a0: number) => void;

/** A memory with `count` arrays of n ≥ 2 doubles, and the stage kernel working on them. */
export class WasmTransportLine {
  readonly arrays: Float64Array[];
  private readonly kernel: StageKernel;
  private readonly memory: WebAssembly.Memory;

  constructor(
    readonly n: number,
    count: number,
  ) {
    if (n < 2) throw new RangeError(`WasmTransportLine: needs at least 2 cells (got ${n})`);
    compiled ??= new WebAssembly.Module(
      encodeModule(
        [{ name: 'stage', params: [I32, I32, I32, I32, I32, I32, F64, F64, F64], locals: [I32, I32, ...Array<number>(12).fill(F64)], body }],
        1,
      ),
    );
    this.memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil((8 * n * count) / 65536)) });
    this.kernel = new WebAssembly.Instance(compiled, { env: { mem: this.memory } }).exports.stage as StageKernel;
    this.arrays = Array.from({ length: count }, (_, k) => new Float64Array(this.memory.buffer, 8 * n * k, n));
  }

  /** out = P + a0 (S − P) + dt·L(P) as in flux.ts, for arrays from `this.arrays`. */
  stage(P: Float64Array, v: Float64Array, u: Float64Array, S: Float64Array, out: Float64Array, xi: number, h: number, a0: number, dt: number): void {
    this.kernel(P.byteOffset, v.byteOffset, u.byteOffset, S.byteOffset, out.byteOffset, this.n, (2 * xi) / h, dt / h, a0);
  }
}
