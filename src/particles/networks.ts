/**
 * The particle engine's path for particle-only models (`ParticleSide.network`, src/model.ts): the
 * model's own trainer does the SGD steps with its kernels; this file gives it the project's time
 * (t = kε, s_k = ε ξ(kε)), save times, stops and snapshots through the shared `runEngine`.
 * Snapshots hold the tracked per-unit coordinates (as `reduced`) and the model's metrics.
 */
import type { NetworkModel, NetworkTrainer } from '../model.ts';
import { Rng } from '../rng.ts';
import { evaluateSchedule } from '../types.ts';
import { resolveOptions, runEngine, type Engine, type ParticleRun, type ParticleSnapshot, type Resolved, type RunControl } from './sgd.ts';
import type { UnitRunOptions } from './units.ts';

class NetworkEngine implements Engine {
  readonly state;
  private readonly o: Resolved;
  private readonly trainer: NetworkTrainer;
  private readonly rng: Rng;

  constructor(
    private readonly network: NetworkModel,
    options: UnitRunOptions,
  ) {
    this.o = resolveOptions({ name: 'network', dimension: network.coordinateNames.length, hasGradient: false }, options);
    this.rng = new Rng(this.o.seed, this.o.stream);
    this.trainer = network.createTrainer(this.o.n, options.init, this.o.batch, this.rng);
    this.state = { n: this.o.n, d: 0, w: new Float64Array(0), a: new Float64Array(0), b: new Float64Array(0) };
  }

  get saveSteps(): readonly number[] { return this.o.saveSteps; }
  get totalSteps(): number { return this.o.totalSteps; }
  get checkEvery(): number { return Math.min(this.o.checkEvery, 100); }

  step(k: number): void {
    const t = k * this.o.epsilon;
    this.trainer.step(this.o.epsilon * evaluateSchedule(this.o.schedule, t), this.rng, t);
  }

  observe(requestedTime: number, step: number): ParticleSnapshot {
    const m = this.network.coordinateNames.length;
    const reduced = new Float64Array(this.o.n * m);
    this.trainer.coordinates(reduced);
    return { requestedTime, t: step * this.o.epsilon, step, reduced, populationRisk: null, testRisk: null, metrics: this.trainer.evaluate() };
  }
}

/** Trains N units of a particle-only network from its initial law to the last save time (deterministic). */
export function simulateNetwork(network: NetworkModel, name: string, options: UnitRunOptions, control: RunControl = {}): ParticleRun {
  const engine = new NetworkEngine(network, { ...options, algorithm: 'sgd' });
  return runEngine(engine, { name, dimension: network.coordinateNames.length, reducedNames: network.coordinateNames, metricNames: network.metricNames }, options, control);
}
