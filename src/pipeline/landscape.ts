/**
 * The `minimize` and `sweep` jobs (MMN eq. 14–17, Lemma 1, Fig. 2): where SGD *should* go.
 *  - minimize: the certified global minimum of R(ρ̄) over laws on the grid (src/landscape/qp.ts), the
 *    single-delta ansatz r* with the Lemma 1 test, and the stability of the point mass at r*.
 *  - sweep: for each d, the table over Δ (R_min, single-delta risk, Lemma 1), the interval [Δ^l, Δ^h]
 *    where the single delta is optimal (bisection), and at a few Δ the long-time risk of the PDE and of
 *    SGD particles, for the Fig. 2 plot.
 */
import { join } from 'node:path';
import { ConfigError } from '../errors.ts';
import type { RunConfig, SweepConfig } from '../io/config.ts';
import { makeProvenance, toJson, writeFileAtomic } from '../io/output.ts';
import { colorAt } from '../plot/figures.ts';
import { renderReport, type PlotlyFigure, type ReportSection } from '../plot/html-report.ts';
import type { Provenance } from '../types.ts';
import { findSingleDeltaInterval, minimizeRisk, pointMassStability, singleDelta, sweepDelta, type PointwiseModel1d, type RiskMinimum, type SweepRow } from '../landscape/index.ts';
import { buildModel, type MeanFieldModelInstance } from '../models.ts';
import { Grid } from '../grid.ts';
import { runSolveInWorker, setUpProblem } from './solve.ts';
import { runEnsemble } from '../particles/ensemble.ts';
import { mean } from '../diagnostics/stats.ts';

/** Pointwise kernel accuracy for the single-delta search (cheap: a handful of evaluations per r). */
const POINTWISE_TOLERANCE = 1e-12;
/** Lemma 1 checks competitors out to rFar = FAR_FACTOR · rMax on the half-line. */
const FAR_FACTOR = 1e4;

export function pointwiseModel(model: MeanFieldModelInstance, rFar: number): PointwiseModel1d {
  const K = model.truncationOrder(POINTWISE_TOLERANCE, rFar);
  return { riskConstant: model.riskConstant, v: (r) => model.v(r), u: (a, b) => model.u(a, b, K) };
}

function lemmaOptions(rMax: number, domain: 'half-line' | 'grid') {
  return { rMax, rFar: domain === 'grid' ? rMax : FAR_FACTOR * rMax };
}

export interface MinimizeResult {
  kind: 'meanfield.minimize';
  provenance: Provenance;
  config: RunConfig;
  /** Certified grid minimum (support, ψ, duality gap, eq. 17 certificate). */
  minimum: RiskMinimum;
  singleDelta: { rStar: number; risk: number; lemma1: { holds: boolean; margin: number; normalizedMargin: number; domain: string } };
  /** MMN Theorems 6–7 in reduced form, for the point mass at r* (= the uniform law on the sphere |w| = r*). */
  stability: ReturnType<typeof pointMassStability>;
}

export function runMinimize(config: RunConfig, lemmaDomain: 'half-line' | 'grid' = 'half-line'): MinimizeResult {
  const t0 = performance.now();
  const { model, operators } = setUpProblem(config);
  const minimum = minimizeRisk(operators);
  const opts = lemmaOptions(config.grid.rMax, lemmaDomain);
  const pointwise = pointwiseModel(model, opts.rFar);
  const sd = singleDelta(pointwise, opts);
  const stability = pointMassStability(pointwise, sd.rStar);
  return {
    kind: 'meanfield.minimize',
    provenance: makeProvenance(config.seed, { totalMs: performance.now() - t0 }),
    config,
    minimum,
    singleDelta: {
      rStar: sd.rStar,
      risk: sd.risk,
      lemma1: { holds: sd.lemma1.holds, margin: sd.lemma1.margin, normalizedMargin: sd.lemma1.normalizedMargin, domain: lemmaDomain === 'grid' ? `[0, ${opts.rMax}]` : `[0, ${opts.rFar}] (geometric beyond ${opts.rMax})` },
    },
    stability,
  };
}

