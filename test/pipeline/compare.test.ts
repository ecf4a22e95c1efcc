/**
 * PDE vs particles (MMN Fig. 1 model). Fixed seeds; every tolerance is derived from the seed-to-seed
 * spread measured in the same test or from a stated theoretical size.
 */
import { describe, expect, it } from 'vitest';
import { runCompare, type CompareResult } from '../../src/pipeline/compare.ts';
import { toJson } from '../../src/io/output.ts';
import { mean, std } from '../../src/diagnostics/stats.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function spec(overrides: { n: number; epsilon: number; seeds: number; saveTimes: number[]; cells?: number; seed?: number }) {
  return {
    model: { name: 'isotropic-gaussians', delta: 0.8, d: 40 },
    init: { kind: 'gaussian', scale: 0.8 },
    grid: { rMax: 6, cells: overrides.cells ?? 1200 },
    saveTimes: overrides.saveTimes,
    particles: { n: overrides.n, epsilon: overrides.epsilon, seeds: overrides.seeds },
    seed: overrides.seed ?? 11,
  };
}

const strip = (r: CompareResult) => toJson({ ...r, provenance: null, runs: r.runs.map((x) => ({ ...x, pde: { ...x.pde, ms: 0 }, particles: { ...x.particles, stepsMs: 0 } })) });

