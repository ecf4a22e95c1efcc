/**
 * Bulk standard normals: four xoshiro128** generators run side by side in the i32x4 lanes of a
 * WebAssembly kernel, and their outputs turned into normals by the ziggurat method of Marsaglia &
 * Tsang (2000) in Doornik's (2005) form, which takes the layer index and the abscissa from
 * independent bits. The stream's version is `NORMAL_SAMPLER` (recorded in every output's provenance).
 *
 * Ziggurat (C = 256 layers of equal area V under f(x) = exp(−x²/2), x ≥ 0): X[1] = R is where the
 * tail starts, X[0] = V / f(R) is the width of the bottom strip (that strip plus the tail beyond R
 * has area V), X[i+1] = f⁻¹(f(X[i]) + V / X[i]) for i ≥ 1 and X[C] = 0. A draw takes a layer i and
 * u uniform in [−1, 1); x = u·X[i] is accepted at once when |u| < X[i+1]/X[i] (the part of layer i
 * that lies under the curve: a fraction mean_i X[i+1]/X[i] = 98.5 % of draws). Otherwise (the slow
 * path, in JS): for i = 0 a draw from the tail |x| > R (Marsaglia 1964: x = −ln U₁ / R,
 * y = −ln U₂, accepted if 2y > x²), for i ≥ 1 the wedge test — x is kept if a uniform height in
 * [f(X[i]), f(X[i+1])] falls under f(x) — and on rejection a fresh draw. The result is exact for the law N(0, 1) up to the 53-bit
 * resolution of u and the rounding of the tables.
 *
 * Bits: each normal consumes two consecutive outputs (h, l) of one lane: i = l mod 256, and
 * u = (h·2²¹ + ⌊l / 2¹¹⌋)·2⁻⁵² − 1 (53 bits, computed exactly in doubles).
 *
 * Stream: normals come in blocks of `BLOCK`; normal 4k + L of a block is the k-th draw of lane L.
 * The kernel writes every fast-path normal and lists the slow cases; JS then completes those in
 * increasing position, drawing the extra uniforms (and redraws) from a fifth generator. So the
 * sequence of normals is a fixed function of the five generators' starting states, whatever the
 * sizes of the requests that consume it.
 *
 * Determinism: integer lane arithmetic, then IEEE double multiplies, subtractions and comparisons
 * in a fixed order (no fused multiply-add, no relaxed SIMD); exp and log only on the slow path,
 * from V8's fdlibm-derived Math, as are the tables (computed once at load).
 */
import { F64, FunctionBuilder, I32, kernelMemory, kernelModule, op, V128 } from './wasm/encoder.ts';

/** The version of the bulk normal stream (provenance field `normalSampler`). */
export const NORMAL_SAMPLER = 'ziggurat-wasm-1';

const LAYER_BITS = 8;
const C = 1 << LAYER_BITS;
/** Marsaglia & Tsang's constants for 256 layers: the tail start R and the layer area V. */
const TAIL_R = 3.6541528853610088;
const LAYER_V = 4.92867323399e-3;

/** X[0..C] and RATIO[i] = X[i+1] / X[i] (module doc). */
export const ZIG_X = new Float64Array(C + 1);
export const ZIG_RATIO = new Float64Array(C);
{
  let f = Math.exp(-0.5 * TAIL_R * TAIL_R);
  ZIG_X[0] = LAYER_V / f;
  ZIG_X[1] = TAIL_R;
  for (let i = 2; i < C; i++) {
    ZIG_X[i] = Math.sqrt(-2 * Math.log(LAYER_V / ZIG_X[i - 1] + f));
    f = Math.exp(-0.5 * ZIG_X[i] * ZIG_X[i]);
  }
  ZIG_X[C] = 0;
  for (let i = 0; i < C; i++) ZIG_RATIO[i] = ZIG_X[i + 1] / ZIG_X[i];
}

/** Normals per kernel call (a multiple of 4). */
export const BLOCK = 1024;

/** The 53-bit signed uniform u ∈ [−1, 1) of a draw from the outputs (h, l) (module doc). */
export function zigguratU(h: number, l: number): number {
  return (h * 2097152 + (l >>> 11)) * 2.220446049250313e-16 - 1;
}

