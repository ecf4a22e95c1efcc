/**
 * A typed adapter around fft.js (radix-4, power-of-two sizes ≥ 2; its own typings are all `any`).
 *
 * Conventions: complex arrays are interleaved (re, im) Float64Arrays of length 2N; the forward
 * transform is X_k = Σ_n x_n e^{−2πi kn/N} (unnormalised), the inverse x_n = (1/N) Σ_k X_k e^{+2πi kn/N}.
 * `realForward` fills only the bins k = 0 … N/2 (entries 0 … N+1 of `out`; the rest is scratch);
 * a real sequence is recovered from those bins by `completeSpectrum` (X_{N−k} = conj X_k) followed
 * by `inverse`, whose imaginary parts are then round-off.
 * Input and output must be different arrays. No method allocates.
 */
import FFTJs from 'fft.js';

/** The part of fft.js's interface used here, with real types. */
interface FftJsInstance {
  readonly size: number;
  transform(out: Float64Array, data: Float64Array): void;
  realTransform(out: Float64Array, data: Float64Array): void;
  inverseTransform(out: Float64Array, data: Float64Array): void;
  completeSpectrum(spectrum: Float64Array): void;
}

const FftJs = FFTJs as unknown as new (size: number) => FftJsInstance;

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

/** The smallest power of two ≥ n (n ≥ 1). */
export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export class Fft {
  readonly size: number;
  private readonly impl: FftJsInstance;

  constructor(size: number) {
    if (!(isPowerOfTwo(size) && size >= 2)) throw new RangeError(`Fft: size must be a power of two >= 2 (got ${size})`);
    this.size = size;
    this.impl = new FftJs(size);
  }

  /** Complex forward transform: out (2N) ← DFT of data (2N). */
  forward(out: Float64Array, data: Float64Array): void {
    this.impl.transform(out, data);
  }

  /** Complex inverse transform with the 1/N factor: out (2N) ← IDFT of data (2N). */
  inverse(out: Float64Array, data: Float64Array): void {
    this.impl.inverseTransform(out, data);
  }

  /** Forward transform of N real values: bins 0 … N/2 in out[0 … N+1] (out has length 2N). */
  realForward(out: Float64Array, data: Float64Array): void {
    this.impl.realTransform(out, data);
  }

  /** Fills bins N/2+1 … N−1 of a complex spectrum from bins 1 … N/2−1 (X_{N−k} = conj X_k). */
  completeSpectrum(spectrum: Float64Array): void {
    this.impl.completeSpectrum(spectrum);
  }
}
