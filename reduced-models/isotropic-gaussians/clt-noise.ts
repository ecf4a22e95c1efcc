/**
 * The online-SGD noise rates of the isotropic-Gaussians model in closed form, for the CLT prediction
 * (src/clt/noise.ts defines the rates; src/clt/README.md, "Closed forms", derives these).
 *
 * Online SGD (src/particles/sgd.ts: the batch mean of (y − ŷ) σ'(<w_i, x>) x) kicks unit w by an
 * amount whose radial part, paired with the adjoint derivative D = ∂_r g, is
 *   a_w(x) = (y − f(x)) D(|w|) σ'(<w, x>) <ŵ, x>,
 * f the mean-field network output. The expectations over x use the class structure: given the class
 * (τ, y), |x| = τρ with ρ ~ χ_d and <ŵ, x> = |x| c with c ~ p_d, so with A_j = X_j τ ρ and a
 * piecewise-linear σ(t) = α + ℓt + Σ_i Δm_i (t − t_i)_+ (slopes s_0 = ℓ, …, s_n to the right of the
 * last knot) and u_i = t_i/A (Pc, Q1, Q2 of ./clt-cosine.ts):
 *
 *   E_c σ(Ac)        = α + Σ_i Δm_i [A Q1(u_i) − t_i Pc(u_i)]
 *   E_c σ'(Ac) c     = Σ_i Δm_i Q1(u_i)
 *   E_c σ'(Ac)² c²   = s_0²/d + Σ_i (s_{i+1}² − s_i²) Q2(u_i)
 *   E_c σ'(Ac)²      = s_0²   + Σ_i (s_{i+1}² − s_i²) Pc(u_i)
 *
 * f(|x|) = Σ_j P_j E_c σ(A_j c), Z = (y − f) Σ_j P_j D_j |x| E_c σ'(A_j c) c,
 * E_x a_j² = D_j² E[(y − f)² |x|² E_c σ'(A_j c)² c²], and the Itô drift of the radius (each kick's
 * tangential part moves |w| outward by |Δw_⊥|²/(2r); README.md, "SGD at a finite step: the Itô
 * drift of |w|")
 *   b(r) = (2/r) E[(y − f)² σ'(<w,x>)² (|x|² − <ŵ,x>²)].
 * The ρ-integral is one Gauss–Legendre panel of `radialNodes` (default 120) nodes over the χ_d
 * law (cut where the density is below e^{-75} of its peak). Its integrands have the smoothness
 * C^{⌊(d−1)/2⌋} of (1 − u²)^{(d−1)/2} at A = t_i, so the rule is accurate to ~1e-12 at d = 40 but
 * only algebraically at small d (raise `radialNodes` there).
 */
import type { NoiseRates, SgdNoiseAvailability, SgdNoiseModel } from '../../src/clt/noise.ts';
import { chiLogDensity, radialQuadrature } from '../../solvers/characteristics.ts';
import type { PiecewiseLinearShape } from '../../src/types.ts';
import { slopeJumps } from '../activations.ts';
import { CosineLaw } from './clt-cosine.ts';
import type { IsotropicGaussians } from './index.ts';

/**
 * The online-SGD noise of the isotropic-Gaussians model, or why it is not available: the closed
 * forms need a finite d (the rates grow like d) and a piecewise-linear σ.
 */
export function isotropicSgdNoise(model: IsotropicGaussians, options: { radialNodes?: number } = {}): SgdNoiseAvailability {
  if (model.d === 'inf') return { available: false, reason: 'SGD noise rates grow like d: no closed form at d = inf (use a finite d)' };
  const shape = model.activation.piecewiseLinear;
  if (!shape) return { available: false, reason: 'the SGD-noise closed forms (src/clt/README.md, "Closed forms") need a piecewise-linear activation' };
  return { available: true, noise: new IsotropicSgdNoise(model.d, model.tau, shape, options.radialNodes ?? 120) };
}

