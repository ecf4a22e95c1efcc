/**
 * What a run will cost, estimated from the validated spec before anything large is allocated or any
 * long loop starts: memory (bytes), step counts and an expected time from a cheap per-step cost model.
 * The commands ask `checkResources` first: it refuses (ConfigError naming the field that drives the
 * cost) what cannot fit this machine's memory or cannot finish in MAX_SECONDS, and returns the
 * estimate's lines for the command to print when the run is merely long.
 *
 * Cost model (rough, from the hot loops; good to a factor of a few on one core):
 *  - finite volumes: per step, stages × cells × (kernel rank + 16) multiply-adds; the step count is
 *    horizon / dt with dt the fixed `solver.dt`, the explicit-diffusion limit h² β / 2 when there is
 *    noise and `solver.diffusion` is "explicit" (every coordinate diffuses with coefficient 1/β), or the
 *    CFL step cfl·h/(ξ·v) with speeds v of order 1 + λ·(grid extent) (the ridge drift −λθ; the order 1 is
 *    a guess: the true speed is known only once the kernel is built);
 *  - particles: horizon / ε steps, each batch × n × p multiply-adds (p parameters per unit), per replica;
 *    test risk: testSamples × n × p per save time;
 *  - memory: finite volumes ≈ cells × (2·rank + 16) doubles; particles ≈ 4 copies of n × p doubles per
 *    replica running at once (one per worker), plus the n(n−1)/2 pair cosines of an exact R_N (ridge models),
 *    whose O(n² p) per save time joins the time.
 */
import { availableParallelism, freemem, totalmem } from 'node:os';
import { ConfigError } from '../errors.ts';
import { errorOfRun, type RunSpec, type Spec } from './index.ts';

/** Seconds per multiply-add of the hot loops (≈1 ns on one core of this class of machine). */
export const SECONDS_PER_OPERATION = 1e-9;
/** Longest expected time accepted (30 days); beyond it the spec is refused as a mistake. */
export const MAX_SECONDS = 30 * 24 * 3600;
/** Fraction of the machine's memory one run may plan to use. */
export const MEMORY_FRACTION = 0.8;
/** Expected times above this are announced before the run. */
export const LONG_SECONDS = 20;
/** Kernel rank assumed before the kernel is built (the isotropic Fig. 1 kernel has rank ≈ 40). */
const ASSUMED_RANK = 64;
const STAGES: Record<string, number> = { euler: 1, ssprk2: 2, ssprk3: 3 };

export interface RunEstimate {
  readonly label: string;
  readonly bytes: number;
  readonly seconds: number;
  /** The largest step count of the run's phases, and the field that sets it. */
  readonly steps: number;
  readonly lines: readonly string[];
}

export interface ResourceOptions {
  /** Which engines run: the PDE, the particles, or both. */
  readonly pde: boolean;
  readonly particles: boolean;
  /** Replicas running at once (default: min(seeds, available cores)). */
  readonly workers?: number;
}

interface Phase {
  readonly bytes: number;
  readonly operations: number;
  readonly steps: number;
  /** The field that sets the step count, and why (for the refusal). */
  readonly stepField: string;
  /** The field that drives the memory (for the refusal). */
  readonly memoryField: string;
  readonly line: string;
}

function horizonOf(run: RunSpec): number {
  return run.saveTimes[run.saveTimes.length - 1];
}

function largestSchedule(run: RunSpec): number {
  const s = run.schedule;
  return s.kind === 'constant' ? s.value : Math.pow(s.t0, -s.alpha);
}

