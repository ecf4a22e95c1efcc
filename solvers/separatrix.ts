/**
 * Separatrix-aware Lagrangian solver for the noiseless radial dynamics (MMN eq. 13; the split of the
 * flow: solvers/README.md, "Separatrices").
 *
 * The characteristics X(t; r0) of ∂_t ρ̄ = 2ξ ∂_r(ρ̄ ∂_r ψ) (solvers/characteristics.ts) carry the law:
 *   R(t) = R# + 2 ∫ v(X(t; r0)) ρ̄0(dr0) + Σ_f A_f(t)²,   A_f(t) = ∫ Φ_f(X(t; r0)) ρ̄0(dr0),
 * so every quantity is a quadrature over the INITIAL radius r0 of a function of the flow map
 * r0 ↦ X(T; r0). When the flow splits (MMN Fig. 1 for T ≳ 3: the smallest units collapse, the others
 * spread out), the flow map has a thin layer of width w(T) around a split point c(T) where
 *   J(T; r0) = ∂X(T; r0)/∂r0 = ρ̄0(r0) / ρ̄_T(X(T; r0))
 * is huge. Units starting at c + x linger near a repelling (hyperbolic) trajectory, leaving it after a
 * time ≈ λ⁻¹ log(1/|x|) (λ its repulsion rate), so outside the layer X(T; c + x) ≈ Γ(T − C + λ⁻¹ log|x|):
 * a function of log|x|, analytic in a disc of radius ∝ |x| around c + x, while inside the layer
 * (|x| ≲ w(T) ≈ e^{−∫λ dt}) the map is smooth on the scale w. As T → ∞ the layer closes and X(T; ·)
 * tends to a jump. A plain composite rule integrates that near-jump at O(1/M).
 *
 * The cure is the hp one for point singularities (geometric meshes: W. Gui & I. Babuška, Numer. Math. 49,
 * 1986; composite quadrature graded geometrically towards a singular point: C. Schwab, Computing 53,
 * 1994): split the rule at c and grade composite Gauss–Legendre panels geometrically towards c
 * from both sides,
 *   breakpoints c − a q^k and c + b q^k, k = 1..L   (a = c − lo, b = hi − c),
 * so that every panel is a fixed fraction of its distance to c, down to innermost panels ≲ w(T). The
 * error then falls like ρ^{−2n} in the nodes per panel n, uniformly in the distance to c, and the
 * levels needed grow only like L ≈ log(w/a)/log q.
 *
 * c(T) is found self-consistently (`locateSplit`): zero-weight tracer nodes are carried by the field of
 * the weighted nodes; their final positions give the slope profile J(T; ·) by finite differences; c is
 * its maximiser (the point of steepest flow-map gradient, which for finite T stands for the separatrix),
 * w its full width at half maximum. The rule is regraded around the new c (the field, hence c, depends
 * on the rule), the tracer window zooms onto the layer, and this repeats until c moves by less than a
 * set fraction of w.
 *
 * The layer moves with T, so a rule graded towards c(T) resolves earlier times t < T only as well as its
 * panels at distance |c(T) − c(t)| resolve w(t); a rule graded towards several split times at once
 * (`splitTimes`: the union of the geometric meshes) resolves each of them. MMN Fig. 1 (bench/fig1-reference.ts):
 * c(T) ≈ 0.628, 0.698, 0.706, 0.709 and w(T) ≈ 3.4e-2, 1.9e-3, 5.5e-4, 3.3e-4 at T = 5, 10, 15, 20 (the
 * repulsion weakens, and the split keeps drifting: there is no T-independent r0* at these times);
 * graded towards c(10) only, R(5) needs n = 24 for 1e-11, graded towards c(5) and c(10), n = 8.
 */
import { compositeGaussLegendre } from '../src/numerics/quadrature.ts';
import type { StepSchedule } from '../src/types.ts';
import { densitySupport, densityWeights, solveCharacteristics, type CharacteristicsTrajectory, type SeparableRadialModel } from './characteristics.ts';

/** A noiseless radial problem: the model and the initial law ρ̄0 by its log-density. */
export interface RadialFlowProblem {
  model: SeparableRadialModel;
  /** Log-density of ρ̄0 on (0, rMax], up to an additive constant (e.g. `chiLogDensity`). */
  logDensity: (r: number) => number;
  /** The support of ρ̄0 is looked for in [0, rMax] (`densitySupport`). */
  rMax: number;
  schedule: StepSchedule;
}

