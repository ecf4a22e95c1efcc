/**
 * Throughput of the finite-volume solver (solvers/finite-volume.ts): SSP-RK2 + MUSCL steps per second
 * on the radial grid of MMN's isotropic-Gaussians model with a separable interaction of rank
 * 2(K/2 + 1) (REDUCED-MODELS §1.2 (ii): K = 8 at d = 320 → rank 10, K = 22 at d = 40 → rank 24), and
 * the interaction apply alone. Features, potential and ρ̄_0 = law of |w|, w ~ N(0, 0.8²/d I), are
 * built here from the closed forms of REDUCED-MODELS §1.1–1.2 (σ piecewise linear, Δ = 0.8), not
 * imported from reduced-models/, so the benchmark measures the solver alone.
 *
 * Method: fixed Δt (half the CFL step at t = 0, so no step is rejected; the count is reported), a
 * warm-up solve, then `repeats` timed solves of `steps` steps each; reported: the median steps/s.
 * A step is two stages: two interaction applies (2·2·rank·M multiply-adds; WebAssembly f64x2,
 * solvers/interaction/separable-kernels.ts), two fused flux + stage-combination passes, one CFL-rate
 * pass and one risk-guard pass (WebAssembly, solvers/flux-wasm.ts). Timings are wall-clock: on a
 * shared machine other processes inflate them (the median of the repeats damps, not removes, that).
 *
 * Reference figures on this machine type (measured elsewhere, not runnable here), plain C -O3:
 * ≈ 350k steps/s for M = 2048, K = 8 and ≈ 65k steps/s for M = 8192, K = 8.
 */
import { availableParallelism, cpus } from 'node:os';
import { Grid } from '../src/grid.ts';
import { initialMass } from '../src/initial.ts';
import { hermitePhiSeries } from '../src/numerics/hermite.ts';
import { normalPdf, normalSf } from '../src/numerics/special.ts';
import type { GridOperators } from '../src/types.ts';
import { SeparableInteraction } from '../solvers/interaction/separable.ts';
import { solve } from '../solvers/finite-volume.ts';

export interface PdeBenchRow {
  /** 'ssprk2-muscl' (a full step) or 'apply' (one interaction apply). */
  readonly case: string;
  readonly M: number;
  readonly K: number;
  readonly rank: number;
  readonly d: number;
  /** Median over the repeats: steps/s, or applies/s for the 'apply' case. */
  readonly stepsPerSecond: number;
  readonly minStepsPerSecond: number;
  readonly maxStepsPerSecond: number;
  /** Nanoseconds per cell and step (or apply). */
  readonly nsPerCell: number;
  readonly stepsPerRepeat: number;
  readonly repeats: number;
  readonly rejectedSteps: number;
  readonly cStepsPerSecond: number | null;
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
}

const T1 = 0.5;
const T2 = 1.5;
const S1 = -2.5;
const SLOPE = 10;
const DELTA = 0.8;
const R_MAX = 4;

/** E σ(qG) (REDUCED-MODELS §1.1). */
function hq(q: number): number {
  if (q === 0) return S1;
  const ramp = (t: number) => q * normalPdf(t / q) - t * normalSf(t / q);
  return S1 + SLOPE * (ramp(T1) - ramp(T2));
}

/** Hermite coefficients c_k(q), k = 0, 2, …, K (REDUCED-MODELS §1.2 (ii)); odd k do not enter u_d. */
function evenCoefficients(q: number, K: number, out: Float64Array, scratch1: Float64Array, scratch2: Float64Array): void {
  out[0] = hq(q);
  if (K < 2) return;
  hermitePhiSeries(T1 / q, K, scratch1);
  hermitePhiSeries(T2 / q, K, scratch2);
  for (let k = 2; k <= K; k += 2) out[k / 2] = (SLOPE * q * (scratch1[k - 2] - scratch2[k - 2])) / Math.sqrt(k * (k - 1));
}

