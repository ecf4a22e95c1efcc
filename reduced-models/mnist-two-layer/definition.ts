/**
 * De Bortoli et al.'s MNIST classifier (README.md) as a particle-only model: no reduced PDE; the
 * width study (`compare` with a "widths" block) compares the law of chosen unit coordinates across N.
 * Parameters:
 *   { "data": { "source": "npm" } | { "images": "<IDX file>", "labels": "<IDX file>" }, "testFraction": 0.2,
 *     "splitSeed": 1, "evalSamples": 2000, "track": { "pixels": [[14, 14]], "classes": [3] } }
 * Initial law (independent of N; README §2): { "u": { "kind": "uniform", "halfWidth": 1/28 }, "a": { "kind": "uniform", "halfWidth": 1 } },
 * either marginal may be { "kind": "fixed", "value": w0 } (every weight equal: the two-regimes experiment).
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { splitByClass, type Dataset } from '../../src/data/dataset.ts';
import { alwaysZeroPixels, loadMnistIdx, loadMnistPackage, MNIST_SIDE } from '../../src/data/mnist.ts';
import { defineModel, type Metric, type NetworkModel, type NetworkTrainer } from '../../src/model.ts';
import { Rng } from '../../src/rng.ts';
import { allowed, number } from '../../src/spec/fields.ts';
import { sparseInputs, TwoLayerClassifier, type SparseInputs } from './network.ts';

const pixel = z.tuple([number({ integer: true, min: 0, max: MNIST_SIDE - 1 }), number({ integer: true, min: 0, max: MNIST_SIDE - 1 })], allowed('[row, col] with 0 ≤ row, col ≤ 27'));

export const mnistTwoLayerParams = z.strictObject({
  data: z
    .union([z.strictObject({ source: z.literal('npm') }), z.strictObject({ images: z.string().min(1), labels: z.string().min(1) })], allowed('{ "source": "npm" } or { "images": "<IDX file>", "labels": "<IDX file>" }'))
    .default({ source: 'npm' }),
  /** Share of every digit held out for testing (stratified, seeded by splitSeed). */
  testFraction: number({ above: 0, below: 1 }).default(0.2),
  splitSeed: number({ integer: true, min: 0, max: 4294967295 }).default(1),
  /** Examples the train and test metrics average over at each save time (a fixed seeded subset when fewer than the set). */
  evalSamples: number({ integer: true, min: 10, max: 1e6 }).default(2000),
  /** Coordinates of every unit the study records: first-layer weights at pixels (row, col), second-layer weights of classes. */
  track: z
    .strictObject({
      pixels: z.array(pixel).default([[14, 14]]),
      classes: z.array(number({ integer: true, min: 0, max: 9 })).default([3]),
    })
    .prefault({}),
});
export type MnistTwoLayerParams = z.output<typeof mnistTwoLayerParams>;

const marginal = (halfWidth: number) =>
  z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('uniform'), halfWidth: number({ above: 0 }) }),
      z.strictObject({ kind: z.literal('fixed'), value: number() }),
    ], allowed('{ "kind": "uniform", "halfWidth" } or { "kind": "fixed", "value" }'))
    .default({ kind: 'uniform', halfWidth });

export const mnistTwoLayerInit = z.strictObject({ u: marginal(1 / MNIST_SIDE), a: marginal(1) }).prefault({});
export type MnistTwoLayerInit = z.output<typeof mnistTwoLayerInit>;

/** Datasets are read once per thread and source. */
const loaded = new Map<string, Dataset>();
function loadData(p: MnistTwoLayerParams): Dataset {
  const key = 'source' in p.data ? 'npm' : `${resolve(p.data.images)}|${resolve(p.data.labels)}`;
  let data = loaded.get(key);
  if (!data) {
    data = 'source' in p.data ? loadMnistPackage() : loadMnistIdx(p.data.images, p.data.labels);
    loaded.set(key, data);
  }
  return data;
}

/** The first `count` indices of a seeded permutation of 0 … n − 1 (all of them, in order, when count ≥ n). */
function evaluationRows(n: number, count: number, seed: number, stream: number): Uint32Array {
  if (count >= n) return Uint32Array.from({ length: n }, (_, i) => i);
  const rng = new Rng(seed, stream);
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order.subarray(0, count).sort();
}

