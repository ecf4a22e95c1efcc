/**
 * The examples' measured tables, generated from a real `compare` of each example (scripts/docs-numbers.ts):
 * a measurement (registry.ts) runs the example, keeps what the tables read in a data file under
 * bench/examples/, and records its wall time; the "checked" generators turn the data files into the
 * tables, the "timing" ones print the recorded times. This file: MMN Fig. 3 and Fig. 4, and the helpers
 * the other example files (debortoli.ts, clt.ts) share.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { generatorsOf, readJson, sci, tableRow, timingGenerator, type Context, type Generator } from './generators.ts';

/** A data file of one example's measurement, or null before it was first measured (its regions are kept). */
export const readData = (path: string) => (context: Context) => (existsSync(join(context.root, path)) ? readJson(context, path) : null);

/** "5e5" for 500000; "2e-4" for 0.0002 (one significant digit, no "+"). */
export const short = (x: number) => sci(x, 1).replace('.0e', 'e').replace(/e0$/, '');

// ---------------------------------------------------------------------------------------------
// MMN Fig. 3 (examples/mmn-fig3.json): the PDE at d and at d = ∞, SGD, and where the two PDEs part

const FIG3_DATA = 'bench/examples/mmn-fig3.json';

interface Fig3Variant {
  readonly label: string;
  readonly d: number;
  readonly s0: number;
  readonly times: number[];
  readonly pdeRisk: number[];
  readonly infiniteRisk: number[];
  /** The PDE's std of each reduced coordinate at the save times (for the split time). */
  readonly pdeStds: number[][];
  readonly sgdRisk: number[];
  readonly sgdRiskStd: number[];
  /** Mean of the outer radius r2 = |P⊥w| under the PDE and over the SGD replicas. */
  readonly pdeMeanR2: number[];
  readonly sgdMeanR2: number[];
}

/** The particle run of an example's first variant: width, step and seeds (the "size of the run" regions). */
interface RunSize {
  readonly n: number;
  readonly epsilon: number;
  readonly seeds: number;
}

function runSize(result: any): RunSize {
  const { n, epsilon, seeds } = result.variants[0].particles;
  return { n, epsilon, seeds };
}

interface Fig3Data extends RunSize {
  readonly variants: Fig3Variant[];
}

export function extractFig3(result: any): Fig3Data {
  return {
    ...runSize(result),
    variants: result.variants.map((v: any, i: number) => {
      if (!v.pde.companion) throw new Error('docs-numbers: the Fig. 3 compare no longer reports its d = ∞ companion');
      const model = { ...result.spec.model, ...(result.spec.variants[i].model ?? {}) };
      return {
        label: v.label,
        d: model.d,
        s0: model.s0,
        times: v.times,
        pdeRisk: v.pde.risk,
        infiniteRisk: v.pde.companion.risk,
        pdeStds: v.pde.stds,
        sgdRisk: v.particles.risk,
        sgdRiskStd: v.particles.riskStd,
        pdeMeanR2: v.pde.means[v.coordinates.indexOf('r2')],
        sgdMeanR2: v.particles.means[v.coordinates.indexOf('r2')],
      };
    }),
  };
}

/**
 * The split of the finite-d law: the first save time at which the spread of some coordinate exceeds 0.1
 * and 3× its t = 0 value (examples/README.md); null if it never does.
 */
export function splitIndex(stds: readonly (readonly number[])[]): number | null {
  const k = stds[0].findIndex((_, j) => stds.some((s) => s[j] > 0.1 && s[j] > 3 * s[0]));
  return k < 0 ? null : k;
}

const fromFig3 = generatorsOf('checked', readData(FIG3_DATA) as (context: Context) => Fig3Data | null);

