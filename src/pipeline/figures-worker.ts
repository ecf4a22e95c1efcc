/**
 * Worker-thread entry of the figure pipeline's task pool (started through bin/run-ts.mjs: tsx issue
 * 354). Parent → worker: a FigureTaskMessage ({ type: 'pde', id, variant } or { type: 'run', id,
 * spec, replica }). Worker → parent: { type: 'progress', id, text } (at most every 0.5 s), then
 * { type: 'done', id, result } or { type: 'error', id, name, message, field? }. workerData.stopFlag
 * (Int32Array on a SharedArrayBuffer, entry 0 nonzero = stop) is polled by the running task.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError } from '../errors.ts';
import { runFigureTask, type FigureTaskMessage } from './figures-worker-task.ts';

const port = parentPort;
if (!port) throw new Error('figures-worker: must run in a worker thread');
const stopFlag = workerData.stopFlag as Int32Array;

port.on('message', async (msg: FigureTaskMessage) => {
  let last = 0;
  try {
    const result = await runFigureTask(msg, {
      shouldStop: () => Atomics.load(stopFlag, 0) !== 0,
      report: (text) => {
        const now = performance.now();
        if (now - last > 500) {
          last = now;
          port.postMessage({ type: 'progress', id: msg.id, text });
        }
      },
    });
    port.postMessage({ type: 'done', id: msg.id, result });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const field = e instanceof ConfigError ? e.field : undefined;
    const message = field !== undefined ? e.message.slice(field.length + 2) : (e.stack ?? e.message);
    port.postMessage({ type: 'error', id: msg.id, name: e.name, message, field });
  }
});
