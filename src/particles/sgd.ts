/**
 * Finite-N particle engine: one-pass online SGD (MMN eq. 3), its noisy variant (MMN eq. 11) and
 * full-batch GD on the exact population risk, for the network of ./network.ts.
 *
 * ## The update (step k → k+1, time t = kε, step size s_k = ε ξ(kε))
 * Draw B fresh samples (x_b, y_b) (one-pass: never reused), z_ib = <w_i, x_b> + b_i,
 * ŷ_b = (1/N) Σ_i a_i σ(z_ib), r_b = y_b − ŷ_b, and with κ = 1 − 2λ s_k,
 *
 *   w_i ← κ w_i + (2 s_k / B) Σ_b r_b a_i σ'(z_ib) x_b + η g_i^w
 *   a_i ← κ a_i + (2 s_k / B) Σ_b r_b σ(z_ib)          + η g_i^a      (only if trainA)
 *   b_i ← κ b_i + (2 s_k / B) Σ_b r_b a_i σ'(z_ib)     + η g_i^b      (only if trainB)
 *
 * i.e. θ_i ← (1 − 2λ s_k) θ_i + 2 s_k (batch mean of (y − ŷ) ∇_{θ_i} σ*(x; θ_i)) + η g_i, with
 * g_i standard normal and all right-hand sides evaluated at the old θ. B = 1, λ = 0, η = 0 is
 * exactly MMN eq. 3. Untrained a, b stay at their initial constants (no decay, no noise on them).
 *
 * ## Sampling (`sampling`)
 *  - `'shared'` (default, SGD as trained): the B samples of a step are the same for every unit.
 *  - `'per-unit'`: unit i draws its own B fresh samples (x_ib, y_ib); ŷ(x_ib) is still the whole
 *    network's output on them, and θ_i moves by (2 s_k / B) Σ_b (y_ib − ŷ(x_ib)) ∇_{θ_i} σ*(x_ib; θ_i).
 *    Each unit's kick has the same law as under shared sampling (so the same mean, the GD velocity,
 *    and the same covariance), but the kicks of two units are independent given θ: the particle
 *    system of the McKean–Vlasov diffusion with independent noise per unit (De Bortoli et al. eq. 8),
 *    without SGD's common noise (src/clt/README.md, I_C). Cost O(N² B d) per step: one forward pass
 *    of all N units on all N·B samples (the batched kernels with batch N·B), then a block-diagonal
 *    backward pass in which unit i uses only its own samples.
 *
 * ## Noise normalisation (solvers/README.md, "Noise and Jacobians")
 * MMN eq. 11 prints η = √(2 s_k/β). Its per-step covariance 2 s_k/β gives the generator
 * ξ β⁻¹ Δ, not the 2 ξ β⁻¹ Δ of MMN eq. 12. So:
 *  - `noise.convention: 'pde'` (default): η = √(4 s_k/β). The limit is exactly MMN eq. 12,
 *    ∂_t ρ = 2ξ ∇·(ρ ∇Ψ_λ) + 2ξ β⁻¹ Δρ, with Gibbs fixed point ρ* ∝ exp(−β Ψ_λ)
 *    (U = V = 0: E|θ|² → d/(βλ)).
 *  - `'mmn-eq11'`: η = √(2 s_k/β) as printed; the limit has ξ β⁻¹ Δ and ρ* ∝ exp(−2β Ψ_λ)
 *    (U = V = 0: E|θ|² → d/(2βλ)), i.e. the PDE with β replaced by 2β.
 * λ > 0 with β = ∞ is plain weight decay.
 *
 * ## GD (`algorithm: 'gd'`)
 * θ_i ← κ θ_i − 2 s_k G_i + η g_i with G_i = (N/2) ∇_{θ_i} R_N from `model.populationGradient`
 * (the expected SGD step; an explicit Euler scheme for the gradient flow dθ_i/dt = −2ξ ∇Ψ(θ_i; ρ̂_N)).
 *
 * ## Observables (at each requested save time, the state after round(t/ε) steps)
 *  - `reduced`: model.toReduced of every unit, N × m row-major;
 *  - `populationRisk`: the exact R_N(θ) from model.populationRisk (null if the model has none);
 *  - `testRisk`: a Monte Carlo estimate (1/n) Σ (y − ŷ(x))² on `testSamples` fresh samples with its
 *    standard error std/√n. These come from a separate stream, Rng(seed, stream + 2³¹), so turning
 *    them on or off does not change the training trajectory.
 *
 * ## Performance
 * Parameters, batch and pre-activations live in a WebAssembly memory (./kernels.ts). Per step:
 * Z = W Xᵀ (SIMD), then one pass over the N·B pre-activations for σ, σ' — inside wasm when the
 * activation declares `piecewiseLinear` (types.ts), else by calling value/derivative — and only
 * the (i, b) with σ' ≠ 0 enter the coefficient pass and the sparse update W += C X (units on the
 * flat parts of σ cost nothing there); no allocation per step.
 *
 * ## Precision (`precision`)
 * 'float64' (default): every array f64 (./kernels.ts). 'float32' (SGD only): W, X, Z, the update
 * coefficients and σ values in f32 with f32x4 kernels (./kernels-f32.ts): twice the lanes per SIMD
 * instruction, half the bytes per unit. a, b, the batch sums Σ_i a_i σ, the residuals and every
 * observable stay f64: the samples are drawn in f64 and rounded as they enter X, and at each save time
 * W is copied exactly into the f64 `state.w` that toReduced and populationRisk read (one f64 copy of W,
 * 8d bytes per unit outside the WebAssembly memory: float32 doubles the N one 4 GiB engine holds, but
 * needs 12d + 24 + 16B bytes per unit in all against float64's 8d + 24 + 28B; README "Single precision"). Each dot product then carries a rounding error
 * ≤ γ_d Σ_j |w_j x_j| (γ_d ≈ d·2⁻²⁴, vs d·2⁻⁵³ in f64); on MMN Fig. 1 (N = 400, ε = 1e-4, t ≤ 10) the
 * f32 risk curve stays within 2.6e-3 relative of the f64 one from the same seed, ≤ 0.09 of the
 * seed-to-seed standard deviation of R (test/particles/precision.test.ts). Bit-reproducible like float64.
 *
 * ## Threads (`threads`)
 * particles.threads: 1, 2 or 'auto' (the default; float64 and float32 alike): with 2, the workspace's memory is shared
 * with a helper thread (../wasm/kernel-thread.ts) that runs the units i ≥ N/2 while this thread runs those below
 * (or, if the helper has not taken its half yet, that half too). With the σ table and shared samples, a step is
 * two handshakes, each a whole phase by units (./kernels.ts `RowHalves`): `forward` = Z = W Xᵀ and the σ pass
 * (CSR of the σ' ≠ 0 entries, σ values, the batch sums continued by the helper over its f64 σ values in unit
 * order), then, after the residuals and Δa here, `backward` = the coefficients c = (2s/B) a_i r_q σ' with
 * Δb_i = Σ_q c (a wasm kernel) and the sparse update W += C X. (W decays before `backward`, a and b after it: the
 * coefficients read the old a and no W, so the values are those of decaying everything in between.) Split σ
 * against σ on this thread (WorkspaceOptions.splitSigma false), 2 threads, interleaved: (d, N, B) = (40, 800, 32)
 * 1.44, (320, 800, 32) 1.17, (320, 800, 1) 1.09 in f64, (40, 800, 32) 1.33 in f32. With σ in JS or per-unit
 * sampling only Z and the update are split; the σ and coefficient passes stay here. Sampling, decay and noise
 * stay here. Each stored value is the same kernel's fixed sequence of IEEE operations whichever thread runs it,
 * so results are bit-identical to threads = 1 (test/particles/threads.test.ts); the steps before the helper
 * has started (≈ 0.3 s) run on one thread, which changes nothing either.
 * 'auto' takes 2 only when it can pay (`kernelThreads`): a step of N·d·B ≥ AUTO_THREADS_WORK = 2·10⁵
 * multiply-adds (per-unit sampling: B → N·B), no pool running seeds beside this run (a pool of ≥ 2
 * workers already fills the cores), ≥ 2 cores and an idle one (1-minute load average < cores − 0.5).
 * The reasoning: a step has two handshakes (≈ 0.3–0.5 µs each while the helper spins; it is never
 * woken by Atomics.notify, which blocked the waker 12–150 µs), and with the σ table only sampling, the
 * residuals and Δa stay serial; from 2·10⁵ multiply-adds (a ≈ 50 µs step) the handshakes are < 2 % of a step. Measured ((d, N, B); 1 and 2 threads
 * interleaved, 11 rounds, two runs, 2 cores shared with other jobs at load 1.3–5), 2 threads / 1 thread, f64; f32:
 * (40, 800, 32) 1.16–1.38; 1.21–1.31, (320, 800, 32) 1.31–1.51; 1.04–1.49, (320, 800, 1) 1.29–1.33; 1.25–1.29,
 * (320, 10000, 1) ≥ 1.9; 1.85–1.94, (40, 800, 1) 0.86–0.88; 0.79–0.98 (below the threshold: 'auto' takes 1 there;
 * float32 has the same rule). Against the split of only Z and the update (before `forward`/`backward`), same runs,
 * f64 on 2 threads: 1.34–1.35, 0.97–1.14, 1.07–1.08, 1.15–1.52, 1.14–1.36.
 * With the load average at 3–4 on 2 cores, 0.5–0.9× in some runs (the helper waits for a core), hence
 * the idle-core test.
 */
