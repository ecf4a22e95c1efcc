/**
 * Risk curves on a dense time grid: a run is solved at its save times plus `curveSteps` equal steps
 * (curveTimes), the curves keep every time, and everything else (densities, tables, checks) is
 * thinned back to the save times. Shared by `solve` and the other commands that plot risk over time.
 */
import type { PdeTrajectory } from '../pde/index.ts';
import type { RunSpec } from '../spec/index.ts';

/** Sorted union of the save times and `steps` equal steps over [0, last save time]. */
export function curveTimes(saveTimes: readonly number[], steps = 40): number[] {
  const end = saveTimes[saveTimes.length - 1];
  const all = [...saveTimes];
  for (let i = 0; steps > 0 && i <= steps; i++) {
    const t = (end * i) / steps;
    if (!saveTimes.some((s) => Math.abs(s - t) <= 1e-9 * Math.max(1, end))) all.push(t);
  }
  return all.sort((a, b) => a - b);
}

/** The run with other save times (the spec JSON, which the solvers and workers read, too). */
export function withSaveTimes(run: RunSpec, saveTimes: number[]): RunSpec {
  return { ...run, saveTimes, json: { ...run.json, saveTimes } };
}

/** Indices into `dense` of the save times it reached (dense ⊇ saveTimes, both sorted). */
export function saveIndices(saveTimes: readonly number[], dense: readonly number[]): number[] {
  return saveTimes.map((t) => dense.indexOf(t)).filter((k) => k >= 0);
}

/** xs at the given indices. */
export function pick<T>(xs: readonly T[], indices: readonly number[]): T[] {
  return indices.map((k) => xs[k]);
}

/** A trajectory's per-time records at the given time indices only (run-level fields unchanged). */
export function thinTrajectory<T extends Omit<PdeTrajectory, 'nodes'> & { nodes?: PdeTrajectory['nodes'] }>(traj: T, indices: readonly number[]): T {
  const fv = traj.fv && {
    ...traj.fv,
    mass: pick(traj.fv.mass, indices),
    minMass: pick(traj.fv.minMass, indices),
    density: pick(traj.fv.density, indices),
    ...(traj.fv.freeEnergy ? { freeEnergy: pick(traj.fv.freeEnergy, indices) } : {}),
    ...(traj.fv.outflow ? { outflow: pick(traj.fv.outflow, indices) } : {}),
  };
  return {
    ...traj,
    times: pick(traj.times, indices),
    risk: pick(traj.risk, indices),
    means: traj.means.map((m) => pick(m, indices)),
    stds: traj.stds.map((m) => pick(m, indices)),
    c1: traj.c1 && pick(traj.c1, indices),
    ...(fv ? { fv } : {}),
    ...(traj.nodes ? { nodes: { ...traj.nodes, positions: pick(traj.nodes.positions, indices) } } : {}),
  };
}
