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
 * same kernel serves 1-D, 2-D and 4-D grids. One pass per line fuses ψ differences, velocities,
 * reconstruction, the flux divergence and the Runge–Kutta stage combination
 *
 *     out = P + a0 (S − P) + Δt · (−∇_h·F(P))          (solvers/time-steppers.ts, S = u⁽⁰⁾, P = u⁽ⁱ⁻¹⁾)
 *
 * (the first axis writes the combination, the others add their divergence): in V8 every pass that
 * stores into a typed array costs ~1–2 ns per cell, so passes are what the step time is made of.
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

/** The stage combination a line kernel writes: out = P + a0 (S − P) + dt · divergence. */
export interface StageCombination {
  /** u⁽⁰⁾ of the step (ignored when a0 = 0). */
  readonly S: Float64Array;
  readonly a0: number;
  /** b·Δt of the stage. */
  readonly dt: number;
}

/**
 * One line of the MUSCL/minmod scheme along a strided axis: for the n cells base + k·stride, with
 * ψ = v + u and b_{k+½} = coef (ψ_k − ψ_{k+1}), coef = 2ξ/h, writes
 * out = P + a0 (S − P) + scale (F_{k−½} − F_{k+½}) with scale = Δt/h, or adds the last term if `accumulate`.
 */
function musclLine(
  P: Float64Array,
  v: Float64Array,
  u: Float64Array,
  S: Float64Array,
  a0: number,
  out: Float64Array,
  base: number,
  stride: number,
  n: number,
  coef: number,
  scale: number,
  accumulate: boolean,
): void {
  let fluxIn = 0; // through face k − ½ (the wall for k = 0)
  let idx = base;
  let pk = P[idx];
  let psik = v[idx] + u[idx];
  let slopeK = 0; // boundary cells: first order
  for (let k = 0; k < n - 1; k++) {
    const next = idx + stride;
    const pn = P[next];
    const psin = v[next] + u[next];
    let slopeN = 0;
    if (k < n - 2) {
      const dl = pn - pk;
      const dr = P[next + stride] - pn;
      slopeN = dl * dr > 0 ? (Math.abs(dl) < Math.abs(dr) ? dl : dr) : 0;
    }
    const b = coef * (psik - psin);
    const F = b > 0 ? b * (pk + 0.5 * slopeK) : b * (pn - 0.5 * slopeN);
    if (accumulate) out[idx] += scale * (fluxIn - F);
    else out[idx] = pk + a0 * (S[idx] - pk) + scale * (fluxIn - F);
    fluxIn = F;
    idx = next;
    pk = pn;
    psik = psin;
    slopeK = slopeN;
  }
  if (accumulate) out[idx] += scale * fluxIn;
  else out[idx] = pk + a0 * (S[idx] - pk) + scale * fluxIn;
}

/**
 * musclLine for stride 1 (the last axis, and every 1-D grid), with the array index as the loop counter
 * and the last face peeled, which lets the JIT drop the index arithmetic and most bounds checks.
 */
function musclUnitLine(
  P: Float64Array,
  v: Float64Array,
  u: Float64Array,
  S: Float64Array,
  a0: number,
  out: Float64Array,
  base: number,
  n: number,
  coef: number,
  scale: number,
  accumulate: boolean,
): void {
  const last = base + n - 1;
  if (n === 1) {
    if (!accumulate) out[base] = P[base] + a0 * (S[base] - P[base]);
    return;
  }
  let fluxIn = 0;
  let pk = P[base];
  let pn = P[base + 1];
  let psik = v[base] + u[base];
  let slopeK = 0;
  for (let j = base; j < last - 1; j++) {
    const pnn = P[j + 2];
    const psin = v[j + 1] + u[j + 1];
    const dl = pn - pk;
    const dr = pnn - pn;
    const slopeN = dl * dr > 0 ? (Math.abs(dl) < Math.abs(dr) ? dl : dr) : 0;
    const b = coef * (psik - psin);
    const F = b > 0 ? b * (pk + 0.5 * slopeK) : b * (pn - 0.5 * slopeN);
    if (accumulate) out[j] += scale * (fluxIn - F);
    else out[j] = pk + a0 * (S[j] - pk) + scale * (fluxIn - F);
    fluxIn = F;
    pk = pn;
    pn = pnn;
    psik = psin;
    slopeK = slopeN;
  }
  // the face between the last two cells (the boundary cell last has slope 0)
  const b = coef * (psik - (v[last] + u[last]));
  const F = b > 0 ? b * (pk + 0.5 * slopeK) : b * pn;
  if (accumulate) {
    out[last - 1] += scale * (fluxIn - F);
    out[last] += scale * F;
  } else {
    out[last - 1] = pk + a0 * (S[last - 1] - pk) + scale * (fluxIn - F);
    out[last] = pn + a0 * (S[last] - pn) + scale * F;
  }
}

