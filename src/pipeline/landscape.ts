/**
 * The `minimize` and `sweep` jobs (MMN eq. 14–17, Lemma 1, Fig. 2): where SGD *should* go, for any model
 * with the landscape capability (src/landscape/index.ts) and a grid form of its reduced side.
 *  - minimize: the certified global minimum of R(ρ̄) over laws on the grid (src/landscape/qp.ts), the
 *    single-delta ansatz r* with the Lemma 1 test, and the stability of the point mass at r*.
 *  - sweep: for each d, the table over Δ (R_min, single-delta risk, Lemma 1), the interval [Δ^l, Δ^h]
 *    where the single delta is optimal (bisection), and at a few Δ the long-time risk of the PDE and of
 *    SGD particles, for the Fig. 2 plot. The sweep block's `deltas` and `dims` are the model parameters
 *    "delta" and "d": every model is rebuilt through its definition with those two replaced.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import type { Grid } from '../grid.ts';
import type { Model } from '../model.ts';
import type { GridOperators, Provenance } from '../types.ts';
import { makeProvenance } from '../io/output.ts';
import { writeResult, type ResultFiles } from '../io/result.ts';
import { colorAt, largestMagnitude, logMeaningful } from '../plot/figures.ts';
import { formatNumber, formatToTolerance } from '../plot/format.ts';
import { plotFigure, RISK_TITLE } from '../plot/layout.ts';
import type { PlotlyFigure, ReportSection } from '../plot/html-report.ts';
import { findSingleDeltaInterval, landscapeOf, minimizeRisk, singleDelta, sweepDelta, type DeltaFamilyMember, type PointMassStability, type RiskMinimum, type SweepRow } from '../landscape/index.ts';
import { buildPdeProblem, solvePde } from '../pde/index.ts';
import { replicaSpec, type ReplicaSpec } from '../particles/replica.ts';
import { replicaTaskOf } from '../particles/ensemble.ts';
import type { ParticleRun } from '../particles/sgd.ts';
import type { TaskContext } from '../parallel/pool.ts';
import { finishedResult, HORIZON_PROBES, runTaskPlan, type PlannedTask, type TaskPlan } from './task-plan.ts';
import { mean } from '../diagnostics/stats.ts';
import { allowed, dimension, number, numberList, oneOf, parseWith, rangeText } from '../spec/fields.ts';
import { LIMITS } from '../spec/schema.ts';
import { mergeJson, runSpecFromJson, type RunSpec, type Spec } from '../spec/index.ts';
import { buildModel, loadDefinition } from '../../reduced-models/index.ts';

/** Pointwise kernel accuracy for the single-delta search (cheap: a handful of evaluations per r). */
const POINTWISE_TOLERANCE = 1e-12;
/** Lemma 1 checks competitors out to rFar = FAR_FACTOR · rMax on the half-line. */
const FAR_FACTOR = 1e4;

const SELF = import.meta.url;

export type LemmaDomain = 'half-line' | 'grid';

/** The spec's `sweep` block. */
export const sweepSchema = z
  .strictObject({
    /** Δ values of the table. */
    deltas: numberList({ above: 0, below: 1 }, { increasing: true }),
    /** Dimensions, each an integer ≥ 2 or "inf". */
    dims: z.array(dimension(2), allowed('a nonempty array of integers >= 2 or "inf"')).min(1, allowed('a nonempty array of integers >= 2 or "inf"')),
    /** Range and resolution of the search for [Δ^l, Δ^h]. */
    deltaMin: number({ above: 0, below: 1 }).default(0.01),
    deltaMax: number({ above: 0, below: 1 }).default(0.99),
    scanPoints: number({ integer: true, min: 2, max: 1000 }).default(25),
    deltaTolerance: number({ above: 0, max: 0.1 }).default(1e-4),
    /** Lemma 1 over all r ≥ 0 ("half-line", MMN's statement) or only over the grid [0, rMax]. */
    lemmaDomain: oneOf(['half-line', 'grid']).default('half-line'),
    /** Δ values at which the PDE and SGD run to `longTime` (SGD where the model has particles: finite d). */
    dynamicsDeltas: numberList({ above: 0, below: 1 }, { minLength: 0 }).default([]),
    longTime: number({ above: 0, max: LIMITS.horizon }).default(20),
  })
  .superRefine((s, ctx) => {
    if (!(s.deltaMax > s.deltaMin)) ctx.addIssue({ code: 'custom', path: ['deltaMax'], message: `must be ${rangeText({ above: s.deltaMin, below: 1 })} (got ${s.deltaMax})` });
  });