const fig3Table = fromFig3('fig3-table', `examples/README: Fig. 3 risks at the last save time and the d = ∞ gap before the split (${FIG3_DATA})`, (data) => {
  const { d, s0, times } = data.variants[0];
  const T = times[times.length - 1];
  const header = `| Δ | R PDE (${d}, ${s0}), t = ${T} | R PDE d = ∞ | R_N (mean ± std) | max \\|R_∞ − R_${d}\\| before the split |`;
  const rows = data.variants.map((v) => {
    const last = v.times.length - 1;
    const split = splitIndex(v.pdeStds);
    const before = split === null ? last : split - 1;
    const gap = Math.max(...v.times.slice(0, before + 1).map((_, j) => Math.abs(v.infiniteRisk[j] - v.pdeRisk[j])));
    const where = split === null ? `no split by t = ${T}` : `t ≤ ${v.times[before]}; split at t ≈ ${v.times[split]}`;
    const delta = v.label.replace(/^Δ = /, '');
    return tableRow([delta, v.pdeRisk[last].toFixed(4), v.infiniteRisk[last].toFixed(4), `${v.sgdRisk[last].toFixed(4)} ± ${v.sgdRiskStd[last].toFixed(4)}`, `${sci(gap)} = ${(gap * v.d).toFixed(2)}/d (${where})`]);
  });
  return [header, '|---|---|---|---|---|', ...rows].join('\n');
});

const fig3Run = fromFig3('fig3-run', 'examples/README: the size of the Fig. 3 run', (data) => {
  const T = data.variants[0].times[data.variants[0].times.length - 1];
  return `t ≤ ${T}, ε = ${short(data.epsilon)}, N = ${data.n}, ${data.seeds} seeds: ${data.variants.length} × ${data.seeds} replicas of ${short(T / data.epsilon)} SGD steps`;
});

// ---------------------------------------------------------------------------------------------
// MMN Fig. 4 (examples/mmn-fig4.json): collapse at κ = 0.1, a good minimum at κ = 0.4

const FIG4_DATA = 'bench/examples/mmn-fig4.json';

interface Fig4Variant {
  readonly label: string;
  readonly times: number[];
  readonly fvRisk: number[];
  readonly characteristicsRisk: number[];
  readonly fvMeanR: number[];
  readonly sgdRisk: number[];
  readonly sgdMeanR: number[];
  /** C1/N: the expected O(1/N) excess of R_N for i.i.d. units. */
  readonly iidBias: number[];
}

interface Fig4Data extends RunSize {
  readonly d: number;
  readonly variants: Fig4Variant[];
}

export function extractFig4(result: any): Fig4Data {
  return {
    ...runSize(result),
    d: result.spec.model.d,
    variants: result.variants.map((v: any) => {
      if (!v.pde.check) throw new Error('docs-numbers: the Fig. 4 compare no longer reports its characteristics check');
      return {
        label: v.label,
        times: v.times,
        fvRisk: v.pde.risk,
        characteristicsRisk: v.pde.check.risk,
        fvMeanR: v.pde.means[0],
        sgdRisk: v.particles.risk,
        sgdMeanR: v.particles.means[0],
        iidBias: v.iidBias,
      };
    }),
  };
}

const fromFig4 = generatorsOf('checked', readData(FIG4_DATA) as (context: Context) => Fig4Data | null);

const fig4Table = fromFig4('fig4-table', `examples/README: Fig. 4 risks and mean radius at the last save time (${FIG4_DATA})`, (data) => {
  const rows = data.variants.map((v) => {
    const last = v.times.length - 1;
    const diff = Math.max(...v.fvRisk.map((r, j) => Math.abs(r - v.characteristicsRisk[j])));
    const kappa = v.label.replace(/^κ = /, '');
    return tableRow([kappa, v.fvRisk[last].toFixed(4), v.characteristicsRisk[last].toFixed(4), sci(diff), v.sgdRisk[last].toFixed(4), v.iidBias[last].toFixed(4), `${v.fvMeanR[last].toPrecision(3)} / ${v.sgdMeanR[last].toPrecision(3)}`]);
  });
  const T = data.variants[0].times[data.variants[0].times.length - 1];
  return [`| κ | R PDE (FV), t = ${T} | R characteristics | max \\|ΔR\\| over t | R_N | C1/N | mean \\|w\\| PDE / particles |`, '|---|---|---|---|---|---|---|', ...rows].join('\n');
});

const fig4Run = fromFig4('fig4-run', 'examples/README: the size of the Fig. 4 run', (data) => {
  const T = data.variants[0].times[data.variants[0].times.length - 1];
  return `t ≤ ${T}, ε = ${short(data.epsilon)}, N = ${data.n}, ${data.seeds} seed${data.seeds > 1 ? 's' : ''}: ${data.variants.length * data.seeds} replicas of ${short(T / data.epsilon)} SGD steps`;
});

