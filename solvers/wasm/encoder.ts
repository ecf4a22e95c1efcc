/**
 * A minimal WebAssembly binary encoder: just enough to emit small numeric kernels (one imported
 * memory, i32/f64/v128 locals, structured loops, f64 and f64x2 arithmetic) without a toolchain.
 * Floats are little-endian IEEE (the wasm format), as is every platform Node runs on.
 * Format reference: the WebAssembly core specification, "Binary Format" (sections, LEB128, opcodes),
 * and the fixed-width SIMD proposal (0xFD-prefixed opcodes). Why WebAssembly at all: V8 reloads and
 * re-checks every typed array's map, length and base pointer after each typed-array store in a loop
 * (≈ 2 ns per stored element on this machine), while wasm loads and stores are single instructions;
 * f64x2 then halves the arithmetic (measured in bench/pde.ts).
 */

export const I32 = 0x7f;
export const F64 = 0x7c;
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

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => vec([...new TextEncoder().encode(s)].map((x) => [x]));
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];

/** Instructions (each returns its bytes). Memory offsets are byte offsets; alignment hints are natural. */
export const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  i32: (k: number) => [0x41, ...sleb(k)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32GeU: [0x4f],
  f64Load: (offset = 0) => [0x2b, 3, ...uleb(offset)],
  f64Store: (offset = 0) => [0x39, 3, ...uleb(offset)],
  f64Const: (x: number) => [0x44, ...new Uint8Array(Float64Array.of(x).buffer)],
  f64Add: [0xa0],
  f64Sub: [0xa1],
  f64Mul: [0xa2],
  f64Abs: [0x99],
  f64Min: [0xa4],
  f64Max: [0xa5],
  f64Lt: [0x63],
  f64Gt: [0x64],
  /** [a, b, cond] → cond ≠ 0 ? a : b */
  select: [0x1b],
  v128Load: (offset = 0) => [0xfd, 0x00, 4, ...uleb(offset)],
  v128Store: (offset = 0) => [0xfd, 0x0b, 4, ...uleb(offset)],
  f64x2Splat: [0xfd, ...uleb(0x14)],
  f64x2ExtractLane: (lane: number) => [0xfd, ...uleb(0x21), lane],
  f64x2Add: [0xfd, ...uleb(0xf0)],
  f64x2Mul: [0xfd, ...uleb(0xf2)],
  /** block … end with no result. */
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
};

export interface FunctionSpec {
  readonly name: string;
  readonly params: readonly number[];
  /** Types of the extra locals, in order after the parameters. */
  readonly locals: readonly number[];
  /** Instructions, without the final `end`. */
  readonly body: readonly number[];
}

/** A module importing memory env.mem (minimum `pages` 64 KiB pages) and exporting the given functions (no results). */
export function encodeModule(functions: readonly FunctionSpec[], pages: number): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec([])]);
  const code = functions.map((f) => {
    const locals = vec(f.locals.map((t) => [1, t]));
    const bytes = [...locals, ...f.body, 0x0b];
    return [...uleb(bytes.length), ...bytes];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, ...uleb(pages)]])),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(code)),
  ]);
}
