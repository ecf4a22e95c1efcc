/**
 * A second thread for the WebAssembly kernels of the finite-volume solver: one helper worker per process
 * (started on first use, ~0.2 s, unref'd so that it never keeps the process alive) that instantiates the
 * same kernel modules on the solver's shared memory and runs a batch of kernel calls while this thread
 * runs its own. A caller splits a pass so that every output value is computed by one thread with the
 * operations of the one-thread pass (features of the moments, cells of the output), so results are
 * bit-identical to one thread — whichever thread ends up running the batch.
 *
 * Handshake (Atomics on a control block of its own SharedArrayBuffer): `post()` sets STATE to POSTED
 * (no wake-up call: the helper spins, or naps ≤ HELPER_NAP_MS); the helper claims the batch (compare-exchange POSTED → CLAIMED), runs it and sets DONE.
 * `finish()`, after this thread's own half, tries the same claim: if the helper has not started (busy
 * machine, helper descheduled), this thread runs the batch itself instead of waiting; otherwise it
 * waits for DONE (spinning ~SPIN_MS, then Atomics.wait). The helper spins on STATE the same way before
 * sleeping. A batch is a list of (function index, argument count, arguments…) as doubles (i32 byte
 * offsets are exact). While attached the helper's event loop is blocked in that loop; `release()`
 * (STATE = EXIT) ends it.
 */
import { Worker } from 'node:worker_threads';

/** Control words (Int32) and where the batch starts (bytes). */
export const STATE = 0;
export const COUNT = 1;
export const CALLS_AT = 16;
export const IDLE = 0;
export const POSTED = 1;
export const CLAIMED = 2;
export const DONE = 3;
export const EXIT = 4;
export const READY = 5;
/** Doubles of a batch (≈ 1000 calls of 13 arguments). */
export const CAPACITY = 1 << 14;
/** Busy-wait before sleeping, on either side (ms). */
export const SPIN_MS = 0.2;
/** Longest nap of the idle helper (ms): it looks for a batch at least this often. */
export const HELPER_NAP_MS = 1;

const BOOTSTRAP = new URL('../bin/run-ts.mjs', import.meta.url);
const ENTRY = new URL('./kernel-thread-worker.ts', import.meta.url).href;
/** How long `attach` waits for the helper to instantiate the kernels (its first start includes tsx). */
const READY_MS = 20_000;

let helper: Worker | null = null;
let busy = false;

/** Waits until ctl[word] ≠ old: spins ~SPIN_MS, then sleeps in naps of at most `napMs`; false on timeout (ms). */
export function awaitChange(ctl: Int32Array, word: number, old: number, timeoutMs = Infinity, napMs = 50): boolean {
  const t0 = performance.now();
  while (Atomics.load(ctl, word) === old) {
    const waited = performance.now() - t0;
    if (waited > timeoutMs) return false;
    if (waited > SPIN_MS) Atomics.wait(ctl, word, old, Math.min(napMs, timeoutMs - waited));
  }
  return true;
}

export type Kernel = (...args: number[]) => void;

/** Runs the first `count` calls of a batch on `table` (the exports of the modules, in order). */
export function runBatch(table: readonly Kernel[], calls: Float64Array, count: number): void {
  for (let c = 0, i = 0; c < count; c++) {
    const fn = table[calls[i]];
    const argc = calls[i + 1];
    const a = i + 2;
    // the kernels take at most 13 arguments (WebAssembly ignores the extra ones)
    fn(calls[a], calls[a + 1], calls[a + 2], calls[a + 3], calls[a + 4], calls[a + 5], calls[a + 6], calls[a + 7], calls[a + 8], calls[a + 9], calls[a + 10], calls[a + 11], calls[a + 12]);
    i = a + argc;
  }
}

/** Every export of the modules, instantiated on `memory`, module after module: the batch's function table. */
export function kernelTable(memory: WebAssembly.Memory, modules: readonly WebAssembly.Module[]): Kernel[] {
  return modules.flatMap((m) => Object.values(new WebAssembly.Instance(m, { env: { memory } }).exports as Record<string, Kernel>));
}

