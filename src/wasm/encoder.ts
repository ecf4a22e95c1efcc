/**
 * A minimal WebAssembly binary encoder, the one every hand-written kernel of the project is assembled
 * with (src/particles/kernels.ts, solvers/flux-wasm*.ts, solvers/interaction/separable-kernels.ts), so
 * that the project needs no wasm toolchain. It covers what those kernels use: one imported memory
 * (env.memory, plain or shared between threads), i32/f32/f64/v128 locals, structured control, i32 address
 * arithmetic, f32, f64, f32x4 and f64x2 arithmetic, i32x4 integer lanes (src/ziggurat.ts).
 * Floats are little-endian IEEE (the wasm format), as is every platform Node runs on.
 *
 * Format reference: the WebAssembly core specification 2.0, chapter 5 "Binary Format" (LEB128 integers
 * §5.2.2, sections §5.5, opcodes §5.4), and the fixed-width SIMD proposal (0xFD-prefixed opcodes, now
 * part of the 2.0 specification).
 *
 * Why WebAssembly at all: V8 reloads and re-checks every typed array's map, length and base pointer after
 * each typed-array store in a loop (≈ 2 ns per stored element), while wasm loads and stores are single
 * instructions; f64x2 then halves the arithmetic (bench/pde.ts, bench/sgd.ts). Every kernel performs IEEE
 * double (or, in src/particles/kernels-f32.ts, single) operations in a fixed order with no fused
 * multiply-add, so its results are deterministic.
 */

/** Value types. */
export const I32 = 0x7f;
export const F64 = 0x7c;
export const F32 = 0x7d;
export const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const vec = (items: readonly (readonly number[])[]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => vec([...new TextEncoder().encode(s)].map((x) => [x]));
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
const simd = (opcode: number): number[] => [0xfd, ...uleb(opcode)];

/**
 * Instructions, each as its bytes. Memory offsets are byte offsets; the alignment hint of a load or
 * store is natural (log2 of its width) unless given (hints never change results, only promise alignment).
 */
export const op = {
  // locals and constants
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  i32: (k: number) => [0x41, ...sleb(k)],
  f64Const: (x: number) => [0x44, ...new Uint8Array(Float64Array.of(x).buffer)],
  f32Const: (x: number) => [0x43, ...new Uint8Array(Float32Array.of(x).buffer)],
  /** local i ← local i + k (i32) */
  increment: (i: number, k: number) => [0x20, ...uleb(i), 0x41, ...sleb(k), 0x6a, 0x21, ...uleb(i)],

  // structured control (block type: empty)
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: [0x05],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  /** [a, b, cond] → cond ≠ 0 ? a : b */
  select: [0x1b],

  // i32
  i32Load: (offset = 0) => [0x28, 2, ...uleb(offset)],
  i32Store: (offset = 0) => [0x36, 2, ...uleb(offset)],
  i32Eqz: [0x45],
  i32Ne: [0x47],
  i32GeS: [0x4e],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32And: [0x71],
  i32Or: [0x72],
  i32Shl: [0x74],
  i32ShrU: [0x76],

  // f64
  f64Load: (offset = 0) => [0x2b, 3, ...uleb(offset)],
  f64Store: (offset = 0) => [0x39, 3, ...uleb(offset)],
  f64Ne: [0x62],
  f64Lt: [0x63],
  f64Gt: [0x64],
  f64Ge: [0x66],
  f64Abs: [0x99],
  f64Add: [0xa0],
  f64Sub: [0xa1],
  f64Mul: [0xa2],
  f64Min: [0xa4],
  f64Max: [0xa5],
  f64ConvertI32U: [0xb8],

  // f32 (and the conversions to and from f64)
  f32Load: (offset = 0) => [0x2a, 2, ...uleb(offset)],
  f32Store: (offset = 0) => [0x38, 2, ...uleb(offset)],
  f32Add: [0x92],
  f32Mul: [0x94],
  f32DemoteF64: [0xb6],
  f64PromoteF32: [0xbb],

  // v128 / f64x2 / f32x4
  v128Load: (offset = 0, alignLog2 = 4) => [...simd(0x00), alignLog2, ...uleb(offset)],
  v128Store: (offset = 0, alignLog2 = 4) => [...simd(0x0b), alignLog2, ...uleb(offset)],
  v128Zero: [...simd(0x0c), ...new Array<number>(16).fill(0)],
  f64x2Splat: simd(0x14),
  f64x2ExtractLane: (lane: 0 | 1) => [...simd(0x21), lane],
  f64x2Add: simd(0xf0),
  f64x2Mul: simd(0xf2),
  /** Lane-wise a ≥ b: all ones where true, zeros where false (or NaN). */
  f64x2Ge: simd(0x4c),
  /** Two f32 from memory into the low half (upper half zero), and their exact promotion to f64x2. */
  v128Load64Zero: (offset = 0, alignLog2 = 2) => [...simd(0x5d), alignLog2, ...uleb(offset)],
  f64x2PromoteLowF32x4: simd(0x5f),
  /** f64x2 rounded to f32 in the low two lanes (upper zero), and the store of that low half. */
  f32x4DemoteF64x2Zero: simd(0x5e),
  v128Store64Lane0: (offset = 0, alignLog2 = 2) => [...simd(0x5b), alignLog2, ...uleb(offset), 0],
  /** bitselect(v1, v2, c) = (v1 & c) | (v2 & ~c). */
  v128Bitselect: simd(0x52),
  f32x4Splat: simd(0x13),
  f32x4ExtractLane: (lane: 0 | 1 | 2 | 3) => [...simd(0x1f), lane],
  f32x4Add: simd(0xe4),
  f32x4Mul: simd(0xe6),

  // i32x4 (shift counts are an i32 operand)
  i32x4Splat: simd(0x11),
  i32x4ExtractLane: (lane: 0 | 1 | 2 | 3) => [...simd(0x1b), lane],
  v128Or: simd(0x50),
  v128Xor: simd(0x51),
  i32x4Shl: simd(0xab),
  i32x4ShrU: simd(0xad),
  i32x4Mul: simd(0xb5),
};

export interface FunctionSpec {
  /** Export name. */
  readonly name: string;
  readonly params: readonly number[];
  /** Result types (none if absent). */
  readonly results?: readonly number[];
  /** Types of the extra locals, in order after the parameters. */
  readonly locals: readonly number[];
  /** Instructions, without the final `end`. */
  readonly body: readonly number[];
}

/** A function assembled instruction by instruction, declaring its locals as they are needed. */
export class FunctionBuilder implements FunctionSpec {
  readonly locals: number[] = [];
  readonly body: number[] = [];

  constructor(
    readonly name: string,
    readonly params: readonly number[],
    readonly results: readonly number[] = [],
  ) {}

  /** A new local of the given type; returns its index. */
  local(type: number): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  /** Appends instructions (as given by `op`). */
  emit(...instructions: readonly (readonly number[])[]): this {
    for (const bytes of instructions) for (const b of bytes) this.body.push(b);
    return this;
  }
}

/** Runs of equal types, as the code section declares locals: [count, type] pairs. */
function localGroups(types: readonly number[]): number[][] {
  const groups: number[][] = [];
  for (const t of types) {
    const last = groups[groups.length - 1];
    if (last && last[1] === t) last[0]++;
    else groups.push([1, t]);
  }
  return groups.map(([count, type]) => [...uleb(count), type]);
}

/**
 * A module importing its memory as env.memory (at least one 64 KiB page) and exporting the given functions.
 * `shared`: the import is a shared memory (limits flag 0x03, which requires a maximum: 4 GiB here), the only
 * kind a WebAssembly.Memory({ shared: true }) can be imported as (threads proposal, now core 3.0).
 */
export function encodeModule(functions: readonly FunctionSpec[], shared = false): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec((f.results ?? []).map((r) => [r]))]);
  const code = functions.map((f) => {
    const bytes = [...vec(localGroups(f.locals)), ...f.body, ...op.end];
    return [...uleb(bytes.length), ...bytes];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...(shared ? [0x03, ...uleb(1), ...uleb(MAX_PAGES)] : [0x00, ...uleb(1)])]])),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(code)),
  ]);
}

