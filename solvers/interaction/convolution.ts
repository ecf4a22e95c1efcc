/**
 * Convolution interaction operator for translation-invariant kernels u(x, x') = k(x − x') on a
 * uniform tensor grid (src/grid.ts, 1–4 or more axes):
 *
 *     out_j = Σ_k k(x_j − x_k) P_k,        energy = Σ_j P_j out_j,
 *
 * in O(M log M) with fast Fourier transforms (src/numerics/fft.ts). On a uniform grid x_j − x_k is
 * (i_j − i_k)·h per axis, so the product is a discrete convolution with the table k(d·h), d ∈ {−(n−1) … n−1}
 * per axis. Per axis:
 *   - non-periodic (default): zero padding to L ≥ 2n − 1 (the next power of two, for fft.js), so the
 *     cyclic convolution of length L equals the linear one;
 *   - periodic: the axis is a circle of length hi − lo, the displacement is reduced to [−(hi−lo)/2, (hi−lo)/2)
 *     (integer offsets reduced to [−n/2, n/2)), and k should be periodic itself (e.g. RVE eq. 5's K for
 *     von Mises features on the circle, e^{−2κ} I_0(2κ cos(δ/2))). If n is a power of two the cyclic transform
 *     of length n is used as is; otherwise the wrapped table is zero padded like a non-periodic axis.
 * Axes with a single cell contribute the displacement 0 and are squeezed out.
 *
 * Charges and partial convolutions (options.charge, options.axes), for kernels like the RVE model's
 * c c' K(y − y') on a (y, c) grid (the pair term of RVE eq. 4):
 *
 *     u(x, x') = q(x) q(x') k(x_C − x'_C),    out_j = q_j Σ_k k(x_{j,C} − x_{k,C}) q_k P_k,
 *
 * where C is a subset of the axes (k does not depend on the others: their δ is passed as 0). The masses
 * weighted by q are summed over the axes outside C, convolved on the C-grid, and spread back times q_j:
 * O(M + M_C log M_C), with an Int32 cell → C-cell map (4 bytes per cell) when C is not all axes.
 *
 * Layout: the transforms run axis by axis on lines gathered from one spectrum array of shape
 * [L_0, …, L_{m−2}, L_{m−1}/2 + 1] (complex): a real transform along the last (fastest) axis keeps the
 * bins 0 … L/2, the other axes use complex transforms, the inverse along the last axis completes the
 * conjugate-symmetric spectrum. Lines that are known to be zero (padding not yet transformed) are
 * skipped on the way in, and only the n_a outputs that are kept are inverse-transformed on the way
 * out. The kernel's spectrum is computed once at construction; `apply` allocates nothing.
 *
 * Memory: the data spectrum and the kernel spectrum, 2 · 16 · Π_{a<m−1} L_a · (L_{m−1}/2 + 1) bytes, ≈ 2·2^m·8·M
 * bytes for non-periodic axes (a 64² grid: 0.5 MB; a 32⁴ grid: 270 MB — prefer a separable operator there).
 * DenseInteraction built by `denseConvolution` is the slow, readable reference.
 */
import type { Grid } from '../../src/grid.ts';
import { Fft, isPowerOfTwo, nextPowerOfTwo } from '../../src/numerics/fft.ts';
import type { InteractionOperator } from '../../src/types.ts';
import { DenseInteraction } from './dense.ts';

/** k(δ) for a displacement δ = x − x' (one entry per grid axis, 0 on single-cell axes). */
export type TranslationKernel = (delta: Float64Array) => number;

export interface ConvolutionOptions {
  /** Periodic axes: one flag for all axes or one per axis (default false: zero padding). */
  readonly periodic?: boolean | readonly boolean[];
  /** The axes C the kernel depends on, increasing (default: all axes). */
  readonly axes?: readonly number[];
  /** Charge q_j per cell (default 1): u(x_j, x_k) = q_j q_k k(x_{j,C} − x_{k,C}). */
  readonly charge?: Float64Array;
  readonly description?: string;
}

