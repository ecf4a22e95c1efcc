/**
 * Throughput and memory of the finite-volume solver (solvers/finite-volume.ts) on n-D grids with a
 * separable interaction, for the anisotropic-Gaussians models (MMN Theorem 2 and Fig. 3;
 * reduced-models/anisotropic-gaussians/README.md):
 *   - 2-D: fixed σ (MMN's piecewise-linear activation), coordinates (r1, r2), 64² cells;
 *   - 4-D: ReLU units, coordinates (a, b, r1, r2), 32⁴ = 1,048,576 cells;
 * each with the rank-2 kernel u_∞ (d = ∞) and the finite-(d, s0) kernel (d = 40, s0 = 10) at the
 * truncation K that the model chooses for a bound of 1e-3 on its error over the cell centres (2-D:
 * K = 8, rank 30; 4-D: K = 4, rank 12). Δ = 0.5. The operators are built through the model
 * definitions, as `solve` builds them (setup only, not timed; d = ∞ is the definitions' companion).
 *
 * Method: SSP-RK2 + MUSCL/minmod (the defaults) with a fixed Δt (half the CFL step at t = 0, so no step
 * is rejected; the count is reported), a warm-up solve, then `repeats` timed solves of ≈ `seconds`
 * each; reported: the median steps/s and cells·steps/s. A step is two stages, each one transport pass
 * per axis (WebAssembly, solvers/flux-wasm-nd.ts) and one interaction apply (WebAssembly f64x2), plus
 * one CFL-rate pass and one risk-guard pass. The parts are also timed alone (ns per cell): the
 * transport stage in WebAssembly and in JavaScript (flux.ts, the path of the other limiters and of open
 * boundaries), the interaction apply, and the rate + guard passes.
 *
 * Memory: bytes per cell that the solve holds — the analytic count (features 8·rank and the apply's
 * mass/out copies 16 in the operator's WebAssembly memory, v 8, the initial masses 8, and the solver's
 * copy of the operator on its own memory: again 8·rank + 16, plus its six arrays 48: a copy of v, the
 * state, U·state, two stage buffers, U·stage) — and the measured
 * growth of process.memoryUsage() (rss and arrayBuffers) from before the setup to the first step of
 * the solve (garbage from the feature evaluation may or may not have been collected by then; run node
 * with --expose-gc for steadier figures). Wall-clock timings on a shared machine are inflated by other
 * processes: the median damps, not removes, that.
 */
import { machineInfo, median, timeSolves } from './timing.ts';
import { Grid, type AxisSpec } from '../src/grid.ts';
import { initialMass } from '../src/initial.ts';
import type { GridOperators } from '../src/types.ts';
import { anisotropicGaussians, anisotropicGaussiansRelu } from '../reduced-models/anisotropic-gaussians/definition.ts';
import type { SeparableInteraction } from '../solvers/interaction/separable.ts';
import { solve, type FiniteVolumeProblem } from '../solvers/finite-volume.ts';
import { axisLines, transportStage } from '../solvers/flux.ts';
import { WasmTransportGrid } from '../solvers/flux-wasm-nd.ts';

export interface PdeNdBenchRow {
  /** '2-D (r1, r2)' or '4-D (a, b, r1, r2)'. */
  readonly case: string;
  readonly shape: readonly number[];
  readonly cells: number;
  readonly rank: number;
  readonly d: number | 'inf';
  readonly s0: number | null;
  /** The truncation the model chose (its description: K, rank and bound). */
  readonly kernel: string;
  /** Median over the repeats. */
  readonly stepsPerSecond: number;
  readonly minStepsPerSecond: number;
  readonly maxStepsPerSecond: number;
  /** cells × steps per second (median). */
  readonly cellStepsPerSecond: number;
  /** Nanoseconds per cell and step (median). */
  readonly nsPerCellStep: number;
  /** One transport stage (all axes; WebAssembly as in the solve, and JavaScript), one interaction apply, and the CFL-rate + guard passes of a step, alone: ns per cell (median of 5). */
  readonly transportNsPerCell: number;
  readonly transportJsNsPerCell: number;
  readonly applyNsPerCell: number;
  readonly rateGuardNsPerCell: number;
  /** Bytes per cell: analytic count, and measured rss / arrayBuffers growth over setup + solver start. */
  readonly bytesPerCell: { readonly analytic: number; readonly rss: number; readonly arrayBuffers: number };
  /** Total analytic bytes (analytic per cell × cells). */
  readonly analyticBytes: number;
  /** Peak resident set of the process so far (MiB; all cases run before included). */
  readonly peakRssMiB: number;
  readonly setupSeconds: number;
  readonly stepsPerRepeat: number;
  readonly repeats: number;
  readonly rejectedSteps: number;
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
}

