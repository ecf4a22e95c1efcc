/**
 * `fluctuations` for GD runs of models without the `clt` capability but with weighted characteristics:
 * the initial-law variance part of std R_N(t) (src/clt/initial-variance.ts), run as a pool task so
 * that Ctrl-C reaches the calling thread, with its report.
 */
import { TIME_TITLE } from '../plot/layout.ts';
import type { InitialVariancePrediction } from '../clt/initial-variance.ts';
import { makeProvenance } from '../io/output.ts';
import { riskWords } from '../io/risk-name.ts';
import { runTasks } from '../parallel/pool.ts';
import { lineFigure } from '../plot/figures.ts';
import type { ReportSection } from '../plot/html-report.ts';
import type { RunSpec } from '../spec/index.ts';
import type { Provenance } from '../types.ts';

export type InitialVarianceResult = Omit<InitialVariancePrediction, 'kind'> & { kind: 'meanfield.fluctuations'; riskName?: string; provenance: Provenance; spec: Record<string, unknown> };

const TASKS = new URL('./tasks.ts', import.meta.url).href;

export async function runInitialVarianceInWorker(run: RunSpec, n: number | undefined, control: { shouldStop?: () => boolean } = {}): Promise<InitialVarianceResult> {
  const t0 = performance.now();
  const { results } = await runTasks<InitialVariancePrediction>([{ module: TASKS, export: 'initialVarianceTask', input: { json: run.json, label: run.label, seed: run.seed, n } }], { workers: 1, shouldStop: control.shouldStop });
  if (results[0] === null) throw Object.assign(new Error('initial-law variance interrupted'), { name: 'Interrupted' });
  const { kind: _kind, ...rest } = results[0];
  const ms = performance.now() - t0;
  return { kind: 'meanfield.fluctuations', riskName: run.model.riskName, ...rest, provenance: makeProvenance(null, { predictMs: ms, totalMs: ms }), spec: run.json };
}

export function initialVarianceReport(result: InitialVarianceResult): { title: string; sections: ReportSection[] } {
  const w = riskWords(result.riskName);
  return {
    title: 'meanfield fluctuations (GD, initial-law variance)',
    sections: [
      {
        title: `Predicted std of ${w.finite}`,
        text: `${result.method}; ${result.kernel.description}. std ${w.finite}(t) ≈ √(Var_ρ0[δ${w.symbol}(ρ_t)/δρ_0] / N) at N = ${result.n}: the whole leading term for GD from i.i.d. units (no SGD noise); it misses the O(1/N) terms, which dominate once the leading term heals at late times.`,
        figure: lineFigure(`predicted std ${w.finite}, N = ${result.n}`, TIME_TITLE, `std ${w.axis}`, [{ name: 'predicted', x: result.times, y: result.predictedStdRisk, mode: 'lines+markers' }], { logY: true }),
      },
      { title: 'Table', table: { columns: ['t', w.symbol, 'Var_init', `std ${w.finite}`], rows: result.times.map((t, k) => [t, result.pdeRisk[k], result.varInitRisk[k], result.predictedStdRisk[k]]) } },
    ],
  };
}
