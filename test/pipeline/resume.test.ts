/**
 * Interrupt and resume, in process: a stop token cuts a run short at a chosen point; the partial
 * result holds everything finished and says what is missing; a resumed run (reusing the checkpoints)
 * is bit-identical to an uninterrupted one (timings and provenance aside).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toJson } from '../../src/io/output.ts';
import { runCompare } from '../../src/pipeline/compare.ts';
import { runCltStudyFromSpec } from '../../src/pipeline/clt-study.ts';
import { runSweep } from '../../src/pipeline/landscape.ts';
import { runSolveSpec } from '../../src/pipeline/solve.ts';
import { parseSpec } from '../../src/spec/index.ts';

/** The JSON of a result without provenance and wall-clock times (`ms`, `stepsMs`, …). */
function strip(result: unknown): string {
  return JSON.stringify(JSON.parse(toJson(result)), (key, value) => (key === 'provenance' || /(^ms|Ms)$/.test(key) ? undefined : value));
}

const base = {
  model: { name: 'isotropic-gaussians', delta: 0.8, d: 40 },
  init: { kind: 'gaussian', scale: 0.8 },
  grid: { rMax: 6, cells: 300 },
  saveTimes: [0, 0.25, 0.5],
};

describe('solve: interrupt and resume', () => {
  it.each([
    ['the main solution', 'main', 0.3],
    ['the characteristics check', 'check', 0.2],
  ] as const)('a stop in %s keeps what finished, names what is missing, and --resume ends bit-identical', async (_, stopPhase, stopAt) => {
    const spec = await parseSpec(base);
    const full = runSolveSpec(spec);
    expect(full.completed).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'meanfield-solve-resume-'));
    let stop = false;
    const partial = runSolveSpec(spec, {
      checkpointDir: dir,
      shouldStop: () => stop,
      onProgress: (_run, phase, t) => {
        if (phase === stopPhase && t >= stopAt) stop = true;
      },
    });
    expect(partial.completed).toBe(false);
    expect(partial.stoppedEarly).toBe(true);
    const [run] = partial.runs;
    if (stopPhase === 'main') {
      expect(run.times).toEqual([0, 0.25]);
      expect(partial.missing).toEqual(['the PDE after t = 0.25 (save times 0.5)', 'the independent check']);
      expect(run.risk).toEqual(full.runs[0].risk.slice(0, 2));
    } else {
      expect(run.times).toEqual([0, 0.25, 0.5]);
      expect(run.check).toBeNull();
      expect(partial.missing).toEqual(['the independent check']);
      expect(existsSync(join(dir, 'checkpoints', 'pde-0', 'main.bin'))).toBe(true);
    }
    const resumed = runSolveSpec(spec, { checkpointDir: dir, resume: true });
    expect(resumed.completed).toBe(true);
    expect(strip(resumed)).toBe(strip(full));
  });
});

describe('compare: interrupt and resume', () => {
  it('a stop while replicas run keeps the PDE and every finished replica at every save time; --resume ends bit-identical', async () => {
    const raw = { ...base, saveTimes: [0, 0.1, 0.2], particles: { n: 100, epsilon: 1e-4, seeds: 3 }, seed: 5 };
    const control = { workers: 1, curveSteps: 2 };
    const full = await runCompare(raw, {}, control);
    const dir = mkdtempSync(join(tmpdir(), 'meanfield-compare-resume-'));
    // stop once replica 1 is checkpointed: the pool then starts no further replica
    const partial = await runCompare(raw, {}, { ...control, checkpointDir: dir, shouldStop: () => existsSync(join(dir, 'replicas', '0', 'replica-0.json')) });
    expect(partial.completed).toBe(false);
    expect(partial.missing).toEqual(['replica(s) 2, 3 of 3 (not finished: left out of the ensemble)']);
    const [r] = partial.runs;
    expect(r.times).toEqual([0, 0.1, 0.2]);
    expect(r.pde.risk).toEqual(full.runs[0].pde.risk);
    expect(r.particles.riskPerSeed).toEqual(full.runs[0].particles.riskPerSeed.map((row) => row.slice(0, 1)));
    const resumed = await runCompare(raw, {}, { ...control, checkpointDir: dir, resume: true });
    expect(resumed.provenance.timings.replicasResumed).toBe(1);
    expect(resumed.completed).toBe(true);
    expect(strip(resumed)).toBe(strip(full));
  });
});

describe('CLT study: interrupt and resume', () => {
  it('a stop after the first ensemble, then --resume, gives the uninterrupted study bit for bit', async () => {
    const spec = await parseSpec({ ...base, grid: { rMax: 8, cells: 400 }, saveTimes: [0, 0.1], seed: 7, clt: { ns: [50, 100], epsilons: [1e-3], seeds: 4, bootstrap: 20 } });
    const control = { workers: 1 };
    const full = await runCltStudyFromSpec(spec, control);
    const dir = mkdtempSync(join(tmpdir(), 'meanfield-clt-resume-'));
    const partial = await runCltStudyFromSpec(spec, { ...control, checkpointDir: dir, shouldStop: () => existsSync(join(dir, 'replicas', 'clt-0', 'replica-3.json')) });
    expect(partial.completed).toBe(false);
    expect(partial.missing).toEqual(['ensemble N = 100, ε = 0.001 (stopped before 3 replicas finished: not analysed)']);
    expect(partial.ensembles.map((e) => e.n)).toEqual([50]);
    const resumed = await runCltStudyFromSpec(spec, { ...control, checkpointDir: dir, resume: true });
    expect(resumed.completed).toBe(true);
    expect(strip(resumed)).toBe(strip(full));
  });
});

describe('sweep: interrupt', () => {
  it('a stop during the first table keeps that table and lists the bisections, the second d and the long-time runs as missing', async () => {
    const spec = await parseSpec({
      ...base,
      grid: { rMax: 8, cells: 400 },
      sweep: { deltas: [0.3, 0.6], dims: ['inf', 40], lemmaDomain: 'grid', scanPoints: 3, deltaTolerance: 5e-2, dynamicsDeltas: [0.6], longTime: 0.5 },
    });
    let stop = false;
    const result = await runSweep(spec, { shouldStop: () => stop, onProgress: (m) => (stop ||= m === 'd = inf: table') });
    expect(result.completed).toBe(false);
    expect(result.dims[0].rows.map((r) => r.delta)).toEqual([0.3, 0.6]);
    expect(result.dims[1].rows).toEqual([]);
    expect(result.dims.flatMap((d) => d.dynamics)).toEqual([]);
    expect(result.missing).toEqual([
      'd = inf: [Δ^l, Δ^h]',
      'd = 40: the risk table and [Δ^l, Δ^h]',
      'PDE at d = inf, Δ = 0.6 (stopped)',
      'PDE at d = 40, Δ = 0.6 (stopped)',
    ]);
  });
});
