/**
 * The two-layer classifier of De Bortoli et al. (NeurIPS 2020, §4): N hidden ReLU units without biases,
 * output divided by N, softmax cross-entropy,
 *
 *   f(x) = (1/N) Σ_k a_k relu(<u_k, x>) ∈ R^C,   ℓ(f, y) = log Σ_c e^{f_c} − f_y,
 *
 * unit k = (u_k ∈ R^D, a_k ∈ R^C). With g = softmax(f) − e_y the batch-mean loss L has
 *
 *   ∇_{a_k} L = (1/N) mean_b g_b relu(h_bk),   ∇_{u_k} L = (1/N) mean_b (a_k · g_b) 1[h_bk > 0] x_b,   h = <u_k, x_b>,
 *
 * and SGD moves each unit by −s N ∇L = −s mean_b ∂ℓ ∇F (De Bortoli eq. 3; s = ε ξ(t), src/particles/step-size.ts).
 *
 * Kernels (README §4): the step is five blocked mat-mat products in WebAssembly (kernels.ts), with the
 * first layer stored pixel-major (Uᵀ, D × N), the second unit-major (A, N × C):
 *
 *   H = X Uᵀ (B×D·D×N),  f = relu(H) A / N (B×N·N×C),  ∇Aᵀ = Gᵀ relu(H) (C×B·B×N),
 *   Δ = (G Aᵀ)·1[H > 0] (B×C·C×N),  ∇Uᵀ = Xᵀ Δ (D×B·B×N)      (then both gradients × 1/(N B))
 *
 * Blocks of 2 output rows × 8 columns of register accumulators, column panels of PANEL_COLUMNS so the
 * rows of the right factor a block reads stay in cache, and a block skips the inner indices at which
 * its whole left block is 0 (pixels neither of its samples lights, units inactive on both, …).
 * Every entry is the sum of its terms in ascending inner index from +0, so the result does not depend
 * on the blocking (and is bit-identical to the per-sample loops this replaced). No allocation per step.
 * `referenceGradient` (reference.ts) is the plain dense version the tests compare against.
 */
import type { Dataset } from '../../src/data/dataset.ts';
import { BLOCK_ROWS, ClassifierWorkspace, type Region } from './kernels.ts';

/** Columns (units) per panel: 784 rows × 96 columns × 8 bytes ≈ 600 kB, within a 1 MiB L2. */
export const PANEL_COLUMNS = 96;

/** Nonzero entries of every input row (CSR). */
export interface SparseInputs {
  readonly n: number;
  readonly dim: number;
  readonly rowStart: Uint32Array;
  readonly index: Uint16Array;
  readonly value: Float64Array;
  readonly labels: Uint8Array;
  readonly classes: number;
}

export function sparseInputs(data: Dataset): SparseInputs {
  const { n, dim, inputs } = data;
  let nnz = 0;
  for (let i = 0; i < inputs.length; i++) if (inputs[i] !== 0) nnz++;
  const rowStart = new Uint32Array(n + 1);
  const index = new Uint16Array(nnz);
  const value = new Float64Array(nnz);
  let q = 0;
  for (let i = 0; i < n; i++) {
    rowStart[i] = q;
    for (let j = 0; j < dim; j++) {
      const x = inputs[i * dim + j];
      if (x !== 0) {
        index[q] = j;
        value[q++] = x;
      }
    }
  }
  rowStart[n] = q;
  return { n, dim, rowStart, index, value, labels: data.labels, classes: data.classes };
}

/** Sparse rows: row o has the sorted indices index[start[o] … start[o + 1]) with nonzero values. */
interface SparseRows {
  readonly start: Uint32Array;
  readonly index: Uint32Array;
  readonly value: Float64Array;
}

/** Loss, accuracy and their standard errors over a set of examples. */
export interface Evaluation {
  readonly loss: number;
  readonly lossStdError: number;
  readonly accuracy: number;
  readonly accuracyStdError: number;
  readonly samples: number;
}

