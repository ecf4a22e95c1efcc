/**
 * Conservative finite-volume solver for the distributional dynamics on cell masses P (Σ P = 1),
 * written against GridOperators only (any model, any number of reduced coordinates):
 *
 *     ∂_t ρ̄ = 2ξ(t) ∇·(ρ̄ ∇ψ),   ψ_j = v_j + (UP)_j                                  (MMN eq. 7, 13)
 *     ∂_t ρ̄ = 2ξ(t) ∇·(ρ̄ ∇ψ_λ) + (2ξ(t)/β) [Δρ̄ − Σ_a ∂_a(n_a ρ̄/x_a)],  ψ_λ = ψ + λ|x|²/2   (noisy, MMN eq. 12)
 *
 * Space: solvers/flux.ts (discrete-gradient velocities, upwind or MUSCL with a minmod, MC or van Leer
 * limiter; zero-flux walls or, per axis end, open outflow boundaries) and, in the noisy case,
 * solvers/diffusion.ts (Scharfetter–Gummel with zero-flux walls; the reconstruction options do not apply),
 * stepped explicitly or (options.diffusion = 'implicit') by the IMEX line solves of `implicitDriftDiffusionStep`.
 * Time: the SSP Runge–Kutta schemes of solvers/time-steppers.ts with Δt = cfl·C_SSP / rate, where rate is
 * Σ_a max|b_a|/h_a (transport; = max|b|/h in 1-D, positivity needs cfl ≤ ½) or the bound
 * Σ_a (D/h_a²)(2 + max|ΔW_a|) on the largest cell outflow rate (drift–diffusion; positivity needs cfl ≤ 1),
 * or a fixed Δt. Steps are shortened to land exactly on the save times.
 *
 * Open boundaries: the mass that leaves is accumulated from the boundary fluxes of every stage (with the
 * stage weights), reported as Trajectory.outflow / StepState.outflow, so that Σ P + outflow stays equal to
 * the initial mass to round-off.
 *
 * Guards (discrete forms of MMN Prop. 2 and eq. 24): after every step the guarded functional — the discrete risk
 * R_h = R# + 2Σ v P + Σ P (UP), or in the noisy case the free energy
 * F_h = R_h/2 + (λ/2) Σ |x|² P + β⁻¹ Σ P log(P / (vol · Π x_a^{n_a})) — is recomputed; a step that raises
 * it by more than 1e-13·max(1, |E|, Σ_j |P_j e_j|) (round-off of the sum) or makes any mass negative is
 * rejected and retried with Δt/2. Both functionals are exactly non-increasing for the semi-discrete
 * schemes with a symmetric interaction kernel, so rejections only ever shorten steps. With an open
 * boundary R_h is not monotone (departing mass takes its 2ψ with it), so only positivity is guarded.
 *
 * Cost per step (s stages): s interaction applies — the last stage's product UPⁿ⁺¹ serves both the
 * energy guard and the first stage of the next step — and s fused flux + stage-combination passes
 * (one per multi-cell axis), one load-only pass for the CFL rate and one for the guard; no allocation
 * per step. Noiseless MUSCL/minmod with zero-flux walls runs those passes in WebAssembly (flux-wasm.ts
 * in 1-D, flux-wasm-nd.ts on n-D grids), everything else in JavaScript (flux.ts, diffusion.ts); both
 * give identical results; with a separable interaction the six buffers live on a copy of the operator's
 * memory, so its applies read and write them in place (solvers/README.md, "Performance"), and
 * `threads: 2` shares those passes with a helper thread, bit-identically. Memory: six arrays of M doubles
 * (48 bytes per cell) besides the operators, plus that copy of the features (8·rank bytes per cell).
 * Choosing a limiter: minmod (default) is the most dissipative at smooth extrema; on the smooth 2-D test
 * of test/solvers/finite-volume-nd.test.ts van Leer and MC are ~3× more accurate at equal cost and reach
 * the asymptotic order 2 on coarser grids (they run in JavaScript, ~2× slower per stage).
 */
import type { Grid } from '../src/grid.ts';
import { ConfigError } from '../src/errors.ts';
import { evaluateSchedule, type GridOperators, type InteractionOperator, type SgdGradientMoments, type StepSchedule } from '../src/types.ts';
import { axisLines, LIMITERS, transportRate, transportStage, type AxisLines, type BoundaryKind, type Limiter, type Reconstruction } from './flux.ts';
import { driftDiffusionRate, driftDiffusionStage, implicitDriftDiffusionStep, implicitTransportRate, sgdDiffusionRate, sgdDiffusionStage } from './diffusion.ts';
import { WasmTransportLine } from './flux-wasm.ts';
import { transportKernels, WasmTransportGrid } from './flux-wasm-nd.ts';
import { KernelThread } from './kernel-thread.ts';
import { resolveThreads, type Threads } from '../src/parallel/threads.ts';
import { SCHEMES, type SchemeName, type SspScheme } from './time-steppers.ts';

/** Entropic regularisation of noisy SGD (MMN eq. 11–12), in the 2ξ/β Δ convention. */
export interface NoiseSpec {
  /** Inverse temperature β > 0. */
  readonly beta: number;
  /** ℓ2 regularisation λ: ψ_λ = ψ + λ|x|²/2. */
  readonly lambda: number;
  /** Jacobian exponent n_a per axis (d − 1 for the radius of R^d, 0 for a signed coordinate). */
  readonly jacobianExponents: readonly number[];
}

