import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { KernelWorkspace } from '../../src/particles/kernels.ts';
import { KernelWorkspace32 } from '../../src/particles/kernels-f32.ts';
import { runEnsemble, type EnsembleSpec } from '../../src/particles/ensemble.ts';
import { AUTO_THREADS_WORK, kernelThreads, ParticleEngine, simulate, type SgdOptions } from '../../src/particles/sgd.ts';
import { Rng } from '../../src/rng.ts';
import { parseSpec } from '../../src/spec/index.ts';
import { CONTROL_BYTES, KernelThread, SLOT } from '../../src/wasm/kernel-thread.ts';
import type { ParticleModel } from '../../src/types.ts';
import { teacherReluModel } from './helpers/toy-models.ts';

const TOY_MODELS = fileURLToPath(new URL('./helpers/toy-models.ts', import.meta.url));
const READY_MS = 30000;

/** Spins until the helper thread is up (it starts asynchronously; steps before that run on one thread). */
function untilThreaded(isUp: () => boolean): void {
  const t0 = performance.now();
  while (!isUp()) if (performance.now() - t0 > READY_MS) throw new Error('helper thread not up');
}

const open: Array<{ close(): Promise<void> }> = [];
afterAll(() => Promise.all(open.map((x) => x.close())));

/** The toy ReLU teacher with σ in JS (no piecewise-linear table): the engine's JS σ passes. */
function jsRelu(d: number): ParticleModel {
  const m = teacherReluModel({ d, teacherNorm: 1.3 });
  return { ...m, activation: { value: m.activation.value, derivative: m.activation.derivative } };
}

const bitsOf = (e: ParticleEngine) => [e.state.w, e.state.a, e.state.b].map((v) => Array.from(new Uint32Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength))));