/** The convolved axes: options.axes validated (integers in range, strictly increasing), or all axes. */
function convolvedAxes(grid: Grid, axes: readonly number[] | undefined): number[] {
  if (axes === undefined) return grid.axes.map((_, a) => a);
  axes.forEach((a, i) => {
    if (!(Number.isInteger(a) && a >= 0 && a < grid.ndim && (i === 0 || a > axes[i - 1]))) {
      throw new RangeError(`ConvolutionInteraction: axes must be increasing axis indices in [0, ${grid.ndim}) (got ${JSON.stringify(axes)})`);
    }
  });
  return [...axes];
}

function periodicFlags(grid: Grid, periodic: ConvolutionOptions['periodic']): boolean[] {
  if (periodic === undefined || typeof periodic === 'boolean') return grid.axes.map(() => periodic ?? false);
  if (periodic.length !== grid.ndim) throw new RangeError(`ConvolutionInteraction: periodic needs one flag per axis (${grid.ndim}), got ${periodic.length}`);
  return [...periodic];
}

/** Integer offset d = i − i' on an axis of n cells, reduced to [−n/2, n/2) if periodic. */
function reduceOffset(d: number, n: number, periodic: boolean): number {
  if (!periodic) return d;
  const m = ((d % n) + n) % n;
  return 2 * m >= n ? m - n : m;
}

/** Every Σ_b i_b·strides[b] over the multi-indices i_b < dims[b] (row-major order). */
function lineBases(dims: readonly number[], strides: readonly number[]): Int32Array {
  let count = 1;
  for (const d of dims) count *= d;
  const out = new Int32Array(count);
  const idx = new Array<number>(dims.length).fill(0);
  for (let q = 0; q < count; q++) {
    let s = 0;
    for (let b = 0; b < dims.length; b++) s += idx[b] * strides[b];
    out[q] = s;
    for (let b = dims.length - 1; b >= 0; b--) {
      if (++idx[b] < dims[b]) break;
      idx[b] = 0;
    }
  }
  return out;
}

/** The lines each pass visits for an input with extents `ext` per active axis (see the class comment). */
interface Plan {
  /** Extents of the non-zero input (n for data, L for the kernel table). */
  readonly ext: readonly number[];
  /** Last-axis lines: start in the input (row-major with extents ext) and in the spectrum (complex units). */
  readonly lastSrc: Int32Array;
  readonly lastSpec: Int32Array;
  /** axis[a] (a < m − 1): spectrum starts of the lines along axis a. */
  readonly axis: Int32Array[];
}

export class ConvolutionInteraction implements InteractionOperator {
  readonly size: number;
  readonly description: string;
  /** Periodic flag per grid axis. */
  readonly periodic: readonly boolean[];
  /** Transform length per grid axis (1 for single-cell axes). */
  readonly paddedShape: readonly number[];
  /** Bytes held by the spectra and scratch buffers. */
  readonly bytes: number;
  /** k(0) when every convolved axis has a single cell (no transform). */
  private readonly k0: number;
  /** Charges (null: all 1), the cell → C-cell map (null: C is every axis) and the buffers on the C-grid. */
  private readonly charge: Float64Array | null;
  private readonly map: Int32Array | null;
  private readonly reduced: Float64Array | null;
  private readonly reducedOut: Float64Array | null;
  /** Active (multi-cell) axes: cells n, transform length L, and one Fft each. */
  private readonly n: number[];
  private readonly L: number[];
  private readonly ffts: Fft[];
  /** Complex-unit strides of the spectrum per active axis. */
  private readonly specStride: number[];
  private readonly spectrum: Float64Array;
  private readonly kernelSpectrum: Float64Array;
  private readonly plan: Plan | null;
  private readonly realIn: Float64Array;
  private readonly lineIn: Float64Array[];
  private readonly lineOut: Float64Array[];
  private readonly scratch: Float64Array;

