/**
 * Specs with variants (one compare report for several runs): parsing and errors, and reduced versions
 * of the two claims of the figure pipeline:
 *   Fig. 3: the finite-(d, s0) PDE and the particles agree within the particle spread plus the O(1/N)
 *           bias (removed here by Richardson extrapolation N, 2N → ∞); d = ∞ is O(1/d) away before
 *           the units split and O(1) after;
 *   Fig. 4: PDE (finite volumes and characteristics) and particles show the two limits, with matching
 *           risks: within the spread and the O(1/N) size for κ = 0.4, and up to the predicted SGD Itô
 *           floor of the collapsed units for κ = 0.1.
 * Small d and N and short horizons keep this under ~30 s; every tolerance is a stated size.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { parseSpec, type SpecOptions } from '../../src/spec/index.ts';
import { runCompare, type RunComparison } from '../../src/pipeline/compare.ts';
import { replicaSpec } from '../../src/particles/replica.ts';

const example = (name: string) => JSON.parse(readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8'));

async function fieldOf(raw: unknown, options: SpecOptions = {}): Promise<string> {
  try {
    const spec = await parseSpec(raw, options);
    for (const run of spec.runs) if (run.particles) replicaSpec(run);
  } catch (e) {
    if (e instanceof ConfigError) return e.field;
    throw e;
  }
  throw new Error('no ConfigError thrown');
}

describe('specs with variants', () => {
  it('parses the examples: variants, the power schedule, the paper block', async () => {
    const fig3 = await parseSpec(example('mmn-fig3.json'));
    expect(fig3.hasVariants).toBe(true);
    expect(fig3.runs.map((v) => v.label)).toEqual(['Δ = 0.1', 'Δ = 0.2', 'Δ = 0.3']);
    expect(fig3.runs.map((v) => v.modelBlock.delta)).toEqual([0.1, 0.2, 0.3]);
    expect(fig3.runs[0].schedule).toEqual({ kind: 'power', t0: 1, alpha: 0.25 });
    expect(fig3.runs[0].init).toEqual({ w: { kind: 'gaussian', scale: 0.8 }, a: 1, b: 1 });
    expect(fig3.runs[0].particles).toMatchObject({ n: 800, epsilon: 2e-4, trainA: true, trainB: true });
    expect(fig3.runs[0].solver.method).toBe('characteristics');
    const paper = await parseSpec(example('mmn-fig3.json'), { paper: true, overrides: { particles: { seeds: 3 } } });
    expect(paper.runs[2].saveTimes.at(-1)).toBe(1000);
    expect(paper.runs[2].particles!.seeds).toBe(3);
    const fig4 = await parseSpec(example('mmn-fig4.json'));
    expect(fig4.runs.map((v) => (v.init as { scale: number }).scale)).toEqual([0.1, 0.4]);
    expect(fig4.runs[0].grid).toEqual({ rMax: 4, cells: 4000 });
    expect((await parseSpec(example('mmn-fig1.json'))).hasVariants).toBe(false);
    // a variant may switch the limit; stepSize gives each width its ε = γ N^(β−1) (β = 1: γ; β = 0.75: γ N^(−1/4))
    const regimes = await parseSpec(example('sgd-diffusion-regimes.json'));
    expect(regimes.runs.map((v) => v.limit)).toEqual([...Array(6).fill('sgd-diffusion'), 'deterministic']);
    expect(regimes.runs.map((v) => v.particles!.epsilon)).toEqual([3e-4, 3e-4, 3e-4, 3e-4 / Math.pow(100, 0.25), 3e-4 / Math.pow(1000, 0.25), 3e-4 / Math.pow(1e4, 0.25), 3e-4 / Math.pow(100, 0.25)].map((e, i) => expect.closeTo(e, i < 3 ? 20 : 17)));
    expect(regimes.runs[0].init).toEqual({ kind: 'shell', radius: 0.8 });
  });

  it('errors name the field (variant fields prefixed with variants[i])', async () => {
    const base = () => example('mmn-fig3.json');
    const withVariants = (variants: unknown) => ({ ...base(), variants });
    expect(await fieldOf(withVariants([{ label: 'a' }, { label: 'b', model: { delta: 1.5 } }]))).toBe('variants[1].model.delta');
    expect(await fieldOf(withVariants([{ label: 'a', solver: { tolerance: -1 } }]))).toBe('variants[0].solver.tolerance');
    expect(await fieldOf(withVariants([{ label: 'a', modle: {} }]))).toBe('variants[0].modle');
    expect(await fieldOf(withVariants([{ label: 'a' }, { label: 'a' }]))).toBe('variants[1].label');
    expect(await fieldOf(withVariants([]))).toBe('variants');
    expect(await fieldOf(withVariants([{ label: 'a', limit: 'diffusion' }]))).toBe('variants[0].limit');
    expect(await fieldOf({ ...base(), model: { name: 'anisotropic-gaussians-relu', delta: 0.2, d: 'inf', s0: 60 } })).toBe('model.d');
    expect(await fieldOf({ ...base(), model: { name: 'anisotropic-gaussians-relu', delta: 0.2, d: 320, s0: 320 } })).toBe('model.s0');
    expect(await fieldOf({ ...base(), model: { name: 'anisotropic-relu', delta: 0.2, d: 320, s0: 60 } })).toBe('model.name');
    expect(await fieldOf({ ...base(), schedule: { kind: 'power', t0: 0, alpha: 0.25 } })).toBe('schedule.t0');
    expect(await fieldOf({ ...base(), model: { name: 'anisotropic-gaussians', delta: 0.2, d: 320, s0: 60 } })).toBe('init.b');
    expect(await fieldOf({ ...base(), model: { name: 'anisotropic-gaussians', delta: 0.2, d: 320, s0: 60 }, init: { w: { kind: 'gaussian', scale: 0.8 } } })).toBe('particles.trainA');
    expect(await fieldOf({ ...base(), pde: { tolerance: 1e-5 } })).toBe('pde');
    expect(await fieldOf({ ...base(), paper: undefined }, { paper: true })).toBe('paper');
    const fig4 = example('mmn-fig4.json');
    expect(await fieldOf({ ...fig4, init: { w: { kind: 'gaussian', scale: 0.4 } } })).toBe('init.kind');
    expect(await fieldOf({ ...fig4, grid: { rMax: 4, cells: 1 } })).toBe('grid.cells');
    // a variant that switches the model inherits the base model's parameters: named as the switch, with the refused field in the message
    const switched = { ...fig4, variants: [{ label: 'x', model: { name: 'anisotropic-gaussians-relu', delta: 0.2, d: 320, s0: 60 } }] };
    expect(await fieldOf(switched)).toBe('variants[0].model.name');
    await expect(parseSpec(switched)).rejects.toThrow(/refuses the base spec's model\.activation/);
  });

  it('a model block builds the particle side of the anisotropic ReLU model', async () => {
    const spec = await parseSpec({ ...example('mmn-fig3.json'), model: { name: 'anisotropic-gaussians-relu', delta: 0.2, d: 30, s0: 5 }, variants: undefined });
    const side = spec.runs[0].model.particles!;
    expect(side.kind).toBe('ridge');
    if (side.kind === 'ridge') {
      expect(side.model.dimension).toBe(30);
      expect(side.model.reducedNames).toEqual(['a', 'b', 'r1', 'r2']);
    }
    expect(await fieldOf({ ...example('mmn-fig3.json'), model: { name: 'anisotropic-gaussians-relu', delta: 0.2, d: 30 } })).toBe('model.s0');
  });
});

/** Richardson N → ∞ from N and 2N: x_∞ ≈ 2 x(2N) − x(N) (an O(1/N) bias cancels), with its standard error. */
function extrapolate(small: { mean: number; se: number }, large: { mean: number; se: number }): { mean: number; se: number } {
  return { mean: 2 * large.mean - small.mean, se: Math.sqrt(4 * large.se ** 2 + small.se ** 2) };
}