/**
 * Birth–death (Rotskoff, Jelassi, Bruna & Vanden-Eijnden, ICML 2019) on top of the transport: with
 * g = 2ψ = δR/δρ, ḡ = ∫g dρ/∫dρ and m = ∫(g − ḡ)⁺ dρ/∫dρ,
 *     ∂_t ρ ⊃ −α (g − ḡ) ρ                      (clone where g < ḡ, kill where g > ḡ)
 *     ∂_t ρ ⊃ −α (g − ḡ) ρ + α m (ρ0 − ρ)       (prior: killed mass re-drawn from ρ0)
 * applied after each accepted transport step as the exact solution of the frozen-g reaction
 * P_j ← P_j e^{−αΔt(g_j − ḡ)} renormalised to the mass before it, then (prior) P ← q P + (1 − q) ρ0 with
 * q = e^{−αmΔt}: positive and mass-preserving to round-off by construction, first order in Δt (Lie
 * splitting). The pure term lowers R_h at rate α Var_P(g) to first order, so the energy guard stays on;
 * the prior re-injects mass where g may be high, so with a prior only positivity is guarded.
 */
export interface BirthDeathSpec {
  /** α ≥ 0. */
  readonly rate: number;
  /** The term acts for t < until (default: always); steps land on `until`. */
  readonly until?: number;
  /** Cell masses of the prior ρ0 (normalised internally); absent: the pure birth–death term. */
  readonly prior?: Float64Array;
}

/**
 * The SGD-diffusion limit at a fixed step ε and batch B (1-D and 2-D grids; solvers/README.md, "The SGD-diffusion
 * limit at a fixed step"): besides the transport of ψ, the Itô drift
 * (εξ²/B) b and the diffusion (2εξ²/B) ∂_a∂_b(Σ_ab ρ̄) (solvers/diffusion.ts `sgdDiffusionStage`).
 */
export interface SgdDiffusionSpec {
  readonly epsilon: number;
  readonly batch: number;
  readonly moments: SgdGradientMoments;
}

/** Boundary condition of one axis: one kind for both ends, or one per end. */
export type AxisBoundary = BoundaryKind | { readonly lower: BoundaryKind; readonly upper: BoundaryKind };

export interface FiniteVolumeProblem {
  readonly operators: GridOperators;
  /** Cell masses at t = 0 (non-negative; the total is conserved with zero-flux boundaries). */
  readonly initialMass: Float64Array;
  readonly schedule: StepSchedule;
  readonly noise?: NoiseSpec;
  /** The SGD-diffusion limit instead of the deterministic one (noiseless, zero-flux, 1-D and 2-D grids). */
  readonly sgdDiffusion?: SgdDiffusionSpec;
  /**
   * Per grid axis (default: 'zero-flux' everywhere): 'zero-flux' walls, 'open' outflow ends where
   * mass leaves with the upwind flux (noiseless transport only), or 'periodic' (both ends: the axis is a
   * circle; transport and noise, all guarantees of walls; JavaScript kernels). See solvers/flux.ts.
   */
  readonly boundaries?: readonly AxisBoundary[];
  /** Birth–death reaction (see BirthDeathSpec). */
  readonly birthDeath?: BirthDeathSpec;
}

/** What a tracker sees after every accepted step. `mass` is the live state: copy what you keep. */
export interface StepState {
  readonly t: number;
  readonly dt: number;
  readonly step: number;
  readonly mass: Float64Array;
  /** The guarded functional: R_h (noiseless) or F_h (noisy). */
  readonly energy: number;
  readonly rejectedSteps: number;
  /** Mass that has left through open boundaries since t = 0 (0 with zero-flux boundaries). */
  readonly outflow: number;
}

export interface Tracker {
  initialize?(state: StepState): void;
  handle(state: StepState): void;
  finalize?(state: StepState): void;
}

/**
 * Cells from which threads 'auto' takes a helper thread: [1-D, n-D]. Measured two threads / one, interleaved
 * on 2 vCPUs with the second core idle (solvers/README.md): 1-D 0.62 at M = 2048 (rank 10), 1.05–1.26 at
 * M = 8192 … 32768; 32⁴ 1.57 (rank 2) and 1.61 (rank 12).
 */
export const AUTO_THREADS_CELLS: readonly [number, number] = [8192, 1 << 16];

export interface SolveOptions {
  /** Increasing times ≥ 0 at which to record the state (t = 0 is recorded if listed). */
  readonly saveTimes: readonly number[];
  readonly scheme?: SchemeName;
  /** Δt = cfl·C_SSP/rate (default 0.4). */
  readonly cfl?: number;
  /** Fixed step instead of the CFL step (still halved on rejection and shortened at save times). */
  readonly dt?: number;
  /**
   * Noisy problems: 'explicit' (default) runs the SSP scheme on the Scharfetter–Gummel flux, Δt ∝ h²;
   * 'implicit' takes the IMEX step of solvers/diffusion.ts (`implicitDriftDiffusionStep`, first order,
   * the scheme option does not apply) with Δt = cfl / (transport rate of ψ_λ).
   */
  readonly diffusion?: 'explicit' | 'implicit';
  readonly reconstruction?: Reconstruction;
  /**
   * MUSCL slope limiter (default 'minmod'): 'mc' (monotonized central) and 'van-leer' clip smooth
   * extrema less and keep the same positivity bound (solvers/flux.ts). 1-D problems with 'minmod' and
   * zero-flux walls run in WebAssembly, every other combination in JavaScript.
   */
  readonly limiter?: Limiter;
  /**
   * 'auto' (default): noiseless MUSCL/minmod problems with zero-flux walls run their stage, CFL-rate and
   * guard passes in WebAssembly (solvers/flux-wasm.ts for 1-D, flux-wasm-nd.ts for n-D grids);
   * 'javascript' forces the JavaScript kernels of flux.ts. Both give identical results.
   */
  readonly kernels?: 'auto' | 'javascript';
  /**
   * 2: with the WebAssembly kernels and a separable interaction, a helper thread (solvers/kernel-thread.ts)
   * takes half of every interaction pass (and, on n-D grids, of every transport sweep); bit-identical to 1.
   * 'auto' (default): 2 on grids of at least AUTO_THREADS_CELLS cells (1-D: M ≥ 8192; n-D: ≥ 2¹⁶ cells)
   * when a core is free for the helper (src/parallel/threads.ts), else 1 (solvers/README.md, "Performance").
   * Falls back to 1 when the helper is taken by another solve.
   */
  readonly threads?: Threads;
  /** Stop (stoppedEarly) after this many accepted steps (default 1e8). */
  readonly maxSteps?: number;
  readonly onProgress?: (t: number, step: number) => void;
  readonly shouldStop?: () => boolean;
  /** Keep a copy of P at every save time (default true). */
  readonly storeDensity?: boolean;
  /** Called after every accepted step (initialize at t = 0, finalize at the end). */
  readonly trackers?: readonly Tracker[];
}

