import { describe, expect, it } from 'vitest';
import { SeparableInteraction } from '../../../solvers/interaction/separable.ts';
import { Rng } from '../../../src/rng.ts';

describe('separable interaction, WebAssembly block kernels', () => {
  it('apply, featureMoments and energy match a naive per-feature sum for every rank 1…19 (all block mixes of 8, 4, 2, 1), even and odd sizes', () => {
    const rng = new Rng(11);
    for (const size of [1, 2, 36, 37]) for (let rank = 1; rank <= 19; rank++) {
      const features = Float64Array.from({ length: rank * size }, () => rng.normal());
      const weights = Float64Array.from({ length: rank }, () => rng.normal());
      const mass = Float64Array.from({ length: size }, () => rng.uniform());
      const op = new SeparableInteraction(features, size, weights);
      const A = Array.from({ length: rank }, (_, f) => {
        let s = 0;
        for (let j = 0; j < size; j++) s += features[f * size + j] * mass[j];
        return s;
      });
      const moments = op.featureMoments(mass);
      for (let f = 0; f < rank; f++) expect(Math.abs(moments[f] - A[f]), `rank ${rank}, A_${f}`).toBeLessThan(1e-13);
      const out = new Float64Array(size).fill(NaN); // apply must overwrite, not accumulate into, out
      op.apply(mass, out);
      for (let j = 0; j < size; j++) {
        let s = 0;
        for (let f = 0; f < rank; f++) s += weights[f] * A[f] * features[f * size + j];
        expect(Math.abs(out[j] - s), `rank ${rank}, cell ${j}`).toBeLessThan(1e-12);
      }
      const energy = A.reduce((e, a, f) => e + weights[f] * a * a, 0);
      expect(Math.abs(op.energy(mass) - energy)).toBeLessThan(1e-12 * Math.max(1, Math.abs(energy)));
    }
  });
});
