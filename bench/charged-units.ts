/**
 * `node bin/run-ts.mjs bench/charged-units.ts`: the charged-unit model's kernel costs on this machine.
 *   1. (y, c) grid interaction on the circle: FFT convolution (periodic y) vs the Fourier-separable
 *      operator (rank 2m + 1 = 29 at κ = 4), µs per apply (median of repeats);
 *   2. particle kernel sums (U, U' and the loss) per evaluation: O(n·m) on the circle, O(n²) on the line.
 * Not part of `npm run bench` (bench/index.ts); results are printed only.
 */
import { Grid } from '../src/grid.ts';
import { Rng } from '../src/rng.ts';
import { machineInfo, median } from './timing.ts';
import { ChargedParticles, chargedGridOperators, CIRCLE_EXAMPLE_INIT, GAUSSIAN_EXAMPLE_INIT, GaussianLine, VonMisesCircle } from '../reduced-models/charged-units/index.ts';

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
for (const [label, model, law, ns] of [
  ['circle', circle, CIRCLE_EXAMPLE_INIT, [1000, 10_000, 100_000]],
  ['line', line, GAUSSIAN_EXAMPLE_INIT, [500, 1000, 2000, 4000]],
] as const) {
  for (const n of ns) {
    const p = ChargedParticles.sample(model, law, n, new Rng(2));
    const us = time(() => p.evaluate(), Math.max(1, Math.round((label === 'circle' ? 2e6 : 4e6) / (label === 'circle' ? n * 15 : n * n))), 5);
    const per = label === 'circle' ? `${((us * 1000) / n).toFixed(1)} ns per unit` : `${((us * 1000) / ((n * n) / 2)).toFixed(1)} ns per pair`;
    console.log(`  ${label.padEnd(6)} n = ${String(n).padStart(6)}   ${us.toFixed(0).padStart(9)} µs   (${per})`);
  }
}
