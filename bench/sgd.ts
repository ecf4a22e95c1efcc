/**
 * Throughput of the particle engine's SGD step (src/particles/sgd.ts) on MMN's isotropic-Gaussians
 * setting: σ = −2.5 for t ≤ 0.5, 7.5 for t ≥ 1.5, linear between (MMN Fig. 1); y = ±1 with
 * probability ½, x = (1 ± Δ) g, g ~ N(0, I_d), Δ = 0.8; w_i ~ N(0, 0.8²/d I); a = 1, b = 0 fixed;
 * ε = 2e-5 (small enough at d = 40 for the O(εd) Itô drift, reduced-models/isotropic-gaussians/README.md §7).
 * A step = draw B samples, Z = W Xᵀ, ŷ, and the update of the units with σ' ≠ 0 (MMN eq. 3, batch mean).
 *
 * Method: per case, 0.3 s of warm-up steps, then `repeats` timed runs of ≈ `seconds` each from
 * where the warm-up left off; reported: median steps/s (and min/max). Each case runs on one thread and
 * on two (particles.threads = 2, same bits), the two engines' timed runs alternating, and the two-thread
 * row also reports the median over the repeats of the per-repeat rate ratio 2 threads / 1 thread (a
 * ratio survives the drifts of a loaded machine that absolute rates do not). The model is the registered
 * one (reduced-models/isotropic-gaussians, default MMN σ); a step calls only its sampleData, the rest
 * is the engine (σ enters through its piecewise-linear shape).
 *
 * Peers (PyTorch on the same step, interleaved in one run on this machine): `npm run bench:peers`
 * (bench/peers.ts); nothing measured elsewhere is printed here.
 */
import { machineInfo, median } from './timing.ts';
import { ParticleEngine } from '../src/particles/sgd.ts';
import { IsotropicGaussians } from '../reduced-models/isotropic-gaussians/index.ts';

export interface SgdBenchCase {
  readonly d: number;
  readonly N: number;
  readonly B: number;
}

export interface SgdBenchResult extends SgdBenchCase {
  readonly threads: 1 | 2;
  /** Two-thread rows: median over the repeats of (this rate / the one-thread rate of the same repeat). */
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

export const SGD_BENCH_CASES: readonly SgdBenchCase[] = [
  { d: 40, N: 800, B: 1 },
  { d: 320, N: 800, B: 1 },
  { d: 40, N: 800, B: 32 },
  { d: 320, N: 800, B: 32 },
  { d: 40, N: 10000, B: 1 },
];

/**
 * A warmed-up engine of one case on `threads` threads: `time(seconds)` runs ≈ seconds of steps from where
 * the last run left off and returns the rate (shared by the bench and the interleaved peer comparison);
 * `close()` ends its helper thread.
 */
export function sgdStepTimer(c: SgdBenchCase, threads: 1 | 2 = 1): { time(seconds: number): { stepsPerSecond: number; steps: number }; close(): Promise<void> } {
  const engine = new ParticleEngine(new IsotropicGaussians({ delta: 0.8, d: c.d }).particleModel(), {
    n: c.N, batch: c.B, epsilon: 2e-5, init: { w: { kind: 'gaussian', scale: 0.8 } }, saveTimes: [1], seed: 1, threads,
  });
  let k = 0;
  // Warm-up (JIT, caches, the helper thread's start), also used to size the timed runs.
  let t0 = performance.now();
  while (engine.runningThreads !== threads || performance.now() - t0 < 300) {
    if (engine.runningThreads !== threads) t0 = performance.now();
    for (let q = 0; q < 10; q++) engine.step(k++);
  }
  const warmRate = k / ((performance.now() - t0) / 1000);
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
    const timers = [sgdStepTimer(c, 1), sgdStepTimer(c, 2)];
    const runs: Array<Array<{ stepsPerSecond: number; steps: number }>> = [[], []];
    for (let r = 0; r < repeats; r++) timers.forEach((timer, t) => runs[t].push(timer.time(seconds)));
    await Promise.all(timers.map((timer) => timer.close()));
    runs.forEach((own, t) => {
      const rates = own.map((r) => r.stepsPerSecond);
      const sps = median(rates);
      results.push({
        ...c,
        threads: t === 0 ? 1 : 2,
        ...(t === 1 ? { ratioToOneThread: median(rates.map((rate, r) => rate / runs[0][r].stepsPerSecond)) } : {}),
        stepsPerSecond: sps,
        minStepsPerSecond: Math.min(...rates),
        maxStepsPerSecond: Math.max(...rates),
        repeats,
        stepsPerRepeat: own[0].steps,
        denseGflops: (sps * c.N * c.d * c.B * 2) / 1e9,
        ...machineInfo(),
      });
    });
  }
  return results;
}
