/**
 * The bugs the fuzz suite found, one example each (the mutation that showed it, on the example it was
 * found in), so that they stay fixed whatever the fuzzers' seeds sample next.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { DUPLICATE_SIGNAL_MS, integerFlag, interruptToken } from '../../src/cli/common.ts';
import { main } from '../../src/cli/main.ts';
import { cltFlagOverrides } from '../../src/cli/clt-study.ts';
import { widthFlagOverrides } from '../../src/cli/width-study.ts';
import { loadJob } from '../../src/cluster/job.ts';
import { ConfigError } from '../../src/errors.ts';
import { makeProvenance } from '../../src/io/output.ts';
import { MAX_WORKERS } from '../../src/parallel/pool.ts';
import { planNetworkStudy, writeWidthStudyOutputs, type WidthStudyResult } from '../../src/pipeline/network-study.ts';
import { planSweep, runMinimize } from '../../src/pipeline/landscape.ts';
import { MAX_SEEDS } from '../../src/spec/schema.ts';
import { gaussLegendre } from '../../src/numerics/quadrature.ts';
import { assembleCompare, planCompare, runCompareSpec } from '../../src/pipeline/compare.ts';
import { writeCompareOutputs } from '../../src/pipeline/compare-report.ts';
import { parseCltStudySpec } from '../../src/pipeline/clt-study.ts';
import { runSolveSpec } from '../../src/pipeline/solve.ts';
import { parseSpec } from '../../src/spec/index.ts';
import { applyMutation, EXAMPLES_DIR, readExample, type Mutation } from './mutations.ts';
import { validateInProcess } from './oracle.ts';

async function refusal(file: string, m: Mutation, extra: Record<string, unknown> = {}) {
  const verdict = await validateInProcess({ ...applyMutation(readExample(file), m), ...extra });
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

  it('init.scale = 1e-9, narrower than any grid.cells can resolve: named init.scale with a reachable scale or rMax (was "grid.cells: use at least 35777087640 cells", above its limit 1e6)', async () => {
    const e = await refusal('mmn-fig1.json', { kind: 'set', path: ['init', 'scale'], value: 1e-9 });
    expect(e.field).toBe('init.scale');
    // h = 8/1e6 ≤ 2 s/√80 needs s ≥ 8e-6 · √80 / 2 = 3.58e-5; or rMax ≤ 2 · (1e-9/√80) · 1e6 = 2.24e-4
    expect(e.message).toMatch(/make the scale at least 3\.58e-5 or grid\.rMax at most 2\.24e-4/);
  });

  it('noise with implicit diffusion (the default) is costed by its CFL step, ridge drift included, not by the explicit h²β/2 (was refused as "explicit diffusion needs dt <= h² β / 2")', async () => {
    // β = 1e-6 to t = 1000 on 1600 cells: ~6e4 implicit steps, but 8e13 explicit ones (refused beyond 30 days)
    const quiet = await validateInProcess({ ...readExample('mmn-fig1.json'), grid: { rMax: 8, cells: 1600 }, noise: { beta: 1e-6, lambda: 0 }, saveTimes: [0, 1000] });
    expect(quiet).toEqual({ ok: true });
    // λ = 1e6 makes the drift λ·rMax = 8e6: ~1e12 CFL steps to t = 1000, which the refusal blames on noise.lambda
    const e = await refusal('mmn-fig1.json', { kind: 'set', path: ['noise'], value: { beta: 1, lambda: 1e6 } }, { saveTimes: [0, 1000] });
    expect(e.field).toBe('noise.lambda');
    expect(e.message).toMatch(/speeds of order λ·8 = 8\.00e\+6/);
  });

  it('a variant switching model.name is named as that variant\'s model.name (was the base spec\'s "model.delta: is not a known field here")', async () => {
    const e = await refusal('mmn-fig1.json', { kind: 'set', path: ['variants'], value: [{ label: 'a', model: { name: 'spherical-3-spin' } }] });
    expect(e.field).toBe('variants[0].model.name');
    expect(e.message).toMatch(/switches the model to "spherical-3-spin", which refuses the base spec's model\.delta \(is not a known field here\)/);
  });

  it('--workers 10000 and --seeds 1e9 are refused naming the flag with its range (were "workers: >= 0 <= 256" and "particles.seeds")', () => {
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return `${(e as ConfigError).field}: ${(e as Error).message}`;
      }
      return 'accepted';
    };
    expect(field(() => integerFlag('10000', '--workers', 1, MAX_WORKERS))).toBe('--workers: --workers: must be an integer >= 1 and <= 256 (got "10000")');
    expect(field(() => integerFlag('1e9', '--seeds', 1, MAX_SEEDS))).toMatch(/^--seeds: .*<= 100000 \(got "1e9"\)/);
    expect(integerFlag('3', '--seeds', 1, MAX_SEEDS)).toBe(3);
  });

  it('fluctuations --batch 1e12 and --n 1e9 are refused with the particles block\'s bounds (were accepted: exit 0 with a null meanShiftRisk)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'meanfield-regression-')), 'fig1.json');
    writeFileSync(path, JSON.stringify({ ...readExample('mmn-fig1.json'), saveTimes: [0, 0.1] }));
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((m: string) => void errors.push(m));
    try {
      expect(await main(['fluctuations', path, '--json', '--batch', '1e12'])).toBe(2);
      expect(await main(['fluctuations', path, '--json', '--n', '1e9'])).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(errors[0]).toBe('meanfield: invalid spec: --batch: must be an integer >= 1 and <= 100000 (got "1e12")');
    expect(errors[1]).toBe('meanfield: invalid spec: --n: must be an integer >= 1 and <= 10000000 (got "1e9")');
  });

  it('a spec file starting with a UTF-8 byte-order mark parses (was "not valid JSON: Unexpected token")', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'meanfield-regression-')), 'bom.json');
    writeFileSync(path, `\uFEFF${JSON.stringify(readExample('mmn-fig1.json'))}`);
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((m: string) => void errors.push(m));
    try {
      expect(await main(['solve', path])).toBe(2); // past parsing: only --out is missing
    } finally {
      spy.mockRestore();
    }
    expect(errors[0]).toMatch(/^meanfield: solve needs --out <dir>/);
  });

  it('minimize on 1e6 cells is refused naming grid.cells (was ~20 s of QP with no progress)', async () => {
    const spec = await parseSpec({ ...readExample('mmn-fig1.json'), grid: { rMax: 1000, cells: 1e6 } });
    const e = (() => {
      try {
        runMinimize(spec);
      } catch (err) {
        return err as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(e.field).toBe('grid.cells');
    expect(e.message).toMatch(/at most 100000 cells \(got 1000000\)/);
  });

  it('--epsilons 1e-300 and --widths 10,1e9 are refused as flags with their ranges (were "saveTimes: last time / epsilon is too many steps" and a RangeError), and a width study whose largest width cannot fit names --widths', async () => {
    expect(() => cltFlagOverrides({ epsilons: '1e-300' })).toThrow('--epsilons[0]: must be a number in [1e-12, 1] (got "1e-300")');
    expect(() => widthFlagOverrides({ widths: '10,1e9' })).toThrow('--widths[1]: must be an integer >= 2 and <= 10000000 (got "1e9")');
    const dir = mkdtempSync(join(tmpdir(), 'meanfield-regression-'));
    const path = join(dir, 'tiny.json');
    writeFileSync(path, JSON.stringify({ ...readExample('mmn-fig1.json'), grid: { rMax: 8, cells: 200 }, saveTimes: [0, 0.1], particles: { n: 50, epsilon: 1e-3 } }));
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((m: string) => void errors.push(m));
    try {
      expect(await main(['compare', path, '--out', join(dir, 'out'), '--widths', '10,2000000'])).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(errors[0]).toMatch(/^meanfield: invalid spec: --widths: the largest width: the run needs about .* of memory/);
  });

  it('a SIGINT delivered twice at once (timeout signals the child, then its group) stops cleanly instead of aborting (was: exit at once, nothing written)', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const token = interruptToken(() => {});
    try {
      token.request('SIGINT');
      token.request('SIGINT'); // the duplicate, within DUPLICATE_SIGNAL_MS
      expect(exit).not.toHaveBeenCalled();
      expect(token.stopped()).toBe(true);
      expect(token.exitCode()).toBe(130);
      const later = performance.now() + DUPLICATE_SIGNAL_MS;
      while (performance.now() < later);
      token.request('SIGINT'); // a deliberate second Ctrl-C aborts at once
      expect(exit).toHaveBeenCalledWith(130);
    } finally {
      token.dispose();
      exit.mockRestore();
    }
  });

  it('sweep.longTime = 1e9 is refused as sweep.longTime (was the generated "saveTimes[0]")', async () => {
    const spec = await parseSpec({ ...readExample('mmn-fig2.json'), sweep: { ...(readExample('mmn-fig2.json').sweep as object), longTime: 1e9 } });
    const e = await planSweep(spec).catch((x) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.field).toBe('sweep.longTime');
    expect(e.message).toMatch(/<= 1000000 \(got 1000000000\)/);
  });

  it('a network width study follows --widths and --seeds (were ignored: the spec\'s ns ran), in one process and in shards', async () => {
    const raw = readExample('rve-3spin.json');
    const job = await loadJob({ command: 'compare', specPath: join(EXAMPLES_DIR, 'rve-3spin.json'), raw, baseDir: EXAMPLES_DIR, paper: false, overrides: {}, study: { widths: { ns: [5, 10], seeds: 3 } } });
    expect(job.tasks.map((t) => t.id).filter((id) => id.startsWith('run0-'))).toEqual(['run0-n5-seed0', 'run0-n5-seed1', 'run0-n5-seed2', 'run0-n10-seed0', 'run0-n10-seed1', 'run0-n10-seed2']);
  });

  it('a network width study stopped before two widths finished is a stoppedEarly result listing what is missing (was an Error: exit 1, nothing written)', async () => {
    const spec = await parseSpec(readExample('rve-3spin.json'), { baseDir: EXAMPLES_DIR });
    const plan = planNetworkStudy(spec);
    const result = plan.assemble(() => null, makeProvenance(1, {})) as WidthStudyResult;
    expect(result).toMatchObject({ completed: false, stoppedEarly: true, runs: [] });
    expect(result.missing[0]).toBe('realisation 1: N = 25, 50, 100, 200, 400 (fewer than two widths finished every seed)');
    expect(result.missing).toHaveLength(3);
    const dir = mkdtempSync(join(tmpdir(), 'meanfield-regression-'));
    expect(JSON.parse(readFileSync(writeWidthStudyOutputs(dir, result).json, 'utf8'))).toMatchObject({ stoppedEarly: true, runs: [] });
  });

  it('compare stopped before any replica reached a save time still writes a stoppedEarly result.json listing what is missing (was nothing written)', async () => {
    const spec = await parseSpec({ ...readExample('mmn-fig1.json'), grid: { rMax: 8, cells: 200 }, saveTimes: [0, 0.1], particles: { n: 50, epsilon: 1e-3, seeds: 2 } });
    const result = assembleCompare(planCompare(spec, 0), () => null, makeProvenance(1, {}));
    expect(result).toMatchObject({ completed: false, stoppedEarly: true, runs: [] });
    expect(result.missing).toEqual(['replica(s) 1, 2 of 2 (not finished: left out of the ensemble)', 'the PDE (never started)']);
    const dir = mkdtempSync(join(tmpdir(), 'meanfield-regression-'));
    const written = JSON.parse(readFileSync(writeCompareOutputs(dir, result).json, 'utf8'));
    expect(written).toMatchObject({ stoppedEarly: true, missing: result.missing });
  });

  it('compare --epsilons of another length than the spec\'s clt.horizons names --epsilons with what to do (was "clt.horizons: must have one entry per epsilon")', async () => {
    const spec = await parseSpec(readExample('mmn-clt.json'));
    const e = (() => {
      try {
        parseCltStudySpec(spec, { epsilons: [1e-3] });
      } catch (err) {
        return err as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(e.field).toBe('--epsilons');
    expect(e.message).toMatch(/give 2 --epsilons, or remove clt\.horizons/);
    expect(parseCltStudySpec(spec, { epsilons: [1e-3, 2e-3] }).clt.horizons).toEqual([1, 5]);
  });

  it('a variant with particles.n = 1e7 is refused for the n(n−1)/2 pair cosines of the exact R_N, named under the variant (was a RangeError "Invalid typed array length: 49999995000000" after 20 s)', async () => {
    const e = await refusal('mmn-fig1.json', { kind: 'set', path: ['variants'], value: [{ label: 'a', particles: { n: 1e7 } }] });
    expect(e.field).toBe('variants[0].particles.n');
    expect(e.message).toMatch(/the run needs about 400 TB .*exact R_N over 5\.00e\+13 pairs of units/);
  });

  it('the cached Gauss–Legendre rule is not shared with callers', () => {
    const a = gaussLegendre(8);
    a.nodes[0] = 42;
    expect(gaussLegendre(8).nodes[0]).toBeCloseTo(-0.9602898564975363, 15);
  });
});
