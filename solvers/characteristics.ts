/**
 * Lagrangian (characteristics) solver for the noiseless 1-D distributional dynamics
 *   ∂_t ρ̄ = 2ξ(t) ∂_r(ρ̄ ∂_r ψ),   ψ(r; ρ̄) = v(r) + ∫ u(r, r') ρ̄(dr')        (MMN eq. 13)
 * with a separable kernel u(r, r') = Σ_f Φ_f(r) Φ_f(r'). The law is carried by weighted radial
 * particles (a quadrature of ρ̄_0: nodes X_j, weights P_j) that move with the velocity field:
 *   dX_j/dt = −2ξ(t) ψ'(X_j),   ψ'(r) = v'(r) + Σ_f Φ_f'(r) A_f,   A_f = Σ_k P_k Φ_f(X_k).
 * Risk R = R# + 2 Σ_j P_j v(X_j) + Σ_f A_f². Classical RK4 in time with a fixed step.
 *
 * This is the independent second method beside the finite-volume solver (solvers/README.md, "The
 * equation": without noise the reduced law is transported). Before the flow map develops a separatrix
 * (t ≲ 3 for MMN Fig. 1) it converges spectrally in the number of nodes; afterwards a plain
 * quadrature converges like O(1/M), and solvers/separatrix.ts grades the
 * rule of ρ̄0 towards the split of the flow map instead. Zero-weight nodes are tracers: they move with
 * the field without shaping it.
 */
import { compositeGaussLegendre } from '../src/numerics/quadrature.ts';
import type { StepSchedule } from '../src/types.ts';
import { evaluateSchedule } from '../src/types.ts';

/** What the characteristics solver needs from a 1-D model with a separable kernel. */
export interface SeparableRadialModel {
  readonly riskConstant: number;
  /** Number of features F. */
  readonly rank: number;
  v(r: number): number;
  dv(r: number): number;
  /** phi[f] = Φ_f(r) and, if given, dphi[f] = Φ_f'(r), f < rank (one pass: they share the work). */
  features(r: number, phi: Float64Array, dphi?: Float64Array): void;
}

export interface CharacteristicsProblem {
  model: SeparableRadialModel;
  /** Initial node positions X_j(0) and weights P_j (Σ P_j = 1). */
  nodes: Float64Array;
  weights: Float64Array;
  schedule: StepSchedule;
}

export interface CharacteristicsOptions {
  saveTimes: readonly number[];
  /** RK4 step (the last step before each save time is shortened to land on it). */
  dt: number;
  /** Keep the node positions at every step (for adjoint/CLT computations). */
  keepPath?: boolean;
  /** Called after every step with its time (e.g. to poll a stop request: it may throw). */
  onStep?: (t: number) => void;
}

export interface CharacteristicsTrajectory {
  times: number[];
  risk: number[];
  meanR: number[];
  /** Node positions at each save time. */
  positions: Float64Array[];
  weights: Float64Array;
  /** Positions at every step (only with keepPath), with their times. */
  path?: { times: number[]; positions: Float64Array[] };
  steps: number;
}

/** Velocity field workspace: evaluates −2ξ ψ'(X_j) for all nodes in place. */
class Velocity {
  /** Φ_f(X_k) and Φ_f'(X_k), node-major (k · F + f), with one view per node made once (no allocation per step). */
  private readonly phiViews: Float64Array[];
  private readonly dphiViews: Float64Array[];
  private readonly phi: Float64Array;
  private readonly dphi: Float64Array;
  private readonly moments: Float64Array;

  constructor(
    private readonly model: SeparableRadialModel,
    private readonly weights: Float64Array,
    n: number,
  ) {
    const F = model.rank;
    this.phi = new Float64Array(F * n);
    this.dphi = new Float64Array(F * n);
    this.phiViews = Array.from({ length: n }, (_, k) => this.phi.subarray(k * F, (k + 1) * F));
    this.dphiViews = Array.from({ length: n }, (_, k) => this.dphi.subarray(k * F, (k + 1) * F));
    this.moments = new Float64Array(F);
  }

  /** Φ_f(x_k) (and Φ_f'(x_k)) at every node, and A_f = Σ_k P_k Φ_f(X_k). */
  private evaluateFeatures(x: Float64Array, withDerivatives: boolean): void {
    const { model, phi, moments, weights } = this;
    const F = model.rank;
    moments.fill(0);
    for (let k = 0; k < x.length; k++) {
      model.features(x[k], this.phiViews[k], withDerivatives ? this.dphiViews[k] : undefined);
      const p = weights[k];
      if (p === 0) continue; // zero-weight tracers move with the field but do not shape it
      for (let f = 0; f < F; f++) moments[f] += p * phi[k * F + f];
    }
  }

  /** out_j = −2ξ ψ'(x_j). */
  evaluate(x: Float64Array, xi: number, out: Float64Array): void {
    const { model, dphi, moments } = this;
    const F = model.rank;
    this.evaluateFeatures(x, true);
    for (let j = 0; j < x.length; j++) {
      let dpsi = model.dv(x[j]);
      for (let f = 0; f < F; f++) dpsi += dphi[j * F + f] * moments[f];
      out[j] = -2 * xi * dpsi;
    }
  }

  risk(x: Float64Array): number {
    this.evaluateFeatures(x, false);
    const { moments } = this;
    let r = this.model.riskConstant;
    for (let j = 0; j < x.length; j++) if (this.weights[j] !== 0) r += 2 * this.weights[j] * this.model.v(x[j]);
    for (let f = 0; f < this.model.rank; f++) r += moments[f] * moments[f];
    return r;
  }
}