export class TwoLayerClassifier {
  /** First layer, pixel-major: uT[j·N + k] = (u_k)_j (a view into the kernel memory). */
  readonly uT: Float64Array;
  /** Second layer, unit-major: a[k·C + c] = (a_k)_c (a view into the kernel memory). */
  readonly a: Float64Array;
  private readonly work: ClassifierWorkspace;
  private readonly uTAt: Region<Float64Array>;
  private readonly aAt: Region<Float64Array>;
  /** Aᵀ (C × N), copied from a for Δ = G Aᵀ. */
  private readonly aTAt: Region<Float64Array>;
  private readonly gradUTAt: Region<Float64Array>;
  private readonly gradAAt: Region<Float64Array>;
  /** ∇Aᵀ (C × N), the product's own layout. */
  private readonly gradATAt: Region<Float64Array>;
  /** H (count × N): pre-activations, then relu(H). */
  private readonly hAt: Region<Float64Array>;
  /** Δ (count × N). */
  private readonly deltaAt: Region<Float64Array>;
  /** f (count × C) and G = softmax(f) − e_y (count × C). */
  private readonly outAt: Region<Float64Array>;
  private readonly gAt: Region<Float64Array>;
  /** The nonzero-inner-index lists of the blocks of one product: IN row byte offsets and coefficients (q-major). */
  private readonly idx: Region<Int32Array>;
  private readonly coef: Region<Float64Array>;
  /** The batch by sparse rows and by sparse columns; the CSC fill pointers. */
  private readonly rowsOf: SparseRows;
  private readonly colsOf: SparseRows;
  private readonly colFill: Uint32Array;
  /** Per block of the current product: first output row, rows (R), list start and length. */
  private readonly blocks: Int32Array;
  private blockCount = 0;

  constructor(
    readonly units: number,
    readonly dim: number,
    readonly classes: number,
    /** Largest batch the buffers hold (training batch or evaluation chunk). */
    readonly maxBatch: number,
    /** Columns per panel of the blocked products (results do not depend on it). */
    readonly panel = PANEL_COLUMNS,
  ) {
    const [N, D, C, B] = [units, dim, classes, maxBatch];
    const lists = B * Math.max(D, N, C); // a product's blocks partition its output rows: ≤ B·max(D, N) entries
    const f64s = [D * N, N * C, C * N, D * N, N * C, C * N, B * N, B * N, B * C, B * C, lists];
    const work = new ClassifierWorkspace(ClassifierWorkspace.bytesFor(f64s, [lists]), `MNIST net (N = ${N}, batch ${B})`);
    [this.uTAt, this.aAt, this.aTAt, this.gradUTAt, this.gradAAt, this.gradATAt, this.hAt, this.deltaAt, this.outAt, this.gAt, this.coef] = f64s.map((n) => work.f64(n));
    this.idx = work.i32(lists);
    this.work = work;
    this.uT = this.uTAt.view;
    this.a = this.aAt.view;
    const sparse = (n: number): SparseRows => ({ start: new Uint32Array(n + 1), index: new Uint32Array(B * D), value: new Float64Array(B * D) });
    this.rowsOf = sparse(B);
    this.colsOf = sparse(D);
    this.colFill = new Uint32Array(D);
    this.blocks = new Int32Array(4 * (Math.max(B, D, N) + 1));
  }

  /** The batch as sparse rows (CSR, this.rowsOf) and sparse columns (CSC, this.colsOf: per pixel, the samples lighting it in ascending order). */
  private gather(data: SparseInputs, rows: ArrayLike<number>, count: number): void {
    const D = this.dim;
    const { rowsOf, colsOf } = this;
    let e = 0;
    colsOf.start.fill(0);
    for (let b = 0; b < count; b++) {
      rowsOf.start[b] = e;
      const row = rows[b];
      for (let q = data.rowStart[row]; q < data.rowStart[row + 1]; q++) {
        rowsOf.index[e] = data.index[q];
        rowsOf.value[e++] = data.value[q];
        colsOf.start[data.index[q] + 1]++;
      }
    }
    rowsOf.start[count] = e;
    for (let j = 0; j < D; j++) colsOf.start[j + 1] += colsOf.start[j];
    const fill = this.colFill;
    fill.set(colsOf.start.subarray(0, D));
    for (let b = 0; b < count; b++) {
      for (let q = rowsOf.start[b]; q < rowsOf.start[b + 1]; q++) {
        const at = fill[rowsOf.index[q]]++;
        colsOf.index[at] = b;
        colsOf.value[at] = rowsOf.value[q];
      }
    }
  }

  /**
   * The blocks of OUT = L · IN with L given by sparse rows (sorted indices): blocks of BLOCK_ROWS output
   * rows (then single rows), each listing the union of its rows' indices (a merge) with the coefficients
   * (0 where a row lacks the index), as byte offsets i·inRowBytes of IN rows.
   */
  private listSparseBlocks(left: SparseRows, outRows: number, inRowBytes: number): void {
    const { blocks } = this;
    const idx = this.idx.view;
    const coef = this.coef.view;
    const { start, index, value } = left;
    let e = 0;
    let c = 0;
    let nb = 0;
    for (let o = 0; o < outRows; ) {
      const R = outRows - o >= BLOCK_ROWS ? BLOCK_ROWS : 1;
      const first = e;
      if (R === 2) {
        let p = start[o];
        let q = start[o + 1];
        const pEnd = start[o + 1];
        const qEnd = start[o + 2];
        while (p < pEnd || q < qEnd) {
          const ip = p < pEnd ? index[p] : Infinity;
          const iq = q < qEnd ? index[q] : Infinity;
          const i = Math.min(ip, iq);
          idx[e++] = i * inRowBytes;
          coef[c++] = ip === i ? value[p++] : 0;
          coef[c++] = iq === i ? value[q++] : 0;
        }
      } else {
        for (let p = start[o]; p < start[o + 1]; p++) {
          idx[e++] = index[p] * inRowBytes;
          coef[c++] = value[p];
        }
      }
      blocks[4 * nb] = o;
      blocks[4 * nb + 1] = R;
      blocks[4 * nb + 2] = first;
      blocks[4 * nb + 3] = e - first;
      nb++;
      o += R;
    }
    this.blockCount = nb;
  }

