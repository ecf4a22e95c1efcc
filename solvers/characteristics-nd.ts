/**
 * Lagrangian (characteristics) solver for the noiseless n-D reduced distributional dynamics
 *   ∂_t ρ̄ = 2ξ(t) ∇·(ρ̄ ∇Ψ(θ; ρ̄)),   Ψ(θ; ρ̄) = v(θ) + ∫ u(θ, θ') ρ̄(dθ')          (MMN eq. 7, reduced)
 * with a separable kernel u(θ, θ') = Σ_f Φ_f(θ) Φ_f(θ'). Without noise the reduced equation has no
 * Jacobian drift (solvers/README.md, "The equation"): the reduced coordinates of a
 * unit follow the closed ODE θ' = −2ξ ∇Ψ(θ; ρ̄), and ρ̄ is transported by it. So the law is carried
 * exactly by weighted nodes (a quadrature of ρ̄_0: positions θ_j, weights P_j, Σ P_j = 1) moving with
 * the velocity field:
 *   dθ_j/dt = −2ξ(t) ∇Ψ(θ_j; ρ̄_t),   ∇Ψ(θ) = ∇v(θ) + Σ_f A_f ∇Φ_f(θ),   A_f = Σ_k P_k Φ_f(θ_k).
 * Risk R = R# + 2 Σ_j P_j v(θ_j) + Σ_f A_f² (MMN eq. 5 with δR/δρ = 2Ψ). Classical RK4 in time.
 *
 * This is the n-D analogue of ./characteristics.ts (the 1-D radial solver), generic over the small
 * `SeparableReducedModel` interface, which each model implements in its own folder (a model's reduced
 * side offers it as `characteristics`; see src/model.ts). A point-mass initial law
 * in some coordinates (MMN Fig. 3: a = b = 1 for every unit) stays exactly a point mass in them at
 * t = 0 here; a grid in those coordinates would smear it over a cell.
 *
 * Time steps: fixed (`dt`; the 4th-order test case), or adaptive by step doubling (`tolerance`):
 * one RK4 step of size h and two of size h/2 from the same state; their difference e (= 15× the
 * local error of the two half steps, to leading order) is compared with tolerance·(1 + |θ|) in the
 * max norm over nodes and coordinates; the step is accepted with the two half steps if the ratio is
 * ≤ 1, and h is rescaled by 0.9·ratio^(−1/5) (within [0.2, 4]). Explicit RK4 is only conditionally
 * stable: once the output weights grow (MMN Fig. 3 late phase) a fixed step that was fine early
 * goes unstable and the risk rises; the adaptive mode follows the stiffness. The last step before
 * each save time is shortened to land on it.
 */
import type { StepSchedule } from '../src/types.ts';
import { evaluateSchedule } from '../src/types.ts';

/** What the n-D characteristics solver needs from a reduced model with a separable kernel. */
export interface SeparableReducedModel {
  /** Number of reduced coordinates per point. */
  readonly ndim: number;
  /** Number of features F. */
  readonly rank: number;
  readonly riskConstant: number;
  /** Names of the coordinates (for reports). */
  readonly coordinates: readonly string[];
  /** Lower ends of the coordinates' domains (−Infinity if none); nodes are clamped to them (radii ≥ 0). */
  readonly lower: readonly number[];
  /**
   * Φ_f(θ_i) for n points (point-major, ndim each) into out[f·n + i] and, if gradOut is given,
   * ∂Φ_f/∂θ_axis into gradOut[(axis·F + f)·n + i] (the layout of the anisotropic models' `features`).
   */
  features(points: Float64Array, out: Float64Array, gradOut?: Float64Array): void;
  /** v(θ_i) into out[i]. */
  potential(points: Float64Array, out: Float64Array): void;
  /** ∇v(θ_i) into out[i·ndim + axis]. */
  potentialGradient(points: Float64Array, out: Float64Array): void;
}

export interface CharacteristicsNdProblem {
  model: SeparableReducedModel;
  /** Initial node positions θ_j(0), point-major (ndim per node). */
  nodes: Float64Array;
  /** Weights P_j ≥ 0 (Σ P_j = 1; zero weights are tracers that move but do not shape the field). */
  weights: Float64Array;
  schedule: StepSchedule;
}

export interface CharacteristicsNdOptions {
  saveTimes: readonly number[];
  /** RK4 step (fixed mode), or the first trial step (adaptive mode). */
  dt: number;
  /** Adaptive step doubling with this local error tolerance per step (absolute + relative to |θ|); omitted: fixed steps. */
  tolerance?: number;
  /** Largest step in adaptive mode (default Infinity). */
  dtMax?: number;
  /** Coordinates that do not move (velocity component set to 0: e.g. untrained a or b). */
  frozenAxes?: readonly number[];
  /** Polled between steps; true stops the run (completed save times are kept). */
  shouldStop?: () => boolean;
  /** Called after every accepted step with the time reached. */
  onProgress?: (t: number, step: number) => void;
}

