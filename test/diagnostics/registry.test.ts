/**
 * The diagnostics registry's grid reading: marginals through ndarray views equal direct sums, views do
 * not copy, and every diagnostic that applies gives the known distance for a translated law.
 */
import { describe, expect, it } from 'vitest';
import { DIAGNOSTICS, gridMarginal } from '../../src/diagnostics/registry.ts';
import { gridView, type AxisSpec } from '../../src/grid.ts';

const axes: AxisSpec[] = [
  { name: 'a', lo: 0, hi: 1, cells: 3 },
  { name: 'b', lo: 0, hi: 2, cells: 4 },
  { name: 'c', lo: -1, hi: 1, cells: 5 },
];

describe('diagnostics on a grid law', () => {
  it('marginals of a 3-D grid equal the direct sums, and the view shares the solver array', () => {
    const mass = Float64Array.from({ length: 60 }, (_, j) => (j * 7919) % 13);
    for (let a = 0; a < 3; a++) {
      const direct = new Float64Array(axes[a].cells);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) for (let k = 0; k < 5; k++) direct[[i, j, k][a]] += mass[(i * 4 + j) * 5 + k];
      expect(Array.from(gridMarginal(axes, mass, a))).toEqual(Array.from(direct));
    }
    const view = gridView(axes, mass);
    expect(view.get(2, 3, 4)).toBe(mass[59]);
    mass[59] = -1;
    expect(view.get(2, 3, 4)).toBe(-1);
  });

  it('particles at the centres of a one-cell law: W1 and W2 of each coordinate are the in-cell spread', () => {
    const line: AxisSpec[] = [{ name: 'x', lo: 0, hi: 1, cells: 1 }];
    const law = { kind: 'grid' as const, axes: line, mass: Float64Array.of(1) };
    const particles = { n: 1, ndim: 1, reduced: Float64Array.of(0.5) };
    const byName = Object.fromEntries(DIAGNOSTICS.filter((d) => d.applies(law)).map((d) => [d.name, d.compute(particles, law, { directions: Float64Array.of(1) })[0]]));
    // uniform on [0, 1] against δ_{1/2}: W1 = E|U − 1/2| = 1/4, W2 = √(Var U) = 1/√12, KS = 1/2
    expect(byName.w1).toBeCloseTo(0.25, 14);
    expect(byName.w2).toBeCloseTo(1 / Math.sqrt(12), 14);
    expect(byName.ks).toBeCloseTo(0.5, 14);
    expect(byName.slicedW1).toBeUndefined();
  });
});
