/**
 * Reference solution of MMN Fig. 1 (examples/mmn-fig1.json: isotropic Gaussians, Δ = 0.8, d = 40,
 * ρ0 = N(0, 0.8²/d I), ξ = 1, noiseless) by the separatrix-aware characteristics solver
 * (solvers/separatrix.ts), and the error of the finite-volume solver on the default grid and its
 * refinements against it.
 *
 * Reference: one rule graded towards the split points c(5) and c(10) of the flow map (located by
 * tracers), n Gauss–Legendre nodes per panel, levels from the layer widths, kernel order K = 30
 * (velocities need more than the kernel's K = 22 at 1e-10; reduced-models/isotropic-gaussians/README.md
 * §5.1), RK4 at dt and dt/2 and Richardson extrapolation R_ref = R(dt/2) + (R(dt/2) − R(dt))/15 (the
 * quadrature error is ~1e-12, below the time error; run with --study for the refinement tables in n,
 * levels, dt and K).
 * Split points: c(T) = argmax_r0 ∂X(T; r0)/∂r0 for T = 5, 10, located on a coarse rule, then measured
 * in the final field with 257 tracers, and the initial mass below them (χ_d CDF).
 * FV: `runSolveSpec` on the example spec with cells = 1600, 3200, … ≤ --max-cells over the same [0, 8].
 *
 * Run: node bin/run-ts.mjs bench/fig1-reference.ts [--min-cells 1600] [--max-cells 6400] [--dt 0.01] [--nodes 12] [--study]
 * (default ≈ 1.5 min of CPU; --max-cells 12800 adds ≈ 45 s, --study ≈ 4 min).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { incompleteGammaRegularized } from '../src/numerics/special.ts';
import { runSolveSpec } from '../src/pipeline/solve.ts';
import { parseWith } from '../src/spec/fields.ts';
import { parseSpec } from '../src/spec/index.ts';
import { activationFromSpec } from '../reduced-models/activations.ts';
import { separableRadial } from '../reduced-models/isotropic-gaussians/adapters.ts';
import { isotropicGaussiansParams, type RadialGrid, type RadialInit } from '../reduced-models/isotropic-gaussians/definition.ts';
import { IsotropicGaussians } from '../reduced-models/isotropic-gaussians/index.ts';
import { chiLogDensity } from '../solvers/characteristics.ts';
import { locateSplit, slopePeak, solveSeparatrix, type RadialFlowProblem, type SplitPoint } from '../solvers/separatrix.ts';

const { values: args } = parseArgs({
  options: {
    'min-cells': { type: 'string', default: '1600' },
    'max-cells': { type: 'string', default: '6400' },
    dt: { type: 'string', default: '0.01' },
    nodes: { type: 'string', default: '12' },
    study: { type: 'boolean', default: false },
  },
});
const maxCells = Number(args['max-cells']);
const dt = Number(args.dt);
const nodesPerPanel = Number(args.nodes);

const base = JSON.parse(readFileSync(new URL('../examples/mmn-fig1.json', import.meta.url), 'utf8'));
const [run] = (await parseSpec(base)).runs;
const init = run.init as RadialInit;
const grid = run.grid as RadialGrid;
// the separatrix solver takes the 1-D radial form of the isotropic model (its adapters.ts), built from the example's parameters
const { name: _name, ...params } = run.modelBlock;
const p = parseWith(isotropicGaussiansParams, params, 'model');
const model = new IsotropicGaussians({ delta: p.delta, d: p.d, activation: activationFromSpec(p.activation, 'model.activation') });
if (model.d === 'inf' || init.kind !== 'gaussian' || run.noise) throw new Error('fig1-reference: needs a finite d, a Gaussian initial law and no noise');
const { d } = model;
const scale = init.scale;
const VELOCITY_ORDER = 30;
const saveTimes = [0.5, 1, 2, 5, 10];
const splitTimes = [5, 10];
const problemOfOrder = (K: number): RadialFlowProblem => ({
  model: separableRadial(model, K),
  logDensity: chiLogDensity(d, scale),
  rMax: grid.rMax,
  schedule: run.schedule,
});
const problem = problemOfOrder(VELOCITY_ORDER);
/** ρ̄0([0, r)) for r = |w|, w ~ N(0, s²/d I): d r²/s² ~ χ²_d. */
const chiCdf = (r: number) => incompleteGammaRegularized(d / 2, (d * r * r) / (2 * scale * scale));
const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);
const fmt = (x: number, digits = 10) => x.toFixed(digits);
const exp = (x: number) => x.toExponential(2).padStart(9);

