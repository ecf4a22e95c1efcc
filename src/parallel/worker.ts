/**
 * The one worker-thread entry of the pool (./pool.ts). Started through bin/run-ts.mjs with
 * workerData.entry set to this module, because tsx cannot load a .ts worker entry directly on
 * Node 20 (tsx issue 354); workerData.stopFlag is an Int32Array on a SharedArrayBuffer whose
 * entry 0 turns nonzero when the caller asks to stop.
 *
 * Protocol (./protocol.ts): the parent posts a RunMessage { index, task, progressMs } whenever this
 * worker is idle; the worker answers { type: 'progress', index, message } (rate-limited) and then
 * exactly one { type: 'done', index, result } (whole-buffer typed arrays transferred) or
 * { type: 'error', index, error }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadTaskFunction, rateLimited, serializeError, transferables, type ReplyMessage, type RunMessage } from './protocol.ts';

const port = parentPort;
if (!port) throw new Error('src/parallel/worker.ts must run in a worker thread (started by src/parallel/pool.ts)');
const stopFlag = workerData.stopFlag as Int32Array;
const shouldStop = () => Atomics.load(stopFlag, 0) !== 0;
const reply = (message: ReplyMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

port.on('message', async ({ index, task, progressMs }: RunMessage) => {
  let result: unknown;
  try {
    const fn = await loadTaskFunction(task);
    result = await fn(task.input, { shouldStop, progress: rateLimited(progressMs, (message) => reply({ type: 'progress', index, message })) });
  } catch (err) {
    reply({ type: 'error', index, error: serializeError(err) });
    return;
  }
  try {
    reply({ type: 'done', index, result }, transferables(result));
  } catch (err) {
    // the result is not structured-cloneable (a function, a class with private state, …)
    reply({ type: 'error', index, error: serializeError(err) });
  }
});
