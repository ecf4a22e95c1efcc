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
 * The SGD-diffusion terms at a fixed step (solvers/README.md, "The SGD-diffusion limit at a fixed step"; the
 * moments come from the model, SgdGradientMoments in src/types.ts), added to a transport stage on a 1-D or
 * 2-D grid: with c = εξ²/B,
 *
 *     ∂_t ρ̄ ⊃ −Σ_a ∂_a(c b_a ρ̄) + Σ_ab ∂_a∂_b(2c Σ_ab ρ̄),     Σ ⪰ 0 the gradient covariance, b_a ≥ 0 the Itô drifts,
 *
 * on cell masses as the master equation of a jump process between cells, so that mass is conserved
 * exactly and forward Euler keeps P ≥ 0 for Δt · sgdDiffusionRate ≤ 1 (every transfer out of cell j
 * is a non-negative multiple of P_j; jumps that would leave the grid are dropped: zero-flux walls):
 *  - drift: P_j moves to its upper neighbour along axis a at rate c(b_a(j) + b_a(j + e_a))/(2h_a)
 *    (the face velocity, upwinded: it points outward);
 *  - diffusion: with D = 2cΣ in grid units (D_ab/(h_a h_b)) written as Σ_k λ_k e_k e_kᵀ, λ_k ≥ 0 and
 *    e_k integer offsets (`sellingDecomposition`), P_j jumps to j ± e_k at rate λ_k(j) each. The
 *    generator Σ_k λ_k [φ(x + e_k) − 2φ(x) + φ(x − e_k)] ≈ D : ∇²φ, whose adjoint is ∂_a∂_b(D_ab ρ̄).
 * On a 1-D grid this is the flux form (D_j P_j − D_{j+1} P_{j+1})/h² with the face-averaged Itô drift.
 *
 * Layout (M cells, component-major): covariance [Σ] (1-D) or [Σ11 | Σ12 | Σ22] (2-D); drift [b_1 | … | b_ndim].
 * Round-off is clamped: b_a, Σ_aa at 0 and |Σ12| at √(Σ11Σ22).
 */
export function sgdDiffusionStage(
  axes: readonly AxisLines[],
  P: Float64Array,
  covariance: Float64Array,
  drift: Float64Array,
  c: number,
  dt: number,
  out: Float64Array,
): void {
  const M = P.length;
  const ndim = axes.length;
  if (ndim > 2) throw new RangeError(`sgdDiffusionStage: implemented on 1-D and 2-D grids (got ${ndim} axes)`);
  // drift along each axis, through the faces between j and j + e_a
  for (let a = 0; a < ndim; a++) {
    const { n, stride, h } = axes[a];
    const b = drift.subarray(a * M, (a + 1) * M);
    for (let j = 0; j < M; j++) {
      if (Math.floor(j / stride) % n === n - 1) continue;
      const moved = ((dt * c * (Math.max(b[j], 0) + Math.max(b[j + stride], 0))) / (2 * h)) * P[j];
      out[j] -= moved;
      out[j + stride] += moved;
    }
  }
  const jumps = JUMPS;
  for (let j = 0; j < M; j++) {
    const count = diffusionJumps(axes, covariance, M, j, 2 * c, jumps);
    for (let k = 0; k < count; k++) {
      const rate = jumps[3 * k];
      if (!(rate > 0)) continue;
      for (let sign = -1; sign <= 1; sign += 2) {
        const target = offsetCell(axes, j, sign * jumps[3 * k + 1], sign * jumps[3 * k + 2]);
        if (target < 0) continue;
        const moved = dt * rate * P[j];
        out[j] -= moved;
        out[target] += moved;
      }
    }
  }
}

/** Scratch of `diffusionJumps`: up to 3 × (λ, e_0, e_1). */
const JUMPS = new Float64Array(9);

/**
 * The jumps of cell j's diffusion: (λ_k, e_k) triples into out (1-D: one, λ = D/h², e = ±1; 2-D: the
 * Selling decomposition of D in grid units), D = scale·Σ_j. Returns their count.
 */
function diffusionJumps(axes: readonly AxisLines[], covariance: Float64Array, M: number, j: number, scale: number, out: Float64Array): number {
  if (axes.length === 1) {
    out[0] = (scale * Math.max(covariance[j], 0)) / (axes[0].h * axes[0].h);
    out[1] = 1;
    out[2] = 0;
    return 1;
  }
  const [h0, h1] = [axes[0].h, axes[1].h];
  const d00 = (scale * Math.max(covariance[j], 0)) / (h0 * h0);
  const d11 = (scale * Math.max(covariance[2 * M + j], 0)) / (h1 * h1);
  const bound = Math.sqrt(d00 * d11);
  const d01 = Math.max(-bound, Math.min(bound, (scale * covariance[M + j]) / (h0 * h1)));
  return sellingDecomposition(d00, d01, d11, out);
}

