/**
 * GD of charged units through the spec's particle engine (src/particles/units.ts) with
 * `particles.integrator`: the energy identity dL/dt = −(1/n) Σ (c²U'² + U²) (README §1) holds along the
 * engine's trajectory to the integrator's order, and Heun is ChargedParticles' Heun step.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { Rng } from '../../src/rng.ts';
import { parseSpec } from '../../src/spec/index.ts';
import { runReplica, replicaSpec } from '../../src/particles/replica.ts';
import { ChargedParticles, CIRCLE_EXAMPLE_INIT, GAUSSIAN_EXAMPLE_INIT, GaussianLine, VonMisesCircle } from '../../reduced-models/charged-units/index.ts';

const circleInit = { ...CIRCLE_EXAMPLE_INIT, allowTruncation: false };
const lineInit = { ...GAUSSIAN_EXAMPLE_INIT, allowTruncation: false };

/** Replica 0 of a GD run saved at every step k·dt ≤ T. */
async function gdRun(domain: 'line' | 'circle', integrator: 'euler' | 'heun', dt: number, T: number, n: number) {
  const steps = Math.round(T / dt);
  const spec = await parseSpec({
    model: { name: 'charged-units', domain },
    init: domain === 'line' ? lineInit : circleInit,
    saveTimes: Array.from({ length: steps + 1 }, (_, k) => k * dt),
    particles: { n, epsilon: dt, algorithm: 'gd', integrator },
    seed: 11,
  });
  return runReplica(replicaSpec(spec.runs[0]), 0);
}

/** L(T) − L(0) + ∫₀ᵀ D dt (trapezoid over the steps, an O(dt²) quadrature), D = −dL/dt of the saved states. */
function energyDefect(model: GaussianLine | VonMisesCircle, run: Awaited<ReturnType<typeof gdRun>>, dt: number, n: number): number {
  const D = run.snapshots.map((s) => {
    const y = new Float64Array(n);
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) [y[i], c[i]] = [s.reduced[2 * i], s.reduced[2 * i + 1]];
    const p = new ChargedParticles(model, y, c);
    p.evaluate();
    return p.dissipation();
  });
  let integral = 0;
  for (let k = 1; k < D.length; k++) integral += (dt * (D[k - 1] + D[k])) / 2;
  const L = run.snapshots.map((s) => s.populationRisk!);
  return L[L.length - 1] - L[0] + integral;
}

describe('particles.integrator on the engine (GD on the exact loss)', () => {
  it.each([
    ['circle', new VonMisesCircle(), 64],
    ['line', new GaussianLine(), 48],
  ] as const)('%s: energy identity defect over [0, 1] halves (Euler) and quarters (Heun) with the step', async (domain, model, n) => {
    for (const [integrator, ratio] of [['euler', 2], ['heun', 4]] as const) {
      const defects: number[] = [];
      for (const dt of [0.1, 0.05, 0.025]) defects.push(Math.abs(energyDefect(model, await gdRun(domain, integrator, dt, 1, n), dt, n)));
      const ratios = [defects[0] / defects[1], defects[1] / defects[2]];
      for (const r of ratios) expect(r, `${integrator}: defects ${defects.map((d) => d.toExponential(2)).join(', ')}`).toBeGreaterThan(0.85 * ratio);
      for (const r of ratios) expect(r).toBeLessThan(1.2 * ratio);
    }
  });

  it('Heun replica = ChargedParticles\' Heun step (same draws) to round-off', async () => {
    const model = new VonMisesCircle();
    const run = await gdRun('circle', 'heun', 0.05, 1, 40);
    const p = ChargedParticles.sample(model, circleInit, 40, new Rng(11, 0));
    p.run({ dt: 0.05, steps: 20, method: 'heun', recordEvery: 1e9 });
    const last = run.snapshots[20].reduced;
    for (let i = 0; i < 40; i++) {
      expect(Math.abs(last[2 * i] - p.y[i])).toBeLessThan(1e-12);
      expect(Math.abs(last[2 * i + 1] - p.c[i])).toBeLessThan(1e-12);
    }
  });

  it('"heun" with SGD is a config error naming particles.integrator', async () => {
    const spec = await parseSpec({ model: { name: 'charged-units', domain: 'circle' }, init: circleInit, saveTimes: [0, 1], particles: { n: 10, epsilon: 0.1, algorithm: 'sgd', integrator: 'heun' }, seed: 1 });
    await expect(runReplica(replicaSpec(spec.runs[0]), 0)).rejects.toThrow(ConfigError);
    await expect(runReplica(replicaSpec(spec.runs[0]), 0)).rejects.toThrow(/particles\.integrator/);
  });
});
