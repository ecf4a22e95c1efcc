/** Helpers shared by the grid-solver tests: operators from a potential, error norms and a monotonicity tracker. */
import type { Grid } from '../../src/grid.ts';
import { Rng } from '../../src/rng.ts';
import type { GridOperators, InteractionOperator } from '../../src/types.ts';
import type { StepState, Tracker } from '../../solvers/finite-volume.ts';

/** Grid operators with potential v_j = potential(centre of cell j), the given interaction and R# = 1. */
export function operators(grid: Grid, potential: (x: number[]) => number, interaction: InteractionOperator): GridOperators {
  const coords = grid.centreCoordinates();
  const v = new Float64Array(grid.size);
  for (let j = 0; j < grid.size; j++) v[j] = potential(Array.from(coords.subarray(j * grid.ndim, (j + 1) * grid.ndim)));
  return { grid, potential: v, interaction, riskConstant: 1 };
}

/** Σ_j |a_j − b_j|. */
export function l1(a: Float64Array, b: Float64Array): number {
  let e = 0;
  for (let j = 0; j < a.length; j++) e += Math.abs(a[j] - b[j]);
  return e;
}

/** max_j |a_j − b_j| / max_j |b_j|. */
export function relativeError(a: Float64Array, b: Float64Array): number {
  let err = 0;
  let scale = 0;
  for (let j = 0; j < a.length; j++) {
    err = Math.max(err, Math.abs(a[j] - b[j]));
    scale = Math.max(scale, Math.abs(b[j]));
  }
  return err / scale;
}

/** log2 of successive error ratios. */
export function orders(errors: number[]): number[] {
  return errors.slice(1).map((e, i) => Math.log2(errors[i] / e));
}

/**
 * After every accepted step: the largest relative increase of a freshly computed energy (relative to
 * max(1, |previous|)), min P, and, given the initial mass mass0, max |Σ P + outflow − mass0| (NaN without).
 */
export class MonotoneChecker implements Tracker {
  private last = Infinity;
  maxIncrease = -Infinity;
  minMass = Infinity;
  maxMassError = 0;
  steps = 0;
  constructor(private readonly energy: (P: Float64Array) => number, private readonly mass0 = NaN) {}
  initialize(s: StepState): void {
    this.last = this.energy(s.mass);
  }
  handle(s: StepState): void {
    const e = this.energy(s.mass);
    this.maxIncrease = Math.max(this.maxIncrease, (e - this.last) / Math.max(1, Math.abs(this.last)));
    this.last = e;
    let total = 0;
    for (let j = 0; j < s.mass.length; j++) {
      this.minMass = Math.min(this.minMass, s.mass[j]);
      total += s.mass[j];
    }
    this.maxMassError = Math.max(this.maxMassError, Math.abs(total + s.outflow - this.mass0));
    this.steps++;
  }
}

/** A random mass μ_j ~ U(0, 1) from Rng(seed) and max_j |(A μ)_j − (B μ)_j| of two interaction operators on it. */
export function applyDifference(a: InteractionOperator, b: InteractionOperator, size: number, seed: number): { mass: Float64Array; max: number } {
  const rng = new Rng(seed);
  const mass = new Float64Array(size).map(() => rng.uniform());
  const outA = new Float64Array(size);
  const outB = new Float64Array(size);
  a.apply(mass, outA);
  b.apply(mass, outB);
  let max = 0;
  for (let j = 0; j < size; j++) max = Math.max(max, Math.abs(outA[j] - outB[j]));
  return { mass, max };
}