export class IsotropicSgdNoise implements SgdNoiseModel {
  readonly name = 'isotropic-gaussians online SGD';
  readonly indicatorFormula = '2 m τ+² d ε/B';
  private readonly cos: CosineLaw;
  private readonly knots: Float64Array;
  /** Δm_i and s_{i+1}² − s_i² at knot i. */
  private readonly jumps: Float64Array;
  private readonly squareJumps: Float64Array;
  private readonly intercept: number;
  private readonly leftSquare: number;
  private readonly maxSlope: number;
  private readonly tauPlus: number;
  /** Per row (class, ρ-node): |x|, weight (class prob × ρ weight), label, mean-field output, residual. */
  private readonly xNorm: Float64Array;
  private readonly rowWeight: Float64Array;
  private readonly label: Float64Array;
  private readonly output: Float64Array;
  private readonly residual: Float64Array;
  /** rows × M: E_c σ(A c) (the unit's output given |x|), |x| E_c σ'c,  |x|² E_c σ'²c²,  |x|² E_c σ'²(1 − c²). */
  private meanTable = new Float64Array(0);
  private h1 = new Float64Array(0);
  private s2 = new Float64Array(0);
  private t2 = new Float64Array(0);
  /** Per node: P_j, ψ'_j, S2_j = E_x[(y−f)²|x|² E_c σ'²c²], b_j. */
  private p = new Float64Array(0);
  private dpsi = new Float64Array(0);
  private sameUnitCoef = new Float64Array(0);
  private drift = new Float64Array(0);
  private m = 0;
  /** The node positions the tables were built for (they depend on the positions only). */
  private positions = new Float64Array(0);

  constructor(
    private readonly d: number,
    tau: readonly [number, number],
    shape: PiecewiseLinearShape,
    radialNodes: number,
  ) {
    this.cos = new CosineLaw(d);
    const pieces = slopeJumps(shape);
    this.knots = pieces.knots;
    this.jumps = pieces.jumps;
    this.squareJumps = pieces.squareJumps;
    this.intercept = pieces.intercept;
    this.leftSquare = pieces.leftSlope ** 2;
    this.maxSlope = pieces.maxSlope;
    this.tauPlus = tau[0];

    const chi = radialQuadrature(chiLogDensity(d, Math.sqrt(d)), Math.sqrt(d) + 20, 1, radialNodes);
    const Q = chi.nodes.length;
    const rows = 2 * Q;
    this.xNorm = new Float64Array(rows);
    this.rowWeight = new Float64Array(rows);
    this.label = new Float64Array(rows);
    this.output = new Float64Array(rows);
    this.residual = new Float64Array(rows);
    for (let c = 0; c < 2; c++) {
      for (let q = 0; q < Q; q++) {
        this.xNorm[c * Q + q] = tau[c] * chi.nodes[q];
        this.rowWeight[c * Q + q] = 0.5 * chi.weights[q];
        this.label[c * Q + q] = c === 0 ? 1 : -1;
      }
    }
  }

  /**
   * 2 m τ+² d ε / B, m = max |σ'|: the size of one kick in <w, x> (with the batch mean, one sample's own
   * kick scales as ε/B).
   */
  linearNoiseIndicator(epsilon: number, batch: number): number {
    // one kick moves <w, x> by ≈ 2 s m |x|² |y − ŷ| with |x|² ≈ τ+² d and |y − ŷ| = O(1), a batch
    // mean divides it by B (src/clt/README.md, "The linear-noise regime")
    return (2 * this.maxSlope * this.tauPlus ** 2 * this.d * epsilon) / batch;
  }

  private ensure(m: number): void {
    if (this.p.length === m) return;
    const rows = this.xNorm.length;
    this.meanTable = new Float64Array(rows * m);
    this.h1 = new Float64Array(rows * m);
    this.s2 = new Float64Array(rows * m);
    this.t2 = new Float64Array(rows * m);
    this.p = new Float64Array(m);
    this.dpsi = new Float64Array(m);
    this.sameUnitCoef = new Float64Array(m);
    this.drift = new Float64Array(m);
    this.m = m;
  }

  prepare(x: Float64Array, p: Float64Array, dpsi: Float64Array): void {
    const M = x.length;
    for (let j = 0; j < M; j++) {
      if (!(x[j] > 0)) throw new RangeError(`noise rates: node ${j} sits at r = ${x[j]}; the Itô drift b(r) ∝ 1/r needs r > 0`);
    }
    this.ensure(M);
    this.p.set(p);
    this.dpsi.set(dpsi);
    const { xNorm, meanTable, s2, t2, output, residual, label, rowWeight } = this;
    const rows = xNorm.length;
    if (!(this.positions.length === M && this.positions.every((xj, j) => xj === x[j]))) {
      this.buildTables(x);
      this.positions = Float64Array.from(x);
    }
    for (let row = 0; row < rows; row++) {
      let f = 0;
      const k0 = row * M;
      for (let j = 0; j < M; j++) f += p[j] * meanTable[k0 + j];
      output[row] = f;
      residual[row] = label[row] - f;
    }
    const { sameUnitCoef, drift } = this;
    sameUnitCoef.fill(0);
    drift.fill(0);
    for (let row = 0; row < rows; row++) {
      const w = rowWeight[row] * residual[row] * residual[row];
      const k0 = row * M;
      for (let j = 0; j < M; j++) {
        sameUnitCoef[j] += w * s2[k0 + j];
        drift[j] += w * t2[k0 + j];
      }
    }
    for (let j = 0; j < M; j++) drift[j] *= 2 / x[j];
  }