// 1. Split points c(T): steepest point of X(T; ·), located on a coarse rule (n = 8, dt = 0.04); c only
//    has to be accurate to ≪ w(T) for the grading, and is re-measured in the final field below.
let t0 = performance.now();
const splits: SplitPoint[] = splitTimes.map((T) => locateSplit(problem, T, { dt: 0.04, nodesPerPanel: 8 }));
console.log(`split points located in ${seconds(t0)} s (${splits.map((s) => `T = ${s.time}: ${s.steps.length} iterations`).join(', ')})`);

// 2. Reference at dt and dt/2, Richardson-extrapolated (RK4: error ∝ dt⁴).
function reference(K: number, n: number, step: number, levels?: number) {
  return solveSeparatrix(problemOfOrder(K), { saveTimes, splitTimes, dt: step, splits, grading: { nodesPerPanel: n, levels } });
}
t0 = performance.now();
const coarse = reference(VELOCITY_ORDER, nodesPerPanel, dt);
const fine = reference(VELOCITY_ORDER, nodesPerPanel, dt / 2);
const extrapolate = (a: number[], b: number[]) => b.map((x, i) => x + (x - a[i]) / 15);
const ref = { risk: extrapolate(coarse.trajectory.risk, fine.trajectory.risk), meanR: extrapolate(coarse.trajectory.meanR, fine.trajectory.meanR) };
console.log(`reference: ${fine.quadrature.nodes.length} nodes (n = ${nodesPerPanel}, levels ${fine.quadrature.centres.map((c) => c.levels).join(', ')}), K = ${VELOCITY_ORDER}, dt = ${dt} and ${dt / 2}: ${seconds(t0)} s\n`);

console.log('Reference (separatrix-aware characteristics); "Richardson" = |R(dt/2) − R(dt)|/15, the estimated time error');
console.log('t     | R(t)           | mean r(t)      | Richardson R | Richardson r');
saveTimes.forEach((t, i) => {
  const eR = Math.abs(fine.trajectory.risk[i] - coarse.trajectory.risk[i]) / 15;
  const eM = Math.abs(fine.trajectory.meanR[i] - coarse.trajectory.meanR[i]) / 15;
  console.log(`${String(t).padEnd(5)} | ${fmt(ref.risk[i], 12)} | ${fmt(ref.meanR[i], 12)} | ${exp(eR)}    | ${exp(eM)}`);
});
// Split points re-measured in the final field: 257 tracers per split over c ± 2w (the maximiser of a
// skewed slope peak is the ill-conditioned part: 64 tracers place it to ~3e-3 w, 257 to ~1e-5 w); n = 8 changes
// the field by ≤ 1e-10 in R.
t0 = performance.now();
const measured = solveSeparatrix(problem, { saveTimes: splitTimes, splitTimes, dt, splits, grading: { nodesPerPanel: 8 }, tracers: 257 });
const everyOther = (a: Float64Array) => a.filter((_, i) => i % 2 === 0);
console.log(`\nSplit points c(T) = argmax ∂X(T; r0)/∂r0 in the final field (${seconds(t0)} s), with the changes from 129 tracers and from dt to dt/2 (64 tracers),`);
console.log('the mass below c (χ_d CDF), and the grading centre of the coarse locate (the rule split there has the same mass to ~1e-16)');
console.log('T   | c(T)       | Δ 129 tr. | Δ dt      | ρ̄0([0, c(T))) | w(T) (FWHM) | max ∂X/∂r0 | (centre − c)/w | rule mass − χ CDF');
const splitRows = splits.map((s, k) => {
  const { at, slope, width } = measured.checks[k];
  const half = slopePeak(everyOther(measured.tracers[k].initial), everyOther(measured.tracers[k].final));
  console.log(
    `${String(s.time).padEnd(3)} | ${fmt(at, 8)} | ${exp(half.at - at)} | ${exp(coarse.checks[k].at - fine.checks[k].at)} | ${fmt(chiCdf(at), 10)}   | ${exp(width)}   | ${slope.toFixed(1).padStart(10)} | ${((s.centre - at) / width).toExponential(1).padStart(14)} | ${exp(fine.quadrature.massBelow[k] - chiCdf(s.centre))}`,
  );
  return { time: s.time, centre: at, width, slope, massBelow: chiCdf(at), gradingCentre: s.centre };
});

