/**
 * The model interface: what a model offers to the commands. Every model lives in
 * reduced-models/<name>/ and exports one `ModelDefinition`; reduced-models/index.ts is the only table
 * of names. Commands build a `Model` from the spec's `model` block (`resolveModel` there), ask it what it
 * offers (`reduced`, `particles`, optional capabilities) and fail with a clear error naming the missing
 * capability otherwise. Nothing outside reduced-models/ names a model.
 *
 * Conventions (the MMN form, which every model is written in; MMN = Mei–Montanari–Nguyen, PNAS 2018):
 *   risk  R(ρ) = R# + 2 ∫V dρ + ∫∫U dρ dρ                                       (MMN eq. 5)
 *   Ψ(θ; ρ) = V(θ) + ∫U(θ, θ') ρ(dθ'),  DD  ∂_t ρ = 2ξ(t) ∇·(ρ ∇Ψ)  [+ noise]    (MMN eq. 7, 12)
 * in the model's reduced coordinates (V → v, U → the symmetry-averaged kernel u, ρ → the reduced law).
 * A model whose natural flow is ∂_t ρ = ∇·(ρ∇Ψ) (loss L = R/2) states ξ = ½ through `timeScale`.
 */
import type { z } from 'zod';
import { parseWith } from './spec/fields.ts';
import type { Grid } from './grid.ts';
import type { Rng } from './rng.ts';
import type { GridOperators, ParticleModel, ReducedCoordinate, SgdGradientMoments } from './types.ts';
import type { SeparableReducedModel } from '../solvers/characteristics-nd.ts';
import type { BoundaryKind } from '../solvers/flux.ts';

export type { ReducedCoordinate } from './types.ts';

/** Weighted nodes of a reduced law: positions point-major (ndim per node), weights Σ = 1. */
export interface WeightedNodes {
  readonly nodes: Float64Array;
  readonly weights: Float64Array;
}

/** Cell masses of a reduced law on a grid, with the mass the grid could not hold. */
export interface GridLawMasses {
  readonly mass: Float64Array;
  readonly truncatedMass: number;
}

/** The interaction truncation a reduced side chose, for provenance and error statements. */
export interface KernelChoice {
  /** Series order K (0 when exact). */
  readonly order: number;
  /** Number of separable features (or cells for dense/FFT operators). */
  readonly rank: number;
  /** Rigorous bound on the kernel's truncation error over the region it was chosen for. */
  readonly bound: number;
  readonly description: string;
}

/** A separable reduced model for the characteristics solver, with the truncation it was built at. */
export interface CharacteristicsModel extends KernelChoice {
  readonly model: SeparableReducedModel;
}

/** Numerics of a characteristics solution that the spec chooses (`solver` block). */
export interface NodeResolution {
  readonly panels: number;
  readonly nodesPerPanel: number;
}

