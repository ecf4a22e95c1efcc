/**
 * The JSON config: one spec for both engines (ARCHITECTURE.md "one spec, two paths").
 *
 * {
 *   "model":     { "name": "isotropic-gaussians", "delta": 0.8, "d": 40, "activation": { "kind": "mmn" } },
 *   "init":      { "kind": "gaussian", "scale": 0.8 },          // w ~ N(0, scale²/d I_d)
 *   "schedule":  { "kind": "constant", "value": 1 },            // ξ(t); or { "kind": "power", "t0": 1, "alpha": 0.25 }
 *   "grid":      { "rMax": 8, "cells": 1600 },
 *   "solver":    { "scheme": "ssprk2", "cfl": 0.4, "reconstruction": "muscl", "kernelTolerance": 1e-10 },
 *   "noise":     { "beta": 40, "lambda": 1 },                   // optional: noisy SGD / entropic diffusion
 *   "saveTimes": [0, 0.5, 1, 2, 5, 10],
 *   "particles": { "n": 800, "epsilon": 2e-5, "batch": 1, "seeds": 1 },   // for `compare`
 *   "seed": 1
 * }
 * Every field is validated here; errors name the field and the allowed range.
 */
import { ConfigError } from '../errors.ts';
import type { StepSchedule } from '../types.ts';
import { asObject, bool, checkNumber, field, noExtraKeys, num, numArray, optionalNum, str, type Json, type JsonObject } from './validate.ts';

export interface ModelConfig {
  name: 'isotropic-gaussians';
  delta: number;
  d: number | 'inf';
  /** Passed to the model's activation parser (validated there). */
  activation: JsonObject;
}

export type InitConfig =
  | { kind: 'gaussian'; scale: number }
  | { kind: 'uniform'; lo: number; hi: number }
  | { kind: 'shell'; radius: number }
  | { kind: 'density'; values: number[] };

export interface SolverConfig {
  scheme: 'euler' | 'ssprk2' | 'ssprk3';
  cfl: number;
  reconstruction: 'muscl' | 'upwind';
  /** Max truncation error allowed for the separable kernel (sup over grid pairs). */
  kernelTolerance: number;
  /** Fixed time step (overrides the CFL rule). */
  dt?: number;
}

export interface ParticlesConfig {
  n: number;
  epsilon: number;
  batch: number;
  seeds: number;
  trainA: boolean;
  trainB: boolean;
  /** Fresh samples for the Monte Carlo test risk at each save time (0 = off). */
  testSamples: number;
}

export interface NoiseConfig {
  beta: number;
  lambda: number;
}

/** The Δ sweep of `meanfield sweep` (MMN Fig. 2). */
export interface SweepConfig {
  /** Δ values of the table. */
  deltas: number[];
  /** Dimensions, each an integer ≥ 2 or 'inf'. */
  dims: (number | 'inf')[];
  /** Range and resolution of the search for [Δ^l, Δ^h]. */
  deltaMin: number;
  deltaMax: number;
  scanPoints: number;
  deltaTolerance: number;
  /** Lemma 1 over all r ≥ 0 ("half-line", MMN's statement) or only over the grid [0, rMax]. */
  lemmaDomain: 'half-line' | 'grid';
  /** Δ values at which to run the PDE and SGD to `longTime` (finite d only for SGD). */
  dynamicsDeltas: number[];
  longTime: number;
}

export interface RunConfig {
  model: ModelConfig;
  init: InitConfig;
  schedule: StepSchedule;
  grid: { rMax: number; cells: number };
  solver: SolverConfig;
  noise?: NoiseConfig;
  saveTimes: number[];
  particles?: ParticlesConfig;
  sweep?: SweepConfig;
  seed: number;
}

const MODEL_NAMES = ['isotropic-gaussians'] as const;

export function parseModel(value: Json | undefined, path = 'model'): ModelConfig {
  const m = asObject(value, path);
  const name = str(m, 'name', path, MODEL_NAMES);
  noExtraKeys(m, path, ['name', 'delta', 'd', 'activation']);
  const delta = num(m, 'delta', path, { above: 0, below: 1 });
  const d = parseDimension(m.d, field(path, 'd'));
  const activation = m.activation === undefined ? { kind: 'mmn' } : asObject(m.activation, field(path, 'activation'));
  return { name, delta, d, activation };
}

