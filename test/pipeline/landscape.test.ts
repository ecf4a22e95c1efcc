/**
 * minimize / sweep jobs on the MMN isotropic model. Library-level checks of the QP and of Lemma 1
 * live in test/landscape; here: the pieces fit together on the real model, through the spec and the
 * model's landscape capability, and bad input is a ConfigError naming the field.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../src/errors.ts';
import { defineModel } from '../../src/model.ts';
import { runMinimize, runSweep } from '../../src/pipeline/landscape.ts';
import { parseSpec } from '../../src/spec/index.ts';
import { registerModel } from '../../reduced-models/index.ts';
import { Grid } from '../../src/grid.ts';
import { number } from '../../src/spec/fields.ts';
import type { LandscapeCapability } from '../../src/landscape/index.ts';
import { TOY, toyModel, toyOperators } from '../landscape/toy.ts';

const base = {
  model: { name: 'isotropic-gaussians', delta: 0.3, d: 40 },
  init: { kind: 'gaussian', scale: 0.8 },
  grid: { rMax: 8, cells: 800 },
  solver: { kernelTolerance: 1e-10 },
  saveTimes: [5],
};

/** The ConfigError a promise rejects with (or a failure if it resolves). */
async function configError(body: () => unknown): Promise<ConfigError> {
  try {
    await body();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('landscape jobs on the isotropic model', () => {
  it('minimize: certified minimum (gap ≤ 1e-10, eq. 17 violation ≤ 1e-9) never above the single-delta risk', async () => {
    for (const delta of [0.3, 0.7]) {
      const r = runMinimize(await parseSpec({ ...base, model: { ...base.model, delta } }), 'grid');
      expect(r.minimum.converged).toBe(true);
      expect(r.minimum.dualityGap).toBeLessThan(1e-10);
      expect(r.minimum.certificate.violation).toBeLessThan(1e-9);
      // the single delta lives in the continuum: the grid may miss it by O(h²) ψ''·h²/4 ≲ 1e-4 here
      expect(r.minimum.risk).toBeLessThan(r.singleDelta.risk + 1e-4);
    }
  });

  it('sweep (Lemma 1 on the grid domain): R_min = single-delta risk exactly where Lemma 1 holds, strictly below elsewhere; PDE long-time risk ≥ R_min', async () => {
    const spec = await parseSpec({
      ...base,
      sweep: { deltas: [0.2, 0.3, 0.6, 0.8], dims: ['inf', 40], lemmaDomain: 'grid', scanPoints: 5, deltaTolerance: 1e-2, dynamicsDeltas: [0.6], longTime: 5 },
    });
    const result = await runSweep(spec);
    for (const dim of result.dims) {
      for (const row of dim.rows) {
        if (row.lemma1.holds) expect(Math.abs(row.excess), `d=${dim.d} Δ=${row.delta}`).toBeLessThan(1e-4);
        else expect(row.excess, `d=${dim.d} Δ=${row.delta}`).toBeGreaterThan(1e-4);
      }
      expect(dim.deltaHigh).not.toBeNull();
      const atDelta = dim.rows.find((r) => r.delta === 0.6)!;
      // the PDE lives on the same grid: its discrete risk cannot go below the certified grid minimum
      expect(dim.dynamics[0].pdeRisk).toBeGreaterThan(atDelta.gridMinimum.lowerBound - 1e-12);
    }
  });

  it('sweep runs SGD replicas at the dynamics deltas (finite d) beside the PDE: R_N ≈ R_PDE within the O(1/N) bias', async () => {
    const spec = await parseSpec({
      ...base,
      particles: { n: 100, epsilon: 1e-3, seeds: 1 },
      sweep: { deltas: [0.6], dims: [40, 'inf'], lemmaDomain: 'grid', scanPoints: 3, deltaTolerance: 5e-2, dynamicsDeltas: [0.6], longTime: 0.5 },
    });
    const result = await runSweep(spec);
    const finite = result.dims.find((d) => d.d === 40)!.dynamics[0];
    const infinite = result.dims.find((d) => d.d === 'inf')!.dynamics[0];
    expect(infinite.sgdRisk).toBeNull(); // d = ∞ has no finite network
    // C1/N ≤ 14.4/100 for this model on t ≤ 10 (reduced-models/isotropic-gaussians/README.md §6.2), plus a few seed stds (≈ 0.01 at N = 100)
    expect(Math.abs(finite.sgdRisk! - finite.pdeRisk)).toBeLessThan(0.144 + 0.05);
  });
});

describe('landscape jobs on a plug-in model (the toy of test/landscape/toy.ts)', () => {
  const toy = defineModel({
    name: 'test-landscape-toy',
    summary: 'v = −a exp(−(r − c)²/2s²), u = exp(−(r − r′)²/2ℓ²) on [0, 4]',
    params: z.strictObject({ delta: number({ above: 0 }) }),
    init: z.unknown(),
    grid: z.strictObject({ cells: number({ integer: true, min: 2 }) }),
    build: ({ delta }) => {
      const landscape: LandscapeCapability = { pointwise: () => toyModel(delta) };
      return {
        name: 'test-landscape-toy',
        label: `toy, Δ = ${delta}`,
        reduced: {
          coordinates: [{ name: 'r', min: 0, max: Infinity }],
          riskConstant: TOY.riskConstant,
          defaultMethod: 'finite-volume',
          grid: (g: { cells: number }) => Grid.uniform1d('r', 0, TOY.rMax, g.cells),
          gridOperators: (grid: Grid) => ({ ...toyOperators(delta, grid.size), kernel: { order: 0, rank: grid.size, bound: 0, description: 'dense' } }),
        },
        capabilities: { landscape },
      };
    },
  });
  registerModel(toy);

  it('minimize uses only the capability and the reduced side: r* = c, R̄⁽¹⁾(r*) = R# − 2a + 1, ψ″(c) = a/s² − 1/ℓ², grid minimum = R̄⁽¹⁾(c) (c a cell centre)', async () => {
    const delta = 1;
    const { a, s } = toyModel(delta);
    const r = runMinimize(await parseSpec({ model: { name: 'test-landscape-toy', delta }, init: {}, grid: { cells: 81 }, saveTimes: [1] }), 'grid');
    expect(Math.abs(r.singleDelta.rStar - TOY.c)).toBeLessThan(1e-8);
    expect(Math.abs(r.singleDelta.risk - (TOY.riskConstant - 2 * a + 1))).toBeLessThan(1e-13);
    expect(r.singleDelta.lemma1.holds).toBe(true);
    expect(r.singleDelta.lemma1.domain).toBe(`[0, ${TOY.rMax}]`);
    expect(r.stability.classification).toBe('stable');
    expect(Math.abs(r.stability.psiSecond - (a / (s * s) - 1 / TOY.ell ** 2))).toBeLessThan(1e-6);
    expect(Math.abs(r.minimum.risk - r.singleDelta.risk)).toBeLessThan(1e-13);
  });
});

describe('landscape jobs: errors name the field', () => {
  // a plug-in model with no capabilities at all
  const plain = defineModel({
    name: 'test-no-landscape',
    summary: 'a model without the landscape capability',
    params: z.strictObject({}),
    init: z.unknown(),
    build: () => ({ name: 'test-no-landscape', label: 'test model' }),
  });
  registerModel(plain);
  const noLandscape = { model: { name: 'test-no-landscape' }, init: {}, saveTimes: [1], sweep: { deltas: [0.5], dims: [40] } };

  it('a model without the landscape capability: minimize and sweep fail on model.name, naming the capability', async () => {
    const spec = await parseSpec(noLandscape);
    for (const [command, body] of [['minimize', () => runMinimize(spec)], ['sweep', () => runSweep(spec)]] as const) {
      const e = await configError(body);
      expect(e.field).toBe('model.name');
      expect(e.message).toContain(`${command} needs the landscape capability`);
      expect(e.message).toContain('"test-no-landscape"');
    }
  });

  it.each([
    [undefined, 'sweep', /needs a "sweep" block/],
    [{ deltas: [0.5, 0.4], dims: [40] }, 'sweep.deltas[1]', /strictly increasing/],
    [{ deltas: [0.5], dims: [] }, 'sweep.dims', /nonempty array of integers >= 2 or "inf"/],
    [{ deltas: [0.5], dims: [40, 1] }, 'sweep.dims[1]', /integer >= 2 and <= 10000000 or "inf"/],
    [{ deltas: [0.5], dims: [40], deltaMin: 0.5, deltaMax: 0.4 }, 'sweep.deltaMax', /must be a finite number > 0.5 and < 1 \(got 0.4\)/],
    [{ deltas: [0.5], dims: [40], scanPoints: 1 }, 'sweep.scanPoints', /integer >= 2 and <= 1000/],
    [{ deltas: [0.5], dims: [40], deltaTolerance: 0.2 }, 'sweep.deltaTolerance', /<= 0.1/],
    [{ deltas: [0.5], dims: [40], lemmaDomain: 'all' }, 'sweep.lemmaDomain', /"half-line", "grid"/],
    [{ deltas: [0.5], dims: [40], dynamicsDeltas: [1] }, 'sweep.dynamicsDeltas[0]', /< 1/],
    [{ deltas: [0.5], dims: [40], longTime: 0 }, 'sweep.longTime', /> 0/],
    [{ deltas: [0.5], dims: [40], delta: 0.5 }, 'sweep.delta', /not a known field/],
  ])('sweep block %j: %s', async (sweep, field, message) => {
    const e = await configError(async () => runSweep(await parseSpec({ ...base, sweep })));
    expect(e.field).toBe(field);
    expect(e.message).toMatch(message);
  });

  it('variants are refused (the landscape studies one model)', async () => {
    const spec = await parseSpec({ ...base, variants: [{ label: 'a', model: { delta: 0.2 } }, { label: 'b', model: { delta: 0.4 } }] });
    expect((await configError(() => runMinimize(spec))).field).toBe('variants');
  });
});
