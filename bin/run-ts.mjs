#!/usr/bin/env node
// Runs a TypeScript entry point under tsx's ESM loader (Node 20 has no native TS support).
// Also used as the bootstrap for worker threads (tsx issue 354: a .ts worker entry cannot be
// loaded directly under tsx on Node 20, so workers start here and import their .ts entry).
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { isMainThread, workerData } from 'node:worker_threads';

register();
const entry = isMainThread ? process.argv[2] : workerData?.entry;
if (!entry) {
  console.error('usage: run-ts.mjs <file.ts> [args...]');
  process.exit(2);
}
// argv as if the entry had been run directly: [node, entry, ...its args]
if (isMainThread) process.argv.splice(1, 2, resolve(entry));
await import(entry.startsWith('file:') ? entry : pathToFileURL(resolve(entry)).href);
