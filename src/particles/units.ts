/**
 * The particle engine's general path: any `UnitModel` (src/model.ts), i.e. N units with p parameters
 * each, ŷ(x) = (1/N) Σ_i σ*(x; θ_i). Ridge units a·σ(<w, x> + b) have the fast WebAssembly engine
 * (./sgd.ts); this one calls the unit's own functions and serves every other unit.
 *
 *   online SGD (MMN eq. 3):  θ_i ← θ_i + (2 s_k / B) Σ_b (y_b − ŷ(x_b)) ∇_θ σ*(x_b; θ_i),  s_k = ε ξ(kε)
 *   full-batch GD:           θ_i ← θ_i − 2 s_k G_i,  G_i = ∇_θ Ψ(θ_i; ρ̂_N) (the unit's populationGradient),
 * which is the expectation of the SGD step (explicit Euler on dθ/dt = −2ξ G); `integrator: 'heun'`
 * takes the explicit trapezoid instead, θ* = θ − 2s_k G(θ), θ ← θ − s_k G(θ) − s_{k+1} G(θ*) (2nd
 * order, two gradients per step). Time t = kε. Snapshots: every unit's reduced
 * coordinates and the exact population risk. Noise (spec `noise.beta`): θ_j += √(4 s_k/β) g after each step
 * (Euler–Maruyama of the PDE's (2ξ/β)Δ); weight decay is not offered on this path.
 */
import { ConfigError } from '../errors.ts';
import type { UnitModel } from '../model.ts';
import { Rng } from '../rng.ts';
import { evaluateSchedule } from '../types.ts';
import type { ParticleState } from './network.ts';
import { resolveOptions, runEngine, type Engine, type ParticleRun, type ParticleSnapshot, type Resolved, type RunControl, type SgdOptions } from './sgd.ts';

/** Run options of the general path: those of the ridge engine, with the model's own initial law. */
export type UnitRunOptions = Omit<SgdOptions, 'init'> & { readonly init: unknown };

class UnitEngine implements Engine {
  readonly state: ParticleState;
  private readonly o: Resolved;
  private readonly theta: Float64Array;
  private readonly grad: Float64Array;
  /** Heun: the state at the start of the step and the gradient at the predictor. */
  private readonly thetaStart: Float64Array;
  private readonly gradPredicted: Float64Array;
  private readonly x: Float64Array;
  private readonly y: Float64Array;
  private readonly xs: Float64Array;
  private readonly rng: Rng;
  private readonly unitScratch: Float64Array;

  constructor(
    private readonly unit: UnitModel,
    options: UnitRunOptions,
  ) {
    const p = unit.parameters;
    this.o = resolveOptions({ name: 'unit model', dimension: p, hasGradient: true }, options);
    if (this.o.lambda !== 0) throw new ConfigError('particles.noise.lambda', 'weight decay is not available on the units path (use 0)');
    if (this.o.algorithm === 'sgd' && !unit.data) throw new ConfigError('particles.algorithm', 'this model\'s units have no data law for online SGD: use "gd"');
    const { n, batch } = this.o;
    this.theta = new Float64Array(n * p);
    this.grad = new Float64Array(n * p);
    const heun = this.o.integrator === 'heun';
    this.thetaStart = new Float64Array(heun ? n * p : 0);
    this.gradPredicted = new Float64Array(heun ? n * p : 0);
    this.unitScratch = new Float64Array(p);
    const dx = unit.data?.inputDimension ?? 0;
    this.x = new Float64Array(batch * dx);
    this.xs = new Float64Array(dx);
    this.y = new Float64Array(batch);
    this.state = { n, d: p, w: this.theta, a: new Float64Array(0), b: new Float64Array(0) };
    this.rng = new Rng(this.o.seed, this.o.stream);
    unit.initialise(this.theta, n, options.init, this.rng);
  }

  get saveSteps(): readonly number[] { return this.o.saveSteps; }
  get totalSteps(): number { return this.o.totalSteps; }
  get checkEvery(): number { return this.o.checkEvery; }

