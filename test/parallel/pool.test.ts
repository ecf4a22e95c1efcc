import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { InterruptedError, runInWorker, runTasks, type Task } from '../../src/parallel/pool.ts';
import { transferables } from '../../src/parallel/protocol.ts';

const module = new URL('./tasks.ts', import.meta.url).href;
const task = (name: string, input: unknown = {}): Task => ({ module, export: name, input });
const normalTasks = (count: number) => Array.from({ length: 5 }, (_, stream) => task('normals', { seed: 11, stream, count }));
const bits = (results: Array<{ stream: number; values: Float64Array } | null>) => results.map((r) => [r!.stream, Array.from(r!.values)]);

describe('worker pool', () => {
  it('results are bit-identical for 0 (in-thread), 1 and 2 workers, in task order; onDone sees each', async () => {
    const done: number[] = [];
    const [inline, one, two] = await Promise.all([
      runTasks<{ stream: number; values: Float64Array }>(normalTasks(64), { workers: 0 }),
      runTasks<{ stream: number; values: Float64Array }>(normalTasks(64), { workers: 1 }),
      runTasks<{ stream: number; values: Float64Array }>(normalTasks(64), { workers: 2, onDone: (i, r) => { expect(r.stream).toBe(i); done.push(i); } }),
    ]);
    for (const r of [inline, one, two]) expect(r.completed).toBe(true);
    expect(two.results[3]!.values).toBeInstanceOf(Float64Array);
    expect(bits(one.results)).toEqual(bits(inline.results));
    expect(bits(two.results)).toEqual(bits(inline.results));
    expect(inline.results[0]!.values).not.toEqual(inline.results[1]!.values);
    expect(done.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(await runTasks([])).toEqual({ results: [], completed: true });
  });

  it('poolSiblings: the pool size inside its workers (1 for a single worker or in-thread)', async () => {
    const runs = await Promise.all([0, 1, 2, 3].map((workers) => runTasks<number>([task('siblings'), task('siblings'), task('siblings')], { workers })));
    expect(runs.map((r) => r.results)).toEqual([[1, 1, 1], [1, 1, 1], [2, 2, 2], [3, 3, 3]]);
    expect(await runInWorker(task('siblings'))).toBe(1);
  });

  it('a ConfigError keeps its class, field and message across the thread boundary; other errors their name, message and stack', async () => {
    for (const workers of [0, 1]) {
      const err = await runTasks([task('throwConfigError', { field: 'model.d', message: 'must be >= 2 (got 1)' })], { workers }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe('model.d');
      expect((err as ConfigError).message).toBe('model.d: must be >= 2 (got 1)');
      const other = await runTasks([task('throwRangeErrorLater', { afterMs: 0 })], { workers }).catch((e: unknown) => e);
      expect(other).toBeInstanceOf(Error);
      expect(other).not.toBeInstanceOf(ConfigError);
      expect((other as Error).name).toBe('RangeError');
      expect((other as Error).message).toBe('ladder rung out of range');
      expect((other as Error).stack).toContain('throwRangeErrorLater');
    }
    await expect(runInWorker(task('noSuchExport'))).rejects.toThrow(/has no exported function "noSuchExport"/);
    await expect(runInWorker(task('returnFunction'))).rejects.toThrow(/could not be cloned/);
  });

  it('a stop mid-run returns the finished results and nulls for the tasks never started', async () => {
    for (const workers of [0, 2]) {
      let progressed = false;
      const r = await runTasks<{ stopped: boolean }>(Array.from({ length: 5 }, () => task('spinUntilStopped', { capMs: 20_000 })), {
        workers,
        pollMs: 5,
        onProgress: () => { progressed = true; },
        shouldStop: () => progressed,
      });
      expect(r.completed).toBe(false);
      // workers: 2 starts tasks 0 and 1 at once; in the calling thread the stop comes during task 0
      const started = workers === 0 ? 1 : 2;
      expect(r.results.slice(0, started)).toEqual(Array(started).fill({ stopped: true }));
      expect(r.results.slice(started)).toEqual(Array(5 - started).fill(null));
    }
    // runInWorker starts its task even when the stop came first; the task sees it at once
    expect(await runInWorker(task('spinUntilStopped', { capMs: 20_000 }), { shouldStop: () => true })).toEqual({ stopped: true });
  });

  it("stopMode 'terminate' abandons a task that never checks the flag", async () => {
    const t0 = performance.now();
    let polls = 0;
    const err = await runInWorker(task('ignoreStop', { capMs: 20_000 }), { stopMode: 'terminate', pollMs: 10, shouldStop: () => ++polls > 20 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    expect((err as Error).name).toBe('Interrupted');
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('progress messages arrive with their task index, at most one per progressMs per task', async () => {
    for (const workers of [0, 2]) {
      const seen = (progressMs: number) => {
        const messages: Array<[number, unknown]> = [];
        return runTasks([0, 1].map((stream) => task('normalsWithProgress', { seed: 1, stream, count: 50 })), {
          workers, progressMs, onProgress: (index, message) => messages.push([index, message]),
        }).then(() => messages.sort((a, b) => a[0] - b[0]));
      };
      const all = await seen(0);
      expect(all).toHaveLength(100);
      expect(all.filter(([i]) => i === 1).map(([, m]) => m)).toEqual(Array.from({ length: 50 }, (_, i) => ({ stream: 1, i })));
      // all 50 calls of a task come within far less than a minute: only the first is sent
      expect(await seen(60_000)).toEqual([[0, { stream: 0, i: 0 }], [1, { stream: 1, i: 0 }]]);
    }
  });

  it('a throwing task rejects the call and leaves no worker running (the process exits at once)', () => {
    const child = spawnSync(process.execPath, [fileURLToPath(new URL('../../bin/run-ts.mjs', import.meta.url)), fileURLToPath(new URL('./exits-after-error.ts', import.meta.url))], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('rejected: RangeError: ladder rung out of range');
    expect(child.status).toBe(0);
  });

  it('transfers the buffers of whole-buffer typed arrays only, each once', () => {
    const whole = new Float64Array(4);
    const big = new Float64Array(8);
    const shared = new Float64Array(new SharedArrayBuffer(16));
    const list = transferables({ a: whole, again: [whole, new Float64Array(whole.buffer)], view: big.subarray(2), shared, n: 3, s: 'x', nested: { deep: [new Int32Array(2)] } });
    expect(list).toHaveLength(2);
    expect(list).toContain(whole.buffer);
    expect(list.includes(big.buffer)).toBe(false);
  });

  it('a result array is transferred, not copied: the worker is left with a detached array', async () => {
    const { results } = await runTasks([task('keepReturnedArray'), task('keepReturnedArray')], { workers: 1 });
    expect(Array.from(results[0] as Float64Array)).toEqual([1, 2, 3]);
    expect(results[1]).toEqual({ lengthNow: 0 });
  });

  it("a WebAssembly memory's buffer in a result arrives as a copy and stays usable in the worker", async () => {
    const { results } = await runTasks<Float64Array>([task('wasmMemoryView'), task('wasmMemoryView')], { workers: 1 });
    expect(results.map((v) => [v!.length, v![0]])).toEqual([[8192, 1], [8192, 2]]);
  });
});
