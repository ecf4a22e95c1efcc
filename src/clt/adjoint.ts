/**
 * Influence functions (radial adjoints) of observables Φ(ρ̄_T) along weighted radial
 * characteristics, with the nonlocal (interaction) term (src/clt/README.md, "The influence function
 * (adjoint)", "Along characteristics").
 *
 * Forward (solvers/characteristics.ts): nodes X_j(t), weights P_j (a quadrature of ρ̄_0),
 *   dX_j/dt = −2ξ(t) ψ'(X_j),   ψ(r) = v(r) + Σ_f Φ_f(r) A_f,   A_f = Σ_k P_k Φ_f(X_k).
 * Backward ("The (G, D) system"), with G_j(t) = g(t, X_j(t)) and D_j(t) = ∂_r g(t, X_j(t)):
 *   dG_j/dt = 2ξ Σ_f Φ_f(X_j) B_f,                       B_f(t) = Σ_k P_k D_k Φ_f'(X_k),
 *   dD_j/dt = 2ξ [ψ''(X_j) D_j + Σ_f Φ_f'(X_j) B_f],
 *   G_j(T) = f_T(X_j(T)),  D_j(T) = f_T'(X_j(T)),   f_T = δΦ/δρ̄ (ρ̄_T).
 * The B_f terms are the nonlocal part (the linearisation of ψ in ρ̄); `nonlocal: false` drops them
 * (transport-only ablation: G is then constant along characteristics).
 *
 * For the Lagrangian discretisation this is exactly the tangent-linear adjoint of the forward
 * system in the weights and initial positions ("It is the exact tangent-linear adjoint"): with the
 * weights free (Σ P ≠ 1 allowed),
 *   ∂Φ_T/∂P_k = G_k(0),   ∂Φ_T/∂X_k(0) = P_k D_k(0);
 * along a mass-preserving direction P → P + δ(e_k − P) the derivative is G_k(0) − Σ_j P_j G_j(0)
 * (the influence function is defined up to an additive constant). Hence, for N i.i.d. units from
 * ρ̄_0 (RVE Prop. 3.2; MMN Thm. 3 gives the O(N^{-1/2}) scale),
 *   Var Φ(ρ̂_T) = Var_init(T)/N + o(1/N),   Var_init(T) = Σ_j P_j G_j(0)² − (Σ_j P_j G_j(0))².
 *
 * Time stepping ("Discretisation"): classical RK4 backward with step 2h on the forward path stored at
 * every step h (the stages use the stored X at t, t − h, t − 2h, so the path must have uniform
 * steps and every terminal time must be an even number of steps). ψ'' comes from the model's
 * analytic second derivatives if it offers them, else from central differences of the analytic
 * ψ' (step 1e-6). The path may come from any node set, in particular separatrix-aware
 * quadratures (nodes split at the separatrix), which are needed for t ≳ 3 in MMN Fig. 1.
 */
import { evaluateSchedule, type StepSchedule } from '../types.ts';
import { solveCharacteristics, type SeparableRadialModel } from '../../solvers/characteristics.ts';
import { ConfigError } from '../errors.ts';

/** A separable radial model; optionally with analytic second derivatives for ψ''. */
export interface RadialKernelModel extends SeparableRadialModel {
  /** Optional: writes d2phi[f] = Φ_f''(r) (f < rank) and returns v''(r). */
  secondDerivatives?(r: number, d2phi: Float64Array): number;
}

/**
 * An observable Φ(ρ̄) of the radial law, evaluated on weighted nodes (ρ̄ = Σ_j P_j δ_{x_j}; the
 * weights are not assumed to sum to 1, so that ∂Φ/∂P is the first variation).
 */
export interface RadialObservable {
  readonly name: string;
  /** Φ(Σ_j p_j δ_{x_j}). */
  value(x: Float64Array, p: Float64Array): number;
  /** g_j = f(x_j), dg_j = f'(x_j), where f = δΦ/δρ̄ at ρ̄ = Σ p_j δ_{x_j} (the terminal data). */
  influence(x: Float64Array, p: Float64Array, g: Float64Array, dg: Float64Array): void;
}

