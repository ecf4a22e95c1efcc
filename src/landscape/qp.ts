/**
 * Global minimiser of the limiting risk on a grid (MMN eq. 5 restricted to cell masses):
 *
 *   R(P) = R# + 2 vᵀP + Pᵀ U P   over the simplex  Δ_M = {P ≥ 0, Σ_j P_j = 1},
 *
 * with v_j = v(x_j) and U_jk = u(x_j, x_k). For the models here U is a Gram kernel E[σσ] (PSD),
 * so R is convex and every KKT point is a global minimiser. The gradient is ∇R = 2ψ with
 * ψ = v + UP, the grid form of Ψ(θ; ρ) (MMN: δR/δρ = 2Ψ). Optimality (MMN eq. 17 / KKT):
 *
 *   supp P* ⊂ argmin_j ψ_j(P*).
 *
 * Method: a primal active-set method whose free set F (the support) is kept small, i.e.
 * column generation / fully-corrective Frank–Wolfe:
 *   1. solve the QP restricted to the face {P_j = 0 for j ∉ F} exactly (Newton steps on the
 *      affine hull Σ_F P = 1 with an orthonormal null-space basis, ratio test onto the boundary,
 *      descent along zero-curvature directions when U_FF is singular);
 *   2. price: ψ = v + U P over all M cells (one `interaction.apply`), j* = argmin ψ;
 *   3. stop when the Frank–Wolfe duality gap
 *        g = ∇R·(P − e_{j*}) = 2 (Σ_j P_j ψ_j − min_j ψ_j)
 *      is ≤ gapTolerance; otherwise add j* to F (with one pairwise step e_{j*} − e_{away} so that it
 *      enters with positive mass) and go to 1.
 * By convexity R(P) − R_min ≤ g, so `risk − dualityGap` is a certified lower bound on the grid minimum.
 * Only `interaction.apply` (one application per pricing, one per entering column U e_j) and
 * `interaction.energy` (final risk) are used, so a separable operator costs O(M·rank) per iteration
 * and M ~ 10⁴ cells is cheap; the dense work is O(|F|³) on the support, which is a few atoms here.
 */
import { ConfigError } from '../errors.ts';
import type { GridOperators } from '../types.ts';
import { cholesky, choleskySolve, EigenWorkspace, symmetricEigen } from './linalg.ts';

export interface MinimizeRiskOptions {
  /** Stop when the duality gap 2ψᵀ(P − e_{argmin ψ}) ≤ gapTolerance (absolute, risk units). Default 1e-11. */
  readonly gapTolerance?: number;
  /** Maximum number of pricing (column-generation) iterations. Default 5000. */
  readonly maxIterations?: number;
}

/** One atom of the minimiser: a grid cell carrying positive mass. */
export interface SupportAtom {
  /** Flat cell index (row-major, src/grid.ts). */
  readonly index: number;
  readonly mass: number;
  /** Cell-centre coordinates, one per grid axis. */
  readonly coordinates: number[];
  /** ψ at this cell (equal to minPsi at the optimum). */
  readonly psi: number;
}

/** Plain-data (JSON-serialisable) result of `minimizeRisk`. */
export interface RiskMinimum {
  /** R(P*) = R# + 2vᵀP* + P*ᵀUP* (quadratic term from `interaction.energy`). */
  readonly risk: number;
  /** risk − dualityGap: a lower bound on the grid minimum (valid for PSD U). */
  readonly lowerBound: number;
  /** g = 2 (Σ_j P_j ψ_j − min_j ψ_j) ≥ R(P*) − min R. */
  readonly dualityGap: number;
  /** P* on every cell. */
  readonly mass: number[];
  /** ψ = v + U P* on every cell. */
  readonly psi: number[];
  /** Cells with P*_j > 0, in increasing index order. */
  readonly support: SupportAtom[];
  /** MMN eq. 17 check: violation = max_{supp} ψ − min ψ (≥ 0, ~0 at the optimum). */
  readonly certificate: { readonly minPsi: number; readonly maxPsiOnSupport: number; readonly violation: number };
  /** Pricing iterations (applications of the full operator to P). */
  readonly iterations: number;
  /** Steps of the restricted QP solver, summed over iterations. */
  readonly innerIterations: number;
  /** dualityGap ≤ gapTolerance was reached. */
  readonly converged: boolean;
  readonly gapTolerance: number;
  /** interaction.description, for provenance. */
  readonly operator: string;
}

