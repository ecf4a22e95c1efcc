/**
 * Finite datasets as data laws. A dataset is n labelled inputs (row-major n × dim, labels in
 * 0 … classes − 1); particle models draw their SGD samples from its training part (uniformly with
 * replacement, from the run's seeded Rng) and report test quantities on its test part.
 *
 * Splits are reproducible: `splitByClass` takes, per class, a seeded permutation of that class's
 * examples in their canonical order and puts the first ⌊fraction · count⌉ of it in the test part, so
 * the same (dataset, fraction, seed) always gives the same bytes, whatever else the program draws.
 */
import { ConfigError } from '../errors.ts';
import { Rng } from '../rng.ts';

export interface Dataset {
  readonly name: string;
  /** Inputs, row-major n × dim. */
  readonly inputs: Float64Array;
  /** Class of each input, 0 … classes − 1. */
  readonly labels: Uint8Array;
  readonly n: number;
  readonly dim: number;
  readonly classes: number;
}

export interface DatasetSplit {
  readonly train: Dataset;
  readonly test: Dataset;
}

/** Examples per class. */
export function classCounts(data: Dataset): number[] {
  const counts = new Array<number>(data.classes).fill(0);
  for (let i = 0; i < data.n; i++) counts[data.labels[i]]++;
  return counts;
}

/** The examples at `indices`, in that order. */
export function subset(data: Dataset, indices: readonly number[], name: string): Dataset {
  const { dim } = data;
  const inputs = new Float64Array(indices.length * dim);
  const labels = new Uint8Array(indices.length);
  indices.forEach((src, i) => {
    inputs.set(data.inputs.subarray(src * dim, (src + 1) * dim), i * dim);
    labels[i] = data.labels[src];
  });
  return { name, inputs, labels, n: indices.length, dim, classes: data.classes };
}

/**
 * Stratified split: per class, a Fisher–Yates permutation (Rng(seed, 1000 + class)) of its examples;
 * the first round(testFraction · count) go to the test part. Both parts keep class-major order.
 */
export function splitByClass(data: Dataset, testFraction: number, seed: number): DatasetSplit {
  if (!(testFraction > 0 && testFraction < 1)) throw new ConfigError('data.testFraction', `must be in (0, 1) (got ${testFraction})`);
  const byClass: number[][] = Array.from({ length: data.classes }, () => []);
  for (let i = 0; i < data.n; i++) byClass[data.labels[i]].push(i);
  const train: number[] = [];
  const test: number[] = [];
  byClass.forEach((members, c) => {
    const rng = new Rng(seed, 1000 + c);
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      [members[i], members[j]] = [members[j], members[i]];
    }
    const k = Math.round(testFraction * members.length);
    test.push(...members.slice(0, k).sort((a, b) => a - b));
    train.push(...members.slice(k).sort((a, b) => a - b));
  });
  return { train: subset(data, train, `${data.name} (train)`), test: subset(data, test, `${data.name} (test)`) };
}