export interface SweepDimensionResult {
  d: number | 'inf';
  /** Δ^l and Δ^h of the first interval where Lemma 1 holds (null: the scan edge), each ± deltaTolerance/2. */
  deltaLow: number | null;
  deltaHigh: number | null;
  intervals: { lower: number | null; upper: number | null }[];
  rows: SweepRow[];
  /** Long-time risks at sweep.dynamicsDeltas: PDE at t = longTime, SGD particles' exact R_N (finite d). */
  dynamics: { delta: number; pdeRisk: number; sgdRisk: number | null }[];
}

export interface SweepResult {
  kind: 'meanfield.sweep';
  provenance: Provenance;
  config: RunConfig;
  deltaTolerance: number;
  lemmaDomain: string;
  dims: SweepDimensionResult[];
}

export interface SweepControl {
  onProgress?: (message: string) => void;
  workers?: number;
}

export async function runSweep(config: RunConfig, control: SweepControl = {}): Promise<SweepResult> {
  const sweep: SweepConfig | undefined = config.sweep;
  if (!sweep) throw new ConfigError('sweep', 'sweep needs a "sweep" block: { "deltas": [...], "dims": [40, "inf"] }');
  const t0 = performance.now();
  const grid = Grid.uniform1d('r', 0, config.grid.rMax, config.grid.cells);
  const opts = lemmaOptions(config.grid.rMax, sweep.lemmaDomain);
  const dims: SweepDimensionResult[] = [];
  for (const d of sweep.dims) {
    const say = (m: string) => control.onProgress?.(`d = ${d}: ${m}`);
    const family = (delta: number) => {
      const model = buildModel({ ...config.model, delta, d });
      return { pointwise: pointwiseModel(model, opts.rFar), gridOperators: () => model.gridOperators(grid, { tolerance: config.solver.kernelTolerance }) };
    };
    say('table');
    const { rows } = sweepDelta(family, sweep.deltas, opts);
    say('bisection for [Δ^l, Δ^h]');
    const search = findSingleDeltaInterval(family, { ...opts, deltaMin: sweep.deltaMin, deltaMax: sweep.deltaMax, deltaScanPoints: sweep.scanPoints, deltaTolerance: sweep.deltaTolerance });
    const intervals = search.intervals.map((iv) => ({ lower: iv.lower?.estimate ?? null, upper: iv.upper?.estimate ?? null }));
    const dynamics: SweepDimensionResult['dynamics'] = [];
    for (const delta of sweep.dynamicsDeltas) {
      const run: RunConfig = { ...config, model: { ...config.model, delta, d }, saveTimes: [sweep.longTime] };
      say(`PDE to t = ${sweep.longTime} at Δ = ${delta}`);
      const pde = await runSolveInWorker(run);
      let sgdRisk: number | null = null;
      if (d !== 'inf' && config.particles && config.init.kind === 'gaussian') {
        say(`SGD (N = ${config.particles.n}) to t = ${sweep.longTime} at Δ = ${delta}`);
        const p = config.particles;
        const ens = await runEnsemble(
          {
            model: { name: config.model.name, params: { ...config.model, delta, d } as unknown as Record<string, unknown> },
            options: { n: p.n, init: { w: { kind: 'gaussian', scale: config.init.scale } }, epsilon: p.epsilon, schedule: config.schedule, batch: p.batch, saveTimes: [sweep.longTime], seed: config.seed },
          },
          p.seeds,
          Math.min(control.workers ?? 2, p.seeds),
        );
        sgdRisk = mean(ens.runs.map((r) => r!.snapshots[0].populationRisk!));
      }
      dynamics.push({ delta, pdeRisk: pde.risk[0], sgdRisk });
    }
    const first = intervals[0];
    dims.push({ d, deltaLow: first?.lower ?? null, deltaHigh: first?.upper ?? null, intervals, rows, dynamics });
  }
  return {
    kind: 'meanfield.sweep',
    provenance: makeProvenance(config.seed, { totalMs: performance.now() - t0 }),
    config,
    deltaTolerance: sweep.deltaTolerance,
    lemmaDomain: `${sweep.lemmaDomain}: r ∈ [0, ${opts.rFar}]`,
    dims,
  };
}

