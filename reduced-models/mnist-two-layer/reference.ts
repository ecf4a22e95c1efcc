/**
 * The plain, dense version of the MNIST net's gradient (network.ts, README §1), for the tests: every
 * product as a triple loop over all indices, nothing skipped, nothing blocked. The fast kernels must
 * agree with it (they sum the same terms in the same order, so in practice to the last bit).
 */

export interface ReferenceGradient {
  /** Batch-mean cross-entropy. */
  readonly loss: number;
  /** ∇L in the layout of uT (D × N) and of a (N × C). */
  readonly gradUT: Float64Array;
  readonly gradA: Float64Array;
}

/**
 * ∇L of L = mean_b ℓ(f(x_b), y_b), f(x) = (1/N) Σ_k a_k relu(<u_k, x>), for the dense batch x
 * (count × D, row-major) with labels y.
 */
export function referenceGradient(
  uT: Float64Array, a: Float64Array, units: number, dim: number, classes: number,
  x: Float64Array, y: ArrayLike<number>, count: number,
): ReferenceGradient {
  const [N, D, C] = [units, dim, classes];
  const h = new Float64Array(count * N);
  for (let b = 0; b < count; b++) {
    for (let k = 0; k < N; k++) {
      let s = 0;
      for (let j = 0; j < D; j++) s += x[b * D + j] * uT[j * N + k];
      h[b * N + k] = s;
    }
  }
  const relu = h.map((v) => Math.max(v, 0));
  const g = new Float64Array(count * C);
  let loss = 0;
  for (let b = 0; b < count; b++) {
    const f = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let k = 0; k < N; k++) s += relu[b * N + k] * a[k * C + c];
      f[c] = s * (1 / N);
    }
    const max = Math.max(...f);
    const logSum = max + Math.log(f.reduce((s, v) => s + Math.exp(v - max), 0));
    loss += logSum - f[y[b]];
    for (let c = 0; c < C; c++) g[b * C + c] = Math.exp(f[c] - logSum) - (c === y[b] ? 1 : 0);
  }
  const scale = 1 / (N * count);
  const gradA = new Float64Array(N * C);
  for (let k = 0; k < N; k++) {
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let b = 0; b < count; b++) s += relu[b * N + k] * g[b * C + c];
      gradA[k * C + c] = s * scale;
    }
  }
  const delta = new Float64Array(count * N);
  for (let b = 0; b < count; b++) {
    for (let k = 0; k < N; k++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += a[k * C + c] * g[b * C + c];
      delta[b * N + k] = h[b * N + k] > 0 ? s : 0;
    }
  }
  const gradUT = new Float64Array(D * N);
  for (let j = 0; j < D; j++) {
    for (let k = 0; k < N; k++) {
      let s = 0;
      for (let b = 0; b < count; b++) s += x[b * D + j] * delta[b * N + k];
      gradUT[j * N + k] = s * scale;
    }
  }
  return { loss: loss / count, gradUT, gradA };
}
