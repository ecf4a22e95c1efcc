/**
 * The initial-law variance along GD (src/clt/initial-variance.ts) on the charged-unit circle:
 * at t = 0 it is exact, Var_ρ0[c U(y; ρ0)] = E[F(y)²] = ½ Σ_k ive_k² (α_k² + β_k²) (U = −F since
 * E c = 0, and E c² = 1); along GD it matches the measured seed-to-seed std of L_n of an ensemble
 * within the sampling error of that std; the same on the line, whose characteristics use the periodised
 * Gaussian kernel (reduced-models/charged-units/line-fourier.ts).
 */
import { describe, expect, it } from 'vitest';
import { std } from '../../src/diagnostics/stats.ts';
import { predictInitialVariance } from '../../src/clt/initial-variance.ts';
import { runEnsemble } from '../../src/particles/ensemble.ts';
import { replicaSpec } from '../../src/particles/replica.ts';
import { parseSpec, type RunSpec } from '../../src/spec/index.ts';
import { CIRCLE_EXAMPLE, CIRCLE_EXAMPLE_INIT, GAUSSIAN_EXAMPLE_INIT, GaussianLine, quadratureNodes, scaledBesselI } from '../../reduced-models/charged-units/index.ts';

/** The GD width-400 run of a charged-units example, 30 seeds: the ensemble the predictions are checked on. */
const N = 400;
const SEEDS = 30;
const gdSpec = (domain: 'circle' | 'line', init: unknown) =>
  parseSpec({
    model: { name: 'charged-units', domain },
    init,
    saveTimes: [0, 0.5, 1],
    particles: { n: N, epsilon: 0.05, algorithm: 'gd', integrator: 'heun', seeds: SEEDS },
    seed: 5,
  });

/** The measured seed-to-seed std of L_n is within 3 sampling errors (std/√(2(K − 1))) of the prediction at every save time. */
async function expectStdWithinSamplingError(run: RunSpec, p: { times: number[]; predictedStdRisk: number[] }) {
  const ensemble = await runEnsemble(replicaSpec(run), SEEDS, 0);
  p.times.forEach((t, k) => {
    const measured = std(ensemble.runs.map((r) => r!.snapshots[k].populationRisk!));
    const samplingError = measured / Math.sqrt(2 * (SEEDS - 1));
    expect(Math.abs(measured - p.predictedStdRisk[k]), `t = ${t}: measured ${measured}, predicted ${p.predictedStdRisk[k]}`).toBeLessThan(3 * samplingError);
  });
}

describe('initial-law variance along GD (weighted characteristics)', () => {
  it('circle: exact at t = 0; the measured std of L_n (n = 400, 30 seeds) agrees within 3 sampling errors at t ≤ 1', async () => {
    const spec = await gdSpec('circle', CIRCLE_EXAMPLE_INIT);
    const p = predictInitialVariance(spec.runs[0], { nodesPerPanel: 4, dt: 0.1 });
    const { cos, sin } = CIRCLE_EXAMPLE.target;
    const ive = scaledBesselI(4, CIRCLE_EXAMPLE.kappa);
    let exact = (cos[0] ?? 0) ** 2 * ive[0] ** 2;
    for (let k = 1; k < 4; k++) exact += 0.5 * ive[k] ** 2 * ((cos[k] ?? 0) ** 2 + (sin[k] ?? 0) ** 2);
    // 16 Gauss–Legendre nodes in y integrate F² (trigonometric, degree 6) to ~4e-8; t = 0 alone costs no steps
    const atStart = predictInitialVariance({ ...spec.runs[0], saveTimes: [0] }, { nodesPerPanel: 8 });
    expect(Math.abs(atStart.varInitRisk[0] - exact) / exact).toBeLessThan(1e-6);
    expect(Math.abs(p.varInitRisk[0] - exact) / exact).toBeLessThan(0.02); // the 8 × 8 nodes used below
    await expectStdWithinSamplingError(spec.runs[0], p);
  });

  it('line: exact at t = 0 (E F(y)², y ~ U(−2, 2)); the measured std of L_n (n = 400, 30 seeds) agrees within 3 sampling errors at t ≤ 1', async () => {
    const spec = await gdSpec('line', GAUSSIAN_EXAMPLE_INIT);
    const line = new GaussianLine();
    // E F(y)² by 64 Gauss–Legendre nodes on [−2, 2] (F is entire: exact to round-off)
    const q = quadratureNodes({ y: GAUSSIAN_EXAMPLE_INIT.y, c: { kind: 'point', value: 0 } }, 64, 1);
    let exact = 0;
    for (let i = 0; i < q.n; i++) exact += q.w[i] * line.F(q.y[i]) ** 2;
    const atStart = predictInitialVariance({ ...spec.runs[0], saveTimes: [0] }, { nodesPerPanel: 16 });
    expect(Math.abs(atStart.varInitRisk[0] - exact) / exact).toBeLessThan(1e-6);
    const p = predictInitialVariance(spec.runs[0], { nodesPerPanel: 4, dt: 0.1 });
    expect(p.kernel.bound).toBeLessThan(spec.runs[0].solver.kernelTolerance);
    await expectStdWithinSamplingError(spec.runs[0], p);
  });
});
