/**
 * Worker-thread entry of `runSolveInWorker` (started through bin/run-ts.mjs: tsx issue 354).
 * workerData: { config, stopFlag: Int32Array on a SharedArrayBuffer }. Posts
 * { type: 'progress', t, step }, then { type: 'done', result } or { type: 'error', name, message, field? }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError } from '../errors.ts';
import { runSolve } from './solve.ts';

const port = parentPort;
if (!port) throw new Error('solve-worker: must run in a worker thread');
const stopFlag = workerData.stopFlag as Int32Array;
try {
  const result = runSolve(workerData.config, {
    shouldStop: () => Atomics.load(stopFlag, 0) !== 0,
    onProgress: (t, step) => port.postMessage({ type: 'progress', t, step }),
  });
  port.postMessage({ type: 'done', result });
} catch (err) {
  const e = err instanceof Error ? err : new Error(String(err));
    const field = e instanceof ConfigError ? e.field : undefined;
  // a ConfigError's message is "field: text"; send the text alone so the parent rebuilds it exactly
  const message = field !== undefined ? e.message.slice(field.length + 2) : (e.stack ?? e.message);
  port.postMessage({ type: 'error', name: e.name, message, field });
}
