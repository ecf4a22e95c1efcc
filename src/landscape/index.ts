/**
 * Landscape engine: global minimisers of the limiting risk on a grid (qp.ts), the single-delta
 * ansatz and MMN Lemma 1 (single-delta.ts), point-mass stability (stability.ts, MMN Theorems 6–7)
 * and the risk-vs-Δ sweep (sweep.ts, MMN Fig. 2). Every result is plain JSON-serialisable data.
 */
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
