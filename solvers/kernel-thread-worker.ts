/**
 * The helper thread of solvers/kernel-thread.ts (started through bin/run-ts.mjs). Per attach message
 * { memory, modules, control } it instantiates the modules on the shared memory, sets STATE = READY,
 * then claims and runs each posted batch (STATE POSTED → CLAIMED → DONE) until STATE = EXIT hands the
 * thread back to its event loop.
 */
import { parentPort } from 'node:worker_threads';
import { awaitChange, CALLS_AT, CAPACITY, CLAIMED, COUNT, DONE, EXIT, HELPER_NAP_MS, kernelTable, POSTED, READY, runBatch, STATE } from './kernel-thread.ts';

parentPort!.on('message', ({ memory, modules, control }: { memory: WebAssembly.Memory; modules: WebAssembly.Module[]; control: SharedArrayBuffer }) => {
  const table = kernelTable(memory, modules);
  const ctl = new Int32Array(control, 0, 4);
  const calls = new Float64Array(control, CALLS_AT, CAPACITY);
  Atomics.store(ctl, STATE, READY);
  Atomics.notify(ctl, STATE);
  for (;;) {
    // wait for a batch (or the exit) while the state is anything else
    let s = Atomics.load(ctl, STATE);
    while (s !== POSTED && s !== EXIT) {
      awaitChange(ctl, STATE, s, Infinity, HELPER_NAP_MS);
      s = Atomics.load(ctl, STATE);
    }
    if (s === EXIT) return;
    if (Atomics.compareExchange(ctl, STATE, POSTED, CLAIMED) !== POSTED) continue; // the caller took it back
    runBatch(table, calls, Atomics.load(ctl, COUNT));
    Atomics.store(ctl, STATE, DONE);
    Atomics.notify(ctl, STATE);
  }
});
