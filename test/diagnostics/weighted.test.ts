/** Weighted Wasserstein distances (src/diagnostics/weighted.ts) against closed forms. */
import { describe, expect, it } from 'vitest';
import { marginalWasserstein1, randomDirections, slicedWasserstein1, wassersteinWeighted } from '../../src/diagnostics/weighted.ts';
import { wassersteinSamples } from '../../src/diagnostics/wasserstein.ts';
import { Rng } from '../../src/rng.ts';

describe('weighted 1-D Wasserstein distance', () => {
  it('point masses: W_p(δ_x, δ_y) = |x − y|', () => {
    expect(wassersteinWeighted([1.5], [2], [-0.25], [7], 1)).toBeCloseTo(1.75, 15);
    expect(wassersteinWeighted([1.5], undefined, [-0.25], undefined, 2)).toBeCloseTo(1.75, 15);
  });

  it('two-point laws: W1 = ∫|F − G| dx and W2² by the monotone coupling, in closed form', () => {
    // μ = 0.3 δ_0 + 0.7 δ_1, ν = 0.6 δ_0.5 + 0.4 δ_2 (weights given unnormalised)
    // F − G: on [0, 0.5) 0.3; [0.5, 1) 0.3 − 0.6 = −0.3; [1, 2) 1 − 0.6 = 0.4  ⇒ W1 = 0.15 + 0.15 + 0.4 = 0.7
    const x = [1, 0];
    const wx = [7, 3];
    const y = [2, 0.5];
    const wy = [0.4, 0.6];
    expect(wassersteinWeighted(x, wx, y, wy, 1)).toBeCloseTo(0.7, 14);
    // coupling: 0.3 (0 → 0.5), 0.3 (1 → 0.5), 0.4 (1 → 2): W2² = 0.3·0.25 + 0.3·0.25 + 0.4·1 = 0.55
    expect(wassersteinWeighted(x, wx, y, wy, 2)).toBeCloseTo(Math.sqrt(0.55), 14);
    expect(wassersteinWeighted(y, wy, x, wx, 1)).toBeCloseTo(0.7, 14);
  });

  it('uniform weights reproduce wassersteinSamples (sizes 7 and 11); zero weights are ignored', () => {
    const rng = new Rng(5);
    const a = Array.from({ length: 7 }, () => rng.normal());
    const b = Array.from({ length: 11 }, () => 0.3 + 2 * rng.normal());
    for (const p of [1, 2] as const) expect(wassersteinWeighted(a, undefined, b, undefined, p)).toBeCloseTo(wassersteinSamples(a, b, p), 13);
    expect(wassersteinWeighted([...a, 100], [...a.map(() => 1), 0], b, undefined, 1)).toBeCloseTo(wassersteinSamples(a, b, 1), 13);
  });

  it('a translation by c: W1 = W2 = |c| for any weights', () => {
    const x = [0.1, 0.7, -1.2, 3];
    const w = [0.2, 0.1, 0.3, 0.4];
    for (const p of [1, 2] as const) expect(wassersteinWeighted(x, w, x.map((v) => v - 0.37), w, p)).toBeCloseTo(0.37, 14);
  });

  it('rejects bad input naming it', () => {
    expect(() => wassersteinWeighted([], undefined, [1], undefined)).toThrow(/x/);
    expect(() => wassersteinWeighted([1, 2], [1, -1], [1], undefined)).toThrow(/x\.weights/);
    expect(() => wassersteinWeighted([1, 2], [0, 0], [1], undefined)).toThrow(/positive total/);
  });
});

describe('marginal and sliced W1', () => {
  const rng = new Rng(11);
  const D = 3;
  const n = 40;
  const X = Float64Array.from({ length: n * D }, () => rng.normal());
  const w = Float64Array.from({ length: n }, () => rng.uniform() + 0.1);
  const shift = [0.3, -1.1, 0.5];
  const Y = X.map((v, i) => v + shift[i % D]);

  it('a translation: marginal W1 = |c_a|, sliced W1 = mean over directions of |<u, c>|', () => {
    const marg = marginalWasserstein1(Y, w, X, w, D);
    marg.forEach((m, a) => expect(m).toBeCloseTo(Math.abs(shift[a]), 13));
    const dirs = randomDirections(D, 50, new Rng(3));
    let expected = 0;
    for (let k = 0; k < 50; k++) expected += Math.abs(dirs[3 * k] * shift[0] + dirs[3 * k + 1] * shift[1] + dirs[3 * k + 2] * shift[2]);
    expect(slicedWasserstein1(X, w, Y, w, D, dirs)).toBeCloseTo(expected / 50, 13);
  });

  it('directions are unit vectors; sliced W1 of a translation approaches |c| E|u_1| = |c|/2 in 3-D', () => {
    const dirs = randomDirections(D, 4000, new Rng(7));
    for (let k = 0; k < 4000; k += 397) expect(Math.hypot(dirs[3 * k], dirs[3 * k + 1], dirs[3 * k + 2])).toBeCloseTo(1, 14);
    const c = Math.hypot(...shift);
    // E|<u, c>| = |c| Γ(3/2)/(√π Γ(2)) = |c|/2 for u uniform on S²; sampling error ≈ 0.29|c|/√4000
    expect(Math.abs(slicedWasserstein1(X, w, Y, w, D, dirs) - c / 2)).toBeLessThan(4 * (0.29 * c) / Math.sqrt(4000));
  });
});
