import { describe, expect, it } from 'vitest';
import { createProgress, etaMs, formatDuration } from '../../src/io/progress.ts';

/** A fake stream and clock. */
function harness(isTTY: boolean) {
  const written: string[] = [];
  let clock = 0;
  const progress = createProgress({ stream: { isTTY, write: (s: string) => (written.push(s), true) }, intervalMs: 5000, now: () => clock });
  return { progress, written, advance: (ms: number) => (clock += ms) };
}

describe('progress', () => {
  it('ETA = elapsed (1 − f) / f; unknown before any progress', () => {
    expect(etaMs(10_000, 0.25)).toBe(30_000);
    expect(etaMs(10_000, 0)).toBeNull();
    expect(etaMs(10_000, null)).toBeNull();
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(200_000)).toBe('3 min 20 s');
    expect(formatDuration(3_900_000)).toBe('1 h 05 min');
  });

  it('in a log: one plain line per interval with percent and ETA, nothing for a phase shorter than the interval', () => {
    const { progress, written, advance } = harness(false);
    progress.phase('quick');
    advance(800);
    progress.update(1, 'done');
    progress.done();
    expect(written).toEqual([]);
    progress.phase('solve');
    for (let s = 1; s <= 12; s++) {
      advance(1000);
      progress.update(s / 20, `t = ${s}`);
    }
    progress.done();
    expect(written).toEqual(['[5 s] solve: 25 % (t = 5), ~15 s left\n', '[10 s] solve: 50 % (t = 10), ~10 s left\n', '[12 s] solve: 60 % (t = 12), ~8 s left\n']);
  });

  it('refresh repeats the last state with the current elapsed time (a phase that reports rarely still prints at the steady rate)', () => {
    const { progress, written, advance } = harness(false);
    progress.phase('predict');
    progress.update(null, 'running');
    advance(6000);
    progress.refresh();
    expect(written).toEqual(['[6 s] predict: (running)\n']);
  });

  it('notes are never dropped; quiet prints nothing', () => {
    const { progress, written } = harness(false);
    progress.note('SIGINT: stopping');
    expect(written).toEqual(['SIGINT: stopping\n']);
    const quiet = createProgress({ quiet: true, stream: { isTTY: false, write: () => expect.fail('quiet wrote') } });
    quiet.phase('x');
    quiet.update(0.5);
    quiet.note('n');
  });
});
