/**
 * What the particle sides of the Gaussian-data models share. The data law (MMN): y = ±1 with
 * probability 1/2, x = Σ_y^{1/2} g with g ~ N(0, I_d) and its first s0 coordinates scaled by τ_y
 * (s0 = d: isotropic data x = τ_y g). Also the checks of populationRisk's input and the grow-only
 * table of Hermite coefficient vectors its Mehler series run over.
 */
import type { GaussianActivation } from './activations.ts';
import type { Rng } from '../src/rng.ts';

export abstract class TwoClassGaussianParticles {
  readonly name: string;
  readonly dimension: number;
  /** The first s0 coordinates of x carry the class scale τ_y (s0 = d for isotropic data). */
  readonly s0: number;
  readonly activation: GaussianActivation;
  protected readonly tauPlus: number;
  protected readonly tauMinus: number;
  // grow-only scratch of coefficientTable
  private coeffs = new Float64Array(0);
  private unitCoeffs = new Float64Array(0);

  /** `s0` defaults to d. Throws at d = inf: there are no particles in infinite dimension. */
  protected constructor(
    model: { readonly name: string; readonly d: number | 'inf'; readonly tau: readonly [number, number] },
    activation: GaussianActivation,
    s0?: number,
  ) {
    if (model.d === 'inf') throw new RangeError(`${model.name}: the particle model needs a finite dimension d (got d = inf)`);
    this.name = model.name;
    this.dimension = model.d;
    this.s0 = s0 ?? model.d;
    this.activation = activation;
    [this.tauPlus, this.tauMinus] = model.tau;
  }

  /** y = ±1 with probability 1/2, x = Σ_y^{1/2} g: g ~ N(0, I_d) with its first s0 coordinates scaled by τ_y (MMN). */
  sampleData(rng: Rng, x: Float64Array): number {
    const y = rng.uniform() < 0.5 ? 1 : -1;
    const tau = y > 0 ? this.tauPlus : this.tauMinus;
    rng.fillNormal(x, tau, 0, this.s0);
    rng.fillNormal(x, 1, this.s0, this.dimension);
    return y;
  }

  /** Checks populationRisk's n and the length of w; with `fixedUnits`, that every unit has a = 1, b = 0. */
  protected checkUnits(w: Float64Array, a: Float64Array, b: Float64Array, n: number, fixedUnits: boolean): void {
    const d = this.dimension;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`populationRisk: n must be an integer >= 1 (got ${n})`);
    if (w.length < n * d) throw new RangeError(`populationRisk: w must hold n·d = ${n * d} entries (got ${w.length})`);
    if (!fixedUnits) return;
    for (let i = 0; i < n; i++) {
      if (a[i] !== 1 || b[i] !== 0) {
        throw new RangeError(`populationRisk: ${this.name} units have a = 1, b = 0 fixed (MMN); unit ${i} has a = ${a[i]}, b = ${b[i]}`);
      }
    }
  }

  /**
   * The Hermite coefficient vectors c_0..c_kMax of unit i in class cls (0: +, 1: −), written by
   * `hermite(i, cls, out)`, unit-major at [(2i + cls)(kMax + 1) + k]. The table is scratch: valid until
   * the next call.
   */
  protected coefficientTable(n: number, kMax: number, hermite: (i: number, cls: number, out: Float64Array) => void): Float64Array {
    const stride = kMax + 1;
    if (this.coeffs.length < 2 * n * stride) this.coeffs = new Float64Array(2 * n * stride);
    if (this.unitCoeffs.length < stride) this.unitCoeffs = new Float64Array(stride);
    const C = this.coeffs;
    const unit = this.unitCoeffs;
    for (let i = 0; i < n; i++) {
      for (let cls = 0; cls < 2; cls++) {
        hermite(i, cls, unit);
        const o = (2 * i + cls) * stride;
        for (let k = 0; k < stride; k++) C[o + k] = unit[k];
      }
    }
    return C;
  }
}
