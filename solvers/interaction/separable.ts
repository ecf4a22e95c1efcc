/**
 * Separable (low-rank) interaction operator
 *   u(x, x') = Σ_f w_f Φ_f(x) Φ_f(x'),
 * applied on a grid in O(M·F):  A_f = Σ_k Φ_f(x_k) P_k,  out_j = Σ_f w_f A_f Φ_f(x_j),
 * and energy Σ_jk P_j u_jk P_k = Σ_f w_f A_f² (e.g. a Mehler series truncated at order K, each model's
 * README).
 *
 * Features are stored feature-major (Φ_f contiguous over cells) so both passes are unit-stride. The two
 * passes run as WebAssembly f64x2 kernels (separable-kernels.ts) on a private memory holding the
 * features, the moments and, for masses and outputs that live elsewhere, one copy-in and one copy-out
 * buffer; masses and outputs on that memory (`withArrays`: the finite-volume solver's buffers) are read
 * and written in place. The first feature block writes the output, the others add to it (no zeroing
 * pass). The features are taken in blocks of 8, 4, 2 and 1 per pass, and an odd last cell is added here. Each operator owns one WebAssembly
 * memory (creation ≈ 60 µs) holding a copy of the features, so rank·size ≲ 5·10⁸ (4 GiB); V8 reserves
 * address space per memory, so at most ~13,000 operators can be alive at once on this machine
 * (unreachable ones are collected as usual).
 */
import type { InteractionOperator, ResidentInteraction } from '../../src/types.ts';
import { BLOCKS, separableKernels, type SeparableKernels } from './separable-kernels.ts';
import type { KernelThread } from '../kernel-thread.ts';

type Pass = 'moments' | 'output' | 'outputWrite';

const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;
/** Largest memory a resident copy may take (4 GiB less a page of headroom). */
const MAX_BYTES = 2 ** 32 - 2 ** 16;

export class SeparableInteraction implements InteractionOperator {
  readonly size: number;
  readonly rank: number;
  /** Φ_f(x_j) at index f·size + j (a copy of the constructor's array, on the kernels' memory). */
  readonly features: Float64Array;
  /** w_f (±1 or any real; all 1 for a sum of squares). */
  readonly weights: Float64Array;
  readonly description: string;
  /** `layout.arrays` arrays of `size` doubles on the kernels' memory (see `withArrays`; empty by default). */
  readonly arrays: Float64Array[];
  /** Byte offset of `layout.scratchBytes` free bytes after everything else on the kernels' memory. */
  readonly scratch: number;
  private readonly kernels: SeparableKernels;
  /** Byte offsets of the regions of the kernels' memory. */
  private readonly at: { mass: number; out: number; moments: number; coefficients: number };
  private readonly massCopy: Float64Array;
  private readonly outBuffer: Float64Array;
  private readonly moments: Float64Array;
  private readonly coefficients: Float64Array;
  /** The helper thread that takes half of every pass (see `split`), with its indices of the kernels. */
  private thread: { helper: KernelThread; fn: Record<Pass, Record<(typeof BLOCKS)[number], number>> } | null = null;

  constructor(features: Float64Array, size: number, weights?: Float64Array, description?: string, layout: { arrays: number; scratchBytes: number; shared?: boolean } = { arrays: 0, scratchBytes: 0 }) {
    if (size < 1 || features.length % size !== 0) {
      throw new RangeError(`SeparableInteraction: features length ${features.length} is not a multiple of size ${size}`);
    }
    this.size = size;
    this.rank = features.length / size;
    this.weights = weights ?? new Float64Array(this.rank).fill(1);
    if (this.weights.length !== this.rank) throw new RangeError('SeparableInteraction: one weight per feature is required');
    this.description = description ?? `separable rank ${this.rank}`;
    const arrayBytes = align16(8 * size);
    const arraysAt = align16(8 * features.length);
    const mass = arraysAt + layout.arrays * arrayBytes;
    const out = mass + arrayBytes;
    const moments = out + arrayBytes;
    const coefficients = moments + align16(8 * this.rank);
    this.scratch = coefficients + align16(8 * this.rank);
    this.at = { mass, out, moments, coefficients };
    this.kernels = separableKernels(this.scratch + layout.scratchBytes, layout.shared);
    const buffer = this.kernels.memory.buffer;
    this.features = new Float64Array(buffer, 0, features.length);
    this.features.set(features);
    this.arrays = Array.from({ length: layout.arrays }, (_, k) => new Float64Array(buffer, arraysAt + k * arrayBytes, size));
    this.massCopy = new Float64Array(buffer, mass, size);
    this.outBuffer = new Float64Array(buffer, out, size);
    this.moments = new Float64Array(buffer, moments, this.rank);
    this.coefficients = new Float64Array(buffer, coefficients, this.rank);
  }