export type SweepSpec = z.output<typeof sweepSchema>;

function lemmaOptions(rMax: number, domain: LemmaDomain): { rMax: number; rFar: number } {
  return { rMax, rFar: domain === 'grid' ? rMax : FAR_FACTOR * rMax };
}

/** The one run of a spec (the landscape commands study one model). */
function singleRun(spec: Spec, command: string): RunSpec {
  if (spec.hasVariants) throw new ConfigError('variants', `${command} studies one model: remove "variants" (${command} the variants one spec at a time)`);
  return spec.runs[0];
}

/** The grid operators of a model's reduced side (the QP's data), or a ConfigError naming what is missing. */
function gridOperatorsOf(model: Model, command: string): (grid: Grid, tolerance: number) => GridOperators {
  const gridOperators = model.reduced?.gridOperators;
  if (!gridOperators) throw new ConfigError('model.name', `${command} minimises over laws on a grid; model "${model.name}" (${model.label}) has no grid operators`);
  return (grid, tolerance) => gridOperators(grid, { tolerance });
}

/** The grid of the run's `grid` block: one axis [0, rMax] (the landscape capability's contract). */
/** Most cells of the grid the landscape's QP minimises over. */
export const LANDSCAPE_MAX_CELLS = 100_000;

function landscapeGrid(run: RunSpec, command: string): Grid {
  const makeGrid = run.model.reduced?.grid;
  if (!makeGrid) throw new ConfigError('model.name', `${command} minimises over laws on a grid; model "${run.model.name}" has no grid form`);
  if (run.grid === undefined) throw new ConfigError('grid', `${command} needs a "grid" block: the laws the risk is minimised over live on it`);
  const grid = makeGrid(run.grid);
  if (grid.ndim !== 1 || grid.axes[0].lo !== 0) throw new Error(`model "${run.model.name}": the landscape capability needs a grid of one axis starting at 0 (got ${grid.ndim} axes)`);
  // the QP runs over every cell on this thread without progress, in time ∝ cells (≈ 3 s at 1e5 cells, ≈ 20 s at 1e6 on a loaded 2-core machine)
  if (grid.size > LANDSCAPE_MAX_CELLS) throw new ConfigError('grid.cells', `${command} minimises over a law on every cell: at most ${LANDSCAPE_MAX_CELLS} cells (got ${grid.size}); MMN Fig. 2 needs 2000`);
  return grid;
}

/** The model's pointwise v, u (to rFar) and its grid operators: what the landscape engine works on. */
function landscapeMember(model: Model, grid: Grid, rFar: number, kernelTolerance: number, command: string): DeltaFamilyMember {
  const pointwise = landscapeOf(model, command).pointwise(POINTWISE_TOLERANCE, rFar);
  const gridOperators = gridOperatorsOf(model, command);
  return { pointwise, gridOperators: () => gridOperators(grid, kernelTolerance) };
}

export interface MinimizeResult {
  kind: 'meanfield.minimize';
  provenance: Provenance;
  spec: Record<string, unknown>;
  /** Certified grid minimum (support, ψ, duality gap, eq. 17 certificate). */
  minimum: RiskMinimum;
  singleDelta: { rStar: number; risk: number; lemma1: { holds: boolean; margin: number; normalizedMargin: number; domain: string } };
  /** MMN Theorems 6–7 in reduced form, for the point mass at r* (src/landscape/stability.ts). */
  stability: PointMassStability;
}

/** Minimum of the risk on the spec's grid, the single delta and its Lemma 1 test on `lemmaDomain`. */
export function runMinimize(spec: Spec, lemmaDomain: LemmaDomain = 'half-line'): MinimizeResult {
  const t0 = performance.now();
  const run = singleRun(spec, 'minimize');
  landscapeOf(run.model, 'minimize'); // the missing capability is the first thing to say
  const grid = landscapeGrid(run, 'minimize');
  const opts = lemmaOptions(grid.axes[0].hi, lemmaDomain);
  const member = landscapeMember(run.model, grid, opts.rFar, run.solver.kernelTolerance, 'minimize');
  const minimum = minimizeRisk(member.gridOperators());
  const sd = singleDelta(member.pointwise, opts);
  return {
    kind: 'meanfield.minimize',
    provenance: makeProvenance(run.seed, { totalMs: performance.now() - t0 }, [run]),
    spec: spec.json,
    minimum,
    singleDelta: {
      rStar: sd.rStar,
      risk: sd.risk,
      lemma1: { holds: sd.lemma1.holds, margin: sd.lemma1.margin, normalizedMargin: sd.lemma1.normalizedMargin, domain: lemmaDomain === 'grid' ? `[0, ${opts.rMax}]` : `[0, ${opts.rFar}] (geometric beyond ${opts.rMax})` },
    },
    stability: sd.stability,
  };
}

