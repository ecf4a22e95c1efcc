/**
 * What the pool (./pool.ts) and its worker thread (./worker.ts) share: the task shape, how a task
 * function is found, the rate limit on progress, how errors cross the thread boundary and which
 * buffers of a result are transferred. The in-thread mode (`workers: 0`) uses the same pieces, so
 * a task behaves alike wherever it runs.
 */
import { ConfigError } from '../errors.ts';

/** One unit of work, as plain data (it is structured-cloned into the worker). */
export interface Task<Input = unknown> {
  /** file: URL of the ES module that exports the task function (.ts works: workers run under tsx). */
  readonly module: string;
  /** Name of the exported function, called as `fn(input, context)`. */
  readonly export: string;
  readonly input: Input;
}

/** What a running task sees of its caller. */
export interface TaskContext {
  /** True once the caller asked to stop (one flag shared by every task of the call): return early. */
  shouldStop(): boolean;
  /** Sends a progress message (structured-cloneable) to the caller; calls closer than `progressMs` apart are dropped. */
  progress(message: unknown): void;
}

/** A task function: may be async; returns a non-null result (null marks a task that never started). */
export type TaskFunction<Input = never, Result = unknown> = (input: Input, context: TaskContext) => Result | Promise<Result>;

/** An error as it crosses the thread boundary (ConfigError keeps its field). */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly field?: string;
}

/** Parent → worker. */
export interface RunMessage {
  readonly index: number;
  readonly task: Task;
  readonly progressMs: number;
}

/** Worker → parent. */
export type ReplyMessage =
  | { readonly type: 'progress'; readonly index: number; readonly message: unknown }
  | { readonly type: 'done'; readonly index: number; readonly result: unknown }
  | { readonly type: 'error'; readonly index: number; readonly error: SerializedError };

const functions = new Map<string, Promise<TaskFunction<unknown>>>();

/** The task's function; each module is imported once per thread and the lookup cached. */
export function loadTaskFunction(task: Task): Promise<TaskFunction<unknown>> {
  if (typeof task?.module !== 'string' || typeof task.export !== 'string') {
    return Promise.reject(new TypeError(`pool: a task needs a module URL and an export name (got ${JSON.stringify({ module: task?.module, export: task?.export })})`));
  }
  const key = `${task.module}#${task.export}`;
  let found = functions.get(key);
  if (!found) {
    found = import(task.module).then((mod: Record<string, unknown>) => {
      const fn = mod[task.export];
      if (typeof fn !== 'function') throw new TypeError(`pool: ${task.module} has no exported function "${task.export}"`);
      return fn as TaskFunction<unknown>;
    });
    functions.set(key, found);
  }
  return found;
}

/** `send`, dropping calls that come less than `intervalMs` after the last one sent (the first is always sent). */
export function rateLimited(intervalMs: number, send: (message: unknown) => void): (message: unknown) => void {
  let last = -Infinity;
  return (message) => {
    const now = performance.now();
    if (now - last < intervalMs) return;
    last = now;
    send(message);
  };
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof ConfigError) return { name: err.name, message: err.message, stack: err.stack, field: err.field };
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: String(err) };
}

/** The caller-side error: a ConfigError with the same field and message, or an Error with the same name, message and stack text. */
export function deserializeError(e: SerializedError): Error {
  let err: Error;
  if (e.field !== undefined) {
    const prefix = `${e.field}: `;
    err = new ConfigError(e.field, e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message);
  } else {
    err = new Error(e.message);
    err.name = e.name;
  }
  if (e.stack !== undefined) err.stack = e.stack;
  return err;
}

/**
 * The ArrayBuffers to transfer with a result: those of the typed arrays found in its plain objects
 * and arrays that span their whole, unshared buffer. A view into a larger buffer (a Node Buffer
 * slab, a slice of a scratch array) is copied instead, so the sender keeps intact whatever else
 * lives in that buffer. A task must therefore not return a whole-buffer typed array it goes on
 * using (a module-level cache): in the worker that array is detached after the transfer. (A
 * WebAssembly memory's buffer cannot be detached: Node sends a copy and the memory stays intact.)
 */
export function transferables(value: unknown): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const seen = new Set<object>();
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      const buffer = v.buffer;
      if (buffer instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === buffer.byteLength) buffers.add(buffer);
    } else if (Array.isArray(v)) {
      for (const x of v) visit(x);
    } else {
      const proto = Object.getPrototypeOf(v);
      if (proto === Object.prototype || proto === null) for (const x of Object.values(v)) visit(x);
    }
  };
  visit(value);
  return [...buffers];
}
