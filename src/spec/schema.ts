/**
 * The spec: one JSON format for every command and model. The generic blocks are validated here; the
 * `model` block by the model's own definition, `init` and `grid` by the model it names (they mean
 * different things for different models). `schema/meanfield.schema.json` is emitted from these
 * schemas (`npm run schema`), so editors can autocomplete specs.
 *
 * {
 *   "description": "…",
 *   "model":     { "name": "<a model>", …parameters },                       // validated by the model
 *   "init":      { "kind": "gaussian", "scale": 0.8 },                          // the model's initial law
 *   "grid":      { "rMax": 8, "cells": 1600 },                                  // the model's grid (finite volumes)
 *   "schedule":  { "kind": "constant", "value": 1 },                            // ξ(t)
 *   "solver":    { "method": "finite-volume", "scheme": "ssprk2", "cfl": 0.4, … },
 *   "noise":     { "beta": 20, "lambda": 0.5 },
 *   "saveTimes": [0, 0.5, 1, 2, 5, 10],
 *   "particles": { "n": 800, "epsilon": 1e-5, "batch": 1, "seeds": 1 },
 *   "variants":  [ { "label": "Δ = 0.1", "model": { "delta": 0.1 } } ],        // overlaid in one report
 *   "paper":     { "particles": { "epsilon": 1e-6 } },                          // merged in by --paper
 *   "seed": 1
 * }
 */
import { z } from 'zod';
import { deBortoliTimeStep } from '../particles/step-size.ts';
import { allowed, flag, jsonObject, number, numberList, oneOf } from './fields.ts';

/**
 * Limits from what the numerics can do (the cost of a run inside them is estimated in ./resources.ts):
 * a step below 1e-12 means ≥ 1e12 steps to t = 1; horizons beyond 1e6 are far past every equilibration
 * the models show (MMN's figures stop at t = 10⁴) and cost ≥ 1e6/ε SGD steps; more than 10⁴ save
 * times is more than a report can show.
 */
export const LIMITS = { smallestStep: 1e-12, horizon: 1e6, saveTimes: 10000 } as const;

/** Most replicas (seeds) of one run or study, units of one network, and samples of one SGD step. */
export const MAX_SEEDS = 100000;
export const MAX_UNITS = 1e7;
export const MAX_BATCH = 1e5;

export const scheduleSchema = z
  .discriminatedUnion(
    'kind',
    [
      // ξ = 0 would freeze both engines (and SGD refuses it); ξ > 1e3 makes every step (PDE and SGD) a thousandfold shorter
      z.strictObject({ kind: z.literal('constant'), value: number({ above: 0, max: 1e3 }).default(1) }),
      z.strictObject({ kind: z.literal('power'), t0: number({ min: 0, max: LIMITS.horizon }), alpha: number({ min: 0, max: 4 }) }),
    ],
    allowed('{ "kind": "constant", "value" } or { "kind": "power", "t0", "alpha" }'),
  )
  .superRefine((s, ctx) => {
    // ξ(t) = (t + t0)^(−α) must be finite at t = 0: t0 > 0 unless α = 0
    if (s.kind === 'power' && s.alpha > 0 && !(s.t0 > 0)) ctx.addIssue({ code: 'custom', path: ['t0'], message: `must be a finite number > 0 when alpha > 0 (got ${s.t0})` });
    // ξ(0) = t0^(−α) is the largest step factor: the same cap as a constant schedule
    else if (s.kind === 'power' && s.alpha > 0 && Math.pow(s.t0, -s.alpha) > 1e3) ctx.addIssue({ code: 'custom', path: ['t0'], message: `must make ξ(0) = t0^(-alpha) <= 1000 (got ${Math.pow(s.t0, -s.alpha).toPrecision(3)})` });
  })
  .default({ kind: 'constant', value: 1 });

