/**
 * The registered "charged-units" model (reduced-models/charged-units/definition.ts) against the folder's
 * standalone functions: parameters and their errors, grid operators and initial masses, the unit's exact
 * risk and gradient (R = L, G = ∇(cU)/2), GD replicas bit-identical to ChargedParticles' Euler steps,
 * the SGD data law unbiased for −G with the 1/√2 scaling, and the circle's characteristics adapter.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import type { UnitModel } from '../../src/model.ts';
import { Rng } from '../../src/rng.ts';
import { buildPdeProblem } from '../../src/pde/index.ts';
import { parseSpec } from '../../src/spec/index.ts';
import { runReplica, replicaSpec } from '../../src/particles/replica.ts';
import { discreteRisk } from '../../solvers/finite-volume.ts';
import { resolveModel } from '../../reduced-models/index.ts';
import {
  ChargedParticles,
  chargedGridOperators,
  CIRCLE_EXAMPLE_INIT,
  GAUSSIAN_EXAMPLE_INIT,
  GaussianLine,
  initialCellMasses,
  VonMisesCircle,
  type ChargedUnitsModel,
} from '../../reduced-models/charged-units/index.ts';

const line = new GaussianLine();
const circle = new VonMisesCircle();
const lineInit = { ...GAUSSIAN_EXAMPLE_INIT, allowTruncation: false };
const circleInit = { ...CIRCLE_EXAMPLE_INIT, allowTruncation: false };
const lineGrid = { axes: [{ name: 'y', lo: -5, hi: 5, cells: 30 }, { name: 'c', lo: -7.5, hi: 7.5, cells: 40 }] };

const build = async (params: Record<string, unknown>) => (await resolveModel({ name: 'charged-units', ...params })).model;

describe('charged-units parameters', () => {
  it('defaults are the two examples; bad fields are ConfigErrors naming them', async () => {
    const l = await build({ domain: 'line' });
    expect(l.reduced!.riskConstant).toBe(line.halfTargetNormSquared);
    const c = await build({ domain: 'circle' });
    expect(c.reduced!.riskConstant).toBe(0.328125); // ½(1 + 0.25 + 0.0625)/2
    await expect(build({})).rejects.toThrow(/model\.domain: must be "line" or "circle"/);
    await expect(build({ domain: 'line', target: { C: [1, 2], Y: [0], S2: [1, 1] } })).rejects.toThrow(/model\.target\.Y: must have as many entries as C/);
    await expect(build({ domain: 'line', s2: -1 })).rejects.toThrow(/model\.s2: must be a finite number > 0/);
    await expect(build({ domain: 'circle', kappa: 4, cels: 3 })).rejects.toThrow(/model\.cels: is not a known field/);
    await expect(build({ domain: 'circle', target: { cos: [1], sin: [0.5] } })).rejects.toThrow(/model\.target\.sin\[0\]: must be 0/);
  });

  it('a formula target on the circle has the coefficients of the trigonometric target', async () => {
    const a = (await build({ domain: 'circle', target: 'cos(x) + 0.5 sin(2x) + 0.25 cos(3x)' })).reduced!;
    expect(Math.abs(a.riskConstant - 0.328125)).toBeLessThan(1e-14);
  });

  it('the grid: axes y then c on the line; the circle y axis must be one period', async () => {
    const l = (await build({ domain: 'line' })).reduced!;
    expect(() => l.grid!({ axes: [lineGrid.axes[1], lineGrid.axes[0]] })).toThrow(/grid\.axes\[0\]\.name: must be "y"/);
    const c = (await build({ domain: 'circle' })).reduced!;
    expect(c.defaultMethod).toBe('characteristics');
    expect(() => c.grid!(lineGrid)).toThrow(/grid\.axes\[0\]\.hi: on the circle y is periodic/);
    expect(c.gridBoundaries).toEqual(['periodic', 'open']);
    await expect(parseSpec({ model: { name: 'charged-units', domain: 'line' }, init: { y: { kind: 'uniform', lo: 1, hi: 0 }, c: { kind: 'point', value: 0 } }, saveTimes: [0] })).rejects.toThrow(/init\.y\.hi: must be > lo = 1/);
  });
});

describe('registered model = standalone functions', () => {
  it('line: grid operators (V = −cF/2, u = cc′K/2, R# = ½‖f‖²) and initial masses; R_h = L of the cell-centre units', async () => {
    const reduced = (await build({ domain: 'line' })).reduced!;
    const grid = reduced.grid!(lineGrid);
    const ops = reduced.gridOperators!(grid, { tolerance: 1e-10 });
    const ref = chargedGridOperators(line, grid);
    expect(Array.from(ops.potential)).toEqual(Array.from(ref.potential));
    const init = reduced.initialMass!(grid, lineInit);
    expect(Array.from(init.mass)).toEqual(Array.from(initialCellMasses(grid, GAUSSIAN_EXAMPLE_INIT).mass));
    const rng = new Rng(4);
    const raw = Float64Array.from({ length: grid.size }, () => rng.uniform());
    const P = raw.map((v) => v / raw.reduce((s, x) => s + x, 0));
    const units = new ChargedParticles(line, grid.coordinateField(0), grid.coordinateField(1), P);
    expect(Math.abs(discreteRisk(ops, P) - units.loss())).toBeLessThan(1e-14);
    expect(ops.kernel.bound).toBe(0);
  });

  const unitOf = async (domain: string) => {
    const side = (await build({ domain })).particles!;
    if (side.kind !== 'units') throw new Error('expected units');
    return side.unit as UnitModel<unknown>;
  };

  it.each([
    ['line', line, lineInit, 50],
    ['circle', circle, circleInit, 120],
  ] as [string, ChargedUnitsModel, object, number][])('%s: populationRisk = L_n, populationGradient = ½(c U′, U), selfInteraction = c² k(0)/2', async (domain, model, init, n) => {
    const unit = await unitOf(domain);
    const theta = new Float64Array(2 * n);
    unit.initialise(theta, n, init, new Rng(5));
    const p = ChargedParticles.sample(model, init as typeof GAUSSIAN_EXAMPLE_INIT, n, new Rng(5));
    for (let i = 0; i < n; i++) expect([theta[2 * i], theta[2 * i + 1]]).toEqual([p.y[i], p.c[i]]);
    const L = p.evaluate();
    expect(unit.populationRisk(theta, n)).toBe(L);
    const grad = new Float64Array(2 * n);
    unit.populationGradient(theta, n, grad);
    for (let i = 0; i < n; i++) expect([grad[2 * i], grad[2 * i + 1]]).toEqual([(p.c[i] * p.du[i]) / 2, p.u[i] / 2]);
    const reduced = (await build({ domain })).reduced!;
    const self = new Float64Array(n);
    reduced.selfInteraction!(theta, self);
    expect(self[3]).toBe((p.c[3] * p.c[3] * model.kernel(0)) / 2);
  });

  it.each([
    ['line', line, GAUSSIAN_EXAMPLE_INIT],
    ['circle', circle, CIRCLE_EXAMPLE_INIT],
  ] as const)('%s: a GD replica (ε = 0.02, ξ = 1) is ChargedParticles\' Euler run with dt = ε, bit for bit', async (domain, model, law) => {
    const spec = await parseSpec({
      model: { name: 'charged-units', domain },
      init: law,
      saveTimes: [0, 0.2, 0.6],
      particles: { n: 80, epsilon: 0.02, algorithm: 'gd' },
      seed: 7,
    });
    const run = await runReplica(replicaSpec(spec.runs[0]), 3);
    const p = ChargedParticles.sample(model, law, 80, new Rng(7, 3));
    const ref = p.run({ dt: 0.02, steps: 30, recordEvery: 10 });
    expect(run.snapshots.map((s) => s.populationRisk)).toEqual([0, 1, 3].map((k) => ref.loss[k])); // steps 0, 10, 30
    const last = run.snapshots[2].reduced;
    for (let i = 0; i < 80; i++) expect([last[2 * i], last[2 * i + 1]]).toEqual([p.y[i], p.c[i]]);
  });

  it('circle SGD data: E_x[(y − ŷ)∇σ*(x; θ_i)] = −G_i (labels and outputs carry 1/√2), by the 512-point trapezoid rule', async () => {
    const unit = await unitOf('circle');
    const n = 40;
    const theta = new Float64Array(2 * n);
    unit.initialise(theta, n, circleInit, new Rng(9));
    const grad = new Float64Array(2 * n);
    unit.populationGradient(theta, n, grad);
    const data = unit.data!;
    const S = 512;
    const mean = new Float64Array(2 * n);
    const x = new Float64Array(1);
    const g = new Float64Array(2);
    for (let s = 0; s < S; s++) {
      const label = data.sample({ uniform: () => s / S } as Rng, x);
      let out = 0;
      for (let i = 0; i < n; i++) out += data.output(theta.subarray(2 * i, 2 * i + 2), x) / n;
      for (let i = 0; i < n; i++) {
        data.outputGradient(theta.subarray(2 * i, 2 * i + 2), x, g);
        mean[2 * i] += ((label - out) * g[0]) / S;
        mean[2 * i + 1] += ((label - out) * g[1]) / S;
      }
    }
    for (let j = 0; j < 2 * n; j++) expect(Math.abs(mean[j] + grad[j])).toBeLessThan(1e-13);
  });

  it('circle characteristics adapter: rank 2m + 1 at the particles\' order; a tighter tolerance or larger charges raise the order', async () => {
    const reduced = (await build({ domain: 'circle' })).reduced!;
    const cover = (c: number) => ({ positions: [Float64Array.of(0, c, 1, -c)], weights: Float64Array.of(0.5, 0.5) });
    const a = reduced.characteristics!(cover(2), 1e-10);
    expect([a.order, a.rank]).toEqual([circle.kernelOrder, 2 * circle.kernelOrder + 1]);
    expect(a.bound).toBeLessThanOrEqual(1e-10);
    const b = reduced.characteristics!(cover(1e4), 1e-16);
    expect(b.order).toBeGreaterThan(a.order);
    expect(b.bound).toBeLessThanOrEqual(1e-16);
    expect(reduced.characteristics!(cover(1e4), 1e-16, a.order).order).toBe(a.order);
  });
  it('line characteristics adapter: the periodised kernel\'s order grows with the y-span and the charges; a fixed order reports its bound on a wider span', async () => {
    const reduced = (await build({ domain: 'line' })).reduced!;
    const cover = (y: number, c: number) => ({ positions: [Float64Array.of(-y, c, y, -c)], weights: Float64Array.of(0.5, 0.5) });
    const a = reduced.characteristics!(cover(2, 2), 1e-10);
    expect(a.rank).toBe(2 * a.order + 1);
    expect(a.bound).toBeLessThanOrEqual(1e-10);
    // the bound is the kernel's times max(c², |c|)/2 over the span
    const b = line.periodisedKernel(a.order).bound(4);
    expect(a.bound).toBe(2 * Math.max(b.value, b.derivative));
    expect(reduced.characteristics!(cover(10, 2), 1e-10).order).toBeGreaterThan(a.order);
    expect(reduced.characteristics!(cover(2, 1e3), 1e-10).order).toBeGreaterThan(a.order);
    expect(reduced.characteristics!(cover(2, 2), 1e-14).order).toBeGreaterThan(a.order);
    const fixed = reduced.characteristics!(cover(10, 2), 1e-10, a.order);
    expect(fixed.order).toBe(a.order);
    expect(fixed.bound).toBeGreaterThan(1e-10);
  });

  it('line: GD replicas through the spec engine are bit-identical between runs with the same seed', async () => {
    const spec = await parseSpec({ model: { name: 'charged-units', domain: 'line' }, init: GAUSSIAN_EXAMPLE_INIT, saveTimes: [0, 1], particles: { n: 300, epsilon: 0.02, algorithm: 'gd' }, seed: 11 });
    const [r1, r2] = [await runReplica(replicaSpec(spec.runs[0]), 2), await runReplica(replicaSpec(spec.runs[0]), 2)];
    expect(Array.from(r2.snapshots[1].reduced)).toEqual(Array.from(r1.snapshots[1].reduced));
    expect(r2.snapshots.map((x) => x.populationRisk)).toEqual(r1.snapshots.map((x) => x.populationRisk));
  });
});

describe('input errors', () => {
  it('finite volumes on the circle: a y window that is not one period is a ConfigError', async () => {
    const spec = await parseSpec({ model: { name: 'charged-units', domain: 'circle' }, init: CIRCLE_EXAMPLE_INIT, grid: lineGrid, solver: { method: 'finite-volume' }, saveTimes: [0, 1] });
    expect(() => buildPdeProblem(spec.runs[0])).toThrow(ConfigError);
  });
});