export interface Trajectory {
  readonly times: number[];
  /** Σ_j P_j. */
  readonly mass: number[];
  /** min_j P_j. */
  readonly minMass: number[];
  /** Discrete risk R_h. */
  readonly risk: number[];
  /** Discrete free energy F_h (noisy problems only). */
  readonly freeEnergy?: number[];
  /** Cumulative mass that left through open boundaries by times[k] (only when some end is open). */
  readonly outflow?: number[];
  /** means[a][k]: mean of coordinate a at times[k]. */
  readonly means: number[][];
  readonly snapshots: Float64Array[];
  readonly steps: number;
  readonly rejectedSteps: number;
  readonly rejections: { readonly energy: number; readonly positivity: number };
  readonly wallTimeMs: number;
  readonly stoppedEarly: boolean;
  readonly stopReason?: 'shouldStop' | 'maxSteps';
  readonly scheme: SchemeName;
  readonly reconstruction: Reconstruction | 'scharfetter-gummel';
  /** How a noisy problem's drift–diffusion was stepped. */
  readonly diffusion?: 'explicit' | 'implicit';
  /** The MUSCL limiter used (noiseless MUSCL runs only). */
  readonly limiter?: Limiter;
}

/** Discrete risk R_h = R# + 2 Σ_j v_j P_j + Σ_jk P_j u_jk P_k (MMN eq. 5 on cell masses). */
export function discreteRisk(operators: GridOperators, mass: Float64Array): number {
  const { potential } = operators;
  let s = 0;
  for (let j = 0; j < mass.length; j++) s += potential[j] * mass[j];
  return operators.riskConstant + 2 * s + operators.interaction.energy(mass);
}

/**
 * Discrete free energy F_h = R_h/2 + (λ/2) Σ |x_j|² P_j + β⁻¹ Σ P_j log(P_j / (vol · Π_a x_a^{n_a}))
 * (MMN eq. 10 on the grid, with the reduced-coordinate Jacobian; 0·log 0 = 0).
 */
export function discreteFreeEnergy(operators: GridOperators, noise: NoiseSpec, mass: Float64Array): number {
  const w0 = confinement(operators.grid, noise);
  const u = new Float64Array(mass.length);
  operators.interaction.apply(mass, u);
  return freeEnergyInto(operators, noise.beta, w0, mass, u, { value: 0, scale: 0, min: 0 }).value;
}

/** W₀ = βλ|x|²/2 − Σ_a n_a log x_a at every cell centre: the state-independent part of W. */
export function confinement(grid: Grid, noise: NoiseSpec): Float64Array {
  const { beta, lambda, jacobianExponents } = noise;
  if (!(Number.isFinite(beta) && beta > 0)) throw new ConfigError('noise.beta', `must be finite and > 0 (got ${beta})`);
  if (!Number.isFinite(lambda)) throw new ConfigError('noise.lambda', `must be finite (got ${lambda})`);
  if (jacobianExponents.length !== grid.ndim) {
    throw new ConfigError('noise.jacobianExponents', `needs one exponent per grid axis (${grid.ndim}), got ${jacobianExponents.length}`);
  }
  const w0 = new Float64Array(grid.size);
  for (let a = 0; a < grid.ndim; a++) {
    const n = jacobianExponents[a];
    if (!Number.isFinite(n)) throw new ConfigError(`noise.jacobianExponents[${a}]`, `must be finite (got ${n})`);
    if (n !== 0 && !(grid.centres[a][0] > 0)) {
      throw new ConfigError(`noise.jacobianExponents[${a}]`, `a non-zero exponent needs axis "${grid.axes[a].name}" to have positive cell centres`);
    }
    const x = grid.coordinateField(a);
    for (let j = 0; j < grid.size; j++) w0[j] += (beta * lambda * x[j] * x[j]) / 2 - (n === 0 ? 0 : n * Math.log(x[j]));
  }
  return w0;
}

/** The guarded functional, the scale of its summands (for the round-off tolerance) and min_j P_j. */
interface EnergyValue {
  value: number;
  scale: number;
  min: number;
}

/** R_h = R# + Σ_j P_j (2v_j + u_j) with u = UP, with the scale and min P (the WebAssembly guard pass for 1-D lines). */
function riskInto(
  riskConstant: number,
  v: Float64Array,
  mass: Float64Array,
  u: Float64Array,
  out: EnergyValue,
  line: { guard(P: Float64Array, v: Float64Array, u: Float64Array): Float64Array } | null,
): EnergyValue {
  let s = 0;
  let abs = 0;
  let min = Infinity;
  if (line) {
    const sums = line.guard(mass, v, u);
    s = sums[0];
    abs = sums[1];
    min = sums[2];
  } else {
    for (let j = 0; j < mass.length; j++) {
      const p = mass[j];
      const e = p * (2 * v[j] + u[j]);
      s += e;
      abs += Math.abs(e);
      if (p < min) min = p;
    }
  }
  out.value = riskConstant + s;
  out.scale = Math.max(1, Math.abs(out.value), abs + Math.abs(riskConstant));
  out.min = min;
  return out;
}