// 3. Finite volumes on the example grid and its refinements (same [0, rMax], same kernel tolerance: K = 22).
const fv: { cells: number; risk: number[]; meanR: number[]; seconds: number; check?: { label: string; risk: number[] } }[] = [];
for (let cells = Number(args['min-cells']); cells <= maxCells; cells *= 2) {
  const [r] = runSolveSpec(await parseSpec({ ...base, grid: { ...base.grid, cells }, saveTimes })).runs;
  fv.push({ cells, risk: r.risk, meanR: r.means[0], seconds: r.ms / 1000, check: r.check ? { label: r.check.label, risk: r.check.risk } : undefined });
  console.log(`\nFV M = ${cells}: ${(r.ms / 1000).toFixed(1)} s`);
}
const table = (name: string, pick: (row: (typeof fv)[number]) => number[], exact: number[]) => {
  console.log(`\nFV error in ${name} (FV − reference), cells on [0, ${grid.rMax}]; order = log2(e_M / e_2M)`);
  console.log(`t     | ${fv.map((row) => `M = ${row.cells}`.padStart(9)).join(' | ')} | orders`);
  saveTimes.forEach((t, i) => {
    const errors = fv.map((row) => pick(row)[i] - exact[i]);
    const orders = errors.slice(1).map((e, k) => Math.log2(Math.abs(errors[k] / e)).toFixed(2));
    console.log(`${String(t).padEnd(5)} | ${errors.map((e) => exp(e)).join(' | ')} | ${orders.join(' ')}`);
  });
};
table('R(t)', (row) => row.risk, ref.risk);
table('mean r(t)', (row) => row.meanR, ref.meanR);
const plain = fv[0].check;
if (plain) console.log(`\nsolve's built-in check, ${plain.label} on a plain rule, error in R: ${plain.risk.map((x, i) => `t = ${saveTimes[i]}: ${exp(x - ref.risk[i])}`).join(', ')}`);

// 4. Optional convergence study: the digits that are stable under refinement.
const study: { label: string; risk: number[]; meanR: number[] }[] = [];
if (args.study) {
  console.log('\nRefinement study (differences to the reference above):');
  const runs: [string, () => ReturnType<typeof reference>][] = [
    [`n = 8,  dt = ${dt / 2}`, () => reference(VELOCITY_ORDER, 8, dt / 2)],
    [`n = 16, dt = ${dt / 2}`, () => reference(VELOCITY_ORDER, 16, dt / 2)],
    [`n = ${nodesPerPanel}, levels + 4, dt = ${dt / 2}`, () => reference(VELOCITY_ORDER, nodesPerPanel, dt / 2, Math.max(...fine.quadrature.centres.map((c) => c.levels)) + 4)],
    [`n = ${nodesPerPanel}, dt = ${2 * dt}`, () => reference(VELOCITY_ORDER, nodesPerPanel, 2 * dt)],
    [`n = ${nodesPerPanel}, dt = ${dt / 4}`, () => reference(VELOCITY_ORDER, nodesPerPanel, dt / 4)],
    [`K = 22, n = ${nodesPerPanel}, dt = ${dt / 2}`, () => reference(22, nodesPerPanel, dt / 2)],
    [`K = 40, n = ${nodesPerPanel}, dt = ${dt / 2}`, () => reference(40, nodesPerPanel, dt / 2)],
  ];
  console.log(`run                               | ${saveTimes.map((t) => `ΔR(${t})`.padStart(9)).join(' | ')} | ${saveTimes.map((t) => `Δr(${t})`.padStart(9)).join(' | ')}`);
  const show = (label: string, risk: number[], meanR: number[]) =>
    console.log(`${label.padEnd(33)} | ${risk.map((x, i) => exp(x - ref.risk[i])).join(' | ')} | ${meanR.map((x, i) => exp(x - ref.meanR[i])).join(' | ')}`);
  show(`n = ${nodesPerPanel}, dt = ${dt}`, coarse.trajectory.risk, coarse.trajectory.meanR);
  show(`n = ${nodesPerPanel}, dt = ${dt / 2}`, fine.trajectory.risk, fine.trajectory.meanR);
  for (const [label, run] of runs) {
    const s = run().trajectory;
    study.push({ label, risk: s.risk, meanR: s.meanR });
    show(label, s.risk, s.meanR);
  }
  console.log('\nSplit point c(T) of the flow map at later times (coarse rule; the split keeps moving):');
  for (const T of [15, 20]) {
    const s = locateSplit(problem, T, { dt: 0.04, nodesPerPanel: 8 });
    console.log(`T = ${T}: c = ${fmt(s.centre, 6)}, w = ${exp(s.width)}, max ∂X/∂r0 = ${s.slope.toFixed(0)}, ρ̄0([0, c)) = ${fmt(chiCdf(s.centre), 6)}`);
  }
}

console.log(
  JSON.stringify({
    saveTimes,
    reference: { ...ref, velocityOrder: VELOCITY_ORDER, dt: [dt, dt / 2], nodes: fine.quadrature.nodes.length, splits: splitRows },
    fv,
    study,
  }),
);
