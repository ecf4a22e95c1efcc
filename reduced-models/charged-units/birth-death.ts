/**
 * Birth–death of charged units (Rotskoff, Jelassi, Bruna & Vanden-Eijnden, *Global convergence of neuron
 * birth-death dynamics*, ICML 2019; README §9). With the first variation V_i = c_i U(y_i) (= δE/δρ at unit i)
 * and its mean V̄ = (1/n) Σ_j V_j, in a step of length dt each unit i independently
 *   - if V_i > V̄: dies with probability 1 − e^{−α(V_i − V̄)dt}; its slot takes a copy of a uniformly drawn
 *     unit (or, with a prior, a fresh draw from ρ0);
 *   - if V_i < V̄: is cloned with probability 1 − e^{−α(V̄ − V_i)dt}; the clone replaces a uniformly drawn unit,
 * so n stays fixed. Decisions and copies use the configuration at the start of the pass. Mean-field limit
 * (m = ∫(V − V̄)⁺ dρ; ∫(V − V̄)dρ = 0 makes the kill and clone totals equal):
 *   ∂_t ρ ⊃ −α(V − V̄)ρ                 (copies of the population: killed mass m re-enters ∝ ρ, cloned mass leaves ∝ ρ)
 *   ∂_t ρ ⊃ −α(V − V̄)ρ + α m (ρ0 − ρ)  (prior: the killed mass re-enters ∝ ρ0)
 * the term solvers/finite-volume.ts applies on the grid (BirthDeathSpec, g = 2ψ = cU in the R = L convention).
 */
import { ConfigError } from '../../src/errors.ts';
import type { Rng } from '../../src/rng.ts';
import { sampleUnits, type ProductLaw } from './laws.ts';
import type { ChargedParticles } from './particles.ts';

export interface BirthDeathOptions {
  /** α ≥ 0. */
  readonly rate: number;
  /** Birth–death acts for t < until (default always). */
  readonly until?: number;
  /** Re-draw killed units from this law (ρ0) instead of copying a unit. */
  readonly prior?: ProductLaw;
}

/** What one pass did: units killed and cloned, and the expected numbers Σ_i p_i of each. */
export interface BirthDeathEvents {
  killed: number;
  cloned: number;
  expectedKilled: number;
  expectedCloned: number;
}

/** Scratch of a pass (sized once per n). */
export class BirthDeath {
  private y0 = new Float64Array(0);
  private c0 = new Float64Array(0);
  private readonly draw = [new Float64Array(1), new Float64Array(1)];

  constructor(readonly options: BirthDeathOptions) {
    if (!(options.rate >= 0 && options.rate < Infinity)) throw new ConfigError('birthDeath.rate', `must be finite and >= 0 (got ${options.rate})`);
  }

  /** Whether the term acts on a step starting at t. */
  active(t: number): boolean {
    return this.options.rate > 0 && (this.options.until === undefined || t < this.options.until);
  }

  /** One pass of length dt over n equal-weight units (y, c) with first variations V (see the module comment). */
  pass(y: Float64Array, c: Float64Array, V: Float64Array, n: number, dt: number, rng: Rng): BirthDeathEvents {
    if (this.y0.length !== n) {
      this.y0 = new Float64Array(n);
      this.c0 = new Float64Array(n);
    }
    const { y0, c0, draw } = this;
    y0.set(y.subarray(0, n));
    c0.set(c.subarray(0, n));
    let mean = 0;
    for (let i = 0; i < n; i++) mean += V[i];
    mean /= n;
    const strength = this.options.rate * dt;
    const prior = this.options.prior;
    const events: BirthDeathEvents = { killed: 0, cloned: 0, expectedKilled: 0, expectedCloned: 0 };
    for (let i = 0; i < n; i++) {
      const d = V[i] - mean;
      const p = -Math.expm1(-strength * Math.abs(d));
      const u = rng.uniform();
      if (d > 0) {
        events.expectedKilled += p;
        if (u >= p) continue;
        events.killed++;
        if (prior) {
          sampleUnits(prior, 1, rng, draw[0], draw[1]);
          y[i] = draw[0][0];
          c[i] = draw[1][0];
        } else {
          const j = Math.min(n - 1, Math.floor(rng.uniform() * n));
          y[i] = y0[j];
          c[i] = c0[j];
        }
      } else if (d < 0) {
        events.expectedCloned += p;
        if (u >= p) continue;
        events.cloned++;
        const k = Math.min(n - 1, Math.floor(rng.uniform() * n));
        y[k] = y0[i];
        c[k] = c0[i];
      }
    }
    return events;
  }

  /** A pass on a network of equal weights at the start of its step (evaluates U first). */
  step(p: ChargedParticles, dt: number, rng: Rng): BirthDeathEvents {
    p.evaluate();
    const V = p.du; // scratch: overwritten by the next evaluate anyway
    for (let i = 0; i < p.n; i++) V[i] = p.c[i] * p.u[i];
    return this.pass(p.y, p.c, V, p.n, dt, rng);
  }
}

/**
 * Euler GD with birth–death on a network of n equal-weight units: per step of length dt, a birth–death pass
 * (while active) then the GD step. Returns the loss at every step (t = 0 … steps·dt).
 */
export function runWithBirthDeath(p: ChargedParticles, bd: BirthDeath, dt: number, steps: number, rng: Rng): { times: Float64Array; loss: Float64Array } {
  const times = new Float64Array(steps + 1);
  const loss = new Float64Array(steps + 1);
  for (let s = 0; s < steps; s++) {
    times[s] = p.t;
    loss[s] = p.loss();
    if (bd.active(p.t)) bd.step(p, dt, rng);
    p.gdStep(dt);
  }
  times[steps] = p.t;
  loss[steps] = p.loss();
  return { times, loss };
}