/** Geometric grading of composite Gauss–Legendre panels towards one or more centres (both sides of each). */
export interface Grading {
  /** Gauss–Legendre nodes per panel, n. */
  nodesPerPanel: number;
  /** Ratio q ∈ (0, 1) of successive distances to a centre (0.5 if omitted). */
  ratio?: number;
  /** Panels wider than this are split into equal parts ((hi − lo)/8 if omitted). */
  maxPanelWidth?: number;
}

/** A grading centre c with L graded breakpoints on each side: c − a q^k and c + b q^k, k = 1..L. */
export interface GradingCentre {
  at: number;
  levels: number;
}

export interface GradedQuadrature {
  nodes: Float64Array;
  /** P_j, Σ P_j = 1. */
  weights: Float64Array;
  centres: GradingCentre[];
  /** ρ̄0([0, c)) = Σ_{x_j < c} P_j for each centre c (the rule is split at every centre). */
  massBelow: number[];
  /** Panel ends lo … hi, increasing. */
  breakpoints: number[];
}

/**
 * Composite Gauss–Legendre quadrature of ρ̄0 split at every centre c and graded geometrically towards
 * it: breakpoints c − a q^k and c + b q^k (k = 1..L, a = c − lo, b = hi − c) on the support [lo, hi] of
 * `densitySupport`, the union over the centres; panels wider than maxPanelWidth are split evenly.
 * Every panel is therefore at most as wide as in the rule graded towards any one of the centres, and the
 * innermost panels at c have widths a q^L and b q^L.
 */
export function gradedRadialQuadrature(logDensity: (r: number) => number, rMax: number, centres: readonly GradingCentre[], grading: Grading): GradedQuadrature {
  const { lo, hi, peak } = densitySupport(logDensity, rMax);
  const { nodesPerPanel } = grading;
  const q = grading.ratio ?? 0.5;
  const maxWidth = grading.maxPanelWidth ?? (hi - lo) / 8;
  if (!(q > 0 && q < 1)) throw new RangeError(`gradedRadialQuadrature: the ratio must be in (0, 1) (got ${q})`);
  if (!(Number.isInteger(nodesPerPanel) && nodesPerPanel >= 1)) throw new RangeError(`gradedRadialQuadrature: nodesPerPanel must be an integer >= 1 (got ${nodesPerPanel})`);
  if (!(maxWidth > 0)) throw new RangeError(`gradedRadialQuadrature: maxPanelWidth must be > 0 (got ${maxWidth})`);
  const cuts = [lo, hi];
  for (const { at, levels } of centres) {
    if (!(at > lo && at < hi)) throw new RangeError(`gradedRadialQuadrature: the centre ${at} must lie inside the support (${lo}, ${hi})`);
    if (!(Number.isInteger(levels) && levels >= 0)) throw new RangeError(`gradedRadialQuadrature: levels must be an integer >= 0 (got ${levels})`);
    cuts.push(at);
    for (let k = 1; k <= levels; k++) cuts.push(at - (at - lo) * q ** k, at + (hi - at) * q ** k);
  }
  cuts.sort((x, y) => x - y);
  const breakpoints = [lo];
  for (let p = 1; p < cuts.length; p++) {
    const from = breakpoints[breakpoints.length - 1];
    if (!(cuts[p] > from)) continue;
    const pieces = Math.ceil((cuts[p] - from) / maxWidth);
    for (let i = 1; i < pieces; i++) breakpoints.push(from + (i * (cuts[p] - from)) / pieces);
    breakpoints.push(cuts[p]);
  }
  const rule = compositeGaussLegendre(lo, hi, breakpoints.slice(1, -1), nodesPerPanel);
  const weights = densityWeights(rule, logDensity, peak);
  const massBelow = centres.map(({ at }) => {
    let m = 0;
    for (let j = 0; j < weights.length && rule.nodes[j] < at; j++) m += weights[j];
    return m;
  });
  return { nodes: rule.nodes, weights, centres: centres.map((c) => ({ ...c })), massBelow, breakpoints };
}

/** Smallest number of levels L with side · q^L ≤ width (the innermost panel no wider than `width`). */
export function levelsFor(side: number, width: number, ratio = 0.5): number {
  return Math.max(0, Math.ceil(Math.log(width / side) / Math.log(ratio)));
}

/** The steepest point of a sampled monotone map and the width of its slope peak. */
export interface SlopePeak {
  /** Maximiser of the slope (of the local quintic interpolant; module doc of `slopePeak`). */
  at: number;
  /** The slope there. */
  slope: number;
  /** Full width at half maximum of the slope profile (NaN if a half-maximum point is outside the samples). */
  width: number;
  /** The discrete maximum is at the first or last sample interval (the peak may lie outside). */
  atEdge: boolean;
}