function fill(w: Float64Array, law: MnistTwoLayerInit['u'], rng: Rng): void {
  if (law.kind === 'fixed') w.fill(law.value);
  else for (let i = 0; i < w.length; i++) w[i] = law.halfWidth * (2 * rng.uniform() - 1);
}

class Trainer implements NetworkTrainer {
  private readonly net: TwoLayerClassifier;
  private readonly rows: Uint32Array;
  private readonly identical: boolean;

  constructor(
    private readonly n: number,
    private readonly train: SparseInputs,
    private readonly test: SparseInputs,
    private readonly trainEval: Uint32Array,
    private readonly testEval: Uint32Array,
    private readonly pixels: readonly number[],
    private readonly classes: readonly number[],
    init: MnistTwoLayerInit,
    private readonly batch: number,
    rng: Rng,
  ) {
    // Every weight fixed: the units start equal and get equal updates, so they stay equal and the net is
    // one unit (f = a relu(<u, x>)) with the same per-unit step; simulated as one (exact up to rounding).
    this.identical = init.u.kind === 'fixed' && init.a.kind === 'fixed';
    this.net = new TwoLayerClassifier(this.identical ? 1 : n, train.dim, train.classes, Math.max(batch, 250));
    this.rows = new Uint32Array(batch);
    fill(this.net.uT, init.u, rng);
    fill(this.net.a, init.a, rng);
  }

  step(s: number, rng: Rng): void {
    const nTrain = this.train.n;
    for (let b = 0; b < this.batch; b++) this.rows[b] = Math.floor(rng.uniform() * nTrain);
    this.net.step(this.train, this.rows, this.batch, s);
  }

  coordinates(out: Float64Array): void {
    const { n, net, pixels, classes } = this;
    const m = pixels.length + classes.length;
    const C = this.train.classes;
    const units = net.units;
    for (let k = 0; k < n; k++) {
      const j = this.identical ? 0 : k;
      pixels.forEach((p, i) => { out[k * m + i] = net.uT[p * units + j]; });
      classes.forEach((c, i) => { out[k * m + pixels.length + i] = net.a[j * C + c]; });
    }
  }

  evaluate(): Metric[] {
    const test = this.net.evaluate(this.test, this.testEval);
    const train = this.net.evaluate(this.train, this.trainEval);
    return [
      { value: test.loss, stdError: test.lossStdError },
      { value: test.accuracy, stdError: test.accuracyStdError },
      { value: train.loss, stdError: train.lossStdError },
      { value: train.accuracy, stdError: train.accuracyStdError },
    ];
  }
}

export const mnistTwoLayer = defineModel({
  name: 'mnist-two-layer',
  summary: 'De Bortoli et al.\'s MNIST classifier 784 → N → 10: ReLU units without biases, output divided by N, softmax cross-entropy; particle-only (width study)',
  params: mnistTwoLayerParams,
  init: mnistTwoLayerInit,
  build(p) {
    const data = loadData(p);
    const split = splitByClass(data, p.testFraction, p.splitSeed);
    const train = sparseInputs(split.train);
    const test = sparseInputs(split.test);
    const trainEval = evaluationRows(train.n, p.evalSamples, p.splitSeed, 1);
    const testEval = evaluationRows(test.n, p.evalSamples, p.splitSeed, 2);
    const pixels = p.track.pixels.map(([row, col]) => row * MNIST_SIDE + col);
    const zero = alwaysZeroPixels(split.train);
    const warnings = p.track.pixels
      .filter((_, i) => zero.has(pixels[i]))
      .map(([row, col]) => `model.track.pixels: pixel (${row}, ${col}) is 0 in every training image, so its first-layer weights never move from their initial law`);
    const network: NetworkModel<MnistTwoLayerInit> = {
      coordinateNames: [...p.track.pixels.map(([row, col]) => `u(${row},${col})`), ...p.track.classes.map((c) => `a_${c}`)],
      metricNames: ['testLoss', 'testAccuracy', 'trainLoss', 'trainAccuracy'],
      warnings,
      createTrainer: (n, init, batch, rng) => new Trainer(n, train, test, trainEval, testEval, pixels, p.track.classes, init, batch, rng),
    };
    return {
      name: 'mnist-two-layer',
      label: `MNIST two-layer ReLU net (${split.train.n} train / ${split.test.n} test digits)`,
      particles: { kind: 'network', network },
    };
  },
});

