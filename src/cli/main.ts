/**
 * `meanfield` command line. Every command reads one JSON config (src/io/config.ts), validates it
 * (a bad field exits with code 2 and a message naming it), and writes result files that record the
 * config, seed, version and timings. Ctrl-C stops a run cleanly: finished save times are written
 * and the output says where it stopped.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.ts';
import { parseRunConfig, type RunConfig } from '../io/config.ts';
import { PACKAGE_VERSION, toJson } from '../io/output.ts';
import { runSolveInWorker, writeSolveOutputs } from '../pipeline/solve.ts';
import { potentialsTable } from '../pipeline/potentials.ts';
import { runCompare, writeCompareOutputs } from '../pipeline/compare.ts';
import { runMinimize, runSweep, writeSweepOutputs } from '../pipeline/landscape.ts';
import { runFluctuationsInWorker, writeFluctuationsOutputs } from '../pipeline/fluctuations.ts';
import { runCltStudyFromJson, writeCltStudyOutputs } from '../pipeline/clt-study.ts';
import { figureSummaryLines, runFigure, writeFigureOutputs } from '../pipeline/figures.ts';
import { isFigureConfig } from '../io/nd-config.ts';

/** MMN Fig. 1's step size, for --paper runs (slow: 1e7 steps to t = 10). */
const PAPER_EPSILON = 1e-6;

const USAGE = `meanfield ${PACKAGE_VERSION}: mean-field theory of two-layer neural networks

usage:
  meanfield solve <config.json> --out <dir>          solve the reduced DD; writes result.json and report.html
  meanfield compare <config.json> --out <dir> [--seeds K] [--workers W] [--paper] [--resume]
                                                     PDE vs finite-N SGD (particles block of the config);
                                                     --paper uses MMN's ε = 1e-6 (slow); --resume reuses the
                                                     replicas an interrupted run saved in <dir>/replicas
  meanfield compare <config.json> --out <dir> --ns 400,1600 --epsilons 2e-5,1e-4 [--seeds 60]
                                                     CLT ensemble study (also when the config has a "clt"
                                                     block): measured vs predicted std of R_N and mean r
  meanfield fluctuations <config.json> (--out <dir> | --json) [--n N] [--epsilon e] [--batch B] [--no-nonlocal]
                                                     CLT prediction of the seed-to-seed std of R_N, mean r
  meanfield minimize <config.json> [--json] [--lemma-domain half-line|grid]
                                                     certified global minimum of R on the grid, single-delta
                                                     ansatz with the Lemma 1 test, point-mass stability
  meanfield sweep <config.json> [--out <dir>] [--json]
                                                     risk vs Δ table, [Δ^l, Δ^h] per d, MMN Fig. 2 report
  meanfield potentials <config.json> --r 0.3,0.8,1.5 [--json]
                                                     v(r_i), u_d(r_i, r_j) and U(w,w) at the given radii
  meanfield --version | --help

Exit codes: 0 success, 1 run-time failure, 2 bad usage or config, 130 interrupted (partial results written).
See README.md for the config format.`;

class UsageError extends Error {}

function readConfig(path: string | undefined): RunConfig {
  return parseRunConfig(readJson(path));
}

function readJson(path: string | undefined): unknown {
  if (!path) throw new UsageError('missing <config.json>');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read config ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError('config', `${path} is not valid JSON: ${(e as Error).message}`);
  }
}

function numberList(text: string | undefined, name: string, rule: (x: number) => boolean, allowed: string): number[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((s, i) => {
    const x = Number(s);
    if (s.trim() === '' || !Number.isFinite(x) || !rule(x)) throw new ConfigError(`${name}[${i}]`, `must be ${allowed} (got ${JSON.stringify(s)})`);
    return x;
  });
}

/** SIGINT → a flag the long loops poll; a second Ctrl-C exits at once. */
function interruptFlag(): { stopped: () => boolean; dispose: () => void } {
  let stopped = false;
  const handler = (): void => {
    if (stopped) process.exit(130);
    stopped = true;
    process.stderr.write('\ninterrupt: finishing the current step and writing completed save times (Ctrl-C again to abort)\n');
  };
  process.on('SIGINT', handler);
  return { stopped: () => stopped, dispose: () => process.off('SIGINT', handler) };
}

