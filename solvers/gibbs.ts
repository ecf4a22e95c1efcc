/**
 * The stationary law of the noisy dynamics on the grid, found directly instead of by running the PDE to
 * long times. Its fixed points (MMN eq. 21, in reduced coordinates with the Jacobian Π_a x_a^{n_a}) are
 *
 *     P = T(P),   T(P)_j = e^{−W_j(P)} / Σ_k e^{−W_k(P)},   W = βλ|x|²/2 − Σ_a n_a log x_a + β(v + UP),
 *
 * exactly the discrete equilibria of the Scharfetter–Gummel scheme (solvers/diffusion.ts), so the
 * long-time limit of the finite-volume solver and this solution agree to the solver's convergence in time.
 * For a positive semi-definite kernel U (the MMN kernels are E[σσ]) the discrete free energy is strictly
 * convex and the fixed point unique.
 *
 * Newton's method on F(P) = P − T(P): the Jacobian is I − DT with
 *     DT·δ = −β T ⊙ (Uδ − ⟨T, Uδ⟩),
 * applied matrix-free (one interaction apply per product) inside GMRES; DT has the rank of U, so GMRES
 * converges in about rank(U) + 1 iterations. Each Newton step backtracks on ‖F‖₂ and falls back to a damped
 * Picard step P + α(T(P) − P) where the Newton direction does not reduce it.
 */
import { ConfigError } from '../src/errors.ts';
import type { GridOperators } from '../src/types.ts';
import { confinement, discreteFreeEnergy, discreteRisk, type NoiseSpec } from './finite-volume.ts';

export interface GibbsOptions {
  /** Starting masses (default: T of the uniform law, i.e. the Gibbs law of the current U·uniform). */
  readonly initial?: Float64Array;
  /** Stop when ‖P − T(P)‖₁ ≤ tolerance (default 1e-13). */
  readonly tolerance?: number;
  /** Newton iterations at most (default 50). */
  readonly maxIterations?: number;
}

export interface GibbsSolution {
  readonly mass: Float64Array;
  /** ‖P − T(P)‖₁ of the returned masses. */
  readonly residual: number;
  readonly iterations: number;
  readonly converged: boolean;
  readonly risk: number;
  readonly freeEnergy: number;
  /** Mean of every grid coordinate. */
  readonly means: number[];
}

/** e^{−W} normalised (the shift by min W keeps the exponentials in range), into out. */
function gibbsMap(w0: Float64Array, v: Float64Array, u: Float64Array, beta: number, out: Float64Array): void {
  let minW = Infinity;
  for (let j = 0; j < out.length; j++) {
    const w = w0[j] + beta * (v[j] + u[j]);
    out[j] = w;
    if (w < minW) minW = w;
  }
  let z = 0;
  for (let j = 0; j < out.length; j++) {
    const e = Math.exp(minW - out[j]);
    out[j] = e;
    z += e;
  }
  for (let j = 0; j < out.length; j++) out[j] /= z;
}

const norm2 = (x: Float64Array): number => {
  let s = 0;
  for (let j = 0; j < x.length; j++) s += x[j] * x[j];
  return Math.sqrt(s);
};

/**
 * Solves A x = b by GMRES(m) from x = 0 (modified Gram–Schmidt Arnoldi, Givens rotations), to
 * ‖b − Ax‖ ≤ tol·‖b‖ or m iterations; returns x.
 */
function gmres(apply: (x: Float64Array, out: Float64Array) => void, b: Float64Array, m: number, tol: number): Float64Array {
  const n = b.length;
  const x = new Float64Array(n);
  const beta0 = norm2(b);
  if (beta0 === 0) return x;
  const V: Float64Array[] = [Float64Array.from(b, (bi) => bi / beta0)];
  const H: number[][] = [];
  const cs: number[] = [];
  const sn: number[] = [];
  const g = [beta0];
  let k = 0;
  for (; k < m; k++) {
    const w = new Float64Array(n);
    apply(V[k], w);
    const h = new Array<number>(k + 2).fill(0);
    for (let i = 0; i <= k; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += w[j] * V[i][j];
      h[i] = s;
      for (let j = 0; j < n; j++) w[j] -= s * V[i][j];
    }
    h[k + 1] = norm2(w);
    for (let i = 0; i < k; i++) {
      const t = cs[i] * h[i] + sn[i] * h[i + 1];
      h[i + 1] = -sn[i] * h[i] + cs[i] * h[i + 1];
      h[i] = t;
    }
    const r = Math.hypot(h[k], h[k + 1]);
    cs.push(h[k] / r);
    sn.push(h[k + 1] / r);
    const lucky = h[k + 1];
    h[k] = r;
    h[k + 1] = 0;
    g.push(-sn[k] * g[k]);
    g[k] *= cs[k];
    H.push(h);
    if (Math.abs(g[k + 1]) <= tol * beta0 || lucky === 0) {
      k++;
      break;
    }
    V.push(w.map((wj) => wj / lucky));
  }
  // back substitution H y = g on the k × k triangle, x = V y
  const y = new Array<number>(k).fill(0);
  for (let i = k - 1; i >= 0; i--) {
    let s = g[i];
    for (let l = i + 1; l < k; l++) s -= H[l][i] * y[l];
    y[i] = s / H[i][i];
  }
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) x[j] += y[i] * V[i][j];
  return x;
}

