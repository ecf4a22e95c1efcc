/**
 * The charged-unit (Rotskoff–Vanden-Eijnden) model as a plug-in definition (src/model.ts; math in
 * README.md). Parameters:
 *   { "domain": "line", "s2": 0.5, "target": { "C": [1, -2, 1], "Y": [-2, 0, 2], "S2": [0.5, 1, 0.5] } }
 *   { "domain": "circle", "kappa": 4, "target": { "cos": [0, 1, 0, 0.25], "sin": [0, 0, 0.5] } | "<formula in x>",
 *     "kernelTolerance": 1e-16 }
 * (defaults: the neuron-birth-death gaussian example and the circle example), either with an optional
 *   "birthDeath": { "rate": α, "prior": false, "until": t_off }  (birth-death.ts, README §9). Initial law
 * { "y": marginal, "c": marginal, "allowTruncation": false }, y and c independent, each marginal
 * { "kind": "uniform", "lo", "hi" } | { "kind": "normal", "mean", "std" } | { "kind": "point", "value" }.
 * Grid { "axes": [{ "name": "y", "lo", "hi", "cells" }, { "name": "c", … }] } (circle: y spans one period).
 *
 * Convention (README §1): R = L = ½‖f − f_n‖², V = −cF/2, u = cc'K/2, so that the spec's default ξ = 1
 * runs the flow in RVE's time and every reported risk is the loss L. The line solves by finite volumes on
 * open windows (outflow reported), checked by weighted characteristics with the periodised kernel (its
 * bound on the visited span; line-fourier.ts); the circle by characteristics by default, or by finite
 * volumes with y a periodic axis (README §5).
 */
import { z } from 'zod';
import { ConfigError } from '../../src/errors.ts';
import { Grid } from '../../src/grid.ts';
import { defineModel, type Model, type PointwiseModel, type ReducedSide, type UnitModel } from '../../src/model.ts';
import { allowed, flag, number, numberList } from '../../src/spec/fields.ts';
import { besselSquareTails } from './bessel.ts';
import { circleSeparableReducedModel, lineSeparableReducedModel } from './characteristics.ts';
import { CIRCLE_EXAMPLE, VonMisesCircle, type VonMisesCircleSpec } from './circle.ts';
import { circleTargetFromExpression } from './expression-target.ts';
import { chargedGridOperators } from './grid-operators.ts';
import { initialCellMasses, quadratureNodes, sampleUnits } from './laws.ts';
import { GAUSSIAN_EXAMPLE, GaussianLine } from './line.ts';
import { PeriodisedGaussianKernel } from './line-fourier.ts';
import { BirthDeath } from './birth-death.ts';
import type { Rng } from '../../src/rng.ts';
import type { ChargedUnitsModel } from './model.ts';
import { fittedFunction } from './instruments.ts';

/**
 * Birth–death (NBD; README §9): rate α, switched off at `until` (default never), killed units re-drawn
 * from ρ0 (the spec's init) when `prior`.
 */
const birthDeathParams = z
  .strictObject({ rate: number({ min: 0 }), prior: flag.default(false), until: number({ min: 0 }).optional() })
  .optional();

const lineParams = z.strictObject({
  domain: z.literal('line'),
  /** s²: variance of the Gaussian units. */
  s2: number({ above: 0 }).default(GAUSSIAN_EXAMPLE.unitVariance),
  /** The target (1/m) Σ_j C_j N(x; Y_j, S2_j). */
  target: z
    .strictObject({ C: numberList(), Y: numberList(), S2: numberList({ above: 0 }) })
    .superRefine((t, ctx) => {
      if (t.Y.length !== t.C.length) ctx.addIssue({ code: 'custom', path: ['Y'], message: `must have as many entries as C (${t.C.length}; got ${t.Y.length})` });
      if (t.S2.length !== t.C.length) ctx.addIssue({ code: 'custom', path: ['S2'], message: `must have as many entries as C (${t.C.length}; got ${t.S2.length})` });
    })
    .default({ C: [...GAUSSIAN_EXAMPLE.target.charges], Y: [...GAUSSIAN_EXAMPLE.target.centres], S2: [...GAUSSIAN_EXAMPLE.target.variances] }),
  birthDeath: birthDeathParams,
});

