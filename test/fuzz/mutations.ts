/**
 * Spec mutations for the fuzz suite: a real spec (examples/*.json) with ONE field broken or pushed to an
 * extreme. The fields come from the spec itself (every leaf and object it has) and from the JSON Schema
 * of the spec (schema/meanfield.schema.json, emitted from the zod schemas in src/spec): optional fields
 * the example leaves out (solver.dt, particles.testSamples, noise, …) are mutated too.
 *
 * A mutation is one of: set a field to an extreme or ill-typed value, delete a field (a required one is
 * then missing), add an unknown key to an object, or replace the activation by a formula.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { specJsonSchema } from '../../src/spec/json-schema.ts';

export type Json = Record<string, unknown>;

/**
 * One seed for the whole fuzz suite: a failure reproduces with the same counterexample. A deeper search
 * by hand: MEANFIELD_FUZZ_SEED=<n> MEANFIELD_FUZZ_SCALE=<factor> npx vitest run test/fuzz (numRuns × factor).
 */
export const FUZZ_SEED = Number(process.env.MEANFIELD_FUZZ_SEED ?? 20261207);
export const FUZZ_SCALE = Math.max(1, Number(process.env.MEANFIELD_FUZZ_SCALE ?? 1) || 1);
type Key = string | number;

export const EXAMPLES_DIR = join(import.meta.dirname, '..', '..', 'examples');

export function readExample(name: string): Json {
  return JSON.parse(readFileSync(join(EXAMPLES_DIR, name), 'utf8')) as Json;
}

/** MMN Fig. 1 at a size that runs in about a second: 200 cells, t ≤ 0.1, 50 units with ε = 1e-3. */
export function tinyFig1(): Json {
  const spec = readExample('mmn-fig1.json');
  return { ...spec, grid: { rMax: 8, cells: 200 }, saveTimes: [0, 0.1], curveSteps: 2, particles: { n: 50, epsilon: 1e-3, batch: 1, seeds: 1 } };
}

/** The dotted path the CLI names a field by ("grid.cells", "saveTimes[2]", "variants[0].model.delta"). */
export function pathText(path: readonly Key[]): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out ? `.${k}` : k;
  return out;
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Every path of `value` (objects, arrays, leaves), the root excluded; arrays contribute their first entries only. */
function pathsOf(value: unknown, prefix: Key[] = []): Key[][] {
  const out: Key[][] = [];
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'description' || k === '$schema') continue;
      out.push([...prefix, k], ...pathsOf(v, [...prefix, k]));
    }
  } else if (Array.isArray(value)) {
    value.slice(0, 2).forEach((v, i) => out.push([...prefix, i], ...pathsOf(v, [...prefix, i])));
  }
  return out;
}

/** The JSON Schema alternatives that describe the object at `path` of `spec` (anyOf/oneOf followed, matched on name/kind/domain). */
function schemaNodes(root: Json, spec: Json, path: readonly Key[]): Json[] {
  const expand = (node: Json): Json[] => {
    const alternatives = (node.anyOf ?? node.oneOf) as Json[] | undefined;
    return alternatives ? alternatives.flatMap(expand) : [node];
  };
  let nodes = [root];
  let value: unknown = spec;
  for (const key of path) {
    value = isObject(value) || Array.isArray(value) ? (value as Record<Key, unknown>)[key] : undefined;
    nodes = nodes.flatMap(expand).flatMap((n) => {
      const child = typeof key === 'number' ? n.items : (n.properties as Record<string, Json> | undefined)?.[key];
      return isObject(child) ? [child] : [];
    });
  }
  // keep the alternatives whose discriminator (a const property) matches the value found there
  return nodes.flatMap(expand).filter((n) => {
    const props = (n.properties ?? {}) as Record<string, Json>;
    return Object.entries(props).every(([k, p]) => p.const === undefined || !isObject(value) || value[k] === undefined || value[k] === p.const);
  });
}

/** Paths of the optional fields the JSON Schema allows in the objects of `spec` that the spec leaves out. */
function schemaOnlyPaths(spec: Json): Key[][] {
  const root = specJsonSchema();
  const objects: Key[][] = [[], ...pathsOf(spec).filter((p) => isObject(get(spec, p)))];
  const out: Key[][] = [];
  for (const p of objects) {
    if (p.includes('variants') || p.includes('paper')) continue;
    const here = get(spec, p) as Json;
    for (const node of schemaNodes(root, spec, p)) {
      for (const k of Object.keys((node.properties ?? {}) as Json)) {
        if (k === '$schema' || k === 'description' || k in here) continue;
        if (!out.some((q) => pathText(q) === pathText([...p, k]))) out.push([...p, k]);
      }
    }
  }
  return out;
}

/** Every field a mutation may target in `spec`: what it has and what its schema allows. */
export function mutationTargets(spec: Json): Key[][] {
  return [...pathsOf(spec), ...schemaOnlyPaths(spec)];
}

export function get(value: unknown, path: readonly Key[]): unknown {
  let cur = value;
  for (const k of path) cur = isObject(cur) || Array.isArray(cur) ? (cur as Record<Key, unknown>)[k] : undefined;
  return cur;
}