const DELTA = 0.5;
const FINITE = { d: 40, s0: 10 };
/** Bound on the finite-(d, s0) kernel's truncation error on the cell centres: the model picks K from it. */
const KERNEL_TOLERANCE = 1e-3;

export const PDE_ND_CASES: readonly { ndim: 2 | 4; cells: number; d: number | 'inf' }[] = [
  { ndim: 2, cells: 64, d: 'inf' },
  { ndim: 2, cells: 64, d: FINITE.d },
  { ndim: 4, cells: 32, d: 'inf' },
  { ndim: 4, cells: 32, d: FINITE.d },
];


/** Potential, separable operator and a smooth initial bump on the model's grid. */
export function setup(ndim: 2 | 4, cells: number, d: number | 'inf'): { operators: GridOperators; mass: Float64Array; kernel: string } {
  const radial: AxisSpec[] = [
    { name: 'r1', lo: 0, hi: 2, cells },
    { name: 'r2', lo: 0, hi: 2, cells },
  ];
  const signed: AxisSpec[] = [
    { name: 'a', lo: -1, hi: 3, cells },
    { name: 'b', lo: -1.5, hi: 1.5, cells },
  ];
  const grid = new Grid(ndim === 4 ? [...signed, ...radial] : radial);
  // the definitions take a finite d (the particles live in R^d); d = ∞ is their companion
  const finite = (ndim === 4 ? anisotropicGaussiansRelu : anisotropicGaussians).create({ delta: DELTA, ...FINITE }).reduced!;
  const reduced = d === 'inf' ? finite.companion!()!.reduced : finite;
  const operators = reduced.gridOperators!(grid, { tolerance: KERNEL_TOLERANCE });
  const size = grid.size;
  // a product bump around (a, b, r1, r2) = (1, 0, 0.5, 0.9)
  const centre = ndim === 4 ? [1, 0, 0.5, 0.9] : [0.5, 0.9];
  const width = ndim === 4 ? [0.5, 0.4, 0.25, 0.25] : [0.25, 0.25];
  const factors = grid.centres.map((x, a) => Float64Array.from(x, (y) => Math.exp(-(((y - centre[a]) / width[a]) ** 2) / 2)));
  const values = new Float64Array(size).fill(1);
  for (let a = 0; a < ndim; a++) {
    const n = grid.shape[a];
    const st = grid.strides[a];
    for (let c = 0; c < size; c++) values[c] *= factors[a][Math.floor(c / st) % n];
  }
  const mass = initialMass(grid, { kind: 'density', values }).mass;
  return { operators, mass, kernel: operators.interaction.description };
}

