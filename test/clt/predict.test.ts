import { describe, expect, it } from 'vitest';
import { meanRadius, riskObservable } from '../../src/clt/adjoint.ts';
import type { NoiseRates, SgdNoiseModel } from '../../src/clt/noise.ts';
import { cltCapabilityOf, predictClt, predictFluctuations, predictFromRun } from '../../src/clt/predict.ts';
import { mean, std, standardError, stdStandardError } from '../../src/diagnostics/stats.ts';
import { ConfigError } from '../../src/errors.ts';
import { Rng } from '../../src/rng.ts';
import { parseSpec, type RunSpec } from '../../src/spec/index.ts';
import { evaluateSchedule, type StepSchedule } from '../../src/types.ts';
import { separableRadial } from '../../reduced-models/isotropic-gaussians/adapters.ts';
import { isotropicClt } from '../../reduced-models/isotropic-gaussians/clt-capability.ts';
import { IsotropicGaussians } from '../../reduced-models/isotropic-gaussians/index.ts';
import { chiLogDensity, radialQuadrature } from '../../solvers/characteristics.ts';

const model = new IsotropicGaussians({ delta: 0.8, d: 40 });
const constant = { kind: 'constant', value: 1 } as const;

/** The run of a one-run spec. */
async function runOf(json: Record<string, unknown>): Promise<RunSpec> {
  return (await parseSpec(json)).runs[0];
}

/** MMN Fig. 1 with a given particles block and save times (the example spec). */
function fig1Config(particles: Record<string, unknown> | undefined, saveTimes: number[], extra: Record<string, unknown> = {}): Promise<RunSpec> {
  return runOf({
    model: { name: 'isotropic-gaussians', delta: 0.8, d: 40, activation: { kind: 'mmn' } },
    init: { kind: 'gaussian', scale: 0.8 },
    grid: { rMax: 8, cells: 400 },
    solver: {},
    saveTimes,
    ...(particles ? { particles } : {}),
    ...extra,
  });
}

describe('t = 0 Monte Carlo check without SGD (src/clt/README.md, "The result", "The 1/N bias at t = 0")', () => {
  it('std and mean of the exact R_N over draws of N = 400 i.i.d. units match √(Var_init(0)/N) and R + C1/N', async () => {
    const N = 400;
    const d = 40;
    const draws = 240;
    const pred = predictFromRun(await fig1Config({ n: N, epsilon: 1e-5 }, [0]));
    const particles = model.particleModel();
    const rng = new Rng(20240601);
    const w = new Float64Array(N * d);
    const a = new Float64Array(N).fill(1);
    const b = new Float64Array(N);
    const risks: number[] = [];
    const radii: number[] = [];
    for (let k = 0; k < draws; k++) {
      rng.fillNormal(w, 0.8 / Math.sqrt(d));
      risks.push(particles.populationRisk(w, a, b, N));
      let m = 0;
      for (let i = 0; i < N; i++) {
        let s = 0;
        for (let l = i * d; l < (i + 1) * d; l++) s += w[l] * w[l];
        m += Math.sqrt(s);
      }
      radii.push(m / N);
    }
    // std: within 3 sampling errors of a std
    const sR = std(risks);
    expect(Math.abs(sR - pred.predictedStdRisk[0])).toBeLessThan(3 * stdStandardError(sR, draws));
    const sr = std(radii);
    expect(Math.abs(sr - pred.predictedStdMeanRadius[0])).toBeLessThan(3 * stdStandardError(sr, draws));
    // mean: R + C1/N within 3 standard errors, and distinguishable from R alone
    const shift = pred.meanShiftRisk[0]!;
    expect(shift).toBeCloseTo(pred.c1 / N, 15);
    expect(Math.abs(mean(risks) - (pred.pdeRisk[0] + shift))).toBeLessThan(3 * standardError(risks));
    expect(Math.abs(mean(risks) - pred.pdeRisk[0])).toBeGreaterThan(5 * standardError(risks));
    expect(Math.abs(mean(radii) - pred.pdeMeanRadius[0])).toBeLessThan(3 * standardError(radii));
  });
});

