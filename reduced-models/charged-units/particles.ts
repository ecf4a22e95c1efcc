/**
 * Particles of the charged-unit model (README §Particles): units (y_i, c_i) with weights w_i (1/n for a
 * network, quadrature weights for a characteristics computation), moved by the per-unit gradient of
 * Ψ = c U (RVE eq. 9, the gradient flow of E = n(L − ½‖f‖²) in the paper's time):
 *     dy_i/dt = −c_i U'(y_i),   dc_i/dt = −U(y_i),   U = −F + Σ_j w_j c_j K(·, y_j)   (j = i included).
 * Along it dL/dt = −Σ_i w_i (c_i² U'_i² + U_i²) (README §Energy identity).
 *
 * Steps (t = steps · dt):
 *   - 'gd' with 'euler' (z ← z + dt v(z)) or 'heun' (explicit trapezoid, 2nd order): exact kernel sums
 *     from the model (O(n·m) through Fourier charge moments on both domains);
 *   - 'gd' + temperature θ (Euler–Maruyama): z ← z + dt v(z) + √(2θ dt) g, whose law solves
 *     ∂_t ρ = ∇·(ρ∇Ψ) + θ Δρ (the convention of temperatureNoise);
 *   - 'sgd' (online, RVE eq. 21–22, models with sampleInput): a fresh batch x_1 … x_B ~ μ per step,
 *     r_b = f_w(x_b) − f(x_b), Û_i = (1/B) Σ_b r_b φ(x_b; y_i), Û'_i = (1/B) Σ_b r_b ∂_yφ(x_b; y_i),
 *     then the Euler step with (Û, Û'); E[Û_i] = U_i, so it is unbiased for the GD drift. Cost O(n·B)
 *     (one exponential and one ∂_y log φ per unit and input).
 * Every buffer is allocated at construction (the SGD φ table when a batch size is first used): no
 * allocation per step. Same state, seed and options give bit-identical results.
 */
import { ConfigError } from '../../src/errors.ts';
import type { Rng } from '../../src/rng.ts';
import { sampleUnits, type ProductLaw, type WeightedNodes } from './laws.ts';
import { positive, type ChargedUnitsModel } from './model.ts';

export type Integrator = 'euler' | 'heun';

export interface ParticleRunOptions {
  /** Time step (> 0); t = steps · dt. */
  readonly dt: number;
  readonly steps: number;
  /** 'gd' (default, exact loss) or 'sgd' (online, needs a model with sampleInput). */
  readonly algorithm?: 'gd' | 'sgd';
  /** GD integrator (default 'euler'); SGD and θ > 0 are Euler only. */
  readonly method?: Integrator;
  /** SGD batch size B ≥ 1 (default 1). */
  readonly batch?: number;
  /** Temperature θ ≥ 0 of Langevin GD (default 0). */
  readonly temperature?: number;
  /** Random numbers for SGD batches and Langevin noise. */
  readonly rng?: Rng;
  /** Record the loss every this many steps (default 1; the final state is always recorded). */
  readonly recordEvery?: number;
}

export interface ParticleRunResult {
  readonly times: Float64Array;
  /** Exact loss L of the configuration at each recorded time. */
  readonly loss: Float64Array;
}

export class ChargedParticles {
  readonly n: number;
  readonly y: Float64Array;
  readonly c: Float64Array;
  /** Weights w_i > 0, Σ = 1. */
  readonly w: Float64Array;
  /** U_i and U'_i from the last `evaluate`. */
  readonly u: Float64Array;
  readonly du: Float64Array;
  private readonly yStart: Float64Array;
  private readonly cStart: Float64Array;
  private readonly vy: Float64Array;
  private readonly vc: Float64Array;
  /** SGD batch buffers: inputs x_b, residuals r_b and φ(x_b; y_i) at i·B + b (sized by the first batch used). */
  private inputs = new Float64Array(0);
  private residuals = new Float64Array(0);
  private phi = new Float64Array(0);
  private time = 0;