/**
 * The risk R(ρ̄) = R# + 2 Σ_j p_j v(x_j) + Σ_f A_f², A_f = Σ_j p_j Φ_f(x_j) (MMN eq. 5 with the
 * separable kernel; the formula of solvers/characteristics.ts), with δR/δρ̄ = 2ψ and f' = 2ψ'.
 */
export function riskObservable(model: SeparableRadialModel): RadialObservable {
  const F = model.rank;
  const phi = new Float64Array(F);
  const dphi = new Float64Array(F);
  const moments = new Float64Array(F);
  const computeMoments = (x: Float64Array, p: Float64Array): void => {
    moments.fill(0);
    for (let j = 0; j < x.length; j++) {
      model.features(x[j], phi);
      for (let f = 0; f < F; f++) moments[f] += p[j] * phi[f];
    }
  };
  return {
    name: 'risk',
    value(x, p) {
      computeMoments(x, p);
      let r = model.riskConstant;
      for (let j = 0; j < x.length; j++) r += 2 * p[j] * model.v(x[j]);
      for (let f = 0; f < F; f++) r += moments[f] * moments[f];
      return r;
    },
    influence(x, p, g, dg) {
      computeMoments(x, p);
      for (let j = 0; j < x.length; j++) {
        model.features(x[j], phi, dphi);
        let psi = model.v(x[j]);
        let dpsi = model.dv(x[j]);
        for (let f = 0; f < F; f++) {
          psi += phi[f] * moments[f];
          dpsi += dphi[f] * moments[f];
        }
        g[j] = 2 * psi;
        dg[j] = 2 * dpsi;
      }
    },
  };
}

/** The mean Φ = Σ_j p_j h(x_j) of a function h of the reduced coordinate (f = h, f' = h'). */
export function meanObservable(name: string, h: (r: number) => number, dh: (r: number) => number): RadialObservable {
  return {
    name,
    value(x, p) {
      let s = 0;
      for (let j = 0; j < x.length; j++) s += p[j] * h(x[j]);
      return s;
    },
    influence(x, _p, g, dg) {
      for (let j = 0; j < x.length; j++) {
        g[j] = h(x[j]);
        dg[j] = dh(x[j]);
      }
    },
  };
}

/** The mean radius Σ_j p_j x_j (f = r, f' = 1). */
export const meanRadius: RadialObservable = meanObservable(
  'meanRadius',
  (r) => r,
  () => 1,
);

/** The forward characteristics at every step (CharacteristicsTrajectory.path). */
export interface CharacteristicsPath {
  times: readonly number[];
  positions: readonly Float64Array[];
}

/** One adjoint solution (G, D) for an observable and a terminal level, while the sweep passes. */
export interface AdjointState {
  /** Index into the observables. */
  readonly observable: number;
  /** Index into the terminal levels, and that level. */
  readonly terminal: number;
  readonly terminalLevel: number;
  readonly G: Float64Array;
  readonly D: Float64Array;
}

/** What a backward node exposes to `onNode` (valid only during the call). */
export interface AdjointNode {
  /** Path level (an even step index) and its time s. */
  readonly level: number;
  readonly time: number;
  /** Forward step h (backward nodes are 2h apart). */
  readonly h: number;
  /** ξ(s). */
  readonly xi: number;
  readonly x: Float64Array;
  /** ψ'(X_j(s)). */
  readonly dpsi: Float64Array;
  /** The states whose terminal time is ≥ s (those with terminal time s were just initialised). */
  readonly states: readonly AdjointState[];
}

export interface AdjointOptions {
  /** Keep the nonlocal (interaction) term (default true); false is the transport-only ablation. */
  nonlocal?: boolean;
  /** Central-difference step for ψ'' when the model has no analytic second derivatives (default 1e-6). */
  secondDerivativeStep?: number;
  /** Called at every backward node s = T_max, T_max − 2h, …, 0, after the step that reached it. */
  onNode?: (node: AdjointNode) => void;
}

export interface AdjointResult {
  /** Φ_T for each observable and terminal level: values[o][k]. */
  values: number[][];
  /** G(0) and D(0) for each observable and terminal level. */
  G0: Float64Array[][];
  D0: Float64Array[][];
}