describe('Fig. 3 reduced: anisotropic ReLU, d = 40, s0 = 10, Δ = 0.7', () => {
  it('PDE at (d, s0) and particles agree within the spread once the O(1/N) bias is extrapolated away; d = ∞ is O(1/d) off before the split, O(1) after', async () => {
    const seeds = 6;
    const result = await runCompare({
      model: { name: 'anisotropic-gaussians-relu', delta: 0.7, d: 40, s0: 10 },
      init: { w: { kind: 'gaussian', scale: 0.8 }, a: 1, b: 1 },
      schedule: { kind: 'power', t0: 1, alpha: 0.25 },
      saveTimes: [0, 0.5, 1, 2, 4, 6, 8, 10],
      // ε d = 0.004: the SGD (Itô) bias, linear in ε, is ≈ 2e-3 in R and ≈ 1e-3 in the means here (measured
      // from ε = 1e-3 and 2.5e-4 runs of this setting); allowed below as EPS_BIAS
      particles: { n: 128, epsilon: 1e-4, seeds, trainA: true, trainB: true },
      solver: { method: 'characteristics', panels: 3, nodesPerPanel: 8, checkNodesPerPanel: 0, tolerance: 1e-5, kernelTolerance: 1e-4 },
      variants: [{ label: 'N = 128' }, { label: 'N = 256', particles: { n: 256 } }],
      curveSteps: 0,
      seed: 7,
    }, {}, { workers: 2 });
    const [small, large] = result.runs as [RunComparison, RunComparison];
    const EPS_BIAS = 3e-3;
    for (let k = 0; k < small.times.length; k++) {
      const R = extrapolate(
        { mean: small.particles.risk[k], se: small.particles.riskStd[k] / Math.sqrt(seeds) },
        { mean: large.particles.risk[k], se: large.particles.riskStd[k] / Math.sqrt(seeds) },
      );
      // 4 standard errors (a 6-seed std is itself uncertain by ~30 %)
      expect(Math.abs(R.mean - large.pde.risk[k])).toBeLessThan(4 * R.se + EPS_BIAS);
      for (const axis of [0, 1, 2]) {
        const m = extrapolate(
          { mean: small.particles.means[axis][k], se: small.particles.meanStds[axis][k] / Math.sqrt(seeds) },
          { mean: large.particles.means[axis][k], se: large.particles.meanStds[axis][k] / Math.sqrt(seeds) },
        );
        expect(Math.abs(m.mean - large.pde.means[axis][k])).toBeLessThan(4 * m.se + EPS_BIAS);
      }
    }
    // t = 0: i.i.d. units, E R_N − R = C1/N exactly
    expect(Math.abs(small.gap[0] - small.iidBias![0])).toBeLessThan(4 * small.particles.riskStd[0] / Math.sqrt(seeds));
    // d = ∞: one node; |R_∞ − R_40| ≤ 1/d up to t = 4, then the finite-d law splits and the gap is O(1)
    const inf = large.pde.companion!;
    const gap = large.companionGap!.risk;
    large.times.forEach((t, k) => {
      if (t <= 4) expect(Math.abs(gap[k])).toBeLessThan(1 / 40);
    });
    const last = large.times.length - 1;
    expect(gap[last]).toBeGreaterThan(0.05);
    expect(gap[last]).toBeGreaterThan((4 * large.particles.riskStd[last]) / Math.sqrt(seeds));
    expect(inf.risk[last]).toBeGreaterThan(large.particles.risk[last]);
    // the particles split too: the spread of a grows from 0 to O(1) like the PDE's
    expect(large.particles.unitStds[0][last]).toBeGreaterThan(0.5);
    expect(Math.abs(large.particles.unitStds[0][last] - large.pde.stds[0][last])).toBeLessThan(0.25 * large.pde.stds[0][last]);
    // distances to the PDE nodes are finite, and sliced W1 ≤ the largest marginal W1 × √ndim
    for (let k = 0; k < large.times.length; k++) {
      const maxMarginal = Math.max(...large.distances.w1.value.map((w) => w[k]));
      expect(large.distances.slicedW1.value[0][k]).toBeLessThanOrEqual(2 * maxMarginal + 1e-12);
    }
  });
});