const circleParams = z.strictObject({
  domain: z.literal('circle'),
  kappa: number({ above: 0 }).default(CIRCLE_EXAMPLE.kappa),
  /** f = Σ_k cos[k] cos kx + Σ_k sin[k] sin kx, or a mathjs formula in x (Fourier coefficients by quadrature). */
  target: z
    .union(
      [z.strictObject({ cos: numberList(), sin: numberList().default([0]) }), z.string().min(1)],
      allowed('{ "cos": [...], "sin": [...] } or a formula in x'),
    )
    .default({ cos: [...CIRCLE_EXAMPLE.target.cos], sin: [...CIRCLE_EXAMPLE.target.sin] }),
  /** Bound on |k − k_m| and |k' − k'_m| of the particles' kernel (the PDE may truncate later: solver.kernelTolerance). */
  kernelTolerance: number({ above: 0, max: 1e-2 }).default(1e-16),
  birthDeath: birthDeathParams,
});

export const chargedUnitsParams = z.discriminatedUnion('domain', [lineParams, circleParams], allowed('"line" or "circle"'));
export type ChargedUnitsParams = z.output<typeof chargedUnitsParams>;

const marginal = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('uniform'), lo: number(), hi: number() }).superRefine((l, ctx) => {
      if (!(l.hi > l.lo)) ctx.addIssue({ code: 'custom', path: ['hi'], message: `must be > lo = ${l.lo} (got ${l.hi})` });
    }),
    z.strictObject({ kind: z.literal('normal'), mean: number().default(0), std: number({ above: 0 }) }),
    z.strictObject({ kind: z.literal('point'), value: number() }),
  ],
  allowed('{ "kind": "uniform", "lo", "hi" }, { "kind": "normal", "mean", "std" } or { "kind": "point", "value" }'),
);

/** ρ0 = (law of y) ⊗ (law of c); allowTruncation renormalises a law the grid window cuts by more than 1e-12. */
export const chargedUnitsInit = z.strictObject({ y: marginal, c: marginal, allowTruncation: flag.default(false) });
export type ChargedUnitsInit = z.output<typeof chargedUnitsInit>;

const axis = z.strictObject({ name: z.string(), lo: number(), hi: number(), cells: number({ integer: true, min: 2, max: 1e6 }) });
export const chargedUnitsGrid = z.strictObject({ axes: z.array(axis, allowed('an array of { name, lo, hi, cells }')).length(2, allowed('two axes, y then c')) });
export type ChargedUnitsGrid = z.output<typeof chargedUnitsGrid>;

/** Largest |c| and c² over node sets (point-major (y, c)): scales the kernel's truncation error in u = cc'K/2. */
function chargeBound(positions: readonly Float64Array[]): number {
  let c2 = 0;
  for (const x of positions) for (let i = 1; i < x.length; i += 2) c2 = Math.max(c2, x[i] * x[i]);
  return Math.max(c2, Math.sqrt(c2));
}

/** Extent max y − min y of node sets (point-major (y, c)): the span the line's periodised kernel must cover. */
function ySpan(positions: readonly Float64Array[]): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of positions) {
    for (let i = 0; i < x.length; i += 2) {
      lo = Math.min(lo, x[i]);
      hi = Math.max(hi, x[i]);
    }
  }
  return hi - lo;
}

/** Tensor Gauss quadrature of ρ0 with panels × nodesPerPanel nodes per coordinate (README §5), point-major. */
function tensorNodes(init: ChargedUnitsInit, resolution: { panels: number; nodesPerPanel: number }): { nodes: Float64Array; weights: Float64Array } {
  const count = Math.min(250, resolution.panels * resolution.nodesPerPanel);
  const q = quadratureNodes(init, count, count);
  const nodes = new Float64Array(2 * q.n);
  for (let i = 0; i < q.n; i++) {
    nodes[2 * i] = q.y[i];
    nodes[2 * i + 1] = q.c[i];
  }
  return { nodes, weights: q.w };
}

/** Point values of V = −cF/2 and u = cc'k(y − y')/2 (for `potentials`). */
function pointwise(model: ChargedUnitsModel, method: string): PointwiseModel {
  const k0 = model.kernel(0);
  return {
    method,
    potential: (x) => (-x[1] * model.F(x[0])) / 2,
    interaction: (x, x2) => (x[1] * x2[1] * model.kernel(x[0] - x2[0])) / 2,
    selfInteraction: (x) => (x[1] * x[1] * k0) / 2,
  };
}

