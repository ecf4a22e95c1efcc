/**
 * Dense interaction operator out_j = Σ_k u_jk P_k with an explicit M×M kernel matrix: O(M²) per
 * application. The reference for small grids and the tests of every fast operator.
 */
import type { InteractionOperator } from '../../src/types.ts';

export class DenseInteraction implements InteractionOperator {
  readonly size: number;
  /** u(x_j, x_k) at index j·size + k. */
  readonly kernel: Float64Array;
  readonly description: string;

  constructor(kernel: Float64Array, size: number, description = `dense ${size}×${size}`) {
    if (kernel.length !== size * size) throw new RangeError(`DenseInteraction: kernel must have ${size * size} entries (got ${kernel.length})`);
    this.size = size;
    this.kernel = kernel;
    this.description = description;
  }

  /** Build from a kernel function evaluated at the given points (one coordinate array per cell). */
  static fromFunction(size: number, u: (j: number, k: number) => number): DenseInteraction {
    const kernel = new Float64Array(size * size);
    for (let j = 0; j < size; j++) for (let k = 0; k < size; k++) kernel[j * size + k] = u(j, k);
    return new DenseInteraction(kernel, size);
  }

  apply(mass: Float64Array, out: Float64Array): void {
    const { size, kernel } = this;
    for (let j = 0; j < size; j++) {
      let s = 0;
      const row = j * size;
      for (let k = 0; k < size; k++) s += kernel[row + k] * mass[k];
      out[j] = s;
    }
  }

  energy(mass: Float64Array): number {
    const { size, kernel } = this;
    let e = 0;
    for (let j = 0; j < size; j++) {
      let s = 0;
      const row = j * size;
      for (let k = 0; k < size; k++) s += kernel[row + k] * mass[k];
      e += mass[j] * s;
    }
    return e;
  }
}