function progress(quiet: boolean, label: string, end: number): ((t: number) => void) | undefined {
  if (quiet) return undefined;
  return (t) => process.stderr.write(`${label}: t = ${t.toFixed(4)} / ${end}\r`);
}

async function commandSolve(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, quiet: { type: 'boolean', default: false } } });
  const config = readConfig(positionals[0]);
  if (!values.out) throw new UsageError('solve needs --out <dir>');
  const interrupt = interruptFlag();
  try {
    const end = config.saveTimes[config.saveTimes.length - 1];
    const result = await runSolveInWorker(config, { onProgress: progress(values.quiet!, 'solve', end), shouldStop: interrupt.stopped });
    const files = writeSolveOutputs(values.out, result);
    if (!values.quiet) process.stderr.write('\n');
    const last = result.times.length - 1;
    console.log(
      `solved ${result.model.name} (${result.model.interaction.split(';')[0]}) on ${config.grid.cells} cells: ` +
        `${result.solver.steps} steps in ${(result.provenance.timings.solveMs / 1000).toFixed(2)} s; ` +
        `risk ${result.risk[0].toFixed(6)} → ${result.risk[last].toFixed(6)} at t = ${result.times[last]}`,
    );
    console.log(`wrote ${files.json}\nwrote ${files.html}`);
    if (result.solver.stoppedEarly) {
      console.log(`stopped early at t = ${result.times[last] ?? 0} (${result.solver.stopReason}); save times after it are missing`);
      return 130;
    }
    return 0;
  } finally {
    interrupt.dispose();
  }
}

async function commandCompare(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      seeds: { type: 'string' },
      workers: { type: 'string' },
      paper: { type: 'boolean', default: false },
      resume: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      ns: { type: 'string' },
      epsilons: { type: 'string' },
    },
  });
  const raw = readJson(positionals[0]);
  if (isFigureConfig(raw)) return commandFigure(raw, values);
  if (values.ns !== undefined || values.epsilons !== undefined || (raw !== null && typeof raw === 'object' && 'clt' in raw)) {
    return commandCltStudy(raw, values);
  }
  const config = parseRunConfig(raw);
  if (!values.out) throw new UsageError('compare needs --out <dir>');
  if (!config.particles) throw new ConfigError('particles', 'compare needs a "particles" block: { "n": 800, "epsilon": 1e-5 }');
  const integerFlag = (text: string | undefined, name: string, min: number): number | undefined => {
    if (text === undefined) return undefined;
    const x = Number(text);
    if (!Number.isInteger(x) || x < min) throw new ConfigError(name, `must be an integer >= ${min} (got ${JSON.stringify(text)})`);
    return x;
  };
  const seeds = integerFlag(values.seeds, '--seeds', 1);
  const workers = integerFlag(values.workers, '--workers', 1);
  const run: RunConfig = {
    ...config,
    particles: { ...config.particles, ...(seeds ? { seeds } : {}), ...(values.paper ? { epsilon: PAPER_EPSILON } : {}) },
  };
  const interrupt = interruptFlag();
  try {
    const end = run.saveTimes[run.saveTimes.length - 1];
    const say = values.quiet ? undefined : (m: string) => process.stderr.write(`${m}          \r`);
    const result = await runCompare(run, {
      workers,
      shouldStop: interrupt.stopped,
      onProgress: progress(values.quiet!, 'pde', end),
      onParticleProgress: say,
      // finished replicas are always checkpointed; --resume reuses those of an earlier, identical run
      checkpointDir: values.out,
      resumeFromCheckpoint: values.resume,
    });
    const files = writeCompareOutputs(values.out, result);
    if (!values.quiet) process.stderr.write('\n');
    const k = result.times.length - 1;
    console.log(`${'t'.padStart(6)}${'R PDE'.padStart(12)}${'R_N'.padStart(12)}${'gap'.padStart(11)}${'W1'.padStart(10)}${'KS'.padStart(10)}`);
    result.times.forEach((t, i) =>
      console.log(`${String(t).padStart(6)}${result.pde.risk[i].toFixed(5).padStart(12)}${result.particles.risk[i].toFixed(5).padStart(12)}${result.gap[i].toExponential(2).padStart(11)}${result.w1[i].toFixed(4).padStart(10)}${result.ks[i].toFixed(4).padStart(10)}`),
    );
    console.log(`N = ${run.particles!.n}, ε = ${run.particles!.epsilon}, ${run.particles!.seeds} seed(s) on ${result.provenance.timings.workers} worker(s); total ${(result.provenance.timings.totalMs / 1000).toFixed(1)} s`);
    console.log(`wrote ${files.json}\nwrote ${files.html}`);
    if (!result.particles.completed) {
      console.log(`stopped early: results up to t = ${result.times[k] ?? 'none'} are complete; later save times are missing`);
      console.log(`finished replicas are saved in ${values.out}/replicas; run the same command with --resume to continue`);
      return 130;
    }
    return 0;
  } finally {
    interrupt.dispose();
  }
}

