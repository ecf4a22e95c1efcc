import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { leastSquares, mean, standardError } from '../../src/diagnostics/stats.ts';
import { POLL_MS, runEngine, simulate, type Engine, type SgdOptions } from '../../src/particles/sgd.ts';
import { Rng } from '../../src/rng.ts';
import { freeModel, teacherReluModel } from './helpers/toy-models.ts';
import { hardTanhModel } from './helpers/hard-tanh-model.ts';
import { referenceSgd } from './helpers/reference-sgd.ts';
import { centralDifference } from '../helpers/finite-differences.ts';

const gaussian = (scale: number) => ({ kind: 'gaussian' as const, scale });

describe('SGD engine = the documented update (plain reference implementation)', () => {
  const model = hardTanhModel({ d: 7 });
  it.each([
    { batch: 1, trainA: false, trainB: false, lambda: 0, beta: Infinity },
    { batch: 3, trainA: true, trainB: true, lambda: 0, beta: Infinity },
    { batch: 5, trainA: true, trainB: true, lambda: 0.3, beta: 50 },
  ])('B=$batch trainA=$trainA trainB=$trainB λ=$lambda β=$beta: 60 steps agree to rounding', (c) => {
    const n = 13;
    const epsilon = 0.02;
    const steps = 60;
    const run = simulate(model, {
      n, epsilon, batch: c.batch, trainA: c.trainA, trainB: c.trainB,
      init: { w: gaussian(1.5), a: 0.7, b: 0.1 },
      noise: { beta: c.beta, lambda: c.lambda },
      saveTimes: [steps * epsilon], seed: 3, stream: 2, returnState: true,
    });
    expect(run.stepsDone).toBe(steps);
    const ref = referenceSgd(model, {
      n, scale: 1.5, a0: 0.7, b0: 0.1, epsilon, batch: c.batch, steps,
      trainA: c.trainA, trainB: c.trainB, lambda: c.lambda, noiseFactor: c.beta === Infinity ? 0 : 4 / c.beta, seed: 3, stream: 2,
    });
    const s = run.state!;
    for (let k = 0; k < ref.w.length; k++) expect(s.w[k]).toBeCloseTo(ref.w[k], 11);
    for (let i = 0; i < n; i++) {
      expect(s.a[i]).toBeCloseTo(ref.a[i], 11);
      expect(s.b[i]).toBeCloseTo(ref.b[i], 11);
    }
    // The flat parts of σ are hit (so the skip of σ' = 0 units is exercised): on a fresh input,
    // a good share of units sits outside (−1, 1).
    const x = new Float64Array(7);
    model.sampleData(new Rng(1), x);
    let flat = 0;
    for (let i = 0; i < n; i++) {
      let z = s.b[i];
      for (let j = 0; j < 7; j++) z += s.w[i * 7 + j] * x[j];
      if (model.activation.derivative(z) === 0) flat++;
    }
    expect(flat).toBeGreaterThanOrEqual(2);
  });
});

describe('piecewise-linear σ evaluated in the wasm kernel = value/derivative calls', () => {
  it.each([1, 4])('hard tanh, B=%i, trainA and trainB: same trajectory to rounding', (batch) => {
    const opts: SgdOptions = {
      n: 11, epsilon: 0.02, batch, trainA: true, trainB: true, init: { w: gaussian(1.5), a: 0.7, b: 0.1 },
      saveTimes: [0.8], seed: 8, returnState: true,
    };
    const generic = simulate(hardTanhModel({ d: 6 }), opts).state!;
    const kernel = simulate(hardTanhModel({ d: 6, piecewise: true }), opts).state!;
    for (let k = 0; k < generic.w.length; k++) expect(kernel.w[k]).toBeCloseTo(generic.w[k], 11);
    for (let i = 0; i < 11; i++) {
      expect(kernel.a[i]).toBeCloseTo(generic.a[i], 11);
      expect(kernel.b[i]).toBeCloseTo(generic.b[i], 11);
    }
  });

  it('an invalid piecewise-linear description is a ConfigError naming the field', () => {
    const model = hardTanhModel({ d: 3 });
    const bad = { ...model, activation: { ...model.activation, piecewiseLinear: { knots: [1, 0], values: [0, 1], leftSlope: 0, rightSlope: 0 } } };
    expect(() => simulate(bad, { n: 2, epsilon: 0.1, init: { w: gaussian(1) }, saveTimes: [0.1], seed: 1 })).toThrow(/model\.activation\.piecewiseLinear\.knots\[1\]/);
  });
});

