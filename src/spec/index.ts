/**
 * From parsed JSON to a validated `Spec`: the generic blocks (./schema.ts), then for each run (the base
 * spec, or the base with each variant's overrides deep-merged in) the model it names builds itself
 * and validates its own `init` and `grid`. Errors are ConfigErrors naming the field, prefixed with
 * "variants[i]." when the offending field came from that variant.
 */
import { checkScheduleMatches } from '../particles/step-size.ts';
import { ConfigError } from '../errors.ts';
import type { Model, ModelDefinition } from '../model.ts';
import { absoluteModelBlock, buildModel, loadDefinition, type ModelBlock, type ResolvedModel } from '../../reduced-models/index.ts';
import { describeValue, parseWith } from './fields.ts';
import { OVERRIDE_KEYS, RENAMED_FIELDS, runSchema, specSchema, type NoiseSpec, type ParticlesSpec, type SolverSpec } from './schema.ts';
import type { StepSchedule } from '../types.ts';

export type { NoiseSpec, ParticlesSpec, SolverSpec } from './schema.ts';

type JsonObject = Record<string, unknown>;

/** One run of a spec: a model and everything both engines need, validated. */
export interface RunSpec {
  readonly label: string;
  /** The model block as given (plug-in module path made absolute): what workers rebuild the model from. */
  readonly modelBlock: ModelBlock;
  readonly definition: ModelDefinition;
  readonly model: Model;
  /** The initial law and the grid, validated by the definition's `init` and `grid` schemas (plain data). */
  readonly init: unknown;
  readonly grid?: unknown;
  readonly schedule: StepSchedule;
  readonly solver: SolverSpec;
  readonly noise?: NoiseSpec;
  readonly limit: 'deterministic' | 'sgd-diffusion';
  readonly saveTimes: number[];
  readonly particles?: ParticlesSpec;
  readonly seed: number;
  /** This run's JSON (base + overrides), for provenance and workers. */
  readonly json: JsonObject;
}

export interface Spec {
  readonly description?: string;
  readonly runs: RunSpec[];
  /** True when the spec has a `variants` list (one report overlays them). */
  readonly hasVariants: boolean;
  readonly slicedDirections: number;
  readonly curveSteps: number;
  readonly seed: number;
  /** True when the "paper" block was merged in. */
  readonly paper: boolean;
  readonly sweep?: JsonObject;
  readonly clt?: JsonObject;
  readonly widths?: JsonObject;
  /** The validated spec as given (for provenance). */
  readonly json: JsonObject;
}

export interface SpecOptions {
  /** Folder that relative plug-in module paths are resolved against (the spec file's). */
  readonly baseDir?: string;
  /** Merge the spec's "paper" block. */
  readonly paper?: boolean;
  /** Overrides: particles.seeds, particles.epsilon (merged into every run). */
  readonly overrides?: JsonObject;
}

function isPlainObject(v: unknown): v is JsonObject {
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
  let cur: unknown = over;
  for (const key of p.replace(/\[\d+\]/g, '').split('.')) {
    if (!isPlainObject(cur) || !(key in cur)) return false;
    cur = cur[key];
  }
  return true;
}

function rejectRenamed(o: JsonObject, path: string): void {
  for (const key of Object.keys(o)) {
    if (Object.hasOwn(RENAMED_FIELDS, key)) throw new ConfigError(path ? `${path}.${key}` : key, `is no longer a field: ${RENAMED_FIELDS[key]}`);
  }
}

/** Validates one merged run with its model. */
function parseRun(json: JsonObject, label: string, seed: number, resolved: ResolvedModel): RunSpec {
  const run = parseWith(runSchema, json);
  const { model, definition } = resolved;
  const init = parseWith(definition.init, run.init, 'init');
  let grid: unknown;
  if (run.grid !== undefined) {
    if (!definition.grid) throw new ConfigError('grid', `model "${model.name}" has no grid form (it is solved by characteristics or has no reduced side)`);
    grid = parseWith(definition.grid, run.grid, 'grid');
  }
  if (run.particles?.stepSize) checkScheduleMatches(run.particles.stepSize, run.schedule);
  return {
    label,
    modelBlock: resolved.block,
    definition,
    model,
    init,
    grid,
    schedule: run.schedule,
    solver: run.solver,
    noise: run.noise,
    limit: run.limit,
    saveTimes: run.saveTimes,
    particles: run.particles,
    seed,
    json,
  };
}

