/**
 * The SGD-diffusion limit of MMN Fig. 1's model (reduced-models/isotropic-gaussians/README.md §7.1): mass and
 * positivity, the deterministic limit as ε → 0, and the O(εd) shift of the mean radius against the CLT
 * machinery's independent prediction (ε/B) J(t) (src/clt/README.md §6.2: adjoint sweep along characteristics).
 */
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/spec/index.ts';
import { runSolveSpec } from '../../src/pipeline/solve.ts';
import { runFluctuations } from '../../src/pipeline/fluctuations.ts';

const fig1 = (limit: string, epsilon: number, extra: object = {}) =>
  parseSpec({
    model: { name: 'isotropic-gaussians', delta: 0.8, d: 40 },
    init: { kind: 'gaussian', scale: 0.8 },
    grid: { rMax: 8, cells: 400 },
    solver: { companion: false },
    limit,
    saveTimes: [0, 0.25, 0.5],
    particles: { n: 400, epsilon, batch: 1 },
    ...extra,
  });

describe('SGD-diffusion limit (isotropic Gaussians)', () => {
  it('conserves mass, stays positive, and its mean-radius shift is the CLT prediction (ε/B) J(t) to O(ε/d)', async () => {
    const epsilon = 2e-5;
    const run = runSolveSpec(await fig1('sgd-diffusion', epsilon)).runs[0];
    expect(run.method).toContain('SGD-diffusion limit at ε = 0.00002');
    expect(run.check!.label).toBe('deterministic limit (same grid)');
    for (const m of run.fv!.mass) expect(Math.abs(m - 1)).toBeLessThan(1e-13);
    for (const m of run.fv!.minMass) expect(m).toBeGreaterThanOrEqual(0);
    const spec = await fig1('deterministic', epsilon);
    const clt = runFluctuations(spec.runs[0]);
    for (let k = 1; k < 3; k++) {
      const shift = run.means[0][k] - run.check!.means[0][k];
      const predicted = clt.meanShiftMeanRadius![k];
      // README.md §7: at ε = 2e-5 the Itô shift is ≈ 0.0027, 0.0023 at t = 0.25, 0.5; the PDE also carries the
      // O(ε) terms without the factor d (radial diffusion acting through the flow's curvature) that the prediction leaves
      // out, ~1/d = 2.5 % each (measured: 2 %, 4 %): agreement to 10 %
      expect(predicted).toBeGreaterThan(1e-3);
      expect(Math.abs(shift / predicted - 1)).toBeLessThan(0.1);
    }
  });

  it('names the missing pieces of a spec', async () => {
    await expect(async () => runSolveSpec(await fig1('sgd-diffusion', 1e-4, { noise: { beta: 20, lambda: 0.5 } }))).rejects.toThrow(/sgd-diffusion/);
    await expect(async () => runSolveSpec(await fig1('sgd-diffusion', 1e-4, { particles: undefined }))).rejects.toThrow(/particles/);
    await expect(fig1('stochastic', 1e-4)).rejects.toThrow(/limit/);
  });
});
