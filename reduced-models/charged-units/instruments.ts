/**
 * The network function f_w(x) = Σ_i w_i c_i φ(x; y_i) on a quadrature grid of x, for the width study
 * and `compare` (src/pipeline/width-study.ts, `FittedFunctionCapability`): the same formula serves a
 * network (w_i = 1/n), weighted characteristics nodes and grid cells (centres with their masses).
 *
 * Quadrature of ‖g‖² = ∫ g² dμ (README §3–4):
 *   circle  Q = 256 equispaced points, weights 1/Q (the trapezoid rule, exact for trigonometric
 *           polynomials of degree < 128; e^{κ cos} has ive_128(4) ≈ 1e-200, so exact to round-off);
 *   line    the trapezoid rule on [−10, 10] with h = 0.05 (Gaussians of variance ≥ s²: the rule's
 *           aliasing error ~ e^{−2π² s²/h²} is below round-off; the window holds the target and units
 *           with |y| ≤ 10 − 6s, i.e. the grid window of the examples with room to spare).
 *
 * The charge density in y, ∫ c ρ(y, dc) (f = φ ∗ this on the line), as a histogram: 64 bins on
 * [0, 2π) (y wrapped) on the circle, 80 bins on [−5, 5] on the line (units outside are not counted).
 */
import type { FittedFunctionCapability } from '../../src/pipeline/width-study.ts';
import type { ChargedUnitsModel } from './model.ts';

const CIRCLE_POINTS = 256;
const LINE_WINDOW = 10;
const LINE_STEP = 0.05;
const CIRCLE_BINS = 64;
const LINE_BINS = 80;
const LINE_BIN_WINDOW = 5;

export function fittedFunction(model: ChargedUnitsModel): FittedFunctionCapability {
  let inputs: Float64Array;
  let inputWeights: Float64Array;
  if (model.domain === 'circle') {
    inputs = Float64Array.from({ length: CIRCLE_POINTS }, (_, q) => (2 * Math.PI * q) / CIRCLE_POINTS);
    inputWeights = new Float64Array(CIRCLE_POINTS).fill(1 / CIRCLE_POINTS);
  } else {
    const Q = Math.round((2 * LINE_WINDOW) / LINE_STEP) + 1;
    inputs = Float64Array.from({ length: Q }, (_, q) => -LINE_WINDOW + q * LINE_STEP);
    inputWeights = new Float64Array(Q).fill(LINE_STEP);
    inputWeights[0] = inputWeights[Q - 1] = LINE_STEP / 2;
  }
  const circle = model.domain === 'circle';
  const [lo, hi, bins] = circle ? [0, 2 * Math.PI, CIRCLE_BINS] : [-LINE_BIN_WINDOW, LINE_BIN_WINDOW, LINE_BINS];
  const width = (hi - lo) / bins;
  const edges = Float64Array.from({ length: bins + 1 }, (_, b) => lo + b * width);
  return {
    marginal: {
      label: 'charge density ∫ c ρ(y, dc)',
      axis: 'y',
      edges,
      histogram(points, weights, out) {
        out.fill(0);
        for (let i = 0; i < weights.length; i++) {
          let y = points[2 * i];
          if (circle) y -= 2 * Math.PI * Math.floor(y / (2 * Math.PI));
          const b = Math.floor((y - lo) / width);
          if (b >= 0 && b < bins) out[b] += (weights[i] * points[2 * i + 1]) / width;
        }
      },
    },
    symbol: 'f_n',
    inputs,
    inputWeights,
    target: inputs.map((x) => model.target(x)),
    evaluate(points, weights, out) {
      out.fill(0);
      for (let i = 0; i < weights.length; i++) {
        const wc = weights[i] * points[2 * i + 1];
        if (wc === 0) continue;
        const y = points[2 * i];
        for (let q = 0; q < inputs.length; q++) out[q] += wc * model.unit(inputs[q], y);
      }
    },
  };
}