const PAGE_BYTES = 65536;
/** Pages of a 32-bit WebAssembly memory (4 GiB). */
const MAX_PAGES = 65536;

/**
 * A fresh memory of at least `bytes` bytes (never grown by the kernels, so typed-array views on it stay
 * valid). Throws a RangeError naming `what` if that exceeds the 4 GiB of a 32-bit memory. `shared`: a
 * memory on a SharedArrayBuffer (maximum = initial), which worker threads can run the same kernels on.
 */
export function kernelMemory(bytes: number, what: string, shared = false): WebAssembly.Memory {
  const pages = Math.max(1, Math.ceil(bytes / PAGE_BYTES));
  if (pages > MAX_PAGES) throw new RangeError(`${what}: needs ${bytes} bytes, more than the 4 GiB of a WebAssembly memory`);
  return new WebAssembly.Memory(shared ? { initial: pages, maximum: pages, shared: true } : { initial: pages });
}

/** Instantiates kernels on a memory; `compiled(shared)` is the module itself (e.g. to post to a thread). */
export interface KernelModule<Exports> {
  (memory: WebAssembly.Memory): Exports;
  compiled(shared: boolean): WebAssembly.Module;
}

/** Whether a memory is shared (its buffer a SharedArrayBuffer). */
export const isShared = (memory: WebAssembly.Memory): boolean => memory.buffer instanceof SharedArrayBuffer;

/**
 * The kernels `functions()` describes, compiled once per memory kind (on the first instantiation: a
 * shared memory needs a module that imports one) and instantiated on a given memory.
 */
export function kernelModule<Exports>(functions: () => readonly FunctionSpec[]): KernelModule<Exports> {
  const modules: Array<WebAssembly.Module | undefined> = [undefined, undefined];
  const compiled = (shared: boolean) => (modules[+shared] ??= new WebAssembly.Module(encodeModule(functions(), shared)));
  const instantiate = (memory: WebAssembly.Memory) => new WebAssembly.Instance(compiled(isShared(memory)), { env: { memory } }).exports as Exports;
  return Object.assign(instantiate, { compiled });
}
