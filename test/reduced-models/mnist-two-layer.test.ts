import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.ts';
import { Rng } from '../../src/rng.ts';
import { sparseInputs, TwoLayerClassifier } from '../../reduced-models/mnist-two-layer/network.ts';

/** A small random dataset with sparse inputs (like images: most entries 0). */
function toyData(n: number, dim: number, classes: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const inputs = new Float64Array(n * dim);
  for (let i = 0; i < inputs.length; i++) inputs[i] = rng.uniform() < 0.4 ? rng.uniform() : 0;
  const labels = Uint8Array.from({ length: n }, () => Math.floor(rng.uniform() * classes));
  return { name: 'toy', inputs, labels, n, dim, classes };
}

function randomNet(units: number, dim: number, classes: number, batch: number, seed: number): TwoLayerClassifier {
  const rng = new Rng(seed);
  const net = new TwoLayerClassifier(units, dim, classes, batch);
  for (let i = 0; i < net.uT.length; i++) net.uT[i] = 2 * rng.uniform() - 1;
  for (let i = 0; i < net.a.length; i++) net.a[i] = 4 * rng.uniform() - 2;
  return net;
}

describe('two-layer softmax classifier', () => {
  const data = sparseInputs(toyData(12, 9, 4, 3));
  const rows = Uint32Array.from({ length: 12 }, (_, i) => i);

  it('gradient agrees with central finite differences to 1e-7 relative', () => {
    const net = randomNet(7, 9, 4, 12, 5);
    const gU = new Float64Array(net.uT.length);
    const gA = new Float64Array(net.a.length);
    net.gradient(data, rows, 12, gU, gA);
    const loss = () => net.evaluate(data, rows).loss;
    const h = 1e-5;
    let worst = 0;
    for (const [w, g] of [[net.uT, gU], [net.a, gA]] as const) {
      for (let i = 0; i < w.length; i++) {
        const w0 = w[i];
        w[i] = w0 + h;
        const lp = loss();
        w[i] = w0 - h;
        const lm = loss();
        w[i] = w0;
        const fd = (lp - lm) / (2 * h);
        worst = Math.max(worst, Math.abs(fd - g[i]) / Math.max(Math.abs(g[i]), 1e-3));
      }
    }
    expect(worst).toBeLessThan(1e-7);
  });

  it('the step is θ − sN∇L, and SGD on a tiny dataset overfits it', () => {
    const net = randomNet(20, 9, 4, 12, 6);
    const gU = new Float64Array(net.uT.length);
    const gA = new Float64Array(net.a.length);
    net.gradient(data, rows, 12, gU, gA);
    const u0 = Float64Array.from(net.uT);
    const a0 = Float64Array.from(net.a);
    net.step(data, rows, 12, 0.5);
    for (let i = 0; i < u0.length; i++) expect(net.uT[i]).toBe(u0[i] - 0.5 * 20 * gU[i]);
    for (let i = 0; i < a0.length; i++) expect(net.a[i]).toBe(a0[i] - 0.5 * 20 * gA[i]);
    net.uT.set(u0);
    net.a.set(a0);
    const before = net.evaluate(data, rows);
    for (let k = 0; k < 3000; k++) net.step(data, rows, 12, 0.5);
    const after = net.evaluate(data, rows);
    expect(before.accuracy).toBeLessThan(0.7);
    expect(after.accuracy).toBe(1);
    expect(after.loss).toBeLessThan(0.05 * before.loss);
  });
});

describe('equal units stay equal', () => {
  it('N units from one fixed value move like one unit with the same per-unit step', () => {
    const data = sparseInputs(toyData(10, 9, 4, 8));
    const rows = Uint32Array.from([3, 1, 4, 1, 5]);
    const many = new TwoLayerClassifier(6, 9, 4, 5);
    const one = new TwoLayerClassifier(1, 9, 4, 5);
    for (const net of [many, one]) { net.uT.fill(0.05); net.a.fill(0.3); }
    for (let k = 0; k < 50; k++) { many.step(data, rows, 5, 0.7); one.step(data, rows, 5, 0.7); }
    for (let j = 0; j < 9; j++) for (let k = 0; k < 6; k++) expect(many.uT[j * 6 + k]).toBeCloseTo(one.uT[j], 12);
    for (let k = 0; k < 6; k++) for (let c = 0; c < 4; c++) expect(many.a[k * 4 + c]).toBeCloseTo(one.a[c], 12);
    expect(Math.abs(one.uT[0] - 0.05)).toBeGreaterThan(1e-3); // it did move
  });
});
