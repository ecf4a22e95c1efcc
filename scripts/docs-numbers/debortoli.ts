/**
 * The De Bortoli width studies' tables in examples/README.md (particle-only MNIST model), from real
 * `compare` runs of examples/debortoli-mnist.json and examples/debortoli-fig3.json (src/pipeline/network-study.ts).
 */
import { exampleTimings, readData, variant, type ExampleMeasurement } from './examples.ts';
import { generatorsOf, signed, tableRow, timingGenerator, type Context, type Generator } from './generators.ts';

const MNIST_DATA = 'bench/examples/debortoli-mnist.json';
const FIG3_DATA = 'bench/examples/debortoli-fig3.json';

interface Rate {
  readonly rate: number;
  readonly interval: [number, number] | null;
}

/** One run (variant) of a width study: per width the final means ± standard errors, and the W1 distances. */
interface StudyRun {
  readonly label: string;
  readonly coordinates: string[];
  readonly widths: { readonly n: number; readonly steps: number; readonly seeds: number }[];
  readonly perWidth: Record<string, number>[];
  /** [coordinate][width below the largest] and its fitted rates, per coordinate then sliced. */
  readonly w1ToLargest: number[][];
  readonly rates: Rate[];
  /** [coordinate][width]: W1 to the reference run's law (null without a reference). */
  readonly w1ToReference: number[][] | null;
}

interface StudyData {
  readonly reference: string | null;
  readonly runs: StudyRun[];
}

function extractStudy(result: any): StudyData {
  if (result.kind !== 'meanfield.widths') throw new Error(`docs-numbers: expected a width study result, got ${result.kind}`);
  return {
    reference: result.settings.reference ?? null,
    runs: result.runs.map((r: any): StudyRun => ({
      label: r.label,
      coordinates: r.coordinates,
      widths: r.widths.map((w: any) => ({ n: w.n, steps: w.steps, seeds: w.seeds })),
      perWidth: r.perWidth,
      w1ToLargest: r.w1ToLargest,
      rates: [...r.w1Fits, r.slicedW1Fit].map((f: any) => ({ rate: f.rate, interval: f.interval })),
      w1ToReference: r.w1ToReference,
    })),
  };
}

export const DEBORTOLI_EXAMPLES: Record<string, ExampleMeasurement> = {
  'debortoli-mnist': { data: MNIST_DATA, extract: extractStudy },
  'debortoli-fig3': { data: FIG3_DATA, extract: extractStudy },
};

const meanSe = (row: Record<string, number>, metric: string, digits: number) => `${row[metric].toFixed(digits)} ± ${row[`${metric}StdError`].toFixed(digits)}`;
/** Four decimals below 0.1 (0.0588, 0.0032), three above (0.326); 0 as "0". */
const w1 = (x: number) => (x === 0 ? '0' : x < 0.1 ? x.toFixed(4) : x.toFixed(3));
const rateText = (r: Rate) => `${signed(r.rate, 2)}${r.interval ? ` [${signed(r.interval[0], 2)}, ${signed(r.interval[1], 2)}]` : ''}`;

const fromMnist = generatorsOf('checked', readData(MNIST_DATA) as (context: Context) => StudyData | null);
const fromFig3 = generatorsOf('checked', readData(FIG3_DATA) as (context: Context) => StudyData | null);

const mnistTable = fromMnist('mnist-table', `examples/README: final test metrics and W1 to the largest width per β (${MNIST_DATA})`, (data) => {
  const coordinates = data.runs[0].coordinates;
  const header = [`| β | N | steps | test accuracy | test loss | ${coordinates.map((c) => `W1 ${c}`).join(' | ')} |`, `|${'---|'.repeat(5 + coordinates.length)}`];
  const rows = data.runs.flatMap((r) =>
    r.widths.map((w, i) => {
      const last = i === r.widths.length - 1;
      const distances = coordinates.map((_, a) => (last ? (a === 0 ? '(reference)' : '') : w1(r.w1ToLargest[a][i])));
      return tableRow([r.label.replace(/^β = /, ''), w.n, w.steps, meanSe(r.perWidth[i], 'testAccuracy', 3), meanSe(r.perWidth[i], 'testLoss', 3), ...distances]);
    }),
  );
  return [...header, ...rows].join('\n');
});

/** The fitted W1 rates of one run, per coordinate and sliced. */
const mnistRates = (label: string, regime: string) =>
  fromMnist(`mnist-rates-${regime}`, `examples/README: fitted W1 ∝ N^(−rate) for ${label} (${MNIST_DATA})`, (data) => {
    const r = variant(data.runs, label, MNIST_DATA);
    const names = [...r.coordinates, 'sliced'];
    return names.map((c, a) => `${c} ${rateText(r.rates[a])}`).join(', ');
  });

const mnistRun = fromMnist('mnist-run', 'examples/README: the size of the MNIST width study', (data) => {
  const r = data.runs[0];
  return `${r.widths[0].seeds} seeds per width, N = ${r.widths.map((w) => w.n).join(', ')}`;
});

const fig3Table = fromFig3('debortoli-fig3-table', `examples/README: W1 of each run's law to the reference run's (${FIG3_DATA})`, (data) => {
  const r0 = data.runs[0];
  const ns = r0.widths.map((w) => w.n);
  const largest = ns.length - 1;
  const coordinates = r0.coordinates;
  const header = [
    `| run | test accuracy (N = ${ns[largest]}) | ${coordinates.map((c) => `W1 ${c}, N = ${ns.join(' / ')}`).join(' | ')} |`,
    `|${'---|'.repeat(2 + coordinates.length)}`,
  ];
  const rows = [...data.runs.filter((r) => r.label !== data.reference), ...data.runs.filter((r) => r.label === data.reference)].map((r) => {
    if (!r.w1ToReference) throw new Error(`${FIG3_DATA}: run "${r.label}" has no W1 to the reference`);
    const label = r.label === data.reference ? `${r.label} (reference)` : r.label;
    return tableRow([label, meanSe(r.perWidth[largest], 'testAccuracy', 4), ...coordinates.map((_, a) => r.w1ToReference![a].map(w1).join(' / '))]);
  });
  return [...header, ...rows].join('\n');
});

export const DEBORTOLI_GENERATORS: readonly Generator[] = [
  mnistTable,
  mnistRun,
  mnistRates('β = 0.75', 'deterministic'),
  mnistRates('β = 1', 'diffusion'),
  ...exampleTimings('mnist', 'examples/README', 'debortoli-mnist'),
  fig3Table,
  timingGenerator('debortoli-fig3-time', 'examples/README: `compare examples/debortoli-fig3.json`', 'debortoli-fig3', true),
];
