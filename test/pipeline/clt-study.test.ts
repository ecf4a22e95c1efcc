/**
 * CLT study and fluctuations job (CLT issue items 3–5). Fixed seeds; every statistical tolerance is
 * stated in units of the sampling error of the measured quantity:
 *  - a std over K replicas has sampling error ≈ std/√(2(K−1)) (≈ 18 % at K = 16);
 *  - a mean has standard error std/√K.
 * Small ensembles (K = 16, N ≤ 400, t ≤ 0.5) keep the file well under a minute on 2 shared cores.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { predictFromRun } from '../../src/clt/predict.ts';
import { ConfigError } from '../../src/errors.ts';
import { toJson } from '../../src/io/output.ts';
import { writeResult } from '../../src/io/result.ts';
import {
  assemblePrediction,
  cltStudyReport,
  ensembleSeed,
  parseCltStudySpec,
  runCltStudy,
  runCltStudyFromSpec,
  type CltStudyControl,
  type CltStudyResult,
  type CltStudySettings,
} from '../../src/pipeline/clt-study.ts';
import { fluctuationsReport, predictInWorker, runFluctuations } from '../../src/pipeline/fluctuations.ts';
import { parseSpec, type RunSpec } from '../../src/spec/index.ts';

/** MMN Fig. 1 (examples/mmn-fig1.json) with given save times and extra top-level entries. */
function rawConfig(saveTimes: number[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: { name: 'isotropic-gaussians', delta: 0.8, d: 40, activation: { kind: 'mmn' } },
    init: { kind: 'gaussian', scale: 0.8 },
    grid: { rMax: 8, cells: 400 },
    solver: {},
    saveTimes,
    seed: 20240611,
    ...extra,
  };
}

async function runOf(raw: Record<string, unknown>): Promise<RunSpec> {
  return (await parseSpec(raw)).runs[0];
}

async function study(raw: Record<string, unknown>, control: CltStudyControl & { overrides?: Partial<CltStudySettings> } = {}): Promise<CltStudyResult> {
  return runCltStudyFromSpec(await parseSpec(raw), control);
}

const strip = (r: CltStudyResult) => toJson({ ...r, provenance: null, settings: { ...r.settings, workers: null }, ensembles: r.ensembles.map((e) => ({ ...e, wallMs: null })) });

