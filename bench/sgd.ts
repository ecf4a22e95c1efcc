/**
 * Throughput of the particle engine's SGD step (src/particles/sgd.ts) on MMN's isotropic-Gaussians
 * setting: σ = −2.5 for t ≤ 0.5, 7.5 for t ≥ 1.5, linear between (MMN Fig. 1); y = ±1 with
 * probability ½, x = (1 ± Δ) g, g ~ N(0, I_d), Δ = 0.8; w_i ~ N(0, 0.8²/d I); a = 1, b = 0 fixed;
 * ε = 2e-5 (small enough at d = 40 for the O(εd) Itô drift, reduced-models/isotropic-gaussians/README.md §7).
 * A step = draw B samples, Z = W Xᵀ, ŷ, and the update of the units with σ' ≠ 0 (MMN eq. 3, batch mean).
 *
 * Method: per case, 0.3 s of warm-up steps, then `repeats` timed runs of ≈ `seconds` each from
 * where the warm-up left off; reported: median steps/s (and min/max). The model is defined here,
 * not imported from reduced-models/, so the benchmark measures the engine alone.
 *
 * Reference figures on this machine type (measured elsewhere, not runnable here), steps/s:
 *   PyTorch:     (40,800,1) 43k, (320,800,1) 15.5k, (40,800,32) 7.7k, (320,800,32) 1.5k
 *   plain C -O3: 205k, 22k, 11.5k, 1.5k
 */
import { machineInfo, median } from './timing.ts';
import { ParticleEngine } from '../src/particles/sgd.ts';
import type { Rng } from '../src/rng.ts';
import type { Activation, ParticleModel } from '../src/types.ts';

const T1 = 0.5;
const T2 = 1.5;
const S1 = -2.5;
const S2 = 7.5;
const SLOPE = (S2 - S1) / (T2 - T1);

const mmnActivation: Activation = {
  value: (t) => (t <= T1 ? S1 : t >= T2 ? S2 : S1 + SLOPE * (t - T1)),
  derivative: (t) => (t >= T1 && t < T2 ? SLOPE : 0),
  piecewiseLinear: { knots: [T1, T2], values: [S1, S2], leftSlope: 0, rightSlope: 0 },
};

function isotropicGaussians(d: number, delta: number): ParticleModel {
  return {
    name: 'bench-isotropic-gaussians',
    dimension: d,
    activation: mmnActivation,
    reducedNames: ['r'],
    sampleData(rng: Rng, x: Float64Array): number {
      const y = rng.uniform() < 0.5 ? 1 : -1;
      const tau = 1 + y * delta;
      for (let j = 0; j < d; j++) x[j] = tau * rng.normal();
      return y;
    },
    toReduced(w, _a, _b, out) {
      let s = 0;
      for (let j = 0; j < d; j++) s += w[j] * w[j];
      out[0] = Math.sqrt(s);
    },
  };
}

export interface SgdBenchCase {
  readonly d: number;
  readonly N: number;
  readonly B: number;
}

export interface SgdBenchResult extends SgdBenchCase {
  /** Median over the repeats. */
  readonly stepsPerSecond: number;
  readonly minStepsPerSecond: number;
  readonly maxStepsPerSecond: number;
  readonly repeats: number;
  readonly stepsPerRepeat: number;
  /** Multiply-adds of the dense product Z = W Xᵀ per second (N·d·B per step), for scale. */
  readonly denseGflops: number;
  readonly pytorchStepsPerSecond: number | null;
  readonly cStepsPerSecond: number | null;
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
}

export const SGD_BENCH_CASES: readonly SgdBenchCase[] = [
  { d: 40, N: 800, B: 1 },
  { d: 320, N: 800, B: 1 },
  { d: 40, N: 800, B: 32 },
  { d: 320, N: 800, B: 32 },
  { d: 40, N: 10000, B: 1 },
];

const REFERENCE: Record<string, { pytorch: number; c: number }> = {
  '40,800,1': { pytorch: 43000, c: 205000 },
  '320,800,1': { pytorch: 15500, c: 22000 },
  '40,800,32': { pytorch: 7700, c: 11500 },
  '320,800,32': { pytorch: 1500, c: 1500 },
};


export async function runSgdBench(options: { repeats?: number; seconds?: number; cases?: readonly SgdBenchCase[] } = {}): Promise<SgdBenchResult[]> {
  const repeats = options.repeats ?? 5;
  const seconds = options.seconds ?? 0.5;
  const results: SgdBenchResult[] = [];
  for (const c of options.cases ?? SGD_BENCH_CASES) {
    const epsilon = 2e-5;
    const engine = new ParticleEngine(isotropicGaussians(c.d, 0.8), {
      n: c.N, batch: c.B, epsilon, init: { w: { kind: 'gaussian', scale: 0.8 } }, saveTimes: [1], seed: 1,
    });
    let k = 0;
    // Warm-up (JIT, caches), also used to size the timed runs.
    let t0 = performance.now();
    while (performance.now() - t0 < 300) for (let q = 0; q < 10; q++) engine.step(k++);
    const rate = k / ((performance.now() - t0) / 1000);
    const steps = Math.max(10, Math.round(rate * seconds));
    const rates: number[] = [];
    for (let r = 0; r < repeats; r++) {
      t0 = performance.now();
      for (let q = 0; q < steps; q++) engine.step(k++);
      rates.push(steps / ((performance.now() - t0) / 1000));
    }
    const sps = median(rates);
    const ref = REFERENCE[`${c.d},${c.N},${c.B}`];
    results.push({
      ...c,
      stepsPerSecond: sps,
      minStepsPerSecond: Math.min(...rates),
      maxStepsPerSecond: Math.max(...rates),
      repeats,
      stepsPerRepeat: steps,
      denseGflops: (sps * c.N * c.d * c.B * 2) / 1e9,
      pytorchStepsPerSecond: ref?.pytorch ?? null,
      cStepsPerSecond: ref?.c ?? null,
      ...machineInfo(),
    });
  }
  return results;
}
