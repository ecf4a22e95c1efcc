import { describe, expect, it } from 'vitest';
import { gaussHermite, gaussJacobi, gaussLaguerre, gaussLegendre } from '../../src/numerics/quadrature.ts';
import { logBeta, logGamma } from '../../src/numerics/special.ts';
import { hermiteCoefficients, hermitePhiSeries, hermiteSeries } from '../../src/numerics/hermite.ts';

function sum(rule: { nodes: Float64Array; weights: Float64Array }, f: (x: number) => number): number {
  let s = 0;
  for (let i = 0; i < rule.nodes.length; i++) s += rule.weights[i] * f(rule.nodes[i]);
  return s;
}

describe('Gaussian quadrature rules', () => {
  it('Gauss–Laguerre (normalised) integrates the Gamma(α + 1) moments E z^m = Γ(α+m+1)/Γ(α+1) exactly up to degree 2n−1', () => {
    for (const [n, alpha] of [[6, -0.5], [8, 2], [12, 29], [10, 129]] as const) {
      const rule = gaussLaguerre(n, alpha, true);
      for (let m = 0; m <= 2 * n - 1; m++) {
        const exact = Math.exp(logGamma(alpha + m + 1) - logGamma(alpha + 1));
        expect(Math.abs(sum(rule, (z) => z ** m) / exact - 1)).toBeLessThan(1e-11);
      }
    }
    expect(() => gaussLaguerre(5, -1)).toThrow(/alpha/);
  });

  it('Gauss–Hermite integrates the normal moments E G^{2j} = (2j−1)!! exactly up to degree 2n−1', () => {
    for (const n of [5, 20, 60, 120]) {
      const rule = gaussHermite(n);
      let dfact = 1;
      for (let j = 0; 2 * j <= Math.min(2 * n - 1, 40); j++) {
        if (j > 0) dfact *= 2 * j - 1;
        const m = sum(rule, (x) => Math.pow(x, 2 * j));
        expect(Math.abs(m / dfact - 1), `n=${n} j=${j}`).toBeLessThan(2e-14 * (1 + j));
        expect(Math.abs(sum(rule, (x) => Math.pow(x, 2 * j + 1)))).toBeLessThan(1e-13 * dfact);
      }
    }
  });

  it('Gauss–Legendre nodes/weights: exact moments, symmetric, 1e-14', () => {
    for (const n of [1, 2, 7, 40, 200]) {
      const rule = gaussLegendre(n);
      for (let k = 0; k <= Math.min(2 * n - 1, 60); k++) {
        const exact = k % 2 === 0 ? 2 / (k + 1) : 0;
        expect(Math.abs(sum(rule, (x) => Math.pow(x, k)) - exact), `n=${n} k=${k}`).toBeLessThan(1e-14);
      }
      for (let i = 0; i < n; i++) {
        expect(Math.abs(rule.nodes[i] + rule.nodes[n - 1 - i])).toBeLessThan(1e-15);
        expect(Math.abs(rule.weights[i] / rule.weights[n - 1 - i] - 1)).toBeLessThan(1e-14);
      }
    }
    // a known node: the positive root of P_2 is 1/√3
    expect(Math.abs(gaussLegendre(2).nodes[1] - 1 / Math.sqrt(3))).toBeLessThan(2.5e-16);
  });

  it('Gauss–Jacobi reproduces Beta-function moments for several (α, β)', () => {
    // symmetric weight: m_{2j} = ∫ x^{2j} (1−x²)^α dx = B(j + 1/2, α + 1), so m_{2j}/m_{2j−2} = (j − 1/2)/(j + α + 1/2)
    // exactly; odd moments vanish. (The total mass uses log Γ, itself good to ~1e-14 relative.)
    for (const alpha of [18.5, 158.5, -0.5, 0]) {
      const rule = gaussJacobi(30, alpha, alpha);
      const mass = sum(rule, () => 1);
      expect(Math.abs(mass / Math.exp(logBeta(0.5, alpha + 1)) - 1)).toBeLessThan(1e-13);
      for (let j = 1; j <= 12; j++) {
        const ratio = sum(rule, (x) => x ** (2 * j)) / sum(rule, (x) => x ** (2 * j - 2));
        expect(Math.abs(ratio / ((j - 0.5) / (j + alpha + 0.5)) - 1), `α=${alpha} j=${j}`).toBeLessThan(1e-13);
        expect(Math.abs(sum(rule, (x) => x ** (2 * j + 1)))).toBeLessThan(1e-15 * mass);
      }
    }
    // asymmetric weight: ∫ (1+x)^k (1−x)^α (1+x)^β dx = 2^{α+β+k+1} B(β+k+1, α+1)
    for (const [alpha, beta] of [[2, 5], [0.5, -0.5], [-0.7, 3.2]]) {
      const rule = gaussJacobi(25, alpha, beta);
      for (let k = 0; k <= 30; k++) {
        const exact = Math.pow(2, alpha + beta + k + 1) * Math.exp(logBeta(beta + k + 1, alpha + 1));
        expect(Math.abs(sum(rule, (x) => (1 + x) ** k) / exact - 1), `α=${alpha} β=${beta} k=${k}`).toBeLessThan(1e-13);
      }
    }
  });

  it('normalized Gauss–Jacobi for the cosine law p_d gives m_2 = 1/d, m_4 = 3/(d(d+2))', () => {
    for (const d of [3, 40, 320]) {
      const rule = gaussJacobi(40, (d - 3) / 2, (d - 3) / 2, true);
      expect(Math.abs(sum(rule, () => 1) - 1)).toBeLessThan(1e-15);
      expect(Math.abs(sum(rule, (s) => s * s) * d - 1)).toBeLessThan(1e-14);
      expect(Math.abs((sum(rule, (s) => s ** 4) * d * (d + 2)) / 3 - 1)).toBeLessThan(1e-13);
    }
  });
});

