/**
 * One SGD (or GD) replica of a run, from plain data (so that a worker thread can run it): the model
 * block it rebuilds the model from, the spec's initial law and the engine options. Replica k draws
 * everything from (seed, stream k), so results do not depend on which thread runs which replica.
 */
import { ConfigError } from '../errors.ts';
import type { Model, ParticleSide } from '../model.ts';
import type { RunSpec } from '../spec/index.ts';
import { parseWith } from '../spec/fields.ts';
import { resolveModel, type ModelBlock } from '../../reduced-models/index.ts';
import { checkPrecision, checkSampling, simulate, type ParticleRun, type RunControl, type SgdOptions } from './sgd.ts';
import { simulateNetwork } from './networks.ts';
import { simulateUnits } from './units.ts';

/** Plain data: the model, its initial law and the run options (the stream is set per replica). */
export interface ReplicaSpec {
  readonly model: ModelBlock;
  readonly init: unknown;
  readonly options: Omit<SgdOptions, 'stream' | 'init'>;
}

/** The particle side of a model, or a ConfigError naming the missing capability. */
export function particleSideOf(model: Model, command = 'particles'): ParticleSide {
  if (!model.particles) throw new ConfigError('model', `${command} need a particle side; model "${model.name}" (${model.label}) has none (e.g. d = ∞ has no finite network)`);
  return model.particles;
}

/** The replica spec of a run (its particles block and seed). */
export function replicaSpec(run: RunSpec, overrides: Partial<Omit<SgdOptions, 'stream' | 'init'>> = {}): ReplicaSpec {
  const p = run.particles;
  if (!p) throw new ConfigError('particles', 'is required for particles: { "n": 800, "epsilon": 1e-5 }');
  const side = particleSideOf(run.model);
  if (side.kind === 'ridge') {
    for (const [flag, coordinate] of [['trainA', 'a'], ['trainB', 'b']] as const) {
      if (p[flag] && !side.trainable[coordinate]) throw new ConfigError(`particles.${flag}`, `${run.model.name} units have ${coordinate} fixed: must be false`);
    }
    side.initialLaw(run.init); // a law the engine cannot draw is a config error now, not in a worker
  }
  const algorithm = p.algorithm ?? (side.kind === 'units' && !side.unit.data ? 'gd' : 'sgd');
  checkSampling(p.sampling, algorithm, { name: run.model.name, perUnitSampling: side.kind === 'ridge' }); // now, not in a worker
  checkPrecision(p.precision, algorithm, { name: run.model.name, float32: side.kind === 'ridge' });
  return {
    model: run.modelBlock,
    init: run.init,
    options: {
      n: p.n,
      epsilon: p.epsilon,
      schedule: run.schedule,
      batch: p.batch,
      trainA: p.trainA,
      trainB: p.trainB,
      saveTimes: run.saveTimes,
      testSamples: p.testSamples,
      algorithm,
      integrator: p.integrator,
      sampling: p.sampling,
      ...(p.precision === 'float32' ? { precision: p.precision } : {}), // float64 (the default) leaves the replica spec, and checkpoint keys, as before
      threads: p.threads,
      seed: run.seed,
      ...overrides,
    },
  };
}

/** One replica in the current thread. */
export async function runReplica(spec: ReplicaSpec, replica: number, control: RunControl = {}): Promise<ParticleRun> {
  const { model, definition } = await resolveModel(spec.model);
  const side = particleSideOf(model);
  const init = parseWith(definition.init, spec.init, 'init');
  if (side.kind === 'ridge') return simulate(side.model, { ...spec.options, init: side.initialLaw(init), stream: replica }, control);
  if (side.kind === 'network') return simulateNetwork(side.network, model.name, { ...spec.options, init, stream: replica }, control);
  return simulateUnits(side.unit, model.name, { ...spec.options, init, stream: replica }, control);
}
