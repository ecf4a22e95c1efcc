/**
 * Formulas from a spec (an activation σ(t), a circle target f(x)) compiled in ONE restricted mathjs
 * instance. A spec is untrusted input, so a formula may only be arithmetic on its variable:
 *  - a whitelist of syntax: numbers, the variable, the constants pi and e, parentheses, the operators
 *    + - * / ^ (and unary ±), comparisons, `c ? a : b`, and calls of the scalar functions in
 *    ALLOWED_FUNCTIONS. Everything else (ranges `1:1e8`, matrices, strings, assignments, function
 *    definitions, property access, blocks) is refused before anything runs;
 *  - in the instance itself import, evaluate, parse, compile, createUnit, simplify, derivative and the
 *    other functions that define or load are replaced by functions that throw (a second fence);
 *  - a cap on the text length and on the number of syntax nodes: with scalar functions only, one
 *    evaluation then costs at most a few hundred operations.
 * A value that is not a finite real number is a ConfigError naming the field and the variable's value.
 * mathjs takes ~1 s to load: it is loaded on first use only.
 */
import { createRequire } from 'node:module';
import type { MathJsInstance, MathNode } from 'mathjs';
import { ConfigError } from '../errors.ts';

export const MAX_EXPRESSION_LENGTH = 500;
export const MAX_EXPRESSION_NODES = 200;

/** Scalar functions a formula may call (each costs O(1) per evaluation). */
export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set([
  'abs', 'sign', 'sqrt', 'cbrt', 'square', 'cube', 'exp', 'expm1', 'log', 'log1p', 'log2', 'log10', 'pow',
  'sin', 'cos', 'tan', 'sec', 'csc', 'cot', 'asin', 'acos', 'atan', 'atan2',
  'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh', 'erf', 'max', 'min', 'hypot', 'mod',
]);
const ALLOWED_CONSTANTS: ReadonlySet<string> = new Set(['pi', 'e']);
const ALLOWED_OPERATORS: ReadonlySet<string> = new Set([
  'add', 'subtract', 'multiply', 'divide', 'pow', 'unaryMinus', 'unaryPlus', 'mod',
  'larger', 'smaller', 'largerEq', 'smallerEq', 'equal', 'unequal', 'and', 'or', 'not',
]);
/** Functions of the instance that define, load, parse or evaluate: disabled. */
const DISABLED = ['import', 'createUnit', 'evaluate', 'parse', 'compile', 'simplify', 'simplifyConstant', 'simplifyCore', 'derivative', 'resolve', 'reviver', 'replacer', 'rationalize', 'leafCount', 'parser', 'chain'];

interface Restricted {
  /** The parse and derivative captured before they were disabled in the instance (used by this module only). */
  readonly parse: (text: string) => MathNode;
  readonly derivative: (node: MathNode, variable: string) => MathNode;
}

let restricted: Restricted | undefined;
function instance(): Restricted {
  if (restricted) return restricted;
  const { create, all } = createRequire(import.meta.url)('mathjs') as typeof import('mathjs');
  const math: MathJsInstance = create(all, { predictable: true }); // predictable: sqrt(-1) is NaN, not a complex number
  const parse = math.parse.bind(math) as Restricted['parse'];
  const derivative = math.derivative.bind(math) as unknown as Restricted['derivative'];
  const refuse = (name: string) => () => {
    throw new Error(`function ${name} is not allowed in a formula`);
  };
  math.import(Object.fromEntries(DISABLED.map((name) => [name, refuse(name)])), { override: true });
  restricted = { parse, derivative };
  return restricted;
}

/** Throws a ConfigError naming the first construct of `node` a formula may not use. */
function checkSyntax(node: MathNode, variable: string, field: string): void {
  let count = 0;
  const refuse = (what: string): never => {
    throw new ConfigError(field, `may not contain ${what}: a formula is arithmetic in the single variable ${variable} (allowed functions: ${[...ALLOWED_FUNCTIONS].join(', ')})`);
  };
  node.traverse((n, path, parent) => {
    if (++count > MAX_EXPRESSION_NODES) throw new ConfigError(field, `is too long: at most ${MAX_EXPRESSION_NODES} numbers, symbols and operators`);
    switch (n.type) {
      case 'ConstantNode':
        if (typeof (n as unknown as { value: unknown }).value !== 'number') refuse(`the constant ${n.toString()} (only numbers)`);
        return;
      case 'SymbolNode': {
        const name = (n as unknown as { name: string }).name;
        // a function's name is a SymbolNode child of its FunctionNode, checked there
        if (parent?.type === 'FunctionNode' && path === 'fn') return;
        if (name !== variable && !ALLOWED_CONSTANTS.has(name)) refuse(`the symbol "${name}" (the variable is ${variable}; constants: pi, e)`);
        return;
      }
      case 'FunctionNode': {
        const fn = (n as unknown as { fn: MathNode }).fn;
        const name = fn.type === 'SymbolNode' ? (fn as unknown as { name: string }).name : '';
        if (!ALLOWED_FUNCTIONS.has(name)) refuse(`a call of "${name || fn.toString()}"`);
        return;
      }
      case 'OperatorNode': {
        const op = (n as unknown as { fn: string; op: string });
        if (!ALLOWED_OPERATORS.has(op.fn)) refuse(`the operator "${op.op}"`);
        return;
      }
      case 'ParenthesisNode':
      case 'ConditionalNode':
        return;
      default:
        refuse(`the construct "${n.toString()}" (a ${n.type})`);
    }
  });
}

