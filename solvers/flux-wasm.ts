/**
 * WebAssembly versions of the per-step passes of the finite-volume solver for a grid that is one
 * unit-stride line (1-D problems, the common case):
 *
 *  - stage: the fused MUSCL/minmod stage of solvers/flux.ts,
 *        out_j = P_j + a0 (S_j − P_j) + (Δt/h) (F_{j−½} − F_{j+½}),  b_{j+½} = (2ξ/h)(ψ_j − ψ_{j+1}),  ψ = v + u,
 *    with exactly the arithmetic (and so the rounding) of flux.ts unitLine with minmod; the 2-D test with
 *    a single cell on one axis, which runs the JavaScript kernels, checks that the two agree bit for bit
 *    (solvers/README.md);
 *  - maxDifference: max_j |ψ_{j+1} − ψ_j| (the CFL rate of flux.ts transportRate);
 *  - guard: Σ_j P_j (2v_j + u_j), Σ_j |P_j (2v_j + u_j)| and min_j P_j (the risk guard of finite-volume.ts).
 *
 * The arrays are views on one private memory (never grown, so the views stay valid); scalar results
 * are written to a scratch area after the arrays.
 */
import { F64, I32, kernelMemory, kernelModule, op } from '../src/wasm/encoder.ts';

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

// maxDifference(v, u, n, out) and guard(P, v, u, n, out): parameters, then locals
const difference = (() => {
  const [v, u, n, out, j, end, psik, psin, mx] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const at = (base: number, offset = 0) => [...op.get(base), ...op.get(j), ...op.i32Add, ...op.f64Load(offset)];
  return [
    ...at(v), ...at(u), ...op.f64Add, ...op.set(psik),
    ...op.get(n), ...op.i32(1), ...op.i32Sub, ...op.i32(8), ...op.i32Mul, ...op.set(end),
    ...op.block,
    ...op.loop,
    ...op.get(j), ...op.get(end), ...op.i32GeU, ...op.brIf(1),
    ...at(v, 8), ...at(u, 8), ...op.f64Add, ...op.set(psin),
    ...op.get(mx), ...op.get(psin), ...op.get(psik), ...op.f64Sub, ...op.f64Abs, ...op.f64Max, ...op.set(mx),
    ...op.get(psin), ...op.set(psik),
    ...op.get(j), ...op.i32(8), ...op.i32Add, ...op.set(j),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(out), ...op.get(mx), ...op.f64Store(),
  ];
})();

const guard = (() => {
  const [P_, v, u, n, out, j, end, s, a, mn, p, e] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const at = (base: number) => [...op.get(base), ...op.get(j), ...op.i32Add, ...op.f64Load()];
  return [
    ...op.f64Const(Infinity), ...op.set(mn),
    ...op.get(n), ...op.i32(8), ...op.i32Mul, ...op.set(end),
    ...op.block,
    ...op.loop,
    ...op.get(j), ...op.get(end), ...op.i32GeU, ...op.brIf(1),
    ...at(P_), ...op.set(p),
    ...op.get(p), ...op.f64Const(2), ...at(v), ...op.f64Mul, ...at(u), ...op.f64Add, ...op.f64Mul, ...op.set(e),
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
  ];
})();

type StageKernel = (P: number, v: number, u: number, S: number, out: number, n: number, coef: number, scale: number, a0: number) => void;
type DifferenceKernel = (v: number, u: number, n: number, out: number) => void;
type GuardKernel = (P: number, v: number, u: number, n: number, out: number) => void;
interface Kernels {
  stage: StageKernel;
  maxDifference: DifferenceKernel;
  guard: GuardKernel;
}

const instantiate = kernelModule<Kernels>(() => [
  { name: 'stage', params: [I32, I32, I32, I32, I32, I32, F64, F64, F64], locals: [I32, I32, ...Array<number>(12).fill(F64)], body },
  { name: 'maxDifference', params: [I32, I32, I32, I32], locals: [I32, I32, F64, F64, F64], body: difference },
  { name: 'guard', params: [I32, I32, I32, I32, I32], locals: [I32, I32, F64, F64, F64, F64, F64], body: guard },
]);

/** A memory with `count` arrays of n ≥ 2 doubles, and the kernels working on them. */
export class WasmTransportLine {
  readonly arrays: Float64Array[];
  private readonly kernels: Kernels;
  /** Scalar results, after the arrays. */
  private readonly scratch: Float64Array;

  constructor(
    readonly n: number,
    count: number,
  ) {
    if (n < 2) throw new RangeError(`WasmTransportLine: needs at least 2 cells (got ${n})`);
    const memory = kernelMemory(8 * n * count + 32, `WasmTransportLine (${count} arrays of ${n} cells)`);
    this.kernels = instantiate(memory);
    this.arrays = Array.from({ length: count }, (_, k) => new Float64Array(memory.buffer, 8 * n * k, n));
    this.scratch = new Float64Array(memory.buffer, 8 * n * count, 3);
  }

  /** max_j |(v + u)_{j+1} − (v + u)_j|. */
  maxDifference(v: Float64Array, u: Float64Array): number {
    this.kernels.maxDifference(v.byteOffset, u.byteOffset, this.n, this.scratch.byteOffset);
    return this.scratch[0];
  }

  /** [Σ P(2v + u), Σ |P(2v + u)|, min P] (a view, overwritten by the next call). */
  guard(P: Float64Array, v: Float64Array, u: Float64Array): Float64Array {
    this.kernels.guard(P.byteOffset, v.byteOffset, u.byteOffset, this.n, this.scratch.byteOffset);
    return this.scratch;
  }

  /** out = P + a0 (S − P) + dt·L(P) as in flux.ts, for arrays from `this.arrays`. */
  stage(P: Float64Array, v: Float64Array, u: Float64Array, S: Float64Array, out: Float64Array, xi: number, h: number, a0: number, dt: number): void {
    this.kernels.stage(P.byteOffset, v.byteOffset, u.byteOffset, S.byteOffset, out.byteOffset, this.n, (2 * xi) / h, dt / h, a0);
  }
}