function freeEnergyInto(operators: GridOperators, beta: number, w0: Float64Array, mass: Float64Array, u: Float64Array, out: EnergyValue): EnergyValue {
  const v = operators.potential;
  const logVol = Math.log(operators.grid.cellVolume);
  let s = 0;
  let abs = 0;
  let min = Infinity;
  for (let j = 0; j < mass.length; j++) {
    const p = mass[j];
    if (p < min) min = p;
    if (p <= 0) continue; // 0 log 0 = 0; a negative mass is rejected through `min`
    const e = p * (v[j] + 0.5 * u[j] + (w0[j] + Math.log(p) - logVol) / beta);
    s += e;
    abs += Math.abs(e);
  }
  out.value = operators.riskConstant / 2 + s;
  out.scale = Math.max(1, Math.abs(out.value), abs + Math.abs(operators.riskConstant) / 2);
  out.min = min;
  return out;
}

/** Relative round-off allowance of the energy guard. */
const ENERGY_TOLERANCE = 1e-13;
/** Consecutive halvings after which a step is declared impossible. */
const MAX_HALVINGS = 60;

function validate(problem: FiniteVolumeProblem, options: SolveOptions): void {
  const { operators, initialMass } = problem;
  const size = operators.grid.size;
  if (operators.potential.length !== size) throw new ConfigError('operators.potential', `must have ${size} entries (got ${operators.potential.length})`);
  if (operators.interaction.size !== size) throw new ConfigError('operators.interaction', `acts on ${operators.interaction.size} cells, the grid has ${size}`);
  if (initialMass.length !== size) throw new ConfigError('initialMass', `must have ${size} entries (got ${initialMass.length})`);
  for (let j = 0; j < size; j++) {
    if (!(initialMass[j] >= 0 && initialMass[j] < Infinity)) throw new ConfigError(`initialMass[${j}]`, `must be finite and >= 0 (got ${initialMass[j]})`);
  }
  const { saveTimes } = options;
  if (saveTimes.length === 0) throw new ConfigError('options.saveTimes', 'needs at least one time');
  for (let k = 0; k < saveTimes.length; k++) {
    const t = saveTimes[k];
    if (!(Number.isFinite(t) && t >= 0 && (k === 0 || t > saveTimes[k - 1]))) {
      throw new ConfigError(`options.saveTimes[${k}]`, `must be finite, >= 0 and increasing (got ${t})`);
    }
  }
  if (options.scheme !== undefined && !(options.scheme in SCHEMES)) {
    throw new ConfigError('options.scheme', `must be one of ${Object.keys(SCHEMES).join(', ')} (got ${String(options.scheme)})`);
  }
  if (options.cfl !== undefined && !(options.cfl > 0 && options.cfl < Infinity)) throw new ConfigError('options.cfl', `must be finite and > 0 (got ${options.cfl})`);
  if (options.dt !== undefined && !(options.dt > 0 && options.dt < Infinity)) throw new ConfigError('options.dt', `must be finite and > 0 (got ${options.dt})`);
  if (options.reconstruction !== undefined && options.reconstruction !== 'muscl' && options.reconstruction !== 'upwind') {
    throw new ConfigError('options.reconstruction', `must be "muscl" or "upwind" (got ${String(options.reconstruction)})`);
  }
  if (options.diffusion !== undefined && options.diffusion !== 'explicit' && options.diffusion !== 'implicit') {
    throw new ConfigError('options.diffusion', `must be "explicit" or "implicit" (got ${String(options.diffusion)})`);
  }
  if (options.kernels !== undefined && options.kernels !== 'auto' && options.kernels !== 'javascript') {
    throw new ConfigError('options.kernels', `must be "auto" or "javascript" (got ${String(options.kernels)})`);
  }
  if (options.limiter !== undefined && !LIMITERS.includes(options.limiter)) {
    throw new ConfigError('options.limiter', `must be one of ${LIMITERS.join(', ')} (got ${String(options.limiter)})`);
  }
  if (problem.boundaries !== undefined) {
    const b = problem.boundaries;
    if (b.length !== operators.grid.ndim) throw new ConfigError('boundaries', `needs one entry per grid axis (${operators.grid.ndim}), got ${b.length}`);
    const kinds: readonly unknown[] = ['zero-flux', 'open', 'periodic'];
    b.forEach((entry, a) => {
      const ends = typeof entry === 'string' ? [entry] : entry && typeof entry === 'object' ? [entry.lower, entry.upper] : [entry];
      for (const e of ends) {
        if (!kinds.includes(e)) throw new ConfigError(`boundaries[${a}]`, `must be "zero-flux", "open", "periodic" or {lower, upper} of those (got ${JSON.stringify(entry)})`);
      }
      if (ends.includes('periodic') && !(ends.length === 1 || ends[0] === ends[1])) {
        throw new ConfigError(`boundaries[${a}]`, `"periodic" applies to both ends of an axis (got ${JSON.stringify(entry)})`);
      }
    });
    if (problem.noise && resolveBoundaries(operators.grid.ndim, b).some((e) => e.lower === 'open' || e.upper === 'open')) {
      throw new ConfigError('boundaries', 'open boundaries are implemented for noiseless transport only (the noisy solver has zero-flux walls)');
    }
  }
  const bd = problem.birthDeath;
  if (bd) {
    if (!(bd.rate >= 0 && bd.rate < Infinity)) throw new ConfigError('birthDeath.rate', `must be finite and >= 0 (got ${bd.rate})`);
    if (bd.until !== undefined && !(bd.until >= 0)) throw new ConfigError('birthDeath.until', `must be >= 0 (got ${bd.until})`);
    if (bd.prior) {
      if (bd.prior.length !== size) throw new ConfigError('birthDeath.prior', `must have ${size} entries (got ${bd.prior.length})`);
      let total = 0;
      for (let j = 0; j < size; j++) {
        if (!(bd.prior[j] >= 0 && bd.prior[j] < Infinity)) throw new ConfigError(`birthDeath.prior[${j}]`, `must be finite and >= 0 (got ${bd.prior[j]})`);
        total += bd.prior[j];
      }
      if (!(total > 0)) throw new ConfigError('birthDeath.prior', 'must have positive mass');
    }
  }
  const sgd = problem.sgdDiffusion;
  if (sgd) {
    if (problem.noise) throw new ConfigError('limit', 'the SGD-diffusion limit is of noiseless SGD; drop "noise" or use "limit": "deterministic"');
    if (operators.grid.ndim > 2) throw new ConfigError('limit', `the SGD-diffusion limit is implemented on 1-D and 2-D grids (this one has ${operators.grid.ndim} axes)`);
    if (problem.boundaries !== undefined && resolveBoundaries(operators.grid.ndim, problem.boundaries).some((e) => e.lower !== 'zero-flux' || e.upper !== 'zero-flux')) {
      throw new ConfigError('boundaries', 'the SGD-diffusion limit has zero-flux walls');
    }
    if (!(sgd.epsilon > 0 && sgd.epsilon < Infinity)) throw new ConfigError('particles.epsilon', `must be finite and > 0 (got ${sgd.epsilon})`);
    if (!(Number.isInteger(sgd.batch) && sgd.batch >= 1)) throw new ConfigError('particles.batch', `must be an integer >= 1 (got ${sgd.batch})`);
  }
  if (options.maxSteps !== undefined && !(Number.isInteger(options.maxSteps) && options.maxSteps >= 0)) {
    throw new ConfigError('options.maxSteps', `must be an integer >= 0 (got ${options.maxSteps})`);
  }
  const xi0 = evaluateSchedule(problem.schedule, 0);
  if (!(xi0 >= 0 && xi0 < Infinity)) throw new ConfigError('schedule', `ξ(0) must be finite and >= 0 (got ${xi0})`);
}