  /** Units at (y, c) (copied) with weights w (default 1/n each). */
  constructor(readonly model: ChargedUnitsModel, y: Float64Array, c: Float64Array, w?: Float64Array) {
    const n = y.length;
    if (n < 1 || c.length !== n) throw new ConfigError('particles', `y and c need the same length >= 1 (got ${y.length}, ${c.length})`);
    this.n = n;
    this.y = Float64Array.from(y);
    this.c = Float64Array.from(c);
    if (w) {
      if (w.length !== n) throw new ConfigError('particles.w', `needs ${n} weights (got ${w.length})`);
      let s = 0;
      for (let i = 0; i < n; i++) {
        if (!(w[i] > 0 && w[i] < Infinity)) throw new ConfigError(`particles.w[${i}]`, `must be finite and > 0 (got ${w[i]})`);
        s += w[i];
      }
      if (!(Math.abs(s - 1) <= 1e-12)) throw new ConfigError('particles.w', `must sum to 1 (got ${s})`);
      this.w = Float64Array.from(w);
    } else {
      this.w = new Float64Array(n).fill(1 / n);
    }
    for (let i = 0; i < n; i++) {
      if (!(Number.isFinite(this.y[i]) && Number.isFinite(this.c[i]))) throw new ConfigError(`particles[${i}]`, `y and c must be finite (got ${this.y[i]}, ${this.c[i]})`);
    }
    this.u = new Float64Array(n);
    this.du = new Float64Array(n);
    this.yStart = new Float64Array(n);
    this.cStart = new Float64Array(n);
    this.vy = new Float64Array(n);
    this.vc = new Float64Array(n);
  }

  /** n i.i.d. units from ρ0 (equal weights). */
  static sample(model: ChargedUnitsModel, law: ProductLaw, n: number, rng: Rng): ChargedParticles {
    if (!(Number.isInteger(n) && n >= 1)) throw new ConfigError('particles.n', `must be an integer >= 1 (got ${n})`);
    const y = new Float64Array(n);
    const c = new Float64Array(n);
    sampleUnits(law, n, rng, y, c);
    return new ChargedParticles(model, y, c);
  }

  /** Weighted quadrature nodes of ρ0 (laws.ts quadratureNodes): the characteristics of the mean-field flow. */
  static fromNodes(model: ChargedUnitsModel, nodes: WeightedNodes): ChargedParticles {
    return new ChargedParticles(model, nodes.y, nodes.c, nodes.w);
  }

  /** Time reached by the steps taken so far. */
  get t(): number {
    return this.time;
  }

  /** The exact loss L = ½‖f − f_w‖² of the current configuration. */
  loss(): number {
    return this.model.loss(this.y, this.c, this.w, this.n);
  }

  /** U_i, U'_i into u, du; returns the loss. */
  evaluate(): number {
    return this.model.field(this.y, this.c, this.w, this.n, this.u, this.du);
  }

  /** −dL/dt = Σ_i w_i (c_i² U'_i² + U_i²) from the last `evaluate`. */
  dissipation(): number {
    let s = 0;
    for (let i = 0; i < this.n; i++) s += this.w[i] * (this.c[i] * this.c[i] * this.du[i] * this.du[i] + this.u[i] * this.u[i]);
    return s;
  }

  /**
   * One GD step of size dt (with Langevin noise of temperature θ if given, Euler only); returns the
   * loss of the state before the step (a by-product of its first evaluation).
   */
  gdStep(dt: number, method: Integrator = 'euler', theta = 0, rng?: Rng): number {
    const { n, y, c, u, du } = this;
    const loss = this.evaluate();
    if (method === 'euler') {
      const noise = theta > 0 ? Math.sqrt(2 * theta * dt) : 0;
      if (noise > 0 && !rng) throw new ConfigError('rng', 'a temperature θ > 0 needs an Rng');
      for (let i = 0; i < n; i++) {
        const vy = -c[i] * du[i];
        y[i] += dt * vy;
        c[i] -= dt * u[i];
        if (noise > 0) {
          y[i] += noise * rng!.normal();
          c[i] += noise * rng!.normal();
        }
      }
    } else {
      if (theta > 0) throw new ConfigError('method', 'Langevin steps (temperature > 0) are Euler–Maruyama only');
      const { yStart, cStart, vy, vc } = this;
      for (let i = 0; i < n; i++) {
        yStart[i] = y[i];
        cStart[i] = c[i];
        vy[i] = -c[i] * du[i];
        vc[i] = -u[i];
        y[i] += dt * vy[i];
        c[i] += dt * vc[i];
      }
      this.evaluate();
      const h = dt / 2;
      for (let i = 0; i < n; i++) {
        const vy2 = -c[i] * du[i];
        y[i] = yStart[i] + h * (vy[i] + vy2);
        c[i] = cStart[i] + h * (vc[i] - u[i]);
      }
    }
    this.time += dt;
    return loss;
  }

