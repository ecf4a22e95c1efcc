/**
 * The kernels of the particle engine, as a small WebAssembly module using 128-bit SIMD (f64x2),
 * assembled here byte by byte so that the project needs no wasm toolchain.
 *
 *   dot:     Z[i·B + b] = Σ_j W[i·d + j] X[b·d + j]            i < n, b < B   (Z = W Xᵀ, N×B)
 *   update:  W[r_k·d + j] += Σ_{e ∈ [ptr_k, ptr_{k+1})} C_e X[col_e·d + j]    k < nActive
 *            (W += C X with C sparse, stored by active rows: the rows whose σ' vanished for every
 *            sample of the batch are not listed and cost nothing)
 *   activate: for a piecewise-linear σ, the pass over the N×B pre-activations that forms
 *            Σ_i a_i σ(z_ib + b_i) and lists the (i, b) with σ' ≠ 0 (scalar, branch-free)
 *
 * Why wasm: V8's scalar code reaches ~1 GFMA/s on these loops, the f64x2 kernels ~4–7 GFMA/s.
 * Every operation is an IEEE double multiply or add in a fixed order, so results are
 * deterministic (the same bits on every run, thread and worker). They differ from a naive
 * left-to-right scalar sum only by rounding (tested against `referenceDot`/`referenceUpdate`).
 *
 * Register blocking of `dot`: R rows × S samples per block (R·S independent f64x2 accumulators),
 * with S = 1, R = 6 for B = 1 (mat-vec) and S = 4, R = 2 for B ≥ 4; leftovers use R = 1 / S = 1
 * kernels. Each accumulator holds the even and odd partial sums of one dot product; an odd d adds
 * its last term in scalar code.
 *
 * Memory: all arrays live in one WebAssembly.Memory owned by a `KernelWorkspace`; the Float64Array
 * / Int32Array views it hands out stay valid because the memory never grows.
 */

import type { PiecewiseLinearShape } from '../types.ts';

// ---------------------------------------------------------------------------------------------
// A minimal WebAssembly binary encoder (only what the kernels below use).

const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;

function uleb(n: number, out: number[]): void {
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
}