describe('two-thread kernels (a helper thread on a shared memory)', () => {
  // (d, N, B): odd d, N = 1 (the main thread's half empty), N odd, B = 1 (axpyRows), B = 32, B not a multiple of 4.
  const SHAPES: Array<[number, number, number]> = [[7, 50, 1], [40, 800, 1], [41, 333, 32], [5, 13, 6], [3, 1, 1], [8, 64, 4]];

  const WORKSPACES = [['float64', KernelWorkspace], ['float32', KernelWorkspace32]] as const;
  it.each(WORKSPACES.flatMap(([p, Ws]) => SHAPES.map(([d, n, B]) => [p, d, n, B, Ws] as const)))('%s dot and update: the same bits on 2 threads, d=%i, N=%i, B=%i', (_, d, n, B, Ws) => {
    const one = new Ws(n, d, B);
    const two = new Ws(n, d, B, 0, { threads: 2 });
    open.push(two);
    untilThreaded(() => two.threads === 2);
    for (const ws of [one, two]) {
      const rng = new Rng(5, n + d + B);
      ws.w.set(Float64Array.from(ws.w, () => rng.normal()));
      ws.x.set(Float64Array.from(ws.x, () => rng.normal()));
      // every row active with one entry per sample if B = 1 (axpyRows), else a random sparse pattern
      let nActive = 0;
      let e = 0;
      ws.ptr[0] = 0;
      for (let i = 0; i < n; i++) {
        const start = e;
        for (let q = 0; q < B; q++) {
          if (B > 1 && rng.uniform() < 0.4) continue;
          ws.cols[e] = q;
          ws.coef[e++] = rng.normal();
        }
        if (e > start) {
          ws.rows[nActive] = i;
          ws.ptr[++nActive] = e;
        }
      }
      ws.dot();
      ws.update(nActive);
    }
    expect(Array.from(two.z)).toEqual(Array.from(one.z));
    expect(Array.from(two.w)).toEqual(Array.from(one.w));
  });

  // forward (Z and σ split by rows) + backward (coefficients, Δb, W += C X split by rows): odd N, B = 1, 4, 6, 32.
  const RELU_LIKE = { knots: [-0.3, 0.4], values: [0, 0.5], leftSlope: 0, rightSlope: 1.5 };
  const STEP_SHAPES: Array<[number, number, number]> = [[7, 51, 1], [9, 97, 32], [5, 13, 6], [8, 64, 4], [3, 1, 1], [4, 2, 3]];
  const STEP_CASES = WORKSPACES.flatMap(([p, Ws]) => [false, true].flatMap((splitSigma) => STEP_SHAPES.map(([d, n, B]) => [p, splitSigma, d, n, B, Ws] as const)));
  it.each(STEP_CASES)('%s forward and backward (splitSigma %s): the same bits on 2 threads, d=%i, N=%i, B=%i', (_, splitSigma, d, n, B, Ws) => {
    const one = new Ws(n, d, B, 2, { biasGradient: true });
    const two = new Ws(n, d, B, 2, { threads: 2, biasGradient: true, splitSigma });
    open.push(two);
    untilThreaded(() => two.threads === 2);
    const bits = (v: Float64Array | Float32Array) => Array.from(new Uint32Array(v.buffer, v.byteOffset, v.byteLength / 4));
    const seen = [one, two].map((ws) => {
      ws.setPiecewiseLinear(RELU_LIKE);
      const rng = new Rng(6, n + d + B);
      ws.w.set(Float64Array.from(ws.w, () => rng.normal()));
      ws.x.set(Float64Array.from(ws.x, () => rng.normal()));
      rng.fillNormal(ws.a);
      rng.fillNormal(ws.b);
      const out: number[][] = [];
      for (let step = 0; step < 5; step++) {
        ws.forward(step % 2 === 0);
        out.push(bits(ws.res), bits(ws.sig), bits(ws.z));
        for (let q = 0; q < B; q++) ws.res[q] = 1 - ws.res[q] / n;
        ws.backward(0.05, step !== 3);
        out.push(bits(ws.db), bits(ws.w));
      }
      return out;
    });
    expect(seen[1]).toEqual(seen[0]);
  });

  it('the worker runs a whole call it claimed (the caller then only waits), with the same bits', () => {
    const [n, d, B] = [203, 17, 8];
    const PAGE = 65536;
    const pages = Math.ceil((8 * n * d * 4 + 8 * B * d * 2 + 64 * n) / PAGE) + 8;
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const mine = new KernelWorkspace(n, d, B, 0, { memory });
    const control = (pages - 1) * PAGE; // past the workspace's arrays
    const thread = new KernelThread({ module: new URL('../../src/particles/kernels.ts', import.meta.url).href, className: 'KernelWorkspace', args: [n, d, B, 0], memory, control }, mine);
    open.push(thread);
    const reference = new KernelWorkspace(n, d, B);
    for (const ws of [mine, reference]) {
      const rng = new Rng(8, 1);
      rng.fillNormal(ws.w);
      rng.fillNormal(ws.x);
    }
    untilThreaded(() => thread.ready);
    const ctl = new Int32Array(memory.buffer, control, CONTROL_BYTES / 4);
    thread.start('dotRows', 0, n);
    const t0 = performance.now();
    while (Atomics.load(ctl, SLOT.done) !== 1) if (performance.now() - t0 > READY_MS) throw new Error('the worker never ran the call');
    thread.finish();
    reference.dot();
    expect(Array.from(mine.z)).toEqual(Array.from(reference.z));
  });

  const runs: Array<[string, ParticleModel, Omit<SgdOptions, 'saveTimes' | 'seed' | 'init'>]> = [
    ['σ table (wasm activate), B = 1, trainA/trainB, noise', teacherReluModel({ d: 41, teacherNorm: 1.3 }), { n: 301, epsilon: 0.01, trainA: true, trainB: true, noise: { beta: 1e3, lambda: 0.1 } }],
    ['σ table, B = 32, odd d', teacherReluModel({ d: 9, teacherNorm: 1.3 }), { n: 97, epsilon: 0.01, batch: 32, trainA: true }],
    ['σ in JS, B = 1, trainB', jsRelu(40), { n: 800, epsilon: 0.01, trainB: true }],
    ['σ in JS, B = 5, trainA', jsRelu(7), { n: 60, epsilon: 0.01, batch: 5, trainA: true }],
    ['per-unit sampling (σ table), B = 3', teacherReluModel({ d: 5, teacherNorm: 1.3 }), { n: 20, epsilon: 0.01, batch: 3, sampling: 'per-unit', trainA: true, trainB: true }],
    ['per-unit sampling (σ in JS), B = 1', jsRelu(6), { n: 15, epsilon: 0.01, sampling: 'per-unit' }],
  ];

  it.each(runs.flatMap(([name, model, opts]) => (['float64', 'float32'] as const).map((precision) => [`${precision}, ${name}`, model, { ...opts, precision }] as const)))('ParticleEngine: the same bits with threads 1 and 2 (%s)', (_, model, opts) => {
    const options: SgdOptions = { ...opts, init: { w: { kind: 'gaussian', scale: 0.7 } }, saveTimes: [1], seed: 9 };
    const one = new ParticleEngine(model, { ...options, threads: 1 });
    const two = new ParticleEngine(model, { ...options, threads: 2 });
    open.push(two);
    expect([one.threads, two.threads]).toEqual([1, 2]);
    let k = 0;
    // a few steps maybe before the helper is up, the rest with it
    for (; k < 3; k++) [one, two].forEach((e) => e.step(k));
    untilThreaded(() => two.runningThreads === 2);
    for (; k < 40; k++) [one, two].forEach((e) => e.step(k));
    [one, two].forEach((e) => e.syncState());
    expect(bitsOf(two)).toEqual(bitsOf(one));
  });

  it('simulate records the threads in the run and ends the helper thread; results identical', () => {
    const model = teacherReluModel({ d: 12, teacherNorm: 1 });
    const options: SgdOptions = { n: 200, batch: 4, epsilon: 0.01, init: { w: { kind: 'gaussian', scale: 1 } }, saveTimes: [0, 0.5, 2], testSamples: 50, seed: 3, returnState: true };
    const a = simulate(model, { ...options, threads: 1 });
    const b = simulate(model, { ...options, threads: 2 });
    expect([a.threads, b.threads]).toEqual([1, 2]);
    expect(Array.from(b.state!.w)).toEqual(Array.from(a.state!.w));
    expect(b.snapshots.map((s) => s.testRisk)).toEqual(a.snapshots.map((s) => s.testRisk));
  });

  it('simulate closes the helper thread after a stop and after a divergence', () => {
    const close = vi.spyOn(KernelThread.prototype, 'close');
    const model = teacherReluModel({ d: 8, teacherNorm: 1 });
    const base: SgdOptions = { n: 50, epsilon: 0.01, trainA: true, init: { w: { kind: 'gaussian', scale: 1 } }, saveTimes: [1000], seed: 4, checkEvery: 10, threads: 2 };
    let polls = 0;
    const stopped = simulate(model, base, { shouldStop: () => ++polls > 2 });
    expect([stopped.completed, stopped.threads, close.mock.calls.length]).toEqual([false, 2, 1]);
    expect(() => simulate(model, { ...base, epsilon: 50 })).toThrow(/diverged/);
    expect(close.mock.calls.length).toBe(2);
    close.mockRestore();
  });

  it('particles.threads: 1, 2 or "auto" (default); anything else is a ConfigError naming the field', () => {
    const model = teacherReluModel({ d: 3 });
    const base: SgdOptions = { n: 4, epsilon: 0.1, init: { w: { kind: 'gaussian', scale: 1 } }, saveTimes: [0], seed: 1 };
    for (const threads of [3, 0, '2', 'two']) {
      const err = (() => { try { new ParticleEngine(model, { ...base, threads: threads as never }); } catch (e) { return e; } })();
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe('particles.threads');
      expect((err as Error).message).toMatch(/must be 1, 2 or "auto"/);
    }
    expect(new ParticleEngine(model, base).threads).toBe(1); // auto, a tiny step
  });

  it('"auto": 2 from AUTO_THREADS_WORK multiply-adds a step, with ≥ 2 cores, an idle core and no pool sibling', async () => {
    const quiet = { cores: 2, load: 1.2, siblings: 1 };
    expect(kernelThreads('auto', AUTO_THREADS_WORK - 1, quiet)).toBe(1);
    expect(kernelThreads('auto', AUTO_THREADS_WORK, quiet)).toBe(2);
    expect(kernelThreads('auto', AUTO_THREADS_WORK, { ...quiet, load: 1.5 })).toBe(1); // no idle core
    expect(kernelThreads('auto', AUTO_THREADS_WORK, { ...quiet, siblings: 2 })).toBe(1); // seeds in parallel
    expect(kernelThreads('auto', AUTO_THREADS_WORK, { ...quiet, cores: 1, load: 0 })).toBe(1);
    expect([kernelThreads(1, 1e12, quiet), kernelThreads(2, 1, { cores: 1, load: 9, siblings: 4 })]).toEqual([1, 2]);
    // Inside a pool of two workers running seeds side by side: 1 thread each, whatever the load.
    const d = 40;
    const n = Math.ceil(AUTO_THREADS_WORK / d);
    const spec: EnsembleSpec = { model: { name: 'teacher-relu', module: TOY_MODELS, d }, init: { w: { kind: 'gaussian', scale: 1 } }, options: { n, epsilon: 0.01, saveTimes: [0.02], seed: 2 } };
    const two = await runEnsemble(spec, 2, 2);
    expect(two.runs.map((r) => r!.threads)).toEqual([1, 1]);
  }, 60000);

  it('the spec field: default "auto", 1 or 2 accepted, other values rejected naming particles.threads', async () => {
    const spec = (threads?: unknown) => ({
      model: { name: 'isotropic-gaussians', d: 5, delta: 0.5 }, init: { kind: 'gaussian', scale: 0.8 },
      saveTimes: [0, 1], particles: { n: 10, epsilon: 0.01, ...(threads === undefined ? {} : { threads }) },
    });
    const threadsOf = async (threads?: unknown) => (await parseSpec(spec(threads))).runs[0].particles!.threads;
    expect([await threadsOf(), await threadsOf(1), await threadsOf(2)]).toEqual(['auto', 1, 2]);
    await expect(threadsOf(4)).rejects.toThrow(/particles\.threads: must be 1, 2 or "auto" \(got 4\)/);
  });

  it('a helper that fails to start makes `ready` throw its error; close() ends the thread', async () => {
    const module = new URL('../../src/particles/kernels.ts', import.meta.url).href;
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const bad = new KernelThread({ module, className: 'NoSuchWorkspace', args: [], control: 0, memory }, new KernelWorkspace(1, 1, 1, 0, { memory }));
    const t0 = performance.now();
    let err: unknown;
    while (!err && performance.now() - t0 < READY_MS) {
      try { bad.ready; } catch (e) { err = e; }
    }
    expect(String(err)).toMatch(/not a constructor/);
    await bad.close();
  });

  it('an unclosed helper thread does not keep the process alive', () => {
    const kernels = new URL('../../src/particles/kernels.ts', import.meta.url).href;
    const script = `const { KernelWorkspace } = await import(${JSON.stringify(kernels)});
      const ws = new KernelWorkspace(64, 8, 1, 0, { threads: 2 });
      const t0 = performance.now(); while (ws.threads !== 2 && performance.now() - t0 < ${READY_MS});
      ws.dot(); console.log('threads', ws.threads);`;
    const bootstrap = fileURLToPath(new URL('../../bin/run-ts.mjs', import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), 'threads-test-'));
    const file = join(dir, 'run.mjs');
    writeFileSync(file, script);
    const r = spawnSync(process.execPath, [bootstrap, file], { encoding: 'utf8', timeout: 45000 });
    rmSync(dir, { recursive: true });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('threads 2');
  }, 60000);
});