export class KernelThread {
  private readonly ctl: Int32Array;
  private readonly calls: Float64Array;
  /** Index of each module's first export in the table. */
  private readonly first: number[];
  /** The same table on this thread, to run a batch the helper has not claimed. */
  private readonly table: Kernel[];
  private n = 0;
  private count = 0;
  /** Batches the helper ran, and those this thread took back (for the performance notes). */
  readonly stats = { helper: 0, self: 0 };

  private constructor(
    control: SharedArrayBuffer,
    memory: WebAssembly.Memory,
    private readonly modules: readonly WebAssembly.Module[],
  ) {
    this.ctl = new Int32Array(control, 0, 4);
    this.calls = new Float64Array(control, CALLS_AT, CAPACITY);
    this.table = kernelTable(memory, modules);
    let at = 0;
    this.first = modules.map((m) => {
      const start = at;
      at += WebAssembly.Module.exports(m).length;
      return start;
    });
  }

  /**
   * The helper thread with `modules` instantiated on `memory` (a shared WebAssembly memory), or null
   * when it is taken (by another solver) or does not start within READY_MS. Call `release()` when done.
   */
  static attach(memory: WebAssembly.Memory, modules: readonly WebAssembly.Module[]): KernelThread | null {
    if (busy) return null;
    const control = new SharedArrayBuffer(CALLS_AT + 8 * CAPACITY);
    const ctl = new Int32Array(control, 0, 4);
    helper ??= new Worker(BOOTSTRAP, { workerData: { entry: ENTRY } });
    helper.unref();
    helper.postMessage({ memory, modules, control });
    if (!awaitChange(ctl, STATE, IDLE, READY_MS)) {
      // not started in time: retire it (it would attach to this memory later) and run on one thread
      void helper.terminate();
      helper = null;
      return null;
    }
    busy = true;
    Atomics.store(ctl, STATE, IDLE);
    return new KernelThread(control, memory, modules);
  }

  /** The table index of export `name` of `module` (one given to `attach`), for `call`. */
  fn(module: WebAssembly.Module, name: string): number {
    const i = this.modules.indexOf(module);
    const k = WebAssembly.Module.exports(module).findIndex((e) => e.name === name);
    if (i < 0 || k < 0) throw new Error(`KernelThread: no export ${name}`);
    return this.first[i] + k;
  }

  /** Appends a call of function `fn` to the batch; its `argc` arguments follow with `arg`. */
  call(fn: number, argc: number): void {
    if (this.n + 2 + argc > CAPACITY) throw new Error('KernelThread: batch too long');
    this.calls[this.n++] = fn;
    this.calls[this.n++] = argc;
    this.count++;
  }

  arg(x: number): void {
    this.calls[this.n++] = x;
  }

  /**
   * Offers the batch to the helper (it then runs while this thread works). No wake-up call: a spinning
   * helper sees it at once, a napping one within HELPER_NAP_MS, and a batch it has not claimed by the
   * end of this thread's half is run here (a futex wake per batch cost ≈ 20 µs on the busy machine: the
   * woken helper preempted this thread).
   */
  post(): void {
    Atomics.store(this.ctl, COUNT, this.count);
    Atomics.store(this.ctl, STATE, POSTED);
  }

  /** After this thread's own half: runs the batch here if the helper has not claimed it, else waits for it. */
  finish(): void {
    if (Atomics.compareExchange(this.ctl, STATE, POSTED, CLAIMED) === POSTED) {
      runBatch(this.table, this.calls, this.count);
      this.stats.self++;
    } else {
      awaitChange(this.ctl, STATE, CLAIMED);
      this.stats.helper++;
    }
    Atomics.store(this.ctl, STATE, IDLE);
    this.n = 0;
    this.count = 0;
  }

  /** Ends the helper's loop on this memory (it then waits for the next `attach`). */
  release(): void {
    Atomics.store(this.ctl, STATE, EXIT);
    Atomics.notify(this.ctl, STATE);
    busy = false;
  }
}