/** The generator the slow path draws from. */
export interface UniformSource {
  nextUint32(): number;
  /** Uniform in [0, 1). */
  uniform(): number;
}

/**
 * Completes a draw (u, layer i) that missed the fast test, with further uniforms and redraws from
 * `g` (module doc). Shared by the kernel's driver and the reference implementation.
 */
export function zigguratSlow(u: number, i: number, g: UniformSource): number {
  for (;;) {
    if (i === 0) {
      // tail beyond R, on the side of u's sign
      let x: number, y: number;
      do {
        x = Math.log(g.uniform()) / TAIL_R;
        y = Math.log(g.uniform());
      } while (-2 * y < x * x);
      return u < 0 ? x - TAIL_R : TAIL_R - x;
    }
    const x = u * ZIG_X[i];
    const xi = ZIG_X[i];
    const xj = ZIG_X[i + 1];
    // f(X[i]) / f(x) and f(X[i+1]) / f(x): keep x if a uniform height between them is below 1
    const f0 = Math.exp(-0.5 * (xi * xi - x * x));
    const f1 = Math.exp(-0.5 * (xj * xj - x * x));
    if (f1 + g.uniform() * (f0 - f1) < 1) return x;
    const h = g.nextUint32();
    const l = g.nextUint32();
    u = zigguratU(h, l);
    i = l & (C - 1);
    if (Math.abs(u) < ZIG_RATIO[i]) return u * ZIG_X[i];
  }
}

// Memory layout (bytes): tables, the lane state (s0..s3 as four i32x4, lane L in word L), the
// list of slow cases (i32: position·C + layer), the block of normals.
const RATIO_AT = 0;
const X_AT = RATIO_AT + 8 * C;
const STATE_AT = X_AT + 8 * (C + 8); // 16-byte aligned
const SLOW_AT = STATE_AT + 64;
const OUT_AT = SLOW_AT + 4 * BLOCK;
const MEMORY_BYTES = OUT_AT + 8 * BLOCK;

/**
 * normals(count) → number of slow cases: count/4 rounds of two xoshiro128** steps in all four
 * lanes (state at STATE_AT), each lane's pair (h, l) giving one ziggurat draw written to OUT_AT.
 */
