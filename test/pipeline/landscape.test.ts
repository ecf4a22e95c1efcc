/**
 * minimize / sweep jobs on the MMN isotropic model (issue: landscape). Library-level checks of the QP
 * and of Lemma 1 live in test/landscape; here: the pieces fit together on the real model.
 */
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/io/config.ts';
import { runMinimize, runSweep } from '../../src/pipeline/landscape.ts';

const base = {
  model: { name: 'isotropic-gaussians', delta: 0.3, d: 40 },
  init: { kind: 'gaussian', scale: 0.8 },
  grid: { rMax: 8, cells: 800 },
  saveTimes: [5],
};

describe('landscape jobs on the isotropic model', () => {
  it('minimize: certified minimum (gap ≤ 1e-10, eq. 17 violation ≤ 1e-9) never above the single-delta risk', () => {
    for (const delta of [0.3, 0.7]) {
      const r = runMinimize(parseRunConfig({ ...base, model: { ...base.model, delta } }), 'grid');
      expect(r.minimum.converged).toBe(true);
      expect(r.minimum.dualityGap).toBeLessThan(1e-10);
      expect(r.minimum.certificate.violation).toBeLessThan(1e-9);
      // the single delta lives in the continuum: the grid may miss it by O(h²) ψ''·h²/4 ≲ 1e-4 here
      expect(r.minimum.risk).toBeLessThan(r.singleDelta.risk + 1e-4);
    }
  });

  it('sweep (Lemma 1 on the grid domain): R_min = single-delta risk exactly where Lemma 1 holds, strictly below elsewhere; PDE long-time risk ≥ R_min', async () => {
    const config = parseRunConfig({
      ...base,
      sweep: { deltas: [0.2, 0.3, 0.6, 0.8], dims: ['inf', 40], lemmaDomain: 'grid', scanPoints: 5, deltaTolerance: 1e-2, dynamicsDeltas: [0.6], longTime: 5 },
    });
    const result = await runSweep(config);
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
});
