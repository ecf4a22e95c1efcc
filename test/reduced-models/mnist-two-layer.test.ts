import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.ts';
import { Rng } from '../../src/rng.ts';
import { PANEL_COLUMNS, sparseInputs, TwoLayerClassifier } from '../../reduced-models/mnist-two-layer/network.ts';
import { BLOCK_ROWS, ClassifierWorkspace, referenceRowsProduct } from '../../reduced-models/mnist-two-layer/kernels.ts';
import { referenceGradient } from '../../reduced-models/mnist-two-layer/reference.ts';

/** A small random dataset with sparse inputs (like images: most entries 0). */
function toyData(n: number, dim: number, classes: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const inputs = new Float64Array(n * dim);
  for (let i = 0; i < inputs.length; i++) inputs[i] = rng.uniform() < 0.4 ? rng.uniform() : 0;
  const labels = Uint8Array.from({ length: n }, () => Math.floor(rng.uniform() * classes));
  return { name: 'toy', inputs, labels, n, dim, classes };
}

function randomNet(units: number, dim: number, classes: number, batch: number, seed: number, panel = PANEL_COLUMNS): TwoLayerClassifier {
  const rng = new Rng(seed);
  const net = new TwoLayerClassifier(units, dim, classes, batch, panel);
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

describe('blocked kernels', () => {
  /** |fast − reference| ≤ 1e-12 |reference| entrywise (the kernels sum the same terms in the same order). */
  function expectClose(fast: ArrayLike<number>, reference: ArrayLike<number>): void {
    expect(fast.length).toBe(reference.length);
    let worst = 0;
    for (let i = 0; i < fast.length; i++) {
      const d = Math.abs(fast[i] - reference[i]);
      if (d > 0) worst = Math.max(worst, d / Math.abs(reference[i]));
    }
    expect(worst).toBeLessThanOrEqual(1e-12);
  }

  it('rowsProduct equals the plain triple loop for 1 and 2 rows, every column remainder and empty lists', () => {
    const rng = new Rng(21);
    for (const R of [BLOCK_ROWS, 1]) {
      for (const width of [1, 2, 3, 7, 8, 9, 17]) {
        for (const nq of [0, 1, 5]) {
          const inRows = 6;
          const stride = width + 3; // rows longer than the product's columns, as in a panel
          const work = new ClassifierWorkspace(ClassifierWorkspace.bytesFor([R * stride, inRows * stride, nq * R], [nq]), 'test');
          const out = work.f64(R * stride);
          const input = work.f64(inRows * stride);
          const coef = work.f64(nq * R);
          const idx = work.i32(nq);
          input.view.forEach((_, i) => { input.view[i] = 2 * rng.uniform() - 1; });
          coef.view.forEach((_, i) => { coef.view[i] = 2 * rng.uniform() - 1; });
          const rows = Array.from({ length: nq }, () => Math.floor(rng.uniform() * inRows));
          rows.forEach((r, q) => { idx.view[q] = 8 * stride * r; });
          out.view.fill(NaN);
          work.rowsProduct(R, out.at, 8 * stride, input.at, idx.at, coef.at, nq, width);
          const expected = Float64Array.from(out.view);
          referenceRowsProduct(R, expected, 0, stride, input.view, stride, rows, coef.view, nq, width);
          expect(Array.from(out.view)).toEqual(Array.from(expected)); // untouched columns stay NaN in both
        }
      }
    }
  });

  const shapes = [
    { units: 1, dim: 9, classes: 4, batch: 12, panel: PANEL_COLUMNS },
    { units: 13, dim: 9, classes: 4, batch: 7, panel: PANEL_COLUMNS },
    { units: 37, dim: 15, classes: 10, batch: 11, panel: 8 },
    { units: 131, dim: 28, classes: 10, batch: 33, panel: 5 },
  ];
  for (const { units, dim, classes, batch, panel } of shapes) {
    it(`gradient equals the dense reference to 1e-12 (N = ${units}, D = ${dim}, C = ${classes}, B = ${batch}, panel ${panel})`, () => {
      const data = toyData(40, dim, classes, units + dim);
      const sparse = sparseInputs(data);
      const net = randomNet(units, dim, classes, batch, 9, panel);
      for (let i = 0; i < net.uT.length; i++) net.uT[i] *= 0.5; // some units active, some not
      const rng = new Rng(units);
      const rows = Uint32Array.from({ length: batch }, () => Math.floor(rng.uniform() * data.n));
      const gU = new Float64Array(net.uT.length);
      const gA = new Float64Array(net.a.length);
      const loss = net.gradient(sparse, rows, batch, gU, gA);
      const x = new Float64Array(batch * dim);
      rows.forEach((r, b) => x.set(data.inputs.subarray(r * dim, (r + 1) * dim), b * dim));
      const ref = referenceGradient(net.uT, net.a, units, dim, classes, x, Array.from(rows, (r) => data.labels[r]), batch);
      expectClose([loss], [ref.loss]);
      expectClose(gU, ref.gradUT);
      expectClose(gA, ref.gradA);
      expect(gU.some((v) => v !== 0) && gA.some((v) => v !== 0)).toBe(true);
    });
  }

  it('the panel width does not change a bit, and the same start and batches give the same bytes', () => {
    const data = sparseInputs(toyData(30, 28, 10, 4));
    const rows = Uint32Array.from({ length: 9 }, (_, i) => (7 * i) % 30);
    const nets = [PANEL_COLUMNS, 8, 3, PANEL_COLUMNS].map((panel) => randomNet(101, 28, 10, 9, 12, panel));
    for (let k = 0; k < 20; k++) for (const net of nets) net.step(data, rows, 9, 0.1);
    const bytes = (net: TwoLayerClassifier) => Buffer.from(new Uint8Array(Float64Array.from([...net.uT, ...net.a]).buffer)).toString('base64');
    const first = bytes(nets[0]);
    for (const net of nets.slice(1)) expect(bytes(net)).toBe(first);
  });
});
