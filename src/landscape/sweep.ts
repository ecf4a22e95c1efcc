/**
 * The risk-vs-Δ picture of MMN Fig. 2: for a family of models indexed by a scalar Δ, the grid
 * minimum of R (qp.ts), the single-delta risk R̄⁽¹⁾(r*) (MMN eq. 14), and the Δ-interval(s)
 * [Δ^l, Δ^h] on which the single delta is a global minimiser (MMN Lemma 1).
 */
import { ConfigError } from '../errors.ts';
import type { GridOperators } from '../types.ts';
import { minimizeRisk, type MinimizeRiskOptions, type SupportAtom } from './qp.ts';
import { singleDelta, type PointwiseModel1d, type SingleDeltaOptions } from './single-delta.ts';

/** The model at one value of Δ: pointwise functions, and grid operators built on demand. */
export interface DeltaFamilyMember {
  readonly pointwise: PointwiseModel1d;
  gridOperators(): GridOperators;
}

export type DeltaFamily = (delta: number) => DeltaFamilyMember;

/** One Δ of the Lemma-1 scan. */
export interface Lemma1Sample {
  readonly delta: number;
  readonly rStar: number;
  readonly holds: boolean;
  readonly normalizedMargin: number;
}

/** A change of the Lemma-1 verdict, bracketed: lo < Δ_threshold < hi, hi − lo ≤ tolerance. */
export interface Threshold {
  readonly estimate: number;
  readonly lo: number;
  readonly hi: number;
  /** 'enters': the lemma fails at lo and holds at hi; 'leaves': the reverse. */
  readonly kind: 'enters' | 'leaves';
}

/** A maximal Δ-interval of the scan on which Lemma 1 holds; null ends run to the scan's edge. */
export interface Lemma1Interval {
  /** Δ^l (null: the lemma already holds at deltaMin). */
  readonly lower: Threshold | null;
  /** Δ^h (null: the lemma still holds at deltaMax). */
  readonly upper: Threshold | null;
}

export interface IntervalSearchOptions extends SingleDeltaOptions {
  readonly deltaMin: number;
  readonly deltaMax: number;
  /** Δ values of the initial uniform scan (ends included). Default 21. */
  readonly deltaScanPoints?: number;
  /** Final bracket width of each threshold. Default 1e-4. */
  readonly deltaTolerance?: number;
}

export interface IntervalSearchResult {
  readonly intervals: Lemma1Interval[];
  readonly thresholds: Threshold[];
  readonly scan: Lemma1Sample[];
  readonly deltaTolerance: number;
}

function sample(family: DeltaFamily, delta: number, options: SingleDeltaOptions): Lemma1Sample {
  const sd = singleDelta(family(delta).pointwise, options);
  return { delta, rStar: sd.rStar, holds: sd.lemma1.holds, normalizedMargin: sd.lemma1.normalizedMargin };
}

/**
 * Δ-intervals where the single delta δ_{r*(Δ)} is a global minimiser (MMN Lemma 1).
 * Bracketing: Lemma 1 is evaluated on `deltaScanPoints` equally spaced Δ in [deltaMin, deltaMax];
 * every pair of neighbours with different verdicts brackets a threshold, which is then bisected on
 * the verdict (the sign of the normalised margin μ, single-delta.ts) until hi − lo ≤ deltaTolerance;
 * the estimate is the midpoint (error ≤ deltaTolerance/2). A hold-interval shorter than the scan
 * spacing can be missed: refine the scan if μ comes close to 0 between nodes (`scan` lists μ).
 */