  step(k: number): void {
    const s = this.o.epsilon * evaluateSchedule(this.o.schedule, k * this.o.epsilon);
    const { n } = this.o;
    const p = this.unit.parameters;
    const theta = this.theta;
    this.unit.reaction?.(theta, n, k * this.o.epsilon, this.o.epsilon, this.rng);
    if (this.o.algorithm === 'gd') {
      const { grad } = this;
      this.unit.populationGradient(theta, n, grad);
      const h = 2 * s;
      if (this.o.integrator === 'euler') {
        for (let j = 0; j < theta.length; j++) theta[j] -= h * grad[j];
        this.addNoise(s);
        return;
      }
      const { thetaStart, gradPredicted } = this;
      const hNext = 2 * this.o.epsilon * evaluateSchedule(this.o.schedule, (k + 1) * this.o.epsilon);
      thetaStart.set(theta);
      for (let j = 0; j < theta.length; j++) theta[j] -= h * grad[j];
      this.unit.populationGradient(theta, n, gradPredicted);
      for (let j = 0; j < theta.length; j++) theta[j] = thetaStart[j] - 0.5 * (h * grad[j] + hNext * gradPredicted[j]);
      this.addNoise(s);
      return;
    }
    const data = this.unit.data!;
    const B = this.o.batch;
    const dx = data.inputDimension;
    // residuals r_b = y_b − ŷ(x_b) at the old θ, then every unit's step from the same θ
    for (let q = 0; q < B; q++) {
      const x = this.x.subarray(q * dx, (q + 1) * dx);
      this.y[q] = data.sample(this.rng, x);
      let out = 0;
      for (let i = 0; i < n; i++) out += data.output(theta.subarray(i * p, (i + 1) * p), x);
      const r = this.y[q] - out / n;
      if (!Number.isFinite(r)) throw new Error(`particles: diverged at step ${k} (t = ${k * this.o.epsilon}); reduce epsilon`);
      this.y[q] = r;
    }
    this.grad.fill(0);
    const g = this.unitScratch;
    for (let q = 0; q < B; q++) {
      this.xs.set(this.x.subarray(q * dx, (q + 1) * dx));
      for (let i = 0; i < n; i++) {
        data.outputGradient(theta.subarray(i * p, (i + 1) * p), this.xs, g);
        for (let j = 0; j < p; j++) this.grad[i * p + j] += this.y[q] * g[j];
      }
    }
    const h = (2 * s) / B;
    for (let j = 0; j < theta.length; j++) theta[j] += h * this.grad[j];
    this.addNoise(s);
  }

  /** Euler–Maruyama noise η g per parameter, η² = noiseFactor · s (4s/β: the PDE's (2ξ/β)Δ, solvers/README.md). */
  private addNoise(s: number): void {
    if (this.o.noiseFactor === 0) return;
    const eta = Math.sqrt(this.o.noiseFactor * s);
    const theta = this.theta;
    for (let j = 0; j < theta.length; j++) theta[j] += eta * this.rng.normal();
  }

  observe(requestedTime: number, step: number): ParticleSnapshot {
    const { n } = this.o;
    const p = this.unit.parameters;
    const m = this.unit.reducedNames.length;
    const reduced = new Float64Array(n * m);
    for (let i = 0; i < n; i++) this.unit.toReduced(this.theta.subarray(i * p, (i + 1) * p), reduced.subarray(i * m, (i + 1) * m));
    return { requestedTime, t: step * this.o.epsilon, step, reduced, populationRisk: this.unit.populationRisk(this.theta, n), testRisk: null };
  }
}

/** Runs N generic units from the model's initial law to the last save time (deterministic). */
export function simulateUnits(unit: UnitModel, name: string, options: UnitRunOptions, control: RunControl = {}): ParticleRun {
  return runEngine(new UnitEngine(unit, options), { name, dimension: unit.parameters, reducedNames: unit.reducedNames }, options, control);
}
