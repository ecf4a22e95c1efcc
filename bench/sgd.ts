/**
 * Throughput of the particle engine's SGD step (src/particles/sgd.ts) on MMN's isotropic-Gaussians
 * setting: σ = −2.5 for t ≤ 0.5, 7.5 for t ≥ 1.5, linear between (MMN Fig. 1); y = ±1 with
 * probability ½, x = (1 ± Δ) g, g ~ N(0, I_d), Δ = 0.8; w_i ~ N(0, 0.8²/d I); a = 1, b = 0 fixed;
 * ε = 2e-5 (small enough at d = 40 for the O(εd) Itô drift, reduced-models/isotropic-gaussians/README.md §7).
 * A step = draw B samples, Z = W Xᵀ, ŷ, and the update of the units with σ' ≠ 0 (MMN eq. 3, batch mean).
 *
 * Each case runs in four variants: particles.precision "float64" and "float32" (f32 W, X, Z and f32x4
 * kernels, src/particles/kernels-f32.ts), each on one and on two threads (particles.threads 2: a helper
 * thread takes the units ≥ N/2 of the product, the σ pass and the update, same bits).
 *
 * Method: per case, one engine per variant, 0.3 s of warm-up steps each (after its helper thread is up),
 * then `repeats` rounds, each timing a run of ≈ `seconds` in every variant in turn (interleaved, so load
 * from other processes hits them alike); reported per variant: median steps/s (and min/max), and for the
 * other variants the median over rounds of the per-round rate ratio to float64 on one thread, or for two
 * threads to the same precision on one (a ratio
 * survives the drifts of a loaded machine that absolute rates do not). The model is the registered
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
  readonly threads: 1 | 2;
  /** float32 rows: median over the rounds of (this rate / the float64 one-thread rate of the same round). */
  readonly speedupVsFloat64?: number;
  /** Two-thread rows: the same ratio to the one-thread rate of the same precision. */
  readonly ratioToOneThread?: number;
  /** Median over the repeats. */
  readonly stepsPerSecond: number;
  readonly minStepsPerSecond: number;
  readonly maxStepsPerSecond: number;
  readonly repeats: number;
  readonly stepsPerRepeat: number;
  /** Multiply-adds of the dense product Z = W Xᵀ per second (N·d·B per step), for scale. */
  readonly denseGflops: number;
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
 * A warmed-up engine of one case on `threads` threads: `time(seconds)` runs ≈ seconds of steps from where
 * the last run left off and returns the rate (shared by the bench and the interleaved peer comparison);
 * `close()` ends its helper thread.
 */
export function sgdStepTimer(c: SgdBenchCase, precision: Precision = 'float64', threads: 1 | 2 = 1): { time(seconds: number): { stepsPerSecond: number; steps: number }; close(): Promise<void> } {
  const engine = new ParticleEngine(new IsotropicGaussians({ delta: 0.8, d: c.d }).particleModel(), {
    n: c.N, batch: c.B, epsilon: 2e-5, init: { w: { kind: 'gaussian', scale: 0.8 } }, saveTimes: [1], seed: 1, precision, threads,
  });
  let k = 0;
  // Warm-up (JIT, caches, the helper thread's start), also used to size the timed runs.
  let t0 = performance.now();
  let k0 = 0;
  while (engine.runningThreads !== threads || performance.now() - t0 < 300) {
    if (engine.runningThreads !== threads) {
      t0 = performance.now();
      k0 = k;
    }
    for (let q = 0; q < 10; q++) engine.step(k++);
  }
  const warmRate = (k - k0) / ((performance.now() - t0) / 1000);
  return {
    time(seconds) {
      const steps = Math.max(10, Math.round(warmRate * seconds));
      const start = performance.now();
      for (let q = 0; q < steps; q++) engine.step(k++);
      return { stepsPerSecond: steps / ((performance.now() - start) / 1000), steps };
    },
    close: () => engine.close(),
  };
}

export async function runSgdBench(options: { repeats?: number; seconds?: number; cases?: readonly SgdBenchCase[] } = {}): Promise<SgdBenchResult[]> {
  const repeats = options.repeats ?? 5;
  const seconds = options.seconds ?? 0.5;
  const results: SgdBenchResult[] = [];
  for (const c of options.cases ?? SGD_BENCH_CASES) {
    const variants: ReadonlyArray<{ precision: Precision; threads: 1 | 2 }> = ([1, 2] as const).flatMap((threads) => PRECISIONS.map((precision) => ({ precision, threads })));
    const timers = variants.map((v) => sgdStepTimer(c, v.precision, v.threads));
    const runs = variants.map(() => [] as Array<{ stepsPerSecond: number; steps: number }>);
    for (let round = 0; round < repeats; round++) timers.forEach((timer, v) => runs[v].push(timer.time(seconds)));
    await Promise.all(timers.map((timer) => timer.close()));
    variants.forEach((variant, v) => {
      const rates = runs[v].map((r) => r.stepsPerSecond);
      const sps = median(rates);
      const base = runs[variants.findIndex((u) => u.threads === 1 && (variant.threads === 1 || u.precision === variant.precision))];
      const ratio = median(rates.map((rate, round) => rate / base[round].stepsPerSecond));
      results.push({
        ...c,
        ...variant,
        ...(variant.threads === 2 ? { ratioToOneThread: ratio } : variant.precision === 'float32' ? { speedupVsFloat64: ratio } : {}),
        stepsPerSecond: sps,
        minStepsPerSecond: Math.min(...rates),
        maxStepsPerSecond: Math.max(...rates),
        repeats,
        stepsPerRepeat: runs[v][0].steps,
        denseGflops: (sps * c.N * c.d * c.B * 2) / 1e9,
        ...machineInfo(),
      });
    });
  }
  return results;
}