import { ConfigError } from '../errors.ts';
import { resolveThreads, type MachineLoad, type Threads } from '../parallel/threads.ts';
import { checkNumber } from '../io/validate.ts';
import { Rng } from '../rng.ts';
import { evaluateSchedule, type ParticleModel, type PiecewiseLinearShape, type StepSchedule } from '../types.ts';
import type { Metric } from '../model.ts';
import { KernelWorkspace, type Workspace } from './kernels.ts';
import { KernelWorkspace32 } from './kernels-f32.ts';
import { checkInit, initialiseUnits, type InitSpec, type ParticleState } from './network.ts';

export type NoiseConvention = 'pde' | 'mmn-eq11';

export type Sampling = 'shared' | 'per-unit';

export type Precision = 'float64' | 'float32';

export interface NoiseSpec {
  /** Inverse temperature β > 0 (Infinity: no noise, weight decay only). */
  readonly beta: number;
  /** Weight decay λ ≥ 0. */
  readonly lambda: number;
  /** Default 'pde' (η = √(4s/β)); 'mmn-eq11' uses η = √(2s/β) as printed (see the module doc). */
  readonly convention?: NoiseConvention;
}

/** Everything that defines a run (plain data: can be sent to a worker). */
export interface SgdOptions {
  /** Number of units N (integer ≥ 1). */
  readonly n: number;
  readonly init: InitSpec;
  /** ε > 0: s_k = ε ξ(kε), t = kε. */
  readonly epsilon: number;
  /** ξ(t); default constant 1. */
  readonly schedule?: StepSchedule;
  /** Samples per step B (integer ≥ 1, default 1); the gradient is the batch mean. */
  readonly batch?: number;
  /** 'sgd' (default) or 'gd' (needs model.populationGradient). */
  readonly algorithm?: 'sgd' | 'gd';
  /** SGD's samples: 'shared' by all units (default) or drawn 'per-unit' (see the module doc). */
  readonly sampling?: Sampling;
  /** GD time stepping: 'euler' (default) or 'heun' (2nd order; the general unit path only). */
  readonly integrator?: 'euler' | 'heun';
  /** Float type of W, X, Z in the SGD kernels: 'float64' (default) or 'float32' (ridge-unit SGD only; see ## Precision). */
  readonly precision?: Precision;
  readonly trainA?: boolean;
  readonly trainB?: boolean;
  readonly noise?: NoiseSpec;
  /** Nondecreasing times ≥ 0; the run lasts round(max/ε) steps. */
  readonly saveTimes: readonly number[];
  /** Fresh samples for the Monte Carlo test risk at each save time (default 0 = off). */
  readonly testSamples?: number;
  /** RNG seed (32-bit) and stream (< 2³¹); defaults stream 0. */
  readonly seed: number;
  readonly stream?: number;
  /** Steps between calls of shouldStop/onProgress (default 10 000; sooner when they take longer than POLL_MS). */
  readonly checkEvery?: number;
  /** Return the final (w, a, b) in the result (default false). */
  readonly returnState?: boolean;
  /** Threads of the ridge-unit engine's kernels: 1, 2 or 'auto' (default; see the module doc, "Performance"). */
  readonly threads?: Threads;
}