/** A copy of `spec` with `path` set to `value` (undefined: deleted); missing parents become objects. */
export function withField(spec: Json, path: readonly Key[], value: unknown): Json {
  const out = structuredClone(spec);
  let cur = out as Record<Key, unknown>;
  for (const k of path.slice(0, -1)) {
    if (!isObject(cur[k]) && !Array.isArray(cur[k])) cur[k] = {};
    cur = cur[k] as Record<Key, unknown>;
  }
  const last = path[path.length - 1];
  if (value === undefined) {
    if (Array.isArray(cur) && typeof last === 'number') cur.splice(last, 1);
    else delete cur[last];
  } else {
    cur[last] = value;
  }
  return out;
}

/**
 * Formulas a hostile user may give for σ: non-real or non-finite on the domain, ranges and function
 * calls that run code or loop, conditionals, deep nesting, huge constants, plain junk.
 */
export const BAD_FORMULAS = [
  'sqrt(9-t^2)', 'log(t)', '1/t', 'exp(t^2)', 'exp(1e3*t)', 'evaluate(\'1\')', 'sum(1:1e8)*0+t', 't > 0 ? 1 : 0',
  'createUnit(\'x\')', 'import({a: 1})', 'f(x) = x', 'x = 1', '[1, 2]', '"t"', 't.foo', 'parse(\'t\')',
  'tanh(t', 'tanh(', '', '   ', 't ^ 1e300', '1e308 * 1e308 * t', 'asin(t)', 'acosh(t)', 'tan(t)', 'sign(t)',
  'max(t, 0)', 'abs(t) - 2', 'mod(t, 0)', 'pow(t, 0.5)', 'gamma(t)', 'zeros(1e8)', 'simplify(\'t\')',
  '('.repeat(300) + 't' + ')'.repeat(300), 'tanh(t)+'.repeat(80) + 't', 'erf(t)', 'cbrt(t)', 'tanh(t)', 'exp(t)', 'exp(t^2/20)',
] as const;

/** Values a number field may be pushed to, or replaced by: extremes, non-integers, NaN-ish strings, wrong types. */
export const EXTREME_VALUES: readonly unknown[] = [
  -1, 0, 1, 2.5, -1e-300, 1e-300, 1e-12, 1e-6, 1e6, 1e9, 1e300, -1e300, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2,
  'NaN', 'Infinity', '-Infinity', 'nan', '1e3', '', 'abc', true, false, null, [], [1], [1e300, -1], {}, { a: 1 }, 'inf',
];

/** A huge array (the value of a list field, or a field that wants a number). */
export const HUGE_ARRAY_LENGTH = 200_000;

export type Mutation =
  | { readonly kind: 'set'; readonly path: Key[]; readonly value: unknown }
  | { readonly kind: 'delete'; readonly path: Key[] }
  | { readonly kind: 'unknown-key'; readonly path: Key[] }
  | { readonly kind: 'formula'; readonly path: Key[]; readonly expr: string };

/** The mutated spec. */
export function applyMutation(spec: Json, m: Mutation): Json {
  switch (m.kind) {
    case 'set':
      return withField(spec, m.path, m.value);
    case 'delete':
      return withField(spec, m.path, undefined);
    case 'unknown-key':
      return withField(spec, m.path, 1);
    case 'formula':
      return withField(spec, m.path, { kind: 'expression', expr: m.expr });
  }
}

/** What the user would be told the mutation is about. */
export function describeMutation(m: Mutation): string {
  const p = pathText(m.path);
  switch (m.kind) {
    case 'set':
      return `${p} = ${Array.isArray(m.value) && m.value.length > 20 ? `[${m.value.length} entries]` : JSON.stringify(m.value)}`;
    case 'delete':
      return `delete ${p}`;
    case 'unknown-key':
      return `unknown key ${p}`;
    case 'formula':
      return `${p} = expression ${JSON.stringify(m.expr.length > 60 ? `${m.expr.slice(0, 60)}…` : m.expr)}`;
  }
}

/** Arbitrary mutations of `spec` (fast-check), over every target field of it. */
export function mutationOf(spec: Json): fc.Arbitrary<Mutation> {
  const targets = mutationTargets(spec);
  const target = fc.constantFrom(...targets);
  const objects = targets.filter((p) => isObject(get(spec, p)));
  const activations = targets.filter((p) => p[p.length - 1] === 'activation');
  const value = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...EXTREME_VALUES) },
    { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
    { weight: 1, arbitrary: fc.integer({ min: -5, max: 5 }).map((e) => 10 ** (e * 60)) },
    { weight: 1, arbitrary: fc.constant(null).map(() => new Array<number>(HUGE_ARRAY_LENGTH).fill(1)) },
  );
  const kinds: fc.Arbitrary<Mutation>[] = [
    fc.record({ kind: fc.constant('set' as const), path: target, value }),
    fc.record({ kind: fc.constant('delete' as const), path: target }),
  ];
  if (objects.length > 0) kinds.push(fc.record({ kind: fc.constant('unknown-key' as const), path: fc.constantFrom(...objects).map((p) => [...p, 'fuzzUnknownKey']) }));
  if (activations.length > 0) kinds.push(fc.record({ kind: fc.constant('formula' as const), path: fc.constantFrom(...activations), expr: fc.constantFrom(...BAD_FORMULAS) }));
  return fc.oneof(...kinds);
}