export const solverSchema = z
  .strictObject({
    /** Default: the model's (finite volumes for grid models, characteristics for point-mass laws). */
    method: oneOf(['finite-volume', 'characteristics']).optional(),
    /** Finite volumes: SSP Runge–Kutta scheme, CFL number, reconstruction, a fixed step instead of the CFL rule. */
    scheme: oneOf(['euler', 'ssprk2', 'ssprk3']).default('ssprk2'),
    cfl: number({ above: 0, max: 0.5 }).default(0.4),
    reconstruction: oneOf(['muscl', 'upwind']).default('muscl'),
    dt: number({ min: LIMITS.smallestStep, max: 10 }).optional(),
    /** Noisy runs: implicit (IMEX Scharfetter–Gummel, Δt from transport alone) or explicit (Δt ∝ h²) diffusion. */
    diffusion: oneOf(['implicit', 'explicit']).default('implicit'),
    /** Bound on the kernel's truncation error (both methods). */
    kernelTolerance: number({ above: 0, max: 1e-2 }).default(1e-10),
    /** Characteristics: panels × nodesPerPanel Gauss–Legendre nodes per radius; a coarser check run. */
    panels: number({ integer: true, min: 1, max: 16 }).default(2),
    nodesPerPanel: number({ integer: true, min: 2, max: 64 }).default(10),
    checkNodesPerPanel: number({ integer: true, min: 0, max: 64 }).optional(),
    /** Characteristics: RK4 step-doubling tolerance, first trial step and largest step. */
    tolerance: number({ above: 0, max: 1e-2 }).default(1e-5),
    firstStep: number({ min: LIMITS.smallestStep, max: 10 }).default(0.01),
    dtMax: number({ min: LIMITS.smallestStep, max: 1000 }).default(10),
    /**
     * Finite volumes: target for the estimated discretisation error of the risk at save times t ≤
     * toleranceUntil (default: all), used where the model's grid leaves the cell count open.
     */
    riskTolerance: number({ above: 0, max: 1e-1 }).default(1e-4),
    toleranceUntil: number({ min: 0 }).optional(),
    /** Also solve the model's limit companion (e.g. d = ∞), where it has one. */
    companion: flag.default(true),
    /** Finite volumes: 2 shares the separable interaction passes (and n-D transport sweeps) with a helper thread (bit-identical to 1); "auto": 2 on large grids when a core is free (solvers/README.md). */
    threads: z.union([z.literal(1), z.literal(2), z.literal('auto')], allowed('1, 2 or "auto"')).default('auto'),
  })
  .prefault({});
export type SolverSpec = z.output<typeof solverSchema>;

/** β: inverse temperature (the diffusion coefficient is 1/β; its explicit step h²β/2 is costed in ./resources.ts); λ: ridge penalty. */
export const noiseSchema = z.strictObject({ beta: number({ min: 1e-6, max: 1e12 }), lambda: number({ min: 0, max: 1e6 }) });
export type NoiseSpec = z.output<typeof noiseSchema>;

/** De Bortoli's step sizes γ N^β (k + 1/γ_{α,β}(N))^{−α} (src/particles/step-size.ts): ε = γ_{α,β}(N), ξ(t) = (t + 1)^{−α}. */
export const stepSizeSchema = z.strictObject({
  gamma: number({ above: 0, max: 1e6 }),
  alpha: number({ min: 0, below: 1 }).default(0),
  beta: number({ min: 0, max: 1 }),
});

const particlesFields = z.strictObject({
  n: number({ integer: true, min: 1, max: MAX_UNITS }),
  /** The per-unit step ε (t = kε); or `stepSize`, which gives ε for every width. */
  epsilon: number({ min: LIMITS.smallestStep, max: 1 }).optional(),
  stepSize: stepSizeSchema.optional(),
  batch: number({ integer: true, min: 1, max: MAX_BATCH }).default(1),
  seeds: number({ integer: true, min: 1, max: MAX_SEEDS }).default(1),
  trainA: flag.default(false),
  trainB: flag.default(false),
  /** Fresh samples for the Monte Carlo test risk at each save time (0 = off). */
  testSamples: number({ integer: true, min: 0, max: 1e8 }).default(0),
  /** Online SGD, or full-batch GD on the exact risk (default: SGD where the model has a data law). */
  algorithm: oneOf(['sgd', 'gd']).optional(),
  /** Time stepping of GD (default "euler"): explicit Euler (MMN's step) or Heun (explicit trapezoid, 2nd order; unit models, "gd" only). */
  integrator: oneOf(['euler', 'heun']).optional(),
  /** SGD's samples: "shared" by all units (SGD as trained) or a fresh one "per-unit" (independent noise, De Bortoli et al. eq. 8; ridge units, O(N²d) a step). */
  sampling: oneOf(['shared', 'per-unit']).default('shared'),
  /** Float type of the SGD kernels' W, X, Z: "float64" or "float32" (ridge-unit SGD only; half the memory per unit; README "Single precision"). */
  precision: oneOf(['float64', 'float32']).default('float64'),
  /** Threads of the ridge-unit SGD kernels: 1, 2 (a helper thread takes half of each step's products; bit-identical results) or "auto": 2 for large steps when no pool runs seeds beside it. */
  threads: z.union([z.literal(1), z.literal(2), z.literal('auto')], allowed('1, 2 or "auto"')).default('auto'),
});