/** A formula in one variable, compiled: `value` returns finite reals or throws a ConfigError naming the field. */
export interface Formula {
  readonly text: string;
  readonly field: string;
  readonly variable: string;
  value(x: number): number;
  /** The symbolic derivative in the variable, where mathjs can form it (not for e.g. max, abs, ?:). */
  derivative(): ((x: number) => number | undefined) | undefined;
}

interface Compiled {
  evaluate(scope: Record<string, number>): unknown;
}

/** Compiles `text` (a formula in `variable`) after checking it only uses allowed syntax. */
export function compileFormula(text: unknown, variable: string, field: string): Formula {
  if (typeof text !== 'string' || text.trim() === '') throw new ConfigError(field, `must be a non-empty formula in ${variable} (got ${JSON.stringify(text ?? null)})`);
  if (text.length > MAX_EXPRESSION_LENGTH) throw new ConfigError(field, `is too long: at most ${MAX_EXPRESSION_LENGTH} characters (got ${text.length})`);
  const math = instance();
  let node: MathNode;
  try {
    node = math.parse(text);
  } catch (err) {
    throw new ConfigError(field, `is not a valid formula in ${variable}: ${(err as Error).message}`);
  }
  checkSyntax(node, variable, field);
  const code = node.compile() as Compiled;
  const scope: Record<string, number> = { [variable]: 0 };
  const value = (x: number): number => {
    scope[variable] = x;
    let v: unknown;
    try {
      v = code.evaluate(scope);
    } catch (err) {
      throw new ConfigError(field, `cannot be evaluated at ${variable} = ${+x.toPrecision(12)}: ${(err as Error).message}`);
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(field, `must be a finite real number at every ${variable} the run uses (at ${variable} = ${+x.toPrecision(12)} it is ${typeof v === 'number' ? String(v) : `a ${typeof v}`})`);
    return v;
  };
  const derivative = (): ((x: number) => number | undefined) | undefined => {
    let d: Compiled;
    try {
      d = math.derivative(node, variable).compile() as Compiled;
    } catch {
      return undefined;
    }
    const dscope: Record<string, number> = { [variable]: 0 };
    return (x) => {
      dscope[variable] = x;
      let v: unknown;
      try {
        v = d.evaluate(dscope);
      } catch {
        return undefined;
      }
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    };
  };
  return { text, field, variable, value, derivative };
}

/**
 * Checks that `formula` is a finite real number on [lo, hi]: at `points` equispaced points and at the
 * extra points given (e.g. kinks). Throws the ConfigError naming the first bad value.
 */
export function checkOnDomain(formula: Formula, lo: number, hi: number, points = 2001, extra: readonly number[] = []): void {
  const check = (x: number): void => {
    try {
      formula.value(x);
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(formula.field, `${err.message.slice(formula.field.length + 2)}; it must be finite on [${lo}, ${hi}], where the run evaluates it`);
      throw err;
    }
  };
  const xs = Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
  for (const x of extra) if (x >= lo && x <= hi) xs.push(x);
  // nearest to 0 first, so that the reported point is where the trouble starts
  xs.sort((a, b) => Math.abs(a) - Math.abs(b));
  for (const x of xs) check(x);
}

/**
 * Throws a ConfigError if `formula` jumps on [lo, hi]: every step of an equispaced scan whose change is
 * a sizeable part of the range is bisected towards its larger half; a change that survives down to an
 * interval of width ~1e-9·(hi − lo) is a jump (a continuous function's change shrinks with the width).
 */
export function checkContinuous(formula: Formula, lo: number, hi: number, points = 2001): void {
  const h = (hi - lo) / (points - 1);
  const f = new Float64Array(points);
  let fmin = Infinity;
  let fmax = -Infinity;
  for (let i = 0; i < points; i++) {
    f[i] = formula.value(lo + h * i);
    fmin = Math.min(fmin, f[i]);
    fmax = Math.max(fmax, f[i]);
  }
  const size = Math.max(fmax - fmin, 1e-300);
  for (let i = 0; i + 1 < points; i++) {
    if (!(Math.abs(f[i + 1] - f[i]) > 1e-2 * size)) continue;
    let a = lo + h * i;
    let b = a + h;
    let fa = f[i];
    let fb = f[i + 1];
    for (let k = 0; k < 30; k++) {
      const m = 0.5 * (a + b);
      const fm = formula.value(m);
      if (Math.abs(fm - fa) >= Math.abs(fb - fm)) [b, fb] = [m, fm];
      else [a, fa] = [m, fm];
    }
    const jump = Math.abs(fb - fa);
    if (jump > 1e-3 * size) {
      throw new ConfigError(formula.field, `must be continuous in ${formula.variable}: it jumps by ${jump.toPrecision(3)} at ${formula.variable} ≈ ${a.toPrecision(6)} (a kink is allowed, a jump is not)`);
    }
  }
}
