import { describe, expect, it } from 'vitest';
import { minimizeRisk } from '../../src/landscape/qp.ts';
import { DenseInteraction } from '../../solvers/interaction/dense.ts';
import { SeparableInteraction } from '../../solvers/interaction/separable.ts';
import { Grid } from '../../src/grid.ts';
import { Rng } from '../../src/rng.ts';
import type { GridOperators, InteractionOperator } from '../../src/types.ts';
import { ConfigError } from '../../src/errors.ts';

/** Solve the square system A x = rhs (n×n row-major) by Gaussian elimination with partial pivoting; null if singular. */
function gaussSolve(a: number[][], rhs: number[]): number[] | null {
  const n = rhs.length;
  const m = a.map((row, i) => [...row, rhs[i]]);
  const scale = Math.max(...m.flat().map(Math.abs), 1e-300);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    if (Math.abs(m[piv][c]) < 1e-11 * scale) return null;
    [m[c], m[piv]] = [m[piv], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return x;
}

/**
 * Independent reference: enumerate every support S, solve the equality-constrained KKT system
 * U_S p − λ1 = −v_S, 1ᵀp = 1, keep points with p ≥ 0 and ψ_j = v_j + (Up)_j ≥ λ off S; return the best risk.
 */
function bruteForce(u: number[][], v: number[], r0: number): { risk: number; mass: number[] } {
  const m = v.length;
  let best = { risk: Infinity, mass: [] as number[] };
  for (let set = 1; set < 1 << m; set++) {
    const s: number[] = [];
    for (let j = 0; j < m; j++) if (set & (1 << j)) s.push(j);
    const k = s.length;
    const a = Array.from({ length: k + 1 }, (_, i) =>
      Array.from({ length: k + 1 }, (_, l) => (i < k && l < k ? u[s[i]][s[l]] : i === k && l === k ? 0 : i === k || l === k ? 1 : 0)),
    );
    for (let i = 0; i < k; i++) a[i][k] = -1;
    const x = gaussSolve(a, [...s.map((j) => -v[j]), 1]);
    if (!x) continue;
    const p = new Array<number>(m).fill(0);
    s.forEach((j, i) => (p[j] = x[i]));
    if (p.some((pj) => pj < -1e-12)) continue;
    const lambda = x[k];
    const psi = v.map((vj, j) => vj + u[j].reduce((acc, ujk, l) => acc + ujk * p[l], 0));
    if (psi.some((pj, j) => p[j] === 0 && pj < lambda - 1e-9)) continue;
    const risk = r0 + 2 * v.reduce((acc, vj, j) => acc + vj * p[j], 0) + psi.reduce((acc, pj, j) => acc + (pj - v[j]) * p[j], 0);
    if (risk < best.risk) best = { risk, mass: p };
  }
  return best;
}

function operatorsFrom(interaction: InteractionOperator, potential: Float64Array, riskConstant = 1): GridOperators {
  return { grid: Grid.uniform1d('r', 0, 1, potential.length), potential, interaction, riskConstant };
}

/** Independent check of the returned result: feasibility, fresh ψ, gap and eq. 17. */
function checkCertificate(ops: GridOperators, res: ReturnType<typeof minimizeRisk>, gapBound: number): void {
  const size = ops.grid.size;
  const mass = Float64Array.from(res.mass);
  expect(mass.every((x) => x >= 0)).toBe(true);
  expect(Math.abs(mass.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-14);
  const psi = new Float64Array(size);
  ops.interaction.apply(mass, psi);
  for (let j = 0; j < size; j++) psi[j] += ops.potential[j];
  const minPsi = Math.min(...psi);
  const dot = psi.reduce((a, p, j) => a + p * mass[j], 0);
  expect(2 * (dot - minPsi)).toBeLessThanOrEqual(gapBound);
  expect(res.dualityGap).toBeLessThanOrEqual(gapBound);
  for (const atom of res.support) expect(atom.mass).toBeGreaterThan(0);
  expect(res.support.length).toBe(mass.filter((x) => x > 0).length);
  expect(res.certificate.violation).toBeLessThanOrEqual(gapBound);
  expect(res.certificate.violation).toBeGreaterThanOrEqual(0);
  expect(JSON.parse(JSON.stringify(res))).toEqual(res);
}

describe('minimizeRisk (convex QP over the simplex)', () => {
  it('matches brute-force support enumeration on random small problems (PD and rank-deficient U)', () => {
    const rng = new Rng(2018);
    let cases = 0;
    for (let trial = 0; trial < 90; trial++) {
      const m = 2 + (trial % 9);
      // kind 0: full rank; kind 1: rank 2 (like the d = ∞ kernel); kind 2: rank 1 with v in the feature
      // span plus noise, whose faces have singular reduced Hessians (exercises the flat-direction branch)
      const kind = trial % 3;
      const rank = kind === 0 ? m : kind === 1 ? Math.min(2, m) : 1;
      const b = Array.from({ length: m }, () => Array.from({ length: rank }, () => rng.normal() / Math.sqrt(rank)));
      const u = b.map((bi) => b.map((bj) => bi.reduce((acc, x, f) => acc + x * bj[f], 0)));
      const y = rng.normal();
      const v = Array.from({ length: m }, (_, j) => (kind === 2 ? -b[j][0] * y + 0.1 * rng.normal() : rng.normal()));
      const ops = operatorsFrom(new DenseInteraction(Float64Array.from(u.flat()), m), Float64Array.from(v));
      const res = minimizeRisk(ops);
      const ref = bruteForce(u, v, 1);
      expect(res.converged).toBe(true);
      expect(Math.abs(res.risk - ref.risk)).toBeLessThan(1e-8);
      if (kind === 0) {
        // strictly convex: the minimiser is unique
        for (let j = 0; j < m; j++) expect(Math.abs(res.mass[j] - ref.mass[j])).toBeLessThan(1e-6);
      }
      checkCertificate(ops, res, 1e-11);
      cases++;
    }
    expect(cases).toBe(90);
  });

  it('solves a separable rank-24 problem with M = 2000 to duality gap ≤ 1e-10 within a second', () => {
    const rng = new Rng(11);
    const size = 2000;
    const rank = 24;
    const grid = Grid.uniform1d('r', 0, 6, size);
    const r = grid.centres[0];
    const features = new Float64Array(rank * size);
    const omega = Array.from({ length: rank }, () => 0.2 + 2 * rng.uniform());
    const phase = Array.from({ length: rank }, () => 2 * Math.PI * rng.uniform());
    for (let f = 0; f < rank; f++) for (let j = 0; j < size; j++) features[f * size + j] = Math.cos(omega[f] * r[j] + phase[f]) * Math.exp(-0.1 * f);
    const coef = Array.from({ length: rank }, () => rng.normal());
    const potential = new Float64Array(size);
    for (let j = 0; j < size; j++) {
      let s = 0;
      for (let f = 0; f < rank; f++) s -= coef[f] * features[f * size + j];
      potential[j] = s + 0.3 * Math.sin(3 * r[j]);
    }
    const ops: GridOperators = { grid, potential, interaction: new SeparableInteraction(features, size), riskConstant: 1 };
    const t0 = performance.now();
    const res = minimizeRisk(ops, { gapTolerance: 1e-10 });
    const ms = performance.now() - t0;
    expect(res.converged).toBe(true);
    checkCertificate(ops, res, 1e-10);
    expect(ms).toBeLessThan(1000);
    console.log(`M=2000 rank-24: ${ms.toFixed(0)} ms, ${res.iterations} pricings, ${res.innerIterations} inner steps, support ${res.support.length}, gap ${res.dualityGap.toExponential(2)}`);
  });

  it('rejects bad options and mismatched operators with ConfigError naming the field', () => {
    const ops = operatorsFrom(new DenseInteraction(new Float64Array([1, 0, 0, 1]), 2), new Float64Array([0, 0]));
    expect(() => minimizeRisk(ops, { gapTolerance: 0 })).toThrow(ConfigError);
    expect(() => minimizeRisk(ops, { maxIterations: 0.5 })).toThrow(/maxIterations/);
    const bad = { ...ops, potential: new Float64Array(3) };
    expect(() => minimizeRisk(bad)).toThrow(/operators/);
  });
});