export interface SweepDimensionResult {
  d: number | 'inf';
  /** Δ^l and Δ^h of the first interval where Lemma 1 holds (null: the scan edge), each ± deltaTolerance/2. */
  deltaLow: number | null;
  deltaHigh: number | null;
  intervals: { lower: number | null; upper: number | null }[];
  rows: SweepRow[];
  /** Long-time risks at sweep.dynamicsDeltas: PDE at t = longTime, SGD particles' exact R_N (models with particles). */
  dynamics: { delta: number; pdeRisk: number; sgdRisk: number | null }[];
}

export interface SweepResult {
  kind: 'meanfield.sweep';
  provenance: Provenance;
  spec: Record<string, unknown>;
  deltaTolerance: number;
  lemmaDomain: string;
  dims: SweepDimensionResult[];
  completed: boolean;
  /** Whether an interrupt stopped the sweep, and what is missing because of it (one line per piece). */
  stoppedEarly: boolean;
  missing: string[];
}

export interface SweepControl {
  /** One line per stage, with the fraction of stages done (the table and bisection of each d, each long-time run). */
  onProgress?: (message: string, fraction?: number) => void;
  /** Worker threads of the PDE and SGD runs (default: the pool's). */
  workers?: number;
  /**
   * Polled between the stages of each d (table, bisection; these run in the calling thread, so a
   * stop is seen when the current stage ends) and every 50 ms during the long-time runs (which stop
   * after their current step). The finished d's and runs are returned; the rest is listed as missing.
   */
  shouldStop?: () => boolean;
}

/** Lets the event loop run (signal handlers, timers) between two blocking stages. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The long-time PDE and SGD runs at one (d, Δ): their specs, validated before anything runs. */
interface DynamicsRun {
  readonly dim: number;
  readonly delta: number;
  readonly run: RunSpec;
  readonly replicas: { readonly spec: ReplicaSpec; readonly count: number } | null;
}

/** The PDE's risk at its save times (the one number a sweep needs of a long-time solution). */
export async function sweepPdeTask(input: { json: Record<string, unknown>; label: string; seed: number }, context: TaskContext): Promise<{ risk: number[]; completed: boolean }> {
  const run = await runSpecFromJson(input.json, input.label, input.seed);
  const trajectory = solvePde(buildPdeProblem(run, { command: 'sweep' }), { shouldStop: () => context.shouldStop() });
  return { risk: trajectory.risk, completed: !trajectory.stoppedEarly };
}

/** What a sweep's table and interval tasks rebuild the model family from (plain data). */
interface StaticsInput {
  json: Record<string, unknown>;
  label: string;
  seed: number;
  sweep: SweepSpec;
  d: number | 'inf';
  part: 'table' | 'interval';
}

type StaticsResult = { rows: SweepRow[]; completed: true } | { intervals: { lower: number | null; upper: number | null }[]; completed: true };

/** One d of a sweep: the risk table over Δ, or the search for [Δ^l, Δ^h] (a pool task: the same numbers in any thread). */
export async function sweepStaticsTask(input: StaticsInput): Promise<StaticsResult> {
  const run = await runSpecFromJson(input.json, input.label, input.seed);
  const { sweep, d } = input;
  const grid = landscapeGrid(run, 'sweep');
  const opts = lemmaOptions(grid.axes[0].hi, sweep.lemmaDomain);
  const definition = await loadDefinition(run.modelBlock);
  const modelAt = (delta: number): Model => {
    try {
      return buildModel(definition, { ...run.modelBlock, delta, d }).model;
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigError('sweep', `model "${run.model.name}" at delta = ${delta}, d = ${d}: ${e.message}`);
      throw e;
    }
  };
  const family = (delta: number): DeltaFamilyMember => landscapeMember(modelAt(delta), grid, opts.rFar, run.solver.kernelTolerance, 'sweep');
  if (input.part === 'table') return { rows: sweepDelta(family, sweep.deltas, opts).rows, completed: true };
  const search = findSingleDeltaInterval(family, { ...opts, deltaMin: sweep.deltaMin, deltaMax: sweep.deltaMax, deltaScanPoints: sweep.scanPoints, deltaTolerance: sweep.deltaTolerance });
  return { intervals: search.intervals.map((iv) => ({ lower: iv.lower?.estimate ?? null, upper: iv.upper?.estimate ?? null })), completed: true };
}