export function findSingleDeltaInterval(family: DeltaFamily, options: IntervalSearchOptions): IntervalSearchResult {
  const { deltaMin, deltaMax } = options;
  const points = options.deltaScanPoints ?? 21;
  const deltaTolerance = options.deltaTolerance ?? 1e-4;
  if (!(Number.isFinite(deltaMin) && Number.isFinite(deltaMax) && deltaMax > deltaMin)) {
    throw new ConfigError('deltaMin', `deltaMin < deltaMax must be finite (got [${deltaMin}, ${deltaMax}])`);
  }
  if (!(Number.isInteger(points) && points >= 2)) throw new ConfigError('deltaScanPoints', `must be an integer >= 2 (got ${points})`);
  if (!(deltaTolerance > 0 && Number.isFinite(deltaTolerance))) {
    throw new ConfigError('deltaTolerance', `must be a finite number > 0 (got ${deltaTolerance})`);
  }
  const scan: Lemma1Sample[] = [];
  for (let i = 0; i < points; i++) {
    const delta = i === points - 1 ? deltaMax : deltaMin + ((deltaMax - deltaMin) * i) / (points - 1);
    scan.push(sample(family, delta, options));
  }
  const thresholds: Threshold[] = [];
  for (let i = 0; i + 1 < points; i++) {
    if (scan[i].holds === scan[i + 1].holds) continue;
    let lo = scan[i].delta;
    let hi = scan[i + 1].delta;
    const holdsAtLo = scan[i].holds;
    while (hi - lo > deltaTolerance) {
      const mid = 0.5 * (lo + hi);
      if (sample(family, mid, options).holds === holdsAtLo) lo = mid;
      else hi = mid;
    }
    thresholds.push({ estimate: 0.5 * (lo + hi), lo, hi, kind: holdsAtLo ? 'leaves' : 'enters' });
  }
  const intervals: Lemma1Interval[] = [];
  let open: Threshold | null | undefined = scan[0].holds ? null : undefined;
  for (const t of thresholds) {
    if (t.kind === 'enters') open = t;
    else {
      intervals.push({ lower: open ?? null, upper: t });
      open = undefined;
    }
  }
  if (open !== undefined) intervals.push({ lower: open, upper: null });
  return { intervals, thresholds, scan, deltaTolerance };
}

/** One row of the risk-vs-Δ table. */
export interface SweepRow {
  readonly delta: number;
  /** Certified grid minimum of R (qp.ts). */
  readonly gridMinimum: {
    readonly risk: number;
    readonly lowerBound: number;
    readonly dualityGap: number;
    readonly converged: boolean;
    readonly support: SupportAtom[];
  };
  /** Single-delta ansatz: r*, R̄⁽¹⁾(r*) (MMN eq. 14). */
  readonly singleDelta: { readonly rStar: number; readonly risk: number };
  readonly lemma1: { readonly holds: boolean; readonly margin: number; readonly normalizedMargin: number };
  /**
   * R̄⁽¹⁾(r*) − R_min(grid): > 0 where the grid beats the single delta (Lemma 1 fails and the grid
   * resolves the competitor); in [−O(h²), 0] where Lemma 1 holds on the grid's domain (the grid
   * cannot beat the continuum minimum R̄⁽¹⁾(r*), and r* need not be a cell centre).
   */
  readonly excess: number;
}

export interface SweepOptions extends SingleDeltaOptions {
  readonly qp?: MinimizeRiskOptions;
}

/** Tabulate, for each Δ: the grid minimum, the single-delta risk and the Lemma 1 verdict. */
export function sweepDelta(family: DeltaFamily, deltas: readonly number[], options: SweepOptions): { rows: SweepRow[] } {
  const rows = deltas.map((delta): SweepRow => {
    const member = family(delta);
    const sd = singleDelta(member.pointwise, options);
    const qp = minimizeRisk(member.gridOperators(), options.qp);
    return {
      delta,
      gridMinimum: { risk: qp.risk, lowerBound: qp.lowerBound, dualityGap: qp.dualityGap, converged: qp.converged, support: qp.support },
      singleDelta: { rStar: sd.rStar, risk: sd.risk },
      lemma1: { holds: sd.lemma1.holds, margin: sd.lemma1.margin, normalizedMargin: sd.lemma1.normalizedMargin },
      excess: sd.risk - qp.risk,
    };
  });
  return { rows };
}
