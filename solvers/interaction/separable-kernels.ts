/**
 * WebAssembly (f64x2) kernels of the separable interaction (solvers/interaction/separable.ts) for a
 * block of B ∈ {8, 4, 2, 1} features stored feature-major (Φ_f(x_j) at byte fBase + f·stride + 8j):
 *
 *   moments{B}(fBase, stride, mass, nBytes, aBase):  A_f = Σ_j Φ_f(x_j) P_j   → f64 at aBase + 8f
 *   output{B}(fBase, stride, out, nBytes, cBase):    out_j += Σ_f c_f Φ_f(x_j)  (c_f: f64 at cBase + 8f)
 *   outputWrite{B}(…):                                out_j  = Σ_f c_f Φ_f(x_j)  (the first block: no zeroing pass)
 *
 * over the cell pairs j < nBytes/8 (nBytes a multiple of 16: an odd last cell is left to the caller).
 * All arguments are byte offsets into the imported memory. Each pass loads a mass (or output) pair once
 * per block of B features. outputWrite starts each pair's sum from a +0 register where output loads
 * it: the same additions as output on a zeroed `out` (whose loads give +0), so both give the same bits.
 */
import { I32, kernelMemory, kernelModule, op, V128, type FunctionSpec } from '../../src/wasm/encoder.ts';

export const BLOCKS = [8, 4, 2, 1] as const;

// parameter and local indices shared by both kernels
const F_BASE = 0;
const STRIDE = 1;
const VEC = 2; // mass (moments) or out (output)
const N_BYTES = 3;
const SCALARS = 4; // aBase (moments) or cBase (output)
const J = 5;
const ptr = (f: number) => 6 + f;

/** p_f = fBase + f·stride for f < B. */
function featurePointers(B: number): number[] {
  const code: number[] = [];
  for (let f = 0; f < B; f++) code.push(...op.get(F_BASE), ...op.get(STRIDE), ...op.i32(f), ...op.i32Mul, ...op.i32Add, ...op.set(ptr(f)));
  return code;
}

/** loop { if j ≥ nBytes break; body; j += 16 } */
function pairLoop(body: number[]): number[] {
  return [
    ...op.block,
    ...op.loop,
    ...op.get(J), ...op.get(N_BYTES), ...op.i32GeU, ...op.brIf(1),
    ...body,
    ...op.get(J), ...op.i32(16), ...op.i32Add, ...op.set(J),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
}

function moments(B: number): FunctionSpec {
  const acc = (f: number) => 6 + B + f;
  const pv = 6 + 2 * B;
  const body = [...op.get(VEC), ...op.get(J), ...op.i32Add, ...op.v128Load(), ...op.set(pv)];
  for (let f = 0; f < B; f++) {
    body.push(...op.get(acc(f)), ...op.get(ptr(f)), ...op.get(J), ...op.i32Add, ...op.v128Load(), ...op.get(pv), ...op.f64x2Mul, ...op.f64x2Add, ...op.set(acc(f)));
  }
  const store: number[] = [];
  for (let f = 0; f < B; f++) {
    store.push(...op.get(SCALARS), ...op.get(acc(f)), ...op.f64x2ExtractLane(0), ...op.get(acc(f)), ...op.f64x2ExtractLane(1), ...op.f64Add, ...op.f64Store(8 * f));
  }
  return {
    name: `moments${B}`,
    params: [I32, I32, I32, I32, I32],
    locals: [I32, ...Array<number>(B).fill(I32), ...Array<number>(B + 1).fill(V128)],
    body: [...featurePointers(B), ...pairLoop(body), ...store],
  };
}

function output(B: number, write: boolean): FunctionSpec {
  const c = (f: number) => 6 + B + f;
  const o = 6 + 2 * B;
  const splats: number[] = [];
  for (let f = 0; f < B; f++) splats.push(...op.get(SCALARS), ...op.f64Load(8 * f), ...op.f64x2Splat, ...op.set(c(f)));
  const start = write ? [...op.f64Const(0), ...op.f64x2Splat] : [...op.get(VEC), ...op.get(J), ...op.i32Add, ...op.v128Load()];
  const body = [...start, ...op.set(o)];
  for (let f = 0; f < B; f++) {
    body.push(...op.get(o), ...op.get(c(f)), ...op.get(ptr(f)), ...op.get(J), ...op.i32Add, ...op.v128Load(), ...op.f64x2Mul, ...op.f64x2Add, ...op.set(o));
  }
  body.push(...op.get(VEC), ...op.get(J), ...op.i32Add, ...op.get(o), ...op.v128Store());
  return {
    name: `${write ? 'outputWrite' : 'output'}${B}`,
    params: [I32, I32, I32, I32, I32],
    locals: [I32, ...Array<number>(B).fill(I32), ...Array<number>(B + 1).fill(V128)],
    body: [...featurePointers(B), ...splats, ...pairLoop(body)],
  };
}

export type BlockKernel = (fBase: number, stride: number, vec: number, nBytes: number, scalars: number) => void;

export interface SeparableKernels {
  readonly memory: WebAssembly.Memory;
  /** The compiled module the kernels come from (for a helper thread on a shared memory). */
  readonly module: WebAssembly.Module;
  readonly moments: Record<(typeof BLOCKS)[number], BlockKernel>;
  readonly output: Record<(typeof BLOCKS)[number], BlockKernel>;
  readonly outputWrite: Record<(typeof BLOCKS)[number], BlockKernel>;
}

const instantiate = kernelModule<Record<string, BlockKernel>>(() => [...BLOCKS.map(moments), ...BLOCKS.map((B) => output(B, false)), ...BLOCKS.map((B) => output(B, true))]);

/** Kernels bound to a fresh memory of `bytes` bytes (never grown, so views on it stay valid; `shared` for threads). */
export function separableKernels(bytes: number, shared = false): SeparableKernels {
  const memory = kernelMemory(bytes, 'separable interaction (features, masses and output)', shared);
  const ex = instantiate(memory);
  const pick = (kind: string) => Object.fromEntries(BLOCKS.map((B) => [B, ex[`${kind}${B}`]])) as Record<(typeof BLOCKS)[number], BlockKernel>;
  return { memory, module: instantiate.compiled(shared), moments: pick('moments'), output: pick('output'), outputWrite: pick('outputWrite') };
}