function sleb(n: number, out: number[]): void {
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

/** Instruction emitter for one function body. Locals are declared by type and addressed by index. */
class Body {
  readonly code: number[] = [];
  private readonly localTypes: number[] = [];
  constructor(private readonly nParams: number) {}

  local(type: number): number {
    this.localTypes.push(type);
    return this.nParams + this.localTypes.length - 1;
  }
  get(i: number): this { return this.op(0x20).u(i); }
  set(i: number): this { return this.op(0x21).u(i); }
  i32(v: number): this { this.code.push(0x41); sleb(v | 0, this.code); return this; }
  op(...bytes: number[]): this { this.code.push(...bytes); return this; }
  u(v: number): this { uleb(v, this.code); return this; }
  simd(opcode: number): this { this.code.push(0xfd); uleb(opcode, this.code); return this; }
  /** memarg: alignment exponent and byte offset. */
  mem(align: number, offset: number): this { return this.u(align).u(offset); }

  // Structured control (block type: empty).
  block(): this { return this.op(0x02, 0x40); }
  loop(): this { return this.op(0x03, 0x40); }
  if(): this { return this.op(0x04, 0x40); }
  end(): this { return this.op(0x0b); }
  br(depth: number): this { return this.op(0x0c).u(depth); }
  brIf(depth: number): this { return this.op(0x0d).u(depth); }

  // i32 arithmetic / comparison.
  add(): this { return this.op(0x6a); }
  mul(): this { return this.op(0x6c); }
  shl(): this { return this.op(0x74); }
  and(): this { return this.op(0x71); }
  eqz(): this { return this.op(0x45); }
  ltU(): this { return this.op(0x49); }
  geU(): this { return this.op(0x4f); }
  gtS(): this { return this.op(0x4a); }
  geS(): this { return this.op(0x4e); }
  loadI32(offset = 0): this { return this.op(0x28).mem(2, offset); }
  storeI32(offset = 0): this { return this.op(0x36).mem(2, offset); }
  neI32(): this { return this.op(0x47); }

  // f64 scalar.
  loadF64(offset = 0): this { return this.op(0x2b).mem(3, offset); }
  storeF64(offset = 0): this { return this.op(0x39).mem(3, offset); }
  addF64(): this { return this.op(0xa0); }
  mulF64(): this { return this.op(0xa2); }
  zeroF64(): this { return this.op(0x44, 0, 0, 0, 0, 0, 0, 0, 0); }
  geF64(): this { return this.op(0x66); }
  neF64(): this { return this.op(0x62); }

  // f64x2 SIMD (alignment hint 8 bytes: rows need not be 16-byte aligned).
  loadV(offset = 0): this { return this.simd(0x00).mem(3, offset); }
  storeV(offset = 0): this { return this.simd(0x0b).mem(3, offset); }
  zeroV(): this { this.simd(0x0c); for (let k = 0; k < 16; k++) this.code.push(0); return this; }
  splat(): this { return this.simd(0x14); }
  lane(k: 0 | 1): this { return this.simd(0x21).op(k); }
  addV(): this { return this.simd(0xf0); }
  mulV(): this { return this.simd(0xf2); }

  /** local += (i32 constant or local value) */
  inc(local: number, by: number, byIsLocal = false): this {
    this.get(local);
    if (byIsLocal) this.get(by);
    else this.i32(by);
    return this.add().set(local);
  }

  encode(): number[] {
    const out: number[] = [];
    // Group consecutive locals of equal type.
    const groups: Array<[number, number]> = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(groups.length, out);
    for (const [count, type] of groups) {
      uleb(count, out);
      out.push(type);
    }
    out.push(...this.code, 0x0b);
    const sized: number[] = [];
    uleb(out.length, sized);
    return sized.concat(out);
  }
}

function section(id: number, payload: number[]): number[] {
  const out = [id];
  uleb(payload.length, out);
  return out.concat(payload);
}

function name(s: string, out: number[]): void {
  uleb(s.length, out);
  for (let k = 0; k < s.length; k++) out.push(s.charCodeAt(k));
}

// ---------------------------------------------------------------------------------------------
// Kernel bodies.

/**
 * dot_RxS(w, x, z, nBlocks, d, B): for nBlocks blocks of R consecutive rows starting at byte offset
 * w, and S consecutive samples starting at x, writes z[r·B + s] (z a byte offset, row stride B).
 */
function dotKernel(R: number, S: number): Body {
  const f = new Body(6);
  const [W, X, Z, NB, D, BS] = [0, 1, 2, 3, 4, 5];
  const rowBytes = f.local(I32);
  const pairBytes = f.local(I32); // 16 · floor(d/2)
  const zStride = f.local(I32);
  const j = f.local(I32);
  const rows = Array.from({ length: R }, () => f.local(I32));
  const xs = Array.from({ length: S }, () => f.local(I32));
  const wv = f.local(V128);
  const xv = Array.from({ length: S }, () => f.local(V128));
  const acc = Array.from({ length: R * S }, () => f.local(V128));
  const tail = f.local(F64);

  f.get(D).i32(3).shl().set(rowBytes);
  f.get(D).i32(-2).and().i32(3).shl().set(pairBytes);
  f.get(BS).i32(3).shl().set(zStride);
  for (let s = 0; s < S; s++) {
    f.get(X);
    if (s > 0) f.get(rowBytes).i32(s).mul().add();
    f.set(xs[s]);
  }
  f.block().loop();
  {
    f.get(NB).eqz().brIf(1);
    for (let r = 0; r < R; r++) {
      f.get(W);
      if (r > 0) f.get(rowBytes).i32(r).mul().add();
      f.set(rows[r]);
    }
    for (const a of acc) f.zeroV().set(a);
    f.i32(0).set(j);
    // Pairs: while j < pairBytes.
    f.block().loop();
    {
      f.get(j).get(pairBytes).geU().brIf(1);
      for (let s = 0; s < S; s++) f.get(xs[s]).get(j).add().loadV().set(xv[s]);
      for (let r = 0; r < R; r++) {
        f.get(rows[r]).get(j).add().loadV().set(wv);
        for (let s = 0; s < S; s++) {
          const a = acc[r * S + s];
          f.get(a).get(wv).get(xv[s]).mulV().addV().set(a);
        }
      }
      f.inc(j, 16).br(0);
    }
    f.end().end();
    // Horizontal sums (+ the odd last term), stored to z.
    for (let r = 0; r < R; r++) {
      for (let s = 0; s < S; s++) {
        const a = acc[r * S + s];
        f.zeroF64().set(tail);
        f.get(D).i32(1).and().if();
        f.get(rows[r]).get(pairBytes).add().loadF64().get(xs[s]).get(pairBytes).add().loadF64().mulF64().set(tail);
        f.end();
        f.get(Z);
        if (r > 0) f.get(zStride).i32(r).mul().add();
        f.get(a).lane(0).get(a).lane(1).addF64().get(tail).addF64().storeF64(8 * s);
      }
    }
    f.get(W).get(rowBytes).i32(R).mul().add().set(W);
    f.get(Z).get(zStride).i32(R).mul().add().set(Z);
    f.get(NB).i32(-1).add().set(NB);
    f.br(0);
  }
  f.end().end();
  return f;
}

/**
 * update(w, x, d, rows, ptr, cols, coef, nActive): for each active row k (index rows[k]) and each
 * column chunk, loads the row chunk once, adds Σ_e coef[e]·x[cols[e]] chunk by chunk, stores it.
 * Chunks of 8 doubles (4 f64x2 registers), then of 2, then one scalar for an odd d.
 * All pointer arguments are byte offsets; rows/ptr/cols are i32 arrays, coef f64.
 */
function updateKernel(): Body {
  const f = new Body(8);
  const [W, X, D, ROWS, PTR, COLS, COEF, NA] = [0, 1, 2, 3, 4, 5, 6, 7];
  const rowBytes = f.local(I32);
  const k = f.local(I32);
  const row = f.local(I32);
  const e0 = f.local(I32);
  const e1 = f.local(I32);
  const e = f.local(I32);
  const j = f.local(I32);
  const end8 = f.local(I32);
  const end2 = f.local(I32);
  const xr = f.local(I32);
  const c = f.local(V128);
  const acc = Array.from({ length: 4 }, () => f.local(V128));
  const s = f.local(F64);

  f.get(D).i32(3).shl().set(rowBytes);
  f.get(D).i32(-8).and().i32(3).shl().set(end8);
  f.get(D).i32(-2).and().i32(3).shl().set(end2);
  f.i32(0).set(k);
  f.block().loop();
  {
    f.get(k).get(NA).geS().brIf(1);
    // row = w + rows[k]·rowBytes; e0 = ptr[k]; e1 = ptr[k+1]
    f.get(W).get(ROWS).get(k).i32(2).shl().add().loadI32().get(rowBytes).mul().add().set(row);
    f.get(PTR).get(k).i32(2).shl().add().loadI32().set(e0);
    f.get(PTR).get(k).i32(2).shl().add().loadI32(4).set(e1);
    f.i32(0).set(j);
    // Chunks of 8.
    f.block().loop();
    {
      f.get(j).get(end8).geU().brIf(1);
      for (let q = 0; q < 4; q++) f.get(row).get(j).add().loadV(16 * q).set(acc[q]);
      f.get(e0).set(e);
      f.block().loop();
      {
        f.get(e).get(e1).geS().brIf(1);
        f.get(COEF).get(e).i32(3).shl().add().loadF64().splat().set(c);
        f.get(X).get(COLS).get(e).i32(2).shl().add().loadI32().get(rowBytes).mul().add().get(j).add().set(xr);
        for (let q = 0; q < 4; q++) f.get(acc[q]).get(c).get(xr).loadV(16 * q).mulV().addV().set(acc[q]);
        f.inc(e, 1).br(0);
      }
      f.end().end();
      for (let q = 0; q < 4; q++) f.get(row).get(j).add().get(acc[q]).storeV(16 * q);
      f.inc(j, 64).br(0);
    }
    f.end().end();
    // Chunks of 2.
    f.block().loop();
    {
      f.get(j).get(end2).geU().brIf(1);
      f.get(row).get(j).add().loadV().set(acc[0]);
      f.get(e0).set(e);
      f.block().loop();
      {
        f.get(e).get(e1).geS().brIf(1);
        f.get(COEF).get(e).i32(3).shl().add().loadF64().splat().set(c);
        f.get(X).get(COLS).get(e).i32(2).shl().add().loadI32().get(rowBytes).mul().add().get(j).add().set(xr);
        f.get(acc[0]).get(c).get(xr).loadV().mulV().addV().set(acc[0]);
        f.inc(e, 1).br(0);
      }
      f.end().end();
      f.get(row).get(j).add().get(acc[0]).storeV();
      f.inc(j, 16).br(0);
    }
    f.end().end();
    // Odd last element.
    f.get(D).i32(1).and().if();
    {
      f.get(row).get(j).add().loadF64().set(s);
      f.get(e0).set(e);
      f.block().loop();
      {
        f.get(e).get(e1).geS().brIf(1);
        f.get(s);
        f.get(COEF).get(e).i32(3).shl().add().loadF64();
        f.get(X).get(COLS).get(e).i32(2).shl().add().loadI32().get(rowBytes).mul().add().get(j).add().loadF64();
        f.mulF64().addF64().set(s);
        f.inc(e, 1).br(0);
      }
      f.end().end();
      f.get(row).get(j).add().get(s).storeF64();
    }
    f.end();
    f.inc(k, 1).br(0);
  }
  f.end().end();
  return f;
}

/**
 * activate(z, b, a, n, B, table, m, res, sig, writeSig, rows, ptr, cols, coef) → nActive, for a
 * piecewise-linear σ tabulated at `table` as knots t_0…t_{m−1}, then intercepts α_0…α_m, then
 * slopes s_0…s_m (piece j = #{k : z ≥ t_k}, so knots belong to the piece on their right):
 *   for i < n, q < B:  ζ = z[i·B+q] + b[i];  v = α_j + s_j ζ;  res[q] += a[i] v;  sig[i·B+q] = v (if writeSig);
 *                      if s_j ≠ 0: append (q, s_j) to row i of the CSR arrays (rows, ptr, cols, coef).
 * Branch-free piece search and CSR append (the data decide which units are active).
 */
function activateKernel(single: boolean): Body {
  const f = new Body(14);
  const [Z, BIAS, A, N, BS, TABLE, M, RES, SIG, WSIG, ROWS, PTR, COLS, COEF] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const i = f.local(I32);
  const q = f.local(I32);
  const idx = f.local(I32); // i·B + q
  const e = f.local(I32);
  const na = f.local(I32);
  const start = f.local(I32);
  const j = f.local(I32);
  const k = f.local(I32);
  const alpha = f.local(I32);
  const slope = f.local(I32);
  const zi = f.local(F64);
  const ai = f.local(F64);
  const bi = f.local(F64);
  const v = f.local(F64);
  const dv = f.local(F64);
  const sum = f.local(F64); // B = 1: Σ a_i σ in a register (no store-to-load chain through res)

  f.get(TABLE).get(M).i32(3).shl().add().set(alpha);
  f.get(alpha).get(M).i32(3).shl().add().i32(8).add().set(slope);
  f.get(PTR).i32(0).storeI32();
  f.block().loop();
  {
    f.get(i).get(N).geS().brIf(1);
    f.get(A).get(i).i32(3).shl().add().loadF64().set(ai);
    f.get(BIAS).get(i).i32(3).shl().add().loadF64().set(bi);
    f.get(e).set(start);
    f.i32(0).set(q);
    f.block().loop();
    {
      f.get(q).get(BS).geS().brIf(1);
      f.get(Z).get(idx).i32(3).shl().add().loadF64().get(bi).addF64().set(zi);
      // j = Σ_k [ζ ≥ t_k]
      f.i32(0).set(j);
      f.i32(0).set(k);
      f.block().loop();
      {
        f.get(k).get(M).geS().brIf(1);
        f.get(j).get(zi).get(TABLE).get(k).i32(3).shl().add().loadF64().geF64().add().set(j);
        f.inc(k, 1).br(0);
      }
      f.end().end();
      f.get(slope).get(j).i32(3).shl().add().loadF64().set(dv);
      f.get(alpha).get(j).i32(3).shl().add().loadF64().get(dv).get(zi).mulF64().addF64().set(v);
      f.get(WSIG).if();
      f.get(SIG).get(idx).i32(3).shl().add().get(v).storeF64();
      f.end();
      if (single) {
        f.get(sum).get(ai).get(v).mulF64().addF64().set(sum);
      } else {
        f.get(RES).get(q).i32(3).shl().add();
        f.get(RES).get(q).i32(3).shl().add().loadF64().get(ai).get(v).mulF64().addF64();
        f.storeF64();
      }
      f.get(COLS).get(e).i32(2).shl().add().get(q).storeI32();
      f.get(COEF).get(e).i32(3).shl().add().get(dv).storeF64();
      f.get(e).get(dv).zeroF64().neF64().add().set(e);
      f.inc(idx, 1).inc(q, 1).br(0);
    }
    f.end().end();
    f.get(ROWS).get(na).i32(2).shl().add().get(i).storeI32();
    f.get(PTR).get(na).i32(2).shl().add().get(e).storeI32(4);
    f.get(na).get(e).get(start).neI32().add().set(na);
    f.inc(i, 1).br(0);
  }
  f.end().end();
  if (single) f.get(RES).get(sum).storeF64();
  f.get(na);
  return f;
}

/**
 * axpyRows(w, x, d, rows, coef, nActive): the B = 1 case of `update` (one entry per active row,
 * coef[k] for row rows[k]): w_{rows[k]} += coef[k] · x, in chunks of 4 doubles, then 2, then 1.
 * Same operations per element as `update`, hence the same bits.
 */
function axpyRowsKernel(): Body {
  const f = new Body(6);
  const [W, X, D, ROWS, COEF, NA] = [0, 1, 2, 3, 4, 5];
  const rowBytes = f.local(I32);
  const end4 = f.local(I32);
  const end2 = f.local(I32);
  const k = f.local(I32);
  const row = f.local(I32);
  const j = f.local(I32);
  const c = f.local(V128);
  f.get(D).i32(3).shl().set(rowBytes);
  f.get(D).i32(-4).and().i32(3).shl().set(end4);
  f.get(D).i32(-2).and().i32(3).shl().set(end2);
  f.block().loop();
  {
    f.get(k).get(NA).geS().brIf(1);
    f.get(W).get(ROWS).get(k).i32(2).shl().add().loadI32().get(rowBytes).mul().add().set(row);
    f.get(COEF).get(k).i32(3).shl().add().loadF64().splat().set(c);
    f.i32(0).set(j);
    for (const [end, step] of [[end4, 32], [end2, 16]] as const) {
      f.block().loop();
      {
        f.get(j).get(end).geU().brIf(1);
        for (let h = 0; h < step; h += 16) {
          f.get(row).get(j).add();
          f.get(row).get(j).add().loadV(h).get(c).get(X).get(j).add().loadV(h).mulV().addV();
          f.storeV(h);
        }
        f.inc(j, step).br(0);
      }
      f.end().end();
    }
    f.get(D).i32(1).and().if();
    {
      f.get(row).get(j).add();
      f.get(row).get(j).add().loadF64().get(COEF).get(k).i32(3).shl().add().loadF64().get(X).get(j).add().loadF64().mulF64().addF64();
      f.storeF64();
    }
    f.end();
    f.inc(k, 1).br(0);
  }
  f.end().end();
  return f;
}

const DOT_SHAPES: ReadonlyArray<readonly [number, number]> = [
  [6, 1],
  [1, 1],
  [2, 4],
  [1, 4],
];

function assemble(): Uint8Array<ArrayBuffer> {
  const bodies: Array<{ name: string; body: Body; params: number[]; results: number[] }> = [];
  const i32s = (count: number) => new Array<number>(count).fill(I32);
  for (const [R, S] of DOT_SHAPES) bodies.push({ name: `dot${R}x${S}`, body: dotKernel(R, S), params: i32s(6), results: [] });
  bodies.push({ name: 'update', body: updateKernel(), params: i32s(8), results: [] });
  bodies.push({ name: 'axpyRows', body: axpyRowsKernel(), params: i32s(6), results: [] });
  bodies.push({ name: 'activate', body: activateKernel(false), params: i32s(14), results: [I32] });
  bodies.push({ name: 'activate1', body: activateKernel(true), params: i32s(14), results: [I32] });

  const typeSec: number[] = [];
  uleb(bodies.length, typeSec);
  for (const { params, results } of bodies) {
    typeSec.push(0x60);
    uleb(params.length, typeSec);
    typeSec.push(...params);
    uleb(results.length, typeSec);
    typeSec.push(...results);
  }
  const importSec: number[] = [1];
  name('env', importSec);
  name('memory', importSec);
  importSec.push(0x02, 0x00, 0x01); // memory, limits {min: 1}, no max
  const funcSec: number[] = [];
  uleb(bodies.length, funcSec);
  bodies.forEach((_, i) => uleb(i, funcSec));
  const exportSec: number[] = [];
  uleb(bodies.length, exportSec);
  bodies.forEach(({ name: n }, i) => {
    name(n, exportSec);
    exportSec.push(0x00);
    uleb(i, exportSec);
  });
  const codeSec: number[] = [];
  uleb(bodies.length, codeSec);
  for (const { body } of bodies) codeSec.push(...body.encode());

  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, typeSec),
    ...section(2, importSec),
    ...section(3, funcSec),
    ...section(7, exportSec),
    ...section(10, codeSec),
  ]);
}

