/**
 * A two-layer regression net with a 1/n output scale (RVE eq. 1 with φ(x; y) = h(<w, x> + b)):
 *
 *   f_n(x) = (1/n) Σ_i c_i h(<w_i, x> + b_i),   h = relu or the logistic sigmoid,   ℓ = ½ (f_n(x) − f(x))²,
 *
 * trained by SGD on batches of P fresh points: every unit moves by −s mean_b (f_n − f)(x_b) ∇_θ[c h(<w, x_b> + b)]
 * (RVE eq. 21–22 with Δt = s: the per-unit step of descent on E = n L). Units row-major: w (n × d), b, c.
 * A batch is a product of matrices H = X Wᵀ (P × n) and the backward Rᵀ-weighted Xᵀ products; no
 * allocation per step.
 */
export type Activation = 'relu' | 'sigmoid';

export class RegressionNet {
  readonly w: Float64Array;
  readonly b: Float64Array;
  readonly c: Float64Array;
  private readonly h: Float64Array;
  private readonly dh: Float64Array;
  private readonly residual: Float64Array;
  /** The last `gradient`: n × (batch-loss gradient) per unit. */
  readonly gw: Float64Array;
  readonly gb: Float64Array;
  readonly gc: Float64Array;

  constructor(
    readonly units: number,
    readonly dim: number,
    readonly activation: Activation,
    readonly trainBias: boolean,
    readonly maxBatch: number,
  ) {
    this.w = new Float64Array(units * dim);
    this.b = new Float64Array(units);
    this.c = new Float64Array(units);
    this.h = new Float64Array(maxBatch * units);
    this.dh = new Float64Array(maxBatch * units);
    this.residual = new Float64Array(maxBatch);
    this.gw = new Float64Array(units * dim);
    this.gb = new Float64Array(units);
    this.gc = new Float64Array(units);
  }

  /** f_n at the P rows of x (P × d) into out; keeps h and h' of the batch. */
  forward(x: Float64Array, count: number, out: Float64Array): void {
    const { units: n, dim: d, w, b, c, h, dh } = this;
    const relu = this.activation === 'relu';
    for (let q = 0; q < count; q++) {
      const xq = q * d;
      let f = 0;
      for (let i = 0; i < n; i++) {
        const wi = i * d;
        let z = b[i];
        for (let j = 0; j < d; j++) z += w[wi + j] * x[xq + j];
        let a: number;
        let da: number;
        if (relu) {
          a = z > 0 ? z : 0;
          da = z > 0 ? 1 : 0;
        } else {
          a = 1 / (1 + Math.exp(-z));
          da = a * (1 - a);
        }
        h[q * n + i] = a;
        dh[q * n + i] = da;
        f += c[i] * a;
      }
      out[q] = f / n;
    }
  }

  /** The per-unit gradient of mean_b ½(f_n − y)² · n into (gw, gb, gc); returns the batch mean of ½(f_n − y)². */
  gradient(x: Float64Array, y: Float64Array, count: number): number {
    const { units: n, dim: d, c, h, dh, residual, gw, gb, gc } = this;
    this.forward(x, count, residual);
    let loss = 0;
    for (let q = 0; q < count; q++) {
      residual[q] -= y[q];
      loss += 0.5 * residual[q] * residual[q];
    }
    gw.fill(0);
    gb.fill(0);
    gc.fill(0);
    const inv = 1 / count;
    for (let q = 0; q < count; q++) {
      const r = residual[q] * inv;
      const xq = q * d;
      for (let i = 0; i < n; i++) {
        gc[i] += r * h[q * n + i];
        const g = r * c[i] * dh[q * n + i];
        if (g === 0) continue;
        gb[i] += g;
        const wi = i * d;
        for (let j = 0; j < d; j++) gw[wi + j] += g * x[xq + j];
      }
    }
    return loss * inv;
  }

  /** One SGD step of per-unit size s on the batch (x, y). */
  step(x: Float64Array, y: Float64Array, count: number, s: number): number {
    const loss = this.gradient(x, y, count);
    const { w, b, c, gw, gb, gc } = this;
    for (let k = 0; k < w.length; k++) w[k] -= s * gw[k];
    if (this.trainBias) for (let i = 0; i < b.length; i++) b[i] -= s * gb[i];
    for (let i = 0; i < c.length; i++) c[i] -= s * gc[i];
    return loss;
  }
}