function normalsKernel(): FunctionBuilder {
  const f = new FunctionBuilder('normals', [I32], [I32]);
  const COUNT = 0;
  const s = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const five = f.local(V128);
  const nine = f.local(V128);
  const t = f.local(V128);
  const out = [f.local(V128), f.local(V128)]; // h and l of the four lanes
  const pos = f.local(I32);
  const nSlow = f.local(I32);
  const h = f.local(I32);
  const l = f.local(I32);
  const layer = f.local(I32);
  const u = f.local(F64);
  const rotl = (k: number) => [
    op.set(t), op.get(t), op.i32(k), op.i32x4Shl, op.get(t), op.i32(32 - k), op.i32x4ShrU, op.v128Or,
  ];

  for (let w = 0; w < 4; w++) f.emit(op.i32(STATE_AT), op.v128Load(16 * w), op.set(s[w]));
  f.emit(op.i32(5), op.i32x4Splat, op.set(five), op.i32(9), op.i32x4Splat, op.set(nine));
  f.emit(op.i32(0), op.set(pos), op.i32(0), op.set(nSlow));
  f.emit(op.block, op.loop);
  {
    f.emit(op.get(pos), op.get(COUNT), op.i32GeU, op.brIf(1));
    for (const r of out) {
      // xoshiro128**: r = rotl(s1·5, 7)·9; t = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11)
      f.emit(op.get(s[1]), op.get(five), op.i32x4Mul, ...rotl(7), op.get(nine), op.i32x4Mul, op.set(r));
      f.emit(op.get(s[2]), op.get(s[0]), op.v128Xor, op.set(s[2]));
      f.emit(op.get(s[3]), op.get(s[1]), op.v128Xor, op.set(s[3]));
      f.emit(op.get(s[1]), op.i32(9), op.i32x4Shl, op.get(s[2]), op.get(s[1]), op.v128Xor, op.set(s[1]));
      f.emit(op.get(s[2]), op.v128Xor, op.set(s[2]));
      f.emit(op.get(s[0]), op.get(s[3]), op.v128Xor, op.set(s[0]));
      f.emit(op.get(s[3]), ...rotl(11), op.set(s[3]));
    }
    for (const lane of [0, 1, 2, 3] as const) {
      f.emit(op.get(out[0]), op.i32x4ExtractLane(lane), op.set(h));
      f.emit(op.get(out[1]), op.i32x4ExtractLane(lane), op.set(l));
      f.emit(op.get(l), op.i32(C - 1), op.i32And, op.set(layer));
      // u = (h·2²¹ + (l >>> 11))·2⁻⁵² − 1
      f.emit(op.get(h), op.f64ConvertI32U, op.f64Const(2097152), op.f64Mul);
      f.emit(op.get(l), op.i32(11), op.i32ShrU, op.f64ConvertI32U, op.f64Add);
      f.emit(op.f64Const(2.220446049250313e-16), op.f64Mul, op.f64Const(1), op.f64Sub, op.set(u));
      const outAddress = [op.get(pos), op.i32(3), op.i32Shl]; // out[pos] is at OUT_AT + 8·pos
      f.emit(op.get(u), op.f64Abs, op.get(layer), op.i32(3), op.i32Shl, op.f64Load(RATIO_AT), op.f64Lt, op.if);
      {
        f.emit(...outAddress, op.get(u), op.get(layer), op.i32(3), op.i32Shl, op.f64Load(X_AT), op.f64Mul, op.f64Store(OUT_AT));
      }
      f.emit(op.else);
      {
        f.emit(...outAddress, op.get(u), op.f64Store(OUT_AT));
        f.emit(op.get(nSlow), op.i32(2), op.i32Shl, op.get(pos), op.i32(LAYER_BITS), op.i32Shl, op.get(layer), op.i32Or, op.i32Store(SLOW_AT));
        f.emit(op.increment(nSlow, 1));
      }
      f.emit(op.end);
      f.emit(op.increment(pos, 1));
    }
    f.emit(op.br(0));
  }
  f.emit(op.end, op.end);
  for (let w = 0; w < 4; w++) f.emit(op.i32(STATE_AT), op.get(s[w]), op.v128Store(16 * w));
  f.emit(op.get(nSlow));
  return f;
}

interface NormalsExports {
  normals(count: number): number;
}

const instantiate = kernelModule<NormalsExports>(() => [normalsKernel()]);

/**
 * One bulk normal stream: its four lanes' state (word w of lane L at lanes[4w + L]), the fifth
 * generator `slow`, and the current block. Each stream owns its memory (one 64 KiB page).
 */
export class ZigguratStream {
  private readonly kernel: NormalsExports;
  private readonly block: Float64Array;
  private readonly slowCases: Int32Array;
  private next = BLOCK;

  constructor(lanes: Uint32Array, private readonly slow: UniformSource) {
    const memory = kernelMemory(MEMORY_BYTES, 'normal sampler');
    new Float64Array(memory.buffer, RATIO_AT, C).set(ZIG_RATIO);
    new Float64Array(memory.buffer, X_AT, C + 1).set(ZIG_X);
    new Uint32Array(memory.buffer, STATE_AT, 16).set(lanes);
    this.block = new Float64Array(memory.buffer, OUT_AT, BLOCK);
    this.slowCases = new Int32Array(memory.buffer, SLOW_AT, BLOCK);
    this.kernel = instantiate(memory);
  }

  /** out[k] = scale·g_k (or out[k] += scale·g_k with `add`) for k in [start, end), consuming the stream in order. */
  fill(out: Float64Array | Float32Array, scale: number, start: number, end: number, add: boolean): void {
    const block = this.block;
    let k = start;
    while (k < end) {
      if (this.next === BLOCK) this.refill();
      const p = this.next - k;
      const stop = Math.min(end, k + BLOCK - this.next);
      if (add) for (; k < stop; k++) out[k] += scale * block[k + p];
      else for (; k < stop; k++) out[k] = scale * block[k + p];
      this.next = stop + p;
    }
  }

  private refill(): void {
    const n = this.kernel.normals(BLOCK);
    const block = this.block;
    for (let r = 0; r < n; r++) {
      const code = this.slowCases[r];
      const pos = code >>> LAYER_BITS;
      block[pos] = zigguratSlow(block[pos], code & (C - 1), this.slow);
    }
    this.next = 0;
  }
}