  /**
   * Lists the blocks of OUT = L · IN with L (outRows × inner) read as L[o, i] = left[o·os + i·is]:
   * blocks of BLOCK_ROWS output rows (then single rows), each with the inner indices i at which one of
   * its rows is nonzero, as byte offsets i·inRowBytes of IN rows, and its coefficients q-major.
   * With `relu`, negative entries of `left` are first set to 0 (in place: L is relu(L) afterwards).
   */
  private listBlocks(left: Float64Array, outRows: number, inner: number, os: number, is: number, inRowBytes: number, relu = false): void {
    const { blocks } = this;
    const idx = this.idx.view;
    const coef = this.coef.view;
    let e = 0;
    let c = 0;
    let nb = 0;
    for (let o = 0; o < outRows; ) {
      const R = outRows - o >= BLOCK_ROWS ? BLOCK_ROWS : 1;
      const start = e;
      let at = o * os;
      if (R === 2) {
        for (let i = 0; i < inner; i++, at += is) {
          let v0 = left[at];
          let v1 = left[at + os];
          if (relu) {
            if (v0 < 0) left[at] = v0 = 0;
            if (v1 < 0) left[at + os] = v1 = 0;
          }
          if (v0 === 0 && v1 === 0) continue;
          idx[e++] = i * inRowBytes;
          coef[c++] = v0;
          coef[c++] = v1;
        }
      } else {
        for (let i = 0; i < inner; i++, at += is) {
          let v = left[at];
          if (relu && v < 0) left[at] = v = 0;
          if (v === 0) continue;
          idx[e++] = i * inRowBytes;
          coef[c++] = v;
        }
      }
      blocks[4 * nb] = o;
      blocks[4 * nb + 1] = R;
      blocks[4 * nb + 2] = start;
      blocks[4 * nb + 3] = e - start;
      nb++;
      o += R;
    }
    this.blockCount = nb;
  }

  /** OUT = L · IN for the listed blocks, panel by panel (OUT and IN rows have `columns` entries). */
  private multiply(out: Region<Float64Array>, input: Region<Float64Array>, columns: number): void {
    const rowBytes = 8 * columns;
    const { blocks, work } = this;
    for (let k0 = 0; k0 < columns; k0 += this.panel) {
      const width = Math.min(this.panel, columns - k0);
      let c = 0;
      for (let b = 0; b < this.blockCount; b++) {
        const [o, R, start, nq] = [blocks[4 * b], blocks[4 * b + 1], blocks[4 * b + 2], blocks[4 * b + 3]];
        work.rowsProduct(R, out.at + o * rowBytes + 8 * k0, rowBytes, input.at + 8 * k0, this.idx.at + 4 * start, this.coef.at + 8 * c, nq, width);
        c += R * nq;
      }
    }
  }

  /** H = X_batch Uᵀ, relu in place; outputs f = relu(H) A / N into out. */
  private forward(data: SparseInputs, rows: ArrayLike<number>, count: number): void {
    const [N, C] = [this.units, this.classes];
    const h = this.hAt.view;
    this.gather(data, rows, count);
    this.listSparseBlocks(this.rowsOf, count, 8 * N);
    this.multiply(this.hAt, this.uTAt, N);
    this.listBlocks(h, count, N, N, 1, 8 * C, true); // relu(H) in place as it is listed
    this.multiply(this.outAt, this.aAt, C);
    this.work.scale(this.outAt.at, count * C, 1 / N);
  }