  /** The position-dependent tables E_c σ(A c), |x| E_c σ'c, |x|² E_c σ'²c², |x|² E_c σ'²(1 − c²) at every (row, node). */
  private buildTables(x: Float64Array): void {
    const M = x.length;
    const { cos, knots, jumps, squareJumps, xNorm, meanTable, h1, s2, t2 } = this;
    const invD = 1 / this.d;
    for (let row = 0; row < xNorm.length; row++) {
      const r = xNorm[row];
      for (let j = 0; j < M; j++) {
        const A = x[j] * r;
        let mean = this.intercept;
        let slopeC = 0;
        let slope2C2 = this.leftSquare * invD;
        let slope2 = this.leftSquare;
        for (let i = 0; i < knots.length; i++) {
          const t = knots[i];
          cos.evaluate(t / A);
          mean += jumps[i] * (A * cos.q1 - t * cos.pc);
          slopeC += jumps[i] * cos.q1;
          slope2C2 += squareJumps[i] * cos.q2;
          slope2 += squareJumps[i] * cos.pc;
        }
        const k = row * M + j;
        meanTable[k] = mean;
        h1[k] = r * slopeC;
        s2[k] = r * r * slope2C2;
        t2[k] = r * r * (slope2 - slope2C2);
      }
    }
  }

  /**
   * Per node of the prepared law, the moments of one sample's gradient g = (y − f(x)) σ'(<w, x>) x of
   * unit w at |w| = X_j: radialVariance_j = Var_x(ŵ·g) and itoDrift_j = b(X_j) = (2/X_j) E_x|g − (ŵ·g)ŵ|²
   * (the SGD-diffusion limit, README.md §7.1).
   */
  unitMoments(radialVariance: Float64Array, itoDrift: Float64Array): void {
    const { m: M, h1, residual, rowWeight, sameUnitCoef, drift } = this;
    // E_x ŵ·g at each node (= −ψ'(X_j)), accumulated row by row into radialVariance
    radialVariance.fill(0, 0, M);
    for (let row = 0; row < residual.length; row++) {
      const w = rowWeight[row] * residual[row];
      const k0 = row * M;
      for (let j = 0; j < M; j++) radialVariance[j] += w * h1[k0 + j];
    }
    for (let j = 0; j < M; j++) {
      radialVariance[j] = sameUnitCoef[j] - radialVariance[j] ** 2;
      itoDrift[j] = drift[j];
    }
  }

  rates(D: Float64Array, out: NoiseRates): void {
    const { m: M, p, dpsi, h1, residual, rowWeight, sameUnitCoef, drift } = this;
    if (D.length !== M) throw new RangeError(`noise rates: D has ${D.length} entries, the prepared node set ${M}`);
    let ez = 0;
    let ez2 = 0;
    for (let row = 0; row < residual.length; row++) {
      const k0 = row * M;
      let H = 0;
      for (let j = 0; j < M; j++) H += p[j] * D[j] * h1[k0 + j];
      const z = residual[row] * H;
      ez += rowWeight[row] * z;
      ez2 += rowWeight[row] * z * z;
    }
    let ea2 = 0;
    let mg = 0;
    let mg2 = 0;
    let ito = 0;
    for (let j = 0; j < M; j++) {
      ea2 += p[j] * D[j] * D[j] * sameUnitCoef[j];
      const g = D[j] * dpsi[j];
      mg += p[j] * g;
      mg2 += p[j] * g * g;
      ito += p[j] * D[j] * drift[j];
    }
    out.common = ez2 - ez * ez;
    out.sameUnit = ea2 - ez2 - (mg2 - mg * mg);
    out.ito = ito;
    out.meanZ = ez;
  }

  labelCorrelation(): number {
    let s = 0;
    for (let row = 0; row < this.output.length; row++) s += this.rowWeight[row] * this.label[row] * this.output[row];
    return s;
  }
}
