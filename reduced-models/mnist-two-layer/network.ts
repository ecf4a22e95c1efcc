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
 * Kernels: the batch is a product of matrices, computed in outer-product order over the input pixels:
 * the first layer is stored pixel-major (U^T, D × N), so H = X U^T is Σ_j x_·j U^T[j, ·] — contiguous
 * axpys of length N — and zero pixels (≈ 80 % of an MNIST image) are skipped; the backward pass
 * ∇U^T = X^T Δ is the same loop the other way. No allocation per step.
 */
import type { Dataset } from '../../src/data/dataset.ts';

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

/** Loss, accuracy and their standard errors over a set of examples. */
export interface Evaluation {
  readonly loss: number;
  readonly lossStdError: number;
  readonly accuracy: number;
  readonly accuracyStdError: number;
  readonly samples: number;
}

export class TwoLayerClassifier {
  /** First layer, pixel-major: uT[j·N + k] = (u_k)_j. */
  readonly uT: Float64Array;
  /** Second layer, unit-major: a[k·C + c] = (a_k)_c. */
  readonly a: Float64Array;
  private readonly gradUT: Float64Array;
  private readonly gradA: Float64Array;
  private readonly h: Float64Array;
  private readonly out: Float64Array;
  private readonly g: Float64Array;

  constructor(
    readonly units: number,
    readonly dim: number,
    readonly classes: number,
    /** Largest batch the buffers hold (training batch or evaluation chunk). */
    readonly maxBatch: number,
  ) {
    this.uT = new Float64Array(dim * units);
    this.a = new Float64Array(units * classes);
    this.gradUT = new Float64Array(dim * units);
    this.gradA = new Float64Array(units * classes);
    this.h = new Float64Array(maxBatch * units);
    this.out = new Float64Array(maxBatch * classes);
    this.g = new Float64Array(maxBatch * classes);
  }

  /** H = X_batch U^T into this.h, then relu in place; outputs f into this.out. */
  private forward(data: SparseInputs, rows: ArrayLike<number>, count: number): void {
    const N = this.units;
    const C = this.classes;
    const { uT, a, h, out } = this;
    h.fill(0, 0, count * N);
    for (let b = 0; b < count; b++) {
      const row = rows[b];
      const hb = b * N;
      for (let q = data.rowStart[row]; q < data.rowStart[row + 1]; q++) {
        const x = data.value[q];
        const uj = data.index[q] * N;
        for (let k = 0; k < N; k++) h[hb + k] += x * uT[uj + k];
      }
      for (let k = 0; k < N; k++) if (h[hb + k] < 0) h[hb + k] = 0;
    }
    const inv = 1 / N;
    for (let b = 0; b < count; b++) {
      const hb = b * N;
      for (let c = 0; c < C; c++) out[b * C + c] = 0;
      for (let k = 0; k < N; k++) {
        const z = h[hb + k];
        if (z === 0) continue;
        const ak = k * C;
        for (let c = 0; c < C; c++) out[b * C + c] += z * a[ak + c];
      }
      for (let c = 0; c < C; c++) out[b * C + c] *= inv;
    }
  }

  /** Writes g_b = softmax(f_b) − e_{y_b} into this.g; returns Σ_b ℓ_b and counts correct argmax. */
  private lossTerms(data: SparseInputs, rows: ArrayLike<number>, count: number): { loss: number; lossSquares: number; correct: number } {
    const C = this.classes;
    const { out, g } = this;
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
   * The gradient of the batch-mean loss L into (gradUT, gradA) (layouts of uT and a); returns L.
   * Reads the weights only.
   */
  gradient(data: SparseInputs, rows: ArrayLike<number>, count: number, gradUT = this.gradUT, gradA = this.gradA): number {
    const N = this.units;
    const C = this.classes;
    this.forward(data, rows, count);
    const { loss } = this.lossTerms(data, rows, count);
    const { a, h, g } = this;
    const scale = 1 / (N * count);
    gradA.fill(0);
    gradUT.fill(0);
    for (let b = 0; b < count; b++) {
      const hb = b * N;
      const gb = b * C;
      // second layer: ∇a_k += relu(h_bk) g_b; first layer: Δ_bk = (a_k · g_b) 1[h_bk > 0], kept in h
      for (let k = 0; k < N; k++) {
        const z = h[hb + k];
        if (z === 0) continue;
        const ak = k * C;
        let dot = 0;
        for (let c = 0; c < C; c++) {
          gradA[ak + c] += z * g[gb + c];
          dot += a[ak + c] * g[gb + c];
        }
        h[hb + k] = dot;
      }
      const row = rows[b];
      for (let q = data.rowStart[row]; q < data.rowStart[row + 1]; q++) {
        const x = data.value[q];
        const uj = data.index[q] * N;
        for (let k = 0; k < N; k++) gradUT[uj + k] += x * h[hb + k];
      }
    }
    for (let i = 0; i < gradA.length; i++) gradA[i] *= scale;
    for (let i = 0; i < gradUT.length; i++) gradUT[i] *= scale;
    return loss / count;
  }

  /** One SGD step of per-unit size s on the batch: θ ← θ − s N ∇L (De Bortoli eq. 3). Returns the batch loss. */
  step(data: SparseInputs, rows: ArrayLike<number>, count: number, s: number): number {
    const loss = this.gradient(data, rows, count);
    const h = s * this.units;
    const { uT, a, gradUT, gradA } = this;
    for (let i = 0; i < uT.length; i++) uT[i] -= h * gradUT[i];
    for (let i = 0; i < a.length; i++) a[i] -= h * gradA[i];
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