/** The discrete Gibbs fixed point of the noisy dynamics on the grid of `operators` (see the file comment). */
export function solveGibbs(operators: GridOperators, noise: NoiseSpec, options: GibbsOptions = {}): GibbsSolution {
  const { grid, potential, interaction } = operators;
  const size = grid.size;
  const tolerance = options.tolerance ?? 1e-13;
  const maxIterations = options.maxIterations ?? 50;
  if (!(tolerance > 0)) throw new ConfigError('gibbs.tolerance', `must be > 0 (got ${tolerance})`);
  if (!(Number.isInteger(maxIterations) && maxIterations >= 1)) throw new ConfigError('gibbs.maxIterations', `must be an integer >= 1 (got ${maxIterations})`);
  if (options.initial && options.initial.length !== size) throw new ConfigError('gibbs.initial', `must have ${size} entries (got ${options.initial.length})`);
  const w0 = confinement(grid, noise); // W₀ = βλ|x|²/2 − Σ n_a log x_a, validated
  const { beta } = noise;
  const u = new Float64Array(size);
  const T = new Float64Array(size);
  /** F = P − T(P) into F (and T, u updated); returns ‖F‖₂. */
  const residualOf = (P: Float64Array, F: Float64Array): number => {
    interaction.apply(P, u);
    gibbsMap(w0, potential, u, beta, T);
    for (let j = 0; j < size; j++) F[j] = P[j] - T[j];
    return norm2(F);
  };

  let P = new Float64Array(size);
  if (options.initial) P.set(options.initial);
  else {
    interaction.apply(P.fill(1 / size), u);
    gibbsMap(w0, potential, u, beta, P);
  }
  let F = new Float64Array(size);
  let res = residualOf(P, F);
  const trial = new Float64Array(size);
  const trialF = new Float64Array(size);
  const Ud = new Float64Array(size);
  const l1 = (x: Float64Array) => x.reduce((s, xi) => s + Math.abs(xi), 0);
  let iterations = 0;
  while (l1(F) > tolerance && iterations < maxIterations) {
    iterations++;
    // Newton direction: (I − DT) δ = −F, with T and u of the current P
    const Tnow = Float64Array.from(T);
    const jacobian = (d: Float64Array, out: Float64Array): void => {
      interaction.apply(d, Ud);
      let mean = 0;
      for (let j = 0; j < size; j++) mean += Tnow[j] * Ud[j];
      for (let j = 0; j < size; j++) out[j] = d[j] + beta * Tnow[j] * (Ud[j] - mean);
    };
    const delta = gmres(jacobian, F.map((f) => -f), 200, 1e-14);
    const picard = Float64Array.from(F, (f) => -f); // T(P) − P
    let accepted = false;
    for (const direction of [delta, picard]) {
      for (let alpha = 1; alpha >= 1 / 1024; alpha /= 2) {
        let ok = true;
        for (let j = 0; j < size; j++) {
          trial[j] = P[j] + alpha * direction[j];
          if (!(trial[j] >= 0)) ok = false;
        }
        if (!ok) continue;
        const r = residualOf(trial, trialF);
        if (r < res) {
          P = Float64Array.from(trial);
          F = Float64Array.from(trialF);
          res = r;
          accepted = true;
          break;
        }
      }
      if (accepted) break;
    }
    if (!accepted) break; // no direction reduces ‖F‖: round-off floor
  }
  // masses sum to 1 up to round-off; report on the state itself
  residualOf(P, F);
  const residual = l1(F);
  const means = grid.axes.map((_, a) => {
    const x = grid.coordinateField(a);
    let s = 0;
    let total = 0;
    for (let j = 0; j < size; j++) {
      s += x[j] * P[j];
      total += P[j];
    }
    return s / total;
  });
  return {
    mass: P,
    residual,
    iterations,
    converged: residual <= tolerance,
    risk: discreteRisk(operators, P),
    freeEnergy: discreteFreeEnergy(operators, noise, P),
    means,
  };
}