/** Dense state of the restricted problem on the free set F (|F| = n ≤ cap). */
class ActiveSet {
  cap = 0;
  n = 0;
  /** Cell index of each free variable. */
  idx = new Int32Array(0);
  /** Mass of each free variable. */
  p = new Float64Array(0);
  /** U restricted to F × F, row-major with leading dimension cap. */
  h = new Float64Array(0);
  /** ψ on F from the small matrix: g = v_F + U_FF p. */
  g = new Float64Array(0);
  w = new Float64Array(0);
  t = new Float64Array(0);
  b = new Float64Array(0);
  y = new Float64Array(0);
  s = new Float64Array(0);
  /** Cholesky factor of the reduced Hessian (leading dimension cap). */
  chol = new Float64Array(0);
  eig = new EigenWorkspace(0);

  constructor(cap: number) {
    this.resize(cap);
  }

  resize(cap: number): void {
    const { n, cap: old } = this;
    const idx = new Int32Array(cap);
    const p = new Float64Array(cap);
    const h = new Float64Array(cap * cap);
    idx.set(this.idx.subarray(0, n));
    p.set(this.p.subarray(0, n));
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) h[i * cap + k] = this.h[i * old + k];
    this.idx = idx;
    this.p = p;
    this.h = h;
    this.g = new Float64Array(cap);
    this.w = new Float64Array(cap);
    this.t = new Float64Array(cap);
    this.b = new Float64Array(cap);
    this.y = new Float64Array(cap);
    this.s = new Float64Array(cap);
    this.chol = new Float64Array(cap * cap);
    this.eig = new EigenWorkspace(cap);
    this.cap = cap;
  }
}

/**
 * A = Zᵀ U_FF Z = (Q U_FF Q)[1:, 1:] with Q = I − β w wᵀ, from t = U_FF w and wt = wᵀt:
 * (QUQ)_ik = U_ik − β (t_i w_k + w_i t_k) + β² wt w_i w_k. Written to `out` (leading dimension cap).
 */
function reducedHessian(as: ActiveSet, beta: number, wt: number, out: Float64Array): void {
  const { n, cap, h, t, w } = as;
  for (let i = 1; i < n; i++) {
    for (let k = 1; k < n; k++) {
      out[(i - 1) * cap + (k - 1)] = h[i * cap + k] - beta * (t[i] * w[k] + w[i] * t[k]) + beta * beta * wt * w[i] * w[k];
    }
  }
}

/**
 * Global minimum of R(P) = R# + 2vᵀP + PᵀUP over the probability simplex on the grid of
 * `operators` (see the module comment for the method and the certificate).
 */