/**
 * Monomial coefficients a_0..a_5 in u of the quintic through (u_k, f_k), k < 6 (Newton divided
 * differences, then p ← p·(u − u_k) + Δ_k expanded from the top).
 */
function quintic(u: Float64Array, f: Float64Array): Float64Array {
  const m = u.length;
  const dd = Float64Array.from(f);
  for (let j = 1; j < m; j++) for (let k = m - 1; k >= j; k--) dd[k] = (dd[k] - dd[k - 1]) / (u[k] - u[k - j]);
  const a = new Float64Array(m);
  a[0] = dd[m - 1];
  for (let k = m - 2, deg = 0; k >= 0; k--, deg++) {
    for (let i = deg + 1; i >= 1; i--) a[i] = a[i - 1] - u[k] * a[i];
    a[0] = dd[k] - u[k] * a[0];
  }
  return a;
}

/** p^{(order)}(u) for monomial coefficients a (order 1 or 2). */
function derivative(a: Float64Array, u: number, order: 1 | 2): number {
  let sum = 0;
  for (let i = a.length - 1; i >= order; i--) sum = sum * u + (order === 1 ? i : i * (i - 1)) * a[i];
  return sum;
}

/**
 * Steepest point of a monotone map sampled at increasing y_i with values X_i. The finite-difference
 * slopes S_i = (X_{i+1} − X_i)/(y_{i+1} − y_i) locate the steepest interval [y_b, y_{b+1}]; the
 * quintic through the six samples y_{b−2..b+3} gives the maximiser of the slope as the root of its
 * second derivative between the neighbouring midpoints (bisection), and the slope there. (A parabola
 * through the log-slopes has an O(h²) bias of ~1% of the width at 16 samples per width, because the
 * peak of a log-type layer is skewed; the quintic's is O(h⁴).) Near the ends, or if the quintic has no
 * maximum there, the midpoint of the steepest interval and S_b are returned. The full width at half
 * maximum comes from the S_i (linear interpolation between midpoints).
 */
export function slopePeak(y: Float64Array, X: Float64Array): SlopePeak {
  const n = y.length - 1;
  if (n < 2 || X.length !== y.length) throw new RangeError('slopePeak: needs at least 3 samples and one value per sample');
  const mid = new Float64Array(n);
  const slope = new Float64Array(n);
  let best = 0;
  for (let i = 0; i < n; i++) {
    mid[i] = 0.5 * (y[i] + y[i + 1]);
    slope[i] = (X[i + 1] - X[i]) / (y[i + 1] - y[i]);
    if (slope[i] > slope[best]) best = i;
  }
  const top = slope[best];
  const atEdge = best === 0 || best === n - 1;
  let at = mid[best];
  let atSlope = top;
  if (best >= 2 && best + 3 <= n) {
    const h = y[best + 1] - y[best];
    const u = new Float64Array(6);
    const f = new Float64Array(6);
    for (let k = 0; k < 6; k++) {
      u[k] = (y[best - 2 + k] - y[best]) / h;
      f[k] = X[best - 2 + k];
    }
    const a = quintic(u, f);
    let lo = (mid[best - 1] - y[best]) / h;
    let hi = (mid[best + 1] - y[best]) / h;
    if (derivative(a, lo, 2) > 0 && derivative(a, hi, 2) < 0) {
      for (let it = 0; it < 60; it++) {
        const m = 0.5 * (lo + hi);
        if (derivative(a, m, 2) > 0) lo = m;
        else hi = m;
      }
      const um = 0.5 * (lo + hi);
      at = y[best] + h * um;
      atSlope = derivative(a, um, 1) / h;
    }
  }
  const half = 0.5 * top;
  let left = NaN;
  for (let i = best; i > 0; i--) {
    if (slope[i - 1] < half) {
      left = mid[i - 1] + ((half - slope[i - 1]) / (slope[i] - slope[i - 1])) * (mid[i] - mid[i - 1]);
      break;
    }
  }
  let right = NaN;
  for (let i = best; i < n - 1; i++) {
    if (slope[i + 1] < half) {
      right = mid[i] + ((slope[i] - half) / (slope[i] - slope[i + 1])) * (mid[i + 1] - mid[i]);
      break;
    }
  }
  return { at, slope: atSlope, width: right - left, atEdge };
}