/**
 * The Itô floor of the collapsed variant (κ = 0.1), against the README's derivation: r* = 17.45 ε d and
 * R_N ≈ 7.25 + 7.18 r̄ (R of the point mass at 0 and its slope R'(0+)).
 */
const fig4Floor = fromFig4('fig4-floor', 'examples/README: the SGD Itô floor of the collapsed units at κ = 0.1', (data) => {
  const v = variant(data.variants, 'κ = 0.1', FIG4_DATA);
  const last = v.times.length - 1;
  const floor = 17.45 * data.epsilon * data.d;
  return `R_N = ${v.sgdRisk[last].toFixed(4)} against 7.25 + 7.18 r̄ = ${(7.25 + 7.18 * v.sgdMeanR[last]).toFixed(4)} with the particles' mean radius r̄ = ${v.sgdMeanR[last].toFixed(4)} (predicted floor r* = ${floor.toFixed(4)})`;
});

/** Each example's measurement: what the tables read of its compare's result, and where that is kept. */
export interface ExampleMeasurement {
  readonly data: string;
  readonly extract: (result: any) => object;
}

export const MMN_EXAMPLES: Record<string, ExampleMeasurement> = {
  'mmn-fig3': { data: FIG3_DATA, extract: extractFig3 },
  'mmn-fig4': { data: FIG4_DATA, extract: extractFig4 },
};

/** The variant of `data` labelled `label`, or an error naming the data file. */
export function variant<V extends { label: string }>(variants: readonly V[], label: string, path: string): V {
  const v = variants.find((x) => x.label === label);
  if (!v) throw new Error(`${path}: no variant "${label}" (have ${variants.map((x) => x.label).join(', ')})`);
  return v;
}

/** A value of a variant's series at save time t, or an error naming the data file. */
export function at(times: readonly number[], series: readonly number[], t: number, path: string): number {
  const j = times.indexOf(t);
  if (j < 0) throw new Error(`${path}: no save time t = ${t}`);
  return series[j];
}

const fig3LateGap = fromFig3('fig3-late-gap', 'examples/README: |R_∞ − R_d| at the last save time, Δ = 0.3 and 0.2', (data) => {
  const last = (v: Fig3Variant) => Math.abs(v.infiniteRisk[v.times.length - 1] - v.pdeRisk[v.times.length - 1]).toFixed(2);
  const [a, b] = ['Δ = 0.3', 'Δ = 0.2'].map((label) => variant(data.variants, label, FIG3_DATA));
  return `${last(a)} at t = ${a.times[a.times.length - 1]} for Δ = 0.3, ${last(b)} for Δ = 0.2`;
});

const fig3Drift = fromFig3('fig3-drift', 'examples/README: SGD\'s outward drift of r2 over the PDE and its late split, Δ = 0.3', (data) => {
  const v = variant(data.variants, 'Δ = 0.3', FIG3_DATA);
  const drift = (t: number) => at(v.times, v.sgdMeanR2, t, FIG3_DATA) - at(v.times, v.pdeMeanR2, t, FIG3_DATA);
  const risk = (series: number[]) => at(v.times, series, 50, FIG3_DATA).toFixed(3);
  return `mean r2 is ${drift(10).toFixed(2)} above the PDE by t = 10 and ${drift(100).toFixed(2)} by t = 100, and the particle split lags (Δ = 0.3, t = 50: R_N = ${risk(v.sgdRisk)} vs ${risk(v.pdeRisk)})`;
});

/**
 * The recorded time of `compare examples/<measurement>.json` in two regions: NAME-time (with the machine and load,
 * in the README that discusses the example) and NAME-wall (the short form of the notebooks/README table).
 */
export const exampleTimings = (name: string, readme: string, measurement: string): Generator[] => [
  timingGenerator(`${name}-time`, `${readme}: \`compare examples/${measurement}.json\``, measurement, true),
  timingGenerator(`${name}-wall`, `notebooks/README: \`compare examples/${measurement}.json\``, measurement),
];

export const MMN_GENERATORS: readonly Generator[] = [
  fig3Table,
  fig3Run,
  fig3LateGap,
  fig3Drift,
  ...exampleTimings('fig3', 'examples/README', 'mmn-fig3'),
  fig4Table,
  fig4Run,
  fig4Floor,
  ...exampleTimings('fig4', 'examples/README', 'mmn-fig4'),
];
