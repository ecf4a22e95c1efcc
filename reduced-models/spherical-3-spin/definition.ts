/**
 * RVE's spherical 3-spin experiment (README.md) as a particle-only model. Parameters:
 *   { "d": 10, "realisation": 1, "activation": "sigmoid", "bias": true, "testSamples": 4000,
 *     "quench": { "after": 8, "batch": 400 } }
 * Initial law (independent of n): w ~ N(0, I/d) (so <w, x> ~ N(0, 1) on the sphere), b ~ N(0, bStd²), c ~ N(0, cStd²).
 */
import { z } from 'zod';
import { defineModel, type Metric, type NetworkModel, type NetworkTrainer } from '../../src/model.ts';
import { Rng } from '../../src/rng.ts';
import { flag, number, oneOf } from '../../src/spec/fields.ts';
import { RegressionNet, type Activation } from './network.ts';
import { sampleSphere, ThreeSpinTarget } from './target.ts';

export const threeSpinParams = z.strictObject({
  d: number({ integer: true, min: 2, max: 200 }).default(10),
  /** Seed of the coefficients a_pqr: one realisation of the random target. */
  realisation: number({ integer: true, min: 0, max: 4294967295 }).default(1),
  activation: oneOf(['relu', 'sigmoid']).default('sigmoid'),
  /** Train the biases b_i (else they stay at their initial values). */
  bias: flag.default(true),
  /** Fresh points (one fixed set per realisation) of the Monte Carlo test loss. */
  testSamples: number({ integer: true, min: 10, max: 1e6 }).default(4000),
  /** RVE's quench: from time `after` on, batches of `batch` points (the noise term falls as 1/batch). */
  quench: z.strictObject({ after: number({ min: 0 }), batch: number({ integer: true, min: 1, max: 1e6 }) }).optional(),
});
export type ThreeSpinParams = z.output<typeof threeSpinParams>;

export const threeSpinInit = z
  .strictObject({ cStd: number({ min: 0 }).default(1), bStd: number({ min: 0 }).default(1) })
  .prefault({});
export type ThreeSpinInit = z.output<typeof threeSpinInit>;

class Trainer implements NetworkTrainer {
  private readonly net: RegressionNet;
  private readonly x: Float64Array;
  private readonly y: Float64Array;
  private readonly point: Float64Array;
  private readonly prediction: Float64Array;

  constructor(
    private readonly target: ThreeSpinTarget,
    private readonly p: ThreeSpinParams,
    private readonly test: { x: Float64Array; y: Float64Array },
    n: number,
    init: ThreeSpinInit,
    private readonly batch: number,
    rng: Rng,
  ) {
    const d = p.d;
    const largest = Math.max(batch, p.quench?.batch ?? 0, 500);
    this.net = new RegressionNet(n, d, p.activation as Activation, p.bias, largest);
    this.x = new Float64Array(largest * d);
    this.y = new Float64Array(largest);
    this.point = new Float64Array(d);
    this.prediction = new Float64Array(largest);
    rng.fillNormal(this.net.w, 1 / Math.sqrt(d));
    rng.fillNormal(this.net.b, init.bStd);
    rng.fillNormal(this.net.c, init.cStd);
  }

  step(s: number, rng: Rng, t: number): void {
    const count = this.p.quench && t >= this.p.quench.after ? this.p.quench.batch : this.batch;
    const d = this.p.d;
    for (let q = 0; q < count; q++) {
      sampleSphere(rng, this.point);
      this.x.set(this.point, q * d);
      this.y[q] = this.target.value(this.point);
    }
    this.net.step(this.x, this.y, count, s);
  }

  coordinates(out: Float64Array): void {
    const { units: n, dim: d, w, b, c } = this.net;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += w[i * d + j] ** 2;
      out[3 * i] = c[i];
      out[3 * i + 1] = Math.sqrt(s);
      out[3 * i + 2] = b[i];
    }
  }

  /** Test loss ½ mean (f_n − f)² over the fixed test points ± its standard error, and the loss relative to ½ E f². */
  evaluate(): Metric[] {
    const { x, y } = this.test;
    const d = this.p.d;
    const total = y.length;
    const chunk = this.prediction.length;
    let sum = 0;
    let squares = 0;
    for (let start = 0; start < total; start += chunk) {
      const count = Math.min(chunk, total - start);
      this.net.forward(x.subarray(start * d, (start + count) * d), count, this.prediction);
      for (let q = 0; q < count; q++) {
        const l = 0.5 * (this.prediction[q] - y[start + q]) ** 2;
        sum += l;
        squares += l * l;
      }
    }
    const mean = sum / total;
    const se = Math.sqrt(Math.max(0, squares / total - mean * mean) / (total - 1));
    const scale = 0.5 * this.target.meanSquare;
    return [{ value: mean, stdError: se }, { value: mean / scale, stdError: se / scale }];
  }
}

export const sphericalThreeSpin = defineModel({
  name: 'spherical-3-spin',
  summary: 'Rotskoff–Vanden-Eijnden\'s spherical 3-spin target on S^{d−1}(√d), learned by ReLU or sigmoid units c·h(<w, x> + b) with a 1/n output scale; particle-only (width study)',
  params: threeSpinParams,
  init: threeSpinInit,
  build(p) {
    const target = new ThreeSpinTarget(p.d, p.realisation);
    const rng = new Rng(p.realisation, 0x7e57);
    const test = { x: new Float64Array(p.testSamples * p.d), y: new Float64Array(p.testSamples) };
    for (let q = 0; q < p.testSamples; q++) {
      const point = test.x.subarray(q * p.d, (q + 1) * p.d);
      sampleSphere(rng, point);
      test.y[q] = target.value(point);
    }
    const network: NetworkModel<ThreeSpinInit> = {
      coordinateNames: ['c', '|w|', 'b'],
      metricNames: ['testLoss', 'relativeTestLoss'],
      warnings: [],
      createTrainer: (n, init, batch, rng) => new Trainer(target, p, test, n, init, batch, rng),
    };
    return {
      name: 'spherical-3-spin',
      label: `spherical 3-spin target, d = ${p.d}, realisation ${p.realisation}, ${p.activation} units`,
      particles: { kind: 'network', network },
    };
  },
});
