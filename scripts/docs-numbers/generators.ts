/**
 * The generators of the READMEs' measured numbers (scripts/docs-numbers.ts): each marked region
 * `<!-- numbers:NAME -->` of a README is the output of the generator NAME below, computed from a real
 * run, never typed by hand.
 *
 *  - "checked" generators are cheap (seconds) and deterministic: computed here by the code itself (the
 *    Fig. 2 thresholds by the sweep's own bisection, the kernel orders from the rigorous truncation
 *    bound) or read from a committed data file that an expensive measurement wrote (bench/fig1-reference.json,
 *    bench/sgd-diffusion-fig1.json). `--check` regenerates these and fails if a README differs;
 *    test/docs/numbers.test.ts runs that check;
 *  - "timing" generators print wall-clock times from bench/docs-timings.json, with the machine, the
 *    date and the load while measuring; machine-dependent, so never checked;
 *  - the measurements (`--all`, `--measure`, `--timings`) run the expensive computations and the timed
 *    commands and rewrite those data files: measureFig1 (bench/fig1-reference.ts and the example's own
 *    solve, minutes), measureSgdDiffusion (compare of examples/sgd-diffusion-fig1.json), measureTiming
 *    (the commands of TIMED_COMMANDS).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_VERSION, toJson } from '../../src/io/output.ts';
import { runSweep } from '../../src/pipeline/landscape.ts';
import { runSolveSpec } from '../../src/pipeline/solve.ts';
import { formatToTolerance } from '../../src/plot/format.ts';
import { parseSpec } from '../../src/spec/index.ts';
import { activationFromSpec } from '../../reduced-models/activations.ts';
import { IsotropicGaussians } from '../../reduced-models/isotropic-gaussians/index.ts';

/** Repository root (this file is scripts/docs-numbers/generators.ts). */
export const ROOT = new URL('../../', import.meta.url).pathname;
/** The files whose marked regions are generated. */
export const FILES = ['README.md', 'examples/README.md', 'notebooks/README.md'];
/** Written by the expensive Fig. 1 measurement, read by the accuracy regions. */
export const FIG1_DATA = 'bench/fig1-reference.json';
/** Written by the timings (`--timings`, `--all`), read by the timing regions. */
export const TIMINGS_DATA = 'bench/docs-timings.json';

export type GeneratorKind = 'checked' | 'timing';

export interface Generator {
  readonly name: string;
  readonly kind: GeneratorKind;
  /** What the region holds, for `--list` and error messages. */
  readonly what: string;
  /** The region's text; null: not measured in this run (a timing without --timings), the region is kept as it is. */
  render(context: Context): Promise<string | null>;
}

/**
 * The generators of one kind whose text is a function of what `read` gives (a data file's content);
 * `read` returning null (the file is not there) keeps the region as it is.
 */
export function generatorsOf<T>(kind: GeneratorKind, read: (context: Context) => T | null) {
  return (name: string, what: string, text: (data: T) => string | null): Generator => ({
    name,
    kind,
    what,
    async render(context) {
      const data = read(context);
      return data === null ? null : text(data);
    },
  });
}

/** Wall and CPU seconds of one timed command, with the load of the machine while it ran. */
export interface Timing {
  readonly command: string;
  readonly wallSeconds: number;
  /** null where the CPU time of child processes cannot be read. */
  readonly cpuSeconds: number | null;
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly date: string;
  /** 1-minute load average before and after the measurement. */
  readonly load: readonly number[];
}

/** One measured time with where and when it was measured. */
export interface MeasuredTime extends Timing {
  readonly machine: Machine;
}

function currentMachine(): Omit<Machine, 'load'> {
  return { cpu: cpus()[0]?.model ?? 'unknown CPU', cores: cpus().length, date: new Date().toISOString().slice(0, 10) };
}

/** The recorded timings by name (TIMINGS_DATA; empty before the first --timings run). */
function readTimings(context: Context): Record<string, MeasuredTime> {
  const path = join(context.root, TIMINGS_DATA);
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {};
}

/**
 * Times `command` (timeCommand) and records it in TIMINGS_DATA under `name`, with the machine and its
 * load before and after; `tmp` (a temporary folder in the command) is recorded as "<tmp>".
 */
function timeAndRecord(context: Context, name: string, command: string, tmp: string, log: (line: string) => void): void {
  const before = loadavg()[0];
  const timing = timeCommand(context, command, log);
  const measured: MeasuredTime = { ...timing, command: command.replaceAll(tmp, '<tmp>'), machine: { ...currentMachine(), load: [before, loadavg()[0]] } };
  writeFileSync(join(context.root, TIMINGS_DATA), toJson({ ...readTimings(context), [name]: measured }, true) + '\n');
}

/** What the generators share: the repository root and memoised computations. */
export interface Context {
  readonly root: string;
  readonly memo: Map<string, Promise<unknown>>;
}

export function newContext(root = ROOT): Context {
  return { root, memo: new Map() };
}

