/**
 * How a worker thread (or a CLI) builds a ParticleModel from plain data. A class instance cannot
 * cross postMessage, so ensembles send a `ModelRef` and every thread calls `loadParticleModel`.
 *
 * Contract:
 *  - `{ name, params }`: looked up in PARTICLE_MODELS below; the factory receives `params` (plain
 *    JSON) and must validate it, throwing ConfigError naming the field ("model.d", …).
 *  - `{ module, export, params }`: `module` is an absolute path or file: URL of an ES module (.ts
 *    works: workers run under tsx); `export` names a factory `(params) => ParticleModel` in it.
 *    For models that do not live in this table (user code, test helpers).
 * A factory must be deterministic: the same params give a model with the same behaviour in every
 * thread (this is what makes ensembles independent of the number of workers).
 *
 * Only entries present when this module is imported exist in workers: add models to the table,
 * do not register them at run time.
 */
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.ts';
import type { ParticleModel } from '../types.ts';
import { freeModel, teacherReluModel } from './toy-models.ts';
import { particleModelFromJson } from '../models.ts';
import { anisotropicParticleModelFromJson } from '../io/nd-config.ts';

export type ModelParams = Record<string, unknown>;
export type ParticleModelFactory = (params: ModelParams) => ParticleModel;

export type ModelRef =
  | { readonly name: string; readonly params?: ModelParams }
  | { readonly module: string; readonly export: string; readonly params?: ModelParams };

/** name → factory. The paper's models are added here by their authors. */
export const PARTICLE_MODELS: Readonly<Record<string, ParticleModelFactory>> = {
  /** params: the `model` block of a run config (src/io/config.ts). */
  'isotropic-gaussians': (p) => particleModelFromJson(p),
  /** params: the `model` block of a figure config (src/io/nd-config.ts), with its name. */
  'anisotropic-gaussians': (p) => anisotropicParticleModelFromJson(p),
  'anisotropic-relu': (p) => anisotropicParticleModelFromJson(p),
  'teacher-relu': (p) => teacherReluModel(p as { d: number; teacherNorm?: number }),
  free: (p) => freeModel(p as { d: number }),
};

function paramsOf(ref: ModelRef): ModelParams {
  const p = ref.params;
  if (p === undefined) return {};
  if (p === null || typeof p !== 'object' || Array.isArray(p)) {
    throw new ConfigError('model.params', `must be an object (got ${JSON.stringify(p)})`);
  }
  return p;
}

/** Builds a model from the table (synchronous). */
export function createParticleModel(name: string, params: ModelParams = {}): ParticleModel {
  const factory = Object.hasOwn(PARTICLE_MODELS, name) ? PARTICLE_MODELS[name] : undefined;
  if (!factory) {
    throw new ConfigError('model.name', `unknown particle model ${JSON.stringify(name)}; known: ${Object.keys(PARTICLE_MODELS).join(', ')}`);
  }
  return factory(params);
}

/** Builds a model from a table name or from a factory exported by a module. */
export async function loadParticleModel(ref: ModelRef): Promise<ParticleModel> {
  if ('name' in ref) return createParticleModel(ref.name, paramsOf(ref));
  if (typeof ref.module !== 'string' || ref.module === '') throw new ConfigError('model.module', 'must be a module path or file: URL');
  const url = ref.module.startsWith('file:') ? ref.module : pathToFileURL(ref.module).href;
  const mod = (await import(url)) as Record<string, unknown>;
  const factory = mod[ref.export];
  if (typeof factory !== 'function') {
    throw new ConfigError('model.export', `${JSON.stringify(ref.export)} is not a function exported by ${ref.module}`);
  }
  return (factory as ParticleModelFactory)(paramsOf(ref));
}