describe('reproducibility and bookkeeping', () => {
  const model = hardTanhModel({ d: 6 });
  const base: SgdOptions = { n: 10, epsilon: 0.01, init: { w: gaussian(1) }, saveTimes: [0, 0.05, 0.3], seed: 9, trainA: true };

  it('same seed → bit-identical snapshots; another stream differs', () => {
    const a = simulate(model, base);
    const b = simulate(model, base);
    expect(b.snapshots.map((s) => Array.from(s.reduced))).toEqual(a.snapshots.map((s) => Array.from(s.reduced)));
    const c = simulate(model, { ...base, stream: 1 });
    expect(Array.from(c.snapshots[2].reduced)).not.toEqual(Array.from(a.snapshots[2].reduced));
  });

  it('snapshots at round(t/ε) steps; test risk uses its own stream (training unchanged)', () => {
    const a = simulate(model, { ...base, testSamples: 500 });
    const b = simulate(model, base);
    expect(a.snapshots.map((s) => s.step)).toEqual([0, 5, 30]);
    expect(a.snapshots[1].t).toBeCloseTo(0.05, 15);
    expect(a.snapshots.map((s) => Array.from(s.reduced))).toEqual(b.snapshots.map((s) => Array.from(s.reduced)));
    expect(b.snapshots[0].testRisk).toBeNull();
    expect(a.snapshots[0].testRisk!.samples).toBe(500);
    expect(a.snapshots[0].populationRisk).toBeNull(); // this model has no closed form
  });

  it('slow steps are polled every POLL_MS, not every checkEvery steps (a stop waited 100 steps of a huge-batch network: > 40 s)', () => {
    const busy = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    let stepped = 0;
    const engine: Engine = {
      saveSteps: [0, 1000],
      totalSteps: 1000,
      checkEvery: 100,
      state: { w: new Float64Array(0), a: new Float64Array(0), b: new Float64Array(0) } as unknown as Engine['state'],
      step: () => {
        stepped++;
        busy(POLL_MS / 4);
      },
      observe: (t, step) => ({ requestedTime: t, step, t, reduced: new Float64Array(0) }) as unknown as ReturnType<Engine['observe']>,
    };
    const run = runEngine(engine, { name: 'slow', dimension: 1, reducedNames: [] }, { n: 1, epsilon: 1e-3, saveTimes: [0, 1], seed: 1 }, { shouldStop: () => true });
    expect(run.completed).toBe(false);
    expect(stepped).toBeLessThanOrEqual(5); // the first poll comes after ~POLL_MS, i.e. ~4 steps, not at step 100
    expect(run.stoppedAt!.step).toBe(stepped);
  });

  it('shouldStop interrupts at a check, keeps the completed save times, reports progress', () => {
    const seen: number[] = [];
    const run = simulate(model, { ...base, saveTimes: [0, 0.05, 0.3, 1], checkEvery: 10 }, {
      onProgress: (p) => seen.push(p.step),
      shouldStop: () => seen.length >= 2,
    });
    expect(run.completed).toBe(false);
    expect(run.stoppedAt).toEqual({ step: 20, t: 20 * 0.01 });
    expect(run.stepsDone).toBe(20);
    expect(run.snapshots.map((s) => s.step)).toEqual([0, 5]);
    expect(seen).toEqual([10, 20]);
    const full = simulate(model, { ...base, saveTimes: [0, 0.05, 0.3, 1], checkEvery: 10 });
    expect(full.completed).toBe(true);
    expect(full.stoppedAt).toBeNull();
    expect(Array.from(full.snapshots[1].reduced)).toEqual(Array.from(run.snapshots[1].reduced));
  });

  it('bad input → ConfigError naming the field', () => {
    const bad: Array<[Partial<SgdOptions>, string]> = [
      [{ n: 0 }, 'particles.n'],
      [{ epsilon: -1 }, 'particles.epsilon'],
      [{ batch: 1.5 }, 'particles.batch'],
      [{ saveTimes: [0.2, 0.1] }, 'saveTimes[1]'],
      [{ saveTimes: [] }, 'saveTimes'],
      [{ noise: { beta: -1, lambda: 0 } }, 'particles.noise.beta'],
      [{ noise: { beta: 1, lambda: 0, convention: 'x' as never } }, 'particles.noise.convention'],
      [{ init: { w: gaussian(-1) } }, 'particles.init.w.scale'],
      [{ algorithm: 'gd' }, 'particles.algorithm'],
      [{ stream: 2 ** 31 }, 'particles.stream'],
    ];
    for (const [patch, fieldName] of bad) {
      let err: unknown;
      try {
        simulate(model, { ...base, ...patch });
      } catch (e) {
        err = e;
      }
      expect(err, fieldName).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe(fieldName);
    }
  });
});

describe('teacher-relu toy model: closed forms', () => {
  const model = teacherReluModel({ d: 5, teacherNorm: 1.3 });
  const opts: SgdOptions = { n: 12, epsilon: 0.01, init: { w: gaussian(1), a: 0.8 }, saveTimes: [0, 0.5], seed: 4, trainA: true, testSamples: 20000, returnState: true };
  const run = simulate(model, opts);

  it('exact population risk = Monte Carlo test risk within 4 standard errors (t = 0 and after training)', () => {
    for (const s of run.snapshots) {
      expect(Math.abs(s.populationRisk! - s.testRisk!.mean)).toBeLessThan(4 * s.testRisk!.stdError);
    }
  });

  it('population gradient = (N/2) ∇R_N by central differences', () => {
    const { n, d, w, a, b } = run.state!;
    const gw = new Float64Array(n * d);
    const ga = new Float64Array(n);
    const gb = new Float64Array(n);
    model.populationGradient!(w, a, b, n, gw, ga, gb);
    const h = 1e-6;
    const R = () => model.populationRisk!(w, a, b, n);
    for (const k of [0, 7, 23, n * d - 1]) expect((n / 2) * centralDifference(w, k, h, R)).toBeCloseTo(gw[k], 6);
    for (const i of [0, 5, n - 1]) expect((n / 2) * centralDifference(a, i, h, R)).toBeCloseTo(ga[i], 6);
  });
});