/** A sweep as a task list (src/pipeline/task-plan.ts) with what its runner reports per task. */
export interface SweepPlan extends TaskPlan<SweepResult> {
  /** The table and interval tasks of every d (run first, in the calling thread, by `runSweep`). */
  readonly statics: readonly PlannedTask[];
  /** One line per task for progress messages. */
  readonly describe: ReadonlyMap<string, string>;
  readonly longTime: number;
}

/**
 * The tasks of a sweep in a fixed order: per d its table (`d<d>-table`) and interval search
 * (`d<d>-interval`); then per d and dynamics Δ the long-time PDE (`d<d>-delta<Δ>-pde`) and SGD replicas
 * (`…-replica<k>`, stream k). Every long-time run is built (its spec checked) here, before anything runs.
 */
export async function planSweep(spec: Spec): Promise<SweepPlan> {
  const run = singleRun(spec, 'sweep');
  if (!spec.sweep) throw new ConfigError('sweep', 'sweep needs a "sweep" block: { "deltas": [...], "dims": [40, "inf"] }');
  const sweep = parseWith(sweepSchema, spec.sweep, 'sweep');
  landscapeOf(run.model, 'sweep');
  const grid = landscapeGrid(run, 'sweep');
  const opts = lemmaOptions(grid.axes[0].hi, sweep.lemmaDomain);
  const runs: DynamicsRun[] = [];
  for (const [dim, d] of sweep.dims.entries()) {
    for (const delta of sweep.dynamicsDeltas) {
      const json = mergeJson(run.json, { model: { delta, d }, saveTimes: [sweep.longTime] });
      const dynamics = await runSpecFromJson(json, `d = ${d}, Δ = ${delta}`, run.seed);
      buildPdeProblem(dynamics, { command: 'sweep' });
      const replicas = run.particles && dynamics.model.particles ? { spec: replicaSpec(dynamics), count: run.particles.seeds } : null;
      runs.push({ dim, delta, run: dynamics, replicas });
    }
  }
  const describe = new Map<string, string>();
  const statics: PlannedTask[] = sweep.dims.flatMap((d) =>
    (['table', 'interval'] as const).map((part) => {
      const id = `d${d}-${part}`;
      describe.set(id, `d = ${d}: ${part === 'table' ? 'table' : 'bisection for [Δ^l, Δ^h]'}`);
      const input: StaticsInput = { json: run.json, label: run.label, seed: run.seed, sweep, d, part };
      return { id, task: { module: SELF, export: 'sweepStaticsTask', input }, group: part };
    }),
  );
  const dynamicsId = (r: DynamicsRun, replica: number | null) => `d${sweep.dims[r.dim]}-delta${r.delta}-${replica === null ? 'pde' : `replica${replica}`}`;
  const dynamicsTasks: PlannedTask[] = runs.flatMap((r) => {
    const pde = { id: dynamicsId(r, null), task: { module: SELF, export: 'sweepPdeTask', input: { json: r.run.json, label: r.run.label, seed: r.run.seed } }, group: `${dynamicsId(r, null)}` };
    describe.set(pde.id, `PDE at ${r.run.label}`);
    const replicas = Array.from({ length: r.replicas?.count ?? 0 }, (_, k) => {
      const id = dynamicsId(r, k);
      describe.set(id, `SGD replica ${k + 1} at ${r.run.label}`);
      return { id, task: replicaTaskOf(r.replicas!.spec, k), group: `d${sweep.dims[r.dim]}-delta${r.delta}-replicas` };
    });
    return [pde, ...replicas];
  });

  const assemble = (resultOf: (id: string) => unknown, provenance: Provenance): SweepResult => {
    const missing: string[] = [];
    const statics = sweep.dims.map((d) => {
      const table = resultOf(`d${d}-table`) as { rows: SweepRow[] } | null;
      const interval = resultOf(`d${d}-interval`) as { intervals: SweepDimensionResult['intervals'] } | null;
      if (!table) missing.push(`d = ${d}: the risk table${interval ? '' : ' and [Δ^l, Δ^h]'}`);
      else if (!interval) missing.push(`d = ${d}: [Δ^l, Δ^h]`);
      return { rows: table?.rows ?? [], intervals: interval?.intervals ?? [] };
    });
    /** The long-time risk of a run, or null (listed as missing) if a stop cut it short. */
    const riskOf = (r: DynamicsRun, replica: number | null): number | null => {
      const id = dynamicsId(r, replica);
      const result = resultOf(id) as { risk: number[]; completed: boolean } | ParticleRun | null;
      if (result === null || !result.completed) {
        missing.push(`${describe.get(id)} (stopped)`);
        return null;
      }
      if (replica === null) return (result as { risk: number[] }).risk[0];
      const risk = (result as ParticleRun).snapshots[0]?.populationRisk;
      if (risk === null || risk === undefined) throw new Error(`sweep: model "${run.model.name}" gives no exact population risk R_N for SGD`);
      return risk;
    };
    const dims: SweepDimensionResult[] = sweep.dims.map((d, dim) => {
      const { rows, intervals } = statics[dim];
      const dynamics = runs.flatMap((r) => {
        if (r.dim !== dim) return [];
        const pdeRisk = riskOf(r, null);
        const sgd = r.replicas ? Array.from({ length: r.replicas.count }, (_, k) => riskOf(r, k)).filter((x): x is number => x !== null) : null;
        // a point needs its PDE risk; SGD is the mean of the finished replicas (null if none finished)
        return pdeRisk === null ? [] : [{ delta: r.delta, pdeRisk, sgdRisk: sgd && sgd.length > 0 ? mean(sgd) : null }];
      });
      const first = intervals[0];
      return { d, deltaLow: first?.lower ?? null, deltaHigh: first?.upper ?? null, intervals, rows, dynamics };
    });
    const coordinate = run.model.reduced!.coordinates[0].name;
    return {
      kind: 'meanfield.sweep',
      provenance,
      spec: spec.json,
      deltaTolerance: sweep.deltaTolerance,
      lemmaDomain: `${sweep.lemmaDomain}: ${coordinate} ∈ [0, ${opts.rFar}]`,
      dims,
      completed: missing.length === 0,
      stoppedEarly: missing.length > 0,
      missing,
    };
  };
  return {
    tasks: [...statics, ...dynamicsTasks],
    statics,
    describe,
    longTime: sweep.longTime,
    assemble,
    isComplete: finishedResult,
    write: (dir, result) => {
      const files = writeSweepOutputs(dir, result);
      return [files.json, files.html];
    },
    ...HORIZON_PROBES,
  };
}