export interface CharacteristicsNdTrajectory {
  times: number[];
  risk: number[];
  /** Weighted mean of each coordinate at each save time: means[axis][k]. */
  means: number[][];
  /** Weighted standard deviation of each coordinate: stds[axis][k]. */
  stds: number[][];
  /** Node positions at each save time (point-major). */
  positions: Float64Array[];
  weights: Float64Array;
  /** Accepted steps (adaptive mode: each made of two half steps) and rejected trial steps. */
  steps: number;
  rejected: number;
  stoppedEarly: boolean;
}

/**
 * Velocity workspace: −2ξ ∇Ψ(θ_j; ρ̄) for all nodes, ∇Ψ = ∇v + Σ_f A_f ∇Φ_f with the moments A_f of
 * the same evaluation of the features (one feature pass per evaluation); no allocation per call.
 */
class VelocityNd {
  private readonly phi: Float64Array;
  private readonly grad: Float64Array;
  private readonly vals: Float64Array;
  readonly moments: Float64Array;

  constructor(
    private readonly model: SeparableReducedModel,
    private readonly weights: Float64Array,
    private readonly n: number,
    private readonly frozen: readonly number[] = [],
  ) {
    this.phi = new Float64Array(model.rank * n);
    this.grad = new Float64Array(model.ndim * model.rank * n);
    this.vals = new Float64Array(n);
    this.moments = new Float64Array(model.rank);
  }

  /** A_f = Σ_k P_k Φ_f(θ_k) from the features in this.phi. */
  private accumulateMoments(): Float64Array {
    const { model, phi, moments, weights, n } = this;
    for (let f = 0; f < model.rank; f++) {
      let s = 0;
      const o = f * n;
      for (let k = 0; k < n; k++) s += weights[k] * phi[o + k];
      moments[f] = s;
    }
    return moments;
  }

  /** out[j·D + axis] = −2ξ ∂_axis Ψ(x_j). */
  evaluate(x: Float64Array, xi: number, out: Float64Array): void {
    const { model, grad, n } = this;
    const D = model.ndim;
    const F = model.rank;
    model.features(x, this.phi, grad);
    const A = this.accumulateMoments();
    model.potentialGradient(x, out);
    for (let ax = 0; ax < D; ax++) {
      for (let f = 0; f < F; f++) {
        const Af = A[f];
        if (Af === 0) continue;
        const o = (ax * F + f) * n;
        for (let j = 0; j < n; j++) out[j * D + ax] += Af * grad[o + j];
      }
    }
    const c = -2 * xi;
    for (let i = 0; i < out.length; i++) out[i] *= c;
    for (const ax of this.frozen) for (let j = 0; j < n; j++) out[j * D + ax] = 0;
  }

  /** R = R# + 2 Σ P_j v(θ_j) + Σ A_f². */
  risk(x: Float64Array): number {
    this.model.features(x, this.phi);
    const A = this.accumulateMoments();
    this.model.potential(x, this.vals);
    let r = this.model.riskConstant;
    for (let j = 0; j < this.n; j++) if (this.weights[j] !== 0) r += 2 * this.weights[j] * this.vals[j];
    for (let f = 0; f < A.length; f++) r += A[f] * A[f];
    return r;
  }
}

