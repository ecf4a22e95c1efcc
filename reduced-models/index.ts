/**
 * The one table of model names. A spec's `model` block is `{ "name": ..., ...parameters }`; the name
 * picks a definition here and the definition validates the parameters. A model that lives outside
 * the repository (a plug-in, a test's model) is named with `"module": "<path to an ES module>"` next
 * to its name: the module is imported (in every worker thread too) and must export a ModelDefinition
 * with that name. See reduced-models/README.md, "Adding a model".
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../src/errors.ts';
import type { Model, ModelDefinition } from '../src/model.ts';
import { describeValue } from '../src/spec/fields.ts';
import { isotropicGaussians } from './isotropic-gaussians/definition.ts';
import { anisotropicGaussians, anisotropicGaussiansRelu } from './anisotropic-gaussians/definition.ts';
import { chargedUnits } from './charged-units/definition.ts';
import { mnistTwoLayer } from './mnist-two-layer/definition.ts';
import { sphericalThreeSpin } from './spherical-3-spin/definition.ts';

/** The built-in models. */
export const MODELS: readonly ModelDefinition[] = [isotropicGaussians, anisotropicGaussians, anisotropicGaussiansRelu, chargedUnits, mnistTwoLayer, sphericalThreeSpin];

/** Names that were renamed: old → new (rejected with a message that gives the new name). */
const RENAMED: Readonly<Record<string, string>> = { 'anisotropic-relu': 'anisotropic-gaussians-relu' };

const registered = new Map<string, ModelDefinition>();

/** Makes a definition known in this thread (library use; workers import plug-ins through `module`). */
export function registerModel(definition: ModelDefinition): void {
  if (MODELS.some((m) => m.name === definition.name)) throw new RangeError(`registerModel: "${definition.name}" is a built-in model`);
  registered.set(definition.name, definition);
}

function isDefinition(x: unknown): x is ModelDefinition {
  return x !== null && typeof x === 'object' && typeof (x as ModelDefinition).name === 'string' && typeof (x as ModelDefinition).create === 'function' && (x as ModelDefinition).params !== undefined;
}

/** Every model name this thread knows (built-in, then registered). */
export function modelNames(): string[] {
  return [...MODELS.map((m) => m.name), ...registered.keys()];
}

/** A definition by name (built-in or registered), or a ConfigError listing the known names. */
export function modelDefinition(name: unknown, path = 'model.name'): ModelDefinition {
  if (typeof name === 'string') {
    const found = MODELS.find((m) => m.name === name) ?? registered.get(name);
    if (found) return found;
    if (Object.hasOwn(RENAMED, name)) throw new ConfigError(path, `"${name}" was renamed to "${RENAMED[name]}"`);
  }
  throw new ConfigError(path, `must be one of ${modelNames().map((n) => JSON.stringify(n)).join(', ')}, or a model of your own with "module" (got ${describeValue(name)})`);
}

/** A model block: its name, the module of a plug-in model (absolute path once resolved), and the parameters. */
export interface ModelBlock {
  readonly name: string;
  readonly module?: string;
  readonly [parameter: string]: unknown;
}

/**
 * Resolves a model block's plug-in module path against `baseDir` (the spec file's folder) so that the
 * block means the same thing in every thread.
 */
export function absoluteModelBlock(block: Record<string, unknown>, baseDir: string, path = 'model'): ModelBlock {
  if (typeof block.name !== 'string') throw new ConfigError(`${path}.name`, `must be a model name (got ${describeValue(block.name)})`);
  if (block.module === undefined) return block as ModelBlock;
  if (typeof block.module !== 'string' || block.module === '') throw new ConfigError(`${path}.module`, `must be the path of an ES module (got ${describeValue(block.module)})`);
  const module = block.module.startsWith('file:') || isAbsolute(block.module) ? block.module : resolve(baseDir, block.module);
  return { ...block, name: block.name, module };
}

/** Imports a plug-in module and registers the definition named in the block. */
async function loadPlugin(block: ModelBlock, path: string): Promise<ModelDefinition> {
  const url = block.module!.startsWith('file:') ? block.module! : pathToFileURL(block.module!).href;
  let exports: Record<string, unknown>;
  try {
    exports = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`${path}.module`, `cannot import ${block.module}: ${(e as Error).message}`);
  }
  const definition = Object.values(exports).find((x) => isDefinition(x) && x.name === block.name) as ModelDefinition | undefined;
  if (!definition) throw new ConfigError(`${path}.name`, `${block.module} exports no model definition named ${JSON.stringify(block.name)}`);
  const known = registered.get(definition.name);
  if (known !== definition) registered.set(definition.name, definition);
  return definition;
}

export interface ResolvedModel {
  readonly block: ModelBlock;
  readonly definition: ModelDefinition;
  readonly model: Model;
}

/** The definition of a block: built-in, registered, or imported from its module. */
export async function loadDefinition(block: ModelBlock, path = 'model'): Promise<ModelDefinition> {
  return block.module !== undefined ? loadPlugin(block, path) : modelDefinition(block.name, `${path}.name`);
}

/** Validates the block's parameters with its definition and builds the model (synchronous once loaded). */
export function buildModel(definition: ModelDefinition, block: ModelBlock): ResolvedModel {
  const { name: _name, module: _module, ...params } = block;
  return { block, definition, model: definition.create(params) };
}

/** loadDefinition + buildModel. */
export async function resolveModel(block: ModelBlock, path = 'model'): Promise<ResolvedModel> {
  return buildModel(await loadDefinition(block, path), block);
}