  /**
   * A copy of this operator whose memory also holds `count` arrays of `size` doubles and `scratchBytes`
   * free bytes, for a solver that keeps its state there (null beyond 4 GiB): on those arrays `apply`,
   * `energy` and `featureMoments` read the masses and write the output in place. `shared`: on a shared
   * memory, so that `split` can hand half of each pass to a helper thread.
   */
  withArrays(count: number, scratchBytes: number, shared = false): ResidentInteraction | null {
    const bytes = align16(8 * this.features.length) + (count + 2) * align16(8 * this.size) + 2 * align16(8 * this.rank) + scratchBytes;
    if (bytes > MAX_BYTES) return null;
    const copy = new SeparableInteraction(this.features, this.size, this.weights, this.description, { arrays: count, scratchBytes, shared });
    return { operator: copy, memory: copy.kernels.memory, arrays: copy.arrays, scratch: copy.scratch, module: copy.kernels.module, split: (t) => copy.split(t) };
  }

  /**
   * From now on (null: no longer) the helper thread `helper` (attached to this operator's shared memory
   * with its kernel module) computes the second half of the features' moments and the output of the
   * second half of the cells, while this thread does the first: every A_f and out_j comes from one
   * thread with the one-thread operations, so the results keep their bits.
   */
  split(helper: KernelThread | null): void {
    const table = (pass: Pass) => Object.fromEntries(BLOCKS.map((B) => [B, helper!.fn(this.kernels.module, `${pass}${B}`)])) as Record<(typeof BLOCKS)[number], number>;
    this.thread = helper && { helper, fn: { moments: table('moments'), output: table('output'), outputWrite: table('outputWrite') } };
  }

  /** Whether `x` lies on the kernels' memory (then the kernels read or write it where it is). */
  private resident(x: Float64Array): boolean {
    return x.buffer === this.kernels.memory.buffer;
  }

  /**
   * Runs `pass` for features [f0, f1) over the cell pairs [p0, p1), on the vector at byte `vec` with
   * per-feature scalars at byte `scalars`, in blocks of 8, 4, 2, 1 (outputWrite for the first block of
   * an output pass); here, or queued on the helper thread (`remote`).
   */
  private blocks(pass: Pass, f0: number, f1: number, p0: number, p1: number, vec: number, scalars: number, remote: boolean): void {
    const n = this.size;
    const shift = 16 * p0;
    const pairBytes = 16 * (p1 - p0);
    let f = f0;
    for (const B of BLOCKS) {
      for (; f + B <= f1; f += B) {
        const kind = pass === 'output' && f === f0 ? 'outputWrite' : pass;
        if (remote) {
          const h = this.thread!.helper;
          h.call(this.thread!.fn[kind][B], 5);
          h.arg(8 * f * n + shift);
          h.arg(8 * n);
          h.arg(vec + shift);
          h.arg(pairBytes);
          h.arg(scalars + 8 * f);
        } else this.kernels[kind][B](8 * f * n + shift, 8 * n, vec + shift, pairBytes, scalars + 8 * f);
      }
    }
  }

  /** `pass` over all features and pairs: with a helper thread, split by features (moments) or by pairs (output). */
  private pass(pass: 'moments' | 'output', vec: number, scalars: number): void {
    const pairs = this.size >> 1;
    const rank = this.rank;
    const thread = this.thread;
    if (!thread) return this.blocks(pass, 0, rank, 0, pairs, vec, scalars, false);
    if (pass === 'moments') {
      this.blocks(pass, rank >> 1, rank, 0, pairs, vec, scalars, true);
      thread.helper.post();
      this.blocks(pass, 0, rank >> 1, 0, pairs, vec, scalars, false);
    } else {
      this.blocks(pass, 0, rank, pairs >> 1, pairs, vec, scalars, true);
      thread.helper.post();
      this.blocks(pass, 0, rank, 0, pairs >> 1, vec, scalars, false);
    }
    thread.helper.finish();
  }

  /** A_f = Σ_k Φ_f(x_k) P_k (returned in a buffer owned by the operator, overwritten by the next call). */
  featureMoments(mass: Float64Array): Float64Array {
    const { size: n, rank, features: F, moments: A } = this;
    let at = mass.byteOffset;
    if (!this.resident(mass)) {
      this.massCopy.set(mass.subarray(0, n));
      at = this.at.mass;
    }
    this.pass('moments', at, this.at.moments);
    if (n & 1) {
      const p = mass[n - 1];
      for (let f = 0; f < rank; f++) A[f] += F[f * n + n - 1] * p;
    }
    return A;
  }

  apply(mass: Float64Array, out: Float64Array): void {
    const { size: n, rank, features: F, weights: w, coefficients: c } = this;
    const A = this.featureMoments(mass);
    for (let f = 0; f < rank; f++) c[f] = w[f] * A[f];
    // the first block writes out_j, the others add to it (no zeroing pass); off the memory, one copy out
    const buf = this.resident(out) ? out : this.outBuffer;
    if (rank === 0) buf.fill(0);
    this.pass('output', buf.byteOffset, this.at.coefficients);
    if (n & 1) {
      let s = 0;
      for (let f = 0; f < rank; f++) s += c[f] * F[f * n + n - 1];
      buf[n - 1] = s;
    }
    if (buf !== out) out.set(buf);
  }
  energy(mass: Float64Array): number {
    const moments = this.featureMoments(mass);
    let e = 0;
    for (let f = 0; f < this.rank; f++) e += this.weights[f] * moments[f] * moments[f];
    return e;
  }
}