  constructor(grid: Grid, kernel: TranslationKernel, options: ConvolutionOptions = {}) {
    this.size = grid.size;
    this.periodic = periodicFlags(grid, options.periodic);
    const axes = convolvedAxes(grid, options.axes);
    const active = axes.filter((a) => grid.shape[a] > 1);
    const m = active.length;
    if (options.charge && options.charge.length !== grid.size) {
      throw new RangeError(`ConvolutionInteraction: charge needs ${grid.size} entries (got ${options.charge.length})`);
    }
    this.charge = options.charge ? Float64Array.from(options.charge) : null;
    const reducedSize = active.reduce((p, a) => p * grid.shape[a], 1);
    if (axes.length < grid.ndim) {
      // C-cell of every cell (row-major over the convolved multi-cell axes)
      this.map = new Int32Array(grid.size);
      const rstride = new Map<number, number>();
      let st = 1;
      for (let i = active.length - 1; i >= 0; i--) {
        rstride.set(active[i], st);
        st *= grid.shape[active[i]];
      }
      for (let c = 0; c < grid.size; c++) {
        let r = 0;
        for (const a of active) r += (Math.floor(c / grid.strides[a]) % grid.shape[a]) * rstride.get(a)!;
        this.map[c] = r;
      }
    } else {
      this.map = null;
    }
    const reducing = this.map !== null || this.charge !== null;
    this.reduced = reducing ? new Float64Array(reducedSize) : null;
    this.reducedOut = reducing ? new Float64Array(reducedSize) : null;
    this.n = active.map((a) => grid.shape[a]);
    this.L = active.map((a, i) => (this.periodic[a] && isPowerOfTwo(this.n[i]) ? this.n[i] : nextPowerOfTwo(2 * this.n[i] - 1)));
    const paddedShape = grid.shape.map(() => 1);
    active.forEach((a, i) => (paddedShape[a] = this.L[i]));
    this.paddedShape = paddedShape;
    this.description =
      options.description ??
      `convolution ${grid.shape.join('×')} over (${axes.map((a) => (this.periodic[a] ? `${grid.axes[a].name} periodic` : grid.axes[a].name)).join(', ')})` +
        (this.charge ? ' with charges' : '');
    const delta = new Float64Array(grid.ndim);
    this.k0 = kernel(delta);
    this.scratch = new Float64Array(this.size);
    this.ffts = this.L.map((L) => new Fft(L));
    const H = m > 0 ? this.L[m - 1] / 2 + 1 : 0;
    this.specStride = new Array<number>(m);
    let stride = 1;
    for (let i = m - 1; i >= 0; i--) {
      this.specStride[i] = stride;
      stride *= i === m - 1 ? H : this.L[i];
    }
    const specSize = m > 0 ? stride : 0;
    this.spectrum = new Float64Array(2 * specSize);
    this.kernelSpectrum = new Float64Array(2 * specSize);
    this.realIn = new Float64Array(m > 0 ? this.L[m - 1] : 0);
    this.lineIn = this.L.map((L) => new Float64Array(2 * L));
    this.lineOut = this.L.map((L) => new Float64Array(2 * L));
    this.plan = m > 0 ? this.makePlan(this.n) : null;
    this.bytes =
      8 * (2 * this.spectrum.length + this.scratch.length + this.realIn.length + (reducing ? 2 * reducedSize : 0) + (this.charge ? this.size : 0)) +
      (this.map ? 4 * this.size : 0) +
      this.L.reduce((s, L) => s + 32 * L, 0);
    if (m === 0) return;

    // the kernel table k(d·h) on the padded index space (offset d = i for i < n, i − L for i > L − n,
    // no entry in between), row-major with extents L, then its spectrum
    let tableSize = 1;
    for (const L of this.L) tableSize *= L;
    const table = new Float64Array(tableSize);
    const idx = new Array<number>(m).fill(0);
    for (let q = 0; q < tableSize; q++) {
      let inside = true;
      for (let i = 0; i < m; i++) {
        const n = this.n[i];
        const Li = this.L[i];
        const j = idx[i];
        let d: number;
        if (Li === n) d = j; // cyclic, no padding
        else if (j < n) d = j;
        else if (j > Li - n) d = j - Li;
        else {
          inside = false;
          break;
        }
        const a = active[i];
        delta[a] = reduceOffset(d, n, this.periodic[a]) * grid.spacing[a];
      }
      if (inside) table[q] = kernel(delta);
      for (let i = m - 1; i >= 0; i--) {
        if (++idx[i] < this.L[i]) break;
        idx[i] = 0;
      }
    }
    this.forward(table, this.makePlan(this.L), this.kernelSpectrum);
  }