export interface SgdProgress {
  readonly step: number;
  readonly totalSteps: number;
  readonly t: number;
}

export interface RunControl {
  onProgress?(progress: SgdProgress): void;
  /** Polled every `checkEvery` steps; true stops the run cooperatively. */
  shouldStop?(): boolean;
}

export interface TestRisk {
  readonly mean: number;
  readonly stdError: number;
  readonly samples: number;
}

export interface ParticleSnapshot {
  /** Requested save time and the time actually reached, step·ε. */
  readonly requestedTime: number;
  readonly t: number;
  readonly step: number;
  /** N × reducedNames.length, row-major. */
  readonly reduced: Float64Array;
  readonly populationRisk: number | null;
  readonly testRisk: TestRisk | null;
  /** Particle-only networks: their metrics (names in ParticleRun.metricNames), each with its standard error. */
  readonly metrics?: readonly Metric[];
}

export interface ParticleRun {
  readonly model: string;
  readonly n: number;
  readonly d: number;
  readonly batch: number;
  readonly epsilon: number;
  /** Float type of the kernels' W, X, Z (particles.precision). */
  readonly precision: Precision;
  readonly seed: number;
  readonly stream: number;
  readonly reducedNames: readonly string[];
  /** Names of the snapshots' `metrics` (particle-only networks). */
  readonly metricNames?: readonly string[];
  /** Completed save times, in order. */
  readonly snapshots: ParticleSnapshot[];
  readonly stepsDone: number;
  readonly totalSteps: number;
  readonly completed: boolean;
  /** Where shouldStop() interrupted the run (null if completed). */
  readonly stoppedAt: { readonly step: number; readonly t: number } | null;
  /** Copies of the final parameters (only with returnState). */
  readonly state?: ParticleState;
  /** Threads the engine's kernels ran on (particles.threads resolved; 1 for engines without threaded kernels). */
  readonly threads: 1 | 2;
  readonly timings: { readonly stepsMs: number; readonly observablesMs: number };
}

const STREAM_LIMIT = 0x80000000;
/** Longest wall time (ms) between two polls of shouldStop/onProgress while stepping, whatever checkEvery says. */
export const POLL_MS = 200;

export interface Resolved {
  n: number;
  d: number;
  batch: number;
  epsilon: number;
  schedule: StepSchedule;
  algorithm: 'sgd' | 'gd';
  integrator: 'euler' | 'heun';
  sampling: Sampling;
  precision: Precision;
  trainA: boolean;
  trainB: boolean;
  lambda: number;
  noiseFactor: number; // η² / s: 4/β, 2/β or 0
  saveSteps: number[];
  totalSteps: number;
  testSamples: number;
  seed: number;
  stream: number;
  checkEvery: number;
  threads: Threads;
}

/** What option validation needs to know of a model. */
export interface EngineModelInfo {
  readonly name: string;
  readonly dimension: number;
  /** Whether full-batch GD is possible (an exact population gradient). */
  readonly hasGradient: boolean;
  /** Whether the engine can draw samples per unit (the ridge-unit engine). */
  readonly perUnitSampling?: boolean;
  /** Whether the engine has float32 kernels (the ridge-unit engine). */
  readonly float32?: boolean;
}

/** particles.precision (default "float64"): "float32" needs SGD on an engine with f32 kernels (ConfigError otherwise). */
export function checkPrecision(precision: Precision | undefined, algorithm: 'sgd' | 'gd', model: Pick<EngineModelInfo, 'name' | 'float32'>): Precision {
  const p = precision ?? 'float64';
  if (p !== 'float64' && p !== 'float32') throw new ConfigError('particles.precision', `must be "float64" or "float32" (got ${JSON.stringify(p)})`);
  if (p === 'float32' && !model.float32) throw new ConfigError('particles.precision', `"float32" is available for ridge-unit models only; model "${model.name}" must use "float64"`);
  if (p === 'float32' && algorithm !== 'sgd') throw new ConfigError('particles.precision', '"float32" is for SGD (its f32 kernels); set particles.algorithm to "sgd" or use "float64"');
  return p;
}

