/** Sampling helpers shared by the Monte Carlo checks of the reduced models. */
import type { Rng } from '../../src/rng.ts';
import type { ParticleModel } from '../../src/types.ts';

/** Mean and standard error of a sample, from running sums. */
export function meanSe(sum: number, sumSq: number, n: number): { mean: number; se: number } {
  const mean = sum / n;
  return { mean, se: Math.sqrt(Math.max(sumSq / n - mean * mean, 0) / (n - 1)) };
}

/** A uniform direction in out (any length), times `scale`. */
export function randomDirection(rng: Rng, out: Float64Array, scale = 1): void {
  rng.fillNormal(out);
  let s = 0;
  for (const x of out) s += x * x;
  const f = scale / Math.sqrt(s);
  for (let i = 0; i < out.length; i++) out[i] *= f;
}

/**
 * Monte Carlo test risk of n units (w row-major n × d, output weights a, biases b) on `samples` fresh
 * draws of the model's data law: the mean and standard error of (y − (1/n) Σ_i a_i σ(<w_i, x> + b_i))².
 */
export function monteCarloRisk(
  pm: ParticleModel, w: Float64Array, a: Float64Array, b: Float64Array, n: number, samples: number, rng: Rng,
): { mean: number; se: number } {
  const d = pm.dimension;
  const act = pm.activation;
  const x = new Float64Array(d);
  let sum = 0;
  let sumSq = 0;
  for (let m = 0; m < samples; m++) {
    const y = pm.sampleData(rng, x);
    let yhat = 0;
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += w[i * d + k] * x[k];
      yhat += a[i] * act.value(dot + b[i]);
    }
    const loss = (y - yhat / n) ** 2;
    sum += loss;
    sumSq += loss * loss;
  }
  return meanSe(sum, sumSq, samples);
}
