/**
 * Single-precision kernels of the particle engine (`particles.precision: "float32"`): the kernels of
 * ./kernels.ts built with f32 lanes, with W, X, Z and the update coefficients C in f32 and f32x4 SIMD
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

import { F32, kernelModule, op } from '../wasm/encoder.ts';
import {
  axpyRowsKernel, dotKernel, DOT_SHAPES, updateKernel, WorkspaceOf,
  type AxpyRowsFn, type DotFn, type LaneKind, type UpdateFn, type WorkspaceOptions,
} from './kernels.ts';

/** f32 lanes for ./kernels.ts `dotKernel`, `updateKernel`, `axpyRowsKernel` (four lanes per f32x4 register). */
const F32_LANES: LaneKind = {
  real: 4, lanes: 4, shift: 2, scalar: F32, vecAdd: op.f32x4Add, vecMul: op.f32x4Mul, splat: op.f32x4Splat,
  extract: (lane) => op.f32x4ExtractLane(lane as 0 | 1 | 2 | 3), add: op.f32Add, mul: op.f32Mul, zero: op.f32Const(0),
  load: (offset = 0) => op.f32Load(offset), store: (offset = 0) => op.f32Store(offset),
};

const instantiate = kernelModule<Record<string, DotFn | UpdateFn | AxpyRowsFn>>(() => [
  ...DOT_SHAPES.map(([R, S]) => dotKernel(R, S, F32_LANES)),
  updateKernel(F32_LANES),
  axpyRowsKernel(F32_LANES),
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
