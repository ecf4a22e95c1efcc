/**
 * Conservative transport fluxes for the noiseless distributional dynamics on cell masses
 * (MMN eq. 7 in reduced coordinates; the scheme and its energy identity: solvers/README.md):
 *
 *     dP_j/dt = −Σ_a (F_{j+½e_a} − F_{j−½e_a}) / h_a,
 *     F_{j+½} = b⁺ P⁻_{j+½} + b⁻ P⁺_{j+½},      b_{j+½} = −2ξ (ψ_{j+1} − ψ_j) / h,      ψ = v + UP.
 *
 * The face velocity is the *discrete gradient* of ψ, which makes the semi-discrete risk
 * R_h = R# + 2 Σ v_j P_j + Σ_j P_j (UP)_j exactly non-increasing for symmetric U under zero-flux walls:
 *
 *     dR_h/dt = 2 Σ_j ψ_j dP_j/dt = (2/h) Σ_faces F (ψ_{j+1} − ψ_j) = −(1/ξ) Σ_faces b² P_face ≤ 0
 *
 * as long as every face value P_face ≥ 0 (per axis, with the h_a of that axis).
 *
 * Face values P^∓ are the upwind cell's reconstruction: first-order upwind (P⁻ = P_j, P⁺ = P_{j+1}) or
 * MUSCL, P⁻ = P_j + σ_j/2, P⁺ = P_{j+1} − σ_{j+1}/2, with the limited slope σ_j of the differences
 * Δ⁻ = P_j − P_{j−1}, Δ⁺ = P_{j+1} − P_j (σ = 0 unless Δ⁻Δ⁺ > 0):
 *   minmod (default)        σ = the one of Δ⁻, Δ⁺ smaller in modulus
 *                           (Carrillo, Chertock & Huang, Commun. Comput. Phys. 17 (2015));
 *   monotonized central     σ = minmod(2Δ⁻, (Δ⁻ + Δ⁺)/2, 2Δ⁺)  (van Leer 1977);
 *   van Leer                σ = 2Δ⁻Δ⁺/(Δ⁻ + Δ⁺).
 * All three satisfy |σ_j| ≤ 2 min(|Δ⁻|, |Δ⁺|) ≤ 2P_j when P ≥ 0 (the smaller difference towards the
 * lower neighbour is at most P_j), so every face value lies in [0, 2P_j] (minmod: [P_j/2, 3P_j/2]) and the
 * two face values of a cell add to 2P_j: a forward-Euler step stays non-negative for
 * Δt Σ_a max|b_a|/h_a ≤ 1/2, whichever limiter. Minmod clips smooth extrema hardest; MC and van Leer
 * keep more of the slope there, which is what the 2-D convergence tests measure
 * (test/solvers/finite-volume-nd.test.ts).
 *
 * Boundaries, per axis and end (default zero flux):
 *   zero-flux  F = 0 on the boundary face, σ = 0 in the boundary cell (as in the paper's radial problem);
 *   open       outflow: the boundary face gets the velocity of the nearest interior face (ψ extrapolated
 *              linearly to a ghost cell); if it points out of the domain, F = b·(face value of the
 *              boundary cell), else F = 0 (nothing enters from outside). The boundary cell's slope is the
 *              one-sided difference towards the interior, clipped to |σ| ≤ 2P (so face values stay in
 *              [0, 2P] and the positivity bound above holds). Mass leaves; the stage kernels return how much.
 *              R_h is then not monotone (the departing mass takes 2ψ of risk with it).
 *   periodic   (both ends) the axis is a circle: the last cell's upper face is the first cell's lower face,
 *              slopes wrap around, every cell is reconstructed to second order (periodicLine); mass,
 *              positivity and the energy identity hold as for walls, with no boundary term.
 *
 * The work is done line by line along each axis over the flat row-major array (src/grid.ts), so the
 * same kernels serve 1-D, 2-D and 4-D grids. The last axis (unit stride) runs one line at a time; an axis
 * with stride s > 1 is swept row by row over blocks of up to ROW_BLOCK adjacent lines, so that every load
 * and store is unit-stride (a strided walk costs ~4× more per cell). Both perform, per cell, the same
 * operations in the same order. One pass per line fuses ψ differences, velocities, reconstruction,
 * the flux divergence and the Runge–Kutta stage combination
 *
 *     out = P + a0 (S − P) + Δt · (−∇_h·F(P))          (solvers/time-steppers.ts, S = u⁽⁰⁾, P = u⁽ⁱ⁻¹⁾)
 *
 * (the first axis writes the combination, the others add their divergence): in V8 every pass that
 * stores into a typed array costs ~1–2 ns per cell, so passes are what the step time is made of.
 */

