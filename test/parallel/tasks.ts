/**
 * Task functions for test/parallel/pool.test.ts (a pool task must be exported from a module).
 * Each spins on the clock rather than sleeping, like a real numerical task that blocks its thread.
 */
import { ConfigError } from '../../src/errors.ts';
import { poolSiblings, type TaskContext } from '../../src/parallel/pool.ts';
import { Rng } from '../../src/rng.ts';

/** Normal draws from stream `stream` of `seed`: the result depends on the input only. */
export function normals(input: { seed: number; stream: number; count: number }): { stream: number; values: Float64Array } {
  const values = new Float64Array(input.count);
  new Rng(input.seed, input.stream).fillNormal(values);
  return { stream: input.stream, values };
}

/** The same, async, with one progress message per draw. */
export async function normalsWithProgress(input: { seed: number; stream: number; count: number }, context: TaskContext) {
  await Promise.resolve();
  for (let i = 0; i < input.count; i++) context.progress({ stream: input.stream, i });
  return normals(input);
}

/** Runs until the stop flag is raised (or `capMs` passes), reporting progress; says which happened. */
export function spinUntilStopped(input: { capMs: number }, context: TaskContext): { stopped: boolean } {
  const end = performance.now() + input.capMs;
  while (performance.now() < end) {
    context.progress('running');
    if (context.shouldStop()) return { stopped: true };
  }
  return { stopped: false };
}

/** Never looks at the stop flag: runs for `capMs`. */
export function ignoreStop(input: { capMs: number }): { ranMs: number } {
  const end = performance.now() + input.capMs;
  while (performance.now() < end);
  return { ranMs: input.capMs };
}

export function throwConfigError(input: { field: string; message: string }): never {
  throw new ConfigError(input.field, input.message);
}

export async function throwRangeErrorLater(input: { afterMs: number }): Promise<never> {
  await new Promise((resolve) => setTimeout(resolve, input.afterMs));
  throw new RangeError('ladder rung out of range');
}

export function returnFunction(): () => number {
  return () => 1;
}

const memory = new WebAssembly.Memory({ initial: 1 });

/** A whole-buffer view of a module-level WebAssembly memory, counting the calls in its entry 0. */
export function wasmMemoryView(): Float64Array {
  const view = new Float64Array(memory.buffer);
  view[0] += 1;
  return view;
}

let returned: Float64Array | null = null;

/** First call: returns a fresh array and keeps it; later calls: the kept array's length now (0 once transferred away). */
export function keepReturnedArray(): Float64Array | { lengthNow: number } {
  if (returned) return { lengthNow: returned.length };
  returned = Float64Array.of(1, 2, 3);
  return returned;
}

/** The pool workers running beside the thread this task runs on (`poolSiblings`). */
export function siblings(): number {
  return poolSiblings();
}