describe('assembling the prediction (src/clt/README.md, "Assembly")', () => {
  // a fake noise model with known rates: Var_x Z = 1, VI = 2, Itô pairing Σ P D β(X), β(r) = 1/(1 + r)
  const beta = (r: number) => 1 / (1 + r);
  const fake: SgdNoiseModel = (() => {
    let xs: Float64Array = new Float64Array(0);
    let ps: Float64Array = new Float64Array(0);
    return {
      name: 'fake',
      indicatorFormula: '0',
      linearNoiseIndicator: () => 0,
      prepare(x, p) {
        xs = x;
        ps = p;
      },
      rates(D, out: NoiseRates) {
        out.common = 1;
        out.sameUnit = 2;
        out.meanZ = 0;
        let s = 0;
        for (let j = 0; j < D.length; j++) s += ps[j] * D[j] * beta(xs[j]);
        out.ito = s;
      },
      labelCorrelation: () => 0,
    };
  })();
  const kernel = separableRadial(model, 10);
  const nodes = Float64Array.from([0.5, 0.7, 0.85, 1.0, 1.2]);
  const weights = Float64Array.from([0.1, 0.25, 0.3, 0.25, 0.1]);
  const schedule: StepSchedule = { kind: 'power', t0: 1, alpha: 0.5 };
  const T = 0.6;
  const pred = predictFluctuations({ model: kernel, nodes, weights, schedule }, [0, T], [riskObservable(kernel), meanRadius], { available: true, noise: fake }, { n: 50, epsilon: 1e-3, batch: 2, dt: 5e-3 });

  it('integrates the rates with the factors 4ξ² (ξ² for the Itô drift) over [0, T]', () => {
    // ξ² = 1/(1 + s): I_C = 4 ln(1 + T), I_I = 8 ln(1 + T)
    for (const o of pred.observables) {
      expect(o.noiseCommon![0]).toBe(0);
      expect(o.noiseCommon![1]).toBeCloseTo(4 * Math.log(1 + T), 8);
      expect(o.noiseSameUnit![1]).toBeCloseTo(8 * Math.log(1 + T), 8);
      // parts and std: Var_init/N + ε I_C/B + ε I_I/(N B)
      expect(o.parts.common![1]).toBeCloseTo((1e-3 * o.noiseCommon![1]) / 2, 15);
      expect(o.parts.sameUnit![1]).toBeCloseTo((1e-3 * o.noiseSameUnit![1]) / 100, 15);
      expect(o.parts.init[1]).toBeCloseTo(o.varInit[1] / 50, 15);
      expect(o.predictedStd[1]).toBeCloseTo(Math.sqrt(o.parts.init[1] + o.parts.common![1] + o.parts.sameUnit![1]), 15);
    }
  });

  it('the Itô response J(T) = ∫ ξ² Σ P D β ds is the derivative of Φ_T under the added drift η ξ² β(r)', () => {
    // forward RK4 of dX/dt = −2ξ ψ'(X) + η ξ² β(X), h = 1e-3
    const phiT = (eta: number): number[] => {
      const x = Float64Array.from(nodes);
      const F = kernel.rank;
      const phi = new Float64Array(F);
      const dphi = new Float64Array(F);
      const A = new Float64Array(F);
      const vel = (y: Float64Array, t: number, out: Float64Array) => {
        const xi = evaluateSchedule(schedule, t);
        A.fill(0);
        y.forEach((r, j) => {
          kernel.features(r, phi);
          for (let f = 0; f < F; f++) A[f] += weights[j] * phi[f];
        });
        y.forEach((r, j) => {
          kernel.features(r, phi, dphi);
          let dpsi = kernel.dv(r);
          for (let f = 0; f < F; f++) dpsi += dphi[f] * A[f];
          out[j] = -2 * xi * dpsi + eta * xi * xi * beta(r);
        });
      };
      const n = x.length;
      const k = [0, 1, 2, 3].map(() => new Float64Array(n));
      const tmp = new Float64Array(n);
      const h = 1e-3;
      for (let step = 0, t = 0; step < Math.round(T / h); step++, t += h) {
        vel(x, t, k[0]);
        for (let j = 0; j < n; j++) tmp[j] = x[j] + 0.5 * h * k[0][j];
        vel(tmp, t + h / 2, k[1]);
        for (let j = 0; j < n; j++) tmp[j] = x[j] + 0.5 * h * k[1][j];
        vel(tmp, t + h / 2, k[2]);
        for (let j = 0; j < n; j++) tmp[j] = x[j] + h * k[2][j];
        vel(tmp, t + h, k[3]);
        for (let j = 0; j < n; j++) x[j] += (h / 6) * (k[0][j] + 2 * k[1][j] + 2 * k[2][j] + k[3][j]);
      }
      return [riskObservable(kernel).value(x, weights), meanRadius.value(x, weights)];
    };
    const eta = 1e-4;
    const plus = phiT(eta);
    const minus = phiT(-eta);
    pred.observables.forEach((o, i) => {
      const fd = (plus[i] - minus[i]) / (2 * eta);
      expect(Math.abs(o.itoResponse![1] - fd) / Math.abs(fd)).toBeLessThan(1e-6);
    });
  });
});