/** Runs the weighted rule with zero-weight tracers to the save times; returns the tracer positions at each. */
function runWithTracers(
  problem: RadialFlowProblem,
  quad: { nodes: Float64Array; weights: Float64Array },
  tracers: Float64Array,
  saveTimes: readonly number[],
  dt: number,
): { trajectory: CharacteristicsTrajectory; tracerPositions: Float64Array[] } {
  const n = quad.nodes.length;
  const nodes = new Float64Array(n + tracers.length);
  nodes.set(quad.nodes);
  nodes.set(tracers, n);
  const weights = new Float64Array(nodes.length);
  weights.set(quad.weights);
  const all = solveCharacteristics({ model: problem.model, nodes, weights, schedule: problem.schedule }, { saveTimes, dt });
  const trajectory: CharacteristicsTrajectory = {
    ...all,
    positions: all.positions.map((x) => x.slice(0, n)),
    weights: Float64Array.from(quad.weights),
  };
  return { trajectory, tracerPositions: all.positions.map((x) => x.slice(n)) };
}

function linspace(a: number, b: number, m: number): Float64Array {
  return Float64Array.from({ length: m }, (_, i) => a + ((b - a) * i) / (m - 1));
}

export interface LocateOptions {
  /** Nodes per panel of the weighted rule while locating (8 if omitted). */
  nodesPerPanel?: number;
  /** Grading ratio q while locating (0.5 if omitted). */
  ratio?: number;
  /** RK4 step while locating. */
  dt: number;
  /** Tracers per window (64 if omitted). */
  tracers?: number;
  /** Stop when c moves by less than tolerance · w and w spans ≥ 8 tracer spacings (0.01 if omitted). */
  tolerance?: number;
  /** 30 if omitted. */
  maxIterations?: number;
  /** First guess of c (the middle of the support if omitted); the first window is the whole support. */
  centre?: number;
}

export interface LocateStep {
  /** Grading centre of the weighted rule in this iteration. */
  centre: number;
  /** Tracer window. */
  window: [number, number];
  peak: SlopePeak;
}

export interface SplitPoint {
  /** Time T of the flow map X(T; ·). */
  time: number;
  /** c(T): the point of steepest flow-map gradient, argmax_r0 ∂X(T; r0)/∂r0. */
  centre: number;
  /** Full width at half maximum w(T) of ∂X(T; ·)/∂r0 around c. */
  width: number;
  /** max ∂X(T; r0)/∂r0. */
  slope: number;
  steps: LocateStep[];
}

/**
 * Locates the split point c(T) of the flow map (module doc): tracer windows zoom from the whole
 * support onto the slope peak of X(T; ·) while the weighted rule is regraded around the current c with
 * levels down to the current window's scale. Throws if the steepest point is at an end of the support
 * (no interior split at this T) or if it does not settle within maxIterations.
 */
export function locateSplit(problem: RadialFlowProblem, T: number, options: LocateOptions): SplitPoint {
  const { lo, hi } = densitySupport(problem.logDensity, problem.rMax);
  const { nodesPerPanel = 8, ratio = 0.5, dt, tracers = 64, tolerance = 0.01, maxIterations = 30 } = options;
  if (!(T > 0)) throw new RangeError(`locateSplit: T must be > 0 (got ${T})`);
  let centre = options.centre ?? 0.5 * (lo + hi);
  let window: [number, number] = [lo, hi];
  const steps: LocateStep[] = [];
  for (let it = 0; it < maxIterations; it++) {
    const scale = 0.25 * (window[1] - window[0]);
    const levels = levelsFor(Math.max(centre - lo, hi - centre), scale, ratio);
    const quad = gradedRadialQuadrature(problem.logDensity, problem.rMax, [{ at: centre, levels }], { nodesPerPanel, ratio });
    const y = linspace(window[0], window[1], tracers);
    const X = runWithTracers(problem, quad, y, [T], dt).tracerPositions[0];
    const peak = slopePeak(y, X);
    steps.push({ centre, window, peak });
    const spacing = (window[1] - window[0]) / (tracers - 1);
    const resolved = !peak.atEdge && peak.width >= 8 * spacing;
    const moved = Math.abs(peak.at - centre);
    if (peak.atEdge && (peak.at - lo < 2 * spacing || hi - peak.at < 2 * spacing)) {
      throw new Error(`locateSplit: the flow map X(${T}; ·) is steepest at an end of the support (r0 = ${peak.at}): no interior split to grade towards`);
    }
    centre = peak.at;
    if (resolved && moved <= tolerance * peak.width) return { time: T, centre, width: peak.width, slope: peak.slope, steps };
    let halfWidth: number;
    if (peak.atEdge) halfWidth = window[1] - window[0]; // recentre on the edge and look twice as wide
    else if (Number.isNaN(peak.width)) halfWidth = 2 * (window[1] - window[0]); // peak wider than the window
    else halfWidth = Math.max(2 * peak.width, 4 * spacing); // zoom by ≥ tracers/8, or to 4 widths once resolved
    window = [Math.max(lo, centre - halfWidth), Math.min(hi, centre + halfWidth)];
  }
  throw new Error(`locateSplit: the split point at T = ${T} did not settle in ${maxIterations} iterations (last centre ${centre})`);
}