/** U(θ, θ) = c² k(0)/2 at point-major (y, c) points. */
function selfInteraction(model: ChargedUnitsModel): (points: Float64Array, out: Float64Array) => void {
  const k0 = model.kernel(0);
  return (points, out) => {
    for (let i = 0; i < points.length / 2; i++) out[i] = (points[2 * i + 1] * points[2 * i + 1] * k0) / 2;
  };
}

/** The (y, c) grid of a spec's grid block (axes y then c). */
function chargedGrid(g: ChargedUnitsGrid, circle = false): Grid {
  g.axes.forEach((a, i) => {
    if (a.name !== ['y', 'c'][i]) throw new ConfigError(`grid.axes[${i}].name`, `must be "${['y', 'c'][i]}" (the axes are y, then c; got ${JSON.stringify(a.name)})`);
    if (!(a.hi > a.lo)) throw new ConfigError(`grid.axes[${i}].hi`, `must be > lo = ${a.lo} (got ${a.hi})`);
  });
  const y = g.axes[0];
  if (circle && !(Math.abs(y.hi - y.lo - 2 * Math.PI) <= 1e-12 * 2 * Math.PI)) {
    throw new ConfigError('grid.axes[0].hi', `on the circle y is periodic: its axis must span one period, hi = lo + 2π = ${y.lo + 2 * Math.PI} (got [${y.lo}, ${y.hi}])`);
  }
  return new Grid(g.axes);
}

function lineReduced(model: GaussianLine): ReducedSide<ChargedUnitsGrid, ChargedUnitsInit> {
  return {
    coordinates: [
      { name: 'y', min: -Infinity, max: Infinity, jacobianExponent: 0 },
      { name: 'c', min: -Infinity, max: Infinity, jacobianExponent: 0 },
    ],
    riskConstant: model.halfTargetNormSquared,
    defaultMethod: 'finite-volume',
    grid: (g) => chargedGrid(g),
    // a window on R × R: mass that reaches its edges leaves and is reported (walls would pile it up there)
    gridBoundaries: ['open', 'open'],
    noise: { jacobianExponents: [0, 0] },
    gridOperators(grid) {
      const operators = chargedGridOperators(model, grid);
      return { ...operators, kernel: { order: 0, rank: grid.size, bound: 0, description: `${operators.interaction.description} (closed-form Gaussian kernel, exact)` } };
    },
    initialMass: (grid, init) => initialCellMasses(grid, init, { allowTruncation: init.allowTruncation }),
    initialNodes: tensorNodes,
    characteristics(cover, tolerance, fixedOrder) {
      // |u − u_m| = |cc'| |k − k_{P,m}| / 2 (and the same for ∂u) over the span the nodes cover
      const scale = chargeBound(cover.positions) / 2;
      const span = ySpan(cover.positions);
      const m = fixedOrder ?? PeriodisedGaussianKernel.orderFor(model.unitVariance, span, tolerance / scale);
      const kernel = model.periodisedKernel(m);
      const b = kernel.bound(span);
      // charges all 0: no interaction, whatever the kernel
      const bound = scale === 0 ? 0 : scale * Math.max(b.value, b.derivative);
      return {
        model: lineSeparableReducedModel(model, kernel),
        order: m,
        rank: 2 * m + 1,
        bound,
        description: `charged-units line periodised Gaussian kernel, rank ${2 * m + 1} (order ${m}, period ${kernel.period.toPrecision(4)}; truncation bound ${bound.toExponential(2)} for |c| ≤ ${Math.sqrt(2 * scale).toPrecision(3)} over a y-span ${span.toPrecision(3)})`,
      };
    },
    selfInteraction: selfInteraction(model),
    pointwise: () => pointwise(model, 'closed forms (Gaussian convolutions)'),
  };
}

/** The kernel-truncation bound of order m at κ (bounds |k − k_m| and |k' − k'_m|, README §4). */
function kernelBound(m: number, kappa: number): number {
  const tails = besselSquareTails(m, kappa);
  return 2 * Math.max(tails.squares, tails.weightedSquares);
}

