/**
 * Configs of the figure pipeline (src/pipeline/figures.ts): MMN Fig. 3 (anisotropic Gaussians, ReLU
 * units on (a, b, r1, r2), n-D characteristics) and Fig. 4 (isotropic Gaussians, 1-D finite volumes),
 * each a base run plus `variants` (label + overrides) overlaid in one report.
 *
 * {
 *   "model":     { "name": "anisotropic-relu", "delta": 0.2, "d": 320, "s0": 60 },
 *                // or "anisotropic-gaussians" (+ optional "activation"), or "isotropic-gaussians" (src/io/config.ts)
 *   "init":      { "w": { "kind": "gaussian", "scale": 0.8 }, "a": 1, "b": 1 },   // w ~ N(0, scale²/d I)
 *                // ("init": { "kind": "gaussian", "scale": s } is accepted too: a = 1, b = 0)
 *   "schedule":  { "kind": "power", "t0": 1, "alpha": 0.25 },    // ξ(t) = (t + t0)^(−α)
 *   "saveTimes": [0, 1, 10, 100],
 *   "particles": { "n": 800, "epsilon": 2e-4, "seeds": 2, "trainA": true, "trainB": true },
 *   "pde":       { "nodesPerPanel": 10, "panels": 2, "checkNodesPerPanel": 7, "tolerance": 1e-5,
 *                  "dt": 0.01, "dtMax": 10, "kernelTolerance": 1e-6, "infinite": true },   // anisotropic models
 *   "grid":      { "rMax": 4, "cells": 4000 }, "solver": { … },                            // isotropic model (FV)
 *   "variants":  [ { "label": "Δ = 0.1", "model": { "delta": 0.1 } }, … ],
 *   "paper":     { "saveTimes": [...], "particles": { "epsilon": 1e-6 } },   // merged in by --paper
 *   "slicedDirections": 64,
 *   "seed": 1
 * }
 * A variant's keys are deep-merged into the base config, then the merged run is validated; errors
 * name the field, prefixed with "variants[i]." when the offending field came from that variant.
 */
import { ConfigError } from '../errors.ts';
import type { StepSchedule } from '../types.ts';
import { parseModel, parseRunConfig, parseSchedule, type ModelConfig, type RunConfig } from './config.ts';
import { asObject, bool, checkNumber, field, noExtraKeys, num, numArray, str, type Json, type JsonObject } from './validate.ts';
import { AnisotropicGaussians, AnisotropicReluGaussians, type AnisotropicModel } from '../../reduced-models/anisotropic-gaussians/index.ts';
import { activationFromSpec } from '../../reduced-models/activations.ts';
import type { ParticleModel } from '../types.ts';

export type AnisotropicModelConfig =
  | { name: 'anisotropic-gaussians'; delta: number; d: number; s0: number; activation: JsonObject }
  | { name: 'anisotropic-relu'; delta: number; d: number; s0: number };

export type FigureModelConfig = AnisotropicModelConfig | ModelConfig;

/** Initial law: w ~ N(0, scale²/d I_d), a = a0 and b = b0 for every unit. */
export interface FigureInit {
  scale: number;
  a: number;
  b: number;
}

/** Numerics of the n-D characteristics solution (anisotropic models). */
export interface NdPdeConfig {
  /** Chi quadrature of each radius: panels × nodesPerPanel Gauss–Legendre nodes (tensor product over r1, r2). */
  panels: number;
  nodesPerPanel: number;
  /** A second, coarser run (this many nodes per panel; 0 = none) whose differences estimate the quadrature error. */
  checkNodesPerPanel: number;
  /** RK4 step-doubling tolerance, first step and largest step. */
  tolerance: number;
  dt: number;
  dtMax: number;
  /** Truncation tolerance of the separable kernel (checked a posteriori on the visited range). */
  kernelTolerance: number;
  /** Also solve d = ∞ (rank-2 kernel, one node: the radii concentrate). */
  infinite: boolean;
}

export interface FigureParticlesConfig {
  n: number;
  epsilon: number;
  batch: number;
  seeds: number;
  trainA: boolean;
  trainB: boolean;
}

export interface FigureVariant {
  label: string;
  model: FigureModelConfig;
  init: FigureInit;
  schedule: StepSchedule;
  saveTimes: number[];
  particles: FigureParticlesConfig;
  /** Anisotropic models. */
  pde?: NdPdeConfig;
  /** Isotropic model: the 1-D run config (grid, solver) for the finite-volume solver. */
  run?: RunConfig;
}

