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
  const D = (2 * xi) / beta;
  let rate = 0;
  for (let a = 0; a < axes.length; a++) {
    const { n, stride, outer, h } = axes[a];
    const block = n * stride;
    let maxDW = 0;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < stride; i++) {
        const base = o * block + i;
        const end = base + (n - 1) * stride;
        let wk = w0[base] + beta * (v[base] + u[base]);
        for (let idx = base; idx < end; idx += stride) {
          const wn = w0[idx + stride] + beta * (v[idx + stride] + u[idx + stride]);
          const d = Math.abs(wn - wk);
          if (d > maxDW) maxDW = d;
          wk = wn;
        }
        if (axes[a].periodic && n > 1) maxDW = Math.max(maxDW, Math.abs(w0[end] + beta * (v[end] + u[end]) - (w0[base] + beta * (v[base] + u[base]))));
      }
    }
    rate += n > 1 ? (D * (2 + maxDW)) / (h * h) : 0;
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