export async function runPdeNdBench(options: { repeats?: number; seconds?: number; cases?: typeof PDE_ND_CASES } = {}): Promise<PdeNdBenchRow[]> {
  const repeats = options.repeats ?? 3;
  const seconds = options.seconds ?? 1.5;
  const machine = machineInfo();
  const gc = (globalThis as { gc?: () => void }).gc;
  const rows: PdeNdBenchRow[] = [];
  for (const { ndim, cells, d } of options.cases ?? PDE_ND_CASES) {
    gc?.();
    const before = process.memoryUsage();
    const t0 = performance.now();
    const { operators, mass, kernel } = setup(ndim, cells, d);
    const setupSeconds = (performance.now() - t0) / 1000;
    const { grid } = operators;
    const size = grid.size;
    const rank = (operators.interaction as SeparableInteraction).rank;
    const problem: FiniteVolumeProblem = { operators, initialMass: mass, schedule: { kind: 'constant', value: 1 } };

    // half the CFL step at t = 0; the memory at the first step (the solver's buffers are alive)
    let dt = 0;
    let during = before;
    solve(problem, { saveTimes: [1e9], maxSteps: 1, storeDensity: false, trackers: [{ handle: (s) => void ((dt = s.dt / 2), (during = process.memoryUsage())) }] });
    const analytic = 2 * (8 * rank + 16) + 8 + 8 + 48;

    // steps per repeat from a short probe, so that a repeat takes ≈ `seconds`
    const probe = solve(problem, { saveTimes: [3 * dt], dt, storeDensity: false });
    const perStep = probe.wallTimeMs / 1000 / Math.max(1, probe.steps);
    const steps = Math.max(3, Math.round(seconds / perStep));
    const { rates, rejected, steps: done } = timeSolves(problem, dt, steps, repeats);
    const sps = median(rates);

    // the parts of a step alone
    const axes = axisLines(grid.shape, grid.strides, grid.spacing);
    const kernels = new WasmTransportGrid(size, axes, 5);
    const [wP, wv, wu, wS, wout] = kernels.arrays;
    wP.set(mass);
    wS.set(mass);
    wv.set(operators.potential);
    operators.interaction.apply(mass, wu);
    const out = new Float64Array(size);
    const stage = { S: mass, a0: 0.5, dt: dt / 2 };
    const reps = Math.max(3, Math.round(2e7 / size));
    const time = (f: () => void) => {
      const samples: number[] = [];
      for (let k = 0; k < 6; k++) {
        const t = performance.now();
        for (let r = 0; r < reps; r++) f();
        if (k > 0) samples.push(((performance.now() - t) * 1e6) / (reps * size)); // k = 0 warms up
      }
      return median(samples);
    };
    const transportNsPerCell = time(() => kernels.stage(wP, wv, wu, wS, wout, 1, 0.5, dt / 2));
    const transportJsNsPerCell = time(() => transportStage(axes, mass, operators.potential, wu, 1, 'muscl', stage, out));
    const applyNsPerCell = time(() => operators.interaction.apply(mass, out));
    const rateGuardNsPerCell = time(() => void (kernels.rate(wv, wu, 1), kernels.guard(wP, wv, wu)));

    rows.push({
      case: ndim === 4 ? '4-D (a, b, r1, r2)' : '2-D (r1, r2)',
      shape: grid.shape,
      cells: size,
      rank,
      d,
      s0: d === 'inf' ? null : FINITE.s0,
      kernel,
      stepsPerSecond: sps,
      minStepsPerSecond: Math.min(...rates),
      maxStepsPerSecond: Math.max(...rates),
      cellStepsPerSecond: sps * size,
      nsPerCellStep: 1e9 / (sps * size),
      transportNsPerCell,
      transportJsNsPerCell,
      applyNsPerCell,
      rateGuardNsPerCell,
      bytesPerCell: {
        analytic,
        rss: (during.rss - before.rss) / size,
        arrayBuffers: (during.arrayBuffers - before.arrayBuffers) / size,
      },
      analyticBytes: analytic * size,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      setupSeconds,
      stepsPerRepeat: done,
      repeats,
      rejectedSteps: rejected,
      ...machine,
    });
  }
  return rows;
}

/** A plain-text table of the rows (for bench/index.ts and the command line). */
export function formatPdeNdBench(rows: readonly PdeNdBenchRow[]): string {
  const lines = [
    'case                     cells  rank    steps/s  cells·steps/s  ns/(cell·step) | ns/cell: stage wasm (js)  apply  rate+guard | bytes/cell analytic (rss) | peak rss MiB',
  ];
  for (const r of rows) {
    lines.push(
      `${r.case.padEnd(20)} ${String(r.cells).padStart(9)}  ${String(r.rank).padStart(4)}  ${r.stepsPerSecond.toFixed(r.stepsPerSecond < 100 ? 2 : 0).padStart(9)}  ` +
        `${r.cellStepsPerSecond.toExponential(2).padStart(13)}  ${r.nsPerCellStep.toFixed(1).padStart(14)} | ` +
        `${r.transportNsPerCell.toFixed(1).padStart(15)} (${r.transportJsNsPerCell.toFixed(1)})  ${r.applyNsPerCell.toFixed(1).padStart(5)}  ${r.rateGuardNsPerCell.toFixed(1).padStart(10)} | ` +
        `${String(r.bytesPerCell.analytic).padStart(18)} (${r.bytesPerCell.rss.toFixed(0)}) | ${r.peakRssMiB.toFixed(0).padStart(12)}`,
    );
  }
  return lines.join('\n');
}