export interface SeparatrixOptions {
  saveTimes: readonly number[];
  /** RK4 step. */
  dt: number;
  /**
   * Times T whose split points c(T) the rule is graded towards (the last save time if omitted). The
   * rule resolves X(T; ·) best at these times; for the times between, see the module doc.
   */
  splitTimes?: readonly number[];
  /** Weighted rule. */
  grading: Grading & {
    /** Levels at every centre; per centre levelsFor(side, w(T)/8) + 2 if omitted (innermost panels ≤ w/32 with q = 0.5). */
    levels?: number;
  };
  /** Options of `locateSplit` (dt defaults to 2·dt); ignored if `splits` is given. */
  locate?: Partial<LocateOptions>;
  /** Split points found before (e.g. by a coarser run), one per split time: skips locating. */
  splits?: readonly Pick<SplitPoint, 'centre' | 'width'>[];
  /**
   * Tracers measuring each slope peak in the final run, uniform over c ± 2w (64 if omitted: c to ~3e-3 w;
   * 256: ~1e-5 w, see `slopePeak`).
   */
  tracers?: number;
}

export interface SeparatrixSolution {
  trajectory: CharacteristicsTrajectory;
  quadrature: GradedQuadrature;
  /** The located split points, one per split time (their `steps` are empty if they were given). */
  splits: SplitPoint[];
  /**
   * Slope peaks of X(T; ·) measured by tracers in the final run, one per split time: each `at` should
   * be within ≪ w of its split's centre (the rule is graded where the final field splits).
   */
  checks: SlopePeak[];
  /** The tracers of each check: initial radii y (uniform over c ± 2w) and their positions X(T; y). */
  tracers: { initial: Float64Array; final: Float64Array }[];
}

/**
 * Solves the noiseless radial dynamics by weighted characteristics on a rule of ρ̄0 split at the
 * split points c(T) of the split times and graded towards them (module doc), RK4 in time. Returns the
 * trajectory of the weighted nodes at the save times, the rule, the split points and their check in
 * the final field.
 */
export function solveSeparatrix(problem: RadialFlowProblem, options: SeparatrixOptions): SeparatrixSolution {
  const splitTimes = options.splitTimes ?? [options.saveTimes[options.saveTimes.length - 1]];
  if (options.splits && options.splits.length !== splitTimes.length) throw new RangeError('solveSeparatrix: one split point per split time is required');
  const splits: SplitPoint[] = splitTimes.map((T, k) =>
    options.splits
      ? { time: T, centre: options.splits[k].centre, width: options.splits[k].width, slope: NaN, steps: [] }
      : locateSplit(problem, T, { dt: 2 * options.dt, ...options.locate }),
  );
  const { lo, hi } = densitySupport(problem.logDensity, problem.rMax);
  const ratio = options.grading.ratio ?? 0.5;
  const centres = splits.map(({ centre, width }) => ({
    at: centre,
    levels: options.grading.levels ?? levelsFor(Math.max(centre - lo, hi - centre), width / 8, ratio) + 2,
  }));
  const quadrature = gradedRadialQuadrature(problem.logDensity, problem.rMax, centres, options.grading);
  const m = options.tracers ?? 64;
  const windows = splits.map(({ centre, width }) => linspace(Math.max(lo, centre - 2 * width), Math.min(hi, centre + 2 * width), m));
  const tracers = new Float64Array(m * splits.length);
  windows.forEach((y, k) => tracers.set(y, k * m));
  const times = [...new Set([...options.saveTimes, ...splitTimes])].sort((a, b) => a - b);
  const run = runWithTracers(problem, quadrature, tracers, times, options.dt);
  const finals = splits.map(({ time }, k) => run.tracerPositions[times.indexOf(time)].slice(k * m, (k + 1) * m));
  const checks = splits.map((_, k) => slopePeak(windows[k], finals[k]));
  const keep = options.saveTimes.map((t) => times.indexOf(t));
  const trajectory: CharacteristicsTrajectory = {
    ...run.trajectory,
    times: keep.map((k) => run.trajectory.times[k]),
    risk: keep.map((k) => run.trajectory.risk[k]),
    meanR: keep.map((k) => run.trajectory.meanR[k]),
    positions: keep.map((k) => run.trajectory.positions[k]),
  };
  return { trajectory, quadrature, splits, checks, tracers: windows.map((initial, k) => ({ initial, final: finals[k] })) };
}