function memo<T>(context: Context, key: string, compute: () => Promise<T>): Promise<T> {
  if (!context.memo.has(key)) context.memo.set(key, compute());
  return context.memo.get(key) as Promise<T>;
}

export const readJson = (context: Context, path: string) => JSON.parse(readFileSync(join(context.root, path), 'utf8'));

/** 2.5e-4 → "2.5e-4", −5.1e-5 → "−5.1e-5" (two significant digits, a true minus sign). */
export function sci(x: number, digits = 2): string {
  const [mantissa, exponent] = Math.abs(x).toExponential(digits - 1).split('e');
  return `${x < 0 ? '−' : ''}${mantissa}e${exponent.replace('+', '')}`;
}

/** One Markdown table row; an empty cell is written "| |". */
export function tableRow(cells: readonly (string | number)[]): string {
  return `|${cells.map((c) => (c === '' ? ' ' : ` ${c} `)).join('|')}|`;
}

/** A list in words: "a", "a and b", "a, b and c". */
export function words(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

// ---------------------------------------------------------------------------------------------
// MMN Fig. 1 accuracy: the reference solution and the finite-volume errors (bench/fig1-reference.json)

/** The content of bench/fig1-reference.json. */
export interface Fig1Data {
  readonly provenance: { readonly createdAt: string; readonly version: string; readonly command: string };
  readonly saveTimes: number[];
  readonly reference: { readonly risk: number[]; readonly meanR: number[]; readonly splits: { time: number; centre: number; width: number; massBelow: number }[] };
  /** Finite volumes on refined grids over the same [0, rMax], at the save times above. */
  readonly fv: { readonly cells: number; readonly risk: number[]; readonly meanR: number[] }[];
  /** `solve` of examples/mmn-fig1.json as it is (the automatic grid), at its save times. */
  readonly automatic: { readonly cells: number; readonly saveTimes: number[]; readonly risk: number[]; readonly riskError: number[]; readonly errorCells: number[]; readonly tolerance: number; readonly toleranceUntil: number };
}

const MAX_CELLS = 12800;

/**
 * The expensive measurement (≈ 3–4 min of CPU): bench/fig1-reference.ts (reference by separatrix-aware
 * characteristics, finite volumes from 1600 to MAX_CELLS cells), then `solve` of the example as it is.
 */
export async function measureFig1(context: Context, log: (line: string) => void): Promise<Fig1Data> {
  const args = ['bin/run-ts.mjs', 'bench/fig1-reference.ts', '--max-cells', String(MAX_CELLS)];
  const command = `node ${args.join(' ')}`;
  const dir = mkdtempSync(join(tmpdir(), 'docs-numbers-'));
  let out;
  try {
    const file = join(dir, 'fig1-reference.out');
    timeAndRecord(context, 'fig1-reference', `${command} > ${file}`, dir, log);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    out = JSON.parse(lines[lines.length - 1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  log('reference done; solving examples/mmn-fig1.json on its automatic grid');
  const example = readJson(context, 'examples/mmn-fig1.json');
  const [run] = runSolveSpec(await parseSpec(example)).runs;
  if (!run.fv || !run.error) throw new Error('docs-numbers: the Fig. 1 example no longer solves by finite volumes with error bars');
  const data: Fig1Data = {
    provenance: { createdAt: new Date().toISOString(), version: PACKAGE_VERSION, command: `npm run docs:numbers -- --all (${command}; solve examples/mmn-fig1.json)` },
    saveTimes: out.saveTimes,
    reference: { risk: out.reference.risk, meanR: out.reference.meanR, splits: out.reference.splits.map((s: Fig1Data['reference']['splits'][number]) => ({ time: s.time, centre: s.centre, width: s.width, massBelow: s.massBelow })) },
    fv: out.fv.map((row: Fig1Data['fv'][number]) => ({ cells: row.cells, risk: row.risk, meanR: row.meanR })),
    automatic: {
      cells: run.fv.axes[0].cells,
      saveTimes: run.times,
      risk: run.risk,
      riskError: run.error.risk,
      errorCells: run.error.cells.map((c) => c[0]),
      tolerance: example.solver.riskTolerance,
      toleranceUntil: example.solver.toleranceUntil,
    },
  };
  writeFileSync(join(context.root, FIG1_DATA), toJson(data, true) + '\n');
  return data;
}

const fig1Data = (context: Context): Fig1Data => readJson(context, FIG1_DATA);
const fromFig1 = generatorsOf('checked', fig1Data);

/** The reference at the automatic solve's save time t. */
function referenceAt(data: Fig1Data, t: number): number {
  const i = data.saveTimes.indexOf(t);
  if (i < 0) throw new Error(`${FIG1_DATA}: no reference at t = ${t}`);
  return data.reference.risk[i];
}

/** Observed orders log2(e_M / e_2M) of successive refinements: "2.0", or "0.8 → 1.9" while they settle. */
function orderText(errors: readonly number[]): string {
  const orders = errors.slice(1).map((e, k) => Math.log2(Math.abs(errors[k] / e)));
  const last = orders[orders.length - 1];
  const settled = orders.every((o) => Math.abs(o - last) <= 0.3);
  return settled ? last.toFixed(1) : `${orders[0].toFixed(1)} → ${last.toFixed(1)}`;
}

const fig1AccuracyTable = fromFig1('fig1-accuracy', `README Accuracy: reference R and mean r of MMN Fig. 1 and the finite-volume errors per grid (${FIG1_DATA})`, (data) => {
  const [first, ...rest] = data.fv.map((row) => row.cells);
  const header = `| t | reference R(t) | reference mean r | FV error in R: ${first} cells | ${rest.join(' | ')} | order |`;
  const rows = data.saveTimes.map((t, i) => {
    const errors = data.fv.map((row) => row.risk[i] - data.reference.risk[i]);
    return tableRow([t, data.reference.risk[i].toFixed(10), data.reference.meanR[i].toFixed(10), ...errors.map((e) => sci(e)), orderText(errors)]);
  });
  return [header, `|${' --- |'.repeat(data.fv.length + 4)}`.replace(/ --- /g, '---'), ...rows].join('\n');
});

const fig1CoarsestGrid = fromFig1('fig1-coarsest-grid', 'README Accuracy: the error of the coarsest grid of the study at the save times', (data) => {
  const coarsest = data.fv[0];
  const error = (i: number) => Math.abs(coarsest.risk[i] - data.reference.risk[i]);
  const early = data.saveTimes.map((t, i) => (t <= 2 ? error(i) : 0));
  const at5 = data.saveTimes.indexOf(5);
  return `${coarsest.cells} cells are accurate to ${sci(Math.max(...early), 2)} in R for t ≤ 2 and to ${sci(error(at5), 1)} at t = 5`;
});

/** The later save times of the automatic solve, where its error matters (t ≥ 2). */
const laterTimes = (data: Fig1Data) => data.automatic.saveTimes.filter((t) => t >= 2);

const fig1AutomaticGrid = fromFig1('fig1-automatic-grid', 'README Accuracy: the grid solve chooses for examples/mmn-fig1.json and its true error', (data) => {
  const a = data.automatic;
  const errors = laterTimes(data).map((t) => `${sci(Math.abs(a.risk[a.saveTimes.indexOf(t)] - referenceAt(data, t)))}${t === 2 ? ' in R' : ''} at t = ${t}`);
  return `${a.cells} cells, with ${words(errors)}`;
});

const fig1ErrorBars = fromFig1('fig1-error-bars', 'README Accuracy: the error bars that solve reports on the automatic grid', (data) => {
  const a = data.automatic;
  const bars = laterTimes(data).map((t) => sci(a.riskError[a.saveTimes.indexOf(t)]));
  return `Richardson from ${words(a.errorCells.slice(1).map(String))} cells: ${words(bars)}`;
});

const fig1Splits = fromFig1('fig1-splits', 'README Accuracy: the split points of the flow map and their layer widths', ({ reference: { splits } }) => {
  return `${splits.map((s) => `c(${s.time}) = ${s.centre.toFixed(4)}`).join(', ')}, with layer widths ${words(splits.map((s) => sci(s.width)))}`;
});

const fig1CollapsedMass = fromFig1('fig1-collapsed-mass', 'README Accuracy: the initial mass below the last split point', ({ reference: { splits } }) => {
  const last = splits[splits.length - 1];
  return `≈ ${Math.round(100 * last.massBelow)} % by t = ${last.time}`;
});

// ---------------------------------------------------------------------------------------------
// MMN Fig. 2: the single-delta interval [Δ^l_d, Δ^h_d] by the sweep's own bisection

interface Thresholds {
  readonly tolerance: number;
  readonly rMax: number;
  readonly dims: { d: number | 'inf'; low: number | null; high: number | null }[];
}

/** `sweep` of examples/mmn-fig2.json with its table cut to one Δ and no long-time runs: the Lemma 1 bisection only (seconds). */
function thresholds(context: Context, lemmaDomain: 'half-line' | 'grid'): Promise<Thresholds> {
  return memo(context, `thresholds-${lemmaDomain}`, async () => {
    const base = readJson(context, 'examples/mmn-fig2.json');
    const spec = await parseSpec({ ...base, sweep: { ...base.sweep, deltas: base.sweep.deltas.slice(0, 1), dynamicsDeltas: [], lemmaDomain } });
    const result = await runSweep(spec);
    if (!result.completed) throw new Error(`docs-numbers: the sweep stopped early: ${result.missing.join('; ')}`);
    return { tolerance: result.deltaTolerance, rMax: base.grid.rMax, dims: result.dims.map((d) => ({ d: d.d, low: d.deltaLow, high: d.deltaHigh })) };
  });
}

/** MMN's own reading of Fig. 2, quoted beside the measured threshold. */
const PAPER_THRESHOLDS: Record<string, string> = { inf: 'MMN: ≈ 0.47' };

const dText = (d: number | 'inf') => (d === 'inf' ? '∞' : String(d));

const landscapeThresholds: Generator = {
  name: 'landscape-thresholds',
  kind: 'checked',
  what: 'README Landscape: [Δ^l_d, Δ^h_d] of examples/mmn-fig2.json (Lemma 1 on the half-line)',
  async render(context) {
    const { tolerance, dims } = await thresholds(context, 'half-line');
    // the infinite dimension first (MMN's statement), then the finite ones
    const ordered = [...dims].sort((a, b) => (a.d === 'inf' ? -1 : b.d === 'inf' ? 1 : a.d - b.d));
    const rows = ordered.map(({ d, low, high }) => {
      const D = dText(d);
      const fmt = (x: number) => formatToTolerance(x, tolerance);
      const notes = [PAPER_THRESHOLDS[String(d)], high === null ? null : `bisection midpoint ${high.toFixed(5)}`].filter(Boolean).join('; ');
      const range =
        low === null && high === null ? 'every Δ of the scan'
        : low === null ? `Δ ≤ Δ^h_${D} = ${fmt(high!)}`
        : high === null ? `Δ ≥ Δ^l_${D} = ${fmt(low)}`
        : `Δ ∈ [Δ^l_${D}, Δ^h_${D}] = [${fmt(low)}, ${fmt(high)}]`;
      return `| ${D} | ${range}${notes ? ` (${notes})` : ''} |`;
    });
    return ['| d | single delta globally optimal for |', '|---|---|', ...rows].join('\n');
  },
};

const landscapeGridDomain: Generator = {
  name: 'landscape-grid-domain',
  kind: 'checked',
  what: 'README Landscape: Δ^h_40 with Lemma 1 restricted to the grid',
  async render(context) {
    const { tolerance, rMax, dims } = await thresholds(context, 'grid');
    const at40 = dims.find((d) => d.d === 40);
    if (!at40 || at40.high === null) throw new Error('docs-numbers: examples/mmn-fig2.json no longer gives Δ^h_40 on the grid');
    return `[0, ${rMax}] moves Δ^h_40 to ${formatToTolerance(at40.high, tolerance)}`;
  },
};

// ---------------------------------------------------------------------------------------------
// The kernel's truncation order (README "Fast kernel")

const kernelOrders: Generator = {
  name: 'kernel-orders',
  kind: 'checked',
  what: 'README Fast kernel: the truncation order K of the MMN Fig. 1 kernel at d = 40 and 320',
  async render(context) {
    const example = readJson(context, 'examples/mmn-fig1.json');
    const tolerance: number = example.solver.kernelTolerance;
    const orders = [40, 320].map((d) => {
      const model = new IsotropicGaussians({ delta: example.model.delta, d, activation: activationFromSpec(example.model.activation, 'model.activation') });
      return `K = ${model.truncationOrder(tolerance, example.grid.rMax)} at d = ${d}`;
    });
    return `${orders.join(', ')} for ${tolerance} on [0, ${example.grid.rMax}]`;
  },
};

// ---------------------------------------------------------------------------------------------
// examples/README.md: SGD at a finite step against the deterministic and SGD-diffusion limits

/** Written by the sgd-diffusion measurement (`--all`), read by its table. */
export const SGD_DIFFUSION_DATA = 'bench/sgd-diffusion-fig1.json';

/** One variant (one ε) of examples/sgd-diffusion-fig1.json at its save times. */
interface SgdDiffusionRun {
  readonly label: string;
  readonly epsilon: number;
  readonly seeds: number;
  readonly times: number[];
  /** SGD: replica means of the mean radius and of R_N, and their std across seeds. */
  readonly sgd: { readonly meanR: number[]; readonly meanRStd: number[]; readonly risk: number[]; readonly riskStd: number[] };
  readonly diffusion: { readonly meanR: number[]; readonly risk: number[] };
  readonly deterministic: { readonly meanR: number[]; readonly risk: number[] };
}

/**
 * `compare examples/<example>.json` into a temporary folder, timed and recorded in TIMINGS_DATA under
 * `timing`; `extract` turns its result.json into the data written to `dataPath` (with a provenance).
 */
export function measureCompare<T>(context: Context, log: (line: string) => void, example: string, timing: string, dataPath: string, extract: (result: any) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'docs-numbers-'));
  try {
    const command = `npx meanfield compare examples/${example}.json --out ${join(dir, 'out')}`;
    timeAndRecord(context, timing, command, dir, log);
    const data = extract(JSON.parse(readFileSync(join(dir, 'out', 'result.json'), 'utf8')));
    const provenance = { createdAt: new Date().toISOString(), version: PACKAGE_VERSION, command: `npm run docs:numbers -- --measure ${timing} (compare examples/${example}.json)` };
    writeFileSync(join(context.root, dataPath), toJson({ provenance, ...data }, true) + '\n');
    return data;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `compare examples/sgd-diffusion-fig1.json` (timed; ≈ 10–30 s) into SGD_DIFFUSION_DATA. */
export function measureSgdDiffusion(context: Context, log: (line: string) => void): void {
  measureCompare(context, log, 'sgd-diffusion-fig1', 'sgd-diffusion', SGD_DIFFUSION_DATA, (result) => ({
    runs: result.variants.map((v: any): SgdDiffusionRun => {
      if (!v.pde.check) throw new Error('docs-numbers: the SGD-diffusion compare no longer reports its deterministic check');
      return {
        label: v.label,
        epsilon: v.particles.epsilon,
        seeds: v.particles.seeds,
        times: v.times,
        sgd: { meanR: v.particles.means[0], meanRStd: v.particles.meanStds[0], risk: v.particles.risk, riskStd: v.particles.riskStd },
        diffusion: { meanR: v.pde.means[0], risk: v.pde.risk },
        deterministic: { meanR: v.pde.check.means[0], risk: v.pde.check.risk },
      };
    }),
  }));
}

/** 0.7 → "0.7", −0.7 → "−0.7" (a true minus sign). */
export const signed = (x: number, digits: number) => (x < 0 ? `−${(-x).toFixed(digits)}` : x.toFixed(digits));

const sgdRuns = (context: Context) => (readJson(context, SGD_DIFFUSION_DATA) as { runs: SgdDiffusionRun[] }).runs;
const fromSgdRuns = generatorsOf('checked', sgdRuns);

const sgdDiffusionTable = fromSgdRuns('sgd-diffusion-table', `examples/README: SGD vs the deterministic and SGD-diffusion limits (${SGD_DIFFUSION_DATA})`, (runs) => {
  const header = ['| ε | t | quantity | SGD mean ± se | deterministic PDE | diffusion PDE | z (det.) | z (diff.) |', '|---|---|---|---|---|---|---|---|'];
  const rows = (quantity: 'mean r' | 'R_N') =>
    runs.flatMap((run) =>
      run.times.flatMap((t, k) => {
        if (t === 0) return [];
        const [sgd, std, det, diff] = quantity === 'mean r' ? [run.sgd.meanR, run.sgd.meanRStd, run.deterministic.meanR, run.diffusion.meanR] : [run.sgd.risk, run.sgd.riskStd, run.deterministic.risk, run.diffusion.risk];
        const se = std[k] / Math.sqrt(run.seeds);
        // the risk carries an O(1/N) bias neither limit has: no z-scores for it (examples/README.md)
        const z = quantity === 'mean r' ? [signed((sgd[k] - det[k]) / se, 1), signed((sgd[k] - diff[k]) / se, 1)] : ['', ''];
        return [tableRow([sci(run.epsilon, 1), t, quantity, `${sgd[k].toFixed(4)} ± ${se.toFixed(4)}`, det[k].toFixed(4), diff[k].toFixed(4), ...z])];
      }),
    );
  return [...header, ...rows('mean r'), ...rows('R_N')].join('\n');
});

/** The mean-radius z-scores (SGD − PDE)/se of a run at its save times t > 0, against one limit. */
function meanRadiusZ(run: SgdDiffusionRun, limit: 'deterministic' | 'diffusion'): number[] {
  return run.times.flatMap((t, k) => (t === 0 ? [] : [(run.sgd.meanR[k] - run[limit].meanR[k]) / (run.sgd.meanRStd[k] / Math.sqrt(run.seeds))]));
}

/** |z| as "|z| ≤ 1.1" when all are within 2 (sampling error), else the range "12–25 se" (two significant digits). */
function zText(z: readonly number[]): string {
  const abs = z.map(Math.abs);
  const two = (x: number) => String(Number(x.toPrecision(2)));
  return Math.max(...abs) <= 2 ? `|z| ≤ ${two(Math.max(...abs))}` : `${two(Math.min(...abs))}–${two(Math.max(...abs))} se`;
}

const sgdDiffusionDeterministicZ = fromSgdRuns(
  'sgd-diffusion-z-deterministic',
  'examples/README: how far the deterministic limit misses the SGD mean radius, over every ε and t',
  (runs) => zText(runs.flatMap((run) => meanRadiusZ(run, 'deterministic'))),
);

/** The diffusion limit's z-scores at the run of step `epsilon`. */
const sgdDiffusionZ = (epsilon: number): Generator =>
  fromSgdRuns(`sgd-diffusion-z-${sci(epsilon, 1)}`, `examples/README: how far the SGD-diffusion limit misses the SGD mean radius at ε = ${sci(epsilon, 1)}`, (runs) => {
    const run = runs.find((r) => r.epsilon === epsilon);
    if (!run) throw new Error(`${SGD_DIFFUSION_DATA}: no run at ε = ${epsilon}`);
    return zText(meanRadiusZ(run, 'diffusion'));
  });

const sgdDiffusionCaptured = fromSgdRuns('sgd-diffusion-captured', 'examples/README: the share of the SGD shift of the mean radius that the diffusion limit captures at the largest ε', (runs) => {
  const run = runs.reduce((a, b) => (b.epsilon > a.epsilon ? b : a));
  const shares = run.times.flatMap((t, k) => (t === 0 ? [] : [(run.diffusion.meanR[k] - run.deterministic.meanR[k]) / (run.sgd.meanR[k] - run.deterministic.meanR[k])]));
  return `about ${Math.round((10 * shares.reduce((s, x) => s + x, 0)) / shares.length) * 10} %`;
});

const sgdDiffusionShifts = fromSgdRuns('sgd-diffusion-shifts', 'examples/README: the shifts of the mean radius over the deterministic PDE at the smallest ε', (runs) => {
  const run = runs.reduce((a, b) => (b.epsilon < a.epsilon ? b : a));
  const shifts = (limit: number[]) => run.times.flatMap((t, k) => (t === 0 ? [] : [(limit[k] - run.deterministic.meanR[k]).toFixed(4)])).join(', ');
  return `SGD ${shifts(run.sgd.meanR)}; diffusion PDE ${shifts(run.diffusion.meanR)}`;
});

// ---------------------------------------------------------------------------------------------
// README Benchmarks: the table of bench/results.json (written by `npm run bench`; machine-dependent)

const BENCH_RESULTS = 'bench/results.json';

/** The fields of bench/results.json the table reads (bench/pde.ts, bench/pde-nd.ts, bench/sgd.ts). */
interface BenchResults {
  readonly createdAt: string;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly node: string };
  readonly pde?: { case: string; M: number; K: number; rank: number; stepsPerSecond: number }[];
  readonly pdeNd?: { shape: number[]; cells: number; rank: number; stepsPerSecond: number; cellStepsPerSecond: number; bytesPerCell: { analytic: number }; peakRssMiB: number }[];
  /** One row per case, precision and thread count (rows without `precision` / `threads`, from before those existed, are float64 / 1 thread). */
  readonly sgd?: { d: number; N: number; B: number; precision?: 'float64' | 'float32'; threads?: number; stepsPerSecond: number; speedupVsFloat64?: number }[];
  /** `npm run bench:peers` (bench/peers.ts): interleaved ratios against PyTorch, with its own date and machine. */
  readonly peers?: {
    readonly createdAt: string;
    readonly pytorch: string;
    readonly rounds: number;
    readonly seconds: number;
    /** ratio: meanfield / PyTorch per precision; meanfield is float64 in both when meanfieldStepsPerSecond is a number (results from before the float32 path). */
    readonly sgd: {
      d: number; N: number; B: number; meanfieldStepsPerSecond: number | object; ratio: { float64: number; float32: number };
      /** Results from after the two-thread and C columns: meanfield on two threads / PyTorch, and meanfield f64 (one thread) / the C twin. */
      ratioTwoThreads?: { float64: number; float32: number }; ratioC?: number | null; cStepsPerSecond?: number | null;
    }[];
    readonly streamTriad?: { oneThreadGBps: number | null; allCoresGBps: number | null };
  };
}

/** Steps/s to two significant digits: 20, 580 → "0.58k" beside thousands, 6.0k, 71k, 140k. */
const kilo = (x: number) => `${x >= 99500 ? Math.round(x / 1e4) * 10 : (x / 1000).toPrecision(2)}k`;
const rate = (x: number) => (x >= 100 ? kilo(x) : x.toPrecision(2));
const superscript = (n: number) => String(n).replace(/\d/g, (c) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(c)]);
/** Rows whose `key` is equal, in order of first appearance. */
function groupBy<T>(rows: readonly T[], key: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return [...groups.values()];
}

const fromBench = generatorsOf('timing', (context) =>
  existsSync(join(context.root, BENCH_RESULTS)) ? (readJson(context, BENCH_RESULTS) as BenchResults) : null,
);

const benchTable = fromBench('bench-table', `README Benchmarks: steps/s of ${BENCH_RESULTS}`, (bench) => {
  const rows: string[][] = [];
  const step = (bench.pde ?? []).filter((r) => r.case === 'ssprk2-muscl');
  groupBy(step, (r) => String(r.K)).forEach((g, i) => {
    const kernel = `K = ${g[0].K} (rank ${g[0].rank})`;
    rows.push([i === 0 ? '1-D PDE, SSP-RK2 + MUSCL' : '', i === 0 ? `M = ${g.map((r) => r.M).join(' / ')} cells, ${kernel}` : `same, ${kernel}`, g.map((r) => rate(r.stepsPerSecond)).join(' / ')]);
  });
  groupBy(bench.pdeNd ?? [], (r) => r.shape.join('x')).forEach((g, i) => {
    const { shape, cells } = g[0];
    const size = `${shape[0]}${superscript(shape.length)}${cells >= 1e6 ? ` = ${Math.round(cells / 2 ** 20)}M cells` : ''}`;
    const ranks = g.map((r) => r.rank).join(' / ');
    const detail =
      cells >= 1e6
        ? `${g.map((r) => r.bytesPerCell.analytic).join(' / ')} bytes per cell; ${size.split(' ')[0]} at rank ${g[g.length - 1].rank} peaks at ≈ ${((g[g.length - 1].peakRssMiB * 2 ** 20) / 1e9).toFixed(1)} GB`
        : `${g.map((r) => sci(r.cellStepsPerSecond)).join(' / ')} cells·steps/s`;
    rows.push([i === 0 ? 'n-D PDE' : '', `${size}, rank ${ranks}`, `${g.map((r) => rate(r.stepsPerSecond)).join(' / ')} (${detail})`]);
  });
  // per precision, one thread (the bench also times two): the online cases of MMN Fig. 1 and 3 (B = 1, N = 800), then the rest; float32 with its interleaved ratio to float64
  for (const precision of ['float64', 'float32'] as const) {
    const sgd = (bench.sgd ?? []).filter((r) => (r.precision ?? 'float64') === precision && (r.threads ?? 1) === 1);
    [sgd.filter((r) => r.B === 1 && r.N === 800), sgd.filter((r) => !(r.B === 1 && r.N === 800))].forEach((g, i) => {
      if (g.length === 0) return;
      const speedup = precision === 'float32' ? ` (× ${g.map((r) => r.speedupVsFloat64!.toFixed(2)).join(' / ')} vs float64)` : '';
      rows.push([i === 0 ? `SGD, ${precision}` : '', `${i === 0 ? '(d, N, B) = ' : ''}${g.map((r) => `(${r.d}, ${r.N}, ${r.B})`).join(' / ')}`, g.map((r) => rate(r.stepsPerSecond)).join(' / ') + speedup]);
    });
  }
  return ['| engine | case | steps/s |', '|---|---|---|', ...rows.map(tableRow)].join('\n');
});

const benchMachine = fromBench('bench-machine', `README Benchmarks: the machine and date of ${BENCH_RESULTS}`, ({ machine, createdAt }) => {
  return `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${createdAt.slice(0, 10)}`;
});

const benchPeers = fromBench('bench-peers', `README Benchmarks: the interleaved ratios against PyTorch (\`npm run bench:peers\`, ${BENCH_RESULTS})`, ({ peers }) => {
  if (!peers) return null;
  const ratio = (x: number) => (x >= 1 ? x.toFixed(1) : x.toFixed(2));
  const ours32 = peers.sgd.every((r) => typeof r.meanfieldStepsPerSecond === 'object') ? 'f32' : 'f64';
  const fmt = (x: number | null | undefined) => (x === null || x === undefined ? '—' : ratio(x));
  const withThreads = peers.sgd.every((r) => r.ratioTwoThreads !== undefined);
  const head = withThreads
    ? ['| (d, N, B) | meanfield f64 / PyTorch f64: 1 thread, 2 threads | meanfield f32 / PyTorch f32: 1 thread, 2 threads | meanfield f64 (1 thread) / C |', '|---|---|---|---|']
    : [`| (d, N, B) | meanfield f64 / PyTorch f64 | meanfield ${ours32} / PyTorch f32 |`, '|---|---|---|'];
  const row = (r: (typeof peers.sgd)[number]) => withThreads
    ? [`(${r.d}, ${r.N}, ${r.B})`, `${ratio(r.ratio.float64)}, ${ratio(r.ratioTwoThreads!.float64)}`, `${ratio(r.ratio.float32)}, ${ratio(r.ratioTwoThreads!.float32)}`, fmt(r.ratioC)]
    : [`(${r.d}, ${r.N}, ${r.B})`, ratio(r.ratio.float64), ratio(r.ratio.float32)];
  const triad = peers.streamTriad?.allCoresGBps ? `; STREAM triad ${peers.streamTriad.oneThreadGBps?.toFixed(0)} GB/s on 1 thread, ${peers.streamTriad.allCoresGBps.toFixed(0)} GB/s on all cores` : '';
  return [
    `PyTorch ${peers.pytorch}, ${peers.rounds} rounds of ${peers.seconds} s, ${peers.createdAt.slice(0, 10)}${triad}:`,
    '',
    ...head,
    ...peers.sgd.map((r) => tableRow(row(r))),
  ].join('\n');
});

// ---------------------------------------------------------------------------------------------
// Timings (never checked): measured with `--all` / `--timings`

/** CPU seconds (user + system) of this process's finished, waited-for descendants (Linux /proc; null elsewhere). */
let ticksPerSecond: number | undefined;
function childrenCpuSeconds(): number | null {
  try {
    ticksPerSecond ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
    // /proc/self/stat: the fields after the ")" that ends the command name; cutime and cstime are fields 16 and 17
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[16 - 3]) + Number(fields[17 - 3])) / ticksPerSecond;
  } catch {
    return null;
  }
}