describe('prediction for the isotropic model', () => {
  const q = radialQuadrature(chiLogDensity(40, 0.8), 8, 2, 15);
  const input = { clt: isotropicClt(model), kernelOrder: 30, nodes: q.nodes, weights: q.weights, schedule: constant, saveTimes: [0, 0.25] };
  const base = predictClt(input, { n: 400, epsilon: 1e-5, dt: 5e-3 });

  it('noise parts scale as ε/B (common) and ε/(N B) (same unit); Var_init does not depend on ε, B, N', () => {
    const other = predictClt(input, { n: 100, epsilon: 3e-5, batch: 4, dt: 5e-3 });
    for (const key of ['variancePartsRisk', 'variancePartsMeanRadius'] as const) {
      const p0 = base[key];
      const p1 = other[key];
      expect(p1.common![1] / p0.common![1]).toBeCloseTo(3 / 4, 12);
      expect(p1.sameUnit![1] / p0.sameUnit![1]).toBeCloseTo((3 / 4) * 4, 12);
      expect(p1.init[1] / p0.init[1]).toBeCloseTo(4, 12);
      expect(p0.common![1]).toBeGreaterThan(0);
    }
    expect(other.meanShiftMeanRadius![1] / base.meanShiftMeanRadius![1]).toBeCloseTo(3 / 4, 12);
    expect(base.noiseCommonRisk).toEqual(other.noiseCommonRisk);
    expect(base.meanShiftMeanRadius![0]).toBe(0);
    expect(base.meanShiftMeanRadius![1]).toBeGreaterThan(0); // the Itô drift pushes radii outward
  });

  it('noise integrals converge in the time step (5e-3 vs 2.5e-3: 1e-6 relative)', () => {
    const fine = predictClt(input, { n: 400, epsilon: 1e-5, dt: 2.5e-3 });
    for (const key of ['noiseCommonRisk', 'noiseSameUnitRisk', 'noiseCommonMeanRadius', 'noiseSameUnitMeanRadius'] as const) {
      expect(Math.abs(fine[key]![1] - base[key]![1]) / fine[key]![1]).toBeLessThan(1e-6);
    }
  });

  it('is JSON-serialisable as is, with the required fields', () => {
    const round = JSON.parse(JSON.stringify(base));
    expect(round).toEqual(base);
    for (const key of ['times', 'varInitRisk', 'noiseCommonRisk', 'noiseSameUnitRisk', 'predictedStdRisk', 'varInitMeanRadius', 'noiseCommonMeanRadius', 'noiseSameUnitMeanRadius', 'predictedStdMeanRadius'] as const) {
      expect(Array.isArray(base[key])).toBe(true);
      expect((base[key] as number[]).length).toBe(2);
    }
    expect(base.warnings).toEqual([]);
    expect(base.meanShiftRisk[1]).toBeNull();
  });
});