export const particlesSchema = particlesFields
  .superRefine((p, ctx) => {
    const given = (p.epsilon !== undefined ? 1 : 0) + (p.stepSize !== undefined ? 1 : 0);
    if (given !== 1) ctx.addIssue({ code: 'custom', path: [given ? 'stepSize' : 'epsilon'], message: given ? 'give either "epsilon" or "stepSize", not both' : 'is required (or "stepSize": { "gamma", "alpha", "beta" })' });
  })
  .transform((p) => ({ ...p, epsilon: p.epsilon ?? deBortoliTimeStep(p.stepSize!, p.n) }));
export type ParticlesSpec = z.output<typeof particlesSchema>;

/** The blocks a variant or the "paper" block may override. */
export const OVERRIDE_KEYS = ['model', 'init', 'grid', 'schedule', 'solver', 'noise', 'limit', 'saveTimes', 'particles'] as const;

/** One run (the base spec with a variant's overrides merged in), before the model-specific blocks are checked. */
export const runSchema = z.strictObject({
  model: jsonObject,
  init: jsonObject,
  grid: jsonObject.optional(),
  schedule: scheduleSchema,
  solver: solverSchema,
  noise: noiseSchema.optional(),
  /**
   * The PDE's limit of SGD: the deterministic mean-field one (MMN eq. 7), or at the fixed step particles.epsilon
   * and batch particles.batch the SGD-diffusion limit (De Bortoli et al. β = 1, their eq. 8; the model README).
   */
  limit: oneOf(['deterministic', 'sgd-diffusion']).default('deterministic'),
  saveTimes: numberList({ min: 0, max: LIMITS.horizon }, { increasing: true }).refine((ts) => ts.length <= LIMITS.saveTimes, allowed(`an array of at most ${LIMITS.saveTimes} times`)),
  particles: particlesSchema.optional(),
});

export const specSchema = z.strictObject({
  /** The JSON Schema an editor validates the file with (ignored here). */
  $schema: z.string().optional(),
  description: z.string(allowed('a string')).optional(),
  ...runSchema.shape,
  variants: z.array(jsonObject, allowed('a nonempty array of { "label": …, overrides }')).min(1, allowed('a nonempty array of { "label": …, overrides }')).optional(),
  paper: jsonObject.optional(),
  /** Extra equal time steps of the risk and mean curves of `compare` (0: the save times only). */
  curveSteps: number({ integer: true, min: 0, max: 10000 }).default(40),
  /** Random unit directions of the sliced W1 (multi-coordinate models). */
  slicedDirections: number({ integer: true, min: 1, max: 10000 }).default(64),
  /** Blocks of the commands that use them (validated there): sweep (landscape), clt (ensemble study), widths (n-scaling study). */
  sweep: jsonObject.optional(),
  clt: jsonObject.optional(),
  /** The width study: { "ns": [...], "seeds": K } (src/pipeline/width-study.ts for models with a PDE, network-study.ts for particle-only ones). */
  widths: jsonObject.optional(),
  seed: number({ integer: true, min: 0, max: 4294967295 }).default(1),
});

/** Old names, rejected with the new one. */
export const RENAMED_FIELDS: Readonly<Record<string, string>> = {
  pde: 'the characteristics numerics moved to "solver" (with "method": "characteristics"; "dt" is now "firstStep", "infinite" is "companion")',
};