function circleReduced(model: VonMisesCircle, spec: VonMisesCircleSpec): ReducedSide<ChargedUnitsGrid, ChargedUnitsInit> {
  // circles of a higher kernel order than the particles' (a tighter PDE tolerance), built once each
  const byOrder = new Map<number, VonMisesCircle>([[model.kernelOrder, model]]);
  const ofOrder = (m: number): VonMisesCircle => {
    let circle = byOrder.get(m);
    if (!circle) byOrder.set(m, (circle = new VonMisesCircle({ ...spec, kernelTolerance: kernelBound(m, model.kappa) })));
    return circle;
  };
  return {
    coordinates: [
      { name: 'y', min: 0, max: 2 * Math.PI, periodic: true, jacobianExponent: 0 },
      { name: 'c', min: -Infinity, max: Infinity, jacobianExponent: 0 },
    ],
    riskConstant: model.halfTargetNormSquared,
    defaultMethod: 'characteristics',
    // y periodic (one period, checked by chargedGridOperators), c a window with outflow ends
    grid: (g) => chargedGrid(g, true),
    gridBoundaries: ['periodic', 'open'],
    noise: { jacobianExponents: [0, 0] },
    gridOperators(grid, { tolerance }) {
      // the FFT convolution of the kernel series at the smallest order whose bound, scaled by the window's
      // largest (c², |c|)/2, is below the tolerance
      const cs = grid.centres[1];
      const scale = Math.max(...[cs[0], cs[cs.length - 1]].map((c) => Math.max(c * c, Math.abs(c)))) / 2;
      let m = model.kernelOrder;
      while (scale * kernelBound(m, model.kappa) > tolerance && m < 200) m++;
      const operators = chargedGridOperators(ofOrder(m), grid);
      const bound = scale * kernelBound(m, model.kappa);
      return { ...operators, kernel: { order: m, rank: grid.size, bound, description: `${operators.interaction.description} (kernel order ${m}, truncation bound ${bound.toExponential(2)})` } };
    },
    initialMass: (grid, init) => initialCellMasses(grid, init, { allowTruncation: init.allowTruncation }),
    initialNodes: tensorNodes,
    characteristics(cover, tolerance, fixedOrder) {
      // |u − u_m| = |cc'| |k − k_m| / 2 (and the same for ∂u): the smallest order ≥ the model's meeting tolerance
      const scale = chargeBound(cover.positions) / 2;
      let m = fixedOrder ?? model.kernelOrder;
      while (fixedOrder === undefined && scale * kernelBound(m, model.kappa) > tolerance) m++;
      const circle = ofOrder(m);
      const rank = 2 * m + 1;
      const bound = scale * kernelBound(m, model.kappa);
      return {
        model: circleSeparableReducedModel(circle),
        order: m,
        rank,
        bound,
        description: `charged-units circle Fourier-separable rank ${rank} (kernel order ${m}; truncation bound ${bound.toExponential(2)} for |c| ≤ ${Math.sqrt(2 * scale).toPrecision(3)})`,
      };
    },
    selfInteraction: selfInteraction(model),
    pointwise: () => pointwise(model, `Bessel series, kernel order ${model.kernelOrder} (|k − k_m| ≤ ${model.kernelTruncationBound.value.toExponential(1)})`),
  };
}

/**
 * The particle side: units θ = (y, c), σ*(x; θ) = c φ(x; y)/√2 and label f(x)/√2 (so that MMN's
 * R = E(y − ŷ)² is L), populationRisk = L_n, populationGradient G_i = ∇_θ(cU)/2 = (c_i U'_i, U_i)/2;
 * the engine's θ ← θ − 2εG is then RVE's explicit Euler step of size ε (README §1). SGD on the circle.
 */