/**
 * Table, [Δ^l, Δ^h] and long-time dynamics for each d of the spec's sweep block: the plan's table and
 * interval tasks one after another in this thread (a stop is seen between them), then the long-time
 * runs on the worker pool, then the plan's assembly.
 */
export async function runSweep(spec: Spec, control: SweepControl = {}): Promise<SweepResult> {
  const t0 = performance.now();
  const plan = await planSweep(spec);
  const stopped = () => control.shouldStop?.() === true;
  const stages = plan.tasks.length;
  let stagesDone = 0;
  const results = new Map<string, unknown>();
  for (const task of plan.statics) {
    await yieldToEventLoop();
    if (stopped()) break;
    control.onProgress?.(plan.describe.get(task.id)!, stagesDone / stages);
    // called directly, not through the pool's module loader, so that hosts without a TypeScript loader for
    // dynamic imports (the tslab notebook kernel) can run it: the same function a shard's worker runs
    results.set(task.id, await sweepStaticsTask(task.task.input as StaticsInput));
    stagesDone++;
  }
  const dynamics = plan.tasks.filter((t) => !plan.statics.includes(t));
  if (dynamics.length > 0 && !stopped()) {
    control.onProgress?.(`long-time dynamics to t = ${plan.longTime}: ${dynamics.length} runs`, stagesDone / stages);
    const done = await runTaskPlan(
      { tasks: dynamics },
      { workers: control.workers, shouldStop: control.shouldStop, onDone: (task) => control.onProgress?.(`done: ${plan.describe.get(task.id)}`, ++stagesDone / stages) },
    );
    for (const [id, result] of done) results.set(id, result);
  }
  const provenance = makeProvenance(spec.runs[0].seed, {}, spec.runs);
  const result = plan.assemble((id) => results.get(id) ?? null, provenance);
  Object.assign(provenance.timings, { totalMs: performance.now() - t0 });
  return result;
}

/**
 * MMN Fig. 2: risk vs Δ per d — R_min (solid), single delta (dashed), Δ^h (dot), PDE (×) and SGD (+)
 * long-time risks. Log y: risks at round-off level (the d = ∞ minimum is exactly 0 for small Δ) are
 * not drawn (logMeaningful), so the axis spans the meaningful values only.
 */