describe('small step size: SGD → gradient flow', () => {
  // Replica k of SGD and of the reference flow start from the same units (same seed and stream).
  // The flow is GD with a step 10x below the smallest SGD step (its own O(ε) error is ~1e-3 in θ,
  // i.e. ~1e-6 in the squared distance, far below what is measured).
  const model = teacherReluModel({ d: 4 });
  const base: SgdOptions = { n: 16, init: { w: gaussian(1) }, saveTimes: [0.5], trainA: true, returnState: true, epsilon: 1, seed: 1 };
  const K = 48;
  const flow = Array.from({ length: K }, (_, k) => simulate(model, { ...base, epsilon: 2.5e-4, algorithm: 'gd', stream: k }).state!);

  it('mean squared distance to the flow at t = 0.5 scales like ε¹ (fluctuations √ε per unit)', () => {
    const eps = [0.02, 0.01, 0.005, 0.0025];
    const msd = eps.map((epsilon) => {
      const per = flow.map((ref, k) => {
        const s = simulate(model, { ...base, epsilon, stream: k }).state!;
        let sum = 0;
        for (let j = 0; j < s.w.length; j++) sum += (s.w[j] - ref.w[j]) ** 2;
        for (let i = 0; i < s.n; i++) sum += (s.a[i] - ref.a[i]) ** 2;
        return sum / s.n;
      });
      return { m: mean(per), se: standardError(per) };
    });
    // Weighted fit log msd = p log ε + c, with σ(log msd) ≈ se/m.
    const fit = leastSquares(eps.map((e) => [Math.log(e), 1]), msd.map((v) => Math.log(v.m)), msd.map((v) => (v.m / v.se) ** 2));
    const [p] = fit.coefficients;
    expect(Math.abs(p - 1)).toBeLessThan(4 * fit.standardErrors[0]);
    expect(fit.standardErrors[0]).toBeLessThan(0.15); // the test has power to see p = 1/2 or 0
  });

  it('GD is a first-order scheme for the flow: the gap to the reference halves with ε', () => {
    const gap = (epsilon: number) => {
      const s = simulate(model, { ...base, epsilon, algorithm: 'gd', stream: 0 }).state!;
      let sum = 0;
      for (let j = 0; j < s.w.length; j++) sum += (s.w[j] - flow[0].w[j]) ** 2;
      return Math.sqrt(sum);
    };
    const g1 = gap(0.004);
    const g2 = gap(0.002);
    // Richardson: e(ε) − e(ε_ref) ∝ ε − ε_ref, so the ratio is (4 − 0.25)/(2 − 0.25).
    expect(g1 / g2).toBeCloseTo(3.75 / 1.75, 1);
  });
});

describe('noisy SGD with no data term = discretised Ornstein–Uhlenbeck (reduced-models/isotropic-gaussians/README.md §4.2–4.3)', () => {
  // θ ← κθ + η g with κ = 1 − 2λε, η² = cε/β (c = 4 'pde', 2 'mmn-eq11'): from θ = 0,
  // E|θ_k|² = d η² (1 − κ^{2k}) / (1 − κ²) → c d / (4βλ(1 − λε)) ≈ d/(βλ) resp. d/(2βλ).
  const d = 10;
  const beta = 10;
  const lambda = 1;
  const epsilon = 0.005;
  const T = 2.5;
  const n = 2000;
  it.each([
    ['pde', 4, d / (beta * lambda)],
    ['mmn-eq11', 2, d / (2 * beta * lambda)],
  ] as const)('%s convention: E|θ|² matches the exact recursion and ≈ its limit', (convention, c, limit) => {
    const run = simulate(freeModel({ d }), {
      n, epsilon, init: { w: gaussian(0) }, noise: { beta, lambda, convention }, saveTimes: [T], seed: 5,
    });
    const r2 = Array.from(run.snapshots[0].reduced, (r) => r * r);
    const kappa = 1 - 2 * lambda * epsilon;
    const steps = Math.round(T / epsilon);
    const exact = (d * (c * epsilon / beta) * (1 - kappa ** (2 * steps))) / (1 - kappa * kappa);
    expect(Math.abs(mean(r2) - exact)).toBeLessThan(4 * standardError(r2));
    // The recursion's own bias against the continuous-time limit is a factor 1/(1 − λε) (0.5 % here).
    expect(exact / limit).toBeCloseTo(1 / (1 - lambda * epsilon), 4);
    // And the two conventions are told apart with a wide margin (relative SE ≈ √(2/(dN)) = 1 %).
    expect(standardError(r2) / mean(r2)).toBeLessThan(0.02);
  });
});
