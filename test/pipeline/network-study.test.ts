import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWidths, runWidthStudy, widthStudyLines, writeWidthStudyOutputs } from '../../src/pipeline/network-study.ts';
import { parseSpec } from '../../src/spec/index.ts';

const base = {
  model: { name: 'mnist-two-layer', evalSamples: 100, track: { pixels: [[14, 14], [0, 0]], classes: [3] } },
  init: {},
  saveTimes: [0, 1],
  particles: { n: 10, stepSize: { gamma: 1, beta: 0.75 }, batch: 10 },
  widths: { ns: [10, 20, 40], seeds: 3, bootstrap: 30 },
  seed: 4,
};

describe('width study of a particle-only model', () => {
  it('gives every width its metrics, laws and W1 to the largest, the same for any worker count', async () => {
    const spec = await parseSpec(base);
    const a = await runWidthStudy(spec, { workers: 0 });
    const b = await runWidthStudy(spec, { workers: 2 });
    // everything but the timings
    const strip = (r: typeof a) => JSON.stringify({ ...r, provenance: null }).replace(/"stepsMs":[0-9.e+-]+/g, '');
    expect(strip(a)).toBe(strip(b));
    const run = a.runs[0];
    expect(run.perWidth.map((w) => w.n)).toEqual([10, 20, 40]);
    for (const w of run.perWidth) {
      expect(w.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(w.testAccuracy).toBeLessThanOrEqual(1);
      expect(Number.isFinite(w.testLoss)).toBe(true);
    }
    // ε = γ N^{β−1}: round(1 / 10^{−1/4}) steps at N = 10
    expect(run.widths[0].steps).toBe(Math.round(1 / 10 ** -0.25));
    expect(run.w1ToLargest).toHaveLength(3);
    expect(run.w1ToLargest[0]).toHaveLength(2);
    // the border pixel never moves: both widths' laws are the initial U(±1/28), W1 only sampling noise
    expect(run.warnings.join()).toMatch(/pixel \(0, 0\) is 0 in every training image/);
    expect(run.slicedW1Fit.interval).not.toBeNull();
    for (const h of run.histograms) for (const d of h.density) expect(d.reduce((s, x) => s + x, 0) * (h.edges[1] - h.edges[0])).toBeCloseTo(1, 12);
  });

  it('from a fixed initialisation, one unit spreads across seeds for β = 1 and much less for β = 0.75 at large N (De Bortoli Fig. 2)', async () => {
    const spec = await parseSpec({
      ...base,
      model: { name: 'mnist-two-layer', evalSamples: 50, track: { pixels: [[14, 14]], classes: [] } },
      init: { u: { kind: 'fixed', value: 0.01 }, a: { kind: 'fixed', value: 0.01 } },
      saveTimes: [0, 10],
      particles: { n: 100, stepSize: { gamma: 1, beta: 0.75 }, batch: 100 },
      widths: { ns: [100, 10000], seeds: 16, bootstrap: 0 },
      variants: [{ label: 'β = 0.75' }, { label: 'β = 1', particles: { n: 100, stepSize: { gamma: 1, beta: 1 }, batch: 100 } }],
    });
    const result = await runWidthStudy(spec, { workers: 0 });
    const [slow, fixed] = result.runs.map((r) => r.unitAcrossSeeds[0].std.map((row) => row[1]));
    // std of a std from K = 16 seeds: relative error ≈ 1/√(2(K − 1)) ≈ 0.18, so a log-ratio of two has ≈ 0.26
    const logSe = Math.SQRT2 / Math.sqrt(2 * 15);
    // β = 1: the step γ does not depend on N (equal units: the same dynamics at every width)
    expect(Math.abs(Math.log(fixed[1] / fixed[0]))).toBeLessThan(3 * logSe);
    // β = 0.75: the step N^(−1/4) shrinks the noise; at N = 10^4 the spread is well below β = 1's
    expect(Math.log(slow[1] / fixed[1])).toBeLessThan(Math.log(0.5) - 1 * logSe);
    expect(slow[1]).toBeLessThan(slow[0]);
  });
});

describe('W1 of every run to a reference run (De Bortoli Fig. 3)', () => {
  const fig3 = {
    ...base,
    model: { name: 'mnist-two-layer', evalSamples: 20, track: { pixels: [[14, 14]], classes: [3] } },
    particles: { n: 10, stepSize: { gamma: 1, beta: 0.75 }, batch: 10 },
    widths: { ns: [8, 16], seeds: 2, bootstrap: 0, reference: 'β = 0.75' },
    variants: [
      { label: 'β = 1, γ = 0.3', particles: { n: 10, stepSize: { gamma: 0.3, beta: 1 }, batch: 10 } },
      { label: 'β = 0.75' },
    ],
  };

  it('is in result.json, finite, and 0 for the reference against itself', async () => {
    const result = await runWidthStudy(await parseSpec(fig3), { workers: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'meanfield-fig3-'));
    try {
      writeWidthStudyOutputs(dir, result);
      const saved = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
      expect(saved.settings.reference).toBe('β = 0.75');
      const [other, reference] = saved.runs;
      expect(reference.w1ToReference).toEqual([[0, 0], [0, 0]]);
      expect(reference.slicedW1ToReference).toEqual([0, 0]);
      for (const row of other.w1ToReference) {
        expect(row).toHaveLength(2);
        for (const w of row) expect(Number.isFinite(w) && w > 0).toBe(true);
      }
      expect(other.slicedW1ToReference.every((w: number) => Number.isFinite(w) && w > 0)).toBe(true);
      expect(widthStudyLines(result).join('\n')).toMatch(/W1 to "β = 0.75" at N = 8, 16/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a reference that is not a run label, naming the field and the labels', async () => {
    const spec = await parseSpec({ ...fig3, widths: { ...fig3.widths, reference: 'β = 0.5' } });
    expect(() => parseWidths(spec)).toThrow(/widths\.reference.*"β = 1, γ = 0\.3", "β = 0\.75".*got "β = 0\.5"/);
  });
});