export function minimizeRisk(operators: GridOperators, options: MinimizeRiskOptions = {}): RiskMinimum {
  const gapTolerance = options.gapTolerance ?? 1e-11;
  const maxIterations = options.maxIterations ?? 5000;
  if (!(gapTolerance > 0 && Number.isFinite(gapTolerance))) {
    throw new ConfigError('gapTolerance', `must be a finite number > 0 (got ${gapTolerance})`);
  }
  if (!(Number.isInteger(maxIterations) && maxIterations >= 1)) {
    throw new ConfigError('maxIterations', `must be an integer >= 1 (got ${maxIterations})`);
  }
  const { grid, potential: v, interaction: op, riskConstant } = operators;
  const size = grid.size;
  if (v.length !== size || op.size !== size) {
    throw new ConfigError(
      'operators',
      `potential (${v.length} entries) and interaction (size ${op.size}) must both match the grid (${size} cells)`,
    );
  }

  const mass = new Float64Array(size);
  const psi = new Float64Array(size);
  const unit = new Float64Array(size);
  const col = new Float64Array(size);
  /** Position of each cell in the free set, or −1. */
  const where = new Int32Array(size).fill(-1);
  const as = new ActiveSet(Math.min(size, 32));
  const spreadTol = gapTolerance / 8;

  /** ψ = v + U·mass over all cells (one operator application). */
  const price = (): void => {
    op.apply(mass, psi);
    for (let j = 0; j < size; j++) psi[j] += v[j];
  };

  const addColumn = (j: number): void => {
    if (as.n === as.cap) as.resize(Math.min(size, 2 * as.cap));
    const { cap, h, idx } = as;
    const n = as.n;
    unit[j] = 1;
    op.apply(unit, col); // col = U e_j
    unit[j] = 0;
    for (let i = 0; i < n; i++) {
      const uij = col[idx[i]];
      h[i * cap + n] = uij;
      h[n * cap + i] = uij;
    }
    h[n * cap + n] = col[j];
    idx[n] = j;
    as.p[n] = 0;
    where[j] = n;
    as.n = n + 1;
  };

  /** Remove free variable k (its mass must be 0): the last one takes its slot. */
  const removeAt = (k: number): void => {
    const { cap, h, idx, p } = as;
    const last = as.n - 1;
    where[idx[k]] = -1;
    mass[idx[k]] = 0;
    if (k !== last) {
      idx[k] = idx[last];
      p[k] = p[last];
      where[idx[k]] = k;
      for (let i = 0; i <= last; i++) h[k * cap + i] = h[last * cap + i];
      for (let i = 0; i <= last; i++) h[i * cap + k] = h[i * cap + last];
    }
    as.n = last;
  };

  /** g = v_F + U_FF p (ψ on the free set from the small matrix). */
  const computeG = (): void => {
    const { n, cap, h, idx, p, g } = as;
    for (let i = 0; i < n; i++) {
      let s = v[idx[i]];
      for (let k = 0; k < n; k++) s += h[i * cap + k] * p[k];
      g[i] = s;
    }
  };

  /** Drop free variables whose mass is ≤ 0 and renormalise Σ_F p = 1 (rounding). */
  const cleanup = (): void => {
    for (let i = as.n - 1; i >= 0; i--) {
      if (!(as.p[i] > 0)) {
        as.p[i] = 0;
        removeAt(i);
      }
    }
    let total = 0;
    for (let i = 0; i < as.n; i++) total += as.p[i];
    for (let i = 0; i < as.n; i++) as.p[i] /= total;
  };

  let innerIterations = 0;

  /**
   * Solve min 2vᵀp + pᵀU_FF p on {p ≥ 0, Σ p = 1} over the current free set, to ψ-spread ≤ spreadTol.
   * With the null-space basis Z = Q[:, 1:] of 1ᵀ (Q the Householder reflector mapping 1/√n to e_0),
   * the reduced gradient is b = Zᵀg and the reduced Hessian A = Zᵀ U_FF Z (half the true ones).
   */
  const solveRestricted = (): void => {
    for (let step = 0; step < 64 + 8 * size; step++) {
      const n = as.n;
      if (n === 1) {
        as.p[0] = 1;
        return;
      }
      const { cap, h, p, g, w, t, b, y, s, eig, chol } = as;
      computeG();
      let gMin = Infinity;
      let gMax = -Infinity;
      for (let i = 0; i < n; i++) {
        if (g[i] < gMin) gMin = g[i];
        if (g[i] > gMax) gMax = g[i];
      }
      if (gMax - gMin <= spreadTol) return;
      innerIterations++;

      const inv = 1 / Math.sqrt(n);
      for (let i = 0; i < n; i++) w[i] = inv;
      w[0] -= 1;
      const beta = 1 / (1 - inv); // 2 / wᵀw
      let wg = 0;
      let hScale = 0;
      for (let i = 0; i < n; i++) {
        wg += w[i] * g[i];
        let ti = 0;
        for (let k = 0; k < n; k++) ti += h[i * cap + k] * w[k];
        t[i] = ti;
        if (h[i * cap + i] > hScale) hScale = h[i * cap + i];
      }
      let wt = 0;
      for (let i = 0; i < n; i++) wt += w[i] * t[i];
      const m = n - 1;
      for (let i = 1; i < n; i++) b[i - 1] = g[i] - beta * w[i] * wg;
      // Curvatures ≤ flatThreshold are zero up to rounding (O(ε‖U‖) per entry).
      const flatThreshold = 1e-13 * n * Math.max(hScale, Number.MIN_VALUE);
      reducedHessian(as, beta, wt, chol);
      if (cholesky(chol, cap, m, flatThreshold)) {
        // Newton step on the face: A y = −b
        for (let i = 0; i < m; i++) y[i] = -b[i];
        choleskySolve(chol, cap, m, y);
      } else {
        // Singular reduced Hessian: eigen-split into curved and flat directions. If the gradient
        // has a non-negligible flat part, descend along it (R is linear there, so the line search
        // runs to the boundary and the support shrinks); else take the pseudo-inverse Newton step.
        reducedHessian(as, beta, wt, eig.a);
        symmetricEigen(eig, m);
        const { values, vectors } = eig;
        let flatNorm2 = 0;
        for (let k = 0; k < m; k++) {
          let ck = 0;
          for (let i = 0; i < m; i++) ck += vectors[i * cap + k] * b[i];
          t[k] = ck; // t is free now: coefficients of b in the eigenbasis
          if (values[k] <= flatThreshold) flatNorm2 += ck * ck;
        }
        const flatDescent = Math.sqrt(flatNorm2) > spreadTol / 4;
        y.fill(0, 0, m);
        for (let k = 0; k < m; k++) {
          const flat = values[k] <= flatThreshold;
          const coef = flatDescent ? (flat ? -t[k] : 0) : flat ? 0 : -t[k] / values[k];
          if (coef === 0) continue;
          for (let i = 0; i < m; i++) y[i] += coef * vectors[i * cap + k];
        }
      }
      // s = Q [0; y]
      let wy = 0;
      for (let i = 1; i < n; i++) wy += w[i] * y[i - 1];
      s[0] = -beta * w[0] * wy;
      for (let i = 1; i < n; i++) s[i] = y[i - 1] - beta * w[i] * wy;

      let slope = 0;
      let curvature = 0;
      for (let i = 0; i < n; i++) {
        slope += g[i] * s[i];
        let hs = 0;
        for (let k = 0; k < n; k++) hs += h[i * cap + k] * s[k];
        curvature += s[i] * hs;
      }
      if (!(slope < 0)) return; // rounding floor: no descent direction left
      const alphaStar = curvature > 0 ? -slope / curvature : Infinity;
      let alphaMax = Infinity;
      let blocking = -1;
      for (let i = 0; i < n; i++) {
        if (s[i] < 0) {
          const r = p[i] / -s[i];
          if (r < alphaMax) {
            alphaMax = r;
            blocking = i;
          }
        }
      }
      if (blocking < 0) return; // Σ s = 0 and s ≠ 0 always has a negative entry; guard against NaN
      const alpha = Math.min(alphaStar, alphaMax);
      for (let i = 0; i < n; i++) p[i] += alpha * s[i];
      if (alphaMax <= alphaStar) p[blocking] = 0;
      cleanup();
    }
  };

  // Start from the Frank–Wolfe vertex of the barycentre: argmin_j ψ_j(uniform).
  mass.fill(1 / size);
  price();
  let start = 0;
  for (let j = 1; j < size; j++) if (psi[j] < psi[start]) start = j;
  mass.fill(0);
  addColumn(start);
  as.p[0] = 1;

  let iterations = 0;
  let converged = false;
  let gap = Infinity;
  let objective = Infinity;
  let stalls = 0;
  for (;;) {
    for (let i = 0; i < as.n; i++) mass[as.idx[i]] = as.p[i];
    price();
    iterations++;
    let jMin = 0;
    for (let j = 1; j < size; j++) if (psi[j] < psi[jMin]) jMin = j;
    let dot = 0;
    let vp = 0;
    for (let i = 0; i < as.n; i++) {
      dot += as.p[i] * psi[as.idx[i]];
      vp += as.p[i] * v[as.idx[i]];
    }
    gap = 2 * (dot - psi[jMin]);
    if (gap <= gapTolerance) {
      converged = true;
      break;
    }
    // R − R# = vᵀP + ψᵀP decreases strictly at every iteration in exact arithmetic; a few
    // iterations without decrease mean the rounding floor was hit above gapTolerance.
    const newObjective = vp + dot;
    stalls = newObjective < objective ? 0 : stalls + 1;
    objective = Math.min(objective, newObjective);
    if (iterations >= maxIterations || stalls > 3) break;
    if (where[jMin] < 0) {
      // Pairwise step from the away vertex a = argmax_{F} ψ towards j*: exact line search on
      // R along e_j* − e_a, capped at P_a; it strictly decreases R since ψ_j* < ψ_a.
      let away = 0;
      for (let i = 1; i < as.n; i++) if (psi[as.idx[i]] > psi[as.idx[away]]) away = i;
      addColumn(jMin);
      const { cap, h, p } = as;
      const k = as.n - 1;
      const slope = psi[jMin] - psi[as.idx[away]];
      const curvature = h[k * cap + k] - 2 * h[k * cap + away] + h[away * cap + away];
      const pa = p[away];
      const gamma = Math.min(pa, curvature > 0 ? -slope / curvature : Infinity);
      p[k] += gamma;
      p[away] = gamma === pa ? 0 : pa - gamma;
      cleanup();
    }
    solveRestricted();
  }

  // Final quantities from the fresh ψ of the last pricing (mass has not changed since).
  let vp = 0;
  for (let j = 0; j < size; j++) vp += v[j] * mass[j];
  const risk = riskConstant + 2 * vp + op.energy(mass);
  let minPsi = Infinity;
  for (let j = 0; j < size; j++) if (psi[j] < minPsi) minPsi = psi[j];
  const order = Array.from(as.idx.subarray(0, as.n)).sort((x, z) => x - z);
  let maxPsiOnSupport = -Infinity;
  const support: SupportAtom[] = order.map((index) => {
    if (psi[index] > maxPsiOnSupport) maxPsiOnSupport = psi[index];
    return { index, mass: mass[index], coordinates: cellCoordinates(operators, index), psi: psi[index] };
  });
  return {
    risk,
    lowerBound: risk - gap,
    dualityGap: gap,
    mass: Array.from(mass),
    psi: Array.from(psi),
    support,
    certificate: { minPsi, maxPsiOnSupport, violation: maxPsiOnSupport - minPsi },
    iterations,
    innerIterations,
    converged,
    gapTolerance,
    operator: op.description,
  };
}

function cellCoordinates(operators: GridOperators, cell: number): number[] {
  const { grid } = operators;
  return grid.centres.map((c, a) => c[Math.floor(cell / grid.strides[a]) % grid.shape[a]]);
}