  /** Writes g_b = softmax(f_b) − e_{y_b} into this.g; returns Σ_b ℓ_b and counts correct argmax. */
  private lossTerms(data: SparseInputs, rows: ArrayLike<number>, count: number): { loss: number; lossSquares: number; correct: number } {
    const C = this.classes;
    const out = this.outAt.view;
    const g = this.gAt.view;
    let loss = 0;
    let lossSquares = 0;
    let correct = 0;
    for (let b = 0; b < count; b++) {
      const y = data.labels[rows[b]];
      let max = -Infinity;
      let arg = 0;
      for (let c = 0; c < C; c++) if (out[b * C + c] > max) { max = out[b * C + c]; arg = c; }
      let sum = 0;
      for (let c = 0; c < C; c++) sum += Math.exp(out[b * C + c] - max);
      const logSum = max + Math.log(sum);
      const l = logSum - out[b * C + y];
      loss += l;
      lossSquares += l * l;
      if (arg === y) correct++;
      for (let c = 0; c < C; c++) g[b * C + c] = Math.exp(out[b * C + c] - logSum) - (c === y ? 1 : 0);
    }
    return { loss, lossSquares, correct };
  }

  /**
   * The gradient of the batch-mean loss L into (gradUT, gradA) (layouts of uT and a) if given; returns L.
   * Reads the weights only.
   */
  gradient(data: SparseInputs, rows: ArrayLike<number>, count: number, gradUT?: Float64Array, gradA?: Float64Array): number {
    const loss = this.ownGradient(data, rows, count);
    gradUT?.set(this.gradUTAt.view);
    gradA?.set(this.gradAAt.view);
    return loss;
  }

  /** The gradient into gradUTAt, gradAAt (README §1: ∇a_k = mean_b g_b relu(h_bk) / N, ∇u_k = mean_b (a_k · g_b) 1[h_bk > 0] x_b / N). */
  private ownGradient(data: SparseInputs, rows: ArrayLike<number>, count: number): number {
    const [N, D, C] = [this.units, this.dim, this.classes];
    this.forward(data, rows, count);
    const { loss } = this.lossTerms(data, rows, count);
    const a = this.a;
    const aT = this.aTAt.view;
    const h = this.hAt.view;
    const delta = this.deltaAt.view;
    const g = this.gAt.view;
    // ∇Aᵀ = Gᵀ relu(H): output rows are classes, inner index the sample (long rows; G has no zeros to find)
    this.listBlocks(g, C, count, 1, C, 8 * N);
    this.multiply(this.gradATAt, this.hAt, N);
    const gradA = this.gradAAt.view;
    const gradAT = this.gradATAt.view;
    for (let k = 0; k < N; k++) for (let c = 0; c < C; c++) gradA[k * C + c] = gradAT[c * N + k];
    // Δ = (G Aᵀ) 1[H > 0]
    for (let k = 0; k < N; k++) for (let c = 0; c < C; c++) aT[c * N + k] = a[k * C + c];
    this.listBlocks(g, count, C, C, 1, 8 * N);
    this.multiply(this.deltaAt, this.aTAt, N);
    for (let i = 0; i < count * N; i++) if (h[i] === 0) delta[i] = 0;
    // ∇Uᵀ = Xᵀ Δ: output rows are pixels, inner index the sample
    this.listSparseBlocks(this.colsOf, D, 8 * N);
    this.multiply(this.gradUTAt, this.deltaAt, N);
    const scale = 1 / (N * count);
    this.work.scale(this.gradAAt.at, N * C, scale);
    this.work.scale(this.gradUTAt.at, D * N, scale);
    return loss / count;
  }

  /** One SGD step of per-unit size s on the batch: θ ← θ − s N ∇L (De Bortoli eq. 3). Returns the batch loss. */
  step(data: SparseInputs, rows: ArrayLike<number>, count: number, s: number): number {
    const loss = this.ownGradient(data, rows, count);
    const h = s * this.units;
    // θ + (−h) g is θ − h g exactly (negation is exact)
    this.work.axpy(this.uTAt.at, this.gradUTAt.at, this.uT.length, -h);
    this.work.axpy(this.aAt.at, this.gradAAt.at, this.a.length, -h);
    return loss;
  }

  /** Mean loss and accuracy over `rows` (in chunks of maxBatch), with their standard errors. */
  evaluate(data: SparseInputs, rows: ArrayLike<number> & { length: number }): Evaluation {
    let loss = 0;
    let squares = 0;
    let correct = 0;
    const n = rows.length;
    const chunk = new Uint32Array(this.maxBatch);
    for (let start = 0; start < n; start += this.maxBatch) {
      const count = Math.min(this.maxBatch, n - start);
      for (let i = 0; i < count; i++) chunk[i] = rows[start + i];
      this.forward(data, chunk, count);
      const t = this.lossTerms(data, chunk, count);
      loss += t.loss;
      squares += t.lossSquares;
      correct += t.correct;
    }
    const mean = loss / n;
    const variance = n > 1 ? Math.max(0, (squares - n * mean * mean) / (n - 1)) : 0;
    const accuracy = correct / n;
    return { loss: mean, lossStdError: Math.sqrt(variance / n), accuracy, accuracyStdError: Math.sqrt((accuracy * (1 - accuracy)) / n), samples: n };
  }
}
