import { describe, expect, it } from 'vitest';
import { minimizeRisk } from '../../src/landscape/qp.ts';
import { findSingleDeltaInterval, sweepDelta } from '../../src/landscape/sweep.ts';
import { singleDelta, singleDeltaRisk } from '../../src/landscape/single-delta.ts';
import { TOY, TOY_OPTIONS, toyFamily, toyModel, toyNormalizedMargin, toyOperators } from './toy.ts';

describe('grid minimum vs the single delta, and its grid refinement', () => {
  it('Lemma 1 holds: R_min = R̄⁽¹⁾(c) exactly when c is a cell centre, else R_min − R̄⁽¹⁾(c) = ψ″(c) h²/4 + O(h⁴)', () => {
    const delta = 1.0;
    const model = toyModel(delta);
    const rc = singleDeltaRisk(model, TOY.c);
    for (const cells of [27, 81, 243]) {
      // odd M: c = rMax/2 is the centre of the middle cell, and δ_c is grid-optimal
      const res = minimizeRisk(toyOperators(delta, cells));
      expect(Math.abs(res.risk - rc)).toBeLessThan(1e-13);
      expect(res.support.map((a) => a.coordinates[0])).toEqual([TOY.c]);
    }
    // even M: c is a cell face, the continuum atom sits between the two nearest centres; the grid
    // minimiser puts mass 1/2 on each (a symmetric two-point mixture, excess (h²/4)(a/s² − 1/ℓ²) to leading order)
    const psi2 = model.a / (model.s * model.s) - 1 / TOY.ell ** 2;
    let previous = NaN;
    for (const cells of [18, 54, 162, 486]) {
      const res = minimizeRisk(toyOperators(delta, cells));
      const h = TOY.rMax / cells;
      const excess = res.risk - rc;
      expect(res.support.map((a) => a.mass)).toEqual([0.5, 0.5].map((x) => expect.closeTo(x, 12)));
      if (cells >= 54) expect(Math.abs(excess / (h * h) / (psi2 / 4) - 1)).toBeLessThan(0.02);
      if (!Number.isNaN(previous)) expect(Math.abs(Math.log(previous / excess) / Math.log(3) - 2)).toBeLessThan(0.1);
      previous = excess;
    }
  });

  it('Lemma 1 fails: R_min < R̄⁽¹⁾(r*), non-increasing on nested grids, first-order convergence (atoms on the domain edge)', () => {
    const delta = 0.5;
    const rc = singleDeltaRisk(toyModel(delta), TOY.c);
    const risks = [27, 81, 243, 729].map((cells) => {
      const res = minimizeRisk(toyOperators(delta, cells));
      expect(res.converged).toBe(true);
      // atoms at the two edge cells and at c
      expect(res.support.length).toBe(3);
      return res.risk;
    });
    for (let k = 1; k < risks.length; k++) expect(risks[k]).toBeLessThan(risks[k - 1]); // nested centres: feasible sets grow
    expect(risks[0]).toBeLessThan(rc - 5e-3);
    // the continuum minimiser has atoms at r = 0 and r = rMax with ψ′ ≠ 0 there; cell centres sit h/2 inside → O(h)
    const d1 = risks[1] - risks[2];
    const d2 = risks[2] - risks[3];
    expect(Math.abs(Math.log(d1 / d2) / Math.log(3) - 1)).toBeLessThan(0.1);
  });

  it('sweepDelta: R_min ≤ single-delta risk always, with equality exactly where Lemma 1 holds', () => {
    const deltas = [0.4, 0.55, 0.6, 1.0, 1.3, 1.45, 1.6, 1.9];
    const { rows } = sweepDelta(toyFamily(243), deltas, TOY_OPTIONS);
    expect(rows.map((r) => r.lemma1.holds)).toEqual([false, false, true, true, true, true, false, false]);
    for (const row of rows) {
      expect(row.gridMinimum.converged).toBe(true);
      expect(row.excess).toBeGreaterThan(-1e-13);
      if (row.lemma1.holds) expect(Math.abs(row.excess)).toBeLessThan(1e-13);
      else expect(row.excess).toBeGreaterThan(1e-6);
    }
    expect(JSON.parse(JSON.stringify(rows))).toEqual(rows);
  });

  it('findSingleDeltaInterval brackets the closed-form thresholds Δ^l (global failure) and Δ^h = κ (local) within 1e-4', () => {
    // independent Δ^l: bisection on the sign of the closed-form normalised margin
    let lo = 0.4;
    let hi = 1.0;
    for (let k = 0; k < 40; k++) {
      const mid = 0.5 * (lo + hi);
      if (toyNormalizedMargin(mid) >= 0) hi = mid;
      else lo = mid;
    }
    const deltaL = 0.5 * (lo + hi);
    const deltaH = TOY.kappa; // ψ″(c) = κ/Δ − 1/ℓ² vanishes at Δ = κ (ℓ = 1)
    const res = findSingleDeltaInterval(toyFamily(3), { ...TOY_OPTIONS, deltaMin: 0.3, deltaMax: 2, deltaScanPoints: 18 });
    expect(res.intervals.length).toBe(1);
    const [{ lower, upper }] = res.intervals;
    expect(lower?.kind).toBe('enters');
    expect(upper?.kind).toBe('leaves');
    for (const [t, exact] of [[lower!, deltaL], [upper!, deltaH]] as const) {
      expect(t.hi - t.lo).toBeLessThanOrEqual(1e-4);
      expect(t.lo).toBeLessThan(exact + 1e-6);
      expect(t.hi).toBeGreaterThan(exact - 1e-6);
    }
    console.log(`toy thresholds: Δ^l = ${lower!.estimate.toFixed(5)} (closed form ${deltaL.toFixed(6)}), Δ^h = ${upper!.estimate.toFixed(5)} (κ = ${deltaH})`);
  });

  it('the Lemma 1 check covers r > rMax: on the half-line the toy fails below Δ^l = 1/κ (competitor at r = ∞)', () => {
    // φ(c + x) − φ(c) → a − 1 as x → ∞, so on [0, ∞) the lemma needs a = κΔ ≥ 1 (and ψ″ ≥ 0: Δ ≤ κ)
    const delta = 0.62; // holds on [0, rMax] (Δ^l = 0.5779 there) but not on [0, ∞)
    const model = toyModel(delta);
    expect(singleDelta(model, TOY_OPTIONS).lemma1.holds).toBe(true);
    const check = singleDelta(model, { rMax: TOY.rMax }).lemma1;
    expect(check.holds).toBe(false);
    expect(check.rFar).toBe(1e4 * TOY.rMax);
    expect(Math.abs(check.margin - (model.a - 1))).toBeLessThan(1e-12);
    const res = findSingleDeltaInterval(toyFamily(3), { rMax: TOY.rMax, deltaMin: 0.3, deltaMax: 2, deltaScanPoints: 18 });
    expect(res.intervals.length).toBe(1);
    const lower = res.intervals[0].lower!;
    expect(lower.hi - lower.lo).toBeLessThanOrEqual(1e-4);
    expect(lower.lo).toBeLessThan(1 / TOY.kappa + 1e-6);
    expect(lower.hi).toBeGreaterThan(1 / TOY.kappa - 1e-6);
  });
});
