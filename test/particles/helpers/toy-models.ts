/**
 * Two small particle models with exact population risk and gradient, independent of the paper's
 * models: used to test the particle engine (and handy for experiments).
 *
 * 1. `teacherReluModel`: x ~ N(0, I_d), y = relu(<w*, x>) with w* = r* e_1, units a·relu(<w, x>)
 *    (b = 0). With Gaussian x every expectation is the arc-cosine kernel (Cho & Saul 2009)
 *      k(u, v) = E relu(<u,x>) relu(<v,x>) = |u||v| (sin θ + (π − θ) cos θ) / (2π),  cos θ = <u,v>/(|u||v|),
 *      ∇_u k(u, v) = [ (π − θ) v + |v| sin θ · u/|u| ] / (2π)       (k(u, u) = |u|²/2, ∇_u k(u,u) = u),
 *    so V(θ) = −a k(w*, w), U(θ, θ') = a a' k(w, w'), R# = r*²/2 (MMN eq. 4–5 with these V, U).
 * 2. `freeModel`: no data term (σ ≡ 0, y ≡ 0, so V = U = 0): noisy SGD is then the discretised
 *    Ornstein–Uhlenbeck process θ ← (1 − 2λs) θ + η g, used to check the noise normalisation.
 *
 * `teacherRelu` is the first as a particle-only model definition (src/model.ts; no reduced side):
 * specs and ensembles name it { "name": "teacher-relu", "module": <this file>, "d", "teacherNorm" },
 * so worker threads can build it. `ridgeDefinition` makes such a definition from any ParticleModel.
 */
import { z } from 'zod';
import { checkNumber } from '../../../src/io/validate.ts';
import { defineModel } from '../../../src/model.ts';
import type { Rng } from '../../../src/rng.ts';
import { allowed, number } from '../../../src/spec/fields.ts';
import type { Activation, ParticleModel } from '../../../src/types.ts';

/** The `init` block of a ridge-unit model: the engine's law w ~ N(0, s²/d I_d), a and b constants. */
export const ridgeInit = z.strictObject({
  w: z.strictObject({ kind: z.literal('gaussian', allowed('"gaussian"')), scale: number({ min: 0 }) }),
  a: number().default(1),
  b: number().default(0),
});

/** A particle-only definition of ridge units a·σ(<w, x> + b) from a ParticleModel factory. */
export function ridgeDefinition<S extends z.ZodType>(spec: {
  name: string;
  summary: string;
  params: S;
  label(params: z.output<S>): string;
  model(params: z.output<S>): ParticleModel;
  /** Which of a and b the units may train. */
  trainable: { a: boolean; b: boolean };
}) {
  return defineModel({
    name: spec.name,
    summary: spec.summary,
    params: spec.params,
    init: ridgeInit,
    build: (params) => ({
      name: spec.name,
      label: spec.label(params),
      particles: { kind: 'ridge', model: spec.model(params), initialLaw: (init: z.output<typeof ridgeInit>) => init, trainable: spec.trainable },
    }),
  });
}

/** relu(t) = max(t, 0); σ'(0) = 1 (right-continuous, as `piecewiseLinear` requires). */
export const relu: Activation = {
  value: (t) => (t > 0 ? t : 0),
  derivative: (t) => (t >= 0 ? 1 : 0),
  piecewiseLinear: { knots: [0], values: [0], leftSlope: 0, rightSlope: 1 },
};

const zeroActivation: Activation = {
  value: () => 0,
  derivative: () => 0,
};

function norm(v: Float64Array, off: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += v[off + j] * v[off + j];
  return Math.sqrt(s);
}

function requireZeroBias(b: Float64Array, n: number, model: string): void {
  for (let i = 0; i < n; i++) {
    if (b[i] !== 0) throw new Error(`${model}: closed forms need b = 0 (unit ${i} has b = ${b[i]}); do not train b`);
  }
}

/** Arc-cosine kernel k(u, v) from the norms and the inner product. */
function arcCos(nu: number, nv: number, dot: number): number {
  if (nu === 0 || nv === 0) return 0;
  const c = Math.max(-1, Math.min(1, dot / (nu * nv)));
  const theta = Math.acos(c);
  return (nu * nv * (Math.sqrt(1 - c * c) + (Math.PI - theta) * c)) / (2 * Math.PI);
}

/**
 * out += scale · ∇_u k(u, v) = scale · [ (π − θ) v + |v| sin θ u/|u| ] / (2π), for u = w[uo…],
 * v given by its offset in `vArr`. At u = 0 the gradient of k (homogeneous of degree 1 in u) is
 * set to its radial average v/4.
 */