export function solveCharacteristics(problem: CharacteristicsProblem, options: CharacteristicsOptions): CharacteristicsTrajectory {
  const { model, weights, schedule } = problem;
  const n = problem.nodes.length;
  if (weights.length !== n) throw new RangeError('solveCharacteristics: one weight per node is required');
  if (!(options.dt > 0)) throw new RangeError(`solveCharacteristics: dt must be > 0 (got ${options.dt})`);
  const x = Float64Array.from(problem.nodes);
  const k1 = new Float64Array(n);
  const k2 = new Float64Array(n);
  const k3 = new Float64Array(n);
  const k4 = new Float64Array(n);
  const tmp = new Float64Array(n);
  const velocity = new Velocity(model, weights, n);
  const out: CharacteristicsTrajectory = { times: [], risk: [], meanR: [], positions: [], weights: Float64Array.from(weights), steps: 0 };
  if (options.keepPath) out.path = { times: [0], positions: [Float64Array.from(x)] };
  const record = (t: number): void => {
    out.times.push(t);
    out.risk.push(velocity.risk(x));
    let m = 0;
    for (let j = 0; j < n; j++) m += weights[j] * x[j];
    out.meanR.push(m);
    out.positions.push(Float64Array.from(x));
  };
  let t = 0;
  for (const target of options.saveTimes) {
    while (t < target - 1e-12 * Math.max(1, target)) {
      const h = Math.min(options.dt, target - t);
      velocity.evaluate(x, evaluateSchedule(schedule, t), k1);
      for (let j = 0; j < n; j++) tmp[j] = Math.max(0, x[j] + 0.5 * h * k1[j]); // r ≥ 0 in every stage (σ with a kink at 0 drives r → 0)
      velocity.evaluate(tmp, evaluateSchedule(schedule, t + 0.5 * h), k2);
      for (let j = 0; j < n; j++) tmp[j] = Math.max(0, x[j] + 0.5 * h * k2[j]);
      velocity.evaluate(tmp, evaluateSchedule(schedule, t + 0.5 * h), k3);
      for (let j = 0; j < n; j++) tmp[j] = Math.max(0, x[j] + h * k3[j]);
      velocity.evaluate(tmp, evaluateSchedule(schedule, t + h), k4);
      for (let j = 0; j < n; j++) x[j] = Math.max(0, x[j] + (h / 6) * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]));
      t += h;
      out.steps++;
      if (out.path) {
        out.path.times.push(t);
        out.path.positions.push(Float64Array.from(x));
      }
      options.onStep?.(t);
    }
    t = target;
    record(target);
  }
  return out;
}

/**
 * Where a 1-D law with (unnormalised) log-density `logDensity` on [0, rMax] lives: [lo, hi] is the
 * hull of the points where the log-density is within `cutoff` (default 75) of its peak (scanned on 4000
 * cells, widened by one cell), so the mass left out is ≲ e^{-cutoff} relative. `peak` is the scanned
 * maximum of the log-density.
 */
export function densitySupport(logDensity: (r: number) => number, rMax: number, cutoff = 75): { lo: number; hi: number; peak: number } {
  const scan = 4000;
  let peak = -Infinity;
  for (let i = 1; i <= scan; i++) peak = Math.max(peak, logDensity((i / scan) * rMax));
  let lo = rMax;
  let hi = 0;
  for (let i = 0; i <= scan; i++) {
    const r = (i / scan) * rMax;
    if (logDensity(r) > peak - cutoff) {
      lo = Math.min(lo, r);
      hi = Math.max(hi, r);
    }
  }
  return { lo: Math.max(0, lo - rMax / scan), hi: Math.min(rMax, hi + rMax / scan), peak };
}

/**
 * Weights P_j = w_j e^{ℓ(x_j) − peak} / Σ_k w_k e^{ℓ(x_k) − peak} of a rule (x_j, w_j) for the law with
 * log-density ℓ: a quadrature of the normalised law, whatever the normalisation of ℓ.
 */
export function densityWeights(rule: { nodes: Float64Array; weights: Float64Array }, logDensity: (r: number) => number, peak: number): Float64Array {
  const weights = new Float64Array(rule.nodes.length);
  let total = 0;
  for (let j = 0; j < weights.length; j++) {
    weights[j] = rule.weights[j] * Math.exp(logDensity(rule.nodes[j]) - peak);
    total += weights[j];
  }
  for (let j = 0; j < weights.length; j++) weights[j] /= total;
  return weights;
}

/**
 * Quadrature (nodes, weights summing to 1) of a 1-D law with log-density `logDensity` on r ≥ 0:
 * the support (`densitySupport`) is split into `panels` equal Gauss–Legendre panels of
 * `nodesPerPanel` nodes. The weights are normalised, so the log-density may be unnormalised.
 */
export function radialQuadrature(logDensity: (r: number) => number, rMax: number, panels: number, nodesPerPanel: number): { nodes: Float64Array; weights: Float64Array } {
  const { lo, hi, peak } = densitySupport(logDensity, rMax);
  const breaks = Array.from({ length: panels - 1 }, (_, i) => lo + ((i + 1) * (hi - lo)) / panels);
  const rule = compositeGaussLegendre(lo, hi, breaks, nodesPerPanel);
  return { nodes: rule.nodes, weights: densityWeights(rule, logDensity, peak) };
}

/** Unnormalised log-density of r = |w| for w ~ N(0, s²/d I_d): (d−1) log r − d r²/(2s²). */
export function chiLogDensity(d: number, scale: number): (r: number) => number {
  return (r) => (r <= 0 ? -Infinity : (d - 1) * Math.log(r) - (d * r * r) / (2 * scale * scale));
}
