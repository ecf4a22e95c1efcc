/**
 * The bugs the fuzz suite found, one example each (the mutation that showed it, on the example it was
 * found in), so that they stay fixed whatever the fuzzers' seeds sample next.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { gaussLegendre } from '../../src/numerics/quadrature.ts';
import { runCompareSpec } from '../../src/pipeline/compare.ts';
import { runSolveSpec } from '../../src/pipeline/solve.ts';
import { parseSpec } from '../../src/spec/index.ts';
import { applyMutation, readExample, type Mutation } from './mutations.ts';
import { validateInProcess } from './oracle.ts';

async function refusal(file: string, m: Mutation) {
  const verdict = await validateInProcess(applyMutation(readExample(file), m));
  if (verdict.ok) throw new Error(`expected ${JSON.stringify(m)} to be refused`);
  return verdict;
}

describe('fuzz findings stay fixed', () => {
  it('init.scale = 1e300: a ConfigError with advice the grid can follow (was RangeError: incompleteGamma(NaN))', async () => {
    const e = await refusal('mmn-fig1.json', { kind: 'set', path: ['init', 'scale'], value: 1e300 });
    expect(e.field).toBe('init.scale');
    // rMax would have to be 1.86e300 (above the limit 1e3): the advice is the largest scale that fits on [0, 8]
    expect(e.message).toMatch(/make the scale at most 4\.30 \(grid\.rMax would have to be 1\.86e\+300, above its limit 1000\)/);
    const inVariant = await refusal('mmn-fig4.json', { kind: 'set', path: ['variants', 1, 'init', 'scale'], value: 1e300 });
    expect(inVariant.field).toBe('variants[1].init.scale');
    // a scale the grid can hold after a larger rMax keeps the old advice
    const e100 = await refusal('mmn-fig1.json', { kind: 'set', path: ['init', 'scale'], value: 100 });
    expect(e100.message).toMatch(/make grid\.rMax at least 186 or the scale smaller/);
  });

  it('a variant\'s field refused after validation (building the PDE) is named under variants[i] by solve and compare (was "init.scale")', async () => {
    const json = applyMutation(readExample('mmn-fig4.json'), { kind: 'set', path: ['variants', 0, 'init', 'scale'], value: 1e300 });
    const spec = await parseSpec({ ...json, saveTimes: [0, 0.001] });
    const field = (e: unknown) => (e instanceof ConfigError ? e.field : String(e));
    expect(field(await Promise.resolve().then(() => runSolveSpec(spec)).catch((e) => e))).toBe('variants[0].init.scale');
    expect(field(await runCompareSpec(spec, { workers: 0, curveSteps: 0 }).catch((e) => e))).toBe('variants[0].init.scale');
  });

  it('solver.kernelTolerance = 3.6e-28: refused naming solver.kernelTolerance (was a RangeError: exit 1)', async () => {
    const e = await refusal('mmn-fig1.json', { kind: 'set', path: ['solver', 'kernelTolerance'], value: 3.6e-28 });
    expect(e.field).toBe('solver.kernelTolerance');
    expect(e.message).toMatch(/no truncation order K <= 200 meets tolerance 3\.6e-28/);
  });

  it('a piecewise-linear σ with a knot deleted: the values message names knots', async () => {
    const e = await refusal('mmn-fig4.json', { kind: 'delete', path: ['model', 'activation', 'knots', 0] });
    expect(e.field).toBe('model.activation.values');
    expect(e.message).toMatch(/one number per entry of knots \(2\)/);
  });

  it('grid.rMax = 1e-12: the refused step count names the grid and the cell width (was "grid.cells" alone)', async () => {
    const e = await refusal('mmn-fig2.json', { kind: 'set', path: ['grid', 'rMax'], value: 1e-12 });
    expect(e.field).toBe('grid');
    expect(e.message).toMatch(/cells of width 5\.00e-16/);
  });

  it('a (y, c) grid that cuts off half of ρ0 is named as the grid axis that loses it (was init.allowTruncation)', async () => {
    const e = await refusal('rve-line-birth-death.json', { kind: 'set', path: ['grid', 'axes', 0, 'lo'], value: -1e-300 });
    expect(e.field).toBe('grid.axes[0]');
    expect(e.message).toMatch(/y: 5\.00e-1.*widen this axis \(y\), narrow init\.y, or set init\.allowTruncation: true/);
  });

  it('solver.cfl = 1e-300: the refused CFL step count names solver.cfl (was "grid")', async () => {
    const e = await refusal('mmn-fig1.json', { kind: 'set', path: ['solver', 'cfl'], value: 1e-300 });
    expect(e.field).toBe('solver.cfl');
    expect(e.message).toMatch(/cells of width 0\.0400 at solver\.cfl = 1e-300/);
  });

  it('σ values of 1e60: refused naming the value (was an unreachable solver.kernelTolerance)', async () => {
    const e = await refusal('mmn-fig4.json', { kind: 'set', path: ['model', 'activation', 'values', 1], value: -1.5e60 });
    expect(e.field).toBe('model.activation.values[1]');
    expect(e.message).toMatch(/>= -1000000 <= 1000000 \(got -1\.5e\+60\)/);
  });

  it('model.d = 1e7 beyond memory: the refusal names model.d, which drives n × (d + 2) (was particles.n)', async () => {
    const e = await refusal('mmn-fig1.json', { kind: 'set', path: ['model', 'd'], value: 1e7 });
    expect(e.field).toBe('model.d');
    expect(e.message).toMatch(/n = 800 units × 10000002 parameters/);
  });

  it('σ = exp(t), finite everywhere but beyond any kernel tolerance: named as the activation (was solver.kernelTolerance, "use a larger tolerance")', async () => {
    const e = await refusal('mmn-fig1.json', { kind: 'formula', path: ['model', 'activation'], expr: 'exp(t)' });
    expect(e.field).toBe('model.activation');
    expect(e.message).toMatch(/truncation bound at K = 200 is .*e\+\d+, above the largest solver\.kernelTolerance \(0\.01\)/);
  });

  it('σ = exp(t²/20), finite on [−40, 40] but not where the kernel evaluates it: refused when the grid is built (was found only after ~20–40 s of kernel set-up)', async () => {
    const json = applyMutation(readExample('mmn-fig1.json'), { kind: 'formula', path: ['model', 'activation'], expr: 'exp(t^2/20)' });
    const [run] = (await parseSpec(json)).runs;
    // the resource estimate builds the grid in the calling thread before any worker starts
    const e = (() => {
      try {
        run.model.reduced!.grid!(run.grid);
      } catch (err) {
        return err as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(e.field).toBe('model.activation.expr');
    expect(e.message).toMatch(/it must be finite on \[-172\.8, 172\.8\]/); // 12 · (1 + Δ) · rMax = 12 · 1.8 · 8
  });

  it('the cached Gauss–Legendre rule is not shared with callers', () => {
    const a = gaussLegendre(8);
    a.nodes[0] = 42;
    expect(gaussLegendre(8).nodes[0]).toBeCloseTo(-0.9602898564975363, 15);
  });
});
