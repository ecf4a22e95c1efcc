/**
 * The width study (src/pipeline/width-study.ts) on a small circle charged-unit run, at t = 0 where the
 * answers are exact for i.i.d. units: the excess R_n − R = C1/n (the fit's a is C1 within its errors),
 * and E‖f_n − f_MF‖² = E[c²] k(0)/n = k(0)/n (f_MF = 0 since E c = 0; ‖φ(·; y)‖² = k(0)).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mean, std } from '../../src/diagnostics/stats.ts';
import { parseSpec } from '../../src/spec/index.ts';
import { runWidthStudy, widthSettings } from '../../src/pipeline/width-study.ts';
import { widthReport } from '../../src/pipeline/width-report.ts';
import { CIRCLE_EXAMPLE_INIT, VonMisesCircle } from '../../reduced-models/charged-units/index.ts';

describe('width study', () => {
  it('circle GD: at t = 0 the excess is C1/n and n‖f_n − f_MF‖² has mean k(0); later times are fitted', async () => {
    const spec = await parseSpec({
      model: { name: 'charged-units', domain: 'circle' },
      init: CIRCLE_EXAMPLE_INIT,
      solver: { method: 'characteristics', panels: 2, nodesPerPanel: 8, tolerance: 1e-7 },
      saveTimes: [0, 0.5],
      particles: { n: 100, epsilon: 0.05, algorithm: 'gd', integrator: 'heun' },
      widths: { ns: [50, 100, 200, 400], seeds: 12, bootstrap: 100 },
      seed: 3,
    });
    const settings = widthSettings(spec, spec.widths);
    const result = await runWidthStudy(spec, settings, { workers: 0 });
    expect(result.times).toEqual([0, 0.5]);
    const k0 = new VonMisesCircle().kernel(0);
    for (const e of result.ensembles) {
      const scaled = e.functionDistancePerSeed![0].map((d) => d * e.n);
      expect(Math.abs(mean(scaled) - k0), `n = ${e.n}: n·D_n = ${mean(scaled)}, k(0) = ${k0}`).toBeLessThan((4 * std(scaled)) / Math.sqrt(scaled.length));
    }
    const fit0 = result.fits[0].excess;
    const C1 = result.pde.c1![0];
    expect(Math.abs(fit0.a.value - C1), `a = ${fit0.a.value} ± ${fit0.a.se}, C1 = ${C1}`).toBeLessThan(4 * fit0.a.se);
    expect(Math.abs(fit0.b.value)).toBeLessThan(4 * fit0.b.se);
    expect(fit0.a.ci![0]).toBeLessThan(fit0.a.value);
    expect(fit0.a.ci![1]).toBeGreaterThan(fit0.a.value);
    expect(result.fits[1].functionSlope).not.toBeNull();
    const report = widthReport(result);
    expect(report.sections.map((s) => s.title)).toContain('Fits');
  });

  it('rejects a widths block with fewer than two n, naming the field', async () => {
    const spec = await parseSpec({ model: { name: 'charged-units', domain: 'circle' }, init: CIRCLE_EXAMPLE_INIT, saveTimes: [0, 1], particles: { n: 10, epsilon: 0.1, algorithm: 'gd' } });
    expect(() => widthSettings(spec, { ns: [100] })).toThrow(/widths\.ns/);
  });

  it('CLI: compare --widths writes result.json with the model\'s loss names and a report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meanfield-widths-'));
    const path = join(dir, 'spec.json');
    writeFileSync(path, JSON.stringify({ model: { name: 'charged-units', domain: 'circle' }, init: CIRCLE_EXAMPLE_INIT, solver: { method: 'characteristics', nodesPerPanel: 5 }, saveTimes: [0, 0.2], particles: { n: 50, epsilon: 0.05, algorithm: 'gd' }, seed: 2 }));
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'meanfield.mjs');
    const r = spawnSync(process.execPath, [bin, 'compare', path, '--out', join(dir, 'out'), '--widths', '40,80,160', '--seeds', '3', '--quiet', '--workers', '1'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(readFileSync(join(dir, 'out', 'result.json'), 'utf8'));
    expect(res.kind).toBe('meanfield.widths');
    expect(res.ensembles.map((e: { n: number }) => e.n)).toEqual([40, 80, 160]);
    expect(res.ensembles[0].lossStd).toHaveLength(2);
    expect(res.pde.loss).toHaveLength(2);
    const bad = spawnSync(process.execPath, [bin, 'compare', path, '--out', join(dir, 'bad'), '--widths', '40,x'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--widths\[1\]/);
  });
});
