/**
 * A model defined only here, to show (and test) that a model is a plug-in: one file, no change
 * elsewhere. Specs name it with { "name": "quadratic-toy", "module": "<this file>", … }.
 *
 * Coordinate x ∈ R; potential V(x) = k x²/2; interaction U(x, x') = γ exp(−(x − x')²/(2ℓ²)) (a
 * positive-definite kernel, so R is convex in ρ); R# = 0. The DD ∂_t ρ = 2∇·(ρ ∇Ψ) with
 * Ψ = V + U ⋆ ρ. With γ = 0 a Gaussian law stays Gaussian: mean and std both decay like e^{−2kt}, so
 * R(t) = k (m² + s²) e^{−4kt} exactly. Particles: N units θ_i = x_i moved by full-batch GD on the exact
 * finite-N risk R_N = (2/N) Σ V(x_i) + (1/N²) Σ_ij U(x_i, x_j).
 */
import { z } from 'zod';
import { ConfigError } from '../../src/errors.ts';
import { Grid } from '../../src/grid.ts';
import { defineModel, type Model, type ReducedSide, type UnitModel } from '../../src/model.ts';
import { normalCdf } from '../../src/numerics/special.ts';
import { number } from '../../src/spec/fields.ts';
import { DenseInteraction } from '../../solvers/interaction/dense.ts';

const params = z.strictObject({ k: number({ above: 0 }), gamma: number({ min: 0 }).default(0), ell: number({ above: 0 }).default(1) });
const init = z.strictObject({ kind: z.literal('gaussian'), mean: number().default(0), std: number({ above: 0 }) });
const grid = z.strictObject({ lo: number(), hi: number(), cells: number({ integer: true, min: 2, max: 100000 }) });
type Init = z.output<typeof init>;
type GridSpec = z.output<typeof grid>;

function build(p: z.output<typeof params>): Model<GridSpec, Init> {
  const V = (x: number) => (p.k * x * x) / 2;
  const U = (x: number, y: number) => p.gamma * Math.exp(-((x - y) ** 2) / (2 * p.ell * p.ell));
  const reduced: ReducedSide<GridSpec, Init> = {
    coordinates: [{ name: 'x', min: -Infinity, max: Infinity }],
    riskConstant: 0,
    defaultMethod: 'finite-volume',
    grid(g) {
      if (!(g.hi > g.lo)) throw new ConfigError('grid.hi', `must be > grid.lo = ${g.lo} (got ${g.hi})`);
      return Grid.uniform1d('x', g.lo, g.hi, g.cells);
    },
    gridOperators(g) {
      const x = g.centres[0];
      const interaction = DenseInteraction.fromFunction(x.length, (i, j) => U(x[i], x[j]));
      return { grid: g, potential: x.map(V), interaction, riskConstant: 0, kernel: { order: 0, rank: x.length, bound: 0, description: 'dense Gaussian kernel (exact)' } };
    },
    initialMass(g, law) {
      const f = g.faces[0];
      const cdf = (x: number) => normalCdf((x - law.mean) / law.std);
      const mass = new Float64Array(g.size);
      for (let j = 0; j < g.size; j++) mass[j] = cdf(f[j + 1]) - cdf(f[j]);
      const inside = cdf(f[g.size]) - cdf(f[0]);
      for (let j = 0; j < g.size; j++) mass[j] /= inside;
      return { mass, truncatedMass: 1 - inside };
    },
    selfInteraction(points, out) {
      out.fill(p.gamma, 0, points.length);
    },
    pointwise: () => ({ method: 'closed forms', potential: (x) => V(x[0]), interaction: (x, y) => U(x[0], y[0]), selfInteraction: () => p.gamma }),
  };
  const unit: UnitModel<Init> = {
    parameters: 1,
    reducedNames: ['x'],
    riskConstant: 0,
    initialise(theta, n, law, rng) {
      for (let i = 0; i < n; i++) theta[i] = law.mean + law.std * rng.normal();
    },
    toReduced(u, out) {
      out[0] = u[0];
    },
    populationRisk(theta, n) {
      let lin = 0;
      let quad = 0;
      for (let i = 0; i < n; i++) {
        lin += V(theta[i]);
        for (let j = 0; j < n; j++) quad += U(theta[i], theta[j]);
      }
      return (2 / n) * lin + quad / (n * n);
    },
    populationGradient(theta, n, grad) {
      // G_i = V'(x_i) + (1/N) Σ_j ∂_1 U(x_i, x_j),  ∂_1 U(x, y) = −(x − y)/ℓ² U(x, y)
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s -= ((theta[i] - theta[j]) / (p.ell * p.ell)) * U(theta[i], theta[j]);
        grad[i] = p.k * theta[i] + s / n;
      }
    },
  };
  return { name: 'quadratic-toy', label: `quadratic toy, k = ${p.k}, γ = ${p.gamma}, ℓ = ${p.ell}`, reduced, particles: { kind: 'units', unit } };
}

export const quadraticToy = defineModel({ name: 'quadratic-toy', summary: 'test-only: quadratic potential, Gaussian interaction, GD particles', params, init, grid, build });