/** MMN Fig. 2: risk vs Δ per d — R_min (solid), single delta (dashed), Δ^h (dot), PDE (×) and SGD (+) long-time risks. */
export function fig2Figure(result: SweepResult): PlotlyFigure {
  const data: Record<string, unknown>[] = [];
  result.dims.forEach((dim, i) => {
    const color = colorAt(i);
    const x = dim.rows.map((r) => r.delta);
    data.push({ type: 'scatter', mode: 'lines', name: `d = ${dim.d}: min R`, x, y: dim.rows.map((r) => r.gridMinimum.risk), line: { color } });
    data.push({ type: 'scatter', mode: 'lines', name: `d = ${dim.d}: single delta`, x, y: dim.rows.map((r) => r.singleDelta.risk), line: { color, dash: 'dash' } });
    if (dim.deltaHigh !== null) {
      const near = dim.rows.reduce((a, b) => (Math.abs(b.delta - dim.deltaHigh!) < Math.abs(a.delta - dim.deltaHigh!) ? b : a));
      data.push({ type: 'scatter', mode: 'markers', name: `d = ${dim.d}: Δ^h = ${dim.deltaHigh.toFixed(4)}`, x: [dim.deltaHigh], y: [near.singleDelta.risk], marker: { color, size: 10 } });
    }
    if (dim.dynamics.length) {
      data.push({ type: 'scatter', mode: 'markers', name: `d = ${dim.d}: PDE at long time`, x: dim.dynamics.map((p) => p.delta), y: dim.dynamics.map((p) => p.pdeRisk), marker: { color, symbol: 'x', size: 9 } });
      const sgd = dim.dynamics.filter((p) => p.sgdRisk !== null);
      if (sgd.length) data.push({ type: 'scatter', mode: 'markers', name: `d = ${dim.d}: SGD`, x: sgd.map((p) => p.delta), y: sgd.map((p) => p.sgdRisk), marker: { color, symbol: 'cross-thin-open', size: 12, line: { width: 2, color } } });
    }
  });
  return { data, layout: { title: { text: 'Population risk vs Δ (MMN Fig. 2)' }, xaxis: { title: { text: 'Δ' } }, yaxis: { title: { text: 'risk' }, type: 'log' }, legend: { orientation: 'h' } } };
}

export function writeSweepOutputs(dir: string, result: SweepResult): { json: string; html: string } {
  const json = join(dir, 'result.json');
  const html = join(dir, 'report.html');
  writeFileAtomic(json, toJson(result));
  const sections: ReportSection[] = [
    {
      title: 'Risk vs Δ',
      text: `Solid: certified grid minimum of R over laws of r (QP with duality gap). Dashed: single-delta ansatz (MMN eq. 14). Dots: Δ^h, where Lemma 1 stops holding (bisection to ${result.deltaTolerance}; Lemma 1 checked on ${result.lemmaDomain}).`,
      figure: fig2Figure(result),
    },
    ...result.dims.map((dim) => ({
      title: `d = ${dim.d}: single delta optimal for Δ in [${dim.deltaLow ?? 'scan start'}, ${dim.deltaHigh ?? 'scan end'}]`,
      table: {
        columns: ['Δ', 'R_min (grid)', 'duality gap', 'single delta R', 'r*', 'Lemma 1', 'margin'],
        rows: dim.rows.map((r) => [r.delta, r.gridMinimum.risk, r.gridMinimum.dualityGap, r.singleDelta.risk, r.singleDelta.rStar, r.lemma1.holds ? 'holds' : 'fails', r.lemma1.normalizedMargin]),
      },
    })),
  ];
  writeFileAtomic(html, renderReport('meanfield sweep', sections, { provenance: result.provenance, config: result.config }));
  return { json, html };
}