/** `compare` on a figure config (variants, or the anisotropic models: MMN Figs. 3–4; src/pipeline/figures.ts). */
async function commandFigure(raw: unknown, values: { out?: string; seeds?: string; workers?: string; paper?: boolean; quiet?: boolean }): Promise<number> {
  if (!values.out) throw new UsageError('compare needs --out <dir>');
  const seeds = numberList(values.seeds, '--seeds', (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1')?.[0];
  const workers = numberList(values.workers, '--workers', (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1')?.[0];
  const interrupt = interruptFlag();
  try {
    const result = await runFigure(raw, {
      workers,
      seeds,
      paper: values.paper,
      shouldStop: interrupt.stopped,
      onProgress: values.quiet ? undefined : (m) => process.stderr.write(`${m}          \r`),
    });
    if (!values.quiet) process.stderr.write('\n');
    const files = writeFigureOutputs(values.out, result);
    for (const line of figureSummaryLines(result)) console.log(line);
    console.log(`wrote ${files.json}\nwrote ${files.html}`);
    if (!result.completed) {
      console.log('stopped early: completed save times are in the outputs; later ones are missing');
      return 130;
    }
    return 0;
  } finally {
    interrupt.dispose();
  }
}

/** `compare` over lists of N and ε with K seeds each: the CLT ensemble study (src/pipeline/clt-study.ts). */
async function commandCltStudy(
  raw: unknown,
  values: { out?: string; seeds?: string; workers?: string; ns?: string; epsilons?: string; quiet?: boolean },
): Promise<number> {
  if (!values.out) throw new UsageError('compare needs --out <dir>');
  const seeds = numberList(values.seeds, '--seeds', (x) => Number.isInteger(x) && x >= 3, 'an integer >= 3');
  const workers = numberList(values.workers, '--workers', (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1');
  const ns = numberList(values.ns, '--ns', (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1');
  const epsilons = numberList(values.epsilons, '--epsilons', (x) => x > 0 && x <= 1, 'a number in (0, 1]');
  const interrupt = interruptFlag();
  try {
    const result = await runCltStudyFromJson(raw, {
      workers: workers?.[0],
      shouldStop: interrupt.stopped,
      onProgress: values.quiet ? undefined : (p) => process.stderr.write(`${p.message}          \r`),
      overrides: { ...(ns ? { ns } : {}), ...(epsilons ? { epsilons } : {}), ...(seeds ? { seeds: seeds[0] } : {}) },
    });
    if (!values.quiet) process.stderr.write('\n');
    const files = writeCltStudyOutputs(values.out, result);
    for (const g of result.summary.groups) {
      console.log(`${g.label}: ${g.withinTwo}/${g.cells} within 2 sampling errors (mean |z| ${g.meanAbsZ.toFixed(2)}); without the nonlocal term: ${g.ablationWithinTwo}/${g.cells} (mean |z| ${g.ablationMeanAbsZ.toFixed(2)})`);
    }
    for (const line of [...result.summary.healing, ...result.summary.trust]) console.log(line);
    console.log(`wrote ${files.json}\nwrote ${files.html}`);
    if (!result.completed) {
      console.log('stopped early: the finished ensembles are analysed above; the others are missing');
      return 130;
    }
    return 0;
  } finally {
    interrupt.dispose();
  }
}

async function commandFluctuations(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: 'string' }, json: { type: 'boolean', default: false }, n: { type: 'string' }, epsilon: { type: 'string' }, batch: { type: 'string' }, 'no-nonlocal': { type: 'boolean', default: false } },
  });
  const config = readConfig(positionals[0]);
  if (!values.out && !values.json) throw new UsageError('fluctuations needs --out <dir> or --json');
  const n = numberList(values.n, '--n', (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1')?.[0];
  const epsilon = numberList(values.epsilon, '--epsilon', (x) => x > 0 && x <= 1, 'a number in (0, 1]')?.[0];
  const batch = numberList(values.batch, '--batch', (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1')?.[0];
  const interrupt = interruptFlag();
  try {
    const result = await runFluctuationsInWorker(
      config,
      { ...(n ? { n } : {}), ...(epsilon ? { epsilon } : {}), ...(batch ? { batch } : {}), ...(values['no-nonlocal'] ? { nonlocal: false } : {}) },
      { shouldStop: interrupt.stopped },
    );
    if (values.out) {
      const files = writeFluctuationsOutputs(values.out, result);
      if (!values.json) console.log(`wrote ${files.json}\nwrote ${files.html}`);
    }
    if (values.json) {
      console.log(toJson(result));
      return 0;
    }
    console.log(`${'t'.padStart(6)}${'R_PDE'.padStart(11)}${'Var_init'.padStart(12)}${'I_C'.padStart(12)}${'I_I'.padStart(12)}${'std R_N'.padStart(12)}${'std mean r'.padStart(12)}`);
    result.times.forEach((t, i) =>
      console.log(
        `${String(t).padStart(6)}${result.pdeRisk[i].toFixed(5).padStart(11)}${result.varInitRisk[i].toExponential(3).padStart(12)}${(result.noiseCommonRisk?.[i].toExponential(3) ?? 'n/a').padStart(12)}` +
          `${(result.noiseSameUnitRisk?.[i].toExponential(3) ?? 'n/a').padStart(12)}${result.predictedStdRisk[i].toExponential(3).padStart(12)}${result.predictedStdMeanRadius[i].toExponential(3).padStart(12)}`,
      ),
    );
    for (const w of result.warnings) console.log(`warning (${w.code}): ${w.message}`);
    return 0;
  } catch (e) {
    if ((e as Error).name === 'Interrupted') {
      console.log('interrupted: nothing written (a prediction is one computation; rerun it)');
      return 130;
    }
    throw e;
  } finally {
    interrupt.dispose();
  }
}

function commandMinimize(args: string[]): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false }, 'lemma-domain': { type: 'string', default: 'half-line' } } });
  const config = readConfig(positionals[0]);
  const domain = values['lemma-domain'];
  if (domain !== 'half-line' && domain !== 'grid') throw new ConfigError('--lemma-domain', `must be "half-line" or "grid" (got ${JSON.stringify(domain)})`);
  const result = runMinimize(config, domain);
  if (values.json) {
    console.log(toJson(result));
    return 0;
  }
  const { minimum: m, singleDelta: sd, stability } = result;
  console.log(`grid minimum of R: ${m.risk.toPrecision(12)} (duality gap ${m.dualityGap.toExponential(2)}, lower bound ${m.lowerBound.toPrecision(12)}, ${m.converged ? 'converged' : 'NOT converged'})`);
  console.log(`minimiser: ${m.support.length} atom(s)`);
  for (const a of m.support) console.log(`  r = ${a.coordinates[0].toFixed(6)}  mass = ${a.mass.toPrecision(8)}  ψ = ${a.psi.toPrecision(12)}`);
  console.log(`certificate (MMN eq. 17): max ψ on support − min ψ = ${m.certificate.violation.toExponential(2)}`);
  console.log(`single delta (MMN eq. 14): r* = ${sd.rStar.toPrecision(10)}, R = ${sd.risk.toPrecision(12)}`);
  console.log(`Lemma 1 on ${sd.lemma1.domain}: ${sd.lemma1.holds ? 'holds' : 'fails'} (margin ${sd.lemma1.margin.toExponential(3)}, normalised ${sd.lemma1.normalizedMargin.toExponential(3)})`);
  console.log(`point mass at r*: ψ'(r*) = ${stability.psiPrime.toExponential(2)}, ψ''(r*) = ${stability.psiSecond.toPrecision(6)} → ${stability.classification}`);
  return 0;
}

async function commandSweep(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, json: { type: 'boolean', default: false }, quiet: { type: 'boolean', default: false } } });
  const config = readConfig(positionals[0]);
  const result = await runSweep(config, { onProgress: values.quiet || values.json ? undefined : (m) => process.stderr.write(`sweep: ${m}\n`) });
  if (values.out) {
    const files = writeSweepOutputs(values.out, result);
    if (!values.json) console.log(`wrote ${files.json}\nwrote ${files.html}`);
  }
  if (values.json) {
    console.log(toJson({ deltaTolerance: result.deltaTolerance, lemmaDomain: result.lemmaDomain, dims: result.dims }));
    return 0;
  }
  for (const dim of result.dims) {
    console.log(`d = ${dim.d}: single delta optimal for Δ ∈ [${dim.deltaLow?.toFixed(4) ?? '≤ scan start'}, ${dim.deltaHigh?.toFixed(4) ?? '≥ scan end'}] (± ${result.deltaTolerance / 2})`);
    console.log(`${'Δ'.padStart(8)}${'R_min'.padStart(14)}${'single δ'.padStart(14)}${'r*'.padStart(10)}  Lemma 1`);
    for (const r of dim.rows) console.log(`${r.delta.toFixed(3).padStart(8)}${r.gridMinimum.risk.toPrecision(8).padStart(14)}${r.singleDelta.risk.toPrecision(8).padStart(14)}${r.singleDelta.rStar.toFixed(4).padStart(10)}  ${r.lemma1.holds ? 'holds' : 'fails'}`);
    for (const p of dim.dynamics) console.log(`  Δ = ${p.delta}: PDE risk at long time ${p.pdeRisk.toPrecision(6)}${p.sgdRisk !== null ? `, SGD ${p.sgdRisk.toPrecision(6)}` : ''}`);
  }
  return 0;
}

