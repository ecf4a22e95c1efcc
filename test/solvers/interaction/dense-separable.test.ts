import { describe, expect, it } from 'vitest';
import { SeparableInteraction } from '../../../solvers/interaction/separable.ts';
import { DenseInteraction } from '../../../solvers/interaction/dense.ts';
import { Rng } from '../../../src/rng.ts';

describe('interaction operators', () => {
  it('separable = dense on random features, weights and densities (apply and energy)', () => {
    const rng = new Rng(7);
    for (const [size, rank] of [[1, 1], [17, 3], [200, 24]]) {
      const features = new Float64Array(size * rank);
      for (let i = 0; i < features.length; i++) features[i] = rng.normal();
      const weights = new Float64Array(rank);
      for (let f = 0; f < rank; f++) weights[f] = rng.normal();
      const sep = new SeparableInteraction(features, size, weights);
      const dense = DenseInteraction.fromFunction(size, (j, k) => {
        let s = 0;
        for (let f = 0; f < rank; f++) s += weights[f] * features[f * size + j] * features[f * size + k];
        return s;
      });
      const mass = new Float64Array(size);
      for (let j = 0; j < size; j++) mass[j] = rng.uniform();
      const a = new Float64Array(size);
      const b = new Float64Array(size);
      sep.apply(mass, a);
      dense.apply(mass, b);
      const scale = Math.max(...Array.from(b, Math.abs));
      for (let j = 0; j < size; j++) expect(Math.abs(a[j] - b[j])).toBeLessThan(1e-12 * scale);
      expect(Math.abs(sep.energy(mass) - dense.energy(mass))).toBeLessThan(1e-12 * Math.abs(dense.energy(mass)) + 1e-300);
    }
  });
});
