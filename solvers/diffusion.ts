/**
 * Drift–diffusion fluxes for noisy SGD (MMN eq. 11–12 with the 2ξ/β Δ convention of the PDE, see the
 * factor-2 convention in solvers/README.md, "Noise and Jacobians"). In reduced coordinates with
 * Jacobian Π_a x_a^{n_a} (n = d − 1 for the radius of R^d; n = s0 − 1, d − s0 − 1 for the radii of a
 * subspace and its complement: each model declares its exponents), the equation is
 *
 *     ∂_t ρ̄ = ∇·(D e^{−W} ∇(e^{W} ρ̄)),   D = 2ξ/β,   W = β ψ_λ − Σ_a n_a log x_a,   ψ_λ = ψ + λ|x|²/2,
 *
 * i.e. 2ξ∇·(ρ̄ ∇ψ_λ) + (2ξ/β)[Δρ̄ − Σ_a ∂_a(n_a ρ̄ / x_a)]. It is discretised with the Scharfetter–Gummel
 * flux (Scharfetter & Gummel, IEEE Trans. Electron Dev. 16 (1969)) on every interior face:
 *
 *     J_{j+½} = (D/h) [B(ΔW) P_j − B(−ΔW) P_{j+1}],   ΔW = W_{j+1} − W_j,   B(z) = z/(e^z − 1),
 *
 * and zero flux on boundary faces (on a periodic axis the face between the last and the first cell is interior). Since B(−z) = e^z B(z), J = (D/h) B(ΔW) e^{−W_j} (g_j − g_{j+1}) with
 * g = P e^{W}: the flux runs down the gradient of g, so the discrete free energy
 * F_h = Σ P (v + ½UP) + β⁻¹ Σ P (W₀ + log P) (+ const) decreases along the semi-discrete flow, its
 * equilibria are P_j ∝ Π x^{n} e^{−βψ_λ} exactly, and a forward-Euler step is positive for
 * Δt · max_j (outflow rate of cell j) ≤ 1 with outflow rate (D/h²)[B(ΔW_{j+½}) + B(−ΔW_{j−½})]
 * ≤ (D/h²)(2 + max|ΔW|) (B(z) ≤ 1 and B(−z) = B(z) + z ≤ 1 + z for z ≥ 0).
 */
import type { AxisLines, StageCombination } from './flux.ts';

/**
 * One line: writes out = P + a0 (S − P) + scale (G_{k−½} − G_{k+½}) at the n cells base + k·stride, or
 * adds the last term if `accumulate`, where G = (h/D) J = B(ΔW) P_k − B(−ΔW) P_{k+1}, W = w0 + β(v + u)
 * and scale = Δt D/h².
 */
function scharfetterGummelLine(
  P: Float64Array,
  w0: Float64Array,
  v: Float64Array,
  u: Float64Array,
  beta: number,
  S: Float64Array,
  a0: number,
  out: Float64Array,
  base: number,
  stride: number,
  n: number,
  scale: number,
  accumulate: boolean,
  periodic: boolean,
): void {
  let idx = base;
  let wk = w0[idx] + beta * (v[idx] + u[idx]);
  const last = base + (n - 1) * stride;
  // G through face k − ½: a wall (0), or on a circle the face from the last cell to the first
  const gWrap = periodic && n > 1 ? faceFlux(w0[last] + beta * (v[last] + u[last]), wk, P[last], P[base]) : 0;
  let gIn = gWrap;
  for (let k = 0; k < n - 1; k++) {
    const next = idx + stride;
    const wn = w0[next] + beta * (v[next] + u[next]);
    const pk = P[idx];
    const g = faceFlux(wk, wn, pk, P[next]);
    if (accumulate) out[idx] += scale * (gIn - g);
    else out[idx] = pk + a0 * (S[idx] - pk) + scale * (gIn - g);
    gIn = g;
    idx = next;
    wk = wn;
  }
  if (accumulate) out[idx] += scale * (gIn - gWrap);
  else out[idx] = P[idx] + a0 * (S[idx] - P[idx]) + scale * (gIn - gWrap);
}