/** particles.sampling (default "shared"): "per-unit" needs SGD and an engine that has it (ConfigError otherwise). */
export function checkSampling(sampling: Sampling | undefined, algorithm: 'sgd' | 'gd', model: Pick<EngineModelInfo, 'name' | 'perUnitSampling'>): Sampling {
  const s = sampling ?? 'shared';
  if (s !== 'shared' && s !== 'per-unit') throw new ConfigError('particles.sampling', `must be "shared" or "per-unit" (got ${JSON.stringify(s)})`);
  if (s === 'per-unit' && algorithm !== 'sgd') throw new ConfigError('particles.sampling', '"per-unit" draws SGD samples: set particles.algorithm to "sgd" (GD uses no samples)');
  if (s === 'per-unit' && !model.perUnitSampling) throw new ConfigError('particles.sampling', `"per-unit" is available for ridge-unit models only; model "${model.name}" must use "shared"`);
  return s;
}

/** Validates run options against a model (ConfigError naming the field) and resolves the defaults. */
export function resolveOptions(model: EngineModelInfo, o: Omit<SgdOptions, 'init'>): Resolved {
  const d = model.dimension;
  checkNumber(o.n, 'particles.n', { integer: true, min: 1 });
  checkNumber(o.epsilon, 'particles.epsilon', { above: 0 });
  const batch = checkNumber(o.batch ?? 1, 'particles.batch', { integer: true, min: 1 });
  const algorithm = o.algorithm ?? 'sgd';
  if (algorithm !== 'sgd' && algorithm !== 'gd') {
    throw new ConfigError('particles.algorithm', `must be "sgd" or "gd" (got ${JSON.stringify(algorithm)})`);
  }
  if (algorithm === 'gd' && !model.hasGradient) {
    throw new ConfigError('particles.algorithm', `"gd" needs the model's exact population gradient; model "${model.name}" has none (use "sgd")`);
  }
  const integrator = o.integrator ?? 'euler';
  if (integrator !== 'euler' && integrator !== 'heun') throw new ConfigError('particles.integrator', `must be "euler" or "heun" (got ${JSON.stringify(integrator)})`);
  if (integrator === 'heun' && algorithm !== 'gd') throw new ConfigError('particles.integrator', '"heun" is a GD integrator: set particles.algorithm to "gd" (SGD steps are Euler)');
  const sampling = checkSampling(o.sampling, algorithm, model);
  const precision = checkPrecision(o.precision, algorithm, model);
  const schedule = o.schedule ?? { kind: 'constant', value: 1 };
  if (schedule.kind === 'constant') checkNumber(schedule.value, 'schedule.value', { above: 0 });
  else if (schedule.kind === 'power') {
    checkNumber(schedule.t0, 'particles.schedule.t0', { above: 0 });
    checkNumber(schedule.alpha, 'particles.schedule.alpha', { min: 0 });
  } else throw new ConfigError('particles.schedule.kind', 'must be "constant" or "power"');
  let lambda = 0;
  let noiseFactor = 0;
  if (o.noise) {
    lambda = checkNumber(o.noise.lambda, 'particles.noise.lambda', { min: 0 });
    const beta = o.noise.beta;
    if (!(typeof beta === 'number' && beta > 0)) {
      throw new ConfigError('particles.noise.beta', `must be a number > 0 or Infinity (got ${JSON.stringify(beta)})`);
    }
    const convention = o.noise.convention ?? 'pde';
    if (convention !== 'pde' && convention !== 'mmn-eq11') {
      throw new ConfigError('particles.noise.convention', `must be "pde" or "mmn-eq11" (got ${JSON.stringify(convention)})`);
    }
    noiseFactor = beta === Infinity ? 0 : (convention === 'pde' ? 4 : 2) / beta;
  }
  if (!Array.isArray(o.saveTimes) || o.saveTimes.length === 0) {
    throw new ConfigError('saveTimes', 'must be a nonempty array of times >= 0');
  }
  const saveSteps: number[] = [];
  o.saveTimes.forEach((t, k) => {
    checkNumber(t, `saveTimes[${k}]`, { min: k > 0 ? o.saveTimes[k - 1] : 0 });
    saveSteps.push(Math.round(t / o.epsilon));
  });
  const totalSteps = saveSteps[saveSteps.length - 1];
  if (totalSteps > Number.MAX_SAFE_INTEGER) throw new ConfigError('saveTimes', 'last time / epsilon is too many steps');
  const testSamples = checkNumber(o.testSamples ?? 0, 'particles.testSamples', { integer: true, min: 0 });
  const seed = checkNumber(o.seed, 'particles.seed', { integer: true, min: 0, max: 0xffffffff });
  const stream = checkNumber(o.stream ?? 0, 'particles.stream', { integer: true, min: 0, below: STREAM_LIMIT });
  const checkEvery = checkNumber(o.checkEvery ?? 10000, 'particles.checkEvery', { integer: true, min: 1 });
  const threads = o.threads ?? 'auto';
  if (threads !== 1 && threads !== 2 && threads !== 'auto') throw new ConfigError('particles.threads', `must be 1, 2 or "auto" (got ${JSON.stringify(threads)})`);
  return {
    n: o.n, d, batch, epsilon: o.epsilon, schedule, algorithm, integrator, sampling, precision,
    trainA: o.trainA ?? false, trainB: o.trainB ?? false,
    lambda, noiseFactor, saveSteps, totalSteps, testSamples, seed, stream, checkEvery, threads,
  };
}