/** Per-level data of the backward sweep: features (node-major, j·F + f), ψ', ψ'' at the stored positions. */
class LevelData {
  readonly phi: Float64Array;
  readonly dphi: Float64Array;
  /** One view per node into phi and dphi, made once. */
  readonly phiViews: Float64Array[];
  readonly dphiViews: Float64Array[];
  readonly dpsi: Float64Array;
  readonly d2psi: Float64Array;
  xi = 0;
  x: Float64Array = new Float64Array(0);

  constructor(n: number, F: number) {
    this.phi = new Float64Array(n * F);
    this.dphi = new Float64Array(n * F);
    this.phiViews = Array.from({ length: n }, (_, j) => this.phi.subarray(j * F, (j + 1) * F));
    this.dphiViews = Array.from({ length: n }, (_, j) => this.dphi.subarray(j * F, (j + 1) * F));
    this.dpsi = new Float64Array(n);
    this.d2psi = new Float64Array(n);
  }
}

/** Fills LevelData at one stored level (no allocation). */
class LevelEvaluator {
  private readonly moments: Float64Array;
  private readonly scratch: Float64Array;
  private readonly scratch2: Float64Array;

  constructor(
    private readonly model: RadialKernelModel,
    private readonly weights: Float64Array,
    private readonly step: number,
  ) {
    this.moments = new Float64Array(model.rank);
    this.scratch = new Float64Array(model.rank);
    this.scratch2 = new Float64Array(model.rank);
  }

  /** ψ'(r) = v'(r) + Σ_f Φ_f'(r) A_f with the current moments A. */
  private dpsiAt(r: number): number {
    const { model, moments, scratch, scratch2 } = this;
    model.features(r, scratch, scratch2);
    let s = model.dv(r);
    for (let f = 0; f < model.rank; f++) s += scratch2[f] * moments[f];
    return s;
  }

  fill(level: LevelData, x: Float64Array, xi: number): void {
    const { model, weights, moments } = this;
    const F = model.rank;
    const n = x.length;
    level.x = x;
    level.xi = xi;
    moments.fill(0);
    for (let j = 0; j < n; j++) {
      model.features(x[j], level.phiViews[j], level.dphiViews[j]);
      for (let f = 0; f < F; f++) moments[f] += weights[j] * level.phi[j * F + f];
    }
    for (let j = 0; j < n; j++) {
      let dpsi = model.dv(x[j]);
      for (let f = 0; f < F; f++) dpsi += level.dphi[j * F + f] * moments[f];
      level.dpsi[j] = dpsi;
      if (model.secondDerivatives) {
        let d2 = model.secondDerivatives(x[j], this.scratch);
        for (let f = 0; f < F; f++) d2 += this.scratch[f] * moments[f];
        level.d2psi[j] = d2;
      } else {
        if (!(x[j] > 0)) throw new RangeError(`adjoint: node ${j} sits at r = ${x[j]}; ψ'' by central differences needs r > 0`);
        const h = Math.min(this.step, 0.5 * x[j]);
        level.d2psi[j] = (this.dpsiAt(x[j] + h) - this.dpsiAt(x[j] - h)) / (2 * h);
      }
    }
  }
}

/** RK4 stage storage for one state. */
class StateWork {
  readonly kG: Float64Array[];
  readonly kD: Float64Array[];
  readonly tmpD: Float64Array;

  constructor(n: number) {
    this.kG = [0, 1, 2, 3].map(() => new Float64Array(n));
    this.kD = [0, 1, 2, 3].map(() => new Float64Array(n));
    this.tmpD = new Float64Array(n);
  }
}

/**
 * Backward sweep over a stored uniform path for several observables and terminal levels at once
 * (the per-level features are shared). `terminalLevels` are even step indices into the path.
 */
