/**
 * A helper thread for the kernels of a workspace on a shared WebAssembly memory: the worker
 * (./kernel-worker.ts) imports the workspace's module, builds the same workspace on the same memory
 * (`new module[className](...args, { memory })`) and then runs one method call at a time, on command.
 * Which module and which class are data, so any workspace with the `ThreadedWorkspace` methods (the
 * f64 one of src/particles/kernels.ts, a float32 one) can use it.
 *
 * Handshake, through CONTROL_BYTES of the shared memory at `control` (an Int32Array view, Atomics):
 * the caller writes the method and its two i32 arguments and increments SEQ (no notify); whichever
 * thread first moves CLAIM from SEQ − 1 to SEQ (compare-exchange) runs the call: the worker as soon as
 * it sees the command, or the caller once its own share is done and the worker has not yet taken it
 * (a worker without a core, on a loaded machine, then costs nothing but the claim). If the worker
 * took it, it stores DONE = SEQ and notifies, and the caller spins on DONE, then sleeps in Atomics.wait.
 * Between commands the worker spins for SPIN_MS (a step's JS passes are short), then naps in
 * Atomics.wait for NAP_MS at a time: nobody wakes it, because waking a sleeping thread (Atomics.notify)
 * blocks the caller for 12–150 µs on this project's machines, more than the half it would hand over;
 * a napping worker's halves are simply done by the caller until the worker spins again (the worker's
 * notify of DONE is cheap: it only wakes a caller that already waited SPIN_MS). Data written before a
 * store of SEQ, CLAIM or DONE are visible to the other thread after it loads that value (Atomics are
 * sequentially consistent). Either way the same method runs on
 * the same data, so which thread ran it never changes a result.
 *
 * Lifetime: the worker is unreferenced (it never keeps the process alive) and ends with `close()`, or
 * when the workspace is garbage-collected (a FinalizationRegistry), or with the process. A worker that
 * failed (its error text comes back on a MessagePort) makes the next `ready` or `finish` throw it.
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { startWorker } from '../parallel/pool.ts';
import { deserializeError, type SerializedError } from '../parallel/protocol.ts';

/** What a workspace offers its helper thread: the row-range halves of its kernels. */
export interface ThreadedWorkspace {
  dotRows(i0: number, i1: number): void;
  updateRows(k0: number, k1: number): void;
  /** The helper's halves of Z + the σ pass and of the coefficient pass + update (src/particles/kernels.ts RowHalves). */
  forwardHalf(writeSig: number, token: number): void;
  backwardHalf(k0: number, k1: number): void;
}

/** The methods a command can name, by index. */
export const THREAD_METHODS = ['dotRows', 'updateRows', 'forwardHalf', 'backwardHalf'] as const satisfies ReadonlyArray<keyof ThreadedWorkspace>;
export type ThreadMethod = (typeof THREAD_METHODS)[number];

/** Slots of the control block (Int32). */
export const SLOT = { seq: 0, done: 1, state: 2, method: 3, a: 4, b: 5, claim: 6 } as const;
export const CONTROL_BYTES = 32;
export const STATE = { starting: 0, ready: 1, failed: 2 } as const;
/** The `method` slot's value that ends the worker. */
export const EXIT = -1;
/** How long either side spins before it sleeps in Atomics.wait (ms). */
export const SPIN_MS = 0.2;
/** The worker's naps between two looks at SEQ once it stopped spinning (ms). */
export const NAP_MS = 1;

export interface KernelThreadSpec {
  /** file: URL of the module exporting the workspace class. */
  readonly module: string;
  readonly className: string;
  /** The constructor's arguments before its options (structured-cloneable). */
  readonly args: readonly unknown[];
  /** The constructor's options besides `memory` (those that shape the memory's layout). */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Shared memory holding the workspace (and the control block). */
  readonly memory: WebAssembly.Memory;
  /** Byte offset of the control block (CONTROL_BYTES, 4-byte aligned) inside `memory`. */
  readonly control: number;
}

/** Claims command `seq` for the calling thread if no other thread has (then returns true: this thread runs it). */
export function claim(ctl: Int32Array, seq: number): boolean {
  return Atomics.compareExchange(ctl, SLOT.claim, seq - 1, seq) === seq - 1;
}

const WORKER_ENTRY = new URL('./kernel-worker.ts', import.meta.url).href;

/** Terminates the worker of a KernelThread that was dropped without close(). */
const orphans = new FinalizationRegistry<Worker>((worker) => void worker.terminate());

export class KernelThread {
  private readonly ctl: Int32Array;
  private readonly worker: Worker;
  private readonly errors: MessagePort;
  private seq = 0;
  private method: ThreadMethod = THREAD_METHODS[0];
  private closed = false;
  private exited: Promise<void> = Promise.resolve();

  /** `local`: the caller's own workspace on the same memory, which runs the calls the worker has not claimed. */
  constructor(spec: KernelThreadSpec, private readonly local: ThreadedWorkspace) {
    if (!(spec.memory.buffer instanceof SharedArrayBuffer)) throw new TypeError('KernelThread: the memory must be shared');
    this.ctl = new Int32Array(spec.memory.buffer, spec.control, CONTROL_BYTES / 4);
    const { port1, port2 } = new MessageChannel();
    this.errors = port1;
    this.worker = startWorker(WORKER_ENTRY, { ...spec, errors: port2 }, [port2]);
    this.worker.unref();
    port1.unref();
    orphans.register(this, this.worker, this);
  }

  /** Whether the worker has built its workspace and takes commands (throws the worker's error if it failed). */
  get ready(): boolean {
    const state = Atomics.load(this.ctl, SLOT.state);
    if (state === STATE.failed) this.fail();
    return state === STATE.ready && !this.closed;
  }

  /** Offers `method(a, b)` to the worker (only when `ready`, and one at a time: `finish` it before the next). */
  start(method: ThreadMethod, a: number, b: number): void {
    const ctl = this.ctl;
    this.method = method;
    ctl[SLOT.method] = THREAD_METHODS.indexOf(method);
    ctl[SLOT.a] = a;
    ctl[SLOT.b] = b;
    Atomics.store(ctl, SLOT.seq, ++this.seq);
  }

  /** Runs the offered call here if the worker has not claimed it, else waits until it has returned. */
  finish(): void {
    const ctl = this.ctl;
    const seq = this.seq;
    if (claim(ctl, seq)) return this.local[this.method](ctl[SLOT.a], ctl[SLOT.b]);
    const t0 = performance.now();
    for (let k = 0; Atomics.load(ctl, SLOT.done) !== seq; k++) {
      if (Atomics.load(ctl, SLOT.state) === STATE.failed) this.fail();
      if ((k & 255) === 255 && performance.now() - t0 > SPIN_MS) Atomics.wait(ctl, SLOT.done, Atomics.load(ctl, SLOT.done), 100);
    }
  }

  /** Ends the worker (idempotent); resolves once its thread has exited. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      orphans.unregister(this);
      Atomics.store(this.ctl, SLOT.method, EXIT);
      Atomics.store(this.ctl, SLOT.seq, ++this.seq);
      Atomics.notify(this.ctl, SLOT.seq);
      this.errors.close();
      this.exited = this.worker.terminate().then(() => undefined);
    }
    return this.exited;
  }

  private fail(): never {
    const message = receiveMessageOnPort(this.errors)?.message as SerializedError | undefined;
    void this.close();
    throw message ? deserializeError(message) : new Error('kernel thread: the helper thread failed');
  }
}