function pdePhase(run: RunSpec): Phase | undefined {
  const reduced = run.model.reduced;
  if (!reduced || run.grid === undefined || !reduced.grid) return undefined;
  if ((run.solver.method ?? reduced.defaultMethod) !== 'finite-volume') return undefined;
  const grid = reduced.grid(run.grid);
  let h = Infinity;
  for (let i = 0; i < grid.ndim; i++) h = Math.min(h, grid.spacing[i]);
  const horizon = horizonOf(run);
  // the ridge penalty adds the drift −λθ, of speed up to λ·(largest |coordinate| on the grid)
  let extent = 0;
  for (const ax of grid.axes) extent = Math.max(extent, Math.abs(ax.lo), Math.abs(ax.hi));
  const ridge = run.noise ? run.noise.lambda * extent : 0;
  let dt = run.solver.cfl * h / Math.max(largestSchedule(run) * (1 + ridge), 1e-300);
  // the CFL step is set by the cell width (the grid's extent and cell count together) and the CFL number;
  // a CFL number far below the usual 0.1–0.5 is the likelier mistake, and a ridge drift far above 1 the cause when present
  let stepField = ridge > 1 ? 'noise.lambda' : run.solver.cfl < 0.01 ? 'solver.cfl' : 'grid';
  let why = `CFL steps with speeds of order ${ridge > 1 ? `λ·${extent} = ${ridge.toPrecision(3)}` : '1'} on cells of width ${h.toPrecision(3)} at solver.cfl = ${run.solver.cfl}`;
  // implicit diffusion (the default) has no step limit of its own; explicit diffusion needs Δt ≤ h²β/2
  if (run.noise && run.solver.diffusion === 'explicit') {
    const diffusion = (h * h * run.noise.beta) / 2;
    if (diffusion < dt) [dt, stepField, why] = [diffusion, 'noise.beta', `explicit diffusion needs dt <= h² β / 2 = ${diffusion.toExponential(2)}`];
  }
  if (run.solver.dt !== undefined) [dt, stepField, why] = [run.solver.dt, 'solver.dt', `fixed dt = ${run.solver.dt}`];
  const steps = Math.ceil(horizon / dt);
  const perStep = (STAGES[run.solver.scheme] ?? 2) * grid.size * (ASSUMED_RANK + 16);
  return {
    bytes: grid.size * (2 * ASSUMED_RANK + 16) * 8,
    operations: steps * perStep,
    steps,
    stepField,
    memoryField: 'grid.cells',
    line: `PDE: ${grid.size} cells, ~${steps.toPrecision(3)} steps to t = ${horizon} (${why})`,
  };
}