describe('compare: PDE vs SGD particles (MMN Fig. 1 model)', () => {
  it('same seed gives bit-identical results with 1 and 2 workers (timings aside)', async () => {
    const c = spec({ n: 100, epsilon: 1e-3, seeds: 3, saveTimes: [0, 0.2] });
    const one = await runCompare(c, {}, { workers: 1, curveSteps: 4 });
    const two = await runCompare(c, {}, { workers: 2, curveSteps: 4 });
    expect(strip(two)).toBe(strip(one));
  });

  it('reports the PDE error bar per save time and flags a gap within it', async () => {
    // 200 cells: a coarse grid whose bar (Richardson from 100 and 50 cells; 25 would not resolve the initial law) is well above round-off
    const r = (await runCompare(spec({ n: 400, epsilon: 1e-3, seeds: 1, saveTimes: [0, 0.5, 1], cells: 200 }), {}, { workers: 1, curveSteps: 0 })).runs[0];
    expect(r.pde.riskError).toHaveLength(r.times.length);
    expect(r.pde.meanError![0]).toHaveLength(r.times.length);
    expect(r.pde.errorMethod).toMatch(/Richardson.*100 and 50 cells/);
    expect(r.gapBelowPdeError).toEqual(r.gap.map((g, k) => Math.abs(g) <= r.pde.riskError![k]));
    // the bar contains the distance to the 1200-cell solution (whose own error is ≈ 36× smaller: second order) at t > 0
    const fine = (await runCompare(spec({ n: 1, epsilon: 1e-3, seeds: 1, saveTimes: [0, 0.5, 1] }), {}, { workers: 1, curveSteps: 0 })).runs[0];
    for (let k = 1; k < r.times.length; k++) expect(r.pde.riskError![k]).toBeGreaterThan(Math.abs(r.pde.risk[k] - fine.pde.risk[k]));
  });

  it('resume: replicas checkpointed by an interrupted run are reused and give the identical result', async () => {
    const c = spec({ n: 100, epsilon: 1e-3, seeds: 3, saveTimes: [0, 0.2] });
    const dir = mkdtempSync(join(tmpdir(), 'meanfield-resume-'));
    const fresh = await runCompare(c, {}, { workers: 1, curveSteps: 0, checkpointDir: dir });
    // the per-seed unit means average to the reported means
    const fp = fresh.runs[0].particles;
    fp.meansPerSeed.forEach((axes, k) => axes.forEach((seeds, a) => expect(seeds.reduce((x, y) => x + y, 0) / seeds.length).toBeCloseTo(fp.means[a][k], 14)));
    expect(fp.meansPerSeed[1][0]).toHaveLength(3);
    // and the per-seed spreads to unitStds
    fp.unitStdsPerSeed.forEach((axes, k) => axes.forEach((seeds, a) => expect(seeds.reduce((x, y) => x + y, 0) / seeds.length).toBeCloseTo(fp.unitStds[a][k], 14)));
    expect(fp.unitStdsPerSeed[1][0]).toHaveLength(3);
    // drop one checkpoint, as if the run had been stopped before that replica finished
    rmSync(join(dir, 'replicas', '0', 'replica-1.json'));
    const resumed = await runCompare(c, {}, { workers: 1, curveSteps: 0, checkpointDir: dir, resume: true });
    expect(resumed.provenance.timings.replicasResumed).toBe(2);
    expect(resumed.provenance.particleThreads).toBe(1); // "auto" on a step of N·d·B far below AUTO_THREADS_WORK
    expect(strip(resumed)).toBe(strip(fresh));
    // a different spec never reuses them
    const other = await runCompare(spec({ n: 100, epsilon: 2e-3, seeds: 3, saveTimes: [0, 0.2] }), {}, { workers: 1, curveSteps: 0, checkpointDir: dir, resume: true });
    expect(other.provenance.timings.replicasResumed).toBe(0);
  });

  it('N = 800: particle R_N and PDE risk agree to better than 0.01 for 0 < t ≤ 1; the gap is a positive O(1/N) bias: a/N + b with b inside the PDE error bar', async () => {
    // (t = 0 is the last test: there R_N − R = C1/N is known in closed form.)
    const seeds = 8;
    const saveTimes = [0.5, 1];
    const [small] = (await runCompare(spec({ n: 200, epsilon: 2e-5, seeds, saveTimes }), {}, { workers: 2, curveSteps: 0 })).runs;
    const [large] = (await runCompare(spec({ n: 800, epsilon: 2e-5, seeds, saveTimes }), {}, { workers: 2, curveSteps: 0 })).runs;
    for (let k = 0; k < saveTimes.length; k++) for (const r of large.particles.riskPerSeed[k]) expect(Math.abs(r - large.pde.risk[k])).toBeLessThan(0.01);
    // E gap_N = a/N + b: a the finite-N bias (≈ 3: ≈ 4e-3 at N = 800, reduced-models/isotropic-gaussians/README.md §6.2),
    // b what does not depend on N (the PDE's grid error, the O(ε) SGD drift; from two widths it also absorbs
    // the O(1/N²) part of the bias at N = 200: measured b = −8e-4 ± 3e-4 at t = 0.5, −4e-4 ± 2e-4 at t = 1). Widths N and 4N give
    //   a = (gap_N − gap_4N) / (1/N − 1/4N),  b = (4 gap_4N − gap_N) / 3,
    // with standard errors from the seed spread (std/√seeds per width, independent seeds). A mean over 8 seeds
    // has 7 degrees of freedom: 3.5 standard errors is its two-sided 99 % Student quantile.
    const z = 3.5;
    const [n, n4] = [200, 800];
    for (let k = 0; k < saveTimes.length; k++) {
      const [g, g4] = [small.gap[k], large.gap[k]];
      const [se, se4] = [small.particles.riskStd[k] / Math.sqrt(seeds), large.particles.riskStd[k] / Math.sqrt(seeds)];
      const a = (g - g4) / (1 / n - 1 / n4);
      const seA = Math.hypot(se, se4) / (1 / n - 1 / n4);
      const b = (4 * g4 - g) / 3;
      const seB = Math.hypot(4 * se4, se) / 3;
      const gridError = large.pde.riskError![k];
      expect(a, `t = ${saveTimes[k]}: a = ${a} ± ${seA}`).toBeGreaterThan(z * seA); // a real, positive 1/N bias
      expect(Math.abs(b), `t = ${saveTimes[k]}: b = ${b} ± ${seB}, PDE error bar ${gridError}`).toBeLessThan(z * seB + gridError);
    }
  });

  it('W1 between particles and ρ̄_t falls like N^(-1/2): N = 200 vs 3200 gives a ratio 4 ± 30 %', async () => {
    // t = 0.1 with ε = 2e-6: the Itô drift of the radii (≈ 115 ε t ≈ 2e-5) is far below W1(3200) ≈ 2e-3.
    const saveTimes = [0.1];
    const [a] = (await runCompare(spec({ n: 200, epsilon: 2e-6, seeds: 8, saveTimes, cells: 2400 }), {}, { workers: 2, curveSteps: 0 })).runs;
    const [b] = (await runCompare(spec({ n: 3200, epsilon: 2e-6, seeds: 2, saveTimes, cells: 2400 }), {}, { workers: 2, curveSteps: 0 })).runs;
    const ratio = a.distances.w1.value[0][0] / b.distances.w1.value[0][0];
    expect(ratio).toBeGreaterThan(4 * 0.7);
    expect(ratio).toBeLessThan(4 * 1.3);
  });

  it('t = 0 bias of R_N is the computed C1/N within its standard error (seed-averaged)', async () => {
    const [r] = (await runCompare(spec({ n: 200, epsilon: 1e-3, seeds: 16, saveTimes: [0] }), {}, { workers: 2, curveSteps: 0 })).runs;
    const risks = r.particles.riskPerSeed[0];
    // C1(ρ̄_0) = 7.41 for this model (reduced-models/isotropic-gaussians/README.md §6.2): E R_N − R = C1/N exactly for i.i.d. units
    expect(r.iidBias![0] * 200).toBeCloseTo(7.41, 2);
    const se = std(risks) / Math.sqrt(risks.length);
    expect(Math.abs(mean(risks) - r.pde.risk[0] - r.iidBias![0])).toBeLessThan(3 * se);
  });
});