/**
 * Work per step, N·d·B multiply-adds of Z = W Xᵀ, from which 'auto' uses the helper thread
 * (the module doc, "Performance", gives the measurements behind it).
 */
export const AUTO_THREADS_WORK = 2e5;

/**
 * particles.threads → the threads of a run with `work` = N·d·B multiply-adds a step: 'auto' is 2 when
 * work ≥ AUTO_THREADS_WORK and a core is free for the helper (src/parallel/threads.ts).
 */
export function kernelThreads(threads: Threads, work: number, machine?: MachineLoad): 1 | 2 {
  return resolveThreads(threads, work >= AUTO_THREADS_WORK, machine);
}

/** Validates an activation's piecewise-linear description (knots increasing, finite numbers). */
function checkShape(shape: PiecewiseLinearShape): void {
  const path = 'model.activation.piecewiseLinear';
  const { knots, values } = shape;
  if (!Array.isArray(knots) || knots.length < 1) throw new ConfigError(`${path}.knots`, 'must be a nonempty array of increasing numbers');
  if (!Array.isArray(values) || values.length !== knots.length) {
    throw new ConfigError(`${path}.values`, `must have one value per knot (${knots.length})`);
  }
  knots.forEach((t, k) => checkNumber(t, `${path}.knots[${k}]`, k > 0 ? { above: knots[k - 1] } : {}));
  values.forEach((v, k) => checkNumber(v, `${path}.values[${k}]`));
  checkNumber(shape.leftSlope, `${path}.leftSlope`);
  checkNumber(shape.rightSlope, `${path}.rightSlope`);
}

/**
 * The mutable system: parameters in the kernel workspace, plus scratch for one step.
 * Exposed for benchmarks and tests that drive steps directly; `simulate` is the usual entry.
 */
export class ParticleEngine implements Engine {
  /** The units; with float32, W here is an f64 copy of the kernels' f32 W, refreshed by `syncState` (at every save time). */
  readonly state: ParticleState;
  /** Threads of the kernels (particles.threads resolved); with 2, call `close()` when done. */
  readonly threads: 1 | 2;
  private readonly ws: Workspace;
  /** float32: the kernels' W and X (null in float64, where state.w and xRows are the kernels' own arrays). */
  private readonly w32: Float32Array | null;
  private readonly x32: Float32Array | null;
  /** The samples' rows sampleData writes: views of the kernels' X (float64), or one f64 row copied into X (float32). */
  private readonly xRows: Float64Array[];
  private readonly y: Float64Array;
  private readonly residual: Float64Array;
  private readonly sig: Float64Array | Float32Array;
  private readonly da: Float64Array;
  private readonly db: Float64Array;
  private readonly grad: { w: Float64Array; a: Float64Array; b: Float64Array } | null;
  private readonly rng: Rng;
  private readonly testRng: Rng;

  private readonly o: Resolved;
  /** σ is evaluated by the wasm `activate` kernel from its piecewise-linear table. */
  private readonly piecewiseLinear: boolean;

  /** Validates `options` (ConfigError naming the field) and draws the initial units. */
  constructor(readonly model: ParticleModel, options: SgdOptions) {
    const o = resolveOptions({ name: model.name, dimension: model.dimension, hasGradient: model.populationGradient !== undefined, perUnitSampling: true, float32: true }, options);
    checkInit(options.init, 'particles.init');
    if (o.integrator !== 'euler') throw new ConfigError('particles.integrator', `"${o.integrator}" is available for unit models only; ${model.name} units step by Euler`);
    this.o = o;
    const { n, d, batch } = o;
    const shape = model.activation.piecewiseLinear;
    this.piecewiseLinear = shape !== undefined && o.algorithm === 'sgd';
    if (shape) checkShape(shape);
    // Per-unit sampling runs the forward pass on all N·B samples of a step at once.
    const samples = o.algorithm === 'gd' ? 1 : o.sampling === 'per-unit' ? n * batch : batch;
    const knots = this.piecewiseLinear ? shape!.knots.length : 0;
    // GD uses no kernel of the workspace but its arrays
    this.threads = o.algorithm === 'gd' ? 1 : kernelThreads(o.threads, n * d * samples);
    if (o.precision === 'float32') {
      const ws = new KernelWorkspace32(n, d, samples, knots, { threads: this.threads, biasGradient: o.trainB });
      this.ws = ws;
      this.w32 = ws.w;
      this.x32 = ws.x;
      this.state = { n, d, w: new Float64Array(n * d), a: ws.a, b: ws.b };
      this.xRows = [new Float64Array(d)];
    } else {
      const ws = new KernelWorkspace(n, d, samples, knots, { threads: this.threads, biasGradient: o.trainB });
      this.ws = ws;
      this.w32 = null;
      this.x32 = null;
      this.state = { n, d, w: ws.w, a: ws.a, b: ws.b };
      this.xRows = Array.from({ length: samples }, (_, k) => ws.x.subarray(k * d, (k + 1) * d));
    }
    if (this.piecewiseLinear) this.ws.setPiecewiseLinear(shape!);
    this.y = new Float64Array(this.ws.batch);
    this.residual = this.ws.res;
    this.sig = this.piecewiseLinear ? this.ws.sig : new Float64Array(o.trainA && o.sampling === 'shared' ? n * this.ws.batch : 0);
    this.da = new Float64Array(o.trainA ? n : 0);
    this.db = this.ws.db; // N with trainB (biasGradient), else empty
    this.grad = o.algorithm === 'gd' ? { w: new Float64Array(n * d), a: new Float64Array(n), b: new Float64Array(n) } : null;
    this.rng = new Rng(o.seed, o.stream);
    this.testRng = new Rng(o.seed, o.stream + STREAM_LIMIT);
    initialiseUnits(this.state, options.init, this.rng);
    if (this.w32) {
      this.w32.set(this.state.w); // rounded to f32; state.w then holds the rounded values
      this.syncState();
    }
  }