/** Per-axis {lower, upper} boundary kinds (zero flux where not given). */
function resolveBoundaries(ndim: number, boundaries: readonly AxisBoundary[] | undefined): { lower: BoundaryKind; upper: BoundaryKind }[] {
  return Array.from({ length: ndim }, (_, a) => {
    const b = boundaries?.[a] ?? 'zero-flux';
    return typeof b === 'string' ? { lower: b, upper: b } : { lower: b.lower, upper: b.upper };
  });
}

/**
 * The stepping machinery for one problem: preallocated stage buffers (no allocation per step), the
 * fused stage kernels of solvers/flux.ts and solvers/diffusion.ts, and the guards.
 */
class Stepper {
  /** Current masses and U·state. */
  state: Float64Array;
  uState: Float64Array;
  private stageA: Float64Array;
  private stageB: Float64Array;
  /** U applied to the latest stage. */
  private uStage: Float64Array;
  private readonly axes: AxisLines[];
  private readonly w0: Float64Array | null;
  /** Implicit diffusion: βλ|x|²/2 (the transport part of w0, for the step) and the line-solve scratch. */
  private readonly implicit: { quadratic: Float64Array; scratch: Float64Array } | null;
  private readonly line: WasmTransportLine | null;
  /** The model's interaction operator, or its copy on the memory that holds the buffers below. */
  private readonly interaction: InteractionOperator;
  /** The helper thread sharing the interaction passes (options.threads = 2), released by `close`. */
  private thread: KernelThread | null = null;
  private readonly gridKernels: WasmTransportGrid | null;
  /** A copy of operators.potential next to the other buffers. */
  private readonly potential: Float64Array;
  private readonly combination: { S: Float64Array; a0: number; dt: number };
  /** Guarded functional of the state, and of the latest trial. */
  energy: EnergyValue = { value: 0, scale: 0, min: 0 };
  private trial: EnergyValue = { value: 0, scale: 0, min: 0 };
  /** Whether some axis end is open; then only positivity is guarded. */
  readonly open: boolean;
  /** False with open ends or a birth–death prior (the functional may then rise). */
  private readonly guardEnergy: boolean;
  /** SGD-diffusion limit: its parameters and the moments' buffers (the risk is not monotone: positivity guard only). */
  private readonly sgd: { spec: SgdDiffusionSpec; covariance: Float64Array; drift: Float64Array; ofState: boolean } | null;
  /** Mass that left through open ends since t = 0 (accepted steps only). */
  outflow = 0;
  /** The prior of a birth–death term, normalised to mass 1 (null without). */
  private readonly prior: Float64Array | null;

