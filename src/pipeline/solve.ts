/**
 * The `solve` job: config → model → grid problem → finite-volume trajectory (+ an independent
 * characteristics cross-check) → result.json + report.html. Usable from the CLI, tests and notebooks.
 */
import { ConfigError } from '../errors.ts';
import { Grid } from '../grid.ts';
import { initialMass } from '../initial.ts';
import type { RunConfig } from '../io/config.ts';
import { makeProvenance, toJson, writeFileAtomic } from '../io/output.ts';
import { densityPanelsFigure, lineFigure } from '../plot/figures.ts';
import { renderReport, type ReportSection } from '../plot/html-report.ts';
import type { GridOperators, Provenance } from '../types.ts';
import { buildModel, type MeanFieldModelInstance } from '../models.ts';
import { solve, type Trajectory } from '../../solvers/finite-volume.ts';
import { chiLogDensity, radialQuadrature, solveCharacteristics, type SeparableRadialModel } from '../../solvers/characteristics.ts';
import { join } from 'node:path';
import { runInWorker, type TaskContext } from '../parallel/pool.ts';

export interface RunControl {
  /** Called at most every ~second with the current time. */
  onProgress?: (t: number, step: number) => void;
  /** Polled between steps; true stops the run after the current step (completed save times are kept). */
  shouldStop?: () => boolean;
}

export interface SolveResult {
  kind: 'meanfield.solve';
  provenance: Provenance;
  config: RunConfig;
  model: { name: string; interaction: string; kernelOrder: number; rank: number };
  grid: { axes: { name: string; lo: number; hi: number; cells: number }[]; centres: Float64Array; cellWidth: number };
  times: number[];
  risk: number[];
  mass: number[];
  meanR: number[];
  minMass: number[];
  /** Cell masses P_j at each save time; density = P_j / cellWidth. */
  density: Float64Array[];
  solver: {
    scheme: string;
    reconstruction: string;
    cfl: number;
    steps: number;
    rejectedSteps: number;
    rejections: { energy: number; positivity: number };
    stoppedEarly: boolean;
    stopReason?: string;
  };
  /** Mass of the initial law beyond rMax (renormalised away). */
  initialTruncatedMass: number;
  /**
   * Independent check: the same DD by weighted radial characteristics (solvers/characteristics.ts),
   * noiseless runs only. Accurate to ~1e-8 before the separatrix forms (t ≲ 3 for MMN Fig. 1), O(1/nodes) after.
   */
  characteristics?: { nodes: number; dt: number; risk: number[]; meanR: number[] };
}

export interface SolvedProblem {
  model: MeanFieldModelInstance;
  grid: Grid;
  operators: GridOperators;
  initial: Float64Array;
  /** Mass of the initial law beyond rMax (renormalised away). */
  truncatedMass: number;
  kernelOrder: number;
}

/** Model, grid, operators and initial masses for a run config (shared by solve, compare, minimize). */
export function setUpProblem(config: RunConfig): SolvedProblem {
  const model = buildModel(config.model);
  const grid = Grid.uniform1d('r', 0, config.grid.rMax, config.grid.cells);
  const operators = model.gridOperators(grid, { tolerance: config.solver.kernelTolerance });
  const kernelOrder = model.truncationOrder(config.solver.kernelTolerance, config.grid.rMax);
  const init = config.init;
  let law;
  if (init.kind === 'gaussian') {
    // w ~ N(0, s²/d I): at d = ∞ the radius concentrates at s (a shell).
    law = model.d === 'inf' ? initialMass(grid, { kind: 'shell', radius: init.scale }) : initialMass(grid, { kind: 'gaussian', scale: init.scale, d: model.d });
  } else {
    law = initialMass(grid, init);
  }
  return { model, grid, operators, initial: law.mass, kernelOrder, truncatedMass: law.truncatedMass };
}

/** Adapter: the isotropic model as a separable radial model of order K for the characteristics solver. */
export function separableRadial(model: MeanFieldModelInstance, K: number): SeparableRadialModel {
  const rank = model.featureCount(K);
  const point = new Float64Array(1);
  return {
    riskConstant: model.riskConstant,
    rank,
    v: (r) => model.v(r),
    dv: (r) => model.dv(r),
    features(r, phi, dphi) {
      point[0] = r;
      model.features(point, K, phi, dphi);
    },
  };
}

