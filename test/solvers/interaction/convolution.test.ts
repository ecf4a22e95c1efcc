import { describe, expect, it } from 'vitest';
import { Grid, type AxisSpec } from '../../../src/grid.ts';
import { Fft } from '../../../src/numerics/fft.ts';
import { Rng } from '../../../src/rng.ts';
import { ConvolutionInteraction, denseConvolution, type TranslationKernel } from '../../../solvers/interaction/convolution.ts';
import { relativeError } from '../../helpers/grid-checks.ts';

/** Not even in δ (checks the orientation k(x_j − x_k)) and not separable across axes. */
const aperiodic: TranslationKernel = (d) => {
  let r2 = 0;
  for (let a = 0; a < d.length; a++) r2 += (d[a] * d[a]) / (a + 1);
  return Math.exp(-r2) * (1 + 0.4 * d[0] - 0.2 * d[d.length - 1] * d[0]) + 0.05 / (1 + r2);
};

/** Periodic with period 2π on every axis (the circles of the grids below), not even. */
const periodic: TranslationKernel = (d) => {
  let s = 0;
  for (let a = 0; a < d.length; a++) s += Math.cos(d[a]) * (1 + 0.3 * a) + 0.25 * Math.sin(2 * d[a] + a);
  return Math.exp(1.5 * Math.cos(d[0]) - 1.5) + 0.3 * s;
};

function grid(cells: readonly number[]): Grid {
  return new Grid(cells.map((c, a): AxisSpec => ({ name: `x${a}`, lo: -1 - 0.3 * a, hi: 2 * Math.PI - 1 - 0.3 * a, cells: c })));
}

describe('typed fft.js adapter', () => {
  it('forward, inverse and the real transform agree with a direct DFT', () => {
    const rng = new Rng(11);
    for (const N of [2, 4, 8, 32]) {
      const fft = new Fft(N);
      const x = Float64Array.from({ length: N }, () => rng.normal());
      const z = new Float64Array(2 * N);
      for (let n = 0; n < N; n++) z[2 * n] = x[n];
      const X = new Float64Array(2 * N);
      fft.forward(X, z);
      const R = new Float64Array(2 * N);
      fft.realForward(R, x);
      for (let k = 0; k < N; k++) {
        let re = 0;
        let im = 0;
        for (let n = 0; n < N; n++) {
          re += x[n] * Math.cos((2 * Math.PI * k * n) / N);
          im -= x[n] * Math.sin((2 * Math.PI * k * n) / N);
        }
        expect(Math.abs(X[2 * k] - re)).toBeLessThan(1e-13);
        expect(Math.abs(X[2 * k + 1] - im)).toBeLessThan(1e-13);
        if (k <= N / 2) expect(Math.abs(R[2 * k] - re) + Math.abs(R[2 * k + 1] - im)).toBeLessThan(1e-13);
      }
      fft.completeSpectrum(R);
      const back = new Float64Array(2 * N);
      fft.inverse(back, R);
      for (let n = 0; n < N; n++) expect(Math.abs(back[2 * n] - x[n]) + Math.abs(back[2 * n + 1])).toBeLessThan(1e-14);
    }
    expect(() => new Fft(12)).toThrow(RangeError);
    expect(() => new Fft(1)).toThrow(RangeError);
  });
});

