/**
 * The finite-volume solver keeps its buffers on the separable operator's memory (no copy passes around
 * the interaction applies): its trajectories must keep the bits of the copying code it replaced. The
 * hashes below were computed by that code (commit 1134164) on the same cases.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isotropicOperators } from '../../bench/pde.ts';
import { setup } from '../../bench/pde-nd.ts';
import { AUTO_THREADS_CELLS, solve, type Trajectory } from '../../solvers/finite-volume.ts';
import { resolveThreads } from '../../src/parallel/threads.ts';
import { KernelThread } from '../../solvers/kernel-thread.ts';
import { separableKernels } from '../../solvers/interaction/separable-kernels.ts';

const hash = (tr: Trajectory) => {
  const h = createHash('sha256');
  for (const x of [...tr.snapshots, Float64Array.from(tr.risk), ...tr.means.map((m) => Float64Array.from(m))]) h.update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  return h.digest('hex').slice(0, 16);
};
const schedule = { kind: 'constant', value: 1 } as const;

describe('finite volumes on the interaction memory', () => {
  it('1-D isotropic model (rank 10 and 24, even and odd M): same bits as the copying code, on one thread and two', () => {
    for (const [M, d, steps, expected] of [[2048, 320, 817, '1d862a56bdbee4c6'], [513, 40, 201, '9f86059f8d08d9f1'], [8192, 40, 3183, '78b41a6d97461311']] as const) {
      const { operators, initialMass } = isotropicOperators(M, d);
      for (const threads of [1, 2] as const) {
        const tr = solve({ operators, initialMass, schedule }, { saveTimes: [0, 0.05, 0.2], threads });
        expect([tr.steps, hash(tr)], `M = ${M}, d = ${d}, ${threads} thread(s)`).toEqual([steps, expected]);
      }
    }
  });

  it('two threads: the helper is handed back after each solve (also after a throw) and taken up by the next', () => {
    const { operators, initialMass } = isotropicOperators(64, 320);
    const bad = Float64Array.from(initialMass, (p, j) => (j === 10 ? NaN : p));
    expect(() => solve({ operators, initialMass: bad, schedule }, { saveTimes: [0.01], threads: 2 })).toThrow(/NaN/);
    const probe = separableKernels(1 << 16, true);
    const thread = KernelThread.attach(probe.memory, [probe.module]);
    expect(thread).not.toBeNull();
    thread!.release();
    const one = solve({ operators, initialMass, schedule }, { saveTimes: [0.01] });
    const two = solve({ operators, initialMass, schedule }, { saveTimes: [0.01], threads: 2 });
    expect(hash(two)).toBe(hash(one));
  });

  it('2-D and 4-D anisotropic grids: same bits as the copying code, on one thread and two (lines and row blocks split)', () => {
    for (const [ndim, cells, d, steps, expected] of [[2, 40, 'inf', 22, 'f2c441381e58f7a3'], [2, 33, 40, 18, '7f3c744f4a396a5b'], [4, 10, 'inf', 4, '5fcc1d4aa4a955f5']] as const) {
      const { operators, mass } = setup(ndim, cells, d);
      for (const threads of [1, 2] as const) {
        const tr = solve({ operators, initialMass: mass, schedule }, { saveTimes: [0, 0.02, 0.05], threads });
        expect([tr.steps, hash(tr)], `${ndim}-D, ${cells} cells per axis, d = ${d}, ${threads} thread(s)`).toEqual([steps, expected]);
      }
    }
  });
});

describe('threads "auto"', () => {
  const quiet = { cores: 2, load: 0.2, siblings: 1 };
  it('takes the helper from AUTO_THREADS_CELLS cells (1-D, n-D) and only with a free core', () => {
    expect(resolveThreads('auto', 8192 >= AUTO_THREADS_CELLS[0], quiet)).toBe(2);
    expect(resolveThreads('auto', 2048 >= AUTO_THREADS_CELLS[0], quiet)).toBe(1);
    expect(resolveThreads('auto', 32 ** 4 >= AUTO_THREADS_CELLS[1], quiet)).toBe(2);
    expect(resolveThreads('auto', 64 ** 2 >= AUTO_THREADS_CELLS[1], quiet)).toBe(1);
    expect(resolveThreads('auto', true, { ...quiet, load: 1.6 })).toBe(1); // no idle core
    expect(resolveThreads('auto', true, { ...quiet, siblings: 2 })).toBe(1); // a pool fills the cores
    expect(resolveThreads('auto', true, { ...quiet, cores: 1, load: 0 })).toBe(1);
    expect([resolveThreads(1, true, quiet), resolveThreads(2, false, { cores: 1, load: 9, siblings: 3 })]).toEqual([1, 2]);
  });
});