export interface FigureConfig {
  path: 'anisotropic' | 'isotropic';
  description?: string;
  variants: FigureVariant[];
  slicedDirections: number;
  seed: number;
  /** True when the "paper" block was merged in. */
  paper: boolean;
}

const ANISOTROPIC_NAMES = ['anisotropic-gaussians', 'anisotropic-relu'] as const;
const ROOT_KEYS = ['description', 'model', 'init', 'schedule', 'saveTimes', 'particles', 'pde', 'grid', 'solver', 'variants', 'paper', 'slicedDirections', 'seed'];
const OVERRIDE_KEYS = ['model', 'init', 'schedule', 'saveTimes', 'particles', 'pde', 'grid', 'solver'];

/** True for configs this module handles: a `variants` list or an anisotropic model (for CLI dispatch). */
export function isFigureConfig(raw: unknown): boolean {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return false;
  const o = raw as JsonObject;
  if (o.variants !== undefined) return true;
  const m = o.model;
  return m !== null && typeof m === 'object' && !Array.isArray(m) && (ANISOTROPIC_NAMES as readonly string[]).includes((m as JsonObject).name as string);
}

function isPlainObject(v: Json | undefined): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Deep merge of JSON objects: objects merge key by key, everything else (arrays too) is replaced. */
export function mergeJson(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? mergeJson(b, v) : v;
  }
  return out;
}

/** Whether the dotted path `p` (e.g. "model.delta") is set in the override object. */
function overrideHas(over: JsonObject, p: string): boolean {
  let cur: Json | undefined = over;
  for (const key of p.replace(/\[\d+\]/g, '').split('.')) {
    if (!isPlainObject(cur) || !(key in cur)) return false;
    cur = cur[key];
  }
  return true;
}

export function parseAnisotropicModel(value: Json | undefined, path = 'model'): AnisotropicModelConfig {
  const m = asObject(value, path);
  const name = str(m, 'name', path, ANISOTROPIC_NAMES);
  noExtraKeys(m, path, name === 'anisotropic-gaussians' ? ['name', 'delta', 'd', 's0', 'activation'] : ['name', 'delta', 'd', 's0']);
  const delta = num(m, 'delta', path, { above: 0, below: 1 });
  if (m.d === 'inf' || m.d === 'infinity' || m.d === 'Infinity') {
    throw new ConfigError(field(path, 'd'), 'must be a finite integer >= 3: the particles live in R^d (the d = ∞ PDE is added by "pde.infinite")');
  }
  const d = num(m, 'd', path, { integer: true, min: 3 });
  const s0 = num(m, 's0', path, { integer: true, min: 1, max: d - 1 });
  if (name === 'anisotropic-gaussians') {
    const activation = m.activation === undefined ? { kind: 'mmn' } : asObject(m.activation, field(path, 'activation'));
    activationFromSpec(activation, field(path, 'activation')); // validate now
    return { name, delta, d, s0, activation };
  }
  return { name, delta, d, s0 };
}

/** The reduced model of an anisotropic config at its d, or at d = ∞ (same Δ and σ). */
export function buildAnisotropicModel(config: AnisotropicModelConfig, infinite = false): AnisotropicModel {
  const dims = infinite ? { d: 'inf' as const } : { d: config.d, s0: config.s0 };
  if (config.name === 'anisotropic-relu') return new AnisotropicReluGaussians({ delta: config.delta, ...dims });
  return new AnisotropicGaussians({ delta: config.delta, ...dims, activation: activationFromSpec(config.activation, 'model.activation') });
}

/** Particle-registry factory: params is the `model` block of a figure config. */
export function anisotropicParticleModelFromJson(params: Record<string, unknown>): ParticleModel {
  return buildAnisotropicModel(parseAnisotropicModel(params as Json, 'model')).particleModel();
}

function parseInit(value: Json | undefined, path: string): FigureInit {
  const o = asObject(value, path);
  if (o.kind !== undefined) {
    // the 1-D run config form { kind: "gaussian", scale }
    noExtraKeys(o, path, ['kind', 'scale']);
    str(o, 'kind', path, ['gaussian'] as const);
    return { scale: num(o, 'scale', path, { above: 0 }), a: 1, b: 0 };
  }
  noExtraKeys(o, path, ['w', 'a', 'b']);
  const w = asObject(o.w, field(path, 'w'));
  noExtraKeys(w, field(path, 'w'), ['kind', 'scale']);
  str(w, 'kind', field(path, 'w'), ['gaussian'] as const);
  return { scale: num(w, 'scale', field(path, 'w'), { above: 0 }), a: num(o, 'a', path, {}, 1), b: num(o, 'b', path, {}, 0) };
}


