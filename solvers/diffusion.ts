/**
 * Drift–diffusion fluxes for noisy SGD (MMN eq. 11–12 with the 2ξ/β Δ convention of the PDE, see the
 * factor-2 warning in REDUCED-MODELS.md §2 / §6.1). In reduced coordinates with Jacobian Π_a x_a^{n_a}
 * (n = d − 1 for the radius of R^d; REDUCED-MODELS §2, §4.2), the equation is
 *
 *     ∂_t ρ̄ = ∇·(D e^{−W} ∇(e^{W} ρ̄)),   D = 2ξ/β,   W = β ψ_λ − Σ_a n_a log x_a,   ψ_λ = ψ + λ|x|²/2,
 *
 * i.e. 2ξ∇·(ρ̄ ∇ψ_λ) + (2ξ/β)[Δρ̄ − Σ_a ∂_a(n_a ρ̄ / x_a)]. It is discretised with the Scharfetter–Gummel
 * flux (Scharfetter & Gummel, IEEE Trans. Electron Dev. 16 (1969)) on every interior face:
 *
 *     J_{j+½} = (D/h) [B(ΔW) P_j − B(−ΔW) P_{j+1}],   ΔW = W_{j+1} − W_j,   B(z) = z/(e^z − 1),
 *
 * and zero flux on boundary faces. Since B(−z) = e^z B(z), J = (D/h) B(ΔW) e^{−W_j} (g_j − g_{j+1}) with
 * g = P e^{W}: the flux runs down the gradient of g, so the discrete free energy
 * F_h = Σ P (v + ½UP) + β⁻¹ Σ P (W₀ + log P) (+ const) decreases along the semi-discrete flow, its
 * equilibria are P_j ∝ Π x^{n} e^{−βψ_λ} exactly, and a forward-Euler step is positive for
 * Δt · max_j (outflow rate of cell j) ≤ 1 with outflow rate (D/h²)[B(ΔW_{j+½}) + B(−ΔW_{j−½})].
 */
import type { AxisLines } from './flux.ts';

/**
 * One line: writes (or adds) −(J_{k+½} − J_{k−½})/h at the n cells base + k·stride, with
 * W = w0 + β(v + u) and dcoef = D/h². Returns the largest outflow rate of a cell of the line.
 */
function scharfetterGummelLine(
  P: Float64Array,
  w0: Float64Array,
  v: Float64Array,
  u: Float64Array,
  beta: number,
  out: Float64Array,
  base: number,
  stride: number,
  n: number,
  dcoef: number,
  accumulate: boolean,
): number {
  let maxRate = 0;
  let gIn = 0; // (h/D)·J through face k − ½
  let bmIn = 0; // B(−ΔW) of face k − ½: the part of cell k's outflow that goes left
  let idx = base;
  let wk = w0[idx] + beta * (v[idx] + u[idx]);
  for (let k = 0; k < n - 1; k++) {
    const next = idx + stride;
    const wn = w0[next] + beta * (v[next] + u[next]);
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
    const g = bp * P[idx] - bm * P[next];
    const rate = bp + bmIn;
    if (rate > maxRate) maxRate = rate;
    const d = dcoef * (gIn - g);
    if (accumulate) out[idx] += d;
    else out[idx] = d;
    gIn = g;
    bmIn = bm;
    idx = next;
    wk = wn;
  }
  if (bmIn > maxRate) maxRate = bmIn;
  if (accumulate) out[idx] += dcoef * gIn;
  else out[idx] = dcoef * gIn;
  return maxRate * dcoef;
}

/**
 * out = dP/dt of the drift–diffusion equation for masses P, with W = w0 + β(v + u) (w0 holds the
 * time-independent part βλ|x|²/2 − Σ n_a log x_a) and speed factor ξ. Returns Σ_a of the largest cell
 * outflow rate along axis a, so that Δt = cfl / rate keeps forward Euler positive for cfl ≤ 1.
 */
export function driftDiffusionDivergence(
  axes: readonly AxisLines[],
  P: Float64Array,
  w0: Float64Array,
  v: Float64Array,
  u: Float64Array,
  beta: number,
  xi: number,
  out: Float64Array,
): number {
  const D = (2 * xi) / beta;
  let rate = 0;
  for (let a = 0; a < axes.length; a++) {
    const { n, stride, outer, h } = axes[a];
    const dcoef = D / (h * h);
    const block = n * stride;
    let maxRate = 0;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < stride; i++) {
        const m = scharfetterGummelLine(P, w0, v, u, beta, out, o * block + i, stride, n, dcoef, a > 0);
        if (m > maxRate) maxRate = m;
      }
    }
    rate += maxRate;
  }
  return rate;
}
