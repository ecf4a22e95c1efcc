/**
 * The one spec (src/spec): defaults, and every bad field a ConfigError naming it with the allowed range.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { parseSpec } from '../../src/spec/index.ts';

const good = {
  model: { name: 'isotropic-gaussians', delta: 0.8, d: 40 },
  init: { kind: 'gaussian', scale: 0.8 },
  grid: { rMax: 8, cells: 400 },
  saveTimes: [0, 1, 2],
};

async function errorOf(spec: unknown): Promise<ConfigError> {
  try {
    await parseSpec(spec);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('spec validation', () => {
  it('accepts a minimal spec and fills defaults (the solver block too when absent)', async () => {
    const [run] = (await parseSpec(good)).runs;
    expect(run.solver.scheme).toBe('ssprk2');
    expect(run.solver.kernelTolerance).toBe(1e-10);
    expect(run.solver.cfl).toBe(0.4);
    expect(run.schedule).toEqual({ kind: 'constant', value: 1 });
    expect(run.seed).toBe(1);
    expect(run.model.label).toMatch(/Δ = 0.8, d = 40/);
    expect((await parseSpec({ ...good, model: { ...good.model, d: 'inf' } })).runs[0].modelBlock.d).toBe('inf');
  });

  it('every example parses', async () => {
    const dir = new URL('../../examples/', import.meta.url);
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const spec = await parseSpec(JSON.parse(readFileSync(new URL(name, dir), 'utf8')));
      expect(spec.runs.length, name).toBeGreaterThan(0);
    }
  });

  it.each([
    [{ ...good, model: { name: 'isotropic-gaussians', delta: 0.8 } }, 'model.d', /integer >= 2/],
    [{ ...good, model: { ...good.model, d: -3 } }, 'model.d', /integer >= 2/],
    [{ ...good, model: { ...good.model, d: 2.5 } }, 'model.d', /integer >= 2/],
    [{ ...good, model: { ...good.model, delta: 1.2 } }, 'model.delta', /< 1/],
    [{ ...good, model: { ...good.model, delta: 'big' } }, 'model.delta', /finite number/],
    [{ ...good, model: { ...good.model, name: 'nope' } }, 'model.name', /"isotropic-gaussians"/],
    [{ ...good, model: { ...good.model, gamma: 1 } }, 'model.gamma', /not a known field/],
    [{ ...good, grid: { rMax: 0, cells: 10 } }, 'grid.rMax', /> 0/],
    [{ ...good, grid: { rMax: -1, cells: 10 } }, 'grid.rMax', /> 0/],
    [{ ...good, grid: { rMax: 8, cells: 10.5 } }, 'grid.cells', /integer/],
    [{ ...good, grid: { rMax: 8, cells: 1 } }, 'grid.cells', />= 2/],
    [{ ...good, init: { kind: 'gaussian', scale: Number.NaN } }, 'init.scale', /NaN/],
    [{ ...good, saveTimes: [0, 2, 1] }, 'saveTimes[2]', /increasing/],
    [{ ...good, saveTimes: 'soon' }, 'saveTimes', /array/],
    [{ ...good, solver: { cfl: 0.9 } }, 'solver.cfl', /<= 0.5/],
    [{ ...good, solver: { method: 'spectral' } }, 'solver.method', /"finite-volume", "characteristics"/],
    [{ ...good, grid: { rMax: 8, cels: 10 } }, 'grid.cels', /not a known field/],
    [{ ...good, schedule: { kind: 'power', t0: 0, alpha: 0.25 } }, 'schedule.t0', /> 0/],
    [{ ...good, particles: { n: 0, epsilon: 1e-4 } }, 'particles.n', />= 1/],
    [{ ...good, particles: { n: 10, epsilon: 1e-4, sampling: 'each' } }, 'particles.sampling', /"shared", "per-unit"/],
    [{ ...good, seed: -1 }, 'seed', />= 0/],
    [{ ...good, pde: {} }, 'pde', /"solver"/],
    [{ ...good, colour: 'red' }, 'colour', /not a known field/],
  ])('rejects a bad field with a message naming it (%#)', async (spec, fieldName, message) => {
    const e = await errorOf(spec);
    expect(e.field).toBe(fieldName);
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(fieldName)).toBe(true);
  });
});

describe('JSON Schema for editors', () => {
  it('schema/meanfield.schema.json is the one the spec schemas generate (run `npm run schema` after changing them)', async () => {
    const { specJsonSchemaText, SCHEMA_PATH } = await import('../../src/spec/json-schema.ts');
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(specJsonSchemaText());
  });
});
