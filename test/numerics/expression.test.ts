import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { checkContinuous, checkOnDomain, compileFormula, MAX_EXPRESSION_LENGTH } from '../../src/numerics/expression.ts';
import { activationFromSpec } from '../../reduced-models/activations.ts';
import { circleTargetFromExpression } from '../../reduced-models/charged-units/expression-target.ts';

function errorOf(body: () => unknown): ConfigError {
  try {
    body();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('restricted formulas', () => {
  it('evaluates arithmetic, the allowed functions and constants', () => {
    const f = compileFormula('2t + pi * tanh(t) - max(t, 0)^2', 't', 'f');
    expect(f.value(0.5)).toBeCloseTo(1 + Math.PI * Math.tanh(0.5) - 0.25, 14);
    expect(f.derivative()).toBeUndefined(); // mathjs cannot differentiate max: the caller falls back to differences
    const g = compileFormula('sin(t)^2', 't', 'f').derivative()!;
    expect(g(0.3)).toBeCloseTo(Math.sin(0.6), 14);
  });

  it.each([
    ["evaluate('1')", /call of "evaluate"/],
    ["createUnit('x')", /call of "createUnit"/],
    ['import({}, {})', /call of "import"/],
    ["parse('t')", /call of "parse"/],
    ["derivative('t^2', 't')", /call of "derivative"/],
    ['sum(1:1e8)*0+t', /call of "sum"/],
    ['1:1e8', /RangeNode/],
    ['[1, 2] * t', /construct "\[1, 2\]"/],
    ['f(x) = x', /FunctionAssignmentNode/],
    ['a = 1', /AssignmentNode/],
    ['t; t', /BlockNode/],
    ['"abc"', /constant/],
    ['a * t', /symbol "a".*single variable t/],
    ['cos(t', /not a valid formula/],
  ])('refuses %s before anything runs', (text, message) => {
    const e = errorOf(() => compileFormula(text, 't', 'model.activation.expr'));
    expect(e.field).toBe('model.activation.expr');
    expect(e.message).toMatch(message);
  });

  it('caps the size of a formula', () => {
    expect(errorOf(() => compileFormula('t+'.repeat(MAX_EXPRESSION_LENGTH) + 't', 't', 'f')).message).toMatch(/at most 500 characters/);
    expect(errorOf(() => compileFormula('t+'.repeat(150) + 't', 't', 'f')).message).toMatch(/at most 200 numbers/);
  });

  it('names the first t (nearest to 0) where the formula is not a finite real number', () => {
    const sqrt = compileFormula('sqrt(9 - t^2)', 't', 'f');
    const e = errorOf(() => checkOnDomain(sqrt, -40, 40));
    expect(e.message).toMatch(/at t = -3\.04 it is NaN/);
    expect(e.message).toMatch(/\[-40, 40\]/);
    expect(errorOf(() => checkOnDomain(compileFormula('exp(t^2)', 't', 'f'), -40, 40)).message).toMatch(/it is Infinity/);
    expect(errorOf(() => compileFormula('t > 0', 't', 'f').value(1)).message).toMatch(/a boolean/);
  });

  it('refuses a jump but not a kink or a steep smooth step', () => {
    expect(errorOf(() => checkContinuous(compileFormula('t > 0 ? 1 : 0', 't', 'f'), -40, 40)).message).toMatch(/jumps by 1\.00 at t ≈/);
    expect(errorOf(() => checkContinuous(compileFormula('sign(t - 0.3)', 't', 'f'), -40, 40)).message).toMatch(/jumps by 2\.00 at t ≈ 0\.3000/);
    for (const ok of ['max(t, 0)', 'tanh(100 t)', 'abs(t - 0.5)', 't > 0 ? t : 0']) expect(() => checkContinuous(compileFormula(ok, 't', 'f'), -40, 40)).not.toThrow();
  });
});

describe('the formulas of a spec use the restricted instance', () => {
  it.each([
    ['sqrt(9-t^2)', /at t = -3\.04 it is NaN/],
    ['exp(t^2)', /it is Infinity/],
    ['t > 0 ? 1 : 0', /must be continuous/],
    ["evaluate('1')", /call of "evaluate"/],
    ['sum(1:1e8)*0+t', /call of "sum"/],
  ])('activation %s is a ConfigError naming model.activation.expr', (expr, message) => {
    const e = errorOf(() => activationFromSpec({ kind: 'expression', expr }, 'model.activation'));
    expect(e.field).toBe('model.activation.expr');
    expect(e.message).toMatch(message);
  });

  it('circle target', () => {
    expect(errorOf(() => circleTargetFromExpression('log(x)')).message).toMatch(/model\.target\.expr: must be a finite real number.*at x = 0 it is -Infinity/);
    expect(errorOf(() => circleTargetFromExpression("evaluate('x')")).field).toBe('model.target.expr');
  });
});