  private makePlan(ext: readonly number[]): Plan {
    const { L, specStride } = this;
    const m = L.length;
    const H = L[m - 1] / 2 + 1;
    const outer = ext.slice(0, m - 1);
    const srcStrides = new Array<number>(m);
    let s = 1;
    for (let i = m - 1; i >= 0; i--) {
      srcStrides[i] = s;
      s *= ext[i];
    }
    const axis: Int32Array[] = [];
    for (let a = 0; a < m - 1; a++) {
      // axes before a not yet transformed (forward) / already cut back to ext (inverse); after a: full
      const dims: number[] = [];
      const strides: number[] = [];
      for (let b = 0; b < m; b++) {
        if (b === a) continue;
        dims.push(b < a ? ext[b] : b === m - 1 ? H : L[b]);
        strides.push(specStride[b]);
      }
      axis.push(lineBases(dims, strides));
    }
    return {
      ext: [...ext],
      lastSrc: lineBases(outer, srcStrides.slice(0, m - 1)),
      lastSpec: lineBases(outer, specStride.slice(0, m - 1)),
      axis,
    };
  }

  /** spec ← the (half) spectrum of src, a row-major array with extents plan.ext zero-padded to L. */
  private forward(src: Float64Array, plan: Plan, spec: Float64Array): void {
    const { L, ffts, realIn } = this;
    const m = L.length;
    const last = m - 1;
    const nLast = plan.ext[last];
    const twoH = L[last] + 2;
    const out = this.lineOut[last];
    const fftLast = ffts[last];
    realIn.fill(0, nLast);
    const { lastSrc, lastSpec } = plan;
    for (let q = 0; q < lastSrc.length; q++) {
      const s0 = lastSrc[q];
      for (let i = 0; i < nLast; i++) realIn[i] = src[s0 + i];
      fftLast.realForward(out, realIn);
      const d0 = 2 * lastSpec[q];
      for (let i = 0; i < twoH; i++) spec[d0 + i] = out[i];
    }
    for (let a = last - 1; a >= 0; a--) {
      const e2 = 2 * plan.ext[a];
      const st = 2 * this.specStride[a];
      const L2 = 2 * L[a];
      const lin = this.lineIn[a];
      lin.fill(0, e2);
      transformLines(spec, plan.axis[a], st, e2, L2, lin, this.lineOut[a], ffts[a], false);
    }
  }

  apply(mass: Float64Array, out: Float64Array): void {
    const { charge: q, map, reduced, reducedOut } = this;
    if (!reduced || !reducedOut) {
      this.convolve(mass, out);
      return;
    }
    // q·P summed onto the C-grid, convolved, spread back times q
    const n = this.size;
    if (map) {
      reduced.fill(0);
      if (q) for (let j = 0; j < n; j++) reduced[map[j]] += q[j] * mass[j];
      else for (let j = 0; j < n; j++) reduced[map[j]] += mass[j];
    } else {
      for (let j = 0; j < n; j++) reduced[j] = q![j] * mass[j];
    }
    this.convolve(reduced, reducedOut);
    if (map) {
      if (q) for (let j = 0; j < n; j++) out[j] = q[j] * reducedOut[map[j]];
      else for (let j = 0; j < n; j++) out[j] = reducedOut[map[j]];
    } else {
      for (let j = 0; j < n; j++) out[j] = q![j] * reducedOut[j];
    }
  }