function addArcCosGrad(
  out: Float64Array, oo: number, scale: number,
  u: Float64Array, uo: number, nu: number, v: Float64Array, vo: number, nv: number, d: number,
): void {
  if (nv === 0) return;
  if (nu === 0) {
    for (let j = 0; j < d; j++) out[oo + j] += (scale * v[vo + j]) / 4;
    return;
  }
  let dot = 0;
  for (let j = 0; j < d; j++) dot += u[uo + j] * v[vo + j];
  const c = Math.max(-1, Math.min(1, dot / (nu * nv)));
  const theta = Math.acos(c);
  const cv = (scale * (Math.PI - theta)) / (2 * Math.PI);
  const cu = (scale * nv * Math.sqrt(1 - c * c)) / (2 * Math.PI * nu);
  for (let j = 0; j < d; j++) out[oo + j] += cv * v[vo + j] + cu * u[uo + j];
}

export interface TeacherReluParams {
  /** Dimension d (integer ≥ 1). */
  readonly d: number;
  /** Teacher norm r* > 0 (default 1). */
  readonly teacherNorm?: number;
}

export function teacherReluModel(params: TeacherReluParams): ParticleModel {
  const d = checkNumber(params.d, 'model.d', { integer: true, min: 1 });
  const rs = checkNumber(params.teacherNorm ?? 1, 'model.teacherNorm', { above: 0 });
  const teacher = new Float64Array(d);
  teacher[0] = rs;
  const name = 'teacher-relu';
  return {
    name,
    dimension: d,
    activation: relu,
    reducedNames: ['r', 'cos', 'a'],
    sampleData(rng: Rng, x: Float64Array): number {
      rng.fillNormal(x);
      return x[0] > 0 ? rs * x[0] : 0;
    },
    toReduced(w, a, _b, out) {
      const r = norm(w, 0, d);
      out[0] = r;
      out[1] = r > 0 ? w[0] / r : 0;
      out[2] = a;
    },
    populationRisk(w, a, b, n) {
      requireZeroBias(b, n, name);
      const norms = new Float64Array(n);
      for (let i = 0; i < n; i++) norms[i] = norm(w, i * d, d);
      let lin = 0;
      let quad = 0;
      for (let i = 0; i < n; i++) {
        lin += a[i] * arcCos(rs, norms[i], rs * w[i * d]);
        quad += a[i] * a[i] * arcCos(norms[i], norms[i], norms[i] * norms[i]);
        for (let j = i + 1; j < n; j++) {
          let dot = 0;
          for (let k = 0; k < d; k++) dot += w[i * d + k] * w[j * d + k];
          quad += 2 * a[i] * a[j] * arcCos(norms[i], norms[j], dot);
        }
      }
      return (rs * rs) / 2 - (2 / n) * lin + quad / (n * n);
    },
    populationGradient(w, a, b, n, gw, ga, gb) {
      requireZeroBias(b, n, name);
      const norms = new Float64Array(n);
      for (let i = 0; i < n; i++) norms[i] = norm(w, i * d, d);
      gw.fill(0);
      gb.fill(0);
      for (let i = 0; i < n; i++) {
        // G_w = −a_i ∇k(w_i, w*) + (1/N) Σ_j a_i a_j ∇k(w_i, w_j);  G_a = −k(w*, w_i) + (1/N) Σ_j a_j k(w_i, w_j)
        addArcCosGrad(gw, i * d, -a[i], w, i * d, norms[i], teacher, 0, rs, d);
        let sa = -arcCos(rs, norms[i], rs * w[i * d]);
        for (let j = 0; j < n; j++) {
          addArcCosGrad(gw, i * d, (a[i] * a[j]) / n, w, i * d, norms[i], w, j * d, norms[j], d);
          let dot = 0;
          for (let k = 0; k < d; k++) dot += w[i * d + k] * w[j * d + k];
          sa += (a[j] * arcCos(norms[i], norms[j], dot)) / n;
        }
        ga[i] = sa;
      }
    },
  };
}

export const teacherRelu = ridgeDefinition({
  name: 'teacher-relu',
  summary: 'test-only: x ~ N(0, I_d), y = relu(<w*, x>), units a·relu(<w, x>) with exact population risk and gradient',
  params: z.strictObject({ d: number({ integer: true, min: 1 }), teacherNorm: number({ above: 0 }).default(1) }),
  label: (p) => `teacher ReLU, d = ${p.d}, |w*| = ${p.teacherNorm}`,
  model: teacherReluModel,
  trainable: { a: true, b: false }, // the closed forms need b = 0
});

export interface FreeModelParams {
  /** Dimension d (integer ≥ 1). */
  readonly d: number;
}

/** No data term: σ ≡ 0 and y ≡ 0 (x ≡ 0, no random draws), so R_N ≡ 0 and the gradient vanishes. */
export function freeModel(params: FreeModelParams): ParticleModel {
  const d = checkNumber(params.d, 'model.d', { integer: true, min: 1 });
  return {
    name: 'free',
    dimension: d,
    activation: zeroActivation,
    reducedNames: ['r'],
    sampleData(_rng: Rng, x: Float64Array): number {
      x.fill(0);
      return 0;
    },
    toReduced(w, _a, _b, out) {
      out[0] = norm(w, 0, d);
    },
    populationRisk: () => 0,
    populationGradient(_w, _a, _b, _n, gw, ga, gb) {
      gw.fill(0);
      ga.fill(0);
      gb.fill(0);
    },
  };
}
