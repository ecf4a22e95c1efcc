/**
 * Noisy MMN Fig. 1 (β = 20, λ = 0.5, MMN eq. 12) through `solve`: the implicit diffusion step relaxes
 * to the interacting Gibbs fixed point that solvers/gibbs.ts finds directly, and result.json carries
 * the free energy and the fixed point's risk. (On the default 1600-cell grid the same run to t = 12
 * takes ~11 s; here a 400-cell grid keeps the test short.)
 */
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/spec/index.ts';
import { runSolveSpec } from '../../src/pipeline/solve.ts';

const fig1Noisy = (solver: object, saveTimes: number[]) =>
  parseSpec({
    model: { name: 'isotropic-gaussians', delta: 0.8, d: 40 },
    init: { kind: 'gaussian', scale: 0.8 },
    grid: { rMax: 8, cells: 400 },
    solver: { companion: false, ...solver },
    noise: { beta: 20, lambda: 0.5 },
    saveTimes,
  });

describe('noisy MMN Fig. 1 through solve', () => {
  it('reaches the direct Gibbs fixed point by t = 12 (risk within 1e-8), free energy non-increasing', async () => {
    const run = runSolveSpec(await fig1Noisy({}, [0, 1, 2, 5, 12])).runs[0];
    expect(run.fv!.reconstruction).toBe('scharfetter-gummel');
    expect(run.method).toContain('implicit');
    expect(run.rejected).toBe(0);
    const F = run.fv!.freeEnergy!;
    for (let k = 1; k < F.length; k++) expect(F[k]).toBeLessThan(F[k - 1]);
    const { gibbs } = run;
    expect(gibbs!.converged).toBe(true);
    expect(gibbs!.residual).toBeLessThan(1e-13);
    expect(Math.abs(run.risk.at(-1)! - gibbs!.risk)).toBeLessThan(1e-8);
    expect(Math.abs(F.at(-1)! - gibbs!.freeEnergy)).toBeLessThan(1e-10);
    expect(Math.abs(run.means[0].at(-1)! - gibbs!.means[0])).toBeLessThan(1e-8);
    // t = 5 is not yet there (the relaxation is not trivially fast): the comparison has teeth
    expect(Math.abs(run.risk[3] - gibbs!.risk)).toBeGreaterThan(1e-7);
    for (const m of run.fv!.mass) expect(Math.abs(m - 1)).toBeLessThan(1e-12);
    for (const m of run.fv!.minMass) expect(m).toBeGreaterThanOrEqual(0);
  });

  it('"diffusion": "explicit" runs the SSP scheme and agrees with the implicit step to first order in time', async () => {
    const explicit = runSolveSpec(await fig1Noisy({ diffusion: 'explicit', scheme: 'ssprk2' }, [0.02])).runs[0];
    const implicit = [2e-4, 1e-4].map(async (dt) => runSolveSpec(await fig1Noisy({ dt }, [0.02])).runs[0]);
    const [coarse, fine] = await Promise.all(implicit);
    expect(explicit.method).toContain('ssprk2');
    const e1 = Math.abs(coarse.risk[0] - explicit.risk[0]);
    const e2 = Math.abs(fine.risk[0] - explicit.risk[0]);
    expect(Math.log2(e1 / e2)).toBeGreaterThan(0.8);
    expect(Math.log2(e1 / e2)).toBeLessThan(1.2);
  });
});
