/**
 * Throughput of the particle engine's SGD step (src/particles/sgd.ts) on MMN's isotropic-Gaussians
 * setting: σ = −2.5 for t ≤ 0.5, 7.5 for t ≥ 1.5, linear between (MMN Fig. 1); y = ±1 with
 * probability ½, x = (1 ± Δ) g, g ~ N(0, I_d), Δ = 0.8; w_i ~ N(0, 0.8²/d I); a = 1, b = 0 fixed;
 * ε = 2e-5 (small enough at d = 40 for the O(εd) Itô drift, reduced-models/isotropic-gaussians/README.md §7).
 * A step = draw B samples, Z = W Xᵀ, ŷ, and the update of the units with σ' ≠ 0 (MMN eq. 3, batch mean).
 *
 * Each case runs in both precisions (particles.precision "float64" and "float32": f32 W, X, Z and
 * f32x4 kernels, src/particles/kernels-f32.ts).
 *
 * Method: per case, one engine per precision, 0.3 s of warm-up steps each, then `repeats` rounds, each
 * timing a run of ≈ `seconds` in float64 and then in float32 (interleaved, so load from other
 * processes hits both alike); reported per precision: median steps/s (and min/max), and for float32
 * the median over rounds of the per-round ratio float32 / float64. The model is the registered
 * one (reduced-models/isotropic-gaussians, default MMN σ); a step calls only its sampleData, the rest
 * is the engine (σ enters through its piecewise-linear shape).
 *
 * Peers (PyTorch on the same step, interleaved in one run on this machine): `npm run bench:peers`
 * (bench/peers.ts); nothing measured elsewhere is printed here.
 */
import { machineInfo, median } from './timing.ts';
import { ParticleEngine, type Precision } from '../src/particles/sgd.ts';
import { IsotropicGaussians } from '../reduced-models/isotropic-gaussians/index.ts';

export interface SgdBenchCase {
  readonly d: number;
  readonly N: number;
  readonly B: number;
}

export interface SgdBenchResult extends SgdBenchCase {
  readonly precision: Precision;
  /** Median over the repeats. */
  readonly stepsPerSecond: number;
  readonly minStepsPerSecond: number;
  readonly maxStepsPerSecond: number;
  readonly repeats: number;
  readonly stepsPerRepeat: number;
  /** Multiply-adds of the dense product Z = W Xᵀ per second (N·d·B per step), for scale. */
  readonly denseGflops: number;
  /** float32 rows: median over rounds of (float32 steps/s) / (float64 steps/s), timed back to back. */
  readonly speedupVsFloat64?: number;
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
}

export const PRECISIONS: readonly Precision[] = ['float64', 'float32'];

export const SGD_BENCH_CASES: readonly SgdBenchCase[] = [
  { d: 40, N: 800, B: 1 },
  { d: 320, N: 800, B: 1 },
  { d: 40, N: 800, B: 32 },
  { d: 320, N: 800, B: 32 },
  { d: 40, N: 10000, B: 1 },
  { d: 320, N: 10000, B: 1 },
];

/**
 * A warmed-up engine of one case: `time(seconds)` runs ≈ seconds of steps from where the last run
 * left off and returns the rate (shared by the bench and the interleaved peer comparison).
 */
export function sgdStepTimer(c: SgdBenchCase, precision: Precision = 'float64'): { time(seconds: number): { stepsPerSecond: number; steps: number } } {
  const engine = new ParticleEngine(new IsotropicGaussians({ delta: 0.8, d: c.d }).particleModel(), {
    n: c.N, batch: c.B, epsilon: 2e-5, init: { w: { kind: 'gaussian', scale: 0.8 } }, saveTimes: [1], seed: 1, precision,
  });
  let k = 0;
  // Warm-up (JIT, caches), also used to size the timed runs.
  const t0 = performance.now();
  while (performance.now() - t0 < 300) for (let q = 0; q < 10; q++) engine.step(k++);
  const warmRate = k / ((performance.now() - t0) / 1000);
  return {
    time(seconds) {
      const steps = Math.max(10, Math.round(warmRate * seconds));
      const start = performance.now();
      for (let q = 0; q < steps; q++) engine.step(k++);
      return { stepsPerSecond: steps / ((performance.now() - start) / 1000), steps };
    },
  };
}

export async function runSgdBench(options: { repeats?: number; seconds?: number; cases?: readonly SgdBenchCase[] } = {}): Promise<SgdBenchResult[]> {
  const repeats = options.repeats ?? 5;
  const seconds = options.seconds ?? 0.5;
  const results: SgdBenchResult[] = [];
  for (const c of options.cases ?? SGD_BENCH_CASES) {
    const timers = { float64: sgdStepTimer(c, 'float64'), float32: sgdStepTimer(c, 'float32') };
    const runs = { float64: [] as Array<{ stepsPerSecond: number; steps: number }>, float32: [] as Array<{ stepsPerSecond: number; steps: number }> };
    for (let round = 0; round < repeats; round++) for (const p of PRECISIONS) runs[p].push(timers[p].time(seconds));
    const ratios = runs.float32.map((r, k) => r.stepsPerSecond / runs.float64[k].stepsPerSecond);
    for (const p of PRECISIONS) {
      const rates = runs[p].map((r) => r.stepsPerSecond);
      const sps = median(rates);
      results.push({
        ...c,
        precision: p,
        stepsPerSecond: sps,
        minStepsPerSecond: Math.min(...rates),
        maxStepsPerSecond: Math.max(...rates),
        repeats,
        stepsPerRepeat: runs[p][0].steps,
        denseGflops: (sps * c.N * c.d * c.B * 2) / 1e9,
        ...(p === 'float32' ? { speedupVsFloat64: median(ratios) } : {}),
        ...machineInfo(),
      });
    }
  }
  return results;
}