/** The infinite-width side of a model: its reduced coordinates and the objects the PDE solvers need. */
export interface ReducedSide<GridSpec = unknown, InitSpec = unknown> {
  readonly coordinates: readonly ReducedCoordinate[];
  readonly riskConstant: number;
  /** The method `solve` and `compare` use when the spec does not name one. */
  readonly defaultMethod: 'finite-volume' | 'characteristics';
  /** The grid of the spec's `grid` block (validated by the definition's `grid` schema). */
  grid?(spec: GridSpec): Grid;
  /**
   * True when the spec's grid leaves the cell counts to the accuracy target `solver.riskTolerance`
   * (src/pde/error-estimate.ts); `grid(spec)` then gives the coarsest grid the refinement starts from.
   */
  gridIsAutomatic?(spec: GridSpec): boolean;
  /** Potential and interaction on the cell centres; `tolerance` bounds the kernel truncation error. */
  gridOperators?(grid: Grid, options: { tolerance: number }): GridOperators & { readonly kernel: KernelChoice };
  /**
   * Boundary kind per grid axis. Default: 'periodic' for periodic coordinates, 'zero-flux' walls otherwise;
   * 'open' makes a window edge an outflow end whose departed mass the solution reports (`fv.outflow`).
   */
  readonly gridBoundaries?: readonly BoundaryKind[];
  /** Exact cell masses of the initial law (spec `init`) on the grid. */
  initialMass?(grid: Grid, init: InitSpec): GridLawMasses;
  /** Weighted nodes (a quadrature) of the initial law, for characteristics (inside `grid` when given). */
  initialNodes?(init: InitSpec, resolution: NodeResolution, grid?: GridSpec): WeightedNodes;
  /**
   * The separable form for characteristics: the lowest truncation order whose bound is below
   * `tolerance` on the region the given node sets cover (or the given `order`, with its bound there).
   * The solver re-asks with the visited nodes and re-runs if the order must grow.
   */
  characteristics?(cover: { positions: readonly Float64Array[]; weights: Float64Array }, tolerance: number, order?: number): CharacteristicsModel;
  /** U(θ, θ) at points (point-major): the same-unit term of the exact finite-N risk; gives C1 = E R_N·N − N·R. */
  selfInteraction?(points: Float64Array, out: Float64Array): void;
  /** Reduced coordinates that cannot move under the spec (e.g. output weights that are not trained). */
  frozenAxes?(particles: { trainA?: boolean; trainB?: boolean } | undefined): number[];
  /**
   * Birth–death on the grid (solvers/finite-volume.ts BirthDeathSpec): rate α, switched off at `until`,
   * killed mass re-drawn from the initial law when `prior`. Absent: none.
   */
  readonly birthDeath?: { readonly rate: number; readonly until?: number; readonly prior: boolean };
  /** Noisy dynamics (MMN eq. 12) on the grid: per-axis Jacobian exponents of the reduction; absent: no noise. */
  readonly noise?: { readonly jacobianExponents: readonly number[] };
  /** The SGD-diffusion limit (spec `"limit": "sgd-diffusion"`, 1-D and 2-D grids): the gradient moments on the grid. */
  sgdDiffusion?(grid: Grid): SgdGradientMoments;
  /** A limit companion solved beside the model (e.g. d = ∞ at the same other parameters). */
  companion?(): { readonly label: string; readonly reduced: ReducedSide<GridSpec, InitSpec> } | undefined;
  /** Point values of the potential and the kernel (for `potentials`): v(x), u(x, x') with its truncation. */
  pointwise?(tolerance: number, cover: readonly Float64Array[]): PointwiseModel;
}

/** Point values for `potentials`: x and x' are points in reduced coordinates. */
export interface PointwiseModel {
  readonly method: string;
  potential(x: ArrayLike<number>): number;
  interaction(x: ArrayLike<number>, y: ArrayLike<number>): number;
  selfInteraction(x: ArrayLike<number>): number;
}

/**
 * A generic unit for the particle engine's general path: per-unit parameters θ_i ∈ R^p, the network
 * ŷ(x) = (1/N) Σ_i σ*(x; θ_i), and exact population quantities where closed forms exist. (Ridge units
 * a·σ(<w, x> + b) use the fast WebAssembly path, `ParticleSide.ridge`.)
 */
export interface UnitModel<InitSpec = unknown> {
  /** Parameters per unit p. */
  readonly parameters: number;
  /** Names of the reduced coordinates written by toReduced. */
  readonly reducedNames: readonly string[];
  /** R# = E[y²] (or ‖f‖²): the constant of the risk. */
  readonly riskConstant: number;
  /** Draws N initial units into theta (N×p row-major) from rng. */
  initialise(theta: Float64Array, n: number, init: InitSpec, rng: Rng): void;
  /** Reduced coordinates of unit i (theta row) into out. */
  toReduced(unit: Float64Array, out: Float64Array): void;
  /**
   * Exact population risk R_N(θ) = R# + (2/N) Σ V(θ_i) + (1/N²) Σ_ij U(θ_i, θ_j) (i = j included).
   */
  populationRisk(theta: Float64Array, n: number): number;
  /**
   * The exact mean-field gradient G_i = ∇_θ Ψ(θ_i; ρ̂_N) = ∇V(θ_i) + (1/N) Σ_j ∇_1 U(θ_i, θ_j) into grad
   * (N×p); full-batch GD reads θ_i ← θ_i − 2 s G_i (MMN eq. 3 in expectation).
   */
  populationGradient(theta: Float64Array, n: number, grad: Float64Array): void;
  /**
   * A non-transport update at the start of every step (t = kε, length ε), e.g. birth–death that kills
   * and clones units with n fixed; draws from rng. Absent: none.
   */
  reaction?(theta: Float64Array, n: number, t: number, dt: number, rng: Rng): void;
  /** Online SGD: a data law, the unit's output σ*(x; θ) and its gradient in θ. Absent: GD only. */
  readonly data?: {
    readonly inputDimension: number;
    /** Writes one sample x and returns its label y. */
    sample(rng: Rng, x: Float64Array): number;
    output(unit: Float64Array, x: Float64Array): number;
    /** ∇_θ σ*(x; θ) into grad (length p). */
    outputGradient(unit: Float64Array, x: Float64Array, grad: Float64Array): void;
  };
}

