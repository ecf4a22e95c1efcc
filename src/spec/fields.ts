/**
 * Schema building blocks (zod 4) with the project's error style: every message names the allowed
 * range and what was given ("must be a finite number > 0 (got -1)"), and `parseWith` turns the first
 * failure into a ConfigError whose field is the dotted path ("grid.cells", "saveTimes[2]").
 * Models build their parameter schemas from these, so every block of a spec reads alike.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.ts';

/** How a value is shown in a message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return JSON.stringify(value);
}

/** A zod `error` option whose message states the allowed range and the value given. */
export function allowed(text: string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => `must be ${text} (got ${describeValue(issue.input)})` };
}

export interface NumberRule {
  /** Inclusive bounds. */
  readonly min?: number;
  readonly max?: number;
  /** Exclusive bounds. */
  readonly above?: number;
  readonly below?: number;
  readonly integer?: boolean;
}

export function rangeText(rule: NumberRule): string {
  const bounds: string[] = [];
  if (rule.min !== undefined) bounds.push(`>= ${rule.min}`);
  if (rule.above !== undefined) bounds.push(`> ${rule.above}`);
  if (rule.max !== undefined) bounds.push(`<= ${rule.max}`);
  if (rule.below !== undefined) bounds.push(`< ${rule.below}`);
  return [rule.integer ? 'an integer' : 'a finite number', bounds.join(' and ')].filter(Boolean).join(' ');
}

/** A finite number (integer if asked) within the rule's bounds. */
export function number(rule: NumberRule = {}): z.ZodNumber {
  const e = allowed(rangeText(rule));
  let s = z.number(e);
  if (rule.integer) s = s.int(e);
  if (rule.min !== undefined) s = s.min(rule.min, e);
  if (rule.max !== undefined) s = s.max(rule.max, e);
  if (rule.above !== undefined) s = s.gt(rule.above, e);
  if (rule.below !== undefined) s = s.lt(rule.below, e);
  return s;
}

/** One of the given strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, allowed(`one of ${values.map((v) => JSON.stringify(v)).join(', ')}`));
}

export const flag = z.boolean(allowed('true or false'));

/** A nonempty array of numbers within `rule`, strictly increasing if asked. */
export function numberList(rule: NumberRule = {}, options: { increasing?: boolean; minLength?: number } = {}) {
  const minLength = options.minLength ?? 1;
  const base = z.array(number(rule), allowed('an array of numbers')).min(minLength, allowed(`an array of at least ${minLength} numbers`));
  if (!options.increasing) return base;
  return base.superRefine((xs, ctx) => {
    for (let i = 1; i < xs.length; i++) {
      if (!(xs[i] > xs[i - 1])) {
        ctx.addIssue({ code: 'custom', path: [i], message: `must be strictly increasing (got ${xs[i]} after ${xs[i - 1]})` });
        return;
      }
    }
  });
}

/**
 * Largest finite dimension d. The chi law of |w| needs P(d/2, x) (src/numerics/special.ts), whose series
 * near x ≈ d/2 needs ≈ √(78·d/2) terms to reach 1e-17 and stops at 1e5 terms, i.e. d ≲ 2.5e8; at 1e7
 * it needs 2·10⁴ terms, and beyond it the law is within 1e-3 of the d = ∞ point mass anyway ("inf").
 */
export const MAX_DIMENSION = 1e7;

/** A dimension: an integer in [`min`, MAX_DIMENSION], or "inf". */
export function dimension(min = 2) {
  const e = allowed(`an integer >= ${min} and <= ${MAX_DIMENSION} or "inf"`);
  return z.union([z.number(e).int(e).min(min, e).max(MAX_DIMENSION, e), z.literal('inf', e)], e);
}

/** A JSON object whose keys are checked by someone else (a model's own schema, a later stage). */
export const jsonObject = z.record(z.string(), z.unknown(), allowed('an object'));

function pathText(path: readonly PropertyKey[], prefix: string): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || 'config';
}

/** The ConfigError for a zod failure: an unknown key, else the first issue, with its dotted path (under `prefix`) and message. */
export function configErrorOf(error: z.ZodError, prefix = ''): ConfigError {
  // an unknown key first: a typo ("cels") is the likely cause of the missing field next to it
  const issue = error.issues.find((i) => i.code === 'unrecognized_keys') ?? error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    return new ConfigError(pathText([...issue.path, issue.keys[0]], prefix), `is not a known field here${issue.keys.length > 1 ? ` (nor ${issue.keys.slice(1).map((k) => JSON.stringify(k)).join(', ')})` : ''}`);
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0 && issue.message.startsWith('Invalid')) {
    const inner = issue.errors.flat()[0];
    if (inner) return new ConfigError(pathText([...issue.path, ...inner.path], prefix), inner.message);
  }
  return new ConfigError(pathText(issue.path, prefix), issue.message);
}

/** Parses `value` with `schema`, throwing the ConfigError of the first failure (paths under `prefix`). */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw configErrorOf(r.error, prefix);
  return r.data;
}
