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

describe('separable interaction on its own memory (withArrays)', () => {
  it('reads masses and writes outputs in place with the same bits as the copying path, for every rank 1…19 and even and odd sizes', () => {
    const rng = new Rng(12);
    for (const size of [2, 36, 37]) for (let rank = 1; rank <= 19; rank++) {
      const features = Float64Array.from({ length: rank * size }, () => rng.normal());
      // rank 1 with a −0 feature: every output is +0 + (±0), which the in-place first block must give as the zeroed path does
      if (rank === 1) features.fill(-0);
      const weights = Float64Array.from({ length: rank }, () => rng.normal());
      const op = new SeparableInteraction(features, size, weights);
      const resident = op.withArrays(3, 64)!;
      const [mass, out] = resident.arrays;
      expect(mass.buffer).toBe(resident.memory.buffer);
      expect(resident.scratch + 64).toBeLessThanOrEqual(resident.memory.buffer.byteLength);
      for (let j = 0; j < size; j++) mass[j] = rng.uniform();
      const expected = new Float64Array(size);
      op.apply(Float64Array.from(mass), expected);
      out.fill(NaN);
      resident.operator.apply(mass, out);
      expect(new Uint8Array(out.buffer, out.byteOffset, out.byteLength)).toEqual(new Uint8Array(expected.buffer));
      expect(resident.operator.energy(mass)).toBe(op.energy(Float64Array.from(mass)));
    }
  });
});
