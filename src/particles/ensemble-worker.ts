/**
 * Worker-thread entry of `runEnsemble` (started through bin/run-ts.mjs with workerData.entry set to
 * this module, because tsx cannot load a .ts worker entry directly on Node 20: tsx issue 354).
 *
 * Protocol (parent → worker): { type: 'run', spec, replica }. Worker → parent:
 * { type: 'progress', replica, step, totalSteps }, { type: 'done', replica, run } or
 * { type: 'error', replica, name, message, field? }. workerData.stopFlag is an Int32Array on a
 * SharedArrayBuffer; a nonzero entry 0 asks the running replica to stop at its next check.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError } from '../errors.ts';
import { runReplica, type EnsembleSpec } from './ensemble.ts';

const port = parentPort;
if (!port) throw new Error('ensemble-worker: must run in a worker thread');
const stopFlag = workerData.stopFlag as Int32Array;

port.on('message', async (msg: { type: 'run'; spec: EnsembleSpec; replica: number }) => {
  const { spec, replica } = msg;
  try {
    const run = await runReplica(spec, replica, {
      shouldStop: () => Atomics.load(stopFlag, 0) !== 0,
      onProgress: (p) => port.postMessage({ type: 'progress', replica, step: p.step, totalSteps: p.totalSteps }),
    });
    const transfer: ArrayBuffer[] = run.snapshots.map((s) => s.reduced.buffer as ArrayBuffer);
    if (run.state) transfer.push(run.state.w.buffer as ArrayBuffer, run.state.a.buffer as ArrayBuffer, run.state.b.buffer as ArrayBuffer);
    port.postMessage({ type: 'done', replica, run }, transfer);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    port.postMessage({ type: 'error', replica, name: e.name, message: e.message, field: e instanceof ConfigError ? e.field : undefined });
  }
});