export function chargedUnit(model: ChargedUnitsModel, birthDeath?: ChargedUnitsParams['birthDeath']): UnitModel<ChargedUnitsInit> {
  let y = new Float64Array(0);
  let c = new Float64Array(0);
  let w = new Float64Array(0);
  let u = new Float64Array(0);
  let du = new Float64Array(0);
  /** Splits θ (N × 2) into y, c (buffers sized once per N). */
  const load = (theta: Float64Array, n: number) => {
    if (y.length !== n) {
      [y, c, u, du] = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)];
      w = new Float64Array(n).fill(1 / n);
    }
    for (let i = 0; i < n; i++) {
      y[i] = theta[2 * i];
      c[i] = theta[2 * i + 1];
    }
  };
  const sampleInput = model.sampleInput?.bind(model);
  // birth–death (birth-death.ts): the prior is the law the units were drawn from
  let prior: ChargedUnitsInit | undefined;
  let bd: BirthDeath | undefined;
  const reaction = birthDeath && birthDeath.rate > 0
    ? (theta: Float64Array, n: number, t: number, dt: number, rng: Rng) => {
        bd ??= new BirthDeath({ rate: birthDeath.rate, until: birthDeath.until, prior: birthDeath.prior ? prior : undefined });
        if (!bd.active(t)) return;
        load(theta, n);
        model.field(y, c, w, n, u, du);
        for (let i = 0; i < n; i++) du[i] = c[i] * u[i]; // V_i = c_i U_i
        bd.pass(y, c, du, n, dt, rng);
        for (let i = 0; i < n; i++) {
          theta[2 * i] = y[i];
          theta[2 * i + 1] = c[i];
        }
      }
    : undefined;
  return {
    reaction,
    parameters: 2,
    reducedNames: ['y', 'c'],
    riskConstant: model.halfTargetNormSquared,
    initialise(theta, n, init, rng) {
      prior = init;
      // the draws of laws.ts sampleUnits (y_i, then c_i), so a replica starts where ChargedParticles.sample does
      const ys = new Float64Array(n);
      const cs = new Float64Array(n);
      sampleUnits(init, n, rng, ys, cs);
      for (let i = 0; i < n; i++) {
        theta[2 * i] = ys[i];
        theta[2 * i + 1] = cs[i];
      }
    },
    toReduced(unit, out) {
      out[0] = unit[0];
      out[1] = unit[1];
    },
    populationRisk(theta, n) {
      load(theta, n);
      return model.loss(y, c, w, n);
    },
    populationGradient(theta, n, grad) {
      load(theta, n);
      model.field(y, c, w, n, u, du);
      for (let i = 0; i < n; i++) {
        grad[2 * i] = (c[i] * du[i]) / 2;
        grad[2 * i + 1] = u[i] / 2;
      }
    },
    data: sampleInput && {
      inputDimension: 1,
      sample(rng, x) {
        x[0] = sampleInput(rng);
        return model.target(x[0]) * Math.SQRT1_2;
      },
      output: (unit, x) => unit[1] * model.unit(x[0], unit[0]) * Math.SQRT1_2,
      outputGradient(unit, x, grad) {
        const p = model.unit(x[0], unit[0]) * Math.SQRT1_2;
        grad[0] = unit[1] * p * model.unitLogDerivative(x[0], unit[0]);
        grad[1] = p;
      },
    },
  };
}

/** The standalone model object of validated parameters (line.ts / circle.ts). */
export function chargedUnitsModel(params: ChargedUnitsParams): { model: GaussianLine; spec?: undefined } | { model: VonMisesCircle; spec: VonMisesCircleSpec } {
  if (params.domain === 'line') {
    const { C, Y, S2 } = params.target;
    return { model: new GaussianLine({ unitVariance: params.s2, target: { charges: C, centres: Y, variances: S2 } }) };
  }
  const target = typeof params.target === 'string' ? circleTargetFromExpression(params.target) : params.target;
  const spec: VonMisesCircleSpec = { kappa: params.kappa, target, kernelTolerance: params.kernelTolerance };
  return { model: new VonMisesCircle(spec), spec };
}

function build(params: ChargedUnitsParams): Model<ChargedUnitsGrid, ChargedUnitsInit> {
  const built = chargedUnitsModel(params);
  return {
    name: 'charged-units',
    label: `charged units (RVE), ${built.model.description}`,
    reduced: { ...(built.spec ? circleReduced(built.model, built.spec) : lineReduced(built.model)), birthDeath: params.birthDeath },
    particles: { kind: 'units', unit: chargedUnit(built.model, params.birthDeath) },
    riskName: 'loss', // R = L = ½‖f − f_n‖² (README §1): outputs say pde.loss, particles.lossStd
    capabilities: { fittedFunction: fittedFunction(built.model) },
  };
}

export const chargedUnits = defineModel({
  name: 'charged-units',
  summary: 'Rotskoff–Vanden-Eijnden charged units f_n = (1/n) Σ c_i φ(x; y_i) on the line (Gaussian φ) or the circle (von Mises φ); coordinates (y, c), risk = loss ½‖f − f_n‖²',
  params: chargedUnitsParams,
  init: chargedUnitsInit,
  grid: chargedUnitsGrid,
  build,
});