/** G = B(ΔW) P_k − B(−ΔW) P_{k+1} across a face with W_k, W_{k+1} on its sides. */
function faceFlux(wk: number, wn: number, pk: number, pn: number): number {
  const z = wn - wk;
  // B(z) and B(−z) = B(z) + z, each from expm1 of a non-negative argument so neither cancels
  let bp: number;
  let bm: number;
  if (z > 0) {
    bp = z / Math.expm1(z);
    bm = bp + z;
  } else if (z < 0) {
    bm = -z / Math.expm1(-z);
    bp = bm - z;
  } else {
    bp = 1;
    bm = 1;
  }
  return bp * pk - bm * pn;
}

/**
 * Σ_a (D/h_a²)(2 + max|ΔW_a|) for W = w0 + β(v + u) and D = 2ξ/β (loads only): a bound on the largest
 * cell outflow rate, so that Δt = cfl / rate keeps forward Euler non-negative for cfl ≤ 1
 * (e.g. cfl = 0.4: Δt ≤ 0.4/(2D/h² + D max|ΔW|/h²)).
 */
export function driftDiffusionRate(
  axes: readonly AxisLines[],
  w0: Float64Array,
  v: Float64Array,
  u: Float64Array,
  beta: number,
  xi: number,
): number {
  return driftDiffusionRateOf(axes, w0, v, u, beta, xi, true);
}

/** Σ_a (D/h_a²)(2·[withDiffusion] + max|ΔW_a|), W = w + β(v + u), over the multi-cell axes. */
function driftDiffusionRateOf(
  axes: readonly AxisLines[],
  w: Float64Array,
  v: Float64Array,
  u: Float64Array,
  beta: number,
  xi: number,
  withDiffusion: boolean,
): number {
  const D = (2 * xi) / beta;
  let rate = 0;
  for (let a = 0; a < axes.length; a++) {
    const { n, stride, outer, h } = axes[a];
    if (n < 2) continue;
    const block = n * stride;
    let maxDW = 0;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < stride; i++) {
        const base = o * block + i;
        const end = base + (n - 1) * stride;
        let wk = w[base] + beta * (v[base] + u[base]);
        for (let idx = base; idx < end; idx += stride) {
          const wn = w[idx + stride] + beta * (v[idx + stride] + u[idx + stride]);
          const d = Math.abs(wn - wk);
          if (d > maxDW) maxDW = d;
          wk = wn;
        }
        if (axes[a].periodic && n > 1) maxDW = Math.max(maxDW, Math.abs(w[end] + beta * (v[end] + u[end]) - (w[base] + beta * (v[base] + u[base]))));
      }
    }
    rate += (D * ((withDiffusion ? 2 : 0) + maxDW)) / (h * h);
  }
  return rate;
}

/**
 * One Runge–Kutta stage of the drift–diffusion equation: out = P + a0 (S − P) + Δt · dP/dt, with
 * W = w0 + β(v + u) (w0 holds the time-independent part βλ|x|²/2 − Σ n_a log x_a) and speed factor ξ.
 */
export function driftDiffusionStage(
  axes: readonly AxisLines[],
  P: Float64Array,
  w0: Float64Array,
  v: Float64Array,
  u: Float64Array,
  beta: number,
  xi: number,
  stage: StageCombination,
  out: Float64Array,
): void {
  const D = (2 * xi) / beta;
  const { S, a0, dt } = stage;
  for (let a = 0; a < axes.length; a++) {
    const { n, stride, outer, h } = axes[a];
    const scale = (dt * D) / (h * h);
    const block = n * stride;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < stride; i++) {
        scharfetterGummelLine(P, w0, v, u, beta, S, a0, out, o * block + i, stride, n, scale, a > 0, axes[a].periodic === true);
      }
    }
  }
}

