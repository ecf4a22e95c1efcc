/**
 * The nouns shared by both engines (grid PDE and particles). Plain interfaces only: every
 * concrete model lives in reduced-models/<name>/, every scheme in solvers/.
 *
 * Conventions (MMN = Mei–Montanari–Nguyen, PNAS 2018):
 *   Risk  R(ρ) = R# + 2 ∫V dρ + ∫∫U dρ dρ                                     (MMN eq. 5)
 *   Ψ(θ;ρ) = V(θ) + ∫U(θ,θ') ρ(dθ'),  δR/δρ = 2Ψ
 *   DD    ∂_t ρ = 2ξ(t) ∇·(ρ ∇Ψ(θ;ρ))  [+ 2ξ(t)/β Δρ]                       (MMN eq. 7, 12)
 * In reduced coordinates x̄ the same holds with V → v(x̄), U → the symmetry-averaged kernel u(x̄,x̄'),
 * and ρ → ρ̄ (the law of x̄). On a grid the unknowns are cell masses P (see src/grid.ts).
 */
import type { Grid } from './grid.ts';
import type { Rng } from './rng.ts';

/** Applies the interaction kernel u on a grid: out_j = Σ_k u(x_j, x_k) P_k. */
export interface InteractionOperator {
  /** Number of grid cells this operator acts on. */
  readonly size: number;
  /** out_j = Σ_k u(x_j, x_k) P_k (out is overwritten; no allocation). */
  apply(mass: Float64Array, out: Float64Array): void;
  /** Σ_jk P_j u(x_j, x_k) P_k. */
  energy(mass: Float64Array): number;
  /** Short description for provenance, e.g. "separable rank 24 (K=22)". */
  readonly description: string;
  /**
   * A copy of the operator on a WebAssembly memory that also holds `count` arrays of `size` doubles
   * and `scratchBytes` free bytes (null if it does not fit), so that a solver keeping its buffers there
   * applies the operator in place, with no copy passes (solvers/finite-volume.ts). Optional.
   */
  withArrays?(count: number, scratchBytes: number, shared?: boolean): ResidentInteraction | null;
}

/** An interaction operator with its WebAssembly memory, `arrays` on it and `scratch` (a byte offset) after them. */
export interface ResidentInteraction {
  readonly operator: InteractionOperator;
  readonly memory: WebAssembly.Memory;
  readonly arrays: Float64Array[];
  readonly scratch: number;
  /** With a shared memory: the operator's kernel module, and `split(thread)` to share its passes with a helper thread (solvers/kernel-thread.ts). */
  readonly module?: WebAssembly.Module;
  split?(thread: import('../solvers/kernel-thread.ts').KernelThread | null): void;
}

/**
 * The per-unit SGD-gradient moments of a model on a 1-D or 2-D grid, for the SGD-diffusion limit: for the
 * law with cell masses `mass` (M cells), at every cell centre the covariance of the reduced-coordinate
 * parts of one sample's gradient g and the Itô drifts of the reduction, component-major:
 *  - 1-D (e.g. r = |w|): covariance [Var_x(ŵ·g)], drift [b(r) = (2/r) E_x|g_⊥|²];
 *  - 2-D (e.g. r1, r2): covariance [Σ11 | Σ12 | Σ22], drift [b1 | b2].
 * The model derives them in its own README; the solver's side is solvers/README.md, "The SGD-diffusion limit".
 */
export interface SgdGradientMoments {
  moments(mass: Float64Array, covariance: Float64Array, drift: Float64Array): void;
}

/** Everything the grid solver needs from a model: potential and kernel at the cell centres. */
export interface GridOperators {
  readonly grid: Grid;
  /** v(x_j) at every cell centre. */
  readonly potential: Float64Array;
  readonly interaction: InteractionOperator;
  /** R# = E[y²]. */
  readonly riskConstant: number;
}

/** A reduced coordinate of a model and its natural range. */
export interface ReducedCoordinate {
  readonly name: string;
  /** Lower end of the natural domain (0 for radii, -Infinity for a, b). */
  readonly min: number;
  readonly max: number;
  /** A coordinate on a circle of length max − min (e.g. a unit's position on the circle). */
  readonly periodic?: boolean;
  /**
   * Exponent n of the reduction's Jacobian x^n (d − 1 for the radius of a Gaussian in R^d, 0 for a
   * signed coordinate): with noise it adds the drift (n/β)/x (MMN eq. 12 reduced).
   */
  readonly jacobianExponent?: number;
}