function parseInit(value: Json | undefined, path = 'init'): InitConfig {
  const o = asObject(value, path);
  const kind = str(o, 'kind', path, ['gaussian', 'uniform', 'shell', 'density'] as const);
  switch (kind) {
    case 'gaussian':
      noExtraKeys(o, path, ['kind', 'scale']);
      return { kind, scale: num(o, 'scale', path, { above: 0 }) };
    case 'uniform': {
      noExtraKeys(o, path, ['kind', 'lo', 'hi']);
      const lo = num(o, 'lo', path, { min: 0 });
      const hi = num(o, 'hi', path, { above: lo });
      return { kind, lo, hi };
    }
    case 'shell':
      noExtraKeys(o, path, ['kind', 'radius']);
      return { kind, radius: num(o, 'radius', path, { min: 0 }) };
    case 'density':
      noExtraKeys(o, path, ['kind', 'values']);
      return { kind, values: numArray(o, 'values', path, { min: 0 }) };
  }
}

/** ξ(t): constant, or (t + t0)^(−α) with ξ(0) finite. Shared by every config format. */
export function parseSchedule(value: Json | undefined, path = 'schedule'): StepSchedule {
  if (value === undefined) return { kind: 'constant', value: 1 };
  const o = asObject(value, path);
  const kind = str(o, 'kind', path, ['constant', 'power'] as const);
  if (kind === 'constant') {
    noExtraKeys(o, path, ['kind', 'value']);
    return { kind, value: num(o, 'value', path, { min: 0 }, 1) };
  }
  noExtraKeys(o, path, ['kind', 't0', 'alpha']);
  const alpha = num(o, 'alpha', path, { min: 0 });
  // ξ(t) = (t + t0)^(-α) must be finite at t = 0: t0 > 0 unless α = 0
  const t0 = num(o, 't0', path, alpha > 0 ? { above: 0 } : { min: 0 });
  return { kind, t0, alpha };
}

function parseSolver(value: Json | undefined, path = 'solver'): SolverConfig {
  const o = value === undefined ? {} : asObject(value, path);
  noExtraKeys(o, path, ['scheme', 'cfl', 'reconstruction', 'kernelTolerance', 'dt']);
  return {
    scheme: str(o, 'scheme', path, ['euler', 'ssprk2', 'ssprk3'] as const, 'ssprk2'),
    cfl: num(o, 'cfl', path, { above: 0, max: 0.5 }, 0.4),
    reconstruction: str(o, 'reconstruction', path, ['muscl', 'upwind'] as const, 'muscl'),
    kernelTolerance: num(o, 'kernelTolerance', path, { above: 0, max: 1e-2 }, 1e-10),
    dt: optionalNum(o, 'dt', path, { above: 0 }),
  };
}

function parseParticles(value: Json | undefined, path = 'particles'): ParticlesConfig | undefined {
  if (value === undefined) return undefined;
  const o = asObject(value, path);
  noExtraKeys(o, path, ['n', 'epsilon', 'batch', 'seeds', 'trainA', 'trainB', 'testSamples']);
  return {
    n: num(o, 'n', path, { integer: true, min: 1, max: 1e7 }),
    epsilon: num(o, 'epsilon', path, { above: 0, max: 1 }),
    batch: num(o, 'batch', path, { integer: true, min: 1, max: 1e6 }, 1),
    seeds: num(o, 'seeds', path, { integer: true, min: 1, max: 100000 }, 1),
    trainA: bool(o, 'trainA', path, false),
    trainB: bool(o, 'trainB', path, false),
    testSamples: num(o, 'testSamples', path, { integer: true, min: 0 }, 0),
  };
}

function parseDimension(value: Json | undefined, path: string): number | 'inf' {
  if (value === 'inf' || value === 'infinity' || value === 'Infinity') return 'inf';
  if (typeof value === 'number' && Number.isInteger(value) && value >= 2) return value;
  throw new ConfigError(path, `must be an integer >= 2 or "inf" (got ${value === undefined ? 'missing' : JSON.stringify(value)})`);
}

