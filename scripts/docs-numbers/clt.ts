/**
 * The README's CLT section from a real run of the CLT study (`compare examples/mmn-clt.json`,
 * src/pipeline/clt-study.ts): agreement counts of the acceptance set, the t = 0 bias fit of C1, and the
 * healing of the initial-draw variance.
 */
import { exampleTimings, readData, short, type ExampleMeasurement } from './examples.ts';
import { generatorsOf, sci, tableRow, type Context, type Generator } from './generators.ts';

const CLT_DATA = 'bench/examples/mmn-clt.json';

interface Agreement {
  readonly label: string;
  readonly cells: number;
  readonly withinTwo: number;
  readonly ablationWithinTwo: number;
}

interface CltData {
  readonly ns: number[];
  readonly epsilons: number[];
  readonly seeds: number;
  /** The acceptance set (N ≥ 400, t ≤ 1): R_N, then the mean radius. */
  readonly core: Agreement[];
  /** Per observable and save time (N ≥ 400): the ablation's agreements, to say where they are. */
  readonly byTime: (Agreement & { readonly t: number; readonly observable: string })[];
  /** C1 fitted from the t = 0 bias of R_N per ε, and its theory value. */
  readonly c1Fits: { readonly epsilon: number; readonly value: number; readonly ci: [number, number] | null }[];
  readonly c1: number;
  /** The predicted initial-draw variance N·Var of R_N at the save times. */
  readonly times: number[];
  readonly varInitRisk: number[];
}

function extractClt(result: any): CltData {
  if (result.kind !== 'meanfield.clt-study') throw new Error(`docs-numbers: expected a CLT study result, got ${result.kind}`);
  const agreement = (g: any): Agreement => ({ label: g.label, cells: g.cells, withinTwo: g.withinTwo, ablationWithinTwo: g.ablationWithinTwo });
  return {
    ns: result.settings.ns,
    epsilons: result.settings.epsilons,
    seeds: result.settings.seeds,
    core: result.summary.groups.slice(0, 2).map(agreement),
    byTime: result.summary.byTime.map((g: any) => ({ ...agreement(g), t: g.t, observable: g.observable })),
    c1Fits: result.biasFits
      .filter((f: any) => f.observable === 'risk' && f.t === 0)
      .map((f: any) => ({ epsilon: f.epsilon, value: f.slope.value, ci: f.slope.ci })),
    c1: result.prediction.c1,
    times: result.prediction.times,
    varInitRisk: result.prediction.varInitRisk,
  };
}

export const CLT_EXAMPLES: Record<string, ExampleMeasurement> = { 'mmn-clt': { data: CLT_DATA, extract: extractClt } };

const fromClt = generatorsOf('checked', readData(CLT_DATA) as (context: Context) => CltData | null);

const cltTable = fromClt('clt-table', `README CLT: cells within 2 sampling errors of the prediction and of the transport-only ablation (${CLT_DATA})`, (data) => {
  const times = [...new Set(data.byTime.map((g) => g.t))].filter((t) => t <= 1);
  const rows = data.core.map((g, k) => {
    const observable = k === 0 ? 'risk' : 'meanRadius';
    const ablationTimes = data.byTime.filter((b) => b.observable === observable && b.t <= 1 && b.ablationWithinTwo > 0).map((b) => b.t);
    const where = ablationTimes.length === 1 && ablationTimes[0] === 0 ? ' (only t = 0, where both agree)' : '';
    const name = k === 0 ? `std of R_N, N ≥ ${Math.min(...data.ns.filter((n) => n >= 400))}, t ∈ {${times.join(', ')}}` : 'std of the mean radius, same cells';
    return tableRow([name, `${g.withinTwo}/${g.cells}${k === 0 ? ' cells' : ''}`, `${g.ablationWithinTwo}/${g.cells}${where}`]);
  });
  return ['| | within 2 sampling errors of the prediction | transport-only ablation |', '|---|---|---|', ...rows].join('\n');
});

const cltRun = fromClt('clt-run', 'README CLT: the size of the study', (data) => `N ∈ {${data.ns.join(', ')}}, ε ∈ {${data.epsilons.map(short).join(', ')}}, ${data.seeds} seeds each`);

const cltC1 = fromClt('clt-c1', 'README CLT: C1 from the t = 0 bias of R_N against its theory value', (data) => {
  const fits = data.c1Fits.map((f) => `${f.value.toFixed(2)}${f.ci ? ` [${f.ci[0].toFixed(2)}, ${f.ci[1].toFixed(2)}]` : ''} (ε = ${short(f.epsilon)})`);
  return `C1 = ${fits.join(' and ')} (theory ${data.c1.toFixed(2)})`;
});

const cltHealing = fromClt('clt-healing', 'README CLT: the predicted initial-draw variance N·Var of R_N over time', (data) => {
  const v = data.varInitRisk;
  let kMin = 0;
  v.forEach((x, k) => {
    if (x < v[kMin]) kMin = k;
  });
  const last = v.length - 1;
  const g = (x: number) => (x < 1e-3 ? sci(x) : String(Number(x.toPrecision(2))));
  const rise = kMin < last ? `, and back to ${g(v[last])} at t = ${data.times[last]} when the separatrix forms` : '';
  return `its predicted part of N·Var R_N goes from ${g(v[0])} at t = ${data.times[0]} to ${g(v[kMin])} at t = ${data.times[kMin]}${rise}`;
});

export const CLT_GENERATORS: readonly Generator[] = [
  cltTable,
  cltRun,
  cltC1,
  cltHealing,
  ...exampleTimings('clt', 'README CLT', 'mmn-clt'),
];