  constructor(
    private readonly operators: GridOperators,
    private readonly schedule: StepSchedule,
    private readonly scheme: SspScheme,
    private readonly reconstruction: Reconstruction,
    private readonly limiter: Limiter,
    private readonly noise: NoiseSpec | undefined,
    initialMass: Float64Array,
    boundaries?: readonly AxisBoundary[],
    kernels: 'auto' | 'javascript' = 'auto',
    private readonly birthDeath?: BirthDeathSpec,
    diffusion: 'explicit' | 'implicit' = 'explicit',
    sgdDiffusion?: SgdDiffusionSpec,
    threadSetting: Threads = 'auto',
  ) {
    const { grid } = operators;
    const size = grid.size;
    const threads = resolveThreads(threadSetting, size >= AUTO_THREADS_CELLS[grid.ndim === 1 ? 0 : 1]);
    const ends = resolveBoundaries(grid.ndim, boundaries);
    this.open = !noise && ends.some((e) => e.lower === 'open' || e.upper === 'open');
    const periodic = ends.some((e) => e.lower === 'periodic');
    // covariance [Σ] (1-D) or [Σ11 | Σ12 | Σ22] (2-D), drift [b_1 | … | b_ndim] (solvers/diffusion.ts)
    // (ofState: the buffers hold the moments of the current state, as `rate` leaves them for the first stage)
    this.sgd = sgdDiffusion ? { spec: sgdDiffusion, covariance: new Float64Array(size * (grid.ndim === 1 ? 1 : 3)), drift: new Float64Array(size * grid.ndim), ofState: false } : null;
    this.axes = axisLines(grid.shape, grid.strides, grid.spacing, this.open || periodic ? ends : undefined);
    this.w0 = noise ? confinement(grid, noise) : null;
    // the implicit line solve is tridiagonal (walls); a periodic axis keeps the explicit step
    this.implicit = noise && diffusion === 'implicit' && !periodic
      ? { quadratic: confinement(grid, { ...noise, jacobianExponents: noise.jacobianExponents.map(() => 0) }), scratch: new Float64Array(Math.max(...grid.shape)) }
      : null;
    // noiseless MUSCL/minmod with walls (the common case) runs its stage, CFL-rate and guard passes in
    // WebAssembly (flux-wasm.ts for 1-D, flux-wasm-nd.ts for n-D), on buffers that live in the kernels'
    // memory; everything else in JavaScript
    // (six arrays of a WebAssembly memory must fit in its 4 GiB); periodic axes run in JavaScript
    const wasm = kernels === 'auto' && !noise && !sgdDiffusion && reconstruction === 'muscl' && limiter === 'minmod' && !this.open && !periodic && size >= 2 && 48 * size < 2 ** 32 - 2 ** 20;
    // there, the buffers live on the interaction's own memory where it offers that (a separable operator's
    // copy: its applies read and write them in place, no copy passes)
    const resident = (wasm && operators.interaction.withArrays?.(6, grid.ndim === 1 ? WasmTransportLine.SCRATCH_BYTES : WasmTransportGrid.SCRATCH_BYTES, threads === 2)) || undefined;
    this.interaction = resident?.operator ?? operators.interaction;

    this.line = wasm && grid.ndim === 1 ? new WasmTransportLine(size, 6, resident) : null;
    this.gridKernels = wasm && grid.ndim > 1 ? new WasmTransportGrid(size, this.axes, 6, resident) : null;
    // threads = 2: the helper takes half of each interaction pass and, on n-D grids, of each transport sweep
    if (threads === 2 && resident?.module && resident.split) {
      const transport = transportKernels.compiled(true);
      this.thread = KernelThread.attach(resident.memory, [resident.module, transport]);
      resident.split(this.thread);
      this.gridKernels?.split(this.thread, transport);
    }
    const buffers = this.line?.arrays ?? this.gridKernels?.arrays ?? Array.from({ length: 6 }, () => new Float64Array(size));
    [this.potential, this.state, this.uState, this.stageA, this.stageB, this.uStage] = buffers;
    this.potential.set(operators.potential);
    this.state.set(initialMass);
    this.combination = { S: this.state, a0: 0, dt: 0 };
    if (birthDeath?.prior) {
      let total = 0;
      for (let j = 0; j < size; j++) total += birthDeath.prior[j];
      this.prior = Float64Array.from(birthDeath.prior, (p) => p / total);
    } else this.prior = null;
    this.guardEnergy = !this.open && !this.prior && !this.sgd;
    this.interaction.apply(this.state, this.uState);
    this.energyInto(this.state, this.uState, this.energy);
  }

  /** Hands the helper thread back (the stepper keeps working on one thread). */
  close(): void {
    this.thread?.release();
    this.thread = null;
  }

  private energyInto(mass: Float64Array, u: Float64Array, out: EnergyValue): EnergyValue {
    return this.w0
      ? freeEnergyInto(this.operators, this.noise!.beta, this.w0, mass, u, out)
      : riskInto(this.operators.riskConstant, this.potential, mass, u, out, this.line ?? this.gridKernels);
  }

  /** The birth–death reaction over αΔt = `strength` with g = 2(v + u) frozen (see BirthDeathSpec). */
  private react(P: Float64Array, u: Float64Array, strength: number): void {
    const v = this.potential;
    let total = 0;
    let mean = 0;
    for (let j = 0; j < P.length; j++) {
      total += P[j];
      mean += P[j] * 2 * (v[j] + u[j]);
    }
    if (!(total > 0)) return;
    mean /= total;
    let after = 0;
    let excess = 0;
    for (let j = 0; j < P.length; j++) {
      const d = 2 * (v[j] + u[j]) - mean;
      if (d > 0) excess += P[j] * d;
      const p = P[j] * Math.exp(-strength * d);
      P[j] = p;
      after += p;
    }
    const scale = total / after;
    const prior = this.prior;
    if (!prior) {
      for (let j = 0; j < P.length; j++) P[j] *= scale;
      return;
    }
    // the killed share 1 − q re-drawn from ρ0 (m = excess/total, q = e^{−αΔt m})
    const q = Math.exp((-strength * excess) / total);
    for (let j = 0; j < P.length; j++) P[j] = q * scale * P[j] + (1 - q) * total * prior[j];
  }

  riskOfState(): number {
    return riskInto(this.operators.riskConstant, this.potential, this.state, this.uState, { value: 0, scale: 0, min: 0 }, this.line ?? this.gridKernels).value;
  }

