/**
 * When a helper thread can pay: the one rule behind every `threads: "auto"` (the SGD kernels,
 * src/particles/sgd.ts; the finite-volume solver, solvers/finite-volume.ts). A helper that must wait for
 * a core turns each handshake into a scheduler wake-up, far slower than one thread, so besides its own
 * size test an engine takes a second thread only when one is free: at least 2 cores, no other worker of a
 * pool running beside this thread (a pool of ≥ 2 workers already fills the cores), and an idle core by the
 * 1-minute load average (< cores − 0.5, this run's own thread counting 1). The load test makes the thread
 * count depend on the moment; results never do (every split is bit-identical to one thread).
 */
import { availableParallelism, loadavg } from 'node:os';
import { poolSiblings } from './pool.ts';

/** A thread setting: 1, 2, or "auto" (2 when it pays and a core is free). */
export type Threads = 1 | 2 | 'auto';

/** What "auto" looks at: cores, the 1-minute load average, and the pool workers running beside this thread. */
export interface MachineLoad {
  readonly cores: number;
  readonly load: number;
  readonly siblings: number;
}

export const machineLoad = (): MachineLoad => ({ cores: availableParallelism(), load: loadavg()[0], siblings: poolSiblings() });

/** Whether a helper thread would have a core of its own now (module doc). */
export function helperCoreFree(machine: MachineLoad = machineLoad()): boolean {
  return machine.siblings === 1 && machine.cores >= 2 && machine.load < machine.cores - 0.5;
}

/** `threads` resolved: "auto" is 2 when `pays` (the engine's size test) and a core is free. */
export function resolveThreads(threads: Threads, pays: boolean, machine?: MachineLoad): 1 | 2 {
  if (threads !== 'auto') return threads;
  return pays && helperCoreFree(machine) ? 2 : 1;
}
