/**
 * `npm run bench [pde|pde-nd|charged-units|sgd]`: PDE steps/s (bench/pde.ts), n-D PDE steps/s and memory
 * (bench/pde-nd.ts), charged-unit (y, c) grid steps/s (bench/charged-units.ts) and SGD steps/s (bench/sgd.ts) on this machine,
 * printed and written to bench/results.json (one entry per case, with its parameters). Only what this
 * run measured is printed; comparisons with other implementations are `npm run bench:peers`.
 */
import { cpus, totalmem } from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { runPdeBench } from './pde.ts';
import { runSgdBench } from './sgd.ts';
import { formatPdeNdBench, runPdeNdBench } from './pde-nd.ts';
import { formatChargedUnitsBench, runChargedUnitsBench } from './charged-units.ts';
import { PACKAGE_VERSION, toJson } from '../src/io/output.ts';

const only = process.argv[2];
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
};
console.log(`meanfield ${PACKAGE_VERSION} benchmarks on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}`);

const results: { pde?: unknown[]; pdeNd?: unknown[]; chargedUnits?: unknown[]; sgd?: unknown[] } = {};
if (!only || only === 'pde') {
  const rows = await runPdeBench();
  console.log('\nPDE (SSP-RK2 + MUSCL finite volumes, separable kernel):');
  for (const r of rows) {
    console.log(`  ${r.case.padEnd(14)} M = ${String(r.M).padStart(5)}  K = ${String(r.K).padStart(2)} (rank ${String(r.rank).padStart(2)})  ${Math.round(r.stepsPerSecond).toLocaleString('en').padStart(9)} /s`);
  }
  results.pde = rows;
}
if (!only || only === 'pde-nd') {
  const rows = await runPdeNdBench();
  console.log('\nn-D PDE (tensor grids, separable kernels):');
  console.log(formatPdeNdBench(rows));
  results.pdeNd = rows;
}
if (!only || only === 'charged-units') {
  const rows = runChargedUnitsBench();
  console.log('\ncharged units, (y, c) grid (SSP-RK2 + MUSCL, FFT convolution or Fourier-separable in y):');
  console.log(formatChargedUnitsBench(rows));
  results.chargedUnits = rows;
}
if (!only || only === 'sgd') {
  const rows = await runSgdBench();
  console.log('\nSGD (online; float32 / float64: median of the per-round ratios, interleaved):');
  for (const r of rows) {
    const ratio = r.speedupVsFloat64 !== undefined ? `  (× ${r.speedupVsFloat64.toFixed(2)} vs float64)` : r.ratioToOneThread !== undefined ? `  (× ${r.ratioToOneThread.toFixed(2)} vs 1 thread)` : '';
    console.log(`  d = ${String(r.d).padStart(3)}  N = ${String(r.N).padStart(5)}  B = ${String(r.B).padStart(2)}  ${r.precision}  ${r.threads} thread${r.threads > 1 ? 's' : ' '}  ${Math.round(r.stepsPerSecond).toLocaleString('en').padStart(9)} steps/s${ratio}`);
  }
  results.sgd = rows;
}
const path = new URL('./results.json', import.meta.url);
// The peer comparison (npm run bench:peers) is kept: it records its own time and machine.
const peers = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')).peers : undefined;
writeFileSync(path, toJson({ version: PACKAGE_VERSION, createdAt: new Date().toISOString(), machine, ...results, ...(peers ? { peers } : {}) }, true) + '\n');
console.log(`\nwrote ${path.pathname}`);
