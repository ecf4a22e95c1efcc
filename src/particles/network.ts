/**
 * The finite-width two-layer network of MMN eq. 1 in full dimension d:
 *
 *   ŷ(x; θ) = (1/N) Σ_i σ*(x; θ_i),    σ*(x; θ_i) = a_i σ(<w_i, x> + b_i),    θ_i = (w_i, a_i, b_i),
 *
 * with the weights stored N×d row-major (unit i is w[i·d … i·d + d − 1]).
 */
import { ConfigError } from '../errors.ts';
import { checkNumber } from '../io/validate.ts';
import type { Rng } from '../rng.ts';

/** Parameters of N units: w is N×d row-major, a and b have length N. */
export interface ParticleState {
  readonly n: number;
  readonly d: number;
  readonly w: Float64Array;
  readonly a: Float64Array;
  readonly b: Float64Array;
}

/**
 * Initial law of the units: w_i ~ N(0, scale²/d · I_d) i.i.d. (so E|w_i|² = scale²), or "shell":
 * w_i = radius · g_i/|g_i| (uniform directions, every |w_i| = radius: a point mass in r), and the
 * output weights and offsets set to the constants a and b (defaults a = 1, b = 0, the isotropic
 * model's fixed values).
 */
export interface InitSpec {
  readonly w: { readonly kind: 'gaussian'; readonly scale: number } | { readonly kind: 'shell'; readonly radius: number };
  readonly a?: number;
  readonly b?: number;
}

/** Validates `init` (errors name the field, e.g. "init.w.scale"). */
export function checkInit(init: InitSpec, path = 'init'): void {
  if (init === null || typeof init !== 'object' || init.w === null || typeof init.w !== 'object') {
    throw new ConfigError(`${path}.w`, 'must be an object { kind: "gaussian", scale }');
  }
  if (init.w.kind === 'shell') checkNumber(init.w.radius, `${path}.w.radius`, { min: 0 });
  else if (init.w.kind === 'gaussian') checkNumber(init.w.scale, `${path}.w.scale`, { min: 0 });
  else throw new ConfigError(`${path}.w.kind`, `must be "gaussian" or "shell" (got ${JSON.stringify((init.w as { kind: unknown }).kind)})`);
  if (init.a !== undefined) checkNumber(init.a, `${path}.a`);
  if (init.b !== undefined) checkNumber(init.b, `${path}.b`);
}

/**
 * Draws the initial units into `state` from `rng`: row by row, w[i·d + j] = (scale/√d)·g_ij with
 * g_ij the rng's normals in order i = 0…N−1, j = 0…d−1 (this fixes the stream layout: the same
 * (seed, stream) gives the same initial units whatever the algorithm or step size).
 */
export function initialiseUnits(state: ParticleState, init: InitSpec, rng: Rng): void {
  const w = state.w;
  const d = state.d;
  if (init.w.kind === 'shell') {
    // the same normals, each row rescaled to length radius (a normalised Gaussian is uniform on the sphere)
    for (let k = 0; k < w.length; k++) w[k] = rng.normal();
    for (let i = 0; i < w.length; i += d) {
      let n2 = 0;
      for (let j = i; j < i + d; j++) n2 += w[j] * w[j];
      const c = init.w.radius / Math.sqrt(n2);
      for (let j = i; j < i + d; j++) w[j] *= c;
    }
  } else {
    const sd = init.w.scale / Math.sqrt(d);
    for (let k = 0; k < w.length; k++) w[k] = sd * rng.normal();
  }
  state.a.fill(init.a ?? 1);
  state.b.fill(init.b ?? 0);
}