function particlePhase(run: RunSpec, workers: number | undefined): Phase | undefined {
  const p = run.particles;
  const side = run.model.particles;
  // not costed (yet): network models, and a step given by particles.stepSize instead of epsilon
  if (!p || !side || side.kind === 'network' || p.epsilon === undefined) return undefined;
  const perUnit = side.kind === 'ridge' ? side.model.dimension + 2 : side.unit.parameters;
  const horizon = horizonOf(run);
  const steps = Math.ceil(horizon / p.epsilon);
  const replicas = p.seeds;
  const atOnce = Math.max(1, Math.min(replicas, workers ?? availableParallelism()));
  const unitBytes = p.n * perUnit * 8;
  // the exact R_N of a ridge model sums over the n(n−1)/2 pairs of units (their cosines are kept: 8 bytes each),
  // O(n² (d + K)) per save time with K ≈ 30 Mehler terms
  const pairs = side.kind === 'ridge' && side.model.populationRisk ? (p.n * (p.n - 1)) / 2 : 0;
  // per-unit sampling: the forward pass of all n units on n·batch samples a step
  const samples = p.sampling === 'per-unit' ? p.n * p.batch : p.batch;
  const perReplica = steps * samples * p.n * perUnit + run.saveTimes.length * (p.testSamples * p.n * perUnit + pairs * (perUnit + 30));
  return {
    bytes: atOnce * (4 * unitBytes + 8 * pairs),
    operations: (replicas * perReplica) / atOnce,
    steps,
    stepField: 'particles.epsilon',
    // n × p doubles: a ridge unit has p = d + 2 parameters, so a huge dimension is as likely the cause as a huge n
    memoryField: side.kind === 'ridge' && perUnit > p.n ? 'model.d' : 'particles.n',
    line: `particles: ${replicas} replica(s) (${atOnce} at once) of n = ${p.n} units × ${perUnit} parameters, ${steps.toPrecision(3)} steps of batch ${p.batch}${p.sampling === 'per-unit' ? ' per unit' : ''} to t = ${horizon}` +
      (p.testSamples > 0 ? `, ${p.testSamples} test samples per save time` : '') +
      (pairs > 0 ? `, exact R_N over ${pairs.toPrecision(3)} pairs of units per save time` : ''),
  };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let x = bytes;
  while (x >= 1000 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  return `${x.toPrecision(3)} ${units[i]}`;
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toPrecision(2)} s`;
  if (s < 3600) return `${(s / 60).toPrecision(2)} min`;
  if (s < 86400 * 2) return `${(s / 3600).toPrecision(2)} h`;
  if (s < 86400 * 730) return `${(s / 86400).toPrecision(2)} days`;
  return `${(s / (86400 * 365)).toPrecision(2)} years`;
}

/** The estimate of one run (no refusal). */
export function estimateRun(run: RunSpec, options: ResourceOptions): RunEstimate & { readonly phases: readonly Phase[] } {
  const phases: Phase[] = [];
  if (options.pde) {
    const pde = pdePhase(run);
    if (pde) phases.push(pde);
  }
  if (options.particles) {
    const particles = particlePhase(run, options.workers);
    if (particles) phases.push(particles);
  }
  const bytes = phases.reduce((s, p) => Math.max(s, p.bytes), 0); // the phases run one after the other
  const seconds = phases.reduce((s, p) => s + p.operations * SECONDS_PER_OPERATION, 0);
  const steps = phases.reduce((s, p) => Math.max(s, p.steps), 0);
  return { label: run.label, bytes, seconds, steps, phases, lines: phases.map((p) => p.line) };
}

/**
 * Refuses a spec that cannot fit this machine's memory or cannot finish in MAX_SECONDS (ConfigError
 * naming the field that drives the cost); returns the lines to print when the expected time is long
 * (empty otherwise).
 */
export function checkResources(spec: Spec, options: ResourceOptions): string[] {
  const memory = totalmem();
  const out: string[] = [];
  let seconds = 0;
  for (const [index, run] of spec.runs.entries()) {
    const e = estimateRun(run, options);
    const prefix = spec.runs.length > 1 ? `${run.label}: ` : '';
    // named as the user wrote it: under variants[i]. when that variant sets the field
    const refuse = (field: string, message: string) => errorOfRun(spec, index, new ConfigError(field, message));
    if (e.bytes > MEMORY_FRACTION * memory) {
      const field = e.phases.find((p) => p.bytes === e.bytes)?.memoryField ?? 'particles.n';
      throw refuse(field, `${prefix}the run needs about ${formatBytes(e.bytes)} of memory, more than ${MEMORY_FRACTION * 100} % of this machine's ${formatBytes(memory)} (${e.lines.join('; ')})`);
    }
    for (const p of e.phases) {
      const s = p.operations * SECONDS_PER_OPERATION;
      if (!(s <= MAX_SECONDS)) {
        throw refuse(p.stepField, `${prefix}the run would take about ${formatSeconds(s)} (${p.line}), more than the ${formatSeconds(MAX_SECONDS)} accepted: fewer steps, a shorter horizon (saveTimes) or fewer units`);
      }
    }
    seconds += e.seconds;
    out.push(...e.lines.map((l) => `  ${prefix}${l}`));
    if (e.bytes > freemem()) out.push(`  ${prefix}needs about ${formatBytes(e.bytes)}, more than the ${formatBytes(freemem())} free now: expect swapping`);
  }
  if (!(seconds > LONG_SECONDS)) return [];
  return [`estimate: about ${formatSeconds(seconds)} of computing (a rough cost model, src/spec/resources.ts):`, ...out];
}