/** The finite-width side of a model: either the fast ridge-unit engine or a generic unit. */
export type ParticleSide<InitSpec = unknown> =
  | {
      readonly kind: 'ridge';
      /** The data law, σ and the closed forms of the ridge-unit network a·σ(<w,x> + b). */
      readonly model: ParticleModel;
      /** The spec's init block as the engine's initial law of (w, a, b). */
      initialLaw(init: InitSpec): { w: { kind: 'gaussian'; scale: number } | { kind: 'shell'; radius: number }; a: number; b: number };
      /** Which of a and b the units may train (the spec's particles.trainA/trainB are checked against it). */
      readonly trainable: { readonly a: boolean; readonly b: boolean };
    }
  | { readonly kind: 'units'; readonly unit: UnitModel<InitSpec> }
  | { readonly kind: 'network'; readonly network: NetworkModel<InitSpec> };

/** A metric of a network with its standard error (e.g. a loss averaged over test examples). */
export interface Metric {
  readonly value: number;
  readonly stdError: number;
}

/**
 * A network with its own training kernels, for particle-only models (no reduced PDE: a classifier on
 * a dataset, a target without symmetry). Units are still the particles: the study compares the law of
 * chosen per-unit coordinates across widths. Time follows the project's convention, t = kε with the
 * per-unit step s_k = ε ξ(kε) (src/particles/step-size.ts for De Bortoli's γ, α, β).
 */
export interface NetworkModel<InitSpec = unknown> {
  /** Names of the per-unit coordinates written by `coordinates` (e.g. "u(14,14)", "a_3"). */
  readonly coordinateNames: readonly string[];
  /** Names of the metrics `evaluate` returns, in order (the first is the loss). */
  readonly metricNames: readonly string[];
  /** What the spec's choices imply that a user should know (e.g. a tracked weight that never moves). */
  readonly warnings: readonly string[];
  /** N units drawn from the initial law with `rng`, ready for SGD with batch `batch`. */
  createTrainer(n: number, init: InitSpec, batch: number, rng: Rng): NetworkTrainer;
}

export interface NetworkTrainer {
  /** One SGD step of per-unit size s at time t on a fresh batch drawn from `rng`. */
  step(s: number, rng: Rng, t: number): void;
  /** The tracked coordinates of every unit into out (N × coordinateNames.length, row-major). */
  coordinates(out: Float64Array): void;
  /** The metrics, in `metricNames` order. Must not touch the random stream of the training. */
  evaluate(): Metric[];
}

/** A model built from validated parameters. */
export interface Model<GridSpec = unknown, InitSpec = unknown> {
  readonly name: string;
  /** One line for reports, e.g. "isotropic Gaussians, Δ = 0.8, d = 40". */
  readonly label: string;
  readonly reduced?: ReducedSide<GridSpec, InitSpec>;
  readonly particles?: ParticleSide<InitSpec>;
  /** Optional capabilities, discovered by the commands that use them (typed by those commands). */
  readonly capabilities?: Readonly<Record<string, unknown>>;
  /**
   * What the model calls R in its outputs (default "risk"), e.g. "loss" for L = ½‖f − f_n‖²: result
   * writers rename every `risk`/`Risk` key (`pde.risk` → `pde.loss`, `riskStd` → `lossStd`) and reports
   * label axes and columns with it (src/io/risk-name.ts). A lower-case word.
   */
  readonly riskName?: string;
}

/** What a model folder exports (made by `defineModel`): a name, the schemas of its spec blocks and a builder. */
export interface ModelDefinition {
  readonly name: string;
  /** One sentence for `meanfield models` and error messages. */
  readonly summary: string;
  /** Schema of the model block without `name` (strict: unknown keys are errors); also emitted as JSON Schema. */
  readonly params: z.ZodType;
  /** Schema of the spec's `init` block: the initial law both engines start from. */
  readonly init: z.ZodType;
  /** Schema of the spec's `grid` block (finite volumes); absent when the model has no grid form. */
  readonly grid?: z.ZodType;
  /** Validates the parameters (errors name "model.<field>") and builds the model. */
  create(params: unknown): Model;
}

/** A definition from a typed parameter schema and a builder (the two stay paired inside `create`). */
export function defineModel<S extends z.ZodType>(spec: {
  name: string;
  summary: string;
  params: S;
  init: z.ZodType;
  grid?: z.ZodType;
  build(params: z.output<S>): Model;
}): ModelDefinition & { readonly build: (params: z.output<S>) => Model } {
  return { ...spec, create: (params) => spec.build(parseWith(spec.params, params, 'model')) };
}