  /** Stability rate of the state at time t: Δt = cfl·C_SSP / rate (see flux.ts, diffusion.ts). */
  rate(t: number): number {
    const xi = evaluateSchedule(this.schedule, t);
    const { potential, line } = this;
    if (line) {
      const h = this.axes[0].h;
      return (2 * xi * line.maxDifference(potential, this.uState)) / (h * h);
    }
    if (this.gridKernels) return this.gridKernels.rate(potential, this.uState, xi);
    if (this.implicit) return implicitTransportRate(this.axes, this.implicit.quadratic, potential, this.uState, this.noise!.beta, xi);
    if (this.w0) return driftDiffusionRate(this.axes, this.w0, potential, this.uState, this.noise!.beta, xi);
    const transport = transportRate(this.axes, potential, this.uState, xi);
    if (!this.sgd) return transport;
    // the MUSCL transport may empty a cell at twice its rate, the SGD terms at theirs: cfl ≤ ½ keeps both
    const { spec, covariance, drift } = this.sgd;
    spec.moments.moments(this.state, covariance, drift);
    this.sgd.ofState = true;
    return transport + sgdDiffusionRate(this.axes, covariance, drift, (spec.epsilon * xi * xi) / spec.batch) / 2;
  }

  /**
   * One step of size dt from (state, t). On success the new state, its UP and its energy replace the
   * old ones and 'ok' is returned; otherwise nothing changes.
   */
  attempt(t: number, dt: number): 'ok' | 'energy' | 'positivity' {
    const { stages } = this.scheme;
    const { potential, line } = this;
    const comb = this.combination;
    comb.S = this.state;
    let prev = this.state;
    let prevU = this.uState;
    let next = this.stageA;
    // mass that left during the step: after stage i, (1 − a0ᵢ)·(that after stage i − 1) + the stage's own outflow
    let outflow = 0;
    if (this.implicit) {
      // one IMEX step with W at (Pⁿ, tⁿ): the SSP stages do not apply
      implicitDriftDiffusionStep(this.axes, prev, this.w0!, potential, prevU, this.noise!.beta, evaluateSchedule(this.schedule, t), dt, next, this.implicit.scratch);
      this.interaction.apply(next, this.uStage);
      prev = next;
    }
    for (let i = 0; i < (this.implicit ? 0 : stages.length); i++) {
      const { a0, b, c } = stages[i];
      comb.a0 = a0;
      comb.dt = b * dt;
      const xi = evaluateSchedule(this.schedule, t + c * dt);
      if (line) line.stage(prev, potential, prevU, comb.S, next, xi, this.axes[0].h, a0, comb.dt);
      else if (this.gridKernels) this.gridKernels.stage(prev, potential, prevU, comb.S, next, xi, a0, comb.dt);
      else if (this.w0) driftDiffusionStage(this.axes, prev, this.w0, potential, prevU, this.noise!.beta, xi, comb, next);
      else outflow = (1 - a0) * outflow + transportStage(this.axes, prev, potential, prevU, xi, this.reconstruction, comb, next, this.limiter);
      if (this.sgd) {
        const { spec, covariance, drift } = this.sgd;
        if (!(prev === this.state && this.sgd.ofState)) spec.moments.moments(prev, covariance, drift);
        this.sgd.ofState = prev === this.state;
        sgdDiffusionStage(this.axes, prev, covariance, drift, (spec.epsilon * xi * xi) / spec.batch, comb.dt, next);
      }
      // UP of the new stage (the last one's serves the energy guard and the next step's first stage)
      this.interaction.apply(next, this.uStage);
      prev = next;
      prevU = this.uStage;
      next = next === this.stageA ? this.stageB : this.stageA;
    }
    const bd = this.birthDeath;
    if (bd && bd.rate > 0 && (bd.until === undefined || t < bd.until)) {
      this.react(prev, this.uStage, bd.rate * dt);
      this.interaction.apply(prev, this.uStage);
    }
    // only the final state is checked: the guarantee is about the accepted states
    const trial = this.energyInto(prev, this.uStage, this.trial);
    if (trial.min < 0) return 'positivity';
    if (Number.isNaN(trial.value)) throw new Error(`finite-volume: the guarded energy became NaN at t = ${t} (dt = ${dt})`);
    if (this.guardEnergy && !(trial.value <= this.energy.value + ENERGY_TOLERANCE * Math.max(trial.scale, this.energy.scale))) {
      return 'energy';
    }
    // accept: swap the final stage, its UP and its energy into the state
    if (this.sgd) this.sgd.ofState = false;
    const oldState = this.state;
    this.state = prev;
    if (prev === this.stageA) this.stageA = oldState;
    else this.stageB = oldState;
    const oldU = this.uState;
    this.uState = this.uStage;
    this.uStage = oldU;
    this.trial = this.energy;
    this.energy = trial;
    this.outflow += outflow;
    return 'ok';
  }
}

/**
 * Solve the (noisy) distributional dynamics from problem.initialMass and record the state at
 * options.saveTimes. Throws ConfigError on invalid input, Error if a step cannot be made acceptable
 * by halving (e.g. NaN in the operators).
 */
export function solve(problem: FiniteVolumeProblem, options: SolveOptions): Trajectory {
  validate(problem, options);
  const start = performance.now();
  const schemeName: SchemeName = options.scheme ?? 'ssprk2';
  const scheme = SCHEMES[schemeName];
  const reconstruction = options.reconstruction ?? 'muscl';
  const limiter = options.limiter ?? 'minmod';
  const { noise } = problem;
  const diffusion = noise ? (options.diffusion ?? 'explicit') : undefined;
  const stepper = new Stepper(problem.operators, problem.schedule, scheme, reconstruction, limiter, noise, problem.initialMass, problem.boundaries, options.kernels, problem.birthDeath, diffusion, problem.sgdDiffusion, options.threads);
  try {
    return run(stepper, problem, options, { start, schemeName, reconstruction, limiter, diffusion });
  } finally {
    stepper.close();
  }
}

