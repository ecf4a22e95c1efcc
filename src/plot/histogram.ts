/**
 * A grid law and a particle sample on the same footing: both as *mass per histogram bin*. A density
 * ρ̄ = P_j / h drawn over a histogram compares a narrow spike (a collapsed layer: all its mass in one
 * cell) with bins many cells wide, so the spike towers over the bulk and matches no bar. Here the
 * bins are whole numbers of grid cells, so the PDE's mass in a bin is the exact sum of its cells'
 * masses, and the particles' mass in the same bin is the fraction of particles that fall in it.
 */

export interface Bins {
  /** Bin edges, increasing: bins [edges[b], edges[b+1]). Length = bin count + 1. */
  edges: number[];
  /** Grid cells per bin. */
  cellsPerBin: number;
  /** Index of the first grid cell of bin 0 (may be negative or past the grid: such cells have no mass). */
  firstCell: number;
}

export interface BinOptions {
  /** Bins wanted across the window (rounded so each bin is a whole number of cells). */
  targetBins?: number;
  /** Cell masses below this count as empty when finding the window. */
  massFloor?: number;
}

/**
 * Bins aligned with a uniform grid (first cell edge `origin`, cells of width `cellWidth`, masses
 * `masses`), covering every cell with mass above the floor and every sample, plus a margin of one
 * bin on each side that stays on the grid (bins leave the grid only to hold samples outside it).
 */
export function gridAlignedBins(origin: number, cellWidth: number, masses: ArrayLike<number>, samples?: ArrayLike<number>, options: BinOptions = {}): Bins {
  const floor = options.massFloor ?? 1e-7;
  let loCell = Infinity;
  let hiCell = -Infinity;
  for (let j = 0; j < masses.length; j++) {
    if (masses[j] > floor) {
      loCell = Math.min(loCell, j);
      hiCell = Math.max(hiCell, j);
    }
  }
  let loSample = Infinity;
  let hiSample = -Infinity;
  for (let i = 0; samples && i < samples.length; i++) {
    if (!Number.isFinite(samples[i])) continue;
    const j = Math.floor((samples[i] - origin) / cellWidth);
    loSample = Math.min(loSample, j);
    hiSample = Math.max(hiSample, j);
  }
  loCell = Math.min(loCell, loSample);
  hiCell = Math.max(hiCell, hiSample);
  if (!Number.isFinite(loCell)) {
    loCell = 0;
    hiCell = masses.length - 1;
  }
  const cellsPerBin = Math.max(1, Math.round((hiCell - loCell + 1) / (options.targetBins ?? 40)));
  const first = Math.max(loCell - cellsPerBin, Math.min(0, loSample));
  const last = Math.min(hiCell + cellsPerBin, Math.max(masses.length - 1, hiSample)); // last cell to cover
  const count = Math.ceil((last + 1 - first) / cellsPerBin);
  const edges = Array.from({ length: count + 1 }, (_, b) => origin + (first + b * cellsPerBin) * cellWidth);
  return { edges, cellsPerBin, firstCell: first };
}

/** The grid law's mass in each bin: the sum of the cell masses in it (exact: bins are whole cells). */
export function gridMassPerBin(bins: Bins, masses: ArrayLike<number>): number[] {
  const out = new Array<number>(bins.edges.length - 1).fill(0);
  for (let b = 0; b < out.length; b++) {
    const start = Math.max(0, bins.firstCell + b * bins.cellsPerBin);
    const end = Math.min(masses.length, bins.firstCell + (b + 1) * bins.cellsPerBin);
    for (let j = start; j < end; j++) out[b] += masses[j];
  }
  return out;
}

/**
 * The share of `samples` in each bin (1/n per sample, n = all samples, so samples outside the bins
 * are missing mass, as grid mass outside them is). A sample on an edge belongs to the bin it opens.
 */
export function sampleMassPerBin(bins: Bins, samples: ArrayLike<number>): number[] {
  const out = new Array<number>(bins.edges.length - 1).fill(0);
  const { edges } = bins;
  const width = edges[1] - edges[0];
  for (let i = 0; i < samples.length; i++) {
    let b = Math.floor((samples[i] - edges[0]) / width);
    // guard the floor against round-off at an edge
    if (b > 0 && samples[i] < edges[b]) b--;
    if (b < out.length - 1 && samples[i] >= edges[b + 1]) b++;
    if (b >= 0 && b < out.length) out[b] += 1 / samples.length;
  }
  return out;
}