/** Runs the PDE for a validated config. */
export function runSolve(config: RunConfig, control: RunControl = {}): SolveResult {
  const t0 = performance.now();
  const setup = setUpProblem(config);
  const { model, grid, operators, initial, kernelOrder } = setup;
  if (config.noise && model.d === 'inf') throw new ConfigError('noise', 'the noisy radial dynamics has no d = ∞ limit at fixed β (REDUCED-MODELS.md §4.2); use a finite d');
  const tSetup = performance.now();
  let lastReport = 0;
  const traj: Trajectory = solve(
    {
      operators,
      initialMass: initial,
      schedule: config.schedule,
      noise: config.noise ? { beta: config.noise.beta, lambda: config.noise.lambda, jacobianExponents: [model.d === 'inf' ? 0 : model.d - 1] } : undefined,
    },
    {
      saveTimes: config.saveTimes,
      scheme: config.solver.scheme,
      cfl: config.solver.cfl,
      dt: config.solver.dt,
      reconstruction: config.solver.reconstruction,
      shouldStop: control.shouldStop,
      onProgress: control.onProgress
        ? (t, step) => {
            const now = performance.now();
            if (now - lastReport > 1000) {
              lastReport = now;
              control.onProgress!(t, step);
            }
          }
        : undefined,
    },
  );
  const tSolve = performance.now();

  let characteristics: SolveResult['characteristics'];
  if (!config.noise && config.init.kind === 'gaussian' && !traj.stoppedEarly) {
    const nodesPerPanel = 25;
    const panels = 8;
    const quad =
      model.d === 'inf'
        ? { nodes: Float64Array.of(config.init.scale), weights: Float64Array.of(1) }
        : radialQuadrature(chiLogDensity(model.d, config.init.scale), config.grid.rMax, panels, nodesPerPanel);
    const dt = 5e-3;
    // velocities need a few more orders than the kernel itself (∂u converges like u: K = 30 at d = 40 gives 4e-12)
    const velocityOrder = model.d === 'inf' ? 0 : Math.max(kernelOrder, 30);
    const ch = solveCharacteristics({ model: separableRadial(model, velocityOrder), nodes: quad.nodes, weights: quad.weights, schedule: config.schedule }, { saveTimes: config.saveTimes, dt });
    characteristics = { nodes: quad.nodes.length, dt, risk: ch.risk, meanR: ch.meanR };
  }
  const tEnd = performance.now();

  return {
    kind: 'meanfield.solve',
    provenance: makeProvenance(config.seed, {
      setupMs: tSetup - t0,
      solveMs: tSolve - tSetup,
      characteristicsMs: tEnd - tSolve,
      totalMs: tEnd - t0,
    }),
    config,
    model: { name: model.name, interaction: operators.interaction.description, kernelOrder, rank: model.featureCount(kernelOrder) },
    grid: { axes: grid.toJSON().axes, centres: grid.centres[0], cellWidth: grid.spacing[0] },
    times: traj.times,
    risk: traj.risk,
    mass: traj.mass,
    meanR: traj.means[0],
    minMass: traj.minMass,
    density: traj.snapshots,
    solver: {
      scheme: traj.scheme,
      reconstruction: traj.reconstruction,
      cfl: config.solver.cfl,
      steps: traj.steps,
      rejectedSteps: traj.rejectedSteps,
      rejections: traj.rejections,
      stoppedEarly: traj.stoppedEarly,
      stopReason: traj.stopReason,
    },
    initialTruncatedMass: setup.truncatedMass,
    characteristics,
  };
}

/** `runSolve` as a pool task (src/parallel/pool.ts); progress messages are `{ t, step }`. */
export function solveTask(config: RunConfig, context: TaskContext): SolveResult {
  return runSolve(config, { shouldStop: context.shouldStop, onProgress: (t, step) => context.progress({ t, step }) });
}

/**
 * `runSolve` in a worker thread, so that the calling thread's event loop stays free: signals
 * (Ctrl-C) and progress reach it while the PDE runs. `shouldStop` is polled every 50 ms here and
 * forwarded through the pool's shared flag; the worker stops after its current step.
 */
export function runSolveInWorker(config: RunConfig, control: RunControl = {}): Promise<SolveResult> {
  return runInWorker<SolveResult, { t: number; step: number }>(
    { module: import.meta.url, export: 'solveTask', input: config },
    { shouldStop: control.shouldStop, pollMs: 50, onProgress: control.onProgress && ((p) => control.onProgress!(p.t, p.step)) },
  );
}

export function solveReportSections(result: SolveResult): ReportSection[] {
  const sections: ReportSection[] = [
    {
      title: 'Radial density ρ̄_t(r)',
      text: `Finite-volume solution of the reduced DD (MMN eq. 13) on ${result.grid.axes[0].cells} cells over [0, ${result.grid.axes[0].hi}]; ${result.model.interaction}.`,
      figure: densityPanelsFigure('r = |w|', result.grid.centres, result.grid.cellWidth, result.times, result.density),
    },
    {
      title: 'Risk',
      figure: lineFigure('Risk R(ρ̄_t)', 't', 'risk', [
        { name: 'finite volumes', x: result.times, y: result.risk, mode: 'lines+markers' },
        ...(result.characteristics ? [{ name: 'characteristics (200 nodes; exact to ~1e-9 before t ≈ 3, O(1/nodes) after the separatrix)', x: result.times, y: result.characteristics.risk, mode: 'markers' as const, dash: 'dot' as const }] : []),
      ]),
    },
    {
      title: 'Summary',
      table: {
        columns: ['t', 'risk', 'mean r', 'mass − 1', 'min cell mass', ...(result.characteristics ? ['risk (characteristics)'] : [])],
        rows: result.times.map((t, i) => [t, result.risk[i], result.meanR[i], result.mass[i] - 1, result.minMass[i], ...(result.characteristics ? [result.characteristics.risk[i]] : [])]),
      },
    },
  ];
  return sections;
}

export function writeSolveOutputs(dir: string, result: SolveResult): { json: string; html: string } {
  const json = join(dir, 'result.json');
  const html = join(dir, 'report.html');
  writeFileAtomic(json, toJson(result));
  const { provenance, config } = result;
  writeFileAtomic(html, renderReport('meanfield solve', solveReportSections(result), { provenance, config }));
  return { json, html };
}