describe('CLT study: ensembles vs the predicted std (N = 100, 400; ε = 1e-4; K = 16; t ≤ 0.5)', () => {
  let result: CltStudyResult;
  const messages: string[] = [];
  beforeAll(async () => {
    result = await study(rawConfig([0, 0.25, 0.5], { clt: { ns: [100, 400], epsilons: [1e-4], seeds: 16, bootstrap: 400 } }), {
      workers: 2,
      onProgress: (p) => messages.push(p.message),
    });
  });

  it('reports progress and a complete result', () => {
    expect(result.completed).toBe(true);
    expect(result.ensembles.map((e) => [e.n, e.epsilon, e.completedReplicas])).toEqual([
      [100, 1e-4, 16],
      [400, 1e-4, 16],
    ]);
    expect(messages.some((m) => /ensemble 2\/2 \(N = 400, ε = 0.0001\): 16\/16 replicas/.test(m))).toBe(true);
    // each (N, ε) has its own seed, a function of (config seed, N, ε) only
    expect(result.ensembles.map((e) => e.seed)).toEqual([ensembleSeed(20240611, 100, 1e-4), ensembleSeed(20240611, 400, 1e-4)]);
    expect(new Set(result.ensembles.map((e) => e.seed)).size).toBe(2);
  });

  it('measured std agrees with the prediction: every |z| ≤ 3 and ≥ 75 % of cells within 2 sampling errors', () => {
    // 12 cells (2 N × 3 t × {R_N, mean radius}); with a correct prediction each |z| > 2 has probability
    // ≈ 5 %, so ≥ 4 failures of 12 has probability ≈ 0.2 %; |z| > 3 in any cell ≈ 3 %.
    const zs = result.ensembles.flatMap((e) => [...e.risk.z, ...e.meanRadius.z]);
    expect(zs).toHaveLength(12);
    for (const z of zs) expect(Math.abs(z)).toBeLessThanOrEqual(3);
    expect(zs.filter((z) => Math.abs(z) <= 2).length / zs.length).toBeGreaterThanOrEqual(0.75);
    const all = result.summary.groups.find((g) => g.label === 'all cells')!;
    expect(all.cells).toBe(12);
    expect(all.withinTwo).toBe(zs.filter((z) => Math.abs(z) <= 2).length);
  });

  it('the ablation (no nonlocal term) predicts a clearly larger std at t > 0 and its z-scores are much worse', () => {
    const e400 = result.ensembles[1];
    for (const o of [e400.risk, e400.meanRadius]) {
      expect(o.ablationStd[0]).toBe(o.predictedStd[0]); // t = 0: G_0 = f, nothing to ablate
      for (let k = 1; k < 3; k++) expect(o.ablationStd[k] / o.predictedStd[k]).toBeGreaterThan(1.2);
    }
    // R_N at t = 0.25, 0.5: ≥ 1.5× (transport alone overpredicts the variance several-fold)
    expect(e400.risk.ablationStd[1] / e400.risk.predictedStd[1]).toBeGreaterThan(1.5);
    expect(e400.risk.ablationStd[2] / e400.risk.predictedStd[2]).toBeGreaterThan(1.5);
    const late = result.ensembles.flatMap((e) => [e.risk, e.meanRadius].flatMap((o) => [1, 2].map((k) => ({ z: o.z[k], abl: o.ablationZ[k] }))));
    const meanAbs = (x: number[]) => x.reduce((s, v) => s + Math.abs(v), 0) / x.length;
    const full = meanAbs(late.map((c) => c.z));
    const abl = meanAbs(late.map((c) => c.abl));
    // a mean |z| of a correct prediction is ≈ 0.8; the ablation's is > 2 and at least twice the full one
    expect(abl).toBeGreaterThan(2);
    expect(abl).toBeGreaterThan(2 * full);
    expect(late.filter((c) => Math.abs(c.abl) <= 2).length).toBeLessThan(late.filter((c) => Math.abs(c.z) <= 2).length);
  });

  it('t = 0 mean bias: C1/N per ensemble (|z| ≤ 3) and the 1/N fit recovers C1 inside its bootstrap CI', () => {
    const c1 = result.prediction.c1;
    for (const e of result.ensembles) {
      expect(e.risk.predictedMeanShift[0]).toBeCloseTo(c1 / e.n, 14);
      expect(Math.abs(e.risk.biasZ[0]!)).toBeLessThanOrEqual(3);
      expect(Math.abs(e.meanRadius.biasZ[0]!)).toBeLessThanOrEqual(3); // the mean radius is unbiased at t = 0
      expect(e.risk.biasZ[1]).toBeNull(); // not predicted at t > 0
    }
    const fit = result.biasFits.find((f) => f.observable === 'risk' && f.t === 0)!;
    expect(fit.predictedSlope).toBe(c1);
    expect(fit.slope.ci).not.toBeNull();
    expect(fit.slopeInCi).toBe(true);
    // the CI is informative: it excludes 0 (the bias is real) and is narrower than ±C1
    expect(fit.slope.ci![0]).toBeGreaterThan(0);
    expect(fit.slope.ci![1] - fit.slope.ci![0]).toBeLessThan(2 * c1);
    // bootstrap and weighted-LS errors tell the same story (CI half-width within a factor 2 of 1.96 SE)
    const half = (fit.slope.ci![1] - fit.slope.ci![0]) / 2;
    expect(half / (1.96 * fit.slope.se)).toBeGreaterThan(0.5);
    expect(half / (1.96 * fit.slope.se)).toBeLessThan(2);
  });

  it('variance fits: Var = a/N + b with a, b and the predicted values, and the N·Var collapse', () => {
    const fits = result.varianceFits.filter((f) => f.observable === 'risk');
    expect(fits.map((f) => f.t)).toEqual([0, 0.25, 0.5]);
    const t0 = fits[0];
    // t = 0: no SGD noise, Var = Var_init/N exactly: a = Var_init(0), b = 0
    expect(t0.predictedIntercept).toBe(0);
    expect(t0.predictedSlope).toBe(result.prediction.varInitRisk[0]);
    expect(t0.slope.ci![0]).toBeLessThanOrEqual(t0.predictedSlope);
    expect(t0.slope.ci![1]).toBeGreaterThanOrEqual(t0.predictedSlope);
    // collapse = N (Var − ε I_C/B): at t = 0 it is N·Var
    expect(t0.collapse).toEqual(t0.nVar);
    // N·Var / N against std² holds to rounding only (a product and quotient by N, a square root squared)
    for (const f of fits) {
      f.nVar.forEach((v, i) => {
        const variance = result.ensembles[i].risk.std[result.times.indexOf(f.t)] ** 2;
        expect(Math.abs(v / f.ns[i] - variance)).toBeLessThanOrEqual(4 * Number.EPSILON * variance);
      });
    }
  });

  it('writes result.json and a report with the study panels', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clt-study-'));
    try {
      const files = writeResult(dir, result, cltStudyReport(result));
      const json = JSON.parse(readFileSync(files.json, 'utf8'));
      expect(json.kind).toBe('meanfield.clt-study');
      expect(json.ensembles[1].risk.z).toHaveLength(3);
      const html = readFileSync(files.html, 'utf8');
      for (const title of ['measured vs predicted', 'N·Var collapse', 'z-scores', 'Mean bias', 'Healing', 'trustworthy']) expect(html).toContain(title);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('CLT study: reproducibility', () => {
  const tiny = rawConfig([0, 0.1], { clt: { ns: [50, 100], epsilons: [1e-3], seeds: 4, bootstrap: 50 } });

  it('bit-identical results for 1 and 2 workers; an (N, ε) ensemble does not depend on the other entries of the lists', async () => {
    const one = await study(tiny, { workers: 1 });
    const two = await study(tiny, { workers: 2 });
    expect(strip(two)).toBe(strip(one));
    const alone = await study(tiny, { workers: 2, overrides: { ns: [100] } });
    expect(alone.ensembles).toHaveLength(1);
    expect(alone.ensembles[0].risk.perSeed).toEqual(one.ensembles[1].risk.perSeed);
    expect(alone.varianceFits).toEqual([]); // one N: nothing to fit
  });
});

describe('CLT study: interruption', () => {
  it('a stop after the first ensemble keeps it, skips the rest and marks the study incomplete', async () => {
    let stop = false;
    const r = await study(rawConfig([0, 0.1], { clt: { ns: [50, 100], epsilons: [1e-3], seeds: 4, bootstrap: 0 } }), {
      workers: 1,
      onProgress: (p) => {
        // the end of every ensemble is always reported
        if (p.ensemble && p.ensemble.index === 0 && p.ensemble.replicasDone === 4) stop = true;
      },
      shouldStop: () => stop,
    });
    expect(r.completed).toBe(false);
    expect(r.ensembles).toHaveLength(1);
    expect(r.ensembles[0]).toMatchObject({ n: 50, completedReplicas: 4 });
    expect(r.skipped).toEqual([{ n: 100, epsilon: 1e-3 }]);
    expect(r.varianceFits).toEqual([]);
  });
});

describe('assembling the prediction at other N, ε, B', () => {
  it('equals predictFromRun there (std bit for bit)', async () => {
    const run = await runOf(rawConfig([0, 0.1]));
    const base = predictFromRun(run, { n: 100, epsilon: 1e-4 });
    const direct = predictFromRun(run, { n: 700, epsilon: 3e-5, batch: 2 });
    const assembled = assemblePrediction(base, { n: 700, epsilon: 3e-5, batch: 2 }, direct.noise, direct.warnings);
    expect(assembled.predictedStdRisk).toEqual(direct.predictedStdRisk);
    expect(assembled.predictedStdMeanRadius).toEqual(direct.predictedStdMeanRadius);
    expect(assembled.variancePartsRisk).toEqual(direct.variancePartsRisk);
    expect(assembled.meanShiftRisk).toEqual(direct.meanShiftRisk);
    assembled.meanShiftMeanRadius!.forEach((v, k) => expect(v).toBeCloseTo(direct.meanShiftMeanRadius![k], 15));
    expect(assembled.settings).toEqual(direct.settings);
  });
});

describe('fluctuations job', () => {
  let run: RunSpec;
  beforeAll(async () => {
    run = await runOf(rawConfig([0, 0.25], { particles: { n: 400, epsilon: 2e-5 } }));
  });

  it('--json shape: one object with times, varInitRisk, noiseCommonRisk, noiseSameUnitRisk, predictedStdRisk over the save times; same numbers in a worker', async () => {
    const result = runFluctuations(run);
    const json = JSON.parse(toJson(result));
    expect(json.kind).toBe('meanfield.fluctuations');
    expect(json.times).toEqual([0, 0.25]);
    for (const key of ['varInitRisk', 'noiseCommonRisk', 'noiseSameUnitRisk', 'predictedStdRisk', 'pdeRisk', 'predictedStdMeanRadius', 'meanShiftMeanRadius']) {
      expect(json[key], key).toHaveLength(2);
      for (const v of json[key]) expect(Number.isFinite(v), key).toBe(true);
    }
    expect(json.meanShiftRisk).toEqual([json.c1 / 400, null]);
    expect(json.variancePartsRisk.init[1]).toBeCloseTo(json.varInitRisk[1] / 400, 15);
    expect(json.variancePartsRisk.common[1]).toBeCloseTo(2e-5 * json.noiseCommonRisk[1], 15);
    expect(json.settings).toMatchObject({ n: 400, epsilon: 2e-5, batch: 1, nonlocal: true });
    expect(json.warnings).toEqual([]);
    expect(json.provenance.package).toBe('meanfield');
    expect(json.spec.saveTimes).toEqual([0, 0.25]);
    // overrides and the worker path
    const inWorker = await predictInWorker(run, { n: 1600 });
    const direct = runFluctuations(run, { n: 1600 });
    expect(inWorker.predictedStdRisk).toEqual(direct.predictedStdRisk);
    expect(direct.settings.n).toBe(1600);
  });

  it('warns outside the validated regime and writes result.json + report.html', () => {
    const result = runFluctuations(run, { n: 100, epsilon: 1e-3 });
    expect(result.warnings.map((w) => w.code).sort()).toEqual(['linear-noise-regime', 'same-unit-small-n']);
    const dir = mkdtempSync(join(tmpdir(), 'fluct-'));
    try {
      const files = writeResult(dir, result, fluctuationsReport(result));
      expect(existsSync(files.json)).toBe(true);
      const html = readFileSync(files.html, 'utf8');
      expect(html).toContain('Warnings (2)');
      expect(html).toContain('linear-noise-regime');
      expect(html).toContain('parts of the predicted std');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the clt config block', () => {
  const base = rawConfig([0, 0.5, 1], { particles: { n: 400, epsilon: 2e-5, seeds: 60 } });
  const error = async (clt: unknown, overrides = {}) => {
    try {
      parseCltStudySpec(await parseSpec({ ...base, clt }), overrides);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).field;
    }
    return null;
  };

  it('validates every entry and names the field', async () => {
    expect(await error({ ns: [400, 1600], epsilons: [2e-5], seeds: 60, nss: 1 })).toBe('clt.nss');
    expect(await error({ ns: [400, 400], epsilons: [2e-5], seeds: 60 })).toBe('clt.ns[1]');
    expect(await error({ ns: [1.5], epsilons: [2e-5], seeds: 60 })).toBe('clt.ns[0]');
    expect(await error({ ns: [400], epsilons: [0], seeds: 60 })).toBe('clt.epsilons[0]');
    expect(await error({ ns: [400], epsilons: [2e-5], seeds: 2 })).toBe('clt.seeds');
    expect(await error({ ns: [400], epsilons: [2e-5, 1e-4], seeds: 60, horizons: [1] })).toBe('clt.horizons');
    expect(await error({ ns: [400], epsilons: [2e-5], seeds: 60, bootstrap: -1 })).toBe('clt.bootstrap');
    expect(await error([1, 2])).toBe('clt');
    expect(await error({ ns: [400], epsilons: [2e-5], seeds: 60 }, { seeds: 1 })).toBe('clt.seeds');
    expect(await error({ ns: [400], epsilons: [2e-5], seeds: 60 })).toBeNull();
  });

  it('defaults from the particles block and the example spec', async () => {
    const { clt } = parseCltStudySpec(await parseSpec(base), { seeds: 12 });
    expect(clt).toEqual({ ns: [400], epsilons: [2e-5], seeds: 12, horizons: [1], batch: 1, bootstrap: 400 });
    const example = parseCltStudySpec(await parseSpec(JSON.parse(readFileSync(new URL('../../examples/mmn-clt.json', import.meta.url), 'utf8'))));
    expect(example.clt.ns).toContain(400);
    expect(example.clt.ns).toContain(1600);
    expect(example.clt.epsilons).toEqual([2e-5, 1e-4]);
    expect(example.clt.seeds).toBe(60);
    expect(example.run.saveTimes.slice(0, 4)).toEqual([0, 0.25, 0.5, 1]);
  });

  it('runCltStudy rejects models the particles or the prediction cannot run', async () => {
    const settings = { ns: [100], epsilons: [1e-3], seeds: 3 };
    const noisy = await runOf(rawConfig([0, 0.1], { noise: { beta: 10, lambda: 0 } }));
    await expect(runCltStudy(noisy, settings)).rejects.toThrow(/noise/);
    const anisotropic = await runOf({ model: { name: 'anisotropic-gaussians', delta: 0.5, d: 40, s0: 10 }, init: { kind: 'gaussian', scale: 0.8 }, saveTimes: [0, 0.1] });
    await expect(runCltStudy(anisotropic, settings)).rejects.toThrow(expect.objectContaining({ field: 'model.name', message: expect.stringMatching(/the CLT study needs the clt capability/) }));
    const infinite = await runOf({ ...rawConfig([0, 0.1]), model: { name: 'isotropic-gaussians', delta: 0.8, d: 'inf' } });
    await expect(runCltStudy(infinite, settings)).rejects.toThrow(expect.objectContaining({ field: 'model', message: expect.stringMatching(/particle side/) }));
    await expect(study(rawConfig([0, 0.1], { variants: [{ label: 'a' }] }), { overrides: settings })).rejects.toThrow(expect.objectContaining({ field: 'variants' }));
  });
});