/** The infinite-width side of a model. */
export interface MeanFieldModel {
  readonly name: string;
  readonly coordinates: readonly ReducedCoordinate[];
  readonly riskConstant: number;
  /**
   * Potential and interaction on the grid's cell centres. `tolerance` bounds the kernel
   * truncation error (max over grid pairs) of any series representation.
   */
  gridOperators(grid: Grid, options?: { tolerance?: number }): GridOperators;
}

/** A scalar activation σ with its derivative (for particles). */
export interface Activation {
  value(t: number): number;
  derivative(t: number): number;
  /**
   * Optional: set when σ is continuous and piecewise linear — linear between the knots
   * t_0 < … < t_{m−1} (σ(t_k) = values[k]) and with slopes leftSlope / rightSlope outside — and
   * `derivative` is right-continuous at the knots (the slope of the piece on the right). Lets the
   * particle engine evaluate σ and σ' inside its SIMD kernels instead of calling value/derivative
   * per unit and sample; σ is then formed as α_j + m_j t per piece, which may differ from `value`
   * by rounding.
   */
  readonly piecewiseLinear?: PiecewiseLinearShape;
}

export interface PiecewiseLinearShape {
  readonly knots: readonly number[];
  readonly values: readonly number[];
  readonly leftSlope: number;
  readonly rightSlope: number;
}

/**
 * The finite-width side of a model: the data law in R^d, the unit σ*(x;θ) = a σ(<w,x> + b),
 * and the map from a unit to its reduced coordinates.
 */
export interface ParticleModel {
  readonly name: string;
  /** Ambient dimension d (finite). */
  readonly dimension: number;
  readonly activation: Activation;
  /** Draw one sample: writes x (length d) and returns the label y. */
  sampleData(rng: Rng, x: Float64Array): number;
  /** Names of the reduced coordinates written by toReduced. */
  readonly reducedNames: readonly string[];
  /** Reduced coordinates of unit (w, a, b) into out. */
  toReduced(w: Float64Array, a: number, b: number, out: Float64Array): void;
  /**
   * Exact population risk R_N(θ) = R# + (2/N) Σ V(θ_i) + (1/N²) Σ_ij U(θ_i,θ_j), with the diagonal
   * i = j terms and the actual angles between units. `w` is N×d row-major. Optional: models
   * without closed forms fall back to Monte Carlo test risk.
   */
  populationRisk?(w: Float64Array, a: Float64Array, b: Float64Array, n: number): number;
  /**
   * Optional: the exact population gradient, in mean-field units,
   *   G_i = (N/2) ∇_{θ_i} R_N(θ) = ∇_θ Ψ(θ_i; ρ̂_N) = ∇V(θ_i) + (1/N) Σ_j ∇_1 U(θ_i, θ_j)   (j = i included),
   * written to gw (N×d), ga, gb (length N). It is minus the expected SGD drift per unit step:
   * E[2 s (y − ŷ) ∇_{θ_i} σ*(x; θ_i)] = −2 s G_i (MMN eq. 3), so full-batch GD reads θ_i ← θ_i − 2 s G_i.
   * Used by the particle engine's `algorithm: 'gd'`.
   */
  populationGradient?(
    w: Float64Array, a: Float64Array, b: Float64Array, n: number,
    gw: Float64Array, ga: Float64Array, gb: Float64Array,
  ): void;
}

/** Step-size schedule ξ(t). */
export type StepSchedule =
  | { kind: 'constant'; value: number }
  /** ξ(t) = (t + t0)^(-alpha) */
  | { kind: 'power'; t0: number; alpha: number };

export function evaluateSchedule(s: StepSchedule, t: number): number {
  return s.kind === 'constant' ? s.value : Math.pow(t + s.t0, -s.alpha);
}

/** Provenance stored with every result. */
export interface Provenance {
  readonly package: string;
  readonly version: string;
  readonly seed: number | null;
  /** Version of the bulk normal stream the run drew from (src/rng.ts), e.g. 'ziggurat-wasm-1'. */
  readonly normalSampler: string;
  readonly createdAt: string;
  readonly node: string;
  readonly timings: Record<string, number>;
  /** The distinct particles.precision of the runs that have a particles block (absent when none has). */
  readonly precision?: readonly ('float64' | 'float32')[];
  /** Threads the particle kernels ran on (the most any replica used; particles.threads resolved), where particles ran. */
  readonly particleThreads?: 1 | 2;
}
