/**
 * Throughput of the finite-volume solver (solvers/finite-volume.ts): SSP-RK2 + MUSCL steps per second
 * on the radial grid of MMN's isotropic-Gaussians model with a separable interaction of rank
 * 2(K/2 + 1), K chosen by the model for a 1e-10 kernel tolerance (K = 8 at d = 320 → rank 10, K = 22 at
 * d = 40 → rank 24: reduced-models/isotropic-gaussians/README.md §5.1), and the interaction apply alone
 * (Δ = 0.8, MMN σ, ρ̄_0 = law of |w| for w ~ N(0, 0.8²/d I)). Only the solver is timed, not the setup.
 *
 * Method: fixed Δt (half the CFL step at t = 0, so no step is rejected; the count is reported), a
 * warm-up solve, then `repeats` timed solves of `steps` steps each; reported: the median steps/s.
 * A step is two stages: two interaction applies (2·2·rank·M multiply-adds; WebAssembly f64x2,
 * solvers/interaction/separable-kernels.ts), two fused flux + stage-combination passes, one CFL-rate
 * pass and one risk-guard pass (WebAssembly, solvers/flux-wasm.ts). Timings are wall-clock: on a
 * shared machine other processes inflate them (the median of the repeats damps, not removes, that).
 */
import { machineInfo, median, timeSolves } from './timing.ts';
import { isotropicGaussians } from '../reduced-models/isotropic-gaussians/definition.ts';
import type { GridOperators } from '../src/types.ts';
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
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
}

const DELTA = 0.8;
const R_MAX = 4;
const KERNEL_TOLERANCE = 1e-10;

/**
 * The isotropic model's grid operators on M cells of [0, R_MAX] at dimension d, built through its
 * definition (as `solve` builds them), with the truncation K and rank that the model chooses for
 * KERNEL_TOLERANCE (K = 8 at d = 320, K = 22 at d = 40), and the cell masses of ρ̄_0.
 */
export function isotropicOperators(M: number, d: number): { operators: GridOperators; K: number; rank: number; initialMass: Float64Array } {
  const reduced = isotropicGaussians.create({ delta: DELTA, d }).reduced!;
  const grid = reduced.grid!({ rMax: R_MAX, cells: M });
  const operators = reduced.gridOperators!(grid, { tolerance: KERNEL_TOLERANCE });
  const initialMass = reduced.initialMass!(grid, { kind: 'gaussian', scale: 0.8 }).mass;
  return { operators, K: operators.kernel.order, rank: operators.kernel.rank, initialMass };
}

/** Dimensions benchmarked: the solver picks K = 8 (rank 10) at d = 320 and K = 22 (rank 24) at d = 40. */
export const PDE_BENCH_DIMENSIONS: readonly number[] = [320, 40];
export const PDE_BENCH_SIZES: readonly number[] = [512, 2048, 8192];



export async function runPdeBench(options: { repeats?: number; steps?: number; sizes?: readonly number[] } = {}): Promise<PdeBenchRow[]> {
  const repeats = options.repeats ?? 5;
  const steps = options.steps ?? 3000;
  const rows: PdeBenchRow[] = [];
  const machine = machineInfo();
  for (const d of PDE_BENCH_DIMENSIONS) {
    for (const M of options.sizes ?? PDE_BENCH_SIZES) {
      const { operators, K, rank, initialMass: P0 } = isotropicOperators(M, d);
      const problem = { operators, initialMass: P0, schedule: { kind: 'constant', value: 1 } as const };
      // half the CFL step at t = 0
      let dt = 0;
      solve(problem, { saveTimes: [1], maxSteps: 1, trackers: [{ handle: (s) => void (dt = s.dt / 2) }] });
      const { rates, rejected, steps: done } = timeSolves(problem, dt, steps, repeats);
      const sps = median(rates);
      rows.push({
        case: 'ssprk2-muscl', M, K, rank, d, stepsPerSecond: sps, minStepsPerSecond: Math.min(...rates), maxStepsPerSecond: Math.max(...rates),
        nsPerCell: 1e9 / (sps * M), stepsPerRepeat: done, repeats, rejectedSteps: rejected, ...machine,
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
        nsPerCell: 1e9 / (aps * M), stepsPerRepeat: applies, repeats, rejectedSteps: 0, ...machine,
      });
    }
  }
  return rows;
}
