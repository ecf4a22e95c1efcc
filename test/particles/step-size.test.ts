import { describe, expect, it } from 'vitest';
import { checkScheduleMatches, deBortoliSchedule, deBortoliTimeStep } from '../../src/particles/step-size.ts';
import { evaluateSchedule } from '../../src/types.ts';

describe('De Bortoli step sizes in MMN time', () => {
  it('γN^{β−1}(k + 1/γ_{α,β})^{−α} equals ε ξ(kε) with ε = γ_{α,β}(N), ξ(t) = (t + 1)^{−α}', () => {
    for (const s of [{ gamma: 1, alpha: 0, beta: 0.75 }, { gamma: 0.3, alpha: 0.4, beta: 0.5 }, { gamma: 2, alpha: 0.9, beta: 1 }]) {
      for (const n of [10, 1000, 1e6]) {
        const eps = deBortoliTimeStep(s, n);
        for (const k of [0, 1, 17, 1e5]) {
          const theirs = s.gamma * n ** (s.beta - 1) * (k + 1 / eps) ** -s.alpha;
          const ours = eps * evaluateSchedule(deBortoliSchedule(s), k * eps);
          expect(Math.abs(ours / theirs - 1)).toBeLessThan(1e-12);
        }
      }
    }
  });

  it('β = 1, α = 0 is a fixed step γ at every width (MMN\'s fixed ε)', () => {
    expect(deBortoliTimeStep({ gamma: 1e-3, alpha: 0, beta: 1 }, 10)).toBe(1e-3);
    expect(deBortoliTimeStep({ gamma: 1e-3, alpha: 0, beta: 1 }, 1e6)).toBe(1e-3);
  });

  it('a spec whose ξ(t) disagrees with α is refused with the schedule to write', () => {
    expect(() => checkScheduleMatches({ gamma: 1, alpha: 0.5, beta: 1 }, { kind: 'constant', value: 1 })).toThrow(/"kind":"power","t0":1,"alpha":0.5/);
    expect(() => checkScheduleMatches({ gamma: 1, alpha: 0, beta: 1 }, { kind: 'constant', value: 1 })).not.toThrow();
  });
});
