/**
 * The single-delta ansatz (MMN eq. 14) and its global-optimality test (MMN Lemma 1), for any
 * model with one reduced coordinate r ≥ 0.
 *
 * A point mass ρ̄ = δ_r of the reduced law has risk
 *   R̄⁽¹⁾(r) = R# + 2 v(r) + u(r, r)                                                 (MMN eq. 14)
 * (MMN's isotropic Gaussians: δ_r is the uniform law on the sphere of radius r, and u is the angular
 * average, so u(r, r) is the average over two independent directions, not the same-unit term).
 * Let r* = argmin R̄⁽¹⁾ and φ(r) = ψ(r; δ_{r*}) = v(r) + u(r, r*). Lemma 1 (equivalently eq. 17
 * for ρ̄ = δ_{r*}): δ_{r*} is a global minimiser of R iff
 *   φ(r) ≥ φ(r*)  for all r ≥ 0.
 *
 * Two margins are reported:
 *   margin           m = min_r [φ(r) − φ(r*)]  (MMN's quantity: ≤ 0 always, since r = r* is allowed;
 *                    0 iff the lemma holds, so it has no sign change to bisect on);
 *   normalizedMargin μ = min_r [φ(r) − φ(r*)] / w(r − r*),  w(x) = x² / (1 + x²)  (L = 1 in units of r),
 *                    with the value φ''(r*)/2 at r = r*.
 * μ ≥ 0 iff the lemma holds, and μ crosses zero transversally at both ways of failing: a distant
 * competitor r₂ with φ(r₂) dropping below φ(r*), and the local loss of φ''(r*) > 0 (the point mass
 * turning unstable, MMN Theorem 7). The Δ-thresholds are found by bisection on the sign of μ.
 * (w ~ x² near r* makes the local failure transversal; w → 1 far away keeps a far competitor's
 * deficit at its own size instead of shrinking it by 1/r², which would hide it in the tolerance.)
 *
 * Domain. r* is searched on [0, rMax]. Lemma 1 quantifies over all r ≥ 0, and a competitor can sit
 * at r → ∞ (MMN's isotropic Gaussians: a saturated unit); the check therefore covers [0, rMax]
 * densely and (rMax, rFar] on a geometric grid, rFar = 10⁴·rMax by default, so the model must be
 * evaluable there.
 * Pass rFar = rMax for a problem posed on [0, rMax] (e.g. to compare with a grid on [0, rMax]).
 */
import { ConfigError } from '../errors.ts';
import { brentMinimize, derivatives, scanMinimize } from './scalar.ts';
import { pointMassStability, type PointMassStability } from './stability.ts';

/** A model with one reduced coordinate r ≥ 0, pointwise. */
export interface PointwiseModel1d {
  /** R# = E[y²]. */
  readonly riskConstant: number;
  /** Reduced potential v(r). */
  v(r: number): number;
  /** Reduced (symmetry-averaged) kernel u(r1, r2), symmetric and positive semidefinite. */
  u(r1: number, r2: number): number;
}

export interface SingleDeltaOptions {
  /** Radii are searched in [0, rMax]. */
  readonly rMax: number;
  /** Nodes of the uniform scans (R̄⁽¹⁾ and the Lemma 1 margins). Default 2001. */
  readonly scanPoints?: number;
  /** Lemma 1 is also checked on (rMax, rFar] (geometric nodes). Default 1e4·rMax; rFar = rMax: none. */
  readonly rFar?: number;
  /** Geometric nodes on (rMax, rFar]. Default 400. */
  readonly farPoints?: number;
  /** Lemma 1 is declared to hold iff normalizedMargin ≥ −tolerance. Default 1e-7. */
  readonly tolerance?: number;
}

/** Plain-data result of `lemma1`. */
export interface Lemma1Check {
  /** normalizedMargin ≥ −tolerance. */
  readonly holds: boolean;
  /** min_{r ∈ [0, rFar]} φ(r) − φ(r*) ≤ 0 (0 iff the lemma holds). */
  readonly margin: number;
  readonly marginAt: number;
  /** μ = min_r [φ(r) − φ(r*)] / w(r − r*) (φ''(r*)/2 at r*); ≥ 0 iff the lemma holds. */
  readonly normalizedMargin: number;
  readonly normalizedMarginAt: number;
  readonly tolerance: number;
  readonly rMax: number;
  readonly rFar: number;
}

/** Plain-data result of `singleDelta`. */
export interface SingleDeltaResult {
  /** Global minimiser of R̄⁽¹⁾ on [0, rMax]. */
  readonly rStar: number;
  /** R̄⁽¹⁾(r*) (MMN eq. 14). */
  readonly risk: number;
  readonly lemma1: Lemma1Check;
  /** Theorems 6–7 for δ_{r*} (see stability.ts). */
  readonly stability: PointMassStability;
}

/** R̄⁽¹⁾(r) = R# + 2 v(r) + u(r, r): the risk of the point mass δ_r (MMN eq. 14). */
export function singleDeltaRisk(model: PointwiseModel1d, r: number): number {
  return model.riskConstant + 2 * model.v(r) + model.u(r, r);
}

interface Resolved {
  rMax: number;
  scanPoints: number;
  rFar: number;
  farPoints: number;
  tolerance: number;
}