/** First-order upwind version of musclLine (same contract). */
function upwindLine(
  P: Float64Array,
  v: Float64Array,
  u: Float64Array,
  S: Float64Array,
  a0: number,
  out: Float64Array,
  base: number,
  stride: number,
  n: number,
  coef: number,
  scale: number,
  accumulate: boolean,
): void {
  let fluxIn = 0;
  let idx = base;
  let psik = v[idx] + u[idx];
  for (let k = 0; k < n - 1; k++) {
    const next = idx + stride;
    const psin = v[next] + u[next];
    const b = coef * (psik - psin);
    const F = b > 0 ? b * P[idx] : b * P[next];
    if (accumulate) out[idx] += scale * (fluxIn - F);
    else out[idx] = P[idx] + a0 * (S[idx] - P[idx]) + scale * (fluxIn - F);
    fluxIn = F;
    idx = next;
    psik = psin;
  }
  if (accumulate) out[idx] += scale * fluxIn;
  else out[idx] = P[idx] + a0 * (S[idx] - P[idx]) + scale * fluxIn;
}

/**
 * The transport rate Σ_a max_faces |b_a| / h_a of ψ = v + u with speed factor ξ (loads only), so that
 * Δt = cfl / rate is the CFL step; MUSCL/minmod forward Euler stays non-negative for cfl ≤ 1/2.
 */
export function transportRate(axes: readonly AxisLines[], v: Float64Array, u: Float64Array, xi: number): number {
  let rate = 0;
  for (let a = 0; a < axes.length; a++) {
    const { n, stride, outer, h } = axes[a];
    const block = n * stride;
    let maxD = 0;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < stride; i++) {
        const base = o * block + i;
        const end = base + (n - 1) * stride;
        let psik = v[base] + u[base];
        for (let idx = base; idx < end; idx += stride) {
          const psin = v[idx + stride] + u[idx + stride];
          const d = Math.abs(psin - psik);
          if (d > maxD) maxD = d;
          psik = psin;
        }
      }
    }
    rate += (2 * xi * maxD) / (h * h);
  }
  return rate;
}

/**
 * One Runge–Kutta stage of the noiseless dynamics: out = P + a0 (S − P) + Δt (−∇_h·F(P)) for masses P
 * and potential ψ = v + u on the grid described by `axes`, with speed factor ξ.
 */
export function transportStage(
  axes: readonly AxisLines[],
  P: Float64Array,
  v: Float64Array,
  u: Float64Array,
  xi: number,
  reconstruction: Reconstruction,
  stage: StageCombination,
  out: Float64Array,
): void {
  const { S, a0, dt } = stage;
  for (let a = 0; a < axes.length; a++) {
    const { n, stride, outer, h } = axes[a];
    const coef = (2 * xi) / h;
    const scale = dt / h;
    const block = n * stride;
    const accumulate = a > 0;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < stride; i++) {
        const base = o * block + i;
        if (reconstruction === 'upwind') upwindLine(P, v, u, S, a0, out, base, stride, n, coef, scale, accumulate);
        else if (stride === 1) musclUnitLine(P, v, u, S, a0, out, base, n, coef, scale, accumulate);
        else musclLine(P, v, u, S, a0, out, base, stride, n, coef, scale, accumulate);
      }
    }
  }
}