  /** One online SGD step with a fresh batch of B inputs x ~ μ (see the module comment). */
  sgdStep(dt: number, batch: number, rng: Rng): void {
    const { model, n, y, c, w } = this;
    if (!model.sampleInput) throw new ConfigError('algorithm', `"sgd" needs a model whose input law is a probability measure (the circle); got ${model.name}`);
    if (!(Number.isInteger(batch) && batch >= 1)) throw new ConfigError('batch', `must be an integer >= 1 (got ${batch})`);
    if (this.inputs.length !== batch) this.allocateBatch(batch);
    const { inputs: x, residuals: r, phi } = this;
    for (let b = 0; b < batch; b++) {
      x[b] = model.sampleInput(rng);
      r[b] = -model.target(x[b]);
    }
    for (let i = 0; i < n; i++) {
      const q = w[i] * c[i];
      const row = i * batch;
      for (let b = 0; b < batch; b++) {
        const p = model.unit(x[b], y[i]);
        phi[row + b] = p;
        r[b] += q * p;
      }
    }
    const inv = 1 / batch;
    for (let i = 0; i < n; i++) {
      const row = i * batch;
      let ui = 0;
      let dui = 0;
      for (let b = 0; b < batch; b++) {
        ui += r[b] * phi[row + b];
        dui += r[b] * phi[row + b] * model.unitLogDerivative(x[b], y[i]);
      }
      y[i] -= dt * c[i] * dui * inv;
      c[i] -= dt * ui * inv;
    }
    this.time += dt;
  }

  private allocateBatch(batch: number): void {
    this.inputs = new Float64Array(batch);
    this.residuals = new Float64Array(batch);
    this.phi = new Float64Array(this.n * batch);
  }

  /** `steps` steps of the chosen algorithm, recording the exact loss (see ParticleRunOptions). */
  run(options: ParticleRunOptions): ParticleRunResult {
    const dt = positive(options.dt, 'dt');
    const { steps } = options;
    if (!(Number.isInteger(steps) && steps >= 0)) throw new ConfigError('steps', `must be an integer >= 0 (got ${steps})`);
    const algorithm = options.algorithm ?? 'gd';
    if (algorithm !== 'gd' && algorithm !== 'sgd') throw new ConfigError('algorithm', `must be "gd" or "sgd" (got ${JSON.stringify(algorithm)})`);
    const method = options.method ?? 'euler';
    if (method !== 'euler' && method !== 'heun') throw new ConfigError('method', `must be "euler" or "heun" (got ${JSON.stringify(method)})`);
    const theta = options.temperature ?? 0;
    if (!(theta >= 0 && theta < Infinity)) throw new ConfigError('temperature', `must be finite and >= 0 (got ${theta})`);
    if (algorithm === 'sgd' && (method !== 'euler' || theta > 0)) throw new ConfigError('method', 'online SGD is an Euler scheme without added noise');
    if (theta > 0 && method !== 'euler') throw new ConfigError('method', 'Langevin steps (temperature > 0) are Euler–Maruyama only');
    if ((algorithm === 'sgd' || theta > 0) && !options.rng) throw new ConfigError('rng', `${algorithm === 'sgd' ? 'SGD' : 'a temperature θ > 0'} needs an Rng`);
    const every = options.recordEvery ?? 1;
    if (!(Number.isInteger(every) && every >= 1)) throw new ConfigError('recordEvery', `must be an integer >= 1 (got ${every})`);
    const batch = options.batch ?? 1;
    const records = Math.floor(steps / every) + (steps % every === 0 ? 1 : 2);
    const times = new Float64Array(records);
    const loss = new Float64Array(records);
    let k = 0;
    for (let s = 0; s < steps; s++) {
      const record = s % every === 0;
      if (record) times[k] = this.time;
      if (algorithm === 'sgd') {
        if (record) loss[k] = this.loss();
        this.sgdStep(dt, batch, options.rng!);
      } else {
        const l = this.gdStep(dt, method, theta, options.rng);
        if (record) loss[k] = l;
      }
      if (record) k++;
    }
    times[k] = this.time;
    loss[k] = this.loss();
    return { times, loss };
  }
}