export function fig2Figure(result: SweepResult): PlotlyFigure {
  const data: Record<string, unknown>[] = [];
  const scale = largestMagnitude(result.dims.flatMap((dim) => [dim.rows.map((r) => r.gridMinimum.risk), dim.rows.map((r) => r.singleDelta.risk)]));
  const y = (values: number[]) => logMeaningful(values, scale);
  result.dims.forEach((dim, i) => {
    const color = colorAt(i);
    const x = dim.rows.map((r) => r.delta);
    const d = dLabel(dim.d);
    data.push({ type: 'scatter', mode: 'lines', name: `${d}: min R (grid QP)`, x, y: y(dim.rows.map((r) => r.gridMinimum.risk)), line: { color } });
    data.push({ type: 'scatter', mode: 'lines', name: `${d}: single delta`, x, y: y(dim.rows.map((r) => r.singleDelta.risk)), line: { color, dash: 'dash' } });
    if (dim.deltaHigh !== null) {
      const near = dim.rows.reduce((a, b) => (Math.abs(b.delta - dim.deltaHigh!) < Math.abs(a.delta - dim.deltaHigh!) ? b : a));
      data.push({ type: 'scatter', mode: 'markers', name: `${d}: Δ^h = ${formatToTolerance(dim.deltaHigh, result.deltaTolerance)}`, x: [dim.deltaHigh], y: y([near.singleDelta.risk]), marker: { color, size: 10 } });
    }
    if (dim.dynamics.length) {
      data.push({ type: 'scatter', mode: 'markers', name: `${d}: PDE at long time`, x: dim.dynamics.map((p) => p.delta), y: y(dim.dynamics.map((p) => p.pdeRisk)), marker: { color, symbol: 'x', size: 9 } });
      const sgd = dim.dynamics.filter((p) => p.sgdRisk !== null);
      if (sgd.length) data.push({ type: 'scatter', mode: 'markers', name: `${d}: SGD at long time`, x: sgd.map((p) => p.delta), y: y(sgd.map((p) => p.sgdRisk!)), marker: { color, symbol: 'cross-thin-open', size: 12, line: { width: 2, color } } });
    }
  });
  return plotFigure('Population risk vs Δ (MMN Fig. 2); risks below 1e-12 of the largest are round-off and not drawn', { title: 'Δ (model parameter)' }, { title: RISK_TITLE, log: true }, data);
}

/** "d = 40", "d = ∞". */
function dLabel(d: number | 'inf'): string {
  return `d = ${d === 'inf' ? '∞' : d}`;
}

/** "[0.0298, 0.4310]" at tolerance 1e-4; the scan's ends when an end was not found. */
function intervalText(low: number | null, high: number | null, tolerance: number): string {
  return `[${low === null ? 'scan start' : formatToTolerance(low, tolerance)}, ${high === null ? 'scan end' : formatToTolerance(high, tolerance)}]`;
}

/** The sweep report: the Fig. 2 plot and one table per d. */
export function sweepSections(result: SweepResult): ReportSection[] {
  return [
    {
      title: 'Risk vs Δ',
      text: `Solid: certified grid minimum of R over laws of r (QP with duality gap). Dashed: single-delta ansatz (MMN eq. 14). Dots: Δ^h, where Lemma 1 stops holding (bisection to ${formatNumber(result.deltaTolerance)}; Lemma 1 checked on ${result.lemmaDomain}).`,
      figure: fig2Figure(result),
    },
    ...result.dims.map((dim) => ({
      title: `${dLabel(dim.d)}: single delta optimal for Δ in ${intervalText(dim.deltaLow, dim.deltaHigh, result.deltaTolerance)}`,
      table: {
        columns: ['Δ', 'R_min (grid)', 'duality gap', 'single delta R', 'r*', 'Lemma 1', 'margin'],
        rows: dim.rows.map((r) => [r.delta, r.gridMinimum.risk, r.gridMinimum.dualityGap, r.singleDelta.risk, r.singleDelta.rStar, r.lemma1.holds ? 'holds' : 'fails', r.lemma1.normalizedMargin]),
      },
    })),
  ];
}

/** dir/result.json and dir/report.html of a sweep. */
export function writeSweepOutputs(dir: string, result: SweepResult): ResultFiles {
  return writeResult(dir, result, { title: 'meanfield sweep', sections: sweepSections(result) });
}
