/**
 * A toy 1-D model with closed forms for everything the landscape engine computes:
 *   v(r) = −a exp(−(r − c)²/(2s²)),   u(r1, r2) = exp(−(r1 − r2)²/(2ℓ²))   (Gaussian kernel: PSD),
 * with the family a = κΔ, s = Δ. Then R̄⁽¹⁾(r) = R# + 2v(r) + 1, so r* = c and R̄⁽¹⁾(r*) = R# − 2a + 1,
 * and with x = r − c
 *   φ(r) − φ(r*) = a(1 − e^{−x²/2s²}) − (1 − e^{−x²/2ℓ²}),   ψ''(c; δ_c) = a/s² − 1/ℓ².
 * Lemma 1 fails globally (competitor at the domain edge) for small Δ and locally (ψ'' < 0) for Δ > κℓ.
 */
import { Grid } from '../../src/grid.ts';
import { DenseInteraction } from '../../solvers/interaction/dense.ts';
import type { PointwiseModel1d } from '../../src/landscape/single-delta.ts';
import type { DeltaFamilyMember } from '../../src/landscape/sweep.ts';
import type { GridOperators } from '../../src/types.ts';

export const TOY = { c: 2, rMax: 4, ell: 1, kappa: 1.5, riskConstant: 1 } as const;

export function toyModel(delta: number): PointwiseModel1d & { a: number; s: number } {
  const a = TOY.kappa * delta;
  const s = delta;
  return {
    a,
    s,
    riskConstant: TOY.riskConstant,
    v: (r) => -a * Math.exp(-((r - TOY.c) ** 2) / (2 * s * s)),
    u: (r1, r2) => Math.exp(-((r1 - r2) ** 2) / (2 * TOY.ell * TOY.ell)),
  };
}

export function toyOperators(delta: number, cells: number): GridOperators {
  const model = toyModel(delta);
  const grid = Grid.uniform1d('r', 0, TOY.rMax, cells);
  const r = grid.centres[0];
  return {
    grid,
    potential: Float64Array.from(r, model.v),
    interaction: DenseInteraction.fromFunction(cells, (j, k) => model.u(r[j], r[k])),
    riskConstant: model.riskConstant,
  };
}

export const toyFamily =
  (cells: number) =>
  (delta: number): DeltaFamilyMember => ({ pointwise: toyModel(delta), gridOperators: () => toyOperators(delta, cells) });

/** φ(c + x) − φ(c) in closed form (expm1 keeps digits at small x). */
export function toyPhiGap(delta: number, x: number): number {
  const { a, s } = toyModel(delta);
  return -a * Math.expm1(-(x * x) / (2 * s * s)) + Math.expm1(-(x * x) / (2 * TOY.ell * TOY.ell));
}

/**
 * Independent μ on [0, rMax] (the toy is posed there: rFar = rMax): dense evaluation of the closed-form
 * quotient [φ(c + x) − φ(c)] / w(x), w(x) = x²/(1 + x²), on both sides, plus its x → 0 limit ψ''(c)/2.
 */
export function toyNormalizedMargin(delta: number): number {
  const { a, s } = toyModel(delta);
  let mu = (a / (s * s) - 1 / (TOY.ell * TOY.ell)) / 2;
  const n = 40000;
  for (const side of [-TOY.c, TOY.rMax - TOY.c]) {
    for (let i = 1; i <= n; i++) {
      const x = (side * i) / n;
      mu = Math.min(mu, (toyPhiGap(delta, x) * (1 + x * x)) / (x * x));
    }
  }
  return mu;
}

/** Options for the toy: the problem is posed on [0, rMax]. */
export const TOY_OPTIONS = { rMax: TOY.rMax, rFar: TOY.rMax } as const;