  /** float32: state.w ← the kernels' W (exact: every f32 is an f64). float64: nothing to do. */
  syncState(): void {
    if (this.w32) this.state.w.set(this.w32);
  }

  /** y[q], x_q for q < m from `rng` (into the kernels' X; float32 rounds each f64 row sampleData writes). */
  private drawSamples(rng: Rng, m: number): void {
    const x32 = this.x32;
    if (x32) {
      const row = this.xRows[0];
      for (let q = 0; q < m; q++) {
        this.y[q] = this.model.sampleData(rng, row);
        x32.set(row, q * row.length);
      }
    } else for (let q = 0; q < m; q++) this.y[q] = this.model.sampleData(rng, this.xRows[q]);
  }

  /** Step indices of the save times, and the total number of steps. */
  get saveSteps(): readonly number[] { return this.o.saveSteps; }
  get totalSteps(): number { return this.o.totalSteps; }
  get checkEvery(): number { return this.o.checkEvery; }

  /** Advances by one step (k → k + 1). */
  step(k: number): void {
    const s = this.o.epsilon * evaluateSchedule(this.o.schedule, k * this.o.epsilon);
    const kappa = this.o.lambda > 0 ? 1 - 2 * this.o.lambda * s : 1;
    // Every right-hand side uses the old θ: the gradient terms are formed before the decay.
    if (this.grad) {
      const { w, a, b, n } = this.state;
      this.model.populationGradient!(w, a, b, n, this.grad.w, this.grad.a, this.grad.b);
      if (kappa !== 1) this.decay(kappa, true, true);
      this.applyGradient(s);
    } else {
      const nActive = this.o.sampling === 'per-unit' ? this.perUnitCoefficients(s, k) : this.sgdCoefficients(s, k);
      if (this.piecewiseLinear && this.o.sampling === 'shared') {
        // The coefficients read the old a (decayed after them) and not W (decayed before W += C X): the same
        // values as decaying everything between the two passes.
        if (kappa !== 1) this.decay(kappa, true, false);
        this.ws.backward((2 * s) / this.ws.batch, this.o.trainB);
        if (kappa !== 1) this.decay(kappa, false, true);
        this.addBiasAndOutputSteps();
      } else {
        if (kappa !== 1) this.decay(kappa, true, true);
        this.applySgd(nActive);
      }
    }
    if (this.o.noiseFactor > 0) this.addNoise(Math.sqrt(this.o.noiseFactor * s));
  }

