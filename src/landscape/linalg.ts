/**
 * Small dense symmetric eigen-decomposition (cyclic Jacobi), used by the active-set QP on the
 * support of the risk minimiser (src/landscape/qp.ts), where matrices are a few tens wide.
 *
 * Jacobi is chosen over QR for its accuracy on the tiny eigenvalues that appear when two atoms sit
 * on neighbouring grid cells: every eigenvalue comes out with absolute error O(ε‖A‖), which is what
 * the QP's "flat direction" test (λ ≤ c·ε‖A‖) relies on.
 */

/** Reusable storage for `symmetricEigen` on matrices of order ≤ capacity. */
export class EigenWorkspace {
  readonly capacity: number;
  /** Working copy of the matrix (row-major, leading dimension `capacity`); destroyed. */
  readonly a: Float64Array;
  /** Eigenvectors: column k (entries vectors[i·capacity + k]) belongs to values[k]. */
  readonly vectors: Float64Array;
  readonly values: Float64Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.a = new Float64Array(capacity * capacity);
    this.vectors = new Float64Array(capacity * capacity);
    this.values = new Float64Array(capacity);
  }
}

/**
 * Eigen-decomposition A = V diag(λ) Vᵀ of the symmetric n×n matrix stored in ws.a (row-major,
 * leading dimension ws.capacity; the whole square is read and overwritten). Cyclic Jacobi
 * rotations A ← JᵀAJ, each zeroing one off-diagonal pair (Golub & Van Loan §8.5), until
 * Σ_{p≠q} a_pq² ≤ (ε‖A‖_F)². Writes ws.values[0..n) and ws.vectors (orthonormal columns).
 */
export function symmetricEigen(ws: EigenWorkspace, n: number): void {
  const { a, vectors: v, values, capacity: ld } = ws;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) v[i * ld + k] = i === k ? 1 : 0;
  }
  let norm2 = 0;
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) norm2 += a[i * ld + k] * a[i * ld + k];
  const target = norm2 * 1e-32;
  for (let sweep = 0; sweep < 64; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += 2 * a[p * ld + q] * a[p * ld + q];
    if (off <= target || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * ld + q];
        if (apq === 0) continue;
        const theta = (a[q * ld + q] - a[p * ld + p]) / (2 * apq);
        // smaller root of t² + 2θt − 1 = 0 (|t| ≤ 1, the stable rotation)
        const t = Math.abs(theta) > 1e150 ? 1 / (2 * theta) : Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // columns p, q ← (c·col_p − s·col_q, s·col_p + c·col_q)
        for (let k = 0; k < n; k++) {
          const akp = a[k * ld + p];
          const akq = a[k * ld + q];
          a[k * ld + p] = c * akp - s * akq;
          a[k * ld + q] = s * akp + c * akq;
        }
        // rows p, q likewise
        for (let k = 0; k < n; k++) {
          const apk = a[p * ld + k];
          const aqk = a[q * ld + k];
          a[p * ld + k] = c * apk - s * aqk;
          a[q * ld + k] = s * apk + c * aqk;
        }
        a[p * ld + q] = 0;
        a[q * ld + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = v[k * ld + p];
          const vkq = v[k * ld + q];
          v[k * ld + p] = c * vkp - s * vkq;
          v[k * ld + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  for (let k = 0; k < n; k++) values[k] = a[k * ld + k];
}

/**
 * In-place Cholesky factorisation A = L Lᵀ of the symmetric n×n matrix in `a` (row-major, leading
 * dimension ld; the lower triangle receives L). Returns false, leaving `a` destroyed, as soon as a
 * pivot is ≤ `minPivot`: then λ_min(A) ≤ minPivot and the caller treats A as singular.
 */
export function cholesky(a: Float64Array, ld: number, n: number, minPivot: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[j * ld + j];
    for (let k = 0; k < j; k++) d -= a[j * ld + k] * a[j * ld + k];
    if (!(d > minPivot)) return false;
    const ljj = Math.sqrt(d);
    a[j * ld + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * ld + j];
      for (let k = 0; k < j; k++) s -= a[i * ld + k] * a[j * ld + k];
      a[i * ld + j] = s / ljj;
    }
  }
  return true;
}

/** Solve L Lᵀ x = x in place with the factor from `cholesky`. */
export function choleskySolve(a: Float64Array, ld: number, n: number, x: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = x[i];
    for (let k = 0; k < i; k++) s -= a[i * ld + k] * x[k];
    x[i] = s / a[i * ld + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= a[k * ld + i] * x[k];
    x[i] = s / a[i * ld + i];
  }
}
