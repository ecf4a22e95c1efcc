/**
 * The WebAssembly passes of the finite-volume solver for a grid that is one unit-stride line (1-D
 * problems, the common case): the kernels of flux-wasm-nd.ts applied to a single line of n cells,
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
import { kernelMemory } from '../src/wasm/encoder.ts';
import { transportKernels, type KernelArrays, type TransportKernels } from './flux-wasm-nd.ts';

/** A memory with `count` arrays of n ≥ 2 doubles (its own, or `shared`'s), and the kernels working on them. */
export class WasmTransportLine {
  readonly arrays: Float64Array[];
  private readonly kernels: TransportKernels;
  /** Scalar results, after the arrays. */
  private readonly scratch: Float64Array;

  constructor(
    readonly n: number,
    count: number,
    shared?: KernelArrays,
  ) {
    if (n < 2) throw new RangeError(`WasmTransportLine: needs at least 2 cells (got ${n})`);
    const memory = shared?.memory ?? kernelMemory(8 * n * count + WasmTransportLine.SCRATCH_BYTES, `WasmTransportLine (${count} arrays of ${n} cells)`);
    this.kernels = transportKernels(memory);
    this.arrays = shared?.arrays ?? Array.from({ length: count }, (_, k) => new Float64Array(memory.buffer, 8 * n * k, n));
    this.scratch = new Float64Array(memory.buffer, shared?.scratch ?? 8 * n * count, 3);
  }

  /** Bytes of scratch after the arrays (on a `shared` memory, at its `scratch`). */
  static readonly SCRATCH_BYTES = 32;

  /** max_j |(v + u)_{j+1} − (v + u)_j|. */
  maxDifference(v: Float64Array, u: Float64Array): number {
    this.scratch[0] = 0;
    this.kernels.maxLines(v.byteOffset, u.byteOffset, this.n, 1, this.scratch.byteOffset);
    return this.scratch[0];
  }

  /** [Σ P(2v + u), Σ |P(2v + u)|, min P] (a view, overwritten by the next call). */
  guard(P: Float64Array, v: Float64Array, u: Float64Array): Float64Array {
    this.kernels.guard(P.byteOffset, v.byteOffset, u.byteOffset, this.n, this.scratch.byteOffset);
    return this.scratch;
  }

  /** out = P + a0 (S − P) + dt·L(P) as in flux.ts, for arrays from `this.arrays`. */
  stage(P: Float64Array, v: Float64Array, u: Float64Array, S: Float64Array, out: Float64Array, xi: number, h: number, a0: number, dt: number): void {
    this.kernels.linesWrite(P.byteOffset, v.byteOffset, u.byteOffset, S.byteOffset, out.byteOffset, this.n, 1, (2 * xi) / h, dt / h, a0);
  }
}