  /** out = k * mass on the grid of the convolved axes (row-major, single-cell axes squeezed). */
  private convolve(mass: Float64Array, out: Float64Array): void {
    const plan = this.plan;
    if (!plan) {
      const k0 = this.k0;
      for (let j = 0; j < mass.length; j++) out[j] = k0 * mass[j];
      return;
    }
    const { L, ffts, spectrum: spec, kernelSpectrum: ks } = this;
    this.forward(mass, plan, spec);
    for (let i = 0; i < spec.length; i += 2) {
      const re = spec[i];
      const im = spec[i + 1];
      spec[i] = re * ks[i] - im * ks[i + 1];
      spec[i + 1] = re * ks[i + 1] + im * ks[i];
    }
    const m = L.length;
    const last = m - 1;
    // inverse along axes 0 … m−2, keeping the first n_a outputs of every line
    for (let a = 0; a < last; a++) {
      const n2 = 2 * this.n[a];
      const st = 2 * this.specStride[a];
      const L2 = 2 * L[a];
      transformLines(spec, plan.axis[a], st, L2, n2, this.lineIn[a], this.lineOut[a], ffts[a], true);
    }
    // the last axis: complete the conjugate-symmetric spectrum of every kept line, invert, keep Re
    const nLast = this.n[last];
    const twoH = L[last] + 2;
    const lin = this.lineIn[last];
    const lout = this.lineOut[last];
    const fft = ffts[last];
    const { lastSrc, lastSpec } = plan;
    for (let q = 0; q < lastSrc.length; q++) {
      const s0 = 2 * lastSpec[q];
      for (let i = 0; i < twoH; i++) lin[i] = spec[s0 + i];
      fft.completeSpectrum(lin);
      fft.inverse(lout, lin);
      const o0 = lastSrc[q];
      for (let i = 0; i < nLast; i++) out[o0 + i] = lout[2 * i];
    }
  }

  energy(mass: Float64Array): number {
    const u = this.scratch;
    this.apply(mass, u);
    let e = 0;
    for (let j = 0; j < this.size; j++) e += mass[j] * u[j];
    return e;
  }
}

/**
 * The same operator as a dense M×M matrix, u_jk = q_j q_k k(x_j − x_k) with x_j − x_k from the cell
 * centres (reduced to [−(hi−lo)/2, (hi−lo)/2) on periodic axes, 0 on axes outside options.axes): the
 * O(M²) reference for tests.
 */
export function denseConvolution(grid: Grid, kernel: TranslationKernel, options: ConvolutionOptions = {}): DenseInteraction {
  const periodic = periodicFlags(grid, options.periodic);
  const convolved = new Set(convolvedAxes(grid, options.axes));
  const q = options.charge;
  const coords = grid.centreCoordinates();
  const nd = grid.ndim;
  const delta = new Float64Array(nd);
  return DenseInteraction.fromFunction(grid.size, (j, k) => {
    for (let a = 0; a < nd; a++) {
      if (!convolved.has(a)) {
        delta[a] = 0;
        continue;
      }
      let d = coords[j * nd + a] - coords[k * nd + a];
      if (periodic[a]) {
        // shift by a whole number of periods so that the integer offset lies in [−n/2, n/2)
        const r = Math.round(d / grid.spacing[a]);
        d -= ((r - reduceOffset(r, grid.shape[a], true)) / grid.shape[a]) * (grid.axes[a].hi - grid.axes[a].lo);
      }
      delta[a] = d;
    }
    return q ? q[j] * q[k] * kernel(delta) : kernel(delta);
  });
}

/**
 * The complex FFT (inverse if `inverse`) of the lines of `spec` that start at the complex offsets
 * `bases` with a stride of `stride` doubles: per line, the first `readLength` doubles are gathered into
 * lin (whose tail the caller keeps zero), transformed into lout, and the first `writeLength` doubles
 * of lout scattered back in place.
 */
function transformLines(
  spec: Float64Array, bases: Int32Array, stride: number, readLength: number, writeLength: number,
  lin: Float64Array, lout: Float64Array, fft: Fft, inverse: boolean,
): void {
  for (let q = 0; q < bases.length; q++) {
    const b0 = 2 * bases[q];
    for (let i = 0, p = b0; i < readLength; i += 2, p += stride) {
      lin[i] = spec[p];
      lin[i + 1] = spec[p + 1];
    }
    if (inverse) fft.inverse(lout, lin);
    else fft.forward(lout, lin);
    for (let i = 0, p = b0; i < writeLength; i += 2, p += stride) {
      spec[p] = lout[i];
      spec[p + 1] = lout[i + 1];
    }
  }
}
