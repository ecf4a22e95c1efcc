/**
 * The charged-unit model's costs on this machine.
 * `npm run bench charged-units` (bench/index.ts, results.json): (y, c) grid steps/s of the finite-volume
 * solver (SSP-RK2 + MUSCL/minmod, fixed Δt = half the CFL step at t = 0) on
 *   - the line example's 240 × 360 grid (open windows: JavaScript flux kernels, FFT convolution in y);
 *   - the circle on 128 × 128 (y periodic: JavaScript periodic kernels) with the FFT convolution and
 *     with the Fourier-separable operator — the same kernel order, so equal accuracy (both = the dense
 *     kernel to ~1e-13, test/reduced-models/charged-units-grid.test.ts).
 * `npx tsx bench/charged-units.ts` also prints the kernel costs (run directly: bin/run-ts.mjs hides the entry's name):
 *   1. (y, c) grid interaction on the circle: FFT convolution (periodic y) vs the Fourier-separable
 *      operator (rank 2m + 1 = 29 at κ = 4), µs per apply (median of repeats);
 *   2. particle kernel sums (U, U' and the loss) per evaluation: O(n·m) through the charge moments on both
 *      domains (the line's periodised kernel), and the line's exact O(n²) pair sum for contrast.
 */
import { Grid } from '../src/grid.ts';
import { Rng } from '../src/rng.ts';
import { machineInfo, median, timeSolves } from './timing.ts';
import { solve, type AxisBoundary } from '../solvers/finite-volume.ts';
import {
  ChargedParticles,
  chargedGridOperators,
  CIRCLE_EXAMPLE_INIT,
  FLOW_SCHEDULE,
  GAUSSIAN_EXAMPLE_INIT,
  GaussianLine,
  initialCellMasses,
  VonMisesCircle,
  type ChargedInteraction,
  type ChargedUnitsModel,
  type ProductLaw,
} from '../reduced-models/charged-units/index.ts';

export interface ChargedUnitsBenchRow {
  readonly case: string;
  readonly cells: string;
  readonly interaction: ChargedInteraction;
  readonly boundaries: string;
  readonly stepsPerSecond: number;
  readonly rejected: number;
}

/** Steps/s of (y, c) grid solves (see the module comment). */
export function runChargedUnitsBench(seconds = 1.5): ChargedUnitsBenchRow[] {
  const cases: [string, ChargedUnitsModel, ProductLaw, Grid, ChargedInteraction, AxisBoundary[]][] = [];
  const lineGrid = new Grid([{ name: 'y', lo: -5, hi: 5, cells: 240 }, { name: 'c', lo: -7.5, hi: 7.5, cells: 360 }]);
  cases.push(['line', new GaussianLine(), GAUSSIAN_EXAMPLE_INIT, lineGrid, 'convolution', ['open', 'open']]);
  const circleGrid = new Grid([{ name: 'y', lo: 0, hi: 2 * Math.PI, cells: 128 }, { name: 'c', lo: -7.5, hi: 7.5, cells: 128 }]);
  for (const interaction of ['convolution', 'fourier'] as const) cases.push(['circle', new VonMisesCircle(), CIRCLE_EXAMPLE_INIT, circleGrid, interaction, ['periodic', 'open']]);
  return cases.map(([name, model, law, grid, interaction, boundaries]) => {
    const operators = chargedGridOperators(model, grid, { interaction });
    const problem = { operators, initialMass: initialCellMasses(grid, law).mass, schedule: FLOW_SCHEDULE, boundaries };
    // Δt: half the CFL step of the first step (one probe step)
    let cflDt = 0;
    solve(problem, { saveTimes: [10], maxSteps: 1, storeDensity: false, trackers: [{ handle: (st) => (cflDt = st.dt) }] });
    const fixed = cflDt / 2;
    const steps = 20;
    const per = timeSolves(problem, fixed, steps, 1);
    const repeats = Math.max(3, Math.round((seconds * per.rates[0]) / steps));
    const timed = timeSolves(problem, fixed, steps, repeats);
    return {
      case: name,
      cells: grid.shape.join('×'),
      interaction,
      boundaries: boundaries.join('/'),
      stepsPerSecond: median(timed.rates),
      rejected: timed.rejected,
    };
  });
}