describe('predictFromRun: warnings and errors', () => {
  it('warns outside the linear-noise regime, at small N, and at the separatrix', async () => {
    // kick size 2 m τ+² d ε = 0.52 > 0.3 at ε = 2e-4 (0.26 at 1e-4: inside the regime)
    const pred = predictFromRun(await fig1Config({ n: 100, epsilon: 2e-4 }, [0, 0.1]), { separatrixTime: 0.1, dt: 5e-3 });
    expect(pred.warnings.map((w) => w.code).sort()).toEqual(['linear-noise-regime', 'same-unit-small-n', 'separatrix']);
    expect(pred.noise).toMatchObject({ available: true, linearNoiseIndicator: 2 * 10 * 1.8 ** 2 * 40 * 2e-4 });
    const quiet = predictFromRun(await fig1Config({ n: 400, epsilon: 1e-5 }, [0, 0.1]), { dt: 5e-3 });
    expect(quiet.warnings).toEqual([]);
  });

  it('d = inf: no noise closed forms; the std is the initial-condition part and says so', async () => {
    const run = await runOf({
      model: { name: 'isotropic-gaussians', delta: 0.8, d: 'inf' },
      init: { kind: 'gaussian', scale: 0.8 },
      grid: { rMax: 8, cells: 400 },
      saveTimes: [0, 0.2],
      particles: { n: 400, epsilon: 1e-5 },
    });
    const pred = predictFromRun(run, { dt: 5e-3 });
    expect(pred.noise.available).toBe(false);
    expect(pred.noiseCommonRisk).toBeNull();
    expect(pred.meanShiftMeanRadius).toBeNull();
    expect(pred.warnings.map((w) => w.code)).toEqual(['noise-unavailable']);
    expect(pred.predictedStdRisk[1]).toBeCloseTo(Math.sqrt(pred.varInitRisk[1] / 400), 15);
  });

  it('rejects what the CLT does not cover, naming the field', async () => {
    const particles = { n: 400, epsilon: 1e-5 };
    const cases: [RunSpec, Parameters<typeof predictFromRun>[1], string][] = [
      [await fig1Config(undefined, [0]), {}, 'particles'],
      [await fig1Config(particles, [0], { noise: { beta: 10, lambda: 1 } }), {}, 'noise'],
      [await fig1Config({ ...particles, trainA: true }, [0]), {}, 'particles.trainA'],
      [await fig1Config(particles, [0]), { n: 0 }, 'particles.n'],
      [await fig1Config(particles, [0]), { batch: 1.5 }, 'particles.batch'],
      [await fig1Config(particles, [0, 1, Math.SQRT2]), {}, 'saveTimes'],
      [await fig1Config(particles, [0], { init: { kind: 'density', values: [1, 1, 1, 1] }, grid: { rMax: 8, cells: 4 } }), {}, 'init.kind'],
      [await fig1Config(particles, [0], { init: { kind: 'uniform', lo: 1, hi: 0.5 } }), {}, 'init.hi'],
      [await fig1Config(particles, [0], { grid: undefined }), {}, 'grid'],
    ];
    for (const [run, overrides, field] of cases) {
      let error: unknown;
      try {
        predictFromRun(run, overrides);
      } catch (e) {
        error = e;
      }
      expect(error, field).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe(field);
    }
  });

  it('a stop abandons the prediction with an Error named Interrupted', async () => {
    const run = await fig1Config({ n: 400, epsilon: 1e-5 }, [0, 0.1]);
    let polls = 0;
    expect(() => predictFromRun(run, { dt: 5e-3 }, { shouldStop: () => ++polls > 3 })).toThrow(expect.objectContaining({ name: 'Interrupted' }));
    expect(polls).toBe(4);
  });

  it('a model without the clt capability is a ConfigError naming the capability and the model', async () => {
    const run = await runOf({
      model: { name: 'anisotropic-gaussians', delta: 0.5, d: 40, s0: 10 },
      init: { kind: 'gaussian', scale: 0.8 },
      saveTimes: [0],
      particles: { n: 400, epsilon: 1e-5 },
    });
    expect(run.model.capabilities?.clt).toBeUndefined();
    let error: unknown;
    try {
      predictFromRun(run);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('model.name');
    expect((error as ConfigError).message).toMatch(/needs the clt capability; model "anisotropic-gaussians" .* has none/);
    expect(() => cltCapabilityOf({ ...run.model, capabilities: { clt: { kernel: () => null } } })).toThrow(/an incomplete one/);
  });
});
