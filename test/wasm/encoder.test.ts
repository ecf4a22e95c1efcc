import { describe, expect, it } from 'vitest';
import { encodeModule, F64, FunctionBuilder, I32, kernelMemory, kernelModule, op, V128, type FunctionSpec } from '../../src/wasm/encoder.ts';

/** constant(): returns k (an i32 result; exercises signed LEB128 at its byte boundaries). */
const constant = (k: number): FunctionSpec => ({ name: `c${k < 0 ? 'm' : ''}${Math.abs(k)}`, params: [], results: [I32], locals: [], body: op.i32(k) });

/** sum(at, n): Σ_{j<n} x_j over the doubles at byte offset `at`, left to right (scalar loop). */
function sum(): FunctionSpec {
  const f = new FunctionBuilder('sum', [I32, I32], [F64]);
  const [AT, N] = [0, 1];
  const end = f.local(I32);
  const j = f.local(I32);
  const s = f.local(F64);
  f.emit(op.get(N), op.i32(3), op.i32Shl, op.set(end));
  f.emit(op.block, op.loop, op.get(j), op.get(end), op.i32GeU, op.brIf(1));
  f.emit(op.get(s), op.get(AT), op.get(j), op.i32Add, op.f64Load(), op.f64Add, op.set(s));
  f.emit(op.increment(j, 8), op.br(0), op.end, op.end, op.get(s));
  return f;
}

/** dot2(x, y, n, out): out ← Σ x_j y_j for even n, as two f64x2 partial sums (even, odd) added at the end. */
function dot2(): FunctionSpec {
  const f = new FunctionBuilder('dot2', [I32, I32, I32, I32]);
  const [X, Y, N, OUT] = [0, 1, 2, 3];
  const j = f.local(I32);
  const end = f.local(I32);
  const acc = f.local(V128);
  f.emit(op.get(N), op.i32(3), op.i32Shl, op.set(end), op.v128Zero, op.set(acc));
  f.emit(op.block, op.loop, op.get(j), op.get(end), op.i32GeU, op.brIf(1));
  f.emit(op.get(acc), op.get(X), op.get(j), op.i32Add, op.v128Load(), op.get(Y), op.get(j), op.i32Add, op.v128Load(), op.f64x2Mul, op.f64x2Add, op.set(acc));
  f.emit(op.increment(j, 16), op.br(0), op.end, op.end);
  f.emit(op.get(OUT), op.get(acc), op.f64x2ExtractLane(0), op.get(acc), op.f64x2ExtractLane(1), op.f64Add, op.f64Store());
  return f;
}

/** store(out): writes the constants below at byte offsets 0, 8, … and 200 (an offset of two LEB128 bytes). */
const CONSTANTS = [1 / 3, -0, Number.MIN_VALUE, -Infinity, 2 ** 53 + 2];
function store(): FunctionSpec {
  const body = CONSTANTS.flatMap((x, k) => [...op.get(0), ...op.f64Const(x), ...op.f64Store(8 * k)]);
  return { name: 'store', params: [I32], locals: [], body: [...body, ...op.get(0), ...op.f64Const(7), ...op.f64Store(200)] };
}

const LEB_EDGES = [0, 63, 64, -64, -65, 127, 128, -1, 2 ** 31 - 1, -(2 ** 31)];

describe('WebAssembly encoder', () => {
  const functions = [...LEB_EDGES.map(constant), sum(), dot2(), store()];
  const bytes = encodeModule(functions);
  const instantiate = kernelModule<Record<string, (...args: number[]) => number>>(() => functions);

  it('encodes a module that validates and exports every function', () => {
    expect(WebAssembly.validate(bytes)).toBe(true);
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name);
    expect(exports).toEqual(functions.map((f) => f.name));
  });

  it('i32 constants round-trip through signed LEB128', () => {
    const ex = instantiate(kernelMemory(1, 'test'));
    for (const k of LEB_EDGES) expect(ex[constant(k).name]()).toBe(k);
  });

  it('f64 constants keep their bits; memory offsets of several LEB128 bytes address the right cell', () => {
    const memory = kernelMemory(256, 'test');
    instantiate(memory).store(0);
    const view = new Float64Array(memory.buffer, 0, 26);
    CONSTANTS.forEach((x, k) => expect(Object.is(view[k], x)).toBe(true));
    expect(view[25]).toBe(7);
  });

  it('a scalar loop and an f64x2 loop compute the sums of the same operations in JavaScript, bit for bit', () => {
    const n = 10;
    const memory = kernelMemory(8 * (2 * n + 1), 'test');
    const x = new Float64Array(memory.buffer, 0, n);
    const y = new Float64Array(memory.buffer, 8 * n, n);
    for (let j = 0; j < n; j++) {
      x[j] = Math.sin(j + 1) / 3;
      y[j] = Math.cos(2 * j + 1) * 1e3;
    }
    const ex = instantiate(memory);
    let s = 0;
    for (let j = 0; j < n; j++) s += x[j];
    expect(ex.sum(0, n)).toBe(s);
    ex.dot2(0, 8 * n, n, 16 * n);
    let even = 0;
    let odd = 0;
    for (let j = 0; j < n; j += 2) {
      even += x[j] * y[j];
      odd += x[j + 1] * y[j + 1];
    }
    expect(new Float64Array(memory.buffer, 16 * n, 1)[0]).toBe(even + odd);
  });

  it('instances on different memories are independent', () => {
    const a = kernelMemory(64, 'test');
    const b = kernelMemory(64, 'test');
    new Float64Array(a.buffer, 0, 2).set([1, 2]);
    new Float64Array(b.buffer, 0, 2).set([10, 20]);
    expect([instantiate(a).sum(0, 2), instantiate(b).sum(0, 2)]).toEqual([3, 30]);
  });

  it('a shared memory (SharedArrayBuffer, Atomics work on it) gets the shared-import module, with the same results', () => {
    const shared = kernelMemory(64, 'test', true);
    expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(WebAssembly.validate(encodeModule(functions, true))).toBe(true);
    expect(() => new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: shared } })).toThrow(); // a plain import refuses it
    const plain = kernelMemory(64, 'test');
    for (const m of [shared, plain]) new Float64Array(m.buffer, 0, 3).set([0.1, 0.2, 0.3]);
    expect(instantiate(shared).sum(0, 3)).toBe(instantiate(plain).sum(0, 3));
    const flag = new Int32Array(shared.buffer, 32, 1);
    expect([Atomics.add(flag, 0, 5), Atomics.load(flag, 0)]).toEqual([0, 5]);
  });

  it('kernelMemory rejects more than 4 GiB, naming what needed it', () => {
    expect(() => kernelMemory(2 ** 32 + 1, 'grid buffers')).toThrow(/grid buffers: needs 4294967297 bytes, more than the 4 GiB/);
  });
});
