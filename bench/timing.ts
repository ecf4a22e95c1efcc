/**
 * What every benchmark shares: the machine description, the median, timed repeats of a fixed-step
 * PDE solve (one warm-up, then `repeats` timed runs of `steps` steps each), and how the PyTorch peers
 * (bench/peers.ts, bench/mnist.ts) are started.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { solve, type FiniteVolumeProblem } from '../solvers/finite-volume.ts';

export function machineInfo(): { cpu: string; cores: number; node: string } {
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), node: process.version };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Steps/s of `repeats` fixed-dt solves of `steps` steps (after one warm-up solve). */
export function timeSolves(problem: FiniteVolumeProblem, dt: number, steps: number, repeats: number): { rates: number[]; rejected: number; steps: number } {
  const run = () => solve(problem, { saveTimes: [steps * dt], dt, storeDensity: false });
  run(); // warm-up
  const rates: number[] = [];
  let rejected = 0;
  let done = 0;
  for (let k = 0; k < repeats; k++) {
    const tr = run();
    rates.push(tr.steps / (tr.wallTimeMs / 1000));
    rejected += tr.rejectedSteps;
    done = tr.steps;
  }
  return { rates, rejected, steps: done };
}

/**
 * The interpreter for the PyTorch peers: $MEANFIELD_PYTHON, else the first of python3 and /usr/bin/python3
 * that imports torch (Debian's python3-torch installs for /usr/bin/python3, which a pyenv python3 on PATH
 * may shadow); null when none does.
 */
export function torchPython(): string | null {
  const candidates = process.env.MEANFIELD_PYTHON ? [process.env.MEANFIELD_PYTHON] : ['python3', '/usr/bin/python3'];
  return candidates.find((python) => spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) ?? null;
}

/** A peer's environment: one thread in torch's OpenMP and BLAS too (OpenBLAS would otherwise take every core). */
export const ONE_THREAD_ENV = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