export function solveCharacteristicsNd(problem: CharacteristicsNdProblem, options: CharacteristicsNdOptions): CharacteristicsNdTrajectory {
  const { model, weights, schedule } = problem;
  const D = model.ndim;
  if (problem.nodes.length % D !== 0) throw new RangeError(`solveCharacteristicsNd: nodes must hold ${D} coordinates per node (got ${problem.nodes.length} numbers)`);
  const n = problem.nodes.length / D;
  if (weights.length !== n) throw new RangeError(`solveCharacteristicsNd: one weight per node is required (${n} nodes, ${weights.length} weights)`);
  if (!(options.dt > 0)) throw new RangeError(`solveCharacteristicsNd: dt must be > 0 (got ${options.dt})`);
  const tol = options.tolerance;
  if (tol !== undefined && !(tol > 0)) throw new RangeError(`solveCharacteristicsNd: tolerance must be > 0 (got ${tol})`);
  const dtMax = options.dtMax ?? Infinity;
  const size = n * D;
  const x = Float64Array.from(problem.nodes);
  const k1 = new Float64Array(size);
  const k2 = new Float64Array(size);
  const k3 = new Float64Array(size);
  const k4 = new Float64Array(size);
  const tmp = new Float64Array(size);
  const full = new Float64Array(size);
  const half = new Float64Array(size);
  const lower = model.lower;
  const clampAxes: number[] = [];
  for (let a = 0; a < D; a++) if (lower[a] > -Infinity) clampAxes.push(a);
  const clamp = (y: Float64Array) => {
    for (const a of clampAxes) for (let j = 0; j < n; j++) if (y[j * D + a] < lower[a]) y[j * D + a] = lower[a];
  };
  clamp(x);
  const frozen = options.frozenAxes ?? [];
  for (const ax of frozen) if (!(Number.isInteger(ax) && ax >= 0 && ax < D)) throw new RangeError(`solveCharacteristicsNd: frozen axis ${ax} is not in [0, ${D})`);
  const velocity = new VelocityNd(model, weights, n, frozen);
  const out: CharacteristicsNdTrajectory = {
    times: [], risk: [], means: Array.from({ length: D }, () => []), stds: Array.from({ length: D }, () => []),
    positions: [], weights: Float64Array.from(weights), steps: 0, rejected: 0, stoppedEarly: false,
  };
  let total = 0;
  for (let j = 0; j < n; j++) total += weights[j];
  const record = (t: number): void => {
    out.times.push(t);
    out.risk.push(velocity.risk(x));
    for (let a = 0; a < D; a++) {
      let m = 0;
      for (let j = 0; j < n; j++) m += weights[j] * x[j * D + a];
      m /= total;
      let v = 0;
      for (let j = 0; j < n; j++) v += weights[j] * (x[j * D + a] - m) ** 2;
      out.means[a].push(m);
      out.stds[a].push(Math.sqrt(Math.max(0, v / total)));
    }
    out.positions.push(Float64Array.from(x));
  };
  const stopRequested = () => options.shouldStop?.() === true;
  /**
   * One classical RK4 step of size h from (y, t) into dst (y and dst may be the same array); false, with
   * dst untouched, when a stop is requested before one of its stages (an evaluation can be slow: a formula
   * activation's Hermite quadratures at every node, so the stop is polled per stage, not per step).
   */
  const rk4 = (y: Float64Array, t: number, h: number, dst: Float64Array): boolean => {
    if (stopRequested()) return false;
    velocity.evaluate(y, evaluateSchedule(schedule, t), k1);
    for (let i = 0; i < size; i++) tmp[i] = y[i] + 0.5 * h * k1[i];
    clamp(tmp);
    if (stopRequested()) return false;
    velocity.evaluate(tmp, evaluateSchedule(schedule, t + 0.5 * h), k2);
    for (let i = 0; i < size; i++) tmp[i] = y[i] + 0.5 * h * k2[i];
    clamp(tmp);
    if (stopRequested()) return false;
    velocity.evaluate(tmp, evaluateSchedule(schedule, t + 0.5 * h), k3);
    for (let i = 0; i < size; i++) tmp[i] = y[i] + h * k3[i];
    clamp(tmp);
    if (stopRequested()) return false;
    velocity.evaluate(tmp, evaluateSchedule(schedule, t + h), k4);
    for (let i = 0; i < size; i++) dst[i] = y[i] + (h / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    clamp(dst);
    return true;
  };
  const stopped = () => {
    out.stoppedEarly = true;
    return out;
  };
  let t = 0;
  let h = Math.min(options.dt, dtMax);
  for (const target of options.saveTimes) {
    while (t < target - 1e-12 * Math.max(1, target)) {
      if (tol === undefined) {
        const step = Math.min(options.dt, target - t);
        if (!rk4(x, t, step, x)) return stopped();
        t += step;
        out.steps++;
        options.onProgress?.(t, out.steps);
        continue;
      }
      const last = target - t <= h;
      const step = last ? target - t : h;
      if (!rk4(x, t, step, full) || !rk4(x, t, 0.5 * step, half) || !rk4(half, t + 0.5 * step, 0.5 * step, half)) return stopped();
      let ratio = 0;
      for (let i = 0; i < size; i++) {
        const e = Math.abs(half[i] - full[i]) / (tol * (1 + Math.abs(half[i])));
        if (!(e <= ratio)) ratio = e; // NaN → reject
      }
      if (!Number.isFinite(ratio)) ratio = 1e6;
      const factor = Math.min(4, Math.max(0.2, 0.9 * Math.pow(Math.max(ratio, 1e-10), -0.2)));
      if (ratio <= 1) {
        x.set(half);
        t = last ? target : t + step;
        out.steps++;
        // a step shortened to land on a save time does not set the next trial size
        if (!last || step >= h) h = Math.min(dtMax, h * factor);
        options.onProgress?.(t, out.steps);
      } else {
        out.rejected++;
        h = step * factor;
        if (h < 1e-14 * Math.max(1, t)) throw new Error(`solveCharacteristicsNd: step size underflow at t = ${t} (tolerance ${tol})`);
      }
    }
    t = target;
    record(target);
  }
  return out;
}
