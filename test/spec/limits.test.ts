/**
 * Limits from what the numerics can do (src/spec/schema.ts, the models' params) and the resource
 * estimate (src/spec/resources.ts): the absurd inputs of issue 14 are ConfigErrors naming the field and
 * the allowed range, before anything large is allocated.
 */
import { totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { parseSpec, type Spec } from '../../src/spec/index.ts';
import { checkResources, estimateRun, MAX_SECONDS, SECONDS_PER_OPERATION } from '../../src/spec/resources.ts';

const fig1 = {
  model: { name: 'isotropic-gaussians', delta: 0.8, d: 40 },
  init: { kind: 'gaussian', scale: 0.8 },
  grid: { rMax: 8, cells: 1600 },
  saveTimes: [0, 0.5, 1, 2, 5, 10],
  particles: { n: 800, epsilon: 1e-5 },
};

type Json = Record<string, unknown>;
function withField(path: string, value: unknown, base: Json = fig1): Json {
  const out = structuredClone(base);
  const keys = path.split('.');
  let cur = out as Json;
  for (const k of keys.slice(0, -1)) cur = (cur[k] ??= {}) as Json;
  cur[keys[keys.length - 1]] = value;
  return out;
}

async function errorOf(body: () => Promise<unknown> | unknown): Promise<ConfigError> {
  try {
    await body();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('limits of the spec', () => {
  it.each([
    ['model.d', 1e9, 'model.d', /<= 10000000 or "inf"/],
    ['solver.dt', 1e-300, 'solver.dt', />= 1e-12 and <= 10/],
    ['saveTimes', [0, 1e12], 'saveTimes[1]', /<= 1000000/],
    ['schedule', { kind: 'constant', value: 1e300 }, 'schedule.value', /> 0 and <= 1000/],
    ['schedule', { kind: 'constant', value: 0 }, 'schedule.value', /> 0 and <= 1000/],
    ['schedule', { kind: 'power', t0: 1e-9, alpha: 1 }, 'schedule.t0', /xi|ξ\(0\)/],
    ['noise', { beta: 1e-300, lambda: 0.5 }, 'noise.beta', />= 0.000001/],
    ['grid.cells', 1e7, 'grid.cells', /<= 1000000/],
    ['grid.rMax', 1e300, 'grid.rMax', /<= 1000/],
    ['particles.testSamples', 1e12, 'particles.testSamples', /<= 100000000/],
    ['particles.batch', 1e6, 'particles.batch', /<= 100000/],
    ['particles.epsilon', 1e-300, 'particles.epsilon', />= 1e-12/],
  ])('%s = %j → %s', async (path, value, field, message) => {
    const e = await errorOf(() => parseSpec(withField(path, value)));
    expect(e.field).toBe(field);
    expect(e.message).toMatch(message);
  });

  it('a grid too coarse for the initial law is refused with the cell count that suffices', async () => {
    const spec = await parseSpec(withField('grid', { rMax: 1000, cells: 2000 }));
    const run = spec.runs[0];
    const e = await errorOf(() => run.model.reduced!.initialMass!(run.model.reduced!.grid!(run.grid), run.init));
    expect(e.field).toBe('grid.cells');
    expect(e.message).toMatch(/use at least 5591 cells/); // rMax / (2 · 0.8/√80)
  });
});

describe('resource estimate', () => {
  it('counts the steps of each engine from the spec (fixed dt, diffusion limit, T/ε)', async () => {
    const [run] = (await parseSpec(withField('solver.dt', 1e-3))).runs;
    const e = estimateRun(run, { pde: true, particles: true, workers: 1 });
    expect(e.phases[0].steps).toBe(10000); // t = 10 / dt
    expect(e.phases[1].steps).toBe(1e6); // t = 10 / ε
    // particles: 1e6 steps × batch 1 × 800 units × (40 + 2) parameters, and the exact R_N's 800·799/2 pairs × (42 + 30) at 6 save times
    expect(e.phases[1].operations).toBeCloseTo(1e6 * 800 * 42 + 6 * 319600 * 72, -3);
    const h = 8 / 1600;
    const [noisy] = (await parseSpec(withField('solver.diffusion', 'explicit', withField('noise', { beta: 1e-3, lambda: 0 })))).runs;
    expect(estimateRun(noisy, { pde: true, particles: false }).phases[0].steps).toBe(Math.ceil(10 / ((h * h * 1e-3) / 2)));
    // implicit diffusion (the default) has no h²β/2 limit: CFL steps with the ridge drift λ·rMax = 80 added to speeds of order 1
    const [implicit] = (await parseSpec(withField('noise', { beta: 1e-3, lambda: 10 }))).runs;
    const pde = estimateRun(implicit, { pde: true, particles: false }).phases[0];
    expect(pde.steps).toBe(Math.ceil(10 / ((0.4 * h) / 81)));
    expect(pde.stepField).toBe('noise.lambda');
  });

  it('prints nothing for a short run and an estimate for a long one', async () => {
    expect(checkResources(await parseSpec(withField('particles.epsilon', 1e-2)), { pde: true, particles: true })).toEqual([]);
    const lines = checkResources(await parseSpec(withField('particles.n', 2e4)), { pde: true, particles: true, workers: 1 });
    expect(lines[0]).toMatch(/^estimate: about .* of computing/);
    expect(lines.join('\n')).toMatch(/n = 20000 units × 42 parameters, .*exact R_N over 2\.00e\+8 pairs of units per save time/);
  });

  it('refuses what cannot fit this machine (naming the field) or cannot finish', async () => {
    // 1e7 units × (1e7 + 2) parameters: far beyond any memory
    const huge = withField('model.d', 1e7, withField('particles.n', 1e7));
    const spec: Spec = await parseSpec(huge);
    const e = await errorOf(() => checkResources(spec, { pde: false, particles: true, workers: 1 }));
    expect(e.field).toBe('model.d'); // d + 2 parameters per unit > n units: the dimension is named
    expect(e.message).toMatch(new RegExp(`of this machine's ${(totalmem() / 1e9).toPrecision(3)} GB`));
    // 1e6 / 1e-12 SGD steps
    const long = await parseSpec(withField('particles.epsilon', 1e-12, withField('saveTimes', [0, 1e6])));
    expect(1e18 * 800 * 42 * SECONDS_PER_OPERATION).toBeGreaterThan(MAX_SECONDS);
    const f = await errorOf(() => checkResources(long, { pde: false, particles: true }));
    expect(f.field).toBe('particles.epsilon');
    expect(f.message).toMatch(/years/);
  });
});
