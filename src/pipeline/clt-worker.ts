/**
 * Worker-thread entry of `predictInWorker` (./fluctuations.ts; started through bin/run-ts.mjs,
 * tsx issue 354). workerData: { config, overrides } (plain data). Posts { type: 'done', prediction }
 * or { type: 'error', name, message, field? }. The prediction has no intermediate state worth
 * keeping, so a stop is a `terminate()` by the parent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { predictFromConfig } from '../clt/predict.ts';
import { ConfigError } from '../errors.ts';

const port = parentPort;
if (!port) throw new Error('clt-worker: must run in a worker thread');
try {
  const prediction = predictFromConfig(workerData.config, workerData.overrides);
  port.postMessage({ type: 'done', prediction });
} catch (err) {
  const e = err instanceof Error ? err : new Error(String(err));
  const field = e instanceof ConfigError ? e.field : undefined;
  // a ConfigError's message is "field: text"; send the text alone so the parent rebuilds it exactly
  const message = field !== undefined ? e.message.slice(field.length + 2) : (e.stack ?? e.message);
  port.postMessage({ type: 'error', name: e.name, message, field });
}
