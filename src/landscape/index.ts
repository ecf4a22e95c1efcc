/**
 * Landscape engine: global minimisers of the limiting risk on a grid (qp.ts), the single-delta
 * ansatz and MMN Lemma 1 (single-delta.ts), point-mass stability (stability.ts, MMN Theorems 6–7)
 * and the risk-vs-Δ sweep (sweep.ts, MMN Fig. 2). Every result is plain JSON-serialisable data.
 *
 * A model takes part through `model.capabilities.landscape` (a `LandscapeCapability`, below) and its
 * reduced side (src/model.ts), which supplies the grid and the grid operators of the QP.
 */
import { ConfigError } from '../errors.ts';
import type { Model } from '../model.ts';
import type { PointwiseModel1d } from './single-delta.ts';

/**
 * What `minimize` and `sweep` need of a model beyond its reduced side: a model with ONE reduced
 * coordinate r ≥ 0 (its grid is one axis starting at 0) whose reduced kernel u is positive
 * semidefinite (a Gram kernel E[σσ], as in MMN eq. 5), so that the risk is convex in the law and the
 * QP's duality gap certifies the global minimum.
 */
export interface LandscapeCapability {
  /**
   * R#, v(r) and u(r1, r2) with |u − u_exact| ≤ `tolerance` for r1, r2 ∈ [0, rMax] (the model picks its
   * truncation). Lemma 1 quantifies over all r ≥ 0, so rMax can be 10⁴ times the grid's.
   */
  pointwise(tolerance: number, rMax: number): PointwiseModel1d;
}

/** The landscape capability of a model, or a ConfigError naming it. */
export function landscapeOf(model: Model, command: string): LandscapeCapability {
  const capability = model.capabilities?.landscape as LandscapeCapability | undefined;
  if (typeof capability?.pointwise !== 'function') {
    throw new ConfigError('model.name', `${command} needs the landscape capability (one reduced coordinate r >= 0 and a PSD kernel); model "${model.name}" has none`);
  }
  return capability;
}

export { minimizeRisk, type MinimizeRiskOptions, type RiskMinimum, type SupportAtom } from './qp.ts';
export {
  lemma1,
  singleDelta,
  singleDeltaRisk,
  type Lemma1Check,
  type PointwiseModel1d,
  type SingleDeltaOptions,
  type SingleDeltaResult,
} from './single-delta.ts';
export { pointMassStability, type PointMassStability, type StabilityOptions } from './stability.ts';
export {
  findSingleDeltaInterval,
  sweepDelta,
  type DeltaFamily,
  type DeltaFamilyMember,
  type IntervalSearchOptions,
  type IntervalSearchResult,
  type Lemma1Interval,
  type Lemma1Sample,
  type SweepOptions,
  type SweepRow,
  type Threshold,
} from './sweep.ts';
