/**
 * A deliberately plain implementation of the update documented in src/particles/sgd.ts
 * (MMN eq. 3 / eq. 11, batch mean, weight decay and noise), drawing from the RNG in the same
 * order as the engine: initial w row by row, then per step the B samples (N·B with per-unit
 * sampling, unit i owning samples iB … iB + B − 1), then the noise on w (row-major), a, b. Used to
 * check the SIMD engine.
 */
import { Rng } from '../../../src/rng.ts';
import type { ParticleModel } from '../../../src/types.ts';

export interface ReferenceOptions {
  n: number;
  scale: number;
  a0: number;
  b0: number;
  epsilon: number;
  batch: number;
  steps: number;
  trainA: boolean;
  trainB: boolean;
  lambda: number;
  /** η²/s (4/β for the 'pde' convention, 0 without noise). */
  noiseFactor: number;
  seed: number;
  stream: number;
  /** Per-unit sampling (src/particles/sgd.ts, "Sampling"); default shared. */
  perUnit?: boolean;
}

export function referenceSgd(model: ParticleModel, o: ReferenceOptions) {
  const d = model.dimension;
  const rng = new Rng(o.seed, o.stream);
  const w: number[][] = [];
  for (let i = 0; i < o.n; i++) w.push(Array.from({ length: d }, () => (o.scale / Math.sqrt(d)) * rng.normal()));
  const a = new Array<number>(o.n).fill(o.a0);
  const b = new Array<number>(o.n).fill(o.b0);
  const sigma = (t: number) => model.activation.value(t);
  const dsigma = (t: number) => model.activation.derivative(t);
  for (let k = 0; k < o.steps; k++) {
    const s = o.epsilon; // ξ ≡ 1
    const xs: Float64Array[] = [];
    const ys: number[] = [];
    for (let q = 0; q < (o.perUnit ? o.n * o.batch : o.batch); q++) {
      const x = new Float64Array(d);
      ys.push(model.sampleData(rng, x));
      xs.push(x);
    }
    const z = w.map((wi, i) => xs.map((x) => wi.reduce((acc, wij, j) => acc + wij * x[j], b[i])));
    const r = xs.map((_, q) => ys[q] - z.reduce((acc, zi, i) => acc + a[i] * sigma(zi[q]), 0) / o.n);
    const kappa = 1 - 2 * o.lambda * s;
    // the samples unit i learns from
    const own = (i: number) => Array.from({ length: o.batch }, (_, q) => (o.perUnit ? i * o.batch : 0) + q);
    const g = (2 * s) / o.batch;
    const newW = w.map((wi, i) => wi.map((wij, j) => kappa * wij + g * own(i).reduce((acc, q) => acc + r[q] * a[i] * dsigma(z[i][q]) * xs[q][j], 0)));
    const newA = a.map((ai, i) => (o.trainA ? kappa * ai + g * own(i).reduce((acc, q) => acc + r[q] * sigma(z[i][q]), 0) : ai));
    const newB = b.map((bi, i) => (o.trainB ? kappa * bi + g * own(i).reduce((acc, q) => acc + r[q] * a[i] * dsigma(z[i][q]), 0) : bi));
    const eta = Math.sqrt(o.noiseFactor * s);
    if (eta > 0) {
      // Langevin noise from the bulk normal stream (src/rng.ts), in the engine's order: w row-major, then a, then b
      const noise = (count: number) => {
        const g = new Float64Array(count);
        rng.fillNormal(g);
        return g;
      };
      const gw = noise(o.n * d);
      newW.forEach((wi, i) => { for (let j = 0; j < d; j++) wi[j] += eta * gw[i * d + j]; });
      if (o.trainA) noise(o.n).forEach((g, i) => { newA[i] += eta * g; });
      if (o.trainB) noise(o.n).forEach((g, i) => { newB[i] += eta * g; });
    }
    w.splice(0, o.n, ...newW);
    a.splice(0, o.n, ...newA);
    b.splice(0, o.n, ...newB);
  }
  return { w: Float64Array.from(w.flat()), a: Float64Array.from(a), b: Float64Array.from(b) };
}