/**
 * Implicit (IMEX) Scharfetter–Gummel step, W frozen at the start of the step (the interaction and the
 * potential explicit, everything else implicit):
 *
 *     (I − Δt A_{k−1}(Wⁿ)) ⋯ (I − Δt A_0(Wⁿ)) Pⁿ⁺¹ = Pⁿ,
 *
 * one tridiagonal solve per line of each axis in turn (Lie splitting across axes; first order in Δt),
 * where A_a is the SG operator of axis a (the flux of scharfetterGummelLine). Each factor I − Δt A_a
 * is an M-matrix whose columns sum to 1 (A_a conserves mass), so its inverse is a Markov kernel: mass
 * is kept, positivity is exact even in floating point (the Thomas sweep below adds non-negative terms
 * only: the off-diagonals are ≤ 0 and the pivots > 0), and since A_a is reversible with respect to
 * π ∝ e^{−Wⁿ}, the relative entropy KL(P | π) cannot grow through it (data processing). Nothing limits
 * Δt for stability; the solver takes the transport step of ψ_λ (implicitTransportRate) for accuracy
 * and leaves the lag of the interaction to the free-energy guard. The fixed points are those of the
 * explicit scheme: A(W(P))P = 0 ⇔ P ∝ e^{−W(P)}, the discrete Gibbs law.
 *
 * `out` receives Pⁿ⁺¹ (out may not alias P); `scratch` needs max_a n_a entries.
 */
export function implicitDriftDiffusionStep(
  axes: readonly AxisLines[],
  P: Float64Array,
  w0: Float64Array,
  v: Float64Array,
  u: Float64Array,
  beta: number,
  xi: number,
  dt: number,
  out: Float64Array,
  scratch: Float64Array,
): void {
  const D = (2 * xi) / beta;
  out.set(P);
  for (let a = 0; a < axes.length; a++) {
    const { n, stride, outer, h } = axes[a];
    if (n < 2) continue;
    const c = (dt * D) / (h * h);
    const block = n * stride;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < stride; i++) implicitLine(out, w0, v, u, beta, o * block + i, stride, n, c, scratch);
    }
  }
}

/**
 * Solves (I − c·A) x = rhs in place on one line (x overwrites rhs), Thomas algorithm. Row k of c·A:
 * c[B(ΔW_{k−½}) x_{k−1} − (B(−ΔW_{k−½}) + B(ΔW_{k+½})) x_k + B(−ΔW_{k+½}) x_{k+1}] (zero-flux ends).
 * cPrime holds the eliminated super-diagonal.
 */
function implicitLine(
  x: Float64Array,
  w0: Float64Array,
  v: Float64Array,
  u: Float64Array,
  beta: number,
  base: number,
  stride: number,
  n: number,
  c: number,
  cPrime: Float64Array,
): void {
  // forward elimination; face k + ½ is computed at row k, face k − ½ carried from row k − 1
  let idx = base;
  let wk = w0[idx] + beta * (v[idx] + u[idx]);
  let lowerPrev = 0; // c·B(ΔW_{k−½}): minus the sub-diagonal of row k
  let diagPrev = 0; // c·B(−ΔW_{k−½}): row k's diagonal share of face k − ½
  let cp = 0; // c'_{k−1}
  let dp = 0; // d'_{k−1}
  for (let k = 0; k < n; k++) {
    let upper = 0; // c·B(−ΔW_{k+½}): minus the super-diagonal
    let diagNext = 0; // c·B(ΔW_{k+½})
    if (k < n - 1) {
      const wn = w0[idx + stride] + beta * (v[idx + stride] + u[idx + stride]);
      const z = wn - wk;
      let bp: number;
      let bm: number;
      if (z > 0) {
        bp = z / Math.expm1(z);
        bm = bp + z;
      } else if (z < 0) {
        bm = -z / Math.expm1(-z);
        bp = bm - z;
      } else {
        bp = 1;
        bm = 1;
      }
      upper = c * bm;
      diagNext = c * bp;
      wk = wn;
    }
    // pivot m = diag − sub·c' = 1 + diagPrev + diagNext − lowerPrev·|c'|, with c' = −upper/m ≤ 0
    const m = 1 + diagPrev + diagNext - lowerPrev * cp;
    dp = (x[idx] + lowerPrev * dp) / m;
    cp = upper / m; // stored as |c'_k|
    x[idx] = dp;
    cPrime[k] = cp;
    lowerPrev = diagNext;
    diagPrev = upper;
    idx += stride;
  }
  // back substitution x_k = d'_k + |c'_k| x_{k+1}
  idx -= stride;
  let xNext = x[idx];
  for (let k = n - 2; k >= 0; k--) {
    idx -= stride;
    xNext = x[idx] + cPrime[k] * xNext;
    x[idx] = xNext;
  }
}