function commandPotentials(args: string[]): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { r: { type: 'string' }, json: { type: 'boolean', default: false } } });
  const config = readConfig(positionals[0]);
  if (!values.r) throw new UsageError('potentials needs --r r1,r2,...');
  const radii = values.r.split(',').map((s, i) => {
    const x = Number(s);
    if (s.trim() === '' || !Number.isFinite(x) || x < 0) throw new ConfigError(`--r[${i}]`, `must be a finite number >= 0 (got ${JSON.stringify(s)})`);
    return x;
  });
  const table = potentialsTable(config, radii);
  if (values.json) {
    console.log(toJson({ r: table.r, v: table.v, u: table.u, uDiag: table.uDiag }));
  } else {
    console.log(`${config.model.name}: Δ = ${config.model.delta}, d = ${config.model.d}; u_d via ${table.method}`);
    console.log(['r', 'v(r)', 'U(w,w)', ...radii.map((r) => `u(r, ${r})`)].map((s) => s.padStart(14)).join(''));
    table.r.forEach((r, i) => console.log([r, table.v[i], table.uDiag[i], ...table.u[i]].map((x) => x.toPrecision(8).padStart(14)).join('')));
  }
  return 0;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'solve':
        return await commandSolve(rest);
      case 'potentials':
        return commandPotentials(rest);
      case 'compare':
        return await commandCompare(rest);
      case 'minimize':
        return commandMinimize(rest);
      case 'fluctuations':
        return await commandFluctuations(rest);
      case 'sweep':
        return await commandSweep(rest);
      case '--version':
      case 'version':
        console.log(PACKAGE_VERSION);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`meanfield: invalid config: ${e.message}`);
      return 2;
    }
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`meanfield: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    console.error(`meanfield: ${(e as Error).stack ?? e}`);
    return 1;
  }
}