/** Radial operators of the isotropic model on M cells of [0, R_MAX] with kernel truncation K at dimension d. */
export function isotropicOperators(M: number, K: number, d: number): GridOperators {
  const grid = Grid.uniform1d('r', 0, R_MAX, M);
  const r = grid.centres[0];
  const perClass = K / 2 + 1;
  const rank = 2 * perClass;
  const features = new Float64Array(rank * M);
  const potential = new Float64Array(M);
  const c = new Float64Array(perClass);
  const s1 = new Float64Array(K + 1);
  const s2 = new Float64Array(K + 1);
  // cosine moments m_k(d), k even
  const moments = new Float64Array(perClass);
  moments[0] = 1;
  for (let i = 1; i < perClass; i++) moments[i] = (moments[i - 1] * (2 * i - 1)) / (d + 2 * i - 2);
  for (let j = 0; j < M; j++) {
    [1 + DELTA, 1 - DELTA].forEach((tau, cls) => {
      evenCoefficients(tau * r[j], K, c, s1, s2);
      for (let i = 0; i < perClass; i++) features[(cls * perClass + i) * M + j] = Math.sqrt(moments[i] / 2) * c[i];
    });
    potential[j] = 0.5 * (hq((1 - DELTA) * r[j]) - hq((1 + DELTA) * r[j]));
  }
  return { grid, potential, interaction: new SeparableInteraction(features, M, undefined, `separable rank ${rank} (K=${K})`), riskConstant: 1 };
}

export const PDE_BENCH_CASES: readonly { K: number; d: number }[] = [
  { K: 8, d: 320 },
  { K: 22, d: 40 },
];
export const PDE_BENCH_SIZES: readonly number[] = [512, 2048, 8192];

const C_REFERENCE: Record<string, number> = { '2048,8': 350000, '8192,8': 65000 };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function runPdeBench(options: { repeats?: number; steps?: number; sizes?: readonly number[] } = {}): Promise<PdeBenchRow[]> {
  const repeats = options.repeats ?? 5;
  const steps = options.steps ?? 3000;
  const rows: PdeBenchRow[] = [];
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), node: process.version };
  for (const { K, d } of PDE_BENCH_CASES) {
    for (const M of options.sizes ?? PDE_BENCH_SIZES) {
      const operators = isotropicOperators(M, K, d);
      const rank = K + 2;
      const P0 = initialMass(operators.grid, { kind: 'gaussian', scale: 0.8, d }).mass;
      const problem = { operators, initialMass: P0, schedule: { kind: 'constant', value: 1 } as const };
      // half the CFL step at t = 0
      let dt = 0;
      solve(problem, { saveTimes: [1], maxSteps: 1, trackers: [{ handle: (s) => void (dt = s.dt / 2) }] });
      const run = () => solve(problem, { saveTimes: [steps * dt], dt, storeDensity: false });
      run(); // warm-up
      const rates: number[] = [];
      let rejected = 0;
      let done = 0;
      for (let k = 0; k < repeats; k++) {
        const tr = run();
        rates.push(tr.steps / (tr.wallTimeMs / 1000));
        rejected += tr.rejectedSteps;
        done = tr.steps;
      }
      const sps = median(rates);
      rows.push({
        case: 'ssprk2-muscl', M, K, rank, d, stepsPerSecond: sps, minStepsPerSecond: Math.min(...rates), maxStepsPerSecond: Math.max(...rates),
        nsPerCell: 1e9 / (sps * M), stepsPerRepeat: done, repeats, rejectedSteps: rejected, cStepsPerSecond: C_REFERENCE[`${M},${K}`] ?? null, ...machine,
      });

      // the interaction apply alone
      const out = new Float64Array(M);
      const applies = Math.max(1000, Math.round((4e8 / (rank * M)) | 0));
      const applyRates: number[] = [];
      for (let k = 0; k <= repeats; k++) {
        const t0 = performance.now();
        for (let q = 0; q < applies; q++) operators.interaction.apply(P0, out);
        if (k > 0) applyRates.push(applies / ((performance.now() - t0) / 1000)); // k = 0 is the warm-up
      }
      const aps = median(applyRates);
      rows.push({
        case: 'apply', M, K, rank, d, stepsPerSecond: aps, minStepsPerSecond: Math.min(...applyRates), maxStepsPerSecond: Math.max(...applyRates),
        nsPerCell: 1e9 / (aps * M), stepsPerRepeat: applies, repeats, rejectedSteps: 0, cStepsPerSecond: null, ...machine,
      });
    }
  }
  return rows;
}