/** Validates a spec (parsed JSON). */
export async function parseSpec(value: unknown, options: SpecOptions = {}): Promise<Spec> {
  if (!isPlainObject(value)) throw new ConfigError('config', `must be an object (got ${describeValue(value)})`);
  rejectRenamed(value, '');
  const root = parseWith(specSchema, value);
  let base: JsonObject = {};
  for (const key of OVERRIDE_KEYS) if (value[key] !== undefined) base[key] = value[key];
  const overridesShape = (o: JsonObject, path: string) => {
    rejectRenamed(o, path);
    for (const key of Object.keys(o)) {
      if (!(OVERRIDE_KEYS as readonly string[]).includes(key)) throw new ConfigError(path ? `${path}.${key}` : key, `is not a field a ${path.startsWith('variants') ? 'variant' : '"paper" block'} can override (allowed: ${OVERRIDE_KEYS.join(', ')})`);
    }
  };
  // the "paper" block may also replace the width study's sizes (a top-level block, not a run's)
  const { widths: paperWidths, ...paperRuns } = root.paper ?? {};
  if (root.paper !== undefined) overridesShape(paperRuns, 'paper');
  if (paperWidths !== undefined && !isPlainObject(paperWidths)) throw new ConfigError('paper.widths', `must be an object like the top-level "widths" (got ${describeValue(paperWidths)})`);
  if (options.paper) {
    if (root.paper === undefined) throw new ConfigError('paper', 'the spec has no "paper" block to merge (e.g. { "saveTimes": [...], "particles": { "epsilon": 1e-6 } })');
    base = mergeJson(base, paperRuns);
  }
  if (options.overrides) base = mergeJson(base, options.overrides);

  const entries: { label: string; over: JsonObject; path: string }[] = [];
  if (root.variants === undefined) {
    entries.push({ label: '', over: {}, path: '' });
  } else {
    const labels = new Set<string>();
    root.variants.forEach((v, i) => {
      const path = `variants[${i}]`;
      const { label, ...over } = v;
      if (typeof label !== 'string' || label === '') throw new ConfigError(`${path}.label`, `must be a nonempty string (got ${describeValue(label)})`);
      if (labels.has(label)) throw new ConfigError(`${path}.label`, `duplicates an earlier label ${JSON.stringify(label)}`);
      labels.add(label);
      overridesShape(over, path);
      for (const [k, x] of Object.entries(over)) {
        // saveTimes (an array) and limit (a name) replace the base's; parseRun validates them under the variant's path
        if (k !== 'saveTimes' && k !== 'limit' && !isPlainObject(x)) throw new ConfigError(`${path}.${k}`, `must be an object of overrides (got ${describeValue(x)})`);
      }
      entries.push({ label, over, path });
    });
  }
  const baseDir = options.baseDir ?? process.cwd();
  const runs: RunSpec[] = [];
  for (const { label, over, path } of entries) {
    const json = mergeJson(base, over);
    try {
      if (!isPlainObject(json.model)) throw new ConfigError('model', `must be an object { "name": …, parameters } (got ${describeValue(json.model)})`);
      const block = absoluteModelBlock(json.model, baseDir);
      const resolved = buildModel(await loadDefinition(block), block);
      runs.push(parseRun({ ...json, model: block }, label || resolved.model.label, root.seed, resolved));
    } catch (e) {
      if (e instanceof ConfigError && path && overrideHas(over, e.field)) throw new ConfigError(`${path}.${e.field}`, e.message.slice(e.field.length + 2));
      // a variant naming another model inherits the base model's parameters (a merge cannot delete them)
      const name = isPlainObject(over.model) ? over.model.name : undefined;
      if (e instanceof ConfigError && path && name !== undefined && e.field.startsWith('model.')) {
        throw new ConfigError(`${path}.model.name`, `switches the model to ${JSON.stringify(name)}, which refuses the base spec's ${e.field} (${e.message.slice(e.field.length + 2)}): a variant keeps the base model's parameters, so give this model a spec of its own`);
      }
      throw e;
    }
  }
  return {
    description: root.description,
    runs,
    hasVariants: root.variants !== undefined,
    slicedDirections: root.slicedDirections,
    curveSteps: root.curveSteps,
    seed: root.seed,
    paper: options.paper ?? false,
    sweep: root.sweep,
    clt: root.clt,
    widths: options.paper && paperWidths !== undefined ? mergeJson(root.widths ?? {}, paperWidths as JsonObject) : root.widths,
    json: value,
  };
}

/**
 * A ConfigError met while building or solving run `index` (after validation, e.g. in a worker), named
 * as the user wrote it: under "variants[i]." when that variant sets the field, as parseSpec does.
 */
export function errorOfRun(spec: Spec, index: number, error: unknown): unknown {
  const variants = spec.json.variants;
  if (!(error instanceof ConfigError) || !spec.hasVariants || !Array.isArray(variants)) return error;
  const over = variants[index];
  if (!isPlainObject(over) || !overrideHas(over, error.field)) return error;
  return new ConfigError(`variants[${index}].${error.field}`, error.message.slice(error.field.length + 2));
}

/** A run rebuilt from its JSON (`RunSpec.json`), e.g. in a worker thread. */
export async function runSpecFromJson(json: JsonObject, label: string, seed: number): Promise<RunSpec> {
  const block = json.model as ModelBlock;
  return parseRun(json, label, seed, buildModel(await loadDefinition(block), block));
}

/** A run's particles block, or a ConfigError saying the command needs one. */
export function particlesOf(run: RunSpec, command: string): ParticlesSpec {
  if (!run.particles) throw new ConfigError('particles', `${command} needs a "particles" block: { "n": 800, "epsilon": 1e-5 }`);
  return run.particles;
}
