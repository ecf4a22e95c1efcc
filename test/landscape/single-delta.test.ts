import { describe, expect, it } from 'vitest';
import { lemma1, singleDelta, singleDeltaRisk, type PointwiseModel1d } from '../../src/landscape/single-delta.ts';
import { pointMassStability } from '../../src/landscape/stability.ts';
import { ConfigError } from '../../src/errors.ts';
import { TOY, TOY_OPTIONS, toyModel, toyNormalizedMargin, toyPhiGap } from './toy.ts';

const opts = TOY_OPTIONS;

describe('single-delta ansatz (MMN eq. 14) and Lemma 1', () => {
  it('finds r* = c and R̄⁽¹⁾(r*) = R# + 1 − 2a on the toy model', () => {
    for (const delta of [0.3, 0.8, 1.2, 1.8]) {
      const model = toyModel(delta);
      const sd = singleDelta(model, opts);
      expect(Math.abs(sd.rStar - TOY.c)).toBeLessThan(1e-9);
      expect(Math.abs(sd.risk - (TOY.riskConstant + 1 - 2 * model.a))).toBeLessThan(1e-14);
      expect(JSON.parse(JSON.stringify(sd))).toEqual(sd);
    }
  });

  it('finds the global minimiser of R̄⁽¹⁾ when it has two competing wells (vs a 10⁶-point brute-force scan)', () => {
    // wells at 1 and 3.2 of almost equal depth, widths differ: the deeper one wins
    const model: PointwiseModel1d = {
      riskConstant: 1,
      v: (r) => -1.0 * Math.exp(-((r - 1) ** 2) / 0.08) - 1.03 * Math.exp(-((r - 3.2) ** 2) / 0.5) + 0.02 * r,
      u: (r1, r2) => 0.3 * Math.exp(-((r1 - r2) ** 2) / 2) + 0.1 * r1 * r2,
    };
    let best = 0;
    let bestValue = Infinity;
    const n = 1_000_000;
    for (let i = 0; i <= n; i++) {
      const r = (TOY.rMax * i) / n;
      const value = singleDeltaRisk(model, r);
      if (value < bestValue) {
        bestValue = value;
        best = r;
      }
    }
    const sd = singleDelta(model, opts);
    expect(Math.abs(sd.rStar - best)).toBeLessThan(2e-5); // brute-force resolution 4e-6 plus flatness
    expect(sd.risk).toBeLessThanOrEqual(bestValue + 1e-15);
    expect(bestValue - sd.risk).toBeLessThan(1e-9);
  });

  it('normalised margin μ matches the closed form; margin is 0 iff the lemma holds; both failure modes', () => {
    // Δ = 0.5: global failure (competitor at the edge r = 0); Δ = 1, 1.4: holds; Δ = 1.8: local failure (ψ'' < 0)
    for (const [delta, expectHolds] of [[0.5, false], [1.0, true], [1.4, true], [1.8, false]] as const) {
      const model = toyModel(delta);
      const check = singleDelta(model, opts).lemma1;
      const mu = toyNormalizedMargin(delta);
      expect(Math.abs(check.normalizedMargin - mu)).toBeLessThan(1e-6);
      expect(check.holds).toBe(expectHolds);
      expect(mu >= 0).toBe(expectHolds);
      // MMN's margin min_r φ(r) − φ(r*), against a dense closed-form scan
      let margin = 0;
      for (let i = 0; i <= 400000; i++) margin = Math.min(margin, toyPhiGap(delta, -TOY.c + (TOY.rMax * i) / 400000));
      if (expectHolds) expect(check.margin).toBe(0);
      else {
        expect(check.margin).toBeLessThan(-1e-3);
        expect(Math.abs(check.margin - margin)).toBeLessThan(1e-9);
      }
    }
  });

  it('point-mass stability (Theorems 6–7 reduced): ψ′, ψ″ = a/s² − 1/ℓ² and the classification', () => {
    const stable = pointMassStability(toyModel(1.0), TOY.c);
    expect(stable.fixedPoint).toBe(true);
    expect(Math.abs(stable.psiSecond - (1.5 - 1))).toBeLessThan(1e-8);
    expect(stable.classification).toBe('stable');
    const unstableModel = toyModel(1.8);
    const unstable = pointMassStability(unstableModel, TOY.c);
    expect(Math.abs(unstable.psiSecond - (unstableModel.a / 1.8 ** 2 - 1))).toBeLessThan(1e-8);
    expect(unstable.classification).toBe('unstable');
    // Δ = κ: a/s² = κ²/κ² = 1/ℓ², so ψ″ = 0 (degenerate)
    expect(pointMassStability(toyModel(TOY.kappa), TOY.c).classification).toBe('degenerate');
    // off the critical point: ψ'(r; δ_r) = v'(r) since ∂₁u(r, r) = 0 for the Gaussian kernel
    const m = toyModel(1.0);
    for (const r of [TOY.c + 0.3, 0]) {
      const st = pointMassStability(m, r); // r = 0 uses the one-sided stencil
      const vPrime = -m.a * Math.exp(-((r - TOY.c) ** 2) / (2 * m.s * m.s)) * (-(r - TOY.c) / (m.s * m.s));
      expect(Math.abs(st.psiPrime - vPrime)).toBeLessThan(1e-9);
      expect(st.classification).toBe('not-a-fixed-point');
    }
  });

  it('rejects bad options with ConfigError naming the field', () => {
    const model = toyModel(1);
    expect(() => singleDelta(model, { rMax: -1 })).toThrow(ConfigError);
    expect(() => singleDelta(model, { rMax: 4, scanPoints: 2 })).toThrow(/scanPoints/);
    expect(() => lemma1(model, 5, { rMax: 4 })).toThrow(/rStar/);
    expect(() => pointMassStability(model, -1)).toThrow(/r:/);
  });
});