describe('Hermite functions', () => {
  it('h_k are orthonormal under Gauss–Hermite quadrature', () => {
    const rule = gaussHermite(80);
    const K = 40;
    const hk = new Float64Array(K + 1);
    const gram = new Float64Array((K + 1) * (K + 1));
    for (let i = 0; i < rule.nodes.length; i++) {
      hermiteSeries(rule.nodes[i], K, hk);
      for (let j = 0; j <= K; j++) for (let k = 0; k <= K; k++) gram[j * (K + 1) + k] += rule.weights[i] * hk[j] * hk[k];
    }
    for (let j = 0; j <= K; j++) for (let k = 0; k <= K; k++) expect(Math.abs(gram[j * (K + 1) + k] - (j === k ? 1 : 0))).toBeLessThan(1e-12);
  });

  it('h_k φ recurrence stays finite where h_k alone overflows, and equals h_k·φ elsewhere', () => {
    const K = 30;
    const a = new Float64Array(K + 1);
    const b = new Float64Array(K + 1);
    hermitePhiSeries(1e4, K, a);
    expect(a.every((v) => Number.isFinite(v))).toBe(true);
    hermitePhiSeries(2.3, K, a);
    hermiteSeries(2.3, K, b);
    const phi = Math.exp(-2.3 * 2.3 / 2) / Math.sqrt(2 * Math.PI);
    for (let k = 0; k <= K; k++) expect(Math.abs(a[k] - b[k] * phi)).toBeLessThan(1e-15);
  });

  it('hermiteCoefficients: exact c_k of exp and of relu', () => {
    const K = 30;
    const c = new Float64Array(K + 1);
    // exp(q x) = e^{q²/2} Σ_k He_k(x) q^k / k!  ⇒  c_k = e^{q²/2} q^k / √(k!)
    const q = 1.3;
    hermiteCoefficients((t) => Math.exp(t), q, K, c, { halfWidth: 16 }); // e^{qg}φ(g) ∝ φ(g − q): widen the window
    let ck = Math.exp((q * q) / 2);
    for (let k = 0; k <= K; k++) {
      if (k > 0) ck *= q / Math.sqrt(k);
      expect(Math.abs(c[k] - ck), `k=${k}`).toBeLessThan(1e-14);
    }
    // relu(q x): c_0 = q/√(2π), c_1 = q/2, c_2 = q φ(0)/√2
    hermiteCoefficients((t) => Math.max(t, 0), 0.7, 4, c, { kinks: [0] });
    expect(Math.abs(c[0] - 0.7 / Math.sqrt(2 * Math.PI))).toBeLessThan(1e-15);
    expect(Math.abs(c[1] - 0.35)).toBeLessThan(1e-15);
    expect(Math.abs(c[2] - 0.7 / Math.sqrt(2 * Math.PI) / Math.SQRT2)).toBeLessThan(1e-15);
  });
});