function parseParticles(value: Json | undefined, path: string): FigureParticlesConfig {
  const o = asObject(value, path);
  noExtraKeys(o, path, ['n', 'epsilon', 'batch', 'seeds', 'trainA', 'trainB']);
  return {
    n: num(o, 'n', path, { integer: true, min: 2, max: 1e6 }),
    epsilon: num(o, 'epsilon', path, { above: 0, max: 1 }),
    batch: num(o, 'batch', path, { integer: true, min: 1, max: 1e6 }, 1),
    seeds: num(o, 'seeds', path, { integer: true, min: 1, max: 10000 }, 1),
    trainA: bool(o, 'trainA', path, false),
    trainB: bool(o, 'trainB', path, false),
  };
}

function parsePde(value: Json | undefined, path = 'pde'): NdPdeConfig {
  const o = value === undefined ? {} : asObject(value, path);
  noExtraKeys(o, path, ['panels', 'nodesPerPanel', 'checkNodesPerPanel', 'tolerance', 'dt', 'dtMax', 'kernelTolerance', 'infinite']);
  const nodesPerPanel = num(o, 'nodesPerPanel', path, { integer: true, min: 2, max: 64 }, 10);
  return {
    panels: num(o, 'panels', path, { integer: true, min: 1, max: 16 }, 2),
    nodesPerPanel,
    checkNodesPerPanel: num(o, 'checkNodesPerPanel', path, { integer: true, min: 0, max: 64 }, Math.max(2, Math.round(0.7 * nodesPerPanel))),
    tolerance: num(o, 'tolerance', path, { above: 0, max: 1e-2 }, 1e-5),
    dt: num(o, 'dt', path, { above: 0 }, 0.01),
    dtMax: num(o, 'dtMax', path, { above: 0 }, 10),
    kernelTolerance: num(o, 'kernelTolerance', path, { above: 0, max: 1e-2 }, 1e-6),
    infinite: bool(o, 'infinite', path, true),
  };
}

/** One merged run (base + a variant's overrides) → a validated variant. */
function parseVariant(run: JsonObject, label: string, seed: number): FigureVariant {
  const modelValue = run.model;
  const modelName = isPlainObject(modelValue) ? modelValue.name : undefined;
  const anisotropic = (ANISOTROPIC_NAMES as readonly Json[]).includes(modelName ?? null);
  const model: FigureModelConfig = anisotropic ? parseAnisotropicModel(modelValue) : parseModel(modelValue);
  const init = parseInit(run.init, 'init');
  const schedule = parseSchedule(run.schedule);
  const saveTimes = numArray(run, 'saveTimes', '', { min: 0 }, { increasing: true });
  if (run.particles === undefined) throw new ConfigError('particles', 'is required: { "n": 800, "epsilon": 2e-4, "seeds": 2 }');
  const particles = parseParticles(run.particles, 'particles');
  const fixedUnits = model.name !== 'anisotropic-relu';
  if (fixedUnits) {
    if (init.a !== 1) throw new ConfigError('init.a', `${model.name} units have a = 1 fixed (got ${init.a})`);
    if (init.b !== 0) throw new ConfigError('init.b', `${model.name} units have b = 0 fixed (got ${init.b})`);
    if (particles.trainA) throw new ConfigError('particles.trainA', `${model.name} units have a = 1 fixed: must be false`);
    if (particles.trainB) throw new ConfigError('particles.trainB', `${model.name} units have b = 0 fixed: must be false`);
  }
  if (model.name === 'isotropic-gaussians') {
    if (model.d === 'inf') throw new ConfigError('model.d', 'particles need a finite dimension d (got "inf")');
    if (run.pde !== undefined) throw new ConfigError('pde', 'is for the anisotropic models; the isotropic model uses "grid" and "solver" (finite volumes)');
    const runConfig = parseRunConfig({
      model: modelValue,
      init: { kind: 'gaussian', scale: init.scale },
      schedule,
      grid: run.grid,
      ...(run.solver !== undefined ? { solver: run.solver } : {}),
      saveTimes,
      seed,
    });
    return { label, model, init, schedule, saveTimes, particles, run: runConfig };
  }
  for (const key of ['grid', 'solver']) {
    if (run[key] !== undefined) throw new ConfigError(key, `is for the isotropic model (finite volumes); ${model.name} uses "pde"`);
  }
  return { label, model, init, schedule, saveTimes, particles, pde: parsePde(run.pde) };
}