  /**
   * Draws the batch and forms the update from the current θ: the sparse coefficients
   * c_ib = (2s/B) r_b a_i σ'(z_ib) in CSR form (returns the number of active rows), and Δa, Δb.
   * With the σ table, only Z, σ and Δa: the workspace's `forward` (Z and σ split by rows over the threads)
   * leaves the coefficient pass and Δb to its `backward` (in wasm, split by rows too).
   */
  private sgdCoefficients(s: number, k: number): number {
    const n = this.o.n;
    const trainA = this.o.trainA;
    const B = this.ws.batch;
    const { a, b } = this.state;
    const { z, rows, ptr, cols, coef } = this.ws;
    const act = this.model.activation;
    const res = this.residual;
    const sig = this.sig;
    this.drawSamples(this.rng, B);
    if (!this.piecewiseLinear) this.ws.dot(); // else in `forward`
    // Pass 1 over all N·B pre-activations: Σ_i a_i σ(z_ib) into res, and the (i, b) with σ' ≠ 0
    // in CSR form with coef = σ'(z_ib) for now.
    let nActive = 0;
    let e = 0;
    ptr[0] = 0;
    if (this.piecewiseLinear) {
      this.ws.forward(trainA);
    } else if (B === 1) {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const zi = z[i] + b[i];
        const v = act.value(zi);
        if (trainA) sig[i] = v;
        sum += a[i] * v;
        const dv = act.derivative(zi);
        if (dv !== 0) {
          rows[nActive] = i;
          cols[e] = 0;
          coef[e++] = dv;
          ptr[++nActive] = e;
        }
      }
      res[0] = sum;
    } else {
      res.fill(0);
      for (let i = 0, iz = 0; i < n; i++, iz += B) {
        const ai = a[i];
        const bi = b[i];
        const start = e;
        for (let q = 0; q < B; q++) {
          const zi = z[iz + q] + bi;
          const v = act.value(zi);
          if (trainA) sig[iz + q] = v;
          res[q] += ai * v;
          const dv = act.derivative(zi);
          if (dv !== 0) {
            cols[e] = q;
            coef[e++] = dv;
          }
        }
        if (e > start) {
          rows[nActive] = i;
          ptr[++nActive] = e;
        }
      }
    }
    this.residuals(k);
    const g = (2 * s) / B;
    if (trainA) {
      for (let i = 0, iz = 0; i < n; i++, iz += B) {
        let dai = 0;
        for (let q = 0; q < B; q++) dai += res[q] * sig[iz + q];
        this.da[i] = g * dai;
      }
    }
    if (this.piecewiseLinear) return 0;
    // Pass 2 over the active entries only: c_ib = (2s/B) a_i r_b σ'(z_ib); Δb_i = Σ_b c_ib.
    const trainB = this.o.trainB;
    if (trainB) this.db.fill(0);
    for (let r = 0; r < nActive; r++) {
      const i = rows[r];
      const gai = g * a[i];
      let dbi = 0;
      for (let q = ptr[r]; q < ptr[r + 1]; q++) {
        const c = gai * res[cols[q]] * coef[q];
        coef[q] = c;
        dbi += c;
      }
      if (trainB) this.db[i] = dbi;
    }
    return nActive;
  }

  /** res[q] = Σ_i a_i σ(z_iq + b_i) → the residual y_q − ŷ(x_q), ŷ = res[q]/N, for every sample of the step. */
  private residuals(k: number): void {
    const n = this.o.n;
    const res = this.residual;
    for (let q = 0; q < this.ws.batch; q++) {
      const yhat = res[q] / n;
      if (!Number.isFinite(yhat)) {
        throw new Error(`particles: diverged at step ${k} (t = ${k * this.o.epsilon}): ŷ = ${yhat}; reduce epsilon`);
      }
      res[q] = this.y[q] - yhat;
    }
  }

  /**
   * Per-unit sampling (module doc): draws N·B samples, unit i owning q ∈ [iB, (i+1)B); the network's
   * output on all of them (the batched forward pass), then the block-diagonal coefficients
   * c_iq = (2s/B) a_i r_q σ'(z_iq) for unit i's own samples only, in the CSR form of `update`.
   */
  private perUnitCoefficients(s: number, k: number): number {
    const { n, batch: B, trainA, trainB } = this.o;
    const S = this.ws.batch; // n·B
    const { a, b } = this.state;
    const { z, rows, ptr, cols, coef } = this.ws;
    const act = this.model.activation;
    const res = this.residual;
    this.drawSamples(this.rng, S);
    this.ws.dot();
    if (this.piecewiseLinear) {
      this.ws.activate(false); // only its res; its CSR (every active (i, q)) is overwritten below
    } else {
      res.fill(0);
      for (let i = 0, iz = 0; i < n; i++, iz += S) {
        const ai = a[i];
        const bi = b[i];
        for (let q = 0; q < S; q++) res[q] += ai * act.value(z[iz + q] + bi);
      }
    }
    this.residuals(k);
    const g = (2 * s) / B;
    let nActive = 0;
    let e = 0;
    ptr[0] = 0;
    for (let i = 0; i < n; i++) {
      const gai = g * a[i];
      const bi = b[i];
      const start = e;
      let dai = 0;
      let dbi = 0;
      for (let q = i * B, iz = i * S + q; q < (i + 1) * B; q++, iz++) {
        const zi = z[iz] + bi;
        if (trainA) dai += res[q] * act.value(zi);
        const dv = act.derivative(zi);
        if (dv !== 0) {
          const c = gai * res[q] * dv;
          cols[e] = q;
          coef[e++] = c;
          dbi += c;
        }
      }
      if (e > start) {
        rows[nActive] = i;
        ptr[++nActive] = e;
      }
      if (trainA) this.da[i] = g * dai;
      if (trainB) this.db[i] = dbi;
    }
    return nActive;
  }

  private applySgd(nActive: number): void {
    this.ws.update(nActive);
    this.addBiasAndOutputSteps();
  }

  /** a += Δa, b += Δb (the trained ones). */
  private addBiasAndOutputSteps(): void {
    const { a, b, n } = this.state;
    if (this.o.trainA) for (let i = 0; i < n; i++) a[i] += this.da[i];
    if (this.o.trainB) for (let i = 0; i < n; i++) b[i] += this.db[i];
  }

  /** θ_i −= 2 s G_i (G from populationGradient, evaluated before the decay). */
  private applyGradient(s: number): void {
    const { w, a, b, n } = this.state;
    const grad = this.grad!;
    const h = 2 * s;
    for (let k = 0; k < w.length; k++) w[k] -= h * grad.w[k];
    if (this.o.trainA) for (let i = 0; i < n; i++) a[i] -= h * grad.a[i];
    if (this.o.trainB) for (let i = 0; i < n; i++) b[i] -= h * grad.b[i];
  }

  /** θ ← κ θ for W (if `weights`) and the trained a, b (if `outputs`). */
  private decay(kappa: number, weights: boolean, outputs: boolean): void {
    const { w, a, b } = this.ws;
    if (weights) for (let k = 0; k < w.length; k++) w[k] *= kappa;
    if (outputs && this.o.trainA) for (let i = 0; i < a.length; i++) a[i] *= kappa;
    if (outputs && this.o.trainB) for (let i = 0; i < b.length; i++) b[i] *= kappa;
  }

  private addNoise(eta: number): void {
    const { w, a, b } = this.ws;
    this.rng.addNormal(w, eta);
    if (this.o.trainA) this.rng.addNormal(a, eta);
    if (this.o.trainB) this.rng.addNormal(b, eta);
  }

  /** Threads the kernels run on now: `threads`, once the helper thread is up (steps before that run on one). */
  get runningThreads(): 1 | 2 {
    return this.ws.threads;
  }

  /** Ends the kernels' helper thread, if any (resolves once it has exited; the engine can still step, on one thread). */
  close(): Promise<void> {
    return this.ws.close();
  }

  /** Observables of the current state (see the module doc). */
  observe(requestedTime: number, step: number): ParticleSnapshot {
    this.syncState();
    const { n, d, w, a, b } = this.state;
    const m = this.model.reducedNames.length;
    const reduced = new Float64Array(n * m);
    for (let i = 0; i < n; i++) {
      this.model.toReduced(w.subarray(i * d, (i + 1) * d), a[i], b[i], reduced.subarray(i * m, (i + 1) * m));
    }
    return {
      requestedTime,
      t: step * this.o.epsilon,
      step,
      reduced,
      populationRisk: this.model.populationRisk ? this.model.populationRisk(w, a, b, n) : null,
      testRisk: this.o.testSamples > 0 ? this.testRisk(this.o.testSamples) : null,
    };
  }

  /** Monte Carlo risk on fresh samples from the test stream, batch by batch through the kernels. */
  private testRisk(samples: number): TestRisk {
    const { n, a, b } = this.state;
    const B = this.ws.batch;
    const act = this.model.activation;
    const z = this.ws.z;
    let sum = 0;
    let sum2 = 0;
    for (let done = 0; done < samples; done += B) {
      const m = Math.min(B, samples - done);
      this.drawSamples(this.testRng, m);
      this.ws.dot();
      for (let q = 0; q < m; q++) {
        let out = 0;
        for (let i = 0; i < n; i++) out += a[i] * act.value(z[i * B + q] + b[i]);
        const loss = (this.y[q] - out / n) ** 2;
        sum += loss;
        sum2 += loss * loss;
      }
    }
    const mean = sum / samples;
    const variance = samples > 1 ? Math.max(0, (sum2 - samples * mean * mean) / (samples - 1)) : 0;
    return { mean, stdError: Math.sqrt(variance / samples), samples };
  }
}

