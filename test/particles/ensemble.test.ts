import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { runEnsemble, type EnsembleSpec } from '../../src/particles/ensemble.ts';
import { simulate } from '../../src/particles/sgd.ts';
import { teacherReluModel } from './helpers/toy-models.ts';
import type { ParticleRun } from '../../src/particles/sgd.ts';

/** The test models are plug-ins: workers import them from these files (model blocks with "module"). */
const TOY_MODELS = fileURLToPath(new URL('./helpers/toy-models.ts', import.meta.url));
const HARD_TANH_MODEL = fileURLToPath(new URL('./helpers/hard-tanh-model.ts', import.meta.url));

const spec: EnsembleSpec = {
  model: { name: 'teacher-relu', module: TOY_MODELS, d: 6, teacherNorm: 1.2 },
  init: { w: { kind: 'gaussian', scale: 1 } },
  options: {
    n: 24, epsilon: 0.005, batch: 2, trainA: true,
    saveTimes: [0, 0.2, 0.5], testSamples: 200, seed: 17, returnState: true,
  },
};

const bits = (runs: Array<ParticleRun | null>) =>
  runs.map((r) => ({
    snapshots: r!.snapshots.map((s) => ({ reduced: Array.from(s.reduced), risk: s.populationRisk, test: s.testRisk })),
    w: Array.from(r!.state!.w),
    a: Array.from(r!.state!.a),
  }));

describe('ensembles', () => {
  it('replica k = simulate with stream k; bit-identical with 0 (in-thread), 1 and 2 workers', async () => {
    const K = 5;
    const inThread = await runEnsemble(spec, K, 0);
    const one = await runEnsemble(spec, K, 1);
    const two = await runEnsemble(spec, K, 2);
    expect(inThread.completed && one.completed && two.completed).toBe(true);
    const ref = bits(inThread.runs);
    expect(bits(one.runs)).toEqual(ref);
    expect(bits(two.runs)).toEqual(ref);
    const direct = simulate(teacherReluModel({ d: 6, teacherNorm: 1.2 }), { ...spec.options, init: { w: { kind: 'gaussian', scale: 1 } }, stream: 3 });
    expect(bits([direct])[0]).toEqual(ref[3]);
    expect(ref[0].w).not.toEqual(ref[1].w);
  });

  it('loads a model by module path in the workers; errors keep their ConfigError field', async () => {
    const moduleSpec: EnsembleSpec = {
      model: { name: 'hard-tanh-test', module: HARD_TANH_MODEL, d: 5 },
      init: { w: { kind: 'gaussian', scale: 1 } },
      options: { n: 8, epsilon: 0.01, saveTimes: [0.1], seed: 2 },
    };
    const [a, b] = await Promise.all([runEnsemble(moduleSpec, 2, 0), runEnsemble(moduleSpec, 2, 2)]);
    expect(b.runs.map((r) => Array.from(r!.snapshots[0].reduced))).toEqual(a.runs.map((r) => Array.from(r!.snapshots[0].reduced)));
    const bad = { ...spec, options: { ...spec.options, epsilon: -1 } };
    const err = await runEnsemble(bad, 2, 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('particles.epsilon');
    // an unknown name, and a module that exports no definition of that name: ConfigErrors naming model.name
    for (const model of [{ name: 'nope' }, { name: 'nope', module: TOY_MODELS }]) {
      const unknown = await runEnsemble({ ...spec, model }, 1, 0).catch((e: unknown) => e);
      expect(unknown).toBeInstanceOf(ConfigError);
      expect((unknown as ConfigError).field).toBe('model.name');
      expect((unknown as ConfigError).message).toMatch(model.module ? /exports no model definition named "nope"/ : /\(got "nope"\)/);
    }
  });

  it('shouldStop stops running replicas at their next check and starts no more', async () => {
    const long: EnsembleSpec = { ...spec, options: { ...spec.options, saveTimes: [0, 1e-3, 1e4], checkEvery: 200, testSamples: 0 } };
    let progressed = false;
    const res = await runEnsemble(long, 6, 2, {
      pollMs: 5,
      onProgress: () => { progressed = true; },
      shouldStop: () => progressed,
    });
    expect(res.completed).toBe(false);
    const started = res.runs.filter((r) => r !== null);
    expect(started.length).toBeGreaterThanOrEqual(1);
    expect(started.length).toBeLessThan(6);
    for (const r of started) {
      expect(r!.completed).toBe(false);
      expect(r!.snapshots.length).toBe(2);
    }
  });
});