/** Flat index of cell j moved by (o0, o1) cells along axes 0 and 1 (1-D: o0 only), or −1 off the grid. */
function offsetCell(axes: readonly AxisLines[], j: number, o0: number, o1: number): number {
  const a0 = axes[0];
  const i0 = Math.floor(j / a0.stride) % a0.n + o0;
  if (i0 < 0 || i0 >= a0.n) return -1;
  if (axes.length === 1) return j + o0 * a0.stride;
  const a1 = axes[1];
  const i1 = Math.floor(j / a1.stride) % a1.n + o1;
  if (i1 < 0 || i1 >= a1.n) return -1;
  return j + o0 * a0.stride + o1 * a1.stride;
}

/** Lattice-reduction steps after which the decomposition stops (their count grows like the log of the anisotropy). */
const MAX_REDUCTION_STEPS = 100;

/**
 * Selling's decomposition of a symmetric positive semi-definite 2×2 matrix D = [[d00, d01], [d01, d11]]
 * (Selling 1874; used for monotone anisotropic diffusion by Fehrenbach & Mirebeau, J. Math. Imaging
 * Vis. 49 (2014)). A superbase (b0, b1, b2) of Z² (b0 + b1 + b2 = 0) is D-obtuse if b_iᵀ D b_j ≤ 0 for
 * i ≠ j; then
 *
 *     D = Σ_k λ_k e_k e_kᵀ,   λ_k = −b_iᵀ D b_j ≥ 0,   e_k = b_k^⊥ = (−b_k[1], b_k[0])   ({i, j, k} = {0, 1, 2}),
 *
 * with integer offsets e_k. The obtuse superbase comes from a Lagrange–Gauss reduced basis (u, v) of
 * the D-norm (|u| ≤ |v|, |2uᵀDv| ≤ |u|²: reduce v by the nearest multiple of u and swap until neither
 * shortens, O(log of the anisotropy) steps), with v → −v if uᵀDv > 0: then (u, v, −u − v) is obtuse.
 * Writes (λ_k, e_k[0], e_k[1]) triples into out and returns 3. A diagonal D gives λ = d00, d11 along
 * the axes; |d01| ≤ min(d00, d11) gives the axes and one diagonal (1, ±1). Negative λ from round-off
 * are clamped at 0.
 */
export function sellingDecomposition(d00: number, d01: number, d11: number, out: Float64Array): number {
  const dot = (x0: number, x1: number, y0: number, y1: number) => x0 * (d00 * y0 + d01 * y1) + x1 * (d01 * y0 + d11 * y1);
  let [u0, u1, v0, v1] = d00 <= d11 ? [1, 0, 0, 1] : [0, 1, 1, 0];
  for (let step = 0; step < MAX_REDUCTION_STEPS; step++) {
    const uu = dot(u0, u1, u0, u1);
    if (!(uu > 0)) break;
    const m = Math.round(dot(u0, u1, v0, v1) / uu);
    if (m === 0) break;
    v0 -= m * u0;
    v1 -= m * u1;
    if (dot(v0, v1, v0, v1) >= uu) break;
    [u0, u1, v0, v1] = [v0, v1, u0, u1];
  }
  if (dot(u0, u1, v0, v1) > 0) [v0, v1] = [-v0, -v1];
  const b = [u0, u1, v0, v1, -u0 - v0, -u1 - v1];
  const triples: [number, number, number][] = [[1, 2, 0], [0, 2, 1], [0, 1, 2]];
  triples.forEach(([i, j, k], m) => {
    out[3 * m] = Math.max(-dot(b[2 * i], b[2 * i + 1], b[2 * j], b[2 * j + 1]), 0);
    out[3 * m + 1] = -b[2 * k + 1];
    out[3 * m + 2] = b[2 * k];
  });
  return 3;
}

/**
 * A bound on the largest outflow rate of the SGD-diffusion terms:
 * max_j [Σ_a c(b_a(j) + b_a(j + e_a))/(2h_a) + 2 tr D_j] with D = 2cΣ in grid units (Σ_k 2λ_k ≤ 2 Σ_k λ_k|e_k|² = 2 tr D).
 */
export function sgdDiffusionRate(axes: readonly AxisLines[], covariance: Float64Array, drift: Float64Array, c: number): number {
  const M = covariance.length / (axes.length === 1 ? 1 : 3);
  let rate = 0;
  for (let j = 0; j < M; j++) {
    let out = 0;
    for (let a = 0; a < axes.length; a++) {
      const { n, stride, h } = axes[a];
      if (Math.floor(j / stride) % n < n - 1) out += (c * (Math.max(drift[a * M + j], 0) + Math.max(drift[a * M + j + stride], 0))) / (2 * h);
      out += (4 * c * Math.max(covariance[(axes.length === 1 ? 0 : 2 * a) * M + j], 0)) / (h * h);
    }
    if (out > rate) rate = out;
  }
  return rate;
}