describe('Fig. 4 reduced: isotropic Gaussians, non-monotone σ, Δ = 0.5, d = 40', () => {
  it('κ = 0.1 and κ = 0.4 reach two distinct limits in the PDE (FV and characteristics) and in the particles, with matching risks', async () => {
    const d = 40;
    const epsSmall = 1e-5;
    const seeds = 3;
    const result = await runCompare({
      model: { name: 'isotropic-gaussians', delta: 0.5, d, activation: { kind: 'piecewise-linear', knots: [0, 0.5, 1.5], values: [-2.5, -4, 7.5] } },
      init: { kind: 'gaussian', scale: 0.4 },
      saveTimes: [0, 0.1, 0.25, 0.5, 1, 2],
      grid: { rMax: 4, cells: 2000 },
      particles: { n: 200, epsilon: 2e-5, seeds },
      variants: [
        { label: 'κ = 0.1', init: { scale: 0.1 }, saveTimes: [0, 0.05, 0.1, 0.2, 0.5], particles: { epsilon: epsSmall } },
        { label: 'κ = 0.4' },
      ],
      curveSteps: 0,
      seed: 5,
    }, {}, { workers: 2 });
    const [low, high] = result.runs as [RunComparison, RunComparison];
    for (const r of [low, high]) {
      // finite volumes: mass conserved, positive; characteristics agree (FV O(h) at the r = 0 pile-up below)
      const fv = r.pde.fv!;
      for (const m of fv.mass) expect(Math.abs(m - 1)).toBeLessThan(1e-12);
      for (const m of fv.minMass) expect(m).toBeGreaterThanOrEqual(0);
      expect(r.pde.check).not.toBeNull();
    }
    const h = 4 / 2000;
    const k1 = low.times.length - 1;
    const k2 = high.times.length - 1;
    // κ = 0.1: every unit collapses into r = 0, where ŷ ≡ σ(0) = −2.5: R = ((1 + 2.5)² + (1 − 2.5)²)/2 = 7.25 exactly
    expect(Math.abs(low.pde.check!.risk[k1] - 7.25)).toBeLessThan(1e-9);
    expect(low.pde.check!.means[0][k1]).toBeLessThan(1e-12);
    // the FV mass sits in the first cell, at r = h/2: R − 7.25 ≈ R'(0) h/2 with R'(0) = 1.197 (3.5 τ+ + 1.5 τ−) = 7.18
    const dR = 1.197 * (3.5 * 1.5 + 1.5 * 0.5);
    expect(Math.abs(low.pde.risk[k1] - 7.25 - (dR * h) / 2)).toBeLessThan(0.2 * (dR * h) / 2);
    // κ = 0.4: a low-risk limit, FV and characteristics agree to the grid error
    expect(high.pde.risk[k2]).toBeLessThan(0.1);
    expect(high.pde.check!.maxRiskDiff).toBeLessThan(1e-3);
    expect(high.pde.check!.maxMeanDiff[0]).toBeLessThan(1e-3);
    // particles: the same two limits
    expect(low.particles.risk[k1]).toBeGreaterThan(7.2);
    expect(high.particles.risk[k2]).toBeLessThan(0.15);
    // κ = 0.4 matches within the spread and the O(1/N) size (C1/N = i.i.d. value; the trained bias is below it)
    for (let k = 1; k <= k2; k++) {
      const se = high.particles.riskStd[k] / Math.sqrt(seeds);
      expect(Math.abs(high.gap[k])).toBeLessThan(4 * se + high.iidBias![k]);
      // Mean r: from t = 0.5 on within 4 se and 3e-3 of the PDE. At t = 0.1 and 0.25 the particles sit 0.011 and 0.005
      // above it (known, unexplained): the gap is the same at N = 200 and 800 with 8 seeds (so not O(1/N)), and the FV
      // mean equals the characteristics' to 1e-5 (so not the grid); only its size is bounded here.
      const meanGap = Math.abs(high.particles.means[0][k] - high.pde.means[0][k]);
      if (high.times[k] >= 0.5) expect(meanGap).toBeLessThan(4 * high.particles.unitStds[0][k] / Math.sqrt(200 * seeds) + 3e-3);
      else expect(meanGap).toBeLessThan(0.02);
    }
    // κ = 0.1: SGD noise keeps the collapsed units at the Itô floor r* = ε E[res² σ'² |x|²] / ψ'(0+) = 17.45 ε d
    // (res² = 12.25 or 2.25, σ'² = 9 on half the samples, |x|² = d τ², ψ'(0+) = 3.59); the risk sits R'(0) r̄ above 7.25
    const rStar = 17.45 * epsSmall * d;
    const rBar = low.particles.means[0][k1];
    expect(rBar).toBeGreaterThan(0.8 * rStar);
    expect(rBar).toBeLessThan(1.25 * rStar);
    const seLow = low.particles.riskStd[k1] / Math.sqrt(seeds);
    expect(Math.abs(low.particles.risk[k1] - 7.25 - dR * rBar)).toBeLessThan(4 * seLow + 0.15 * dR * rBar);
  });
});