let compiled: WebAssembly.Module | null = null;
function kernelModule(): WebAssembly.Module {
  if (!compiled) compiled = new WebAssembly.Module(assemble());
  return compiled;
}

type DotFn = (w: number, x: number, z: number, nBlocks: number, d: number, B: number) => void;
type UpdateFn = (w: number, x: number, d: number, rows: number, ptr: number, cols: number, coef: number, nActive: number) => void;
type AxpyRowsFn = (w: number, x: number, d: number, rows: number, coef: number, nActive: number) => void;
type ActivateFn = (
  z: number, b: number, a: number, n: number, B: number, table: number, m: number,
  res: number, sig: number, writeSig: number, rows: number, ptr: number, cols: number, coef: number,
) => number;

const PAGE = 65536;
const MAX_BYTES = 4 * 1024 * 1024 * 1024 - PAGE;

/**
 * Memory and views for one simulation of N units in dimension d with batch B:
 * `w` (N×d), `a`, `b` (N), `x` (B×d), `z` (N×B), the sparse update in CSR form by active rows — `rows` (≤ N),
 * `ptr` (≤ N + 1), `cols` and `coef` (≤ N·B) — and, for a piecewise-linear σ with `knots` knots,
 * its table, the batch sums `res` (B) and the values `sig` (N×B).
 */