export type Reconstruction = 'muscl' | 'upwind';
/** MUSCL slope limiter (see the module comment). */
export type Limiter = 'minmod' | 'mc' | 'van-leer';
export const LIMITERS: readonly Limiter[] = ['minmod', 'mc', 'van-leer'];
/** Boundary condition at one end of an axis. */
export type BoundaryKind = 'zero-flux' | 'open' | 'periodic';

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
  /** Open (outflow) lower / upper end; zero flux if absent or false. */
  readonly openLower?: boolean;
  readonly openUpper?: boolean;
  /** The axis is a circle: cell n − 1 and cell 0 share a face (both ends 'periodic'). */
  readonly periodic?: boolean;
}

/** The line layout of every axis of a grid with the given shape and spacing (and optional boundary kinds per axis). */
export function axisLines(
  shape: readonly number[],
  strides: readonly number[],
  spacing: ArrayLike<number>,
  boundaries?: readonly { readonly lower: BoundaryKind; readonly upper: BoundaryKind }[],
): AxisLines[] {
  let outer = 1;
  return shape.map((n, a) => {
    const lines = {
      n,
      stride: strides[a],
      outer,
      h: spacing[a],
      openLower: boundaries?.[a].lower === 'open',
      openUpper: boundaries?.[a].upper === 'open',
      periodic: boundaries?.[a].lower === 'periodic' && boundaries[a].upper === 'periodic',
    };
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

// limiter codes of the kernels; NONE (σ = 0) is first-order upwind
const MINMOD = 0;
const MC = 1;
const VAN_LEER = 2;
const NONE = 3;
type LimiterCode = typeof MINMOD | typeof MC | typeof VAN_LEER | typeof NONE;

function limiterCode(reconstruction: Reconstruction, limiter: Limiter): LimiterCode {
  if (reconstruction === 'upwind') return NONE;
  return limiter === 'mc' ? MC : limiter === 'van-leer' ? VAN_LEER : MINMOD;
}

/** The limited slope of the differences dl = P_j − P_{j−1}, dr = P_{j+1} − P_j. */
function limitedSlope(dl: number, dr: number, lim: LimiterCode): number {
  // the minmod expression is the one of flux-wasm-nd.ts (bit-identical results)
  if (lim === MINMOD) return dl * dr > 0 ? (Math.abs(dl) < Math.abs(dr) ? dl : dr) : 0;
  if (lim === NONE || !(dl * dr > 0)) return 0;
  const al = Math.abs(dl);
  const ar = Math.abs(dr);
  if (lim === MC) {
    const m = Math.min(2 * al, 2 * ar, 0.5 * Math.abs(dl + dr));
    return dl > 0 ? m : -m;
  }
  // van Leer, clipped to its bound 2 min(|Δ⁻|, |Δ⁺|): rounding of the harmonic mean can overshoot it,
  // which would give a face value of −1e-90 next to a 1e-130 cell far out in a tail
  const m = Math.min((2 * al * ar) / (al + ar), 2 * al, 2 * ar);
  return dl > 0 ? m : -m;
}

/** Slope of a boundary cell at an open end: the one-sided difference d towards the interior, |σ| ≤ 2p. */
function openBoundarySlope(d: number, p: number, lim: LimiterCode): number {
  if (lim === NONE) return 0;
  const cap = 2 * p;
  return d > cap ? cap : d < -cap ? -cap : d;
}

/** Columns per block of the row sweeps (2 KiB per row and array). */
export const ROW_BLOCK = 256;
/**
 * Strided axes whose blocks of n·s cells are at most this many cells (64 KiB per array) are walked line by
 * line (strideLine), larger ones row by row (strideRows): the row sweep's extra loads and stores of the
 * running flux and slope only pay off once a strided walk leaves the cache. Both give identical results.
 */
export const LINE_BLOCK = 8192;
/**
 * Running flux and slope per column of a row sweep, shared by every solver of the thread. Safe to share:
 * strideRows writes each entry it will read (row 0 sets columns 0 … cols − 1) and finishes within one
 * synchronous call that runs no other code, so no state crosses calls and no other solver, nested or
 * not, can run in between (worker threads have their own module instance; test/solvers/flux-scratch.test.ts).
 * Module-level on purpose: V8 compiles a module-level typed array into optimized code as a constant;
 * per-solver arrays passed in make the JavaScript row sweep ≈ 8% slower.
 */
const rowFlux = new Float64Array(ROW_BLOCK);
const rowSlope = new Float64Array(ROW_BLOCK);

/**
 * One unit-stride line (the last axis, and every 1-D grid) of n cells starting at base, with
 * ψ = v + u and b_{k+½} = coef (ψ_k − ψ_{k+1}), coef = 2ξ/h: writes
 * out = P + a0 (S − P) + scale (F_{k−½} − F_{k+½}) with scale = Δt/h, or adds the last term if
 * `accumulate`. Returns the mass that left through open ends (scale · outgoing boundary flux; 0 for walls).
 */
function unitLine(
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
  lim: LimiterCode,
  openLo: boolean,
  openHi: boolean,
): number {
  const last = base + n - 1;
  if (n === 1) {
    if (!accumulate) out[base] = P[base] + a0 * (S[base] - P[base]);
    return 0;
  }
  let pk = P[base];
  let pn = P[base + 1];
  let psik = v[base] + u[base];
  let slopeK = 0; // boundary cells: first order at walls
  let fluxIn = 0; // through face k − ½ (the wall for k = 0)
  let outflow = 0;
  if (openLo) {
    slopeK = openBoundarySlope(pn - pk, pk, lim);
    const b = coef * (psik - (v[base + 1] + u[base + 1]));
    if (b < 0) fluxIn = b * (pk - 0.5 * slopeK);
    outflow -= fluxIn;
  }
  if (lim === MINMOD) {
    // the default limiter inline (a limiter argument inside the loop costs ~15% here)
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
  } else {
    for (let j = base; j < last - 1; j++) {
      const pnn = P[j + 2];
      const psin = v[j + 1] + u[j + 1];
      const slopeN = limitedSlope(pn - pk, pnn - pn, lim);
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
  }
  // the face between the last two cells, then the upper end
  const psiLast = v[last] + u[last];
  const slopeLast = openHi ? openBoundarySlope(pn - pk, pn, lim) : 0;
  const b = coef * (psik - psiLast);
  const F = b > 0 ? b * (pk + 0.5 * slopeK) : b * (pn - 0.5 * slopeLast);
  let Fout = 0;
  if (openHi && b > 0) Fout = b * (pn + 0.5 * slopeLast); // the ghost face has the velocity b
  outflow += Fout;
  if (accumulate) {
    out[last - 1] += scale * (fluxIn - F);
    out[last] += scale * (F - Fout);
  } else {
    out[last - 1] = pk + a0 * (S[last - 1] - pk) + scale * (fluxIn - F);
    out[last] = pn + a0 * (S[last] - pn) + scale * (F - Fout);
  }
  return scale * outflow;
}

/**
 * The same scheme along one line of stride s > 1 (values carried in registers along the line; used when
 * a block of n·s cells is small enough to stay in cache, see LINE_BLOCK). Per cell the operations are
 * those of unitLine.
 */
function strideLine(
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
  lim: LimiterCode,
  openLo: boolean,
  openHi: boolean,
): number {
  if (n === 1) {
    if (!accumulate) out[base] = P[base] + a0 * (S[base] - P[base]);
    return 0;
  }
  let idx = base;
  let pk = P[idx];
  let psik = v[idx] + u[idx];
  let slopeK = 0;
  let fluxIn = 0;
  let outflow = 0;
  if (openLo) {
    slopeK = openBoundarySlope(P[idx + stride] - pk, pk, lim);
    const b = coef * (psik - (v[idx + stride] + u[idx + stride]));
    if (b < 0) fluxIn = b * (pk - 0.5 * slopeK);
    outflow -= fluxIn;
  }
  // faces k + ½ with an interior cell k + 1 (minmod inline, as in unitLine), then the last face
  const lastFace = base + (n - 2) * stride;
  if (lim === MINMOD) {
    for (; idx < lastFace; idx += stride) {
      const next = idx + stride;
      const pn = P[next];
      const psin = v[next] + u[next];
      const dl = pn - pk;
      const dr = P[next + stride] - pn;
      const slopeN = dl * dr > 0 ? (Math.abs(dl) < Math.abs(dr) ? dl : dr) : 0;
      const b = coef * (psik - psin);
      const F = b > 0 ? b * (pk + 0.5 * slopeK) : b * (pn - 0.5 * slopeN);
      if (accumulate) out[idx] += scale * (fluxIn - F);
      else out[idx] = pk + a0 * (S[idx] - pk) + scale * (fluxIn - F);
      fluxIn = F;
      pk = pn;
      psik = psin;
      slopeK = slopeN;
    }
  } else {
    for (; idx < lastFace; idx += stride) {
      const next = idx + stride;
      const pn = P[next];
      const psin = v[next] + u[next];
      const slopeN = limitedSlope(pn - pk, P[next + stride] - pn, lim);
      const b = coef * (psik - psin);
      const F = b > 0 ? b * (pk + 0.5 * slopeK) : b * (pn - 0.5 * slopeN);
      if (accumulate) out[idx] += scale * (fluxIn - F);
      else out[idx] = pk + a0 * (S[idx] - pk) + scale * (fluxIn - F);
      fluxIn = F;
      pk = pn;
      psik = psin;
      slopeK = slopeN;
    }
  }
  {
    const next = idx + stride;
    const pn = P[next];
    const psin = v[next] + u[next];
    const slopeN = openHi ? openBoundarySlope(pn - pk, pn, lim) : 0;
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
  let Fout = 0;
  if (openHi) {
    const b = coef * (v[idx - stride] + u[idx - stride] - psik);
    if (b > 0) Fout = b * (pk + 0.5 * slopeK);
    outflow += Fout;
  }
  if (accumulate) out[idx] += scale * (fluxIn - Fout);
  else out[idx] = pk + a0 * (S[idx] - pk) + scale * (fluxIn - Fout);
  return scale * outflow;
}

/**
 * The same scheme along an axis of stride s > 1, for the `cols` adjacent lines starting at base
 * (cols ≤ ROW_BLOCK, all within one block of n·s cells): sweeps the n rows in order, keeping the running
 * flux and slope of every column in rowFlux / rowSlope. Per cell the operations are those of unitLine.
 */
function strideRows(
  P: Float64Array,
  v: Float64Array,
  u: Float64Array,
  S: Float64Array,
  a0: number,
  out: Float64Array,
  base: number,
  stride: number,
  n: number,
  cols: number,
  coef: number,
  scale: number,
  accumulate: boolean,
  lim: LimiterCode,
  openLo: boolean,
  openHi: boolean,
): number {
  const flux = rowFlux;
  const slope = rowSlope;
  if (n === 1) {
    if (!accumulate) for (let i = base; i < base + cols; i++) out[i] = P[i] + a0 * (S[i] - P[i]);
    return 0;
  }
  let outflow = 0;
  // row 0: slopes of the boundary cells and the flux through the lower end
  for (let c = 0; c < cols; c++) {
    const i = base + c;
    if (openLo) {
      const p0 = P[i];
      const s0 = openBoundarySlope(P[i + stride] - p0, p0, lim);
      const b = coef * (v[i] + u[i] - (v[i + stride] + u[i + stride]));
      const f = b < 0 ? b * (p0 - 0.5 * s0) : 0;
      slope[c] = s0;
      flux[c] = f;
      outflow -= f;
    } else {
      slope[c] = 0;
      flux[c] = 0;
    }
  }
  // faces k + ½ between rows k and k + 1 (row k + 1 interior); row k is then complete
  for (let k = 0; k < n - 2; k++) {
    const row = base + k * stride;
    const end = row + cols;
    if (lim === MINMOD) {
      for (let i = row, c = 0; i < end; i++, c++) {
        const j = i + stride;
        const pk = P[i];
        const pn = P[j];
        const dl = pn - pk;
        const dr = P[j + stride] - pn;
        const slopeN = dl * dr > 0 ? (Math.abs(dl) < Math.abs(dr) ? dl : dr) : 0;
        const b = coef * (v[i] + u[i] - (v[j] + u[j]));
        const F = b > 0 ? b * (pk + 0.5 * slope[c]) : b * (pn - 0.5 * slopeN);
        if (accumulate) out[i] += scale * (flux[c] - F);
        else out[i] = pk + a0 * (S[i] - pk) + scale * (flux[c] - F);
        flux[c] = F;
        slope[c] = slopeN;
      }
    } else {
      for (let i = row, c = 0; i < end; i++, c++) {
        const j = i + stride;
        const pk = P[i];
        const pn = P[j];
        const slopeN = limitedSlope(pn - pk, P[j + stride] - pn, lim);
        const b = coef * (v[i] + u[i] - (v[j] + u[j]));
        const F = b > 0 ? b * (pk + 0.5 * slope[c]) : b * (pn - 0.5 * slopeN);
        if (accumulate) out[i] += scale * (flux[c] - F);
        else out[i] = pk + a0 * (S[i] - pk) + scale * (flux[c] - F);
        flux[c] = F;
        slope[c] = slopeN;
      }
    }
  }
  // the face between the last two rows (the last row is a boundary row)
  {
    const row = base + (n - 2) * stride;
    for (let c = 0; c < cols; c++) {
      const i = row + c;
      const j = i + stride;
      const pk = P[i];
      const pn = P[j];
      const slopeN = openHi ? openBoundarySlope(pn - pk, pn, lim) : 0;
      const b = coef * (v[i] + u[i] - (v[j] + u[j]));
      const F = b > 0 ? b * (pk + 0.5 * slope[c]) : b * (pn - 0.5 * slopeN);
      if (accumulate) out[i] += scale * (flux[c] - F);
      else out[i] = pk + a0 * (S[i] - pk) + scale * (flux[c] - F);
      flux[c] = F;
      slope[c] = slopeN;
    }
  }
  // the last row and the flux through the upper end
  const row = base + (n - 1) * stride;
  for (let c = 0; c < cols; c++) {
    const i = row + c;
    const pn = P[i];
    let Fout = 0;
    if (openHi) {
      const b = coef * (v[i - stride] + u[i - stride] - (v[i] + u[i]));
      if (b > 0) Fout = b * (pn + 0.5 * slope[c]);
      outflow += Fout;
    }
    if (accumulate) out[i] += scale * (flux[c] - Fout);
    else out[i] = pn + a0 * (S[i] - pn) + scale * (flux[c] - Fout);
  }
  return scale * outflow;
}

/**
 * The same scheme along one periodic line of n cells (base + k·stride, any stride): the face n − ½ joins
 * cell n − 1 to cell 0 and every slope uses the wrapped neighbours, so there is no boundary cell and no
 * first-order cell. The wrap face's flux is computed once and used on both sides, so the divergences
 * telescope (mass to round-off) and summation by parts gives the energy identity with no boundary term.
 * Per interior face the operations are those of unitLine.
 */
function periodicLine(
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
  lim: LimiterCode,
): void {
  if (n === 1) {
    if (!accumulate) out[base] = P[base] + a0 * (S[base] - P[base]);
    return;
  }
  const last = base + (n - 1) * stride;
  const p0 = P[base];
  const pLast = P[last];
  const psi0 = v[base] + u[base];
  const psiLast = v[last] + u[last];
  const slope0 = limitedSlope(p0 - pLast, P[base + stride] - p0, lim);
  const slopeLast = limitedSlope(pLast - P[last - stride], p0 - pLast, lim);
  // the wrap face n − ½ (from cell n − 1 to cell 0)
  const bWrap = coef * (psiLast - psi0);
  const fWrap = bWrap > 0 ? bWrap * (pLast + 0.5 * slopeLast) : bWrap * (p0 - 0.5 * slope0);
  let fluxIn = fWrap;
  let idx = base;
  let pk = p0;
  let psik = psi0;
  let slopeK = slope0;
  for (let k = 0; k < n - 1; k++) {
    const next = idx + stride;
    const pn = P[next];
    const psin = v[next] + u[next];
    // slope of cell k + 1 from its wrapped neighbours (the last cell's is slopeLast)
    const slopeN = k === n - 2 ? slopeLast : limitedSlope(pn - pk, P[next + stride] - pn, lim);
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
  if (accumulate) out[idx] += scale * (fluxIn - fWrap);
  else out[idx] = pk + a0 * (S[idx] - pk) + scale * (fluxIn - fWrap);
}

/**
 * The transport rate Σ_a max_faces |b_a| / h_a of ψ = v + u with speed factor ξ (loads only), so that
 * Δt = cfl / rate is the CFL step; MUSCL forward Euler stays non-negative for cfl ≤ 1/2. (Open ends
 * reuse the nearest interior velocity, so they do not change the rate.)
 */
export function transportRate(axes: readonly AxisLines[], v: Float64Array, u: Float64Array, xi: number): number {
  let rate = 0;
  for (let a = 0; a < axes.length; a++) {
    const { n, stride, outer, h } = axes[a];
    const block = n * stride;
    let maxD = 0;
    if (stride === 1) {
      for (let o = 0; o < outer; o++) {
        const base = o * block;
        const end = base + n - 1;
        let psik = v[base] + u[base];
        for (let idx = base; idx < end; idx++) {
          const psin = v[idx + 1] + u[idx + 1];
          const d = Math.abs(psin - psik);
          if (d > maxD) maxD = d;
          psik = psin;
        }
      }
    } else {
      // row by row (unit-stride loads)
      for (let o = 0; o < outer; o++) {
        for (let k = 0; k < n - 1; k++) {
          const row = o * block + k * stride;
          for (let i = row; i < row + stride; i++) {
            const d = Math.abs(v[i + stride] + u[i + stride] - (v[i] + u[i]));
            if (d > maxD) maxD = d;
          }
        }
      }
    }
    if (axes[a].periodic && n > 1) {
      // the wrap faces between cell n − 1 and cell 0 of every line
      for (let o = 0; o < outer; o++) {
        for (let i = o * block; i < o * block + stride; i++) {
          const j = i + (n - 1) * stride;
          const d = Math.abs(v[j] + u[j] - (v[i] + u[i]));
          if (d > maxD) maxD = d;
        }
      }
    }
    rate += (2 * xi * maxD) / (h * h);
  }
  return rate;
}

/**
 * One Runge–Kutta stage of the noiseless dynamics: out = P + a0 (S − P) + Δt (−∇_h·F(P)) for masses P
 * and potential ψ = v + u on the grid described by `axes`, with speed factor ξ and the given MUSCL
 * limiter (default minmod; ignored for 'upwind'). Returns the mass that leaves through open ends in this
 * update (Σ out = Σ [P + a0 (S − P)] − returned value, up to round-off; 0 with zero-flux walls).
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
  limiter: Limiter = 'minmod',
): number {
  const { S, a0, dt } = stage;
  const lim = limiterCode(reconstruction, limiter);
  let outflow = 0;
  for (let a = 0; a < axes.length; a++) {
    const { n, stride, outer, h } = axes[a];
    const openLo = axes[a].openLower === true && n > 1;
    const openHi = axes[a].openUpper === true && n > 1;
    const coef = (2 * xi) / h;
    const scale = dt / h;
    const block = n * stride;
    const accumulate = a > 0;
    if (axes[a].periodic) {
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < stride; i++) periodicLine(P, v, u, S, a0, out, o * block + i, stride, n, coef, scale, accumulate, lim);
      }
      continue;
    }
    for (let o = 0; o < outer; o++) {
      if (stride === 1) {
        outflow += unitLine(P, v, u, S, a0, out, o * block, n, coef, scale, accumulate, lim, openLo, openHi);
        continue;
      }
      if (block <= LINE_BLOCK) {
        for (let i = 0; i < stride; i++) outflow += strideLine(P, v, u, S, a0, out, o * block + i, stride, n, coef, scale, accumulate, lim, openLo, openHi);
        continue;
      }
      for (let c0 = 0; c0 < stride; c0 += ROW_BLOCK) {
        const cols = Math.min(ROW_BLOCK, stride - c0);
        outflow += strideRows(P, v, u, S, a0, out, o * block + c0, stride, n, cols, coef, scale, accumulate, lim, openLo, openHi);
      }
    }
  }
  return outflow;
}