export function solveAdjoint(
  model: RadialKernelModel,
  weights: Float64Array,
  schedule: StepSchedule,
  path: CharacteristicsPath,
  observables: readonly RadialObservable[],
  terminalLevels: readonly number[],
  options: AdjointOptions = {},
): AdjointResult {
  const { nonlocal = true, secondDerivativeStep = 1e-6, onNode } = options;
  const n = weights.length;
  const F = model.rank;
  const levels = path.positions.length;
  if (path.times.length !== levels) throw new RangeError('adjoint: path.times and path.positions must have the same length');
  const h = levels > 1 ? path.times[levels - 1] / (levels - 1) : 0;
  for (let l = 0; l < levels; l++) {
    if (Math.abs(path.times[l] - l * h) > 1e-9 * Math.max(1, path.times[levels - 1])) {
      throw new RangeError(`adjoint: the path must have uniform steps (level ${l} is at t = ${path.times[l]}, expected ${l * h})`);
    }
    if (path.positions[l].length !== n) throw new RangeError(`adjoint: path level ${l} has ${path.positions[l].length} nodes, expected ${n}`);
  }
  for (const L of terminalLevels) {
    if (!(Number.isInteger(L) && L >= 0 && L < levels && L % 2 === 0)) {
      throw new RangeError(`adjoint: terminal levels must be even integers in [0, ${levels - 1}] (got ${L})`);
    }
  }

  const evaluator = new LevelEvaluator(model, weights, secondDerivativeStep);
  const data = [new LevelData(n, F), new LevelData(n, F), new LevelData(n, F)];
  const B = new Float64Array(F);

  /** kG, kD = right-hand side at `lev` for D = dState. */
  const rhs = (lev: LevelData, dState: Float64Array, kG: Float64Array, kD: Float64Array): void => {
    const c = 2 * lev.xi;
    B.fill(0);
    if (nonlocal) {
      for (let k = 0; k < n; k++) {
        const w = weights[k] * dState[k];
        if (w === 0) continue;
        const row = k * F;
        for (let f = 0; f < F; f++) B[f] += w * lev.dphi[row + f];
      }
    }
    for (let j = 0; j < n; j++) {
      const row = j * F;
      let sg = 0;
      let sd = 0;
      for (let f = 0; f < F; f++) {
        sg += lev.phi[row + f] * B[f];
        sd += lev.dphi[row + f] * B[f];
      }
      kG[j] = c * sg;
      kD[j] = c * (lev.d2psi[j] * dState[j] + sd);
    }
  };

  const states: (AdjointState & { work: StateWork })[] = [];
  const result: AdjointResult = {
    values: observables.map(() => terminalLevels.map(() => NaN)),
    G0: observables.map(() => terminalLevels.map(() => new Float64Array(n))),
    D0: observables.map(() => terminalLevels.map(() => new Float64Array(n))),
  };
  const top = terminalLevels.length ? Math.max(...terminalLevels) : 0;

  const activate = (level: number): void => {
    const x = path.positions[level];
    terminalLevels.forEach((L, k) => {
      if (L !== level) return;
      observables.forEach((obs, o) => {
        const state = { observable: o, terminal: k, terminalLevel: L, G: result.G0[o][k], D: result.D0[o][k], work: new StateWork(n) };
        obs.influence(x, weights, state.G, state.D);
        result.values[o][k] = obs.value(x, weights);
        states.push(state);
      });
    });
  };
  const notify = (level: number, lev: LevelData): void => {
    if (onNode) onNode({ level, time: path.times[level], h, xi: lev.xi, x: lev.x, dpsi: lev.dpsi, states });
  };

  let cur = data[0];
  evaluator.fill(cur, path.positions[top], evaluateSchedule(schedule, path.times[top]));
  activate(top);
  notify(top, cur);
  for (let level = top; level >= 2; level -= 2) {
    const mid = data[1];
    const end = data[2];
    evaluator.fill(mid, path.positions[level - 1], evaluateSchedule(schedule, path.times[level - 1]));
    evaluator.fill(end, path.positions[level - 2], evaluateSchedule(schedule, path.times[level - 2]));
    for (const s of states) {
      const { kG, kD, tmpD } = s.work;
      // y(t − 2h) = y(t) − (2h/6)(k1 + 2k2 + 2k3 + k4): the stages go backward in time.
      rhs(cur, s.D, kG[0], kD[0]);
      for (let j = 0; j < n; j++) tmpD[j] = s.D[j] - h * kD[0][j];
      rhs(mid, tmpD, kG[1], kD[1]);
      for (let j = 0; j < n; j++) tmpD[j] = s.D[j] - h * kD[1][j];
      rhs(mid, tmpD, kG[2], kD[2]);
      for (let j = 0; j < n; j++) tmpD[j] = s.D[j] - 2 * h * kD[2][j];
      rhs(end, tmpD, kG[3], kD[3]);
      const c = (2 * h) / 6;
      for (let j = 0; j < n; j++) {
        s.G[j] -= c * (kG[0][j] + 2 * kG[1][j] + 2 * kG[2][j] + kG[3][j]);
        s.D[j] -= c * (kD[0][j] + 2 * kD[1][j] + 2 * kD[2][j] + kD[3][j]);
      }
    }
    data[2] = cur;
    data[0] = end;
    cur = end;
    activate(level - 2);
    notify(level - 2, cur);
  }
  return result;
}

