/**
 * Accuracy of the default MMN Fig. 1 grid (examples/mmn-fig1.json): the FV risk and mean radius
 * at the save times on nested grids M, 2M, 4M, 8M over the same [0, rMax], the observed order
 * log2(|e_M − e_2M| / |e_2M − e_4M|), and the characteristics solution (spectrally accurate
 * before the separatrix, t ≲ 3). Run: node bin/run-ts.mjs bench/fig1-accuracy.ts [maxCells]
 */
import { readFileSync } from 'node:fs';
import { runSolveSpec } from '../src/pipeline/solve.ts';
import { parseSpec } from '../src/spec/index.ts';

const base = JSON.parse(readFileSync(new URL('../examples/mmn-fig1.json', import.meta.url), 'utf8'));
const maxCells = Number(process.argv[2] ?? 12800);
const rows: { cells: number; risk: number[]; meanR: number[]; seconds: number }[] = [];
let characteristics: { label: string; risk: number[] } | undefined;
for (let cells = 1600; cells <= maxCells; cells *= 2) {
  const [r] = runSolveSpec(await parseSpec({ ...base, grid: { ...base.grid, cells } })).runs;
  if (r.check) characteristics ??= { label: r.check.label, risk: r.check.risk };
  rows.push({ cells, risk: r.risk, meanR: r.means[0], seconds: r.ms / 1000 });
  console.log(`M = ${cells}: risk ${r.risk.map((x) => x.toFixed(7)).join(' ')}  (${(r.ms / 1000).toFixed(1)} s)`);
}
const times: number[] = base.saveTimes;
console.log(`${characteristics?.label ?? 'characteristics (no check)'} risk: ${characteristics?.risk.map((x) => x.toFixed(7)).join(' ')}`);
console.log('\nt      | R(M) − R(2M) for successive M                    | observed order');
times.forEach((t, i) => {
  const diffs = rows.slice(1).map((row, k) => rows[k].risk[i] - row.risk[i]);
  const orders = diffs.slice(1).map((d, k) => Math.log2(Math.abs(diffs[k] / d)));
  console.log(`${String(t).padEnd(6)} | ${diffs.map((d) => d.toExponential(2).padStart(10)).join(' ')} | ${orders.map((o) => o.toFixed(2)).join(' ')}`);
});
console.log(JSON.stringify({ times, rows, characteristics: characteristics?.risk }));