export function formatChargedUnitsBench(rows: readonly ChargedUnitsBenchRow[]): string {
  return rows
    .map((r) => `  ${r.case.padEnd(7)} ${r.cells.padEnd(8)} ${r.boundaries.padEnd(14)} ${r.interaction.padEnd(12)} ${Math.round(r.stepsPerSecond).toLocaleString('en').padStart(7)} steps/s${r.rejected ? ` (${r.rejected} rejected)` : ''}`)
    .join('\n');
}

if (process.argv[1]?.endsWith('charged-units.ts')) printKernelBench();

function printKernelBench(): void {
  console.log('(y, c) grid solver steps/s');
  console.log(formatChargedUnitsBench(runChargedUnitsBench()));

  /** Median wall time in µs of `repeats` batches of `inner` calls of f (after one warm-up batch). */
  function time(f: () => void, inner: number, repeats = 7): number {
    const batch = () => {
      const t0 = performance.now();
      for (let k = 0; k < inner; k++) f();
      return ((performance.now() - t0) * 1000) / inner;
    };
    batch();
    return median(Array.from({ length: repeats }, batch));
  }

  const m = machineInfo();
  console.log(`charged-units kernels on ${m.cpu}, ${m.cores} cores, Node ${m.node}`);
  const circle = new VonMisesCircle();
  console.log('\n(y, c) grid interaction on the circle (κ = 4, kernel order 14): µs per apply');
  for (const [ny, nc] of [[64, 32], [128, 64], [256, 128], [512, 256]]) {
    const grid = new Grid([{ name: 'y', lo: 0, hi: 2 * Math.PI, cells: ny }, { name: 'c', lo: -4, hi: 4, cells: nc }]);
    const rng = new Rng(1);
    const mass = Float64Array.from({ length: grid.size }, () => rng.uniform());
    const out = new Float64Array(grid.size);
    const inner = Math.max(1, Math.round(2e6 / grid.size));
    const row = (['convolution', 'fourier'] as const).map((interaction) => {
      const op = chargedGridOperators(circle, grid, { interaction }).interaction;
      return time(() => op.apply(mass, out), inner);
    });
    console.log(`  ${`${ny}×${nc}`.padEnd(8)} M = ${String(grid.size).padStart(6)}   convolution ${row[0].toFixed(1).padStart(8)}   fourier ${row[1].toFixed(1).padStart(8)}   ratio ${(row[1] / row[0]).toFixed(2)}`);
  }

  console.log('\nparticle kernel sums (field: U, U′, loss): µs per evaluation');
  const line = new GaussianLine();
  for (const [label, model, law] of [['circle', circle, CIRCLE_EXAMPLE_INIT], ['line', line, GAUSSIAN_EXAMPLE_INIT]] as const) {
    for (const n of [1000, 10_000, 100_000]) {
      const p = ChargedParticles.sample(model, law, n, new Rng(2));
      const us = time(() => p.evaluate(), Math.max(1, Math.round(2e6 / (n * 20))), 5);
      const order = label === 'line' ? `, kernel order ${line.kernelForSpan(Math.max(...p.y) - Math.min(...p.y)).order}` : '';
      console.log(`  ${label.padEnd(6)} n = ${String(n).padStart(6)}   ${us.toFixed(0).padStart(9)} µs   (${((us * 1000) / n).toFixed(1)} ns per unit${order})`);
    }
  }
  // the line's exact O(n²) pair sum (the reference of the Fourier path, line.ts fieldByPairs)
  for (const n of [1000, 4000]) {
    const p = ChargedParticles.sample(line, GAUSSIAN_EXAMPLE_INIT, n, new Rng(2));
    const us = time(() => line.fieldByPairs(p.y, p.c, p.w, n, p.u, p.du), Math.max(1, Math.round(4e6 / (n * n))), 5);
    console.log(`  line pairs n = ${String(n).padStart(6)}   ${us.toFixed(0).padStart(9)} µs   (${((us * 1000) / ((n * n) / 2)).toFixed(1)} ns per pair)`);
  }
}
