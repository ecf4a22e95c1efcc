/**
 * The helper thread of ./kernel-thread.ts (started through the pool's `startWorker`): builds the
 * workspace named in workerData on the shared memory, then runs the commands of the control block
 * it claims first until told to exit. Its event loop stays blocked; it never posts anything but an error.
 */
import { workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { serializeError } from '../parallel/protocol.ts';
import { claim, CONTROL_BYTES, EXIT, NAP_MS, SLOT, SPIN_MS, STATE, THREAD_METHODS, type KernelThreadSpec, type ThreadedWorkspace } from './kernel-thread.ts';

const { module, className, args, options, memory, control, errors } = workerData as KernelThreadSpec & { errors: MessagePort };
const ctl = new Int32Array(memory.buffer, control, CONTROL_BYTES / 4);

/** Waits for SEQ to move past `seen` (spinning SPIN_MS, then napping NAP_MS at a time); returns the new value. */
function nextCommand(seen: number): number {
  const t0 = performance.now();
  for (let k = 0; ; k++) {
    const seq = Atomics.load(ctl, SLOT.seq);
    if (seq !== seen) return seq;
    if ((k & 255) === 255 && performance.now() - t0 > SPIN_MS) Atomics.wait(ctl, SLOT.seq, seen, NAP_MS);
  }
}

try {
  const Workspace = (await import(module))[className] as new (...a: unknown[]) => ThreadedWorkspace;
  const ws = new Workspace(...args, { ...options, memory });
  const methods = THREAD_METHODS.map((m) => ws[m].bind(ws));
  Atomics.store(ctl, SLOT.state, STATE.ready);
  for (let seen = 0; ; ) {
    seen = nextCommand(seen);
    const method = Atomics.load(ctl, SLOT.method);
    if (method === EXIT) break;
    if (!claim(ctl, seen)) continue; // the caller ran it
    methods[method](ctl[SLOT.a], ctl[SLOT.b]);
    Atomics.store(ctl, SLOT.done, seen);
    Atomics.notify(ctl, SLOT.done);
  }
} catch (err) {
  errors.postMessage(serializeError(err));
  Atomics.store(ctl, SLOT.state, STATE.failed);
  Atomics.notify(ctl, SLOT.done);
}
errors.close();