describe('convolution interaction operator', () => {
  const rng = new Rng(2024);
  const cases: { cells: number[]; periodic: boolean | boolean[] }[] = [
    // 1-D: padded (n not a power of two, and one), cyclic (power of two), padded periodic, tiny
    { cells: [37], periodic: false },
    { cells: [64], periodic: false },
    { cells: [64], periodic: true },
    { cells: [45], periodic: true },
    { cells: [2], periodic: true },
    { cells: [3], periodic: false },
    // 2-D
    { cells: [23, 17], periodic: false },
    { cells: [16, 32], periodic: true },
    { cells: [24, 20], periodic: [true, false] },
    { cells: [9, 1], periodic: false },
    // 3-D
    { cells: [9, 12, 7], periodic: false },
    { cells: [8, 8, 16], periodic: true },
    { cells: [10, 8, 6], periodic: [false, true, true] },
    { cells: [5, 1, 11], periodic: [true, false, false] },
    // 4-D and the degenerate all-single-cell grid
    { cells: [5, 4, 6, 3], periodic: [false, true, false, true] },
    { cells: [1, 1], periodic: false },
  ];

  it('equals the dense reference to 1e-12 (relative to max |out|) on random densities, 1-D to 4-D, periodic or not', () => {
    for (const { cells, periodic: per } of cases) {
      const g = grid(cells);
      const kernel = per === false ? aperiodic : periodic;
      const conv = new ConvolutionInteraction(g, kernel, { periodic: per });
      const dense = denseConvolution(g, kernel, { periodic: per });
      for (let trial = 0; trial < 2; trial++) {
        const mass = Float64Array.from({ length: g.size }, () => rng.uniform());
        const a = new Float64Array(g.size);
        const b = new Float64Array(g.size);
        conv.apply(mass, a);
        dense.apply(mass, b);
        const label = `${cells.join('×')} periodic ${JSON.stringify(per)}`;
        expect(relativeError(a, b), label).toBeLessThan(1e-12);
        const e = dense.energy(mass);
        expect(Math.abs(conv.energy(mass) - e), label).toBeLessThan(1e-12 * Math.abs(e));
        // apply again on the same operator: no state carried over between calls
        conv.apply(mass, b);
        expect(Array.from(b)).toEqual(Array.from(a));
      }
    }
  });

  it('charges and partial convolutions, u = q q\' k(x_C − x\'_C), equal the dense reference (RVE-like (y, c) grid and 3-D)', () => {
    // (y, c): y periodic on [0, 2π), c a signed charge axis; u = c c' K(y − y') with the von Mises-type K
    const rve = new Grid([{ name: 'y', lo: 0, hi: 2 * Math.PI, cells: 48 }, { name: 'c', lo: -2, hi: 2, cells: 9 }]);
    const vonMises: TranslationKernel = (d) => Math.exp(4 * (Math.cos(d[0]) - 1)) + 0.2 * Math.cos(2 * d[0]);
    const c = rve.coordinateField(1);
    const g3 = grid([7, 5, 6]);
    const q3 = Float64Array.from({ length: g3.size }, () => rng.normal());
    const cases: [Grid, TranslationKernel, { axes?: number[]; charge?: Float64Array; periodic?: boolean | boolean[] }][] = [
      [rve, vonMises, { axes: [0], charge: c, periodic: [true, false] }],
      [rve, vonMises, { axes: [0], periodic: true }], // no charge: sums over c
      [rve, aperiodic, { charge: c }], // all axes, with charges
      [g3, aperiodic, { axes: [0, 2], charge: q3 }],
      [g3, periodic, { axes: [1], charge: q3, periodic: true }],
      [g3, aperiodic, { axes: [], charge: q3 }], // rank one: q q' k(0)
    ];
    for (const [g, kernel, options] of cases) {
      const conv = new ConvolutionInteraction(g, kernel, options);
      const dense = denseConvolution(g, kernel, options);
      const mass = Float64Array.from({ length: g.size }, () => rng.uniform());
      const a = new Float64Array(g.size);
      const b = new Float64Array(g.size);
      conv.apply(mass, a);
      dense.apply(mass, b);
      const label = `${g.shape.join('×')} ${JSON.stringify({ axes: options.axes, charge: !!options.charge })}`;
      expect(relativeError(a, b), label).toBeLessThan(1e-12);
      const e = dense.energy(mass);
      expect(Math.abs(conv.energy(mass) - e), label).toBeLessThan(1e-12 * Math.abs(e));
    }
    expect(() => new ConvolutionInteraction(g3, aperiodic, { axes: [2, 0] })).toThrow(RangeError);
    expect(() => new ConvolutionInteraction(g3, aperiodic, { charge: new Float64Array(3) })).toThrow(RangeError);
  });

  it('pads non-periodic axes to a power of two ≥ 2n − 1 and keeps power-of-two periodic axes cyclic', () => {
    expect(new ConvolutionInteraction(grid([37, 64, 1]), aperiodic).paddedShape).toEqual([128, 128, 1]);
    expect(new ConvolutionInteraction(grid([64, 45, 2]), periodic, { periodic: true }).paddedShape).toEqual([64, 128, 2]);
    expect(() => new ConvolutionInteraction(grid([4, 4]), periodic, { periodic: [true] })).toThrow(RangeError);
  });

  it('a periodic axis wraps: a mass at the first cell acts on the last cell through the short way round', () => {
    // k(δ) = exp(−δ²/0.1) on [0, 2π) with 64 cells: the cells 0 and 63 are one cell apart on the circle
    const g = new Grid([{ name: 'y', lo: 0, hi: 2 * Math.PI, cells: 64 }]);
    const kernel: TranslationKernel = (d) => Math.exp(-(d[0] * d[0]) / 0.1);
    const mass = new Float64Array(64);
    mass[0] = 1;
    const out = new Float64Array(64);
    new ConvolutionInteraction(g, kernel, { periodic: true }).apply(mass, out);
    const h = g.spacing[0];
    expect(Math.abs(out[63] - Math.exp(-(h * h) / 0.1))).toBeLessThan(1e-15);
    expect(Math.abs(out[1] - out[63])).toBeLessThan(1e-15);
    new ConvolutionInteraction(g, kernel).apply(mass, out);
    expect(Math.abs(out[63])).toBeLessThan(1e-15); // 63 cells apart without wrapping
  });
});
