/**
 * Small, explicit validators for JSON configs. Each takes the parent object and a dotted path and
 * either returns a well-typed value or throws a ConfigError that names the field and the allowed
 * range. NaN, Infinity, strings-for-numbers and missing fields are all rejected here, so nothing
 * downstream ever sees a silent NaN.
 */
import { ConfigError } from '../errors.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return JSON.stringify(value);
}

export function field(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

export function asObject(value: unknown, path: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(path || 'config', `must be an object (got ${describe(value)})`);
  }
  return value as JsonObject;
}

export interface NumberRule {
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound. */
  above?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** Exclusive upper bound. */
  below?: number;
  integer?: boolean;
}

function rangeText(rule: NumberRule): string {
  const parts: string[] = [];
  if (rule.integer) parts.push('an integer');
  else parts.push('a finite number');
  if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
  if (rule.above !== undefined) parts.push(`> ${rule.above}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  if (rule.below !== undefined) parts.push(`< ${rule.below}`);
  return parts.join(' ');
}

export function checkNumber(value: unknown, path: string, rule: NumberRule = {}): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.above === undefined || value > rule.above) &&
    (rule.max === undefined || value <= rule.max) &&
    (rule.below === undefined || value < rule.below);
  if (!ok) throw new ConfigError(path, `must be ${rangeText(rule)} (got ${describe(value)})`);
  return value as number;
}

export function num(obj: JsonObject, key: string, path: string, rule: NumberRule = {}, fallback?: number): number {
  const value = obj[key];
  if (value === undefined && fallback !== undefined) return fallback;
  return checkNumber(value, field(path, key), rule);
}

export function optionalNum(obj: JsonObject, key: string, path: string, rule: NumberRule = {}): number | undefined {
  return obj[key] === undefined ? undefined : checkNumber(obj[key], field(path, key), rule);
}

export function str<T extends string>(obj: JsonObject, key: string, path: string, allowed: readonly T[], fallback?: T): T {
  const value = obj[key];
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(field(path, key), `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')} (got ${describe(value)})`);
  }
  return value as T;
}

export function bool(obj: JsonObject, key: string, path: string, fallback: boolean): boolean {
  const value = obj[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ConfigError(field(path, key), `must be true or false (got ${describe(value)})`);
  return value;
}

export function numArray(obj: JsonObject, key: string, path: string, rule: NumberRule = {}, options: { minLength?: number; increasing?: boolean } = {}): number[] {
  const value = obj[key];
  const p = field(path, key);
  if (!Array.isArray(value)) throw new ConfigError(p, `must be an array of numbers (got ${describe(value)})`);
  if (value.length < (options.minLength ?? 1)) throw new ConfigError(p, `must have at least ${options.minLength ?? 1} entries (got ${value.length})`);
  const out = value.map((v, i) => checkNumber(v, `${p}[${i}]`, rule));
  if (options.increasing) {
    for (let i = 1; i < out.length; i++) {
      if (!(out[i] > out[i - 1])) throw new ConfigError(`${p}[${i}]`, `must be strictly increasing (got ${out[i]} after ${out[i - 1]})`);
    }
  }
  return out;
}

/** Reject keys that are not in `allowed` (catches typos such as "cels" for "cells"). */
export function noExtraKeys(obj: JsonObject, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(field(path, key), `is not a known field here (allowed: ${allowed.join(', ')})`);
    }
  }
}
