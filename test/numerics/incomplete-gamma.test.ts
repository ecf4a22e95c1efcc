import { describe, expect, it } from 'vitest';
import {
  incompleteGammaRegularized as P,
  incompleteGammaUpperRegularized as Q,
  logGamma,
  normalSf,
} from '../../src/numerics/special.ts';

// [a, x, P(a,x), Q(a,x)] computed offline with 40-digit arithmetic (mpmath.gammainc(..., regularized=True)),
// rounded to 17 significant digits. Covers both branches (x < a+1 series, x ≥ a+1 continued fraction),
// both prefactor forms (a < 10 direct, a ≥ 10 Stirling), half-integers (χ_d with odd d) and far tails.
const REFERENCE: [number, number, number, number][] = [
  [0.5, 0.001, 3.5670591729679885e-2, 9.6432940827032011e-1],
  [0.5, 0.3, 5.6142197391900014e-1, 4.3857802608099986e-1],
  [0.5, 2.0, 9.5449973610364159e-1, 4.5500263896358414e-2],
  [0.5, 10.0, 9.9999225578356896e-1, 7.7442164310440836e-6],
  [1, 0.5, 3.9346934028736658e-1, 6.0653065971263342e-1],
  [1, 3, 9.5021293163213606e-1, 4.9787068367863943e-2],
  [1.5, 0.7, 2.9446526879590882e-1, 7.0553473120409118e-1],
  [2.5, 1.0, 1.5085496391539036e-1, 8.4914503608460964e-1],
  [2.5, 7, 9.8439058389973309e-1, 1.5609416100266915e-2],
  [3, 0.01, 1.6542165280748769e-7, 9.9999983457834719e-1],
  [5, 4, 3.7116306482012648e-1, 6.2883693517987352e-1],
  [5, 6, 7.1494349968336878e-1, 2.8505650031663122e-1],
  [7.5, 3, 2.0252253282186635e-2, 9.7974774671781337e-1],
  [9.5, 9.5, 5.4316387440803762e-1, 4.5683612559196238e-1],
  [10, 9, 4.1259175566805859e-1, 5.8740824433194141e-1],
  [10, 11, 6.5948935753433895e-1, 3.4051064246566105e-1],
  [10, 25, 9.9977852336175122e-1, 2.2147663824878358e-4],
  [20, 5, 3.4521358209144602e-7, 9.9999965478641791e-1],
  [20, 15, 1.2478121503252482e-1, 8.7521878496747518e-1],
  [20, 20, 5.2974273316076001e-1, 4.7025726683923999e-1],
  [20, 21, 6.1573722773565784e-1, 3.8426277226434216e-1],
  [20, 30, 9.7812653155860915e-1, 2.1873468441390853e-2],
  [20, 45, 9.9998976295355892e-1, 1.0237046441079244e-5],
  [20, 60, 9.9999999936480817e-1, 6.3519183403789761e-10],
  [50, 40, 7.0335066659394954e-2, 9.2966493334060505e-1],
  [50, 50, 5.1880831547204328e-1, 4.8119168452795672e-1],
  [50, 65, 9.7648760219019132e-1, 2.3512397809808676e-2],
  [160, 150, 2.1735087037389577e-1, 7.8264912962610423e-1],
  [160, 160, 5.1051341211407323e-1, 4.8948658788592677e-1],
  [160, 200, 9.9844882019403563e-1, 1.5511798059643662e-3],
  [500, 480, 1.862819731903246e-1, 8.137180268096754e-1],
  [500, 520, 8.153088509012564e-1, 1.846911490987436e-1],
  [0.5, 30, 9.9999999999999051e-1, 9.4857375710738484e-15],
  [1, 50, 1.0, 1.9287498479639178e-22],
];

describe('regularized incomplete gamma', () => {
  it('P and Q match 40-digit references to 1e-14 relative (each where it is the accurate side)', () => {
    for (const [a, x, p, q] of REFERENCE) {
      // the smaller of P, Q is computed directly and must be accurate relative to itself; the larger
      // one is 1 − (smaller), accurate relative to itself as well
      expect(Math.abs(P(a, x) / p - 1), `P(${a}, ${x})`).toBeLessThan(1e-14);
      expect(Math.abs(Q(a, x) / q - 1), `Q(${a}, ${x})`).toBeLessThan(1e-14);
    }
  });

  it('closed forms: P(1, x) = 1 − e^{−x} and P(½, x²/2) = 1 − 2Φ̄(x) (χ_1)', () => {
    // Q(a, y) ~ e^{−y}: a relative change δ of y moves Q by a relative yδ, so in the far tail the
    // tolerance grows like y·ulp (the conditioning of the function itself, not a method error)
    for (let x = 0.01; x < 30; x *= 1.37) {
      expect(Math.abs(Q(1, x) / Math.exp(-x) - 1)).toBeLessThan(1e-14 + 2.2e-16 * x);
      const y = (x * x) / 2;
      expect(Math.abs(Q(0.5, y) / (2 * normalSf(x)) - 1), `x=${x}`).toBeLessThan(1e-14 + 2.2e-16 * y);
    }
  });

  it('recurrence P(a+1, x) = P(a, x) − x^a e^{−x}/Γ(a+1) holds across the branch switch and the a = 10 prefactor switch', () => {
    for (const a of [0.5, 3, 8.5, 9.5, 19.5, 40]) {
      for (const x of [0.5 * a, a, a + 0.999, a + 1, a + 1.001, a + 2, 1.5 * a + 3]) {
        const lhs = P(a + 1, x);
        const rhs = P(a, x) - Math.exp(a * Math.log(x) - x - logGamma(a + 1));
        expect(Math.abs(lhs - rhs), `a=${a}, x=${x}`).toBeLessThan(2e-14 * Math.max(lhs, 1e-300) + 1e-16);
      }
    }
  });

  it('limits and argument checks', () => {
    expect(P(3, 0)).toBe(0);
    expect(Q(3, 0)).toBe(1);
    expect(P(3, Infinity)).toBe(1);
    expect(Q(3, Infinity)).toBe(0);
    expect(() => P(0, 1)).toThrow(RangeError);
    expect(() => P(1, -1)).toThrow(RangeError);
  });
});
