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