/** Runs `command` by bash in the repository root (its output dropped unless it redirects it itself): wall and CPU seconds. */
export function timeCommand(context: Context, command: string, log: (line: string) => void): Timing {
  log(`timing: ${command}`);
  const cpu0 = childrenCpuSeconds();
  const t0 = performance.now();
  const out = spawnSync('bash', ['-c', command], { cwd: context.root, stdio: 'ignore' });
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu1 = childrenCpuSeconds();
  if (out.status !== 0) throw new Error(`docs-numbers: "${command}" failed (exit ${out.status}); run it by hand to see why`);
  const cpuSeconds = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0;
  log(`  ${wallSeconds.toFixed(1)} s wall, ${cpuSeconds === null ? '?' : cpuSeconds.toFixed(1)} s CPU`);
  return { command, wallSeconds, cpuSeconds };
}

/** The timed commands of the READMEs (each into a fresh temporary folder `<out>`). */
export const TIMED_COMMANDS: Record<string, string> = {
  'quick-start': 'npx meanfield compare examples/mmn-fig1.json --out <out>',
  solve: 'npx meanfield solve examples/mmn-fig1.json --out <out>',
  sweep: 'npx meanfield sweep examples/mmn-fig2.json --out <out>',
};

/** Times the command TIMED_COMMANDS[name] once into bench/docs-timings.json. */
export function measureTiming(context: Context, name: string, log: (line: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'docs-numbers-'));
  try {
    timeAndRecord(context, name, TIMED_COMMANDS[name].replace('<out>', join(dir, 'out')), dir, log);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** "≈ 40 s", "≈ 3 min": a time to the precision a loaded machine allows. */
export function roughTime(seconds: number): string {
  if (seconds < 10) return `≈ ${seconds.toFixed(0)} s`;
  if (seconds < 100) return `≈ ${Math.round(seconds / 5) * 5} s`;
  const minutes = seconds / 60;
  return `≈ ${minutes < 10 ? Math.round(minutes * 2) / 2 : Math.round(minutes)} min`;
}

/** "2026-12-07, AMD EPYC, 2 cores, while other jobs loaded it (load average up to 11.7)". */
function machineText(machine: Machine): string {
  const load = Math.max(...machine.load);
  return `${machine.date}, ${machine.cpu}, ${machine.cores} cores${load > 0.5 * machine.cores ? `, while other jobs loaded it (load average up to ${load.toFixed(1)})` : ''}`;
}

/** "≈ 100 s wall, 35 s CPU": the wall time, and the CPU seconds of all its processes where known. */
function timeText(t: Timing): string {
  return `${roughTime(t.wallSeconds)} wall${t.cpuSeconds === null ? '' : `, ${t.cpuSeconds.toFixed(0)} s CPU`}`;
}

/** A recorded wall time; `withMachine` adds where and when (for a time far from the timings-machine line). */
export const timingGenerator = (name: string, what: string, measurement: string, withMachine = false): Generator => ({
  name,
  kind: 'timing',
  what,
  async render(context) {
    const t = readTimings(context)[measurement];
    if (!t) return null;
    return withMachine ? `${timeText(t)} on ${machineText(t.machine)}` : timeText(t);
  },
});

const timingMachine: Generator = {
  name: 'timings-machine',
  kind: 'timing',
  what: 'the machine, date and load of the quick-start timings',
  async render(context) {
    const quick = readTimings(context)['quick-start'];
    if (!quick) return null;
    const loaded = Math.max(...quick.machine.load) > 0.5 * quick.machine.cores ? '; on an idle machine expect shorter wall times' : '';
    return `Times (wall clock, and CPU seconds of all the command's processes) measured by \`npm run docs:numbers -- --timings\` on ${machineText(quick.machine)}${loaded}.`;
  },
};

/** The generators of this file; scripts/docs-numbers/registry.ts adds the examples'. */
export const CORE_GENERATORS: readonly Generator[] = [
  fig1AccuracyTable,
  fig1CoarsestGrid,
  fig1AutomaticGrid,
  fig1ErrorBars,
  fig1Splits,
  fig1CollapsedMass,
  landscapeThresholds,
  landscapeGridDomain,
  kernelOrders,
  timingGenerator('quick-start-time', 'README quick start and notebooks/README: `compare examples/mmn-fig1.json`', 'quick-start'),
  timingGenerator('solve-time', 'README quick start: `solve examples/mmn-fig1.json`', 'solve'),
  timingGenerator('sweep-time', 'README Landscape and notebooks/README: `sweep examples/mmn-fig2.json`', 'sweep'),
  timingGenerator('fig1-reference-time', 'README Accuracy: bench/fig1-reference.ts --max-cells 12800', 'fig1-reference', true),
  sgdDiffusionTable,
  sgdDiffusionDeterministicZ,
  ...[1e-4, 3e-4, 1e-3].map(sgdDiffusionZ),
  sgdDiffusionCaptured,
  sgdDiffusionShifts,
  timingGenerator('sgd-diffusion-time', 'examples/README: `compare examples/sgd-diffusion-fig1.json`', 'sgd-diffusion', true),
  timingMachine,
  benchTable,
  benchMachine,
  benchPeers,
];
