/**
 * What the fuzz suite asserts about one mutated spec, in-process and through the CLI:
 *  - validation (parseSpec, the resource estimate, the PDE problem's set-up, point values of the
 *    potentials) either accepts the spec or throws a ConfigError: never another error;
 *  - the ConfigError's field is the mutated one (or a part or parent of it, or a field whose message
 *    names the mutated one), and its message is one line;
 *  - a CLI run ends in time with exit 0 or 2, prints no stack trace, names the field on exit 2, and a
 *    successful run's result.json has no NaN, ±Infinity or null where a number belongs.
 */
import { ConfigError } from '../../src/errors.ts';
import { buildPdeProblem } from '../../src/pde/index.ts';
import { potentialsTable } from '../../src/pipeline/potentials.ts';
import { errorOfRun, parseSpec } from '../../src/spec/index.ts';
import { checkResources } from '../../src/spec/resources.ts';
import { EXAMPLES_DIR, type Json } from './mutations.ts';

/** Largest grid whose operators the in-process check builds (bigger ones cost seconds; their limits are the resource check's). */
const LARGEST_BUILT_GRID = 20_000;

export type Verdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly field: string; readonly message: string };

/** Validates `json` as far as a command does before its long loops start (throws what the command would). */
export async function validateInProcess(json: Json): Promise<Verdict> {
  try {
    const spec = await parseSpec(json, { baseDir: EXAMPLES_DIR });
    checkResources(spec, { pde: true, particles: true, workers: 1 });
    spec.runs.forEach((run, i) => {
      const reduced = run.model.reduced;
      if (!reduced) return;
      const method = run.solver.method ?? reduced.defaultMethod;
      try {
        const size = run.grid !== undefined && reduced.grid ? reduced.grid(run.grid).size : 0;
        if (method === 'characteristics' || size <= LARGEST_BUILT_GRID) buildPdeProblem(run);
        if (reduced.pointwise && reduced.coordinates.length === 1) potentialsTable(run, [[0.3], [1.5]]);
      } catch (e) {
        throw errorOfRun(spec, i, e); // as solve and compare name it
      }
    });
    return { ok: true };
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, field: e.field, message: e.message };
    throw e;
  }
}

/** The field path without a leading "variants[i]." (a variant's error names its own field under it). */
function withoutVariant(field: string): string {
  return field.replace(/^variants\[\d+\]\./, '');
}

/**
 * Whether a ConfigError about `field` with `message` is about the mutated path: the same field, a part
 * of it (`saveTimes[1]` for `saveTimes`), the object holding it (`model` for a missing `model.delta`),
 * an entry of the same list, or a field whose message names the mutated one ("must be < grid.rMax", or by
 * its last name: "give either \"epsilon\" or \"stepSize\"", "must have as many entries as C"), or a block
 * of two or more levels holding it ("narrow init.c" for init.c.std).
 */
export function namesField(field: string, message: string, mutated: string): boolean {
  const f = withoutVariant(field);
  const m = withoutVariant(mutated);
  const within = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`);
  const list = (p: string) => p.replace(/\[\d+\][^[]*$/, '');
  const name = m.replace(/\[\d+\]/g, '').split('.').pop() ?? m;
  const parent = m.replace(/(\.[^.[]+|\[\d+\])$/, '');
  const mentions = message.includes(m) || (parent.includes('.') && message.includes(parent)) || new RegExp(`(^|[^\\w])${name.replace(/[$]/g, '\\$&')}([^\\w]|$)`).test(message.slice(field.length + 2));
  return within(f, m) || within(m, f) || (/\[\d+\]/.test(f) && /\[\d+\]/.test(m) && list(f) === list(m)) || mentions;
}

/**
 * Keys whose null means "absent" or "not available" by the result types (no companion, no check, an
 * observed order that does not exist, a replica that was not stopped): a null anywhere else is a
 * number that went bad (JSON writes NaN and ±Infinity as null).
 */
const NULL_ALLOWED = new Set(['companion', 'companionRisk', 'check', 'checkRisk', 'error', 'order', 'stoppedAt', 'companionGap', 'resolution', 'seed']);

/** Paths in `value` of nulls outside NULL_ALLOWED and of non-finite numbers written as strings. */
export function badNumbers(value: unknown, path = '', key = ''): string[] {
  if (value === null) return NULL_ALLOWED.has(key) ? [] : [path];
  if (typeof value === 'string') return /^-?(NaN|Infinity)$/.test(value) ? [`${path} = ${value}`] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => badNumbers(v, `${path}[${i}]`, key));
  if (typeof value === 'object') return Object.entries(value as Json).flatMap(([k, v]) => (k === 'spec' ? [] : badNumbers(v, path ? `${path}.${k}` : k, k)));
  return [];
}