function defaultLabel(model: Json | undefined): string {
  const m = isPlainObject(model) ? model : {};
  return `${String(m.name)}, Δ = ${String(m.delta)}`;
}

/**
 * Validates a figure config (parsed JSON). `paper` merges the config's "paper" block (longer
 * horizon, smaller ε, …) into the base before the variants; `seeds` overrides particles.seeds.
 */
export function parseFigureConfig(value: unknown, options: { paper?: boolean; seeds?: number } = {}): FigureConfig {
  const root = asObject(value, 'config');
  noExtraKeys(root, '', ROOT_KEYS);
  const seed = root.seed === undefined ? 1 : checkNumber(root.seed, 'seed', { integer: true, min: 0, max: 4294967295 });
  const slicedDirections = num(root, 'slicedDirections', '', { integer: true, min: 1, max: 10000 }, 64);
  if (root.description !== undefined && typeof root.description !== 'string') {
    throw new ConfigError('description', `must be a string (got ${JSON.stringify(root.description)})`);
  }
  const description = root.description;
  let base: JsonObject = {};
  for (const key of OVERRIDE_KEYS) if (root[key] !== undefined) base[key] = root[key];
  if (options.paper) {
    if (root.paper === undefined) throw new ConfigError('paper', 'the config has no "paper" block to merge (e.g. { "saveTimes": [...], "particles": { "epsilon": 1e-6 } })');
    const paper = asObject(root.paper, 'paper');
    noExtraKeys(paper, 'paper', OVERRIDE_KEYS);
    base = mergeJson(base, paper);
  } else if (root.paper !== undefined) {
    noExtraKeys(asObject(root.paper, 'paper'), 'paper', OVERRIDE_KEYS);
  }
  if (options.seeds !== undefined) {
    checkNumber(options.seeds, 'seeds', { integer: true, min: 1, max: 10000 });
    base = mergeJson(base, { particles: { seeds: options.seeds } });
  }
  const overrides: { label: string; over: JsonObject; path: string }[] = [];
  if (root.variants === undefined) {
    overrides.push({ label: defaultLabel(base.model), over: {}, path: '' });
  } else {
    if (!Array.isArray(root.variants) || root.variants.length === 0) {
      throw new ConfigError('variants', `must be a nonempty array of { "label": ..., overrides } (got ${JSON.stringify(root.variants)})`);
    }
    const labels = new Set<string>();
    root.variants.forEach((v, i) => {
      const path = `variants[${i}]`;
      const o = asObject(v, path);
      noExtraKeys(o, path, ['label', ...OVERRIDE_KEYS]);
      if (typeof o.label !== 'string' || o.label === '') throw new ConfigError(field(path, 'label'), `must be a nonempty string (got ${JSON.stringify(o.label)})`);
      if (labels.has(o.label)) throw new ConfigError(field(path, 'label'), `duplicates an earlier label ${JSON.stringify(o.label)}`);
      labels.add(o.label);
      const { label, ...over } = o;
      for (const [k, x] of Object.entries(over)) {
        if (k !== 'saveTimes' && !isPlainObject(x)) throw new ConfigError(field(path, k), `must be an object of overrides (got ${JSON.stringify(x)})`);
      }
      overrides.push({ label, over: over as JsonObject, path });
    });
  }
  const variants = overrides.map(({ label, over, path }) => {
    try {
      return parseVariant(mergeJson(base, over), label, seed);
    } catch (e) {
      if (e instanceof ConfigError && path && overrideHas(over, e.field)) throw new ConfigError(`${path}.${e.field}`, e.message.slice(e.field.length + 2));
      throw e;
    }
  });
  const kinds = new Set(variants.map((v) => (v.model.name === 'isotropic-gaussians' ? 'isotropic' : 'anisotropic')));
  if (kinds.size > 1) throw new ConfigError('variants', 'must all use the isotropic model or all an anisotropic one (one report per path)');
  const path = kinds.has('isotropic') ? 'isotropic' : 'anisotropic';
  if (path === 'anisotropic') {
    const names = new Set(variants.map((v) => v.model.name));
    if (names.size > 1) throw new ConfigError('variants', `must all use the same model (got ${[...names].join(', ')})`);
  }
  return { path, description, variants, slicedDirections, seed, paper: options.paper ?? false };
}