function parseSweep(value: Json | undefined, path = 'sweep'): SweepConfig | undefined {
  if (value === undefined) return undefined;
  const o = asObject(value, path);
  noExtraKeys(o, path, ['deltas', 'dims', 'deltaMin', 'deltaMax', 'scanPoints', 'deltaTolerance', 'lemmaDomain', 'dynamicsDeltas', 'longTime']);
  const dimsValue = o.dims;
  if (!Array.isArray(dimsValue) || dimsValue.length === 0) throw new ConfigError(field(path, 'dims'), `must be a non-empty array of integers >= 2 or "inf" (got ${JSON.stringify(dimsValue)})`);
  const deltaMin = num(o, 'deltaMin', path, { above: 0, below: 1 }, 0.01);
  return {
    deltas: numArray(o, 'deltas', path, { above: 0, below: 1 }, { increasing: true }),
    dims: dimsValue.map((d, i) => parseDimension(d, `${field(path, 'dims')}[${i}]`)),
    deltaMin,
    deltaMax: num(o, 'deltaMax', path, { above: deltaMin, below: 1 }, 0.99),
    scanPoints: num(o, 'scanPoints', path, { integer: true, min: 2, max: 1000 }, 25),
    deltaTolerance: num(o, 'deltaTolerance', path, { above: 0, max: 0.1 }, 1e-4),
    lemmaDomain: str(o, 'lemmaDomain', path, ['half-line', 'grid'] as const, 'half-line'),
    dynamicsDeltas: o.dynamicsDeltas === undefined ? [] : numArray(o, 'dynamicsDeltas', path, { above: 0, below: 1 }, { minLength: 0 }),
    longTime: num(o, 'longTime', path, { above: 0 }, 20),
  };
}

/** Validate a whole run config (parsed JSON). */
export function parseRunConfig(value: unknown): RunConfig {
  const root = asObject(value, 'config');
  noExtraKeys(root, '', ['model', 'init', 'schedule', 'grid', 'solver', 'noise', 'saveTimes', 'particles', 'sweep', 'clt', 'seed', 'description']);
  // "clt" (the ensemble-study block) is validated by src/pipeline/clt-study.ts
  const model = parseModel(root.model);
  const init = parseInit(root.init);
  const grid = asObject(root.grid, 'grid');
  noExtraKeys(grid, 'grid', ['rMax', 'cells']);
  const rMax = num(grid, 'rMax', 'grid', { above: 0 });
  const cells = num(grid, 'cells', 'grid', { integer: true, min: 2, max: 1e7 });
  let noise: NoiseConfig | undefined;
  if (root.noise !== undefined) {
    const n = asObject(root.noise, 'noise');
    noExtraKeys(n, 'noise', ['beta', 'lambda']);
    noise = { beta: num(n, 'beta', 'noise', { above: 0 }), lambda: num(n, 'lambda', 'noise', { min: 0 }) };
  }
  const saveTimes = numArray(root, 'saveTimes', '', { min: 0 }, { increasing: true });
  const seed = root.seed === undefined ? 1 : checkNumber(root.seed, 'seed', { integer: true, min: 0, max: 4294967295 });
  if (init.kind === 'uniform' && init.hi > rMax) throw new ConfigError('init.hi', `must be <= grid.rMax = ${rMax} (got ${init.hi})`);
  if (init.kind === 'shell' && init.radius >= rMax) throw new ConfigError('init.radius', `must be < grid.rMax = ${rMax} (got ${init.radius})`);
  if (init.kind === 'density' && init.values.length !== cells) {
    throw new ConfigError('init.values', `must have one entry per grid cell (grid.cells = ${cells}, got ${init.values.length})`);
  }
  return {
    model,
    init,
    schedule: parseSchedule(root.schedule),
    grid: { rMax, cells },
    solver: parseSolver(root.solver),
    noise,
    saveTimes,
    particles: parseParticles(root.particles),
    sweep: parseSweep(root.sweep),
    seed,
  };
}