/** Σ_j p_j g_j² − (Σ_j p_j g_j)² with the weights normalised (Var_P(G)). */
export function weightedVariance(g: Float64Array, p: Float64Array): number {
  let total = 0;
  let m = 0;
  for (let j = 0; j < g.length; j++) {
    total += p[j];
    m += p[j] * g[j];
  }
  m /= total;
  let v = 0;
  for (let j = 0; j < g.length; j++) v += p[j] * (g[j] - m) ** 2;
  return v / total;
}

/**
 * The largest step h ≤ dtTarget such that every save time is a multiple of 4h: the backward RK4
 * with step 2h then lands on each of them, with an even number of backward steps (Simpson's rule
 * over the backward nodes, ./predict.ts). 4h = T_max / n for the smallest admissible integer
 * n ≥ T_max / (4 dtTarget). Throws a ConfigError naming `saveTimes` if none exists up to 64 times
 * that n (save times that are not commensurate, e.g. 1 and √2).
 */
export function commensurateStep(saveTimes: readonly number[], dtTarget: number): number {
  if (!(dtTarget > 0)) throw new RangeError(`commensurateStep: dtTarget must be > 0 (got ${dtTarget})`);
  const tMax = Math.max(0, ...saveTimes);
  if (tMax === 0) return dtTarget;
  const n0 = Math.ceil(tMax / (4 * dtTarget) - 1e-9);
  for (let n = n0; n <= 64 * n0; n++) {
    const ok = saveTimes.every((t) => {
      const k = (t * n) / tMax;
      return Math.abs(k - Math.round(k)) <= 1e-9 * Math.max(1, k);
    });
    if (ok) return tMax / (4 * n);
  }
  throw new ConfigError('saveTimes', `must be commensurate (all integer multiples of a common step near ${4 * dtTarget}); got ${JSON.stringify(saveTimes)}`);
}

/** Weighted radial nodes of ρ̄_0 plus the dynamics they follow. */
export interface RadialProblem {
  model: RadialKernelModel;
  nodes: Float64Array;
  weights: Float64Array;
  schedule: StepSchedule;
}

export interface InfluenceOptions extends AdjointOptions {
  /** Forward step target h (default 2e-3); adjusted down by `commensurateStep`. */
  dt?: number;
  /** Called after every forward step (it may throw, e.g. on a stop request). */
  onStep?: (t: number) => void;
}

export interface InfluenceResult {
  times: number[];
  /** Forward step actually used (the backward step is 2h). */
  dt: number;
  /** Φ_PDE(T): values[o][k]. */
  values: number[][];
  /** Var_init(T) = Var_P(G(0)): varInit[o][k]. */
  varInit: number[][];
  G0: Float64Array[][];
  D0: Float64Array[][];
}

/**
 * Forward characteristics with the whole path kept, then the backward sweep (src/clt/README.md, "Assembly", steps 1–3).
 * Returns Φ_PDE(T), G(0), D(0) and Var_init(T) for every observable and save time.
 */
export function influenceFunctions(
  problem: RadialProblem,
  saveTimes: readonly number[],
  observables: readonly RadialObservable[],
  options: InfluenceOptions = {},
): InfluenceResult {
  const dt = commensurateStep(saveTimes, options.dt ?? 2e-3);
  const traj = solveCharacteristics({ ...problem }, { saveTimes: [...saveTimes], dt, keepPath: true, onStep: options.onStep });
  const path = traj.path!;
  const levels = saveTimes.map((t) => Math.round(t / dt));
  const adj = solveAdjoint(problem.model, problem.weights, problem.schedule, path, observables, levels, options);
  return {
    times: [...saveTimes],
    dt,
    values: adj.values,
    varInit: adj.G0.map((row) => row.map((g) => weightedVariance(g, problem.weights))),
    G0: adj.G0,
    D0: adj.D0,
  };
}
