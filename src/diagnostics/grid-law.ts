/**
 * A 1-D law given by cell masses on a uniform grid: cells [e_j, e_{j+1}], e_j = lo + j h,
 * h = (hi − lo)/M, with the mass spread uniformly inside each cell (piecewise-constant density),
 * so the CDF G is continuous and piecewise linear and the quantile G⁻¹ is piecewise linear on the
 * cells of positive mass. This is how the PDE solvers' cell masses P_j are read.
 */
import { ConfigError } from '../errors.ts';

export interface GridAxis {
  readonly lo: number;
  readonly hi: number;
}

/** Validated, normalised masses p_j = P_j / Σ P and cumulative masses c_j = Σ_{k<j} p_k (c_M = 1). */
export interface GridLaw {
  readonly lo: number;
  readonly h: number;
  readonly p: Float64Array;
  readonly c: Float64Array;
}

/**
 * Checks the axis and masses. Masses must be finite; negative entries down to −1e−12 Σ|P|
 * (round-off of a conservative scheme) count as 0, larger ones are rejected. The total is
 * normalised to 1.
 */
export function gridLaw(axis: GridAxis, masses: ArrayLike<number>): GridLaw {
  if (!(Number.isFinite(axis.lo) && Number.isFinite(axis.hi) && axis.hi > axis.lo)) {
    throw new ConfigError('axis', `needs finite lo < hi (got lo = ${axis.lo}, hi = ${axis.hi})`);
  }
  const M = masses.length;
  if (M === 0) throw new ConfigError('masses', 'must have at least one cell');
  let abs = 0;
  for (let j = 0; j < M; j++) {
    if (!Number.isFinite(masses[j])) throw new ConfigError(`masses[${j}]`, `must be finite (got ${masses[j]})`);
    abs += Math.abs(masses[j]);
  }
  const p = new Float64Array(M);
  let total = 0;
  for (let j = 0; j < M; j++) {
    const m = masses[j];
    if (m < -1e-12 * abs) throw new ConfigError(`masses[${j}]`, `must be >= 0 (got ${m})`);
    p[j] = m > 0 ? m : 0;
    total += p[j];
  }
  if (!(total > 0)) throw new ConfigError('masses', 'must have a positive total');
  const c = new Float64Array(M + 1);
  for (let j = 0; j < M; j++) {
    p[j] /= total;
    c[j + 1] = c[j] + p[j];
  }
  c[M] = 1;
  return { lo: axis.lo, h: (axis.hi - axis.lo) / M, p, c };
}

/** G(x): 0 below lo, 1 above hi, linear inside each cell. */
export function gridCdf(law: GridLaw, x: number): number {
  const M = law.p.length;
  const s = (x - law.lo) / law.h;
  if (s <= 0) return 0;
  if (s >= M) return 1;
  const j = Math.min(M - 1, Math.floor(s));
  return law.c[j] + law.p[j] * (s - j);
}

/** Sorted copy of a sample (rejects empty samples and non-finite values). */
export function sortedSample(sample: ArrayLike<number>, name = 'sample'): Float64Array {
  if (sample.length === 0) throw new ConfigError(name, 'must not be empty');
  const s = Float64Array.from(sample);
  for (let i = 0; i < s.length; i++) if (!Number.isFinite(s[i])) throw new ConfigError(`${name}[${i}]`, `must be finite (got ${s[i]})`);
  return s.sort();
}
