/**
 * Kernel sums through charge moments, shared by the circle (frequencies k) and the line's periodised
 * kernel (frequencies kω, ω = 2π/P; line-fourier.ts). For a kernel k(δ) = Σ_{k=0}^{M} λ_k cos(kωδ):
 *     A_k = Σ_j w_j c_j cos kω(y_j − y0),   B_k = Σ_j w_j c_j sin kω(y_j − y0),
 *     Σ_j w_j c_j k(y − y_j) = Σ_k λ_k (A_k cos kω(y − y0) + B_k sin kω(y − y0)),
 *     Σ_ij w_i w_j c_i c_j k(y_i − y_j) = Σ_k λ_k (A_k² + B_k²),
 * for any centre y0 (the kernel depends on differences only; a centre near the units keeps the phases small).
 * cos kθ, sin kθ come from the rotation recurrence (error ~k ulp): O(n·M) per pass, no allocation.
 */

/** A_k, B_k (k = 0 … M) of the first n units into A, B. */
export function chargeMoments(
  y: Float64Array, c: Float64Array, w: Float64Array, n: number,
  omega: number, centre: number, M: number, A: Float64Array, B: Float64Array,
): void {
  A.fill(0, 0, M + 1);
  B.fill(0, 0, M + 1);
  for (let i = 0; i < n; i++) {
    const q = w[i] * c[i];
    const theta = omega * (y[i] - centre);
    const c1 = Math.cos(theta);
    const s1 = Math.sin(theta);
    let ck = 1;
    let sk = 0;
    for (let k = 0; k <= M; k++) {
      A[k] += q * ck;
      B[k] += q * sk;
      const next = ck * c1 - sk * s1;
      sk = sk * c1 + ck * s1;
      ck = next;
    }
  }
}

/**
 * u_i = Σ_k (a_k cos kω(y_i − y0) + b_k sin kω(y_i − y0)) and du_i = ∂_y of it = Σ_k kω (b_k cos − a_k sin),
 * for the first n units (k = 0 … M).
 */
export function evaluateSeries(
  y: Float64Array, n: number, omega: number, centre: number, M: number,
  a: Float64Array, b: Float64Array, u: Float64Array, du: Float64Array,
): void {
  for (let i = 0; i < n; i++) {
    const theta = omega * (y[i] - centre);
    const c1 = Math.cos(theta);
    const s1 = Math.sin(theta);
    let ck = 1;
    let sk = 0;
    let ui = 0;
    let dui = 0;
    for (let k = 0; k <= M; k++) {
      ui += a[k] * ck + b[k] * sk;
      dui += k * omega * (b[k] * ck - a[k] * sk);
      const next = ck * c1 - sk * s1;
      sk = sk * c1 + ck * s1;
      ck = next;
    }
    u[i] = ui;
    du[i] = dui;
  }
}