/**
 * Σ_a 2ξ max|Δψ_λ|_a / h_a²: the transport (advective) rate of ψ_λ = ψ + λ|x|²/2 alone, with ψ = v + u
 * and `quadratic` = βλ|x|²/2 (no diffusion, no Jacobian drift): the step the implicit scheme takes is
 * Δt = cfl / rate, as for noiseless transport.
 */
export function implicitTransportRate(
  axes: readonly AxisLines[],
  quadratic: Float64Array,
  v: Float64Array,
  u: Float64Array,
  beta: number,
  xi: number,
): number {
  return driftDiffusionRateOf(axes, quadratic, v, u, beta, xi, false);
}

/**
 * The SGD-diffusion terms of the radial law at a fixed step (reduced-models/isotropic-gaussians/README.md §7.1),
 * added to a transport stage on a 1-D grid of width h: with c = εξ²/B,
 *
 *     ∂_t ρ̄ ⊃ −∂_r(c b(r) ρ̄) + ∂_r²(2c V(r) ρ̄),     V = Var_x(ŵ·g) ≥ 0,  b = (2/r) E|g_⊥|² ≥ 0,
 *
 * on cell masses: the Itô drift upwinded (its velocity c(b_j + b_{j+1})/2 ≥ 0 points outward) and the
 * diffusion as the flux −(D_{j+1}P_{j+1} − D_jP_j)/h² of q = Dρ̄, D = 2cV (V and b clamped at 0
 * against round-off), zero flux on both walls. Both are mass-conservative, and forward Euler keeps P ≥ 0 for
 * Δt · sgdDiffusionRate ≤ 1: every term that leaves cell j is a fixed multiple of P_j.
 */
export function sgdDiffusionStage(
  P: Float64Array,
  h: number,
  variance: Float64Array,
  drift: Float64Array,
  c: number,
  dt: number,
  out: Float64Array,
): void {
  const n = P.length;
  const dh = (2 * c) / (h * h);
  let fluxIn = 0; // mass flux through face j − ½ (positive: to the right)
  let qk = dh * Math.max(variance[0], 0) * P[0];
  for (let j = 0; j < n - 1; j++) {
    const qn = dh * Math.max(variance[j + 1], 0) * P[j + 1];
    const flux = ((c * (Math.max(drift[j], 0) + Math.max(drift[j + 1], 0))) / (2 * h)) * P[j] + qk - qn;
    out[j] += dt * (fluxIn - flux);
    fluxIn = flux;
    qk = qn;
  }
  out[n - 1] += dt * fluxIn;
}

/** max_j [c(b_j + b_{j+1})/(2h) + 4cV_j/h²]: the largest outflow rate of the SGD-diffusion terms. */
export function sgdDiffusionRate(h: number, variance: Float64Array, drift: Float64Array, c: number): number {
  let rate = 0;
  for (let j = 0; j < variance.length; j++) {
    const out = (j + 1 < drift.length ? (c * (Math.max(drift[j], 0) + Math.max(drift[j + 1], 0))) / (2 * h) : 0) + (4 * c * Math.max(variance[j], 0)) / (h * h);
    if (out > rate) rate = out;
  }
  return rate;
}