/** What the run loop drives: the ridge-unit engine above or a generic-unit engine (./units.ts). */
export interface Engine {
  readonly saveSteps: readonly number[];
  readonly totalSteps: number;
  readonly checkEvery: number;
  readonly state: ParticleState;
  /** Brings `state` up to date when the engine keeps its parameters elsewhere (float32 W). */
  syncState?(): void;
  /** Threads its kernels run on (default 1). */
  readonly threads?: 1 | 2;
  step(k: number): void;
  observe(requestedTime: number, step: number): ParticleSnapshot;
}

/**
 * Runs an engine from its initial state up to the last save time, recording a snapshot at every save
 * time and polling `control` every `checkEvery` steps (or POLL_MS). Deterministic.
 */
export function runEngine(
  engine: Engine,
  info: { name: string; dimension: number; reducedNames: readonly string[]; metricNames?: readonly string[] },
  options: Pick<SgdOptions, 'n' | 'epsilon' | 'saveTimes' | 'batch' | 'precision' | 'seed' | 'stream' | 'returnState'>,
  control: RunControl = {},
): ParticleRun {
  const { saveSteps, totalSteps, checkEvery } = engine;
  const { n, epsilon } = options;
  const snapshots: ParticleSnapshot[] = [];
  let stepsMs = 0;
  let observablesMs = 0;
  let k = 0;
  let nextSave = 0;
  let stoppedAt: { step: number; t: number } | null = null;
  const record = () => {
    while (nextSave < saveSteps.length && saveSteps[nextSave] === k) {
      const t0 = performance.now();
      snapshots.push(engine.observe(options.saveTimes[nextSave], k));
      observablesMs += performance.now() - t0;
      nextSave++;
    }
  };
  record();
  // steps so slow that checkEvery of them outlast POLL_MS (a wide net, a huge batch) also poll once POLL_MS has
  // passed, reading the clock after each step only then: a stop waits one step, not checkEvery (results unchanged)
  let timed = true;
  while (k < totalSteps) {
    const stop = Math.min(saveSteps[nextSave], (Math.floor(k / checkEvery) + 1) * checkEvery);
    const t0 = performance.now();
    const first = k;
    if (timed) {
      const deadline = t0 + POLL_MS;
      while (k < stop) {
        engine.step(k++);
        if (performance.now() > deadline) break;
      }
    } else for (; k < stop; k++) engine.step(k);
    const ms = performance.now() - t0;
    stepsMs += ms;
    timed = (ms / (k - first)) * checkEvery > POLL_MS;
    record();
    if (k % checkEvery === 0 || k === totalSteps || ms > POLL_MS) {
      control.onProgress?.({ step: k, totalSteps, t: k * epsilon });
      if (k < totalSteps && control.shouldStop?.()) {
        stoppedAt = { step: k, t: k * epsilon };
        break;
      }
    }
  }
  engine.syncState?.();
  const s = engine.state;
  return {
    model: info.name,
    n,
    d: info.dimension,
    batch: options.batch ?? 1,
    epsilon,
    precision: options.precision ?? 'float64',
    seed: options.seed,
    stream: options.stream ?? 0,
    reducedNames: info.reducedNames,
    ...(info.metricNames ? { metricNames: info.metricNames } : {}),
    snapshots,
    stepsDone: k,
    totalSteps,
    completed: stoppedAt === null,
    stoppedAt,
    ...(options.returnState ? { state: { n: s.n, d: s.d, w: Float64Array.from(s.w), a: Float64Array.from(s.a), b: Float64Array.from(s.b) } } : {}),
    threads: engine.threads ?? 1,
    timings: { stepsMs, observablesMs },
  };
}

/**
 * Runs the ridge-unit particle system from its initial law up to the last save time.
 * Deterministic: the same (model, options) give bit-identical results.
 */
export function simulate(model: ParticleModel, options: SgdOptions, control: RunControl = {}): ParticleRun {
  const engine = new ParticleEngine(model, options);
  try {
    return runEngine(engine, model, options, control);
  } finally {
    void engine.close(); // also on a divergence or a stop
  }
}
