import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/io/config.ts';
import { ConfigError } from '../../src/errors.ts';

const good = {
  model: { name: 'isotropic-gaussians', delta: 0.8, d: 40 },
  init: { kind: 'gaussian', scale: 0.8 },
  grid: { rMax: 8, cells: 400 },
  saveTimes: [0, 1, 2],
};

function errorOf(config: unknown): ConfigError {
  try {
    parseRunConfig(config);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('run config validation', () => {
  it('accepts a minimal config and fills defaults', () => {
    const c = parseRunConfig(good);
    expect(c.solver.scheme).toBe('ssprk2');
    expect(c.schedule).toEqual({ kind: 'constant', value: 1 });
    expect(c.seed).toBe(1);
    expect(parseRunConfig({ ...good, model: { ...good.model, d: 'inf' } }).model.d).toBe('inf');
  });

  it.each([
    [{ ...good, model: { name: 'isotropic-gaussians', delta: 0.8 } }, 'model.d', /integer >= 2/],
    [{ ...good, model: { ...good.model, d: -3 } }, 'model.d', /integer >= 2/],
    [{ ...good, model: { ...good.model, d: 2.5 } }, 'model.d', /integer >= 2/],
    [{ ...good, model: { ...good.model, delta: 1.2 } }, 'model.delta', /< 1/],
    [{ ...good, model: { ...good.model, delta: 'big' } }, 'model.delta', /finite number/],
    [{ ...good, grid: { rMax: 0, cells: 10 } }, 'grid.rMax', /> 0/],
    [{ ...good, grid: { rMax: -1, cells: 10 } }, 'grid.rMax', /> 0/],
    [{ ...good, grid: { rMax: 8, cells: 10.5 } }, 'grid.cells', /integer/],
    [{ ...good, grid: { rMax: 8 } }, 'grid.cells', /missing/],
    [{ ...good, init: { kind: 'gaussian', scale: Number.NaN } }, 'init.scale', /NaN/],
    [{ ...good, saveTimes: [0, 2, 1] }, 'saveTimes[2]', /increasing/],
    [{ ...good, saveTimes: 'soon' }, 'saveTimes', /array/],
    [{ ...good, solver: { cfl: 0.9 } }, 'solver.cfl', /<= 0.5/],
    [{ ...good, grid: { rMax: 8, cels: 10 } }, 'grid.cels', /not a known field/],
    [{ ...good, schedule: { kind: 'power', t0: 0, alpha: 0.25 } }, 'schedule.t0', /> 0/],
    [{ ...good, particles: { n: 0, epsilon: 1e-4 } }, 'particles.n', />= 1/],
    [{ ...good, seed: -1 }, 'seed', />= 0/],
  ])('rejects a bad field with a message naming it (%#)', (config, fieldName, message) => {
    const e = errorOf(config);
    expect(e.field).toBe(fieldName);
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(fieldName)).toBe(true);
  });
});