function resolve(options: SingleDeltaOptions): Resolved {
  const { rMax } = options;
  const scanPoints = options.scanPoints ?? 2001;
  const rFar = options.rFar ?? 1e4 * rMax;
  const farPoints = options.farPoints ?? 400;
  const tolerance = options.tolerance ?? 1e-7;
  if (!(rMax > 0 && Number.isFinite(rMax))) throw new ConfigError('rMax', `must be a finite number > 0 (got ${rMax})`);
  if (!(Number.isInteger(scanPoints) && scanPoints >= 3)) {
    throw new ConfigError('scanPoints', `must be an integer >= 3 (got ${scanPoints})`);
  }
  if (!(rFar >= rMax && Number.isFinite(rFar))) throw new ConfigError('rFar', `must be a finite number >= rMax = ${rMax} (got ${rFar})`);
  if (!(Number.isInteger(farPoints) && farPoints >= 1)) throw new ConfigError('farPoints', `must be an integer >= 1 (got ${farPoints})`);
  if (!(tolerance > 0 && Number.isFinite(tolerance))) {
    throw new ConfigError('tolerance', `must be a finite number > 0 (got ${tolerance})`);
  }
  return { rMax, scanPoints, rFar, farPoints, tolerance };
}

/**
 * r* = argmin_{[0, rMax]} R̄⁽¹⁾ (global: uniform scan, Brent on the best local minima, then two
 * Newton steps on finite-difference derivatives to bring r* from ~1e-8 to ~1e-12), its risk,
 * the Lemma 1 test at r*, and the stability of δ_{r*}.
 */
export function singleDelta(model: PointwiseModel1d, options: SingleDeltaOptions): SingleDeltaResult {
  const opts = resolve(options);
  const { rMax, scanPoints } = opts;
  const rbar = (r: number): number => singleDeltaRisk(model, r);
  const spacing = rMax / (scanPoints - 1);
  let rStar = scanMinimize(rbar, 0, rMax, scanPoints).x;
  if (rStar > spacing / 2 && rStar < rMax - spacing / 2) {
    for (let k = 0; k < 2; k++) {
      const { first, second } = derivatives(rbar, rStar, 0);
      if (!(second > 0) || !(Math.abs(first / second) < spacing)) break;
      rStar -= first / second;
    }
  }
  return { rStar, risk: rbar(rStar), lemma1: lemmaAt(model, rStar, opts), stability: pointMassStability(model, rStar) };
}

/** MMN Lemma 1 at a given r* (normally `singleDelta(...).rStar`); see the module comment. */
export function lemma1(model: PointwiseModel1d, rStar: number, options: SingleDeltaOptions): Lemma1Check {
  const opts = resolve(options);
  if (!(rStar >= 0 && rStar <= opts.rMax)) throw new ConfigError('rStar', `must lie in [0, rMax = ${opts.rMax}] (got ${rStar})`);
  return lemmaAt(model, rStar, opts);
}

function lemmaAt(model: PointwiseModel1d, rStar: number, { rMax, scanPoints, rFar, farPoints, tolerance }: Resolved): Lemma1Check {
  const phi = (r: number): number => model.v(r) + model.u(r, rStar);
  const phiStar = phi(rStar);
  const weight = (x: number): number => (x * x) / (1 + x * x);
  const quotient = (r: number): number => (phi(r) - phiStar) / weight(r - rStar);
  // nodes: uniform on [0, rMax], then geometric on (rMax, rFar]
  const far = rFar > rMax ? farPoints : 0;
  const nodes = new Float64Array(scanPoints + far);
  for (let i = 0; i < scanPoints; i++) nodes[i] = i === scanPoints - 1 ? rMax : (rMax * i) / (scanPoints - 1);
  for (let j = 1; j <= far; j++) nodes[scanPoints - 1 + j] = j === far ? rFar : rMax * Math.pow(rFar / rMax, j / far);
  // Inside |r − r*| < η the quotient loses digits to cancellation; there it is φ''(r*)/2 + O(r − r*),
  // represented by its value at r* (interior r* only) and by the nodes at distance ≥ η.
  const eta = 1e-3 * rMax;
  const interior = rStar >= eta && rStar <= rMax - eta;

  let margin = 0;
  let marginAt = rStar;
  let marginNode = -1;
  let mu = interior ? derivatives(phi, rStar, 0).second / 2 : Infinity;
  let muAt = rStar;
  let muNode = -1;
  for (let i = 0; i < nodes.length; i++) {
    const r = nodes[i];
    const d = phi(r) - phiStar;
    if (d < margin) {
      margin = d;
      marginAt = r;
      marginNode = i;
    }
    if (Math.abs(r - rStar) >= eta) {
      const q = d / weight(r - rStar);
      if (q < mu) {
        mu = q;
        muAt = r;
        muNode = i;
      }
    }
  }
  const last = nodes.length - 1;
  if (marginNode >= 0) {
    const m = brentMinimize(phi, nodes[Math.max(0, marginNode - 1)], nodes[Math.min(last, marginNode + 1)]);
    if (m.fx - phiStar < margin) {
      margin = m.fx - phiStar;
      marginAt = m.x;
    }
  }
  if (muNode >= 0) {
    let a = nodes[Math.max(0, muNode - 1)];
    let b = nodes[Math.min(last, muNode + 1)];
    if (muAt > rStar) a = Math.max(a, rStar + eta);
    else b = Math.min(b, rStar - eta);
    if (b > a) {
      const m = brentMinimize(quotient, a, b);
      if (m.fx < mu) {
        mu = m.fx;
        muAt = m.x;
      }
    }
  }
  return { holds: mu >= -tolerance, margin, marginAt, normalizedMargin: mu, normalizedMarginAt: muAt, tolerance, rMax, rFar };
}
