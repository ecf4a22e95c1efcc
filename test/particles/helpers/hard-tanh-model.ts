/**
 * Test-only particle model (no closed forms): x ~ N(0, I_d), y = sign(x_0 + x_1/2), units
 * a·σ(<w,x> + b) with the hard tanh σ(t) = clip(t, −1, 1) (σ' = 0 outside (−1, 1), so the
 * engine's flat-region skip is exercised). Exported as a factory and as a particle-only model
 * definition, so that ensemble workers can load it by module path:
 * { "name": "hard-tanh-test", "module": <this file>, "d", "piecewise" }.
 */
import { z } from 'zod';
import type { Activation, ParticleModel } from '../../../src/types.ts';
import type { Rng } from '../../../src/rng.ts';
import { flag, number } from '../../../src/spec/fields.ts';
import { ridgeDefinition } from './toy-models.ts';

export const hardTanh: Activation = {
  value: (t) => (t <= -1 ? -1 : t >= 1 ? 1 : t),
  derivative: (t) => (t >= -1 && t < 1 ? 1 : 0),
};

/** The same σ, declared piecewise linear (evaluated inside the engine's wasm kernel). */
export const hardTanhPiecewise: Activation = {
  ...hardTanh,
  piecewiseLinear: { knots: [-1, 1], values: [-1, 1], leftSlope: 0, rightSlope: 0 },
};

export function hardTanhModel(params: { d: number; piecewise?: boolean }): ParticleModel {
  const d = params.d;
  if (!Number.isInteger(d) || d < 2) throw new Error('hardTanhModel: d must be an integer >= 2');
  return {
    name: 'hard-tanh-test',
    dimension: d,
    activation: params.piecewise ? hardTanhPiecewise : hardTanh,
    reducedNames: ['r', 'a', 'b'],
    sampleData(rng: Rng, x: Float64Array): number {
      rng.fillNormal(x);
      return x[0] + 0.5 * x[1] >= 0 ? 1 : -1;
    },
    toReduced(w, a, b, out) {
      let s = 0;
      for (let j = 0; j < d; j++) s += w[j] * w[j];
      out[0] = Math.sqrt(s);
      out[1] = a;
      out[2] = b;
    },
  };
}

export const hardTanhTest = ridgeDefinition({
  name: 'hard-tanh-test',
  summary: 'test-only: x ~ N(0, I_d), y = sign(x_0 + x_1/2), units a·clip(<w, x> + b, −1, 1); no closed forms',
  params: z.strictObject({ d: number({ integer: true, min: 2 }), piecewise: flag.default(false) }),
  label: (p) => `hard tanh, d = ${p.d}`,
  model: hardTanhModel,
  trainable: { a: true, b: true },
});