export class KernelWorkspace {
  readonly w: Float64Array;
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly x: Float64Array;
  readonly z: Float64Array;
  readonly rows: Int32Array;
  readonly ptr: Int32Array;
  readonly cols: Int32Array;
  readonly coef: Float64Array;
  readonly res: Float64Array;
  readonly sig: Float64Array;
  private readonly table: Float64Array;
  private readonly offsets: Record<'w' | 'a' | 'b' | 'x' | 'z' | 'coef' | 'res' | 'sig' | 'table' | 'rows' | 'ptr' | 'cols', number>;
  private readonly dots: Record<string, DotFn>;
  private readonly updateFn: UpdateFn;
  private readonly activateFn: ActivateFn;
  private readonly activate1Fn: ActivateFn;
  private readonly axpyRowsFn: AxpyRowsFn;

  constructor(readonly n: number, readonly d: number, readonly batch: number, readonly knots = 0) {
    const sizes = {
      w: 8 * n * d, a: 8 * n, b: 8 * n, x: 8 * batch * d, z: 8 * n * batch, coef: 8 * n * batch, res: 8 * batch,
      sig: knots > 0 ? 8 * n * batch : 0, table: 8 * (3 * knots + 2),
      rows: 4 * n, ptr: 4 * (n + 1), cols: 4 * n * batch,
    };
    let at = 0;
    const off = {} as Record<keyof typeof sizes, number>;
    for (const key of Object.keys(sizes) as Array<keyof typeof sizes>) {
      off[key] = at;
      at += Math.ceil(sizes[key] / 16) * 16;
    }
    if (at > MAX_BYTES) {
      throw new RangeError(`particles: N·d·8 + … = ${at} bytes exceeds the 4 GiB WebAssembly memory limit (N=${n}, d=${d}, B=${batch})`);
    }
    const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(at / PAGE)) });
    const exports = new WebAssembly.Instance(kernelModule(), { env: { memory } }).exports as unknown as Record<string, DotFn | UpdateFn | ActivateFn | AxpyRowsFn>;
    this.dots = {};
    for (const [R, S] of DOT_SHAPES) this.dots[`${R}x${S}`] = exports[`dot${R}x${S}`] as DotFn;
    this.updateFn = exports.update as UpdateFn;
    this.activateFn = exports.activate as ActivateFn;
    this.activate1Fn = exports.activate1 as ActivateFn;
    this.axpyRowsFn = exports.axpyRows as AxpyRowsFn;
    const buf = memory.buffer;
    this.offsets = off;
    this.w = new Float64Array(buf, off.w, n * d);
    this.a = new Float64Array(buf, off.a, n);
    this.b = new Float64Array(buf, off.b, n);
    this.x = new Float64Array(buf, off.x, batch * d);
    this.z = new Float64Array(buf, off.z, n * batch);
    this.coef = new Float64Array(buf, off.coef, n * batch);
    this.res = new Float64Array(buf, off.res, batch);
    this.sig = new Float64Array(buf, off.sig, sizes.sig / 8);
    this.table = new Float64Array(buf, off.table, 3 * knots + 2);
    this.rows = new Int32Array(buf, off.rows, n);
    this.ptr = new Int32Array(buf, off.ptr, n + 1);
    this.cols = new Int32Array(buf, off.cols, n * batch);
  }

  /**
   * Tabulates a piecewise-linear σ (as many knots as given to the constructor): per piece j
   * (j = #{k : t ≥ t_k}) the slope s_j and intercept α_j, σ = α_j + s_j t.
   */
  setPiecewiseLinear(shape: PiecewiseLinearShape): void {
    const m = this.knots;
    const { knots: t, values: y, leftSlope, rightSlope } = shape;
    if (m === 0 || t.length !== m || y.length !== m) throw new RangeError(`kernels: workspace made for ${m} knots, got ${t.length}`);
    const tab = this.table;
    for (let k = 0; k < m; k++) tab[k] = t[k];
    // Piece j: slope s_j, through the knot t_k at its left end (k = j − 1; piece 0 through t_0).
    const setPiece = (j: number, slope: number, k: number) => {
      tab[2 * m + 1 + j] = slope;
      tab[m + j] = y[k] - slope * t[k];
    };
    setPiece(0, leftSlope, 0);
    for (let j = 1; j < m; j++) setPiece(j, (y[j] - y[j - 1]) / (t[j] - t[j - 1]), j - 1);
    setPiece(m, rightSlope, m - 1);
  }

  /**
   * With the tabulated σ and the workspace's a, b: res[q] = Σ_i a_i σ(z_iq + b_i), sig = σ values (if writeSig), and the
   * CSR arrays listing every (i, q) with σ'(z_iq + b_i) ≠ 0 with coef = σ'. Returns the number of
   * active rows.
   */
  activate(writeSig: boolean): number {
    const o = this.offsets;
    const { n, batch: B } = this;
    this.res.fill(0);
    return (B === 1 ? this.activate1Fn : this.activateFn)(o.z, o.b, o.a, n, B, o.table, this.knots, o.res, o.sig, writeSig ? 1 : 0, o.rows, o.ptr, o.cols, o.coef);
  }

  /** z[i·B + b] = <w_i, x_b> for all i < N, b < B (biases not included). */
  dot(): void {
    const B = this.batch;
    let b = 0;
    if (B >= 4) for (; b + 4 <= B; b += 4) this.dotBlock(2, this.dots['2x4'], this.dots['1x4'], b);
    for (; b < B; b++) this.dotBlock(6, this.dots['6x1'], this.dots['1x1'], b);
  }

  /** Samples b … b+S−1 against all rows: blocks of R rows (R×S kernel), then single rows (1×S). */
  private dotBlock(R: number, block: DotFn, single: DotFn, b: number): void {
    const { n, d, batch: B } = this;
    const o = this.offsets;
    const blocks = Math.floor(n / R);
    const done = blocks * R;
    const xb = o.x + 8 * d * b;
    const zb = o.z + 8 * b;
    block(o.w, xb, zb, blocks, d, B);
    if (done < n) single(o.w + 8 * d * done, xb, zb + 8 * B * done, n - done, d, B);
  }

  /**
   * w_{rows[k]} += Σ_{e = ptr[k]}^{ptr[k+1]−1} coef[e] · x_{cols[e]} for k < nActive
   * (fill rows/ptr/cols/coef first; ptr[0] must be 0). With B = 1 every listed row must have
   * exactly one entry (ptr[k] = k), and the `axpyRows` kernel is used.
   */
  update(nActive: number): void {
    const o = this.offsets;
    if (this.batch === 1) this.axpyRowsFn(o.w, o.x, this.d, o.rows, o.coef, nActive);
    else this.updateFn(o.w, o.x, this.d, o.rows, o.ptr, o.cols, o.coef, nActive);
  }
}

/** Plain scalar reference for `KernelWorkspace.dot` (left-to-right sums). */
export function referenceDot(w: Float64Array, x: Float64Array, z: Float64Array, n: number, d: number, B: number): void {
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < B; b++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += w[i * d + j] * x[b * d + j];
      z[i * B + b] = s;
    }
  }
}

/** Plain scalar reference for `KernelWorkspace.update`. */
export function referenceUpdate(
  w: Float64Array, x: Float64Array, d: number,
  rows: Int32Array, ptr: Int32Array, cols: Int32Array, coef: Float64Array, nActive: number,
): void {
  for (let k = 0; k < nActive; k++) {
    const row = rows[k];
    for (let e = ptr[k]; e < ptr[k + 1]; e++) {
      for (let j = 0; j < d; j++) w[row * d + j] += coef[e] * x[cols[e] * d + j];
    }
  }
}