/** The time loop of `solve` on its stepper (`how`: the settings solve resolved, for the trajectory). */
function run(
  stepper: Stepper,
  problem: FiniteVolumeProblem,
  options: SolveOptions,
  how: { start: number; schemeName: SchemeName; reconstruction: Reconstruction; limiter: Limiter; diffusion: 'explicit' | 'implicit' | undefined },
): Trajectory {
  const { start, schemeName, reconstruction, limiter, diffusion } = how;
  const scheme = SCHEMES[schemeName];
  const cfl = options.cfl ?? 0.4;
  const maxSteps = options.maxSteps ?? 1e8;
  const storeDensity = options.storeDensity ?? true;
  const { operators, noise } = problem;
  const { grid } = operators;
  // birth–death switches off at `until`: steps land there as on a save time
  const switchOff = problem.birthDeath?.until;
  // marginal masses per axis, for the means (no per-cell coordinate arrays: 8·ndim bytes per cell saved)
  const marginals = grid.shape.map((n) => new Float64Array(n));

  const traj = {
    times: [] as number[],
    mass: [] as number[],
    minMass: [] as number[],
    risk: [] as number[],
    freeEnergy: noise ? ([] as number[]) : undefined,
    outflow: stepper.open ? ([] as number[]) : undefined,
    means: grid.shape.map(() => [] as number[]),
    snapshots: [] as Float64Array[],
  };
  const record = (t: number): void => {
    const P = stepper.state;
    let total = 0;
    let min = Infinity;
    for (let j = 0; j < P.length; j++) {
      total += P[j];
      if (P[j] < min) min = P[j];
    }
    traj.times.push(t);
    traj.mass.push(total);
    traj.minMass.push(min);
    traj.risk.push(stepper.riskOfState());
    traj.freeEnergy?.push(stepper.energy.value);
    traj.outflow?.push(stepper.outflow);
    for (let a = 0; a < grid.ndim; a++) {
      const marginal = marginals[a].fill(0);
      const n = grid.shape[a];
      const stride = grid.strides[a];
      for (let base = 0; base < P.length; base += n * stride) {
        for (let i = 0; i < n; i++) {
          let m = marginal[i];
          for (let j = base + i * stride, end = j + stride; j < end; j++) m += P[j];
          marginal[i] = m;
        }
      }
      const x = grid.centres[a];
      let s = 0;
      for (let i = 0; i < n; i++) s += x[i] * marginal[i];
      traj.means[a].push(s / total);
    }
    if (storeDensity) traj.snapshots.push(Float64Array.from(P));
  };

  const trackers = options.trackers ?? [];
  const info = { t: 0, dt: 0, step: 0, mass: stepper.state, energy: stepper.energy.value, rejectedSteps: 0, outflow: 0 };
  for (const tr of trackers) tr.initialize?.(info);

  const saveTimes = options.saveTimes;
  let next = 0;
  let t = 0;
  if (saveTimes[0] === 0) {
    record(0);
    next = 1;
  }
  let steps = 0;
  let rejectedEnergy = 0;
  let rejectedPositivity = 0;
  let stopReason: 'shouldStop' | 'maxSteps' | undefined;
  const end = saveTimes[saveTimes.length - 1];
  const cflStep = (rate: number) => (rate > 0 ? (cfl * scheme.sspCoefficient) / rate : end - t);

  while (next < saveTimes.length) {
    if (steps >= maxSteps) {
      stopReason = 'maxSteps';
      break;
    }
    const saveTarget = saveTimes[next];
    const target = switchOff !== undefined && switchOff > t && switchOff < saveTarget ? switchOff : saveTarget;
    let dt = options.dt ?? cflStep(stepper.rate(t));
    let landing = false;
    if (t + dt >= target - 1e-12 * Math.max(1, target)) {
      dt = target - t;
      landing = true;
    }
    let halvings = 0;
    for (;;) {
      const outcome = stepper.attempt(t, dt);
      if (outcome === 'ok') break;
      if (outcome === 'energy') rejectedEnergy++;
      else rejectedPositivity++;
      if (++halvings > MAX_HALVINGS) {
        throw new Error(`finite-volume: no acceptable step at t = ${t} after ${MAX_HALVINGS} halvings (last failure: ${outcome})`);
      }
      dt /= 2;
      landing = false;
    }
    t = landing ? target : t + dt;
    steps++;
    info.t = t;
    info.dt = dt;
    info.step = steps;
    info.mass = stepper.state;
    info.energy = stepper.energy.value;
    info.rejectedSteps = rejectedEnergy + rejectedPositivity;
    info.outflow = stepper.outflow;
    for (const tr of trackers) tr.handle(info);
    options.onProgress?.(t, steps);
    if (landing && target === saveTarget) {
      record(t);
      next++;
    }
    if (next < saveTimes.length && options.shouldStop?.()) {
      stopReason = 'shouldStop';
      break;
    }
  }
  for (const tr of trackers) tr.finalize?.(info);

  return {
    ...traj,
    steps,
    rejectedSteps: rejectedEnergy + rejectedPositivity,
    rejections: { energy: rejectedEnergy, positivity: rejectedPositivity },
    wallTimeMs: performance.now() - start,
    stoppedEarly: stopReason !== undefined,
    stopReason,
    scheme: schemeName,
    reconstruction: noise ? 'scharfetter-gummel' : reconstruction,
    diffusion,
    limiter: noise || reconstruction === 'upwind' ? undefined : limiter,
  };
}
