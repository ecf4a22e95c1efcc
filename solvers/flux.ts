/**
 * Conservative transport fluxes for the noiseless distributional dynamics on cell masses
 * (MMN eq. 7 in reduced coordinates; REDUCED-MODELS.md §2.1):
 *
 *     dP_j/dt = −Σ_a (F_{j+½e_a} − F_{j−½e_a}) / h_a,
 *     F_{j+½} = b⁺ P⁻_{j+½} + b⁻ P⁺_{j+½},      b_{j+½} = −2ξ (ψ_{j+1} − ψ_j) / h,      ψ = v + UP,
 *
 * with zero flux on every boundary face. The face velocity is the *discrete gradient* of ψ, which makes
 * the semi-discrete risk R_h = R# + 2 Σ v_j P_j + Σ_j P_j (UP)_j exactly non-increasing for symmetric U:
 *
 *     dR_h/dt = 2 Σ_j ψ_j dP_j/dt = (2/h) Σ_faces F (ψ_{j+1} − ψ_j) = −(1/ξ) Σ_faces b² P_face ≤ 0
 *
 * as long as every face value P_face ≥ 0 (per axis, with the h_a of that axis).
 *
 * Face values P^∓ are the upwind cell's reconstruction: first-order upwind (P⁻ = P_j, P⁺ = P_{j+1}) or
 * MUSCL with the minmod limiter, P⁻ = P_j + σ_j/2, P⁺ = P_{j+1} − σ_{j+1}/2 with
 * σ_j = minmod(P_j − P_{j−1}, P_{j+1} − P_j) and σ = 0 in the two boundary cells of each line
 * (Carrillo, Chertock & Huang, Commun. Comput. Phys. 17 (2015)). Minmod keeps every face value in
 * [P_j/2, 3P_j/2], so the two face values of a cell add to 2P_j and a forward-Euler step stays
 * non-negative for Δt Σ_a max|b_a|/h_a ≤ 1/2.
 *
 * The work is done line by line along each axis over the flat row-major array (src/grid.ts), so the
 * same kernel serves 1-D, 2-D and 4-D grids; ψ differences, velocities, reconstruction and the flux
 * divergence are fused into one pass per line.
 */

export type Reconstruction = 'muscl' | 'upwind';

/** One axis of a row-major grid, as the line kernels walk it. */
export interface AxisLines {
  /** Cells along the axis. */
  readonly n: number;
  /** Flat-index step between neighbours along the axis. */
  readonly stride: number;
  /** Number of blocks of n·stride cells (product of the shape before this axis). */
  readonly outer: number;
  /** Cell width h. */
  readonly h: number;
}

/** The line layout of every axis of a grid with the given shape and spacing. */
export function axisLines(shape: readonly number[], strides: readonly number[], spacing: ArrayLike<number>): AxisLines[] {
  let outer = 1;
  return shape.map((n, a) => {
    const lines = { n, stride: strides[a], outer, h: spacing[a] };
    outer *= n;
    return lines;
  });
}

/**
 * One line of the MUSCL/minmod flux divergence: writes (or adds, if `accumulate`) −(F_{k+½} − F_{k−½})/h
 * into out at the n cells base, base + stride, …, with ψ = v + u and b_{k+½} = coef (ψ_k − ψ_{k+1}),
 * coef = 2ξ/h. Returns max_k |b_{k+½}|.
 */
function musclLine(
  P: Float64Array,
  v: Float64Array,
  u: Float64Array,
  out: Float64Array,
  base: number,
  stride: number,
  n: number,
  coef: number,
  invh: number,
  accumulate: boolean,
): number {
  if (n === 1) {
    if (!accumulate) out[base] = 0;
    return 0;
  }
  let maxB = 0;
  let fluxIn = 0; // through face k − ½ (the wall for k = 0)
  let idx = base;
  let pk = P[idx];
  let pn = P[idx + stride];
  let psik = v[idx] + u[idx];
  let slopeK = 0; // boundary cell: first order
  for (let k = 0; k < n - 2; k++) {
    const next = idx + stride;
    const pnn = P[next + stride];
    const psin = v[next] + u[next];
    const dl = pn - pk;
    const dr = pnn - pn;
    const slopeN = dl * dr > 0 ? (Math.abs(dl) < Math.abs(dr) ? dl : dr) : 0;
    const b = coef * (psik - psin);
    const F = b > 0 ? b * (pk + 0.5 * slopeK) : b * (pn - 0.5 * slopeN);
    const ab = Math.abs(b);
    if (ab > maxB) maxB = ab;
    const d = (fluxIn - F) * invh;
    if (accumulate) out[idx] += d;
    else out[idx] = d;
    fluxIn = F;
    idx = next;
    pk = pn;
    pn = pnn;
    psik = psin;
    slopeK = slopeN;
  }
  // last interior face, between cells n−2 and n−1 (the boundary cell n−1 has slope 0)
  const next = idx + stride;
  const b = coef * (psik - (v[next] + u[next]));
  const F = b > 0 ? b * (pk + 0.5 * slopeK) : b * pn;
  const ab = Math.abs(b);
  if (ab > maxB) maxB = ab;
  if (accumulate) {
    out[idx] += (fluxIn - F) * invh;
    out[next] += F * invh;
  } else {
    out[idx] = (fluxIn - F) * invh;
    out[next] = F * invh;
  }
  return maxB;
}

/** First-order upwind version of musclLine (same contract). */
function upwindLine(
  P: Float64Array,
  v: Float64Array,
  u: Float64Array,
  out: Float64Array,
  base: number,
  stride: number,
  n: number,
  coef: number,
  invh: number,
  accumulate: boolean,
): number {
  let maxB = 0;
  let fluxIn = 0;
  let idx = base;
  let psik = v[idx] + u[idx];
  for (let k = 0; k < n - 1; k++) {
    const next = idx + stride;
    const psin = v[next] + u[next];
    const b = coef * (psik - psin);
    const F = b > 0 ? b * P[idx] : b * P[next];
    const ab = Math.abs(b);
    if (ab > maxB) maxB = ab;
    const d = (fluxIn - F) * invh;
    if (accumulate) out[idx] += d;
    else out[idx] = d;
    fluxIn = F;
    idx = next;
    psik = psin;
  }
  if (accumulate) out[idx] += fluxIn * invh;
  else out[idx] = fluxIn * invh;
  return maxB;
}

/**
 * out = −∇_h·F (the right-hand side dP/dt of the noiseless dynamics) for masses P and potential
 * ψ = v + u on the grid described by `axes`, with speed factor ξ. Returns the transport rate
 * Σ_a max|b_a|/h_a, so that Δt = cfl / rate is the CFL step (positivity needs cfl ≤ 1/2).
 */
export function transportDivergence(
  axes: readonly AxisLines[],
  P: Float64Array,
  v: Float64Array,
  u: Float64Array,
  xi: number,
  reconstruction: Reconstruction,
  out: Float64Array,
): number {
  const line = reconstruction === 'muscl' ? musclLine : upwindLine;
  let rate = 0;
  for (let a = 0; a < axes.length; a++) {
    const { n, stride, outer, h } = axes[a];
    const coef = (2 * xi) / h;
    const invh = 1 / h;
    const block = n * stride;
    let maxB = 0;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < stride; i++) {
        const m = line(P, v, u, out, o * block + i, stride, n, coef, invh, a > 0);
        if (m > maxB) maxB = m;
      }
    }
    rate += maxB / h;
  }
  return rate;
}
